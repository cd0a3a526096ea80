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
import re
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NamedTuple

import httpx

#: Connections per httpcore pool in ``ShardedTransport``: httpcore's per-request work grows
#: with the connections and queued requests of one pool, so several small pools beat one big one.
#: 4 rather than 10: 2.69 vs 3.11 ms of client CPU a lookup under trio at concurrency 50
#: (medians of 5 and 3 runs, ``python -m benchmarks.bench_sockets --backend trio --no-raw``).
SHARD_SIZE = 4
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


class _Cookies(httpx.Cookies):
    """httpx's cookie store, skipping the cookie jar for a response that sets no cookie
    (the API sets none): ``http.cookiejar`` wraps every response and its request in
    urllib adapter objects before finding no ``Set-Cookie`` header."""

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


class _Client(httpx.AsyncClient):
    """``httpx.AsyncClient`` that gives every request the client's timeout, including
    requests built as bare ``httpx.Request`` objects (the token request), which httpx
    would otherwise send with no timeout at all."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        cookies = getattr(self, "_cookies", None)
        if type(cookies) is httpx.Cookies:  # the same jar, cheaper when nothing is set
            self._cookies = _Cookies(cookies.jar)

    def build_request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        timeout: Any = httpx.USE_CLIENT_DEFAULT,
        extensions: Any = None,
    ) -> httpx.Request:
        """httpx's ``build_request``, with a shorter way for what the send path builds
        (an absolute URL, no client-level cookies or query parameters): the same request,
        without httpx's quadratic header merge and with the URL parsed once."""
        if (
            data is None
            and files is None
            and json is None
            and cookies is None
            and extensions is None
            and not self.params
            and not self.cookies
        ):
            if not isinstance(url, httpx.URL):
                url = _url_cache.parse(url)
            if url.is_absolute_url:
                if isinstance(timeout, type(httpx.USE_CLIENT_DEFAULT)):
                    timeout = self.timeout
                elif not isinstance(timeout, httpx.Timeout):
                    timeout = httpx.Timeout(timeout)
                return httpx.Request(
                    method,
                    url,
                    content=content,
                    params=params,
                    headers=merge_headers(self.headers, headers),
                    extensions={"timeout": timeout.as_dict()},
                )
        return super().build_request(
            method,
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            extensions=extensions,
        )

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        if "timeout" not in request.extensions:
            request.extensions["timeout"] = self.timeout.as_dict()
        return await super().send(request, **kwargs)


#: A path httpx leaves as it is: unreserved characters and ``%XX`` escapes, no dot segment.
_PLAIN_PATH = re.compile(r"(?:/(?!\.\.?(?:/|$))(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*)+")


def plain_path(url: str, start: int) -> bool:
    """Whether ``url[start:]`` is a path httpx leaves as it is."""
    return _PLAIN_PATH.fullmatch(url, start) is not None


class _URLCache:
    """``httpx.URL(text)`` for the send path's URLs without parsing each one whole:
    httpx's parser checks every character in Python (tens of microseconds a URL). The
    origin (scheme, host, port) is parsed once and kept; a plain path (what ``quote``
    makes of an order number) joins it as httpx's parser would have stored it. Anything
    else (a query, a fragment, other characters), or an httpx whose URL internals are not
    as expected, is parsed by httpx."""

    def __init__(self) -> None:
        self._origins: dict[str, httpx.URL] = {}
        self.enabled = True

    def parse(self, text: str) -> httpx.URL:
        if self.enabled and len(text) < 4096 and "?" not in text and "#" not in text:
            scheme_end = text.find("://")
            path_start = text.find("/", scheme_end + 3) if scheme_end > 0 else -1
            if path_start > 0 and _PLAIN_PATH.fullmatch(text, path_start):
                base = self.origin(text[:path_start])
                if base is None:
                    return httpx.URL(text)
                try:
                    url = httpx.URL(base)  # a copy sharing the parsed origin
                    url._uri_reference = base._uri_reference._replace(path=text[path_start:])
                except Exception:  # another httpx's internals: parse every URL
                    self.enabled = False
                    return httpx.URL(text)
                return url
        return httpx.URL(text)

    def origin(self, text: str) -> httpx.URL | None:
        """``scheme://host[:port]`` parsed, from the cache; ``None`` when it is not one
        (or the cache is full)."""
        base = self._origins.get(text)
        if base is None:
            base = httpx.URL(text)
            if len(self._origins) >= 16 or not base.is_absolute_url or base.query:
                return None
            self._origins[text] = base
        return base


