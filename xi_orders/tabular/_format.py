"""Formatting for reading: dates without seconds or wrapped offsets, money, bounded tables."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from ..errors import XiError
from ..models import Address

Row = dict[str, Any]

#: The most rows any notebook table shows (the rest are counted, never printed).
MAX_ROWS = 50
#: The most rows IPython's plain-text display lists.
TEXT_ROWS = 10
#: The most characters of one error message in a table cell.
MESSAGE_CHARS = 160


def _offset(value: dt.datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        return ""
    if not offset:
        return " UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f" {sign}{hours:02d}:{minutes:02d}"


def _text(value: Any) -> str:
    """A value for reading: dates without seconds, money with separators, None empty."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") + _offset(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _cut(text: str, limit: int = MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_NOWRAP = (dt.date, Decimal, int)
_LEFT = " align='left'"


def _td(value: Any, *, extra: str = "") -> str:
    """A table cell; dates and numbers never wrap (a wrapped ``-07:00`` reads as a minus)."""
    style = " style='white-space:nowrap'" if isinstance(value, _NOWRAP) else ""
    return f"<td{style}{extra}>{html.escape(_cut(_text(value), 300))}</td>"


def _money(amount: Decimal | None, currency: str | None) -> str:
    if amount is None:
        return ""
    return f"{amount:,.2f} {currency}" if currency else f"{amount:,.2f}"


def _error_text(error: XiError) -> str:
    """An error's message without the correlation ID (shown in a column of its own)."""
    text = str(error)
    if error.correlation_id:
        text = text.replace(f" (correlation ID {error.correlation_id})", "")
    return text


def _more(shown: int, total: int, noun: str, hint: str = "") -> str:
    if shown >= total:
        return ""
    tip = f"; {hint}" if hint else ""
    return (
        f"<p><em>… {total - shown:,} more {noun} not shown ({shown:,} of {total:,}){tip}</em></p>"
    )


_FAILED_ROW = " style='background:rgba(220,40,40,0.15)'"


def table_html(rows: Sequence[Row], *, caption: str | None = None, limit: int = MAX_ROWS) -> str:
    """An HTML table of the first ``limit`` of ``rows`` (the keys of the first row are the
    columns; columns empty in every row are left out), and a count of the rest."""
    if not rows:
        return f"<p>{html.escape(caption or '')} (no rows)</p>"
    shown = rows[:limit]
    columns = [c for c in rows[0] if any(row.get(c) not in (None, "") for row in shown)]
    parts = ["<table>"]
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append(
        "<thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in columns) + "</tr></thead>"
    )
    parts.append("<tbody>")
    for row in shown:
        style = _FAILED_ROW if row.get("error") else ""
        parts.append(f"<tr{style}>" + "".join(_td(row.get(c)) for c in columns) + "</tr>")
    parts.append("</tbody></table>")
    parts.append(_more(len(shown), len(rows), "rows"))
    return "".join(parts)


def _facts_html(facts: Iterable[tuple[str, Any]]) -> str:
    """A two-column table of the facts that have a value (empty ones are left out)."""
    cells = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th>{_td(v, extra=_LEFT)}</tr>"
        for k, v in facts
        if v not in (None, "", (), [])
    )
    return f"<table>{cells}</table>" if cells else ""


def _address(address: Address | None) -> str | None:
    if address is None:
        return None
    parts = [
        address.company_name or address.name1,
        address.contact,
        address.city,
        address.state,
        address.postal_code,
        address.country_code,
    ]
    return ", ".join(p for p in parts if p) or None


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _numbers_preview(numbers: Sequence[str], count: int = 3) -> str:
    head = ", ".join(numbers[:count])
    return head + (", …" if len(numbers) > count else "")


def _aligned(rows: list[list[str]], indent: str = "  ") -> list[str]:
    """Rows of cells padded into columns (each row's last cell is not padded)."""
    widths: dict[int, int] = {}
    for row in rows:
        for index, cell in enumerate(row[:-1]):
            widths[index] = max(widths.get(index, 0), len(cell))
    return [
        indent + "  ".join([*(c.ljust(widths[i]) for i, c in enumerate(row[:-1])), row[-1]])
        for row in rows
    ]


def _pretty(lines: list[str], total: int, shown: int, noun: str) -> str:
    if total > shown:
        lines.append(f"  … {total - shown:,} more {noun}")
    return "\n".join(lines)
