"""Fidelity to what the API really sends (issue 13): accepted creates never raise, status
spellings, serial and tracking number variants, v6.1 details without lines, and a suite
that needs nothing beside the repository."""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import respx
import spec_support
from spec_support import BUNDLED_SPEC, SpecNotFound, read_spec, response_examples

from tests.conftest import make_client
from xi_orders import OrderStatus, ValidationError
from xi_orders._convert import structure
from xi_orders.models import (
    OrderCreateLine,
    OrderCreateRequest,
    OrderCreateResponse,
    OrderCreateV7Request,
    OrderDetail,
    OrderModifyLine,
    OrderModifyRequest,
    OrderModifyResponse,
    OrderStatusEvent,
    OrderStatusLine,
    OrderSummary,
)


def v6_order() -> OrderCreateRequest:
    return OrderCreateRequest(
        customer_order_number="PO-1001",
        lines=[OrderCreateLine(customer_line_number="1", ingram_part_number="6YE881", quantity=2)],
    )


def v7_order() -> OrderCreateV7Request:
    return OrderCreateV7Request(
        customer_order_number="PO-1001",
        lines=[OrderCreateLine(customer_line_number="1", ingram_part_number="6YE881", quantity=2)],
    )


def modify_changes() -> OrderModifyRequest:
    return OrderModifyRequest(
        lines=[OrderModifyLine(action="UPDATE", ingram_line_number="001", quantity=3)]
    )


def spec_example(operation_id: str, status: str, name: str) -> Any:
    for e in response_examples(spec_support.load_spec()):
        if (e.operation_id, e.status, e.name) == (operation_id, status, name):
            return e.value
    raise LookupError(f"{operation_id} {status} {name}")


# --- 2. an accepted create or modify never raises a decode error --------------------------


@pytest.mark.anyio
async def test_v7_create_201_with_the_specs_event_list_is_an_accepted_order(
    api: respx.MockRouter,
) -> None:
    body = spec_example("post-createorder_v7", "201", "Webhook Response")
    assert isinstance(body, list)
    api.post("/resellers/v7/orders").respond(201, json=body)
    async with make_client() as client:
        result = await client.create_order_v7(v7_order())
    assert result.response is not None and result.response.status_code == 201
    assert result.decode_problem is None
    assert result.raw_body == body
    assert len(result.events) == len(body)
    assert result.order_numbers == [
        o["ingramOrderNumber"] for e in body for o in e["resource"]["orders"]
    ]
    assert result.order_numbers  # the example does report orders


@pytest.mark.anyio
async def test_v7_create_200_confirmation_still_decodes(api: respx.MockRouter) -> None:
    body = spec_example("post-createorder_v7", "200", "Success Response")
    api.post("/resellers/v7/orders").respond(200, json=body)
    async with make_client() as client:
        result = await client.create_order_v7(v7_order())
    assert result.confirmation_number == "US-I-T-24032926562341102332"
    assert result.events == [] and result.decode_problem is None and not result.is_partial
    assert result.raw_body == body


@pytest.mark.anyio
async def test_v7_create_with_unreadable_list_items_keeps_what_decodes(
    api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    body = [{"topic": "resellers/orders", "resource": {"orders": [{"ingramOrderNumber": "1"}]}}, 7]
    api.post("/resellers/v7/orders").respond(201, json=body)
    async with make_client() as client:
        with caplog.at_level(logging.WARNING, logger="xi_orders"):
            result = await client.create_order_v7(v7_order())
    assert result.order_numbers == ["1"]
    assert result.decode_problem is not None and "[1]" in result.decode_problem
    assert result.raw_body == body
    assert any("partly decoded" in r.getMessage() for r in caplog.records)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "status", "send"),
    [
        ("/resellers/v6/orders", 201, "create"),
        ("/resellers/v7/orders", 200, "create_v7"),
        ("/resellers/v6/orders/20-RD3QV", 200, "modify"),
    ],
)
async def test_a_2xx_that_is_not_json_is_accepted_not_an_error(
    api: respx.MockRouter, path: str, status: int, send: str
) -> None:
    method = "PUT" if send == "modify" else "POST"
    route = api.route(method=method, path=path).respond(status, text="<html>accepted</html>")
    async with make_client() as client:
        result: Any
        if send == "create":
            result = await client.create_order(v6_order())
        elif send == "create_v7":
            result = await client.create_order_v7(v7_order())
        else:
            result = await client.modify_order("20-RD3QV", modify_changes())
    assert route.call_count == 1  # never sent twice
    assert result.response.status_code == status
    assert result.response.correlation_id
    assert result.raw_body == "<html>accepted</html>"
    assert result.decode_problem == "the response body is not JSON"


