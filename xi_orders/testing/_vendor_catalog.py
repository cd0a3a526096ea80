"""The catalogue items whose vendors require fields before an order (Vendor Required Info),
and the rules a create checks for them.

A software licence and a warranty (Vendor Mandatory Fields, ``vmfAdditionalAttributes``:
a flat list) and cloud subscription plans (``vriAdditionalAttributes``: a tree, a tenant
question whose ``new`` and ``existing`` choices ask further questions, as Microsoft 365's
does). They are added to the seeded catalogue after the seeded orders are made, so seeded
data stays as it was; their part numbers start with ``Z`` and sort after the others.

Plain JSON throughout (the wire's names, empty strings as the API sends them); imports only
``_data``. Never the SDK's models: the sandbox tests the SDK's reading of the tree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from . import _data as d

JSON = dict[str, Any]


def _q(name: str, description: str, value: str = "", hint: str | None = None, **more: Any) -> JSON:
    """A question of the tree, as the API spells it (empty strings included)."""
    node: JSON = {
        "attributeName": name,
        "attributeValue": value,
        "attributeDescription": description,
    }
    if hint is not None:
        node["attributeHint"] = hint
    node.update(more)
    node.setdefault("choices", [])
    return node


def _choice(value: str, description: str, questions: list[JSON]) -> JSON:
    return {"attributeValue": value, "attributeDescription": description, "choices": questions}


def _group(vendor: str, product_id: str, attributes: list[JSON]) -> str:
    return json.dumps(
        {"vendorName": vendor, "productId": product_id, "additionalAttributes": attributes},
        separators=(",", ":"),
    )


_AGREEMENT = [
    _q("mca_acceptance", "Microsoft Customer Agreement accepted", "yes,no", ""),
    _q(
        "first_name_agreement",
        "Customer first name for the agreement",
        hint="The signer's first name",
    ),
    _q(
        "last_name_agreement", "Customer last name for the agreement", hint="The signer's last name"
    ),
    _q("email_address_agreement", "Customer email for the agreement", hint=""),
    _q("agreement_date", "Agreement date", hint="The day the agreement was accepted (MM-DD-YYYY)"),
]


def _tenant_tree(mpn: str) -> list[JSON]:
    domain = _q(
        "microsoft_domain", "Microsoft domain name", "onmicrosoft.com", "Up to 27 characters"
    )
    return [
        _q("tier1_mpn", "Partner network ID", mpn),
        _q(
            "tenant_preference",
            "New or existing customer tenant",
            "new,existing",
            choices=[
                _choice(
                    "new",
                    "Create a new customer tenant",
                    [
                        domain,
                        _q("effective_address", "Address line 1"),
                        _q("effective_city", "City"),
                        _q("effective_postal_code", "ZIP or postal code"),
                        _q("effective_country", "Country"),
                        *_AGREEMENT,
                    ],
                ),
                _choice(
                    "existing",
                    "Use the customer's existing tenant",
                    [domain, _q("relationship_url", "Partner relationship accepted", "yes,no", "")],
                ),
            ],
        ),
    ]


def items(taken: Mapping[str, d.CatalogItem]) -> Iterator[d.CatalogItem]:
    """The fixed items with vendor fields (skipping a part number the seeded catalogue took)."""
    base: dict[str, Any] = {
        "in_stock": True,
        "unit_weight": 0.0,
        "upc": "",
        "kind": "sw",
        "warehouse_id": d.WAREHOUSES[0][0],
    }
    made = [
        d.CatalogItem(
            ingram_part_number="ZS4101",
            vendor_part_number="NWS-ENT-1Y",
            vendor_name="NORTHWIND SOFTWARE",
            vendor_number="8801",
            description="NORTHWIND ENTERPRISE SUITE 1YR LICENSE",
            unit_price=412.5,
            vendor_fields=(
                (
                    "vmf",
                    _group(
                        "NORTHWIND SOFTWARE",
                        "",
                        [
                            _q("END_USER_EMAIL", "End user email", hint="Licence keys go here"),
                            _q("VEND_AUTH_NBR", "Vendor authorization number"),
                            # the one question the vendor marks optional, as the API can
                            # (attributeRequired, a string)
                            _q(
                                "RESELLER_REFERENCE",
                                "Reseller reference",
                                attributeRequired="false",
                            ),
                        ],
                    ),
                ),
            ),
            **base,
        ),
        d.CatalogItem(
            ingram_part_number="ZW4102",
            vendor_part_number="CP-3Y-ONSITE",
            vendor_name="CONTOSO CARE",
            vendor_number="8802",
            description="CONTOSO CARE 3YR ONSITE WARRANTY",
            unit_price=189.0,
            vendor_fields=(
                (
                    "vmf",
                    _group(
                        "CONTOSO CARE",
                        "",
                        [
                            _q("HW_SERIAL_NUMBER", "Serial number of the covered hardware"),
                            _q(
                                "COVERAGE_START",
                                "Coverage start",
                                "purchase,ship",
                                "When coverage starts",
                            ),
                        ],
                    ),
                ),
            ),
            **base,
        ),
    ]
    plans = (
        ("ZC4103", "610301", "Microsoft 365 Business Basic (NCE COM MTH)", 6.0),
        ("ZC4104", "610302", "Microsoft 365 E3 (NCE COM ANN)", 36.0),
    )
    for part, plan, name, price in plans:
        made.append(
            d.CatalogItem(
                ingram_part_number=part,
                vendor_part_number=f"CFQ7TTC0{plan}:0001",
                vendor_name="Microsoft",
                vendor_number="8803",
                description=name.upper(),
                unit_price=price,
                plan_id=plan,
                plan_name=name,
                subscription_periods=(("Months", 1), ("Years", 1), ("Years", 3)),
                billing_periods=(("Months", 1), ("Years", 1)),
                vendor_fields=(
                    (
                        "vri",
                        _group(
                            "Microsoft", f"PRD-{plan[:3]}-{plan[3:]}-018", _tenant_tree("5210417")
                        ),
                    ),
                ),
                **base,
            )
        )
    for item in made:
        if item.ingram_part_number not in taken:
            yield item


def groups(item: d.CatalogItem, kind: str) -> list[JSON]:
    """The item's attribute groups of ``kind`` (``"vmf"`` or ``"vri"``), fresh JSON."""
    return [json.loads(text) for k, text in item.vendor_fields if k == kind]


