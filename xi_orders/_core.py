"""What every operation of ``AsyncOrdersClient`` shares: one send through the send path,
closing (calls in flight end with ``ClientClosedError``), and following a new event loop
(``EventLoopError`` when it cannot). Only ``XiError`` leaves the send path: anything else is
an ``UnexpectedError`` with the original, scrubbed of secrets, as its cause.

Must not import the client (it is the client's base class) nor the models.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import anyio
import httpx

from . import _http, _loops, _redact, _telemetry
from ._auth import TokenAuth
from ._options import AsyncViews, CallOptions, PoolSettings
from ._transport import Endpoint, Params, Reply, Sender, new_correlation_id
from .errors import (
    APIStatusError,
    ClientClosedError,
    DecodeError,
    EventLoopError,
    UnexpectedError,
    ValidationError,
    XiError,
)

#: Transports that hold nothing of an event loop, so any loop may use them (by name, so
#: that the sandbox's module is not imported here).
_LOOP_FREE_TRANSPORTS = frozenset(
    {
        ("httpx", "MockTransport"),
        ("httpx", "ASGITransport"),
        ("xi_orders.testing._transport", "SandboxTransport"),
    }
)


def _loop_free(transport: object) -> bool:
    """Whether ``transport`` may serve a new event loop (it keeps no connections)."""
    for cls in type(transport).__mro__:
        module = cls.__module__
        if module.startswith("httpx."):
            module = "httpx"
        if (module, cls.__name__) in _LOOP_FREE_TRANSPORTS:
            return True
    return False


def _scrub(exc: BaseException, secrets: Iterable[str | None]) -> BaseException:
    """``exc`` without ``secrets``: its text arguments and attributes, the httpx requests it
    holds, and those of the exceptions chained to or grouped in it, redacted in place. An
    exception group's message cannot be changed: a group whose message shows a secret is
    replaced by a copy (same exceptions and traceback)."""
    hidden = _redact.normalize(secrets)
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 64:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        _redact.scrub_exception(current, hidden)
        if hidden:
            current.args = tuple(_redact.redact_value(a, hidden) for a in current.args)
            for name, value in list(getattr(current, "__dict__", {}).items()):
                if isinstance(value, str | dict | list | tuple):
                    # Best effort: an attribute may be read-only.
                    with contextlib.suppress(AttributeError, TypeError):
                        setattr(current, name, _redact.redact_value(value, hidden))
        todo += [current.__cause__, current.__context__, *_members(current)]
    group = _group_class(exc)
    message = getattr(exc, "message", None)
    if group is not None and hidden and isinstance(message, str):
        redacted = _redact.redact(message, hidden)
        if redacted != message:
            copy: BaseException = group(redacted, list(_members(exc)))
            copy.__cause__, copy.__context__ = exc.__cause__, exc.__context__
            return copy.with_traceback(exc.__traceback__)
    return exc


def _group_class(exc: BaseException) -> Any:
    """``BaseExceptionGroup`` when ``exc`` is a group (the builtin on 3.11+, the
    ``exceptiongroup`` backport on 3.10), else None."""
    return next((c for c in type(exc).__mro__ if c.__name__ == "BaseExceptionGroup"), None)


def _members(exc: BaseException) -> list[BaseException]:
    """The exceptions of a group, none for any other exception."""
    if _group_class(exc) is None:
        return []
    return [e for e in getattr(exc, "exceptions", ()) if isinstance(e, BaseException)]


class ClientCore(AsyncViews):
    """The send path, lifecycle and event-loop following of ``AsyncOrdersClient``."""

    _root: ClientCore
    _options: CallOptions
    _closed: bool
    _loop: object | None
    _in_flight: set[anyio.CancelScope]
    #: Guards switching loops against calls starting on two loops (threads) at once. One
    #: for every client: it is held for a few instructions, never across an await.
    _loop_lock = threading.Lock()
    #: Closes our own pool when its event loop ends (see ``_loops.close_when_loop_ends``).
    _pool_guard: object | None = None
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
        scope = anyio.CancelScope()
        with self._loop_lock:
            if loop is not self._loop:
                self._follow_loop(loop)
            self._in_flight.add(scope)
        # Chosen here, so that an unexpected failure carries it too.
        cid = new_correlation_id() if correlation_id is None else correlation_id
        op = self._telemetry.begin(endpoint.name)
        unexpected: UnexpectedError | None = None
        try:
            with scope:
                sent = self._sender.send(
                    endpoint,
                    path_arg=path_arg,
                    params=params,
                    body=body,
                    correlation_id=cid,
                    options=call,
                    op=op,
                )
                return await (sent if op is None else _telemetry.traced(op, sent))
        except (APIStatusError, ValidationError, DecodeError):
            raise  # the server's answer stands, closed or not
        except Exception as exc:
            if self._closed:  # e.g. the pool closed under the call
                raise ClientClosedError(f"{self!r} was closed during the call") from exc
            if isinstance(exc, XiError):
                raise
            unexpected = self._unexpected(exc, endpoint, path_arg, cid)
        finally:
            self._in_flight.discard(scope)
        if unexpected is not None:
            # Raised here, not in the handler: its __context__ would be the original
            # exception, which may have been replaced by a scrubbed copy.
            raise unexpected
        # Only reached when aclose() cancelled the scope.
        raise ClientClosedError(f"{self!r} was closed during the call")

    def _unexpected(
        self, exc: Exception, endpoint: Endpoint, path_arg: str | None, cid: str
    ) -> UnexpectedError:
        """``exc`` (of no expected kind) as the typed error, with ``exc`` as its cause,
        scrubbed of the secret and the tokens."""
        secrets = self._auth.secrets
        cause = _scrub(exc, secrets)
        try:
            url: str | None = self._sender.url(endpoint, path_arg)
        except Exception:  # pragma: no cover - a path argument the operation let through
            url = None
        error = UnexpectedError(
            _redact.redact(
                f"{type(exc).__name__} during {endpoint.name}: {cause} (correlation ID "
                f"{cid}); the request may have been sent",
                secrets,
            ),
            correlation_id=cid,
            method=endpoint.method,
            url=url,
        )
        error.__cause__ = cause
        return error

    def _follow_loop(self, loop: object) -> None:
        """Move what belongs to an event loop (locks, our connection pool) to ``loop``, or
        raise ``EventLoopError`` when that cannot be done. Called under ``_loop_lock``."""
        old = self._loop
        if old is not None:
            if self._in_flight:
                if not _loops.has_ended(old):
                    raise EventLoopError(
                        f"{self!r} is still making calls on another event loop (thread): one "
                        "client serves one event loop at a time. Give this loop (thread) its "
                        "own client, or wait for the calls on the other loop to finish"
                    )
                self._in_flight.clear()  # calls of a loop that ended without finishing them
            self._check_pool_can_move()
        self._loop = loop
        if old is not None:
            self._auth.forget_loop()
            self._sender.limiter.forget_loop()
        if self._owns_http and self._transport is None:
            if old is not None:
                stale = self._http
                self._http = self._sender.http = self._new_http()
                _loops.close_on(old, stale)
            self._pool_guard = _loops.close_when_loop_ends(self._http)

    def _check_pool_can_move(self) -> None:
        """``EventLoopError`` when a pool or transport passed in may hold connections of the
        loop it was used on: only their owner can make one for another loop."""
        if self._owns_http and self._transport is None:
            return  # ours: a new pool is made for the new loop
        if self._owns_http:
            given, setting = self._transport, "transport"
        else:
            given, setting = getattr(self._http, "_transport", None), "http_client"
        if given is not None and _loop_free(given):
            return
        raise EventLoopError(
            f"{self!r} was first used on another event loop, and the {setting} passed in "
            "keeps that loop's connections, which cannot move to this one. Pass a fresh "
            f"{setting} on each event loop (e.g. a new client per asyncio.run), or pass no "
            "http_client / transport so that the client owns its pool and follows the loop"
        )

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
        scopes = list(self._in_flight)

        def cancel() -> None:
            for scope in scopes:
                scope.cancel()

        if scopes and not _loops.call_soon(self._loop, cancel):
            cancel()
        if self._owns_http:
            if self._loop is None or self._loop is _loops.running_loop():
                await self._http.aclose()
            else:  # opened on another loop: only that loop can close its connections
                _loops.close_on(self._loop, self._http)
