"""The default HTTP stack: which httpx transport carries the calls, and what its errors mean.

``AsyncOrdersClient`` talks to ``httpx.AsyncClient`` only; this module builds that client
and its default transport, chosen per running event loop at the first request:

- under asyncio, with the ``aiohttp`` extra installed (``pip install xi-orders[aiohttp]``):
  ``httpx_aiohttp``'s transport on aiohttp's connection pool, which keeps one connection
  per concurrent call alive at any concurrency for a fraction of httpcore's CPU;
- otherwise (trio, no extra, or httpcore mocked by respx so tests keep intercepting
  calls): httpx's own transport, spread over several small httpcore
  pools (``ShardedTransport``), because httpcore's pool rescans every connection and queued
  request on each request and close, which at 50+ connections costs more than the calls.

Whatever the transport, a failure counts as "not sent" only when it provably happened
before the request left: connect refused or timed out, DNS, TLS handshake, waiting for a
pool slot (``httpx.ConnectError``, ``ConnectTimeout``, ``PoolTimeout``,
``UnsupportedProtocol``). A server that hangs up after the request went out is a
``RemoteProtocolError``, a reset a ``ReadError``, a stalled answer a ``ReadTimeout``: "may
have been sent". ``httpx_aiohttp`` itself maps aiohttp's ``ServerDisconnectedError`` (and
any reset) to ``ConnectTimeout``; :func:`effective_error` corrects that, also when a caller
passes that transport in, and :class:`AiohttpTransport` raises the right class directly.
aiohttp's silent re-send of an idempotent request (GET, PUT, DELETE) over a connection that
broke is turned off: re-sends are the retry policy's decision, counted and logged.
"""

from __future__ import annotations

import datetime
import importlib.util
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

#: Connections per httpcore pool in ``ShardedTransport``: httpcore's per-request work grows
#: with the connections and queued requests of one pool, so several small pools beat one big one.
SHARD_SIZE = 10
#: Idle keep-alive connections are closed after this many seconds (httpx's default).
KEEPALIVE_EXPIRY = 5.0

_aiohttp_available: bool | None = None


def aiohttp_available() -> bool:
    """Whether the ``aiohttp`` extra (``httpx-aiohttp`` and ``aiohttp``) is installed."""
    global _aiohttp_available
    if _aiohttp_available is None:
        _aiohttp_available = (
            importlib.util.find_spec("httpx_aiohttp") is not None
            and importlib.util.find_spec("aiohttp") is not None
        )
    return _aiohttp_available


class _Client(httpx.AsyncClient):
    """``httpx.AsyncClient`` that gives every request the client's timeout, including
    requests built as bare ``httpx.Request`` objects (the token request), which httpx
    would otherwise send with no timeout at all."""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        if "timeout" not in request.extensions:
            request.extensions["timeout"] = self.timeout.as_dict()
        return await super().send(request, **kwargs)


def new_client(
    *, transport: httpx.AsyncBaseTransport | None, timeout: float | httpx.Timeout
) -> httpx.AsyncClient:
    """The ``httpx.AsyncClient`` an ``AsyncOrdersClient`` owns: ``transport`` if given,
    else :class:`AutoTransport`."""
    return _Client(
        transport=transport if transport is not None else AutoTransport(),
        timeout=timeout,
        follow_redirects=False,
    )


def new_transport(kind: str = "auto") -> httpx.AsyncBaseTransport:
    """A transport by name: ``"auto"`` (:class:`AutoTransport`), ``"aiohttp"``
    (:class:`AiohttpTransport`, asyncio only), ``"httpcore"`` (:class:`ShardedTransport`) or
    ``"httpx"`` (httpx's stock ``AsyncHTTPTransport``)."""
    if kind == "auto":
        return AutoTransport()
    if kind == "aiohttp":
        return AiohttpTransport()
    if kind == "httpcore":
        return ShardedTransport()
    if kind == "httpx":
        return httpx.AsyncHTTPTransport()
    raise ValueError(f"unknown transport {kind!r}: auto, aiohttp, httpcore or httpx")


