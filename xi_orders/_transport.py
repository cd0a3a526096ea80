"""The one send path every operation goes through.

rate limiter (per endpoint) -> retry policy -> httpx (token auth, IM-* headers) -> typed
error or parsed JSON. Auth, headers, correlation IDs, retries, pacing, logging and error
mapping exist here once.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import attrs
import httpx

from . import _clock, _http, _redact
from ._auth import TokenAuth
from ._errors import error_from_response, loads_json, retry_after
from ._options import NO_OPTIONS, CallOptions
from ._ratelimit import RateLimiter
from ._response import ResponseMeta
from ._retry import RetryPolicy
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ResponseDecodeError,
    ValidationError,
)

if TYPE_CHECKING:
    from ._telemetry import Op

logger = logging.getLogger("xi_orders")

#: IM-CorrelationID is limited to 32 characters: a UUID's hex form fits, its 36-char text does not.
CORRELATION_ID_MAX = 32

# Failures that happen before a request leaves the machine: retrying cannot duplicate anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
_RETRY_STATUS_READ = frozenset({429, 500, 502, 503, 504})


@attrs.frozen
class Endpoint:
    """One API operation: its rate-limit key, method and path template."""

    name: str
    method: str
    path: str
    #: a POST that only reads (Vendor Required Info): retried like a GET
    reads_only: bool = False

    @property
    def changes_orders(self) -> bool:
        """Whether a duplicate send could create or change an order twice."""
        return self.method != "GET" and not self.reads_only


GET_ORDER = Endpoint("get_order", "GET", "/resellers/v6.1/orders/{}")
SEARCH_ORDERS = Endpoint("search_orders", "GET", "/resellers/v6/orders/search")
CREATE_ORDER = Endpoint("create_order", "POST", "/resellers/v6/orders")
CREATE_ORDER_V7 = Endpoint("create_order_v7", "POST", "/resellers/v7/orders")
# Modify and release share the endpoint (and so its rate limit).
MODIFY_ORDER = Endpoint("modify_order", "PUT", "/resellers/v6/orders/{}")
CANCEL_ORDER = Endpoint("cancel_order", "DELETE", "/resellers/v6/orders/{}")
VENDOR_REQUIRED_INFO = Endpoint(
    "get_vendor_required_info", "POST", "/resellers/v7/vendorrequiredinfo", reads_only=True
)


def new_correlation_id() -> str:
    """A fresh IM-CorrelationID: 32 hex characters, unique per call."""
    return uuid.uuid4().hex


def check_correlation_id(value: str) -> str:
    """``value`` if it is a usable IM-CorrelationID, else ``ValidationError``."""
    if not isinstance(value, str) or not value:
        raise ValidationError("correlation_id", "must be a non-empty string")
    if len(value) > CORRELATION_ID_MAX:
        raise ValidationError(
            "correlation_id",
            f"must be at most {CORRELATION_ID_MAX} characters (the API's limit), got {len(value)}",
        )
    if not value.isascii() or not value.isprintable():
        raise ValidationError("correlation_id", "must be printable ASCII")
    return value


@attrs.frozen
class Reply:
    """A successful exchange: the parsed JSON body (None when empty) and its metadata."""

    data: Any
    meta: ResponseMeta


Params = Sequence[tuple[str, str]] | None


class Sender:
    """Sends one operation, with pacing, retries and error mapping."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        auth: httpx.Auth,
        headers: Mapping[str, str],
        retry: RetryPolicy,
        limiter: RateLimiter,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        #: A timeout for every request (``None``: the httpx client's own).
        self.timeout = timeout
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.headers = dict(headers)
        self.retry = retry
        self.limiter = limiter
        # Caches of the direct path: the base URL as httpx normalises it, and the httpx
        # client's default headers as (name, value) pairs.
        self._normal_base: tuple[str, str] | None = None
        self._base_pairs: tuple[list[tuple[bytes, bytes]], list[tuple[str, str]]] | None = None

    def url(self, endpoint: Endpoint, path_arg: str | None) -> str:
        path = endpoint.path
        if path_arg is not None:
            # Order numbers go into the path URL-encoded, "/" included.
            path = path.format(quote(path_arg, safe=""))
        return self.base_url + path

    async def send(
        self,
        endpoint: Endpoint,
        *,
        path_arg: str | None = None,
        params: Params = None,
        body: Any = None,
        correlation_id: str | None = None,
        options: CallOptions = NO_OPTIONS,
        op: Op | None = None,
    ) -> Reply:
        """Send ``endpoint`` until it succeeds or the retry policy gives up. ``options``:
        a view's or a call's timeout, retry policy and headers; ``op``: its telemetry."""
        cid = (
            new_correlation_id() if correlation_id is None else check_correlation_id(correlation_id)
        )
        headers = {**self.headers, **options.headers, "IM-CorrelationID": cid}
        timeout: Any = options.timeout or self.timeout
        content: bytes | None = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        url = self.url(endpoint, path_arg)
        # A tuple, because httpx's parameter type is invariant in a list's items.
        query = httpx.QueryParams(tuple(params)) if params else None
        policy = options.retry or self.retry
        started = _clock.monotonic()
        attempt = 0
        ready = getattr(self.auth, "ready", None)
        # Without tracing or raw-response capture (which want httpx's objects), the
        # default aiohttp transport carries the call as plain values (_http.direct_exchange).
        direct = None
        direct_url = ""
        if op is None and options.capture is None and isinstance(self.auth, TokenAuth):
            direct = _http.direct_exchange(self.http)
            if direct is not None:
                direct_url = self._direct_url(url, query) or ""
                if not direct_url:
                    direct = None
        while True:
            attempt += 1
            if ready is not None:
                await ready(cid)
            waited = _clock.monotonic()
            await self.limiter.acquire(endpoint.name)
            request: httpx.Request | None = None
            if direct is None:
                request = self._build(endpoint, url, query, content, headers, timeout)
            sent_at = _clock.monotonic()
            waited = sent_at - waited
            trace = None
            if op is not None and request is not None:
                trace = op.attempt(endpoint, request, attempt, waited, cid)
            error: APIError
            server_wait: float | None = None
            try:
                if direct is None:
                    assert request is not None
                    response = await self.http.send(request, auth=self.auth)
                else:
                    answer, first = await self._exchange(
                        direct, endpoint, direct_url, content, headers, timeout, cid
                    )
                    if first is not None:  # a 401 replayed with a fresh token
                        self._log(
                            endpoint.method, direct_url, first, sent_at, cid, attempt, endpoint
                        )
                        attempt += 1
                    answer_headers = httpx.Headers(answer.raw_headers)
                    status = answer.status_code
                    self.limiter.observe(endpoint.name, _Answer(status, answer_headers))
                    self._log(endpoint.method, direct_url, status, sent_at, cid, attempt, endpoint)
                    if 200 <= status < 300:
                        try:
                            data = _loads(answer.content)
                        except ValueError:
                            pass  # the usual path below makes the typed error
                        else:
                            return _reply(
                                data,
                                status,
                                answer_headers,
                                endpoint,
                                direct_url,
                                cid,
                                started,
                                attempt,
                            )
                    # An error (or a garbled body): httpx's objects, as on the usual path.
                    request = self._build(endpoint, url, query, content, headers, timeout)
                    response = answer.response(request)
            # DecodingError: a body that fails its Content-Encoding, corrupted on the wire.
            except (httpx.TransportError, httpx.DecodingError) as exc:
                self.limiter.settle(endpoint.name)
                where = direct_url if request is None else str(request.url)
                error, retryable = self._network_error(exc, endpoint, where, cid)
                self._log(
                    endpoint.method, where, type(exc).__name__, sent_at, cid, attempt, endpoint
                )
                if trace is not None:
                    trace.done(None, exc)
            except BaseException as exc:  # a token request's error, a cancellation
                self.limiter.settle(endpoint.name)
                if trace is not None:
                    trace.done(None, exc)
                raise
            else:
                # A 401 answered by a fresh token and a replay (httpx keeps the 401 in the
                # history): each exchange is an attempt, with its own log line.
                for earlier in response.history:
                    self._log(
                        endpoint.method,
                        str(earlier.request.url),
                        earlier.status_code,
                        sent_at,
                        cid,
                        attempt,
                        endpoint,
                    )
                    attempt += 1
                where = str(request.url)
                if direct is None:  # the direct path has observed and logged it already
                    self.limiter.observe(endpoint.name, response)
                    self._log(
                        endpoint.method,
                        where,
                        response.status_code,
                        sent_at,
                        cid,
                        attempt,
                        endpoint,
                    )
                if trace is not None:
                    trace.done(response.status_code, None, bool(response.history))
                if options.capture is not None:
                    options.capture.append(response)
                if response.is_success:
                    try:
                        data = _parse_json(response, cid)
                    except ResponseDecodeError as exc:
                        # A garbled 2xx body: safe to ask again only for reads.
                        error, retryable = exc, not endpoint.changes_orders
                    else:
                        return _reply(
                            data,
                            response.status_code,
                            response.headers,
                            endpoint,
                            where,
                            cid,
                            started,
                            attempt,
                        )
                else:
                    status_error = error_from_response(
                        response, correlation_id=cid, secrets=getattr(self.auth, "secrets", ())
                    )
                    error = status_error
                    retryable = response.status_code == 429 or (
                        not endpoint.changes_orders and response.status_code in _RETRY_STATUS_READ
                    )
                    server_wait = retry_after(response) if retryable else None
            if not retryable or attempt >= policy.attempts:
                raise error
            wait = policy.backoff(attempt, server_wait)
            if _clock.monotonic() + wait - started > policy.timeout:
                raise error
            if logger.isEnabledFor(logging.INFO):
                logger.info(
                    "%s: retrying in %.2fs after %s (correlation ID %s, attempt %d)",
                    endpoint.name,
                    wait,
                    type(error).__name__,
                    cid,
                    attempt,
                    extra={
                        "correlation_id": cid,
                        "endpoint": endpoint.name,
                        "attempt": attempt,
                        "wait": wait,
                        "error": type(error).__name__,
                    },
                )
            await _clock.sleep(wait)

    def _build(
        self,
        endpoint: Endpoint,
        url: str,
        query: httpx.QueryParams | None,
        content: bytes | None,
        headers: dict[str, str],
        timeout: Any,
    ) -> httpx.Request:
        return self.http.build_request(
            endpoint.method,
            url,
            params=query,
            content=content,
            headers=headers,
            **({} if timeout is None else {"timeout": timeout}),
        )

    def _direct_url(self, url: str, query: httpx.QueryParams | None) -> str | None:
        """``url`` with ``query`` as httpx would send it, when the text is already in the
        form httpx gives it (scheme and host normalised, a plain path); else ``None``."""
        if self._normal_base is None or self._normal_base[0] != self.base_url:
            self._normal_base = (self.base_url, str(httpx.URL(self.base_url)))
        if self._normal_base[1] != self.base_url:
            return None
        path_start = url.find("/", url.find("://") + 3)
        if path_start < 0 or not _http.plain_path(url, path_start):
            return None
        return url if query is None else f"{url}?{query}"

    async def _exchange(
        self,
        direct: _http.DirectExchange,
        endpoint: Endpoint,
        url: str,
        content: bytes | None,
        headers: dict[str, str],
        timeout: Any,
        cid: str,
    ) -> tuple[_http.Exchange, int | None]:
        """One attempt over ``direct``, authenticated as ``TokenAuth.async_auth_flow``
        does it: a 401 gets one fresh token and one replay (the 401's status is returned
        beside the final answer, for its log line)."""
        auth = self.auth
        assert isinstance(auth, TokenAuth)
        http = self.http
        pairs = self._direct_headers(http.headers, headers)
        if timeout is None:
            timeout_dict = http.timeout.as_dict()
        elif isinstance(timeout, httpx.Timeout):
            timeout_dict = timeout.as_dict()
        else:
            timeout_dict = httpx.Timeout(timeout).as_dict()
        token = await auth.bearer(cid)
        pairs.append(("Authorization", token.header))
        answer = await direct(endpoint.method, url, pairs, content, timeout_dict)
        if answer.status_code != 401:
            return answer, None
        request = self._build(endpoint, url, None, content, headers, timeout)
        fresh = await auth.after_401(token, answer.response(request), cid)
        if fresh is None:
            return answer, None
        pairs[-1] = ("Authorization", fresh.header)
        return await direct(endpoint.method, url, pairs, content, timeout_dict), 401

    def _direct_headers(
        self, base: httpx.Headers, headers: dict[str, str]
    ) -> list[tuple[str, str]]:
        """httpx's client headers updated with the call's, as ``build_request`` merges
        them (the client's part computed once)."""
        raw = base.raw
        cached = self._base_pairs
        if cached is None or cached[0] != raw:
            pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
            cached = self._base_pairs = (raw, pairs)
        names = {name.lower() for name in headers}
        return [p for p in cached[1] if p[0].lower() not in names] + list(headers.items())

    @staticmethod
    def _network_error(
        exc: httpx.RequestError, endpoint: Endpoint, url: str, cid: str
    ) -> tuple[APIError, bool]:
        # Another transport's class for what happened (httpx_aiohttp: a hang-up after
        # sending as ConnectTimeout) is corrected: only pre-send failures count as not sent.
        exc = _http.effective_error(exc)
        not_sent = isinstance(exc, _NOT_SENT)
        cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        what = "before the request was sent" if not_sent else "after the request may have been sent"
        error = cls(
            f"{type(exc).__name__} {what}: {exc} (correlation ID {cid})",
            correlation_id=cid,
            method=endpoint.method,
            url=url,
        )
        error.request_sent = not not_sent
        _redact.scrub_exception(exc)  # its request carries the Authorization header
        error.__cause__ = exc
        return error, not_sent or not endpoint.changes_orders

    @staticmethod
    def _log(
        method: str,
        url: str,
        status: int | str,
        sent_at: float,
        cid: str,
        attempt: int,
        endpoint: Endpoint | None = None,
    ) -> None:
        """One DEBUG line per HTTP attempt; ``status``: the code, or the failure's name."""
        if logger.isEnabledFor(logging.DEBUG):
            path_start = url.find("/", url.find("://") + 3)
            path = url[path_start:] if path_start >= 0 else "/"
            elapsed = _clock.monotonic() - sent_at
            logger.debug(
                "%s %s -> %s in %.3fs (correlation ID %s, attempt %d)",
                method,
                path,
                status,
                elapsed,
                cid,
                attempt,
                # structured fields for JSON log formatters (xi_orders._logging)
                extra={
                    "correlation_id": cid,
                    "endpoint": endpoint.name if endpoint is not None else None,
                    "method": method,
                    "path": path.split("?", 1)[0],
                    "status": status,
                    "attempt": attempt,
                    "elapsed": elapsed,
                },
            )


