"""Exactly-once placement (issue 14): a create whose outcome is unknown is resolved.

Every case runs against the sandbox, whose faults act-then-fail (the order is placed, then
the answer is lost) or fail-without-acting, and whose search can lag behind creates; the
sandbox's counters say exactly what it holds.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Mapping
from typing import Any

import anyio
import pytest

from xi_orders import (
    APIConnectionError,
    BadRequestError,
    InternalServerError,
    OrderOutcomeUnknown,
    OrdersClient,
    ReconcilePolicy,
    RetryPolicy,
    ValidationError,
    _clock,
)
from xi_orders.models import OrderCreateLine, OrderCreateRequest, OrderCreateV7Request
from xi_orders.testing import FakeClock, Faults, Sandbox
from xi_orders.webhooks import Event, WebhookInbox, decode_events, parse_events

pytestmark = pytest.mark.anyio

POLICY = ReconcilePolicy(window=6.0, first_wait=1.0, max_wait=2.0)


class _Clocks:
    """One fake time for the client's waits and the sandbox's clock (search lag)."""

    def __init__(self, sandbox_clock: FakeClock) -> None:
        self.sandbox_clock = sandbox_clock
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.sandbox_clock()

    async def sleep(self, seconds: float) -> None:
        seconds = max(seconds, 0.0)
        self.sleeps.append(seconds)
        self.now += seconds
        self.sandbox_clock.advance(seconds)
        await anyio.lowlevel.checkpoint()


@pytest.fixture
def clocks(monkeypatch: pytest.MonkeyPatch) -> _Clocks:
    fake = _Clocks(FakeClock())
    monkeypatch.setattr(_clock, "monotonic", fake.monotonic)
    monkeypatch.setattr(_clock, "sleep", fake.sleep)
    monkeypatch.setattr(_clock, "wall", fake.wall)
    return fake


def _sandbox(clocks: _Clocks, **settings: Any) -> Sandbox:
    return Sandbox(seed=3, orders=20, clock=clocks.sandbox_clock, **settings)


def _order(sandbox: Sandbox, po: str, **options: Any) -> OrderCreateRequest:
    parts = sorted(sandbox.catalog)[:2]
    return OrderCreateRequest(
        customer_order_number=po,
        lines=[
            OrderCreateLine(customer_line_number=str(i + 1), ingram_part_number=p, quantity=i + 1)
            for i, p in enumerate(parts)
        ],
        **options,
    )


def _held(sandbox: Sandbox, po: str) -> list[str]:
    """The sandbox's order numbers with this PO number (its own view, not search)."""
    return [n for n in sandbox.order_numbers() if sandbox.order(n)["customerOrderNumber"] == po]


def _client(sandbox: Sandbox, **overrides: Any) -> Any:
    overrides.setdefault("reconcile", POLICY)
    overrides.setdefault("retry", RetryPolicy(wait_initial=0.0, wait_jitter=0.0))
    return sandbox.client(**overrides)


@pytest.mark.parametrize("fault", ["act_then_502", "drop_after", "act_then_timeout", "reset"])
async def test_placed_then_failed_is_found_not_sent_again(clocks: _Clocks, fault: str) -> None:
    sandbox = _sandbox(clocks)
    sandbox.inject(fault, endpoint="create_order")  # type: ignore[arg-type]
    # act_then_timeout answers nothing for 30 s: a short read timeout ends the wait.
    async with _client(sandbox, timeout=0.3) as client:
        result = await client.create_order(_order(sandbox, "PO-FOUND-1"))
    counters = sandbox.counters
    assert counters.requests["create_order"] == 1, "a create that acted must not be resent"
    assert counters.orders_created == 1
    assert result.reconciled
    how = result.reconciliation
    assert how.outcome == "found"
    assert list(how.order_numbers) == _held(sandbox, "PO-FOUND-1")
    assert result.order_numbers == list(how.order_numbers)
    assert len(how.create_correlation_ids) == 1 and how.lookup_correlation_ids
    logged = {r.correlation_id for r in sandbox.request_log}
    assert set(how.lookup_correlation_ids) <= logged
    assert how.create_correlation_ids[0] in logged


