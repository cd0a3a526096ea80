"""OAuth2 client-credentials as an ``httpx.Auth``: fetch, cache, single-flight refresh, 401 replay.

The secret travels only in the form body of ``POST /oauth/oauth30/token``, never in a URL
(the spec's older ``GET /oauth/oauth20/token`` puts it in the query string, which ends up in
proxy and server logs). The token is cached until shortly before it expires; concurrent
calls on a cold or expired token wait for one fetch. A 401 from the API invalidates the
token, fetches a new one and replays the request once; a second 401 is returned to the
caller, which raises ``UnauthorizedError``. A 401 saying the app is not approved for the
API ("no apiproduct match") is returned at once: a new token cannot change that.

Token requests are safe to repeat, so they retry under the client's ``RetryPolicy`` as
reads do (429, 5xx, a garbled 200, network failures). Their errors carry the correlation
ID of the call that needed the token, and never the secret or a token: the server's text
is redacted, the attached request and response are sanitized copies, and a network
failure's cause keeps its exception but not the request with the form body.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import Any

import anyio
import attrs
import httpx

from . import _clock, _redact
from ._errors import body_text, credentials_rejected, loads_json, parse_error_body, retry_after
from ._retry import RetryPolicy
from .errors import (
    APIConnectionError,
    APITimeoutError,
    ResponseDecodeError,
    TokenRequestError,
    XiError,
)
from .shared import TokenStore, shared_token

logger = logging.getLogger("xi_orders")

#: Refresh this long before the server's expiry (tokens last about a day).
REFRESH_MARGIN = 120.0

#: Token endpoint statuses worth another try: the same faults a read retries on.
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
#: Token endpoint statuses that reject the credentials themselves: every retry, and every
#: later token request, would fail the same way.
_REJECTED_STATUS = frozenset({400, 401, 403})
#: How many replaced tokens are still redacted from error text.
_PREVIOUS_TOKENS = 2
_TOKEN_IN_TEXT = re.compile(r"access_token\W{1,4}([^\"'&,;\s}]+)", re.IGNORECASE)


@attrs.define
class Credentials:
    """An app's client ID and secret. The secret never appears in a repr."""

    client_id: str
    client_secret: str = attrs.field(repr=lambda _: "'***'")


@attrs.define
class _Token:
    value: str = attrs.field(repr=False)
    expires_at: float  # time.monotonic()

    @property
    def header(self) -> str:
        """The ``Authorization`` header's value."""
        return f"Bearer {self.value}"


Sender = Callable[[httpx.Request], Awaitable[httpx.Response]]

#: What one token request ended with: a token, or an error, whether to retry it, and the
#: wait the server asked for.
_Attempt = _Token | tuple[XiError, bool, float | None]


#: The token ``TokenAuth.ready`` got for the call this task is about to send.
_ready_token: contextvars.ContextVar[_Token | None] = contextvars.ContextVar(
    "xi_orders_ready_token", default=None
)


