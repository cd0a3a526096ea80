"""Receive Ingram Micro order webhooks: verify the signature, parse typed events, correlate.

Ingram Micro POSTs order events (topic ``resellers/orders``) to the reseller's HTTPS URL:
the results of v7 creates (``IM::async_order_create``) and order status notifications
(``im::order_shipped``...). Each request carries ``X-Hub-Signature`` =
Base64(HMAC-SHA512(key = the webhook secret, message = the event's ``eventId``)).

One framework-neutral entry point, :func:`parse_events`, takes the raw body bytes, the
request headers (any mapping, or a list of pairs) and the secret, and returns a list of
:class:`Event`, or raises a :class:`WebhookError`::

    from xi_orders.webhooks import EventKind, WebhookError, parse_events

    try:
        events = parse_events(body, headers, secret)
    except WebhookError as exc:
        return exc.http_status, str(exc)        # 401 bad/missing signature, 400, 413...
    for event in events:
        if event.kind is EventKind.ASYNC_ORDER_CREATE:
            print(event.customer_order_numbers, event.order_numbers)  # ['PO-1'] ['20-RD3QV']
        elif event.kind is EventKind.ORDER_SHIPPED:
            for change in event.status_changes:
                print(change.order_number, [ln.line_status for ln in change.lines])
        else:                                   # EventKind.UNKNOWN: a type this SDK does not know
            print(event.type_name, event.raw)   # kept whole, never dropped

The rules
=========

Always a list
    The body may be one event object or a JSON array of events (the spec's v7 example is an
    array of one): :func:`parse_events` always returns a list, in body order. An empty array,
    a scalar, or an array element that is not an object is a :class:`WebhookPayloadError`.

Signatures and arrays
    The signature is over an event's ``eventId`` only, so every event of a body must be
    vouched for by a signature made from its own ``eventId``. A request carries one
    ``X-Hub-Signature`` header; a body is accepted only when **every** event in it matches a
    signature in that header (all or nothing: no event of a partly signed array is
    returned). One signature therefore authenticates an array whose events share its
    eventId (the usual case: an array of one). For an array of events with distinct
    eventIds the header may list several signatures, comma-separated, or be repeated
    (``httpx.Headers`` joins repeats with commas); the order does not matter. Signatures
    are compared with :func:`hmac.compare_digest`. Header names are matched
    case-insensitively; surrounding whitespace is ignored.

What the signature does not cover
    The HMAC covers the ``eventId``, not the body: someone who saw one signed delivery can
    resend that eventId with another body. Two defences: a :class:`ReplayGuard` (below)
    refuses an eventId seen before, and the event is a hint, not the truth: fetch the
    order (``client.get_order(event.order_numbers[0])``) before acting on money or stock.

Checks, in order, and what each raises (``exc.http_status`` is what to answer)
    0. an empty secret: :class:`~xi_orders.errors.ValidationError` (a setup mistake, not
       the request's fault: it is not a :class:`WebhookError`).
    1. body longer than ``max_body_bytes`` (default 2 MiB): :class:`BodyTooLargeError` (413);
       check ``Content-Length`` yourself before reading a huge body.
    2. no ``X-Hub-Signature`` header, or an empty one: :class:`MissingSignatureError` (401);
       the body is not even parsed.
    3. body not JSON (or not UTF-8): :class:`InvalidJSONError` (400).
    4. not an event object or a non-empty array of them: :class:`WebhookPayloadError` (400).
    5. an event without a non-empty string ``eventId``: :class:`MissingEventIdError` (400).
    6. a signature that does not match (wrong secret, tampered eventId or header):
       :class:`InvalidSignatureError` (401).
    7. with ``replay_guard``: an eventId accepted before: :class:`ReplayedEventError`
       (answer 200 so the sender stops retrying, and do not process it again).

    Errors 1 to 7 are :class:`WebhookError` subclasses, under :class:`~xi_orders.errors.XiError`.
    No message or repr ever holds the secret or an expected signature; a rejected body is
    not echoed either.

Unknown types and fields
    ``event.kind`` is an :class:`EventKind`, normalised from the wire's ``eventType``
    whatever its case or prefix (``IM::async_order_create``, ``im::ORDER_SHIPPED``,
    ``order_shipped``). A type this SDK does not know is ``EventKind.UNKNOWN``, with the
    normalised name in ``event.type_name`` and the whole JSON object in ``event.raw``; if
    its resource is shaped like a status notification (a list of objects) it is still
    decoded as an :class:`~xi_orders.models.events.OrderStatusEvent`, otherwise as an
    :class:`UnknownEvent`. Unknown fields are kept in each model's ``extras``.

Replays
    :class:`ReplayGuard` is a bounded, thread-safe memory of accepted eventIds (optionally
    with a time to live). Pass it as ``replay_guard=``: an eventId is remembered only once
    its event verified, so unsigned requests cannot fill it. If handling an event then
    fails and you answer 5xx so that Ingram Micro retries, call
    ``guard.forget(event.event_id)`` first. Anything with a ``remember(event_id) -> bool``
    method (a database with a unique key, Redis ``SET NX``...) can replace it when several
    processes receive webhooks.

Correlating a v7 create with its events
    A v7 create answers at once with a confirmation; the orders arrive later as an
    ``IM::async_order_create`` event. Neither the spec's example event nor the sandbox's
    carries the confirmation number, so match on the customer order number (the PO number
    you sent; keep them unique) with a :class:`WebhookInbox`: the receiver ``put``s
    events in, the code that placed the order awaits
    ``inbox.wait_for(customer_order_number=..., timeout=...)``. Works on asyncio and trio,
    and with a receiver running in another thread.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import enum
import hashlib
import hmac
import json
import logging
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeAlias, TypeVar, cast

import anyio
import anyio.lowlevel
import attrs

from . import _clock
from ._convert import structure
from .errors import DecodeError, ValidationError, XiError
from .models.common import extras_field, wire
from .models.create_v7 import OrderCreateV7Confirmation
from .models.events import (
    AsyncOrderCreateEvent,
    AsyncOrderCreateResult,
    OrderStatusChange,
    OrderStatusEvent,
)

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "SIGNATURE_HEADER",
    "BodyTooLargeError",
    "Event",
    "EventAction",
    "EventKind",
    "HeaderItems",
    "Headers",
    "InvalidJSONError",
    "InvalidSignatureError",
    "MissingEventIdError",
    "MissingSignatureError",
    "ReplayGuard",
    "ReplayStore",
    "ReplayedEventError",
    "UnknownEvent",
    "WebhookError",
    "WebhookInbox",
    "WebhookPayloadError",
    "WebhookSignatureError",
    "compute_signature",
    "decode_events",
    "parse_events",
    "verify_signature",
]

logger = logging.getLogger("xi_orders.webhooks")

#: The header Ingram Micro signs events with (matched case-insensitively).
SIGNATURE_HEADER = "X-Hub-Signature"

#: The largest body :func:`parse_events` reads by default: 2 MiB.
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024

#: A webhook secret: text (UTF-8 encoded) or bytes.
Secret: TypeAlias = str | bytes


class HeaderItems(Protocol):
    """Anything with ``items()`` yielding ``(name, value)`` pairs: ``dict``, ``httpx.Headers``,
    Starlette ``Headers``, ``http.server``'s ``self.headers`` (an ``email.message.Message``)."""

    def items(self) -> Iterable[tuple[Any, Any]]:
        """The ``(name, value)`` pairs (str or bytes)."""
        ...