class _Answer:
    """A response's status and headers, for the rate limiter (the direct path)."""

    __slots__ = ("headers", "status_code")

    def __init__(self, status_code: int, headers: httpx.Headers) -> None:
        self.status_code = status_code
        self.headers = headers


def _reply(
    data: Any,
    status: int,
    headers: httpx.Headers,
    endpoint: Endpoint,
    url: str,
    cid: str,
    started: float,
    attempts: int,
) -> Reply:
    """A success and its metadata (the server's correlation ID, if it sent one)."""
    meta = ResponseMeta(
        status_code=status,
        correlation_id=headers.get("IM-CorrelationID", cid),
        method=endpoint.method,
        url=url,
        headers=headers,
        elapsed=_clock.monotonic() - started,
        attempts=attempts,
    )
    return Reply(data, meta)


def _loads(content: bytes) -> Any:
    """The JSON body, None when empty; ``ValueError`` when it is not JSON."""
    if not content.strip():
        return None
    return loads_json(content)


def _parse_json(response: httpx.Response, cid: str) -> Any:
    try:
        return _loads(response.content)
    except ValueError:  # RecursionError included: loads_json turns it into ValueError
        raise ResponseDecodeError(
            "the API's response body is not JSON",
            status_code=response.status_code,
            response=response,
            correlation_id=cid,
            method=response.request.method,
            url=str(response.request.url),
        ) from None
