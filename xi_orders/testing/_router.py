"""Method + path -> endpoint name and handler; 404 and 405 (with ``Allow``) in the API's
error shape. A route is one line of the table below.

Imports ``_http`` and the ``resources`` handlers; no state, no checks, no faults.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import unquote

from ._http import CoreRequest, CoreResponse, error_response
from .resources import changes, create, details, search, token, vendor_info

if TYPE_CHECKING:
    from ._context import RequestContext
    from ._core import Core

Handler = Callable[["Core", "RequestContext"], CoreResponse]


class Route(NamedTuple):
    """``{}`` in the path template is the order number (one path segment)."""

    method: str
    template: str
    endpoint: str
    handler: Handler
    #: behind the bearer token, the rate limit and the IM-* header checks
    authenticated: bool = True


#: Every route of the API. A path that matches a literal template never falls through to a
#: ``{}`` template (``PUT .../orders/search`` is 405, not a modify of order "search").
ROUTES: tuple[Route, ...] = (
    Route("POST", "/oauth/oauth30/token", "token", token.handle, authenticated=False),
    Route("GET", "/oauth/oauth20/token", "token", token.handle, authenticated=False),
    Route("GET", "/resellers/v6.1/orders/{}", "get_order", details.handle),
    Route("GET", "/resellers/v6/orders/search", "search_orders", search.handle),
    Route("POST", "/resellers/v6/orders", "create_order", create.handle_v6),
    Route("POST", "/resellers/v7/orders", "create_order_v7", create.handle_v7),
    Route("PUT", "/resellers/v6/orders/{}", "modify_order", changes.handle_modify),
    Route("DELETE", "/resellers/v6/orders/{}", "cancel_order", changes.handle_cancel),
    Route(
        "POST", "/resellers/v7/vendorrequiredinfo", "get_vendor_required_info", vendor_info.handle
    ),
)
#: Endpoints a wrong method is still counted against (the token endpoint: its own path).
_COUNT_405 = frozenset({"token"})


class Match(NamedTuple):
    """The outcome of routing: an endpoint and handler, or a 404 / 405."""

    endpoint: str | None
    handler: Handler | None
    param: str = ""
    authenticated: bool = True
    status: int = 404
    allow: tuple[str, ...] = ()


def _fits(template: str, parts: list[str]) -> str | None:
    """The path parameter ("" for none) if ``parts`` fit ``template``, else None."""
    tparts = template.split("/")
    if len(tparts) != len(parts):
        return None
    param = ""
    for t, p in zip(tparts, parts, strict=True):
        if t == "{}":
            param = unquote(p)
        elif t != p:
            return None
    return param


def route(method: str, raw_path: str) -> Match:
    """Route one request (``raw_path`` still URL-encoded, without the query)."""
    path = raw_path.rstrip("/") or "/"
    parts = path.split("/")
    method = method.upper()
    found = [(r, p) for r in ROUTES if (p := _fits(r.template, parts)) is not None]
    literal = [(r, p) for r, p in found if "{}" not in r.template]
    candidates = literal or found
    if not candidates:
        return Match(None, None)
    for r, param in candidates:
        if r.method == method:
            return Match(r.endpoint, r.handler, param, r.authenticated)
    endpoints = {r.endpoint for r, _ in candidates}
    counted = endpoints.pop() if len(endpoints) == 1 and endpoints <= _COUNT_405 else None
    allow = tuple(sorted({r.method for r, _ in candidates}))
    return Match(counted, None, status=405, allow=allow)


def no_route(match: Match, req: CoreRequest, cid: str | None, now: float) -> CoreResponse:
    """404 (no such resource) or 405 (with ``Allow``), in the ErrorResponse shape."""
    allowed = match.status == 405
    message = "Method not allowed" if allowed else "Resource not found"
    headers = [("Allow", ", ".join(match.allow))] if allowed else []
    return error_response(
        match.status,
        f"{message}: {req.method} {req.raw_path}",
        now=now,
        cid=cid,
        kind="/errors/method-not-allowed" if allowed else "/errors/not-found",
        headers=headers,
    )
