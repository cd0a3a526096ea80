"""``sandbox.client()``: the SDK's AsyncOrdersClient wired to the sandbox, end to end.

These are smoke tests of the wiring (credentials, headers, transport, rate limit); the
emulator's behaviour is pinned at the wire level in the other ``test_sandbox_*`` files.
"""

from __future__ import annotations

import pytest

from xi_orders.testing import FakeClock, Sandbox

xi = pytest.importorskip("xi_orders")
models = pytest.importorskip("xi_orders.models")


@pytest.mark.asyncio
async def test_client_gets_an_order_and_searches_every_page() -> None:
    sandbox = Sandbox(seed=8, orders=60)
    async with sandbox.client() as client:
        number = sandbox.order_numbers()[2]
        order = await client.get_order(number)
        assert order.ingram_order_number == number
        assert order.response.status_code == 200
        found = [o.ingram_order_number async for o in client.search_orders(page_size=25)]
    assert found == sandbox.order_numbers()
    counters = sandbox.counters
    assert counters.tokens_issued == 1
    assert counters.requests["search_orders"] == 3  # 25 + 25 + 10
    calls = [rec for rec in sandbox.request_log if rec.endpoint != "token"]
    assert len(calls) == 4 and all(
        rec.correlation_id and len(rec.correlation_id) <= 32 for rec in calls
    )


@pytest.mark.asyncio
async def test_client_never_replays_a_create_whose_answer_was_lost() -> None:
    sandbox = Sandbox(seed=8, orders=5, clock=FakeClock())
    sandbox.inject("drop_after", endpoint="create_order")
    request = models.OrderCreateRequest(
        customer_order_number="SDK-PO-1",
        lines=[
            models.OrderCreateLine(
                customer_line_number="1", ingram_part_number=next(iter(sandbox.catalog)), quantity=1
            )
        ],
    )
    async with sandbox.client() as client:
        # The send path alone (reconcile=False): the ambiguous error, never a replay.
        with pytest.raises(xi.APIError):
            await client.create_order(request, reconcile=False)
        assert sandbox.counters.requests["create_order"] == 1
        # By default the client then finds the order by its PO number: still one create.
        sandbox.inject("drop_after", endpoint="create_order")
        second = models.OrderCreateRequest(
            customer_order_number="SDK-PO-2",
            lines=request.lines,
            allow_duplicate_customer_order_number=None,
        )
        result = await client.create_order(second)
        assert result.reconciled and result.reconciliation.outcome == "found"
    assert sandbox.counters.requests["create_order"] == 2
    assert sandbox.counters.orders_created == 2


@pytest.mark.asyncio
async def test_client_carries_the_sandbox_rate_limit() -> None:
    sandbox = Sandbox(seed=8, orders=5, rate_limit=2, rate_limit_window=0.5)
    numbers = sandbox.order_numbers()
    async with sandbox.client() as client:
        for number in numbers:  # 5 calls, 2 per half second: paced by the client, no 429
            await client.get_order(number)
    assert sandbox.counters.responses[("get_order", 200)] == 5
    assert sandbox.counters.rate_limited == 0
