"""The notebook HTML of an order, a searched order, a search page and an error."""

from __future__ import annotations

import html
from typing import Any

from ..errors import APIStatusError, ValidationError, XiError
from ..models import OrderDetail, OrderSearchPage, OrderSummary
from ._format import _address, _cut, _error_text, _facts_html, _money, table_html
from ._rows import lines_to_rows, to_rows


def order_html(order: OrderDetail) -> str:
    """An order's header facts (the empty ones left out) and its lines as a table."""
    title = f"Order {order.ingram_order_number or '(no number)'}"
    facts = _facts_html(
        [
            ("status", order.order_status),
            ("date", order.ingram_order_date),
            ("customer PO", order.customer_order_number),
            ("end customer PO", order.end_customer_order_number),
            ("order type", order.order_type),
            ("total", _money(order.order_total, order.currency_code)),
            ("subtotal", _money(order.order_sub_total, order.currency_code)),
            ("freight", _money(order.freight_charges, order.currency_code)),
            ("tax", _money(order.total_tax, order.currency_code)),
            ("fees", _money(order.total_fees, order.currency_code)),
            ("payment terms", order.payment_terms),
            ("end user", _address(order.end_user_info)),
            ("ship to", _address(order.ship_to_info)),
            ("bill to", _address(order.bill_to_info)),
            ("tracking", _cut(", ".join(order.tracking_numbers()))),
            ("notes", _cut(order.notes or "")),
            ("correlation ID", order.response.correlation_id if order.response else None),
        ]
    )
    if order.lines:
        lines = table_html(lines_to_rows(order), caption=f"lines ({len(order.lines)})")
    elif order.lines_missing:
        lines = "<p><em>The answer has no lines (v6.1 sometimes leaves them out).</em></p>"
    else:
        lines = ""
    return f"<div><strong>{html.escape(title)}</strong>{facts}{lines}</div>"


def summary_html(summary: OrderSummary) -> str:
    """One searched order's facts."""
    title = f"Order {summary.ingram_order_number or '(no number)'}"
    facts = _facts_html(
        [
            ("status", summary.order_status),
            ("date", summary.ingram_order_date),
            ("customer PO", summary.customer_order_number),
            ("vendor", summary.vendor_name),
            ("vendor sales order", summary.vendor_sales_order_number),
            ("end user", summary.end_user_company_name),
            ("total", _money(summary.order_total, None)),
            ("sub-orders", ", ".join(summary.sub_order_numbers)),
        ]
    )
    return f"<div><strong>{html.escape(title)}</strong>{facts}</div>"


def page_html(page: OrderSearchPage) -> str:
    """A search page's orders as a table, captioned with its position."""
    caption = f"page {page.page_number} · {len(page.orders)} of {page.records_found} orders"
    return table_html(to_rows(page), caption=caption)


# --- errors ---------------------------------------------------------------------------


def error_html(error: XiError) -> str:
    """An error's type and message, then what there is of: status, the server's message,
    the field problems, the correlation ID(s), the request."""
    facts: list[tuple[str, Any]] = [
        ("HTTP status", getattr(error, "status_code", None)),
        ("correlation ID", error.correlation_id),
    ]
    if isinstance(error, APIStatusError):
        facts.append(("API message", error.api_message))
        facts.append(("retry after (s)", getattr(error, "retry_after", None)))
    if isinstance(error, ValidationError):
        facts += [("field", error.field), ("reason", error.reason)]
    for name, label in (
        ("customer_order_number", "customer PO"),
        ("candidates", "orders with this PO"),
        ("create_correlation_ids", "create correlation IDs"),
        ("lookup_correlation_ids", "lookup correlation IDs"),
        ("received", "records received"),
    ):
        value = getattr(error, name, None)
        facts.append((label, ", ".join(value) if isinstance(value, tuple) else value))
    method, url = getattr(error, "method", None), getattr(error, "url", None)
    if url:
        facts.append(("request", f"{method or ''} {url}".strip()))
    if error.fatal:
        facts.append(("fatal", "yes: every call with these credentials fails the same way"))
    fields = ""
    if isinstance(error, APIStatusError) and error.fields:
        field_rows = [
            {"field": f.field, "problem": f.message, "value sent": _cut(repr(f.value), 80)}
            for f in error.fields
        ]
        fields = table_html(field_rows, caption="field problems", limit=20)
    return (
        "<div style='border-left:4px solid rgb(200,40,40);padding-left:8px'>"
        f"<strong>{html.escape(type(error).__name__)}</strong>: "
        f"{html.escape(_cut(_error_text(error), 500))}{_facts_html(facts)}{fields}</div>"
    )
