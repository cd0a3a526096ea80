"""Order search: GET /resellers/v6/orders/search, its filters (exact wire names), paging,
204 when nothing matches, the ``search_lag`` option (new orders show up late) and the
search realism options (``search_page_size``, ``report_page_size``,
``records_found_drift``, ``ignore_page_number``, ``search_stops_early_after``, and
``status_spelling``'s summaries and lenient status filters).

Imports ``_data``, ``_http``, ``_store`` and ``resources._common``; changes no state.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from .. import _data as d
from .._http import JSON, JSON_CT, CoreResponse, bad_request, dumps
from .._store import StoredOrder
from ._common import valid_date
from .details import DETAIL_SPELLINGS, spell

if TYPE_CHECKING:
    from .._context import RequestContext
    from .._core import Core
    from . import Handler

STRING_FILTERS = {
    "ingramOrderNumber": 11,
    "customerOrderNumber": 35,
    "endCustomerOrderNumber": 35,
    "ingramPartNumber": 35,
    "vendorPartNumber": 35,
    "serialNumber": 35,
    "trackingNumber": 35,
    "vendorName": 35,
    "specialBidNumber": 35,
}
RANGE_FILTERS = ("ingramOrderDate-bt", "invoiceDate_bt", "shipDate_bt", "deliveryDate_bt")
_TEMPLATE = "/resellers/v6/orders/[original_parameters]&pageNumber={}"

Filter = Callable[[StoredOrder], bool]

#: The search spellings of the header and sub-order statuses (``status_spelling="mixed"``).
SEARCH_SPELLINGS: dict[str, tuple[str, ...]] = {
    "OPEN": ("OPEN", "Open", "open"),
    "CLOSED": ("CLOSED", "Closed", "closed"),
    "CANCELLED": ("CANCELLED", "Canceled", "im::cancelled", "VOIDED"),
    **{
        search: tuple(v.upper() if i % 2 else v for i, v in enumerate(DETAIL_SPELLINGS[detail]))
        for detail, search in d.SEARCH_STATUS.items()
        if search != "CANCELLED"
    },
}
_KEY_SEPARATORS = re.compile(r"[\s_\-]+")
#: Any spelling of a status (its key: no case, no ``IM::``, no spaces, hyphens or
#: underscores) -> the search index's canonical name (mixed spelling's lenient filters).
_FILTER_ALIASES = {
    "SHIPPED": "SHIPPED",
    "PROCESSING": "PROCESSING",
    "INPROGRESS": "PROCESSING",
    "ORDERNOTPRINTED": "PROCESSING",
    "ONHOLD": "ON HOLD",
    "HOLD": "ON HOLD",
    "CUSTOMERHOLD": "ON HOLD",
    "BACKORDERED": "BACKORDERED",
    "BACKORDER": "BACKORDERED",
    "CANCELLED": "CANCELLED",
    "CANCELED": "CANCELLED",
    "DELIVERED": "DELIVERED",
    "EDELIVERED": "DELIVERED",
}


def _lenient_status(value: str) -> str:
    """The canonical search status a spelling names (an unknown one: itself, which matches
    no order)."""
    key = _KEY_SEPARATORS.sub("", value.rpartition("::")[2]).upper()
    return _FILTER_ALIASES.get(key, value)


def _filters(
    multi: dict[str, list[str]], fields: list[JSON], *, lenient: bool = False
) -> tuple[int, int, list[Filter]]:
    """Page size, page number and the filters of a query; errors go to ``fields``.
    ``lenient``: status filters take any spelling, and an unknown status matches nothing."""

    def one(name: str) -> str | None:
        values = multi.get(name)
        return values[-1] if values else None

    def integer(name: str, default: int, lo: int, hi: int) -> int:
        raw = one(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = lo - 1
        if value < lo or value > hi:
            fields.append(
                {
                    "field": name,
                    "value": raw,
                    "message": f"{name} must be an integer between {lo} and {hi}",
                }
            )
            return default
        return value

    page_size = integer("pageSize", 25, 1, 100)
    page_number = integer("pageNumber", 1, 1, 10**9)
    filters: list[Filter] = []
    statuses: list[set[str]] = []
    status = one("orderStatus")
    status_in = multi.get("orderStatus-in")
    if lenient:
        if status is not None:
            statuses.append({_lenient_status(status)})
        if status_in is not None:
            statuses.append({_lenient_status(s) for s in status_in})
        status = status_in = None
    if status is not None:
        if status.upper() not in d.SEARCH_FILTER_STATUSES:
            fields.append(
                {
                    "field": "orderStatus",
                    "value": status,
                    "message": "orderStatus must be one of "
                    + ", ".join(sorted(d.SEARCH_FILTER_STATUSES)),
                }
            )
        else:
            statuses.append({status.upper()})
    if status_in is not None:
        bad = [s for s in status_in if s.upper() not in d.SEARCH_FILTER_STATUSES]
        if bad:
            fields.append(
                {
                    "field": "orderStatus-in",
                    "value": ",".join(bad),
                    "message": "orderStatus-in values must be among "
                    + ", ".join(sorted(d.SEARCH_FILTER_STATUSES)),
                }
            )
        else:
            statuses.append({s.upper() for s in status_in})
    for wanted in statuses:
        filters.append(lambda o, w=wanted: bool(o.idx["status"] & w))  # type: ignore[misc]
    day = one("ingramOrderDate")
    if day is not None:
        if not valid_date(day):
            fields.append(
                {
                    "field": "ingramOrderDate/ingramOrderDate-bt",
                    "value": day,
                    "message": "input date format error expected format is - yyyy-MM-dd",
                }
            )
        else:
            filters.append(lambda o, x=day: o.idx["day"] == x)  # type: ignore[misc]
    for name in RANGE_FILTERS:
        values = multi.get(name)
        if values is None:
            continue
        if len(values) != 2:
            fields.append(
                {
                    "field": name,
                    "value": ",".join(values),
                    "message": f"{name} takes exactly 2 dates (start and end): only 2 entries allowed",
                }
            )
            continue
        if not all(valid_date(v) for v in values):
            fields.append(
                {
                    "field": name,
                    "value": ",".join(values),
                    "message": "input date format error expected format is - yyyy-MM-dd",
                }
            )
            continue
        lo, hi = sorted(values)
        if name == "ingramOrderDate-bt":
            filters.append(lambda o, a=lo, b=hi: a <= o.idx["day"] <= b)  # type: ignore[misc]
        else:
            filters.append(lambda o, a=lo, b=hi, n=name: any(a <= x <= b for x in o.idx[n]))  # type: ignore[misc]
    for name, limit in STRING_FILTERS.items():
        value = one(name)
        if value is None:
            continue
        if len(value) > limit:
            fields.append(
                {
                    "field": name,
                    "value": value,
                    "message": f"{name} must be at most {limit} characters",
                }
            )
            continue
        needle = value.strip().lower()
        if name == "vendorName":
            filters.append(lambda o, x=needle: any(x in v for v in o.idx["vendorName"]))  # type: ignore[misc]
        else:
            filters.append(lambda o, x=needle, n=name: x in o.idx[n])  # type: ignore[misc]
    return page_size, page_number, filters


def _mixed_summary(core: Core, order: StoredOrder) -> bytes:
    """The search entry with its statuses spelled the real ways (seeded; cached)."""
    cached = order.sim_cache.get("@summary")
    if cached is None:
        summary = json.loads(order.summary_bytes)
        rng = random.Random(f"{core.cfg.seed}:{order.number}:search-spelling")
        summary["orderStatus"] = spell(rng, summary["orderStatus"], SEARCH_SPELLINGS)
        for sub in summary["subOrders"]:
            sub["subOrderStatus"] = spell(rng, sub["subOrderStatus"], SEARCH_SPELLINGS)
        cached = dumps(summary)
        order.sim_cache["@summary"] = cached
    return cached


def _schema_summary(core: Core, order: StoredOrder, mixed: bool) -> bytes:
    """The search entry in the schema's shapes (``Realism.schema_shapes``; cached): totals
    as numbers, each sub-order's ``links`` as an array."""
    cached = order.sim_cache.get("@schema-summary")
    if cached is None:
        summary = json.loads(_mixed_summary(core, order) if mixed else order.summary_bytes)
        summary["orderTotal"] = float(summary["orderTotal"])
        for sub in summary["subOrders"]:
            sub["subOrderTotal"] = float(sub["subOrderTotal"])
            if isinstance(sub.get("links"), dict):
                sub["links"] = [sub["links"]]
        cached = dumps(summary)
        order.sim_cache["@schema-summary"] = cached
    return cached


