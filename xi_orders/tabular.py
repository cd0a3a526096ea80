"""Orders as flat rows, pandas DataFrames and HTML tables (for notebooks and reports).

Example::

    from xi_orders.tabular import to_rows, to_dataframe

    summaries = await client.search_orders(order_status="SHIPPED").collect()
    rows = to_rows(summaries)              # list of dicts, one per order
    df = to_dataframe(summaries)           # needs pandas (pip install xi-orders[pandas])

    details = await client.get_orders(numbers).collect()
    df = to_dataframe(details)             # failures become rows with an "error" column

pandas is optional and never imported unless ``to_dataframe`` is called.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from .errors import XiError
from .models import OrderDetail, OrderLine, OrderSearchPage, OrderSummary

__all__ = ["lines_to_rows", "to_dataframe", "to_rows"]

Order = OrderSummary | OrderDetail
Row = dict[str, Any]


def _order_row(order: Order) -> Row:
    row: Row = {
        "ingram_order_number": order.ingram_order_number,
        "ingram_order_date": order.ingram_order_date,
        "customer_order_number": order.customer_order_number,
        "order_status": order.order_status,
        "order_total": order.order_total,
    }
    if isinstance(order, OrderDetail):
        row["currency_code"] = order.currency_code
        row["lines"] = len(order.lines)
        row["end_user"] = order.end_user_info.company_name if order.end_user_info else None
        row["tracking_numbers"] = ", ".join(order.tracking_numbers()) or None
    else:
        row["vendor_name"] = order.vendor_name
        row["end_user"] = order.end_user_company_name
        row["sub_orders"] = len(order.sub_orders)
    return row


def _error_row(number: str, error: XiError) -> Row:
    return {
        "ingram_order_number": number,
        "error": str(error),
        "status_code": getattr(error, "status_code", None),
        "correlation_id": error.correlation_id,
    }


def to_rows(
    orders: Iterable[Order] | Mapping[str, Order | XiError] | OrderSearchPage,
) -> list[Row]:
    """One flat dict per order: numbers, date, status, total and a few counts.

    Accepts search summaries, order details, a search page, or the mapping that
    ``get_orders(...).collect()`` returns (a failed lookup becomes a row with ``error``,
    ``status_code`` and ``correlation_id``).
    """
    if isinstance(orders, OrderSearchPage):
        return [_order_row(o) for o in orders.orders]
    if isinstance(orders, Mapping):
        return [
            _error_row(number, result) if isinstance(result, XiError) else _order_row(result)
            for number, result in orders.items()
        ]
    return [_order_row(o) for o in orders]


def lines_to_rows(order: OrderDetail) -> list[Row]:
    """One flat dict per line of ``order``."""
    return [_line_row(line) for line in order.lines]


def _line_row(line: OrderLine) -> Row:
    return {
        "line": line.ingram_order_line_number,
        "sub_order": line.sub_order_number,
        "status": line.line_status,
        "ingram_part_number": line.ingram_part_number,
        "vendor_part_number": line.vendor_part_number,
        "description": line.part_description,
        "quantity": line.quantity_ordered,
        "unit_price": line.unit_price,
        "extended_price": line.extended_price,
        "tracking_numbers": ", ".join(line.tracking_numbers()) or None,
    }


def to_dataframe(
    orders: Iterable[Order] | Mapping[str, Order | XiError] | OrderSearchPage,
) -> Any:
    """``to_rows(orders)`` as a ``pandas.DataFrame`` (money as float64 columns for analysis;
    the models keep the exact ``Decimal``)."""
    try:
        pandas = importlib.import_module("pandas")
    except ImportError:
        raise ImportError(
            "to_dataframe needs pandas: pip install 'xi-orders[pandas]' (or use to_rows)"
        ) from None
    frame = pandas.DataFrame(to_rows(orders))
    for column in ("order_total",):
        if column in frame:
            frame[column] = pandas.to_numeric(frame[column], errors="coerce")
    return frame


# --- HTML for notebooks ---------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return html.escape(str(value))


def table_html(rows: list[Row], *, caption: str | None = None) -> str:
    """A plain HTML table of ``rows`` (the keys of the first row are the columns)."""
    if not rows:
        return f"<p>{html.escape(caption or '')} (no rows)</p>"
    columns = list(rows[0])
    parts = ["<table>"]
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append(
        "<thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in columns) + "</tr></thead>"
    )
    parts.append("<tbody>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{_cell(row.get(c))}</td>" for c in columns) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def order_html(order: OrderDetail) -> str:
    """An order's header fields and its lines as a table."""
    header = _order_row(order)
    facts = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{_cell(v)}</td></tr>"
        for k, v in header.items()
    )
    return (
        f"<div><strong>Order {_cell(order.ingram_order_number)}</strong>"
        f"<table>{facts}</table>"
        f"{table_html(lines_to_rows(order), caption='lines')}</div>"
    )


def page_html(page: OrderSearchPage) -> str:
    """A search page's orders as a table, captioned with its position."""
    caption = f"page {page.page_number} · {len(page.orders)} of {page.records_found} orders"
    return table_html(to_rows(page), caption=caption)
