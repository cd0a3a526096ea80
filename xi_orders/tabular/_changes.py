"""The notebook HTML of what the changing calls return (create, v7 create, modify and
release, cancel's ``ResponseMeta``) and of one order line."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from .._response import Reconciliation, ResponseMeta
from ..models import (
    OrderCreateResponse,
    OrderCreateV7Confirmation,
    OrderLine,
    OrderModifyResponse,
    RejectedLine,
    ResultError,
)
from ._format import _address, _cut, _facts_html, _money, table_html

#: The most rows each table of a change's display lists (the rest are counted): up to
#: three tables (orders or lines, rejected lines, errors) share one display's bound.
PROBLEM_ROWS = 10


def meta_facts(meta: ResponseMeta | None) -> list[tuple[str, Any]]:
    """The exchange behind a result: HTTP status, correlation ID, request, time, attempts."""
    if meta is None:
        return []
    return [
        ("HTTP status", meta.status_code),
        ("correlation ID", meta.correlation_id),
        ("request", f"{meta.method} {meta.url}"),
        (
            "took",
            f"{meta.elapsed:.3f} s" + (f", {meta.attempts} attempts" if meta.attempts > 1 else ""),
        ),
    ]


def reconciliation_facts(how: Reconciliation | None) -> list[tuple[str, Any]]:
    """How an ambiguous create was resolved, when it was."""
    if how is None:
        return []
    outcome = (
        "found by search, not sent again"
        if how.outcome == "found"
        else "surely not placed; sent once more"
    )
    return [
        ("reconciled", f"{outcome} (first create: {_cut(how.cause, 200)})"),
        ("create correlation IDs", ", ".join(how.create_correlation_ids)),
        ("lookup correlation IDs", _cut(", ".join(how.lookup_correlation_ids), 300)),
    ]


def _rejected_rows(lines: Sequence[RejectedLine]) -> list[dict[str, Any]]:
    return [
        {
            "customer line": line.customer_line_number,
            "Ingram line": line.ingram_line_number,
            "part": line.ingram_part_number or line.vendor_part_number,
            "quantity": line.quantity_ordered,
            "code": line.reject_code,
            "reason": line.reject_reason,
        }
        for line in lines
    ]


def _error_rows(errors: Sequence[ResultError]) -> list[dict[str, Any]]:
    return [
        {
            "type": error.type,
            "message": error.message,
            "fields": _cut(", ".join(f.field or "?" for f in error.fields), 120),
            "trace ID": error.trace_id,
        }
        for error in errors
    ]


def _problems_html(rejected: Sequence[RejectedLine], errors: Sequence[ResultError]) -> str:
    parts = []
    if rejected:
        caption = f"rejected lines ({len(rejected):,})"
        parts.append(table_html(_rejected_rows(rejected), caption=caption, limit=PROBLEM_ROWS))
    if errors:
        caption = f"errors in the answer ({len(errors):,})"
        parts.append(table_html(_error_rows(errors), caption=caption, limit=PROBLEM_ROWS))
    return "".join(parts)


def _decode_html(problem: str | None) -> str:
    if not problem:
        return ""
    return f"<p><em>Not all of the answer could be typed: {html.escape(_cut(problem, 300))} (raw_body has it as sent).</em></p>"


def _box(title: str, body: str, *, partial: bool) -> str:
    # A partial result is an accepted request with problems: marked, never hidden.
    border = "rgb(220,150,0)" if partial else "rgb(40,150,60)"
    return (
        f"<div style='border-left:4px solid {border};padding-left:8px'>"
        f"<strong>{html.escape(title)}</strong>{body}</div>"
    )


def create_html(result: OrderCreateResponse) -> str:
    """A v6 create's answer: the orders made, partial or not, how it was reconciled, the
    rejected lines and reported errors (bounded)."""
    title = f"Create {_cut(result.customer_order_number or '(no PO number)', 60)}: " + (
        "accepted in part" if result.is_partial else "accepted"
    )
    orders = [
        {
            "order": order.ingram_order_number,
            "date": order.ingram_order_date,
            "type": order.order_type,
            "total": _money(order.order_total, order.currency_code),
            "lines": len(order.lines),
            "rejected": len(order.rejected_line_items),
        }
        for order in result.orders
    ]
    facts = _facts_html(
        [
            ("orders", ", ".join(result.order_numbers) or "(none)"),
            ("end customer PO", result.end_customer_order_number),
            ("purchase order total", _money(result.purchase_order_total, None)),
            ("ship to", _address(result.ship_to_info)),
            *reconciliation_facts(result.reconciliation),
            *meta_facts(result.response),
        ]
    )
    table = (
        table_html(orders, caption=f"orders made ({len(orders)})", limit=PROBLEM_ROWS)
        if orders
        else ""
    )
    body = facts + table + _problems_html(result.rejected_lines, result.errors)
    return _box(title, body + _decode_html(result.decode_problem), partial=result.is_partial)


def v7_html(result: OrderCreateV7Confirmation) -> str:
    """A v7 create's answer: the confirmation (orders follow on the webhook) or the orders
    the answer's events report."""
    title = "Create (v7): " + ("accepted in part" if result.is_partial else "accepted")
    numbers = result.order_numbers
    facts = _facts_html(
        [
            ("confirmation number", result.confirmation_number),
            ("quote number", result.quote_number),
            ("message", _cut(result.message or "", 300)),
            ("orders", _cut(", ".join(numbers), 300) if numbers else None),
            ("events", len(result.events) or None),
            *reconciliation_facts(result.reconciliation),
            *meta_facts(result.response),
        ]
    )
    body = facts + _problems_html((), result.errors) + _decode_html(result.decode_problem)
    return _box(title, body, partial=result.is_partial)