async def test_failed_without_acting_is_sent_once_more(clocks: _Clocks) -> None:
    sandbox = _sandbox(clocks)
    sandbox.inject("gateway_502_before", endpoint="create_order")
    async with _client(sandbox) as client:
        result = await client.create_order(_order(sandbox, "PO-RESENT-1"))
    assert sandbox.counters.requests["create_order"] == 2
    assert sandbox.counters.orders_created == 1
    assert result.reconciliation.outcome == "resent"
    assert result.order_numbers == _held(sandbox, "PO-RESENT-1")
    # it searched for the whole window before sending again
    assert sum(clocks.sleeps) >= POLICY.window


async def test_search_lagging_past_the_window_is_caught_by_the_duplicate_guard(
    clocks: _Clocks,
) -> None:
    # The order is placed but stays out of search for 10 s, longer than the 6 s window:
    # the repeat is refused as a duplicate PO, and a second look finds the order.
    sandbox = _sandbox(clocks, search_lag=10.0)
    sandbox.inject("act_then_502", endpoint="create_order")
    async with _client(sandbox) as client:
        result = await client.create_order(_order(sandbox, "PO-LAG-1"))
    assert sandbox.counters.orders_created == 1
    assert sandbox.counters.requests["create_order"] == 2  # the repeat, refused
    assert result.reconciliation.outcome == "found"
    assert result.order_numbers == _held(sandbox, "PO-LAG-1")


async def test_duplicates_allowed_and_not_found_is_unknown_never_resent(clocks: _Clocks) -> None:
    sandbox = _sandbox(clocks)
    sandbox.inject("gateway_502_before", endpoint="create_order")
    async with _client(sandbox) as client:
        with pytest.raises(OrderOutcomeUnknown) as caught:
            await client.create_order(
                _order(sandbox, "PO-DUP-1", allow_duplicate_customer_order_number=True)
            )
    assert sandbox.counters.requests["create_order"] == 1
    assert sandbox.counters.orders_created == 0
    error = caught.value
    assert error.customer_order_number == "PO-DUP-1"
    assert "duplicates" in str(error) and error.create_correlation_ids
    assert error.request.customer_order_number == "PO-DUP-1"
    copy = pickle.loads(pickle.dumps(error))
    assert copy.create_correlation_ids == error.create_correlation_ids
    assert copy.lookup_correlation_ids == error.lookup_correlation_ids
    assert error.event_ids == () == copy.event_ids  # no inbox, no events


async def test_duplicates_allowed_and_found_is_unknown_with_the_candidate(
    clocks: _Clocks,
) -> None:
    # Placed, then the answer was lost: with duplicates allowed the order found could as
    # well be an earlier one with this PO, so the caller is told, with the candidate.
    sandbox = _sandbox(clocks)
    sandbox.inject("drop_after", endpoint="create_order")
    async with _client(sandbox) as client:
        with pytest.raises(OrderOutcomeUnknown) as caught:
            await client.create_order(
                _order(sandbox, "PO-DUP-2", allow_duplicate_customer_order_number=True)
            )
    assert sandbox.counters.requests["create_order"] == 1
    assert sandbox.counters.orders_created == 1
    assert list(caught.value.candidates) == _held(sandbox, "PO-DUP-2")
    assert "earlier one" in str(caught.value)


async def test_reused_po_with_duplicates_allowed_is_unknown_not_the_earlier_order(
    clocks: _Clocks,
) -> None:
    # The audit's silent loss: the same PO and lines placed twice the same day, the second
    # create failing without acting. The first order matches what the second sent; it
    # must not be returned as the second's, nor the second sent again.
    sandbox = _sandbox(clocks)
    order = _order(sandbox, "PO-REUSE", allow_duplicate_customer_order_number=True)
    async with _client(sandbox) as client:
        first = await client.create_order(order)
        sandbox.inject("gateway_502_before", endpoint="create_order")
        with pytest.raises(OrderOutcomeUnknown) as caught:
            await client.create_order(order)
    assert sandbox.counters.requests["create_order"] == 2, "never resent"
    assert sandbox.counters.orders_created == 1, "the second order was not placed"
    assert list(caught.value.candidates) == first.order_numbers
    assert caught.value.request is order and caught.value.lookup_correlation_ids


