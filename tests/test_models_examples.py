"""Every 2xx response example of the Orders operations in Ingram Micro's spec decodes into
its model, with no value left untyped, and survives structure -> unstructure key for key.

Round-trip normalisation (see ``test_models_support.normalise``): numbers vs numeric strings
(``"120.00"`` vs ``120``), ``true`` vs ``"true"``, ISO timestamps compared as instants, and a
single object vs a list of one (``links``, ``shipmentDetails``). Nothing else.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from spec_support import Example, load_spec, require_spec, response_examples
from test_models_support import assert_round_trip, response_model, status_event_examples

from xi_orders._convert import structure, unstructure, untyped_values
from xi_orders.models import (
    AsyncOrderCreateEvent,
    AsyncOrderCreateResult,
    OrderCreateResponse,
    OrderCreateV7Confirmation,
    OrderDetail,
    OrderEvent,
    OrderModifyResponse,
    OrderSearchPage,
    OrderStatusEvent,
)

_SPEC = load_spec()
_ALL = response_examples(_SPEC)
SUCCESS = [e for e in _ALL if e.status and e.status.startswith("2")]
EVENTS = status_event_examples()


def _params(examples: list[Example]) -> list[Any]:
    return [pytest.param(e, id=e.id) for e in examples]


def _example(operation_id: str, status: str, name: str) -> Any:
    spec = require_spec()
    for e in response_examples(spec):
        if (e.operation_id, e.status, e.name) == (operation_id, status, name):
            return e.value
    raise LookupError(f"{operation_id} {status} {name}")


def test_example_counts() -> None:
    """The spec has 60 Orders response examples; 45 are 2xx (ours), 15 errors (HTTP layer)."""
    require_spec()
    assert len(_ALL) == 60
    assert len(SUCCESS) == 45
    assert len(EVENTS) == 1
    print(
        f"\nOrders response examples: {len(_ALL)}; 2xx decoded and round-tripped here: "
        f"{len(SUCCESS)}; order status event examples: {len(EVENTS)}"
    )


@pytest.mark.parametrize("example", _params(SUCCESS))
def test_response_example_decodes_and_round_trips(example: Example) -> None:
    model = response_model(example)
    decoded = structure(example.value, model)
    if isinstance(decoded, list):
        assert decoded and all(isinstance(d, AsyncOrderCreateEvent) for d in decoded)
    else:
        assert isinstance(decoded, model)
    # every value of the spec's examples has a typed home: nothing fell back to raw
    assert untyped_values(decoded) == {}
    output = unstructure(decoded)
    if example.value is None:  # "Release" answers 200 with a null body
        assert output == {}
        return
    compared = assert_round_trip(example.value, output)
    assert compared > 0


@pytest.mark.parametrize("example", _params(EVENTS))
def test_order_status_event_example(example: Example) -> None:
    event = structure(example.value, OrderEvent)
    assert isinstance(event, OrderStatusEvent)
    assert structure(example.value, OrderStatusEvent) == event
    assert untyped_values(event) == {}
    assert_round_trip(example.value, unstructure(event))


# --------------------------------------------------------------------------------------
# real values from given examples


def test_order_detail_values() -> None:
    order = structure(_example("get-orderdetails-v6.1", "200", "Success"), OrderDetail)
    assert order.ingram_order_number == "20-RD3QV"
    assert order.total == Decimal("25371.27")
    assert isinstance(order.order_total, Decimal)
    assert order.ingram_order_date == dt.datetime(
        2020, 5, 13, 0, 38, 52, tzinfo=dt.timezone(dt.timedelta(hours=-7))
    )
    assert order.ingram_order_date.utcoffset() == dt.timedelta(hours=-7)
    assert order.bill_to_info is not None and order.bill_to_info.postal_code == "142210000"
    line = order.lines[0]
    # "requestedDeliverydate": "" (misspelled wire key) -> the good attribute, None; the ""
    # is kept so it is written back
    assert line.requested_delivery_date is None
    assert line.extras == {"requestedDeliverydate": "", "scheduleLines": None}
    assert line.promised_delivery_date == dt.date(2020, 5, 13)
    assert line.unit_price == Decimal("20887.57")
    assert line.quantity_ordered == 1
    shipment = line.shipment_details[0]
    assert shipment.invoice_date == dt.date(2022, 10, 7)
    tracking = shipment.carrier_details[0].tracking_details[0]
    assert tracking.package_weight == Decimal("1.2")  # "1.2" on the wire
    assert tracking.quantity_in_box == 1  # "1" on the wire
    assert order.serial_numbers() == ["Q2EV-5SJ3-E6LN"]
    assert order.tracking_numbers() == ["390064340282"]
    service = line.service_contract_info
    assert service is not None and service.subscription is not None
    # misspelled "subcriptionStartDate"
    assert service.subscription.subscription_start_date == dt.date(2022, 10, 9)
    assert service.license_info is not None
    assert service.license_info.license_numbers == ["EX2SXV2NBNR"]
    assert line.links[0].method == "GET"
    assert line.planned_shipments[0].delivery_date == dt.date(2023, 6, 8)
    assert line.estimated_dates[1].delivery is not None
    assert line.estimated_dates[1].delivery.delivery_date == dt.date(2023, 6, 8)
    charges = order.miscellaneous_charges
    assert [c.charge_amount for c in charges] == [Decimal("4.7"), Decimal("100.4")]
    out = unstructure(order)
    assert out["lines"][0]["requestedDeliverydate"] == ""
    assert out["orderTotal"] == 25371.27
    assert "response" not in out and "extras" not in out


def test_search_page_values() -> None:
    page = structure(
        _example("get-resellers-v6-ordersearch", "200", "Success - 200"), OrderSearchPage
    )
    assert (page.records_found, page.page_size, page.page_number) == (123, 25, 1)  # "123"...
    assert page.page_count == 5 and page.has_next_page
    summary = page.orders[0]
    assert summary.order_total == Decimal("120.00")
    assert summary.ingram_order_date == dt.datetime(
        2020, 4, 3, 3, 24, 39, tzinfo=dt.timezone.utc
    )  # 08:54:39+05:30
    # "links" is a single object where the spec declares a list
    assert [s.links[0].href for s in summary.sub_orders] == [
        "/resellers/v6.1/orders/20-RD128-11",
        "/resellers/v6.1/orders/20-RD128",
    ]
    assert summary.sub_orders[0].sub_order_total == Decimal("100.00")
    assert summary.sub_order_numbers == ["20-RD128-11"]


def test_create_response_values() -> None:
    value = _example("post-createorder_v6", "201", "Combined Order(Stock + Diret Ship)")
    response = structure(value, OrderCreateResponse)
    assert response.order_numbers == ["20-RFKM1", "20-RFKM2"]
    assert response.purchase_order_total == Decimal("34212.93")
    assert response.order_split is True and not response.is_partial
    assert response.rejected_lines == []
    first = response.orders[0]
    assert first.ingram_order_date == dt.date(2021, 5, 25)
    # a single "shipmentDetails" object where the spec declares a list
    assert first.lines[0].shipment_details[0].ship_from_location == "Millington, TN"
    assert response.reseller_info is not None  # "resellerInfo": {} (not in the schema)


def test_create_207_rejected_lines() -> None:
    response = structure(
        _example("post-createorder_v6", "207", "Partial Success"), OrderCreateResponse
    )
    assert response.is_partial
    assert len(response.rejected_lines) == 1
    rejected = response.rejected_lines[0]
    # the create answer spells it "customerLinenumber"
    assert rejected.customer_line_number == "1"
    assert rejected.ingram_part_number == "DF4128MW"
    assert rejected.reject_code == "EN"
    assert unstructure(response)["orders"][0]["rejectedLineItems"][0]["customerLinenumber"] == "1"


def test_shipping_address_postal_code_as_number() -> None:
    value = _example("post-createorder_v6", "201", "Price Variance Response")
    response = structure(value, OrderCreateResponse)
    assert response.ship_to_info is not None
    assert response.ship_to_info.postal_code == "70940000"  # 70940000 on the wire


def test_modify_responses() -> None:
    partial = structure(
        _example("put-ordermodify", "200", "OneValidLine-OneInvalidPart"), OrderModifyResponse
    )
    assert partial.is_partial
    assert [r.customer_line_number for r in partial.rejected_lines] == ["006"]
    assert partial.order_modified_date == dt.datetime(
        2021, 2, 20, 9, 35, 19, 515000, tzinfo=dt.timezone.utc
    )
    assert partial.lines[0].line_number == "005"  # "lineNumber": not in the schema
    assert partial.lines[0].shipment_details is not None
    assert partial.lines[0].shipment_details.carrier_code == "OT"
    done = structure(
        _example("put-ordermodify", "201", "Modify Quantity with integer value"),
        OrderModifyResponse,
    )
    assert not done.is_partial
    # ".36-07:00": a two-digit fraction
    assert done.order_modified_date == dt.datetime(
        2021, 5, 20, 12, 46, 22, 360000, tzinfo=dt.timezone.utc
    )
    released = structure(_example("put-ordermodify", "200", "Release"), OrderModifyResponse)
    assert released == OrderModifyResponse()


def test_v7_confirmation_and_webhook_result() -> None:
    confirmation = structure(
        _example("post-createorder_v7", "200", "Success Response"), OrderCreateV7Confirmation
    )
    assert confirmation.confirmation_number == "US-I-T-24032926562341102332"
    assert confirmation.quote_number == ""
    events = structure(
        _example("post-createorder_v7", "201", "Webhook Response"), list[AsyncOrderCreateEvent]
    )
    (event,) = events
    assert event.event_timestamp == dt.datetime(
        2024, 4, 23, 15, 3, 11, 267000, tzinfo=dt.timezone.utc
    )
    assert event.event_type == "IM::async_order_create"
    result = event.resource
    assert isinstance(result, AsyncOrderCreateResult)
    assert isinstance(result, OrderCreateResponse)
    assert result.order_numbers == ["29-02738"]
    line = result.orders[0].lines[0]
    assert (line.line_type, line.global_sku_id, line.vendor_number) == ("P", "A306-CD98075", "D190")
    assert line.end_user_info[0].company_name == "MEDECISION INC"
    assert line.warranty_info[0].direct_line_link == "MJDVATC10001B"
    assert result.orders[0].miscellaneous_charges[0].charge_amount == Decimal(0)
    assert result.end_user_info is not None and result.end_user_info.contact_id == "1"
    # the same payload through the event union picks the async-create class
    assert (
        structure(_example("post-createorder_v7", "201", "Webhook Response")[0], OrderEvent)
        == event
    )


def test_order_status_event_values() -> None:
    (example,) = EVENTS
    event = structure(example.value, OrderEvent)
    assert isinstance(event, OrderStatusEvent)
    change = event.resource[0]
    assert change.kind == "order_shipped"
    assert change.order_number == "20-RD128"
    assert change.order_entry_timestamp is not None
    assert change.order_entry_timestamp.utcoffset() == dt.timedelta(hours=-7)
    line = change.lines[0]
    assert (line.requested_quantity, line.shipped_quantity, line.back_ordered_quantity) == (3, 2, 1)
    assert line.serial_number_details[0].serial_number == "123123123"
    assert line.shipment_details[0].shipment_date == dt.date(2019, 11, 6)
    assert line.shipment_details[0].package_details[0].quantity_in_box is None  # ""
