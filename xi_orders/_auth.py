"""OAuth2 client credentials as an ``httpx.Auth``: the only code that fetches, caches and
refreshes tokens, and the only code that answers a 401.

The secret travels only in the form body of ``POST /oauth/oauth30/token``, never in a URL
(the spec's older ``GET /oauth/oauth20/token`` puts it in the query string, which ends up in
proxy and server logs). The token is cached until shortly before it expires.

One fetch at a time, shared: calls that need a token while one is being fetched wait for
that fetch and share its outcome, a token or the error it ended with, so a token endpoint
that is down fails every waiting call once, not once per call in turn. The fetch runs as
a task of its own: a caller's deadline or cancellation ends that caller's wait, never the
fetch the others are waiting for.

A 401 from the API invalidates the token, fetches a new one and replays the request once;
a second 401 is returned to the caller, which raises ``UnauthorizedError``. A 401 saying
the app is not approved for the API ("no apiproduct match") is returned at once: a new
token cannot change that.

Token requests retry under the client's ``RetryPolicy`` with the same decision as reads
(``_retry``: 429, 5xx, a garbled 200, network failures). Their errors carry the correlation
ID of the call that needed the token, and never the secret or a token.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
import warnings
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import Any

import anyio
import attrs
import httpx

from . import _loops, _redact, _retry
from ._errors import body_text, credentials_rejected, loads_json, parse_error_body, retry_after
from .errors import APIConnectionError, ResponseDecodeError, TokenRequestError, XiError
from .shared import TokenStore, shared_token

logger = logging.getLogger("xi_orders")

#: Refresh this long before the server's expiry (tokens last about a day).
REFRESH_MARGIN = 120.0
#: The lifetime assumed when the server's ``expires_in`` is not a number.
DEFAULT_LIFETIME = 3600.0
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


#: Sends a token request (no auth) and returns its response.
TokenSender = Callable[[httpx.Request], Awaitable[httpx.Response]]

#: The token ``TokenAuth.ready`` got for the call this task is about to send.
_ready_token: contextvars.ContextVar[_Token | None] = contextvars.ContextVar(
    "xi_orders_ready_token", default=None
)


class _Flight:
    """One token fetch and the calls waiting for it: its outcome is everyone's."""

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.token: _Token | None = None
        self.error: BaseException | None = None

    async def outcome(self) -> _Token:
        await self.done.wait()  # the caller's own cancellation ends only this wait
        if self.token is None:
            assert self.error is not None
            raise self.error
        return self.token