def modify_html(result: OrderModifyResponse) -> str:
    """A modify's (or release's) answer: the order's state after it, its lines (bounded),
    the rejected changes and reported errors."""
    number = result.ingram_order_number or result.order_number or "(no number)"
    title = f"Order {_cut(number, 60)} changed" + (" in part" if result.is_partial else "")
    facts = _facts_html(
        [
            ("status", result.order_status),
            ("change", _cut(result.change_description or "", 300)),
            ("modified", result.order_modified_date),
            ("customer PO", result.customer_order_number),
            ("total", _money(result.order_total, None)),
            ("notes", _cut(result.notes or "", 300)),
            ("ship to", _address(result.ship_to_info)),
            *meta_facts(result.response),
        ]
    )
    rows = [
        {
            "line": line.ingram_line_number or line.line_number,
            "customer line": line.customer_line_number,
            "part": line.ingram_part_number,
            "ordered": line.quantity_ordered,
            "confirmed": line.quantity_confirmed,
            "back-ordered": line.quantity_back_ordered,
        }
        for line in result.lines
    ]
    lines = table_html(rows, caption=f"lines ({len(rows):,})", limit=PROBLEM_ROWS) if rows else ""
    body = facts + lines + _problems_html(result.rejected_line_items, result.errors)
    return _box(title, body + _decode_html(result.decode_problem), partial=result.is_partial)


def meta_html(meta: ResponseMeta) -> str:
    """The exchange of a call that returns only it (``cancel_order``)."""
    title = f"HTTP {meta.status_code} {meta.method}"
    return f"<div><strong>{html.escape(title)}</strong>{_facts_html(meta_facts(meta))}</div>"


def line_html(line: OrderLine) -> str:
    """One order line's facts (empty ones left out), tracking and serial numbers bounded."""
    title = f"Line {line.ingram_order_line_number or '?'}"
    currency = line.currency_code
    facts = _facts_html(
        [
            ("status", line.line_status),
            ("sub-order", line.sub_order_number),
            ("customer line", line.customer_line_number),
            ("part", line.ingram_part_number),
            ("vendor part", line.vendor_part_number),
            ("vendor", line.vendor_name),
            ("description", _cut(line.part_description or "", 200)),
            ("ordered", line.quantity_ordered),
            ("confirmed", line.quantity_confirmed),
            ("back-ordered", line.quantity_back_ordered),
            ("unit price", _money(line.unit_price, currency)),
            ("extended price", _money(line.extended_price, currency)),
            ("tax", _money(line.tax_amount, currency)),
            ("promised delivery", line.promised_delivery_date),
            ("back-order ETA", line.back_order_eta_date),
            ("tracking", _cut(", ".join(line.tracking_numbers()), 300)),
            ("serial numbers", _cut(", ".join(line.serial_numbers()), 300)),
            ("notes", _cut(line.line_notes or "", 300)),
        ]
    )
    return f"<div><strong>{html.escape(title)}</strong>{facts}</div>"
