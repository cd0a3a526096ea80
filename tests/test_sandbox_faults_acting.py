"""Faults that act first and fail after (or fail without acting), connection resets,
search lag, search-only faults, and rate-limit headers on every answer of a served sandbox."""

from __future__ import annotations

import contextlib
import math
from typing import Any

import httpx
import pytest

from xi_orders.testing import FakeClock, Faults, Sandbox

_CREATE = "/resellers/v6/orders"


def _create_body(sandbox: Sandbox, po: str) -> dict[str, Any]:
    part = sorted(sandbox.catalog)[0]
    return {"customerOrderNumber": po, "lines": [{"ingramPartNumber": part, "quantity": 1}]}


def _placed(sandbox: Sandbox, po: str) -> list[str]:
    """Order numbers carrying PO number ``po`` (read from the sandbox, not over HTTP)."""
    return [
        n for n in sandbox.order_numbers() if sandbox.order(n)["customerOrderNumber"] == po.upper()
    ]


# fault -> (what the client sees, did the handler act)
_CASES: dict[str, tuple[type[Exception] | int, bool]] = {
    "drop_before": (httpx.RemoteProtocolError, False),
    "gateway_502_before": (502, False),
    "drop_after": (httpx.RemoteProtocolError, True),
    "reset": (httpx.ReadError, True),
    "act_then_timeout": (httpx.ReadTimeout, True),
    "act_then_502": (502, True),
}


def _check_outcome(sandbox: Sandbox, fault: str, po: str, outcome: Any) -> None:
    expected, acted = _CASES[fault]
    if isinstance(expected, int):
        assert isinstance(outcome, httpx.Response), outcome
        assert outcome.status_code == expected
        assert outcome.headers["content-type"].startswith("text/html")
        assert b"Bad Gateway" in outcome.content
    else:
        assert type(outcome) is expected, outcome
    counters = sandbox.counters
    assert counters.faults[fault] == 1
    assert counters.faults_acted[fault] == (1 if acted else 0)
    assert counters.orders_created == (1 if acted else 0)
    assert len(_placed(sandbox, po)) == (1 if acted else 0)
    creates = [r for r in sandbox.request_log if r.endpoint == "create_order"]
    assert [(r.fault, r.acted) for r in creates] == [(fault, acted)]


@pytest.mark.asyncio
@pytest.mark.parametrize("fault", sorted(_CASES))
async def test_create_faults_in_process_say_whether_the_order_was_placed(fault: str) -> None:
    sandbox = Sandbox(seed=3, orders=4, faults=Faults(hang_seconds=5.0))
    sandbox.inject(fault, endpoint="create_order")  # type: ignore[arg-type]
    po = f"PO-{fault}"[:18]
    async with httpx.AsyncClient(
        transport=sandbox.transport(),
        base_url=sandbox.base_url,
        headers=sandbox.headers(),
        timeout=0.2,
    ) as http:
        try:
            outcome: Any = await http.post(_CREATE, json=_create_body(sandbox, po))
        except httpx.HTTPError as exc:
            outcome = exc
    _check_outcome(sandbox, fault, po, outcome)


@pytest.mark.parametrize("fault", sorted(_CASES))
def test_create_faults_over_a_real_socket(fault: str) -> None:
    sandbox = Sandbox(seed=3, orders=4, faults=Faults(hang_seconds=5.0))
    sandbox.inject(fault, endpoint="create_order")  # type: ignore[arg-type]
    po = f"PO-{fault}"[:18]
    with (
        sandbox.serve() as url,
        httpx.Client(base_url=url, headers=sandbox.headers(), timeout=0.5) as http,
    ):
        try:
            outcome: Any = http.post(_CREATE, json=_create_body(sandbox, po))
        except httpx.HTTPError as exc:
            outcome = exc
        # the server (and this connection pool) keeps working after the fault
        assert http.get(f"/resellers/v6.1/orders/{sandbox.order_numbers()[-1]}").status_code == 200
    _check_outcome(sandbox, fault, po, outcome)


@pytest.mark.asyncio
async def test_reset_sends_headers_and_part_of_the_body_in_process() -> None:
    sandbox = Sandbox(seed=3, orders=4)
    number = sandbox.order_numbers()[0]
    async with httpx.AsyncClient(
        transport=sandbox.transport(), base_url=sandbox.base_url, headers=sandbox.headers()
    ) as http:
        full = (await http.get(f"/resellers/v6.1/orders/{number}")).content
        sandbox.inject("reset", endpoint="get_order")
        got = b""
        async with http.stream("GET", f"/resellers/v6.1/orders/{number}") as r:
            assert r.status_code == 200
            assert int(r.headers["content-length"]) == len(full)
            with pytest.raises(httpx.ReadError):
                async for chunk in r.aiter_raw():
                    got += chunk
    assert 0 < len(got) < len(full)
    assert full.startswith(got)