class TokenAuth(httpx.Auth):
    """Bearer-token auth for the Orders API, obtaining tokens by client credentials.

    ``send`` posts the token request without auth; ``retry`` is the policy token requests
    retry under (the client's, as for reads); ``store`` shares the token with other
    clients and processes (``xi_orders.shared``).
    """

    def __init__(
        self,
        credentials: Credentials,
        token_url: str,
        send: TokenSender,
        retry: _retry.RetryPolicy | None = None,
        store: TokenStore | None = None,
    ) -> None:
        self._credentials = credentials
        self._token_url = token_url
        self._send = send
        self._retry = retry or _retry.RetryPolicy()
        self._store = store
        self._token: _Token | None = None
        self._previous: list[str] = []
        self._flight: _Flight | None = None
        self._warned_lifetime = False
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

    # --- httpx.Auth ------------------------------------------------------------------

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("xi_orders authenticates asynchronously; use OrdersClient for sync code")
        yield request  # pragma: no cover - makes this a generator, as httpx expects

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._bearer(request)
        request.headers["Authorization"] = token.header
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()  # its body tells a stale token from an unapproved app
        if credentials_rejected(401, parse_error_body(response)[1]):
            return  # the app is not approved for this API: a new token cannot help
        # The token may have been revoked or expired early: one fresh token, one replay
        # (a request of its own: the first stays as it was sent, for hooks and history).
        fresh = await self._current_token(stale=token, cid=request.headers.get("IM-CorrelationID"))
        replay = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=request.content,
            extensions=dict(request.extensions),
        )
        replay.headers["Authorization"] = fresh.header
        yield replay

    # --- what the pipeline asks ------------------------------------------------------

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
        """Drop what belongs to the event loop used so far (the token stays): for a new loop."""
        self._flight = None

    # --- the token -------------------------------------------------------------------

    async def _bearer(self, request: httpx.Request) -> _Token:
        """The token :meth:`ready` made sure of for this call, else the current one."""
        token = _ready_token.get()
        if token is None or token is not self._token:
            return await self._current_token(cid=request.headers.get("IM-CorrelationID"))
        _ready_token.set(None)  # used once: a replay or the next call checks again
        return token

    def _replace(self, token: _Token | None) -> None:
        if self._token is not None:
            self._previous = [self._token.value, *self._previous][:_PREVIOUS_TOKENS]
        self._token = token

    def _usable(self, stale: _Token | None) -> _Token | None:
        token = self._token
        if token is not None and token is not stale and token.expires_at > time.monotonic():
            return token
        return None

    async def _current_token(self, stale: _Token | None = None, cid: str | None = None) -> _Token:
        """A usable token: the cached one, or the outcome of the fetch in flight (started
        now if none is)."""
        token = self._usable(stale)
        if token is not None:
            return token
        flight = self._flight
        if flight is None:
            flight = self._flight = _Flight()
            _loops.spawn_detached(lambda: self._fly(flight, stale, cid or uuid.uuid4().hex))
        return await flight.outcome()

    async def _fly(self, flight: _Flight, stale: _Token | None, cid: str) -> None:
        """Fetch a token for ``flight``'s waiters (a task of its own: it raises only its own
        cancellation, after telling the waiters)."""
        try:
            if self._store is None:
                fresh = await self._fetch(cid)
            else:  # one token for every client of the app: fetched once, 401 forgets it
                value, expires_at = await shared_token(self._store, lambda: self._fetch(cid), stale)
                fresh = _Token(value, expires_at)
            self._replace(fresh)
            flight.token = fresh
        except BaseException as exc:  # a cancellation too: the waiters must hear of it
            flight.error = exc if isinstance(exc, Exception) else _cut_short(cid)
            if not isinstance(exc, Exception):
                raise
        finally:
            if self._flight is flight:
                self._flight = None
            flight.done.set()

    async def _fetch(self, cid: str) -> _Token:
        """A new token, retried under the policy; raises the last attempt's error."""
        try:
            return await _retry.run(
                lambda _number: self._attempt(cid), self._retry, label="token", cid=cid
            )
        except APIConnectionError as exc:
            # Unreachable through the whole retry policy: until it answers, every call
            # fails the same way, so batch work stops at the first (as for rejected
            # credentials) instead of waiting out the policy once per item.
            exc.fatal = True
            raise

    def _request(self, cid: str) -> httpx.Request:
        return httpx.Request(
            "POST",
            self._token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": self._credentials.client_id,
                "client_secret": self._credentials.client_secret,
            },
            headers={"Accept": "application/json", "IM-CorrelationID": cid},
        )

    async def _attempt(self, cid: str) -> _retry.Outcome[_Token]:
        """One token request: the token, or the failure and whether to retry it."""
        self.token_requests += 1
        request = self._request(cid)
        started = time.monotonic()
        try:
            response = await self._send(request)
        except httpx.HTTPError as exc:
            _log(request, type(exc).__name__, started, cid)
            if not isinstance(exc, httpx.RequestError):
                raise
            return _retry.network_failure(
                exc,
                method="POST",
                url=self._token_url,
                cid=cid,
                changes_orders=False,
                where=f"the token endpoint {self._token_url}",
                secrets=self.secrets,
                sent_may_matter=False,
            )
        _log(request, response.status_code, started, cid)
        if response.status_code != 200:
            return self._refused(response, cid)
        return self._token_from(response, cid)

    def _refused(self, response: httpx.Response, cid: str) -> _retry.Failure:
        status = response.status_code
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
        retryable = _retry.should_retry_status(status, changes_orders=False)
        return _retry.Failure(error, retryable, retry_after(response) if retryable else None)

    def _token_from(self, response: httpx.Response, cid: str) -> _retry.Outcome[_Token]:
        try:
            payload: Any = loads_json(response.content)
            access_token = payload["access_token"]
            if not isinstance(access_token, str) or not access_token:
                raise ValueError("empty access_token")
        except (ValueError, KeyError, TypeError, AttributeError, httpx.HTTPError):
            # An HTML login page, a truncated body: worth another try, as for a read.
            text = body_text(response)
            garbled = ResponseDecodeError(
                "the token endpoint answered 200 without a usable access_token",
                status_code=response.status_code,
                response=response,
                correlation_id=cid,
                method="POST",
                url=self._token_url,
                secrets=[*self.secrets, *_TOKEN_IN_TEXT.findall(text)],
            )
            return _retry.Failure(garbled, True)
        expires_in = self._lifetime(payload.get("expires_in", DEFAULT_LIFETIME))
        lifetime = max(expires_in - REFRESH_MARGIN, expires_in / 2)
        return _retry.Done(_Token(access_token, time.monotonic() + lifetime))

    def _lifetime(self, value: object) -> float:
        """``expires_in`` in seconds: a string in the spec (``"86399"``), a number from
        some gateways; anything else is not worth failing a call over."""
        try:
            seconds = float(value)  # type: ignore[arg-type]
            if 0 <= seconds < float("inf"):
                return seconds
        except (TypeError, ValueError):
            pass
        if not self._warned_lifetime:
            self._warned_lifetime = True
            warnings.warn(
                f"the token endpoint's expires_in is not a number of seconds ({value!r:.40}); "
                f"assuming {DEFAULT_LIFETIME:.0f} seconds",
                RuntimeWarning,
                stacklevel=2,
            )
        return DEFAULT_LIFETIME


def _cut_short(cid: str) -> XiError:
    """What the waiters of a fetch hear when the fetch itself was cancelled (its event
    loop ending)."""
    error = APIConnectionError(
        f"the token request was cancelled before it finished (correlation ID {cid})",
        correlation_id=cid,
        method="POST",
        url=None,
    )
    error.request_sent = False
    return error


def _log(request: httpx.Request, status: int | str, started: float, cid: str) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        elapsed = time.monotonic() - started
        logger.debug(
            "POST %s -> %s in %.3fs (token request, correlation ID %s)",
            request.url.path,
            status,
            elapsed,
            cid,
            extra={
                "endpoint": "token",
                "correlation_id": cid,
                "status": status,
                "elapsed": elapsed,
            },
        )
