"""Search filters: snake_case keyword arguments to the API's exact query names, checked first.

The wire names are irregular and must be exact: ``orderStatus-in``, ``ingramOrderDate-bt``
(hyphen) but ``invoiceDate_bt``, ``shipDate_bt``, ``deliveryDate_bt`` (underscore). Arrays go
as repeated keys, as the official SDKs send them. Dates go as ``yyyy-MM-dd``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .errors import ValidationError
from .models.status import OrderStatus

#: The values the spec lists for ``orderStatus`` (``orderStatus-in`` lists none).
ORDER_STATUSES: tuple[str, ...] = ("SHIPPED", "PROCESSING", "ON HOLD", "BACKORDERED", "CANCELLED")

#: A status filter: an :class:`OrderStatus`, or a string. Known statuses are matched in any
#: spelling (``"Canceled"``, ``"on hold"``, ``"im::hold"``) and sent in the API's
#: (``CANCELLED``, ``ON HOLD``); any other non-empty string is sent as given.
StatusFilter = OrderStatus | str

DateLike = dt.date | str
DateRange = tuple[DateLike, DateLike]

MAX_PAGE_SIZE = 100
#: Four times fewer calls than the API's default of 25, at 60 calls a minute.
DEFAULT_PAGE_SIZE = 100

# python name -> (wire name, max length)
_TEXT = {
    "ingram_order_number": ("ingramOrderNumber", 11),
    "customer_order_number": ("customerOrderNumber", 35),
    "end_customer_order_number": ("endCustomerOrderNumber", 35),
    "ingram_part_number": ("ingramPartNumber", 35),
    "vendor_part_number": ("vendorPartNumber", 35),
    "serial_number": ("serialNumber", 35),
    "tracking_number": ("trackingNumber", 35),
    "vendor_name": ("vendorName", 35),
    "special_bid_number": ("specialBidNumber", 35),
}
_RANGES = {
    "ingram_order_date_between": "ingramOrderDate-bt",
    "invoice_date_between": "invoiceDate_bt",
    "ship_date_between": "shipDate_bt",
    "delivery_date_between": "deliveryDate_bt",
}


def as_date_string(field: str, value: object) -> str:
    """``value`` (a date, datetime or ISO string) as ``yyyy-MM-dd``, else ``ValidationError``."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValidationError(field, f"must be a date or a 'yyyy-MM-dd' string, got {value!r}")


def _status(field: str, value: object) -> str:
    """A status filter in the API's spelling (see ``StatusFilter``)."""
    if isinstance(value, OrderStatus):
        if value is OrderStatus.UNKNOWN:
            raise ValidationError(field, "OrderStatus.UNKNOWN is not a status to search for")
        return str(value.value)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"must be an OrderStatus or a non-empty string, got {value!r}")
    known = OrderStatus.parse(value)
    if known is not None and known is not OrderStatus.UNKNOWN:
        return str(known.value)
    return value.strip()


def build_search_params(
    filters: dict[str, object],
    *,
    order_status: object = None,
    order_statuses: Sequence[object] | None = None,
    ingram_order_date: object = None,
    page_size: object = DEFAULT_PAGE_SIZE,
) -> list[tuple[str, str]]:
    """The query of a search (without ``pageNumber``), or ``ValidationError`` naming the filter.

    ``filters`` holds the text filters and date ranges by their Python names.
    """
    params: list[tuple[str, str]] = []
    for name, value in filters.items():
        if value is None:
            continue
        if name in _TEXT:
            wire, limit = _TEXT[name]
            if not isinstance(value, str) or not value:
                raise ValidationError(name, f"must be a non-empty string, got {value!r}")
            if len(value) > limit:
                raise ValidationError(name, f"must be at most {limit} characters, got {len(value)}")
            params.append((wire, value))
        elif name in _RANGES:
            if (
                isinstance(value, (str, bytes))
                or not isinstance(value, Sequence)
                or len(value) != 2
            ):
                raise ValidationError(name, f"must be a pair of dates (start, end), got {value!r}")
            start, end = as_date_string(name, value[0]), as_date_string(name, value[1])
            if start > end:
                raise ValidationError(name, f"starts after it ends ({start} > {end})")
            params += [(_RANGES[name], start), (_RANGES[name], end)]
        else:  # pragma: no cover - the client passes only known names
            raise ValidationError(name, "is not a search filter")
    if order_status is not None:
        params.append(("orderStatus", _status("order_status", order_status)))
    if order_statuses is not None:
        if isinstance(order_statuses, str) or not order_statuses:
            raise ValidationError("order_statuses", "must be a non-empty list of statuses")
        params += [
            ("orderStatus-in", _status(f"order_statuses[{i}]", s))
            for i, s in enumerate(order_statuses)
        ]
    if ingram_order_date is not None:
        params.append(("ingramOrderDate", as_date_string("ingram_order_date", ingram_order_date)))
    if (
        isinstance(page_size, bool)
        or not isinstance(page_size, int)
        or not 1 <= page_size <= MAX_PAGE_SIZE
    ):
        raise ValidationError(
            "page_size", f"must be an integer from 1 to {MAX_PAGE_SIZE}, got {page_size!r}"
        )
    params.append(("pageSize", str(page_size)))
    return params
