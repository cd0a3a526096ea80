"""The sandbox as an httpx transport, for ``httpx.AsyncClient`` and ``httpx.Client`` alike."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import anyio
import httpx

from ._app import CoreRequest, CoreResponse, Exchange

if TYPE_CHECKING:
    from ._sandbox import Sandbox

_DROPPED = "Server disconnected without sending a response."


def _core_request(request: httpx.Request, body: bytes) -> CoreRequest:
    raw = request.url.raw_path.decode("ascii", "replace")
    path, _, query = raw.partition("?")
    headers = {k.lower(): v for k, v in request.headers.items()}
    return CoreRequest(request.method, path, query, headers, body)


def _response(resp: CoreResponse, request: httpx.Request) -> httpx.Response:
    return httpx.Response(resp.status, headers=resp.headers, content=resp.body, request=request)


class SandboxTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """Answers httpx requests from the in-memory emulator, without a network.

    Latency and slow faults sleep with :func:`anyio.sleep` in async use (asyncio and trio)
    and :func:`time.sleep` in sync use. A dropped connection raises
    :class:`httpx.RemoteProtocolError`, as httpx does when a server hangs up.
    """

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._core = sandbox._core

    def _exchange(self, request: httpx.Request, body: bytes) -> Exchange:
        return self._core.handle(_core_request(request, body))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Serve one request (async)."""
        exchange = self._exchange(request, await request.aread())
        if exchange.delay > 0:
            await anyio.sleep(exchange.delay)
        if self._sandbox._auto_deliver_pending():
            await self._sandbox.adeliver_webhooks()
        if exchange.response is None:
            raise httpx.RemoteProtocolError(_DROPPED, request=request)
        return _response(exchange.response, request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Serve one request (sync)."""
        exchange = self._exchange(request, request.read())
        if exchange.delay > 0:
            time.sleep(exchange.delay)
        if self._sandbox._auto_deliver_pending():
            self._sandbox.deliver_webhooks()
        if exchange.response is None:
            raise httpx.RemoteProtocolError(_DROPPED, request=request)
        return _response(exchange.response, request)
