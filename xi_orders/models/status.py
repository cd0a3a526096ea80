"""Order, sub-order and line statuses: one enum for the many ways the API spells them.

The API sends statuses as free strings, spelled differently by endpoint and system:
``SHIPPED`` and ``Shipped``, ``CANCELLED`` and ``Canceled``, ``im::hold``, ``E-DELIVERED``,
``PARTIALLY SHIPPED``, ``In Progress``, ``ORDER NOT PRINTED``, a sub-order's ``REJECTED``.
Models keep the raw string (``order.order_status``) and offer the normalised
:class:`OrderStatus` beside it (``order.status``)::

    order.order_status                       # 'Canceled'
    order.status is OrderStatus.CANCELLED    # True
    OrderStatus.parse("im::hold")            # OrderStatus.ON_HOLD
    OrderStatus.parse("Lost in space")       # OrderStatus.UNKNOWN (the raw string stays
                                             # on the model)

Normalising ignores case, an ``IM::`` prefix, and spaces, hyphens and underscores.
A member's value is the API's own spelling, the one the search filters send.
"""

from __future__ import annotations

import enum
import re

__all__ = ["OrderStatus"]


class OrderStatus(enum.Enum):
    """A normalised order, sub-order or line status (value: the API's spelling)."""

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
    #: a status this version does not know; the raw string is on the model
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