@pytest.mark.anyio
async def test_a_2xx_with_an_empty_or_list_body_is_accepted(api: respx.MockRouter) -> None:
    api.post("/resellers/v6/orders").respond(201)
    api.put("/resellers/v6/orders/20-RD3QV").respond(
        200, json=[{"ingramOrderNumber": "20-RD3QV", "orderTotal": "10.00"}]
    )
    async with make_client() as client:
        created = await client.create_order(v6_order())
        modified = await client.modify_order("20-RD3QV", modify_changes())
    assert created.decode_problem == "the response body is empty" and created.orders == []
    assert modified.ingram_order_number == "20-RD3QV" and modified.decode_problem is None


@pytest.mark.anyio
async def test_v6_create_2xx_with_an_errors_array_is_partial(api: respx.MockRouter) -> None:
    body = {
        "customerOrderNumber": "PO-1001",
        "errors": [
            {
                "id": "E1",
                "type": "/errors/validation-failed",
                "message": "line 1: SKU not orderable",
                "fields": [{"field": "ingramPartNumber", "message": "blocked", "value": "6YE881"}],
            }
        ],
    }
    api.post("/resellers/v6/orders").respond(201, json=body)
    async with make_client() as client:
        result = await client.create_order(v6_order())
    assert result.is_partial
    assert [e.message for e in result.errors] == ["line 1: SKU not orderable"]
    assert result.errors[0].fields[0].field == "ingramPartNumber"
    assert result.errors[0].fields[0].value == "6YE881"
    assert result.orders == [] and result.decode_problem is None


@pytest.mark.anyio
async def test_modify_2xx_with_an_errors_array_is_partial(api: respx.MockRouter) -> None:
    api.put("/resellers/v6/orders/20-RD3QV").respond(
        200, json={"ingramOrderNumber": "20-RD3QV", "errors": [{"message": "address not changed"}]}
    )
    async with make_client() as client:
        result = await client.modify_order("20-RD3QV", modify_changes())
    assert result.is_partial and result.errors[0].message == "address not changed"


ERRORS_SHAPES = [
    ({"errors": ["SKU blocked"]}, ["SKU blocked"]),
    ({"errors": ["SKU blocked", "ship-to truncated"]}, ["SKU blocked", "ship-to truncated"]),
    ({"errors": "SKU blocked"}, ["SKU blocked"]),
    ({"Errors": [{"id": "E1", "message": "SKU blocked"}]}, ["SKU blocked"]),
    ({"Errors": ["SKU blocked"]}, ["SKU blocked"]),
    ({"ERRORS": "SKU blocked"}, ["SKU blocked"]),
    (
        {"errors": [{"message": "SKU blocked"}, "ship-to truncated"]},
        ["SKU blocked", "ship-to truncated"],
    ),
    ({"errors": {"message": "SKU blocked"}}, ["SKU blocked"]),
]
ERRORS_IDS = [
    "strings",
    "two-strings",
    "string",
    "Errors-objects",
    "Errors-strings",
    "ERRORS-string",
    "mixed-list",
    "one-object",
]


@pytest.mark.anyio
@pytest.mark.parametrize(("errors", "messages"), ERRORS_SHAPES, ids=ERRORS_IDS)
async def test_v6_create_2xx_with_errors_in_any_shape_is_partial(
    api: respx.MockRouter, errors: dict[str, Any], messages: list[str]
) -> None:
    api.post("/resellers/v6/orders").respond(201, json={"customerOrderNumber": "PO-1001", **errors})
    async with make_client() as client:
        result = await client.create_order(v6_order())
    assert result.is_partial and result.orders == []
    assert [e.message for e in result.errors] == messages
    assert result.decode_problem is None
    assert not any(key.lower() == "errors" for key in result.extras)  # typed, not kept twice
    assert result.raw_body == {"customerOrderNumber": "PO-1001", **errors}  # as sent


