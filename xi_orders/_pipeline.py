"""The one request loop every API call goes through.

    authorize -> pace -> send (httpx.AsyncClient.send, token auth) -> classify -> retry?

Each step is a small method; the retry decision and backoff are ``_retry``'s, shared with
token requests. Authorizing comes before pacing: fetching a token must never delay a call
already counted against a rate-limit window (it would land in the next window, where the
server may count it as one too many).

Every call, on every transport, passes ``httpx.AsyncClient.send`` with the token
``httpx.Auth``: tracing, event hooks and raw-response capture ride on the path production
takes. Tracing is reached through :class:`Trace`, the narrow interface defined here.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import quote

import attrs
import httpx

from . import _clock, _retry
from ._auth import TokenAuth
from ._endpoints import Endpoint
from ._errors import error_from_response, loads_json, retry_after
from ._ratelimit import RateLimiter
from ._request import NO_OPTIONS, CallOptions, check_correlation_id, new_correlation_id
from ._response import ResponseMeta
from .errors import ResponseDecodeError

logger = logging.getLogger("xi_orders")

Params = Sequence[tuple[str, str]] | None


@attrs.frozen
class Reply:
    """A successful exchange: the parsed JSON body (None when empty) and its metadata."""

    data: Any
    meta: ResponseMeta


class AttemptTrace(Protocol):
    def done(
        self, status: int | None, exc: BaseException | None = None, replayed: bool = False
    ) -> None: ...


class Trace(Protocol):
    """One operation's tracing, as the loop calls it (``_telemetry.Op``)."""

    def attempt(
        self, endpoint: Endpoint, request: httpx.Request, number: int, waited: float, cid: str
    ) -> AttemptTrace: ...


@attrs.define
class _Call:
    """One call on its way: what it sends and what it has been through."""

    endpoint: Endpoint
    request: httpx.Request
    cid: str
    options: CallOptions
    trace: Trace | None
    started: float
    #: HTTP exchanges so far, a 401's replay included
    exchanges: int = 0


