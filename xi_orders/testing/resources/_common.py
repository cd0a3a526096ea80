"""Small pieces several resources share: the JSON body, date and flag parsing, address
field limits, catalogue lookups by part number, the one order-number rule (and the
customer-mismatch answer) of every ``{orderNumber}`` path, and the realism options that
bend an accepted create or modify's answer (``create_2xx_errors``, ``create_2xx_non_json``).

Imports ``_data``, ``_http`` and ``_store``; no handler, no state of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .. import _data as d
from .._http import (
    HTML_CT,
    JSON,
    JSON_CT,
    CoreResponse,
    Reject,
    bad_request,
    dumps,
    error_id,
    json_response,
    not_found,
)

if TYPE_CHECKING:
    from .._context import RequestContext
    from .._core import Core
    from .._store import StoredOrder

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: An order (or sub-order) number as every ``{orderNumber}`` path checks it: a two-character
#: branch prefix, a hyphen, 4 to 9 letters or digits, an optional two-character sub-order
#: suffix; 12 characters at most (the spec's limit).
ORDER_NUMBER_RE = re.compile(r"^[0-9A-Z]{2}-[0-9A-Z]{4,9}(-[0-9A-Z]{2})?$", re.IGNORECASE)
ORDER_NUMBER_MAX = 12
HTML_ACCEPTED = (
    b"<!DOCTYPE html><html><head><title>Order Received</title></head><body>"
    b"<h1>Thank you</h1><p>Your request has been received.</p></body></html>"
)

ADDRESS_LIMITS = {
    "contact": 70,
    "companyName": 40,
    "addressLine1": 70,
    "addressLine2": 70,
    "addressLine3": 70,
    "city": 25,
    "state": 3,
    "postalCode": 10,
    "countryCode": 10,
}
DETAIL_ADDRESS_KEYS = (
    "contact",
    "companyName",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "city",
    "state",
    "postalCode",
    "countryCode",
    "phoneNumber",
    "email",
)


def body_json(ctx: RequestContext, *, v7: bool = False) -> JSON:
    """The request body as a JSON object, or :class:`Reject` (400)."""
    req = ctx.req

    def reject(message: str) -> Reject:
        return Reject(
            bad_request(
                [{"field": "body", "message": message}],
                now=ctx.now,
                cid=ctx.correlation_id,
                v7=v7,
                rl=ctx.rl,
            )
        )

    if not req.body.strip():
        raise reject("Request body is required")
    try:
        body = json.loads(req.body)
    except ValueError:
        raise reject("Malformed JSON request body") from None
    if not isinstance(body, dict):
        raise reject("Request body must be a JSON object")
    return body


def valid_date(value: str) -> bool:
    """``yyyy-MM-dd`` and a real date."""
    if not _DATE_RE.match(value):
        return False
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def truthy(value: Any) -> bool:
    """``true`` as the API's additional attributes spell it (bool or string)."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def int_or_none(value: Any) -> int | None:
    """An int, or a string of digits, as an int; anything else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def find_item(
    catalog: Mapping[str, d.CatalogItem],
    by_vendor_part: Mapping[str, d.CatalogItem],
    line: JSON,
) -> d.CatalogItem | None:
    """The product a request line names (Ingram part number first, then vendor's/customer's)."""
    ipn = line.get("ingramPartNumber")
    if isinstance(ipn, str) and ipn.strip():
        return catalog.get(ipn.strip().upper())
    for key in ("vendorPartNumber", "customerPartNumber"):
        vpn = line.get(key)
        if isinstance(vpn, str) and vpn.strip():
            return by_vendor_part.get(vpn.strip().upper())
    return None


def check_order_number(ctx: RequestContext, field: str) -> str:
    """The path's order number, if it can be one; else :class:`Reject` (400 naming
    ``field``: the spec spells the parameter ``ordernumber``, ``orderNumber`` and
    ``OrderNumber``). One rule for get, modify and cancel: a well-formed number that
    matches no order is a 404, a malformed one a 400, on every endpoint."""
    number = ctx.param
    if len(number) > ORDER_NUMBER_MAX or not ORDER_NUMBER_RE.match(number):
        raise Reject(
            bad_request(
                [
                    {
                        "field": field,
                        "value": number,
                        "message": f"{field} must be an order number like xx-xxxxx or "
                        f"xx-xxxxx-xx, at most {ORDER_NUMBER_MAX} characters",
                    }
                ],
                now=ctx.now,
                cid=ctx.correlation_id,
                rl=ctx.rl,
            )
        )
    return number


def find_order(core: Core, ctx: RequestContext, field: str) -> StoredOrder:
    """The order named in the path, if well-formed and the caller's; else :class:`Reject`:
    400 (malformed), 404 (unknown, or another customer's), or with the realism option
    ``customer_mismatch="fault"`` a 400 ``{"faultcode", "faultstring"}`` for another
    customer's order."""
    number = check_order_number(ctx, field)
    order = core.store.find(number)
    if order is not None and order.owner != ctx.customer:
        if core.cfg.realism.customer_mismatch == "fault":
            raise Reject(
                json_response(
                    400,
                    {
                        "faultcode": "Client.CustomerNumberMismatch",
                        "faultstring": f"IM-CustomerNumber {ctx.customer} does not match "
                        f"the customer of order {number}",
                    },
                    ctx.rl,
                )
            )
        order = None
    if order is None:
        raise Reject(not_found(ctx.now, ctx.correlation_id, ctx.rl))
    return order


def accepted(
    core: Core,
    ctx: RequestContext,
    status: int,
    body: JSON,
    *,
    drop: str,
) -> CoreResponse:
    """The answer of an accepted v6 create or modify (the change is already made), bent by
    the realism options: ``create_2xx_non_json`` (an HTML page or an empty body) and
    ``create_2xx_errors`` (an ``errors`` array in the body, or the string shapes and key
    casing of ``create_2xx_errors_shape`` / ``create_2xx_errors_key``; with
    ``create_2xx_errors_drop_orders`` the ``drop`` key, ``orders`` or ``lines``, left out)."""
    realism = core.cfg.realism
    if realism.create_2xx_non_json == "html":
        return CoreResponse(status, [HTML_CT, *ctx.rl], HTML_ACCEPTED)
    if realism.create_2xx_non_json == "empty":
        return CoreResponse(status, [JSON_CT, *ctx.rl], b"")
    rate = realism.create_2xx_errors
    if rate > 0 and (rate >= 1.0 or core.realism_rng.random() < rate):
        out = dict(body)
        if realism.create_2xx_errors_drop_orders:
            out.pop(drop, None)
        message = "The request was processed with errors"
        errors: str | list[Any]
        if realism.create_2xx_errors_shape == "string":
            errors = message
        elif realism.create_2xx_errors_shape == "strings":
            errors = [message, "Address line truncated to 35 characters"]
        else:
            errors = [
                {
                    "id": error_id(ctx.correlation_id, ctx.now),
                    "type": "/errors/partial-success",
                    "message": message,
                    "fields": [
                        {
                            "field": "shipToInfo.addressLine2",
                            "message": "Address line truncated to 35 characters",
                            "value": "",
                        }
                    ],
                }
            ]
        out[realism.create_2xx_errors_key] = errors
        body = out
    return CoreResponse(status, [JSON_CT, *ctx.rl], dumps(body))