@pytest.mark.anyio
@pytest.mark.parametrize(("errors", "messages"), ERRORS_SHAPES, ids=ERRORS_IDS)
async def test_modify_and_v7_2xx_with_errors_in_any_shape_are_partial(
    api: respx.MockRouter, errors: dict[str, Any], messages: list[str]
) -> None:
    api.put("/resellers/v6/orders/20-RD3QV").respond(
        200, json={"ingramOrderNumber": "20-RD3QV", **errors}
    )
    api.post("/resellers/v7/orders").respond(200, json={"confirmationNumber": "C1", **errors})
    async with make_client() as client:
        modified = await client.modify_order("20-RD3QV", modify_changes())
        confirmed = await client.create_order_v7(v7_order())
    assert modified.is_partial and [e.message for e in modified.errors] == messages
    assert confirmed.is_partial and [e.message for e in confirmed.errors] == messages


@pytest.mark.anyio
@pytest.mark.parametrize(("errors", "messages"), ERRORS_SHAPES, ids=ERRORS_IDS)
async def test_v7_201_events_with_errors_in_any_shape_are_partial(
    api: respx.MockRouter, errors: dict[str, Any], messages: list[str]
) -> None:
    body = copy.deepcopy(spec_example("post-createorder_v7", "201", "Webhook Response"))
    body[0]["resource"].update(errors)
    api.post("/resellers/v7/orders").respond(201, json=body)
    async with make_client() as client:
        result = await client.create_order_v7(v7_order())
    resource = result.events[0].resource
    assert resource is not None and [e.message for e in resource.errors] == messages
    assert result.is_partial and result.decode_problem is None


@pytest.mark.anyio
@pytest.mark.parametrize("errors", [None, [], "", "  ", 0, False, [None]])
async def test_an_errors_key_that_reports_nothing_is_not_partial(
    api: respx.MockRouter, errors: Any
) -> None:
    api.post("/resellers/v6/orders").respond(
        201, json={"orders": [{"ingramOrderNumber": "20-RD3QV"}], "errors": errors}
    )
    async with make_client() as client:
        result = await client.create_order(v6_order())
    assert not result.is_partial and result.errors == []
    assert result.order_numbers == ["20-RD3QV"]


# --- 3. statuses, whatever the spelling ----------------------------------------------------

SPELLINGS = [
    ("SHIPPED", OrderStatus.SHIPPED),
    ("Shipped", OrderStatus.SHIPPED),
    ("CANCELLED", OrderStatus.CANCELLED),
    ("Canceled", OrderStatus.CANCELLED),
    ("im::hold", OrderStatus.ON_HOLD),
    ("IM::PARTIALLY_SHIPPED", OrderStatus.PARTIALLY_SHIPPED),
    ("ON HOLD", OrderStatus.ON_HOLD),
    ("OPEN", OrderStatus.OPEN),
    ("CLOSED", OrderStatus.CLOSED),
    ("INVOICED", OrderStatus.INVOICED),
    ("DELIVERED", OrderStatus.DELIVERED),
    ("E-DELIVERED", OrderStatus.E_DELIVERED),
    ("PARTIALLY SHIPPED", OrderStatus.PARTIALLY_SHIPPED),
    ("PARTIALLY DELIVERED", OrderStatus.PARTIALLY_DELIVERED),
    ("In Progress", OrderStatus.IN_PROGRESS),
    ("ORDER NOT PRINTED", OrderStatus.ORDER_NOT_PRINTED),
    ("REJECTED", OrderStatus.REJECTED),
    ("BACKORDERED", OrderStatus.BACKORDERED),
    ("PROCESSING", OrderStatus.PROCESSING),
    ("Lost in space", OrderStatus.UNKNOWN),
]


