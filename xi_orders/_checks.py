"""Checks of what an operation's caller passes, before anything is sent.

Owns order-number, text and request-body checks and the ``get_order`` query. Must not
import the client or the send path (only errors, the converter, search helpers).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Protocol

from ._convert import unstructure
from ._search import DateLike, as_date_string
from .errors import ValidationError

SimulateStatus = Literal["IM::SHIPPED", "IM::PARTIALLY_SHIPPED", "IM::HOLD", "IM::INVOICED"]
_SIMULATE_STATUSES = ("IM::SHIPPED", "IM::PARTIALLY_SHIPPED", "IM::HOLD", "IM::INVOICED")

#: The longest order number any operation accepts (the spec's limit for ``ordernumber``).
ORDER_NUMBER_MAX = 12

_PATH_SPECIAL = frozenset("/?#%\\")


def order_number(value: object) -> str:
    """``value`` if it can be an order number in a URL path, else ``ValidationError``."""
    if not isinstance(value, str) or not value:
        raise ValidationError("order_number", f"must be a non-empty string, got {value!r}")
    if len(value) > ORDER_NUMBER_MAX:
        # Not echoed: it may be huge.
        raise ValidationError(
            "order_number", f"must be at most {ORDER_NUMBER_MAX} characters, got {len(value)}"
        )
    if value in (".", ".."):
        raise ValidationError("order_number", f"must be an order number, not {value!r}")
    for char in value:
        if not char.isascii() or not char.isprintable() or char.isspace():
            raise ValidationError(
                "order_number",
                f"must not contain whitespace, control or non-ASCII characters, got {value!r}",
            )
        if char in _PATH_SPECIAL:
            raise ValidationError("order_number", f"must not contain {char!r}, got {value!r}")
    return value


def get_order_params(
    order_date: DateLike | None,
    vendor_number: str | None,
    simulate_status: str | None,
    is_iml: bool | None,
    region_code: str | None,
) -> list[tuple[str, str]]:
    """The query of a ``get_order`` call, checked."""
    params: list[tuple[str, str]] = []
    if order_date is not None:
        if isinstance(order_date, dt.datetime) and order_date.tzinfo is not None:
            # ingramOrderDate is the order's creation day in UTC; the API's own
            # ingram_order_date carries an offset (-07:00), so take it to UTC first
            order_date = order_date.astimezone(dt.timezone.utc)
        params.append(("ingramOrderDate", as_date_string("order_date", order_date)))
    if vendor_number is not None:
        params.append(("vendorNumber", text("vendor_number", vendor_number)))
    if simulate_status is not None:
        if simulate_status not in _SIMULATE_STATUSES:
            raise ValidationError(
                "simulate_status", f"must be one of {', '.join(_SIMULATE_STATUSES)}"
            )
        params.append(("simulateStatus", simulate_status))
    if is_iml is not None:
        if not isinstance(is_iml, bool):
            raise ValidationError("is_iml", "must be True or False")
        params.append(("isIml", "true" if is_iml else "false"))
    if region_code is not None:
        params.append(("regionCode", text("region_code", region_code)))
    return params


def text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(field, f"must be a non-empty string, got {value!r}")
    return value


class _Request(Protocol):
    def validate(self) -> None: ...


def request_body(field: str, value: object, cls: type[_Request]) -> Any:
    if not isinstance(value, cls):
        raise ValidationError(field, f"must be a {cls.__name__}, got {type(value).__name__}")
    # Checked again here: a request may have been changed in place since it was built.
    value.validate()
    return unstructure(value)
