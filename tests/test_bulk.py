"""Bulk lookups on the sandbox: exactly once under faults, bounded, paced, cancellation-safe."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import anyio
import httpx
import pytest

from xi_orders import AsyncOrdersClient, NotFoundError, RateLimit, RetryPolicy, XiError
from xi_orders.bulk import BulkProgress
from xi_orders.models import OrderDetail
from xi_orders.testing import Faults, Sandbox

FAST_RETRY = RetryPolicy(attempts=10, wait_initial=0.0, wait_jitter=0.0)


class CountingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and records how many order lookups are in flight at once."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.in_flight = 0
        self.peak = 0
        self.started = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        lookup = "/resellers/v6.1/orders/" in request.url.path
        if lookup:
            self.in_flight += 1
            self.started += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            if lookup:
                self.in_flight -= 1


def client_for(
    sandbox: Sandbox, transport: httpx.AsyncBaseTransport | None = None, **kw: Any
) -> AsyncOrdersClient:
    settings: dict[str, Any] = {"retry": FAST_RETRY}
    if transport is not None:
        settings["transport"] = transport
    settings.update(kw)
    client: AsyncOrdersClient = sandbox.client(**settings)
    return client


@pytest.mark.anyio
async def test_exactly_one_result_per_distinct_input_under_faults() -> None:
    faults = Faults(server_error=0.1, rate_limit=0.05, drop_before=0.05, drop_after=0.05, html=0.03)
    sandbox = Sandbox(seed=3, orders=200, faults=faults)
    numbers = sandbox.order_numbers()
    inputs = numbers + numbers[:50] + ["20-MISSING"]  # duplicates and one unknown order
    async with client_for(sandbox) as client:
        results = await client.get_orders(inputs, concurrency=20).collect()
    assert list(results) == [*numbers, "20-MISSING"]
    assert all(isinstance(results[n], OrderDetail) for n in numbers)
    assert all(results[n].ingram_order_number == n for n in numbers)  # type: ignore[union-attr]
    missing = results["20-MISSING"]
    assert isinstance(missing, NotFoundError) and missing.correlation_id
    assert sum(sandbox.counters.faults.values()) > 20  # the faults really happened
    # Each order was asked for until it succeeded; none was asked for again after that.
    ok = [r for r in sandbox.request_log if r.endpoint == "get_order" and r.status == 200]
    assert sorted(r.path.rsplit("/", 1)[1] for r in ok) == sorted(numbers)


@pytest.mark.anyio
async def test_concurrency_never_exceeds_the_bound() -> None:
    sandbox = Sandbox(seed=4, orders=120, latency=(0.001, 0.01))
    counting = CountingTransport(sandbox.transport())
    async with client_for(sandbox, counting) as client:
        results = await client.get_orders(sandbox.order_numbers(), concurrency=7).collect()
    assert len(results) == 120 and counting.started == 120
    assert counting.peak == 7


@pytest.mark.anyio
async def test_streaming_results_as_they_complete_and_in_input_order() -> None:
    sandbox = Sandbox(seed=5, orders=40, latency=(0.0, 0.02))
    numbers = sandbox.order_numbers()
    async with client_for(sandbox) as client:
        async with client.get_orders(numbers, concurrency=10) as results:
            completed = [n async for n, _ in results]
        async with client.get_orders(numbers, concurrency=10, ordered=True) as results:
            ordered = [n async for n, _ in results]
        plain = [n async for n, _ in client.get_orders(numbers, concurrency=10, ordered=True)]
    assert sorted(completed) == sorted(numbers)
    assert completed != numbers  # random latency: completion order differs from input
    assert ordered == numbers
    assert plain == numbers


@pytest.mark.anyio
async def test_progress_callback_counts_done_and_failed() -> None:
    sandbox = Sandbox(seed=6, orders=30)
    seen: list[BulkProgress] = []
    async with client_for(sandbox) as client:
        await client.get_orders(
            [*sandbox.order_numbers(), "20-NOPE1", "20-NOPE2"], on_progress=seen.append
        ).collect()
    assert [p.done for p in seen] == list(range(1, 33))
    assert seen[-1].failed == 2 and seen[-1].total == 32
    assert seen[-1].rate > 0 and seen[-1].eta == 0


@pytest.mark.asyncio
async def test_rate_pacing_against_a_sandbox_limit() -> None:
    # 12 calls per 0.5 s window on the sandbox, and the client told the same.
    sandbox = Sandbox(seed=7, orders=36, rate_limit=12, rate_limit_window=0.5)
    async with sandbox.client(retry=RetryPolicy.disabled()) as client:
        assert client._session.pipeline.limiter.limit("get_order") == RateLimit(12, 0.5)
        started = time.monotonic()
        results = await client.get_orders(sandbox.order_numbers(), concurrency=36).collect()
        elapsed = time.monotonic() - started
    assert all(isinstance(r, OrderDetail) for r in results.values())
    assert sandbox.counters.rate_limited == 0  # no 429 at all, with retries disabled
    assert elapsed >= 1.0  # 36 calls at 12 per 0.5 s need three windows


@pytest.mark.asyncio
async def test_breaking_out_of_the_block_cancels_in_flight_lookups() -> None:
    sandbox = Sandbox(seed=8, orders=60, latency=0.05)
    counting = CountingTransport(sandbox.transport())
    async with client_for(sandbox, counting) as client:
        baseline = len(asyncio.all_tasks())
        async with client.get_orders(sandbox.order_numbers(), concurrency=10) as results:
            async for _ in results:
                break
        assert counting.in_flight == 0
        assert len(asyncio.all_tasks()) == baseline
        started = counting.started
        await anyio.sleep(0.2)
        assert counting.started == started  # nothing carried on in the background
    assert started < 60


@pytest.mark.asyncio
async def test_breaking_out_of_a_plain_loop_leaves_nothing_running() -> None:
    sandbox = Sandbox(seed=8, orders=60, latency=0.02)
    counting = CountingTransport(sandbox.transport())
    async with client_for(sandbox, counting) as client:
        baseline = len(asyncio.all_tasks())
        async for _ in client.get_orders(sandbox.order_numbers(), concurrency=10):
            break
        assert counting.in_flight == 0 and counting.started == 10
        assert len(asyncio.all_tasks()) == baseline


@pytest.mark.anyio
async def test_cancelling_the_task_stops_the_lookups() -> None:
    sandbox = Sandbox(seed=9, orders=50, latency=0.05)
    counting = CountingTransport(sandbox.transport())
    async with client_for(sandbox, counting) as client:
        with anyio.move_on_after(0.12):
            await client.get_orders(sandbox.order_numbers(), concurrency=5).collect()
        assert counting.in_flight == 0
        started = counting.started
        await anyio.sleep(0.15)
        assert counting.started == started
    assert started < 50


@pytest.mark.asyncio
async def test_cancellation_leaves_no_open_connection_on_a_real_socket() -> None:
    sandbox = Sandbox(seed=10, orders=40, latency=0.2)
    with sandbox.serve() as url:
        async with sandbox.client(base_url=url, transport=httpx.AsyncHTTPTransport()) as client:
            # The token first: its fetch is everyone's and is never cancelled by a caller,
            # so the cancellation below lands on lookups in flight.
            await client.get_order(sandbox.order_numbers()[0])
            with anyio.move_on_after(0.1):
                await client.get_orders(sandbox.order_numbers(), concurrency=8).collect()
            pool = client._session.transport._pool  # type: ignore[attr-defined]
            busy = [c for c in pool.connections if not (c.is_idle() or c.is_closed())]
            assert busy == []


@pytest.mark.anyio
async def test_bad_arguments_fail_before_any_call() -> None:
    sandbox = Sandbox(seed=1, orders=3)
    async with client_for(sandbox) as client:
        with pytest.raises(ValueError, match="concurrency"):
            client.get_orders(["20-A"], concurrency=0)
        with pytest.raises(ValueError, match="numbers"):
            client.get_orders("20-RD3QV")
    assert sandbox.counters.requests["get_order"] == 0


@pytest.mark.anyio
async def test_an_invalid_number_is_that_inputs_result_not_a_batch_failure() -> None:
    sandbox = Sandbox(seed=2, orders=5)
    numbers = sandbox.order_numbers()
    async with client_for(sandbox) as client:
        results = await client.get_orders([*numbers, "X" * 20]).collect()
    bad = results["X" * 20]
    assert isinstance(bad, XiError) and isinstance(bad, ValueError)
    assert all(isinstance(results[n], OrderDetail) for n in numbers)
