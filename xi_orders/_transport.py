"""The default transports under the client's ``httpx.AsyncClient``, and what their errors mean.

httpx's transport is its documented extension point, and the only one used here: every
call goes through ``httpx.AsyncClient.send`` with the token ``httpx.Auth``, whatever the
transport. The default (:class:`AutoTransport`) is chosen per event loop at the first
request:

- under asyncio, with the ``aiohttp`` extra installed (``pip install xi-orders[aiohttp]``):
  :class:`AiohttpTransport`, aiohttp's connection pool, which keeps one connection per
  concurrent call alive at any concurrency for a fraction of httpcore's CPU;
- otherwise (trio, or no extra): :class:`ShardedTransport`, httpx's own transport spread
  over several small httpcore pools, because one pool rescans every connection and queued
  request on each request and close, which at 50+ connections costs more than the calls.

Proxies from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``,
``NO_PROXY``) are honoured as httpx honours them: with any set (and ``trust_env`` on, the
default), the client is built without a transport of ours and httpx mounts its own
proxied and direct transports.

Whatever the transport, a failure counts as "not sent" only when it provably happened
before the request left: connect refused or timed out, DNS, TLS handshake, waiting for a
pool slot (``httpx.ConnectError``, ``ConnectTimeout``, ``PoolTimeout``,
``UnsupportedProtocol``). A server that hangs up after the request went out is a
``RemoteProtocolError``, a reset a ``ReadError``, a stalled answer a ``ReadTimeout``: "may
have been sent". ``httpx_aiohttp``'s transport, which a caller may pass in, maps a hang-up
after sending to ``ConnectTimeout``; :func:`effective_error` corrects that. aiohttp's silent
re-send of an idempotent request over a connection that broke is turned off: re-sends are
the retry policy's decision, counted and logged.

Private attributes of other libraries used here, each checked by ``tests/test_services.py``
so that an upgrade that removes one fails loudly: aiohttp's
``ClientSession._retry_connection`` (the silent re-send above) and httpx's
``AsyncClient._cookies`` (the cookie store below).
"""

from __future__ import annotations

import datetime
import importlib.util
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

#: Connections per httpcore pool in ``ShardedTransport``: httpcore's per-request work grows
#: with the connections and queued requests of one pool, so several small pools beat one big one.
SHARD_SIZE = 4
#: Idle keep-alive connections are closed after this many seconds (httpx's default).
KEEPALIVE_EXPIRY = 5.0

_aiohttp_available: bool | None = None


def aiohttp_available() -> bool:
    """Whether the ``aiohttp`` extra is installed (without importing it)."""
    global _aiohttp_available
    if _aiohttp_available is None:
        _aiohttp_available = importlib.util.find_spec("aiohttp") is not None
    return _aiohttp_available


def environment_proxies() -> bool:
    """Whether the environment names a proxy (``*_PROXY``, ``NO_PROXY``) for httpx to honour."""
    return bool(urllib.request.getproxies())


def default_transport(*, trust_env: bool = True) -> httpx.AsyncBaseTransport | None:
    """The transport a client's own pool gets: :class:`AutoTransport`, or None when the
    environment names a proxy (then httpx builds its own proxied and direct transports,
    as any httpx client does)."""
    if trust_env and environment_proxies():
        return None
    return AutoTransport(trust_env=trust_env)


def new_client(
    *,
    transport: httpx.AsyncBaseTransport | None,
    timeout: httpx.Timeout | float,
    trust_env: bool = True,
    event_hooks: Mapping[str, list[Any]] | None = None,
) -> httpx.AsyncClient:
    """The ``httpx.AsyncClient`` an ``AsyncOrdersClient`` owns, over ``transport`` (None:
    httpx's own, honouring the environment's proxies when ``trust_env``)."""
    http = httpx.AsyncClient(
        transport=transport,
        timeout=timeout,
        trust_env=trust_env,
        follow_redirects=False,
        event_hooks=dict(event_hooks) if event_hooks else None,
    )
    # Private: httpx offers no public way to give a client its cookie store.
    http._cookies = _Cookies(http.cookies.jar)
    return http


class _Cookies(httpx.Cookies):
    """httpx's cookie store, skipping the cookie jar for a response that sets no cookie
    (the API sets none): ``http.cookiejar`` wraps every response and its request in
    urllib adapter objects before finding no ``Set-Cookie`` header."""

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


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

    def __init__(self, *, trust_env: bool = True) -> None:
        self.trust_env = trust_env
        #: The transport picked, once a request was made.
        self.inner: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        inner = self.inner
        if inner is None:
            inner = self.inner = self._pick()
        return await inner.handle_async_request(request)

    def _pick(self) -> httpx.AsyncBaseTransport:
        import sniffio

        if sniffio.current_async_library() == "asyncio" and aiohttp_available():
            return AiohttpTransport(trust_env=self.trust_env)
        return ShardedTransport()

    async def aclose(self) -> None:
        if self.inner is not None:
            await self.inner.aclose()


# --------------------------------------------------------------------------------------
# httpcore, spread over small pools


