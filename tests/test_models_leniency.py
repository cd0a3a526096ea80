"""The converter's rules, one by one: money, dates, leniency, raw fallback, errors, omission.

These need no spec: they build their own payloads.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from xi_orders._convert import (
    converter,
    structure,
    structure_event,
    unstructure,
    untyped_values,
    wire_name,
)
from xi_orders.errors import DecodeError
from xi_orders.models import (
    AsyncOrderCreateEvent,
    AsyncOrderCreateResult,
    CreatedOrder,
    LicenseInfo,
    Link,
    ModifiedOrderLine,
    OrderDetail,
    OrderEvent,
    OrderLine,
    OrderSearchPage,
    OrderStatusEvent,
    OrderSummary,
    ShipmentDetail,
)

UTC = dt.timezone.utc


def _line(**wire: Any) -> dict[str, Any]:
    return {"ingramOrderLineNumber": "001", **wire}


def test_money_is_decimal_from_the_printed_value() -> None:
    order = structure(
        {"orderTotal": 0.1, "orderSubTotal": "120.00", "freightCharges": 7, "totalTax": " 1.5 "},
        OrderDetail,
    )
    assert order.order_total == Decimal("0.1") and str(order.order_total) == "0.1"
    assert order.order_sub_total == Decimal("120.00")
    assert order.freight_charges == Decimal(7)
    assert order.total_tax == Decimal("1.5")
    assert unstructure(order) == {
        "orderTotal": 0.1,
        "orderSubTotal": 120,
        "freightCharges": 7,
        "totalTax": 1.5,
    }


def test_decimal_out_keeps_every_digit() -> None:
    order = OrderDetail(order_total=Decimal("12345678901234567890.123456789"))
    assert unstructure(order) == {"orderTotal": "12345678901234567890.123456789"}


def test_numbers_as_strings_and_strings_as_numbers() -> None:
    page = structure(
        {"recordsFound": "123", "pageSize": 25.0, "pageNumber": "2.00"}, OrderSearchPage
    )
    assert (page.records_found, page.page_size, page.page_number) == (123, 25, 2)
    line = structure(
        _line(customerLineNumber=1, vendorPartNumber=1.5, lineNotes=True, quantityOrdered=" 3 "),
        OrderLine,
    )
    assert line.customer_line_number == "1"
    assert line.vendor_part_number == "1.5"
    assert line.line_notes == "true"
    assert line.quantity_ordered == 3


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2020-05-13", dt.date(2020, 5, 13)),
        (" 2020-05-13 ", dt.date(2020, 5, 13)),
        # a time with the date: kept as an aware datetime (a date subclass)
        (
            "2020-05-13T00:38:52-07:00",
            dt.datetime(2020, 5, 13, 0, 38, 52, tzinfo=dt.timezone(dt.timedelta(hours=-7))),
        ),
        ("2024-04-23T15:03:11.267Z", dt.datetime(2024, 4, 23, 15, 3, 11, 267000, tzinfo=UTC)),
        ("2020-05-13T10:00:00", dt.datetime(2020, 5, 13, 10, tzinfo=UTC)),  # naive: UTC
        ("", None),
    ],
)
def test_date_fields(wire: str, expected: dt.date | None) -> None:
    line = structure(_line(promisedDeliveryDate=wire), OrderLine)
    assert line.promised_delivery_date == expected
    if isinstance(expected, dt.datetime):
        assert expected.tzinfo is not None
    assert unstructure(line)["promisedDeliveryDate"] in (
        wire.strip(),
        expected and expected.isoformat(),
    )


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2020-04-03T08:54:39+05:30", dt.datetime(2020, 4, 3, 3, 24, 39, tzinfo=UTC)),
        ("2021-05-20T05:46:22.36-07:00", dt.datetime(2021, 5, 20, 12, 46, 22, 360000, tzinfo=UTC)),
        ("2021-11-01T13:02:06.369Z", dt.datetime(2021, 11, 1, 13, 2, 6, 369000, tzinfo=UTC)),
        ("2021-11-01T13:02:06.1234567Z", dt.datetime(2021, 11, 1, 13, 2, 6, 123456, tzinfo=UTC)),
        ("2021-11-01 13:02:06", dt.datetime(2021, 11, 1, 13, 2, 6, tzinfo=UTC)),  # naive: UTC
        ("2021-05-25", dt.datetime(2021, 5, 25, tzinfo=UTC)),  # a date alone: midnight UTC
    ],
)
def test_datetime_fields_are_aware(wire: str, expected: dt.datetime) -> None:
    summary = structure({"ingramOrderDate": wire}, OrderSummary)
    assert summary.ingram_order_date == expected
    assert summary.ingram_order_date is not None and summary.ingram_order_date.tzinfo is not None


def test_offset_is_kept_as_sent() -> None:
    summary = structure({"ingramOrderDate": "2020-04-03T08:54:39+05:30"}, OrderSummary)
    assert unstructure(summary) == {"ingramOrderDate": "2020-04-03T08:54:39+05:30"}


def test_single_object_for_list_and_null_for_list() -> None:
    line = structure(
        _line(links={"topic": "invoices", "href": "/x", "type": "GET"}, shipmentDetails=None),
        OrderLine,
    )
    assert line.links == [Link(topic="invoices", href="/x", method="GET")]
    assert line.shipment_details == []
    assert line.extras == {"shipmentDetails": None}
    licence = structure({"licenseNumber": "ABC"}, LicenseInfo)
    assert licence.license_numbers == ["ABC"]


def test_list_of_one_for_an_object() -> None:
    line = structure({"shipmentDetails": [{"carrierCode": "OT"}]}, ModifiedOrderLine)
    assert line.shipment_details is not None and line.shipment_details.carrier_code == "OT"


def test_unknown_keys_are_kept_and_written_back() -> None:
    order = structure({"ingramOrderNumber": "20-X", "brandNewField": {"a": [1]}}, OrderDetail)
    assert order.extras == {"brandNewField": {"a": [1]}}
    assert unstructure(order) == {"ingramOrderNumber": "20-X", "brandNewField": {"a": [1]}}


def test_untypeable_values_are_kept_raw() -> None:
    payload = {
        "orderTotal": "N/A",
        "billToInfo": "see notes",
        "ingramOrderDate": "yesterday",
        "lines": [
            _line(),
            _line(),
            _line(),
            _line(shipmentDetails="pending", quantityOrdered=2.5, unitPrice={"v": 1}),
        ],
        "miscellaneousCharges": [1, 2],
        "currencyCode": ["USD"],
    }
    order = structure(payload, OrderDetail)
    assert order.order_total is None and order.extras["orderTotal"] == "N/A"
    assert order.bill_to_info is None and order.ingram_order_date is None
    assert order.miscellaneous_charges == []
    assert order.currency_code is None
    assert len(order.lines) == 4
    assert order.lines[3].shipment_details == []
    assert untyped_values(order) == {
        "orderTotal": "N/A",
        "billToInfo": "see notes",
        "ingramOrderDate": "yesterday",
        "lines[3].quantityOrdered": 2.5,
        "lines[3].unitPrice": {"v": 1},
        "lines[3].shipmentDetails": "pending",
        "miscellaneousCharges": [1, 2],
        "currencyCode": ["USD"],
    }
    assert unstructure(order) == payload  # written back as it came


def test_a_typed_value_wins_over_a_kept_raw_one() -> None:
    order = structure({"orderTotal": "N/A"}, OrderDetail)
    order.order_total = Decimal("5.25")
    assert unstructure(order) == {"orderTotal": 5.25}


def test_top_level_shape_errors_are_decode_errors() -> None:
    with pytest.raises(DecodeError, match="expected a JSON object for OrderDetail, got list"):
        structure([{"ingramOrderNumber": "x"}], OrderDetail)
    with pytest.raises(DecodeError, match="got str"):
        structure("<html>bad gateway</html>", OrderSearchPage)
    with pytest.raises(DecodeError, match=r"^\[1\]: expected a JSON object"):
        structure([{"topic": "t"}, "oops"], list[AsyncOrderCreateEvent])
    # a null body is an empty result (modify's "Release" answers 200 with null)
    assert structure(None, OrderDetail) == OrderDetail()
    assert structure(None, list[AsyncOrderCreateEvent]) == []


def test_event_union_picks_the_class_by_shape() -> None:
    status = structure(
        {"event": "im::updated", "resource": [{"eventType": "im::order_voided"}]}, OrderEvent
    )
    assert isinstance(status, OrderStatusEvent)
    assert status.resource[0].kind == "order_voided"  # an event type the spec never shows
    created = structure(
        {"event": "IM::created", "resource": {"eventType": "IM::async_order_create"}}, OrderEvent
    )
    assert isinstance(created, AsyncOrderCreateEvent)
    assert created.event_type == "IM::async_order_create"
    unknown = structure({"event": "im::something_new", "topic": "resellers/orders"}, OrderEvent)
    assert isinstance(unknown, OrderStatusEvent) and unknown.event == "im::something_new"
    assert structure_event({"resource": {"customerOrderNumber": "PO"}}) == AsyncOrderCreateEvent(
        resource=AsyncOrderCreateResult(customer_order_number="PO")
    )
    with pytest.raises(DecodeError):
        structure_event("not an event")


def test_wire_names() -> None:
    import attrs

    fields = attrs.fields_dict(OrderLine)
    assert wire_name(fields["ingram_order_line_number"]) == "ingramOrderLineNumber"
    assert wire_name(fields["requested_delivery_date"]) == "requestedDeliverydate"
    assert wire_name(fields["back_order_eta_date"]) == "backOrderETADate"
    assert wire_name(attrs.fields_dict(OrderDetail)["response"]) is None
    assert wire_name(attrs.fields_dict(CreatedOrder)["number_of_lines_with_success"]) == (
        "numberOfLinesWithSuccess"
    )


def test_response_meta_is_never_on_the_wire() -> None:
    order = structure({"ingramOrderNumber": "20-X", "response": "server field"}, OrderDetail)
    assert order.response is None and order.extras == {"response": "server field"}


def test_one_converter_with_generated_functions() -> None:
    hook = converter.get_structure_hook(ShipmentDetail)
    assert hook.__code__.co_filename.startswith("<xi_orders generated structure")
    assert converter.get_structure_hook(ShipmentDetail) is hook  # made once


def test_a_status_event_with_a_single_object_resource_stays_a_status_event() -> None:
    from xi_orders._convert import structure_event
    from xi_orders.models import OrderStatusEvent

    event = structure_event(
        {
            "eventId": "E1",
            "resource": {
                "eventType": "im::order_shipped",
                "orderNumber": "20-ABCDE",
                "lines": [{"LineNumber": "001", "backorderedQuantity": "2"}],
            },
        }
    )
    assert isinstance(event, OrderStatusEvent)
    change = event.resource[0]
    assert change.order_number == "20-ABCDE"
    # the schema's spellings are kept and still reachable
    assert change.lines[0].line_number == "001" and change.lines[0].backordered == 2
