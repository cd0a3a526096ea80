"""Vendor Required Info and the v7 request, driven by the vendor's YAML spec (shipped in
tests/data/spec beside the JSON): the YAML's provenance; the Orders operations the two forms
share; both response examples decoded with every node of their trees reachable; requests the
client sends checked against the YAML's schemas (body, headers, no nulls), a v7 request using
every new YAML field among them; and every field of the YAML's v7 request typed and
round-tripped."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

import attrs
import httpx
import jsonschema
import pytest
from spec_support import BUNDLED_YAML_SPEC, load_spec, load_yaml_spec, resolve

from xi_orders import vendor_fields
from xi_orders._convert import structure, unstructure, untyped_values
from xi_orders.models import (
    AdditionalAttribute,
    Address,
    OrderCreateV7Line,
    OrderCreateV7Request,
    Period,
    ProductVendorInfo,
    VendorAttribute,
    VendorAttributeGroup,
    VendorProduct,
    WarrantyLink,
    WarrantySerial,
)
from xi_orders.testing import Sandbox

VRI_PATH = "/resellers/v7/vendorrequiredinfo"
_DROP = {"description", "example", "examples", "format", "nullable", "xml", "title"}


def _vri_op() -> dict[str, Any]:
    return load_yaml_spec()["paths"][VRI_PATH]["post"]


def _examples() -> dict[str, Any]:
    return _vri_op()["responses"]["200"]["content"]["application/json"]["examples"]


def strict(spec: dict[str, Any], node: Any) -> Any:
    """An OpenAPI schema as a strict JSON Schema: no property the spec does not declare, no
    null (the client never sends one), declared types and limits. Components become
    ``$defs`` (the attribute tree refers to itself)."""
    defs: dict[str, Any] = {}

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(n) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            if name not in defs:
                defs[name] = {}
                defs[name] = convert(resolve(spec, node))
            return {"$ref": f"#/$defs/{name}"}
        out = {k: convert(v) for k, v in node.items() if k not in _DROP and k != "properties"}
        if "properties" in node:
            out["properties"] = {k: convert(v) for k, v in node["properties"].items()}
            out["additionalProperties"] = False
            out["type"] = "object"
        return out

    root = convert(node)
    return {**root, "$defs": defs} if isinstance(root, dict) else root


def no_nulls(value: Any, path: str = "$") -> None:
    if value is None:
        raise AssertionError(f"{path} is null")
    if isinstance(value, dict):
        for k, v in value.items():
            no_nulls(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            no_nulls(v, f"{path}[{i}]")


# --- the YAML ships with its provenance ------------------------------------------------


def test_the_yaml_spec_is_bundled_with_its_provenance() -> None:
    readme = (BUNDLED_YAML_SPEC.parent / "README.md").read_text(encoding="utf-8")
    for fact in ("openapispec/unified/XI-Resellers-API-Spec.yaml", "3b3df918", "MIT"):
        assert fact in readme
    assert hashlib.sha256(BUNDLED_YAML_SPEC.read_bytes()).hexdigest() in readme


def _orders_ops(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        op["operationId"]: op
        for ops in spec["paths"].values()
        for op in ops.values()
        if isinstance(op, dict) and "Orders" in op.get("tags", [])
    }


def test_the_yaml_has_the_json_six_orders_operations_and_vendor_required_info() -> None:
    json_ops, yaml_ops = _orders_ops(load_spec()), _orders_ops(load_yaml_spec())
    assert set(yaml_ops) - set(json_ops) == {"vendor-required-info"}
    assert len(json_ops) == 6
    for name, op in json_ops.items():
        assert yaml_ops[name] == op, name
    # ... and the one schema that differs is the v7 create request, the YAML's a superset
    json_v7 = load_spec()["components"]["schemas"]["order_create_v7_request"]["properties"]
    yaml_v7 = load_yaml_spec()["components"]["schemas"]["order_create_v7_request"]["properties"]
    assert set(json_v7) < set(yaml_v7)
    assert set(yaml_v7) - set(json_v7) == {
        "vmfVendorAdditionalAttributes",
        "vriAdditionalAttributes",
    }
    new_line_fields = set(yaml_v7["lines"]["items"]["properties"]) - set(
        json_v7["lines"]["items"]["properties"]
    )
    assert new_line_fields == {
        "resourceId",
        "planid",
        "subscriptionPeriod",
        "billingPeriod",
        "margin",
        "endCustomerPrice",
        "vriAdditionalAttributes",
        "warrantyInfo",
    }


# --- both response examples decode, every node reachable --------------------------------


def _raw_nodes(value: Any) -> int:
    """The attribute nodes (question or choice) of a raw answer."""
    count = 0
    for product in value:
        for key in ("vmfAdditionalAttributes", "vriAdditionalAttributes"):
            stack = [a for g in product[key] for a in g["additionalAttributes"]]
            while stack:
                node = stack.pop()
                count += 1
                stack += node.get("choices") or []
    return count


@pytest.mark.parametrize(
    "name", ["SampleresponseTSProduct", "SampleresponseCloudsubscriptionProduct"]
)
def test_response_examples_decode_with_every_attribute_reachable(name: str) -> None:
    raw = _examples()[name]["value"]
    products = structure(copy.deepcopy(raw), list[ProductVendorInfo])
    reached = [node for p in products for _, _, node in vendor_fields.walk(p)]
    assert len(reached) == _raw_nodes(raw) > 0
    assert untyped_values(products) == {}
    assert unstructure(products) == raw  # lossless, empty strings included
    # every value of every node is typed where it belongs
    texts = {n.name for n in reached if n.name} | {n.value for n in reached if not n.name}
    assert None not in texts


def test_the_cloud_example_is_the_microsoft_365_tree() -> None:
    raw = _examples()["SampleresponseCloudsubscriptionProduct"]["value"]
    (plan,) = structure(raw, list[ProductVendorInfo])
    assert (plan.plan_id, plan.plan_name) == ("438308", "Microsoft 365 F3 (NCE COM MTH)")
    assert plan.is_subscription and plan.needs_fields
    group = plan.vri_additional_attributes[0]
    assert (group.vendor_name, group.product_id) == ("Microsoft", "PRD-814-505-018")
    tenant = next(a for a in group.attributes if a.name == "tenant_preference")
    assert tenant.offered_values == ["new", "existing"]
    new = tenant.choice("new")
    assert new is not None and new.name is None
    names = [a.name for a in new.choices]
    assert names[:2] == ["microsoft_domain", "effective_address"] and "mca_acceptance" in names
    mca = next(a for a in new.choices if a.name == "mca_acceptance")
    assert mca.offered_values == ["yes", "no"] and mca.hint == ""
    domain = next(a for a in new.choices if a.name == "microsoft_domain")
    assert domain.default == "onmicrosoft.com" and domain.hint == "Up to 27 characters long"
    top = [f.name for f in vendor_fields.fields_to_fill(plan)]
    assert top == ["tier1_mpn", "tenant_preference", "indirect_reseller_domain"]
    chosen = [f.name for f in vendor_fields.fields_to_fill(plan, {"tenant_preference": "existing"})]
    assert chosen == [
        "tier1_mpn",
        "tenant_preference",
        "microsoft_domain",
        "relationship_url",
        "partner_on_record_attestation_accepted",
        "indirect_reseller_domain",
    ]


def test_an_unknown_key_and_a_strange_required_flag_are_kept() -> None:
    raw = [
        {
            "planId": "1",
            "newThing": {"x": 1},
            "vriAdditionalAttributes": [
                {"additionalAttributes": [{"attributeName": "a", "attributeRequired": "maybe"}]}
            ],
        }
    ]
    (product,) = structure(copy.deepcopy(raw), list[ProductVendorInfo])
    node = product.vri_additional_attributes[0].attributes[0]
    assert node.required is None and node.extras == {"attributeRequired": "maybe"}
    assert product.extras == {"newThing": {"x": 1}}
    assert unstructure([product]) == raw


# --- requests on the wire, checked against the YAML -------------------------------------


def full_v7_request() -> OrderCreateV7Request:
    """A v7 request using every field the YAML adds (and the ones it shares)."""
    return OrderCreateV7Request(
        quote_number="QUO-1",
        customer_order_number="PO-YAML-1",
        end_customer_order_number="EU-1",
        notes="n",
        bill_to_address_id="000",
        special_bid_number="SB1",
        accept_back_order=True,
        vendor_auth_number="VA",
        reseller_info=Address(reseller_id="R1", company_name="Reseller", country_code="US"),
        end_user_info=Address(end_user_id="E1", company_name="End User", country_code="US"),
        ship_to_info=Address(address_id="200", company_name="Ship", country_code="US"),
        vmf_additional_attributes=[AdditionalAttribute(name="H", value="1")],
        vmf_vendor_additional_attributes=[
            VendorAttributeGroup(
                vendor_name="Northwind",
                product_id="P-1",
                attributes=[VendorAttribute(name="END_USER_EMAIL", value="a@b.example")],
            )
        ],
        vri_additional_attributes=[
            VendorAttributeGroup(
                vendor_name="Microsoft",
                product_id="PRD-1",
                attributes=[VendorAttribute(name="tier1_mpn", value="1")],
            )
        ],
        lines=[
            OrderCreateV7Line(
                customer_line_number="1",
                ingram_part_number="ZC4103",
                vendor_part_number="CFQ7",
                quantity=5,
                unit_price=Decimal("6.00"),
                special_bid_number="SB1",
                end_user_price=Decimal("7.50"),
                notes="plan",
                resource_id="RES-1",
                plan_id="610301",
                subscription_period=[
                    Period(
                        type="Years",
                        duration=1,
                        start_date=dt.date(2025, 1, 31),
                        end_date_alignment_type="CO_TERM_ON_SUBSCRIPTION",
                        subscription_id="SUB-1",
                    )
                ],
                billing_period=[Period.months(1)],
                margin=Decimal("12.5"),
                end_customer_price=Decimal("9.99"),
                vri_additional_attributes=[
                    VendorAttributeGroup(
                        vendor_name="Microsoft",
                        product_id="PRD-1",
                        attributes=[VendorAttribute(name="tenant_preference", value="new")],
                    )
                ],
                end_user_info=[Address(end_user_id="E1", end_user_type="endUser")],
                additional_attributes=[AdditionalAttribute(name="X", value="1")],
                vmf_additional_attributes=[AdditionalAttribute(name="Y", value="2")],
            ),
            OrderCreateV7Line(
                customer_line_number="2",
                ingram_part_number="HW0001",
                quantity=1,
                warranty_info=WarrantyLink(warranty_line_link="3"),
            ),
            OrderCreateV7Line(
                customer_line_number="3",
                ingram_part_number="ZW4102",
                quantity=1,
                warranty_info=WarrantyLink(
                    hardware_line_link="2",
                    direct_line_link="D1",
                    serial_info=[
                        WarrantySerial(
                            date_of_purchase="20250131",
                            ship_date="20250201",
                            primary_serial_number="S1",
                            secondary_serial_number="S2",
                        )
                    ],
                ),
            ),
        ],
        customer_hold=True,
    )


def test_a_v7_request_using_every_new_yaml_field_validates_against_the_yaml() -> None:
    spec = load_yaml_spec()
    body = unstructure(full_v7_request())
    no_nulls(body)
    schema = strict(spec, spec["components"]["schemas"]["order_create_v7_request"])
    jsonschema.validate(body, schema)
    line = body["lines"][0]
    assert line["planid"] == "610301" and line["margin"] == 12.5
    assert line["subscriptionPeriod"][0]["startDate"] == "2025-01-31"
    assert body["lines"][2]["warrantyInfo"]["serialInfo"][0]["dateOfPurchase"] == "20250131"
    # and the strict schema does refuse what the YAML does not declare
    bad = copy.deepcopy(body)
    bad["lines"][0]["planID"] = "610301"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def _instance(spec: dict[str, Any], node: Any, path: str, seen: list[str]) -> Any:
    """A value for every property of a schema (so every field is exercised)."""
    node = resolve(spec, node)
    kind = node.get("type")
    if "properties" in node or kind == "object":
        out = {}
        for key, sub in (node.get("properties") or {}).items():
            out[key] = _instance(spec, sub, f"{path}.{key}", seen)
        seen.append(path)
        return out
    if kind == "array":
        return [_instance(spec, node.get("items") or {}, f"{path}[]", seen)]
    seen.append(path)
    if kind == "integer":
        return 2
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return "x" if "maxLength" not in node else "x"[: node["maxLength"]]


def _extras(obj: Any, path: str = "$") -> list[str]:
    """The paths of every key a model kept untyped (``extras``), all the way down."""
    if isinstance(obj, list):
        return [p for i, item in enumerate(obj) for p in _extras(item, f"{path}[{i}]")]
    if not attrs.has(type(obj)):
        return []
    found = [f"{path}.{k}" for k in getattr(obj, "extras", {})]
    for field in attrs.fields(type(obj)):
        if field.name != "extras":
            found += _extras(getattr(obj, field.name), f"{path}.{field.name}")
    return found


def test_every_yaml_v7_request_field_is_typed_and_round_trips() -> None:
    spec = load_yaml_spec()
    paths: list[str] = []
    payload = _instance(spec, spec["components"]["schemas"]["order_create_v7_request"], "$", paths)
    # values the models check: a real country code, a date, periods and links that fit
    for block in ("resellerInfo", "endUserInfo", "shipToInfo"):
        payload[block]["countryCode"] = "US"
    line = payload["lines"][0]
    line["endUserInfo"][0]["countryCode"] = "US"
    line["subscriptionPeriod"][0].update(
        startDate="2025-01-31", endDateAlignmentType="MATCH_END_OF_CALENDAR_MONTH"
    )
    line["warrantyInfo"].update(hardwareLineLink="2", warrantyLineLink=None)
    del line["warrantyInfo"]["warrantyLineLink"]
    payload["lines"].append({"customerLineNumber": "2", "ingramPartNumber": "HW", "quantity": 1})
    payload["additionalAttributes"] = [{"attributeName": "note", "attributeValue": "x"}]
    payload["shipmentDetails"].update(shipComplete="C", requestedDeliveryDate="2025-02-01")
    request = structure(copy.deepcopy(payload), OrderCreateV7Request)
    assert untyped_values(request) == {}
    # one key is not typed: the YAML spells a choice's choice's name ``attributename``; it
    # is kept as it came (extras) and written back
    kept = _extras(request)
    assert kept and {k.rsplit(".", 1)[1] for k in kept} == {"attributename"}, kept
    assert unstructure(request) == payload
    assert len(paths) > 100
    # the request is typed all the way down
    got = request.lines[0]
    assert isinstance(got, OrderCreateV7Line) and got.plan_id == "x"
    assert got.subscription_period[0].type == "x" and got.subscription_period[0].duration == 2
    assert got.margin == Decimal("1.5") and got.end_customer_price == Decimal("1.5")
    assert got.warranty_info is not None and got.warranty_info.serial_info[0].ship_date == "x"
    assert request.vmf_vendor_additional_attributes[0].attributes[0].choices[0].value == "x"


@pytest.mark.anyio
async def test_the_client_sends_vendor_required_info_as_the_yaml_describes() -> None:
    spec = load_yaml_spec()
    op = _vri_op()
    sent: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        if request.url.path.endswith("vendorrequiredinfo"):
            sent.append(request)

    sandbox = Sandbox()
    async with sandbox.client(sender_id="MyCompany", event_hooks={"request": [record]}) as client:
        await client.get_vendor_required_info(
            [
                "ZS4101",
                VendorProduct(vendor_part_number="CP-3Y-ONSITE"),
                VendorProduct(plan_id="610301"),
            ],
            quote_number="QUO-14551943-D2Y9L9",
        )
    (request,) = sent
    assert request.method == "POST" and request.url.path == VRI_PATH
    body = json.loads(request.content)
    no_nulls(body)
    jsonschema.validate(
        body, strict(spec, op["requestBody"]["content"]["application/json"]["schema"])
    )
    assert body == {
        "quoteNumber": "QUO-14551943-D2Y9L9",
        "products": [
            {"ingramPartNumber": "ZS4101"},
            {"vendorPartNumber": "CP-3Y-ONSITE"},
            {"planID": "610301"},
        ],
    }
    for param in op["parameters"]:
        assert param["in"] == "header"
        value = request.headers.get(param["name"])
        if param["required"]:
            assert value, param["name"]
        if value is not None:
            assert len(value) <= param["schema"]["maxLength"], param["name"]
    assert request.headers["IM-SenderID"] == "MyCompany"
    assert {p["name"] for p in op["parameters"] if p["required"]} >= {"IM-SenderID"}


@pytest.mark.anyio
async def test_the_sandbox_answers_vendor_required_info_in_the_yaml_shape() -> None:
    spec = load_yaml_spec()
    schema = strict(spec, _vri_op()["responses"]["200"]["content"]["application/json"]["schema"])
    sandbox = Sandbox()
    async with sandbox.client(sender_id="ME") as client:
        raw = await client.with_raw_response.get_vendor_required_info(
            ["ZS4101", "ZW4102", "NOPE99", VendorProduct(plan_id="610302")]
        )
    body = raw.http_response.json()
    jsonschema.validate(body, schema)
    assert [p["planId"] or p["ingramPartNumber"] for p in body] == [
        "ZS4101",
        "ZW4102",
        "NOPE99",
        "610302",
    ]
    # as the spec's examples: both groups always present, empty strings, nested choices
    assert all(set(p) >= {"vmfAdditionalAttributes", "vriAdditionalAttributes"} for p in body)
    assert body[0]["vendorPartNumber"] == "" and body[0]["vmfAdditionalAttributes"]
    assert body[2]["responseMessages"] and not body[2]["vmfAdditionalAttributes"]
    tenant = body[3]["vriAdditionalAttributes"][0]["additionalAttributes"][1]
    assert tenant["attributeValue"] == "new,existing" and tenant["choices"][0]["choices"]
    info = raw.parse()
    assert [p.label for p in info] == ["ZS4101", "ZW4102", "NOPE99", "610302"]
    assert _raw_nodes(body) == sum(len(list(vendor_fields.walk(p))) for p in info)


@pytest.mark.anyio
async def test_v7_creates_the_client_sends_validate_against_the_yaml() -> None:
    """The spec has no v7 request example: the creates the client sends are checked instead,
    headers included (the full request above, and a subscription order the sandbox places)."""
    spec = load_yaml_spec()
    schema = strict(spec, spec["components"]["schemas"]["order_create_v7_request"])
    params = spec["paths"]["/resellers/v7/orders"]["post"]["parameters"]
    sent: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        if request.url.path == "/resellers/v7/orders":
            sent.append(request)

    sandbox = Sandbox()
    async with sandbox.client(sender_id="ME", event_hooks={"request": [record]}) as client:
        (plan,) = await client.get_vendor_required_info([VendorProduct(plan_id="610301")])
        answers = {
            "tier1_mpn": "1",
            "tenant_preference": "existing",
            "microsoft_domain": "contoso",
            "relationship_url": "no",
        }
        placed = OrderCreateV7Request(
            customer_order_number="PO-YAML-2",
            lines=[
                OrderCreateV7Line(
                    customer_line_number="1",
                    plan_id="610301",
                    quantity=1,
                    subscription_period=[Period.months(1)],
                    billing_period=[Period.months(1)],
                    vri_additional_attributes=vendor_fields.answer_groups(plan, answers),
                )
            ],
        )
        await client.create_order_v7(placed)
        # a quote order: the sandbox orders the quote's products, whatever the lines say
        assert (await client.create_order_v7(full_v7_request())).confirmation_number
    assert len(sent) == 2
    for request in sent:
        body = json.loads(request.content)
        no_nulls(body)
        jsonschema.validate(body, schema)
        for param in params:
            value = request.headers.get(param["name"])
            assert value or not param["required"], param["name"]
            if value is not None and "maxLength" in param["schema"]:
                assert len(value) <= param["schema"]["maxLength"]


def test_a_missing_yaml_spec_is_an_error_not_a_skip(tmp_path: Any) -> None:
    from spec_support import SpecNotFound, read_yaml_spec

    with pytest.raises(SpecNotFound, match="could not be read"):
        read_yaml_spec(tmp_path / "nope.yaml")
    (tmp_path / "bad.yaml").write_text("a: 1\n", encoding="utf-8")
    with pytest.raises(SpecNotFound, match="not an OpenAPI"):
        read_yaml_spec(tmp_path / "bad.yaml")
