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
from typing import Any
from urllib.parse import quote

import attrs
import httpx

from . import _clock
from ._errors import error_from_response, retry_after
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
    ) -> None:
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
    ) -> Reply:
        """Send ``endpoint`` until it succeeds or the retry policy gives up."""
        cid = (
            new_correlation_id() if correlation_id is None else check_correlation_id(correlation_id)
        )
        headers = {**self.headers, "IM-CorrelationID": cid}
        content: bytes | None = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        url = self.url(endpoint, path_arg)
        # A tuple, because httpx's parameter type is invariant in a list's items.
        query = httpx.QueryParams(tuple(params)) if params else None
        policy = self.retry
        started = _clock.monotonic()
        attempt = 0
        while True:
            attempt += 1
            await self.limiter.acquire(endpoint.name)
            request = self.http.build_request(
                endpoint.method, url, params=query, content=content, headers=headers
            )
            sent_at = _clock.monotonic()
            error: APIError
            server_wait: float | None = None
            try:
                response = await self.http.send(request, auth=self.auth)
            except httpx.TransportError as exc:
                error, retryable = self._network_error(exc, endpoint, request, cid)
                self._log(request, None, sent_at, cid, attempt, type(exc).__name__)
            else:
                self.limiter.observe(endpoint.name, response)
                self._log(request, response.status_code, sent_at, cid, attempt, None)
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
                    status_error = error_from_response(response, correlation_id=cid)
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
            await _clock.sleep(wait)

    @staticmethod
    def _network_error(
        exc: httpx.TransportError, endpoint: Endpoint, request: httpx.Request, cid: str
    ) -> tuple[APIError, bool]:
        not_sent = isinstance(exc, _NOT_SENT)
        cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        what = "before the request was sent" if not_sent else "after the request may have been sent"
        error = cls(
            f"{type(exc).__name__} {what}: {exc} (correlation ID {cid})",
            correlation_id=cid,
            method=request.method,
            url=str(request.url),
        )
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
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s in %.3fs (correlation ID %s, attempt %d)",
                request.method,
                request.url.raw_path.decode("ascii", "replace"),
                status if failure is None else failure,
                _clock.monotonic() - sent_at,
                cid,
                attempt,
            )


def _parse_json(response: httpx.Response, cid: str) -> Any:
    content = response.content
    if not content.strip():
        return None
    try:
        return json.loads(content)
    except ValueError:
        raise ResponseDecodeError(
            "the API's response body is not JSON",
            status_code=response.status_code,
            response=response,
            correlation_id=cid,
            method=response.request.method,
            url=str(response.request.url),
        ) from None
