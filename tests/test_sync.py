"""The sync OrdersClient: same surface as the async one, works in threads and inside a loop."""

from __future__ import annotations

import asyncio
import inspect
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from xi_orders import AsyncOrdersClient, NotFoundError, ValidationError, XiError
from xi_orders.models import OrderCreateLine, OrderCreateRequest, OrderDetail, OrderSummary
from xi_orders.sync import OrdersClient
from xi_orders.testing import Sandbox

OPERATIONS = [
    "get_order",
    "search_orders",
    "get_orders",
    "create_order",
    "create_order_v7",
    "modify_order",
    "release_order",
    "cancel_order",
]


def sync_client(sandbox: Sandbox) -> OrdersClient:
    return OrdersClient.wrap(sandbox.client())


@pytest.mark.parametrize("name", OPERATIONS)
def test_same_operations_and_signatures_as_the_async_client(name: str) -> None:
    ours = inspect.signature(getattr(OrdersClient, name))
    theirs = inspect.signature(getattr(AsyncOrdersClient, name))
    assert list(ours.parameters) == list(theirs.parameters)
    assert [p.default for p in ours.parameters.values()] == [
        p.default for p in theirs.parameters.values()
    ]
    assert getattr(OrdersClient, name).__doc__ == getattr(AsyncOrdersClient, name).__doc__


def test_operations_return_the_same_models_and_raise_the_same_errors() -> None:
    sandbox = Sandbox(seed=11, orders=30)
    with sync_client(sandbox) as client:
        number = sandbox.order_numbers()[0]
        order = client.get_order(number)
        assert isinstance(order, OrderDetail) and order.ingram_order_number == number
        with pytest.raises(NotFoundError):
            client.get_order("20-NOPE9")
        with pytest.raises(ValidationError):
            client.search_orders(page_size=0)
        summaries = list(client.search_orders(page_size=7))
        assert len(summaries) == 30 and all(isinstance(s, OrderSummary) for s in summaries)
        assert [len(p.orders) for p in client.search_orders(page_size=7).pages()] == [7, 7, 7, 7, 2]
        part = next(iter(sandbox.catalog))
        created = client.create_order(
            OrderCreateRequest(
                customer_order_number="SYNC-1",
                customer_hold=True,
                lines=[
                    OrderCreateLine(customer_line_number="1", ingram_part_number=part, quantity=1)
                ],
            )
        )
        new_number = created.orders[0].ingram_order_number
        assert new_number and client.cancel_order(new_number).status_code == 200


def test_bulk_lookup_as_a_plain_iterator_and_early_exit() -> None:
    sandbox = Sandbox(seed=12, orders=40, latency=0.01)
    numbers = sandbox.order_numbers()
    with sync_client(sandbox) as client:
        results = dict(client.get_orders(numbers, concurrency=8))
        assert set(results) == set(numbers)
        for _number, _result in client.get_orders(numbers, concurrency=4):
            break
        collected = client.get_orders([*numbers[:3], "20-NOPE9"]).collect()
        assert list(collected) == [*numbers[:3], "20-NOPE9"]
        assert isinstance(collected["20-NOPE9"], XiError)
        # still usable after breaking out
        assert client.get_order(numbers[0]).ingram_order_number == numbers[0]


def test_works_inside_a_running_event_loop() -> None:
    sandbox = Sandbox(seed=13, orders=10)

    async def notebook_cell() -> list[str | None]:
        # Where asyncio.run() would fail ("cannot be called from a running event loop").
        with sync_client(sandbox) as client:
            return [s.ingram_order_number for s in client.search_orders()]

    assert len(asyncio.run(notebook_cell())) == 10


def test_from_8_threads_at_once() -> None:
    sandbox = Sandbox(seed=14, orders=80, latency=0.005)
    numbers = sandbox.order_numbers()
    with sync_client(sandbox) as client:
        barrier = threading.Barrier(8)

        def work(chunk: list[str]) -> list[str | None]:
            barrier.wait()
            return [client.get_order(n).ingram_order_number for n in chunk]

        with ThreadPoolExecutor(8) as pool:
            chunks = [numbers[i::8] for i in range(8)]
            got = list(pool.map(work, chunks))
    assert got == chunks
    assert sandbox.counters.tokens_issued == 1


def test_close_is_idempotent_and_repr_is_safe() -> None:
    sandbox = Sandbox(seed=15, orders=1)
    client = sync_client(sandbox)
    assert "OrdersClient(" in repr(client) and sandbox.client_secret not in repr(client)
    client.close()
    client.close()


def test_construction_validates_settings() -> None:
    with pytest.raises(ValidationError) as caught:
        OrdersClient(client_id="a", client_secret="b", customer_number="20-1", country_code="USA")
    assert caught.value.field == "country_code"
