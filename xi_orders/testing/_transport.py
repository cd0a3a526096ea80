"""The sandbox as an httpx transport, for ``httpx.AsyncClient`` and ``httpx.Client`` alike.

Turns an :class:`~._http.Exchange` into what httpx would see from a real server: a response,
a dropped connection, a read timeout, or a connection reset part-way through the body.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import anyio
import httpx

from ._http import CoreRequest, CoreResponse, Exchange

if TYPE_CHECKING:
    from ._core import Served

_DROPPED = "Server disconnected without sending a response."
_RESET = "[Errno 104] Connection reset by peer"
_TIMED_OUT = "The read operation timed out"


def _core_request(request: httpx.Request, body: bytes) -> CoreRequest:
    raw = request.url.raw_path.decode("ascii", "replace")
    path, _, query = raw.partition("?")
    headers = {k.lower(): v for k, v in request.headers.items()}
    return CoreRequest(request.method, path, query, headers, body)


class _ResetStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """The first part of a body, then the connection is reset (``httpx.ReadError``)."""

    def __init__(self, part: bytes, request: httpx.Request) -> None:
        self._part = part
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        if self._part:
            yield self._part
        raise httpx.ReadError(_RESET, request=self._request)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._part:
            yield self._part
        raise httpx.ReadError(_RESET, request=self._request)


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    read = timeout.get("read") if isinstance(timeout, dict) else None
    return float(read) if read is not None else None


def _wait(exchange: Exchange, request: httpx.Request) -> tuple[float, bool]:
    """How long to sleep, and whether the client gives up first (``act_then_timeout``)."""
    if exchange.fault == "act_then_timeout":
        read = _read_timeout(request)
        if read is not None and read < exchange.delay:
            return read, True
    return exchange.delay, False


def _response(exchange: Exchange, request: httpx.Request) -> httpx.Response:
    resp: CoreResponse | None = exchange.response
    if resp is None:
        raise httpx.RemoteProtocolError(_DROPPED, request=request)
    if exchange.reset_after is None:
        return httpx.Response(resp.status, headers=resp.headers, content=resp.body, request=request)
    if not resp.body:  # reset before the headers were complete
        raise httpx.ReadError(_RESET, request=request)
    headers = [*resp.headers, ("Content-Length", str(len(resp.body)))]
    stream = _ResetStream(resp.body[: exchange.reset_after], request)
    return httpx.Response(resp.status, headers=headers, stream=stream, request=request)


class SandboxTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """Answers httpx requests from the in-memory emulator, without a network.

    Latency and slow faults sleep with :func:`anyio.sleep` in async use (asyncio and trio)
    and :func:`time.sleep` in sync use. A dropped connection raises
    :class:`httpx.RemoteProtocolError`, as httpx does when a server hangs up; a reset
    part-way through the body raises :class:`httpx.ReadError` while the body is read; an
    answer held back past the request's read timeout raises :class:`httpx.ReadTimeout`.
    """

    #: It holds no connection, so a client may use it from any event loop.
    keeps_connections = False

    def __init__(self, sandbox: Served) -> None:
        self._sandbox = sandbox
        self._core = sandbox._core

    def _exchange(self, request: httpx.Request, body: bytes) -> Exchange:
        return self._core.handle(_core_request(request, body))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Serve one request (async)."""
        exchange = self._exchange(request, await request.aread())
        delay, timed_out = _wait(exchange, request)
        if delay > 0:
            await anyio.sleep(delay)
        if self._sandbox._auto_deliver_pending():
            await self._sandbox.adeliver_webhooks()
        if timed_out:
            raise httpx.ReadTimeout(_TIMED_OUT, request=request)
        return _response(exchange, request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Serve one request (sync)."""
        exchange = self._exchange(request, request.read())
        delay, timed_out = _wait(exchange, request)
        if delay > 0:
            time.sleep(delay)
        if self._sandbox._auto_deliver_pending():
            self._sandbox.deliver_webhooks()
        if timed_out:
            raise httpx.ReadTimeout(_TIMED_OUT, request=request)
        return _response(exchange, request)