class Pipeline:
    """Sends one operation, with token, pacing, retries and error mapping."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        auth: TokenAuth,
        headers: dict[str, str],
        retry: _retry.RetryPolicy,
        limiter: RateLimiter,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.headers = dict(headers)
        self.retry = retry
        self.limiter = limiter
        self._merged: (
            tuple[httpx.AsyncClient, list[tuple[bytes, bytes]], dict[str, tuple[str, str]]] | None
        )
        self._merged = None

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
        trace: Trace | None = None,
    ) -> Reply:
        """Send ``endpoint`` until it succeeds or the retry policy gives up."""
        cid = (
            new_correlation_id() if correlation_id is None else check_correlation_id(correlation_id)
        )
        request = self._build(endpoint, path_arg, params, body, cid, options)
        call = _Call(endpoint, request, cid, options, trace, _clock.monotonic())
        policy = options.retry or self.retry
        attempt = functools.partial(self._attempt, call)
        return await _retry.run(attempt, policy, label=endpoint.name, cid=cid)

    def _build(
        self,
        endpoint: Endpoint,
        path_arg: str | None,
        params: Params,
        body: Any,
        cid: str,
        options: CallOptions,
    ) -> httpx.Request:
        headers = dict(self._base_headers())
        for name, value in options.headers.items():
            headers[name.lower()] = (name, value)
        headers["im-correlationid"] = ("IM-CorrelationID", cid)
        content = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            headers["content-type"] = ("Content-Type", "application/json")
        # A request built here rather than by ``http.build_request``: the same request
        # (absolute URL, the client's headers under ours, its timeout), without merging
        # the client's headers and parsing its base URL again on every call.
        http = self.http
        # A tuple: httpx's parameter type is invariant in a list's items.
        query = httpx.QueryParams(tuple(params)) if params else None
        if http.params:  # a shared http_client's own query parameters come first
            query = http.params.merge(query)
        return httpx.Request(
            endpoint.method,
            self.url(endpoint, path_arg),
            params=query,
            content=content,
            headers=list(headers.values()),
            cookies=http.cookies if http.cookies else None,
            extensions={"timeout": (options.timeout or http.timeout).as_dict()},
        )

    def _base_headers(self) -> dict[str, tuple[str, str]]:
        """The httpx client's headers updated with ours, by lower-case name (so a call's
        header replaces a default of any spelling, as httpx merges them): computed again
        only when the client or its headers change."""
        raw = self.http.headers.raw
        cached = self._merged
        if cached is None or cached[0] is not self.http or cached[1] != raw:
            merged = {
                k.decode("latin-1").lower(): (k.decode("latin-1"), v.decode("latin-1"))
                for k, v in raw
            }
            merged.update((k.lower(), (k, v)) for k, v in self.headers.items())
            cached = self._merged = (self.http, raw, merged)
        return cached[2]

    async def _attempt(self, call: _Call, number: int) -> _retry.Outcome[Reply]:
        """One attempt: authorize, pace, send, classify."""
        await self.auth.ready(call.cid)
        waited = await self._pace(call.endpoint)
        trace = (
            call.trace.attempt(call.endpoint, call.request, number, waited, call.cid)
            if call.trace
            else None
        )
        sent_at = _clock.monotonic()
        try:
            response = await self.http.send(call.request, auth=self.auth)
        # DecodingError: a body that fails its Content-Encoding, corrupted on the wire.
        except (httpx.TransportError, httpx.DecodingError) as exc:
            self.limiter.settle(call.endpoint.name)
            call.exchanges += 1
            self._log(call, type(exc).__name__, sent_at)
            if trace is not None:
                trace.done(None, exc)
            return _retry.network_failure(
                exc,
                method=call.endpoint.method,
                url=str(call.request.url),
                cid=call.cid,
                changes_orders=call.endpoint.changes_orders,
            )
        except BaseException as exc:  # a token request's error, a cancellation
            self.limiter.settle(call.endpoint.name)
            if trace is not None:
                trace.done(None, exc)
            raise
        self._observe(call, response, sent_at)
        if trace is not None:
            trace.done(response.status_code, None, bool(response.history))
        return self._classify(call, response)

    async def _pace(self, endpoint: Endpoint) -> float:
        """Wait for the endpoint's rate limit; the seconds waited."""
        started = _clock.monotonic()
        await self.limiter.acquire(endpoint.name)
        return _clock.monotonic() - started

    def _observe(self, call: _Call, response: httpx.Response, sent_at: float) -> None:
        """What every answer teaches: the rate limit, the log, the raw capture. A 401
        answered by a fresh token and a replay is two exchanges, each logged."""
        for earlier in response.history:
            call.exchanges += 1
            self._log(call, earlier.status_code, sent_at)
        call.exchanges += 1
        self.limiter.observe(call.endpoint.name, response)
        self._log(call, response.status_code, sent_at)
        if call.options.capture is not None:
            call.options.capture.exchanges.append((call.endpoint, response))

    def _classify(self, call: _Call, response: httpx.Response) -> _retry.Outcome[Reply]:
        """The reply, or the typed error and whether another attempt may help."""
        endpoint = call.endpoint
        if response.is_success:
            try:
                data = json_body(response, call.cid)
            except ResponseDecodeError as garbled:
                # A garbled 2xx body: safe to ask again only for reads.
                return _retry.Failure(garbled, not endpoint.changes_orders)
            return _retry.Done(Reply(data, self._meta(call, response)))
        error = error_from_response(response, correlation_id=call.cid, secrets=self.auth.secrets)
        retryable = _retry.should_retry_status(response.status_code, endpoint.changes_orders)
        return _retry.Failure(error, retryable, retry_after(response) if retryable else None)

    def _meta(self, call: _Call, response: httpx.Response) -> ResponseMeta:
        """A success's metadata (the server's correlation ID, if it sent one)."""
        return ResponseMeta(
            status_code=response.status_code,
            correlation_id=response.headers.get("IM-CorrelationID", call.cid),
            method=call.endpoint.method,
            url=str(call.request.url),
            headers=response.headers,
            elapsed=_clock.monotonic() - call.started,
            attempts=call.exchanges,
        )

    @staticmethod
    def _log(call: _Call, status: int | str, sent_at: float) -> None:
        """One DEBUG line per HTTP exchange; ``status``: the code, or the failure's name."""
        if logger.isEnabledFor(logging.DEBUG):
            url = call.request.url
            path = url.raw_path.decode("ascii", "replace")
            elapsed = _clock.monotonic() - sent_at
            logger.debug(
                "%s %s -> %s in %.3fs (correlation ID %s, attempt %d)",
                call.endpoint.method,
                path,
                status,
                elapsed,
                call.cid,
                call.exchanges,
                # structured fields for JSON log formatters (xi_orders._logging)
                extra={
                    "correlation_id": call.cid,
                    "endpoint": call.endpoint.name,
                    "method": call.endpoint.method,
                    "path": url.path,
                    "status": status,
                    "attempt": call.exchanges,
                    "elapsed": elapsed,
                },
            )


def json_body(response: httpx.Response, cid: str) -> Any:
    """A success's JSON body (None when empty), or ``ResponseDecodeError``."""
    content = response.content
    if not content.strip():
        return None
    try:
        return loads_json(content)
    except ValueError:  # RecursionError included: loads_json makes it ValueError
        raise ResponseDecodeError(
            "the API's response body is not JSON",
            status_code=response.status_code,
            response=response,
            correlation_id=cid,
            method=response.request.method,
            url=str(response.request.url),
        ) from None
