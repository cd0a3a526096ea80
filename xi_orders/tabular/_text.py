"""IPython's plain-text display (``_repr_pretty_``) of the results a notebook user meets.

What a terminal IPython prints, and what a notebook stores as ``text/plain``: a header line
with the facts that matter and at most :data:`~._format.TEXT_ROWS` rows, never the models'
whole attrs ``repr`` (tens of kilobytes for an order or a page). ``repr()`` is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .._response import Reconciliation, ResponseMeta
from ..errors import XiError
from ..models import (
    OrderCreateResponse,
    OrderCreateV7Confirmation,
    OrderDetail,
    OrderLine,
    OrderModifyResponse,
    OrderSearchPage,
    OrderSummary,
    RejectedLine,
    ResultError,
)
from ._format import TEXT_ROWS, _aligned, _cut, _error_text, _money, _pretty, _text
from ._results import _text_cells

#: The most characters of a header line (a long PO number or message is cut).
LINE_CHARS = 200
#: The most rejected lines or errors listed under a change's header.
PROBLEM_LINES = 5


def _header(name: str, facts: Iterable[tuple[str, Any]]) -> str:
    """``Name key=value key=value`` with the empty facts left out."""
    parts = [name]
    for key, value in facts:
        text = value if isinstance(value, str) else _text(value)
        if text:
            parts.append(f"{key}={text}" if key else text)
    return _cut(" ".join(parts), LINE_CHARS)


def _meta(meta: ResponseMeta | None) -> list[tuple[str, Any]]:
    if meta is None:
        return []
    return [("HTTP", str(meta.status_code)), ("correlation_id", meta.correlation_id)]


def _line_cells(line: OrderLine) -> list[str]:
    return [
        line.ingram_order_line_number or "?",
        line.line_status or "",
        line.ingram_part_number or line.vendor_part_number or "",
        f"qty {_text(line.quantity_ordered)}" if line.quantity_ordered is not None else "",
        _cut(line.part_description or "", 60),
    ]


def order_text(order: OrderDetail) -> str:
    """``OrderDetail 20-RD3QV status=SHIPPED total=1,234.56 USD lines=3 …`` and the first lines."""
    header = _header(
        "OrderDetail",
        [
            ("", order.ingram_order_number or "(no number)"),
            ("status", order.order_status),
            ("date", order.ingram_order_date),
            ("total", _money(order.order_total, order.currency_code)),
            ("lines", str(len(order.lines)) + (" (missing)" if order.lines_missing else "")),
            ("po", order.customer_order_number),
            *_meta(order.response)[1:],
        ],
    )
    rows = _aligned([_line_cells(line) for line in order.lines[:PROBLEM_LINES]])
    return _pretty([header, *rows], len(order.lines), min(len(order.lines), PROBLEM_LINES), "lines")


def summary_text(summary: OrderSummary) -> str:
    """One line: number, status, date, total, vendor, PO."""
    return _header(
        "OrderSummary",
        [
            ("", summary.ingram_order_number or "(no number)"),
            ("status", summary.order_status),
            ("date", summary.ingram_order_date),
            ("total", _money(summary.order_total, None)),
            ("po", summary.customer_order_number),
            ("vendor", summary.vendor_name),
        ],
    )


def page_text(page: OrderSearchPage) -> str:
    """The page's position and the first rows."""
    header = (
        f"OrderSearchPage page {page.page_number}: {len(page.orders):,} of "
        f"{_text(page.records_found) or '?'} orders"
    )
    rows = _aligned([_text_cells("", order) for order in page.orders[:TEXT_ROWS]])
    return _pretty([header, *rows], len(page.orders), min(len(page.orders), TEXT_ROWS), "orders")


def line_text(line: OrderLine) -> str:
    """One line: number, status, part, quantities, price, tracking."""
    tracking = line.tracking_numbers()
    return _header(
        "OrderLine",
        [
            ("", line.ingram_order_line_number or "?"),
            ("status", line.line_status),
            ("part", line.ingram_part_number),
            ("qty", line.quantity_ordered),
            ("confirmed", line.quantity_confirmed),
            ("backordered", line.quantity_back_ordered or None),
            ("price", _money(line.extended_price, line.currency_code)),
            ("tracking", ", ".join(tracking[:3]) + (", …" if len(tracking) > 3 else "")),
        ],
    )


