"""Typed events: :class:`Event`, :class:`EventKind`, :class:`EventAction`, :func:`decode_events`.

Owns the payload shape checks (object or non-empty array, an ``eventId`` each) and the typed
reading through the one converter. Must not import the signature, replay or inbox modules.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeAlias, TypeVar

import attrs

from .._convert import structure
from ..errors import DecodeError
from ..models.common import extras_field, wire
from ..models.events import (
    AsyncOrderCreateEvent,
    AsyncOrderCreateResult,
    OrderStatusChange,
    OrderStatusEvent,
)
from ._errors import MissingEventIdError, WebhookPayloadError

logger = logging.getLogger("xi_orders.webhooks")


_EnumT = TypeVar("_EnumT", "EventKind", "EventAction")


def _member(cls: type[_EnumT], value: str | None) -> _EnumT:
    """The member of ``cls`` named by a wire string, else its ``UNKNOWN``."""
    name = _normalise(value)
    try:
        return cls(name) if name and name != "unknown" else cls.UNKNOWN
    except ValueError:
        return cls.UNKNOWN


class EventKind(str, enum.Enum):
    """What an event is about, normalised from the wire's ``eventType`` (case and the
    ``IM::`` prefix do not matter). ``UNKNOWN``: a type this SDK does not know yet (see
    ``Event.type_name``).

    Only ``async_order_create`` and ``order_shipped`` appear in the spec; the others follow
    the developer portal's notification names (Created, Shipped, Voided, Hold, Invoiced).

    Example::

        EventKind.from_wire("IM::Async_Order_Create") is EventKind.ASYNC_ORDER_CREATE  # True
        EventKind.from_wire("im::order_rerouted") is EventKind.UNKNOWN                 # True
    """

    ASYNC_ORDER_CREATE = "async_order_create"
    ORDER_CREATED = "order_created"
    ORDER_SHIPPED = "order_shipped"
    ORDER_VOIDED = "order_voided"
    ORDER_HOLD = "order_hold"
    ORDER_INVOICED = "order_invoiced"
    UNKNOWN = "unknown"

    @classmethod
    def from_wire(cls, value: str | None) -> EventKind:
        """The kind of a wire ``eventType`` (``UNKNOWN`` when unknown or absent)."""
        return _member(cls, value)


class EventAction(str, enum.Enum):
    """The wire's ``event`` (``IM::created``, ``im::updated``), normalised.

    Example: ``EventAction.from_wire("im::Updated") is EventAction.UPDATED``.
    """

    CREATED = "created"
    UPDATED = "updated"
    UNKNOWN = "unknown"

    @classmethod
    def from_wire(cls, value: str | None) -> EventAction:
        """The action of a wire ``event`` string (``UNKNOWN`` when unknown or absent)."""
        return _member(cls, value)


def _normalise(value: str | None) -> str | None:
    """``"IM::Order_Shipped "`` -> ``"order_shipped"``; ``None`` or blank -> ``None``."""
    if not isinstance(value, str):
        return None
    name = value.rpartition(":")[2].strip().lower().replace("-", "_").replace(" ", "_")
    return name or None


@attrs.define(kw_only=True)
class UnknownEvent:
    """An event whose type and shape this SDK does not know: kept, typed where it can be.

    ``resource`` is the raw JSON value; other unknown keys are in ``extras``.

    Example: ``event.data.resource["invoiceNumber"]`` for a future invoice event.
    """

    topic: str | None = None
    event: str | None = None
    event_timestamp: datetime | None = wire("eventTimeStamp")
    event_id: str | None = None
    event_type: str | None = None
    resource: Any = None
    extras: dict[str, Any] = extras_field()


#: The typed reading of an event.
EventData: TypeAlias = AsyncOrderCreateEvent | OrderStatusEvent | UnknownEvent


def _dedupe(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _raw_values(resource: Any, key: str) -> list[str]:
    items = resource if isinstance(resource, list) else [resource]
    return _dedupe(
        str(item[key])
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get(key), (str, int))
    )


@attrs.frozen
class Event:
    """One verified webhook event.

    - ``event_id``: the signed ``eventId``;
    - ``kind`` (:class:`EventKind`) and ``type_name`` (the normalised wire name, also for
      unknown types); ``event_type``: the wire's ``eventType`` as sent;
    - ``action`` (:class:`EventAction`, from ``event``), ``topic``, ``timestamp``;
    - ``data``: the typed event (:class:`~xi_orders.models.events.AsyncOrderCreateEvent`,
      :class:`~xi_orders.models.events.OrderStatusEvent` or :class:`UnknownEvent`);
    - ``raw``: the JSON object as received.

    Example::

        event.kind, event.order_numbers, event.customer_order_numbers
        # (<EventKind.ASYNC_ORDER_CREATE: 'async_order_create'>, ['29-02738'], ['TESTCASE41E111'])
    """

    event_id: str
    kind: EventKind
    type_name: str | None
    event_type: str | None
    action: EventAction
    topic: str | None
    timestamp: datetime | None
    data: EventData = attrs.field(repr=False, hash=False)
    raw: dict[str, Any] = attrs.field(repr=False, eq=False, hash=False)

    @property
    def create_result(self) -> AsyncOrderCreateResult | None:
        """The result of a v7 create (its ``orders``, ``rejected_lines``...), else None."""
        return self.data.resource if isinstance(self.data, AsyncOrderCreateEvent) else None

    @property
    def status_changes(self) -> list[OrderStatusChange]:
        """The order status changes of a status notification (else empty)."""
        return self.data.resource if isinstance(self.data, OrderStatusEvent) else []

    @property
    def order_numbers(self) -> list[str]:
        """Every Ingram Micro order number the event names (created or changed orders)."""
        if isinstance(self.data, AsyncOrderCreateEvent):
            result = self.data.resource
            return result.order_numbers if result is not None else []
        if isinstance(self.data, OrderStatusEvent):
            return _dedupe(change.order_number for change in self.data.resource)
        resource = self.data.resource
        return _dedupe(
            [*_raw_values(resource, "orderNumber"), *_raw_values(resource, "ingramOrderNumber")]
        )

    @property
    def customer_order_numbers(self) -> list[str]:
        """The customer (PO) order numbers the event names."""
        if isinstance(self.data, AsyncOrderCreateEvent):
            result = self.data.resource
            return _dedupe([result.customer_order_number] if result is not None else [])
        if isinstance(self.data, OrderStatusEvent):
            return _dedupe(change.customer_order_number for change in self.data.resource)
        return _raw_values(self.data.resource, "customerOrderNumber")

    @property
    def confirmation_number(self) -> str | None:
        """A v7 ``confirmationNumber`` if the event carries one (top level or resource).

        The spec's example and the sandbox carry none: correlate on the customer order
        number. Example: ``event.confirmation_number  # None``.
        """
        found = _raw_values(self.raw, "confirmationNumber") or _raw_values(
            self.raw.get("resource"), "confirmationNumber"
        )
        return found[0] if found else None


def _wire_event_type(obj: Mapping[str, Any]) -> str | None:
    resource = obj.get("resource")
    value: Any = None
    if isinstance(resource, Mapping):
        value = resource.get("eventType")
    elif isinstance(resource, list) and resource and isinstance(resource[0], Mapping):
        value = resource[0].get("eventType")
    if not (isinstance(value, str) and value.strip()):
        value = obj.get("eventType")
    return value if isinstance(value, str) and value.strip() else None


def _typed(obj: dict[str, Any], kind: EventKind) -> EventData:
    resource = obj.get("resource")
    cls: type[AsyncOrderCreateEvent | OrderStatusEvent] | None = None
    if kind is EventKind.ASYNC_ORDER_CREATE:
        cls = AsyncOrderCreateEvent
    elif kind is not EventKind.UNKNOWN or (
        isinstance(resource, list)
        and resource
        and all(isinstance(item, Mapping) for item in resource)
    ):
        cls = OrderStatusEvent
    if cls is not None:
        try:
            return structure(obj, cls)
        except DecodeError:  # pragma: no cover - decoding an object is lenient
            logger.debug("webhook event kept untyped: not a %s", cls.__name__)
    return structure(obj, UnknownEvent)


def _event_objects(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, dict):
        return [payload]
    if not isinstance(payload, list):
        raise WebhookPayloadError(
            f"webhook body must be an event object or an array of events, "
            f"not a JSON {type(payload).__name__}"
        )
    if not payload:
        raise WebhookPayloadError("webhook body is an empty array: no events")
    for index, item in enumerate(payload):
        if not isinstance(item, dict):
            raise WebhookPayloadError(
                f"webhook event [{index}] is a JSON {type(item).__name__}, not an object"
            )
    return payload


def _event_id(obj: Mapping[str, Any], index: int) -> str:
    value = obj.get("eventId")
    if isinstance(value, str) and value.strip():
        return value
    what = "has no eventId" if value is None else "has an eventId that is not a non-empty string"
    raise MissingEventIdError(f"webhook event [{index}] {what}", index=index)


def _build(obj: dict[str, Any], event_id: str) -> Event:
    event_type = _wire_event_type(obj)
    kind = EventKind.from_wire(event_type)
    data = _typed(obj, kind)
    action = obj.get("event")
    topic = obj.get("topic")
    return Event(
        event_id=event_id,
        kind=kind,
        type_name=_normalise(event_type),
        event_type=event_type,
        action=EventAction.from_wire(action if isinstance(action, str) else None),
        topic=topic if isinstance(topic, str) else None,
        timestamp=data.event_timestamp,
        data=data,
        raw=obj,
    )


def decode_events(payload: Any) -> list[Event]:
    """Typed events from already-parsed JSON, **without** verifying any signature.

    For payloads you trust already (stored after verification, the spec's examples, tests).
    Accepts one event object or an array of them; raises :class:`WebhookPayloadError` or
    :class:`MissingEventIdError` as :func:`parse_events` does.

    Example::

        (event,) = decode_events(json.loads(stored_body, parse_float=Decimal))
    """
    objects = _event_objects(payload)
    return [_build(obj, _event_id(obj, i)) for i, obj in enumerate(objects)]
