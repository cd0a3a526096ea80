"""Which display each result gets: looked up by ``xi_orders._display.Display`` when a
result is first shown in a notebook or IPython."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._response import ResponseMeta
from ..bulk import BulkLookup, BulkResults
from ..errors import XiError
from ..models import (
    OrderCreateResponse,
    OrderCreateV7Confirmation,
    OrderDetail,
    OrderLine,
    OrderModifyResponse,
    OrderSearchPage,
    OrderSummary,
    ProductVendorInfo,
    VendorRequiredInfo,
)
from ..pagination import AsyncPaginator, SearchResults
from ..sync import BlockingBulkLookup, Paginator
from ._changes import create_html, line_html, meta_html, modify_html, v7_html
from ._models import error_html, order_html, page_html, summary_html
from ._pending import _bulk_lookup_html, _bulk_lookup_repr, _paginator_html, _paginator_repr
from ._results import bulk_html, bulk_repr, bulk_text, search_html, search_repr, search_text
from ._text import (
    create_text,
    error_text,
    line_text,
    meta_text,
    modify_text,
    order_text,
    page_text,
    summary_text,
    v7_text,
)
from ._vendor import vendor_html, vendor_text

_ASYNC_HOW = "async for order in it, await it.collect(), or it.pages()"
_SYNC_HOW = "for order in it, it.collect(), or it.pages()"
_ASYNC_BULK_HOW = "await it.collect(), or async with it as results"
_SYNC_BULK_HOW = "it.collect(), or for number, result in it"

Show = Callable[[Any], str]

#: (class, HTML, text, one-line repr or None), the first matching class wins.
_DISPLAYS: tuple[tuple[type, Show, Show, Show | None], ...] = (
    (OrderDetail, order_html, order_text, None),
    (OrderLine, line_html, line_text, None),
    (OrderSummary, summary_html, summary_text, None),
    (OrderSearchPage, page_html, page_text, None),
    (XiError, error_html, error_text, None),
    (OrderCreateResponse, create_html, create_text, None),
    (OrderCreateV7Confirmation, v7_html, v7_text, None),
    (OrderModifyResponse, modify_html, modify_text, None),
    (ResponseMeta, meta_html, meta_text, None),
    (VendorRequiredInfo, vendor_html, vendor_text, None),
    (ProductVendorInfo, vendor_html, vendor_text, None),
    (BulkResults, bulk_html, bulk_text, bulk_repr),
    (SearchResults, search_html, search_text, search_repr),
    (
        AsyncPaginator,
        lambda p: _paginator_html(p, "AsyncPaginator", _ASYNC_HOW),
        lambda p: _paginator_repr(p, "AsyncPaginator"),
        lambda p: _paginator_repr(p, "AsyncPaginator"),
    ),
    (
        Paginator,
        lambda p: _paginator_html(p._paginator, "Paginator", _SYNC_HOW),
        lambda p: _paginator_repr(p._paginator, "Paginator"),
        lambda p: _paginator_repr(p._paginator, "Paginator"),
    ),
    (
        BulkLookup,
        lambda b: _bulk_lookup_html(b, "BulkLookup", _ASYNC_BULK_HOW),
        lambda b: _bulk_lookup_repr(b, "BulkLookup"),
        lambda b: _bulk_lookup_repr(b, "BulkLookup"),
    ),
    (
        BlockingBulkLookup,
        lambda b: _bulk_lookup_html(b._lookup, "BlockingBulkLookup", _SYNC_BULK_HOW),
        lambda b: _bulk_lookup_repr(b._lookup, "BlockingBulkLookup"),
        lambda b: _bulk_lookup_repr(b._lookup, "BlockingBulkLookup"),
    ),
)


def _display(obj: object) -> tuple[Show, Show, Show | None]:
    for cls, html_of, text_of, short_of in _DISPLAYS:
        if isinstance(obj, cls):
            return html_of, text_of, short_of
    raise TypeError(f"no display for {type(obj).__name__}")  # pragma: no cover


def html(obj: object) -> str:
    """The notebook HTML of ``obj``."""
    return _display(obj)[0](obj)


def text(obj: object) -> str:
    """IPython's text display of ``obj``."""
    return _display(obj)[1](obj)


def short(obj: object) -> str:
    """The one-line ``repr`` of a container."""
    short_of = _display(obj)[2]
    assert short_of is not None
    return short_of(obj)
