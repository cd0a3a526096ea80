"""Request models: every request example of the spec builds and unstructures to the same
JSON; building a request checks the spec's constraints, naming the field; the typed
options become the wire's ``additionalAttributes``.

Round-trip normalisation: numbers vs numeric strings (``"ingramLineNumber": 9`` comes back
``"9"``) and ``"true"`` vs ``true`` for the boolean fields ``acceptBackOrder`` and
``signatureRequired`` (the spec declares them boolean; its examples send strings).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from spec_support import Example, load_spec, request_examples, require_spec
from test_models_support import REQUEST_MODELS, assert_round_trip

from xi_orders._convert import structure, unstructure, untyped_values
from xi_orders.errors import DecodeError, ValidationError
from xi_orders.models import (
    AdditionalAttribute,
    Address,
    OrderCreateLine,
    OrderCreateRequest,
    OrderCreateV7Request,
    OrderModifyLine,
    OrderModifyRequest,
    ShipmentOptions,
    VendorMandatoryFields,
    WarrantyInfo,
)

_SPEC = load_spec()
REQUESTS = request_examples(_SPEC)


def _params(examples: list[Example]) -> list[Any]:
    return [pytest.param(e, id=e.id) for e in examples]


def _request(name: str) -> Any:
    for e in request_examples(require_spec()):
        if e.name == name:
            return e.value
    raise LookupError(name)


def test_request_example_count() -> None:
    require_spec()
    assert len(REQUESTS) == 31
    print(f"\nrequest examples built and round-tripped: {len(REQUESTS)}")


@pytest.mark.parametrize("example", _params(REQUESTS))
def test_request_example_builds_and_round_trips(example: Example) -> None:
    model = REQUEST_MODELS[example.operation_id]
    request = structure(example.value, model)
    assert isinstance(request, model)
    request.validate()
    assert_round_trip(example.value, unstructure(request))


def test_request_example_quirks_are_kept() -> None:
    # "quantity": "1," cannot be an integer: kept raw (and sent as it came), not lost
    govt = structure(_request("Govt fields with End User Info"), OrderCreateRequest)
    assert govt.lines[0].quantity is None
    assert untyped_values(govt) == {"lines[0].quantity": "1,"}
    assert unstructure(govt)["lines"][0]["quantity"] == "1,"
    # keys the schema lacks: customerPartNumber (typed), addressSequenceNumber (typed)
    cpn = structure(_request("Order with CPN - SAP"), OrderCreateRequest)
    assert cpn.lines[0].customer_part_number == "90NB0GI4-M03110"
    warranty = structure(_request("Warranty order sample"), OrderCreateRequest)
    end_user = warranty.lines[3].end_user_info[0]
    assert (end_user.address_sequence_number, end_user.contact_id) == ("1", "1")
    assert end_user.phone_number == "78776777771"
    assert warranty.vmf == VendorMandatoryFields(vendor_auth_number="MJDVATC10001A")
    assert warranty.customer_hold is False  # allowOrderOnCustomerHold "false"
    assert warranty.enable_comments_as_lines is True
    backorder = structure(_request("Backordered Request"), OrderCreateRequest)
    assert backorder.accept_back_order is True  # "true" on the wire
    assert unstructure(backorder)["acceptBackOrder"] is True
    modify = structure(_request("Modify header comments"), OrderModifyRequest)
    assert modify.lines[0].ingram_line_number == "9"  # 9 on the wire
    assert modify.lines[0].action == "UPDATE"


def test_typed_options_read_from_request_examples() -> None:
    hold = structure(_request("Order on CustomerHold"), OrderCreateRequest)
    assert hold.customer_hold is True
    assert hold.allow_duplicate_customer_order_number is True
    assert hold.allow_partial_order is None
    partial = structure(_request("Partial Order and Special Bid Number"), OrderCreateRequest)
    assert partial.allow_partial_order is True


# --------------------------------------------------------------------------------------
# building requests in Python


def _line(**kw: Any) -> OrderCreateLine:
    values: dict[str, Any] = {
        "customer_line_number": "1",
        "ingram_part_number": "DF4128",
        "quantity": 1,
    }
    values.update(kw)
    return OrderCreateLine(**values)


def _create(**kw: Any) -> OrderCreateRequest:
    values: dict[str, Any] = {"customer_order_number": "PO-1", "lines": [_line()]}
    values.update(kw)
    return OrderCreateRequest(**values)


def test_create_request_unstructures_exactly_what_was_set() -> None:
    request = _create(
        notes="hello",
        ship_to_info=Address(company_name="ACME", city="Santa Ana", country_code="US"),
        shipment_details=ShipmentOptions(
            ship_complete="P", requested_delivery_date=dt.date(2025, 1, 31), signature_required=True
        ),
        lines=[_line(unit_price=Decimal("10.10")), _line(customer_line_number="2", quantity=3)],
    )
    assert unstructure(request) == {
        "customerOrderNumber": "PO-1",
        "notes": "hello",
        "shipToInfo": {"companyName": "ACME", "city": "Santa Ana", "countryCode": "US"},
        "lines": [
            {
                "customerLineNumber": "1",
                "ingramPartNumber": "DF4128",
                "quantity": 1,
                "unitPrice": 10.1,
            },
            {"customerLineNumber": "2", "ingramPartNumber": "DF4128", "quantity": 3},
        ],
        "shipmentDetails": {
            "shipComplete": "P",
            "requestedDeliveryDate": "2025-01-31",
            "signatureRequired": True,
        },
    }


def test_typed_options_become_additional_attributes() -> None:
    request = _create(
        customer_hold=True,
        allow_duplicate_customer_order_number=False,
        additional_attributes=[AdditionalAttribute(name="eudepid", value="DepIDTest1")],
    )
    assert unstructure(request)["additionalAttributes"] == [
        {"attributeName": "eudepid", "attributeValue": "DepIDTest1"},
        {"attributeName": "allowOrderOnCustomerHold", "attributeValue": "true"},
        {"attributeName": "allowDuplicateCustomerOrderNumber", "attributeValue": "false"},
    ]
    # an option changed after decoding updates its entry in place
    decoded = structure(_request("Order on CustomerHold"), OrderCreateRequest)
    decoded.customer_hold = False
    assert unstructure(decoded)["additionalAttributes"] == [
        {"attributeName": "allowDuplicateCustomerOrderNumber", "attributeValue": "true"},
        {"attributeName": "allowOrderOnCustomerHold", "attributeValue": "false"},
    ]
    modify = OrderModifyRequest(notes="x" * 40, enable_comments_as_lines=True)
    assert unstructure(modify) == {
        "notes": "x" * 40,
        "additionalAttributes": [
            {"attributeName": "enableCommentsAsLines", "attributeValue": "true"}
        ],
    }


def test_v7_request() -> None:
    request = OrderCreateV7Request(
        quote_number="QUO-1",
        customer_order_number="PO-7",
        vendor_auth_number="VA-1",
        lines=[
            _line(
                vendor_part_number="MYD82LL/A",
                vmf_additional_attributes=[AdditionalAttribute(name="x", value="y")],
            )
        ],
        allow_partial_order=True,
    )
    assert unstructure(request) == {
        "quoteNumber": "QUO-1",
        "customerOrderNumber": "PO-7",
        "vendAuthNumber": "VA-1",
        "lines": [
            {
                "customerLineNumber": "1",
                "ingramPartNumber": "DF4128",
                "vendorPartNumber": "MYD82LL/A",
                "quantity": 1,
                "vmfAdditionalAttributesLines": [{"attributeName": "x", "attributeValue": "y"}],
            }
        ],
        "additionalAttributes": [{"attributeName": "allowPartialOrder", "attributeValue": "true"}],
    }
    decoded = structure(unstructure(request), OrderCreateV7Request)
    assert decoded.allow_partial_order is True  # read back from the raw attribute
    assert unstructure(decoded) == unstructure(request)


# --------------------------------------------------------------------------------------
# validation: each constraint, with the field named in Python spelling


CREATE_CASES: list[tuple[dict[str, Any], str]] = [
    ({"customer_order_number": None}, "customer_order_number"),
    ({"customer_order_number": "  "}, "customer_order_number"),
    ({"customer_order_number": "P" * 36}, "customer_order_number"),
    ({"bill_to_address_id": "X" * 11}, "bill_to_address_id"),
    ({"lines": []}, "lines"),
    ({"lines": [_line(), "not a line"]}, "lines[1]"),
    ({"lines": [_line(), _line(quantity=0)]}, "lines[1].quantity"),
    ({"lines": [_line(quantity=-2)]}, "lines[0].quantity"),
    ({"lines": [_line(quantity=True)]}, "lines[0].quantity"),
    ({"lines": [_line(customer_line_number="1234")]}, "lines[0].customer_line_number"),
    ({"lines": [_line(ingram_part_number="X" * 19)]}, "lines[0].ingram_part_number"),
    ({"lines": [_line(ingram_part_number=None)]}, "lines[0].ingram_part_number"),
    ({"lines": [_line(special_bid_number="1" * 37)]}, "lines[0].special_bid_number"),
    ({"lines": [_line(unit_price=Decimal("-1"))]}, "lines[0].unit_price"),
    ({"lines": [_line(vendor_part_number="V")]}, "lines[0].vendor_part_number"),
    (
        {"lines": [_line(warranty_info=[WarrantyInfo(direct_line_link="L" * 26)])]},
        "lines[0].warranty_info[0].direct_line_link",
    ),
    (
        {"lines": [_line(end_user_info=[Address(end_user_id="E" * 11)])]},
        "lines[0].end_user_info[0].end_user_id",
    ),
    ({"ship_to_info": Address(country_code="USA")}, "ship_to_info.country_code"),
    ({"ship_to_info": Address(country_code="1A")}, "ship_to_info.country_code"),
    ({"ship_to_info": Address(company_name="C" * 41)}, "ship_to_info.company_name"),
    ({"ship_to_info": Address(address_line1="A" * 71)}, "ship_to_info.address_line1"),
    ({"ship_to_info": Address(city="C" * 26)}, "ship_to_info.city"),
    ({"ship_to_info": Address(state="CALI")}, "ship_to_info.state"),
    ({"ship_to_info": Address(postal_code="9" * 11)}, "ship_to_info.postal_code"),
    ({"end_user_info": Address(contact="C" * 71)}, "end_user_info.contact"),
    ({"reseller_info": Address(country_code="U")}, "reseller_info.country_code"),
    ({"shipment_details": ShipmentOptions(ship_complete="X")}, "shipment_details.ship_complete"),
    ({"shipment_details": ShipmentOptions(carrier_code="C" * 11)}, "shipment_details.carrier_code"),
    (
        {"shipment_details": ShipmentOptions(shipping_instructions="S" * 133)},
        "shipment_details.shipping_instructions",
    ),
    ({"additional_attributes": [AdditionalAttribute(value="x")]}, "additional_attributes[0].name"),
    (
        {
            "customer_hold": True,
            "additional_attributes": [
                AdditionalAttribute(name="allowOrderOnCustomerHold", value="false")
            ],
        },
        "customer_hold",
    ),
]


@pytest.mark.parametrize(("changes", "field"), CREATE_CASES, ids=[f for _, f in CREATE_CASES])
def test_create_request_validation(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        _create(**changes)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


MODIFY_CASES: list[tuple[dict[str, Any], str]] = [
    ({}, "lines"),
    ({"notes": "N" * 133}, "notes"),
    ({"lines": [OrderModifyLine(ingram_line_number="001", quantity=1)]}, "lines[0].action"),
    ({"lines": [OrderModifyLine(action="add", ingram_part_number="X")]}, "lines[0].action"),
    ({"lines": [OrderModifyLine(action="ADD", quantity=1)]}, "lines[0].ingram_part_number"),
    ({"lines": [OrderModifyLine(action="DELETE")]}, "lines[0].ingram_line_number"),
    (
        {"lines": [OrderModifyLine(action="UPDATE", ingram_line_number="001", quantity=0)]},
        "lines[0].quantity",
    ),
    (
        {"lines": [OrderModifyLine(action="UPDATE", ingram_line_number="1234567")]},
        "lines[0].ingram_line_number",
    ),
    (
        {"lines": [OrderModifyLine(action="ADD", ingram_part_number="X", notes="n" * 133)]},
        "lines[0].notes",
    ),
    # modify limits differ from create's: address line 1 is 60, contact 40
    ({"ship_to_info": Address(address_line1="A" * 61)}, "ship_to_info.address_line1"),
    ({"ship_to_info": Address(contact="C" * 41)}, "ship_to_info.contact"),
    ({"ship_to_info": Address(country_code="usa")}, "ship_to_info.country_code"),
]


@pytest.mark.parametrize(("changes", "field"), MODIFY_CASES, ids=[f for _, f in MODIFY_CASES])
def test_modify_request_validation(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        OrderModifyRequest(**changes)
    assert info.value.field == field


V7_CASES: list[tuple[dict[str, Any], str]] = [
    ({"lines": []}, "lines"),
    ({"customer_order_number": "P" * 19}, "customer_order_number"),
    ({"end_customer_order_number": "E" * 19}, "end_customer_order_number"),
    ({"quote_number": "Q" * 36}, "quote_number"),
    ({"lines": [_line(warranty_info=[WarrantyInfo()])]}, "lines[0].warranty_info"),
    ({"lines": [_line(quantity=0)]}, "lines[0].quantity"),
    ({"ship_to_info": Address(country_code="DEU")}, "ship_to_info.country_code"),
]


@pytest.mark.parametrize(("changes", "field"), V7_CASES, ids=[f for _, f in V7_CASES])
def test_v7_request_validation(changes: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"customer_order_number": "PO", "lines": [_line()]}
    values.update(changes)
    with pytest.raises(ValidationError) as info:
        OrderCreateV7Request(**values)
    assert info.value.field == field


def test_validate_again_after_a_change() -> None:
    request = _create()
    request.lines[0].quantity = 0
    with pytest.raises(ValidationError) as info:
        request.validate()
    assert info.value.field == "lines[0].quantity"


def test_decoding_an_invalid_request_raises_decode_error_naming_the_path() -> None:
    payload = {
        "customerOrderNumber": "PO",
        "lines": [
            {"ingramPartNumber": "X", "quantity": 1},
            {"ingramPartNumber": "Y", "quantity": -1},
        ],
    }
    with pytest.raises(DecodeError, match=r"lines\[1\]\.quantity") as info:
        structure(payload, OrderCreateRequest)
    assert isinstance(info.value.__cause__, ValidationError)
    with pytest.raises(DecodeError, match="customer_order_number"):
        structure({"lines": [{"ingramPartNumber": "X"}]}, OrderCreateRequest)
