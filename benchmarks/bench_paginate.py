"""Rows 6 and 8: walking a search through ``AsyncPaginator``.

Row 6: a 10,000-order search (100 pages of 100) against the in-process sandbox at 50 ms
latency, pages fetched one after another vs ``prefetch=10``.

Row 8: peak memory (peak RSS: VmHWM, see _walk.py) of a fresh interpreter walking 100,000 orders vs 1,000.
The sandbox cannot hold 100,000 orders cheaply (generating 10,000 takes ~11 s and
~230 MiB here), so the pages come from a tiny transport that builds each page on the fly
from one sandbox order summary (see ``_walk.py``).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from xi_orders.testing import Sandbox

from ._common import HERE, Row, Settings, median, run_python, sandbox_summary, spread

LATENCY = 0.05
PAGE_SIZE = 100
PREFETCH = 10


async def _walk(sandbox: Sandbox, prefetch: int) -> tuple[float, int]:
    async with sandbox.client(rate_limit=None) as client:
        started = time.perf_counter()
        count = 0
        async for _ in client.search_orders(page_size=PAGE_SIZE, prefetch=prefetch):
            count += 1
        return time.perf_counter() - started, count


def _row6(settings: Settings) -> Row:
    import asyncio

    orders = settings.pick(10_000, 2_000)
    repeats = settings.pick(3, 2)
    built = time.perf_counter()
    sandbox = Sandbox(seed=6, orders=orders, latency=LATENCY)
    built = time.perf_counter() - built
    sequential: list[float] = []
    prefetched: list[float] = []
    for i in range(repeats):
        steps = [(sequential, 0), (prefetched, PREFETCH)]
        for samples, prefetch in steps if i % 2 == 0 else reversed(steps):
            elapsed, count = asyncio.run(_walk(sandbox, prefetch))
            assert count == orders, (count, orders)
            samples.append(elapsed)
    s, p = median(sequential), median(prefetched)
    pages = -(-orders // PAGE_SIZE)
    return Row(
        "6",
        f"walk a {orders:,}-order search ({pages} pages of {PAGE_SIZE}), 50 ms latency: "
        f"prefetch={PREFETCH}",
        p,
        s,
        "s",
        "pages one after another",
        "report speed-up",
        notes=f"speed-up {s / p:.1f}x; ideal sequential {pages * LATENCY:.1f} s; median of "
        f"{repeats}: sequential {spread(sequential)} s, prefetch {spread(prefetched)} s "
        f"(sandbox built in {built:.1f} s)",
    )


def _walk_process(template: Path, orders: int, prefetch: int) -> dict[str, float]:
    out, _ = run_python(
        [str(HERE / "_walk.py"), str(template), str(orders), str(PAGE_SIZE), str(prefetch)]
    )
    result: dict[str, float] = json.loads(out)
    return result


def _row8(settings: Settings) -> Row:
    repeats = settings.pick(3, 1)
    big = settings.pick(100_000, 20_000)
    small = 1_000
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "summary.json"
        template.write_text(json.dumps(sandbox_summary()))
        runs: dict[int, list[dict[str, float]]] = {small: [], big: []}
        for i in range(repeats):
            for size in (small, big) if i % 2 == 0 else (big, small):
                runs[size].append(_walk_process(template, size, PREFETCH))
    for size, results in runs.items():
        assert all(r["orders"] == size for r in results), (size, results)
    big_rss = median([r["maxrss_mib"] for r in runs[big]])
    small_rss = median([r["maxrss_mib"] for r in runs[small]])
    big_growth = median([r["growth_mib"] for r in runs[big]])
    small_growth = median([r["growth_mib"] for r in runs[small]])
    seconds = median([r["seconds"] for r in runs[big]])
    quick = f" (quick mode: {big:,})" if settings.quick else ""
    return Row(
        "8",
        f"peak memory (peak RSS) walking {big:,} orders, prefetch={PREFETCH}, fresh interpreter"
        f"{quick}",
        big_rss,
        small_rss,
        "MiB",
        f"the same walking {small:,} orders",
        "<= 1.2x (flat)",
        passed=big_rss / small_rss <= 1.2,
        notes=f"growth over the process after imports and setup: {big_growth:.1f} MiB vs "
        f"{small_growth:.1f} MiB; {big:,} orders walked in {seconds:.1f} s; synthetic pages "
        f"from a tiny transport (one sandbox summary, renumbered); median of {repeats}",
    )


def run(settings: Settings) -> list[Row]:
    return [_row6(settings), _row8(settings)]
