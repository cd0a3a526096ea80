"""What every view of one ``AsyncOrdersClient`` shares: the connection pool, the token, the
rate limiter and the pipeline over them; closing (calls in flight end with
``ClientClosedError``); following a new event loop (``EventLoopError`` when it cannot).
Only ``XiError`` leaves a call: anything else is an ``UnexpectedError`` with the original,
scrubbed of secrets, as its cause.

Must not import the client nor the models.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable
from typing import Any

import anyio
import httpx

from . import _loops, _redact, _telemetry, _transport
from ._auth import TokenAuth
from ._endpoints import Endpoint
from ._groups import group_class, members
from ._pipeline import Params, Pipeline, Reply
from ._ratelimit import RateLimiter
from ._request import CallOptions, new_correlation_id
from ._settings import Settings
from .errors import (
    APIStatusError,
    ClientClosedError,
    DecodeError,
    EventLoopError,
    UnexpectedError,
    ValidationError,
    XiError,
)


def _loop_free(transport: object) -> bool:
    """Whether ``transport`` may serve a new event loop: it keeps no connections (httpx's
    mock and ASGI transports, or any transport saying so with ``keeps_connections = False``,
    as the sandbox's does)."""
    if isinstance(transport, (httpx.MockTransport, httpx.ASGITransport)):
        return True
    return getattr(transport, "keeps_connections", True) is False


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
        todo += [current.__cause__, current.__context__, *members(current)]
    group = group_class(exc)
    message = getattr(exc, "message", None)
    if group is not None and hidden and isinstance(message, str):
        redacted = _redact.redact(message, hidden)
        if redacted != message:
            copy: BaseException = group(redacted, list(members(exc)))
            copy.__cause__, copy.__context__ = exc.__cause__, exc.__context__
            return copy.with_traceback(exc.__traceback__)
    return exc


class Session:
    """The pool, token, limiter and pipeline one client and all its views share, with the
    client's lifecycle: closing and following the event loop."""

    #: Guards switching loops against calls starting on two loops (threads) at once. One
    #: for every client: it is held for a few instructions, never across an await.
    _loop_lock = threading.Lock()

    def __init__(self, settings: Settings, name: str) -> None:
        #: The client's repr, for messages.
        self.name = name
        self.settings = settings
        pool = settings.pool
        self.telemetry = _telemetry.Telemetry.check(
            settings.tracer_provider, settings.meter_provider, settings.propagate_trace
        )
        self.owns_http = pool.http_client is None
        self.transport: httpx.AsyncBaseTransport | None = None
        self.http = pool.http_client or self._new_http()
        #: The event loop (asyncio) or trio token the pool and locks belong to, once used.
        self.loop: object | None = None
        self.closed = False
        #: The cancel scopes of the calls in flight, cancelled by ``aclose()``.
        self._in_flight: set[anyio.CancelScope] = set()
        #: Closes our own pool when its event loop ends (see ``_loops.close_when_loop_ends``).
        self._pool_guard: object | None = None
        #: The process the pool belongs to: a fork's child starts afresh (see ``send``).
        self._pid = os.getpid()
        store, budget = None, None
        if settings.shared is not None:
            store, budget = settings.shared.bind(
                settings.credentials.client_id, settings.credentials.client_secret
            )
        self.auth = TokenAuth(
            settings.credentials,
            settings.token_url,
            self._send_token_request,
            retry=settings.retry,
            store=store,
        )
        self.pipeline = Pipeline(
            self.http,
            base_url=settings.base_url,
            auth=self.auth,
            headers=settings.headers,
            retry=settings.retry,
            limiter=RateLimiter(settings.rate_limit, budget=budget),
        )

    def _new_http(self) -> httpx.AsyncClient:
        """The connection pool this client owns (built again for a new event loop)."""
        pool = self.settings.pool
        transport = pool.transport_to_build()
        if transport is None:
            transport = _transport.default_transport(trust_env=pool.trust_env)
        #: The transport under our own pool (None: httpx's own, for the environment's proxies).
        self.transport = transport
        return _transport.new_client(
            transport=transport,
            timeout=self.settings.timeout,
            trust_env=pool.trust_env,
            event_hooks=pool.event_hooks,
        )

    async def _send_token_request(self, request: httpx.Request) -> httpx.Response:
        return await self.telemetry.token_request(self._post_token, request)

    async def _post_token(self, request: httpx.Request) -> httpx.Response:
        # A bare httpx.Request carries no timeout: give it the pool's (a shared
        # http_client's own, or ours), never none.
        request.extensions.setdefault("timeout", self.http.timeout.as_dict())
        return await self.http.send(request, auth=None)

    def check_open(self) -> None:
        if self.closed:
            raise ClientClosedError(
                f"{self.name} is closed: create a new client (or make the calls inside "
                "`async with` / `with`)"
            )

    async def send(
        self,
        endpoint: Endpoint,
        options: CallOptions,
        *,
        path_arg: str | None = None,
        params: Params = None,
        body: Any = None,
        correlation_id: str | None = None,
    ) -> Reply:
        """One operation through the pipeline, on this client's event loop, ended by
        ``aclose()``; only ``XiError`` comes out."""
        self.check_open()
        loop = _loops.running_loop()
        scope = anyio.CancelScope()
        with self._loop_lock:
            if self._pid != os.getpid():
                self._after_fork()
            if loop is not self.loop:
                self._follow_loop(loop)
            self._in_flight.add(scope)
        # Chosen here, so that an unexpected failure carries it too.
        cid = new_correlation_id() if correlation_id is None else correlation_id
        op = self.telemetry.begin(endpoint.name)
        unexpected: UnexpectedError | None = None
        try:
            with scope:
                sent = self.pipeline.send(
                    endpoint,
                    path_arg=path_arg,
                    params=params,
                    body=body,
                    correlation_id=cid,
                    options=options,
                    trace=op,
                )
                return await (sent if op is None else _telemetry.traced(op, sent))
        except (APIStatusError, ValidationError, DecodeError):
            raise  # the server's answer stands, closed or not
        except Exception as exc:
            if self.closed:  # e.g. the pool closed under the call
                raise ClientClosedError(f"{self.name} was closed during the call") from exc
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
        raise ClientClosedError(f"{self.name} was closed during the call")

    def _unexpected(
        self, exc: Exception, endpoint: Endpoint, path_arg: str | None, cid: str
    ) -> UnexpectedError:
        """``exc`` (of no expected kind) as the typed error, with ``exc`` as its cause,
        scrubbed of the secret and the tokens."""
        secrets = self.auth.secrets
        cause = _scrub(exc, secrets)
        try:
            url: str | None = self.pipeline.url(endpoint, path_arg)
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
        old = self.loop
        if old is not None:
            if self._in_flight:
                if not _loops.has_ended(old):
                    raise EventLoopError(
                        f"{self.name} is still making calls on another event loop (thread): "
                        "one client serves one event loop at a time. Give this loop (thread) "
                        "its own client, or wait for the calls on the other loop to finish"
                    )
                self._in_flight.clear()  # calls of a loop that ended without finishing them
            self._check_pool_can_move()
        self.loop = loop
        if old is not None:
            self.auth.forget_loop()
            self.pipeline.limiter.forget_loop()
        if self.owns_http and self.settings.pool.transport is None:
            if old is not None:
                stale = self.http
                self.http = self.pipeline.http = self._new_http()
                _loops.close_on(old, stale)
            self._pool_guard = _loops.close_when_loop_ends(self.http)

    def _after_fork(self) -> None:
        """In a fork's child: the parent's loop, calls and connections are not ours. Our
        own pool starts anew (the inherited one is left alone: its sockets are the
        parent's); a pool or transport passed in is the caller's to replace."""
        self._pid = os.getpid()
        self._in_flight.clear()
        self.loop = None
        self.auth.forget_loop()
        self.pipeline.limiter.forget_loop()
        if self.owns_http and self.settings.pool.transport is None:
            self.http = self.pipeline.http = self._new_http()
            self._pool_guard = None

    def _check_pool_can_move(self) -> None:
        """``EventLoopError`` when a pool or transport passed in may hold connections of the
        loop it was used on: only their owner can make one for another loop."""
        pool = self.settings.pool
        if self.owns_http and pool.transport is None:
            return  # ours: a new pool is made for the new loop
        if pool.transport is not None and _loop_free(pool.transport):
            return
        setting = "transport" if pool.transport is not None else "http_client"
        raise EventLoopError(
            f"{self.name} was first used on another event loop, and the {setting} passed in "
            "keeps that loop's connections, which cannot move to this one. Pass a fresh "
            f"{setting} on each event loop (e.g. a new client per asyncio.run), or pass no "
            "http_client / transport so that the client owns its pool and follows the loop"
        )

    async def aclose(self) -> None:
        """Close: calls still in flight end with ``ClientClosedError`` (none is retried),
        later calls raise it, and the connection pool is closed (unless it was passed in
        as ``http_client``). Closing twice is harmless."""
        if self.closed:
            return
        self.closed = True
        scopes = list(self._in_flight)

        def cancel() -> None:
            for scope in scopes:
                scope.cancel()

        if scopes and not _loops.call_soon(self.loop, cancel):
            cancel()
        here = self.loop is None or self.loop is _loops.running_loop()
        if self.owns_http:
            if here:
                await self.http.aclose()
            else:  # opened on another loop: only that loop can close its connections
                _loops.close_on(self.loop, self.http)
        # A shared budget's connection of this loop (RedisShared): other clients on the
        # loop connect again at their next call.
        close_budget = getattr(self.pipeline.limiter.budget, "aclose", None)
        if close_budget is not None and here:
            await close_budget()
