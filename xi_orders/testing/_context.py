"""One request's context, and the checks that make it: the bearer token (401) and the
IM-* headers (400), with the customer and correlation ID they yield; the tokens issued.

Imports only ``_http`` and ``_types``; knows nothing of orders, routes, limits or faults.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from ._http import JSON, CoreRequest, Reject, bad_request, unauthorized
from ._types import Counters

_COUNTRY_RE = re.compile(r"^[A-Za-z]{2}$")
_TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass
class RequestContext:
    """What a handler gets: the request, the sandbox time, the checked caller and the
    ``X-RateLimit-*`` headers every answer of this call carries."""

    req: CoreRequest
    now: float
    endpoint: str
    #: the path parameter (order number), URL-decoded, or ""
    param: str = ""
    #: IM-CorrelationID as sent (None when absent: only before the header check)
    cid: str | None = None
    #: IM-CustomerNumber, checked ("" for the token endpoint)
    customer: str = ""
    rl: list[tuple[str, str]] = field(default_factory=list)

    @property
    def correlation_id(self) -> str:
        """The correlation ID ("" when absent)."""
        return self.cid or ""


class TokenBook:
    """Access tokens issued, with their expiry."""

    def __init__(self, rng: random.Random, counters: Counters, ttl: int) -> None:
        self._rng = rng
        self._counters = counters
        self.ttl = ttl
        self._tokens: dict[str, float] = {}

    def issue(self, now: float) -> str:
        """A fresh access token, valid for ``ttl`` seconds from ``now``."""
        token = "sbx_" + "".join(self._rng.choice(_TOKEN_CHARS) for _ in range(28))
        self._tokens[token] = now + self.ttl
        self._counters.tokens_issued += 1
        return token

    def revoke_all(self) -> None:
        """Forget every token issued so far."""
        self._tokens.clear()

    def check(self, req: CoreRequest, now: float) -> None:
        """Raise :class:`Reject` (401) unless the request carries a live bearer token."""
        auth = req.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Reject(unauthorized("Invalid access token", "oauth.v2.InvalidAccessToken"))
        expiry = self._tokens.get(token.strip())
        if expiry is None:
            raise Reject(unauthorized("Invalid access token", "oauth.v2.InvalidAccessToken"))
        if now >= expiry:
            raise Reject(
                unauthorized("Access Token expired", "keymanagement.service.access_token_expired")
            )


#: Endpoints whose 400s take the v7 shape (``{traceid, type, message, fields}``).
_V7_ERRORS = frozenset({"create_order_v7", "get_vendor_required_info"})


def check_headers(
    ctx: RequestContext, *, customer_numbers: tuple[str, ...], country_code: str
) -> None:
    """Check the IM-* headers; fill ``ctx.customer`` or raise :class:`Reject` (400)."""
    fields: list[JSON] = []
    h = ctx.req.headers
    cid = ctx.cid
    customer = h.get("im-customernumber")
    country = h.get("im-countrycode")
    sender = h.get("im-senderid")
    if customer is None or not customer.strip():
        fields.append(
            {
                "field": "IM-CustomerNumber",
                "message": "IM-CustomerNumber is required",
                "value": customer,
            }
        )
    elif len(customer) > 10:
        fields.append(
            {
                "field": "IM-CustomerNumber",
                "value": customer,
                "message": "IM-CustomerNumber must be in the format XX-XXXXXX (max 10 characters)",
            }
        )
    elif customer not in customer_numbers:
        fields.append(
            {
                "field": "IM-CustomerNumber",
                "value": customer,
                "message": "IM-CustomerNumber is not valid",
            }
        )
    if country is None or not country.strip():
        fields.append({"field": "IM-CountryCode", "message": "IM-CountryCode is required"})
    elif not _COUNTRY_RE.match(country):
        fields.append(
            {
                "field": "IM-CountryCode",
                "value": country,
                "message": "IM-CountryCode must be a two-letter ISO country code",
            }
        )
    elif country.upper() != country_code.upper():
        fields.append(
            {
                "field": "IM-CountryCode",
                "value": country,
                "message": "IM-CountryCode is not valid",
            }
        )
    if cid is None or not cid.strip():
        fields.append(
            {
                "field": "IM-CorrelationID",
                "value": cid or "",
                "message": "IM-CorrelationID cannot be blank",
            }
        )
    elif len(cid) > 32:
        fields.append(
            {
                "field": "IM-CorrelationID",
                "value": cid,
                "message": "IM-CorrelationID must be at most 32 characters",
            }
        )
    if ctx.endpoint == "get_vendor_required_info" and (sender is None or not sender.strip()):
        fields.append({"field": "IM-SenderID", "message": "IM-SenderID is required"})
    if sender is not None and len(sender) > 32:
        fields.append(
            {
                "field": "IM-SenderID",
                "value": sender,
                "message": "IM-SenderID must be at most 32 characters",
            }
        )
    if fields:
        raise Reject(
            bad_request(fields, now=ctx.now, cid=cid, v7=ctx.endpoint in _V7_ERRORS, rl=ctx.rl)
        )
    ctx.customer = customer or ""
