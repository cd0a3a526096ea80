"""Order creation: POST /resellers/v6/orders (201 / 207) and POST /resellers/v7/orders
(200, the order announced by webhook): validation, duplicate PO numbers, unknown SKUs,
customer hold, quotes; and the create realism options (``v7_create_answer``, and through
``_common.accepted`` ``create_2xx_errors`` / ``create_2xx_non_json``).
Imports ``_data``, ``_http``, ``_store``, ``resources._common``.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from .. import _data as d
from .. import _vendor_catalog as vc
from .._http import JSON, CoreResponse, bad_request, json_response
from .._store import StoredOrder
from ._common import (
    ADDRESS_LIMITS,
    DETAIL_ADDRESS_KEYS,
    accepted,
    body_json,
    find_item,
    truthy,
)

if TYPE_CHECKING:
    from .._context import RequestContext
    from .._core import Core
    from . import Handler

# A create's ship-to also names a saved address.
_CREATE_SHIPTO_KEYS = ("addressId", *DETAIL_ADDRESS_KEYS)


def _attributes(body: JSON) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in body.get("additionalAttributes") or ():
        if isinstance(a, dict) and isinstance(a.get("attributeName"), str):
            out[a["attributeName"].strip().lower()] = a.get("attributeValue")
    return out


def validate(body: JSON, *, v7: bool) -> list[JSON]:
    """The create request's field errors (v6 and v7 limits)."""
    fields: list[JSON] = []
    po = body.get("customerOrderNumber")
    po_max = 18 if v7 else 35
    if not isinstance(po, str) or not po.strip():
        fields.append({"field": "customerOrderNumber", "message": "Required field is missing"})
    elif len(po) > po_max:
        fields.append(
            {
                "field": "customerOrderNumber",
                "value": po,
                "message": f"customerOrderNumber must be at most {po_max} characters",
            }
        )
    end_po = body.get("endCustomerOrderNumber")
    if end_po is not None and (not isinstance(end_po, str) or (v7 and len(end_po) > 18)):
        fields.append(
            {
                "field": "endCustomerOrderNumber",
                "value": end_po,
                "message": "endCustomerOrderNumber is not valid",
            }
        )
    for block, limits in (("shipToInfo", ADDRESS_LIMITS), ("endUserInfo", ADDRESS_LIMITS)):
        value = body.get(block)
        if value is None:
            continue
        if not isinstance(value, dict):
            fields.append({"field": block, "message": f"{block} must be an object"})
            continue
        for key, limit in limits.items():
            v = value.get(key)
            if v is not None and (not isinstance(v, str) or len(v) > limit):
                fields.append(
                    {
                        "field": f"{block}.{key}",
                        "value": v,
                        "message": f"{block}.{key} must be a string of at most {limit} characters",
                    }
                )
    ship = body.get("shipmentDetails")
    if ship is not None:
        if not isinstance(ship, dict):
            fields.append(
                {"field": "shipmentDetails", "message": "shipmentDetails must be an object"}
            )
        else:
            instr = ship.get("shippingInstructions")
            if instr is not None and (not isinstance(instr, str) or len(instr) > 132):
                fields.append(
                    {
                        "field": "shipmentDetails.shippingInstructions",
                        "value": instr,
                        "message": "shippingInstructions must be at most 132 characters",
                    }
                )
            sc = ship.get("shipComplete")
            sc_ok = isinstance(sc, bool) or (
                isinstance(sc, str) and (len(sc) <= 1 or sc.lower() in ("true", "false"))
            )
            if sc is not None and not sc_ok:
                fields.append(
                    {
                        "field": "shipmentDetails.shipComplete",
                        "value": sc,
                        "message": "shipComplete is one character",
                    }
                )
    attrs = body.get("additionalAttributes")
    if attrs is not None and (
        not isinstance(attrs, list)
        or not all(isinstance(a, dict) and "attributeName" in a for a in attrs)
    ):
        fields.append(
            {
                "field": "additionalAttributes",
                "message": "additionalAttributes must be a list of {attributeName, attributeValue}",
            }
        )
    lines = body.get("lines")
    quote = body.get("quoteNumber") if v7 else None
    if quote is not None and (not isinstance(quote, str) or len(quote) > 35):
        fields.append(
            {
                "field": "quoteNumber",
                "value": quote,
                "message": "quoteNumber must be at most 35 characters",
            }
        )
    if not isinstance(lines, list) or (not lines and not quote):
        if not quote:
            fields.append({"field": "lines", "message": "At least one line is required"})
        return fields
    for i, line in enumerate(lines):
        where = f"lines[{i}]"
        if not isinstance(line, dict):
            fields.append({"field": where, "message": "line must be an object"})
            continue
        qty = line.get("quantity")
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            fields.append(
                {
                    "field": f"{where}.quantity",
                    "value": qty,
                    "message": "quantity must be a positive integer",
                }
            )
        cl = line.get("customerLineNumber")
        if cl is not None and (not isinstance(cl, str) or len(cl) > 3):
            fields.append(
                {
                    "field": f"{where}.customerLineNumber",
                    "value": cl,
                    "message": "customerLineNumber must be at most 3 characters",
                }
            )
        parts = [
            line.get(k) for k in ("ingramPartNumber", "vendorPartNumber", "customerPartNumber")
        ]
        if v7:  # a cloud subscription line may name only its plan
            parts.append(line.get("planid"))
        if not any(isinstance(p, str) and p.strip() for p in parts):
            fields.append(
                {
                    "field": f"{where}.ingramPartNumber",
                    "message": "ingramPartNumber (or vendorPartNumber) is required",
                }
            )
        ipn = line.get("ingramPartNumber")
        if ipn is not None and (not isinstance(ipn, str) or len(ipn) > 18):
            fields.append(
                {
                    "field": f"{where}.ingramPartNumber",
                    "value": ipn,
                    "message": "ingramPartNumber must be at most 18 characters",
                }
            )
        price = line.get("unitPrice")
        if price is not None and (
            isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0
        ):
            fields.append(
                {
                    "field": f"{where}.unitPrice",
                    "value": price,
                    "message": "unitPrice must be a non-negative number",
                }
            )
    return fields