_url_cache = _URLCache()


def merge_headers(base: httpx.Headers, extra: Any) -> httpx.Headers:
    """``base`` updated with ``extra`` as ``httpx.Headers.update`` does (each name in
    ``extra`` replaces every value of that name in ``base``; order kept), in one pass."""
    new = httpx.Headers(extra)
    added = new.raw
    names = {key.lower() for key, _ in added}
    return httpx.Headers([item for item in base.raw if item[0].lower() not in names] + added)


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


class Exchange(NamedTuple):
    """A response as plain values (:func:`direct_exchange`): its body already decoded."""

    status_code: int
    raw_headers: Any  # (name, value) byte pairs, as the server sent them
    content: bytes

    def response(self, request: httpx.Request) -> httpx.Response:
        """The same answer as an ``httpx.Response`` to ``request``: for errors and other
        rare paths, where httpx's objects are wanted."""
        # The body is decoded already: its encoding and length headers no longer apply.
        headers = [
            (name, value)
            for name, value in self.raw_headers
            if name.lower() not in (b"content-encoding", b"content-length")
        ]
        return httpx.Response(
            self.status_code, headers=headers, content=self.content, request=request
        )


#: ``exchange(method, url, headers, content, timeout)``
DirectExchange = Callable[
    [str, str, list[tuple[str, str]], "bytes | None", dict[str, Any]], Awaitable[Exchange]
]


def direct_exchange(http: httpx.AsyncClient) -> DirectExchange | None:
    """A way to send the send path's requests on ``http``'s transport without building
    httpx's request and response objects, when doing so changes nothing: ``http`` is the
    client an ``AsyncOrdersClient`` built (no event hooks, proxies, mounts, client auth,
    cookies or query parameters), and its transport is the aiohttp one or the httpcore
    shards. httpx's request building, auth, redirect and cookie layers, and the response
    around the transport's, cost more CPU a call than the exchange itself
    (``benchmarks/bench_sockets.py``). ``None`` otherwise: the caller sends through
    ``http`` as usual."""
    if type(http) is not _Client:
        return None
    if http._mounts or http.auth is not None or http.params or http.cookies:
        return None
    hooks = http.event_hooks
    if hooks["request"] or hooks["response"]:
        return None
    transport = http._transport
    if isinstance(transport, AutoTransport):
        if transport.inner is None:
            transport.inner = transport._pick()
        transport = transport.inner
    if _AiohttpTransport is not None and isinstance(transport, _AiohttpTransport):
        exchange: DirectExchange = transport.exchange  # type: ignore[attr-defined]
        return exchange
    if type(transport) is ShardedTransport and _map_httpcore_exceptions is not None:
        return transport.exchange
    return None


#: httpx's mapping of httpcore's exceptions to its own (private: without it, httpcore
#: requests go through httpx's transport as usual).
try:
    from httpx._transports.default import map_httpcore_exceptions as _map_httpcore_exceptions
