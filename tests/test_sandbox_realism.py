"""The sandbox held against third-party tools (issue 13), and its realism options.

Schemathesis and the official SDK pointed at ``sandbox.serve()`` found answers no API
gateway gives (a text/plain body creating an order, HTML for TRACE, an empty release body,
order-number checks that differ by endpoint): each is pinned here. Then every
:class:`~xi_orders.testing.Realism` option is switched on and the public client is shown
to cope with it, the pagination ones also over a real socket.
"""

from __future__ import annotations

import contextlib
import json
import socket
import warnings
from typing import Any

import httpx
import pytest

from xi_orders import BadRequestError, NotFoundError, OrderStatus, TokenRequestError
from xi_orders.models import (
    OrderCreateLine,
    OrderCreateRequest,
    OrderCreateV7Request,
    OrderModifyRequest,
)
from xi_orders.pagination import PaginationError, PaginationWarning
from xi_orders.testing import FakeClock, Realism, Sandbox
from xi_orders.webhooks import parse_events

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def order_request(sandbox: Sandbox, po: str, *, hold: bool = False) -> OrderCreateRequest:
    return OrderCreateRequest(
        customer_order_number=po,
        lines=[
            OrderCreateLine(
                customer_line_number="001",
                ingram_part_number=next(iter(sandbox.catalog)),
                quantity=2,
            )
        ],
        customer_hold=hold,
    )


