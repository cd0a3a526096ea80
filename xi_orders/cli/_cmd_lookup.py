"""``xi-orders lookup``: many orders' details looked up concurrently (the bulk lookup), one
row per input, failures as rows; the progress bar on stderr.

Over the public client only (no private send path); rich only inside ``_progress_bar``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from .. import AuthenticationError, XiError
from .._convert import unstructure
from ..bulk import BulkProgress
from ..models import OrderDetail
from ..tabular import to_rows
from ._args import add_command, at_least, json_flag
from ._input import InputFileError, read_text
from ._output import (
    FORMATS,
    Column,
    RowWriter,
    describe_error,
    error_fields,
    open_output,
    output_format,
    short_date,
    show_money,
    status_counts,
)
from ._settings import Settings
from ._shell import EXIT_OK, EXIT_PARTIAL, CliError, console, echo, load_settings, run_async

_DETAIL_COLUMNS = list(to_rows([OrderDetail()])[0])
_LOOKUP_COLUMNS = [
    "input",
    "ok",
    *_DETAIL_COLUMNS,
    "error",
    "error_type",
    "status_code",
    "correlation_id",
]
_LOOKUP_TABLE = [
    Column("INPUT", "input", 12),
    Column("STATUS", "result", 11),
    Column("DATE", "ingram_order_date", 10, show=short_date),
    Column("TOTAL", "order_total", 13, right=True, show=show_money),
    Column("LINES", "lines", 5, right=True),
    Column("TRACKING", "tracking_numbers", 22),
    Column("CORRELATION ID / ERROR", "detail"),
]


#: header cells (lower case, without ``_``, ``-`` and spaces) that name the order-number
#: column of a CSV: ``search --format csv``'s ``ingram_order_number``, the API's
#: ``ingramOrderNumber``, a spreadsheet's ``Order Number``
_NUMBER_HEADERS = ("ingramordernumber", "ordernumber", "order")
_DELIMITERS = (",", ";", "\t")


def _read_numbers(source: str) -> list[str]:
    """Order numbers, one a line; ``#`` comments and blank lines are skipped; a JSON object
    line (``search --json``) gives its ``ingramOrderNumber``; a CSV with a header row (a
    spreadsheet's export, ``search --format csv``) gives its order-number column. UTF-8
    (with or without a BOM) or UTF-16 with a BOM, CRLF or LF (``_input.read_text``)."""
    import json

    name = "stdin" if source == "-" else source
    try:
        text = read_text(source)
    except InputFileError as exc:
        raise CliError(str(exc)) from None
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()[:1] not in ("", "#")), 0)
    header = lines[first] if lines else ""
    if any(mark in header for mark in _DELIMITERS) and not header.lstrip().startswith("{"):
        return _csv_numbers(lines, first, name)
    numbers: list[str] = []
    for line_number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("{"):
            try:
                value = json.loads(line).get("ingramOrderNumber")
            except (ValueError, AttributeError):
                value = None
            if not isinstance(value, str) or not value:
                raise CliError(f"{name}:{line_number}: a JSON line without an ingramOrderNumber")
            line = value
        numbers.append(line)
    return numbers


def _csv_numbers(lines: list[str], first: int, name: str) -> list[str]:
    """The order-number column of a CSV whose header row is ``lines[first]`` (``,``, ``;``
    or tab between cells)."""
    import csv

    delimiter = next(mark for mark in _DELIMITERS if mark in lines[first])
    rows = csv.reader(lines[first:], delimiter=delimiter)
    header = [
        cell.strip().lower().replace("_", "").replace("-", "").replace(" ", "")
        for cell in next(rows)
    ]
    column = next((header.index(h) for h in _NUMBER_HEADERS if h in header), None)
    if column is None:
        raise CliError(
            f"{name}:{first + 1}: a CSV header without an order-number column "
            "(ingram_order_number, ingramOrderNumber or Order Number)"
        )
    numbers: list[str] = []
    for row in rows:
        if column < len(row) and row[column].strip():
            numbers.append(row[column].strip())
    return numbers


def lookup(
    source: str,
    concurrency: int,
    output: str | None,
    fmt: str | None,
    as_json: bool,
    progress: bool | None,
    quiet: bool,
) -> int:
    """Look up many orders' details concurrently: one output row per input.

    NUMBERS_FILE has one order number a line ('-' reads stdin; the JSON lines of
    `search --json` work too), or is a CSV whose header names an order-number column
    (ingram_order_number, Order Number: `search --format csv`, a spreadsheet's export).
    UTF-8 with or without a BOM, UTF-16 with a BOM, CRLF or LF line ends. A failed lookup is a row with its error and correlation ID,
    and the exit status is then 3. Rejected credentials stop the whole run (exit 1).


    Examples:
      xi-orders lookup numbers.txt -o details.csv
      xi-orders search --since 30d --json | xi-orders lookup - -o details.jsonl
      printf '20-RD3QV\\n20-NOSUCH\\n' | xi-orders lookup - --concurrency 4 --json
    """
    numbers = _read_numbers(source)
    out_format = output_format(fmt, as_json, output)
    settings = load_settings()
    stderr_console = console(stderr=True) if progress is not False else None
    show_bar = (
        progress if progress is not None else bool(stderr_console and stderr_console.is_terminal)
    )
    if not numbers:
        if not quiet:
            echo(f"no order numbers in {'stdin' if source == '-' else source}", err=True)
        with open_output(output) as stream:
            RowWriter(stream, out_format, csv_columns=_LOOKUP_COLUMNS, table_columns=_LOOKUP_TABLE)
        return EXIT_OK
    with open_output(output) as stream:
        writer = RowWriter(
            stream, out_format, csv_columns=_LOOKUP_COLUMNS, table_columns=_LOOKUP_TABLE
        )
        counts, failures = run_async(
            _lookup(
                settings,
                writer,
                numbers,
                concurrency=concurrency,
                bar_console=(stderr_console or console(stderr=True)) if show_bar else None,
                draw_rows_above=output is None and sys.stdout.isatty(),
            )
        )
    if not quiet:
        ok = writer.count - len(failures)
        parts = [f"{writer.count} looked up: {ok} ok, {len(failures)} failed"]
        if counts:
            parts.append(status_counts(counts.most_common()))
        echo(" · ".join(parts), err=True)
        for number, error in failures[:20]:
            echo(f"  failed {number}: {describe_error(error)}", err=True)
        if len(failures) > 20:
            echo(f"  ... and {len(failures) - 20} more (see the output rows)", err=True)
    return EXIT_PARTIAL if failures else EXIT_OK


async def _lookup(
    settings: Settings,
    writer: RowWriter,
    numbers: list[str],
    *,
    concurrency: int,
    bar_console: Any,
    draw_rows_above: bool,
) -> tuple[Counter[str], list[tuple[str, XiError]]]:
    repeats = Counter(numbers)
    counts: Counter[str] = Counter()
    failures: list[tuple[str, XiError]] = []
    with _progress_bar(bar_console, len(repeats), draw_rows_above) as on_progress:
        async with settings.client() as client:
            bulk = client.get_orders(
                list(repeats), concurrency=concurrency, ordered=True, on_progress=on_progress
            )
            # An exception raised inside the block would come out of the bulk lookup's
            # task group wrapped in an ExceptionGroup: stop the loop, raise it after.
            stopped: BaseException | None = None
            async with bulk as results:
                async for number, result in results:
                    try:
                        if isinstance(result, AuthenticationError):
                            raise result  # the same for every order, not a per-order failure
                        row, document = _lookup_row(number, result)
                        if isinstance(result, XiError):
                            failures.append((number, result))
                        else:
                            counts[result.order_status or "(none)"] += 1
                        for _ in range(repeats[number]):
                            writer.write(row, document)
                        writer.flush()
                    except Exception as exc:
                        stopped = exc
                        break
            if stopped is not None:
                raise stopped
    return counts, failures


def _lookup_row(number: str, result: OrderDetail | XiError) -> tuple[dict[str, Any], Any]:
    """The flat row (CSV, table) and the JSON document of one lookup."""
    row: dict[str, Any] = {"input": number}
    document: dict[str, Any] = {"input": number}
    if isinstance(result, XiError):
        fields = error_fields(result)
        row.update(ok=False, result="FAILED", detail=describe_error(result), **fields)
        document.update(ok=False, **fields)
    else:
        cid = result.response.correlation_id if result.response else None
        row.update(to_rows([result])[0])
        row.update(ok=True, result=result.order_status, correlation_id=cid, detail=cid)
        document.update(ok=True, correlation_id=cid, order=unstructure(result))
    return row, document


@contextlib.contextmanager
def _progress_bar(
    console: Any, total: int, redirect_stdout: bool
) -> Iterator[Callable[[BulkProgress], None] | None]:
    if console is None:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("lookup"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
        redirect_stdout=redirect_stdout,
        redirect_stderr=False,
        transient=False,
    ) as bar:
        task = bar.add_task("lookup", total=total, failed=0)

        def update(progress: BulkProgress) -> None:
            bar.update(task, completed=progress.done, failed=progress.failed)

        yield update


def register(commands: Any) -> None:
    """The ``lookup`` command and its options."""
    p = add_command(commands, "lookup", lookup)
    p.add_argument(
        "source", metavar="NUMBERS_FILE|-", help="order numbers, one a line; - for stdin"
    )
    p.add_argument(
        "-c",
        "--concurrency",
        type=at_least(1),
        default=16,
        help="lookups in flight, all still paced by the rate limit (default 16)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write rows to out.csv or out.jsonl")
    p.add_argument(
        "--format",
        dest="fmt",
        choices=FORMATS,
        help="default: from -o's extension; table on a terminal, else jsonl",
    )
    json_flag(p, "same as --format jsonl: one JSON object per input")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
