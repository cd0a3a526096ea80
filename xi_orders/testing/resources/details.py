"""Order details: GET /resellers/v6.1/orders/{ordernumber}, with the sandbox-only
``simulateStatus`` views (shipped, partially shipped, hold, invoiced) built on a copy, and
the details realism options (``nulls``, ``status_spelling``, ``number_variants``,
``details_without_lines``): :func:`render` applies them to a copy of the stored order,
which stays canonical for the rules and the search index.

Imports ``_data``, ``_http``, ``_store`` and ``resources._common``; changes no state.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from .. import _data as d
from .._http import JSON, JSON_CT, CoreResponse, bad_request, dumps, not_found
from .._store import StoredOrder
from ._common import ORDER_NUMBER_MAX, ORDER_NUMBER_RE, find_order, valid_date

if TYPE_CHECKING:
    from .._context import RequestContext
    from .._core import Core
    from . import Handler

SIMULATE = ("IM::SHIPPED", "IM::PARTIALLY_SHIPPED", "IM::HOLD", "IM::INVOICED")


def handle(core: Core, ctx: RequestContext) -> CoreResponse:
    """GET /resellers/v6.1/orders/{ordernumber}."""
    number = ctx.param
    now, cid, rl = ctx.now, ctx.cid, ctx.rl
    query = dict(parse_qsl(ctx.req.query, keep_blank_values=True))
    fields: list[JSON] = []
    if len(number) > ORDER_NUMBER_MAX or not ORDER_NUMBER_RE.match(number):
        fields.append(
            {
                "field": "ordernumber",
                "value": number,
                "message": "ordernumber must be an order number like xx-xxxxx or xx-xxxxx-xx, "
                f"at most {ORDER_NUMBER_MAX} characters",
            }
        )
    sim = query.get("simulateStatus")
    if sim is not None and sim.upper() not in SIMULATE:
        fields.append(
            {
                "field": "simulateStatus",
                "value": sim,
                "message": f"simulateStatus must be one of {', '.join(SIMULATE)}",
            }
        )
    date = query.get("ingramOrderDate")
    if date is not None and not valid_date(date):
        fields.append(
            {
                "field": "ingramOrderDate",
                "value": date,
                "message": "input date format error expected format is - yyyy-MM-dd",
            }
        )
    iml = query.get("isIml")
    if iml is not None and iml.lower() not in ("true", "false"):
        fields.append({"field": "isIml", "value": iml, "message": "isIml must be true or false"})
    if fields:
        return bad_request(fields, now=now, cid=cid, rl=rl)
    order = find_order(core, ctx, "ordernumber")
    if date is not None and utc_day(order.detail["ingramOrderDate"]) != date:
        return not_found(now, ctx.correlation_id, rl)
    body = render(core, order) if sim is None else _simulated(core, order, sim.upper(), now)
    return CoreResponse(200, [JSON_CT, *rl], body)


def utc_day(stamp: str) -> str:
    """The UTC calendar day (``yyyy-MM-dd``) of an order's ``ingramOrderDate``.

    The details query's ``ingramOrderDate`` is "the date and time in UTC format that the
    order was created" (the spec, and the detail's own field: "the date in UTC format"),
    while the detail shows the time with the reporting offset (``2024-05-13T20:41:07-07:00``
    was created on 2024-05-14 UTC). A stamp without an offset is taken as UTC.

    >>> utc_day("2024-05-13T20:41:07-07:00"), utc_day("2024-05-13")
    ('2024-05-14', '2024-05-13')
    """
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date().isoformat()


# ---------------------------------------------------------------------------- realism

#: Each canonical detail status and the spellings the real API has been seen to use for
#: it (``status_spelling="mixed"``). Every one decodes to the same status, or to a near
#: one the API uses in its place (``ORDER NOT PRINTED`` for a line in progress,
#: ``E-DELIVERED`` for a delivered licence, ``REJECTED`` for a cancelled line).
DETAIL_SPELLINGS: dict[str, tuple[str, ...]] = {
    d.HOLD: ("On Hold", "ON HOLD", "im::hold", "IM::HOLD", "Customer Hold"),
    d.IN_PROGRESS: ("In Progress", "IN PROGRESS", "im::in_progress", "ORDER NOT PRINTED"),
    d.BACKORDERED: ("Backordered", "BACKORDERED", "Backorder", "IM::BACKORDERED"),
    d.SHIPPED: ("Shipped", "SHIPPED", "shipped", "IM::SHIPPED"),
    d.DELIVERED: ("Delivered", "DELIVERED", "im::delivered", "E-DELIVERED"),
    d.CANCELED: ("Canceled", "CANCELLED", "Cancelled", "im::cancelled", "REJECTED"),
    "Processing": ("Processing", "PROCESSING", "In Progress", "im::processing"),
}


def spell(rng: random.Random, status: str, table: dict[str, tuple[str, ...]]) -> str:
    """One of the real spellings of ``status`` (itself when the table has none)."""
    variants = table.get(status)
    return rng.choice(variants) if variants else status


def _null_placeholders(line: JSON) -> None:
    """The spec example's ``null``s on one line (13 of them; see ``Realism.nulls``)."""
    ships = line.get("shipmentDetails") or []
    ship_date = next((s.get("estimatedShipDate") for s in ships if s.get("estimatedShipDate")), "")
    delivery = line.get("promisedDeliveryDate") or ""
    line["estimatedDates"] = [
        {
            "ship": {
                "shipDateType": "Single",
                "shipDateRange": {"startDate": None, "endDate": None},
                "shipSource": "INGRAM",
                "shipDescription": "Warehouse is processing your Shipment",
                "shipDate": ship_date,
            },
            "delivery": None,
        },
        {
            "ship": None,
            "delivery": {
                "deliveryDateType": "Single",
                "deliveryDateRange": {"startDate": None, "endDate": None},
                "deliverySource": None,
                "deliveryDescription": None,
                "deliveryDate": delivery,
            },
        },
    ]
    line["scheduleLines"] = None
    line["multipleShipments"] = [
        {
            "lineNumber": None,
            "requestedQuantity": 0,
            "confirmedQuantity": line.get("quantityConfirmed", 0),
            "dateType": "Single",
            "dateRange": {"startDate": None, "endDate": None},
            "source": "INGRAM",
            "description": "Warehouse is processing your Shipment",
            "date": ship_date,
            "deliveryDate": delivery,
        }
    ]
    contract = (line.get("serviceContractInfo") or {}).get("contractInfo")
    if isinstance(contract, dict):
        contract["contractDuration"] = None