def _reconciled(how: Reconciliation | None) -> list[tuple[str, Any]]:
    return [] if how is None else [("reconciled", how.outcome)]


def _problem_lines(rejected: Sequence[RejectedLine], errors: Sequence[ResultError]) -> list[str]:
    lines: list[str] = []
    for noun, items, cells in (
        ("rejected", rejected, _rejected_cells),
        ("errors", errors, _error_cells),
    ):
        if not items:
            continue
        shown = list(items[:PROBLEM_LINES])
        lines.append(f"  {noun} ({len(items):,}):")
        lines += _aligned([cells(item) for item in shown], indent="    ")
        if len(items) > len(shown):
            lines.append(f"    … {len(items) - len(shown):,} more")
    return lines


def _rejected_cells(line: Any) -> list[str]:
    return [
        line.customer_line_number or line.ingram_line_number or "?",
        line.ingram_part_number or line.vendor_part_number or "",
        line.reject_code or "",
        _cut(line.reject_reason or "", 100),
    ]


def _error_cells(error: Any) -> list[str]:
    return [error.type or "", _cut(error.message or "", 120)]


def create_text(result: OrderCreateResponse) -> str:
    """``OrderCreateResponse PO-1 orders=20-A, 20-B partial=no HTTP=201 …``, then problems."""
    numbers = result.order_numbers
    header = _header(
        type(result).__name__,
        [
            ("", result.customer_order_number or "(no PO number)"),
            ("orders", _cut(", ".join(numbers), 80) if numbers else "(none)"),
            ("partial", "yes" if result.is_partial else "no"),
            *_reconciled(result.reconciliation),
            *_meta(result.response),
            ("decode_problem", _cut(result.decode_problem or "", 80)),
        ],
    )
    return "\n".join([header, *_problem_lines(result.rejected_lines, result.errors)])


def v7_text(result: OrderCreateV7Confirmation) -> str:
    """``OrderCreateV7Confirmation confirmation=… quote=… …``, then reported errors."""
    numbers = result.order_numbers
    header = _header(
        "OrderCreateV7Confirmation",
        [
            ("confirmation", result.confirmation_number),
            ("quote", result.quote_number),
            ("orders", _cut(", ".join(numbers), 80)),
            ("events", len(result.events) or None),
            ("partial", "yes" if result.is_partial else "no"),
            *_reconciled(result.reconciliation),
            *_meta(result.response),
            ("message", _cut(result.message or "", 80)),
        ],
    )
    return "\n".join([header, *_problem_lines((), result.errors)])


def modify_text(result: OrderModifyResponse) -> str:
    """``OrderModifyResponse 20-X status=… lines=N partial=…``, then the rejected changes."""
    header = _header(
        "OrderModifyResponse",
        [
            ("", result.ingram_order_number or result.order_number or "(no number)"),
            ("status", result.order_status),
            ("total", _money(result.order_total, None)),
            ("lines", str(len(result.lines))),
            ("partial", "yes" if result.is_partial else "no"),
            *_meta(result.response),
        ],
    )
    return "\n".join([header, *_problem_lines(result.rejected_line_items, result.errors)])


def meta_text(meta: ResponseMeta) -> str:
    """``ResponseMeta HTTP 200 DELETE https://… correlation_id=… 0.120 s``."""
    attempts = f" {meta.attempts} attempts" if meta.attempts > 1 else ""
    return _cut(
        f"ResponseMeta HTTP {meta.status_code} {meta.method} {meta.url} "
        f"correlation_id={meta.correlation_id} {meta.elapsed:.3f} s{attempts}",
        LINE_CHARS + 200,
    )


def error_text(error: XiError) -> str:
    """``NotFoundError: HTTP 404 … (correlation ID …)``, the message cut."""
    cid = f" (correlation ID {error.correlation_id})" if error.correlation_id else ""
    return f"{type(error).__name__}: {_cut(_error_text(error), 500)}{cid}"