@pytest.mark.parametrize(("raw", "expected"), SPELLINGS)
def test_every_status_spelling_normalises_and_the_raw_string_stays(
    raw: str, expected: OrderStatus
) -> None:
    detail = structure(
        {
            "ingramOrderNumber": "20-RD3QV",
            "orderStatus": raw,
            "lines": [{"lineStatus": raw, "ingramOrderLineNumber": "001"}],
        },
        OrderDetail,
    )
    assert detail.status is expected and detail.order_status == raw
    assert detail.lines[0].status is expected and detail.lines[0].line_status == raw
    summary = structure(
        {
            "orderStatus": raw,
            "subOrders": [{"subOrderNumber": "20-RD3QV-11", "subOrderStatus": raw}],
        },
        OrderSummary,
    )
    assert summary.status is expected and summary.order_status == raw
    assert summary.sub_orders[0].status is expected
    assert summary.sub_orders[0].sub_order_status == raw
    modified = structure({"orderStatus": raw}, OrderModifyResponse)
    assert modified.status is expected
    created = structure({"orders": [{"lines": [{"lineStatus": raw}]}]}, OrderCreateResponse)
    assert created.orders[0].lines[0].status is expected


@pytest.mark.parametrize(("raw", "expected"), SPELLINGS)
def test_every_model_with_a_status_keeps_the_raw_string_beside_it(
    raw: str, expected: OrderStatus
) -> None:
    """``.status_raw`` is the string behind ``.status`` on every model that has one, the
    status-webhook line included; it is the only way to an ``UNKNOWN`` status's value."""
    detail = structure(
        {"orderStatus": raw, "lines": [{"lineStatus": raw, "ingramOrderLineNumber": "001"}]},
        OrderDetail,
    )
    summary = structure(
        {"orderStatus": raw, "subOrders": [{"subOrderNumber": "20-1-11", "subOrderStatus": raw}]},
        OrderSummary,
    )
    modified = structure({"orderStatus": raw}, OrderModifyResponse)
    created = structure({"orders": [{"lines": [{"lineStatus": raw}]}]}, OrderCreateResponse)
    event = structure(
        {
            "topic": "resellers/orders",
            "eventId": "E1",
            "resource": [{"eventType": "IM::ORDER_SHIPPED", "lines": [{"lineStatus": raw}]}],
        },
        OrderStatusEvent,
    )
    models: list[Any] = [
        detail,
        detail.lines[0],
        summary,
        summary.sub_orders[0],
        modified,
        created.orders[0].lines[0],
        event.resource[0].lines[0],
    ]
    for model in models:
        assert model.status is expected, type(model).__name__
        assert model.status_raw == raw, type(model).__name__


def test_a_status_webhook_lines_status_is_normalised() -> None:
    line = structure({"lineStatus": "Canceled"}, OrderStatusLine)
    assert line.status is OrderStatus.CANCELLED and line.status_raw == "Canceled"
    assert structure({}, OrderStatusLine).status is None


def test_no_status_is_none_not_unknown() -> None:
    assert structure({}, OrderDetail).status is None
    assert structure({"orderStatus": ""}, OrderSummary).status is None
    assert OrderStatus.parse("  ") is None


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("Canceled", "CANCELLED"),
        ("on hold", "ON HOLD"),
        ("im::hold", "ON HOLD"),
        (OrderStatus.SHIPPED, "SHIPPED"),
        ("Invoiced", "INVOICED"),
        ("E-Delivered", "E-DELIVERED"),
        ("Awaiting Vendor", "Awaiting Vendor"),  # not known: sent as given
    ],
)
async def test_status_filters_accept_any_spelling_and_send_the_apis(
    api: respx.MockRouter, given: Any, sent: str
) -> None:
    route = api.get("/resellers/v6/orders/search").respond(204)
    async with make_client() as client:
        await client.search_orders(order_status=given).collect()
        await client.search_orders(order_statuses=[given, "backordered"]).collect()
    first, second = route.calls
    assert first.request.url.params.get_list("orderStatus") == [sent]
    assert second.request.url.params.get_list("orderStatus-in") == [sent, "BACKORDERED"]