def raw(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(
        transport=sandbox.transport(), base_url=sandbox.base_url, headers=sandbox.headers()
    )


def socket_client(sandbox: Sandbox, url: str) -> Any:
    return sandbox.client(base_url=url, transport=None)


# ---------------------------------------------------------------------------- the fixes


def test_a_body_that_is_not_declared_json_is_415() -> None:
    sandbox = Sandbox(seed=1, orders=3)
    body = json.dumps(
        {
            "customerOrderNumber": "CT-1",
            "lines": [
                {
                    "customerLineNumber": "001",
                    "ingramPartNumber": next(iter(sandbox.catalog)),
                    "quantity": 1,
                }
            ],
        }
    )
    with raw(sandbox) as http:
        for content_type in ("text/plain", None, "application/x-www-form-urlencoded"):
            headers = {"Content-Type": content_type} if content_type else {}
            r = http.post("/resellers/v6/orders", content=body, headers=headers)
            assert r.status_code == 415, (content_type, r.text)
            assert r.json()["errors"][0]["type"] == "/errors/unsupported-media-type"
            number = sandbox.order_numbers()[0]
            r = http.put(
                f"/resellers/v6/orders/{number}", content='{"notes": "x"}', headers=headers
            )
            assert r.status_code == 415
        assert sandbox.counters.orders_created == 0
        r = http.post(
            "/resellers/v6/orders",
            content=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        assert r.status_code == 201
    assert sandbox.counters.orders_created == 1


def test_405_is_the_api_error_shape_with_its_own_type() -> None:
    sandbox = Sandbox(seed=1, orders=3)
    with raw(sandbox) as http:
        r = http.patch(f"/resellers/v6/orders/{sandbox.order_numbers()[0]}")
    assert r.status_code == 405 and r.headers["allow"] == "DELETE, PUT"
    assert r.json()["errors"][0]["type"] == "/errors/method-not-allowed"


def test_every_method_gets_json_over_a_socket_and_head_no_body() -> None:
    sandbox = Sandbox(seed=1, orders=3)
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url, httpx.Client(base_url=url, headers=sandbox.headers()) as http:
        for method in ("TRACE", "OPTIONS", "PATCH", "FROB"):
            r = http.request(method, f"/resellers/v6.1/orders/{number}")
            assert r.status_code == 405, (method, r.text)
            assert r.headers["content-type"] == "application/json", method
            assert r.json()["errors"][0]["type"] == "/errors/method-not-allowed"
            assert r.headers["allow"] == "GET"
        r = http.head(f"/resellers/v6.1/orders/{number}")
        assert r.status_code == 405 and r.content == b""
        assert r.headers["content-type"] == "application/json"
        assert http.get(f"/resellers/v6.1/orders/{number}").status_code == 200  # still in step
        host, port = url.removeprefix("http://").split(":")
        answers = []
        for request in (
            b"GET /x HTTP/1.1\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n",
            b"NONSENSE\r\n\r\n",
        ):
            with socket.create_connection(
                (host, int(port)), timeout=5
            ) as sock:  # http.server's own errors
                sock.sendall(request)
                chunks = []
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
            answers.append(b"".join(chunks))
    head, _, body = answers[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.") and b" 431 " in head.split(b"\r\n")[0]
    assert b"application/json" in head and json.loads(body)["errors"][0]["message"]
    assert json.loads(answers[1])["errors"][0]["message"].startswith(
        "Bad request"
    )  # HTTP/0.9: no head


async def test_release_answers_the_specs_null_and_the_client_takes_it() -> None:
    sandbox = Sandbox(seed=2, orders=3, clock=FakeClock())
    async with sandbox.client() as client:
        held = (
            await client.create_order(order_request(sandbox, "REL-1", hold=True))
        ).order_numbers[0]
        with raw(sandbox) as http:
            r = http.put(f"/resellers/v6/orders/{held}", params={"actionCode": "release"})
        assert r.status_code == 200 and r.content == b"null"
        assert r.headers["content-type"] == "application/json"
        held2 = (
            await client.create_order(order_request(sandbox, "REL-2", hold=True))
        ).order_numbers[0]
        result = await client.release_order(held2)
    assert result.decode_problem is None and result.response is not None
    assert result.response.status_code == 200
    assert sandbox.order(held2)["orderStatus"] != "On Hold"


@pytest.mark.parametrize(
    "number, status", [("NOT-AN-ORDER", 400), ("20-1", 400), ("20-NOSUCH", 404)]
)
def test_one_order_number_rule_for_every_endpoint(number: str, status: int) -> None:
    sandbox = Sandbox(seed=1, orders=3)
    with raw(sandbox) as http:
        answers = {
            "get": http.get(f"/resellers/v6.1/orders/{number}"),
            "modify": http.put(f"/resellers/v6/orders/{number}", json={"notes": "x"}),
            "cancel": http.delete(f"/resellers/v6/orders/{number}"),
        }
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, status)
    if status == 400:
        fields = [r.json()["errors"][0]["fields"][0]["field"] for r in answers.values()]
        assert fields == ["ordernumber", "orderNumber", "OrderNumber"]  # the spec's 3 spellings


# ---------------------------------------------------------------------------- nulls


def _nulls(node: Any) -> int:
    if node is None:
        return 1
    if isinstance(node, dict):
        return sum(_nulls(v) for v in node.values())
    if isinstance(node, list):
        return sum(_nulls(v) for v in node)
    return 0


async def test_the_specs_nulls_are_sent_by_default_and_decode() -> None:
    sandbox = Sandbox(seed=4, orders=30)
    assert sandbox.realism.nulls
    details = [sandbox.order(n) for n in sandbox.order_numbers()]
    lines = [ln for det in details for ln in det["lines"]]
    licence = [ln for ln in lines if "serviceContractInfo" in ln]
    assert licence and len(licence) < len(lines)
    assert all(_nulls(ln) == (13 if "serviceContractInfo" in ln else 12) for ln in lines)
    assert all(
        ln["scheduleLines"] is None and ln["estimatedDates"][0]["delivery"] is None for ln in lines
    )
    async with sandbox.client() as client:
        for number in sandbox.order_numbers()[:10]:
            order = await client.get_order(number)
            assert order.lines and all(ln.schedule_lines == [] for ln in order.lines)
            assert all(
                len(ln.estimated_dates) == 2 and len(ln.planned_shipments) == 1
                for ln in order.lines
            )
    plain = Sandbox(seed=4, orders=30, realism=Realism(nulls=False))
    assert all(_nulls(plain.order(n)) == 0 for n in plain.order_numbers())


# ---------------------------------------------------------------------------- search paging


PREFETCH = pytest.mark.parametrize("prefetch", [0, 4])


def pagination_messages(caught: Any) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, PaginationWarning)]


@PREFETCH
async def test_a_server_page_size_still_yields_every_order(prefetch: int) -> None:
    sandbox = Sandbox(seed=13, orders=250, clock=FakeClock(), realism=Realism(search_page_size=25))
    async with sandbox.client() as client:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PaginationWarning)
            found = await client.search_orders(page_size=100, prefetch=prefetch).collect()
    assert [o.ingram_order_number for o in found] == sandbox.order_numbers()
    assert len(found) == 250
    assert sandbox.counters.requests["search_orders"] == 10
    with raw(sandbox) as http:
        page = http.get("/resellers/v6/orders/search", params={"pageSize": "100"}).json()
    assert page["pageSize"] == "25" and len(page["orders"]) == 25


