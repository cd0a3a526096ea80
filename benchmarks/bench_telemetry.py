"""Rows T1-T3: per-call overhead of OpenTelemetry support (issue 16).

    python -m benchmarks.bench_telemetry            # the full set (~2 min)
    python -m benchmarks.bench_telemetry --quick    # fewer processes and blocks
    python benchmarks/run.py --only telemetry       # the same rows in the results table

``AsyncOrdersClient.get_order`` on an in-process ``httpx.MockTransport`` (a 1-line order,
rate limiter on at a limit that never waits), CPU time per call. Three settings, each in
fresh interpreters (OpenTelemetry's presence is decided at import):

- ``absent``: OpenTelemetry made unimportable (a ``sys.meta_path`` finder refuses
  ``opentelemetry``), as when the ``otel`` extra is not installed;
- ``api-only``: the API (and the SDK) installed, no provider set: a service that has the
  API through some dependency but never configured an SDK;
- ``in-memory``: the SDK with an ``InMemorySpanExporter`` (``SimpleSpanProcessor``) and an
  ``InMemoryMetricReader``, given to the client: every span and metric recorded.

Each interpreter times its setting's client against a ``bypass`` client beside it: today's
send path without its telemetry step (``Session.send`` rebuilt from its own source with
``op = self.telemetry.begin(...)`` replaced by ``op = None``; the benchmark stops if that
line is gone), so everything else (closed check, loop following, cancel scope, per-call
options) is the same code. The two alternate call by call (AB BA ...), each call timed
alone, and each block of calls gives a ratio: differences between interpreters (memory
layout, hash seed) and the load of the moment cancel out of it, which separate
interpreters per mode did not achieve here (the same mode varied by 1.5x between
interpreters on this 2-core machine, shared with other jobs). Settings are interleaved
across interpreters; figures are medians over every block.

Rows: T1 ``absent`` against ``bypass`` and T2 ``api-only`` against ``absent`` (the ratio of
the two paired ratios), target for both the issue's: within 3% of today's path; T2 also
states ``api-only`` against ``bypass``. T3 ``in-memory`` against ``absent`` (reported).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from ._common import Row, Settings, fresh_env, spread

ROOT = Path(__file__).resolve().parent.parent
MODES = ["absent", "api-only", "in-memory"]
TARGET = 1.03

DRIVER = r"""
import asyncio, gc, json, sys, time
MODE = sys.argv[1]; CALLS = int(sys.argv[2]); PAIRS = int(sys.argv[3])
if MODE == "absent":
    class _Refuse:
        def find_spec(self, name, path=None, target=None):
            if name == "opentelemetry" or name.startswith("opentelemetry."):
                raise ModuleNotFoundError(name)
            return None
    sys.meta_path.insert(0, _Refuse())
import inspect, textwrap
import httpx
import types
from xi_orders import AsyncOrdersClient, RateLimit, _session

BODY = json.dumps({"ingramOrderNumber": "20-BENCH01", "orderStatus": "Shipped",
                   "lines": [{"ingramOrderLineNumber": "001", "ingramPartNumber": "6YE881",
                              "quantityOrdered": 1}]}).encode()
TOKEN = json.dumps({"access_token": "bench-token", "expires_in": "86399"}).encode()

def answer(request):
    if request.url.path.endswith("/token"):
        return httpx.Response(200, content=TOKEN, headers={"Content-Type": "application/json"})
    return httpx.Response(200, content=BODY, headers={"Content-Type": "application/json"})

source = textwrap.dedent(inspect.getsource(_session.Session.send))
LINE = "op = self.telemetry.begin(endpoint.name)"
if source.count(LINE) != 1:
    raise SystemExit(f"bypass: {LINE!r} is not in Session.send any more")
namespace = dict(vars(_session))
exec(compile("from __future__ import annotations\n" + source.replace(LINE, "op = None"),
             _session.__file__, "exec"), namespace)

class Bypass(AsyncOrdersClient):
    def __init__(self, **settings):
        super().__init__(**settings)
        self._session.send = types.MethodType(namespace["send"], self._session)

