"""Server text never reaches a terminal or a log raw (issue 22, item 8).

A hostile or broken gateway can send ANSI escapes (repaint the terminal), CR/LF (forge a
log line) and other control characters in an error message or an order field.
``str(error)``, the package's log records and the command line escape them; the raw text
stays in the error's ``body``. At the wire: a scripted API on a real socket sends the bytes,
and the command line runs as a real process.
"""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wire_support import run_cli, scripted_api
from xi_orders import BadRequestError, NotFoundError
from xi_orders._escape import printable
from xi_orders._logging import LOGGERS

ROOT = Path(__file__).resolve().parent.parent
#: What must never be printed: C0 (but none of ours: no newline inside one message), DEL,
#: C1, line separators, bidi overrides.
RAW = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
HOSTILE = "bad PO\r\n2026-01-01 INFO forged line \x1b[2J\x1b]0;owned\x07 \u202eevil\x9b31m"


def _error_body(message: str) -> str:
    return json.dumps(
        {"errors": [{"message": message, "fields": [{"field": "po\x1b[1m", "message": message}]}]}
    )


def test_printable_escapes_every_control_character_as_repr_would() -> None:
    assert printable("plain text, ünïcödé ✓") == "plain text, ünïcödé ✓"
    assert printable("a\r\nb\tc\x1b[0m\x00\x7f\x9b\u2028\u202e") == (
        "a\\r\\nb\\tc\\x1b[0m\\x00\\x7f\\x9b\\u2028\\u202e"
    )
    assert not RAW.search(printable("".join(map(chr, range(0x2100)))))


@pytest.mark.anyio
async def test_str_of_an_error_escapes_the_servers_text_and_body_stays_raw() -> None:
    with scripted_api() as api:
        api.answer(400, _error_body(HOSTILE))
        async with api.client() as client:
            with pytest.raises(BadRequestError) as caught:
                await client.get_order("20-RD3QV")
    error = caught.value
    shown = str(error)
    assert not RAW.search(shown), shown
    assert "\\x1b[2J" in shown and "\\r\\n" in shown and "\\u202e" in shown
    assert HOSTILE in json.loads(error.body)["errors"][0]["message"]  # raw, as sent
    assert error.api_message == HOSTILE
    # a traceback shows str(error)
    shown_in_traceback = "".join(_format(error))
    assert shown_in_traceback.count("\n") == 1
    assert not RAW.search(shown_in_traceback.rstrip("\n"))


def _format(error: BaseException) -> list[str]:
    import traceback

    return traceback.format_exception_only(type(error), error)


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("xi_orders")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)


@pytest.mark.anyio
async def test_log_records_escape_the_servers_text(log_stream: io.StringIO) -> None:
    # An order without lines is logged with its number, as the server sent it.
    number = "20-X\r\nCRITICAL forged \x1b[31m"
    with scripted_api() as api:
        api.answer(200, {"ingramOrderNumber": number})
        async with api.client() as client:
            order = await client.get_order("20-RD3QV")
    assert order.ingram_order_number == number  # the model keeps the raw value
    text = log_stream.getvalue()
    assert "came back without lines" in text
    for line in text.splitlines():
        assert not RAW.search(line), line
    assert "20-X\\r\\nCRITICAL forged \\x1b[31m" in text
    assert len(text.splitlines()) == len([r for r in text.split("\n") if r])


def test_every_logger_of_the_package_escapes() -> None:
    names = set()
    for path in (ROOT / "xi_orders").rglob("*.py"):
        if "testing" in path.parts:
            continue
        names |= set(re.findall(r"getLogger\(\"([\w.]+)\"\)", path.read_text()))
    assert names <= set(LOGGERS), f"loggers without the escaping filter: {names - set(LOGGERS)}"
    for name in LOGGERS:
        assert any(type(f).__name__ == "EscapeControls" for f in logging.getLogger(name).filters)


# --- the command line -----------------------------------------------------------------


def _xi(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, url=url)


def _no_raw(text: str) -> None:
    for line in text.split("\n"):
        assert not RAW.search(line), repr(line)


def test_cli_error_line_escapes_the_servers_text() -> None:
    with scripted_api() as api:
        api.answer(404, _error_body(HOSTILE))
        out = _xi(api.url, "get", "20-RD3QV")
        assert out.returncode == 1
        _no_raw(out.stderr)
        assert "\\x1b[2J" in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr
        out = _xi(api.url, "get", "20-RD3QV", "--json")
        assert out.returncode == 1
        _no_raw(out.stderr)
        error = json.loads(out.stderr)
        assert error["error_type"] == NotFoundError.__name__


def test_cli_order_summary_and_search_rows_escape_the_servers_text() -> None:
    detail = {
        "ingramOrderNumber": "20-RD3QV",
        "orderStatus": "Shipped\x1b[2J",
        "notes": HOSTILE,
        "lines": [
            {
                "ingramOrderLineNumber": "001",
                "ingramPartNumber": "PART\x1b[5m",
                "partDescription": "desc\r\nforged [bold red]markup[/bold red]",
                "quantityOrdered": 1,
            }
        ],
    }
    search = {
        "recordsFound": 1,
        "pageSize": 25,
        "pageNumber": 1,
        "orders": [{"ingramOrderNumber": "20-RD3QV", "customerOrderNumber": HOSTILE}],
    }
    with scripted_api() as api:
        api.answer(200, detail)
        out = _xi(api.url, "get", "20-RD3QV")
        assert out.returncode == 0, out.stderr
        _no_raw(out.stdout)
        assert "desc\\r\\nforged [bold red]markup[/bold red]" in out.stdout
        assert "\\x1b[2J" in out.stdout
        api.answers.clear()
        api.answer(200, search)
        for fmt in ("table", "jsonl"):
            out = _xi(api.url, "search", "--format", fmt)
            assert out.returncode == 0, out.stderr
            _no_raw(out.stdout)
        assert json.loads(out.stdout)["customerOrderNumber"] == HOSTILE  # same value in JSON