_SERIAL_KEYS = ("serialNumbers", "SerialNumbers", "serialnumbers")


def _number_variants(rng: random.Random, line: JSON) -> None:
    """Serial numbers under variant keys, tracking numbers run together (``number_variants``)."""
    for ship in line.get("shipmentDetails") or ():
        for carrier in ship.get("carrierDetails") or ():
            packages = carrier.get("trackingDetails") or []
            for pkg in packages:
                serials = pkg.get("serialNumbers") or []
                key = rng.choice(_SERIAL_KEYS)
                if not serials or key == "serialNumbers":
                    continue
                del pkg["serialNumbers"]
                form = rng.randrange(3)
                if form == 0:  # objects, as usual
                    pkg[key] = serials
                elif form == 1:  # the entries' key capitalised too
                    pkg[key] = [{"SerialNumber": s["serialNumber"]} for s in serials]
                else:  # plain strings
                    pkg[key] = [s["serialNumber"] for s in serials]
            if len(packages) >= 2 and rng.random() < 0.7:
                numbers = [p["trackingNumber"] for p in packages if p.get("trackingNumber")]
                packages[0]["trackingNumber"] = rng.choice((", ", ",", " ")).join(numbers)
                for pkg in packages[1:]:
                    pkg["trackingNumber"] = ""


def _without_lines(core: Core, number: str) -> bool:
    chosen = core.cfg.realism.details_without_lines
    if isinstance(chosen, frozenset):
        return number.upper() in chosen
    return chosen > 0 and random.Random(f"{core.cfg.seed}:{number}:lines").random() < chosen