@PREFETCH
async def test_an_unreported_server_page_size_over_a_socket(prefetch: int) -> None:
    sandbox = Sandbox(
        seed=13,
        orders=250,
        clock=FakeClock(),
        realism=Realism(search_page_size=25, report_page_size=False),
    )
    with sandbox.serve() as url:
        async with httpx.AsyncClient(base_url=url, headers=sandbox.headers()) as http:
            assert "pageSize" not in (await http.get("/resellers/v6/orders/search")).json()
        async with socket_client(sandbox, url) as client:
            with warnings.catch_warnings():
                warnings.simplefilter("error", PaginationWarning)
                found = await client.search_orders(prefetch=prefetch).collect()
    assert [o.ingram_order_number for o in found] == sandbox.order_numbers()


@PREFETCH
@pytest.mark.parametrize("drift", [3, -3])
async def test_a_count_that_drifts_mid_walk_warns_once(drift: int, prefetch: int) -> None:
    sandbox = Sandbox(
        seed=13,
        orders=250,
        clock=FakeClock(),
        realism=Realism(search_page_size=25, records_found_drift=drift),
    )
    with raw(sandbox) as http:
        counts = [
            int(
                http.get("/resellers/v6/orders/search", params={"pageNumber": str(p)}).json()[
                    "recordsFound"
                ]
            )
            for p in (1, 2, 3)
        ]
    assert counts == [250, 250 + drift, 250 + 2 * drift]
    with sandbox.serve() as url:
        async with socket_client(sandbox, url) as client:
            with pytest.warns(PaginationWarning) as caught:
                found = await client.search_orders(prefetch=prefetch).collect()
            with pytest.raises(PaginationError):
                await client.search_orders(strict=True, prefetch=prefetch).collect()
    (message,) = pagination_messages(caught)  # one for the walk, not one per page
    numbers = [o.ingram_order_number for o in found]
    if drift > 0:
        # Orders added at the head push rows onto the next page: 283 rows arrive, each
        # order is yielded once and none is lost.
        assert numbers == sandbox.order_numbers()
        assert (
            "count changed mid-search on 11 pages (2-12): 250 records found on page 1, "
            "283 on page 12"
        ) in message
        assert "33 rows on 11 pages (2-12) repeated orders already yielded" in message
        assert "283 rows over 12 pages, 250 orders yielded" in message
        warning = caught.list[0].message
        assert isinstance(warning, PaginationWarning) and warning.duplicates == 33
    else:  # orders gone from the head: rows skip past the walk, and it says so
        assert len(set(numbers)) == len(numbers) < 250
        assert "250 records found on page 1, 226 on page 9" in message
        assert "incomplete" in message and "repeated" not in message


@PREFETCH
async def test_a_server_that_ignores_the_page_number_warns(prefetch: int) -> None:
    sandbox = Sandbox(
        seed=13,
        orders=250,
        clock=FakeClock(),
        realism=Realism(search_page_size=25, ignore_page_number=True),
    )
    with sandbox.serve() as url:
        async with socket_client(sandbox, url) as client:
            with pytest.warns(PaginationWarning, match="repeated a page") as caught:
                found = await client.search_orders(prefetch=prefetch).collect()
    assert len(pagination_messages(caught)) == 1
    assert [o.ingram_order_number for o in found] == sandbox.order_numbers()[:25]


@PREFETCH
@pytest.mark.parametrize("how", ["empty", "204"])
async def test_a_search_that_stops_early_warns(how: Any, prefetch: int) -> None:
    sandbox = Sandbox(
        seed=13,
        orders=250,
        clock=FakeClock(),
        realism=Realism(
            search_page_size=25, search_stops_early_after=2, search_stops_early_with=how
        ),
    )
    with sandbox.serve() as url:
        async with socket_client(sandbox, url) as client:
            with pytest.warns(PaginationWarning, match="incomplete"):
                found = await client.search_orders(prefetch=prefetch).collect()
    assert len(found) == 50
    with raw(sandbox) as http:
        r = http.get("/resellers/v6/orders/search", params={"pageNumber": "3"})
    if how == "204":
        assert r.status_code == 204
    else:
        assert r.json()["orders"] == [] and r.json()["recordsFound"] == "250"


