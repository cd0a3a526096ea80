"""Every ```python block of README.md and of the documentation site's pages (docs/**/*.md)
runs as written, against the sandbox; so does the command line's main job (its ```bash block,
terminal 1 and terminal 2, in the command-line guide).

The served sandbox stands in for Ingram Micro: a client built without ``transport``,
``http_client`` or ``base_url`` (so one that would call the real API, from the constructor
or ``from_env()``) is pointed at it with the sandbox's credentials; everything else in a
block runs untouched. Blocks run one by one, each in a fresh namespace; one with top-level
``await`` runs in ``asyncio.run``. A block preceded by a line
``<!-- readme-test: skip (reason) -->`` is not run (for what truly cannot run here, e.g.
Redis); the reason is required and shown in the skip.
"""

from __future__ import annotations

import ast
import asyncio
import csv
import inspect
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xi_orders import AsyncOrdersClient
from xi_orders.testing import Sandbox

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
_SKIP = re.compile(r"<!--\s*readme-test:\s*skip\s*\((?P<reason>[^)]+)\)\s*-->")


def markdown_files() -> list[Path]:
    """README.md and every page of the documentation site, but the webhook guide: its
    blocks are receivers, run by tests/test_webhook_guide.py with a secret and real
    deliveries."""
    return [README, *sorted(p for p in DOCS.rglob("*.md") if p != DOCS / "guides/webhooks.md")]


def python_blocks(path: Path) -> list[Any]:
    """Each ```python block of ``path``: its code and where it starts (``file:line``), with
    the opt-out mark."""
    where = path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    blocks = []
    index = 0
    while index < len(lines):
        if lines[index].strip() != "```python":
            index += 1
            continue
        start = index + 1
        end = start
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        previous = next((x for x in reversed(lines[:index]) if x.strip()), "")
        skip = _SKIP.search(previous)
        marks = [pytest.mark.skip(reason=f"{where} opt-out: {skip['reason']}")] if skip else []
        code = "".join(lines[start:end])
        place = f"{where}:{start + 1}"
        blocks.append(pytest.param(code, place, id=place, marks=marks))
        index = end + 1
    return blocks


BLOCKS = [block for path in markdown_files() for block in python_blocks(path)]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(seed=7, orders=60)
    with sandbox.serve() as url:
        yield sandbox, url