def test_reset_over_a_real_socket_sends_part_of_the_body() -> None:
    sandbox = Sandbox(seed=3, orders=4)
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url, httpx.Client(base_url=url, headers=sandbox.headers()) as http:
        full = http.get(f"/resellers/v6.1/orders/{number}").content
        sandbox.inject("reset", endpoint="get_order")
        got = b""
        with http.stream("GET", f"/resellers/v6.1/orders/{number}") as r:
            assert r.status_code == 200
            assert int(r.headers["content-length"]) == len(full)
            with pytest.raises(httpx.ReadError):
                for chunk in r.iter_raw():
                    got += chunk
    assert len(got) < len(full)
    assert full.startswith(got)


def test_reset_of_an_empty_answer_cuts_the_headers() -> None:
    sandbox = Sandbox(seed=3, orders=4)
    held = sandbox.order_numbers(status="On Hold")
    assert held
    sandbox.inject("reset", endpoint="cancel_order")
    with (
        sandbox.serve() as url,
        httpx.Client(base_url=url, headers=sandbox.headers()) as http,
        pytest.raises(httpx.ReadError),
    ):
        http.delete(f"/resellers/v6/orders/{held[0]}")
    # the cancel was processed all the same
    assert sandbox.order(held[0])["orderStatus"] == "Canceled"
    assert sandbox.counters.faults_acted["reset"] == 1


