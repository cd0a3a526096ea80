"""The webhook loop: ``WebhookInbox`` correlation, and sandbox -> receiver -> client round trips.

``Sandbox`` (with a webhook secret and a callable or URL target) -> ``create_order_v7`` ->
the sandbox delivers the signed event -> ``parse_events`` verifies and parses it -> the
inbox hands it to the waiting caller -> ``get_order(the order number in the event)``.
Runs on asyncio and trio; one variant goes over a real socket through the example receiver.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import httpx
import pytest

from xi_orders.errors import ValidationError
from xi_orders.models import OrderCreateLine, OrderCreateV7Confirmation, OrderCreateV7Request
from xi_orders.testing import Sandbox
from xi_orders.webhooks import (
    Event,
    EventKind,
    ReplayGuard,
    WebhookInbox,
    decode_events,
    parse_events,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "webhook_receiver.py"


def sig(event_id: str, secret: str) -> str:
    mac = hmac.new(secret.encode(), event_id.encode(), hashlib.sha512).digest()
    return base64.b64encode(mac).decode()


def make_event(
    event_id: str,
    *,
    po: str = "PO-1",
    number: str = "20-AAAAA",
    event_type: str = "im::order_shipped",
    **top: Any,
) -> Event:
    (event,) = decode_events(
        {
            "topic": "resellers/orders",
            "event": "im::updated",
            "eventId": event_id,
            "resource": [
                {"eventType": event_type, "orderNumber": number, "customerOrderNumber": po}
            ],
            **top,
        }
    )
    return event


def v7_request(sandbox: Sandbox, po: str, quantity: int = 2) -> OrderCreateV7Request:
    part = next(iter(sandbox.catalog))
    return OrderCreateV7Request(
        customer_order_number=po,
        lines=[
            OrderCreateLine(customer_line_number="001", ingram_part_number=part, quantity=quantity)
        ],
    )


@pytest.fixture(scope="module")
def example() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("webhook_receiver_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


# ---------------------------------------------------------------------------- the inbox


@pytest.mark.anyio
async def test_an_event_that_arrived_first_is_found_at_once() -> None:
    inbox = WebhookInbox()
    inbox.put(make_event("E1", po="PO-EARLY"))
    with anyio.fail_after(1):
        event = await inbox.wait_for(customer_order_number="PO-EARLY", timeout=None)
    assert event.event_id == "E1"


@pytest.mark.anyio
async def test_a_waiter_is_woken_by_a_later_put_from_a_task() -> None:
    inbox = WebhookInbox()
    got: list[Event] = []

    async def wait() -> None:
        got.append(await inbox.wait_for(order_number="20-LATER", timeout=5))

    async with anyio.create_task_group() as tg:
        tg.start_soon(wait)
        await anyio.wait_all_tasks_blocked()
        inbox.put(make_event("E0", number="20-OTHER"))  # not this one
        await anyio.wait_all_tasks_blocked()
        assert got == []
        inbox.put(make_event("E1", number="20-later"))  # order numbers compare without case
    assert [e.event_id for e in got] == ["E1"]


@pytest.mark.anyio
async def test_a_waiter_is_woken_by_a_put_from_another_thread() -> None:
    inbox = WebhookInbox()
    got: list[Event] = []

    async def wait() -> None:
        got.append(await inbox.wait_for(customer_order_number="PO-THREAD", timeout=10))

    async with anyio.create_task_group() as tg:
        tg.start_soon(wait)
        await anyio.wait_all_tasks_blocked()
        start = time.monotonic()
        thread = threading.Thread(target=inbox.put, args=(make_event("E7", po="PO-THREAD"),))
        thread.start()
        await anyio.to_thread.run_sync(thread.join)
    assert [e.event_id for e in got] == ["E7"]
    assert time.monotonic() - start < 5  # woken, not rescued by the timeout


@pytest.mark.anyio
async def test_a_put_from_a_thread_does_not_wait_for_a_blocked_loop() -> None:
    """The receiver thread must never block on the waiter's event loop (no deadlock)."""
    inbox = WebhookInbox()
    got: list[Event] = []

    async def wait() -> None:
        got.append(await inbox.wait_for(customer_order_number="PO-BLOCKED", timeout=10))

    async with anyio.create_task_group() as tg:
        tg.start_soon(wait)
        await anyio.wait_all_tasks_blocked()
        start = time.monotonic()
        thread = threading.Thread(target=inbox.put, args=(make_event("E8", po="PO-BLOCKED"),))
        thread.start()
        thread.join(timeout=2)  # blocks this event loop on purpose
        assert not thread.is_alive()
    assert [e.event_id for e in got] == ["E8"]
    assert time.monotonic() - start < 5


