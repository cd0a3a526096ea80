"""Exactly-once placement: what a create does when its outcome is unknown.

Owns the decision after a create fails in a way that may have reached the server: look the
order up by its customer PO number (racing, for a v7 create with a ``WebhookInbox``, the
order-create event carrying that PO), compare it with what was sent, then return it, send
the create once more (only behind the server's duplicate-PO guard), or raise
``OrderOutcomeUnknown`` (always, when duplicates are allowed: an order found could be an
earlier one with the same PO). Must not import the client nor the webhooks package: it
receives the operations and the inbox it needs.

It also owns the answer to a create the API refuses as a duplicate PO number on its first
send: the natural retry of a create the caller's own deadline cut (``asyncio.timeout``)
after the server had placed it. The PO is looked up: an order with it that matches the
request is that create's order (``outcome="already_placed"``); otherwise the refusal is
raised, with the order numbers that hold the PO (``existing_order_numbers``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal, Protocol, TypeGuard, TypeVar, cast

import anyio
import attrs

from . import _clock
from ._request import check_correlation_id, new_correlation_id
from ._response import Reconciliation
from .errors import (
    APIConnectionError,
    APIStatusError,
    BadRequestError,
    OrderOutcomeUnknown,
    ValidationError,
    XiError,
)
from .models import (
    Address,
    CreatedOrder,
    CreatedOrderLine,
    OrderCreateLine,
    OrderCreateV7Line,
    OrderDetail,
    OrderSummary,
)

logger = logging.getLogger("xi_orders")

ResultT = TypeVar("ResultT")


@attrs.frozen
class ReconcilePolicy:
    """How long, and how often, a create whose outcome is unknown is looked up.

    An order the API has just accepted can take a while to show in search (the search
    index lags the order system, by seconds usually and by longer under load), so one
    immediate search is not proof of absence. The defaults search for up to ``window``
    seconds with backoff from ``first_wait`` doubling up to ``max_wait``, and send the
    create at most ``max_creates`` times in all, the repeats only when the API's own
    duplicate-PO guard protects the order. With duplicates allowed
    (``allow_duplicate_customer_order_number``) an unknown outcome is never settled: the
    search only gathers the candidates for ``OrderOutcomeUnknown``.

    Example::

        AsyncOrdersClient(..., reconcile=ReconcilePolicy(window=120))
        await client.create_order(order, reconcile=False)   # your own reconciliation
    """

    #: Seconds to keep looking before deciding the order was not placed.
    window: float = 60.0
    #: First wait before a lookup (the order needs a moment to reach search).
    first_wait: float = 1.0
    #: The longest wait between two lookups.
    max_wait: float = 8.0
    #: Creates sent in all, the first included (repeats only behind the duplicate-PO guard).
    max_creates: int = 3

    @classmethod
    def coerce(cls, field: str, value: object) -> ReconcilePolicy | None:
        """``reconcile=``'s value as a policy: ``True`` the default one, ``False`` none."""
        if isinstance(value, ReconcilePolicy):
            return value
        if value is True:
            return cls()
        if value is False:
            return None
        raise ValidationError(field, f"must be True, False or a ReconcilePolicy, got {value!r}")

    def __attrs_post_init__(self) -> None:
        for name in ("window", "first_wait", "max_wait"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValidationError(f"reconcile.{name}", f"must be a number >= 0, got {value!r}")
        if (
            isinstance(self.max_creates, bool)
            or not isinstance(self.max_creates, int)
            or self.max_creates < 1
        ):
            raise ValidationError("reconcile.max_creates", "must be an integer >= 1")


class _Placeable(Protocol):
    """What reconciliation reads of a create request (v6 or v7)."""

    customer_order_number: str | None
    ship_to_info: Address | None

    @property
    def lines(self) -> Sequence[OrderCreateLine | OrderCreateV7Line]: ...

    allow_duplicate_customer_order_number: bool | None


class _Reconcilable(Protocol):
    reconciliation: Reconciliation | None


PlacedT = TypeVar("PlacedT", bound=_Reconcilable)


class _Operations(Protocol):
    def search_orders(self, *, customer_order_number: str, correlation_id: str) -> Any: ...

    def get_order(self, order_number: str, *, correlation_id: str) -> Awaitable[OrderDetail]: ...


def is_ambiguous(error: BaseException) -> bool:
    """Whether a failed create may nevertheless have placed the order.

    A connection failure after the request may have left, a read timeout, or a 5xx (the
    API's own, or a gateway's 502/503/504). A 4xx, a 429 and a failure before sending are
    answers: nothing was placed.
    """
    if isinstance(error, APIConnectionError):
        return bool(getattr(error, "request_sent", True))
    if isinstance(error, APIStatusError):
        return error.status_code >= 500
    return False


def _is_duplicate_po(error: BaseException) -> TypeGuard[BadRequestError]:
    """The API's duplicate-PO guard refused the create (400 on ``customerOrderNumber``)."""
    if not isinstance(error, BadRequestError):
        return False
    for field in error.fields:
        name = (field.field or "").lower()
        text = (field.message or "").lower()
        if name == "customerordernumber" and "duplicate" in text:
            return True
    return "duplicate" in str(error.api_message or "").lower()


def _norm(value: object) -> str:
    return str(value or "").strip().upper()


@attrs.frozen
class OrderShape:
    """What distinguishes one create request from another order with the same PO number."""

    customer_order_number: str
    #: ``(part number, quantity)`` of each requested line (Ingram's part, else the vendor's).
    lines: tuple[tuple[str, int], ...]
    ship_to_postal_code: str | None
    duplicates_allowed: bool

    @classmethod
    def of(
        cls,
        customer_order_number: str | None,
        lines: Sequence[OrderCreateLine | OrderCreateV7Line],
        ship_to: Address | None,
        duplicates_allowed: bool | None,
    ) -> OrderShape:
        if not customer_order_number:
            raise ValidationError(
                "customer_order_number",
                "is required to place an order safely: it is how an order whose outcome is "
                "unknown is found again (or pass reconcile=False)",
            )
        shaped = tuple(
            (_norm(line.ingram_part_number or line.vendor_part_number), int(line.quantity or 0))
            for line in lines
        )
        postal = _norm(ship_to.postal_code) if ship_to is not None else ""
        return cls(
            customer_order_number=customer_order_number,
            lines=shaped,
            ship_to_postal_code=postal or None,
            duplicates_allowed=bool(duplicates_allowed),
        )

    def matches(self, order: OrderDetail) -> bool:
        """Whether ``order`` is (part of) what this request would have placed.

        Every line of the order must be a requested line with the requested quantity (a
        create can split into several orders, and a 207 can drop lines, so the order may
        hold fewer lines than were asked for, never other ones); the ship-to postal code,
        when both sides have one, must agree.
        """
        if _norm(order.customer_order_number) != _norm(self.customer_order_number):
            return False
        requested = {part: qty for part, qty in self.lines if part}
        # v6.1 sometimes omits the lines of an order that has them: then the PO, the date
        # and the ship-to decide.
        for line in order.lines:
            part = _norm(line.ingram_part_number)
            vendor_part = _norm(line.vendor_part_number)
            qty = requested.get(part, requested.get(vendor_part))
            if qty is None or (line.quantity_ordered is not None and line.quantity_ordered != qty):
                return False
        shipped_to = order.ship_to_info.postal_code if order.ship_to_info else None
        return not (
            self.ship_to_postal_code
            and shipped_to
            and _norm(shipped_to) != self.ship_to_postal_code
        )


def _created_order(detail: OrderDetail) -> CreatedOrder:
    """A create answer's order rebuilt from the order's details."""
    order_date = detail.ingram_order_date
    return CreatedOrder(
        ingram_order_number=detail.ingram_order_number,
        ingram_order_date=order_date.date() if isinstance(order_date, datetime) else order_date,
        order_type=detail.order_type,
        order_total=detail.order_total,
        freight_charges=detail.freight_charges,
        total_tax=detail.total_tax,
        currency_code=detail.currency_code,
        number_of_lines_with_success=len(detail.lines),
        lines=[
            CreatedOrderLine(
                sub_order_number=line.sub_order_number,
                ingram_line_number=line.ingram_order_line_number,
                customer_line_number=line.customer_line_number,
                line_status=line.line_status,
                ingram_part_number=line.ingram_part_number,
                vendor_part_number=line.vendor_part_number,
                unit_price=line.unit_price,
                extended_unit_price=line.extended_price,
                quantity_ordered=line.quantity_ordered,
                quantity_confirmed=line.quantity_confirmed,
                quantity_back_ordered=line.quantity_back_ordered,
            )
            for line in detail.lines
        ],
    )


class InboxEvent(Protocol):
    """What reconciliation reads of a webhook event (``xi_orders.webhooks.Event``)."""

    @property
    def event_id(self) -> str: ...

    @property
    def order_numbers(self) -> list[str]: ...

    @property
    def data(self) -> object: ...


class Inbox(Protocol):
    """What reconciliation needs of a ``xi_orders.webhooks.WebhookInbox``: this module
    stays free of webhook imports (they would load on every client import)."""

    def cursor(self) -> int: ...

    async def wait_for(
        self,
        *,
        customer_order_number: str | None = ...,
        kind: str | None = ...,
        predicate: Callable[[Any], bool] | None = ...,
        after: int | None = ...,
        timeout: float | None = ...,  # noqa: ASYNC109 - the inbox's own signature
    ) -> InboxEvent: ...


#: The ``eventType`` of the event announcing what a v7 create made.
_CREATE_EVENT = "async_order_create"


@attrs.define
class _Looked:
    """What one round of lookups (search, and the webhook inbox if any) concluded."""

    #: orders carrying our PO that match what we sent
    ours: list[OrderDetail] = attrs.field(factory=list)
    #: order numbers carrying our PO that do not
    others: list[str] = attrs.field(factory=list)
    #: the last search error, when no search succeeded (and no event decided)
    error: XiError | None = None
    source: Literal["search", "webhook"] = "search"
    #: an order-create event for our PO named no order: the create was refused
    rejected: bool = False
    events: list[InboxEvent] = attrs.field(factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.ours or self.others or self.rejected)


@attrs.define
class _Search:
    """The lookups of one placement: which orders carry our PO number, and which are ours."""

    ops: _Operations
    shape: OrderShape
    started: date
    inbox: Inbox | None = None
    #: the inbox's cursor before the first create: older events are not about it
    cursor: int | None = None
    correlation_ids: list[str] = attrs.field(factory=list)
    #: events already acted on (a resend must not read the same rejection twice)
    seen_events: set[str] = attrs.field(factory=set)

    async def _detail(self, number: str) -> OrderDetail:
        cid = new_correlation_id()
        self.correlation_ids.append(cid)
        return await self.ops.get_order(number, correlation_id=cid)

    def _is_ours(self, detail: OrderDetail) -> bool:
        placed = detail.ingram_order_date
        placed_day = placed.date() if isinstance(placed, datetime) else placed
        # With duplicates allowed, an order dated before this placement began cannot be
        # ours (dates only: a day of slack for time zones). With the duplicate-PO guard
        # on, an older order with our PO would have made the server refuse ours, so the
        # PO and the lines decide (and clocks, the server's and ours, need not agree).
        if (
            self.shape.duplicates_allowed
            and placed_day is not None
            and placed_day < self.started - timedelta(days=1)
        ):
            return False
        return self.shape.matches(detail)

    async def once(self) -> tuple[list[OrderDetail], list[str]]:
        """(orders matching what we sent, order numbers carrying our PO that do not)."""
        cid = new_correlation_id()
        self.correlation_ids.append(cid)
        summaries: list[OrderSummary] = await self.ops.search_orders(
            customer_order_number=self.shape.customer_order_number, correlation_id=cid
        ).collect()
        ours: list[OrderDetail] = []
        others: list[str] = []
        seen: set[str] = set()
        for summary in summaries:
            number = summary.ingram_order_number
            if not number or number in seen:
                continue
            seen.add(number)
            if _norm(summary.customer_order_number) != _norm(self.shape.customer_order_number):
                continue  # search matched loosely; not our PO
            detail = await self._detail(number)
            if self._is_ours(detail):
                ours.append(detail)
            else:
                others.append(number)
        return ours, others

    async def until_found(self, policy: ReconcilePolicy) -> _Looked:
        """Search with backoff until an order carries our PO, for up to ``policy.window`` s.

        ``error`` is the last search error if no search ever succeeded.
        """
        deadline = _clock.monotonic() + policy.window
        wait = policy.first_wait
        last_error: XiError | None = None
        succeeded = False
        ours: list[OrderDetail] = []
        others: list[str] = []
        while True:
            await _clock.sleep(min(wait, max(0.0, deadline - _clock.monotonic())))
            try:
                ours, others = await self.once()
            except XiError as exc:
                last_error = exc
                logger.debug("reconcile: search for PO %s failed: %s", self.shape, exc)
            else:
                succeeded = True
                last_error = None
                if ours or others:
                    return _Looked(ours, others)
            if _clock.monotonic() >= deadline:
                return _Looked(ours, others, None if succeeded else last_error)
            wait = min(wait * 2, policy.max_wait)

    async def _read_event(self, event: InboxEvent) -> _Looked | None:
        """What an order-create event for our PO says (None: it could not be checked, and
        the next round of lookups reads it again)."""
        numbers = event.order_numbers
        if not numbers:
            self.seen_events.add(event.event_id)
            return _Looked(source="webhook", rejected=True, events=[event])
        looked = _Looked(source="webhook", events=[event])
        # The event is a hint (its signature covers only its eventId): each order it
        # names is fetched and compared with what was sent before it counts.
        for number in numbers:
            try:
                detail = await self._detail(number)
            except XiError as exc:
                logger.debug("reconcile: order %s of event %s: %s", number, event.event_id, exc)
                return None
            if self._is_ours(detail):
                looked.ours.append(detail)
            else:
                looked.others.append(number)
        self.seen_events.add(event.event_id)
        return looked

    async def look(self, policy: ReconcilePolicy) -> _Looked:
        """Search for the order; with an inbox, race the search against the order-create
        event for our PO (events from before the first create are ignored): the first to
        decide wins and the other is cancelled."""
        inbox = self.inbox
        if inbox is None:
            return await self.until_found(policy)
        decided: list[_Looked] = []
        failed: list[Exception] = []
        reading = False
        read = anyio.Event()

        async def watch(scope: anyio.CancelScope) -> None:
            nonlocal reading
            try:
                event = await inbox.wait_for(
                    customer_order_number=self.shape.customer_order_number,
                    kind=_CREATE_EVENT,
                    predicate=lambda e: e.event_id not in self.seen_events,
                    after=self.cursor,
                    timeout=None,  # the search's window bounds the race
                )
                reading = True
                looked = await self._read_event(event)
            except Exception as exc:
                failed.append(exc)
                scope.cancel()
                return
            finally:
                read.set()
            if looked is not None and not decided:
                decided.append(looked)
                scope.cancel()

        async def search(scope: anyio.CancelScope) -> None:
            try:
                looked = await self.until_found(policy)
                if not looked.anything and reading:
                    # An event arrived and its orders are being fetched: it knows better
                    # than a search that found nothing (the index lags) or could not run.
                    await read.wait()
            except Exception as exc:
                failed.append(exc)
            else:
                if not decided:
                    decided.append(looked)
            scope.cancel()

        async with anyio.create_task_group() as tg:
            tg.start_soon(watch, tg.cancel_scope)
            tg.start_soon(search, tg.cancel_scope)
        if failed and not decided:
            # raised as is, not wrapped in the task group's ExceptionGroup: the caller's
            # except clauses (ClientClosedError...) must still match
            raise failed[0]
        return decided[0]


async def place(
    send: Callable[[str], Awaitable[ResultT]],
    found: Callable[[list[CreatedOrder], Reconciliation, ResultT | None, list[object]], ResultT],
    ops: _Operations,
    shape: OrderShape,
    policy: ReconcilePolicy,
    *,
    request: object,
    first_correlation_id: str | None = None,
    inbox: Inbox | None = None,
) -> ResultT:
    """Send a create and resolve an ambiguous failure; see ``AsyncOrdersClient.create_order``.

    ``send(correlation_id)`` sends the create once (the send path's own retries included:
    those happen only when nothing was placed); ``found(orders, reconciliation, None,
    event_data)`` builds the typed result from the orders found (and the ``data`` of the
    webhook events that announced them), and marks a resent result
    (``found([], reconciliation, result, [])``). With ``inbox``, its cursor is taken before
    the first send and every lookup races the search against the inbox.
    """
    started = datetime.fromtimestamp(_clock.wall(), timezone.utc).date()
    create_cids: list[str] = []
    search = _Search(ops, shape, started, inbox, inbox.cursor() if inbox is not None else None)
    cause: str | None = None
    last = _Looked()  # what decided the latest resend
    while True:
        cid = first_correlation_id if not create_cids and first_correlation_id else None
        cid = cid or new_correlation_id()
        create_cids.append(cid)
        try:
            result = await send(cid)
        except XiError as exc:
            if cause is None and _is_duplicate_po(exc) and not shape.duplicates_allowed:
                # The first send refused as a duplicate: an earlier create with this PO
                # (often this very request, sent before and cut by the caller's deadline).
                return await _already_placed(found, exc, create_cids, search, policy)
            if cause is not None and _is_duplicate_po(exc):
                # Refused as a duplicate after an earlier ambiguous create: that one was
                # placed after all and is not yet visible. Look again before giving up.
                looked = await search.look(policy)
                if looked.ours and not looked.others:
                    return _found(found, looked, cause, create_cids, search)
                raise _unknown(
                    "a repeat was refused as a duplicate PO number, but the order placed "
                    "earlier could not be identified",
                    shape,
                    request,
                    create_cids,
                    search,
                    looked,
                    cause=exc,
                ) from exc
            if not is_ambiguous(exc):
                raise
            cause = cause or f"{type(exc).__name__}: {exc}"
            logger.warning(
                "create with PO %s may have been placed (%s); looking it up",
                shape.customer_order_number,
                type(exc).__name__,
            )
            looked = await search.look(policy)
            if looked.error is not None:
                raise _unknown(
                    "search was unavailable, so whether the order was placed is unknown",
                    shape,
                    request,
                    create_cids,
                    search,
                    looked,
                    cause=looked.error,
                ) from exc
            if shape.duplicates_allowed:
                # Without the duplicate-PO guard nothing tells this create's order from an
                # earlier one with the same PO and lines (a reused PO number): returning
                # the one found could hide that this create placed nothing, and sending
                # again could place it twice. The caller, who knows the PO's history,
                # decides from the candidates.
                raise _unknown(
                    _unknown_with_duplicates(looked, policy),
                    shape,
                    request,
                    create_cids,
                    search,
                    looked,
                    cause=exc,
                ) from exc
            if looked.ours and not looked.others:
                return _found(found, looked, cause, create_cids, search)
            if looked.ours or looked.others:
                raise _unknown(
                    "orders carry this PO number that do not all match what was sent "
                    "(lines, ship-to)",
                    shape,
                    request,
                    create_cids,
                    search,
                    looked,
                    cause=exc,
                ) from exc
            if len(create_cids) >= policy.max_creates:
                raise _unknown(
                    f"the order was not found after {len(create_cids)} ambiguous creates",
                    shape,
                    request,
                    create_cids,
                    search,
                    looked,
                    cause=exc,
                ) from exc
            logger.warning(
                "PO %s %s: sending the create again (the API refuses a duplicate PO number)",
                shape.customer_order_number,
                "refused, says its order-create event"
                if looked.rejected
                else f"not found within {policy.window:g} s",
            )
            last = looked
            continue
        if cause is None:
            return result
        return found([], _reconciliation("resent", cause, create_cids, search, last), result, [])


async def _already_placed(
    found: Callable[[list[CreatedOrder], Reconciliation, ResultT | None, list[object]], ResultT],
    refused: BadRequestError,
    create_cids: list[str],
    search: _Search,
    policy: ReconcilePolicy,
) -> ResultT:
    """A first create refused as a duplicate PO number: the order holding the PO, when it
    matches the request (lines, quantities, ship-to), as this create's result
    (``outcome="already_placed"``); else the refusal, with the order numbers holding the PO
    in ``existing_order_numbers`` (empty when search could not find or run)."""
    logger.info(
        "create with PO %s refused as a duplicate PO number; looking the order up",
        search.shape.customer_order_number,
    )
    looked = await search.look(policy)
    if looked.ours and not looked.others:
        return found(
            [_created_order(d) for d in looked.ours],
            _reconciliation(
                "already_placed",
                f"{type(refused).__name__}: {refused}",
                create_cids,
                search,
                looked,
            ),
            None,
            [event.data for event in looked.events],
        )
    holders = [d.ingram_order_number or "" for d in looked.ours] + looked.others
    refused.existing_order_numbers = tuple(dict.fromkeys(n for n in holders if n))
    refused.lookup_correlation_ids = tuple(search.correlation_ids)
    raise refused


def _unknown_with_duplicates(looked: _Looked, policy: ReconcilePolicy) -> str:
    """Why a create with duplicates allowed stays unknown, from what the lookups saw."""
    if looked.ours or looked.others:
        return (
            "duplicates are allowed, so the order found with this PO number may be an "
            "earlier one (a reused PO number) and this create may have placed nothing"
        )
    if looked.rejected:
        return (
            "duplicates are allowed, so the order-create event refusing this PO number may "
            "belong to another create with the same PO number"
        )
    return (
        f"the order was not found within {policy.window:g} s, and duplicates are allowed, "
        "so sending it again could place it twice"
    )


def _found(
    found: Callable[[list[CreatedOrder], Reconciliation, ResultT | None, list[object]], ResultT],
    looked: _Looked,
    cause: str,
    create_cids: list[str],
    search: _Search,
) -> ResultT:
    return found(
        [_created_order(d) for d in looked.ours],
        _reconciliation("found", cause, create_cids, search, looked),
        None,
        [event.data for event in looked.events],
    )


def _reconciliation(
    outcome: str, cause: str, create_cids: list[str], search: _Search, looked: _Looked
) -> Reconciliation:
    return Reconciliation(
        outcome=outcome,
        cause=cause,
        create_correlation_ids=tuple(create_cids),
        lookup_correlation_ids=tuple(search.correlation_ids),
        order_numbers=tuple(d.ingram_order_number for d in looked.ours if d.ingram_order_number)
        if outcome in ("found", "already_placed")
        else (),
        source=looked.source,
        event_ids=tuple(event.event_id for event in looked.events),
    )


def _unknown(
    reason: str,
    shape: OrderShape,
    request: object,
    create_cids: list[str],
    search: _Search,
    looked: _Looked,
    *,
    cause: BaseException | None = None,
) -> OrderOutcomeUnknown:
    if looked.events:
        reason += f" (webhook events {', '.join(e.event_id for e in looked.events)})"
    candidates = [d.ingram_order_number or "" for d in looked.ours] + looked.others
    return OrderOutcomeUnknown(
        reason,
        customer_order_number=shape.customer_order_number,
        request=request,
        candidates=tuple(dict.fromkeys(n for n in candidates if n)),
        create_correlation_ids=tuple(create_cids),
        lookup_correlation_ids=tuple(search.correlation_ids),
        cause=f"{type(cause).__name__}: {cause}" if cause is not None else None,
        event_ids=tuple(e.event_id for e in looked.events),
    )


def check_inbox(field: str, inbox: object) -> Inbox | None:
    """``inbox`` if it is a ``WebhookInbox`` (or quacks like one), else ValidationError."""
    if inbox is None:
        return None
    if not (
        callable(getattr(inbox, "cursor", None)) and callable(getattr(inbox, "wait_for", None))
    ):
        raise ValidationError(
            field, f"must be a xi_orders.webhooks.WebhookInbox or None, got {inbox!r}"
        )
    return cast("Inbox", inbox)


async def create_once(
    send: Callable[[str | None], Awaitable[PlacedT]],
    order: _Placeable,
    ops: _Operations,
    policy: ReconcilePolicy | None,
    correlation_id: str | None,
    blank: Callable[[list[CreatedOrder], list[object]], PlacedT],
    inbox: Inbox | None = None,
) -> PlacedT:
    """A create sent through ``send``, its ambiguous outcome resolved under ``policy``
    (``None``: not resolved, the ambiguous error raises). ``blank(orders, event_data)``
    makes the result for orders found (``event_data``: the ``data`` of the webhook events
    that announced them, empty when search found them). ``inbox``: a ``WebhookInbox``
    receiving Ingram Micro's events, watched while searching."""
    if policy is None:
        return await send(correlation_id)
    if correlation_id is not None:
        check_correlation_id(correlation_id)

    def found(
        orders: list[CreatedOrder],
        how: Reconciliation,
        result: PlacedT | None,
        event_data: list[object],
    ) -> PlacedT:
        if result is None:
            result = blank(orders, event_data)
        result.reconciliation = how
        return result

    shape = OrderShape.of(
        order.customer_order_number,
        order.lines,
        order.ship_to_info,
        order.allow_duplicate_customer_order_number,
    )
    return await place(
        send,
        found,
        ops,
        shape,
        policy,
        request=order,
        first_correlation_id=correlation_id,
        inbox=inbox,
    )
