"""Rate limits, injected faults, latency, counters, trio, and the emulator's speed."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import anyio
import httpx
import pytest

from xi_orders.testing import ENDPOINTS, FakeClock, Faults, Sandbox
from xi_orders.testing._app import CoreRequest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _client(sandbox: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=sandbox.transport(), base_url=sandbox.base_url, headers=sandbox.headers()
    )


# ---------------------------------------------------------------------------- rate limits


@pytest.mark.asyncio
async def test_rate_limit_headers_and_429() -> None:
    clock = FakeClock(1_000_000.25)
    sandbox = Sandbox(seed=1, orders=5, clock=clock, rate_limit=3, rate_limit_window=1.0)
    number = sandbox.order_numbers()[0]
    async with _client(sandbox) as http:
        seen = []
        for _ in range(3):
            r = await http.get(f"/resellers/v6.1/orders/{number}")
            assert r.status_code == 200
            seen.append(
                (
                    r.headers["X-RateLimit-Limit"],
                    r.headers["X-RateLimit-Remaining"],
                    r.headers["X-RateLimit-Reset"],
                )
            )
        assert seen == [("3", "2", "1000001"), ("3", "1", "1000001"), ("3", "0", "1000001")]
        r = await http.get(f"/resellers/v6.1/orders/{number}")
        assert r.status_code == 429
        assert r.json() == {"errors": [{"field": None, "message": "too many requests"}]}
        assert r.headers["X-RateLimit-Remaining"] == "0" and r.headers["Retry-After"] == "1"
        assert r.headers["IM-CorrelationID"] == "sandbox-test-0001"
        # other endpoints have their own window
        s = await http.get("/resellers/v6/orders/search")
        assert s.status_code == 200 and s.headers["X-RateLimit-Remaining"] == "2"
        clock.advance(0.75)  # the next window
        r = await http.get(f"/resellers/v6.1/orders/{number}")
        assert r.status_code == 200 and r.headers["X-RateLimit-Reset"] == "1000002"
    counters = sandbox.counters
    assert counters.rate_limited == 1
    assert (
        counters.responses[("get_order", 429)] == 1 and counters.responses[("get_order", 200)] == 4
    )


@pytest.mark.asyncio
async def test_rate_limits_per_endpoint_mapping_and_off_by_default() -> None:
    sandbox = Sandbox(
        seed=1, orders=5, clock=FakeClock(), rate_limit={"search_orders": 1}, rate_limit_window=60
    )
    number = sandbox.order_numbers()[0]
    async with _client(sandbox) as http:
        assert (await http.get("/resellers/v6/orders/search")).status_code == 200
        assert (await http.get("/resellers/v6/orders/search")).status_code == 429
        for _ in range(5):
            r = await http.get(f"/resellers/v6.1/orders/{number}")
            assert r.status_code == 200 and "X-RateLimit-Limit" not in r.headers
    plain = Sandbox(seed=1, orders=5, clock=FakeClock())
    async with _client(plain) as http:
        r = await http.get("/resellers/v6/orders/search")
        assert not [h for h in r.headers if h.lower().startswith("x-ratelimit")]
    with pytest.raises(ValueError):
        Sandbox(orders=1, rate_limit={"get_orders": 5})


@pytest.mark.asyncio
async def test_rate_limit_applies_after_auth_and_before_validation() -> None:
    sandbox = Sandbox(seed=1, orders=2, clock=FakeClock(), rate_limit=1, rate_limit_window=60)
    async with _client(sandbox) as http:
        assert (
            await http.get("/resellers/v6/orders/search", headers={"Authorization": "Bearer x"})
        ).status_code == 401
        r = await http.get("/resellers/v6/orders/search", headers={"IM-CountryCode": "USA"})
        assert r.status_code == 400 and r.headers["X-RateLimit-Remaining"] == "0"
        assert (await http.get("/resellers/v6/orders/search")).status_code == 429


# ---------------------------------------------------------------------------- faults


CREATE = {"customerOrderNumber": "FAULT-PO", "lines": [{"customerLineNumber": "1", "quantity": 1}]}


def _create_body(sandbox: Sandbox) -> dict[str, Any]:
    body = json.loads(json.dumps(CREATE))
    body["lines"][0]["ingramPartNumber"] = next(iter(sandbox.catalog))
    return body


@pytest.mark.asyncio
async def test_drop_before_processing_creates_nothing() -> None:
    sandbox = Sandbox(seed=1, orders=2, clock=FakeClock())
    sandbox.inject("drop_before", endpoint="create_order")
    async with _client(sandbox) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("/resellers/v6/orders", json=_create_body(sandbox))
        assert sandbox.counters.orders_created == 0
        assert (
            await http.get(
                "/resellers/v6/orders/search", params={"customerOrderNumber": "FAULT-PO"}
            )
        ).status_code == 204
        # the fault was used up: the retry goes through
        assert (
            await http.post("/resellers/v6/orders", json=_create_body(sandbox))
        ).status_code == 201
    assert sandbox.counters.faults == Counter({"drop_before": 1})
    assert [rec.status for rec in sandbox.request_log] == [None, 204, 201]


@pytest.mark.asyncio
async def test_drop_after_processing_the_order_exists_but_the_answer_is_lost() -> None:
    sandbox = Sandbox(seed=1, orders=2, clock=FakeClock())
    sandbox.inject("drop_after", endpoint="create_order")
    async with _client(sandbox) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("/resellers/v6/orders", json=_create_body(sandbox))
        assert sandbox.counters.orders_created == 1
        found = await http.get(
            "/resellers/v6/orders/search", params={"customerOrderNumber": "FAULT-PO"}
        )
        assert found.json()["recordsFound"] == "1"
        # a blind retry is now a duplicate PO: rejected, nothing created twice
        retry = await http.post("/resellers/v6/orders", json=_create_body(sandbox))
        assert retry.status_code == 400
    assert sandbox.counters.orders_created == 1
    assert sandbox.counters.responses[("create_order", 0)] == 1


@pytest.mark.asyncio
async def test_injected_error_answers() -> None:
    sandbox = Sandbox(seed=1, orders=3, clock=FakeClock())
    number = sandbox.order_numbers()[0]
    url = f"/resellers/v6.1/orders/{number}"
    async with _client(sandbox) as http:
        sandbox.inject("server_error")
        r = await http.get(url)
        assert r.status_code == 500 and r.json()["errors"][0]["type"] == "/errors/server-error"
        sandbox.inject("rate_limit")
        r = await http.get(url)
        assert r.status_code == 429 and r.json()["errors"][0]["message"] == "too many requests"
        sandbox.inject("html")
        r = await http.get(url)
        assert r.status_code == 503 and r.headers["content-type"].startswith("text/html")
        assert r.text.startswith("<!DOCTYPE html>")
        sandbox.inject("truncated_json")
        r = await http.get(url)
        assert r.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(r.content)
        assert sandbox.order(number) == json.loads((await http.get(url)).content)
        sandbox.inject("empty_body", times=2, endpoint="get_order")
        assert (
            await http.get("/resellers/v6/orders/search")
        ).content != b""  # other endpoint: untouched
        for _ in range(2):
            r = await http.get(url)
            assert r.status_code == 200 and r.content == b""
        assert (await http.get(url)).json()["ingramOrderNumber"] == number
    assert sandbox.counters.faults == Counter(
        {"server_error": 1, "rate_limit": 1, "html": 1, "truncated_json": 1, "empty_body": 2}
    )
    with pytest.raises(ValueError):
        sandbox.inject("meteor")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sandbox.inject("html", endpoint="get_orders")


@pytest.mark.asyncio
async def test_seeded_fault_rates_are_reproducible() -> None:
    async def statuses(seed: int) -> list[int]:
        sandbox = Sandbox(
            seed=seed, orders=3, clock=FakeClock(), faults=Faults(server_error=0.3, rate_limit=0.1)
        )
        number = sandbox.order_numbers()[0]
        out = []
        async with _client(sandbox) as http:
            for _ in range(300):
                out.append((await http.get(f"/resellers/v6.1/orders/{number}")).status_code)
        assert sandbox.counters.faults["server_error"] == out.count(500)
        return out

    first, again, other = await statuses(4), await statuses(4), await statuses(5)
    assert first == again
    assert first != other
    assert 60 <= first.count(500) <= 120 and 15 <= first.count(429) <= 50
    assert first.count(200) == 300 - first.count(500) - first.count(429)


@pytest.mark.asyncio
async def test_faults_spare_the_token_endpoint_unless_asked() -> None:
    sandbox = Sandbox(seed=2, orders=1, faults=Faults(server_error=1.0))
    async with _client(sandbox) as http:
        form = {
            "grant_type": "client_credentials",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
        }
        assert (await http.post("/oauth/oauth30/token", data=form)).status_code == 200
        assert (await http.get("/resellers/v6/orders/search")).status_code == 500
        sandbox.faults = Faults(server_error=1.0, endpoints=frozenset({"token"}))
        assert (await http.post("/oauth/oauth30/token", data=form)).status_code == 500
        assert (await http.get("/resellers/v6/orders/search")).status_code == 200


def test_faults_are_validated() -> None:
    with pytest.raises(ValueError):
        Faults(server_error=0.7, drop_after=0.4)
    with pytest.raises(ValueError):
        Faults(slow=1.5)
    with pytest.raises(ValueError):
        Faults(endpoints=frozenset({"nope"}))
    assert set(Faults().endpoints) == set(ENDPOINTS) - {"token"}


# ---------------------------------------------------------------------------- latency


@pytest.mark.asyncio
async def test_fixed_latency_overlaps_under_concurrency() -> None:
    sandbox = Sandbox(seed=1, orders=20, latency=0.1)
    numbers = sandbox.order_numbers()
    async with _client(sandbox) as http:
        start = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for n in numbers:
                tg.start_soon(http.get, f"/resellers/v6.1/orders/{n}")
        elapsed = time.perf_counter() - start
    assert 0.1 <= elapsed < 0.6  # 20 calls at 0.1 s each, concurrently


@pytest.mark.asyncio
async def test_slow_fault_delays_the_answer() -> None:
    sandbox = Sandbox(seed=1, orders=2, faults=Faults(slow_seconds=0.3))
    sandbox.inject("slow")
    async with _client(sandbox) as http:
        start = time.perf_counter()
        r = await http.get("/resellers/v6/orders/search")
        assert r.status_code == 200 and time.perf_counter() - start >= 0.3
        sandbox.inject("slow")
        # the transport really sleeps (anyio.sleep), so a caller's deadline cuts it short
        with pytest.raises(TimeoutError), anyio.fail_after(0.05):
            await http.get("/resellers/v6/orders/search")
    assert sandbox.counters.faults["slow"] == 2


def test_latency_range_is_seeded_and_validated() -> None:
    a = Sandbox(seed=3, orders=1, latency=(0.0, 0.002))
    b = Sandbox(seed=3, orders=1, latency=(0.0, 0.002))
    req = CoreRequest("GET", "/resellers/v6/orders/search", "", {})
    delays_a = [a._core.handle(req).delay for _ in range(20)]
    delays_b = [b._core.handle(req).delay for _ in range(20)]
    assert delays_a == delays_b and len(set(delays_a)) == 20
    assert all(0.0 <= x <= 0.002 for x in delays_a)
    with pytest.raises(ValueError):
        Sandbox(orders=1, latency=(0.5, 0.1))
    with pytest.raises(ValueError):
        Sandbox(orders=1, latency=-1)


# ---------------------------------------------------------------------------- trio and asyncio


@pytest.mark.anyio
async def test_lookups_with_latency_on_both_backends() -> None:
    sandbox = Sandbox(seed=9, orders=30, latency=0.05)
    numbers = sandbox.order_numbers()
    results: dict[str, int] = {}
    async with _client(sandbox) as http:

        async def fetch(n: str) -> None:
            results[n] = (await http.get(f"/resellers/v6.1/orders/{n}")).status_code

        start = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for n in numbers:
                tg.start_soon(fetch, n)
        elapsed = time.perf_counter() - start
    assert results == dict.fromkeys(numbers, 200)
    assert elapsed < 0.5
    assert sandbox.counters.requests["get_order"] == 30


@pytest.mark.anyio
async def test_create_and_drop_on_both_backends() -> None:
    sandbox = Sandbox(seed=9, orders=3, clock=FakeClock())
    sandbox.inject("drop_after", endpoint="create_order")
    async with _client(sandbox) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("/resellers/v6/orders", json=_create_body(sandbox))
        r = await http.get(
            "/resellers/v6/orders/search", params={"customerOrderNumber": "FAULT-PO"}
        )
        assert r.json()["recordsFound"] == "1"


def test_sync_httpx_client_works_too() -> None:
    sandbox = Sandbox(seed=9, orders=3, clock=FakeClock(), latency=0.01)
    with httpx.Client(
        transport=sandbox.transport(), base_url=sandbox.base_url, headers=sandbox.headers()
    ) as http:
        number = sandbox.order_numbers()[0]
        assert http.get(f"/resellers/v6.1/orders/{number}").json()["ingramOrderNumber"] == number
        sandbox.inject("drop_before")
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(f"/resellers/v6.1/orders/{number}")


# Speed is measured in benchmarks/ (nox -s bench), as ratios in one run, never here.
