"""Order search: a page of ``GET /resellers/v6/orders/search`` (OrderSearch_Response).

Example::

    page = await client.search_orders(order_status="SHIPPED")
    page.records_found, page.page_number        # 123, 1 (the wire sends "123", "1")
    for summary in page.orders:
        summary.ingram_order_number, summary.order_total, summary.sub_order_numbers
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from .._display import Display
from .._response import ResponseMeta
from .common import Link, extras_field
from .status import RawStatusOf, StatusOf

__all__ = ["OrderSearchPage", "OrderSummary", "SubOrder"]


@attrs.define(kw_only=True)
class SubOrder:
    """A sub-order (one warehouse's part) of a searched order, with its total and status."""

    sub_order_number: str | None = None
    sub_order_total: Decimal | None = None
    sub_order_status: str | None = None
    links: list[Link] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()

    #: ``sub_order_status`` normalised (``OrderStatus.CANCELLED`` for ``"Canceled"``)
    status = StatusOf("sub_order_status")
    #: the status as sent, behind ``status`` (the value of an ``UNKNOWN`` one)
    status_raw = RawStatusOf("sub_order_status")


@attrs.define(kw_only=True)
class OrderSummary(Display):
    """One order in a search result: numbers, date, vendor, end user, total, status."""

    ingram_order_number: str | None = None
    ingram_order_date: datetime | None = None
    customer_order_number: str | None = None
    vendor_sales_order_number: str | None = None
    vendor_name: str | None = None
    end_user_company_name: str | None = None
    order_total: Decimal | None = None
    order_status: str | None = None
    sub_orders: list[SubOrder] = attrs.field(factory=list)
    links: list[Link] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()

    #: ``order_status`` normalised (``OrderStatus.CANCELLED`` for ``"Canceled"``)
    status = StatusOf("order_status")
    #: the status as sent, behind ``status`` (the value of an ``UNKNOWN`` one)
    status_raw = RawStatusOf("order_status")

    @property
    def sub_order_numbers(self) -> list[str]:
        """The numbers of the sub-orders that have one."""
        return [s.sub_order_number for s in self.sub_orders if s.sub_order_number]


@attrs.define(kw_only=True)
class OrderSearchPage(Display):
    """One page of order search results.

    ``next_page`` / ``previous_page`` are the API's templates
    (``/resellers/v6/orders/[original_parameters]&pageNumber=2``), not URLs to follow.
    """

    records_found: int | None = None
    page_size: int | None = None
    page_number: int | None = None
    orders: list[OrderSummary] = attrs.field(factory=list)
    next_page: str | None = None
    previous_page: str | None = None
    extras: dict[str, Any] = extras_field()
    response: ResponseMeta | None = attrs.field(
        default=None, eq=False, repr=False, metadata={"wire": None}
    )

    @property
    def page_count(self) -> int | None:
        """How many pages the search has (from ``records_found`` and ``page_size``)."""
        if self.records_found is None or not self.page_size:
            return None
        return -(-self.records_found // self.page_size)

    @property
    def has_next_page(self) -> bool:
        """Whether a page follows this one."""
        count = self.page_count
        if count is not None and self.page_number is not None:
            return self.page_number < count
        return bool(self.next_page)
