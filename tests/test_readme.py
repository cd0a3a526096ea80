"""Every ```python block of README.md runs as written, against the sandbox.

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
import inspect
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xi_orders import AsyncOrdersClient
from xi_orders.testing import Sandbox

README = Path(__file__).resolve().parents[1] / "README.md"
_SKIP = re.compile(r"<!--\s*readme-test:\s*skip\s*\((?P<reason>[^)]+)\)\s*-->")


def readme_blocks() -> list[Any]:
    """Each ```python block: its code and the line it starts on, with the opt-out mark."""
    lines = README.read_text(encoding="utf-8").splitlines(keepends=True)
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
        marks = [pytest.mark.skip(reason=f"README opt-out: {skip['reason']}")] if skip else []
        code = "".join(lines[start:end])
        blocks.append(pytest.param(code, start + 1, id=f"README.md:{start + 1}", marks=marks))
        index = end + 1
    return blocks


BLOCKS = readme_blocks()


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


@pytest.mark.parametrize(("code", "line"), BLOCKS)
def test_readme_block_runs(code: str, line: int, as_ingram_micro: Sandbox) -> None:
    compiled = compile(
        code, f"README.md:{line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    started = time.monotonic()
    result = eval(compiled, namespace)  # exec, or a coroutine when the block awaits
    if inspect.iscoroutine(result):
        asyncio.run(result)
    assert time.monotonic() - started < 30


def test_the_quick_start_reached_the_sandbox(as_ingram_micro: Sandbox) -> None:
    """The redirect is real: the quick start's calls arrive at the sandbox."""
    code = next(p.values[0] for p in BLOCKS if "## Quick start" in _heading_of(p.values[1]))
    before = as_ingram_micro.counters.requests.get("get_order", 0)
    test_readme_block_runs(code, 0, as_ingram_micro)
    assert as_ingram_micro.counters.requests.get("get_order", 0) > before


def _heading_of(line: int) -> str:
    lines = README.read_text(encoding="utf-8").splitlines()[:line]
    return next((x for x in reversed(lines) if x.startswith("## ")), "")


def test_the_skip_marker_is_recognised() -> None:
    assert _SKIP.search("<!-- readme-test: skip (needs Redis) -->")
    assert not _SKIP.search("<!-- readme-test: skip -->")  # a reason is required


def test_a_client_follows_the_rate_limit_the_served_sandbox_announces() -> None:
    """README: a client of ``sandbox.serve()`` adopts the limit it announces (a 200-order
    bulk at the default 60/min would take over two minutes)."""
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