def _create(
    core: Core, body: JSON, ctx: RequestContext, *, v7: bool
) -> tuple[StoredOrder | None, list[JSON], list[JSON], CoreResponse | None]:
    """Validate, apply the rules and create the order. Returns (order, accepted lines of
    the create response, rejected line items, error response)."""
    fields = validate(body, v7=v7)
    if fields:
        return (
            None,
            [],
            [],
            bad_request(fields, now=ctx.now, cid=ctx.correlation_id, v7=v7, rl=ctx.rl),
        )
    attrs = _attributes(body)
    po = str(body["customerOrderNumber"]).strip().upper()
    allow_dup = truthy(attrs.get("allowduplicatecustomerordernumber"))
    if not allow_dup and core.store.po_count(ctx.customer, po):
        return (
            None,
            [],
            [],
            bad_request(
                [
                    {
                        "field": "customerOrderNumber",
                        "value": body["customerOrderNumber"],
                        "message": "Duplicate customer order number: an order with this PO number already exists "
                        "(set allowDuplicateCustomerOrderNumber to allow it)",
                    }
                ],
                now=ctx.now,
                cid=ctx.correlation_id,
                v7=v7,
                rl=ctx.rl,
            ),
        )
    hold = truthy(attrs.get("alloworderoncustomerhold"))
    req_lines = list(body.get("lines") or [])
    quote = body.get("quoteNumber") if v7 else None
    if quote:
        qrng = random.Random(f"quote:{core.cfg.seed}:{quote}")
        # products without vendor fields (the seeded catalogue): a quote carries no answers
        plain = sorted(p for p, item in core.catalog.items() if not item.vendor_fields)
        picks = qrng.sample(plain, qrng.randint(1, 3))
        req_lines = [
            {
                "customerLineNumber": f"{i:03d}",
                "ingramPartNumber": p,
                "quantity": qrng.randint(1, 5),
            }
            for i, p in enumerate(picks, start=1)
        ]
    accepted: list[tuple[JSON, d.CatalogItem]] = []
    rejected: list[JSON] = []
    for i, rl_line in enumerate(req_lines, start=1):
        item = find_item(core.catalog, core.by_vendor_part, rl_line)
        if item is None and v7:
            item = vc.by_plan(core.catalog, rl_line.get("planid"))
        if item is None:
            pn = (
                rl_line.get("ingramPartNumber")
                or rl_line.get("vendorPartNumber")
                or rl_line.get("customerPartNumber")
            )
            rejected.append(
                {
                    "customerLinenumber": str(rl_line.get("customerLineNumber") or f"{i:03d}"),
                    "ingramPartNumber": str(pn),
                    "quantityOrdered": rl_line.get("quantity"),
                    "rejectCode": "EN",
                    "rejectReason": f"SKU-NOTFOUND    {pn}",
                }
            )
        else:
            accepted.append((rl_line, item))
    if not accepted:
        return (
            None,
            [],
            rejected,
            bad_request(
                [
                    {
                        "field": f"lines[{i}]",
                        "value": r["ingramPartNumber"],
                        "message": r["rejectReason"],
                    }
                    for i, r in enumerate(rejected)
                ],
                message="No valid lines: the order was not created",
                now=ctx.now,
                cid=ctx.correlation_id,
                v7=v7,
                rl=ctx.rl,
            ),
        )
    vendor_lines = [
        (i, ln, item) for i, (ln, item) in enumerate(accepted) if item.vendor_fields or item.plan_id
    ]
    if vendor_lines:
        # the line index as sent (rejected lines keep their place)
        places = {id(ln): i for i, ln in enumerate(req_lines)}
        errors = vc.create_errors(
            body, [(places[id(ln)], ln, item) for _, ln, item in vendor_lines], v7=v7
        )
        if errors:
            return (
                None,
                [],
                [],
                bad_request(
                    errors,
                    message="Vendor required fields are missing or invalid: the order was not created",
                    now=ctx.now,
                    cid=ctx.correlation_id,
                    v7=v7,
                    rl=ctx.rl,
                ),
            )
    number = core.store.new_number()
    now = ctx.now
    country = core.cfg.country_code.upper()
    bill_to = d.reseller_address(ctx.customer, country)
    ship_to = dict(bill_to)
    given_ship = body.get("shipToInfo") or {}
    if given_ship:
        ship_to.update(
            {
                k: v
                for k, v in given_ship.items()
                if k in ADDRESS_LIMITS or k in ("phoneNumber", "email")
            }
        )
    warehouses: list[str] = []
    lines: list[JSON] = []
    created_lines: list[JSON] = []
    bid = body.get("specialBidNumber") or ""
    carrier_req = (body.get("shipmentDetails") or {}).get("carrierCode")
    for idx, (rl_line, item) in enumerate(accepted, start=1):
        suffix = d.suborder_suffix(warehouses, item)
        price = rl_line.get("unitPrice")
        line = d.make_line(
            item,
            order_no=number,
            suffix=suffix,
            index=idx,
            qty=int(rl_line["quantity"]),
            unit_price=float(price) if price is not None else None,
            customer_line=str(rl_line.get("customerLineNumber") or f"{idx:03d}"),
            currency=core.currency,
            notes=str(rl_line.get("notes") or ""),
            special_bid=str(rl_line.get("specialBidNumber") or bid),
        )
        state = d.HOLD if hold else (d.IN_PROGRESS if item.in_stock else d.BACKORDERED)
        d.set_line_state(core.rng, line, item, state, now=now, created_at=now)
        carrier = (
            ("VL", "VIRTUAL")
            if item.kind == "sw"
            else next(((c[0], c[1]) for c in d.CARRIERS if c[0] == carrier_req), d.CARRIERS[0][:2])
        )
        line["defaultCarrierName"] = carrier[1]
        line["promisedDeliveryDate"] = d.day(now + 86400 * 4)
        lines.append(line)
        wh = d.warehouse_of(item)
        created_lines.append(
            {
                "subOrderNumber": line["subOrderNumber"],
                "ingramLineNumber": line["ingramOrderLineNumber"],
                "customerLineNumber": line["customerLineNumber"],
                "lineStatus": d.IN_PROGRESS if item.in_stock else d.BACKORDERED,
                "ingramPartNumber": item.ingram_part_number,
                "vendorPartNumber": item.vendor_part_number,
                "unitPrice": line["unitPrice"],
                "extendedUnitPrice": d.money(line["unitPrice"] * line["quantityConfirmed"]),
                "quantityOrdered": line["quantityOrdered"],
                "quantityConfirmed": line["quantityConfirmed"],
                "quantityBackOrdered": line["quantityBackOrdered"],
                "notes": item.description,
                # a single object where the schema declares an array: as the API sends it
                "shipmentDetails": {
                    "carrierCode": carrier[0],
                    "carrierName": carrier[1],
                    "shipFromWarehouseId": wh[0],
                    "shipFromLocation": wh[1],
                },
            }
        )
    subtotal = sum(ln["extendedPrice"] for ln in lines)
    detail: JSON = {
        "ingramOrderNumber": number,
        "ingramOrderDate": d.iso_local(now),
        "orderType": "D" if body.get("endUserInfo") else "S",
        "customerOrderNumber": po,
        "endCustomerOrderNumber": str(body.get("endCustomerOrderNumber") or ""),
        "webOrderId": "",
        "vendorSalesOrderNumber": "",
        "ingramPurchaseOrderNumber": "",
        "orderStatus": "",
        "orderTotal": 0.0,
        "orderSubTotal": 0.0,
        "freightCharges": 0.0 if subtotal >= 500 else d.money(7.5 + 1.25 * len(lines)),
        "currencyCode": core.currency,
        "totalWeight": 0.0,
        "totalTax": 0.0,
        "totalFees": 0.0,
        "paymentTerms": "NET 30 DAYS",
        "notes": str(body.get("notes") or "").upper(),
        "billToInfo": bill_to,
        "shipToInfo": ship_to,
        "lines": lines,
        "miscellaneousCharges": [],
        "additionalAttributes": [
            {
                "attributeName": str(a.get("attributeName")),
                "attributeValue": str(a.get("attributeValue")),
            }
            for a in body.get("additionalAttributes") or ()
        ],
    }
    end_user = body.get("endUserInfo")
    if isinstance(end_user, dict):
        detail["endUserInfo"] = {k: str(v) for k, v in end_user.items() if k in DETAIL_ADDRESS_KEYS}
    order = core.store.add(detail, ctx.customer, now, hold)
    core.counters.orders_created += 1
    return order, created_lines, rejected, None