async def test_an_older_order_with_the_same_po_makes_it_unknown(clocks: _Clocks) -> None:
    sandbox = _sandbox(clocks)
    async with _client(sandbox) as client:
        first = await client.create_order(
            _order(sandbox, "PO-TWICE", allow_duplicate_customer_order_number=True)
        )
        sandbox.inject("act_then_502", endpoint="create_order")
        with pytest.raises(OrderOutcomeUnknown) as caught:
            await client.create_order(
                _order(sandbox, "PO-TWICE", allow_duplicate_customer_order_number=True)
            )
    assert sandbox.counters.orders_created == 2
    assert set(caught.value.candidates) == set(_held(sandbox, "PO-TWICE"))
    assert first.order_numbers[0] in caught.value.candidates


async def test_search_unavailable_is_unknown(clocks: _Clocks) -> None:
    sandbox = _sandbox(clocks, faults=Faults(server_error=1.0, endpoints={"search_orders"}))
    sandbox.inject("act_then_502", endpoint="create_order")
    async with _client(sandbox) as client:
        with pytest.raises(OrderOutcomeUnknown) as caught:
            await client.create_order(_order(sandbox, "PO-NOSEARCH"))
    assert "search was unavailable" in str(caught.value)
    assert sandbox.counters.requests["create_order"] == 1
    assert sandbox.counters.orders_created == 1


async def test_reconcile_off_raises_the_ambiguous_error(clocks: _Clocks) -> None:
    sandbox = _sandbox(clocks)
    sandbox.inject("act_then_502", endpoint="create_order")
    sandbox.inject("drop_after", endpoint="create_order")
    async with _client(sandbox) as client:
        with pytest.raises(InternalServerError):
            await client.create_order(_order(sandbox, "PO-OFF-1"), reconcile=False)
    async with _client(sandbox, reconcile=False) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.create_order(_order(sandbox, "PO-OFF-2"))
        assert caught.value.request_sent
    assert sandbox.counters.requests["create_order"] == 2
    assert sandbox.counters.orders_created == 2


async def test_a_refusal_is_not_reconciled(clocks: _Clocks) -> None:
    # A 4xx is an answer: nothing to look up.
    sandbox = _sandbox(clocks)
    async with _client(sandbox) as client:
        order = _order(sandbox, "PO-BAD")
        order.lines[0].ingram_part_number = "NO-SUCH-PART"
        order.lines.pop()
        result_or_error: Any
        try:
            result_or_error = await client.create_order(order)
        except Exception as exc:
            result_or_error = exc
    assert not getattr(result_or_error, "reconciled", False)
    assert sandbox.counters.requests["search_orders"] == 0


async def test_v7_create_is_reconciled(clocks: _Clocks) -> None:
    sandbox = _sandbox(clocks)
    sandbox.inject("act_then_502", endpoint="create_order_v7")
    parts = sorted(sandbox.catalog)[:1]
    order = OrderCreateV7Request(
        customer_order_number="PO-V7-1",
        lines=[OrderCreateLine(customer_line_number="1", ingram_part_number=parts[0], quantity=1)],
    )
    async with _client(sandbox) as client:
        result = await client.create_order_v7(order)
    assert sandbox.counters.requests["create_order_v7"] == 1
    assert result.reconciled
    held = _held(sandbox, "PO-V7-1")
    assert list(result.reconciliation.order_numbers) == held
    # what the result itself exposes, not only its reconciliation
    assert result.order_numbers == held
    assert result.reconciliation.source == "search" and result.reconciliation.event_ids == ()