@pytest.mark.anyio
async def test_wait_for_times_out() -> None:
    inbox = WebhookInbox()
    inbox.put(make_event("E1", po="PO-A"))
    start = time.monotonic()
    with pytest.raises(TimeoutError, match=r"no matching webhook event within 0\.05 s"):
        await inbox.wait_for(customer_order_number="PO-B", timeout=0.05)
    assert time.monotonic() - start < 2
    assert "waiting=0" in repr(inbox)  # the waiter is gone


@pytest.mark.anyio
async def test_criteria_all_apply() -> None:
    inbox = WebhookInbox()
    inbox.put_many(
        [
            make_event("E1", po="PO-1", number="20-AAAAA", event_type="im::order_hold"),
            make_event("E2", po="PO-1", number="20-AAAAA", event_type="im::order_shipped"),
            make_event("E3", po="PO-2", number="20-BBBBB", event_type="im::order_rerouted"),
            make_event("E4", po="PO-3", confirmationNumber="US-I-T-1"),
        ]
    )

    def ids(events: list[Event]) -> list[str]:
        return [e.event_id for e in events]

    assert ids(inbox.find(customer_order_number=" po-1 ")) == ["E1", "E2"]
    assert ids(inbox.find(customer_order_number="PO-1", kind=EventKind.ORDER_SHIPPED)) == ["E2"]
    assert ids(inbox.find(kind="IM::ORDER_HOLD")) == ["E1"]
    assert ids(inbox.find(kind=[EventKind.ORDER_HOLD, "order_rerouted"])) == ["E1", "E3"]
    assert ids(inbox.find(kind=EventKind.UNKNOWN)) == ["E3"]
    assert ids(inbox.find(order_number="20-BBBBB", customer_order_number="PO-1")) == []
    assert ids(inbox.find(predicate=lambda e: e.event_id.endswith("3"))) == ["E3"]
    assert ids(inbox.find(confirmation_number="US-I-T-1")) == ["E4"]
    confirmation = OrderCreateV7Confirmation(confirmation_number="US-I-T-1")
    assert (await inbox.wait_for(confirmation_number=confirmation, timeout=1)).event_id == "E4"
    assert (await inbox.wait_for(customer_order_number="PO-1", timeout=1)).event_id == "E1"
    with pytest.raises(ValidationError):
        inbox.find()
    with pytest.raises(ValidationError):
        await inbox.wait_for(timeout=1)


def test_the_inbox_is_bounded() -> None:
    inbox = WebhookInbox(max_events=2)
    inbox.put_many(make_event(f"E{i}") for i in range(5))
    assert [e.event_id for e in inbox.events] == ["E3", "E4"] and len(inbox) == 2
    inbox.clear()
    assert inbox.events == []
    with pytest.raises(ValidationError):
        WebhookInbox(max_events=0)


# ---------------------------------------------------------------------------- sandbox loops


@pytest.mark.anyio
async def test_the_full_loop_with_a_callable_target() -> None:
    secret = "loop-secret-Q1"
    inbox = WebhookInbox()
    guard = ReplayGuard()
    deliveries: list[tuple[Mapping[str, str], bytes]] = []

    def receiver(headers: Mapping[str, str], body: bytes) -> None:
        deliveries.append((headers, body))
        inbox.put_many(parse_events(body, headers, secret, replay_guard=guard))

    sandbox = Sandbox(seed=3, orders=5, webhook_secret=secret, webhook_target=receiver)
    request = v7_request(sandbox, "LOOP-PO-1", quantity=2)
    async with sandbox.client() as client:
        confirmation = await client.create_order_v7(request)
        event = await inbox.wait_for(
            customer_order_number="LOOP-PO-1", kind=EventKind.ASYNC_ORDER_CREATE, timeout=5
        )
        (number,) = event.order_numbers
        order = await client.get_order(number)
        assert confirmation.confirmation_number and confirmation.confirmation_number.startswith(
            "US-I-T-"
        )
        assert order.ingram_order_number == number
        assert order.customer_order_number == "LOOP-PO-1"
        assert [ln.ingram_part_number for ln in order.lines] == [
            request.lines[0].ingram_part_number
        ]
        # the warehouse ships it: a status event for the same order follows
        sandbox.ship(number)
        shipped = await inbox.wait_for(order_number=number, kind=EventKind.ORDER_SHIPPED, timeout=5)
        assert shipped.customer_order_numbers == ["LOOP-PO-1"]
        assert (await client.get_order(number)).order_status == "Shipped"
    assert sandbox.webhook_failures == []
    assert len(deliveries) == 2
    headers, body = deliveries[0]
    assert headers["X-Hub-Signature"] == sig(json.loads(body)["eventId"], secret)
    assert event.event_id == json.loads(body)["eventId"] and event.event_id in guard


