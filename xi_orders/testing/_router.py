"""Method + path -> endpoint name and handler; 404 and 405 (with ``Allow``) in the API's
error shape.

A route is a row of the client's table (``xi_orders._endpoints.ENDPOINTS``: method, path,
name) and the handler that one module of ``resources`` declares for that name in its
``HANDLERS``. Every public module there is read, so a new operation's route comes from its
row and its handler alone: this file names no operation but the token endpoint (the one
outside the bearer-token checks, also served at its legacy path). Importing it fails,
naming the endpoint, unless every endpoint has exactly one handler.

Imports ``_endpoints``, ``_http`` and ``resources``; no state, no checks, no faults.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import NamedTuple
from urllib.parse import unquote

from .. import _endpoints
from . import resources
from ._http import CoreRequest, CoreResponse, error_response
from .resources import Handler

#: The endpoint outside the bearer-token, rate-limit and IM-* header checks.
_TOKEN = _endpoints.TOKEN.name


class Route(NamedTuple):
    """``{}`` in the path template is the order number (one path segment)."""

    method: str
    template: str
    endpoint: str
    handler: Handler
    #: behind the bearer token, the rate limit and the IM-* header checks
    authenticated: bool = True


def declared_handlers(package: ModuleType) -> list[tuple[str, Mapping[str, Handler]]]:
    """Each public module of ``package`` (by name) and its ``HANDLERS``, importing them."""
    found: list[tuple[str, Mapping[str, Handler]]] = []
    for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        if info.name.rpartition(".")[2].startswith("_"):
            continue
        handlers = getattr(importlib.import_module(info.name), "HANDLERS", None)
        if not isinstance(handlers, Mapping):
            raise TypeError(f"{info.name} declares no HANDLERS (endpoint name -> handler)")
        found.append((info.name, handlers))
    return found


def build_routes(
    endpoints: Iterable[_endpoints.Endpoint],
    declared: Iterable[tuple[str, Mapping[str, Handler]]],
) -> tuple[Route, ...]:
    """A route per endpoint, to the handler one module declares for its name.

    Raises ``ValueError`` naming the endpoint if one has no handler, two modules claim it,
    or a module claims a name that is no endpoint.
    """
    table = {e.name: e for e in endpoints}
    claims: dict[str, tuple[str, Handler]] = {}
    for module, handlers in declared:
        for name, handler in handlers.items():
            if name not in table:
                raise ValueError(f"{module} handles {name!r}, which is not an endpoint")
            if name in claims:
                raise ValueError(f"both {claims[name][0]} and {module} handle {name!r}")
            claims[name] = (module, handler)
    missing = [name for name in table if name not in claims]
    if missing:
        raise ValueError(f"no resource module handles the endpoint(s) {missing}")
    return tuple(
        Route(e.method, e.path, e.name, claims[e.name][1], authenticated=e.name != _TOKEN)
        for e in table.values()
    )


_TABLE = build_routes(_endpoints.ENDPOINTS.values(), declared_handlers(resources))
_TOKEN_ROUTE = next(r for r in _TABLE if r.endpoint == _TOKEN)
#: Every route of the API: the table's, and the one extra, the token endpoint's legacy path.
#: A path that matches a literal template never falls through to a ``{}`` template
#: (``PUT .../orders/search`` is 405, not a modify of order "search").
ROUTES: tuple[Route, ...] = (
    *_TABLE,
    _TOKEN_ROUTE._replace(method="GET", template="/oauth/oauth20/token"),
)
#: Endpoints a wrong method is still counted against (the token endpoint: its own path).
_COUNT_405 = frozenset({_TOKEN})


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