@pytest.mark.anyio
@pytest.mark.parametrize("bad", ["", "   ", OrderStatus.UNKNOWN, 3])
async def test_status_filters_still_reject_what_is_no_status(
    api: respx.MockRouter, bad: Any
) -> None:
    route = api.get("/resellers/v6/orders/search").respond(204)
    async with make_client() as client:
        with pytest.raises(ValidationError) as caught:
            client.search_orders(order_statuses=["SHIPPED", bad])
    assert caught.value.field == "order_statuses[1]"
    assert "OrderStatus" in caught.value.reason  # the new message: an enum or any string
    assert not route.called


# --- 4. serial and tracking number variants ------------------------------------------------


def detail_with_package(package: dict[str, Any], **line: Any) -> OrderDetail:
    return structure(
        {
            "ingramOrderNumber": "20-RD3QV",
            "lines": [
                {
                    "ingramOrderLineNumber": "001",
                    "shipmentDetails": [{"carrierDetails": [{"trackingDetails": [package]}]}],
                    **line,
                }
            ],
        },
        OrderDetail,
    )


@pytest.mark.parametrize(
    "package",
    [
        {"SerialNumbers": [{"serialNumber": "SN1"}, {"serialNumber": "SN2"}]},
        {"serialnumbers": [{"serialNumber": "SN1"}, {"serialNumber": "SN2"}]},
        {"serialNumbers": [{"SerialNumber": "SN1"}, {"serialnumber": "SN2"}]},
        {"SerialNumbers": ["SN1", "SN2"]},
        {"serial_numbers": [{"serial_number": "SN1"}, {"serialNumber": "SN2"}]},
    ],
    ids=["SerialNumbers", "serialnumbers", "entry-key-case", "strings", "snake_case"],
)
def test_serial_number_variants_are_read(package: dict[str, Any]) -> None:
    order = detail_with_package({"trackingNumber": "1Z1", **package})
    assert order.serial_numbers() == ["SN1", "SN2"]
    assert order.lines[0].serial_numbers() == ["SN1", "SN2"]


def test_serial_numbers_on_the_line_itself_are_read() -> None:
    order = detail_with_package({"trackingNumber": "1Z1"}, SerialNumbers=[{"serialNumber": "L1"}])
    assert order.serial_numbers() == ["L1"]


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("1Z1, 1Z2", ["1Z1", "1Z2"]),
        ("1Z1,1Z2;1Z3", ["1Z1", "1Z2", "1Z3"]),
        ("1Z999AA10123456784 1Z999AA10123456785", ["1Z999AA10123456784", "1Z999AA10123456785"]),
        ("1Z999AA10123456784  ,  390064340282", ["1Z999AA10123456784", "390064340282"]),
        ("1Z 999 AA1 01 2345 6784", ["1Z 999 AA1 01 2345 6784"]),  # one number, spaced
        # The whitespace guard at its boundary: pieces of 8 or more split, 7 or fewer are
        # the print groups of one number (a lone short piece keeps the whole value whole).
        ("12345678 87654321", ["12345678", "87654321"]),
        ("1234567 7654321", ["1234567 7654321"]),
        ("12345678 7654321", ["12345678 7654321"]),
        ("1Z1 1Z2", ["1Z1 1Z2"]),
        ("1Z1 1Z2, 1Z3", ["1Z1 1Z2", "1Z3"]),
        ("7489 2348 2398", ["7489 2348 2398"]),  # FedEx, printed in groups of 4
        ("9400 1000 0000 0000 0000 00", ["9400 1000 0000 0000 0000 00"]),  # USPS
        ("1Z999AA10123456784\t1Z999AA10123456785", ["1Z999AA10123456784", "1Z999AA10123456785"]),
    ],
    ids=[
        "comma-space",
        "comma-semicolon",
        "spaces",
        "padded-comma",
        "one-spaced-number",
        "eight-splits",
        "seven-stays",
        "one-short-piece-stays",
        "1Z1-1Z2-stays",
        "short-pieces-then-comma",
        "fedex-groups",
        "usps-groups",
        "tab",
    ],
)
def test_tracking_numbers_holding_several_are_split(wire: str, expected: list[str]) -> None:
    order = detail_with_package({"trackingNumber": wire})
    assert order.tracking_numbers() == expected
    assert order.lines[0].tracking_numbers() == expected


