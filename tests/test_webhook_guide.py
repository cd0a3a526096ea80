"""Every ```python block of docs/guides/webhooks.md runs as written, against the sandbox.

As tests/test_readme.py does for README.md: blocks run one by one, each in a fresh
namespace, in a scratch directory, with ``XI_WEBHOOK_SECRET`` set (the receivers read it);
one with top-level ``await`` runs in ``asyncio.run``. A block preceded by a line
``<!-- guide-test: skip (reason) -->`` is not run; the reason is required.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "guides" / "webhooks.md"
_SKIP = re.compile(r"<!--\s*guide-test:\s*skip\s*\((?P<reason>[^)]+)\)\s*-->")


def guide_blocks() -> list[Any]:
    """Each ```python block: its code and the line it starts on, with the opt-out mark."""
    lines = GUIDE.read_text(encoding="utf-8").splitlines(keepends=True)
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
        marks = [pytest.mark.skip(reason=f"guide opt-out: {skip['reason']}")] if skip else []
        code = "".join(lines[start:end])
        blocks.append(pytest.param(code, start + 1, id=f"webhooks.md:{start + 1}", marks=marks))
        index = end + 1
    return blocks


BLOCKS = guide_blocks()


def test_the_guide_has_python_blocks() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize(("code", "line"), BLOCKS)
def test_guide_block_runs(
    code: str, line: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XI_WEBHOOK_SECRET", "guide-secret")
    compiled = compile(
        code, f"webhooks.md:{line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    namespace: dict[str, Any] = {"__name__": "__guide__"}
    result = eval(compiled, namespace)  # exec, or a coroutine when the block awaits
    if inspect.iscoroutine(result):
        asyncio.run(result)


def test_the_framework_blocks_build_working_receivers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The FastAPI and Flask blocks are not just importable: the apps they define accept
    a delivery signed with XI_WEBHOOK_SECRET and refuse an unsigned one."""
    import httpx

    from xi_orders.testing import Sandbox

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XI_WEBHOOK_SECRET", "guide-secret")
    sandbox = Sandbox(orders=50, webhook_secret="guide-secret")
    sandbox.ship(sandbox.order_numbers(status="Backordered")[0])
    headers, body = sandbox.webhook_events[-1]
    apps = {}
    for code, _ in (p.values for p in BLOCKS):
        namespace: dict[str, Any] = {"__name__": "__guide__"}
        if "FastAPI()" in code or "Flask(__name__)" in code:
            exec(compile(code, "webhooks.md", "exec", dont_inherit=True), namespace)
            apps["fastapi" if "FastAPI()" in code else "flask"] = namespace["app"]
    assert set(apps) == {"fastapi", "flask"}

    async def deliver() -> tuple[int, int, int]:
        transport = httpx.ASGITransport(app=apps["fastapi"])
        async with httpx.AsyncClient(transport=transport, base_url="http://r") as http:
            ok = await http.post("/webhooks/ingram", content=body, headers=headers)
            again = await http.post("/webhooks/ingram", content=body, headers=headers)
            unsigned = await http.post("/webhooks/ingram", content=body)
        return ok.status_code, again.json()["replayed"], unsigned.status_code

    assert asyncio.run(deliver()) == (200, 1, 401)
    flask = apps["flask"].test_client()
    assert flask.post("/webhooks/ingram", data=body, headers=headers).json == {"received": 1}
    assert flask.post("/webhooks/ingram", data=body, headers=headers).json == {"received": 0}
    assert flask.post("/webhooks/ingram", data=body).status_code == 401
