"""Correlation: :class:`WebhookInbox`, where a receiver puts verified events and the code
that placed a v7 order awaits the one it expects (asyncio or trio, any thread).

Must not import the signature or replay modules: it sees only verified :class:`Event` objects.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import sys
import threading
from collections.abc import Callable, Collection, Iterable
from typing import cast

import anyio
import anyio.lowlevel
import attrs

from ..errors import ValidationError
from ..models.create_v7 import OrderCreateV7Confirmation
from ._events import Event, EventKind, _normalise

logger = logging.getLogger("xi_orders.webhooks")


def _folded(value: str | None) -> str:
    return (value or "").strip().casefold()


def _after(after: int | None) -> int:
    if after is None:
        return 0
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise ValidationError("after", f"must be a cursor (an int >= 0) or None, got {after!r}")
    return after


def _scheduler() -> Callable[[Callable[[], object]], object]:
    """A thread-safe, non-blocking "run this soon on the current event loop"."""
    try:
        return asyncio.get_running_loop().call_soon_threadsafe
    except RuntimeError:
        trio = sys.modules.get("trio")
        if trio is None:  # pragma: no cover - anyio runs on asyncio or trio
            raise
        return cast(
            "Callable[[Callable[[], object]], object]",
            trio.lowlevel.current_trio_token().run_sync_soon,
        )


@attrs.define(eq=False)
class _Waiter:
    matches: Callable[[Event], bool]
    after: int
    wake: anyio.Event
    schedule: Callable[[Callable[[], object]], object]
    result: Event | None = None


class WebhookInbox:
    """Where a receiver puts verified events and a caller awaits the one it expects.

    Keeps the ``max_events`` most recent events, so an event that arrives before anyone
    waits (the sandbox delivers before the create call even returns) is still found.
    ``put`` may be called from any thread (a ``http.server`` receiver) or task; waiting
    works on asyncio and trio.

    Every event put gets the next sequence number: :meth:`cursor` is the newest one, and
    ``after=`` on :meth:`find` and :meth:`wait_for` ignores the events up to it (take the
    cursor before sending a create, so an older event with the same PO number, from an
    earlier order, cannot be mistaken for this one's). ``create_order_v7(...,
    webhook_inbox=inbox)`` does this itself when a create's outcome is unknown.

    Example::

        inbox = WebhookInbox()
        # receiver:  inbox.put_many(parse_events(body, headers, secret))
        confirmation = await client.create_order_v7(request)
        event = await inbox.wait_for(
            customer_order_number=request.customer_order_number,
            kind=EventKind.ASYNC_ORDER_CREATE,
            timeout=60,
        )
        order = await client.get_order(event.order_numbers[0])
    """

    def __init__(self, max_events: int = 1000) -> None:
        if max_events < 1:
            raise ValidationError("max_events", "must be at least 1")
        #: (sequence number, event), oldest first
        self._events: collections.deque[tuple[int, Event]] = collections.deque(maxlen=max_events)
        self._seq = 0
        self._waiters: list[_Waiter] = []
        self._lock = threading.RLock()  # predicates run under it and may read the inbox

    def put(self, event: Event) -> None:
        """Add an event and wake whoever waits for it. Thread-safe, never blocks."""
        woken: list[_Waiter] = []
        with self._lock:
            self._seq += 1
            self._events.append((self._seq, event))
            for waiter in self._waiters:
                if waiter.result is None and self._seq > waiter.after and waiter.matches(event):
                    waiter.result = event
                    woken.append(waiter)
            self._waiters = [w for w in self._waiters if w.result is None]
        for waiter in woken:
            try:
                waiter.schedule(waiter.wake.set)
            except Exception:  # the waiter's event loop is gone
                logger.debug("webhook inbox: a waiter's event loop is closed")

    def put_many(self, events: Iterable[Event]) -> None:
        """:meth:`put` each event, in order. Example: ``inbox.put_many(parse_events(...))``."""
        for event in events:
            self.put(event)

    def cursor(self) -> int:
        """The sequence number of the newest event put so far (0 before the first).

        Pass it as ``after=`` to :meth:`find` or :meth:`wait_for` to see only the events
        put since. Example::

            mark = inbox.cursor()
            confirmation = await client.create_order_v7(request)
            event = await inbox.wait_for(customer_order_number="PO-1", after=mark)
        """
        with self._lock:
            return self._seq

    @property
    def events(self) -> list[Event]:
        """The events kept, oldest first."""
        with self._lock:
            return [event for _, event in self._events]

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    def clear(self) -> None:
        """Forget every event kept (waiters keep waiting; sequence numbers go on)."""
        with self._lock:
            self._events.clear()

    @staticmethod
    def _criteria(
        customer_order_number: str | None,
        order_number: str | None,
        confirmation_number: str | OrderCreateV7Confirmation | None,
        kind: EventKind | str | Collection[EventKind | str] | None,
        predicate: Callable[[Event], bool] | None,
    ) -> Callable[[Event], bool]:
        if isinstance(confirmation_number, OrderCreateV7Confirmation):
            confirmation_number = confirmation_number.confirmation_number
        if (
            customer_order_number is None
            and order_number is None
            and confirmation_number is None
            and kind is None
            and predicate is None
        ):
            raise ValidationError("wait_for", "give at least one criterion")
        kinds: set[str] | None = None
        if kind is not None:
            items = [kind] if isinstance(kind, str) else list(kind)
            kinds = {_normalise(k.value if isinstance(k, EventKind) else k) or "" for k in items}
        po = _folded(customer_order_number)
        number = _folded(order_number)
        confirmation = _folded(confirmation_number)

        def matches(event: Event) -> bool:
            if kinds is not None and event.kind.value not in kinds and event.type_name not in kinds:
                return False
            if customer_order_number is not None and po not in {
                _folded(v) for v in event.customer_order_numbers
            }:
                return False
            if order_number is not None and number not in {_folded(v) for v in event.order_numbers}:
                return False
            if confirmation_number is not None and confirmation != _folded(
                event.confirmation_number
            ):
                return False
            return predicate is None or bool(predicate(event))

        return matches

    def find(
        self,
        *,
        customer_order_number: str | None = None,
        order_number: str | None = None,
        confirmation_number: str | OrderCreateV7Confirmation | None = None,
        kind: EventKind | str | Collection[EventKind | str] | None = None,
        predicate: Callable[[Event], bool] | None = None,
        after: int | None = None,
    ) -> list[Event]:
        """The kept events matching every criterion given, oldest first (no waiting).

        ``after``: only events put after that :meth:`cursor`.
        Example: ``inbox.find(order_number="20-RD128", kind=EventKind.ORDER_SHIPPED)``.
        """
        matches = self._criteria(
            customer_order_number, order_number, confirmation_number, kind, predicate
        )
        floor = _after(after)
        with self._lock:
            kept = list(self._events)
        return [e for seq, e in kept if seq > floor and matches(e)]

    async def wait_for(
        self,
        *,
        customer_order_number: str | None = None,
        order_number: str | None = None,
        confirmation_number: str | OrderCreateV7Confirmation | None = None,
        kind: EventKind | str | Collection[EventKind | str] | None = None,
        predicate: Callable[[Event], bool] | None = None,
        after: int | None = None,
        timeout: float | None = 60.0,  # noqa: ASYNC109 - a deadline is part of the contract
    ) -> Event:
        """The oldest kept event matching every criterion given, or the next to arrive.

        Criteria (at least one): ``customer_order_number`` (the PO number, compared without
        case or surrounding spaces), ``order_number`` (an Ingram Micro order number),
        ``confirmation_number`` (a v7 confirmation or its number: only if the event carries
        one, which the spec's example does not), ``kind`` (an :class:`EventKind`, a wire or
        normalised type name, or several), ``predicate`` (any test). ``after``: only
        events put after that :meth:`cursor` (earlier ones are ignored, even if they
        match). Raises :class:`TimeoutError` after ``timeout`` seconds (None: wait forever).

        Example::

            event = await inbox.wait_for(order_number="20-RD128", kind="order_shipped")
        """
        matches = self._criteria(
            customer_order_number, order_number, confirmation_number, kind, predicate
        )
        waiter = _Waiter(matches, _after(after), anyio.Event(), _scheduler())
        with self._lock:
            for seq, event in self._events:
                if seq > waiter.after and matches(event):
                    waiter.result = event
                    break
            else:
                self._waiters.append(waiter)
        if waiter.result is not None:
            await anyio.lowlevel.checkpoint()
            return waiter.result
        try:
            with anyio.fail_after(timeout):
                await waiter.wake.wait()
        except TimeoutError:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
            if waiter.result is not None:  # arrived as the time ran out
                return waiter.result
            raise TimeoutError(f"no matching webhook event within {timeout} s") from None
        finally:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        assert waiter.result is not None
        return waiter.result

    def __repr__(self) -> str:
        with self._lock:
            return f"WebhookInbox(events={len(self._events)}, waiting={len(self._waiters)})"