def test_tracking_number_key_variant_is_read() -> None:
    order = detail_with_package({"TrackingNumber": "1Z1, 1Z2"})
    assert order.tracking_numbers() == ["1Z1", "1Z2"]


# --- 5. v6.1 details without lines -----------------------------------------------------------


@pytest.mark.anyio
async def test_details_without_lines_are_flagged_and_logged(
    api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    api.get("/resellers/v6.1/orders/20-RD3QV").respond(
        200, json={"ingramOrderNumber": "20-RD3QV", "orderTotal": "120.50", "lines": []}
    )
    api.get("/resellers/v6.1/orders/20-RD3QW").respond(
        200, json={"ingramOrderNumber": "20-RD3QW", "lines": [{"ingramOrderLineNumber": "001"}]}
    )
    async with make_client() as client:
        with caplog.at_level(logging.DEBUG, logger="xi_orders"):
            empty = await client.get_order("20-RD3QV")
            full = await client.get_order("20-RD3QW")
    assert empty.lines_missing and not full.lines_missing
    flagged = [r for r in caplog.records if "without lines" in r.getMessage()]
    assert len(flagged) == 1 and "20-RD3QV" in flagged[0].getMessage()
    assert flagged[0].levelno == logging.DEBUG


def test_lines_missing_when_lines_are_absent_or_untypeable() -> None:
    assert structure({"ingramOrderNumber": "20-RD3QV"}, OrderDetail).lines_missing
    assert structure({"ingramOrderNumber": "20-RD3QV", "lines": "n/a"}, OrderDetail).lines_missing
    assert not structure({}, OrderDetail).lines_missing  # no order at all


# --- 6. the spec ships with the tests ------------------------------------------------------


def test_the_spec_is_bundled_with_its_licence_and_provenance() -> None:
    folder = BUNDLED_SPEC.parent
    assert BUNDLED_SPEC.is_file() and (folder / "LICENSE").is_file()
    assert "MIT License" in (folder / "LICENSE").read_text(encoding="utf-8")
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for fact in (
        "ingrammicro-xvantage/xi-sdk-openapispec",
        "openapispec/unified/XI-Resellers-API-Spec.json",
        "3b3df918",
    ):
        assert fact in readme
    digest = hashlib.sha256(BUNDLED_SPEC.read_bytes()).hexdigest()
    assert digest in readme  # the copy is the one the README describes


def test_the_spec_is_read_from_the_repository_unless_overridden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("XI_SPEC_PATH", raising=False)
    assert spec_support.spec_path() == BUNDLED_SPEC
    assert Path(spec_support.REPO) in BUNDLED_SPEC.parents
    monkeypatch.setenv("XI_SPEC_PATH", "/elsewhere/spec.json")
    assert spec_support.spec_path() == Path("/elsewhere/spec.json")


def test_a_missing_spec_is_an_error_not_a_skip(tmp_path: Path) -> None:
    with pytest.raises(SpecNotFound, match="could not be read"):
        read_spec(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(SpecNotFound, match="not an OpenAPI"):
        read_spec(tmp_path / "bad.json")
    assert not issubclass(SpecNotFound, pytest.skip.Exception)


def test_the_spec_tests_fail_rather_than_skip_when_the_spec_is_missing(tmp_path: Path) -> None:
    """Point the loader at a missing file (as on a clone without ``../shared``): the spec
    tests error out, and none is skipped for want of the spec."""
    env = {**os.environ, "XI_SPEC_PATH": str(tmp_path / "missing.json")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rs",
            "tests/test_error_examples.py",
            "tests/test_models_examples.py",
            "tests/test_models_requests.py",
        ],
        cwd=spec_support.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0, done.stdout[-2000:]
    assert "SpecNotFound" in done.stdout
    assert "skipped" not in done.stdout.lower(), done.stdout[-2000:]