#: Request headers: a mapping or anything with ``items()`` (``dict``, ``httpx.Headers``,
#: Starlette ``Headers``, ``http.server``'s ``self.headers``, a dict of ASGI byte pairs), or
#: an iterable of ``(name, value)`` pairs (ASGI ``scope["headers"]``).
Headers: TypeAlias = HeaderItems | Iterable[tuple[str | bytes, str | bytes]]


# --------------------------------------------------------------------------------------
# errors


class WebhookError(XiError):
    """Base class of the errors :func:`parse_events` raises.

    ``http_status`` is the status a receiver should answer with. Messages never contain the
    secret, an expected signature or the body.

    Example::

        try:
            events = parse_events(body, headers, secret)
        except WebhookError as exc:
            return Response(status=exc.http_status, text=str(exc))
    """

    http_status: int = 400


class WebhookSignatureError(WebhookError):
    """The request is not authenticated (answer 401). Example: ``except
    WebhookSignatureError: return 401``."""

    http_status = 401


class MissingSignatureError(WebhookSignatureError):
    """No ``X-Hub-Signature`` header (or an empty one). The body was not parsed.

    Example: ``parse_events(b"[]", {}, "s")`` raises it.
    """


class InvalidSignatureError(WebhookSignatureError):
    """The signature does not match an event's eventId under the secret (wrong secret, a
    changed eventId, a changed header). ``index`` is the event's position in the body.

    Example: ``except InvalidSignatureError as exc: log.warning("forged event [%s]", exc.index)``.
    """

    def __init__(self, message: str, *, index: int) -> None:
        super().__init__(message)
        self.index = index