class _Shard:
    __slots__ = ("busy", "transport")

    def __init__(self, size: int, ssl_context: ssl.SSLContext) -> None:
        self.transport = httpx.AsyncHTTPTransport(
            verify=ssl_context,
            limits=httpx.Limits(
                max_connections=size,
                max_keepalive_connections=size,
                keepalive_expiry=KEEPALIVE_EXPIRY,
            ),
        )
        self.busy = 0


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that frees its shard's slot when closed."""

    def __init__(self, stream: httpx.AsyncByteStream, shard: _Shard) -> None:
        self._stream = stream
        self._shard: _Shard | None = shard

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._stream.__aiter__()  # the body itself: no generator around each chunk

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
        # One TLS context for every pool: building one loads the CA bundle each time.
        self._ssl_context: ssl.SSLContext | None = None

    def _take(self) -> _Shard:
        """The least busy pool with a free connection (a new one when all are busy),
        counted busy until the response is closed."""
        best: _Shard | None = None
        for shard in self.shards:
            if shard.busy < self.size and (best is None or shard.busy < best.busy):
                best = shard
                if not shard.busy:
                    break
        if best is None:
            if self._ssl_context is None:
                self._ssl_context = httpx.create_ssl_context()
            best = _Shard(self.size, self._ssl_context)
            self.shards.append(best)
        best.busy += 1
        return best

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        best = self._take()
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
    if isinstance(exc, (aiohttp.ClientProxyConnectionError, aiohttp.ClientHttpProxyError)):
        return httpx.ProxyError
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, TLS handshake
        return httpx.ConnectError
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        return httpx.UnsupportedProtocol
    if isinstance(exc, aiohttp.ServerTimeoutError):  # sock_read: no answer in time
        return httpx.ReadTimeout
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError
    if isinstance(exc, (aiohttp.ClientPayloadError, aiohttp.ClientResponseError)):
        return httpx.RemoteProtocolError  # cut-off or malformed answer
    return httpx.ReadError  # anything else: the request may have gone out


def _bypassed(host: str, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` names ``host`` (``*``, the host, or a domain it is under)."""
    host = host.lower().strip("[]")
    for entry in no_proxy.lower().split(","):
        entry = entry.strip().lstrip(".")
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return True
    return False


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
    try:
        request: httpx.Request | None = exc.request
    except RuntimeError:  # raised without a request
        request = None
    fixed = cls(str(exc) or type(cause).__name__, request=request)
    fixed.__cause__ = cause
    return fixed


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport on aiohttp's connection pool (asyncio only; the ``aiohttp``
    extra). aiohttp reads the whole body and the ``httpx.Response`` is built around it
    once; aiohttp's errors become the httpx exceptions they stand for.

    ``max_connections=None``: no cap beyond the caller's concurrency. ``trust_env``: the
    environment's ``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY``, read
    once, route each request (not aiohttp's own ``trust_env``, which also reads ``.netrc``
    in a worker thread on every request).
    """

    def __init__(self, max_connections: int | None = None, *, trust_env: bool = True) -> None:
        if not aiohttp_available():
            raise ImportError(
                "the aiohttp transport needs the aiohttp extra: pip install 'xi-orders[aiohttp]'"
            )
        self._max_connections = max_connections
        self._session: Any = None
        self._ssl_context: ssl.SSLContext | None = None
        self._timeouts: dict[tuple[Any, Any, Any], Any] = {}
        self._proxies: dict[str, str] = urllib.request.getproxies() if trust_env else {}

    def _proxy(self, url: httpx.URL) -> str | None:
        """The environment's proxy for ``url``, as httpx picks it (None: direct)."""
        proxies = self._proxies
        if not proxies:
            return None
        proxy = proxies.get(url.scheme) or proxies.get("all")
        if proxy is None or _bypassed(url.host, proxies.get("no", "")):
            return None
        return proxy

    def _new_session(self) -> Any:
        import aiohttp

        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
        connector = aiohttp.TCPConnector(
            limit=self._max_connections or 0,  # 0: no cap; callers bound concurrency
            limit_per_host=0,
            keepalive_timeout=KEEPALIVE_EXPIRY,
            ssl=self._ssl_context,
        )
        session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        # aiohttp re-sends GET/PUT/DELETE once, unseen, when a connection breaks: re-sends
        # are the retry policy's call here. Private: tests/test_transport_internals.py.
        session._retry_connection = False
        return session

    def _timeout(self, timeout: Mapping[str, Any]) -> Any:
        import aiohttp

        # httpx's connect / read / pool timeouts, as aiohttp names them.
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
        import aiohttp
        import yarl

        if self._session is None:
            self._session = self._new_session()
        data: Any
        try:
            data = request.content or None
        except httpx.RequestNotRead:
            data = await request.aread() or None
        started = time.perf_counter()
        try:
            response = await self._session.request(
                request.method,
                # The URL is already encoded: aiohttp need not parse and quote it again.
                yarl.URL(str(request.url), encoded=True),
                headers=request.headers.multi_items(),
                data=data,
                allow_redirects=False,
                compress=False,
                timeout=self._timeout(request.extensions.get("timeout", {})),
                server_hostname=request.extensions.get("sni_hostname"),
                proxy=self._proxy(request.url),
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

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
