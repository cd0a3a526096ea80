"""The vendor-field helpers (``xi_orders.vendor_fields``) on the spec's own Microsoft 365
answer, and the checks of the grown v7 request: periods, money, warranty links."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from spec_support import load_yaml_spec

from xi_orders import vendor_fields
from xi_orders._convert import structure, unstructure
from xi_orders.errors import ValidationError
from xi_orders.models import (
    AdditionalAttribute,
    OrderCreateLine,
    OrderCreateV7Line,
    OrderCreateV7Request,
    Period,
    ProductVendorInfo,
    VendorAttribute,
    VendorAttributeGroup,
    VendorProduct,
    VendorRequiredInfo,
    VendorRequiredInfoRequest,
    VendorResponseMessage,
    WarrantyInfo,
    WarrantyLink,
)
from xi_orders.tabular import vendor_rows


def _example(name: str) -> ProductVendorInfo:
    op = load_yaml_spec()["paths"]["/resellers/v7/vendorrequiredinfo"]["post"]
    raw = op["responses"]["200"]["content"]["application/json"]["examples"][name]["value"]
    (product,) = structure(copy.deepcopy(raw), list[ProductVendorInfo])
    return product


@pytest.fixture
def plan() -> ProductVendorInfo:
    return _example("SampleresponseCloudsubscriptionProduct")


@pytest.fixture
def sku() -> ProductVendorInfo:
    return _example("SampleresponseTSProduct")


NEW_TENANT = {
    "tier1_mpn": "5068860",
    "tenant_preference": "new",
    "microsoft_domain": "contoso",
    "effective_address": "1 Main St",
    "effective_city": "Irvine",
    "effective_state": "CA",
    "effective_postal_code": "92612",
    "effective_country": "US",
    "mca_acceptance": "yes",
    "first_name_agreement": "Ada",
    "last_name_agreement": "Lovelace",
    "email_address_agreement": "ada@contoso.example",
    "agreement_date": "01-31-2025",
    "effective_phonenumber": "5555550100",
    "partner_on_record_attestation_accepted": "attestation_accepted",
    "special_qualifications": "None",
    "address_approved_by_user": "approved",
    "indirect_reseller_domain": "reseller.onmicrosoft.com",
}


def test_fields_to_fill_follows_the_chosen_path(plan: ProductVendorInfo) -> None:
    fields = vendor_fields.fields_to_fill(plan, {"tenant_preference": "new"})
    names = [f.name for f in fields]
    assert names[:3] == ["tier1_mpn", "tenant_preference", "microsoft_domain"]
    assert "relationship_url" not in names  # only on the "existing" branch
    by_name = {f.name: f for f in fields}
    assert by_name["tenant_preference"].offered == ("new", "existing")
    assert by_name["tenant_preference"].branches
    assert by_name["microsoft_domain"].path == ("tenant_preference=new",)
    assert by_name["microsoft_domain"].default == "onmicrosoft.com"
    assert by_name["special_qualifications"].offered == ("None", "StateOwnedEntity")
    assert by_name["tier1_mpn"].kind == "vri" and by_name["tier1_mpn"].vendor_name == "Microsoft"
    assert all(f.required for f in fields)  # the example sends no attributeRequired


def test_answers_become_the_groups_of_a_subscription_line(plan: ProductVendorInfo) -> None:
    groups = vendor_fields.answer_groups(plan, {**NEW_TENANT, "tenant_preference": "NEW"})
    (group,) = groups
    assert (group.vendor_name, group.product_id) == ("Microsoft", "PRD-814-505-018")
    values = {a.name: a.value for a in group.attributes}
    assert values["tenant_preference"] == "new"  # in the offered spelling
    assert values == {**NEW_TENANT, "tenant_preference": "new"}
    assert unstructure(groups)[0]["additionalAttributes"][0] == {
        "attributeName": "tier1_mpn",
        "attributeValue": "5068860",
    }
    assert vendor_fields.missing_answers(plan, NEW_TENANT) == []


def test_unknown_names_are_named(plan: ProductVendorInfo) -> None:
    with pytest.raises(ValidationError) as info:
        vendor_fields.answer_groups(plan, {**NEW_TENANT, "favourite_colour": "blue", "x": "1"})
    assert info.value.field == "answers.favourite_colour, answers.x"
    assert "not asked for 438308" in info.value.reason
    # a real question, but on the branch not chosen
    with pytest.raises(ValidationError) as info:
        vendor_fields.answer_groups(plan, {**NEW_TENANT, "relationship_url": "yes"})
    assert info.value.field == "answers.relationship_url"
    assert "path these answers choose" in info.value.reason


def test_values_outside_the_offered_choices_are_named(plan: ProductVendorInfo) -> None:
    with pytest.raises(ValidationError) as info:
        vendor_fields.answer_groups(plan, {**NEW_TENANT, "mca_acceptance": "maybe"})
    assert info.value.field == "answers.mca_acceptance"
    assert "'maybe' is not one of the offered values: yes, no" in info.value.reason
    with pytest.raises(ValidationError) as info:
        vendor_fields.answer_groups(plan, {"tenant_preference": "borrowed"}, partial=True)
    assert info.value.field == "answers.tenant_preference"


def test_unanswered_questions_are_named_unless_partial(plan: ProductVendorInfo) -> None:
    answers = {"tenant_preference": "existing", "microsoft_domain": "contoso"}
    with pytest.raises(ValidationError) as info:
        vendor_fields.answer_groups(plan, answers)
    assert info.value.field == (
        "answers.tier1_mpn, answers.relationship_url, "
        "answers.partner_on_record_attestation_accepted, answers.indirect_reseller_domain"
    )
    (group,) = vendor_fields.answer_groups(plan, answers, partial=True)
    assert [a.name for a in group.attributes] == ["tenant_preference", "microsoft_domain"]
    with pytest.raises(ValidationError) as info:
        vendor_fields.answer_groups(plan, {"tenant_preference": 1})  # type: ignore[dict-item]
    assert info.value.field == "answers.tenant_preference"


def test_vmf_answers_become_attribute_pairs(sku: ProductVendorInfo) -> None:
    fields = vendor_fields.fields_to_fill(sku)
    assert [(f.name, f.kind, f.vendor_name) for f in fields] == [
        ("HEADER_ENDUSER", "vmf", "OMNISSA  WS1"),
        ("VEUD_AUTH_NBR_FLG", "vmf", "OMNISSA  WS1"),
    ]
    pairs = vendor_fields.answer_attributes(sku, {"VEUD_AUTH_NBR_FLG": "A1", "HEADER_ENDUSER": "E"})
    assert pairs == [
        AdditionalAttribute(name="HEADER_ENDUSER", value="E"),
        AdditionalAttribute(name="VEUD_AUTH_NBR_FLG", value="A1"),
    ]
    (group,) = vendor_fields.answer_groups(
        sku, {"VEUD_AUTH_NBR_FLG": "A1", "HEADER_ENDUSER": "E"}, kind="vmf"
    )
    assert group.vendor_name == "OMNISSA  WS1" and len(group.attributes) == 2
    with pytest.raises(ValidationError, match=r"answers\.HEADER_ENDUSER"):
        vendor_fields.answer_attributes(sku, {"VEUD_AUTH_NBR_FLG": "A1"})


def _info(*products: ProductVendorInfo) -> VendorRequiredInfo:
    return VendorRequiredInfo(products=list(products))


def test_missing_fields_lists_every_field_of_every_line(
    plan: ProductVendorInfo, sku: ProductVendorInfo
) -> None:
    request = OrderCreateV7Request(
        customer_order_number="PO-1",
        lines=[
            OrderCreateV7Line(
                customer_line_number="1",
                plan_id="438308",
                quantity=1,
                vri_additional_attributes=vendor_fields.answer_groups(
                    plan, {"tenant_preference": "existing"}, partial=True
                ),
            ),
            OrderCreateV7Line(
                customer_line_number="2",
                ingram_part_number="5DV320",
                quantity=1,
                vmf_additional_attributes=[AdditionalAttribute(name="HEADER_ENDUSER", value="E")],
            ),
            OrderCreateV7Line(customer_line_number="3", ingram_part_number="OTHER1", quantity=1),
        ],
    )
    assert vendor_fields.products_of(request) == [
        VendorProduct(plan_id="438308"),
        VendorProduct(ingram_part_number="5DV320"),
        VendorProduct(ingram_part_number="OTHER1"),
    ]
    missing = vendor_fields.missing_fields(request, _info(plan, sku))
    assert [m.field for m in missing] == [
        "lines[0].vri_additional_attributes.tier1_mpn",
        "lines[0].vri_additional_attributes.microsoft_domain",
        "lines[0].vri_additional_attributes.relationship_url",
        "lines[0].vri_additional_attributes.partner_on_record_attestation_accepted",
        "lines[0].vri_additional_attributes.indirect_reseller_domain",
        "lines[1].vmf_additional_attributes.VEUD_AUTH_NBR_FLG",
    ]
    error = vendor_fields.MissingVendorFieldsError(missing)
    assert isinstance(error, ValidationError)
    assert error.field == "lines[0].vri_additional_attributes.tier1_mpn"
    assert "line 2 (5DV320): VEUD_AUTH_NBR_FLG" in error.reason
    # an order-level answer counts for every line
    request.vmf_additional_attributes = [AdditionalAttribute(name="VEUD_AUTH_NBR_FLG", value="A")]
    assert [m.line for m in vendor_fields.missing_fields(request, _info(plan, sku))] == [0] * 5


def test_a_question_the_api_says_is_optional_is_not_missing() -> None:
    product = ProductVendorInfo(
        ingram_part_number="P1",
        vmf_additional_attributes=[
            VendorAttributeGroup(
                vendor_name="V",
                attributes=[
                    VendorAttribute(name="A", value=""),
                    VendorAttribute(name="B", value="", required=False),
                ],
            )
        ],
    )
    assert [f.name for f in vendor_fields.missing_answers(product, {})] == ["A"]


def test_the_request_of_vendor_required_info_is_checked() -> None:
    body = vendor_fields.request_body(["5DV320", VendorProduct(plan_id="438308")], None, "me")
    assert unstructure(body) == {"products": [{"ingramPartNumber": "5DV320"}, {"planID": "438308"}]}
    cases: list[tuple[Any, str]] = [
        (lambda: vendor_fields.request_body(["X"], None, None), "sender_id"),
        (lambda: vendor_fields.request_body([], None, "me"), "products"),
        (lambda: vendor_fields.request_body([3], None, "me"), "products[0]"),
        (lambda: VendorRequiredInfoRequest(products=[VendorProduct()]), "products[0]"),
        (
            lambda: VendorRequiredInfoRequest(
                products=[VendorProduct(ingram_part_number="A", plan_id="1")]
            ),
            "products[0]",
        ),
        (
            lambda: VendorRequiredInfoRequest(products=[VendorProduct(plan_id=" ")]),
            "products[0].plan_id",
        ),
        (lambda: VendorRequiredInfoRequest(quote_number="Q" * 36), "quote_number"),
    ]
    for make, field in cases:
        with pytest.raises(ValidationError) as info:
            make()
        assert info.value.field == field


# --- the grown v7 request ---------------------------------------------------------------


def _line(**changes: Any) -> OrderCreateV7Line:
    values: dict[str, Any] = {
        "customer_line_number": "1",
        "ingram_part_number": "DF4128",
        "quantity": 1,
    }
    values.update(changes)
    return OrderCreateV7Line(**values)


V7_LINE_CASES: list[tuple[list[OrderCreateV7Line | OrderCreateLine], str]] = [
    ([_line(ingram_part_number=None)], "lines[0].ingram_part_number"),
    (
        [_line(subscription_period=[Period(type="Months")])],
        "lines[0].subscription_period[0].duration",
    ),
    ([_line(subscription_period=[Period.months(0)])], "lines[0].subscription_period[0].duration"),
    ([_line(billing_period=[Period(duration=1)])], "lines[0].billing_period[0].type"),
    (
        [_line(billing_period=[Period(type="Months", duration=1, subscription_id="S")])],
        "lines[0].billing_period[0].subscription_id",
    ),
    (
        [
            _line(
                subscription_period=[Period(type="Years", duration=1, end_date_alignment_type="X")]
            )
        ],
        "lines[0].subscription_period[0].end_date_alignment_type",
    ),
    ([_line(subscription_period=["1 year"])], "lines[0].subscription_period[0]"),
    ([_line(margin=1.5)], "lines[0].margin"),
    ([_line(end_customer_price=Decimal("-1"))], "lines[0].end_customer_price"),
    (
        [
            _line(
                vri_additional_attributes=[
                    VendorAttributeGroup(attributes=[VendorAttribute(value="x")])
                ]
            )
        ],
        "lines[0].vri_additional_attributes[0].attributes[0].name",
    ),
    (
        [_line(warranty_info=WarrantyLink(hardware_line_link="1"))],
        "lines[0].warranty_info.hardware_line_link",
    ),
    (
        [_line(warranty_info=WarrantyLink(hardware_line_link="9"))],
        "lines[0].warranty_info.hardware_line_link",
    ),
    (
        [_line(warranty_info=WarrantyLink(hardware_line_link="2", warranty_line_link="2"))],
        "lines[0].warranty_info",
    ),
    (
        [
            _line(warranty_info=WarrantyLink(warranty_line_link="2")),
            _line(customer_line_number="2", warranty_info=WarrantyLink(hardware_line_link="3")),
            _line(customer_line_number="3"),
        ],
        "lines[0].warranty_info.warranty_line_link",
    ),
    ([_line(warranty_info=[WarrantyLink()])], "lines[0].warranty_info"),
    (
        [OrderCreateLine(ingram_part_number="X", quantity=1, warranty_info=[WarrantyInfo()])],
        "lines[0].warranty_info",
    ),
    ([OrderCreateLine(customer_part_number="CPN", quantity=1)], "lines[0].customer_part_number"),
]


@pytest.mark.parametrize(("lines", "field"), V7_LINE_CASES, ids=[f for _, f in V7_LINE_CASES])
def test_v7_line_validation(lines: list[Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        OrderCreateV7Request(customer_order_number="PO", lines=lines)
    assert info.value.field == field


def test_a_hardware_line_and_its_warranty_line() -> None:
    request = OrderCreateV7Request(
        customer_order_number="PO",
        lines=[
            _line(customer_line_number="001", warranty_info=WarrantyLink(warranty_line_link="002")),
            _line(customer_line_number="002", warranty_info=WarrantyLink(hardware_line_link="001")),
        ],
    )
    wire = unstructure(request)
    assert wire["lines"][1]["warrantyInfo"] == {"hardwareLineLink": "001"}  # an object in v7
    assert structure(wire, OrderCreateV7Request) == request


def test_a_v6_line_in_a_v7_request_becomes_a_v7_line_and_so_does_one_added_later() -> None:
    request = OrderCreateV7Request(
        customer_order_number="PO",
        lines=[
            OrderCreateLine(
                customer_line_number="1",
                ingram_part_number="DF4128",
                quantity=2,
                unit_price=Decimal("1.10"),
            )
        ],
    )
    assert isinstance(request.lines[0], OrderCreateV7Line)
    assert request.lines[0].unit_price == Decimal("1.10")
    request.lines.append(
        OrderCreateLine(customer_line_number="2", ingram_part_number="X", quantity=1)
    )  # type: ignore[arg-type]
    request.validate()
    assert all(isinstance(line, OrderCreateV7Line) for line in request.lines)


def test_periods_and_money_on_the_wire() -> None:
    line = _line(
        plan_id="438308",
        ingram_part_number=None,
        subscription_period=[Period.years(3)],
        billing_period=[Period.months(1)],
        margin=Decimal("-2.5"),
        end_customer_price=Decimal("19.99"),
    )
    wire = unstructure(OrderCreateV7Request(customer_order_number="PO", lines=[line]))["lines"][0]
    assert wire == {
        "customerLineNumber": "1",
        "quantity": 1,
        "planid": "438308",
        "subscriptionPeriod": [{"type": "Years", "duration": 3}],
        "billingPeriod": [{"type": "Months", "duration": 1}],
        "margin": -2.5,
        "endCustomerPrice": 19.99,
    }
    back = structure({"lines": [wire]}, OrderCreateV7Request).lines[0]
    assert back.end_customer_price == Decimal("19.99") and back.subscription_period == [
        Period.years(3)
    ]
    assert str(Period.years(3)) == "3 Years"


def test_notebook_and_text_displays_show_the_tree_indented(plan: ProductVendorInfo) -> None:
    info = VendorRequiredInfo(products=[plan])
    html = info._repr_html_()  # type: ignore[attr-defined]
    assert "<caption>438308 Microsoft 365 F3 (NCE COM MTH): subscription fields</caption>" in html
    assert "tenant_preference" in html and "new / existing" in html
    nbsp = "\u00a0"
    assert f"{nbsp * 4}\u21b3 new" in html  # a choice, one level in
    assert f"{nbsp * 8}microsoft_domain" in html  # its questions, two levels in
    assert "value: onmicrosoft.com" in html
    rows = [r["field"].strip(nbsp) for r in vendor_rows(plan)]
    assert rows.count("microsoft_domain") == 2  # asked on both branches
    printed: list[str] = []

    class Printer:
        def text(self, value: str) -> None:
            printed.append(value)

    info._repr_pretty_(Printer(), False)  # type: ignore[attr-defined]
    lines = printed[0].splitlines()
    assert lines[0] == "VendorRequiredInfo: 1 product(s)"
    assert "  tenant_preference  [new / existing]" in lines
    assert "      \u21b3 new" in lines
    # a product's message and an escaped name
    odd = ProductVendorInfo(ingram_part_number="<b>X</b>")
    odd.response_messages = [VendorResponseMessage(message="Product not found")]
    shown = odd._repr_html_()  # type: ignore[attr-defined]
    assert "&lt;b&gt;X&lt;/b&gt;: Product not found" in shown and "<b>X</b>" not in shown
