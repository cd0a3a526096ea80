"""The displays of a bulk lookup's results and a search's results: a summary, the first rows."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import XiError
from ..models import OrderDetail, OrderSummary
from ._format import (
    _FAILED_ROW,
    MAX_ROWS,
    TEXT_ROWS,
    _aligned,
    _count,
    _cut,
    _error_text,
    _money,
    _more,
    _numbers_preview,
    _pretty,
    _td,
    _text,
    table_html,
)
from ._rows import to_rows


def _tally(results: Mapping[str, OrderDetail | XiError]) -> tuple[int, Counter[str], int]:
    """(found, failures by type, found without lines)."""
    failures: Counter[str] = Counter()
    missing = 0
    for result in results.values():
        if isinstance(result, XiError):
            failures[type(result).__name__] += 1
        elif result.lines_missing:
            missing += 1
    return len(results) - sum(failures.values()), failures, missing


def _bulk_summary(results: Mapping[str, OrderDetail | XiError]) -> str:
    found, failures, missing = _tally(results)
    text = f"{len(results):,} orders looked up: {found:,} found, {sum(failures.values()):,} failed"
    if failures:
        text += " (" + ", ".join(f"{name} ×{n:,}" for name, n in failures.most_common()) + ")"  # noqa: RUF001
    if missing:
        text += f"; {missing:,} found without lines"
    return text


#: The most failures listed apart when they fall past the first rows.
FAILURE_ROWS = 10

_BULK_HEAD = (
    "<thead><tr><th>order</th><th>status</th><th>date</th><th>total</th><th>lines</th>"
    "<th>correlation ID</th></tr></thead>"
)


def _bulk_row(number: str, result: OrderDetail | XiError) -> str:
    if isinstance(result, XiError):
        message = f"{type(result).__name__}: {_error_text(result)}"
        return (
            f"<tr{_FAILED_ROW}>{_td(number)}<td colspan='4' align='left'>"
            f"{html.escape(_cut(message))}</td>{_td(result.correlation_id)}</tr>"
        )
    lines = f"{len(result.lines)} (missing)" if result.lines_missing else len(result.lines)
    cid = result.response.correlation_id if result.response else None
    return (
        f"<tr>{_td(number)}{_td(result.order_status)}{_td(result.ingram_order_date)}"
        f"<td style='white-space:nowrap'>{_money(result.order_total, result.currency_code)}</td>"
        f"{_td(lines)}{_td(cid)}</tr>"
    )


def bulk_html(results: Mapping[str, OrderDetail | XiError]) -> str:
    """A summary line with the counts, the first rows (failures highlighted, with their error
    and correlation ID) and, when failures fall past those rows, the first of them."""
    summary = f"<p><strong>{html.escape(_bulk_summary(results))}</strong></p>"
    if not results:
        return summary
    items = list(results.items())
    late = any(isinstance(r, XiError) for _, r in items[MAX_ROWS:])
    # Failures past the first rows get rows of their own, within the same MAX_ROWS.
    shown = items[: MAX_ROWS - FAILURE_ROWS] if late else items[:MAX_ROWS]
    body = "".join(_bulk_row(number, result) for number, result in shown)
    parts = [summary, f"<table>{_BULK_HEAD}<tbody>{body}</tbody></table>"]
    parts.append(_more(len(shown), len(items), "orders", "to_dataframe(results) has them all"))
    hidden = [(n, r) for n, r in items[len(shown) :] if isinstance(r, XiError)]
    if hidden:
        first = hidden[:FAILURE_ROWS]
        rows = "".join(_bulk_row(number, result) for number, result in first)
        caption = f"failures not shown above ({len(first)} of {len(hidden):,})"
        parts.append(
            f"<table><caption>{caption}</caption>{_BULK_HEAD}<tbody>{rows}</tbody></table>"
        )
    return "".join(parts)


def _text_cells(number: str, result: Any) -> list[str]:
    """One result as the cells of a plain-text row (a failure's message comes last)."""
    if isinstance(result, XiError):
        cid = f" (correlation ID {result.correlation_id})" if result.correlation_id else ""
        message = f"{type(result).__name__}: {_cut(_error_text(result), 100)}{cid}"
        return [number, "FAILED", message]
    if isinstance(result, OrderDetail):
        lines = _count(len(result.lines), "line") + (" (missing)" if result.lines_missing else "")
        total = _money(result.order_total, result.currency_code)
        return [number, result.order_status or "", _text(result.ingram_order_date), total, lines]
    if isinstance(result, OrderSummary):
        return [
            result.ingram_order_number or "?",
            result.order_status or "",
            _text(result.ingram_order_date),
            _money(result.order_total, None),
            result.vendor_name or "",
        ]
    return [_cut(repr(result), 100)]


def bulk_repr(results: Mapping[str, OrderDetail | XiError]) -> str:
    """One line: the counts and the first order numbers."""
    return f"<BulkResults: {_bulk_summary(results)}; {_numbers_preview(list(results))}>"


def bulk_text(results: Mapping[str, OrderDetail | XiError]) -> str:
    """IPython's plain-text display: the counts, the first rows, the first failures."""
    items = list(results.items())
    lines = [f"BulkResults: {_bulk_summary(results)}"]
    lines += _aligned([_text_cells(n, r) for n, r in items[:TEXT_ROWS]])
    text = _pretty(lines, len(items), min(len(items), TEXT_ROWS), "orders")
    hidden = [(n, r) for n, r in items[TEXT_ROWS:] if isinstance(r, XiError)]
    if hidden:
        more = [f"failures among them (first {min(len(hidden), 5)} of {len(hidden):,}):"]
        more += _aligned([_text_cells(n, r) for n, r in hidden[:5]])
        text += "\n" + "\n".join(more)
    return text


# --- a search's results ---------------------------------------------------------------


def _search_summary(results: Sequence[Any]) -> str:
    statuses = Counter(
        getattr(item, "order_status", None) or "no status"
        for item in results
        if isinstance(item, (OrderSummary, OrderDetail))
    )
    text = f"{len(results):,} orders"
    if statuses:
        common = statuses.most_common(5)
        text += ": " + ", ".join(f"{status} {n:,}" for status, n in common)
        if len(statuses) > len(common):
            text += ", …"
    return text


def search_html(results: Sequence[Any]) -> str:
    """The counts by status and the first rows."""
    summary = f"<p><strong>{html.escape(_search_summary(results))}</strong></p>"
    orders = [item for item in results[:MAX_ROWS] if isinstance(item, (OrderSummary, OrderDetail))]
    if not orders:
        return summary
    table = table_html(to_rows(orders), limit=MAX_ROWS)
    more = _more(len(orders), len(results), "orders", "to_dataframe(results) has them all")
    return summary + table + more


def search_repr(results: Sequence[Any]) -> str:
    numbers = [str(getattr(item, "ingram_order_number", None) or "?") for item in results[:3]]
    preview = f"; {', '.join(numbers)}" + (", …" if len(results) > 3 else "") if numbers else ""
    return f"<SearchResults: {_search_summary(results)}{preview}>"


def search_text(results: Sequence[Any]) -> str:
    lines = [f"SearchResults: {_search_summary(results)}"]
    lines += _aligned([_text_cells("", item) for item in results[:TEXT_ROWS]])
    return _pretty(lines, len(results), min(len(results), TEXT_ROWS), "orders")
