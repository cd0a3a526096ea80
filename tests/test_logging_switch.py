"""``XI_LOG`` (issue 16): the environment switch for the ``xi_orders`` logger, tested in
fresh interpreters (it is read once per process), and the structured ``extra=`` fields."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import httpx
import pytest
import respx

from tests.conftest import SECRET, TOKEN, make_client

SCRIPT = """
import anyio
from xi_orders.testing import Sandbox
async def main():
    sandbox = Sandbox(seed=1, orders=2)
    sandbox.inject("server_error", endpoint="get_order")
    from xi_orders import RetryPolicy
    async with sandbox.client(retry=RetryPolicy(wait_initial=0.0, wait_jitter=0.0)) as client:
        await client.get_order(sandbox.order_numbers()[0])
anyio.run(main)
"""


def _run(level: str | None) -> str:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {k: v for k, v in os.environ.items() if k != "XI_LOG"}
    env["PYTHONPATH"] = root
    if level is not None:
        env["XI_LOG"] = level
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_xi_log_debug_logs_every_exchange_to_stderr() -> None:
    err = _run("debug")
    assert "DEBUG] GET /resellers/v6.1/orders/" in err
    assert "POST /oauth/oauth30/token" in err
    assert "INFO] get_order: retrying" in err  # the injected 500, retried
    assert "-> 500" in err and "-> 200" in err
    assert " - xi_orders:" in err  # the handler's format: logger name and line


def test_xi_log_info_logs_retries_only() -> None:
    err = _run("INFO")
    assert "INFO] get_order: retrying" in err
    assert "DEBUG]" not in err


@pytest.mark.parametrize("level", [None, "", "verbose"])
def test_without_xi_log_nothing_is_logged(level: str | None) -> None:
    assert _run(level) == ""


@pytest.mark.anyio
async def test_records_carry_structured_fields(api: respx.MockRouter) -> None:
    api.get("/resellers/v6.1/orders/20-RD3QV").mock(
        side_effect=[
            httpx.Response(503, json={"message": "busy"}),
            httpx.Response(200, json={"ingramOrderNumber": "20-RD3QV"}),
        ]
    )
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("xi_orders")
    handler, level = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        async with make_client() as client:
            await client.get_order("20-RD3QV", correlation_id="cid-logged-1")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    exchanges = [
        r for r in records if getattr(r, "endpoint", None) == "get_order" and hasattr(r, "status")
    ]
    assert [(r.status, r.attempt) for r in exchanges] == [(503, 1), (200, 2)]  # type: ignore[attr-defined]
    for record in exchanges:
        assert record.correlation_id == "cid-logged-1"  # type: ignore[attr-defined]
        assert record.method == "GET" and record.path == "/resellers/v6.1/orders/20-RD3QV"  # type: ignore[attr-defined]
        assert record.elapsed >= 0  # type: ignore[attr-defined]
    (retry,) = [r for r in records if r.levelno == logging.INFO]
    assert retry.correlation_id == "cid-logged-1" and retry.attempt == 1  # type: ignore[attr-defined]
    for record in records:
        text = record.getMessage() + repr(record.__dict__)
        assert SECRET not in text and TOKEN not in text
