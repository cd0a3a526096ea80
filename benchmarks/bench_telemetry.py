"""Per-call overhead of OpenTelemetry support (issue 16): ``python -m benchmarks.bench_telemetry``.

``AsyncOrdersClient.get_order`` on an in-process ``httpx.MockTransport`` (a 1-line order,
rate limiter on at a limit that never waits), CPU time per call, in four modes, each in
its own fresh interpreter, rounds interleaved so drift hits every mode alike:

- ``bypass``: ``_send`` patched to call the send path with no telemetry step and no
  option merge: the closest stand-in for the per-call path before tracing existed;
- ``absent``: OpenTelemetry made unimportable (a ``sys.meta_path`` finder refuses
  ``opentelemetry``), as when the ``otel`` extra is not installed;
- ``api-only``: the API installed, no SDK, no provider set (non-recording spans);
- ``in-memory``: the SDK with an ``InMemorySpanExporter`` (SimpleSpanProcessor) and an
  ``InMemoryMetricReader``: every span and metric recorded.

Target (the issue): ``absent`` and ``api-only`` within 3% of ``bypass``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

MODES = ["bypass", "absent", "api-only", "in-memory"]
CALLS = 3000
ROUNDS = 9

DRIVER = r"""
import asyncio, json, sys, time
MODE = sys.argv[1]; CALLS = int(sys.argv[2])
if MODE == "absent":
    class _Refuse:
        def find_spec(self, name, path=None, target=None):
            if name == "opentelemetry" or name.startswith("opentelemetry."):
                raise ModuleNotFoundError(name)
            return None
    sys.meta_path.insert(0, _Refuse())
import httpx
from xi_orders import AsyncOrdersClient, RateLimit
from xi_orders import client as client_module

BODY = json.dumps({"ingramOrderNumber": "20-BENCH01", "orderStatus": "Shipped",
                   "lines": [{"ingramOrderLineNumber": "001", "ingramPartNumber": "6YE881",
                              "quantityOrdered": 1}]}).encode()
TOKEN = json.dumps({"access_token": "bench-token", "expires_in": "86399"}).encode()

def answer(request):
    if request.url.path.endswith("/token"):
        return httpx.Response(200, content=TOKEN, headers={"Content-Type": "application/json"})
    return httpx.Response(200, content=BODY, headers={"Content-Type": "application/json"})

settings = {}
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
if MODE == "bypass":
    async def _send(self, endpoint, *, path_arg=None, params=None, body=None,
                    correlation_id=None, options=None):
        return await self._sender.send(endpoint, path_arg=path_arg, params=params, body=body,
                                       correlation_id=correlation_id)
    client_module.AsyncOrdersClient._send = _send

async def main():
    client = AsyncOrdersClient(client_id="bench", client_secret="bench-secret",
        customer_number="20-222222", country_code="US", base_url="https://api.bench.test",
        transport=httpx.MockTransport(answer), rate_limit=RateLimit(10**9, 60.0), **settings)
    async with client:
        for _ in range(300):
            await client.get_order("20-BENCH01")
        if MODE == "in-memory":
            exporter.clear()
        started = time.process_time()
        for _ in range(CALLS):
            await client.get_order("20-BENCH01")
        cpu = time.process_time() - started
    loaded = any(m.startswith("opentelemetry") for m in sys.modules)
    print(json.dumps({"us_per_call": cpu / CALLS * 1e6, "otel_loaded": loaded}))
asyncio.run(main())
"""


def _run(mode: str) -> dict[str, float]:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, mode, str(CALLS)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": root},
        check=True,
    )
    return dict(json.loads(done.stdout))


def main() -> None:
    results: dict[str, list[float]] = {mode: [] for mode in MODES}
    loaded: dict[str, bool] = {}
    for _ in range(ROUNDS):
        for mode in MODES:
            out = _run(mode)
            results[mode].append(out["us_per_call"])
            loaded[mode] = bool(out["otel_loaded"])
    base = statistics.median(results["bypass"])
    print(f"get_order per call, CPU us (median of {ROUNDS} runs x {CALLS} calls)")
    print(f"{'mode':<10} {'median':>8} {'min':>8} {'max':>8} {'vs bypass':>10}  otel imported")
    for mode in MODES:
        values = results[mode]
        med = statistics.median(values)
        print(
            f"{mode:<10} {med:8.1f} {min(values):8.1f} {max(values):8.1f} "
            f"{(med / base - 1) * 100:+9.1f}%  {loaded[mode]}"
        )


if __name__ == "__main__":
    main()
