"""OAuth2 client-credentials as an ``httpx.Auth``: fetch, cache, single-flight refresh, 401 replay.

The secret travels only in the form body of ``POST /oauth/oauth30/token``, never in a URL
(the spec's older ``GET /oauth/oauth20/token`` puts it in the query string, which ends up in
proxy and server logs). The token is cached until shortly before it expires; concurrent
calls on a cold or expired token wait for one fetch. A 401 from the API invalidates the
token, fetches a new one and replays the request once; a second 401 is returned to the
caller, which raises ``UnauthorizedError``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import Any

import anyio
import attrs
import httpx

from ._errors import parse_error_body
from .errors import AuthenticationError, TokenRequestError

logger = logging.getLogger("xi_orders")

#: Refresh this long before the server's expiry (tokens last about a day).
REFRESH_MARGIN = 120.0


@attrs.define
class Credentials:
    """An app's client ID and secret. The secret never appears in a repr."""

    client_id: str
    client_secret: str = attrs.field(repr=lambda _: "'***'")


@attrs.define
class _Token:
    value: str = attrs.field(repr=False)
    expires_at: float  # time.monotonic()


Sender = Callable[[httpx.Request], Awaitable[httpx.Response]]


class TokenAuth(httpx.Auth):
    """Bearer-token auth for the Orders API, obtaining tokens by client credentials.

    ``send`` posts the token request without auth (the client's own connection pool).
    """

    requires_response_body = False

    def __init__(self, credentials: Credentials, token_url: str, send: Sender) -> None:
        self._credentials = credentials
        self._token_url = token_url
        self._send = send
        self._token: _Token | None = None
        self._lock: anyio.Lock | None = None
        #: How many tokens this client has fetched (a token request that failed counts too).
        self.token_requests = 0

    def __repr__(self) -> str:
        return (
            f"TokenAuth(client_id={self._credentials.client_id!r}, token_url={self._token_url!r})"
        )

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("xi_orders authenticates asynchronously; use OrdersClient for sync code")
        yield request  # pragma: no cover - makes this a generator, as httpx expects

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._current_token()
        request.headers["Authorization"] = f"Bearer {token.value}"
        response = yield request
        if response.status_code != 401:
            return
        # The token may have been revoked or expired early: one fresh token, one replay.
        token = await self._current_token(stale=token)
        request.headers["Authorization"] = f"Bearer {token.value}"
        yield request

    def invalidate(self) -> None:
        """Forget the cached token; the next call fetches a new one."""
        self._token = None

    async def _current_token(self, stale: _Token | None = None) -> _Token:
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
            self._token = await self._fetch()
            return self._token

    async def _fetch(self) -> _Token:
        self.token_requests += 1
        request = httpx.Request(
            "POST",
            self._token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": self._credentials.client_id,
                "client_secret": self._credentials.client_secret,
            },
            headers={"Accept": "application/json"},
        )
        started = time.monotonic()
        try:
            response = await self._send(request)
        except httpx.HTTPError as exc:
            raise AuthenticationError(
                f"could not reach the token endpoint {self._token_url}: {type(exc).__name__}"
            ) from None
        logger.debug(
            "POST %s -> %s in %.3fs (token request)",
            request.url.path,
            response.status_code,
            time.monotonic() - started,
        )
        body = response.text
        if response.status_code != 200:
            message, details = parse_error_body(response)
            raise TokenRequestError(
                status_code=response.status_code,
                api_message=self._redact(message or response.reason_phrase),
                details=details,
                body=self._redact(body),
                response=response,
                method="POST",
                url=str(request.url),
            )
        try:
            payload: Any = json.loads(body)
            access_token = payload["access_token"]
            # expires_in is a string in the spec ("86399"); accept a number too.
            expires_in = float(payload.get("expires_in", 3600))
            if not isinstance(access_token, str) or not access_token:
                raise ValueError("empty access_token")
        except (ValueError, KeyError, TypeError):
            raise AuthenticationError(
                "the token endpoint answered 200 without a usable access_token"
            ) from None
        lifetime = max(expires_in - REFRESH_MARGIN, expires_in / 2)
        return _Token(access_token, time.monotonic() + lifetime)

    def _redact(self, text: str) -> str:
        secret = self._credentials.client_secret
        return text.replace(secret, "***") if secret else text
