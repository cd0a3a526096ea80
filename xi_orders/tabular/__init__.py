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
which are plain data and never import it (``import xi_orders`` does not load it). Those
inherit ``xi_orders._display.Display``, which looks this layer up by name when a result
is first shown, so every result a notebook user meets has its display:

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

from ._format import MAX_ROWS, table_html
from ._models import error_html, order_html, page_html, summary_html
from ._rows import lines_to_rows, to_dataframe, to_rows
from ._vendor import product_caption, vendor_html, vendor_rows

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
