"""``xi-orders search``: every page of a search, streamed as rows while pages arrive, and a
summary (counts by status, total) on stderr.

Over the public client only (no private send path); rows are written by ``_output``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from .. import ValidationError
from .._convert import unstructure
from ..models import OrderSummary
from ..tabular import to_rows
from ._args import add_command, at_least, json_flag, parse_day, parse_status
from ._output import (
    FORMATS,
    Column,
    RowWriter,
    open_output,
    output_format,
    short_date,
    show_money,
    status_counts,
)
from ._settings import Settings
from ._shell import EXIT_OK, CliError, UsageError, echo, load_settings, run_async

_SEARCH_COLUMNS = list(to_rows([OrderSummary()])[0])
_SEARCH_TABLE = [
    Column("ORDER", "ingram_order_number", 12),
    Column("DATE", "ingram_order_date", 10, show=short_date),
    Column("STATUS", "order_status", 11),
    Column("TOTAL", "order_total", 13, right=True, show=show_money),
    Column("PO", "customer_order_number", 18),
    Column("VENDOR", "vendor_name", 16),
    Column("END USER", "end_user"),
]


# search_orders' arguments -> the options that set them, for messages
_SEARCH_OPTIONS = {
    "ingram_order_number": "--number",
    "customer_order_number": "--po",
    "end_customer_order_number": "--end-customer-po",
    "ingram_part_number": "--part",
    "vendor_part_number": "--vendor-part",
    "vendor_name": "--vendor",
    "serial_number": "--serial",
    "tracking_number": "--tracking",
    "special_bid_number": "--special-bid",
    "ingram_order_date": "--date",
    "ingram_order_date_between": "--since/--until",
    "invoice_date_between": "--invoiced",
    "ship_date_between": "--shipped",
    "delivery_date_between": "--delivered",
    "order_status": "--status",
    "order_statuses": "--status",
}


def search(
    statuses: tuple[str, ...],
    since: dt.date | None,
    until: dt.date | None,
    on_date: dt.date | None,
    number: str | None,
    po: str | None,
    end_customer_po: str | None,
    part: str | None,
    vendor_part: str | None,
    vendor: str | None,
    serial: str | None,
    tracking: str | None,
    special_bid: str | None,
    invoiced: tuple[dt.date, dt.date] | None,
    shipped: tuple[dt.date, dt.date] | None,
    delivered: tuple[dt.date, dt.date] | None,
    limit: int | None,
    page_size: int,
    prefetch: int,
    fmt: str | None,
    output: str | None,
    as_json: bool,
    quiet: bool,
) -> int:
    """Search orders, every page, streamed as they arrive.


    Examples:
      xi-orders search --status shipped --since 30d
      xi-orders search --since 2024-05-01 --until 2024-05-31 --format csv -o may.csv
      xi-orders search --po PO-1001 --json | head -1
      xi-orders search --since 30d --json | xi-orders lookup - -o details.csv
    """
    filters: dict[str, Any] = {
        "ingram_order_number": number,
        "customer_order_number": po,
        "end_customer_order_number": end_customer_po,
        "ingram_part_number": part,
        "vendor_part_number": vendor_part,
        "vendor_name": vendor,
        "serial_number": serial,
        "tracking_number": tracking,
        "special_bid_number": special_bid,
        "ingram_order_date": on_date,
        "invoice_date_between": invoiced or None,
        "ship_date_between": shipped or None,
        "delivery_date_between": delivered or None,
    }
    if until is not None and since is None:
        raise UsageError("--until needs --since (the API searches between two days)")
    if since is not None:
        end = until or dt.date.today()
        if since > end:
            raise UsageError(f"--since {since} is after --until {end}")
        filters["ingram_order_date_between"] = (since, end)
    if len(statuses) == 1:
        filters["order_status"] = statuses[0]
    elif statuses:
        filters["order_statuses"] = list(dict.fromkeys(statuses))
    filters = {k: v for k, v in filters.items() if v is not None}
    out_format = output_format(fmt, as_json, output)
    settings = load_settings()
    with open_output(output) as stream:
        writer = RowWriter(
            stream, out_format, csv_columns=_SEARCH_COLUMNS, table_columns=_SEARCH_TABLE
        )
        found, counts, total = run_async(
            _search(settings, writer, filters, limit=limit, page_size=page_size, prefetch=prefetch)
        )
    if not quiet:
        shown = f"{writer.count} order{'s' if writer.count != 1 else ''}"
        if found is not None and found != writer.count:
            shown += f" of {found} found"
        parts = [shown]
        if counts:
            parts.append(status_counts(counts.most_common()))
        if writer.count:
            parts.append(f"total {total:,.2f}")
        echo(" · ".join(parts), err=True)
    return EXIT_OK


async def _search(
    settings: Settings,
    writer: RowWriter,
    filters: dict[str, Any],
    *,
    limit: int | None,
    page_size: int,
    prefetch: int,
) -> tuple[int | None, Counter[str], Decimal]:
    counts: Counter[str] = Counter()
    total = Decimal(0)
    found: int | None = None
    async with settings.client() as client:
        try:
            paginator = client.search_orders(
                **filters, page_size=page_size, limit=limit, prefetch=prefetch
            )
        except ValidationError as exc:
            option = _SEARCH_OPTIONS.get(exc.field.split("[")[0], exc.field)
            raise CliError(f"{option}: {exc.reason}") from None
        async with contextlib.aclosing(paginator.pages()) as pages:
            async for page in pages:
                if found is None:
                    found = page.records_found
                for summary in page.orders:
                    if limit is not None and writer.count >= limit:
                        break
                    writer.write(to_rows([summary])[0], unstructure(summary))
                    counts[summary.order_status or "(none)"] += 1
                    total += summary.order_total or 0
                writer.flush()
                if limit is not None and writer.count >= limit:
                    break
    return found, counts, total


def register(commands: Any) -> None:
    """The ``search`` command: its filters and output options."""
    p = add_command(commands, "search", search)
    f = p.add_argument_group("filters")
    f.add_argument(
        "--status",
        dest="statuses",
        metavar="STATUS",
        type=parse_status,
        action="append",
        default=[],
        help="shipped, processing, on-hold, backordered or cancelled (repeat for any of several)",
    )
    f.add_argument(
        "--since",
        metavar="DAY",
        type=parse_day,
        help="ordered on or after this day (2024-05-01, 30d, 4w)",
    )
    f.add_argument(
        "--until",
        metavar="DAY",
        type=parse_day,
        help="ordered on or before this day (default: today)",
    )
    f.add_argument(
        "--date", dest="on_date", metavar="DAY", type=parse_day, help="ordered on this day"
    )
    f.add_argument("--number", help="Ingram order number")
    f.add_argument("--po", help="customer order (PO) number")
    f.add_argument("--end-customer-po", help="end customer's order number")
    f.add_argument("--part", help="Ingram part number (SKU)")
    f.add_argument("--vendor-part", help="vendor part number")
    f.add_argument("--vendor", help="vendor name")
    f.add_argument("--serial", help="serial number")
    f.add_argument("--tracking", help="tracking number")
    f.add_argument("--special-bid", help="special bid number")
    for name, what in (("invoiced", "invoice"), ("shipped", "ship"), ("delivered", "delivery")):
        f.add_argument(
            f"--{name}", nargs=2, type=parse_day, metavar=("FROM", "TO"), help=f"{what} date range"
        )
    o = p.add_argument_group("output")
    o.add_argument("--limit", type=at_least(0), help="stop after this many orders")
    o.add_argument(
        "--page-size", type=at_least(1, 100), default=100, help="orders per API call (default 100)"
    )
    o.add_argument(
        "--prefetch",
        type=at_least(0),
        default=0,
        help="fetch this many pages at a time once the total is known",
    )
    o.add_argument(
        "--format",
        dest="fmt",
        choices=FORMATS,
        help="table on a terminal, else jsonl; or from -o's extension",
    )
    o.add_argument("-o", "--output", metavar="FILE", help="write to this file (.csv, .jsonl)")
    json_flag(o, "same as --format jsonl: one JSON order (the API's fields) per line")
    o.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