class TokenAuth(httpx.Auth):
    """Bearer-token auth for the Orders API, obtaining tokens by client credentials.

    ``send`` posts the token request without auth (the client's own connection pool);
    ``retry`` is the policy token requests retry under (the client's, as for reads).
    """

    # A 401's body is read (in the flow) to tell a stale token ("Invalid access token")
    # from an app that is not approved for the API ("no apiproduct match").
    requires_response_body = False

    def __init__(
        self,
        credentials: Credentials,
        token_url: str,
        send: Sender,
        retry: RetryPolicy | None = None,
        store: TokenStore | None = None,
    ) -> None:
        self._credentials = credentials
        self._token_url = token_url
        self._send = send
        self._retry = retry or RetryPolicy()
        #: A token store shared with other clients and processes (xi_orders.shared), if any.
        self._store = store
        self._token: _Token | None = None
        self._previous: list[str] = []
        self._lock: anyio.Lock | None = None
        #: How many token requests this client has sent (failed ones and retries count too).
        self.token_requests = 0

    def __repr__(self) -> str:
        return (
            f"TokenAuth(client_id={self._credentials.client_id!r}, token_url={self._token_url!r})"
        )

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never appear in an error: the client secret, the current token and
        the tokens it replaced."""
        current = [self._token.value] if self._token is not None else []
        return _redact.normalize([self._credentials.client_secret, *current, *self._previous])

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("xi_orders authenticates asynchronously; use OrdersClient for sync code")
        yield request  # pragma: no cover - makes this a generator, as httpx expects

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        cid = request.headers.get("IM-CorrelationID")
        token = await self.bearer(cid)
        request.headers["Authorization"] = token.header
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()
        fresh = await self.after_401(token, response, cid)
        if fresh is not None:
            request.headers["Authorization"] = fresh.header
            yield request

    async def bearer(self, cid: str | None) -> _Token:
        """The token a request sends with: the one :meth:`ready` made sure of, or the
        current one."""
        token = _ready_token.get()
        if token is None or token is not self._token:
            return await self._current_token(cid=cid)
        _ready_token.set(None)  # used once: a replay or the next call checks again
        return token

    async def after_401(
        self, token: _Token, response: httpx.Response, cid: str | None
    ) -> _Token | None:
        """The token to replay a request with once, after ``token`` got the 401
        ``response``; ``None`` when a new token cannot help."""
        if credentials_rejected(401, parse_error_body(response)[1]):
            return None  # the app is not approved for this API
        # The token may have been revoked or expired early: one fresh token, one replay.
        return await self._current_token(stale=token, cid=cid)

    async def ready(self, cid: str) -> None:
        """Have a valid token before a call takes its rate-limit slot, so that fetching one
        never delays a call already counted against the window (it would land in the next
        window, where the server may count it as one too many). The call then sends with
        that token, even if it expires meanwhile (the server's 401 would renew it)."""
        _ready_token.set(await self._current_token(cid=cid))

    def invalidate(self) -> None:
        """Forget the cached token; the next call fetches a new one."""
        self._replace(None)

    def forget_loop(self) -> None:
        """Drop the lock of the event loop used so far (the token stays): for a new loop."""
        self._lock = None

    def _replace(self, token: _Token | None) -> None:
        if self._token is not None:
            self._previous = [self._token.value, *self._previous][:_PREVIOUS_TOKENS]
        self._token = token

    async def _current_token(self, stale: _Token | None = None, cid: str | None = None) -> _Token:
        token = self._token
        if token is not None and token is not stale and token.expires_at > time.monotonic():
            return token
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            # Whoever held the lock before us may have fetched a fresh token already.
            token = self._token
            if token is not None and token is not stale and token.expires_at > time.monotonic():
                return token
            if self._store is None:
                fresh = await self._fetch(cid or uuid.uuid4().hex)
            else:  # one token for every client of the app: fetched once, 401 forgets it
                value, expires_at = await shared_token(
                    self._store, lambda: self._fetch(cid or uuid.uuid4().hex), stale
                )
                fresh = _Token(value, expires_at)
            self._replace(fresh)
            return fresh

    async def _fetch(self, cid: str) -> _Token:
        """A new token, retrying under the policy; raises the last attempt's error."""
        policy = self._retry
        started = _clock.monotonic()
        attempt = 0
        while True:
            attempt += 1
            outcome = await self._attempt(cid)
            if isinstance(outcome, _Token):
                return outcome
            error, retryable, server_wait = outcome
            if not retryable or attempt >= policy.attempts:
                raise error
            wait = policy.backoff(attempt, server_wait)
            if _clock.monotonic() + wait - started > policy.timeout:
                raise error
            await _clock.sleep(wait)

    async def _attempt(self, cid: str) -> _Attempt:
        self.token_requests += 1
        request = httpx.Request(
            "POST",
            self._token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": self._credentials.client_id,
                "client_secret": self._credentials.client_secret,
            },
            headers={"Accept": "application/json", "IM-CorrelationID": cid},
        )
        started = time.monotonic()
        try:
            response = await self._send(request)
        except httpx.HTTPError as exc:
            logger.debug(
                "POST %s -> %s (token request)",
                request.url.path,
                type(exc).__name__,
                extra={"endpoint": "token", "correlation_id": cid, "status": type(exc).__name__},
            )
            return self._network_error(exc, cid), True, None
        logger.debug(
            "POST %s -> %s in %.3fs (token request, correlation ID %s)",
            request.url.path,
            response.status_code,
            time.monotonic() - started,
            cid,
            extra={
                "endpoint": "token",
                "correlation_id": cid,
                "status": response.status_code,
                "elapsed": time.monotonic() - started,
            },
        )
        status = response.status_code
        if status != 200:
            message, details = parse_error_body(response)
            error = TokenRequestError(
                status_code=status,
                api_message=message or response.reason_phrase or None,
                details=details,
                body=body_text(response),
                response=response,
                correlation_id=cid,
                method="POST",
                url=self._token_url,
                secrets=self.secrets,
            )
            error.fatal = status in _REJECTED_STATUS
            retryable = status in _RETRY_STATUS
            return error, retryable, retry_after(response) if retryable else None
        try:
            payload: Any = loads_json(response.content)
            access_token = payload["access_token"]
            # expires_in is a string in the spec ("86399"); accept a number too.
            expires_in = float(payload.get("expires_in", 3600))
            if not isinstance(access_token, str) or not access_token:
                raise ValueError("empty access_token")
        except (ValueError, KeyError, TypeError, AttributeError, httpx.HTTPError):
            # An HTML login page, a truncated body: worth another try, as for a read.
            text = body_text(response)
            garbled = ResponseDecodeError(
                "the token endpoint answered 200 without a usable access_token",
                status_code=status,
                response=response,
                correlation_id=cid,
                method="POST",
                url=self._token_url,
                secrets=[*self.secrets, *_TOKEN_IN_TEXT.findall(text)],
            )
            return garbled, True, None
        lifetime = max(expires_in - REFRESH_MARGIN, expires_in / 2)
        return _Token(access_token, time.monotonic() + lifetime)

    def _network_error(self, exc: httpx.HTTPError, cid: str) -> APIConnectionError:
        """The typed error for a token request that failed on the network. The httpx
        exception stays its cause, but with a sanitized request (no form body)."""
        secrets = self.secrets
        _redact.scrub_exception(exc, secrets)
        cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        error = cls(
            _redact.redact(
                f"{type(exc).__name__} reaching the token endpoint {self._token_url}: {exc} "
                f"(correlation ID {cid})",
                secrets,
            ),
            correlation_id=cid,
            method="POST",
            url=self._token_url,
        )
        # The call that needed the token was never sent: nothing can have been placed.
        error.request_sent = False
        error.__cause__ = exc
        return error
