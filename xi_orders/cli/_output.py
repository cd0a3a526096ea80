"""How the command line writes: streamed rows (table, CSV, JSON Lines), order summaries,
and where rows go (the format asked for, the ``-o`` file).

Row writers write each row as it comes and never hold more than one: a 100,000-order export
streams straight to its file or pipe. Rich is imported only to draw for a terminal. Imports
``_shell`` for its errors; never a command module or ``_app``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any, Literal

import attrs

from .._escape import printable
from ..errors import BadRequestError, OrderOutcomeUnknown, XiError
from ..models import OrderDetail
from ._shell import CliError, UsageError

Format = Literal["table", "csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("table", "csv", "jsonl")


class Stdout:
    """``sys.stdout`` looked up at each write, so a progress display that redirects it
    (to draw rows above its bar) gets them."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def json_default(value: Any) -> Any:
    """``json.dumps`` for the values flat rows hold."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


#: What ``json.dumps`` leaves raw with ``ensure_ascii=False`` but a terminal may act on (C1
#: controls, line separators, bidi overrides); only ever inside strings, so escaped as \\u.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def dumps(value: Any, *, indent: int | None = None) -> str:
    """JSON text (UTF-8 as is, control characters escaped; Decimal and dates as strings)."""
    separators = None if indent else (",", ":")
    text = json.dumps(
        value, default=json_default, ensure_ascii=False, indent=indent, separators=separators
    )
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def cell(value: Any) -> str:
    """A value as text for CSV and tables."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


@attrs.frozen
class Column:
    """A column of a text table: header, row key, width (None: the rest), alignment."""

    header: str
    key: str
    width: int | None = None
    right: bool = False
    show: Callable[[Any], str] = cell


def short_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return cell(value)


def show_money(value: Any) -> str:
    return money(value) if isinstance(value, Decimal) else cell(value)


class RowWriter:
    """Writes rows one by one in a format. ``rows`` holds flat dicts for table and CSV;
    JSON Lines writes the ``document`` given with each row."""

    def __init__(
        self,
        stream: IO[str] | Stdout,
        fmt: Format,
        *,
        csv_columns: Sequence[str],
        table_columns: Sequence[Column],
    ) -> None:
        self.stream = stream
        self.format = fmt
        self.count = 0
        self._table_columns = table_columns
        self._csv: Any = None
        if fmt == "csv":
            self._csv = csv.DictWriter(
                stream, fieldnames=list(csv_columns), extrasaction="ignore", lineterminator="\n"
            )
            self._csv.writeheader()
        elif fmt == "table":
            headers = {c.key: c.header for c in table_columns}
            self.stream.write(self._table_line(headers, header=True))

    def write(self, row: dict[str, Any], document: Any) -> None:
        self.count += 1
        if self.format == "jsonl":
            self.stream.write(dumps(document) + "\n")
        elif self.format == "csv":
            self._csv.writerow({k: cell(v) for k, v in row.items()})
        else:
            self.stream.write(self._table_line(row))

    def _table_line(self, row: dict[str, Any], *, header: bool = False) -> str:
        parts = []
        for column in self._table_columns:
            value = row.get(column.key)
            text = str(value) if header else printable(column.show(value))
            text = " ".join(text.split())  # one line per row
            if column.width is not None:
                if len(text) > column.width:
                    text = text[: column.width - 1] + "…"
                text = text.rjust(column.width) if column.right else text.ljust(column.width)
            parts.append(text)
        return "  ".join(parts).rstrip() + "\n"

    def flush(self) -> None:
        self.stream.flush()


# --------------------------------------------------------------------------------------
# errors


def error_fields(error: XiError) -> dict[str, Any]:
    """An error as data: message, type, HTTP status and correlation ID; for a create whose
    outcome is unknown, also the PO number, the candidates and every ID to quote."""
    fields: dict[str, Any] = {
        "error": str(error),
        "error_type": type(error).__name__,
        "status_code": getattr(error, "status_code", None),
        "correlation_id": error.correlation_id,
    }
    if isinstance(error, BadRequestError) and error.existing_order_numbers:
        # a create refused as a duplicate PO number: the orders that hold the PO
        fields["existing_order_numbers"] = list(error.existing_order_numbers)
    if isinstance(error, OrderOutcomeUnknown):
        # What the person must check before sending again: a script reads it here rather
        # than parsing the message.
        fields.update(
            customer_order_number=error.customer_order_number,
            candidates=list(error.candidates),
            create_correlation_ids=list(error.create_correlation_ids),
            lookup_correlation_ids=list(error.lookup_correlation_ids),
            event_ids=list(error.event_ids),
            cause=error.cause,
        )
    return fields


# --------------------------------------------------------------------------------------
# one order, for people


def _address(info: Any) -> str:
    if info is None:
        return ""
    parts = [
        info.company_name or info.name1 or info.contact,
        info.address_line1,
        info.city,
        info.state,
        info.postal_code,
        info.country_code,
    ]
    return ", ".join(str(p) for p in parts if p)


