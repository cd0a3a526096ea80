"""Changes to an order: modify and release (PUT /resellers/v6/orders/{orderNumber}) and
cancel (DELETE): their validation and answers; the rules themselves live in ``_lifecycle``.
Imports ``_data``, ``_http``, ``_store``, ``resources._common``; never the SDK's models.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from .. import _data as d
from .._http import JSON, JSON_CT, CoreResponse, bad_request, dumps, error_response
from ._common import DETAIL_ADDRESS_KEYS, accepted, body_json, find_item, find_order, int_or_none

if TYPE_CHECKING:
    from .._context import RequestContext
    from .._core import Core
    from . import Handler

_NOT_HELD = (
    "Order can not be modified/released. Order is already released or Order is not "
    "placed on Customer Hold"
)
_MODIFY_SHIPTO_LIMITS = {
    "addressId": 10,
    "contact": 40,
    "companyName": 40,
    "name1": 40,
    "name2": 40,
    "addressLine1": 60,
    "addressLine2": 40,
    "addressLine3": 40,
    "city": 25,
    "state": 3,
    "postalCode": 10,
    "countryCode": 3,
    "phoneNumber": 30,
    "email": 241,
}


def _carrier_block(line: JSON, item: d.CatalogItem) -> JSON:
    """The modify response's single shipmentDetails object for a line."""
    if item.kind == "sw":
        return {"carrierCode": d.VIRTUAL_CARRIER[0], "carrierName": d.VIRTUAL_CARRIER[1]}
    name = line.get("defaultCarrierName") or d.CARRIERS[0][1]
    code = next((c[0] for c in d.CARRIERS if c[1] == name), d.CARRIERS[0][0])
    return {"carrierCode": code, "carrierName": name}


def _validate_modify(body: JSON) -> list[JSON]:
    fields: list[JSON] = []
    notes = body.get("notes")
    if notes is not None and (not isinstance(notes, str) or len(notes) > 132):
        fields.append(
            {"field": "notes", "value": notes, "message": "notes must be at most 132 characters"}
        )
    ship = body.get("shipToInfo")
    if ship is not None:
        if not isinstance(ship, dict):
            fields.append({"field": "shipToInfo", "message": "shipToInfo must be an object"})
        else:
            for key, limit in _MODIFY_SHIPTO_LIMITS.items():
                v = ship.get(key)
                if v is not None and (not isinstance(v, str) or len(v) > limit):
                    fields.append(
                        {
                            "field": f"shipToInfo.{key}",
                            "value": v,
                            "message": f"shipToInfo.{key} must be a string of at most {limit} characters",
                        }
                    )
    lines = body.get("lines")
    if lines is not None:
        if not isinstance(lines, list):
            fields.append({"field": "lines", "message": "lines must be an array"})
        else:
            for i, ln in enumerate(lines):
                if not isinstance(ln, dict):
                    fields.append({"field": f"lines[{i}]", "message": "line must be an object"})
                    continue
                action = ln.get("addUpdateDeleteLine")
                if not isinstance(action, str) or action.upper() not in ("ADD", "UPDATE", "DELETE"):
                    fields.append(
                        {
                            "field": f"lines[{i}].addUpdateDeleteLine",
                            "value": action,
                            "message": "addUpdateDeleteLine must be one of ADD, UPDATE, DELETE",
                        }
                    )
                ln_notes = ln.get("notes")
                if ln_notes is not None and (not isinstance(ln_notes, str) or len(ln_notes) > 132):
                    fields.append(
                        {
                            "field": f"lines[{i}].notes",
                            "value": ln_notes,
                            "message": "notes must be at most 132 characters",
                        }
                    )
    if not fields and not any(k in body for k in ("notes", "shipToInfo", "lines")):
        fields.append(
            {"field": "body", "message": "Nothing to modify: give notes, shipToInfo or lines"}
        )
    return fields


