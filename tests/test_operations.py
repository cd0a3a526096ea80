"""Wire-level tests of the six operations and the search filters (respx)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from tests.conftest import make_client
from xi_orders import (
    BadRequestError,
    NotFoundError,
    ResponseDecodeError,
    ValidationError,
)
from xi_orders.models import (
    OrderCreateLine,
    OrderCreateRequest,
    OrderCreateV7Request,
    OrderModifyLine,
    OrderModifyRequest,
)

DETAIL = {
    "ingramOrderNumber": "20-RD3QV",
    "ingramOrderDate": "2020-05-13",
    "customerOrderNumber": "PO-1",
    "orderTotal": "120.50",
    "orderStatus": "SHIPPED",
    "lines": [{"ingramOrderLineNumber": "001", "ingramPartNumber": "6YE881", "quantityOrdered": 2}],
    "somethingNew": {"kept": True},
}


def summary(n: int) -> dict[str, Any]:
    return {"ingramOrderNumber": f"20-{n:05d}", "orderTotal": f"{n}.25", "orderStatus": "SHIPPED"}


def page(numbers: range, total: int, page_number: int, size: int = 100) -> dict[str, Any]:
    return {
        "recordsFound": str(total),
        "pageSize": str(size),
        "pageNumber": str(page_number),
        "orders": [summary(n) for n in numbers],
    }


# --- get_order --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_get_order_path_query_and_typed_result(api: respx.MockRouter) -> None:
    route = api.get("/resellers/v6.1/orders/20-RD3QV").respond(
        200, json=DETAIL, headers={"IM-CorrelationID": "echoed"}
    )
    async with make_client() as client:
        order = await client.get_order(
            "20-RD3QV",
            order_date=dt.date(2020, 5, 13),
            vendor_number="V1",
            simulate_status="IM::SHIPPED",
            is_iml=False,
            region_code="CS",
        )
    request = route.calls.last.request
    assert dict(request.url.params) == {
        "ingramOrderDate": "2020-05-13",
        "vendorNumber": "V1",
        "simulateStatus": "IM::SHIPPED",
        "isIml": "false",
        "regionCode": "CS",
    }
    assert order.ingram_order_number == "20-RD3QV"
    assert order.order_total == Decimal("120.50")
    assert order.lines[0].ingram_part_number == "6YE881"
    assert order.extras == {"somethingNew": {"kept": True}}
    assert order.response is not None
    assert order.response.status_code == 200
    assert order.response.correlation_id == "echoed"


@pytest.mark.anyio
async def test_get_order_input_checks_happen_before_the_network(api: respx.MockRouter) -> None:
    route = api.route(path__startswith="/resellers/").respond(200, json=DETAIL)
    async with make_client() as client:
        for kwargs, field in [
            ({"order_number": ""}, "order_number"),
            ({"order_number": "20-RD3QV-TOO-LONG"}, "order_number"),
            ({"order_number": "20-RD3QV", "simulate_status": "SHIPPED"}, "simulate_status"),
            ({"order_number": "20-RD3QV", "order_date": "13/05/2020"}, "order_date"),
            ({"order_number": "20-RD3QV", "is_iml": "yes"}, "is_iml"),
        ]:
            with pytest.raises(ValidationError) as caught:
                await client.get_order(**kwargs)
            assert caught.value.field == field
    assert not route.called


@pytest.mark.anyio
async def test_get_order_not_found(api: respx.MockRouter) -> None:
    api.get("/resellers/v6.1/orders/20-NOPE").respond(
        404, json={"errors": [{"id": "404", "message": "Order not found"}]}
    )
    async with make_client() as client:
        with pytest.raises(NotFoundError, match="Order not found"):
            await client.get_order("20-NOPE")


@pytest.mark.anyio
async def test_get_order_with_a_list_body_is_a_decode_error(api: respx.MockRouter) -> None:
    api.get("/resellers/v6.1/orders/20-RD3QV").respond(200, json=[1, 2])
    async with make_client() as client:
        with pytest.raises(ResponseDecodeError) as caught:
            await client.get_order("20-RD3QV")
    assert caught.value.status_code == 200 and caught.value.correlation_id


# --- search -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_search_sends_exact_wire_names_and_repeated_keys(api: respx.MockRouter) -> None:
    route = api.get("/resellers/v6/orders/search").respond(200, json=page(range(3), 3, 1))
    async with make_client() as client:
        orders = await client.search_orders(
            ingram_order_number="20-RD3QV",
            order_status="ON HOLD",
            order_statuses=["SHIPPED", "BACKORDERED"],
            ingram_order_date=dt.date(2024, 1, 2),
            ingram_order_date_between=(dt.date(2024, 1, 1), "2024-01-31"),
            customer_order_number="PO-1",
            end_customer_order_number="EPO-1",
            invoice_date_between=("2024-02-01", "2024-02-29"),
            ship_date_between=("2024-03-01", "2024-03-31"),
            delivery_date_between=("2024-04-01", "2024-04-30"),
            ingram_part_number="6YE881",
            vendor_part_number="VP-1",
            serial_number="SN1",
            tracking_number="1Z999",
            vendor_name="Cisco",
            special_bid_number="SB-1",
        ).collect()
    assert len(orders) == 3
    params = route.calls.last.request.url.params
    assert params.get_list("orderStatus-in") == ["SHIPPED", "BACKORDERED"]
    assert params.get_list("ingramOrderDate-bt") == ["2024-01-01", "2024-01-31"]
    assert params.get_list("invoiceDate_bt") == ["2024-02-01", "2024-02-29"]
    assert params.get_list("shipDate_bt") == ["2024-03-01", "2024-03-31"]
    assert params.get_list("deliveryDate_bt") == ["2024-04-01", "2024-04-30"]
    assert {k: params[k] for k in params if not k.endswith(("-in", "-bt", "_bt"))} == {
        "ingramOrderNumber": "20-RD3QV",
        "orderStatus": "ON HOLD",
        "ingramOrderDate": "2024-01-02",
        "customerOrderNumber": "PO-1",
        "endCustomerOrderNumber": "EPO-1",
        "ingramPartNumber": "6YE881",
        "vendorPartNumber": "VP-1",
        "serialNumber": "SN1",
        "trackingNumber": "1Z999",
        "vendorName": "Cisco",
        "specialBidNumber": "SB-1",
        "pageSize": "100",
        "pageNumber": "1",
    }
    assert (
        b"ON+HOLD" in route.calls.last.request.url.query
        or b"ON%20HOLD" in route.calls.last.request.url.query
    )


@pytest.mark.anyio
async def test_search_walks_pages_with_counts_as_strings(api: respx.MockRouter) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["pageNumber"])
        start = (number - 1) * 100
        return httpx.Response(200, json=page(range(start, min(start + 100, 250)), 250, number))

    route = api.get("/resellers/v6/orders/search").mock(side_effect=respond)
    async with make_client() as client:
        orders = [o async for o in client.search_orders(order_status="SHIPPED")]
    assert [o.ingram_order_number for o in orders] == [f"20-{n:05d}" for n in range(250)]
    assert [c.request.url.params["pageNumber"] for c in route.calls] == ["1", "2", "3"]
    assert orders[3].order_total == Decimal("3.25")


@pytest.mark.anyio
async def test_search_204_is_an_empty_result(api: respx.MockRouter) -> None:
    api.get("/resellers/v6/orders/search").respond(204)
    async with make_client() as client:
        assert await client.search_orders(vendor_name="Nobody").collect() == []
        assert [p async for p in client.search_orders(vendor_name="Nobody").pages()] == []


@pytest.mark.anyio
async def test_search_pages_are_typed(api: respx.MockRouter) -> None:
    api.get("/resellers/v6/orders/search").respond(200, json=page(range(2), 2, 1))
    async with make_client() as client:
        pages = [p async for p in client.search_orders().pages()]
    assert pages[0].records_found == 2
    assert pages[0].page_number == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"vendor_name": "x" * 36}, "vendor_name"),
        ({"ingram_order_number": "x" * 12}, "ingram_order_number"),
        ({"ingram_order_date_between": ("2024-01-01",)}, "ingram_order_date_between"),
        ({"ship_date_between": ("2024-01-01", "2024-01-02", "2024-01-03")}, "ship_date_between"),
        ({"invoice_date_between": ("2024-02-01", "2024-01-01")}, "invoice_date_between"),
        ({"delivery_date_between": ("2024-02-01", "soon")}, "delivery_date_between"),
        ({"order_status": ""}, "order_status"),
        ({"order_statuses": ["SHIPPED", ""]}, "order_statuses[1]"),
        ({"order_statuses": "SHIPPED"}, "order_statuses"),
        ({"limit": -1}, "limit"),
    ],
)
@pytest.mark.anyio
async def test_bad_search_filters_fail_before_the_network(
    api: respx.MockRouter, kwargs: dict[str, Any], field: str
) -> None:
    route = api.get("/resellers/v6/orders/search").respond(200, json=page(range(1), 1, 1))
    async with make_client() as client:
        with pytest.raises(ValidationError) as caught:
            client.search_orders(**kwargs)
    assert caught.value.field == field
    assert not route.called


# --- create, modify, release, cancel ----------------------------------------------------


def new_order(**kw: Any) -> OrderCreateRequest:
    return OrderCreateRequest(
        customer_order_number="PO-1001",
        lines=[
            OrderCreateLine(customer_line_number="001", ingram_part_number="6YE881", quantity=2)
        ],
        **kw,
    )


@pytest.mark.anyio
async def test_create_order_body_and_201(api: respx.MockRouter) -> None:
    route = api.post("/resellers/v6/orders").respond(
        201,
        json={
            "customerOrderNumber": "PO-1001",
            "orders": [{"ingramOrderNumber": "20-RC1RD", "orderTotal": 99.99, "lines": []}],
        },
    )
    async with make_client() as client:
        result = await client.create_order(new_order(customer_hold=True))
    body = json.loads(route.calls.last.request.content)
    assert body["customerOrderNumber"] == "PO-1001"
    assert body["lines"] == [
        {"customerLineNumber": "001", "ingramPartNumber": "6YE881", "quantity": 2}
    ]
    assert {"attributeName": "allowOrderOnCustomerHold", "attributeValue": "true"} in body[
        "additionalAttributes"
    ]
    assert result.orders[0].ingram_order_number == "20-RC1RD"
    assert result.orders[0].order_total == Decimal("99.99")
    assert not result.is_partial and result.rejected_lines == []
    assert result.response is not None and result.response.status_code == 201


@pytest.mark.anyio
async def test_create_order_207_exposes_rejected_lines(api: respx.MockRouter) -> None:
    api.post("/resellers/v6/orders").respond(
        207,
        json={
            "customerOrderNumber": "PO-1001",
            "orders": [
                {
                    "ingramOrderNumber": "20-RC1RD",
                    "lines": [{"ingramPartNumber": "6YE881"}],
                    "rejectedLineItems": [
                        {
                            "ingramPartNumber": "NOPE1",
                            "quantityOrdered": 1,
                            "rejectCode": "EC",
                            "rejectReason": "Invalid SKU",
                        }
                    ],
                }
            ],
        },
    )
    async with make_client() as client:
        result = await client.create_order(new_order())
    assert result.is_partial
    assert [r.ingram_part_number for r in result.rejected_lines] == ["NOPE1"]
    assert result.rejected_lines[0].reject_reason == "Invalid SKU"


@pytest.mark.anyio
async def test_create_order_rejects_a_dict_before_the_network(api: respx.MockRouter) -> None:
    route = api.post("/resellers/v6/orders").respond(201, json={})
    async with make_client() as client:
        with pytest.raises(ValidationError) as caught:
            await client.create_order({"customerOrderNumber": "PO"})  # type: ignore[arg-type]
    assert caught.value.field == "order" and not route.called


@pytest.mark.anyio
async def test_create_order_400_carries_the_fields(api: respx.MockRouter) -> None:
    api.post("/resellers/v6/orders").respond(
        400,
        json={
            "errors": [
                {
                    "id": "1",
                    "type": "Validation",
                    "message": "Bad request",
                    "fields": [
                        {"field": "customerOrderNumber", "message": "duplicate", "value": "PO-1001"}
                    ],
                }
            ]
        },
    )
    async with make_client() as client:
        with pytest.raises(BadRequestError) as caught:
            await client.create_order(new_order())
    assert caught.value.fields[0].field == "customerOrderNumber"
    assert caught.value.fields[0].value == "PO-1001"


@pytest.mark.anyio
async def test_create_order_v7(api: respx.MockRouter) -> None:
    route = api.post("/resellers/v7/orders").respond(
        200, json={"quoteNumber": "Q-1", "confirmationNumber": "C-42", "message": "accepted"}
    )
    async with make_client() as client:
        confirmation = await client.create_order_v7(
            OrderCreateV7Request(
                quote_number="Q-1",
                customer_order_number="PO-7",
                lines=[OrderCreateLine(ingram_part_number="6YE881", quantity=1)],
            )
        )
    assert json.loads(route.calls.last.request.content)["quoteNumber"] == "Q-1"
    assert confirmation.confirmation_number == "C-42"


@pytest.mark.anyio
async def test_modify_order_put_body_and_207(api: respx.MockRouter) -> None:
    route = api.put("/resellers/v6/orders/20-RC1RD").respond(
        207,
        json={
            "ingramOrderNumber": "20-RC1RD",
            "lines": [],
            "rejectedLineItems": [{"ingramPartNumber": "2GZ200", "rejectReason": "Invalid SKU"}],
        },
    )
    async with make_client() as client:
        result = await client.modify_order(
            "20-RC1RD",
            OrderModifyRequest(
                lines=[
                    OrderModifyLine(
                        customer_line_number="002",
                        ingram_part_number="2GZ200",
                        action="ADD",
                        quantity=2,
                    )
                ]
            ),
        )
    body = json.loads(route.calls.last.request.content)
    assert body == {
        "lines": [
            {
                "customerLineNumber": "002",
                "ingramPartNumber": "2GZ200",
                "addUpdateDeleteLine": "ADD",
                "quantity": 2,
            }
        ]
    }
    assert result.is_partial and result.rejected_lines[0].ingram_part_number == "2GZ200"


@pytest.mark.anyio
async def test_release_and_cancel(api: respx.MockRouter) -> None:
    release = api.put("/resellers/v6/orders/20-RC1RD").respond(
        200, json={"ingramOrderNumber": "20-RC1RD"}
    )
    cancel = api.delete("/resellers/v6/orders/20-RD128").respond(200)
    async with make_client() as client:
        released = await client.release_order("20-RC1RD", region_code="CS")
        cancelled = await client.cancel_order("20-RD128")
    assert dict(release.calls.last.request.url.params) == {
        "actionCode": "release",
        "regionCode": "CS",
    }
    assert released.ingram_order_number == "20-RC1RD"
    assert cancelled.status_code == 200
    assert cancelled.correlation_id == cancel.calls.last.request.headers["IM-CorrelationID"]


@pytest.mark.anyio
async def test_a_request_changed_after_it_was_built_is_checked_again(api: respx.MockRouter) -> None:
    route = api.post("/resellers/v6/orders").respond(201, json={})
    request = new_order()
    request.lines[0].quantity = 0  # attrs classes are mutable; the client re-validates
    async with make_client() as client:
        with pytest.raises(ValidationError) as caught:
            await client.create_order(request)
    assert caught.value.field == "lines[0].quantity"
    assert not route.called