@PREFETCH
async def test_an_empty_first_page_with_records_found_warns(prefetch: int) -> None:
    """``search_stops_early_after=0``: page 1 says 250 found and holds no rows."""
    sandbox = Sandbox(
        seed=13,
        orders=250,
        clock=FakeClock(),
        realism=Realism(search_page_size=25, search_stops_early_after=0),
    )
    async with sandbox.client() as client:
        with pytest.warns(PaginationWarning, match=r"page 1 after 0 of the 250 records"):
            assert await client.search_orders(prefetch=prefetch).collect() == []
        with pytest.raises(PaginationError, match=r"0 of the 250"):
            await client.search_orders(strict=True, prefetch=prefetch).collect()
    assert sandbox.counters.requests["search_orders"] == 2  # one page each


# ---------------------------------------------------------------------------- creates


async def test_v7_can_answer_with_the_events_themselves() -> None:
    sandbox = Sandbox(seed=5, orders=3, realism=Realism(v7_create_answer="events"))
    request = OrderCreateV7Request(
        customer_order_number="V7-1",
        lines=[
            OrderCreateLine(
                customer_line_number="001",
                ingram_part_number=next(iter(sandbox.catalog)),
                quantity=1,
            )
        ],
    )
    async with sandbox.client() as client:
        result = await client.create_order_v7(request)
    assert result.response is not None and result.response.status_code == 201
    assert result.decode_problem is None and len(result.events) == 1
    assert result.order_numbers == [sandbox.order_numbers()[0]]
    assert sandbox.counters.orders_created == 1


@pytest.mark.parametrize("drop", [False, True])
async def test_a_2xx_create_or_modify_with_errors_still_acted(drop: bool) -> None:
    sandbox = Sandbox(
        seed=5,
        orders=3,
        clock=FakeClock(),
        realism=Realism(create_2xx_errors=True, create_2xx_errors_drop_orders=drop),
    )
    async with sandbox.client() as client:
        created = await client.create_order(order_request(sandbox, "ERR-1", hold=True))
        assert created.response is not None and created.response.status_code == 201
        assert created.errors and created.errors[0].fields and created.is_partial
        assert created.decode_problem is None
        number = sandbox.order_numbers()[0]
        assert sandbox.order(number)["customerOrderNumber"] == "ERR-1"
        assert created.order_numbers == ([] if drop else [number])
        modified = await client.modify_order(number, OrderModifyRequest(notes="CHANGED"))
    assert modified.errors and modified.decode_problem is None
    assert sandbox.order(number)["notes"] == "CHANGED"
    assert sandbox.counters.orders_created == 1


@pytest.mark.parametrize(
    ("shape", "key", "wire"),
    [
        ("strings", "errors", list),
        ("string", "errors", str),
        ("objects", "Errors", list),
        ("string", "ERRORS", str),
    ],
)
async def test_a_2xx_with_errors_as_strings_or_another_casing_is_partial(
    shape: Any, key: str, wire: type
) -> None:
    realism = Realism(
        create_2xx_errors=True, create_2xx_errors_shape=shape, create_2xx_errors_key=key
    )
    sandbox = Sandbox(seed=5, orders=3, clock=FakeClock(), realism=realism)
    async with sandbox.client() as client:
        created = await client.create_order(order_request(sandbox, "ERR-S", hold=True))
        number = sandbox.order_numbers()[0]
        modified = await client.modify_order(number, OrderModifyRequest(notes="CHANGED"))
    for result in (created, modified):
        assert isinstance(result.raw_body[key], wire)  # the shape asked for, as sent
        assert result.is_partial and result.decode_problem is None
        assert result.errors[0].message == "The request was processed with errors"
    assert created.order_numbers == [number]
    assert sandbox.order(number)["notes"] == "CHANGED"


@pytest.mark.parametrize("body", ["html", "empty"])
async def test_a_2xx_create_or_modify_that_is_not_json_still_acted(body: Any) -> None:
    sandbox = Sandbox(
        seed=5, orders=3, clock=FakeClock(), realism=Realism(create_2xx_non_json=body)
    )
    async with sandbox.client() as client:
        created = await client.create_order(order_request(sandbox, "HTML-1", hold=True))
        assert created.response is not None and created.response.status_code == 201
        assert created.decode_problem is not None
        number = sandbox.order_numbers()[0]
        modified = await client.modify_order(number, OrderModifyRequest(notes="CHANGED"))
    assert modified.decode_problem is not None
    assert sandbox.counters.orders_created == 1
    assert sandbox.order(number)["notes"] == "CHANGED"
    assert sandbox.counters.requests["create_order"] == 1  # never sent again


# ---------------------------------------------------------------------------- details


