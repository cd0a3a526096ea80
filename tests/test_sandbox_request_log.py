"""The sandbox's request log keeps the latest requests only (a served sandbox answers for
days), while the counters count every request; the limit is set in Python and from the shell.
"""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from xi_orders.testing import Sandbox


def _lookups(box: Sandbox, count: int, *, start: int = 0) -> None:
    """``count`` get-order calls, each with its own correlation ID (``log-<n>``)."""
    number = box.order_numbers()[0]
    token = box.issue_token()
    with httpx.Client(transport=box.transport(), base_url=box.base_url) as http:
        for n in range(start, start + count):
            r = http.get(
                f"/resellers/v6.1/orders/{number}",
                headers=box.headers(token, correlation_id=f"log-{n}"),
            )
            assert r.status_code == 200


def test_a_limit_of_100_after_300_calls_holds_the_last_100_and_counts_300() -> None:
    box = Sandbox(3, 5, request_log_limit=100)
    _lookups(box, 300)
    log = box.request_log
    assert len(log) == 100
    assert [r.correlation_id for r in log] == [f"log-{n}" for n in range(200, 300)]
    counters = box.counters
    assert counters.requests["get_order"] == 300
    assert counters.responses[("get_order", 200)] == 300


def test_none_keeps_every_request_and_the_default_is_10000() -> None:
    assert Sandbox(3, 5).request_log_limit == 10_000
    box = Sandbox(3, 5, request_log_limit=None)
    assert box.request_log_limit is None
    _lookups(box, 300)
    assert [r.correlation_id for r in box.request_log] == [f"log-{n}" for n in range(300)]


def test_clear_request_log_keeps_the_counters() -> None:
    box = Sandbox(3, 5, request_log_limit=50)
    _lookups(box, 30)
    box.clear_request_log()
    assert box.request_log == []
    assert box.counters.requests["get_order"] == 30
    _lookups(box, 5, start=30)
    assert [r.correlation_id for r in box.request_log] == [f"log-{n}" for n in range(30, 35)]
    assert box.counters.requests["get_order"] == 35
    box.reset_counters()  # still zeroes both
    assert box.request_log == [] and box.counters.requests["get_order"] == 0


def test_a_limit_of_0_logs_nothing_and_a_negative_one_is_refused() -> None:
    box = Sandbox(3, 5, request_log_limit=0)
    _lookups(box, 3)
    assert box.request_log == [] and box.counters.requests["get_order"] == 3
    with pytest.raises(ValueError, match="request_log_limit"):
        Sandbox(3, 5, request_log_limit=-1)


def test_python_dash_m_takes_the_limit_and_says_it() -> None:
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "xi_orders.testing", "--port", "0", "--orders", "3"),
            *("--request-log-limit", "250"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline() for _ in range(7)]
        assert "listening on" in banner[0], (banner, proc.poll())
        assert "  request log:    the last 250\n" in banner, banner
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    bad = subprocess.run(
        [sys.executable, "-m", "xi_orders.testing", "--port", "0", "--request-log-limit", "-5"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "--request-log-limit: a whole number from 0, or none; got '-5'" in bad.stderr


def test_xi_orders_sandbox_serve_takes_the_limit() -> None:
    from tests.test_cli import XI, _clean_env

    for given, expected in (("40", 40), ("none", None), (None, 10_000)):
        extra = ["--request-log-limit", given] if given is not None else []
        proc = subprocess.Popen(
            [*XI, "sandbox", "serve", "--port", "0", "--orders", "3", "--json", *extra],
            env=_clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            info = json.loads(proc.stdout.readline())
            assert info["request_log_limit"] == expected
        finally:
            proc.terminate()
            assert proc.wait(timeout=30) == 0