class AutoTransport(httpx.AsyncBaseTransport):
    """Picks the transport at the first request, for the event loop running it: aiohttp's
    under asyncio when the extra is installed, else :class:`ShardedTransport`."""

    def __init__(self) -> None:
        self.inner: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        inner = self.inner
        if inner is None:
            inner = self.inner = self._pick()
        return await inner.handle_async_request(request)

    @staticmethod
    def _pick() -> httpx.AsyncBaseTransport:
        import sniffio

        if (
            sniffio.current_async_library() == "asyncio"
            and aiohttp_available()
            and not httpcore_is_mocked()
        ):
            return AiohttpTransport()
        return ShardedTransport()

    async def aclose(self) -> None:
        if self.inner is not None:
            await self.inner.aclose()


def httpcore_is_mocked() -> bool:
    """Whether httpcore's pool is patched (respx, ``unittest.mock``): then requests must go
    through httpcore for the mock to see them, so the default stays on httpx's transport."""
    import httpcore

    method = httpcore.AsyncConnectionPool.handle_async_request
    return not getattr(method, "__module__", "").startswith("httpcore")


# --------------------------------------------------------------------------------------
# httpcore, spread over small pools


class _Shard:
    __slots__ = ("busy", "transport")

    def __init__(self, size: int) -> None:
        self.transport = httpx.AsyncHTTPTransport(
            limits=httpx.Limits(
                max_connections=size,
                max_keepalive_connections=size,
                keepalive_expiry=KEEPALIVE_EXPIRY,
            )
        )
        self.busy = 0


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that frees its shard's slot when closed."""

    def __init__(self, stream: httpx.AsyncByteStream, shard: _Shard) -> None:
        self._stream = stream
        self._shard: _Shard | None = shard

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._shard is not None:
                self._shard.busy -= 1
                self._shard = None


class ShardedTransport(httpx.AsyncBaseTransport):
    """httpx's transport over as many httpcore pools of ``size`` connections as the
    concurrency needs: each request goes to the least busy pool with a free connection,
    and a new pool opens when all are busy. Every connection stays alive between calls
    (keep-alive at any concurrency), and httpcore's per-request scans stay ``size`` long.
    Works under asyncio and trio."""

    def __init__(self, size: int = SHARD_SIZE) -> None:
        if size < 1:
            raise ValueError("size must be >= 1")
        self.size = size
        self.shards: list[_Shard] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        best: _Shard | None = None
        for shard in self.shards:
            if shard.busy < self.size and (best is None or shard.busy < best.busy):
                best = shard
                if not shard.busy:
                    break
        if best is None:
            best = _Shard(self.size)
            self.shards.append(best)
        best.busy += 1
        try:
            response = await best.transport.handle_async_request(request)
        except BaseException:
            best.busy -= 1
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _ReleasingStream(response.stream, best)
        return response

    async def aclose(self) -> None:
        shards, self.shards = self.shards, []
        for shard in shards:
            await shard.transport.aclose()


# --------------------------------------------------------------------------------------
# aiohttp (the ``aiohttp`` extra), imported only when used


def _aiohttp_error_class(exc: BaseException) -> type[httpx.TransportError]:
    """The httpx exception an aiohttp exception stands for; "not sent" classes only for
    failures before the request was written."""
    import aiohttp

    if isinstance(exc, aiohttp.ConnectionTimeoutError):  # pool wait or connect
        return httpx.ConnectTimeout
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, TLS handshake, proxy
        return httpx.ConnectError
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        return httpx.UnsupportedProtocol
    if isinstance(exc, aiohttp.ServerTimeoutError):  # sock_read: no answer in time
        return httpx.ReadTimeout
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError
    if isinstance(exc, (aiohttp.ClientPayloadError, aiohttp.ClientResponseError)):
        return httpx.RemoteProtocolError  # cut-off or malformed answer
    if isinstance(exc, (aiohttp.ClientOSError, aiohttp.ClientConnectionError, OSError)):
        return httpx.ReadError
    return httpx.ReadError  # anything else: the request may have gone out


def _is_aiohttp_error(exc: BaseException | None) -> bool:
    return exc is not None and type(exc).__module__.startswith("aiohttp")


def effective_error(exc: httpx.RequestError) -> httpx.RequestError:
    """``exc``, or, when it wraps an aiohttp error under the wrong class (``httpx_aiohttp``
    maps a server hang-up after the request went out to ``ConnectTimeout``), the httpx
    exception that error stands for, chained to it."""
    cause = exc.__cause__
    if not _is_aiohttp_error(cause):
        return exc
    assert cause is not None
    cls = _aiohttp_error_class(cause)
    if type(exc) is cls:
        return exc
    fixed = cls(str(exc) or type(cause).__name__, request=exc._request)
    fixed.__cause__ = cause
    return fixed