settings = {}
exporter = None
if MODE == "in-memory":
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    exporter = InMemorySpanExporter()
    tp = TracerProvider(); tp.add_span_processor(SimpleSpanProcessor(exporter))
    settings = {"tracer_provider": tp,
                "meter_provider": MeterProvider(metric_readers=[InMemoryMetricReader()])}

def make(cls, **extra):
    return cls(client_id="bench", client_secret="bench-secret", customer_number="20-222222",
               country_code="US", base_url="https://api.bench.test",
               transport=httpx.MockTransport(answer), rate_limit=RateLimit(10**9, 60.0),
               **extra)

async def block(client, bypass):
    # CALLS calls of each, alternating call by call (so a change of load hits both
    # alike), the order within a pair swapped every other pair; CPU us per call of each.
    clock = time.process_time
    ours = base = 0.0
    for i in range(CALLS):
        if i % 2 == 0:
            t0 = clock()
            await client.get_order("20-BENCH01")
            t1 = clock()
            await bypass.get_order("20-BENCH01")
            t2 = clock()
            ours += t1 - t0
            base += t2 - t1
        else:
            t0 = clock()
            await bypass.get_order("20-BENCH01")
            t1 = clock()
            await client.get_order("20-BENCH01")
            t2 = clock()
            base += t1 - t0
            ours += t2 - t1
    return ours / CALLS * 1e6, base / CALLS * 1e6

async def main():
    ours, base = [], []
    spans = 0
    async with make(AsyncOrdersClient, **settings) as client, make(Bypass) as bypass:
        for _ in range(300):
            await client.get_order("20-BENCH01")
            await bypass.get_order("20-BENCH01")
        # The start-up's objects out of the collector's way: a full collection over them
        # (~35 ms here) would land in one call of one side, as a long-running service's
        # rare full collections do not.
        gc.collect()
        gc.freeze()
        for i in range(PAIRS):
            a, b = await block(client, bypass)
            ours.append(a)
            base.append(b)
            if exporter is not None:  # kept flat: a real exporter keeps no spans either
                spans += len(exporter.get_finished_spans())
                exporter.clear()
    loaded = any(m.startswith("opentelemetry") for m in sys.modules)
    import xi_orders
    print(json.dumps({"ours": ours, "bypass": base, "otel_loaded": loaded, "spans": spans,
                      "package": xi_orders.__file__}))