def _create_order_block(
    order: StoredOrder, created_lines: list[JSON], rejected: list[JSON], *, v7: bool
) -> JSON:
    det = order.detail
    block: JSON = {
        "numberOfLinesWithSuccess": len(created_lines),
        "numberOfLinesWithError": len(rejected),
        "numberOfLinesWithWarning": 0,
        "ingramOrderNumber": order.number,
        "ingramOrderDate": det["ingramOrderDate"][:10],
        "notes": det["notes"],
        "orderType": det["orderType"],
        "orderTotal": det["orderTotal"],
        "freightCharges": det["freightCharges"],
        "totalTax": det["totalTax"],
        "currencyCode": det["currencyCode"],
        "lines": created_lines
        if not v7
        else [{k: v for k, v in ln.items() if k != "vendorPartNumber"} for ln in created_lines],
        "links": [
            {"topic": "orders", "href": f"/resellers/v6.1/orders/{order.number}", "type": "GET"}
        ],
    }
    if not v7:
        block["miscellaneousCharges"] = []
        if rejected:
            block["rejectedLineItems"] = rejected
    return block


def _ship_to_out(ship_to: JSON, *, v7: bool) -> JSON:
    keys = (
        (
            "addressId",
            "companyName",
            "addressLine1",
            "addressLine2",
            "city",
            "state",
            "postalCode",
            "countryCode",
        )
        if v7
        else _CREATE_SHIPTO_KEYS
    )
    out = {"addressId": "200", **ship_to}
    return {k: out[k] for k in keys if k in out}


