"""Order, sub-order and line statuses: one enum for the many ways the API spells them.

The API sends statuses as free strings, spelled differently by endpoint and system:
``SHIPPED`` and ``Shipped``, ``CANCELLED`` and ``Canceled``, ``im::hold``, ``E-DELIVERED``,
``PARTIALLY SHIPPED``, ``In Progress``, ``ORDER NOT PRINTED``, a sub-order's ``REJECTED``.
Every model with a status (order detail and line, search summary and sub-order, created
line, modify answer, status-webhook line) offers the normalised :class:`OrderStatus` as
``.status`` and keeps the string as sent as ``.status_raw`` (the wire field itself,
``order_status`` / ``line_status`` / ``sub_order_status``, holds it too)::

    order.status_raw                         # 'Canceled' (== order.order_status)
    order.status is OrderStatus.CANCELLED    # True
    OrderStatus.parse("im::hold")            # OrderStatus.ON_HOLD
    line.status                              # OrderStatus.UNKNOWN for 'Lost in space'
    line.status_raw                          # 'Lost in space'

``UNKNOWN`` is one enum member shared by every unknown spelling, so that ``is`` works
for every status; it cannot hold the raw value itself, which is why the model keeps it.

Normalising ignores case, an ``IM::`` prefix, and spaces, hyphens and underscores.
A member's value is the API's own spelling, the one the search filters send.
"""

from __future__ import annotations

import enum
import re
from typing import Any, overload

__all__ = ["OrderStatus"]


class OrderStatus(enum.Enum):
    """A normalised order, sub-order or line status (value: the API's spelling).

    A model's ``.status`` is one of these (``None`` when the API sent no status); its
    ``.status_raw`` is the string as sent. ``UNKNOWN`` stands for every spelling this
    version does not know: members are singletons (``order.status is
    OrderStatus.CANCELLED``), so the raw value is read from ``.status_raw``, never from
    the member.
    """

    OPEN = "OPEN"
    PROCESSING = "PROCESSING"
    IN_PROGRESS = "IN PROGRESS"
    ON_HOLD = "ON HOLD"
    BACKORDERED = "BACKORDERED"
    ORDER_NOT_PRINTED = "ORDER NOT PRINTED"
    PARTIALLY_SHIPPED = "PARTIALLY SHIPPED"
    SHIPPED = "SHIPPED"
    PARTIALLY_DELIVERED = "PARTIALLY DELIVERED"
    DELIVERED = "DELIVERED"
    E_DELIVERED = "E-DELIVERED"
    INVOICED = "INVOICED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"
    VOIDED = "VOIDED"
    REJECTED = "REJECTED"
    #: a status this version does not know; the raw string is the model's ``status_raw``
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, raw: str | None) -> OrderStatus | None:
        """The status ``raw`` spells (``UNKNOWN`` for one not known); ``None`` for no status
        (``None`` or a blank string)."""
        if raw is None:
            return None
        key = status_key(raw)
        if not key:
            return None
        return _BY_KEY.get(key, cls.UNKNOWN)

    @property
    def is_known(self) -> bool:
        """Whether this is a status the API documents (anything but ``UNKNOWN``)."""
        return self is not OrderStatus.UNKNOWN


_SEPARATORS = re.compile(r"[\s_\-]+")


def status_key(raw: str) -> str:
    """``raw`` without case, ``IM::`` prefix, spaces, hyphens or underscores."""
    return _SEPARATORS.sub("", raw.rpartition("::")[2]).upper()


#: Other spellings seen on the wire, beyond each member's own value and name.
_ALIASES = {
    "CANCELED": OrderStatus.CANCELLED,
    "HOLD": OrderStatus.ON_HOLD,
    "CUSTOMERHOLD": OrderStatus.ON_HOLD,
    "BACKORDER": OrderStatus.BACKORDERED,
    "PARTIALSHIPPED": OrderStatus.PARTIALLY_SHIPPED,
    "PARTIALLYSHIP": OrderStatus.PARTIALLY_SHIPPED,
    "PARTIALDELIVERED": OrderStatus.PARTIALLY_DELIVERED,
    "EDELIVERY": OrderStatus.E_DELIVERED,
    "VOID": OrderStatus.VOIDED,
}

_BY_KEY: dict[str, OrderStatus] = {
    **{status_key(m.value): m for m in OrderStatus if m is not OrderStatus.UNKNOWN},
    **{status_key(m.name): m for m in OrderStatus if m is not OrderStatus.UNKNOWN},
    **_ALIASES,
}


class StatusOf:
    """A model's ``status``: its wire status field (``field``) normalised to
    :class:`OrderStatus`, whatever the spelling (``"Canceled"`` -> ``CANCELLED``); ``None``
    when the field is empty. ``UNKNOWN`` (a spelling not known) cannot hold the wire string:
    ``status_raw`` (:class:`RawStatusOf`) has it."""

    def __init__(self, field: str) -> None:
        self.field = field
        self.__doc__ = f"``{field}`` normalised to an :class:`OrderStatus` (``None`` if empty)."

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> StatusOf: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> OrderStatus | None: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return OrderStatus.parse(getattr(obj, self.field))


class RawStatusOf:
    """A model's ``status_raw``: the status as sent (its wire field ``field``), the string
    ``status`` was read from; for an ``OrderStatus.UNKNOWN`` status, the value this version
    does not know."""

    def __init__(self, field: str) -> None:
        self.field = field
        self.__doc__ = f"The status as sent (``{field}``), behind ``status``."

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> RawStatusOf: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> str | None: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value: str | None = getattr(obj, self.field)
        return value