async def test_search_failing_for_a_while_then_the_order_is_found(clocks: _Clocks) -> None:
    sandbox = _sandbox(clocks)
    sandbox.inject("act_then_502", endpoint="create_order")
    # every attempt of the first two searches (4 attempts each) fails
    sandbox.inject("server_error", times=8, endpoint="search_orders")
    async with _client(sandbox) as client:
        result = await client.create_order(_order(sandbox, "PO-FLAKY-1"))
    assert sandbox.counters.requests["create_order"] == 1
    assert sandbox.counters.responses[("search_orders", 500)] == 8
    assert result.reconciliation.outcome == "found"
    assert result.order_numbers == _held(sandbox, "PO-FLAKY-1")


async def test_a_v7_create_without_a_po_number_is_refused_before_sending(clocks: _Clocks) -> None:
    sandbox = _sandbox(clocks)
    part = sorted(sandbox.catalog)[0]
    order = OrderCreateV7Request(
        lines=[OrderCreateLine(customer_line_number="1", ingram_part_number=part, quantity=1)]
    )
    async with _client(sandbox) as client:
        with pytest.raises(ValidationError, match="customer_order_number"):
            await client.create_order_v7(order)
        sent = sandbox.counters.requests["create_order_v7"]
        # reconcile=False sends it as it is (and the sandbox, like the API, refuses it)
        with pytest.raises(BadRequestError):
            await client.create_order_v7(order, reconcile=False)
    assert sent == 0
    assert sandbox.counters.requests["create_order_v7"] == 1


def test_policy_and_switch_are_validated() -> None:
    with pytest.raises(ValidationError, match=r"reconcile\.window"):
        ReconcilePolicy(window=-1)
    with pytest.raises(ValidationError, match=r"reconcile\.max_creates"):
        ReconcilePolicy(max_creates=0)
    with pytest.raises(ValidationError, match="reconcile"):
        Sandbox(orders=1).client(reconcile="yes")


async def test_many_concurrent_creates_are_each_placed_exactly_once(clocks: _Clocks) -> None:
    # 10% act-then-fail, 5% fail-without-acting, search lagging 2 s, 60 creates at once.
    faults = Faults(
        act_then_502=0.04,
        drop_after=0.03,
        reset=0.03,
        gateway_502_before=0.03,
        drop_before=0.02,
        endpoints={"create_order"},
    )
    sandbox = _sandbox(clocks, faults=faults, search_lag=2.0)
    outcomes: Counter[str] = Counter()
    async with _client(sandbox) as client:

        async def place(i: int) -> None:
            try:
                result = await client.create_order(_order(sandbox, f"PO-MANY-{i:03d}"))
            except OrderOutcomeUnknown:
                outcomes["unknown"] += 1
            else:
                outcomes[result.reconciliation.outcome if result.reconciled else "clean"] += 1

        async with anyio.create_task_group() as tg:
            for i in range(60):
                tg.start_soon(place, i)
    pos = Counter(
        sandbox.order(n)["customerOrderNumber"]
        for n in sandbox.order_numbers()
        if str(sandbox.order(n)["customerOrderNumber"]).startswith("PO-MANY-")
    )
    assert len(pos) == 60 and set(pos.values()) == {1}, "every PO placed exactly once"
    assert outcomes["unknown"] == 0
    assert sum(outcomes.values()) == 60
    assert sandbox.counters.faults_acted, "the scenario must include act-then-fail faults"