class WebhookPayloadError(WebhookError, ValueError):
    """The body is not a usable event payload (answer 400): not an object or a non-empty
    array of objects. Example: a body of ``[]`` or ``"hello"``."""

    http_status = 400


class BodyTooLargeError(WebhookPayloadError):
    """The body is longer than ``max_body_bytes`` (answer 413). ``size`` and ``limit`` are
    byte counts. Example: ``parse_events(b"x" * 10, h, s, max_body_bytes=5)`` raises it."""

    http_status = 413

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"webhook body of {size} bytes is over the limit of {limit} bytes")
        self.size = size
        self.limit = limit


class InvalidJSONError(WebhookPayloadError):
    """The body is not JSON (or not UTF-8). Example: a body of ``b"<html>"``."""


class MissingEventIdError(WebhookPayloadError):
    """An event has no ``eventId`` (or not a non-empty string), so it cannot be verified.

    ``index`` is the event's position in the body. Example: ``{"topic": "resellers/orders"}``.
    """

    def __init__(self, message: str, *, index: int) -> None:
        super().__init__(message)
        self.index = index


class ReplayedEventError(WebhookError):
    """An event's eventId was accepted before (a replay, or Ingram Micro redelivering).

    ``event_ids`` are the replayed ids; ``fresh`` are the other events of the same body,
    verified and now remembered: process those. Answer 200 (``http_status``) so the sender
    stops retrying.

    Example::

        try:
            events = parse_events(body, headers, secret, replay_guard=guard)
        except ReplayedEventError as exc:
            events = exc.fresh                  # usually []
    """

    http_status = 200

    def __init__(self, event_ids: Sequence[str], fresh: Sequence[Event]) -> None:
        shown = ", ".join(repr(_clip(i)) for i in event_ids[:5])
        more = f" and {len(event_ids) - 5} more" if len(event_ids) > 5 else ""
        super().__init__(f"webhook event already received (eventId {shown}{more})")
        self.event_ids = tuple(event_ids)
        self.fresh = list(fresh)


def _clip(text: str, limit: int = 64) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


# --------------------------------------------------------------------------------------
# signatures


def _keys(secret: Secret | Sequence[Secret]) -> tuple[bytes, ...]:
    items: Sequence[Secret] = (secret,) if isinstance(secret, (str, bytes)) else secret
    keys = tuple(s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in items)
    if not keys or not all(keys):
        raise ValidationError("secret", "the webhook secret must not be empty")
    return keys


def _sign(key: bytes, event_id: str) -> bytes:
    digest = hmac.new(key, event_id.encode("utf-8"), hashlib.sha512).digest()
    return base64.b64encode(digest)


def compute_signature(event_id: str, secret: Secret) -> str:
    """The ``X-Hub-Signature`` value of an event: Base64(HMAC-SHA512(secret, eventId)).

    For tests and for forwarding events. Example::

        compute_signature("NYNNHS5UMGAK0X3L4E", "my-secret")   # 'q3Jm...=='
    """
    (key,) = _keys(secret)
    return _sign(key, event_id).decode("ascii")


def _matches_any(expected: bytes, candidates: Sequence[bytes]) -> bool:
    ok = False
    for candidate in candidates:  # no early exit: every candidate is compared
        ok |= hmac.compare_digest(expected, candidate)
    return ok


def verify_signature(event_id: str, signature: str, secret: Secret | Sequence[Secret]) -> bool:
    """Whether ``signature`` (one header value) signs ``event_id`` under ``secret`` (or any
    of several secrets, during a rotation). Constant-time comparison.

    Example::

        verify_signature(event["eventId"], headers["X-Hub-Signature"], "my-secret")  # True
    """
    candidates = _signature_candidates([signature])
    return any(_matches_any(_sign(key, event_id), candidates) for key in _keys(secret))


def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return str(value)


def _header_values(headers: Headers, name: str) -> list[str]:
    """Every value of header ``name`` (case-insensitive) in a mapping or list of pairs."""
    target = name.lower()
    items = getattr(headers, "items", None)
    pairs: Iterable[tuple[Any, Any]] = (
        items() if callable(items) else cast("Iterable[tuple[Any, Any]]", headers)
    )
    values: list[str] = []
    for key, value in pairs:
        if _text(key).strip().lower() != target:
            continue
        if isinstance(value, (list, tuple)):  # multi-dicts: {"x-hub-signature": ["a", "b"]}
            values.extend(_text(v) for v in value)
        else:
            values.append(_text(value))
    return values