FAMILIES = {
    OrderStatus.IN_PROGRESS: {OrderStatus.IN_PROGRESS, OrderStatus.ORDER_NOT_PRINTED},
    OrderStatus.PROCESSING: {OrderStatus.PROCESSING, OrderStatus.IN_PROGRESS},
    OrderStatus.DELIVERED: {OrderStatus.DELIVERED, OrderStatus.E_DELIVERED},
    OrderStatus.CANCELLED: {OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.VOIDED},
}


def test_mixed_status_spellings_reach_the_status_webhooks() -> None:
    """The status webhooks' lines carry the same spellings as the details, and
    ``OrderStatusLine.status`` reads each one; the canonical sandbox sends one spelling."""
    found: dict[str, tuple[set[str | None], set[OrderStatus | None]]] = {}
    for name, realism in (("plain", Realism()), ("mixed", Realism(status_spelling="mixed"))):
        sandbox = Sandbox(seed=6, orders=40, clock=FakeClock(), realism=realism)
        for number in sandbox.order_numbers():
            with contextlib.suppress(ValueError):  # held or cancelled: not shipped
                sandbox.ship(number)
        lines = [
            line
            for queued in sandbox.webhook_events
            for event in parse_events(queued.body, queued.headers, sandbox.webhook_secret)
            for change in event.status_changes
            for line in change.lines
        ]
        assert len(lines) > 50
        found[name] = ({ln.status_raw for ln in lines}, {ln.status for ln in lines})
    plain_raw, plain_statuses = found["plain"]
    mixed_raw, mixed_statuses = found["mixed"]
    assert plain_raw == {"Shipped", "Delivered"}
    assert len(mixed_raw) > 4 and not mixed_raw <= plain_raw
    assert all(s is not None and s.is_known for s in mixed_statuses)
    shipped = FAMILIES.get(OrderStatus.SHIPPED, {OrderStatus.SHIPPED})
    delivered = FAMILIES.get(OrderStatus.DELIVERED, {OrderStatus.DELIVERED})
    assert mixed_statuses <= shipped | delivered and plain_statuses <= mixed_statuses


async def test_mixed_status_spellings_decode() -> None:
    plain = Sandbox(seed=6, orders=60, clock=FakeClock())
    mixed = Sandbox(seed=6, orders=60, clock=FakeClock(), realism=Realism(status_spelling="mixed"))
    raw_spellings: set[str] = set()
    async with plain.client() as pc, mixed.client() as mc:
        for number in plain.order_numbers():
            want, got = await pc.get_order(number), await mc.get_order(number)
            pairs: list[tuple[OrderStatus | None, OrderStatus | None, str | None]] = [
                (want.status, got.status, got.order_status)
            ]
            pairs += [
                (a.status, b.status, b.line_status)
                for a, b in zip(want.lines, got.lines, strict=True)
            ]
            for canonical, status, spelling in pairs:
                assert status is not None and status.is_known, spelling
                assert canonical is not None
                assert status in FAMILIES.get(canonical, {canonical}), (canonical, spelling)
                raw_spellings.add(str(spelling))
        summaries = await mc.search_orders().collect()
        assert all(s.status is not None and s.status.is_known for s in summaries)
        for search_status, other_spelling in (("ON HOLD", "im::hold"), ("SHIPPED", "Shipped")):
            want_numbers = {
                s.ingram_order_number
                for s in await pc.search_orders(order_status=search_status).collect()
            }
            got_numbers = {
                s.ingram_order_number
                for s in await mc.search_orders(order_statuses=[other_spelling]).collect()
            }
            assert want_numbers and got_numbers == want_numbers, other_spelling
        assert await mc.search_orders(order_statuses=["LOST"]).collect() == []  # 204, not 400
    assert len(raw_spellings) > 12
    with raw(mixed) as http:
        assert (
            http.get("/resellers/v6/orders/search", params={"orderStatus": "LOST"}).status_code
            == 204
        )

        def numbers(**params: Any) -> set[str]:
            r = http.get("/resellers/v6/orders/search", params={**params, "pageSize": "100"})
            return {o["ingramOrderNumber"] for o in r.json()["orders"]}

        held = numbers(orderStatus="ON HOLD")
        assert held and numbers(orderStatus="im::hold") == held
        assert numbers(**{"orderStatus-in": ["Customer Hold", "IM::HOLD"]}) == held
    with raw(plain) as http:
        assert (
            http.get("/resellers/v6/orders/search", params={"orderStatus": "LOST"}).status_code
            == 400
        )