@pytest.fixture
def as_ingram_micro(served: tuple[Sandbox, str], monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """Clients that would call Ingram Micro call the served sandbox instead."""
    sandbox, url = served
    for name in ("client_id", "client_secret", "customer_number", "country_code"):
        monkeypatch.setenv(f"XI_{name.upper()}", getattr(sandbox, name))
    for name in ("XI_BASE_URL", "XI_TOKEN_URL", "XI_ENVIRONMENT", "XI_SENDER_ID"):
        monkeypatch.delenv(name, raising=False)
    real_init = AsyncOrdersClient.__init__

    def init(self: AsyncOrdersClient, **settings: Any) -> None:
        if not any(settings.get(k) for k in ("transport", "http_client", "base_url")):
            settings.update(
                client_id=sandbox.client_id,
                client_secret=sandbox.client_secret,
                base_url=url,
                token_url=None,
            )
            settings.pop("environment", None)
        real_init(self, **settings)

    monkeypatch.setattr(AsyncOrdersClient, "__init__", init)
    return sandbox


def test_the_readme_has_python_blocks() -> None:
    assert len(BLOCKS) >= 5
    assert python_blocks(README), "README.md's taste is a ```python block"


def test_every_guide_is_collected() -> None:
    """The blocks of every guide are among the ones run (a guide without code is fine)."""
    guides = sorted((DOCS / "guides").glob("*.md"))
    assert len(guides) >= 10
    with_code = [g for g in guides if "```python" in g.read_text(encoding="utf-8")]
    assert len(with_code) >= 8
    for guide in with_code:
        where = guide.relative_to(ROOT).as_posix()
        if guide == DOCS / "guides/webhooks.md":  # run by tests/test_webhook_guide.py
            continue
        assert any(p.values[1].startswith(f"{where}:") for p in BLOCKS), where


@pytest.mark.parametrize(("code", "where"), BLOCKS)
def test_readme_block_runs(code: str, where: str, as_ingram_micro: Sandbox) -> None:
    compiled = compile(code, where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    started = time.monotonic()
    result = eval(compiled, namespace)  # exec, or a coroutine when the block awaits
    if inspect.iscoroutine(result):
        asyncio.run(result)
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    ("page", "heading"),
    [("README.md", "## A taste"), ("docs/guides/quickstart.md", "# Quick start")],
)
def test_the_quick_start_reached_the_sandbox(
    page: str, heading: str, as_ingram_micro: Sandbox
) -> None:
    """The redirect is real: the taste's and the quick start's calls arrive at the sandbox."""
    (code,) = [p.values[0] for p in BLOCKS if _heading_of(p.values[1]) == heading]
    before = as_ingram_micro.counters.requests.get("get_order", 0)
    test_readme_block_runs(code, f"{page}:0", as_ingram_micro)
    assert as_ingram_micro.counters.requests.get("get_order", 0) > before


def _heading_of(where: str) -> str:
    """The heading (``#`` or ``##``) a block at ``file:line`` sits under."""
    path, line = where.rsplit(":", 1)
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()[: int(line)]
    return next((x for x in reversed(lines) if re.match(r"#{1,2} ", x)), "")


def test_the_skip_marker_is_recognised() -> None:
    assert _SKIP.search("<!-- readme-test: skip (needs Redis) -->")
    assert not _SKIP.search("<!-- readme-test: skip -->")  # a reason is required


def test_a_client_follows_the_rate_limit_the_served_sandbox_announces() -> None:
    """Bulk lookups guide: a client of ``sandbox.serve()`` adopts the limit it announces (a
    200-order bulk at the default 60/min would take over two minutes)."""
    sandbox = Sandbox(orders=200, rate_limit=10_000)
    numbers = sandbox.order_numbers()

    async def bulk() -> int:
        async with AsyncOrdersClient(
            client_id=sandbox.client_id,
            client_secret=sandbox.client_secret,
            customer_number=sandbox.customer_number,
            country_code=sandbox.country_code,
            base_url=url,
        ) as client:
            results = await client.get_orders(numbers, concurrency=16).collect()
            return sum(1 for r in results.values() if not isinstance(r, Exception))

    with sandbox.serve() as url:
        started = time.monotonic()
        assert asyncio.run(bulk()) == 200
    assert time.monotonic() - started < 20


# --- the command line's main job ---------------------------------------------------------

_VENV_BIN = Path(sys.executable).parent


def cli_main_job() -> tuple[list[str], list[str], str]:
    """The ```bash block of the CLI's main job (in the command-line guide): (terminal 1's
    command lines, terminal 2's lines, ``file:line`` of the block's first line)."""
    for path in markdown_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if line.strip() != "```bash":
                continue
            end = next(i for i in range(index + 1, len(lines)) if lines[i].strip() == "```")
            block = lines[index + 1 : end]
            if not any("sandbox serve" in x for x in block):
                continue
            split = next(i for i, x in enumerate(block) if x.strip().startswith("# terminal 2"))
            first = [x for x in block[:split] if x.strip() and not x.lstrip().startswith("#")]
            return first, block[split + 1 :], f"{path.relative_to(ROOT).as_posix()}:{index + 2}"
    raise AssertionError("no page has a ```bash block with `xi-orders sandbox serve`")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_the_cli_main_job_runs_as_written(tmp_path: Path) -> None:
    """The guide's two terminals, run as written: terminal 1 in the background, terminal
    2's lines as one bash script in the same directory, with the installed ``xi-orders``
    first on PATH (the guide's ``export PATH``) and no XI_* variables set. The port is
    the only change (a free one instead of 8080, which may be taken here): terminal 2
    reaches the sandbox only through sandbox.env."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("needs bash")
    first, second, where = cli_main_job()
    assert len(first) == 1 and first[0].startswith("xi-orders sandbox serve"), first
    serve = first[0].replace("--port 8080", f"--port {_free_port()}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XI_")}
    env["PATH"] = f"{_VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "160"
    server = subprocess.Popen(
        [bash, "-c", f"exec {serve}"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "sandbox.env").exists():
            assert server.poll() is None, server.communicate()
            assert time.monotonic() < deadline, "the sandbox did not start"
            time.sleep(0.1)
        out = subprocess.run(
            [bash, "-c", "\n".join(second)],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=240,
        )
    finally:
        server.send_signal(signal.SIGINT)  # the guide's Ctrl-C
        try:
            _, served_err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert server.returncode == 0, (where, served_err)
    assert "Traceback" not in out.stderr, (where, out.stderr)
    assert "credentials work" in out.stdout, (where, out.stdout, out.stderr)
    assert out.stdout.rstrip().endswith("exit status 3"), (where, out.stdout[-500:], out.stderr)
    # search --json writes one order a line; the guide's echo appends a bare number
    lines = (tmp_path / "numbers.txt").read_text().splitlines()
    numbers = [json.loads(x)["ingramOrderNumber"] if x.startswith("{") else x for x in lines]
    assert len(numbers) > 10 and numbers[-1] == "20-ZZZZZ"
    assert all(re.fullmatch(r"\d\d-[0-9A-Z]{5}", n) for n in numbers), numbers[:5]
    with (tmp_path / "details.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["input"] for r in rows] == numbers  # one row per input, in order
    (failed,) = [r for r in rows if r.get("error")]
    assert all(r["order_status"] and r["correlation_id"] for r in rows if r is not failed)
    assert failed["input"] == "20-ZZZZZ" and failed["status_code"] == "404"
    assert re.fullmatch(r"[0-9a-f]{32}", failed["correlation_id"])
