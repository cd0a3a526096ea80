"""``AsyncOrdersClient``: the Orders API, one short method per operation."""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from . import _config
from ._auth import Credentials, TokenAuth
from ._ratelimit import STANDARD as STANDARD_RATE_LIMIT
from ._ratelimit import RateLimit, RateLimiter
from ._retry import RetryPolicy
from ._transport import Sender
from ._version import __version__
from .errors import ValidationError

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class AsyncOrdersClient:
    """An async client for Ingram Micro's Xvantage Reseller Orders API.

    Tokens are fetched and refreshed for you (OAuth2 client credentials), every call gets
    its own IM-CorrelationID, reads are retried, and calls are paced per endpoint at the
    API's rate limit.

    Example::

        async with AsyncOrdersClient(
            client_id="...", client_secret="...", customer_number="20-222222", country_code="US"
        ) as client:
            order = await client.get_order("20-RD3QV")
            async for summary in client.search_orders(order_status="SHIPPED"):
                ...

    Args:
        client_id, client_secret: the API app's credentials.
        customer_number: your Ingram Micro reseller number (IM-CustomerNumber, max 10).
        country_code: the 2-letter country of your account (IM-CountryCode).
        sender_id: optional IM-SenderID (max 32).
        base_url: the API host; sandbox and production share it (the credentials decide).
        token_url: defaults to ``{base_url}/oauth/oauth30/token``.
        timeout: seconds, or an ``httpx.Timeout``.
        retry: a ``RetryPolicy`` (``RetryPolicy.disabled()`` for none).
        rate_limit: a ``RateLimit`` for every endpoint, a mapping from operation name
            (``"get_order"``, ``"search_orders"``, ...) to ``RateLimit``, or ``None`` to turn
            client-side pacing off. By default 60 calls a minute per endpoint (the API's
            standard), following the server's ``X-RateLimit-Limit`` when it differs.
        transport: an ``httpx.AsyncBaseTransport`` (tests, the sandbox, proxies).
        http_client: an existing ``httpx.AsyncClient`` to share; it is not closed by us.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        customer_number: str,
        country_code: str,
        sender_id: str | None = None,
        base_url: str = _config.DEFAULT_BASE_URL,
        token_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | Mapping[str, RateLimit] | None = STANDARD_RATE_LIMIT,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        credentials = Credentials(
            _config.required("client_id", client_id),
            _config.required("client_secret", client_secret),
        )
        self.customer_number = _config.customer_number(customer_number)
        self.country_code = _config.country_code(country_code)
        self.sender_id = _config.sender_id(sender_id)
        self.base_url = _config.base_url("base_url", base_url)
        self.token_url = _config.base_url(
            "token_url", token_url or self.base_url + _config.TOKEN_PATH
        )
        if transport is not None and http_client is not None:
            raise ValidationError("transport", "give transport or http_client, not both")
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport, timeout=timeout, follow_redirects=False
        )
        self._auth = TokenAuth(credentials, self.token_url, self._send_token_request)
        headers = {
            "IM-CustomerNumber": self.customer_number,
            "IM-CountryCode": self.country_code,
            "Accept": "application/json",
            "User-Agent": f"xi-orders/{__version__}",
        }
        if self.sender_id:
            headers["IM-SenderID"] = self.sender_id
        self._sender = Sender(
            self._http,
            base_url=self.base_url,
            auth=self._auth,
            headers=headers,
            retry=retry or RetryPolicy(),
            limiter=RateLimiter(rate_limit),
        )

    @classmethod
    def from_env(cls, **overrides: Any) -> AsyncOrdersClient:
        """A client configured from ``XI_CLIENT_ID``, ``XI_CLIENT_SECRET``,
        ``XI_CUSTOMER_NUMBER``, ``XI_COUNTRY_CODE`` and, optionally, ``XI_SENDER_ID`` and
        ``XI_BASE_URL``. Keyword arguments override or add settings.

        Example::

            async with AsyncOrdersClient.from_env() as client: ...
        """
        settings: dict[str, Any] = {}
        for name in ("client_id", "client_secret", "customer_number", "country_code"):
            var = f"XI_{name.upper()}"
            if name not in overrides:
                value = os.environ.get(var)
                if not value:
                    raise ValidationError(var, "environment variable is not set")
                settings[name] = value
        for name in ("sender_id", "base_url"):
            value = os.environ.get(f"XI_{name.upper()}")
            if value:
                settings[name] = value
        settings.update(overrides)
        return cls(**settings)

    async def _send_token_request(self, request: httpx.Request) -> httpx.Response:
        return await self._http.send(request, auth=None)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(customer_number={self.customer_number!r}, "
            f"country_code={self.country_code!r}, base_url={self.base_url!r})"
        )

    @property
    def token_requests(self) -> int:
        """How many access tokens this client has requested so far."""
        return self._auth.token_requests

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in as ``http_client``)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncOrdersClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