def handle(core: Core, ctx: RequestContext) -> CoreResponse:
    """GET /resellers/v6/orders/search."""
    realism = core.cfg.realism
    mixed = realism.status_spelling == "mixed"
    multi: dict[str, list[str]] = {}
    for k, v in parse_qsl(ctx.req.query, keep_blank_values=True):
        multi.setdefault(k, []).append(v)
    fields: list[JSON] = []
    page_size, page_number, filters = _filters(multi, fields, lenient=mixed)
    if fields:
        return bad_request(fields, now=ctx.now, cid=ctx.cid, rl=ctx.rl)
    orders = core.store.owner_orders(ctx.customer)
    lag = core.cfg.search_lag
    if lag > 0:  # the search index has not caught up with the newest orders yet
        cutoff = ctx.now - lag
        filters = [lambda o: o.created_at <= cutoff, *filters]
    matches = [o for o in orders if all(f(o) for f in filters)] if filters else orders
    if not matches:
        return CoreResponse(204, list(ctx.rl))
    if realism.search_page_size is not None:  # the server's own page size wins
        page_size = min(page_size, realism.search_page_size)
    if realism.ignore_page_number:
        page_number = 1
    found = len(matches)
    start = (page_number - 1) * page_size
    if realism.records_found_drift and page_number > 1:
        # drift * (p - 1) orders appeared at (or vanished from) the head since page 1
        shift = realism.records_found_drift * (page_number - 1)
        found = max(0, found + shift)
        start = max(0, start - shift)
    page = matches[start : start + page_size]
    early = realism.search_stops_early_after
    if early is not None and page_number > early:
        if realism.search_stops_early_with == "204":
            return CoreResponse(204, list(ctx.rl))
        page = []

    def number(value: int) -> bytes:
        # the examples' strings ("123"), or the schema's integers
        return dumps(value if realism.schema_shapes else str(value))

    if realism.schema_shapes:
        rows = [_schema_summary(core, o, mixed) for o in page]
    else:
        rows = [_mixed_summary(core, o) if mixed else o.summary_bytes for o in page]
    parts = [b'{"recordsFound":', number(found)]
    if realism.report_page_size:
        parts += [b',"pageSize":', number(page_size)]
    parts += [b',"pageNumber":', number(page_number), b',"orders":[', b",".join(rows), b"]"]
    if start + page_size < found and page:
        parts += [b',"nextPage":', dumps(_TEMPLATE.format(page_number + 1))]
    if page_number > 1:
        parts += [b',"previousPage":', dumps(_TEMPLATE.format(page_number - 1))]
    parts.append(b"}")
    return CoreResponse(200, [JSON_CT, *ctx.rl], b"".join(parts))


HANDLERS: dict[str, Handler] = {"search_orders": handle}