def render_order(order: OrderDetail, console: Any) -> None:
    """A readable summary of one order: status, totals, addresses, lines, tracking."""
    from rich.table import Table
    from rich.text import Text

    def plain(value: str) -> Text:
        # The server's text: control characters escaped, never read as rich markup.
        return Text(printable(value))

    currency = order.currency_code or ""
    title = Text.assemble(
        ("Order ", "bold"),
        (printable(order.ingram_order_number or "?"), "bold cyan"),
        "  ",
        (printable(order.order_status or "(no status)"), "bold yellow"),
    )
    console.print(title)
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim")
    facts.add_column()
    rows: list[tuple[str, str]] = [
        ("date", cell(order.ingram_order_date)),
        ("customer PO", order.customer_order_number or ""),
        ("end-customer PO", order.end_customer_order_number or ""),
        ("order type", order.order_type or ""),
        ("payment terms", order.payment_terms or ""),
        (
            "totals",
            "  ".join(
                f"{label} {money(value)}"
                for label, value in (
                    ("subtotal", order.order_sub_total),
                    ("freight", order.freight_charges),
                    ("tax", order.total_tax),
                    ("fees", order.total_fees),
                )
                if value is not None
            ),
        ),
        ("order total", f"{money(order.order_total)} {currency}".strip()),
        ("bill to", _address(order.bill_to_info)),
        ("ship to", _address(order.ship_to_info)),
        ("end user", _address(order.end_user_info)),
        ("notes", order.notes or ""),
    ]
    for label, value in rows:
        if value:
            facts.add_row(label, plain(value))
    console.print(facts)

    lines = Table(title=f"{len(order.lines)} line(s)", title_justify="left", expand=False)
    for header, justify in (
        ("line", "left"),
        ("part", "left"),
        ("vendor part", "left"),
        ("description", "left"),
        ("qty", "right"),
        ("status", "left"),
        ("unit price", "right"),
        ("extended", "right"),
    ):
        lines.add_column(header, justify=justify)  # type: ignore[arg-type]
    for line in order.lines:
        values = (
            line.ingram_order_line_number or line.customer_line_number or "",
            line.ingram_part_number or "",
            line.vendor_part_number or "",
            line.part_description or "",
            cell(line.quantity_ordered),
            line.line_status or "",
            money(line.unit_price),
            money(line.extended_price),
        )
        lines.add_row(*map(plain, values))
    console.print(lines)

    tracking = Table(title="tracking", title_justify="left")
    for header in ("line", "carrier", "tracking number", "shipped", "est. delivery", "delivered"):
        tracking.add_column(header)
    for line in order.lines:
        for shipment in line.shipment_details:
            for carrier in shipment.carrier_details:
                packages: list[Any] = list(carrier.tracking_details) or [None]
                for package in packages:
                    row = (
                        line.ingram_order_line_number or "",
                        carrier.carrier_name or carrier.carrier_code or "",
                        package.tracking_number if package and package.tracking_number else "",
                        cell(carrier.shipped_date or shipment.shipped_date),
                        cell(carrier.estimated_delivery_date or shipment.estimated_delivery_date),
                        cell(carrier.delivered_date),
                    )
                    tracking.add_row(*map(plain, row))
    if tracking.row_count:
        console.print(tracking)
    else:
        console.print("[dim]no shipments yet[/dim]")
    if order.response is not None:
        cid = printable(order.response.correlation_id or "")
        console.print(Text(f"correlation ID {cid}", style="dim"))


def status_counts(counts: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{status} {n}" for status, n in counts)


def describe_error(error: XiError) -> str:
    """One line: the error and, when there was a call, its correlation ID."""
    text = str(error)
    if error.correlation_id and error.correlation_id not in text:
        text += f" (correlation ID {error.correlation_id})"
    return text


def output_format(fmt: str | None, as_json: bool, output: str | None) -> Format:
    """The format asked for: ``--json``, ``--format``, ``-o``'s extension, else table on a
    terminal and JSON Lines in a pipe."""
    if as_json:
        if fmt not in (None, "jsonl"):
            raise UsageError("--json means --format jsonl; give one or the other")
        return "jsonl"
    if fmt is not None:
        return fmt  # type: ignore[return-value]
    if output is not None:
        lowered = output.lower()
        if lowered.endswith(".csv"):
            return "csv"
        if lowered.endswith((".jsonl", ".ndjson", ".json")):
            return "jsonl"
        if lowered.endswith((".txt", ".table")):
            return "table"
        raise UsageError(
            f"cannot tell the format of {output!r} from its name; add --format csv|jsonl|table"
        )
    return "table" if sys.stdout.isatty() else "jsonl"


@contextlib.contextmanager
def open_output(output: str | None) -> Iterator[IO[str] | Stdout]:
    """The file ``-o`` names (``-`` or none: stdout), closed after."""
    if output is None or output == "-":
        yield Stdout()
        return
    try:
        stream = open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None
    with stream:
        yield stream
