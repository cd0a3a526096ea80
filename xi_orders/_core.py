"""What every operation of ``AsyncOrdersClient`` shares: one send through the send path,
closing (calls in flight end with ``ClientClosedError``), and following a new event loop.

Must not import the client (it is the client's base class) nor the models.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
import httpx

from . import _http, _loops, _telemetry
from ._auth import TokenAuth
from ._options import AsyncViews, CallOptions, PoolSettings
from ._transport import Endpoint, Params, Reply, Sender
from .errors import APIStatusError, ClientClosedError, DecodeError, ValidationError


class ClientCore(AsyncViews):
    """The send path, lifecycle and event-loop following of ``AsyncOrdersClient``."""

    _root: ClientCore
    _options: CallOptions
    _closed: bool
    _loop: object | None
    _in_flight: set[anyio.CancelScope]
    _telemetry: _telemetry.Telemetry
    _sender: Sender
    _auth: TokenAuth
    _owns_http: bool
    _http: httpx.AsyncClient
    _transport: httpx.AsyncBaseTransport | None
    _timeout: float | httpx.Timeout
    _pool: PoolSettings

    def _new_http(self) -> httpx.AsyncClient:
        """The connection pool this client owns (built again for a new event loop)."""
        http = _http.new_client(
            transport=self._transport or self._pool.transport(), timeout=self._timeout
        )
        if self._pool.event_hooks:
            http.event_hooks = dict(self._pool.event_hooks)
        return http

    # --- one send path, closable, following the event loop ---------------------------

    def _check_open(self) -> None:
        if self._root._closed:
            raise ClientClosedError(
                f"{self!r} is closed: create a new client (or make the calls inside "
                "`async with` / `with`)"
            )

    async def _send(
        self,
        endpoint: Endpoint,
        *,
        path_arg: str | None = None,
        params: Params = None,
        body: Any = None,
        correlation_id: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Reply:
        call = self._options.for_call(options) if options else self._options
        # A view (with_options) sends with its options through the client it came from.
        self = self._root
        self._check_open()
        loop = _loops.running_loop()
        if loop is not self._loop:
            self._follow_loop(loop)
        scope = anyio.CancelScope()
        self._in_flight.add(scope)
        op = self._telemetry.begin(endpoint.name)
        try:
            with scope:
                sent = self._sender.send(
                    endpoint,
                    path_arg=path_arg,
                    params=params,
                    body=body,
                    correlation_id=correlation_id,
                    options=call,
                    op=op,
                )
                return await (sent if op is None else _telemetry.traced(op, sent))
        except (APIStatusError, ValidationError, DecodeError):
            raise  # the server's answer stands, closed or not
        except Exception as exc:
            if self._closed:  # e.g. the pool closed under the call
                raise ClientClosedError(f"{self!r} was closed during the call") from exc
            raise
        finally:
            self._in_flight.discard(scope)
        # Only reached when aclose() cancelled the scope.
        raise ClientClosedError(f"{self!r} was closed during the call")

    def _follow_loop(self, loop: object) -> None:
        """Move what belongs to an event loop (locks, our connection pool) to ``loop``."""
        old, self._loop = self._loop, loop
        if old is None:
            return
        self._auth.forget_loop()
        self._sender.limiter.forget_loop()
        if self._owns_http:
            stale = self._http
            self._http = self._sender.http = self._new_http()
            _loops.close_on(old, stale)

    # --- lifecycle -------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether ``aclose()`` has been called."""
        return self._root._closed

    async def aclose(self) -> None:
        """Close the client: calls still in flight end with ``ClientClosedError`` (none is
        retried), later calls raise it, and the connection pool is closed (unless it was
        passed in as ``http_client``). Closing twice is harmless (a view closes its client)."""
        self = self._root
        if self._closed:
            return
        self._closed = True
        for scope in list(self._in_flight):
            scope.cancel()
        if self._owns_http:
            if self._loop is None or self._loop is _loops.running_loop():
                await self._http.aclose()
            else:  # opened on another loop: only that loop can close its connections
                _loops.close_on(self._loop, self._http)
