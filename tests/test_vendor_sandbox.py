"""Vendor-required fields from asking to placing, against the sandbox: ask, fill, create
(v7 and v6), placed; without the fields the API's 400 names them; the pre-flight names them
before any create is sent. The sync client, raw responses, faults, rate limits and the CLI
over the served sandbox."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from xi_orders import AsyncOrdersClient, BadRequestError, RetryPolicy, vendor_fields
from xi_orders.errors import ValidationError
from xi_orders.models import (
    AdditionalAttribute,
    OrderCreateLine,
    OrderCreateRequest,
    OrderCreateV7Line,
    OrderCreateV7Request,
    Period,
    VendorProduct,
    VendorRequiredInfo,
)
from xi_orders.sync import OrdersClient
from xi_orders.testing import ENDPOINTS, Sandbox

SOFTWARE, WARRANTY, PLAN_PART, PLAN = "ZS4101", "ZW4102", "ZC4103", "610301"
TENANT = {
    "tier1_mpn": "5210417",
    "tenant_preference": "existing",
    "microsoft_domain": "contoso",
    "relationship_url": "yes",
}
SOFTWARE_ANSWERS = {"END_USER_EMAIL": "it@contoso.example", "VEND_AUTH_NBR": "VA-1"}


def _plan_line(**changes: Any) -> OrderCreateV7Line:
    values: dict[str, Any] = {
        "customer_line_number": "1",
        "plan_id": PLAN,
        "quantity": 5,
        "subscription_period": [Period.years(1)],
        "billing_period": [Period.months(1)],
    }
    values.update(changes)
    return OrderCreateV7Line(**values)


def test_the_catalog_shows_which_items_need_vendor_fields() -> None:
    catalog = Sandbox().catalog
    needing = {p: item for p, item in catalog.items() if item.vendor_fields}
    assert set(needing) == {SOFTWARE, WARRANTY, PLAN_PART, "ZC4104"}
    assert (
        catalog[PLAN_PART].plan_id == PLAN
        and ("Years", 1) in catalog[PLAN_PART].subscription_periods
    )
    assert [k for k, _ in catalog[SOFTWARE].vendor_fields] == ["vmf"]
    assert [k for k, _ in catalog[PLAN_PART].vendor_fields] == ["vri"]
    # the seeded catalogue and its orders are as they were: the items come after them
    assert list(catalog)[-4:] == [SOFTWARE, WARRANTY, PLAN_PART, "ZC4104"]


@pytest.mark.anyio
async def test_ask_fill_create_v7_placed() -> None:
    sandbox = Sandbox()
    async with sandbox.client(sender_id="ME") as client:
        info = await client.get_vendor_required_info(
            [SOFTWARE, VendorProduct(plan_id=PLAN)], correlation_id="vri-1"
        )
        assert isinstance(info, VendorRequiredInfo) and info.response is not None
        assert info.response.correlation_id == "vri-1" and info.response.status_code == 200
        software, plan = info
        assert plan.plan_name == "Microsoft 365 Business Basic (NCE COM MTH)"
        assert [f.name for f in vendor_fields.fields_to_fill(plan, TENANT)] == list(TENANT)
        request = OrderCreateV7Request(
            customer_order_number="PO-VRI-1",
            lines=[
                _plan_line(vri_additional_attributes=vendor_fields.answer_groups(plan, TENANT)),
                OrderCreateV7Line(
                    customer_line_number="2",
                    ingram_part_number=SOFTWARE,
                    quantity=1,
                    vmf_additional_attributes=vendor_fields.answer_attributes(
                        software, SOFTWARE_ANSWERS
                    ),
                ),
            ],
        )
        confirmation = await client.create_order_v7(request, check_vendor_fields=True)
        assert confirmation.confirmation_number
        found = await client.search_orders(customer_order_number="PO-VRI-1").collect()
        assert len(found) == 1
        order = await client.get_order(found[0].ingram_order_number or "")
        assert sorted(line.ingram_part_number or "" for line in order.lines) == [
            PLAN_PART,
            SOFTWARE,
        ]
    assert sandbox.counters.requests["get_vendor_required_info"] == 2  # the ask, the pre-flight
    assert sandbox.counters.requests["create_order_v7"] == 1


@pytest.mark.anyio
async def test_without_the_fields_the_api_answers_400_naming_them() -> None:
    sandbox = Sandbox()
    async with sandbox.client(sender_id="ME") as client:
        request = OrderCreateV7Request(
            customer_order_number="PO-VRI-2",
            lines=[
                _plan_line(),
                OrderCreateV7Line(
                    customer_line_number="2", ingram_part_number=WARRANTY, quantity=1
                ),
            ],
        )
        with pytest.raises(BadRequestError) as error:
            await client.create_order_v7(request)
        named = [f.field for f in error.value.fields]
        assert named == [
            "lines[0].vriAdditionalAttributes.tier1_mpn",
            "lines[0].vriAdditionalAttributes.tenant_preference",
            "lines[1].vmfAdditionalAttributesLines.HW_SERIAL_NUMBER",
            "lines[1].vmfAdditionalAttributesLines.COVERAGE_START",
        ]
        # a chosen branch brings in its own questions; a value outside the choices is named
        (plan,) = await client.get_vendor_required_info([VendorProduct(plan_id=PLAN)])
        request.lines[0].vri_additional_attributes = vendor_fields.answer_groups(
            plan, {"tier1_mpn": "1", "tenant_preference": "new"}, partial=True
        )
        request.lines[1].vmf_additional_attributes = [
            AdditionalAttribute(name="HW_SERIAL_NUMBER", value="SN1"),
            AdditionalAttribute(name="COVERAGE_START", value="tomorrow"),
        ]
        with pytest.raises(BadRequestError) as error:
            await client.create_order_v7(request)
        named = [f.field for f in error.value.fields]
        assert "lines[0].vriAdditionalAttributes.microsoft_domain" in named
        assert "lines[0].vriAdditionalAttributes.mca_acceptance" in named
        assert "lines[1].vmfAdditionalAttributesLines.COVERAGE_START" in named
        # a period the plan does not offer
        request.lines[0].subscription_period = [Period.years(2)]
        with pytest.raises(BadRequestError) as error:
            await client.create_order_v7(request)
        assert "lines[0].subscriptionPeriod" in [f.field for f in error.value.fields]
    assert sandbox.counters.orders_created == 0


@pytest.mark.anyio
async def test_the_pre_flight_names_them_before_any_create_is_sent() -> None:
    sandbox = Sandbox()
    async with sandbox.client(sender_id="ME") as client:
        request = OrderCreateV7Request(
            customer_order_number="PO-VRI-3",
            lines=[
                _plan_line(
                    vri_additional_attributes=vendor_fields.answer_groups(
                        (await client.get_vendor_required_info([VendorProduct(plan_id=PLAN)]))[0],
                        {"tier1_mpn": "1", "tenant_preference": "existing"},
                        partial=True,
                    )
                ),
                OrderCreateV7Line(
                    customer_line_number="2", ingram_part_number=SOFTWARE, quantity=1
                ),
                OrderCreateV7Line(
                    customer_line_number="3",
                    ingram_part_number=next(iter(sandbox.catalog)),
                    quantity=1,
                ),
            ],
        )
        with pytest.raises(vendor_fields.MissingVendorFieldsError) as error:
            await client.create_order_v7(request, check_vendor_fields=True, correlation_id="pf-1")
    assert [m.field for m in error.value.missing] == [
        "lines[0].vri_additional_attributes.microsoft_domain",
        "lines[0].vri_additional_attributes.relationship_url",
        "lines[1].vmf_additional_attributes.END_USER_EMAIL",
        "lines[1].vmf_additional_attributes.VEND_AUTH_NBR",
    ]
    assert isinstance(error.value, ValidationError)
    assert "line 2 (ZS4101): END_USER_EMAIL, VEND_AUTH_NBR" in str(error.value)
    assert sandbox.counters.requests["create_order_v7"] == 0  # nothing was sent to create
    assert sandbox.counters.requests["get_vendor_required_info"] == 2
    log = [r for r in sandbox.request_log if r.endpoint == "get_vendor_required_info"]
    assert log[-1].correlation_id == "pf-1-vri"


@pytest.mark.anyio
async def test_v6_creates_answer_in_additional_attributes() -> None:
    sandbox = Sandbox()
    async with sandbox.client(sender_id="ME") as client:
        (software,) = await client.get_vendor_required_info([SOFTWARE])
        line = OrderCreateLine(customer_line_number="1", ingram_part_number=SOFTWARE, quantity=1)
        request = OrderCreateRequest(customer_order_number="PO-VRI-6", lines=[line])
        with pytest.raises(vendor_fields.MissingVendorFieldsError) as missing:
            await client.create_order(request, check_vendor_fields=True)
        assert missing.value.field == "lines[0].additional_attributes.END_USER_EMAIL"
        assert sandbox.counters.requests["create_order"] == 0
        with pytest.raises(BadRequestError) as error:
            await client.create_order(request)
        assert [f.field for f in error.value.fields] == [
            "lines[0].additionalAttributes.END_USER_EMAIL",
            "lines[0].additionalAttributes.VEND_AUTH_NBR",
        ]
        line.additional_attributes = vendor_fields.answer_attributes(software, SOFTWARE_ANSWERS)
        result = await client.create_order(request, check_vendor_fields=True)
        assert result.orders and not result.is_partial
        # a cloud plan is ordered with v7 only
        plan_line = OrderCreateLine(
            customer_line_number="1", ingram_part_number=PLAN_PART, quantity=1
        )
        with pytest.raises(BadRequestError, match="ordered with /resellers/v7/orders"):
            await client.create_order(
                OrderCreateRequest(customer_order_number="PO-VRI-7", lines=[plan_line])
            )


@pytest.mark.anyio
async def test_sender_id_is_required_before_anything_is_sent() -> None:
    sandbox = Sandbox()
    async with sandbox.client() as client:
        with pytest.raises(ValidationError) as error:
            await client.get_vendor_required_info([SOFTWARE])
        assert error.value.field == "sender_id"
    assert sandbox.counters.requests["get_vendor_required_info"] == 0
    assert sandbox.counters.requests["token"] == 0
    # the API itself refuses a request without IM-SenderID (a client that skips the check)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox") as http:
        token = (
            await http.post(
                "/oauth/oauth30/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": sandbox.client_id,
                    "client_secret": sandbox.client_secret,
                },
            )
        ).json()["access_token"]
        headers = {
            "Authorization": f"Bearer {token}",
            "IM-CustomerNumber": sandbox.customer_number,
            "IM-CountryCode": sandbox.country_code,
            "IM-CorrelationID": "no-sender",
        }
        body = {"products": [{"ingramPartNumber": SOFTWARE}]}
        answer = await http.post("/resellers/v7/vendorrequiredinfo", json=body, headers=headers)
        assert answer.status_code == 400
        assert [f["field"] for f in answer.json()["fields"]] == ["IM-SenderID"]
        headers["IM-SenderID"] = "ME"
        answer = await http.post("/resellers/v7/vendorrequiredinfo", json=body, headers=headers)
        assert answer.status_code == 200


@pytest.mark.anyio
async def test_faults_and_rate_limits_cover_the_endpoint_and_reads_are_retried() -> None:
    assert "get_vendor_required_info" in ENDPOINTS
    sandbox = Sandbox(rate_limit={"get_vendor_required_info": 7}, rate_limit_window=1.0)
    sandbox.inject("server_error", endpoint="get_vendor_required_info")
    sandbox.inject("rate_limit", endpoint="get_vendor_required_info")
    sandbox.inject("drop_before", endpoint="get_vendor_required_info")
    retry = RetryPolicy(attempts=4, wait_initial=0.01, wait_max=0.02)
    async with sandbox.client(sender_id="ME", retry=retry) as client:
        # a POST that only reads: retried like a GET (a create never is)
        raw = await client.with_raw_response.get_vendor_required_info([SOFTWARE])
        assert raw.parse()[0].needs_fields
        assert raw.headers["X-RateLimit-Limit"] == "7"
    log = [r for r in sandbox.request_log if r.endpoint == "get_vendor_required_info"]
    assert [(r.status, r.fault) for r in log] == [
        (500, "server_error"),
        (429, "rate_limit"),
        (None, "drop_before"),
        (200, None),
    ]


# --- over the served sandbox: the sync client and the command line ---------------------


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, str]]:
    box = Sandbox()
    with box.serve() as url:
        yield box, url


def test_sync_client_and_raw_responses_over_the_served_sandbox(served: tuple[Sandbox, str]) -> None:
    box, url = served
    ours = inspect.signature(OrdersClient.get_vendor_required_info).parameters
    assert list(ours) == list(
        inspect.signature(AsyncOrdersClient.get_vendor_required_info).parameters
    )
    box.inject("drop_after", endpoint="get_vendor_required_info")  # over a real socket
    retry = RetryPolicy(attempts=3, wait_initial=0.01, wait_max=0.02)
    served_client = box.client(base_url=url, transport=None, sender_id="ME", retry=retry)
    with OrdersClient.wrap(served_client) as client:
        info = client.get_vendor_required_info([VendorProduct(plan_id=PLAN), "NOPE99"])
        dropped = [r for r in box.request_log if r.fault == "drop_after"]
        assert [r.endpoint for r in dropped] == ["get_vendor_required_info"]  # and retried
        assert info[0].plan_id == PLAN and info[1].response_messages
        raw = client.with_raw_response.get_vendor_required_info([SOFTWARE])
        assert raw.status_code == 200 and raw.headers["IM-CorrelationID"]
        assert json.loads(raw.content)[0]["ingramPartNumber"] == SOFTWARE
        (software,) = raw.parse()
        request = OrderCreateV7Request(
            customer_order_number="PO-SYNC-VRI",
            lines=[
                _plan_line(vri_additional_attributes=vendor_fields.answer_groups(info[0], TENANT)),
                OrderCreateV7Line(
                    customer_line_number="2",
                    ingram_part_number=SOFTWARE,
                    quantity=1,
                    vmf_additional_attributes=vendor_fields.answer_attributes(
                        software, SOFTWARE_ANSWERS
                    ),
                ),
            ],
        )
        assert client.create_order_v7(request, check_vendor_fields=True).confirmation_number
        with pytest.raises(vendor_fields.MissingVendorFieldsError):
            client.create_order_v7(
                OrderCreateV7Request(customer_order_number="PO-SYNC-2", lines=[_plan_line()]),
                check_vendor_fields=True,
            )


def _cli(
    box: Sandbox, url: str, *args: str, sender: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XI_")}
    env.update(
        XI_BASE_URL=url,
        XI_CLIENT_ID=box.client_id,
        XI_CLIENT_SECRET=box.client_secret,
        XI_CUSTOMER_NUMBER=box.customer_number,
        XI_COUNTRY_CODE=box.country_code,
        XI_RATE_LIMIT="off",
        COLUMNS="200",
    )
    env.pop("FORCE_COLOR", None)
    if sender:
        env["XI_SENDER_ID"] = "ME"
    return subprocess.run(
        [sys.executable, "-m", "xi_orders.cli", "vendor-info", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_cli_vendor_info_table_and_json(served: tuple[Sandbox, str]) -> None:
    box, url = served
    done = _cli(box, url, SOFTWARE, "--plan", PLAN)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "ZS4101: vendor mandatory fields" in out and "END_USER_EMAIL" in out
    assert f"{PLAN} Microsoft 365 Business Basic (NCE COM MTH): subscription fields" in out
    assert "new / existing" in out and "↳ new" in out and "microsoft_domain" in out
    # the tree is indented: a choice's questions sit deeper than the question choosing
    rows = [line for line in out.splitlines() if "tenant_preference" in line or "↳ new" in line]
    assert rows[0].index("tenant_preference") < rows[1].index("↳ new")
    done = _cli(box, url, "--plan", PLAN, "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert (
        body[0]["planId"] == PLAN
        and body[0]["vriAdditionalAttributes"][0]["vendorName"] == "Microsoft"
    )


def test_cli_vendor_info_without_a_sender_id_or_products_is_a_usage_error(
    served: tuple[Sandbox, str],
) -> None:
    box, url = served
    before = box.counters.requests["get_vendor_required_info"]
    done = _cli(box, url, SOFTWARE, sender=False)
    assert done.returncode == 2 and "sender_id" in done.stderr and "XI_SENDER_ID" in done.stderr
    done = _cli(box, url)
    assert done.returncode == 2 and "at least one SKU" in done.stderr
    assert box.counters.requests["get_vendor_required_info"] == before


@pytest.mark.anyio
async def test_telemetry_covers_the_endpoint() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    sandbox = Sandbox()
    try:
        async with sandbox.client(sender_id="ME", tracer_provider=provider) as client:
            await client.get_vendor_required_info([SOFTWARE], correlation_id="traced-vri")
    finally:
        provider.shutdown()
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert "xi_orders.get_vendor_required_info" in spans
    http = spans["POST /resellers/v7/vendorrequiredinfo"]
    attributes = dict(http.attributes or {})
    assert attributes["url.template"] == "/resellers/v7/vendorrequiredinfo"
    assert attributes["xi_orders.endpoint"] == "get_vendor_required_info"
    assert attributes["xi_orders.correlation_id"] == "traced-vri"
    assert attributes["http.response.status_code"] == 200


@pytest.mark.anyio
async def test_a_lone_object_for_a_one_product_answer_still_decodes() -> None:
    from xi_orders.testing import Realism

    sandbox = Sandbox(realism=Realism(vendor_info_single_object=True))
    async with sandbox.client(sender_id="ME") as client:
        raw = await client.with_raw_response.get_vendor_required_info([SOFTWARE])
        assert isinstance(json.loads(raw.content), dict)  # not a list
        (software,) = raw.parse()
        assert software.ingram_part_number == SOFTWARE and software.needs_fields
        both = await client.get_vendor_required_info([SOFTWARE, WARRANTY])
        assert [p.label for p in both] == [SOFTWARE, WARRANTY]


@pytest.mark.anyio
async def test_a_quote_is_asked_about_by_its_number() -> None:
    sandbox = Sandbox()
    async with sandbox.client(sender_id="ME") as client:
        info = await client.get_vendor_required_info(quote_number="QUO-14551943-D2Y9L9")
        assert 1 <= len(info) <= 3
        assert all(p.quote_number == "QUO-14551943-D2Y9L9" and p.ingram_part_number for p in info)
        assert all(p.ingram_part_number in sandbox.catalog for p in info)
        # the quote's products are the ones a create from the quote orders: none needs fields
        assert not any(p.needs_fields for p in info)
        with pytest.raises(ValidationError) as error:
            await client.get_vendor_required_info(None)
        assert error.value.field == "products"


@pytest.mark.anyio
async def test_an_optional_field_and_order_level_vendor_groups() -> None:
    sandbox = Sandbox()
    async with sandbox.client(sender_id="ME") as client:
        (software,) = await client.get_vendor_required_info([SOFTWARE])
        fields = {f.name: f for f in vendor_fields.fields_to_fill(software)}
        assert fields["RESELLER_REFERENCE"].required is False  # attributeRequired "false"
        assert fields["END_USER_EMAIL"].required is True  # not said: required
        # hardware-style answers as the order's vendor groups (vmfVendorAdditionalAttributes)
        request = OrderCreateV7Request(
            customer_order_number="PO-VRI-G",
            vmf_vendor_additional_attributes=vendor_fields.answer_groups(
                software, SOFTWARE_ANSWERS, kind="vmf"
            ),
            lines=[
                OrderCreateV7Line(customer_line_number="1", ingram_part_number=SOFTWARE, quantity=1)
            ],
        )
        assert (await client.create_order_v7(request, check_vendor_fields=True)).confirmation_number
        assert sandbox.counters.orders_created == 1