def test_real_socket_scenario_places_every_order_exactly_once(tmp_path: Any) -> None:
    """The issue's acceptance scenario, 1,000 orders, over a real socket in a subprocess
    (benchmarks/bench_reconcile.py, the same code as the benchmark's rows R1 and R2)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "reconcile.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_reconcile",
            "--orders",
            "1000",
            "--no-baseline",
            "--json",
            str(out),
        ],
        cwd=root,
        check=True,
        timeout=240,
        capture_output=True,
    )
    guarded, allowed = json.loads(out.read_text())
    assert sum(guarded["faults_acted"].values()) > 0, "act-then-fail faults must have happened"
    assert guarded["faults"].keys() - guarded["faults_acted"].keys(), "and fail-without-acting"
    assert guarded["orders_held"] == guarded["distinct_po_held"] == 1000, json.dumps(guarded)
    assert guarded["duplicates"] == 0 and guarded["lost"] == 0, guarded
    assert guarded["unknown"] == 0, guarded
    assert sum(guarded["outcomes"].values()) == 1000, guarded
    # Duplicates allowed: never a duplicate, never a silent loss, never a repeat; every
    # create whose outcome was in doubt is reported unknown, placed or not.
    assert allowed["duplicates"] == 0 and allowed["lost"] == 0
    assert allowed["creates_sent"] == 1000
    assert allowed["orders_held"] + allowed["unknown_not_placed"] == 1000
    assert allowed["unknown"] == allowed["unknown_placed"] + allowed["unknown_not_placed"]
    assert allowed["unknown_placed"] > 0, "act-then-fail creates are unknown too"
    assert set(allowed["outcomes"]) <= {"clean", "unknown"}
    assert sum(allowed["outcomes"].values()) == 1000


# ------------------------------------------------------------------ v7 and the webhook inbox


def _v7(sandbox: Sandbox, po: str, **options: Any) -> OrderCreateV7Request:
    part = sorted(sandbox.catalog)[0]
    return OrderCreateV7Request(
        customer_order_number=po,
        lines=[OrderCreateLine(customer_line_number="1", ingram_part_number=part, quantity=2)],
        **options,
    )


def _receiving(clocks: _Clocks, inbox: WebhookInbox, **settings: Any) -> Sandbox:
    """A sandbox delivering its signed events, verified, into ``inbox``."""
    secret = "reconcile-webhook-secret"

    def receiver(headers: Mapping[str, str], body: bytes) -> None:
        inbox.put_many(parse_events(body, headers, secret))

    return _sandbox(clocks, webhook_secret=secret, webhook_target=receiver, **settings)


def _rejection(event_id: str, po: str) -> Event:
    """An order-create event naming no order: Ingram Micro refused the create."""
    (event,) = decode_events(
        {
            "topic": "resellers/orders",
            "event": "IM::created",
            "eventId": event_id,
            "resource": {
                "eventType": "IM::async_order_create",
                "customerOrderNumber": po,
                "orders": [],
                "rejectedLineItems": [{"customerLinenumber": "1", "rejectReason": "refused"}],
            },
        }
    )
    return event


async def test_v7_found_by_its_webhook_event_while_search_lags(clocks: _Clocks) -> None:
    # Search lags 10 s, past the 6 s window: search alone would resend (refused as a
    # duplicate, 2 creates). The order-create event in the inbox settles it at once.
    inbox = WebhookInbox()
    sandbox = _receiving(clocks, inbox, search_lag=10.0)
    sandbox.inject("act_then_502", endpoint="create_order_v7")
    async with _client(sandbox) as client:
        # the inbox given to the call (here empty, so falsy), not to the client
        result = await client.create_order_v7(_v7(sandbox, "PO-V7-HOOK"), webhook_inbox=inbox)
    held = _held(sandbox, "PO-V7-HOOK")
    assert sandbox.counters.requests["create_order_v7"] == 1, "no resend"
    assert sandbox.counters.orders_created == 1 and len(held) == 1
    how = result.reconciliation
    assert (how.outcome, how.source) == ("found", "webhook")
    (event,) = inbox.find(customer_order_number="PO-V7-HOOK")
    assert how.event_ids == (event.event_id,)
    assert list(how.order_numbers) == held == result.order_numbers
    assert result.events and result.events[0].event_id == event.event_id
    # the event's order was fetched and compared before it counted
    assert sandbox.counters.requests["get_order"] >= 1
    assert sum(clocks.sleeps) < POLICY.window, "decided before the search window ran out"


async def test_an_event_whose_order_could_not_be_fetched_is_read_again(clocks: _Clocks) -> None:
    # The event's order cannot be fetched at first (every attempt of one get_order fails),
    # and search lags past the window: the repeat is refused as a duplicate, and the next
    # round reads the same event again rather than skipping it.
    inbox = WebhookInbox()
    sandbox = _receiving(clocks, inbox, search_lag=10.0)
    sandbox.inject("act_then_502", endpoint="create_order_v7")
    sandbox.inject("server_error", times=4, endpoint="get_order")
    async with _client(sandbox, webhook_inbox=inbox) as client:
        result = await client.create_order_v7(_v7(sandbox, "PO-V7-RETRY"))
    assert sandbox.counters.responses[("get_order", 500)] == 4
    assert sandbox.counters.requests["create_order_v7"] == 2  # the repeat, refused
    assert sandbox.counters.orders_created == 1
    (event,) = inbox.find(customer_order_number="PO-V7-RETRY")
    how = result.reconciliation
    assert (how.outcome, how.source, how.event_ids) == ("found", "webhook", (event.event_id,))


async def test_v7_webhook_race_over_a_real_socket(clocks: _Clocks) -> None:
    # Served sandbox: the event is delivered from the server's thread, the create answered
    # over a socket; search lags past the window.
    inbox = WebhookInbox()
    sandbox = _receiving(clocks, inbox, search_lag=10.0)
    sandbox.inject("act_then_502", endpoint="create_order_v7")
    with sandbox.serve() as url:
        async with sandbox.client(
            base_url=url,
            transport=None,  # over the socket, not the in-memory transport
            rate_limit=None,
            retry=RetryPolicy(wait_initial=0.0, wait_jitter=0.0),
            reconcile=POLICY,
            webhook_inbox=inbox,
        ) as client:
            result = await client.create_order_v7(_v7(sandbox, "PO-V7-SOCKET"))
    assert sandbox.counters.requests["create_order_v7"] == 1
    assert result.reconciliation.source == "webhook"
    assert result.order_numbers == _held(sandbox, "PO-V7-SOCKET")


async def test_a_stale_event_from_before_the_create_is_ignored(clocks: _Clocks) -> None:
    # An earlier create with this PO was refused (its rejection event is in the inbox);
    # the caller sends the PO again, and it is placed but the answer is lost. The old
    # rejection must not be read as this create's: that would send it again.
    inbox = WebhookInbox()
    sandbox = _receiving(clocks, inbox, search_lag=10.0)
    inbox.put(_rejection("OLD-REJECTION", "PO-V7-AGAIN"))
    sandbox.inject("act_then_502", endpoint="create_order_v7")
    async with _client(sandbox, webhook_inbox=inbox) as client:
        result = await client.create_order_v7(_v7(sandbox, "PO-V7-AGAIN"))
    assert sandbox.counters.requests["create_order_v7"] == 1
    how = result.reconciliation
    assert (how.outcome, how.source) == ("found", "webhook")
    assert "OLD-REJECTION" not in how.event_ids and len(how.event_ids) == 1
    assert result.order_numbers == _held(sandbox, "PO-V7-AGAIN")


async def test_a_rejection_event_means_not_placed_and_resent_behind_the_guard(
    clocks: _Clocks,
) -> None:
    inbox = WebhookInbox()
    sandbox = _sandbox(clocks)
    sandbox.inject("gateway_502_before", endpoint="create_order_v7")
    real_sleep = clocks.sleep

    async def sleep(seconds: float) -> None:
        # Ingram Micro's answer arrives while the client looks the order up.
        if not inbox.find(customer_order_number="PO-V7-REFUSED"):
            inbox.put(_rejection("REJECTED-1", "PO-V7-REFUSED"))
        await real_sleep(seconds)

    clocks.sleep = sleep  # type: ignore[method-assign]
    _clock.sleep = sleep  # the fixture restores it
    async with _client(sandbox, webhook_inbox=inbox) as client:
        result = await client.create_order_v7(_v7(sandbox, "PO-V7-REFUSED"))
    assert sandbox.counters.requests["create_order_v7"] == 2
    assert sandbox.counters.orders_created == 1
    how = result.reconciliation
    assert (how.outcome, how.source, how.event_ids) == ("resent", "webhook", ("REJECTED-1",))
    assert sum(clocks.sleeps) < POLICY.window, "resent on the event, not after the window"


async def test_v7_with_duplicates_allowed_and_a_webhook_event_is_still_unknown(
    clocks: _Clocks,
) -> None:
    inbox = WebhookInbox()
    sandbox = _receiving(clocks, inbox, search_lag=10.0)
    sandbox.inject("act_then_502", endpoint="create_order_v7")
    async with _client(sandbox, webhook_inbox=inbox) as client:
        with pytest.raises(OrderOutcomeUnknown) as caught:
            await client.create_order_v7(
                _v7(sandbox, "PO-V7-DUP", allow_duplicate_customer_order_number=True)
            )
    assert sandbox.counters.requests["create_order_v7"] == 1
    assert list(caught.value.candidates) == _held(sandbox, "PO-V7-DUP")
    (event,) = inbox.find(customer_order_number="PO-V7-DUP")
    assert event.event_id in str(caught.value)
    # the events read are data too, and travel with the error
    assert caught.value.event_ids == (event.event_id,)
    assert pickle.loads(pickle.dumps(caught.value)).event_ids == (event.event_id,)


async def test_an_inbox_failing_raises_its_own_error_not_a_group(clocks: _Clocks) -> None:
    class BrokenInbox:
        def cursor(self) -> int:
            return 0

        async def wait_for(self, **criteria: Any) -> Event:
            raise RuntimeError("inbox down")

    sandbox = _sandbox(clocks)
    sandbox.inject("act_then_502", endpoint="create_order_v7")
    async with _client(sandbox) as client:
        # as is: the caller's except clauses match it, as without an inbox
        with pytest.raises(RuntimeError, match="inbox down"):
            await client.create_order_v7(
                _v7(sandbox, "PO-V7-BROKEN"),
                webhook_inbox=BrokenInbox(),  # type: ignore[arg-type]
            )
    assert sandbox.counters.requests["create_order_v7"] == 1


def test_the_sync_client_takes_the_inbox_too(clocks: _Clocks) -> None:
    inbox = WebhookInbox()
    sandbox = _receiving(clocks, inbox, search_lag=10.0)
    sandbox.inject("act_then_502", endpoint="create_order_v7")
    with OrdersClient(
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        customer_number=sandbox.customer_number,
        country_code=sandbox.country_code,
        transport=sandbox.transport(),
        rate_limit=None,
        reconcile=POLICY,
        webhook_inbox=inbox,
    ) as client:
        result = client.create_order_v7(_v7(sandbox, "PO-V7-SYNC"))
        with pytest.raises(ValidationError, match="webhook_inbox"):
            client.create_order_v7(_v7(sandbox, "PO-V7-BAD"), webhook_inbox="inbox")
    assert sandbox.counters.requests["create_order_v7"] == 1
    assert result.reconciliation.source == "webhook"
    assert result.order_numbers == _held(sandbox, "PO-V7-SYNC")


async def test_inbox_cursor_and_after() -> None:
    inbox = WebhookInbox(max_events=3)
    assert inbox.cursor() == 0
    inbox.put(_rejection("E1", "PO-C"))
    mark = inbox.cursor()
    assert mark == 1
    assert inbox.find(customer_order_number="PO-C", after=mark) == []
    assert [e.event_id for e in inbox.find(customer_order_number="PO-C", after=0)] == ["E1"]
    with pytest.raises(TimeoutError):
        await inbox.wait_for(customer_order_number="PO-C", after=mark, timeout=0.05)
    got: list[Event] = []

    async def wait() -> None:
        got.append(await inbox.wait_for(customer_order_number="PO-C", after=mark, timeout=5))

    async with anyio.create_task_group() as tg:
        tg.start_soon(wait)
        await anyio.wait_all_tasks_blocked()
        inbox.put(_rejection("E2", "PO-C"))
    assert [e.event_id for e in got] == ["E2"]
    inbox.clear()
    inbox.put_many(_rejection(f"F{i}", "PO-D") for i in range(5))
    assert inbox.cursor() == 7, "sequence numbers go on past clear() and the bound"
    assert [e.event_id for e in inbox.find(customer_order_number="PO-D", after=5)] == ["F3", "F4"]
    for bad in (-1, True, "3"):
        with pytest.raises(ValidationError, match="after"):
            inbox.find(customer_order_number="PO-D", after=bad)  # type: ignore[arg-type]