except ImportError:  # pragma: no cover - another httpx
    _map_httpcore_exceptions = None  # type: ignore[assignment]


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
        # One TLS context for every pool: building one loads the CA bundle (~50 ms of
        # CPU each, 13 times over at concurrency 50).
        self._ssl_context: ssl.SSLContext | None = None

    def _take(self) -> _Shard:
        """The least busy pool with a free connection (a new one when all are busy),
        counted busy until the caller releases it."""
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

    async def exchange(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        content: bytes | None,
        timeout: dict[str, Any],
    ) -> Exchange:
        """The request described by plain values, straight to httpcore, answered as plain
        values (see :func:`direct_exchange`): what httpx's transport does for an
        ``httpx.Request``, with the same ``Host`` / ``Content-Length`` headers httpx adds
        and its exception mapping. Only for the send path's URLs (normalised, plain)."""
        import httpcore

        path_start = url.find("/", url.find("://") + 3)
        origin = _url_cache.origin(url[:path_start]) or httpx.URL(url[:path_start])
        raw = [(b"Host", origin.netloc)]
        if content:
            raw.append((b"Content-Length", str(len(content)).encode()))
        elif method in ("POST", "PUT", "PATCH"):
            raw.append((b"Content-Length", b"0"))
        raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        request = httpcore.Request(
            method.encode(),
            httpcore.URL(
                scheme=origin.raw_scheme,
                host=origin.raw_host,
                port=origin.port,
                target=url[path_start:].encode(),
            ),
            headers=raw,
            content=content or b"",
            extensions={"timeout": timeout},
        )
        shard = self._take()
        try:
            pool: Any = shard.transport._pool
            with _map_httpcore_exceptions():
                response = await pool.handle_async_request(request)
                try:
                    body = b"".join([part async for part in response.stream])
                finally:
                    await response.aclose()
        finally:
            shard.busy -= 1
        answer = Exchange(response.status, response.headers, body)
        for name, value in response.headers:
            if name.lower() == b"content-encoding" and value.lower() != b"identity":
                # httpx decodes it (raising httpx.DecodingError for a corrupt body)
                decoded = httpx.Response(response.status, headers=response.headers, content=body)
                return answer._replace(content=decoded.content)
        return answer

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

        async def _send(
            self,
            method: str,
            url: str,
            headers: CIMultiDict[str],
            data: Any,
            timeout: dict[str, Any],
            request: httpx.Request | None,
            decompress: bool,
        ) -> tuple[aiohttp.ClientResponse, bytes]:
            """One exchange on aiohttp's pool: the response and its whole body, or the
            httpx exception the aiohttp error stands for."""
            session = self.client
            if not isinstance(session, aiohttp.ClientSession):
                session = self.client = self.get_client()
            try:
                response = await session.request(
                    method,
                    # The URL is already encoded: aiohttp need not parse and quote it again.
                    yarl.URL(url, encoded=True),
                    headers=headers,
                    data=data,
                    allow_redirects=False,
                    auto_decompress=decompress,
                    compress=False,
                    timeout=self._timeout(timeout),
                    server_hostname=None
                    if request is None
                    else request.extensions.get("sni_hostname"),
                )
                try:
                    body = await response.read()  # closes the connection on failure
                finally:
                    response.release()
            except aiohttp.ClientError as exc:
                cls = _aiohttp_error_class(exc)
                raise cls(str(exc) or type(exc).__name__, request=request) from exc
            return response, body

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            data: Any
            try:
                data = request.content or None
            except httpx.RequestNotRead:
                data = request.stream
                request.headers.pop("transfer-encoding", None)  # handled by aiohttp
            started = time.perf_counter()
            response, body = await self._send(
                request.method,
                str(request.url),
                CIMultiDict(request.headers.multi_items()),
                data,
                request.extensions.get("timeout", {}),
                request,
                decompress=False,  # httpx decodes Content-Encoding
            )
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

        async def exchange(
            self,
            method: str,
            url: str,
            headers: list[tuple[str, str]],
            content: bytes | None,
            timeout: dict[str, Any],
        ) -> Exchange:
            """The request described by plain values, answered as plain values, without
            an ``httpx.Request`` or ``httpx.Response`` (see :func:`direct_exchange`).
            aiohttp decodes any Content-Encoding. Errors are httpx exceptions without a
            request attached."""
            response, body = await self._send(
                method, url, CIMultiDict(headers), content, timeout, None, decompress=True
            )
            return Exchange(response.status, response.raw_headers, body)

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
