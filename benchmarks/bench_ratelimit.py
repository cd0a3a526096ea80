"""Row 5: a bulk lookup against the sandbox's rate limit (600 calls a minute).

The sandbox counts calls in fixed windows and answers 429 past the limit; the client
(``sandbox.client()``: the same limit, ``RateLimit(600, 60)``) paces with a sliding
window. The lookup runs for 90 s (quick mode: a 10-s window of 100 calls, the same 600 a
minute, for 15 s), with more orders than the window allows, then is cancelled.

Throughput: the calls the server accepted whose send falls in the first whole windows of
the run (measured from the first call), as a share of what the limit allows in those
windows. A pacer that leaves room unused scores below 100%; one that overshoots gets 429s.
Every 429 in the run is counted from the sandbox's counters.
"""

from __future__ import annotations

import time

import anyio

from xi_orders.testing import Sandbox

from ._common import Row, Settings

LATENCY = 0.05
CONCURRENCY = 50


def run(settings: Settings) -> list[Row]:
    limit, window, duration = settings.pick((600, 60.0, 90.0), (100, 10.0, 15.0))
    orders = int(limit * (duration / window + 1))
    sandbox = Sandbox(
        seed=5, orders=orders, latency=LATENCY, rate_limit=limit, rate_limit_window=window
    )
    numbers = sandbox.order_numbers()

    async def main() -> float:
        async with sandbox.client() as client:
            # The token first, through another endpoint (its own window), so the first
            # lookups are not held back by it after taking their slots.
            await client.search_orders(page_size=1, limit=1).collect()
            sandbox.reset_counters()
            started = time.perf_counter()
            with anyio.move_on_after(duration):
                async with client.get_orders(numbers, concurrency=CONCURRENCY) as results:
                    async for _ in results:
                        pass
            return time.perf_counter() - started

    elapsed = anyio.run(main)
    counters = sandbox.counters
    log = [r for r in sandbox.request_log if r.endpoint == "get_order"]
    ok = counters.responses[("get_order", 200)]
    too_many = counters.responses[("get_order", 429)]
    total = counters.requests["get_order"]
    first = min(r.time for r in log)
    whole = max(1, int(duration // window))
    in_whole = sum(1 for r in log if r.status == 200 and r.time < first + whole * window)
    share = in_whole / (whole * limit)
    rate_429 = too_many / total if total else 0.0
    per_window: list[int] = []
    for i in range(int(duration // window) + 1):
        lo, hi = first + i * window, first + (i + 1) * window
        per_window.append(sum(1 for r in log if r.status == 200 and lo <= r.time < hi))
    quick = " (quick mode: the window shortened to 10 s / 100 calls)" if settings.quick else ""
    return [
        Row(
            "5",
            f"bulk lookup at a sandbox limit of {limit}/{window:.0f} s for {duration:.0f} s"
            f", concurrency 50, 50 ms latency{quick}",
            share * 100,
            100.0,
            "% of limit",
            f"the limit: {limit * whole} calls in the first {whole} window(s)",
            ">= 95% and <= 1% 429s",
            ratio=share,
            passed=share >= 0.95 and rate_429 <= 0.01,
            notes=f"429s: {too_many} of {total} calls ({rate_429:.2%}); accepted {ok} in "
            f"{elapsed:.1f} s; accepted per window from the first call: {per_window}",
            details={"accepted": ok, "429": too_many, "requests": total, "per_window": per_window},
        )
    ]