def handle_v6(core: Core, ctx: RequestContext) -> CoreResponse:
    """POST /resellers/v6/orders: 201, or 207 when some lines were rejected."""
    body = body_json(ctx)
    order, created_lines, rejected, error = _create(core, body, ctx, v7=False)
    if error is not None or order is None:
        assert error is not None
        return error
    det = order.detail
    out: JSON = {"customerOrderNumber": det["customerOrderNumber"]}
    if det["endCustomerOrderNumber"]:
        out["endCustomerOrderNumber"] = det["endCustomerOrderNumber"]
    out["billToAddressId"] = str(body.get("billToAddressId") or "000")
    if body.get("specialBidNumber"):
        out["specialBidNumber"] = str(body["specialBidNumber"])
    out.update(
        {
            "orderSplit": False,
            "processedPartially": bool(rejected),
            "purchaseOrderTotal": det["orderTotal"],
            "shipToInfo": _ship_to_out(det["shipToInfo"], v7=False),
        }
    )
    if "endUserInfo" in det:
        out["endUserInfo"] = det["endUserInfo"]
    out["orders"] = [_create_order_block(order, created_lines, rejected, v7=False)]
    if core.cfg.realism.schema_shapes:  # the schema's array, not the examples' one object
        for line in out["orders"][0].get("lines") or ():
            if isinstance(line.get("shipmentDetails"), dict):
                line["shipmentDetails"] = [line["shipmentDetails"]]
    return accepted(core, ctx, 207 if rejected else 201, out, drop="orders")


