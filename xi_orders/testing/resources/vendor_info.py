"""Vendor Required Info: POST /resellers/v7/vendorrequiredinfo (200, a JSON list).

One entry per product asked about (by ``ingramPartNumber``, ``vendorPartNumber`` or
``planID``), or per product of a quote: its numbers, ``planName``, ``responseMessages``
(an unknown product is named there, not refused), and the vendor's fields as the API sends
them: ``vmfAdditionalAttributes`` (software, warranty) and ``vriAdditionalAttributes``
(cloud plans: a tree of choices), empty strings included. IM-SenderID is required here
(``_context``). Realism: ``vendor_info_single_object``. Imports ``_data``, ``_http``, ``_vendor_catalog``, ``resources._common``.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from .. import _data as d
from .. import _vendor_catalog as vc
from .._http import JSON, CoreResponse, bad_request, json_response
from ._common import body_json, find_item

if TYPE_CHECKING:
    from .._context import RequestContext
    from .._core import Core
    from . import Handler

_KEYS = ("ingramPartNumber", "vendorPartNumber", "planID")


def _entry(item: d.CatalogItem | None, asked: JSON, quote: str, cid: str) -> JSON:
    entry: JSON = {
        "quoteNumber": quote,
        "ingramPartNumber": "",
        "vendorPartNumber": "",
        "planId": "",
        "planName": "",
        "responseMessages": [],
        "vmfAdditionalAttributes": [],
        "vriAdditionalAttributes": [],
    }
    if item is None:
        key, value = next(((k, asked[k]) for k in _KEYS if asked.get(k)), ("ingramPartNumber", ""))
        entry["planId" if key == "planID" else key] = str(value)
        entry["responseMessages"] = [
            {"id": "404", "traceId": cid, "type": "ERROR", "message": f"Product {value} not found"}
        ]
        return entry
    if asked.get("planID") or (item.plan_id and not asked):
        entry["planId"], entry["planName"] = item.plan_id, item.plan_name
    elif asked.get("vendorPartNumber"):
        entry["vendorPartNumber"] = item.vendor_part_number
    else:
        entry["ingramPartNumber"] = item.ingram_part_number
    entry["vmfAdditionalAttributes"] = vc.groups(item, "vmf")
    entry["vriAdditionalAttributes"] = vc.groups(item, "vri")
    return entry


def handle(core: Core, ctx: RequestContext) -> CoreResponse:
    """POST /resellers/v7/vendorrequiredinfo."""
    body = body_json(ctx, v7=True)
    cid = ctx.correlation_id or ""
    quote = body.get("quoteNumber")
    products = body.get("products")
    fields: list[JSON] = []
    if quote is not None and not isinstance(quote, str):
        fields.append(
            {"field": "quoteNumber", "value": quote, "message": "quoteNumber must be a string"}
        )
    if products is not None and not isinstance(products, list):
        fields.append({"field": "products", "message": "products must be a list"})
    elif not products and not quote:
        fields.append({"field": "products", "message": "products or quoteNumber is required"})
    for i, p in enumerate(products if isinstance(products, list) else []):
        if not isinstance(p, dict) or not any(
            isinstance(p.get(k), str) and p[k].strip() for k in _KEYS
        ):
            fields.append(
                {
                    "field": f"products[{i}]",
                    "message": "a product needs an ingramPartNumber, vendorPartNumber or planID",
                }
            )
    if fields:
        return bad_request(fields, now=ctx.now, cid=ctx.correlation_id, v7=True, rl=ctx.rl)
    out: list[JSON] = []
    quote_text = quote if isinstance(quote, str) else ""
    for p in products if isinstance(products, list) else []:
        item = vc.by_plan(core.catalog, p.get("planID")) if p.get("planID") else None
        if item is None and not p.get("planID"):
            item = find_item(core.catalog, core.by_vendor_part, p)
        out.append(_entry(item, p, quote_text, cid))
    if quote_text and not out:
        # the quote's products, as a create from the same quote orders them
        rng = random.Random(f"quote:{core.cfg.seed}:{quote_text}")
        plain = sorted(p for p, i in core.catalog.items() if not i.vendor_fields)
        for part in rng.sample(plain, rng.randint(1, 3)):
            out.append(_entry(core.catalog[part], {"ingramPartNumber": part}, quote_text, cid))
    if core.cfg.realism.vendor_info_single_object and len(out) == 1:
        return json_response(200, out[0], ctx.rl)
    return json_response(200, out, ctx.rl)


HANDLERS: dict[str, Handler] = {"get_vendor_required_info": handle}