async def test_serial_and_tracking_number_variants_read_the_same() -> None:
    plain = Sandbox(seed=7, orders=60, clock=FakeClock())
    varied = Sandbox(seed=7, orders=60, clock=FakeClock(), realism=Realism(number_variants=True))
    wire = json.dumps([varied.order(n) for n in varied.order_numbers()])
    assert '"SerialNumbers"' in wire and '"serialnumbers"' in wire and '"SerialNumber"' in wire
    packages = [
        t
        for n in varied.order_numbers()
        for ln in varied.order(n)["lines"]
        for s in ln["shipmentDetails"]
        for c in s.get("carrierDetails", ())
        for t in c["trackingDetails"]
    ]
    assert any("," in t["trackingNumber"] for t in packages)
    assert any(
        " " in t["trackingNumber"].strip() and "," not in t["trackingNumber"] for t in packages
    )
    seen_serials = 0
    async with plain.client() as pc, varied.client() as vc:
        for number in plain.order_numbers():
            want, got = await pc.get_order(number), await vc.get_order(number)
            for a, b in zip(want.lines, got.lines, strict=True):
                assert b.tracking_numbers() == a.tracking_numbers()
                assert b.serial_numbers() == a.serial_numbers()
                seen_serials += len(a.serial_numbers())
    assert seen_serials > 20


async def test_details_without_lines_set_lines_missing() -> None:
    chosen = Sandbox(seed=8, orders=20).order_numbers()[:4]
    sandbox = Sandbox(seed=8, orders=20, realism=Realism(details_without_lines=frozenset(chosen)))
    async with sandbox.client() as client:
        for number in sandbox.order_numbers():
            order = await client.get_order(number)
            assert order.lines_missing is (number in chosen), number
    forms = {json.dumps(sandbox.order(n).get("lines", "absent")) for n in chosen}
    everywhere = Sandbox(seed=8, orders=20, realism=Realism(details_without_lines=1.0))
    forms |= {
        json.dumps(everywhere.order(n).get("lines", "absent")) for n in everywhere.order_numbers()
    }
    assert forms == {"[]", '"absent"'}
    some = Sandbox(seed=8, orders=200, realism=Realism(details_without_lines=0.1))
    missing = sum(
        "lines" not in some.order(n) or not some.order(n)["lines"] for n in some.order_numbers()
    )
    assert 5 < missing < 40


# ---------------------------------------------------------------------------- error shapes


async def test_another_customers_order_can_answer_a_top_level_fault() -> None:
    customers = ("20-111111", "20-222222")
    sandbox = Sandbox(
        seed=9, orders=10, customer_numbers=customers, realism=Realism(customer_mismatch="fault")
    )
    theirs = sandbox.order_numbers("20-222222")[0]
    async with sandbox.client() as client:
        with pytest.raises(BadRequestError) as caught:
            await client.get_order(theirs)
        with pytest.raises(BadRequestError):
            await client.cancel_order(theirs)
    assert "does not match the customer" in str(caught.value)
    with raw(sandbox) as http:
        body = http.get(f"/resellers/v6.1/orders/{theirs}").json()
    assert set(body) == {"faultcode", "faultstring"}
    default = Sandbox(seed=9, orders=10, customer_numbers=customers)
    async with default.client() as client:
        with pytest.raises(NotFoundError):
            await client.get_order(theirs)


async def test_the_token_endpoint_can_answer_oauth_errors() -> None:
    sandbox = Sandbox(seed=9, orders=3, realism=Realism(token_errors="oauth"))
    async with sandbox.client(client_secret="wrong") as client:
        with pytest.raises(TokenRequestError) as caught:
            await client.get_order(sandbox.order_numbers()[0])
    assert caught.value.status_code == 401 and "invalid_client" in str(caught.value)
    with raw(sandbox) as http:
        r = http.post("/oauth/oauth30/token", data={"grant_type": "password"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    default = Sandbox(seed=9, orders=3)
    with raw(default) as http:
        r = http.post(
            "/oauth/oauth30/token",
            data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
        )
    assert r.status_code == 401 and set(r.json()) == {"message"}


@pytest.mark.parametrize(
    "bad",
    [
        {"search_page_size": 0},
        {"search_page_size": 101},
        {"search_stops_early_after": -1},
        {"v7_create_answer": "later"},
        {"status_spelling": "odd"},
        {"create_2xx_errors": 1.5},
        {"create_2xx_errors_shape": "xml"},
        {"create_2xx_errors_key": "problems"},
        {"details_without_lines": -0.1},
        {"customer_mismatch": "403"},
        {"token_errors": "xml"},
    ],
)
def test_realism_rejects_bad_settings(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Realism(**bad)