def _release_body(raw: bytes) -> list[JSON]:
    """A release's body, checked: none, ``{}`` or ``null`` (the spec marks the PUT's body
    required, so clients generated from it send an empty one) is a release; anything else
    is refused (400 naming the body) rather than dropped, since what the real API does
    with changes sent along with ``actionCode=release`` is not documented: change the
    order first (a PUT without ``actionCode``), then release it."""
    text = raw.strip()
    if not text:
        return []
    try:
        body = json.loads(text)
    except ValueError:
        body = text
    if body is None or body == {}:
        return []
    what = f"keys {', '.join(sorted(body))}" if isinstance(body, dict) else "a body"
    return [
        {
            "field": "body",
            "value": text.decode("utf-8", "replace")[:200],
            "message": f"A release (actionCode=release) takes no body, got {what}: modify the "
            "order with a PUT without actionCode first, then release it",
        }
    ]


def handle_modify(core: Core, ctx: RequestContext) -> CoreResponse:
    """PUT /resellers/v6/orders/{orderNumber}: change a held order, or release it
    (``actionCode=release``)."""
    now, cid, rl = ctx.now, ctx.cid, ctx.rl
    query = dict(parse_qsl(ctx.req.query, keep_blank_values=True))
    action = query.get("actionCode")
    if action is not None and action.lower() != "release":
        return bad_request(
            [{"field": "actionCode", "value": action, "message": "actionCode must be release"}],
            now=now,
            cid=cid,
            rl=ctx.rl,
        )
    if action is not None:
        fields = _release_body(ctx.req.body)
        if fields:
            return bad_request(fields, now=now, cid=cid, rl=rl)
    order = find_order(core, ctx, "orderNumber")
    if action is not None:
        if not order.hold:
            return bad_request([{"message": _NOT_HELD}], now=now, cid=cid, rl=rl)
        core.lifecycle.release(order, now)
        # The spec's release example is JSON ``null`` (a typed client chokes on no body).
        return CoreResponse(200, [JSON_CT, *rl], dumps(None))
    body = body_json(ctx)
    fields = _validate_modify(body)
    if fields:
        return bad_request(fields, now=now, cid=cid, rl=rl)
    if not order.hold:
        return bad_request([{"message": _NOT_HELD}], now=now, cid=cid, rl=rl)
    det = order.detail
    changed: list[JSON] = []
    rejected: list[JSON] = []
    by_number = {int(ln["ingramOrderLineNumber"]): ln for ln in det["lines"]}
    wh_order: list[str] = []
    for ln in sorted(det["lines"], key=lambda x: x["subOrderNumber"]):
        wid = core.lifecycle.catalog_item(ln).warehouse_id
        if wid not in wh_order:
            wh_order.append(wid)
    for req_line in body.get("lines") or ():
        action_l = str(req_line.get("addUpdateDeleteLine")).upper()
        qty = req_line.get("quantity")
        ref = req_line.get("ingramLineNumber")
        if action_l == "ADD":
            item = find_item(core.catalog, core.by_vendor_part, req_line)
            if item is None or not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
                rejected.append(
                    {
                        "customerLineNumber": str(req_line.get("customerLineNumber") or ""),
                        "ingramPartNumber": str(req_line.get("ingramPartNumber") or ""),
                        "quantityOrdered": qty if isinstance(qty, int) else 0,
                        "rejectCode": "EN",
                        "rejectReason": "Line Modification/ Addition Failed for reason : "
                        + ("ERROR-PART-NOT-FOUND" if item is None else "INVALID-QUANTITY"),
                    }
                )
                continue
            index = max(by_number, default=0) + 1
            suffix = d.suborder_suffix(wh_order, item)
            line = d.make_line(
                item,
                order_no=order.number,
                suffix=suffix,
                index=index,
                qty=qty,
                unit_price=None,
                customer_line=str(req_line.get("customerLineNumber") or f"{index:03d}"),
                currency=core.currency,
                notes=str(req_line.get("notes") or ""),
            )
            d.set_line_state(core.rng, line, item, d.HOLD, now=now, created_at=order.created_at)
            det["lines"].append(line)
            by_number[index] = line
            core.store.add_suborder(line["subOrderNumber"], order.number)
            changed.append(line)
            continue
        line_no = int_or_none(ref)
        found = by_number.get(line_no) if line_no is not None else None
        if found is None:
            rejected.append(
                {
                    "ingramLineNumber": str(ref) if ref is not None else "",
                    "ingramPartNumber": str(req_line.get("ingramPartNumber") or ""),
                    "quantityOrdered": qty if isinstance(qty, int) else 0,
                    "rejectCode": "EN",
                    "rejectReason": f"Line Modification for Line Number {ref} Failed for reason : INVALID-LINE-NUMBER",
                }
            )
            continue
        line = found
        if action_l == "DELETE":
            det["lines"].remove(line)
            del by_number[int(line["ingramOrderLineNumber"])]
            continue
        if qty is not None:
            if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
                rejected.append(
                    {
                        "ingramLineNumber": line["ingramOrderLineNumber"],
                        "ingramPartNumber": line["ingramPartNumber"],
                        "quantityOrdered": 0,
                        "rejectCode": "EN",
                        "rejectReason": f"Line Modification for Line Number {line['ingramOrderLineNumber']} "
                        "Failed for reason : INVALID-QUANTITY",
                    }
                )
                continue
            line["quantityOrdered"] = qty
            d.set_line_state(
                core.rng,
                line,
                core.lifecycle.catalog_item(line),
                d.HOLD,
                now=now,
                created_at=order.created_at,
            )
        if "notes" in req_line:
            line["lineNotes"] = str(req_line.get("notes") or "")
        changed.append(line)
    if "notes" in body:
        det["notes"] = str(body.get("notes") or "")
    if isinstance(body.get("shipToInfo"), dict):
        det["shipToInfo"].update(
            {k: str(v) for k, v in body["shipToInfo"].items() if k in DETAIL_ADDRESS_KEYS}
        )
    if not det["lines"]:
        core.lifecycle.cancel(order, now)
    else:
        order.reindex()
    out: JSON = {
        "ingramOrderNumber": order.number,
        "orderModifiedDate": d.local_dt(now).isoformat(timespec="milliseconds"),
        "customerOrderNumber": det["customerOrderNumber"],
    }
    if det["endCustomerOrderNumber"]:
        out["endCustomerOrderNumber"] = det["endCustomerOrderNumber"]
    out.update(
        {
            "orderTotal": det["orderTotal"],
            "orderSubTotal": det["orderSubTotal"],
            "freightCharges": det["freightCharges"],
            "totalTax": det["totalTax"],
            "orderStatus": d.SEARCH_STATUS.get(det["orderStatus"], det["orderStatus"].upper())
            if det["orderStatus"] != "Canceled"
            else "CANCELLED",
            "billToAddressId": "000",
        }
    )
    if "notes" in body:
        out["notes"] = det["notes"]
    if isinstance(body.get("shipToInfo"), dict):
        out["shipToInfo"] = {k: v for k, v in det["shipToInfo"].items() if k in DETAIL_ADDRESS_KEYS}
    out["lines"] = [
        {
            "subOrderNumber": ln["subOrderNumber"],
            "ingramLineNumber": ln["ingramOrderLineNumber"],
            "customerLineNumber": ln["customerLineNumber"],
            "ingramPartNumber": ln["ingramPartNumber"],
            "vendorPartNumber": ln["vendorPartNumber"],
            "quantityOrdered": ln["quantityOrdered"],
            "quantityConfirmed": ln["quantityConfirmed"],
            "quantityBackOrdered": ln["quantityBackOrdered"],
            "shipmentDetails": _carrier_block(ln, core.lifecycle.catalog_item(ln)),
            "notes": ln["lineNotes"],
        }
        for ln in changed
    ]
    if rejected:
        out["rejectedLineItems"] = rejected
    return accepted(core, ctx, 207 if rejected else 201, out, drop="lines")


def handle_cancel(core: Core, ctx: RequestContext) -> CoreResponse:
    """DELETE /resellers/v6/orders/{OrderNumber}: only an order on customer hold."""
    order = find_order(core, ctx, "OrderNumber")
    if not order.hold:
        return error_response(
            405,
            "Order can not be deleted as the order is not on hold.",
            now=ctx.now,
            cid=ctx.cid,
            kind="/errors/validation-error",
            headers=ctx.rl,
        )
    core.lifecycle.cancel(order, ctx.now)
    return CoreResponse(200, list(ctx.rl))


HANDLERS: dict[str, Handler] = {"modify_order": handle_modify, "cancel_order": handle_cancel}