def _signature_candidates(values: Iterable[str]) -> list[bytes]:
    return [
        part.strip().encode("utf-8", "replace")
        for value in values
        for part in value.split(",")
        if part.strip()
    ]


# --------------------------------------------------------------------------------------
# events


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

        (event,) = decode_events(json.loads(stored_body))
    """
    objects = _event_objects(payload)
    return [_build(obj, _event_id(obj, i)) for i, obj in enumerate(objects)]


# --------------------------------------------------------------------------------------
# replay protection


class ReplayStore(Protocol):
    """What ``replay_guard=`` needs: ``remember(event_id)`` returns True when the id is
    new (and remembers it), False when it was seen before. Must be atomic.

    Example (a database)::

        class DbStore:
            def remember(self, event_id: str) -> bool:
                return db.insert_ignore("webhook_events", event_id=event_id) == 1
    """

    def remember(self, event_id: str) -> bool:
        """Remember ``event_id``; True if it was not seen before."""
        ...


class ReplayGuard:
    """A bounded, thread-safe, in-memory memory of accepted eventIds.

    Keeps the ``max_entries`` most recent ids (oldest forgotten first) and, with ``ttl``
    (seconds), forgets ids older than that. Per process: with several receiver processes,
    use a shared :class:`ReplayStore`.

    Example::

        guard = ReplayGuard(max_entries=100_000, ttl=7 * 24 * 3600)
        events = parse_events(body, headers, secret, replay_guard=guard)
        guard.remember("N01CIB9VVFYKR9J6ZW")   # False: seen (if that event came in)
    """

    def __init__(self, max_entries: int = 100_000, *, ttl: float | None = None) -> None:
        if max_entries < 1:
            raise ValidationError("max_entries", "must be at least 1")
        if ttl is not None and ttl <= 0:
            raise ValidationError("ttl", "must be positive (or None for no expiry)")
        self.max_entries = max_entries
        self.ttl = ttl
        self._seen: collections.OrderedDict[str, float] = collections.OrderedDict()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        if self.ttl is None:
            return
        while self._seen:
            oldest, stamp = next(iter(self._seen.items()))
            if now - stamp < self.ttl:
                break
            del self._seen[oldest]

    def remember(self, event_id: str) -> bool:
        """Remember ``event_id``; True if it is new, False if it was seen (a replay)."""
        now = _clock.monotonic()
        with self._lock:
            self._expire(now)
            if event_id in self._seen:
                return False
            self._seen[event_id] = now
            while len(self._seen) > self.max_entries:
                self._seen.popitem(last=False)
            return True

    def forget(self, event_id: str) -> None:
        """Forget ``event_id`` (e.g. its handling failed and a redelivery must be accepted)."""
        with self._lock:
            self._seen.pop(event_id, None)

    def __contains__(self, event_id: object) -> bool:
        with self._lock:
            self._expire(_clock.monotonic())
            return event_id in self._seen

    def __len__(self) -> int:
        with self._lock:
            self._expire(_clock.monotonic())
            return len(self._seen)

    def __repr__(self) -> str:
        return f"ReplayGuard(max_entries={self.max_entries}, ttl={self.ttl}, size={len(self)})"


# --------------------------------------------------------------------------------------
# the entry point


def parse_events(
    body: bytes | bytearray | memoryview | str,
    headers: Headers,
    secret: Secret | Sequence[Secret],
    *,
    max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES,
    replay_guard: ReplayStore | None = None,
) -> list[Event]:
    """Verify a webhook request and return its events, always as a list (body order).

    - ``body``: the raw request body, exactly as received (do not re-serialise JSON);
    - ``headers``: the request headers: any mapping or list of pairs, names matched
      case-insensitively;
    - ``secret``: the webhook secret (str or bytes), or several during a rotation (any may
      sign);
    - ``max_body_bytes``: larger bodies are refused before parsing (None: no limit);
    - ``replay_guard``: a :class:`ReplayGuard` (or any :class:`ReplayStore`) to refuse
      eventIds accepted before.

    Raises a :class:`WebhookError`; the module docstring lists the checks in order. A
    body holding several events is accepted only when every event's eventId is signed by
    a signature in ``X-Hub-Signature`` (comma-separated or repeated for distinct ids).

    Example (any framework)::

        events = parse_events(await request.body(), request.headers, secret)
        for event in events:
            inbox.put(event)
    """
    keys = _keys(secret)
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if max_body_bytes is not None and len(data) > max_body_bytes:
        raise BodyTooLargeError(len(data), max_body_bytes)
    candidates = _signature_candidates(_header_values(headers, SIGNATURE_HEADER))
    if not candidates:
        raise MissingSignatureError(f"webhook request has no {SIGNATURE_HEADER} header")
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise InvalidJSONError(f"webhook body is not JSON ({type(exc).__name__})") from None
    objects = _event_objects(payload)
    event_ids = [_event_id(obj, index) for index, obj in enumerate(objects)]
    for index, event_id in enumerate(event_ids):
        if not any(_matches_any(_sign(key, event_id), candidates) for key in keys):
            logger.debug("webhook signature mismatch for event [%d]", index)
            raise InvalidSignatureError(
                f"{SIGNATURE_HEADER} does not match webhook event [{index}] "
                f"(eventId {_clip(event_id)!r}): wrong secret, or a changed event",
                index=index,
            )
    events = [_build(obj, event_id) for obj, event_id in zip(objects, event_ids, strict=True)]
    if replay_guard is not None:
        new = [replay_guard.remember(e.event_id) for e in events]
        if not all(new):
            raise ReplayedEventError(
                [e.event_id for e, ok in zip(events, new, strict=True) if not ok],
                [e for e, ok in zip(events, new, strict=True) if ok],
            )
    for event in events:
        logger.debug("webhook event %s accepted: %s", event.event_id, event.type_name)
    return events


# --------------------------------------------------------------------------------------
# correlation


def _folded(value: str | None) -> str:
    return (value or "").strip().casefold()


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
    wake: anyio.Event
    schedule: Callable[[Callable[[], object]], object]
    result: Event | None = None


class WebhookInbox:
    """Where a receiver puts verified events and a caller awaits the one it expects.

    Keeps the ``max_events`` most recent events, so an event that arrives before anyone
    waits (the sandbox delivers before the create call even returns) is still found.
    ``put`` may be called from any thread (a ``http.server`` receiver) or task; waiting
    works on asyncio and trio.

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
        self._events: collections.deque[Event] = collections.deque(maxlen=max_events)
        self._waiters: list[_Waiter] = []
        self._lock = threading.RLock()  # predicates run under it and may read the inbox

    def put(self, event: Event) -> None:
        """Add an event and wake whoever waits for it. Thread-safe, never blocks."""
        woken: list[_Waiter] = []
        with self._lock:
            self._events.append(event)
            for waiter in self._waiters:
                if waiter.result is None and waiter.matches(event):
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

    @property
    def events(self) -> list[Event]:
        """The events kept, oldest first."""
        with self._lock:
            return list(self._events)

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    def clear(self) -> None:
        """Forget every event kept (waiters keep waiting)."""
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
    ) -> list[Event]:
        """The kept events matching every criterion given, oldest first (no waiting).

        Example: ``inbox.find(order_number="20-RD128", kind=EventKind.ORDER_SHIPPED)``.
        """
        matches = self._criteria(
            customer_order_number, order_number, confirmation_number, kind, predicate
        )
        return [e for e in self.events if matches(e)]

    async def wait_for(
        self,
        *,
        customer_order_number: str | None = None,
        order_number: str | None = None,
        confirmation_number: str | OrderCreateV7Confirmation | None = None,
        kind: EventKind | str | Collection[EventKind | str] | None = None,
        predicate: Callable[[Event], bool] | None = None,
        timeout: float | None = 60.0,  # noqa: ASYNC109 - a deadline is part of the contract
    ) -> Event:
        """The oldest kept event matching every criterion given, or the next to arrive.

        Criteria (at least one): ``customer_order_number`` (the PO number, compared without
        case or surrounding spaces), ``order_number`` (an Ingram Micro order number),
        ``confirmation_number`` (a v7 confirmation or its number: only if the event carries
        one, which the spec's example does not), ``kind`` (an :class:`EventKind`, a wire or
        normalised type name, or several), ``predicate`` (any test). Raises
        :class:`TimeoutError` after ``timeout`` seconds (None: wait forever).

        Example::

            event = await inbox.wait_for(order_number="20-RD128", kind="order_shipped")
        """
        matches = self._criteria(
            customer_order_number, order_number, confirmation_number, kind, predicate
        )
        waiter = _Waiter(matches, anyio.Event(), _scheduler())
        with self._lock:
            for event in self._events:
                if matches(event):
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