def _reached(nodes: list[JSON], answers: Mapping[str, str]) -> Iterator[JSON]:
    """The questions on the path ``answers`` choose (a chosen choice's questions too)."""
    for node in nodes:
        name = node.get("attributeName")
        if not name:
            continue
        yield node
        answer = answers.get(name)
        for choice in node.get("choices") or ():
            if answer and str(choice.get("attributeValue", "")).lower() == answer.lower():
                yield from _reached(choice.get("choices") or [], answers)


def _offered(node: JSON) -> list[str]:
    choices = node.get("choices") or []
    if choices:
        return [str(c.get("attributeValue")) for c in choices]
    value = str(node.get("attributeValue") or "")
    return [v.strip() for v in value.split(",")] if "," in value else []


def _named(items: Any) -> dict[str, str]:
    """``{attributeName: attributeValue}`` of a list of attributes (nested ones too)."""
    out: dict[str, str] = {}
    for a in items if isinstance(items, list) else ():
        if not isinstance(a, dict):
            continue
        name, value = a.get("attributeName"), a.get("attributeValue")
        if isinstance(name, str) and isinstance(value, str) and value.strip():
            out.setdefault(name, value)
        for k, v in _named(a.get("choices")).items():
            out.setdefault(k, v)
    return out


def _from_groups(groups_: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for g in groups_ if isinstance(groups_, list) else ():
        if isinstance(g, dict):
            for k, v in _named(g.get("additionalAttributes")).items():
                out.setdefault(k, v)
    return out


def _period_errors(line: JSON, item: d.CatalogItem, where: str) -> list[JSON]:
    fields: list[JSON] = []
    for key, offered in (
        ("subscriptionPeriod", item.subscription_periods),
        ("billingPeriod", item.billing_periods),
    ):
        value = line.get(key)
        periods = value if isinstance(value, list) else []
        pairs = [
            (str(p.get("type", "")).capitalize(), p.get("duration"))
            for p in periods
            if isinstance(p, dict)
        ]
        allowed = ", ".join(f"{n} {t}" for t, n in offered)
        if not pairs:
            fields.append(
                {
                    "field": f"{where}.{key}",
                    "message": f"{key} is required for plan {item.plan_id} ({allowed})",
                }
            )
        for t, n in pairs:
            if (t, n) not in offered:
                fields.append(
                    {
                        "field": f"{where}.{key}",
                        "value": f"{n} {t}",
                        "message": f"{key} {n} {t} is not offered for plan {item.plan_id} ({allowed})",
                    }
                )
    return fields


def create_errors(
    body: JSON, lines: list[tuple[int, JSON, d.CatalogItem]], *, v7: bool
) -> list[JSON]:
    """The field errors of a create whose lines order items with vendor fields: missing
    answers (named), answers outside the offered values, and a plan's periods."""
    fields: list[JSON] = []
    header_vmf = _named(
        body.get("vmfAdditionalAttributes") if v7 else body.get("additionalAttributes")
    )
    if v7:
        for k, v in _from_groups(body.get("vmfVendorAdditionalAttributes")).items():
            header_vmf.setdefault(k, v)
    header_vri = _from_groups(body.get("vriAdditionalAttributes")) if v7 else {}
    for i, line, item in lines:
        where = f"lines[{i}]"
        if item.plan_id and not v7:
            fields.append(
                {
                    "field": f"{where}.ingramPartNumber",
                    "value": item.ingram_part_number,
                    "message": "Cloud subscriptions are ordered with /resellers/v7/orders",
                }
            )
            continue
        if item.plan_id:
            fields += _period_errors(line, item, where)
        for kind, text in item.vendor_fields:
            group = json.loads(text)
            if kind == "vri":
                answers = _from_groups(line.get("vriAdditionalAttributes"))
                key = "vriAdditionalAttributes"
                fallback = header_vri
            else:
                answers = _named(
                    line.get("vmfAdditionalAttributesLines" if v7 else "additionalAttributes")
                )
                key = "vmfAdditionalAttributesLines" if v7 else "additionalAttributes"
                fallback = header_vmf
            for k, v in fallback.items():
                answers.setdefault(k, v)
            for node in _reached(group.get("additionalAttributes") or [], answers):
                name = str(node["attributeName"])
                answer = answers.get(name)
                optional = str(node.get("attributeRequired", "")).lower() in ("false", "n", "no")
                if not answer and optional:
                    continue
                if not answer:
                    fields.append(
                        {
                            "field": f"{where}.{key}.{name}",
                            "message": f"Vendor required field {name} is missing "
                            f"({node.get('attributeDescription') or name}) for {item.ingram_part_number}",
                        }
                    )
                    continue
                offered = _offered(node)
                if offered and answer.lower() not in {o.lower() for o in offered}:
                    fields.append(
                        {
                            "field": f"{where}.{key}.{name}",
                            "value": answer,
                            "message": f"{name} must be one of {', '.join(offered)}",
                        }
                    )
    return fields


def by_plan(catalog: Mapping[str, d.CatalogItem], plan_id: Any) -> d.CatalogItem | None:
    """The catalogue item of a subscription plan ID."""
    if not isinstance(plan_id, str) or not plan_id.strip():
        return None
    wanted = plan_id.strip()
    return next((i for i in catalog.values() if i.plan_id and i.plan_id == wanted), None)