asyncio.run(main())
"""


def _run(mode: str, calls: int, pairs: int, code: Path) -> dict[str, Any]:
    env = fresh_env()
    # ``code`` first (``-c`` puts the working directory first, then PYTHONPATH): another
    # checkout's xi_orders can be measured with this driver.
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(code), str(ROOT)]))
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, mode, str(calls), str(pairs)],
        cwd=code,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench_telemetry {mode}: {done.stderr[-2000:]}")
    out: dict[str, Any] = json.loads(done.stdout)
    if not Path(out["package"]).is_relative_to(code):
        raise RuntimeError(f"measured {out['package']}, not the xi_orders in {code}")
    if bool(out["otel_loaded"]) != (mode != "absent"):
        raise RuntimeError(f"{mode}: OpenTelemetry imported = {out['otel_loaded']}")
    if mode == "in-memory" and out["spans"] < 2 * calls * pairs:
        raise RuntimeError(f"in-memory: {out['spans']} spans for {calls * pairs} calls")
    return out


class Measured:
    """Per-block CPU us of each setting and of its bypass, and the per-pair ratios."""

    def __init__(self) -> None:
        self.ours: dict[str, list[float]] = {mode: [] for mode in MODES}
        self.bypass: dict[str, list[float]] = {mode: [] for mode in MODES}
        self.ratios: dict[str, list[float]] = {mode: [] for mode in MODES}

    def add(self, mode: str, ours: list[float], bypass: list[float]) -> None:
        self.ours[mode] += ours
        self.bypass[mode] += bypass
        self.ratios[mode] += [o / b for o, b in zip(ours, bypass, strict=True)]

    def ratio(self, mode: str) -> float:
        """``mode`` against the bypass beside it: the median of its pair ratios."""
        return statistics.median(self.ratios[mode])


def measure(processes: int, pairs: int, calls: int, code: Path = ROOT) -> Measured:
    """Each setting in ``processes`` fresh interpreters (settings interleaved, the order
    rotated each round), each timing ``pairs`` block pairs of ``calls`` calls."""
    got = Measured()
    for r in range(processes):
        for mode in MODES[r % len(MODES) :] + MODES[: r % len(MODES)]:
            out = _run(mode, calls, pairs, code)
            got.add(mode, out["ours"], out["bypass"])
    return got


def rows(got: Measured, processes: int, pairs: int, calls: int) -> list[Row]:
    """The rows. Their ratios are the paired ones (T2 and T3 over T1's: ``absent`` ran in
    other interpreters). Per-call figures differ between interpreters by far more than
    these ratios, so each row's two figures come from the same interpreters: its setting's
    blocks, and the bypass blocks beside them (times T1's ratio where the baseline is
    ``absent``)."""
    us = {mode: statistics.median(got.ours[mode]) for mode in MODES}
    beside = {mode: statistics.median(got.bypass[mode]) for mode in MODES}
    t1 = got.ratio("absent")
    t2_today = got.ratio("api-only")
    t2 = t2_today / t1
    t3 = got.ratio("in-memory") / t1
    how = (
        f"median of {processes} interpreters x {pairs} blocks of {calls} calls, each "
        "call by call against a bypass client in the same interpreter"
    )

    def pair_spread(mode: str) -> str:
        return f"block ratios {spread(got.ratios[mode])}"

    return [
        Row(
            "T1",
            "get_order per call, OpenTelemetry not installed (CPU time)",
            us["absent"],
            beside["absent"],
            "us",
            "same send path without its telemetry step",
            f"<= {TARGET:.2f}x",
            ratio=t1,
            passed=t1 <= TARGET,
            notes=f"{how}; {pair_spread('absent')}",
        ),
        Row(
            "T2",
            "get_order per call, OpenTelemetry API installed, no SDK provider set (CPU time)",
            us["api-only"],
            beside["api-only"] * t1,
            "us",
            "OpenTelemetry not installed (bypass beside it x T1's ratio)",
            f"<= {TARGET:.2f}x (and of the bypass)",
            ratio=t2,
            passed=t2 <= TARGET and t2_today <= TARGET,
            notes=f"{t2_today:.3f}x the bypass beside it (the issue's target: within 3% of "
            f"today's path); {how}; {pair_spread('api-only')}",
        ),
        Row(
            "T3",
            "get_order per call, every span and metric to the SDK's in-memory exporter and "
            "reader (CPU time)",
            us["in-memory"],
            beside["in-memory"] * t1,
            "us",
            "OpenTelemetry not installed (bypass beside it x T1's ratio)",
            "report",
            ratio=t3,
            notes=f"2 spans (operation, attempt) and 3 histogram points a call; "
            f"{got.ratio('in-memory'):.3f}x the bypass beside it; {how}; "
            f"{pair_spread('in-memory')}",
        ),
    ]


def _sizes(settings: Settings) -> tuple[int, int, int]:
    """(interpreters per setting, block pairs in each, calls a block)."""
    return settings.pick(4, 2), settings.pick(12, 6), settings.pick(400, 200)


def run(settings: Settings) -> list[Row]:
    processes, pairs, calls = _sizes(settings)
    return rows(measure(processes, pairs, calls), processes, pairs, calls)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer interpreters and blocks")
    parser.add_argument(
        "--code",
        type=Path,
        default=ROOT,
        help="a directory holding the xi_orders package to measure (default: this checkout)",
    )
    args = parser.parse_args(argv)
    processes, pairs, calls = _sizes(Settings(quick=args.quick))
    load = os.getloadavg()
    got = measure(processes, pairs, calls, args.code.resolve())
    print(
        f"code: {args.code}; load average at start {load[0]:.2f}, at end {os.getloadavg()[0]:.2f}"
    )
    for row in rows(got, processes, pairs, calls):
        print(
            f"[{row.id}] {row.ours:.1f} us vs {row.baseline:.1f} us ({row.baseline_label}): "
            f"{row.ratio:.3f}x, target {row.target}: {row.result}\n     {row.notes}"
        )


if __name__ == "__main__":
    main()
