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

- ``_repr_html_`` (Jupyter's rich display) for an ``OrderDetail``, ``OrderSummary``,
  ``OrderSearchPage``, any ``XiError``, a bulk lookup's results (``BulkResults``), a
  search's results (``SearchResults``), the paginators and the bulk lookups themselves;
- a short ``repr`` (one line) and ``_repr_pretty_`` (IPython's text display, a few lines)
  for the containers, whose default reprs ran to megabytes for a 1,000-order lookup.

Every display is bounded: tables show the first :data:`MAX_ROWS` rows and say how many
more there are; ``to_dataframe`` or ``to_rows`` give them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..bulk import BulkLookup, BulkResults
from ..errors import XiError
from ..models import OrderDetail, OrderSearchPage, OrderSummary
from ..pagination import AsyncPaginator, SearchResults
from ..sync import BlockingBulkLookup, Paginator
from ._format import MAX_ROWS, table_html
from ._models import error_html, order_html, page_html, summary_html
from ._pending import _bulk_lookup_html, _bulk_lookup_repr, _paginator_html, _paginator_repr
from ._results import bulk_html, bulk_repr, bulk_text, search_html, search_repr, search_text
from ._rows import lines_to_rows, to_dataframe, to_rows

__all__ = [
    "MAX_ROWS",
    "error_html",
    "lines_to_rows",
    "order_html",
    "page_html",
    "summary_html",
    "table_html",
    "to_dataframe",
    "to_rows",
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


def _attach_notebook_reprs() -> None:
    """Give the models, errors and containers their displays from here, so they need not
    import us (mypy: not declared attributes, hence setattr)."""
    _attach(OrderDetail, _repr_html_=order_html)
    _attach(OrderSummary, _repr_html_=summary_html)
    _attach(OrderSearchPage, _repr_html_=page_html)
    _attach(XiError, _repr_html_=error_html)
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
