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

    @property
    def changes_orders(self) -> bool:
        """Whether a duplicate send could create or change an order twice."""
        return self.method != "GET"


GET_ORDER = Endpoint("get_order", "GET", "/resellers/v6.1/orders/{}")
SEARCH_ORDERS = Endpoint("search_orders", "GET", "/resellers/v6/orders/search")
CREATE_ORDER = Endpoint("create_order", "POST", "/resellers/v6/orders")
CREATE_ORDER_V7 = Endpoint("create_order_v7", "POST", "/resellers/v7/orders")
# Modify and release share the endpoint (and so its rate limit).
MODIFY_ORDER = Endpoint("modify_order", "PUT", "/resellers/v6/orders/{}")
CANCEL_ORDER = Endpoint("cancel_order", "DELETE", "/resellers/v6/orders/{}")


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
        while True:
            attempt += 1
            if ready is not None:
                await ready(cid)
            waited = _clock.monotonic()
            await self.limiter.acquire(endpoint.name)
            request = self.http.build_request(
                endpoint.method,
                url,
                params=query,
                content=content,
                headers=headers,
                **({} if timeout is None else {"timeout": timeout}),
            )
            sent_at = _clock.monotonic()
            waited = sent_at - waited
            trace = None if op is None else op.attempt(endpoint, request, attempt, waited, cid)
            error: APIError
            server_wait: float | None = None
            try:
                response = await self.http.send(request, auth=self.auth)
            # DecodingError: a body that fails its Content-Encoding, corrupted on the wire.
            except (httpx.TransportError, httpx.DecodingError) as exc:
                self.limiter.settle(endpoint.name)
                error, retryable = self._network_error(exc, endpoint, request, cid)
                self._log(request, None, sent_at, cid, attempt, type(exc).__name__, endpoint)
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
                        earlier.request, earlier.status_code, sent_at, cid, attempt, None, endpoint
                    )
                    attempt += 1
                self.limiter.observe(endpoint.name, response)
                self._log(request, response.status_code, sent_at, cid, attempt, None, endpoint)
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
                        meta = ResponseMeta(
                            status_code=response.status_code,
                            correlation_id=response.headers.get("IM-CorrelationID", cid),
                            method=endpoint.method,
                            url=str(request.url),
                            headers=response.headers,
                            elapsed=_clock.monotonic() - started,
                            attempts=attempt,
                        )
                        return Reply(data, meta)
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

    @staticmethod
    def _network_error(
        exc: httpx.RequestError, endpoint: Endpoint, request: httpx.Request, cid: str
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
            method=request.method,
            url=str(request.url),
        )
        error.request_sent = not not_sent
        _redact.scrub_exception(exc)  # its request carries the Authorization header
        error.__cause__ = exc
        return error, not_sent or not endpoint.changes_orders

    @staticmethod
    def _log(
        request: httpx.Request,
        status: int | None,
        sent_at: float,
        cid: str,
        attempt: int,
        failure: str | None,
        endpoint: Endpoint | None = None,
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            path = request.url.raw_path.decode("ascii", "replace")
            outcome = status if failure is None else failure
            elapsed = _clock.monotonic() - sent_at
            logger.debug(
                "%s %s -> %s in %.3fs (correlation ID %s, attempt %d)",
                request.method,
                path,
                outcome,
                elapsed,
                cid,
                attempt,
                # structured fields for JSON log formatters (xi_orders._logging)
                extra={
                    "correlation_id": cid,
                    "endpoint": endpoint.name if endpoint is not None else None,
                    "method": request.method,
                    "path": path.split("?", 1)[0],
                    "status": outcome,
                    "attempt": attempt,
                    "elapsed": elapsed,
                },
            )


def _parse_json(response: httpx.Response, cid: str) -> Any:
    content = response.content
    if not content.strip():
        return None
    try:
        return loads_json(content)
    except ValueError:  # RecursionError included: loads_json turns it into ValueError
        raise ResponseDecodeError(
            "the API's response body is not JSON",
            status_code=response.status_code,
            response=response,
            correlation_id=cid,
            method=response.request.method,
            url=str(response.request.url),
        ) from None