def realistic(core: Core, order: StoredOrder, det: JSON) -> JSON:
    """Apply the details realism options to ``det`` (a copy of the order's detail), in place."""
    realism = core.cfg.realism
    if realism.nulls:
        for line in det["lines"]:
            _null_placeholders(line)
    if realism.status_spelling == "mixed":
        rng = random.Random(f"{core.cfg.seed}:{order.number}:spelling")
        det["orderStatus"] = spell(rng, det["orderStatus"], DETAIL_SPELLINGS)
        for line in det["lines"]:
            line["lineStatus"] = spell(rng, line["lineStatus"], DETAIL_SPELLINGS)
    if realism.number_variants:
        rng = random.Random(f"{core.cfg.seed}:{order.number}:numbers")
        for line in det["lines"]:
            _number_variants(rng, line)
    if _without_lines(core, order.number):
        if random.Random(f"{core.cfg.seed}:{order.number}:lines-key").random() < 0.5:
            det["lines"] = []
        else:
            del det["lines"]
    if realism.schema_shapes:
        _drop_nulls(det)
    return det


def _drop_nulls(node: object) -> None:
    """Leave out every ``null`` value of ``node``'s objects (no detail field the spec's
    schema declares is nullable; an absent optional field is in its shape)."""
    if isinstance(node, dict):
        for key in [k for k, v in node.items() if v is None]:
            del node[key]
        for value in node.values():
            _drop_nulls(value)
    elif isinstance(node, list):
        for item in node:
            _drop_nulls(item)


def _plain(core: Core) -> bool:
    r = core.cfg.realism
    return not (
        r.nulls
        or r.status_spelling != "canonical"
        or r.number_variants
        or r.details_without_lines
        or r.schema_shapes
    )


def render(core: Core, order: StoredOrder) -> bytes:
    """The detail JSON as get-order answers it (realism applied; cached per change)."""
    if _plain(core):
        return order.detail_bytes
    cached = order.sim_cache.get("@view")
    if cached is None:
        # A copy through JSON: several times faster than deepcopy for these plain trees.
        cached = dumps(realistic(core, order, json.loads(order.detail_bytes)))
        order.sim_cache["@view"] = cached
    return cached


def _simulated(core: Core, order: StoredOrder, sim: str, now: float) -> bytes:
    """The detail as it would read in the simulated status (seeded per order; cached)."""
    cached = order.sim_cache.get(sim)
    if cached is not None:
        return cached
    rng = random.Random(f"{core.cfg.seed}:{order.number}:{sim}")
    det = json.loads(order.detail_bytes)
    created = min(order.created_at, now - 86400 * 5)
    live = [ln for ln in det["lines"] if ln["lineStatus"] != d.CANCELED] or det["lines"]
    for i, ln in enumerate(live):
        item = core.lifecycle.catalog_item(ln)
        if sim == "IM::HOLD":
            d.set_line_state(rng, ln, item, d.HOLD, now=now, created_at=order.created_at)
        elif sim == "IM::PARTIALLY_SHIPPED":
            if len(live) == 1:
                q = int(ln["quantityOrdered"])
                if q > 1:
                    d.set_line_state(
                        rng, ln, item, d.SHIPPED, now=now, created_at=created, ship_qty=q // 2
                    )
                    ln["lineStatus"] = d.BACKORDERED
                else:
                    d.set_line_state(rng, ln, item, d.BACKORDERED, now=now, created_at=created)
            elif i % 2 == 0:
                d.set_line_state(rng, ln, item, d.SHIPPED, now=now, created_at=created)
            else:
                d.set_line_state(rng, ln, item, d.BACKORDERED, now=now, created_at=created)
        else:  # IM::SHIPPED, IM::INVOICED
            d.set_line_state(
                rng,
                ln,
                item,
                d.SHIPPED,
                now=now,
                created_at=created if sim == "IM::INVOICED" else now - 3 * 3600,
            )
    d.recompute_totals(det)
    if sim == "IM::HOLD":
        det["orderStatus"] = "On Hold"
    elif sim == "IM::PARTIALLY_SHIPPED" and any(ln["lineStatus"] == d.BACKORDERED for ln in live):
        det["orderStatus"] = "Processing"
    body = dumps(realistic(core, order, det))
    order.sim_cache[sim] = body
    return body


HANDLERS: dict[str, Handler] = {"get_order": handle}
