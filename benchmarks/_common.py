"""Shared pieces of the benchmarks: result rows, timing helpers, fixtures, subprocesses.

Every measurement compares against a baseline measured in the same run, and reports the
median of several repetitions (ours and the baseline interleaved, so a noisy neighbour on
the machine hits both alike).
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: The headers of a valid Orders call (the sandbox's defaults).
CUSTOMER_NUMBER = "20-222222"
COUNTRY_CODE = "US"
CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"
MOCK_BASE = "https://api.bench.invalid"
MOCK_TOKEN = "bench-token-0123456789"


@dataclass
class Settings:
    """What a run may spend: the full run, or ``--quick``."""

    quick: bool

    def pick(self, full: Any, quick: Any) -> Any:
        return quick if self.quick else full


@dataclass
class Row:
    """One line of the results table."""

    id: str
    what: str
    ours: float | None
    baseline: float | None
    unit: str
    baseline_label: str
    target: str
    #: ``ours / baseline`` unless a measurement defines it otherwise
    ratio: float | None = None
    #: True / False against the target; None when the row is reported only
    passed: bool | None = None
    notes: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.ratio is None and self.ours is not None and self.baseline:
            self.ratio = self.ours / self.baseline

    @property
    def result(self) -> str:
        if self.passed is None:
            return "report"
        return "pass" if self.passed else "MISS"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float]) -> str:
    """``min..max`` of the repetitions, for the notes."""
    return f"{min(values):.4g}..{max(values):.4g}"


def interleaved(
    ours: Callable[[], float], baseline: Callable[[], float], repeats: int
) -> tuple[list[float], list[float]]:
    """Run ``ours`` and ``baseline`` alternately ``repeats`` times each (ABBA order, so a
    drift in machine load favours neither); each returns one measurement."""
    a: list[float] = []
    b: list[float] = []
    for i in range(repeats):
        if i % 2 == 0:
            a.append(ours())
            b.append(baseline())
        else:
            b.append(baseline())
            a.append(ours())
    return a, b


def cpu_seconds() -> float:
    """CPU time (user + system) of this process, every thread included."""
    t = os.times()
    return t.user + t.system


# --------------------------------------------------------------------------------------
# fixtures: order JSON


def sandbox_detail(lines: int, *, seed: int = 11) -> dict[str, Any]:
    """A realistic order detail (shipped: shipments, carriers, packages, serial numbers)
    with exactly ``lines`` lines, as the sandbox answers it: its lines are repeated and
    renumbered to reach the count."""
    from xi_orders.testing import Sandbox

    sandbox = Sandbox(seed=seed, orders=40)
    number = max(sandbox.order_numbers(), key=lambda n: len(sandbox.order(n)["lines"]))
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        response = http.get(
            f"/resellers/v6.1/orders/{number}",
            params={"simulateStatus": "IM::SHIPPED"},
            headers=sandbox.headers(),
        )
        response.raise_for_status()
        detail: dict[str, Any] = response.json()
    source = detail["lines"]
    out = []
    for i in range(lines):
        line = copy.deepcopy(source[i % len(source)])
        line["subOrderNumber"] = f"{number}-{11 + i}"
        line["ingramOrderLineNumber"] = f"{i + 1:03d}"
        line["customerLineNumber"] = f"{i + 1:03d}"
        out.append(line)
    detail["lines"] = out
    return detail


def sandbox_summary() -> dict[str, Any]:
    """One order of a search page, as the sandbox answers it."""
    from xi_orders.testing import Sandbox

    sandbox = Sandbox(seed=5, orders=5)
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        response = http.get(
            "/resellers/v6/orders/search", params={"pageSize": 5}, headers=sandbox.headers()
        )
        response.raise_for_status()
        orders: list[dict[str, Any]] = response.json()["orders"]
    return max(orders, key=lambda o: len(json.dumps(o)))


def mock_transport(body: bytes) -> httpx.MockTransport:
    """An in-process transport answering the token endpoint, and every other call with
    ``body`` (a fixed order JSON)."""
    token = json.dumps(
        {"access_token": MOCK_TOKEN, "token_type": "Bearer", "expires_in": "86399"}
    ).encode()
    json_headers = [("Content-Type", "application/json")]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, headers=json_headers, content=token)
        cid = request.headers.get("IM-CorrelationID", "")
        return httpx.Response(200, headers=[*json_headers, ("IM-CorrelationID", cid)], content=body)

    return httpx.MockTransport(handler)


def raw_headers(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "IM-CustomerNumber": CUSTOMER_NUMBER,
        "IM-CountryCode": COUNTRY_CODE,
        "IM-CorrelationID": "bench-raw-0001",
        "Accept": "application/json",
    }


# --------------------------------------------------------------------------------------
# the sandbox as a server in another process


@dataclass
class ServedSandbox:
    url: str
    process: subprocess.Popen[str]

    def token(self) -> str:
        response = httpx.post(
            self.url + "/oauth/oauth30/token",
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def connections(self) -> int:
        """TCP connections the server has accepted so far (only when served with
        ``counting=True``: ``benchmarks._serve_counting`` answers ``count`` on stdin)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the sandbox server exited")
            if line.startswith("connections "):
                return int(line.split()[1])


@contextmanager
def served_sandbox(*args: str, counting: bool = False) -> Iterator[ServedSandbox]:
    """``python -m xi_orders.testing --port 0 <args>`` on 127.0.0.1, in its own process
    (so its CPU time and its threads stay out of ours); yields its URL once it listens.
    ``counting=True`` serves it through ``benchmarks._serve_counting``, which counts the
    TCP connections it accepts (``ServedSandbox.connections()``)."""
    module = "benchmarks._serve_counting" if counting else "xi_orders.testing"
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--host", "127.0.0.1", "--port", "0", *args],
        cwd=ROOT,
        stdin=subprocess.PIPE if counting else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if "listening on" not in first:
            raise RuntimeError(f"the sandbox server did not start: {first!r}")
        url = first.rsplit(" ", 1)[-1].strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"refusing a non-loopback sandbox URL: {url!r}")
        yield ServedSandbox(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fresh_env(pycache: str | None = None) -> dict[str, str]:
    """The environment of a fresh interpreter: bytecode caching on (this machine sets
    PYTHONDONTWRITEBYTECODE, which would make every fresh import of an editable install
    compile from source, unlike an installed wheel), in ``pycache`` if given."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if pycache is not None:
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def run_python(args: Sequence[str], env: dict[str, str] | None = None) -> tuple[str, float]:
    """Run a fresh ``python`` with ``args``; returns (stdout, wall seconds)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, env=env or fresh_env(), check=False
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{args!r} failed: {done.stderr.decode(errors='replace')[-2000:]}")
    return done.stdout.decode(), wall
