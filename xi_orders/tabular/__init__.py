"""Orders as flat rows, pandas DataFrames, HTML tables and short summaries (notebooks, reports).

Example::

    from xi_orders.tabular import to_rows, to_dataframe

    summaries = await client.search_orders(order_status="SHIPPED").collect()
    rows = to_rows(summaries)              # list of dicts, one per order
    df = to_dataframe(summaries)           # needs pandas (pip install xi-orders[pandas])

    details = await client.get_orders(numbers).collect()
    df = to_dataframe(details)             # failures become rows with an "error" column

pandas is optional and never imported unless ``to_dataframe`` is called.

This is the presentation layer: it sits above the models, the paginator and bulk lookups,
which are plain data and never import it. When imported (``import xi_orders`` imports it)
it gives every result a notebook user meets its display:

- ``_repr_html_`` (Jupyter's rich display) for an ``OrderDetail``, ``OrderLine``,
  ``OrderSummary``, ``OrderSearchPage``, any ``XiError``, what the changing calls return
  (``OrderCreateResponse``, ``OrderCreateV7Confirmation``, ``OrderModifyResponse`` and,
  for a cancel, ``ResponseMeta``), Vendor Required Info (``VendorRequiredInfo``,
  ``ProductVendorInfo``: the attribute tree, indented), a bulk lookup's results (``BulkResults``), a search's
  results (``SearchResults``), the paginators and the bulk lookups themselves;
- ``_repr_pretty_`` (IPython's text display: a terminal's output and a notebook's
  ``text/plain``, a header line and a few rows) for all of those, whose attrs reprs run
  to tens of kilobytes for one order and megabytes for a 1,000-order lookup; and a short
  ``repr`` (one line) for the containers. The models' own ``repr`` is left as it is.

Every display is bounded: tables show the first :data:`MAX_ROWS` rows and say how many
more there are; ``to_dataframe`` or ``to_rows`` give them all.
"""

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
from ._format import MAX_ROWS, table_html
from ._models import error_html, order_html, page_html, summary_html
from ._pending import _bulk_lookup_html, _bulk_lookup_repr, _paginator_html, _paginator_repr
from ._results import bulk_html, bulk_repr, bulk_text, search_html, search_repr, search_text
from ._rows import lines_to_rows, to_dataframe, to_rows
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
from ._vendor import product_caption, vendor_html, vendor_rows, vendor_text

__all__ = [
    "MAX_ROWS",
    "error_html",
    "lines_to_rows",
    "order_html",
    "page_html",
    "product_caption",
    "summary_html",
    "table_html",
    "to_dataframe",
    "to_rows",
    "vendor_html",
    "vendor_rows",
]

_ASYNC_HOW = "async for order in it, await it.collect(), or it.pages()"
_SYNC_HOW = "for order in it, it.collect(), or it.pages()"
_ASYNC_BULK_HOW = "await it.collect(), or async with it as results"
_SYNC_BULK_HOW = "it.collect(), or for number, result in it"


def _pretty_printer(text: Callable[[Any], str]) -> Callable[[Any, Any, bool], None]:
    def _repr_pretty_(self: Any, printer: Any, cycle: bool) -> None:
        printer.text(text(self))

    return _repr_pretty_


def _attach(cls: type, **methods: Any) -> None:
    for name, method in methods.items():
        setattr(cls, name, method)


def _with_subclasses(cls: type) -> list[type]:
    """``cls`` and its subclasses: IPython takes the first class in the MRO with its own
    ``__repr__`` or ``_repr_pretty_``, and an attrs subclass has its own ``__repr__``, so
    a display given to the base alone would not reach it."""
    found = [cls]
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        found += _with_subclasses(sub)
    return found


def _attach_notebook_reprs() -> None:
    """Give the models, errors and containers their displays from here, so they need not
    import us (mypy: not declared attributes, hence setattr)."""
    for cls, html_of, text_of in (
        (OrderDetail, order_html, order_text),
        (OrderLine, line_html, line_text),
        (OrderSummary, summary_html, summary_text),
        (OrderSearchPage, page_html, page_text),
        (XiError, error_html, error_text),
        (OrderCreateResponse, create_html, create_text),
        (OrderCreateV7Confirmation, v7_html, v7_text),
        (OrderModifyResponse, modify_html, modify_text),
        (ResponseMeta, meta_html, meta_text),
        (VendorRequiredInfo, vendor_html, vendor_text),
        (ProductVendorInfo, vendor_html, vendor_text),
    ):
        for each in _with_subclasses(cls):
            _attach(each, _repr_html_=html_of, _repr_pretty_=_pretty_printer(text_of))
    _attach(
        BulkResults,
        __repr__=bulk_repr,
        _repr_pretty_=_pretty_printer(bulk_text),
        _repr_html_=bulk_html,
    )
    _attach(
        SearchResults,
        __repr__=search_repr,
        _repr_pretty_=_pretty_printer(search_text),
        _repr_html_=search_html,
    )
    _attach(
        AsyncPaginator,
        __repr__=lambda self: _paginator_repr(self, "AsyncPaginator"),
        _repr_html_=lambda self: _paginator_html(self, "AsyncPaginator", _ASYNC_HOW),
    )
    _attach(
        Paginator,
        __repr__=lambda self: _paginator_repr(self._paginator, "Paginator"),
        _repr_html_=lambda self: _paginator_html(self._paginator, "Paginator", _SYNC_HOW),
    )
    _attach(
        BulkLookup,
        __repr__=lambda self: _bulk_lookup_repr(self, "BulkLookup"),
        _repr_html_=lambda self: _bulk_lookup_html(self, "BulkLookup", _ASYNC_BULK_HOW),
    )
    _attach(
        BlockingBulkLookup,
        __repr__=lambda self: _bulk_lookup_repr(self._lookup, "BlockingBulkLookup"),
        _repr_html_=lambda self: _bulk_lookup_html(
            self._lookup, "BlockingBulkLookup", _SYNC_BULK_HOW
        ),
    )


_attach_notebook_reprs()
