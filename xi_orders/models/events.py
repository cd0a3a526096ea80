"""Order webhook events: v7 async create results and order status changes.

Ingram Micro POSTs events to the reseller's URL (topic ``resellers/orders``). Two shapes:

- :class:`AsyncOrderCreateEvent`: the result of a v7 create (``eventType``
  ``IM::async_order_create``); its ``resource`` is one object shaped like a v6 create answer.
- :class:`OrderStatusEvent` (OrderStatusAsyncNotificationRequest): status changes such as
  ``im::order_shipped``; its ``resource`` is a list of :class:`OrderStatusChange`.

Event and event-type strings vary in case (``IM::created``, ``im::updated``) and more types
exist than the spec shows (created, shipped, voided, hold, invoiced): every field is a plain
string, so unknown types decode like known ones. ``structure(data, OrderEvent)`` picks the
class from the payload's shape (see ``xi_orders._convert``).

Example::

    event = structure(payload, OrderEvent)
    if isinstance(event, OrderStatusEvent):
        for change in event.resource:
            change.kind, change.order_number      # 'order_shipped', '20-RD128'
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeAlias

import attrs

from .common import Link, SerialNumber, extras_field, wire
from .create import OrderCreateResponse
from .status import RawStatusOf, StatusOf

__all__ = [
    "AsyncOrderCreateEvent",
    "AsyncOrderCreateResult",
    "OrderEvent",
    "OrderStatusChange",
    "OrderStatusEvent",
    "OrderStatusLine",
    "PackageDetail",
    "StatusShipment",
    "event_kind",
]


def event_kind(value: str | None) -> str | None:
    """A case- and prefix-free form of an event string: ``"IM::order_shipped"`` ->
    ``"order_shipped"``, ``"im::created"`` -> ``"created"``."""
    if value is None:
        return None
    return value.rpartition("::")[2].strip().lower()


@attrs.define(kw_only=True)
class AsyncOrderCreateResult(OrderCreateResponse):
    """What a v7 create made: the shape of a v6 create answer, plus the ``event_type``."""

    event_type: str | None = None


@attrs.define(kw_only=True)
class AsyncOrderCreateEvent:
    """A webhook event carrying the result of a v7 (asynchronous) create.

    The spec's example (the 201 of ``POST /resellers/v7/orders``) is a JSON list of these.
    """

    topic: str | None = None
    event: str | None = None
    event_timestamp: datetime | None = wire("eventTimeStamp")
    event_id: str | None = None
    resource: AsyncOrderCreateResult | None = None
    extras: dict[str, Any] = extras_field()

    @property
    def event_type(self) -> str | None:
        """The resource's ``eventType`` (``IM::async_order_create``)."""
        return self.resource.event_type if self.resource is not None else None


@attrs.define(kw_only=True)
class PackageDetail:
    """A package of a shipment in a status event: carton, quantity, tracking number.

    (The wire spells the quantity ``quantityInbox`` here, ``quantityInBox`` elsewhere.)
    """

    carton_number: str | None = None
    quantity_in_box: int | None = wire("quantityInbox")
    tracking_number: str | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class StatusShipment:
    """A shipment in a status event: date, warehouse, carrier and packages."""

    shipment_date: date | None = None
    ship_from_warehouse_id: str | None = None
    warehouse_name: str | None = None
    carrier_code: str | None = None
    carrier_name: str | None = None
    package_details: list[PackageDetail] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class OrderStatusLine:
    """A line of an order whose status changed.

    The spec's schema spells two keys ``LineNumber`` and ``backorderedQuantity``; its example
    (followed here) sends ``ingramLineNumber`` and ``backOrderedQuantity``. The other
    spellings, if sent, are kept in ``extras``.
    """

    ingram_line_number: str | None = None
    sub_order_number: str | None = None
    line_status: str | None = None
    ingram_part_number: str | None = None
    vendor_part_number: str | None = None
    requested_quantity: int | None = None
    shipped_quantity: int | None = None
    back_ordered_quantity: int | None = None
    shipment_details: list[StatusShipment] = attrs.field(factory=list)
    serial_number_details: list[SerialNumber] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()

    #: ``line_status`` normalised (``OrderStatus.CANCELLED`` for ``"Canceled"``)
    status = StatusOf("line_status")
    #: the status as sent, behind ``status`` (the value of an ``UNKNOWN`` one)
    status_raw = RawStatusOf("line_status")

    @property
    def line_number(self) -> str | None:
        """The line number in whichever spelling was sent (``ingramLineNumber``, or the
        schema's ``LineNumber``, which stays in ``extras``)."""
        if self.ingram_line_number is not None:
            return self.ingram_line_number
        raw = self.extras.get("LineNumber")
        return None if raw is None else str(raw)

    @property
    def backordered(self) -> int | None:
        """The backordered quantity in whichever spelling was sent (``backOrderedQuantity``,
        or the schema's ``backorderedQuantity``, which stays in ``extras``)."""
        if self.back_ordered_quantity is not None:
            return self.back_ordered_quantity
        raw = self.extras.get("backorderedQuantity")
        try:
            return None if raw is None else int(raw)
        except (TypeError, ValueError):
            return None


@attrs.define(kw_only=True)
class OrderStatusChange:
    """One order's status change inside an :class:`OrderStatusEvent`."""

    event_type: str | None = None
    order_number: str | None = None
    customer_order_number: str | None = None
    order_entry_timestamp: datetime | None = wire("orderEntryTimeStamp")
    lines: list[OrderStatusLine] = attrs.field(factory=list)
    links: list[Link] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()

    @property
    def kind(self) -> str | None:
        """``event_type`` without prefix and case: ``"order_shipped"``, ``"order_voided"``..."""
        return event_kind(self.event_type)


@attrs.define(kw_only=True)
class OrderStatusEvent:
    """An order status webhook event (OrderStatusAsyncNotificationRequest).

    Example: ``event.resource[0].kind == "order_shipped"``.
    """

    topic: str | None = None
    event: str | None = None
    event_timestamp: datetime | None = wire("eventTimeStamp")
    event_id: str | None = None
    resource: list[OrderStatusChange] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()


#: Any order webhook event; ``structure(data, OrderEvent)`` picks the right class.
OrderEvent: TypeAlias = AsyncOrderCreateEvent | OrderStatusEvent
