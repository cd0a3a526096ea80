"""The command line reads files made on Windows: every input file (order numbers, a CSV,
``--env-file``, request JSON) in UTF-8 with or without a BOM, UTF-16 with a BOM (Windows
PowerShell 5's ``>``), CRLF line ends; bytes it cannot decode are a usage error (exit 2)
naming the file and the byte offset. Each against the served sandbox, as a real process.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli import env, sandbox, xi  # noqa: F401 (fixtures)
from xi_orders.cli._input import InputFileError, decode, read_text
from xi_orders.testing import Sandbox

#: how a file's text is saved: (name, encoder, line end)
SAVED_AS: list[tuple[str, Callable[[str], bytes], str]] = [
    ("utf-8 LF", lambda t: t.encode("utf-8"), "\n"),
    ("utf-8 BOM CRLF (Excel 'CSV UTF-8', Notepad)", lambda t: t.encode("utf-8-sig"), "\r\n"),
    (
        "utf-16-le BOM CRLF (PowerShell 5 '>')",
        lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
        "\r\n",
    ),
    ("utf-16-be BOM", lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "\n"),
]
IDS = [name for name, _, _ in SAVED_AS]


def save(path: Path, lines: list[str], how: tuple[str, Callable[[str], bytes], str]) -> Path:
    _, encode, end = how
    path.write_bytes(encode(end.join(lines) + end))
    return path


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# ------------------------------------------------------------------------------ one row each


@pytest.mark.parametrize("how", SAVED_AS, ids=IDS)
def test_a_numbers_file_of_any_saving_looks_up_every_order(
    sandbox: tuple[Sandbox, str],  # noqa: F811
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    how: Any,
) -> None:
    box, _ = sandbox
    numbers = box.order_numbers()[:4]
    path = save(tmp_path / "numbers.txt", ["# from Windows", *numbers, ""], how)
    out = xi("lookup", str(path), "--format", "csv", env=env)
    assert out.returncode == 0, out.stderr
    rows = csv_rows(out.stdout)
    assert [r["input"] for r in rows] == numbers
    assert all(r["ok"] == "true" and r["ingram_order_number"] == r["input"] for r in rows)


@pytest.mark.parametrize("how", SAVED_AS, ids=IDS)
def test_a_spreadsheets_csv_gives_its_order_number_column(
    sandbox: tuple[Sandbox, str],  # noqa: F811
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    how: Any,
) -> None:
    box, _ = sandbox
    numbers = box.order_numbers()[4:7]
    lines = [
        "# exported from the ERP, by hand",
        "PO,Order Number,Total",
        *(f'"PO, {n}",{n},"1,234.50"' for n in numbers),
    ]
    path = save(tmp_path / "orders.csv", lines, how)
    out = xi("lookup", str(path), "--json", env=env)
    assert out.returncode == 0, out.stderr
    docs = [json.loads(line) for line in out.stdout.splitlines()]
    assert [d["input"] for d in docs] == numbers and all(d["ok"] for d in docs)


def test_a_csv_without_an_order_number_column_exits_2(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes("PO;Total\r\nPO-1;12\r\n".encode("utf-8-sig"))
    out = xi("lookup", str(path), env=env)
    assert out.returncode == 2, out.stderr
    assert f"{path}:1: a CSV header without an order-number column" in out.stderr


def test_search_csv_opened_in_excel_and_saved_feeds_lookup(
    sandbox: tuple[Sandbox, str],  # noqa: F811
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    out = xi("search", "--limit", "5", "--format", "csv", env=env)
    assert out.returncode == 0, out.stderr
    wanted = [r["ingram_order_number"] for r in csv_rows(out.stdout)]
    assert len(wanted) == 5
    # Excel's "CSV UTF-8 (Comma delimited)": a BOM, CRLF line ends
    path = tmp_path / "search.csv"
    path.write_bytes(out.stdout.replace("\n", "\r\n").encode("utf-8-sig"))
    out = xi("lookup", str(path), "--format", "csv", env=env)
    assert out.returncode == 0, out.stderr
    assert [r["input"] for r in csv_rows(out.stdout)] == wanted


@pytest.mark.parametrize("how", SAVED_AS, ids=IDS)
def test_an_env_file_of_any_saving_supplies_the_settings(
    sandbox: tuple[Sandbox, str],  # noqa: F811
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    how: Any,
) -> None:
    box, _ = sandbox
    settings = [f"{k}={v}" for k, v in env.items() if k.startswith("XI_")]
    path = save(tmp_path / "sandbox.env", settings, how)
    bare = {k: v for k, v in env.items() if not k.startswith("XI_")}
    number = box.order_numbers()[0]
    out = xi("--env-file", str(path), "get", number, "--json", env=bare)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ingramOrderNumber"] == number


@pytest.mark.parametrize("how", SAVED_AS, ids=IDS)
def test_request_json_of_any_saving_creates_and_modifies(
    sandbox: tuple[Sandbox, str],  # noqa: F811
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    how: Any,
) -> None:
    box, _ = sandbox
    po = f"WIN-{IDS.index(how[0])}"
    parts = list(box.catalog)
    order = {
        "customerOrderNumber": po,
        "notes": "Café déjà vu",  # non-ASCII survives every encoding
        "lines": [{"customerLineNumber": "001", "ingramPartNumber": parts[0], "quantity": 2}],
        "additionalAttributes": [
            {"attributeName": "allowOrderOnCustomerHold", "attributeValue": "true"}
        ],
    }
    path = save(tmp_path / "order.json", json.dumps(order, indent=2).splitlines(), how)
    out = xi("create", str(path), "--json", env=env)
    assert out.returncode == 0, out.stderr
    (number,) = json.loads(out.stdout)["order_numbers"]
    assert box.order(number)["customerOrderNumber"] == po
    assert box.order(number)["notes"] == "CAFÉ DÉJÀ VU"  # the API upper-cases notes
    changes = {
        "lines": [
            {
                "customerLineNumber": "002",
                "ingramPartNumber": parts[1],
                "addUpdateDeleteLine": "ADD",
                "quantity": 1,
            }
        ]
    }
    path = save(tmp_path / "changes.json", json.dumps(changes, indent=2).splitlines(), how)
    out = xi("modify", number, str(path), env=env)
    assert out.returncode == 0, out.stderr
    assert parts[1] in {line["ingramPartNumber"] for line in box.order(number)["lines"]}


# ------------------------------------------------------------------------------ undecodable

#: Windows-1252 text (``é`` is byte 0xe9): not UTF-8, and no BOM says otherwise
CP1252 = "cp1252"


@pytest.mark.parametrize(
    ("kind", "args", "text"),
    [
        ("numbers", ["lookup", "{path}"], "20-AAAAA\r\n20-CAFÉ\r\n"),
        ("csv", ["lookup", "{path}"], "Order Number,Note\r\n20-AAAAA,Café\r\n"),
        ("env", ["--env-file", "{path}", "search"], "XI_CLIENT_ID=Café\r\n"),
        ("create", ["create", "{path}", "--dry-run"], '{"notes": "Café"}'),
        ("modify", ["modify", "20-AAAAA", "{path}", "--dry-run"], '{"notes": "Café"}'),
    ],
)
def test_undecodable_bytes_exit_2_naming_the_file_and_the_byte(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    kind: str,
    args: list[str],
    text: str,
) -> None:
    data = text.encode(CP1252)
    offset = data.index(b"\xc9" if "É" in text else b"\xe9")
    path = tmp_path / f"{kind}.txt"
    path.write_bytes(data)
    out = xi(*(a.format(path=path) for a in args), env=env)
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert str(path) in out.stderr and f"byte {offset} " in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


def test_utf16_without_a_bom_exits_2_naming_the_first_nul(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    path = tmp_path / "numbers.txt"
    path.write_bytes("20-AAAAA\r\n".encode("utf-16-le"))
    out = xi("lookup", str(path), env=env)
    assert out.returncode == 2, out.stderr
    assert f"{path}: byte 1 is a NUL" in out.stderr


# ------------------------------------------------------------------------------ in-process


def test_decode_takes_each_bom_and_counts_offsets_from_the_file_start() -> None:
    assert decode(b"\xef\xbb\xbfA=1\r\n", "f") == "A=1\r\n"
    assert decode(codecs.BOM_UTF16_LE + "A=é".encode("utf-16-le"), "f") == "A=é"
    assert decode(codecs.BOM_UTF16_BE + "A=é".encode("utf-16-be"), "f") == "A=é"
    assert decode("A=é".encode(), "f") == "A=é"
    with pytest.raises(InputFileError, match=r"^f: not UTF-8 text: byte 5 \(e9\)"):
        decode(b"\xef\xbb\xbfA=\xe9", "f")  # the BOM counts: 3 + 2
    with pytest.raises(InputFileError, match=r"^f: not UTF-16 \(as its BOM says\) text: byte 4"):
        decode(codecs.BOM_UTF16_LE + b"A\x00B", "f")  # an odd byte at the end
    with pytest.raises(InputFileError, match=r"^f: byte 3 is a NUL"):
        decode(b"A=1\x00", "f")


def test_read_text_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"numbers\.txt: No such file"):
        read_text(str(tmp_path / "numbers.txt"))