def test_act_then_timeout_without_a_client_timeout_hangs_up_after_hang_seconds() -> None:
    sandbox = Sandbox(seed=3, orders=4, faults=Faults(hang_seconds=0.05))
    sandbox.inject("act_then_timeout", endpoint="get_order")
    with (
        httpx.Client(
            transport=sandbox.transport(),
            base_url=sandbox.base_url,
            headers=sandbox.headers(),
            timeout=None,
        ) as http,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        http.get(f"/resellers/v6.1/orders/{sandbox.order_numbers()[0]}")


def test_new_fault_rates_are_seeded_exclusive_and_validated() -> None:
    def outcomes(seed: int) -> list[str | None]:
        sandbox = Sandbox(
            seed=seed,
            orders=3,
            faults=Faults(reset=0.3, act_then_502=0.3, gateway_502_before=0.3),
        )
        number = sandbox.order_numbers()[0]
        with httpx.Client(
            transport=sandbox.transport(), base_url=sandbox.base_url, headers=sandbox.headers()
        ) as http:
            for _ in range(60):
                with contextlib.suppress(httpx.ReadError):
                    http.get(f"/resellers/v6.1/orders/{number}")
        counters = sandbox.counters
        assert sum(counters.faults.values()) == sum(
            counters.faults[k] for k in ("reset", "act_then_502", "gateway_502_before")
        )
        assert counters.faults_acted["gateway_502_before"] == 0
        assert counters.faults_acted["reset"] == counters.faults["reset"]
        assert counters.responses[("get_order", 502)] == (
            counters.faults["act_then_502"] + counters.faults["gateway_502_before"]
        )
        return [r.fault for r in sandbox.request_log]

    first = outcomes(5)
    assert first == outcomes(5)
    assert {"reset", "act_then_502", "gateway_502_before", None} == set(first)
    with pytest.raises(ValueError, match="at most 1"):
        Faults(reset=0.5, act_then_timeout=0.3, act_then_502=0.3)
    with pytest.raises(ValueError, match="between 0 and 1"):
        Faults(gateway_502_before=1.5)
    with pytest.raises(ValueError, match="hang_seconds"):
        Faults(hang_seconds=-1)


# ---------------------------------------------------------------------------- search


def test_search_lag_hides_new_orders_from_search_only() -> None:
    clock = FakeClock()
    sandbox = Sandbox(seed=3, orders=4, clock=clock, search_lag=30.0)
    assert sandbox.search_lag == 30.0
    po = "PO-LAGGED"
    with httpx.Client(
        transport=sandbox.transport(), base_url=sandbox.base_url, headers=sandbox.headers()
    ) as http:
        created = http.post(_CREATE, json=_create_body(sandbox, po))
        assert created.status_code == 201
        number = created.json()["orders"][0]["ingramOrderNumber"]
        search = "/resellers/v6/orders/search"
        assert http.get(search, params={"customerOrderNumber": po}).status_code == 204
        assert http.get(f"/resellers/v6.1/orders/{number}").status_code == 200
        clock.advance(29.0)
        assert http.get(search, params={"customerOrderNumber": po}).status_code == 204
        clock.advance(1.0)
        found = http.get(search, params={"customerOrderNumber": po})
        assert found.status_code == 200
        assert [o["ingramOrderNumber"] for o in found.json()["orders"]] == [number]
        # seeded orders are older than the lag: they were searchable all along
        assert http.get(search).json()["recordsFound"] == "5"
    with pytest.raises(ValueError, match="search_lag"):
        Sandbox(search_lag=-1)


def test_server_error_limited_to_search_fails_only_search() -> None:
    sandbox = Sandbox(
        seed=3, orders=4, faults=Faults(server_error=1.0, endpoints={"search_orders"})
    )
    number = sandbox.order_numbers()[0]
    with httpx.Client(
        transport=sandbox.transport(), base_url=sandbox.base_url, headers=sandbox.headers()
    ) as http:
        assert http.get("/resellers/v6/orders/search").status_code == 500
        assert http.get(f"/resellers/v6.1/orders/{number}").status_code == 200
        assert http.post(_CREATE, json=_create_body(sandbox, "PO-OK")).status_code == 201
        assert http.get("/resellers/v6/orders/search").status_code == 500
    assert sandbox.counters.faults == {"server_error": 2}
    assert sandbox.counters.responses[("search_orders", 500)] == 2


# ---------------------------------------------------------------------------- rate limits


def test_served_sandbox_advertises_its_limits_on_every_answer() -> None:
    clock = FakeClock(1_000_003.0)
    sandbox = Sandbox(seed=3, orders=4, clock=clock, rate_limit={"get_order": (300, 10.0)})
    assert dict(sandbox.rate_limit_windows) == {"get_order": 10.0}
    reset = str(math.ceil(1_000_010.0))
    number = sandbox.order_numbers()[0]

    def limits(r: httpx.Response) -> tuple[str, str, str] | None:
        if "x-ratelimit-limit" not in r.headers:
            return None
        h = r.headers
        return h["x-ratelimit-limit"], h["x-ratelimit-remaining"], h["x-ratelimit-reset"]

    with sandbox.serve() as url, httpx.Client(base_url=url, headers=sandbox.headers()) as http:
        assert limits(http.get(f"/resellers/v6.1/orders/{number}")) == ("300", "299", reset)
        assert limits(http.get("/resellers/v6.1/orders/20-NOPE1")) == ("300", "298", reset)
        bad_token = http.get(
            f"/resellers/v6.1/orders/{number}", headers={"Authorization": "Bearer nope"}
        )
        assert bad_token.status_code == 401
        assert limits(bad_token) == ("300", "298", reset)  # announced, not counted
        sandbox.inject("server_error", endpoint="get_order")
        failed = http.get(f"/resellers/v6.1/orders/{number}")
        assert failed.status_code == 500
        assert limits(failed) == ("300", "298", reset)
        assert limits(http.get("/resellers/v6/orders/search")) is None  # not limited
        clock.advance(7.0)  # the next 10-second window
        assert limits(http.get(f"/resellers/v6.1/orders/{number}")) == (
            "300",
            "299",
            str(1_000_020),
        )


def test_custom_window_limits_calls_per_window() -> None:
    clock = FakeClock(2_000_000.0)
    sandbox = Sandbox(seed=3, orders=4, clock=clock, rate_limit={"get_order": (3, 10.0)})
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url, httpx.Client(base_url=url, headers=sandbox.headers()) as http:
        statuses = [http.get(f"/resellers/v6.1/orders/{number}").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        clock.advance(9.0)
        assert http.get(f"/resellers/v6.1/orders/{number}").status_code == 429
        clock.advance(1.0)
        assert http.get(f"/resellers/v6.1/orders/{number}").status_code == 200
    with pytest.raises(ValueError, match="window"):
        Sandbox(rate_limit={"get_order": (3, 0.0)})


def test_client_of_a_sandbox_follows_a_custom_window(monkeypatch: pytest.MonkeyPatch) -> None:
    import xi_orders.client
    from xi_orders import RateLimit

    seen: dict[str, Any] = {}
    monkeypatch.setattr(xi_orders.client, "AsyncOrdersClient", lambda **kw: seen.update(kw))
    Sandbox(seed=3, orders=2, rate_limit={"get_order": (300, 10.0)}).client()
    assert seen["rate_limit"]["get_order"] == RateLimit(300, 10.0)
    assert seen["rate_limit"]["search_orders"].calls >= 10**9  # not limited
    seen.clear()
    Sandbox(seed=3, orders=2, rate_limit=5, rate_limit_window=2.0).client()
    assert seen["rate_limit"] == RateLimit(5, 2.0)


def test_wrong_method_answers_405_with_allow() -> None:
    sandbox = Sandbox(seed=3, orders=2)
    with httpx.Client(
        transport=sandbox.transport(), base_url=sandbox.base_url, headers=sandbox.headers()
    ) as http:
        r = http.patch(f"/resellers/v6/orders/{sandbox.order_numbers()[0]}")
        assert r.status_code == 405
        assert r.headers["allow"] == "DELETE, PUT"
        assert r.json()["errors"][0]["message"].startswith("Method not allowed")