@pytest.mark.anyio
async def test_the_full_loop_with_an_async_target_and_a_late_delivery() -> None:
    secret = "loop-secret-Q2"
    inbox = WebhookInbox()

    async def receiver(headers: Mapping[str, str], body: bytes) -> None:
        await anyio.lowlevel.checkpoint()
        inbox.put_many(parse_events(body, headers, secret))

    sandbox = Sandbox(seed=5, orders=5, webhook_secret=secret, webhook_auto_deliver=False)
    got: list[Event] = []

    async def wait() -> None:
        got.append(await inbox.wait_for(customer_order_number="LATE-PO", timeout=5))

    async with sandbox.client() as client, anyio.create_task_group() as tg:
        tg.start_soon(wait)
        await client.create_order_v7(v7_request(sandbox, "LATE-PO"))
        await anyio.wait_all_tasks_blocked()
        assert got == [] and len(sandbox.webhook_events) == 1  # queued, not delivered yet
        assert await sandbox.adeliver_webhooks(receiver) == 1
    (event,) = got
    async with sandbox.client() as client:
        order = await client.get_order(event.order_numbers[0])
    assert order.customer_order_number == "LATE-PO"


@pytest.mark.anyio
async def test_a_receiver_with_the_wrong_secret_rejects_every_delivery() -> None:
    inbox = WebhookInbox()

    def receiver(headers: Mapping[str, str], body: bytes) -> None:
        inbox.put_many(parse_events(body, headers, "receiver-side-secret"))

    sandbox = Sandbox(seed=6, orders=5, webhook_secret="sandbox-side", webhook_target=receiver)
    async with sandbox.client() as client:
        await client.create_order_v7(v7_request(sandbox, "WRONG-PO"))
    ((_, reason),) = sandbox.webhook_failures
    assert "InvalidSignatureError" in reason
    assert "receiver-side-secret" not in reason and "sandbox-side" not in reason
    with pytest.raises(TimeoutError):
        await inbox.wait_for(customer_order_number="WRONG-PO", timeout=0.05)


@pytest.mark.anyio
async def test_the_full_loop_over_a_real_socket(example: ModuleType) -> None:
    secret = "socket-secret-Q3"
    with example.serve(secret) as server:
        assert server.url.startswith("http://127.0.0.1:")
        sandbox = Sandbox(seed=4, orders=5, webhook_secret=secret, webhook_target=server.url)
        async with sandbox.client() as client:
            await client.create_order_v7(v7_request(sandbox, "SOCKET-PO"))
            created = await server.inbox.wait_for(customer_order_number="SOCKET-PO", timeout=5)
            (number,) = created.order_numbers
            assert (await client.get_order(number)).customer_order_number == "SOCKET-PO"
            got: list[Event] = []

            async def wait() -> None:  # waiting before the event exists: woken across threads
                got.append(
                    await server.inbox.wait_for(
                        order_number=number, kind="order_shipped", timeout=10
                    )
                )

            async with anyio.create_task_group() as tg:
                tg.start_soon(wait)
                await anyio.wait_all_tasks_blocked()
                start = time.monotonic()
                await anyio.to_thread.run_sync(sandbox.ship, number)
            assert got[0].kind is EventKind.ORDER_SHIPPED
            assert time.monotonic() - start < 5
        assert sandbox.webhook_failures == []

        # what the receiver answers to replays, forgeries and junk
        headers, body = sandbox.webhook_events[0]
        event_id = json.loads(body)["eventId"]
        async with httpx.AsyncClient(timeout=5) as http:
            replay = await http.post(server.url, content=body, headers=headers)
            assert (replay.status_code, replay.json()) == (200, {"received": 0})
            forged = body.replace(event_id.encode(), b"FORGED" + event_id[6:].encode())
            assert (await http.post(server.url, content=forged, headers=headers)).status_code == 401
            unsigned = {"Content-Type": "application/json"}
            assert (await http.post(server.url, content=body, headers=unsigned)).status_code == 401
            junk_headers = {"X-Hub-Signature": sig("X", secret)}
            junk = await http.post(server.url, content=b"<html>", headers=junk_headers)
            assert junk.status_code == 400 and secret not in junk.text
            server.max_body_bytes = 100
            too_big = await http.post(server.url, content=body, headers=headers)
            assert too_big.status_code == 413
        assert len(server.inbox) == 2  # nothing but the two genuine events got in


def test_the_example_runs_against_the_sandbox_and_exits_0() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "v7 create confirmed: US-I-T-" in out
    assert "events received (2):" in out
    assert "async_order_create (ASYNC_ORDER_CREATE)" in out
    assert "order_shipped (ORDER_SHIPPED)" in out
    assert "customer_orders=['DEMO-PO-7']" in out