def _aiohttp_transport_class() -> type[httpx.AsyncBaseTransport]:
    global _AiohttpTransport
    if _AiohttpTransport is not None:
        return _AiohttpTransport
    import aiohttp
    import httpx_aiohttp
    import yarl
    from multidict import CIMultiDict

    class _Transport(httpx_aiohttp.AiohttpTransport):
        """``httpx_aiohttp``'s transport (its session handling), sending each request
        itself: aiohttp reads the whole body, and the ``httpx.Response`` is built around
        it once (no per-chunk stream wrappers between httpx and aiohttp). aiohttp errors
        become the httpx exception they stand for (:func:`_aiohttp_error_class`)."""

        def __init__(self, max_connections: int | None = None) -> None:
            super().__init__(client=self._new_session)
            self._max_connections = max_connections
            self._timeouts: dict[tuple[Any, Any, Any], aiohttp.ClientTimeout] = {}

        def _new_session(self) -> aiohttp.ClientSession:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections or 0,  # 0: no cap; callers bound concurrency
                limit_per_host=0,
                keepalive_timeout=KEEPALIVE_EXPIRY,
                ssl=self.ssl_context,
            )
            session = aiohttp.ClientSession(connector=connector)
            # aiohttp re-sends GET/PUT/DELETE once, unseen, when a connection breaks
            # (aiohttp >= 3.10): re-sends are the retry policy's call here.
            if hasattr(session, "_retry_connection"):
                session._retry_connection = False
            return session

        def _timeout(self, timeout: dict[str, Any]) -> aiohttp.ClientTimeout:
            # httpx's connect / read / pool timeouts, as httpx_aiohttp maps them.
            key = (timeout.get("connect"), timeout.get("read"), timeout.get("pool"))
            found = self._timeouts.get(key)
            if found is None:
                if len(self._timeouts) > 64:
                    self._timeouts.clear()
                found = self._timeouts[key] = aiohttp.ClientTimeout(
                    sock_connect=key[0], sock_read=key[1], connect=key[2]
                )
            return found

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            session = self.client
            if not isinstance(session, aiohttp.ClientSession):
                session = self.client = self.get_client()
            data: Any
            try:
                data = request.content or None
            except httpx.RequestNotRead:
                data = request.stream
                request.headers.pop("transfer-encoding", None)  # handled by aiohttp
            started = time.perf_counter()
            try:
                response = await session.request(
                    request.method,
                    # httpx's URL is already encoded: aiohttp need not parse and quote it again.
                    yarl.URL(str(request.url), encoded=True),
                    headers=CIMultiDict(request.headers.multi_items()),
                    data=data,
                    allow_redirects=False,
                    auto_decompress=False,  # httpx decodes Content-Encoding
                    compress=False,
                    timeout=self._timeout(request.extensions.get("timeout", {})),
                    server_hostname=request.extensions.get("sni_hostname"),
                )
                try:
                    body = await response.read()  # closes the connection on failure
                finally:
                    response.release()
            except aiohttp.ClientError as exc:
                cls = _aiohttp_error_class(exc)
                raise cls(str(exc) or type(exc).__name__, request=request) from exc
            extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
            if response.reason:
                extensions["reason_phrase"] = response.reason.encode()
            result = httpx.Response(
                response.status,
                headers=response.raw_headers,
                stream=httpx.ByteStream(body),
                request=request,
                extensions=extensions,
            )
            result.read()  # in memory already: decodes any Content-Encoding, closes
            result.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)
            return result

    _AiohttpTransport = _Transport
    return _Transport


_AiohttpTransport: type[httpx.AsyncBaseTransport] | None = None


def AiohttpTransport(max_connections: int | None = None) -> httpx.AsyncBaseTransport:
    """``httpx_aiohttp``'s transport with the error mapping above (asyncio only; needs the
    ``aiohttp`` extra). ``max_connections=None``: no cap beyond the caller's concurrency."""
    if not aiohttp_available():
        raise ImportError(
            "the aiohttp transport needs the aiohttp extra: pip install 'xi-orders[aiohttp]'"
        )
    return _aiohttp_transport_class()(max_connections)  # type: ignore[call-arg]