def handle_v7(core: Core, ctx: RequestContext) -> CoreResponse:
    """POST /resellers/v7/orders: 200 with a confirmation number; the order arrives later
    as an ``IM::async_order_create`` webhook event."""
    now = ctx.now
    body = body_json(ctx, v7=True)
    order, created_lines, rejected, error = _create(core, body, ctx, v7=True)
    if error is not None or order is None:
        assert error is not None
        return error
    det = order.detail
    stamp = d.local_dt(now).strftime("%y%m%d")
    confirmation = (
        f"{core.cfg.country_code.upper()}-I-T-{stamp}{core.rng.randrange(10**13, 10**14)}"
    )
    event_type = "IM::async_order_create"
    event = {
        "topic": "resellers/orders",
        "event": "IM::created",
        "eventTimeStamp": d.iso_utc_ms(now),
        "eventId": core.lifecycle.event_id(),
        "eventType": event_type,
        "resource": {
            "eventType": event_type,
            "customerOrderNumber": det["customerOrderNumber"],
            "billToAddressId": str(body.get("billToAddressId") or "000"),
            "orderSplit": False,
            "processedPartially": bool(rejected),
            "purchaseOrderTotal": det["orderTotal"],
            "shipToInfo": _ship_to_out(det["shipToInfo"], v7=True),
            "orders": [_create_order_block(order, created_lines, rejected, v7=True)],
        },
    }
    core.lifecycle.queue(event)
    if core.cfg.realism.v7_create_answer == "events":
        # the spec's 201 example: the webhook events themselves, as a JSON list
        return json_response(201, [event], ctx.rl)
    quote = body.get("quoteNumber")
    return json_response(
        200,
        {
            "quoteNumber": quote if isinstance(quote, str) else "",
            "confirmationNumber": confirmation,
            "message": "Thank you for submitting the order request, it is being processed. "
            "You will be notified of the status via the Order Status webhook.",
        },
        ctx.rl,
    )


HANDLERS: dict[str, Handler] = {"create_order": handle_v6, "create_order_v7": handle_v7}
