"""The sandbox at the wire: token flow, the API's checks, the six operations and their rules.

Everything goes through ``sandbox.transport()`` with a plain ``httpx.AsyncClient`` and raw
JSON, never through the SDK's models: these tests pin the emulator's behaviour itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from xi_orders.testing import FakeClock, Sandbox

ORDER_RE = re.compile(r"^20-[0-9A-Z]{5}$")
NOT_HELD = "Order can not be modified/released"


class Wire:
    """A sandbox plus a raw httpx client talking to it, with small request helpers."""

    def __init__(self, sandbox: Sandbox, http: httpx.AsyncClient) -> None:
        self.sandbox = sandbox
        self.http = http
        self._token: str | None = None

    async def token(self) -> str:
        if self._token is None:
            r = await self.http.post(
                "/oauth/oauth30/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.sandbox.client_id,
                    "client_secret": self.sandbox.client_secret,
                },
            )
            assert r.status_code == 200, r.text
            self._token = r.json()["access_token"]
        return self._token

    async def headers(self, **overrides: str | None) -> dict[str, str]:
        h: dict[str, str | None] = {
            "Authorization": f"Bearer {await self.token()}",
            "IM-CustomerNumber": self.sandbox.customer_number,
            "IM-CountryCode": self.sandbox.country_code,
            "IM-CorrelationID": "corr-0001",
        }
        h.update(overrides)
        return {k: v for k, v in h.items() if v is not None}

    async def get(self, number: str, **params: str) -> httpx.Response:
        return await self.http.get(
            f"/resellers/v6.1/orders/{number}", params=params, headers=await self.headers()
        )

    async def search(self, params: Any = None, **headers: str | None) -> httpx.Response:
        return await self.http.get(
            "/resellers/v6/orders/search", params=params, headers=await self.headers(**headers)
        )

    async def create(self, body: Any, *, v7: bool = False) -> httpx.Response:
        path = "/resellers/v7/orders" if v7 else "/resellers/v6/orders"
        return await self.http.post(path, json=body, headers=await self.headers())

    async def modify(self, number: str, body: Any = None, **params: str) -> httpx.Response:
        kwargs: dict[str, Any] = {"params": params, "headers": await self.headers()}
        if body is not None:
            kwargs["json"] = body
        return await self.http.put(f"/resellers/v6/orders/{number}", **kwargs)

    async def cancel(self, number: str) -> httpx.Response:
        return await self.http.delete(
            f"/resellers/v6/orders/{number}", headers=await self.headers()
        )

    def parts(self, in_stock: bool = True) -> list[str]:
        return [p for p, item in self.sandbox.catalog.items() if item.in_stock == in_stock]

    def order_body(
        self,
        po: str,
        *,
        hold: bool = False,
        dup: bool = False,
        parts: list[str] | None = None,
        qty: int = 2,
    ) -> dict[str, Any]:
        attrs = []
        if hold:
            attrs.append({"attributeName": "allowOrderOnCustomerHold", "attributeValue": "true"})
        if dup:
            attrs.append(
                {"attributeName": "allowDuplicateCustomerOrderNumber", "attributeValue": "true"}
            )
        lines = [
            {"customerLineNumber": f"{i:03d}", "ingramPartNumber": p, "quantity": qty}
            for i, p in enumerate(parts or self.parts()[:2], start=1)
        ]
        body: dict[str, Any] = {"customerOrderNumber": po, "lines": lines}
        if attrs:
            body["additionalAttributes"] = attrs
        return body

    async def create_held(self, po: str) -> str:
        r = await self.create(self.order_body(po, hold=True))
        assert r.status_code == 201, r.text
        return str(r.json()["orders"][0]["ingramOrderNumber"])

    async def all_summaries(self, **params: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            r = await self.search({**params, "pageSize": "100", "pageNumber": str(page)})
            if r.status_code == 204:
                return out
            assert r.status_code == 200, r.text
            out.extend(r.json()["orders"])
            if "nextPage" not in r.json():
                return out
            page += 1


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    return Sandbox(seed=7, orders=120, clock=clock)


@pytest_asyncio.fixture
async def wire(sandbox: Sandbox) -> AsyncIterator[Wire]:
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        yield Wire(sandbox, http)


# ---------------------------------------------------------------------------- token


@pytest.mark.asyncio
async def test_token_flow_returns_string_expiry_and_a_working_bearer(wire: Wire) -> None:
    r = await wire.http.post(
        "/oauth/oauth30/token",
        data={
            "grant_type": "client_credentials",
            "client_id": wire.sandbox.client_id,
            "client_secret": wire.sandbox.client_secret,
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == "86399"  # a string, as the spec sends it
    assert set(body) == {"access_token", "token_type", "expires_in"}
    wire._token = body["access_token"]
    number = wire.sandbox.order_numbers()[0]
    assert (await wire.get(number)).status_code == 200
    assert wire.sandbox.counters.tokens_issued == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("form", "status"),
    [
        (
            {
                "grant_type": "client_credentials",
                "client_id": "sandbox-client-id",
                "client_secret": "wrong",
            },
            401,
        ),
        (
            {
                "grant_type": "client_credentials",
                "client_id": "nobody",
                "client_secret": "sandbox-client-secret",
            },
            401,
        ),
        (
            {
                "grant_type": "password",
                "client_id": "sandbox-client-id",
                "client_secret": "sandbox-client-secret",
            },
            400,
        ),
        ({"grant_type": "client_credentials", "client_id": "sandbox-client-id"}, 400),
    ],
)
async def test_token_errors_have_a_message(wire: Wire, form: dict[str, str], status: int) -> None:
    r = await wire.http.post("/oauth/oauth30/token", data=form)
    assert r.status_code == status
    assert isinstance(r.json()["message"], str) and r.json()["message"]
    assert "access_token" not in r.text
    assert wire.sandbox.counters.tokens_issued == 0


@pytest.mark.asyncio
async def test_token_by_basic_auth_and_by_the_old_get_endpoint(wire: Wire) -> None:
    basic = base64.b64encode(b"sandbox-client-id:sandbox-client-secret").decode()
    r = await wire.http.post(
        "/oauth/oauth30/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert r.status_code == 200
    r = await wire.http.get(
        "/oauth/oauth20/token",
        params={
            "grant_type": "client_credentials",
            "client_id": "sandbox-client-id",
            "client_secret": "sandbox-client-secret",
        },
    )
    assert r.status_code == 200
    assert wire.sandbox.counters.tokens_issued == 2


# ---------------------------------------------------------------------------- auth


@pytest.mark.asyncio
@pytest.mark.parametrize("auth", [None, "Bearer", "Bearer not-a-token", "Basic abc"])
async def test_missing_or_unknown_token_is_401(wire: Wire, auth: str | None) -> None:
    number = wire.sandbox.order_numbers()[0]
    r = await wire.http.get(
        f"/resellers/v6.1/orders/{number}", headers=await wire.headers(Authorization=auth)
    )
    assert r.status_code == 401
    assert r.json()["fault"]["faultstring"] == "Invalid access token"
    assert r.headers["IM-CorrelationID"] == "corr-0001"


@pytest.mark.asyncio
async def test_revoked_and_expired_tokens_are_401(wire: Wire, clock: FakeClock) -> None:
    number = wire.sandbox.order_numbers()[0]
    assert (await wire.get(number)).status_code == 200
    wire.sandbox.revoke_tokens()
    assert (await wire.get(number)).status_code == 401
    wire._token = None
    assert (await wire.get(number)).status_code == 200
    clock.advance(86398)
    assert (await wire.get(number)).status_code == 200
    clock.advance(2)
    r = await wire.get(number)
    assert r.status_code == 401
    assert r.json()["fault"]["faultstring"] == "Access Token expired"


# ---------------------------------------------------------------------------- IM-* headers


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("IM-CustomerNumber", None),
        ("IM-CustomerNumber", "20-2222222222"),  # 13 > 10
        ("IM-CustomerNumber", "20-999999"),  # well formed, not this sandbox's customer
        ("IM-CountryCode", None),
        ("IM-CountryCode", "USA"),
        ("IM-CountryCode", "U1"),
        ("IM-CountryCode", "CA"),  # not the accepted country
        ("IM-CorrelationID", None),
        ("IM-CorrelationID", ""),
        ("IM-CorrelationID", "x" * 33),
        ("IM-CorrelationID", "4c4d8a51-5d3e-4f6a-9f0e-1b2c3d4e5f60"),  # a 36-char UUID is too long
        ("IM-SenderID", "s" * 33),
    ],
)
async def test_bad_im_headers_are_400_naming_the_header(
    wire: Wire, header: str, value: str | None
) -> None:
    number = wire.sandbox.order_numbers()[0]
    r = await wire.http.get(
        f"/resellers/v6.1/orders/{number}", headers=await wire.headers(**{header: value})
    )
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert errors[0]["type"] == "/errors/validation-failed"
    assert errors[0]["message"] == "Validation failed"
    assert [f["field"] for f in errors[0]["fields"]] == [header]


@pytest.mark.asyncio
async def test_limits_are_inclusive_and_ids_are_echoed(wire: Wire) -> None:
    number = wire.sandbox.order_numbers()[0]
    r = await wire.http.get(
        f"/resellers/v6.1/orders/{number}",
        headers=await wire.headers(
            **{"IM-CorrelationID": "c" * 32, "IM-SenderID": "s" * 32, "IM-CountryCode": "us"}
        ),
    )
    assert r.status_code == 200
    assert r.headers["IM-CorrelationID"] == "c" * 32
    assert r.headers["IM-SenderID"] == "s" * 32
    r404 = await wire.http.get(
        "/resellers/v6.1/orders/20-00000",
        headers=await wire.headers(**{"IM-CorrelationID": "nf-1"}),
    )
    assert r404.status_code == 404 and r404.headers["IM-CorrelationID"] == "nf-1"
    assert [(rec.correlation_id, rec.status) for rec in wire.sandbox.request_log[-2:]] == [
        ("c" * 32, 200),
        ("nf-1", 404),
    ]


# ---------------------------------------------------------------------------- get order


@pytest.mark.asyncio
async def test_get_order_returns_the_seeded_detail(wire: Wire) -> None:
    number = wire.sandbox.order_numbers(status="Shipped")[0]
    r = await wire.get(number)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body == wire.sandbox.order(number)
    assert body["ingramOrderNumber"] == number and ORDER_RE.match(number)
    assert body["orderStatus"] == "Shipped"
    live = [ln for ln in body["lines"] if ln["lineStatus"] != "Canceled"]
    assert round(sum(ln["extendedPrice"] for ln in live), 2) == body["orderSubTotal"]
    assert body["orderTotal"] == round(
        body["orderSubTotal"] + body["totalTax"] + body["freightCharges"] + body["totalFees"], 2
    )
    carrier = body["lines"][0]["shipmentDetails"][0]["carrierDetails"][0]
    assert carrier["carrierCode"]
    assert carrier["shippedDate"] >= body["ingramOrderDate"][:10]  # shipped after it was ordered
    assert re.match(
        r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[-+]\d{2}:\d{2}$", body["ingramOrderDate"]
    )


@pytest.mark.asyncio
async def test_get_order_decodes_the_path_and_accepts_sub_orders(wire: Wire) -> None:
    number = wire.sandbox.order_numbers()[3]
    encoded = number.replace("-", "%2D")
    r = await wire.http.get(f"/resellers/v6.1/orders/{encoded}", headers=await wire.headers())
    assert r.status_code == 200 and r.json()["ingramOrderNumber"] == number
    sub = r.json()["lines"][0]["subOrderNumber"]
    r = await wire.get(sub)
    assert r.status_code == 200 and r.json()["ingramOrderNumber"] == number


@pytest.mark.asyncio
async def test_get_order_errors(wire: Wire) -> None:
    r = await wire.get("20-ZZZZZ")
    assert r.status_code == 404
    assert r.json()["errors"][0]["message"] == "Order not found."
    r = await wire.get("20-ZZZZZ-11-123")  # 15 > 12
    assert r.status_code == 400 and r.json()["errors"][0]["fields"][0]["field"] == "ordernumber"
    number = wire.sandbox.order_numbers()[0]
    r = await wire.get(number, simulateStatus="IM::LOST")
    assert r.status_code == 400 and r.json()["errors"][0]["fields"][0]["field"] == "simulateStatus"
    r = await wire.get(number, ingramOrderDate="06/03/2024")
    assert r.status_code == 400
    r = await wire.get(number, isIml="maybe")
    assert r.status_code == 400


@pytest.mark.asyncio
async def test_get_order_ingram_order_date_must_match(wire: Wire) -> None:
    number = wire.sandbox.order_numbers()[5]
    day = wire.sandbox.order(number)["ingramOrderDate"][:10]
    assert (await wire.get(number, ingramOrderDate=day)).status_code == 200
    assert (await wire.get(number, ingramOrderDate="1999-01-01")).status_code == 404


@pytest.mark.asyncio
async def test_customers_see_only_their_own_orders() -> None:
    sandbox = Sandbox(
        seed=3, orders=20, customer_numbers=("20-111111", "20-222222"), clock=FakeClock()
    )
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        w = Wire(sandbox, http)
        mine = sandbox.order_numbers("20-111111")
        theirs = sandbox.order_numbers("20-222222")
        assert len(mine) == len(theirs) == 10
        assert (await w.get(mine[0])).status_code == 200  # header customer is 20-111111
        assert (await w.get(theirs[0])).status_code == 404
        found = {o["ingramOrderNumber"] for o in await w.all_summaries()}
        assert found == set(mine)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("simulate", "statuses", "header"),
    [
        ("IM::SHIPPED", {"Shipped"}, "Shipped"),
        ("IM::HOLD", {"On Hold"}, "On Hold"),
        ("IM::INVOICED", {"Shipped"}, "Shipped"),
    ],
)
async def test_simulate_status_is_honoured_without_changing_the_order(
    wire: Wire, simulate: str, statuses: set[str], header: str
) -> None:
    number = wire.sandbox.order_numbers(status="Processing")[0]
    before = wire.sandbox.order(number)
    r = await wire.get(number, simulateStatus=simulate)
    assert r.status_code == 200
    body = r.json()
    assert {ln["lineStatus"] for ln in body["lines"]} == statuses
    assert body["orderStatus"] == header
    if simulate != "IM::HOLD":
        trackings = [
            t["trackingNumber"]
            for ln in body["lines"]
            for s in ln["shipmentDetails"]
            for c in s.get("carrierDetails", [])
            for t in c["trackingDetails"]
        ]
        kinds = {wire.sandbox.catalog[ln["ingramPartNumber"]].kind for ln in body["lines"]}
        assert trackings or kinds == {"sw"}
    if simulate == "IM::INVOICED":
        assert all(s.get("invoiceNumber") for ln in body["lines"] for s in ln["shipmentDetails"])
    assert wire.sandbox.order(number) == before
    assert (await wire.get(number)).json() == before


@pytest.mark.asyncio
async def test_simulate_partially_shipped(wire: Wire) -> None:
    number = next(
        n
        for n in wire.sandbox.order_numbers(status="Processing")
        if len(wire.sandbox.order(n)["lines"]) >= 2
    )
    body = (await wire.get(number, simulateStatus="IM::PARTIALLY_SHIPPED")).json()
    statuses = [ln["lineStatus"] for ln in body["lines"]]
    assert "Shipped" in statuses and "Backordered" in statuses
    assert body["orderStatus"] == "Processing"


# ---------------------------------------------------------------------------- search


@pytest.mark.asyncio
async def test_search_first_page_quirks(wire: Wire) -> None:
    r = await wire.search()
    assert r.status_code == 200
    body = r.json()
    assert body["recordsFound"] == "120" and body["pageSize"] == "25" and body["pageNumber"] == "1"
    assert len(body["orders"]) == 25
    assert body["nextPage"] == "/resellers/v6/orders/[original_parameters]&pageNumber=2"
    assert "previousPage" not in body
    first = body["orders"][0]
    assert isinstance(first["orderTotal"], str) and re.match(r"^\d+\.\d{2}$", first["orderTotal"])
    assert first["orderStatus"] in {"OPEN", "CLOSED", "CANCELLED"}
    assert isinstance(first["subOrders"][0]["links"], dict)  # an object where an array is declared
    assert [o["ingramOrderNumber"] for o in body["orders"]] == wire.sandbox.order_numbers()[:25]


@pytest.mark.asyncio
async def test_search_pages_cover_everything_once(wire: Wire) -> None:
    seen: list[str] = []
    for page in range(1, 6):
        r = await wire.search({"pageSize": "30", "pageNumber": str(page)})
        assert r.status_code == 200
        body = r.json()
        seen += [o["ingramOrderNumber"] for o in body["orders"]]
        if page > 1:
            assert body["previousPage"].endswith(f"&pageNumber={page - 1}")
        if page == 4:
            assert "nextPage" not in body
    assert seen == wire.sandbox.order_numbers()
    assert len(set(seen)) == 120


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "params",
    [
        {"pageSize": "101"},
        {"pageSize": "0"},
        {"pageSize": "ten"},
        {"pageNumber": "0"},
        {"orderStatus": "LOST"},
        {"orderStatus-in": ["SHIPPED", "NOPE"]},
        {"ingramOrderDate": "2024-13-01"},
        {"ingramOrderDate": "03/06/2024"},
        {"ingramOrderDate-bt": ["2024-01-01"]},
        {"ingramOrderDate-bt": ["2024-01-01", "2024-02-01", "2024-03-01"]},
        {"shipDate_bt": ["2024-01-01", "not-a-date"]},
        {"customerOrderNumber": "P" * 36},
        {"ingramOrderNumber": "20-ABCDE-111"},
    ],
)
async def test_search_bad_parameters_are_400(wire: Wire, params: dict[str, Any]) -> None:
    r = await wire.search(params)
    assert r.status_code == 400
    field = r.json()["errors"][0]["fields"][0]["field"]
    assert any(name in field for name in params)


@pytest.mark.asyncio
async def test_search_without_matches_is_204_with_empty_body(wire: Wire) -> None:
    r = await wire.search({"customerOrderNumber": "NO-SUCH-PO"})
    assert r.status_code == 204
    assert r.content == b""
    assert r.headers["IM-CorrelationID"] == "corr-0001"


@pytest.mark.asyncio
async def test_search_status_filters(wire: Wire) -> None:
    everything = await wire.all_summaries()
    for status in ("SHIPPED", "PROCESSING", "BACKORDERED", "CANCELLED", "ON HOLD"):
        expected = {
            o["ingramOrderNumber"]
            for o in everything
            if status in {s["subOrderStatus"] for s in o["subOrders"]}
        }
        got = {o["ingramOrderNumber"] for o in await wire.all_summaries(orderStatus=status)}
        assert got == expected, status
        assert expected, f"the seeded data has no {status} order"
    both = await wire.search({"orderStatus-in": ["CANCELLED", "ON HOLD"], "pageSize": "100"})
    got = {o["ingramOrderNumber"] for o in both.json()["orders"]}
    expected = {
        o["ingramOrderNumber"]
        for o in everything
        if {s["subOrderStatus"] for s in o["subOrders"]} & {"CANCELLED", "ON HOLD"}
    }
    assert got == expected


def _details(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [sandbox.order(n) for n in sandbox.order_numbers()]


def _carriers(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c
        for ln in order["lines"]
        for s in ln["shipmentDetails"]
        for c in s.get("carrierDetails", [])
    ]


@pytest.mark.asyncio
async def test_search_by_line_level_values(wire: Wire) -> None:
    details = _details(wire.sandbox)
    shipped = next(
        o
        for o in details
        if any(t["serialNumbers"] for c in _carriers(o) for t in c["trackingDetails"])
    )
    track = next(t for c in _carriers(shipped) for t in c["trackingDetails"] if t["serialNumbers"])
    cases = {
        "trackingNumber": track["trackingNumber"],
        "serialNumber": track["serialNumbers"][0]["serialNumber"],
        "ingramPartNumber": shipped["lines"][0]["ingramPartNumber"],
        "vendorPartNumber": shipped["lines"][0]["vendorPartNumber"],
        "customerOrderNumber": shipped["customerOrderNumber"],
        "ingramOrderNumber": shipped["ingramOrderNumber"],
    }
    for name, value in cases.items():
        found = {o["ingramOrderNumber"] for o in await wire.all_summaries(**{name: value})}
        assert shipped["ingramOrderNumber"] in found, name
        if name in ("ingramPartNumber", "vendorPartNumber"):
            expected = {
                o["ingramOrderNumber"]
                for o in details
                if any(ln[name] == value for ln in o["lines"])
            }
            assert found == expected
    vendor = shipped["lines"][0]["vendorName"]
    found = {
        o["ingramOrderNumber"]
        for o in await wire.all_summaries(vendorName=vendor.split(" ")[0].lower())
    }
    assert found == {
        o["ingramOrderNumber"]
        for o in details
        if any(vendor.split(" ")[0] in ln["vendorName"] for ln in o["lines"])
    }


@pytest.mark.asyncio
async def test_search_date_ranges_use_their_exact_names(wire: Wire) -> None:
    details = _details(wire.sandbox)
    days = sorted(o["ingramOrderDate"][:10] for o in details)
    lo, hi = days[10], days[40]
    got = {
        o["ingramOrderNumber"] for o in await wire.all_summaries(**{"ingramOrderDate-bt": [lo, hi]})
    }  # type: ignore[arg-type]
    assert got == {o["ingramOrderNumber"] for o in details if lo <= o["ingramOrderDate"][:10] <= hi}
    assert 30 <= len(got) < 120
    one_day = {o["ingramOrderNumber"] for o in await wire.all_summaries(ingramOrderDate=days[20])}
    assert one_day == {
        o["ingramOrderNumber"] for o in details if o["ingramOrderDate"][:10] == days[20]
    }

    ship_days = sorted({c["shippedDate"] for o in details for c in _carriers(o)})
    a, b = ship_days[len(ship_days) // 3], ship_days[len(ship_days) // 2]
    expected = {
        o["ingramOrderNumber"]
        for o in details
        if any(a <= c["shippedDate"] <= b for c in _carriers(o))
    }
    got = {o["ingramOrderNumber"] for o in await wire.all_summaries(shipDate_bt=[a, b])}  # type: ignore[arg-type]
    assert got == expected and 0 < len(got) < 120
    # the hyphenated spelling is not a parameter of this endpoint: it filters nothing
    ignored = await wire.all_summaries(**{"shipDate-bt": [a, b]})  # type: ignore[arg-type]
    assert len(ignored) == 120

    inv = sorted(
        {
            s["invoiceDate"]
            for o in details
            for ln in o["lines"]
            for s in ln["shipmentDetails"]
            if s.get("invoiceDate")
        }
    )
    got = {
        o["ingramOrderNumber"] for o in await wire.all_summaries(invoiceDate_bt=[inv[0], inv[5]])
    }  # type: ignore[arg-type]
    assert got == {
        o["ingramOrderNumber"]
        for o in details
        if any(
            inv[0] <= s.get("invoiceDate", "~") <= inv[5]
            for ln in o["lines"]
            for s in ln["shipmentDetails"]
        )
    }
    deliv = await wire.search({"deliveryDate_bt": ["2000-01-01", "2000-01-02"]})
    assert deliv.status_code == 204


# ---------------------------------------------------------------------------- create v6


@pytest.mark.asyncio
async def test_create_v6_201_and_the_order_becomes_visible(wire: Wire) -> None:
    parts = wire.parts()[:2]
    r = await wire.create(wire.order_body("my-po-1", parts=parts, qty=3))
    assert r.status_code == 201, r.text
    body = r.json()
    order = body["orders"][0]
    number = order["ingramOrderNumber"]
    assert ORDER_RE.match(number)
    assert body["customerOrderNumber"] == "MY-PO-1"  # the API upper-cases PO numbers
    assert body["processedPartially"] is False and "rejectedLineItems" not in order
    assert [ln["ingramPartNumber"] for ln in order["lines"]] == parts
    assert all(ln["quantityOrdered"] == 3 for ln in order["lines"])
    assert isinstance(order["lines"][0]["shipmentDetails"], dict)  # the API's object-for-array
    prices = [wire.sandbox.catalog[p].unit_price for p in parts]
    assert order["orderTotal"] == round(sum(p * 3 for p in prices) + order["freightCharges"], 2)
    assert wire.sandbox.counters.orders_created == 1
    detail = (await wire.get(number)).json()
    assert detail["orderStatus"] == "Processing" and detail["customerOrderNumber"] == "MY-PO-1"
    found = await wire.search({"customerOrderNumber": "my-po-1"})
    assert [o["ingramOrderNumber"] for o in found.json()["orders"]] == [number]


@pytest.mark.asyncio
async def test_create_v6_207_rejects_unknown_parts(wire: Wire) -> None:
    good = wire.parts()[0]
    body = {
        "customerOrderNumber": "PARTIAL-1",
        "lines": [
            {"customerLineNumber": "001", "ingramPartNumber": good, "quantity": 1},
            {"customerLineNumber": "002", "ingramPartNumber": "NOSUCH", "quantity": 4},
        ],
    }
    r = await wire.create(body)
    assert r.status_code == 207
    order = r.json()["orders"][0]
    assert r.json()["processedPartially"] is True
    assert order["numberOfLinesWithSuccess"] == 1 and order["numberOfLinesWithError"] == 1
    assert order["rejectedLineItems"] == [
        {
            "customerLinenumber": "002",
            "ingramPartNumber": "NOSUCH",
            "quantityOrdered": 4,
            "rejectCode": "EN",
            "rejectReason": "SKU-NOTFOUND    NOSUCH",
        }
    ]
    detail = (await wire.get(order["ingramOrderNumber"])).json()
    assert [ln["ingramPartNumber"] for ln in detail["lines"]] == [good]


@pytest.mark.asyncio
async def test_create_v6_all_lines_unknown_creates_nothing(wire: Wire) -> None:
    r = await wire.create(
        {
            "customerOrderNumber": "NONE-1",
            "lines": [{"customerLineNumber": "001", "ingramPartNumber": "NOSUCH", "quantity": 1}],
        }
    )
    assert r.status_code == 400
    assert wire.sandbox.counters.orders_created == 0
    assert (await wire.search({"customerOrderNumber": "NONE-1"})).status_code == 204


@pytest.mark.asyncio
async def test_create_by_vendor_part_number(wire: Wire) -> None:
    item = next(iter(wire.sandbox.catalog.values()))
    r = await wire.create(
        {
            "customerOrderNumber": "VPN-1",
            "lines": [
                {
                    "customerLineNumber": "1",
                    "vendorPartNumber": item.vendor_part_number.lower(),
                    "quantity": 1,
                }
            ],
        }
    )
    assert r.status_code == 201
    assert r.json()["orders"][0]["lines"][0]["ingramPartNumber"] == item.ingram_part_number


@pytest.mark.asyncio
async def test_duplicate_po_is_rejected_unless_allowed(wire: Wire) -> None:
    assert (await wire.create(wire.order_body("DUP-7"))).status_code == 201
    r = await wire.create(wire.order_body("dup-7"))
    assert r.status_code == 400
    assert r.json()["errors"][0]["fields"][0]["field"] == "customerOrderNumber"
    assert wire.sandbox.counters.orders_created == 1
    r = await wire.create(wire.order_body("DUP-7", dup=True))
    assert r.status_code == 201
    assert wire.sandbox.counters.orders_created == 2
    found = await wire.search({"customerOrderNumber": "DUP-7"})
    assert found.json()["recordsFound"] == "2"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": [{"ingramPartNumber": "X", "quantity": 1}]}, "customerOrderNumber"),
        ({"customerOrderNumber": "P" * 36, "lines": []}, "customerOrderNumber"),
        ({"customerOrderNumber": "OK"}, "lines"),
        ({"customerOrderNumber": "OK", "lines": []}, "lines"),
        (
            {"customerOrderNumber": "OK", "lines": [{"ingramPartNumber": "X", "quantity": 0}]},
            "lines[0].quantity",
        ),
        (
            {"customerOrderNumber": "OK", "lines": [{"ingramPartNumber": "X", "quantity": "2"}]},
            "lines[0].quantity",
        ),
        ({"customerOrderNumber": "OK", "lines": [{"quantity": 1}]}, "lines[0].ingramPartNumber"),
        (
            {
                "customerOrderNumber": "OK",
                "lines": [{"ingramPartNumber": "X", "quantity": 1, "customerLineNumber": "1234"}],
            },
            "lines[0].customerLineNumber",
        ),
        (
            {
                "customerOrderNumber": "OK",
                "lines": [{"ingramPartNumber": "X", "quantity": 1}],
                "shipToInfo": {"state": "CALIFORNIA"},
            },
            "shipToInfo.state",
        ),
        ([1, 2], "body"),
    ],
)
async def test_create_v6_validation(wire: Wire, body: Any, field: str) -> None:
    r = await wire.create(body)
    assert r.status_code == 400
    assert field in [f["field"] for f in r.json()["errors"][0]["fields"]]


@pytest.mark.asyncio
async def test_create_v6_malformed_json_is_400(wire: Wire) -> None:
    r = await wire.http.post(
        "/resellers/v6/orders",
        content=b"{not json",
        headers={**await wire.headers(), "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["fields"][0]["field"] == "body"


# ---------------------------------------------------------------------------- hold, modify, release, cancel


@pytest.mark.asyncio
async def test_customer_hold_then_modify(wire: Wire) -> None:
    number = await wire.create_held("HOLD-1")
    assert (await wire.get(number)).json()["orderStatus"] == "On Hold"
    new_part = wire.parts()[5]
    r = await wire.modify(
        number,
        {
            "notes": "Deliver to dock 4",
            "lines": [
                {
                    "customerLineNumber": "003",
                    "ingramPartNumber": new_part,
                    "addUpdateDeleteLine": "ADD",
                    "quantity": 4,
                },
                {"ingramLineNumber": "001", "addUpdateDeleteLine": "UPDATE", "quantity": 7},
                {"ingramLineNumber": 2, "addUpdateDeleteLine": "DELETE"},
            ],
        },
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["ingramOrderNumber"] == number and out["orderStatus"] == "ON HOLD"
    assert {(ln["ingramLineNumber"], ln["quantityOrdered"]) for ln in out["lines"]} == {
        ("003", 4),
        ("001", 7),
    }
    detail = (await wire.get(number)).json()
    assert [
        (ln["ingramOrderLineNumber"], ln["ingramPartNumber"], ln["quantityOrdered"])
        for ln in detail["lines"]
    ] == [("001", wire.parts()[0], 7), ("003", new_part, 4)]
    assert detail["notes"] == "Deliver to dock 4"
    assert out["orderTotal"] == detail["orderTotal"]


@pytest.mark.asyncio
async def test_modify_207_for_rejected_changes(wire: Wire) -> None:
    number = await wire.create_held("HOLD-207")
    r = await wire.modify(
        number,
        {
            "lines": [
                {
                    "customerLineNumber": "009",
                    "ingramPartNumber": "NOSUCH",
                    "addUpdateDeleteLine": "ADD",
                    "quantity": 1,
                },
                {"ingramLineNumber": "001", "addUpdateDeleteLine": "UPDATE", "quantity": 3},
                {"ingramLineNumber": "077", "addUpdateDeleteLine": "UPDATE", "quantity": 3},
            ]
        },
    )
    assert r.status_code == 207
    rejected = r.json()["rejectedLineItems"]
    assert [x.get("ingramPartNumber") for x in rejected] == ["NOSUCH", ""]
    assert rejected[1]["ingramLineNumber"] == "077"
    assert [ln["ingramLineNumber"] for ln in r.json()["lines"]] == ["001"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"notes": "n" * 133}, "notes"),
        (
            {"lines": [{"ingramLineNumber": "001", "addUpdateDeleteLine": "REPLACE"}]},
            "lines[0].addUpdateDeleteLine",
        ),
        ({"shipToInfo": {"city": "C" * 26}}, "shipToInfo.city"),
        ({}, "body"),
    ],
)
async def test_modify_validation(wire: Wire, body: Any, field: str) -> None:
    number = await wire.create_held("HOLD-V")
    r = await wire.modify(number, body)
    assert r.status_code == 400
    assert [f["field"] for f in r.json()["errors"][0]["fields"]] == [field]


@pytest.mark.asyncio
async def test_only_held_orders_can_be_modified(wire: Wire) -> None:
    r = await wire.create(wire.order_body("NOT-HELD"))
    number = r.json()["orders"][0]["ingramOrderNumber"]
    r = await wire.modify(number, {"notes": "x"})
    assert r.status_code == 400
    assert r.json()["errors"][0]["fields"][0]["message"].startswith(NOT_HELD)
    r = await wire.modify(number, None, actionCode="release")
    assert r.status_code == 400


@pytest.mark.asyncio
async def test_the_24_hour_window_voids_a_held_order(wire: Wire, clock: FakeClock) -> None:
    held_before = wire.sandbox.order_numbers(status="On Hold")
    number = await wire.create_held("HOLD-24")
    clock.advance(23.9 * 3600)
    assert (await wire.modify(number, {"notes": "still in time"})).status_code == 201
    clock.advance(0.2 * 3600)
    wire._token = None  # the first token (a day old) has expired too
    r = await wire.modify(number, {"notes": "too late"})
    assert r.status_code == 400
    detail = (await wire.get(number)).json()
    assert detail["orderStatus"] == "Canceled"
    assert {ln["lineStatus"] for ln in detail["lines"]} == {"Canceled"}
    events = [json.loads(e.body)["resource"][0] for e in wire.sandbox.webhook_events]
    assert [e["eventType"] for e in events if e["orderNumber"] == number] == ["im::order_voided"]
    # the seeded held orders (all younger than 20 hours at the start) were voided as well
    assert {e["orderNumber"] for e in events} == {number} | set(held_before)
    assert (await wire.cancel(number)).status_code == 405


@pytest.mark.asyncio
async def test_release_moves_a_held_order_on(wire: Wire) -> None:
    number = await wire.create_held("REL-1")
    r = await wire.modify(number, None, actionCode="release")
    # the spec's release example: JSON null (not an empty body a typed client chokes on)
    assert r.status_code == 200 and r.content == b"null"
    assert r.headers["content-type"] == "application/json"
    detail = (await wire.get(number)).json()
    assert detail["orderStatus"] in ("Processing", "Backordered")
    assert "On Hold" not in {ln["lineStatus"] for ln in detail["lines"]}
    assert (await wire.modify(number, None, actionCode="release")).status_code == 400
    assert (await wire.modify(number, {"notes": "x"})).status_code == 400
    assert (await wire.cancel(number)).status_code == 405
    event = json.loads(wire.sandbox.webhook_events[-1].body)
    assert event["resource"][0]["eventType"] == "im::order_released"
    bad = await wire.modify(number, None, actionCode="hold")
    assert bad.status_code == 400 and bad.json()["errors"][0]["fields"][0]["field"] == "actionCode"


@pytest.mark.asyncio
async def test_cancel_a_held_order(wire: Wire) -> None:
    number = await wire.create_held("CAN-1")
    r = await wire.cancel(number.replace("-", "%2D"))
    assert r.status_code == 200 and r.content == b""
    assert (await wire.get(number)).json()["orderStatus"] == "Canceled"
    found = await wire.search({"orderStatus": "CANCELLED", "customerOrderNumber": "CAN-1"})
    assert found.json()["orders"][0]["orderStatus"] == "CANCELLED"
    assert (await wire.cancel(number)).status_code == 405
    event = json.loads(wire.sandbox.webhook_events[-1].body)
    assert (event["event"], event["resource"][0]["eventType"]) == (
        "im::updated",
        "im::order_voided",
    )


@pytest.mark.asyncio
async def test_cancel_and_modify_errors(wire: Wire) -> None:
    seeded = wire.sandbox.order_numbers(status="Shipped")[0]
    r = await wire.cancel(seeded)
    assert r.status_code == 405
    assert r.json()["errors"][0]["message"].startswith("Order can not be deleted")
    assert (await wire.cancel("20-ZZZZZ")).status_code == 404
    assert (await wire.modify("20-ZZZZZ", {"notes": "x"})).status_code == 404
    r = await wire.cancel("20-123")
    assert r.status_code == 400 and r.json()["errors"][0]["fields"][0]["field"] == "OrderNumber"


@pytest.mark.asyncio
async def test_seeded_held_orders_can_be_released(wire: Wire) -> None:
    held = wire.sandbox.order_numbers(status="On Hold")
    assert held, "seed 7 has held orders"
    assert (await wire.modify(held[0], None, actionCode="release")).status_code == 200


# ---------------------------------------------------------------------------- v7 and webhooks


def _signature(secret: str, event_id: str) -> str:
    mac = hmac.new(secret.encode(), event_id.encode(), hashlib.sha512).digest()
    return base64.b64encode(mac).decode()


@pytest.mark.asyncio
async def test_create_v7_confirms_and_queues_a_signed_event(wire: Wire) -> None:
    part = wire.parts()[1]
    r = await wire.create(
        {
            "customerOrderNumber": "V7-PO",
            "lines": [
                {"customerLineNumber": "001", "ingramPartNumber": part, "quantity": 2},
                {"customerLineNumber": "002", "ingramPartNumber": "NOSUCH", "quantity": 1},
            ],
        },
        v7=True,
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"quoteNumber", "confirmationNumber", "message"}
    assert re.match(r"^US-I-T-\d{20}$", body["confirmationNumber"])
    [(headers, raw)] = wire.sandbox.webhook_events
    event = json.loads(raw)
    assert headers["X-Hub-Signature"] == _signature("sandbox-webhook-secret", event["eventId"])
    assert re.match(r"^[A-Z0-9]{18}$", event["eventId"])
    assert (event["topic"], event["event"], event["resource"]["eventType"]) == (
        "resellers/orders",
        "IM::created",
        "IM::async_order_create",
    )
    created = event["resource"]["orders"][0]
    assert created["numberOfLinesWithSuccess"] == 1 and created["numberOfLinesWithError"] == 1
    detail = (await wire.get(created["ingramOrderNumber"])).json()
    assert detail["customerOrderNumber"] == "V7-PO"
    assert [ln["ingramPartNumber"] for ln in detail["lines"]] == [part]


@pytest.mark.asyncio
async def test_create_v7_errors_use_the_v7_shape(wire: Wire) -> None:
    r = await wire.create({"lines": []}, v7=True)
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"traceid", "type", "message", "fields"}
    assert body["fields"][0]["field"] == "customerOrderNumber"
    r = await wire.create(
        {"customerOrderNumber": "P" * 19, "lines": [{"ingramPartNumber": "X", "quantity": 1}]},
        v7=True,
    )
    assert r.status_code == 400  # v7 allows 18 characters
    assert wire.sandbox.webhook_events == []


@pytest.mark.asyncio
async def test_create_v7_quote_to_order(wire: Wire) -> None:
    r = await wire.create({"customerOrderNumber": "QTO-1", "quoteNumber": "QUOTE-42"}, v7=True)
    assert r.status_code == 200 and r.json()["quoteNumber"] == "QUOTE-42"
    created = json.loads(wire.sandbox.webhook_events[0].body)["resource"]["orders"][0]
    assert created["lines"] and all(
        ln["ingramPartNumber"] in wire.sandbox.catalog for ln in created["lines"]
    )


@pytest.mark.asyncio
async def test_ship_queues_an_event_matching_the_order(wire: Wire) -> None:
    number = wire.sandbox.order_numbers(status="Processing")[0]
    detail = wire.sandbox.ship(number)
    assert detail["orderStatus"] == "Shipped"
    assert (await wire.get(number)).json() == detail
    [(headers, raw)] = wire.sandbox.webhook_events
    event = json.loads(raw)
    res = event["resource"][0]
    assert res["eventType"] == "im::order_shipped" and res["orderNumber"] == number
    tracking = {
        p["trackingNumber"]
        for ln in res["lines"]
        for s in ln["shipmentDetails"]
        for p in s["packageDetails"]
    }
    assert tracking == {
        t["trackingNumber"] for c in _carriers(detail) for t in c["trackingDetails"]
    }
    assert all(isinstance(ln["requestedQuantity"], str) for ln in res["lines"])
    assert headers["X-Hub-Signature"] == wire.sandbox.signature(event["eventId"])
    if tracking:
        found = await wire.search({"trackingNumber": sorted(tracking)[0]})
        assert [o["ingramOrderNumber"] for o in found.json()["orders"]] == [number]
    with pytest.raises(ValueError):
        wire.sandbox.ship(await wire.create_held("SHIP-HELD"))


@pytest.mark.asyncio
async def test_webhooks_delivered_to_a_callable() -> None:
    received: list[tuple[dict[str, str], bytes]] = []
    sandbox = Sandbox(
        seed=1,
        orders=5,
        clock=FakeClock(),
        webhook_secret="whsec-123",
        webhook_target=lambda h, b: received.append((dict(h), b)),
    )
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        w = Wire(sandbox, http)
        number = await w.create_held("WH-1")
        assert received == []
        await w.cancel(number)
    assert len(received) == 1
    headers, body = received[0]
    assert headers["X-Hub-Signature"] == _signature("whsec-123", json.loads(body)["eventId"])
    assert sandbox.counters.webhooks_delivered == 1
    assert sandbox.deliver_webhooks() == 0  # each event goes out once


@pytest.mark.asyncio
async def test_async_webhook_callable_and_manual_delivery() -> None:
    got: list[bytes] = []

    async def receiver(headers: Any, body: bytes) -> None:
        got.append(body)

    sandbox = Sandbox(
        seed=1, orders=5, clock=FakeClock(), webhook_target=receiver, webhook_auto_deliver=False
    )
    number = (
        sandbox.order_numbers(status="Processing")[0]
        if sandbox.order_numbers(status="Processing")
        else None
    )
    if number is None:
        number = sandbox.order_numbers(status="Backordered")[0]
    sandbox.ship(number)
    assert got == []
    assert await sandbox.adeliver_webhooks() == 1
    assert json.loads(got[0])["resource"][0]["orderNumber"] == number
    with pytest.raises(ValueError):
        Sandbox(seed=1, orders=1).deliver_webhooks()


# ---------------------------------------------------------------------------- data


def test_same_seed_same_data_and_different_seed_different_data() -> None:
    a = Sandbox(seed=11, orders=40, clock=FakeClock())
    b = Sandbox(seed=11, orders=40, clock=FakeClock())
    c = Sandbox(seed=12, orders=40, clock=FakeClock())
    assert a.order_numbers() == b.order_numbers()
    assert [a.order(n) for n in a.order_numbers()] == [b.order(n) for n in b.order_numbers()]
    assert dict(a.catalog) == dict(b.catalog)
    assert a.order_numbers() != c.order_numbers()
    assert dict(a.catalog) != dict(c.catalog)


def test_seeded_data_is_realistic() -> None:
    sandbox = Sandbox(seed=7, orders=300, clock=FakeClock())
    details = _details(sandbox)
    statuses = {o["orderStatus"] for o in details}
    assert statuses >= {"Shipped", "Delivered", "Processing", "Backordered", "Canceled", "On Hold"}
    assert any(len({ln["subOrderNumber"] for ln in o["lines"]}) > 1 for o in details)
    assert sum(len(o["lines"]) for o in details) > 2 * len(details)
    carriers = [c for o in details for c in _carriers(o)]
    assert len({c["carrierName"] for c in carriers}) >= 4
    serials = [s for c in carriers for t in c["trackingDetails"] for s in t["serialNumbers"]]
    assert len({s["serialNumber"] for s in serials}) == len(serials) > 100
    assert any(round(o["orderTotal"] * 100) % 100 for o in details)  # cents
    assert all(round(o["orderTotal"], 2) == o["orderTotal"] for o in details)
    days = sorted(o["ingramOrderDate"][:10] for o in details)
    from datetime import date

    span = date.fromisoformat(days[-1]) - date.fromisoformat(days[0])
    assert span.days > 120
    assert len({ln["vendorName"] for o in details for ln in o["lines"]}) >= 8
    assert all(len(p) == 6 for p in sandbox.catalog)
    assert len({o["shipToInfo"]["city"] for o in details}) >= 8
