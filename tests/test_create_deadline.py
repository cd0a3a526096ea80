"""A caller's deadline cuts a create after the server placed it; resending it answers
(issue 22, item 4).

The sandbox is served on a real socket; ``inject("slow", endpoint="create_order")`` makes
the server place the order and answer late, ``asyncio.timeout`` cuts the call (the caller
gets a bare ``TimeoutError``), and the same request sent again is refused by the API as a
duplicate PO number. That refusal is now looked up: the order holding the PO matches the
request, so it comes back as this create's result (``outcome == "already_placed"``);
when it does not match, the ``BadRequestError`` names the orders holding the PO.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio

from tests.wire_support import sandbox_cli
from xi_orders import AsyncOrdersClient, BadRequestError, ReconcilePolicy
from xi_orders.models import OrderCreateLine, OrderCreateRequest, OrderCreateV7Request
from xi_orders.testing import Faults, Sandbox

T = TypeVar("T")
QUICK = ReconcilePolicy(window=10.0, first_wait=0.05, max_wait=0.2)


async def within(seconds: float, call: Awaitable[T]) -> T:
    """``async with asyncio.timeout(seconds): await call`` (``wait_for`` on Python 3.10)."""
    timeout = getattr(asyncio, "timeout", None)
    if timeout is None:  # pragma: no cover - Python 3.10
        return await asyncio.wait_for(call, seconds)
    async with timeout(seconds):
        return await call


@pytest.fixture
def served() -> Iterator[tuple[Sandbox, str]]:
    box = Sandbox(seed=31, orders=30, faults=Faults(slow_seconds=1.5), search_lag=0.3)
    with box.serve() as url:
        yield box, url


@pytest_asyncio.fixture
async def client(served: tuple[Sandbox, str]) -> AsyncIterator[AsyncOrdersClient]:
    box, url = served
    async with box.client(base_url=url, transport=None, reconcile=QUICK) as client:
        yield client


def _order(box: Sandbox, po: str, quantity: int = 2, **extra: Any) -> OrderCreateRequest:
    part = sorted(box.catalog)[0]
    line = OrderCreateLine(customer_line_number="001", ingram_part_number=part, quantity=quantity)
    return OrderCreateRequest(customer_order_number=po, lines=[line], **extra)


def _holding(box: Sandbox, po: str) -> list[str]:
    return [
        n
        for n in box.order_numbers(box.customer_number)
        if (box.order(n).get("customerOrderNumber") or "").upper() == po.upper()
    ]


async def _cut(client: AsyncOrdersClient, box: Sandbox, order: Any, *, v7: bool = False) -> None:
    """Send ``order`` with a deadline the slow server misses: placed, caller times out."""
    await client.search_orders(limit=1).collect()  # the token first: the create goes at once
    placed_before = box.counters.orders_created
    box.inject("slow", endpoint="create_order_v7" if v7 else "create_order")
    create = client.create_order_v7 if v7 else client.create_order
    with pytest.raises(TimeoutError):
        await within(0.5, create(order))
    # The server placed it as the request arrived; it answers (too late) after slow_seconds.
    for _ in range(100):
        if box.counters.orders_created > placed_before:
            break
        await asyncio.sleep(0.02)


@pytest.mark.asyncio
async def test_a_cut_create_resent_comes_back_already_placed(
    served: tuple[Sandbox, str], client: AsyncOrdersClient
) -> None:
    box, _ = served
    order = _order(box, "PO-CUT-1")
    await _cut(client, box, order)
    placed = _holding(box, "PO-CUT-1")
    assert len(placed) == 1  # the server placed it; the caller heard nothing
    created_before = box.counters.orders_created

    result = await client.create_order(order)  # the natural retry: the same request

    assert box.counters.orders_created == created_before  # nothing placed twice
    assert box.counters.responses[("create_order", 400)] == 1  # refused as a duplicate
    assert result.reconciled
    how = result.reconciliation
    assert how is not None and how.outcome == "already_placed"
    assert how.order_numbers == tuple(placed)
    assert [o.ingram_order_number for o in result.orders] == placed
    assert result.orders[0].lines[0].quantity_ordered == 2
    assert len(how.create_correlation_ids) == 1 and how.lookup_correlation_ids
    assert "BadRequestError" in how.cause and "uplicate" in how.cause
    assert result.customer_order_number == "PO-CUT-1"


@pytest.mark.asyncio
async def test_a_different_order_with_that_po_raises_with_the_order_numbers(
    served: tuple[Sandbox, str], client: AsyncOrdersClient
) -> None:
    box, _ = served
    await _cut(client, box, _order(box, "PO-CUT-2", quantity=2))
    placed = _holding(box, "PO-CUT-2")
    with pytest.raises(BadRequestError) as caught:
        await client.create_order(_order(box, "PO-CUT-2", quantity=5))  # not that order
    error = caught.value
    assert error.existing_order_numbers == tuple(placed)
    assert error.lookup_correlation_ids
    assert error.status_code == 400 and error.correlation_id


@pytest.mark.asyncio
async def test_duplicates_allowed_never_reads_a_refusal_as_placed(
    served: tuple[Sandbox, str], client: AsyncOrdersClient
) -> None:
    box, _ = served
    order = _order(box, "PO-CUT-3", allow_duplicate_customer_order_number=True)
    await _cut(client, box, order)
    result = await client.create_order(order)  # no guard: a second order, as asked
    assert not result.reconciled
    assert len(_holding(box, "PO-CUT-3")) == 2


@pytest.mark.asyncio
async def test_a_cut_v7_create_resent_comes_back_already_placed(
    served: tuple[Sandbox, str], client: AsyncOrdersClient
) -> None:
    box, _ = served
    part = sorted(box.catalog)[0]
    order = OrderCreateV7Request(
        customer_order_number="PO-CUT-4",
        lines=[OrderCreateLine(customer_line_number="001", ingram_part_number=part, quantity=1)],
    )
    await _cut(client, box, order, v7=True)
    placed = _holding(box, "PO-CUT-4")
    assert placed
    result = await client.create_order_v7(order)
    assert result.reconciliation is not None
    assert result.reconciliation.outcome == "already_placed"
    assert result.order_numbers == placed


def test_without_reconciling_the_refusal_is_raised_as_it_was(
    served: tuple[Sandbox, str],
) -> None:
    box, url = served

    async def main() -> tuple[BadRequestError, int]:
        async with box.client(base_url=url, transport=None, reconcile=False) as client:
            await _cut(client, box, _order(box, "PO-CUT-5"))
            searches = box.counters.requests["search_orders"]
            with pytest.raises(BadRequestError) as caught:
                await client.create_order(_order(box, "PO-CUT-5"))
            return caught.value, box.counters.requests["search_orders"] - searches

    error, searched = asyncio.run(main())
    assert error.existing_order_numbers == ()
    assert searched == 0  # no lookup asked for


def test_cli_error_lists_the_orders_holding_the_po(
    served: tuple[Sandbox, str], tmp_path: Path
) -> None:
    box, url = served

    async def place() -> None:
        async with box.client(base_url=url, transport=None) as client:
            await client.create_order(_order(box, "PO-CUT-6", quantity=2))

    asyncio.run(place())
    request = tmp_path / "order.json"
    part = sorted(box.catalog)[0]
    request.write_text(
        json.dumps(
            {
                "customerOrderNumber": "PO-CUT-6",
                "lines": [{"customerLineNumber": "001", "ingramPartNumber": part, "quantity": 7}],
            }
        )
    )
    out = sandbox_cli(box, url, "create", str(request), "--json")
    if out.returncode == 2 and "usage" in out.stderr:  # pragma: no cover - another CLI shape
        pytest.skip(f"the create command takes other arguments: {out.stderr[:200]}")
    assert out.returncode == 1, out.stderr
    error = json.loads(out.stderr.strip().splitlines()[-1])
    assert error["existing_order_numbers"] == _holding(box, "PO-CUT-6")
