"""The ``xi-orders`` command line, run as a real process against the sandbox served over HTTP.

Every command runs as the installed console script (``xi-orders`` next to the test's Python)
talking HTTP to ``Sandbox.serve()``, so exit codes, stdout/stderr, pipes and terminals are
the real ones. A few pure helpers are also tested in-process.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from xi_orders.cli._args import parse_day
from xi_orders.cli._requests import json_path
from xi_orders.cli._settings import ConfigError, read_env_file
from xi_orders.models import OrderCreateRequest
from xi_orders.testing import Sandbox

_SCRIPT = Path(sys.executable).with_name("xi-orders")
XI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "xi_orders.cli"]
CORRELATION_ID = re.compile(r"\b[0-9a-f]{32}\b")
SEED, ORDERS = 7, 240


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XI_")}
    env.pop("FORCE_COLOR", None)
    env["COLUMNS"] = "200"
    return env


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, str]]:
    box = Sandbox(SEED, ORDERS)
    with box.serve() as url:
        yield box, url


@pytest.fixture
def env(sandbox: tuple[Sandbox, str]) -> dict[str, str]:
    box, url = sandbox
    return {
        **_clean_env(),
        "XI_BASE_URL": url,
        "XI_CLIENT_ID": box.client_id,
        "XI_CLIENT_SECRET": box.client_secret,
        "XI_CUSTOMER_NUMBER": box.customer_number,
        "XI_COUNTRY_CODE": box.country_code,
        "XI_RATE_LIMIT": "off",
    }


def xi(
    *args: str, env: dict[str, str], input: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*XI, *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=None if input is not None else subprocess.DEVNULL,
    )


def jsonl(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def search_numbers(box: Sandbox, **filters: Any) -> list[str]:
    """What the library's own search returns, to compare the command's output with."""

    async def go() -> list[str]:
        async with box.client() as client:
            return [s.ingram_order_number or "" async for s in client.search_orders(**filters)]

    return anyio.run(go)


def last_days(days: int) -> tuple[dt.date, dt.date]:
    today = dt.date.today()
    return (today - dt.timedelta(days=days), today)


# --------------------------------------------------------------------------------------
# installation, help, settings


def test_console_script_is_installed() -> None:
    assert _SCRIPT.exists(), "reinstall: pip install -e '.[dev]' (the xi-orders script)"


def test_import_xi_orders_does_not_import_the_cli() -> None:
    # httpx itself imports click, rich and pygments when click is installed (its own
    # command line; uvicorn and flask, dev dependencies, bring click): counted is what
    # importing xi_orders adds to that.
    code = (
        "import sys, httpx\n"
        "before = set(sys.modules)\n"
        "import xi_orders, xi_orders.sync, xi_orders.tabular\n"
        "bad = sorted(m for m in set(sys.modules) - before"
        " if m.split('.')[0] in ('click', 'rich', 'pygments')"
        " or m == 'xi_orders.cli' or m.startswith('xi_orders.cli.'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_without_the_extra_one_line_and_exit_2() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('click', 'rich'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Block())\n"
        "from xi_orders.cli import main\n"
        "sys.exit(main(['search', '--since', '30d']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1
    assert 'pip install "xi-orders[cli]"' in out.stderr


def test_main_help_names_every_variable_from_env_reads() -> None:
    out = xi("--help", env=_clean_env())
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    for name in (
        "XI_CLIENT_ID",
        "XI_CLIENT_SECRET",
        "XI_CUSTOMER_NUMBER",
        "XI_COUNTRY_CODE",
        "XI_SENDER_ID",
        "XI_ENVIRONMENT",
        "XI_BASE_URL",
        "XI_TOKEN_URL",
    ):
        assert name in text, name


def test_python_dash_m_runs_the_same_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "xi_orders.cli", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.startswith("xi-orders, version ")


@pytest.mark.parametrize(
    "command",
    [
        ["get"],
        ["search"],
        ["lookup"],
        ["create"],
        ["modify"],
        ["release"],
        ["cancel"],
        ["auth", "check"],
        ["auth", "show"],
        ["sandbox", "serve"],
    ],
)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    out = xi(*command, "--help", env=_clean_env())
    assert out.returncode == 0, out.stderr
    assert "Example" in out.stdout
    assert f"xi-orders {' '.join(command)}" in out.stdout or (
        command == ["auth", "check"] and "auth check" in out.stdout
    )


def test_usage_error_exits_2() -> None:
    out = xi("search", "--since", "last tuesday", env=_clean_env())
    assert out.returncode == 2
    assert "is not a day" in out.stderr
    out = xi("nonsense", env=_clean_env())
    assert out.returncode == 2


def test_missing_settings_name_the_variables() -> None:
    out = xi("search", "--since", "30d", env=_clean_env())
    assert out.returncode == 2
    for name in ("XI_CLIENT_ID", "XI_CLIENT_SECRET", "XI_CUSTOMER_NUMBER", "XI_COUNTRY_CODE"):
        assert name in out.stderr
    assert "Traceback" not in out.stderr
    partial = {**_clean_env(), "XI_CLIENT_ID": "x", "XI_CLIENT_SECRET": "y"}
    out = xi("get", "20-RD3QV", env=partial)
    assert out.returncode == 2
    assert "XI_CUSTOMER_NUMBER" in out.stderr and "XI_CLIENT_ID" not in out.stderr


def test_a_bad_setting_names_its_variable(env: dict[str, str]) -> None:
    out = xi("search", env={**env, "XI_COUNTRY_CODE": "USA"})
    assert out.returncode == 2
    assert "XI_COUNTRY_CODE" in out.stderr and "2 letters" in out.stderr
    out = xi("search", env={**env, "XI_RATE_LIMIT": "fast"})
    assert out.returncode == 2
    assert "XI_RATE_LIMIT" in out.stderr


def test_env_file_supplies_settings_and_wins(env: dict[str, str], tmp_path: Path) -> None:
    settings = {k: v for k, v in env.items() if k.startswith("XI_")}
    lines = ["# the sandbox", *(f'export {k}="{v}"' for k, v in settings.items())]
    path = tmp_path / "sandbox.env"
    path.write_text("\n".join(lines) + "\n")
    wrong = {**_clean_env(), "XI_CLIENT_SECRET": "not-the-secret"}
    # before the command name and after it
    for args in (
        ["--env-file", str(path), "search", "--limit", "3"],
        ["search", "--limit", "3", "--env-file", str(path)],
    ):
        out = xi(*args, "--json", env=wrong)
        assert out.returncode == 0, out.stderr
        assert len(jsonl(out.stdout)) == 3
    path.write_text("XI_CLIENT_ID\n")
    out = xi("--env-file", str(path), "search", env=wrong)
    assert out.returncode == 2
    assert f"{path}:1" in out.stderr


def test_every_variable_of_from_env_is_read(env: dict[str, str], tmp_path: Path) -> None:
    """XI_ENVIRONMENT and XI_TOKEN_URL steer the command line as they steer from_env(): a
    command given XI_ENVIRONMENT=sandbox must never call production."""
    from xi_orders import AsyncOrdersClient

    no_url = {k: v for k, v in env.items() if k != "XI_BASE_URL"}
    token_url = env["XI_BASE_URL"] + "/oauth/oauth30/token"
    sandboxed = {**no_url, "XI_ENVIRONMENT": "sandbox", "XI_TOKEN_URL": token_url}
    out = xi("auth", "show", "--json", env=sandboxed)
    assert out.returncode == 0, out.stderr
    shown = json.loads(out.stdout)
    with pytest.MonkeyPatch.context() as mp:
        for name in [k for k in os.environ if k.startswith("XI_")]:
            mp.delenv(name)
        for name, value in sandboxed.items():
            if name.startswith("XI_") and name != "XI_RATE_LIMIT":
                mp.setenv(name, value)
        library = AsyncOrdersClient.from_env()
    assert shown["environment"] == library.environment == "sandbox"
    assert shown["base_url"] == library.base_url == "https://api.ingrammicro.com:443/sandbox"
    assert shown["token_url"] == library.token_url == token_url
    assert box_secret_absent(out.stdout, env)
    # from an --env-file as well, over the shell's production settings
    path = tmp_path / "sandbox.env"
    path.write_text("XI_ENVIRONMENT=sandbox\n")
    out = xi(
        "--env-file", str(path), "auth", "show", env={**no_url, "XI_ENVIRONMENT": "production"}
    )
    assert out.returncode == 0, out.stderr
    assert "https://api.ingrammicro.com:443/sandbox" in out.stdout
    # a create goes to the sandbox's URL (the token endpoint answers nothing here, so the
    # order goes nowhere at all)
    order = tmp_path / "order.json"
    order.write_text(
        json.dumps(
            {
                "customerOrderNumber": "CLI-ENV-1",
                "lines": [{"customerLineNumber": "1", "ingramPartNumber": "X", "quantity": 1}],
            }
        )
    )
    unreachable = {**sandboxed, "XI_TOKEN_URL": "http://127.0.0.1:9/token"}
    out = xi("create", str(order), env=unreachable)
    assert out.returncode == 1
    assert "Sending POST https://api.ingrammicro.com:443/sandbox/resellers/v6/orders" in out.stderr
    assert "http://127.0.0.1:9/token" in out.stderr
    # and over the network: auth check reports the settings it used
    out = xi("auth", "check", "--json", env={**sandboxed, "XI_BASE_URL": env["XI_BASE_URL"]})
    assert out.returncode == 0, out.stderr
    checked = json.loads(out.stdout)
    assert checked["environment"] == "sandbox"
    assert (checked["base_url"], checked["token_url"]) == (env["XI_BASE_URL"], token_url)


def box_secret_absent(text: str, env: dict[str, str]) -> bool:
    return env["XI_CLIENT_SECRET"] not in text and env["XI_CLIENT_ID"] not in text


def test_bad_environment_or_token_url_names_the_variable(env: dict[str, str]) -> None:
    out = xi("search", "--limit", "1", env={**env, "XI_ENVIRONMENT": "staging"})
    assert out.returncode == 2
    assert "XI_ENVIRONMENT" in out.stderr and "'production' or 'sandbox'" in out.stderr
    out = xi("search", "--limit", "1", env={**env, "XI_TOKEN_URL": "ftp://example.com/token"})
    assert out.returncode == 2
    assert "XI_TOKEN_URL" in out.stderr and "https" in out.stderr
    # a token URL that answers nothing: the command must fail where it points, not succeed
    out = xi("search", "--limit", "1", env={**env, "XI_TOKEN_URL": "http://127.0.0.1:9/token"})
    assert out.returncode == 1, out.stdout


def test_a_bad_setting_in_the_env_file_says_which_file(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "bad.env"
    path.write_text("XI_COUNTRY_CODE=USA\n")
    out = xi("--env-file", str(path), "search", env=env)
    assert out.returncode == 2
    assert f"XI_COUNTRY_CODE (from {path})" in out.stderr


# --------------------------------------------------------------------------------------
# get


def test_get_shows_status_totals_lines_and_tracking(
    sandbox: tuple[Sandbox, str], env: dict[str, str]
) -> None:
    box, _ = sandbox
    number = box.order_numbers(status="Shipped")[0]
    raw = box.order(number)
    out = xi("get", number, env=env)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert f"Order {number}" in text and "Shipped" in text
    assert f"{float(raw['orderTotal']):,.2f}" in text
    for line in raw["lines"]:
        assert line["ingramPartNumber"] in text
    tracking = [
        t["trackingNumber"]
        for line in raw["lines"]
        for s in line.get("shipmentDetails") or []
        for c in s.get("carrierDetails") or []
        for t in c.get("trackingDetails") or []
    ]
    assert tracking and all(t in text for t in tracking)
    assert CORRELATION_ID.search(text)


def test_get_json_is_the_body_the_api_sent(
    sandbox: tuple[Sandbox, str], env: dict[str, str]
) -> None:
    box, url = sandbox
    number = box.order_numbers()[3]
    out = xi("get", number, "--json", env=env)
    assert out.returncode == 0, out.stderr
    direct = httpx.get(f"{url}/resellers/v6.1/orders/{number}", headers=box.headers())
    assert json.loads(out.stdout) == direct.json()
    assert out.stdout.strip() == direct.text.strip()


def test_get_unknown_order_exits_1_with_the_correlation_id(env: dict[str, str]) -> None:
    out = xi("get", "20-ZZZZZ", env=env)
    assert out.returncode == 1
    assert "404" in out.stderr and CORRELATION_ID.search(out.stderr)
    assert "Traceback" not in out.stderr
    out = xi("get", "20-ZZZZZ", "--json", env=env)
    assert out.returncode == 1
    assert out.stdout == ""
    error = json.loads(out.stderr)
    assert error["status_code"] == 404 and error["error_type"] == "NotFoundError"
    assert CORRELATION_ID.fullmatch(error["correlation_id"])


def test_get_rejects_a_number_too_long_before_sending(env: dict[str, str]) -> None:
    out = xi("get", "20-1234567890123", env={**env, "XI_BASE_URL": "http://127.0.0.1:9"})
    assert out.returncode == 2
    assert "order_number" in out.stderr


# --------------------------------------------------------------------------------------
# search


def test_search_jsonl_is_every_page_of_the_library_search(
    sandbox: tuple[Sandbox, str], env: dict[str, str]
) -> None:
    box, _ = sandbox
    expected = search_numbers(box, ingram_order_date_between=last_days(60))
    assert len(expected) > 10
    out = xi("search", "--since", "60d", "--page-size", "7", "--format", "jsonl", env=env)
    assert out.returncode == 0, out.stderr
    rows = jsonl(out.stdout)
    assert [r["ingramOrderNumber"] for r in rows] == expected
    assert f"{len(expected)} orders" in out.stderr


def test_search_filters_map_to_the_api(sandbox: tuple[Sandbox, str], env: dict[str, str]) -> None:
    box, _ = sandbox
    expected = search_numbers(
        box, order_statuses=["SHIPPED", "ON HOLD"], ingram_order_date_between=last_days(90)
    )
    out = xi(
        "search",
        "--status",
        "shipped",
        "--status",
        "on-hold",
        "--since",
        "90d",
        "--json",
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert [r["ingramOrderNumber"] for r in jsonl(out.stdout)] == expected
    first = jsonl(out.stdout)[0]
    po = first["customerOrderNumber"]
    out = xi("search", "--po", po, "--json", env=env)
    assert [r["customerOrderNumber"] for r in jsonl(out.stdout)] == [po] * len(
        search_numbers(box, customer_order_number=po)
    )
    part = box.order(first["ingramOrderNumber"])["lines"][0]["ingramPartNumber"]
    out = xi("search", "--part", part, "--json", env=env)
    assert [r["ingramOrderNumber"] for r in jsonl(out.stdout)] == search_numbers(
        box, ingram_part_number=part
    )


def test_search_limit_csv_and_table(env: dict[str, str], tmp_path: Path) -> None:
    out = xi("search", "--limit", "5", "--format", "csv", env=env)
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 5
    assert {"ingram_order_number", "order_status", "order_total"} <= set(rows[0])
    target = tmp_path / "orders.csv"
    out = xi("search", "--limit", "4", "-o", str(target), env=env)
    assert out.returncode == 0 and out.stdout == ""
    assert len(list(csv.DictReader(target.open()))) == 4
    out = xi("search", "--limit", "3", "--format", "table", env=env)
    lines = out.stdout.splitlines()
    assert lines[0].split()[:3] == ["ORDER", "DATE", "STATUS"] and len(lines) == 4


def test_search_until_ends_the_window(sandbox: tuple[Sandbox, str], env: dict[str, str]) -> None:
    box, _ = sandbox
    today = dt.date.today()
    since, until = today - dt.timedelta(days=60), today - dt.timedelta(days=20)
    expected = search_numbers(box, ingram_order_date_between=(since, until))
    whole = search_numbers(box, ingram_order_date_between=(since, today))
    assert expected and len(expected) < len(whole), "the window must leave some orders out"
    out = xi("search", "--since", "60d", "--until", until.isoformat(), "--json", env=env)
    assert out.returncode == 0, out.stderr
    rows = jsonl(out.stdout)
    assert [r["ingramOrderNumber"] for r in rows] == expected
    assert all(since <= dt.date.fromisoformat(r["ingramOrderDate"][:10]) <= until for r in rows)
    # the relative spelling and the csv output agree
    out = xi("search", "--since", "60d", "--until", "20d", "--format", "csv", env=env)
    assert out.returncode == 0, out.stderr
    numbers = [r["ingram_order_number"] for r in csv.DictReader(io.StringIO(out.stdout))]
    assert numbers == expected
    out = xi("search", "--since", "20d", "--until", "60d", env=env)
    assert out.returncode == 2 and "is after --until" in out.stderr


def test_search_usage_errors_name_the_option(env: dict[str, str]) -> None:
    out = xi("search", "--until", "2024-01-31", env=env)
    assert out.returncode == 2 and "--until needs --since" in out.stderr
    out = xi("search", "--po", "P" * 36, env={**env, "XI_BASE_URL": "http://127.0.0.1:9"})
    assert out.returncode == 2 and "--po" in out.stderr and "35" in out.stderr
    out = xi("search", "--status", "lost", env=env)
    assert out.returncode == 2 and "on-hold" in out.stderr


def test_search_into_a_closed_pipe_exits_cleanly(env: dict[str, str]) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("needs bash for a real shell pipe")
    command = "set -o pipefail; " + " ".join(XI) + " search --page-size 5 --format jsonl | head -1"
    out = subprocess.run(
        [bash, "-c", command], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == 1
    json.loads(out.stdout)
    assert "Traceback" not in out.stderr and "Error" not in out.stderr


def test_search_streams_rows_before_the_search_ends(env: dict[str, str]) -> None:
    slow = Sandbox(SEED, 60, latency=0.4)
    with slow.serve() as url:
        proc = subprocess.Popen(
            [*XI, "search", "--page-size", "5", "--format", "jsonl"],
            env={**env, "XI_BASE_URL": url},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()
        # 12 pages at 0.4 s each: the first rows are out long before the last page.
        still_running = proc.poll() is None
        proc.stdout.close()
        code = proc.wait(timeout=60)
        stderr = proc.stderr.read() if proc.stderr else ""
    json.loads(first)
    assert still_running
    assert code == 0 and "Traceback" not in stderr


# --------------------------------------------------------------------------------------
# lookup


def test_lookup_one_row_per_input_with_failures(
    sandbox: tuple[Sandbox, str], env: dict[str, str], tmp_path: Path
) -> None:
    box, _ = sandbox
    good = box.order_numbers()[:6]
    inputs = [*good[:3], "20-NOSUCH", good[3], "20-TOOLONGNUMBER1", *good[4:], good[0]]
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("# a comment\n\n" + "\n".join(inputs) + "\n")
    target = tmp_path / "out.csv"
    out = xi("lookup", str(numbers), "--concurrency", "4", "-o", str(target), env=env)
    assert out.returncode == 3, out.stderr
    rows = list(csv.DictReader(target.open()))
    assert sorted(r["input"] for r in rows) == sorted(inputs)
    by_input = {r["input"]: r for r in rows}
    missing = by_input["20-NOSUCH"]
    assert missing["ok"] == "false" and missing["status_code"] == "404"
    assert CORRELATION_ID.fullmatch(missing["correlation_id"])
    assert "404" in missing["error"]
    assert by_input["20-TOOLONGNUMBER1"]["error_type"] == "ValidationError"
    for number in good:
        row = by_input[number]
        assert row["ok"] == "true" and row["ingram_order_number"] == number
        assert row["order_status"] == box.order(number)["orderStatus"]
        assert CORRELATION_ID.fullmatch(row["correlation_id"])
    assert "2 failed" in out.stderr and missing["correlation_id"] in out.stderr
    assert "━" not in out.stderr  # no progress bar when stderr is not a terminal


def test_lookup_stdin_jsonl_all_ok_exits_0(
    sandbox: tuple[Sandbox, str], env: dict[str, str]
) -> None:
    box, _ = sandbox
    numbers = box.order_numbers()[10:20]
    out = xi("lookup", "-", "--json", env=env, input="\n".join(numbers))
    assert out.returncode == 0, out.stderr
    docs = jsonl(out.stdout)
    assert [d["input"] for d in docs] == numbers
    assert all(d["ok"] and d["order"]["ingramOrderNumber"] == d["input"] for d in docs)


def test_search_piped_into_lookup(sandbox: tuple[Sandbox, str], env: dict[str, str]) -> None:
    box, _ = sandbox
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("needs bash for a real shell pipe")
    xi_cmd = " ".join(XI)
    command = (
        f"set -o pipefail; {xi_cmd} search --since 30d --json -q | {xi_cmd} lookup - --format csv"
    )
    out = subprocess.run(
        [bash, "-c", command], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["input"] for r in rows] == search_numbers(
        box, ingram_order_date_between=last_days(30)
    )
    assert all(r["ok"] == "true" for r in rows)


def test_lookup_with_rejected_credentials_stops_with_exit_1(
    sandbox: tuple[Sandbox, str], env: dict[str, str]
) -> None:
    box, _ = sandbox
    out = xi(
        "lookup",
        "-",
        "--json",
        env={**env, "XI_CLIENT_SECRET": "wrong-secret-value"},
        input="\n".join(box.order_numbers()[:5]),
    )
    assert out.returncode == 1
    assert "401" in out.stderr
    assert "wrong-secret-value" not in out.stderr + out.stdout


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_lookup_draws_a_progress_bar_on_a_terminal(
    sandbox: tuple[Sandbox, str], env: dict[str, str], tmp_path: Path
) -> None:
    box, _ = sandbox
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("\n".join(box.order_numbers()[:12]))
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [*XI, "lookup", str(numbers), "-o", str(tmp_path / "out.jsonl")],
        env={**env, "TERM": "xterm-256color"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    assert proc.wait(timeout=30) == 0
    text = seen.decode(errors="replace")
    assert "12/12" in text and "0 failed" in text
    assert len(jsonl((tmp_path / "out.jsonl").read_text())) == 12


# --------------------------------------------------------------------------------------
# create, modify, release, cancel


def part_of(box: Sandbox) -> str:
    """The part ``_order_file`` orders."""
    return next(iter(box.catalog))


def _order_file(tmp_path: Path, box: Sandbox, po: str, **extra: Any) -> Path:
    part = part_of(box)
    body = {
        "customerOrderNumber": po,
        "lines": [{"customerLineNumber": "001", "ingramPartNumber": part, "quantity": 2}],
        "additionalAttributes": [
            {"attributeName": "allowOrderOnCustomerHold", "attributeValue": "true"}
        ],
        **extra,
    }
    path = tmp_path / f"{po}.json"
    path.write_text(json.dumps(body))
    return path


def test_create_dry_run_shows_the_body_and_sends_nothing(
    sandbox: tuple[Sandbox, str], env: dict[str, str], tmp_path: Path
) -> None:
    box, _ = sandbox
    path = _order_file(tmp_path, box, "CLI-DRY-1")
    offline = {**env, "XI_BASE_URL": "http://127.0.0.1:9"}  # nothing listens there
    out = xi("create", str(path), "--dry-run", "--json", env=offline)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == json.loads(path.read_text())
    out = xi("create", str(path), "--dry-run", env=offline)
    assert out.returncode == 0 and "Would send POST /resellers/v6/orders" in out.stdout
    assert search_numbers(box, customer_order_number="CLI-DRY-1") == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {
                "customerOrderNumber": "PO-1",
                "lines": [{"customerLineNumber": "1", "ingramPartNumber": "X", "quantity": 0}],
            },
            "$.lines[0].quantity: must be a positive integer",
        ),
        (
            {
                "customerOrderNumber": "PO-1",
                "lines": [{"customerLineNumber": "1", "ingramPartNumber": "X", "quantity": "two"}],
            },
            '$.lines[0].quantity: cannot be used as an integer, got "two"',
        ),
        (
            {
                "customerOrderNumber": "PO-1",
                "shipToInfo": {"countryCode": "USA"},
                "lines": [{"customerLineNumber": "1", "ingramPartNumber": "X", "quantity": 1}],
            },
            "$.shipToInfo.countryCode",
        ),
        ({"lines": []}, "$.customerOrderNumber: is required"),
        ([1, 2], "$: expected a JSON object"),
    ],
)
def test_create_names_the_json_path_of_a_problem(
    env: dict[str, str], tmp_path: Path, body: Any, message: str
) -> None:
    path = tmp_path / "order.json"
    path.write_text(json.dumps(body))
    out = xi("create", str(path), env=env)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_create_and_modify_name_every_problem_of_a_file(
    sandbox: tuple[Sandbox, str], env: dict[str, str], tmp_path: Path
) -> None:
    """Not only the first problem: each, by its JSON path in the file's own indices, in
    text and in --json; nothing is sent."""
    box, _ = sandbox
    path = tmp_path / "order.json"
    path.write_text(
        json.dumps(
            {
                "customerOrderNumber": "CLI-MANY-" + "9" * 30,
                "shipToInfo": {"countryCode": "USA"},
                "lines": [
                    {"customerLineNumber": "1", "ingramPartNumber": "X", "quantity": 0},
                    {"customerLineNumber": "2", "quantity": 1},
                    {"customerLineNumber": "3", "ingramPartNumber": "Y", "quantity": "two"},
                    {"customerLineNumber": "4", "ingramPartNumber": "Z", "quantity": -1},
                    {"customerLineNumber": "5", "ingramPartNumber": "OK", "quantity": 1},
                ],
            }
        )
    )
    expected = [
        "$.customerOrderNumber: must be at most 35 characters (got 39)",
        "$.shipToInfo.countryCode: must be a two-letter ISO country code (got 'USA')",
        "$.lines[0].quantity: must be a positive integer (got 0)",
        "$.lines[1].ingramPartNumber: is required",
        "$.lines[3].quantity: must be a positive integer (got -1)",
        '$.lines[2].quantity: cannot be used as an integer, got "two"',
    ]
    before = box.counters.requests.get("create_order", 0)
    out = xi("create", str(path), env=env)
    assert out.returncode == 2, out.stderr
    assert f"{path}: 6 problems:" in out.stderr
    for problem in expected:
        assert problem in out.stderr, (problem, out.stderr)
    assert "Traceback" not in out.stderr
    out = xi("create", str(path), "--json", env=env)
    assert out.returncode == 2
    (error,) = jsonl(out.stderr)
    assert len(error["problems"]) == 6
    assert all(p.startswith(e) for p, e in zip(error["problems"], expected, strict=True))
    assert box.counters.requests.get("create_order", 0) == before  # nothing sent

    changes = tmp_path / "changes.json"
    changes.write_text(
        json.dumps(
            {
                "lines": [
                    {"addUpdateDeleteLine": "MOVE"},
                    {"addUpdateDeleteLine": "ADD"},
                    {"addUpdateDeleteLine": "ADD", "ingramPartNumber": "X", "quantity": 1},
                ]
            }
        )
    )
    out = xi("modify", "20-RD3QV", str(changes), "--dry-run", env=env)
    assert out.returncode == 2
    assert "2 problems:" in out.stderr
    assert "$.lines[0].addUpdateDeleteLine: must be one of ADD, UPDATE, DELETE" in out.stderr
    assert "$.lines[1].ingramPartNumber: is required to ADD a line" in out.stderr


def test_create_bad_json_and_unknown_keys(env: dict[str, str], tmp_path: Path) -> None:
    out = xi("create", "-", env=env, input='{"customerOrderNumber": ')
    assert out.returncode == 2 and "stdin: not valid JSON" in out.stderr and "line 1" in out.stderr
    path = tmp_path / "order.json"
    path.write_text(
        json.dumps(
            {
                "customerOrderNumber": "PO-1",
                "lines": [
                    {"customerLineNumber": "1", "ingramPartNumber": "X", "quantity": 1, "qty": 3}
                ],
            }
        )
    )
    out = xi("create", str(path), "--dry-run", env=env)
    assert out.returncode == 0
    assert "$.lines[0].qty is not a field of OrderCreateLine" in out.stderr


def test_create_modify_release(
    sandbox: tuple[Sandbox, str], env: dict[str, str], tmp_path: Path
) -> None:
    box, _ = sandbox
    path = _order_file(tmp_path, box, "CLI-LIFE-1")
    out = xi("create", str(path), "--json", env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["status_code"] == 201 and CORRELATION_ID.fullmatch(result["correlation_id"])
    (number,) = result["order_numbers"]
    assert box.order(number)["customerOrderNumber"] == "CLI-LIFE-1"

    # The same request again (as after a create cut by a deadline): the API refuses the PO
    # as a duplicate, and the order holding it is this request's: already placed.
    again = xi("create", str(path), "--json", env=env)
    assert again.returncode == 0, again.stderr
    repeat = json.loads(again.stdout)
    assert repeat["order_numbers"] == [number]
    assert repeat["reconciliation"]["outcome"] == "already_placed"
    assert "Duplicate" in repeat["reconciliation"]["cause"]
    assert box.counters.responses[("create_order", 400)] >= 1
    # Another order with the same PO number: the API says no.
    other = _order_file(
        tmp_path,
        box,
        "CLI-LIFE-1",
        lines=[{"customerLineNumber": "001", "ingramPartNumber": part_of(box), "quantity": 9}],
    )
    refused = xi("create", str(other), env=env)
    assert refused.returncode == 1 and "Duplicate" in refused.stderr

    part = list(box.catalog)[1]
    changes = tmp_path / "changes.json"
    changes.write_text(
        json.dumps(
            {
                "lines": [
                    {
                        "customerLineNumber": "002",
                        "ingramPartNumber": part,
                        "addUpdateDeleteLine": "ADD",
                        "quantity": 1,
                    }
                ]
            }
        )
    )
    out = xi("modify", number, str(changes), env=env)
    assert out.returncode == 0, out.stderr
    assert f"modified {number}" in out.stdout
    assert part in {line["ingramPartNumber"] for line in box.order(number)["lines"]}

    out = xi("release", number, env=env)
    assert out.returncode == 0, out.stderr
    assert f"released {number}" in out.stdout and CORRELATION_ID.search(out.stdout)
    out = xi("cancel", number, env=env)  # released: too late to cancel
    assert out.returncode == 1 and "405" in out.stderr


def test_create_partial_exits_3(
    sandbox: tuple[Sandbox, str], env: dict[str, str], tmp_path: Path
) -> None:
    box, _ = sandbox
    part = next(iter(box.catalog))
    path = tmp_path / "partial.json"
    path.write_text(
        json.dumps(
            {
                "customerOrderNumber": "CLI-PARTIAL-1",
                "lines": [
                    {"customerLineNumber": "001", "ingramPartNumber": "NOSUCHSKU", "quantity": 1},
                    {"customerLineNumber": "002", "ingramPartNumber": part, "quantity": 1},
                ],
            }
        )
    )
    out = xi("create", str(path), "--json", env=env)
    assert out.returncode == 3, out.stderr
    result = json.loads(out.stdout)
    assert result["partial"] is True and result["status_code"] == 207
    assert [r["ingramPartNumber"] for r in result["rejected_lines"]] == ["NOSUCHSKU"]


def test_create_says_when_it_reconciled_an_ambiguous_create(
    sandbox: tuple[Sandbox, str], env: dict[str, str], tmp_path: Path
) -> None:
    """The order is placed, then a gateway answers 502: the client finds it by its PO
    number instead of placing it twice, and the command says so (text and --json)."""
    box, url = sandbox
    box.inject("act_then_502", endpoint="create_order")
    out = xi("create", str(_order_file(tmp_path, box, "CLI-RECON-1")), "--json", env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    placed = search_numbers(box, customer_order_number="CLI-RECON-1")
    assert len(placed) == 1, "placed once, not twice"
    assert result["reconciled"] is True
    how = result["reconciliation"]
    assert how["outcome"] == "found" and how["order_numbers"] == placed == result["order_numbers"]
    assert "502" in how["cause"]
    assert len(how["create_correlation_ids"]) == 1 and how["lookup_correlation_ids"]
    logged = {r.correlation_id for r in box.request_log}
    assert set(how["create_correlation_ids"]) | set(how["lookup_correlation_ids"]) <= logged

    box.inject("act_then_502", endpoint="create_order")
    out = xi("create", str(_order_file(tmp_path, box, "CLI-RECON-2")), env=env)
    assert out.returncode == 0, out.stderr
    (number,) = search_numbers(box, customer_order_number="CLI-RECON-2")
    assert f"Sending POST {url}/resellers/v6/orders:" in out.stderr  # where it went
    assert f"order(s) {number}" in out.stdout
    assert "reconciled: the first create's outcome was unknown" in out.stdout
    assert "found by search and NOT sent again" in out.stdout
    # a create that went through plainly says nothing of the kind
    out = xi("create", str(_order_file(tmp_path, box, "CLI-RECON-3")), "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["reconciled"] is False
    assert json.loads(out.stdout)["reconciliation"] is None


def test_create_with_an_unknown_outcome_gives_what_to_check_as_data(
    sandbox: tuple[Sandbox, str], env: dict[str, str], tmp_path: Path
) -> None:
    """Duplicates allowed, placed, then a 502: the outcome cannot be settled, so exit 1,
    and --json gives the PO number, the order found and every correlation ID as fields."""
    box, _ = sandbox
    box.inject("act_then_502", endpoint="create_order")
    dup = [{"attributeName": "allowDuplicateCustomerOrderNumber", "attributeValue": "true"}]
    path = _order_file(tmp_path, box, "CLI-UNKNOWN-1")
    body = json.loads(path.read_text())
    body["additionalAttributes"] += dup
    path.write_text(json.dumps(body))
    creates = box.counters.requests["create_order"]  # the sandbox serves the whole module
    out = xi("create", str(path), "--json", env=env)
    assert out.returncode == 1, out.stderr
    error = json.loads(out.stderr.strip().splitlines()[-1])
    placed = search_numbers(box, customer_order_number="CLI-UNKNOWN-1")
    assert len(placed) == 1, "placed once, never sent again"
    assert box.counters.requests["create_order"] == creates + 1
    assert error["error_type"] == "OrderOutcomeUnknown"
    assert error["customer_order_number"] == "CLI-UNKNOWN-1"
    assert error["candidates"] == placed
    assert error["event_ids"] == [] and "502" in error["cause"]
    logged = {r.correlation_id for r in box.request_log}
    assert len(error["create_correlation_ids"]) == 1 and error["lookup_correlation_ids"]
    assert set(error["create_correlation_ids"] + error["lookup_correlation_ids"]) <= logged
    assert error["correlation_id"] == error["create_correlation_ids"][0]


def test_reconciled_by_a_webhook_event_says_so() -> None:
    """The CLI places orders without an inbox (search decides), but its report reads any
    result: one settled by an order-create event names the event, not search."""
    from xi_orders._response import Reconciliation
    from xi_orders.cli import _cmd_change

    how = Reconciliation(
        outcome="found",
        cause="BadGatewayError: HTTP 502",
        create_correlation_ids=("c1",),
        lookup_correlation_ids=("l1",),
        order_numbers=("20-RD3QV",),
        source="webhook",
        event_ids=("EV-1",),
    )
    result = type("Result", (), {"reconciliation": how})()
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        _cmd_change._say_reconciled(result)
    assert "found by its order-create webhook event (EV-1) and NOT sent again" in said.getvalue()
    data = _cmd_change._reconciliation(result)["reconciliation"]
    assert data["source"] == "webhook" and data["event_ids"] == ["EV-1"]


def test_modify_dry_run_and_bad_file(env: dict[str, str], tmp_path: Path) -> None:
    changes = tmp_path / "changes.json"
    changes.write_text(json.dumps({"lines": [{"addUpdateDeleteLine": "MOVE"}]}))
    out = xi("modify", "20-RD3QV", str(changes), env=env)
    assert out.returncode == 2 and "$.lines[0]" in out.stderr
    changes.write_text(json.dumps({"notes": "deliver after 9"}))
    out = xi("modify", "20-RD3QV", str(changes), "--dry-run", "--json", env=env)
    assert out.returncode == 0 and json.loads(out.stdout) == {"notes": "deliver after 9"}


def test_release_several_with_json(
    sandbox: tuple[Sandbox, str], env: dict[str, str], tmp_path: Path
) -> None:
    box, _ = sandbox
    held = []
    for po in ("CLI-RELEASE-1", "CLI-RELEASE-2", "CLI-RELEASE-3"):
        out = xi("create", str(_order_file(tmp_path, box, po)), "--json", env=env)
        assert out.returncode == 0, out.stderr
        held += json.loads(out.stdout)["order_numbers"]
    out = xi("release", held[0], held[1], "--json", env=env)
    assert out.returncode == 0, out.stderr
    results = jsonl(out.stdout)
    assert [r["order_number"] for r in results] == held[:2]
    for result in results:
        assert result["ok"] is True and 200 <= result["status_code"] < 300
        assert CORRELATION_ID.fullmatch(result["correlation_id"])
    logged = {r.correlation_id for r in box.request_log}
    assert {r["correlation_id"] for r in results} <= logged
    # released: too late to cancel them (the API answers 405)
    for number in held[:2]:
        assert xi("cancel", number, env=env).returncode == 1
    # one unknown among them: the others are still released, exit 3, the failure in the JSON
    out = xi("release", "20-ZZZZZ", held[2], "--json", env=env)
    assert out.returncode == 3, out.stderr
    by_number = {r["order_number"]: r for r in jsonl(out.stdout)}
    assert by_number[held[2]]["ok"] is True
    assert by_number["20-ZZZZZ"]["ok"] is False and by_number["20-ZZZZZ"]["status_code"] == 404
    assert xi("cancel", held[2], env=env).returncode == 1


def test_cancel_several_some_failing_exits_3(
    sandbox: tuple[Sandbox, str], env: dict[str, str], tmp_path: Path
) -> None:
    box, _ = sandbox
    placed = []
    for po in ("CLI-CANCEL-1", "CLI-CANCEL-2"):
        out = xi("create", str(_order_file(tmp_path, box, po)), "--json", env=env)
        placed += json.loads(out.stdout)["order_numbers"]
    out = xi("cancel", placed[0], "20-ZZZZZ", placed[1], "--json", env=env)
    assert out.returncode == 3, out.stderr
    results = {r["order_number"]: r for r in jsonl(out.stdout)}
    assert results[placed[0]]["ok"] and results[placed[1]]["ok"]
    assert not results["20-ZZZZZ"]["ok"] and CORRELATION_ID.fullmatch(
        results["20-ZZZZZ"]["correlation_id"]
    )
    out = xi("cancel", placed[0], "--json", env=env)  # already cancelled
    assert out.returncode == 1


# --------------------------------------------------------------------------------------
# auth


def test_auth_check(sandbox: tuple[Sandbox, str], env: dict[str, str]) -> None:
    box, url = sandbox
    out = xi("auth", "check", env=env)
    assert out.returncode == 0, out.stderr
    assert "credentials work" in out.stdout and box.customer_number in out.stdout
    assert box.client_secret not in out.stdout + out.stderr
    assert "Bearer" not in out.stdout + out.stderr
    out = xi("auth", "check", "--json", env=env)
    facts = json.loads(out.stdout)
    assert facts["ok"] is True and facts["base_url"] == url
    assert box.client_secret not in out.stdout


def test_auth_check_rejected(env: dict[str, str]) -> None:
    secret = "definitely-wrong-secret-123"
    out = xi("auth", "check", env={**env, "XI_CLIENT_SECRET": secret})
    assert out.returncode == 1
    assert "credentials rejected" in out.stderr
    assert secret not in out.stdout + out.stderr


def test_auth_check_unreachable_host_exits_1(env: dict[str, str]) -> None:
    out = xi("auth", "check", env={**env, "XI_BASE_URL": "http://127.0.0.1:9"})
    assert out.returncode == 1
    assert "Traceback" not in out.stderr


# --------------------------------------------------------------------------------------
# sandbox serve


@contextlib.contextmanager
def _serving(*args: str) -> Iterator[subprocess.Popen[str]]:
    """``xi-orders sandbox serve --port 0 ARGS`` as a real process; killed if the test
    leaves it running (a test that stops it checks how it stopped)."""
    proc = subprocess.Popen(
        [*XI, "sandbox", "serve", "--port", "0", *args],
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sandbox_serve_end_to_end(env: dict[str, str], tmp_path: Path) -> None:
    env_file = tmp_path / "sandbox.env"
    with _serving("--orders", "40", "--seed", "3", "--write-env", str(env_file), "--json") as proc:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        url = info["url"]
        assert url.startswith("http://127.0.0.1:")
        # the variables it printed, used as the README says
        served_env = {**_clean_env(), **info["env"]}
        assert served_env["XI_BASE_URL"] == url
        out = xi("search", "--json", env=served_env)
        assert out.returncode == 0, out.stderr
        assert len(jsonl(out.stdout)) == 40
        # the file it wrote, with --env-file, over a shell set up for another endpoint:
        # the file names both URLs, so nothing of the shell's steers where the calls go
        elsewhere = {
            **_clean_env(),
            "XI_ENVIRONMENT": "production",
            "XI_TOKEN_URL": "http://127.0.0.1:9/token",
        }
        out = xi("--env-file", str(env_file), "get", info["sample_order"], "--json", env=elsewhere)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["ingramOrderNumber"] == info["sample_order"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")


def test_sandbox_serve_prints_export_lines_and_stops_on_sigterm() -> None:
    with _serving("--orders", "5") as proc:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(9)]
        text = "".join(lines)
        assert "listening on http://127.0.0.1:" in text
        for name in (
            "XI_BASE_URL",
            "XI_CLIENT_ID",
            "XI_CLIENT_SECRET",
            "XI_CUSTOMER_NUMBER",
            "XI_COUNTRY_CODE",
            "XI_RATE_LIMIT",
        ):
            assert f"export {name}=" in text
        proc.terminate()
        assert proc.wait(timeout=30) == 0


def test_sandbox_serve_takes_faults_and_quirks_by_name() -> None:
    """--realism and --fault reach the served sandbox (and are said in its settings): a
    server paging by 5 whatever was asked still gives the search command every order."""
    quirky = ("--orders", "23", "--realism", "search_page_size=5", "--fault", "server_error=0.1")
    with _serving(
        *quirky, "--fault", "endpoints=get_order", "--search-lag", "1.5", "--json"
    ) as proc:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert info["realism"] == {"search_page_size": "5"}
        assert info["faults"] == {"server_error": "0.1", "endpoints": "get_order"}
        assert info["search_lag"] == 1.5
        out = xi("search", "--json", "--page-size", "50", env={**_clean_env(), **info["env"]})
        assert out.returncode == 0, out.stderr
        assert len(jsonl(out.stdout)) == 23
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    bad = xi("sandbox", "serve", "--port", "0", "--fault", "drop=1", env=_clean_env())
    assert bad.returncode == 2 and "'drop=1': KEY=VALUE expected" in bad.stderr


def test_sandbox_serve_port_in_use_exits_1(sandbox: tuple[Sandbox, str]) -> None:
    _, url = sandbox
    port = url.rsplit(":", 1)[1]
    out = xi("sandbox", "serve", "--port", port, env=_clean_env(), timeout=60)
    assert out.returncode == 1
    assert "cannot serve" in out.stderr


# --------------------------------------------------------------------------------------
# helpers, in-process


def test_parse_day() -> None:
    today = dt.date.today()
    assert parse_day("today") == today
    assert parse_day("30d") == today - dt.timedelta(days=30)
    assert parse_day("2w") == today - dt.timedelta(days=14)
    assert parse_day("2024-02-29") == dt.date(2024, 2, 29)
    with pytest.raises(Exception, match="is not a day"):
        parse_day("2024-02-30")


def test_read_env_file(tmp_path: Path) -> None:
    path = tmp_path / "x.env"
    path.write_text(
        "# comment\n\nexport XI_A=plain # trailing\nXI_B='single # kept'\n"
        'XI_C="dou\\"ble\\n"\nXI_D=\n'
    )
    assert read_env_file(path) == {
        "XI_A": "plain",
        "XI_B": "single # kept",
        "XI_C": 'dou"ble\n',
        "XI_D": "",
    }
    path.write_text('XI_A="unclosed\n')
    with pytest.raises(ConfigError, match=":1: the value's quote is not closed"):
        read_env_file(path)
    with pytest.raises(ConfigError, match="--env-file"):
        read_env_file(tmp_path / "missing.env")


def test_json_path_uses_the_wire_names() -> None:
    assert json_path(OrderCreateRequest, "lines[3].quantity") == "$.lines[3].quantity"
    assert json_path(OrderCreateRequest, "ship_to_info.country_code") == "$.shipToInfo.countryCode"
    assert (
        json_path(OrderCreateRequest, "lines[0].warranty_info[1].serial_info[0].date_of_purchase")
        == "$.lines[0].warrantyInfo[1].serialInfo[0].dateofPurchase"
    )
    assert json_path(OrderCreateRequest, "no_such.thing") == "$.no_such.thing"
