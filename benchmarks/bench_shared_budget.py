"""Many workers, one app: the shared Redis budget and token against per-process pacing.

N worker processes (real subprocesses) each run a bulk lookup against one
``sandbox.serve()`` whose ``get_order`` limit is ``limit`` calls per ``window`` seconds
(fixed windows, as Ingram's). With ``RedisShared`` they share one budget and one token;
without it each paces itself at the full limit and fetches its own token. A third run kills
Redis mid-run. Finally the per-call cost of the Redis budget: ``RateLimiter.acquire``
latency with the Redis budget against the in-memory limiter, interleaved in one run.

    python -m benchmarks.bench_shared_budget              # the full scenario (~2.5 min)
    python -m benchmarks.bench_shared_budget --quick      # 60 calls / 2 s, a few windows each
    python -m benchmarks.bench_shared_budget --redis redis://host:6379/0   # an existing Redis

Without ``--redis`` a ``redis-server`` is started on a free port (it must be installed).

Measures, from the sandbox's own request log:
- accepted share: ``get_order`` 200s in the server's whole windows of the run (those
  strictly between the windows of the first and the last call, when every worker still had
  lookups queued) over what the limit allows in them;
- 429s in all and after the first (server-aligned) window; token requests the server saw.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


# --- the worker (a subprocess) ----------------------------------------------------------


async def _work(cfg: dict[str, Any]) -> dict[str, Any]:
    from xi_orders import AsyncOrdersClient, RateLimit
    from xi_orders.shared import RedisShared

    shared = (
        RedisShared(cfg["redis"], namespace=cfg["namespace"], margin=cfg["margin"])
        if cfg["redis"]
        else None
    )
    # Imported and ready: wait for the word to go, so the workers start together.
    print("ready", flush=True)
    await anyio.to_thread.run_sync(sys.stdin.readline)
    results: dict[str, list[str]] = {}
    async with AsyncOrdersClient(
        client_id=cfg["client_id"],
        client_secret=cfg["client_secret"],
        customer_number=cfg["customer_number"],
        country_code=cfg["country_code"],
        base_url=cfg["url"],
        rate_limit=RateLimit(cfg["limit"], cfg["window"]),
        shared=shared,
    ) as client:
        # The token first, through another endpoint (not limited here), as bench_ratelimit
        # does: the send path takes the rate slot before the token, so calls counted while
        # a cold token is fetched would reach the server late (see the report).
        await client.search_orders(page_size=1, limit=1).collect()
        if cfg["token_only"]:
            return {"results": {}, "token_requests": client.token_requests, "elapsed": 0.0}
        # Holding the token: wait again, so the lookups start together (the first worker
        # to hold the token would otherwise take the whole first window alone).
        print("warm", flush=True)
        await anyio.to_thread.run_sync(sys.stdin.readline)
        started = time.perf_counter()
        async with client.get_orders(cfg["numbers"], concurrency=cfg["concurrency"]) as stream:
            async for number, result in stream:
                results.setdefault(number, []).append(type(result).__name__)
        token_requests = client.token_requests
    return {
        "results": results,
        "token_requests": token_requests,
        "elapsed": time.perf_counter() - started,
        "redis_available": shared.available if shared is not None else None,
    }


def worker_main(config: str) -> None:
    cfg = json.loads(config)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING,
        format=f"%(asctime)s worker {cfg['index']} %(levelname)s %(name)s: %(message)s",
    )
    print(json.dumps(anyio.run(_work, cfg)), flush=True)


# --- the fleet ----------------------------------------------------------------------------


@dataclass
class Fleet:
    """What one run of N workers did, as the sandbox saw it."""

    label: str
    limit: int
    window: float
    workers: list[dict[str, Any]]
    logs: list[str]
    inputs: list[list[str]]
    ok: int = 0
    too_many: int = 0
    too_many_after_first_window: int = 0
    token_requests: int = 0
    accepted_share: float = 0.0
    whole_windows: int = 0
    per_window: list[int] = field(default_factory=list)
    elapsed: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)

    def exactly_one_result_each(self) -> bool:
        for numbers, out in zip(self.inputs, self.workers, strict=True):
            got = out["results"]
            if set(got) != set(numbers) or any(len(v) != 1 for v in got.values()):
                return False
        return True

    def summary(self) -> dict[str, Any]:
        return {
            "run": self.label,
            "accepted_share": round(self.accepted_share, 4),
            "whole_windows": self.whole_windows,
            "accepted_per_whole_window": self.per_window,
            "get_order_200": self.ok,
            "get_order_429": self.too_many,
            "429_after_first_window": self.too_many_after_first_window,
            "token_requests_server": self.token_requests,
            "worker_elapsed_max_s": round(self.elapsed, 2),
            "outcomes": dict(self.outcomes),
            "exactly_one_result_each": self.exactly_one_result_each(),
        }


def run_fleet(
    label: str,
    *,
    workers: int,
    limit: int,
    window: float,
    per_worker: int,
    redis_url: str | None,
    margin: float = 0.05,
    concurrency: int = 16,
    during: Callable[[], None] | None = None,
    during_after_calls: int = 0,
    seed: int = 11,
) -> Fleet:
    """Run ``workers`` processes against one served sandbox; ``during`` is called once
    the sandbox has answered ``during_after_calls`` lookups (e.g. to kill Redis)."""
    from xi_orders.testing import Sandbox

    sandbox = Sandbox(
        seed=seed,
        orders=workers * per_worker,
        rate_limit={"get_order": limit},
        rate_limit_window=window,
    )
    numbers = sandbox.order_numbers(sandbox.customer_number)[: workers * per_worker]
    if len(numbers) < workers * per_worker:
        raise RuntimeError(f"the sandbox has only {len(numbers)} orders of the customer")
    inputs = [numbers[i::workers] for i in range(workers)]
    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    with sandbox.serve() as url:
        procs = []
        for index, mine in enumerate(inputs):
            cfg = {
                "index": index,
                "url": url,
                "client_id": sandbox.client_id,
                "client_secret": sandbox.client_secret,
                "customer_number": sandbox.customer_number,
                "country_code": sandbox.country_code,
                "limit": limit,
                "window": window,
                "margin": margin,
                "redis": redis_url,
                "namespace": namespace,
                "numbers": mine,
                "concurrency": concurrency,
                "token_only": False,
            }
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "benchmarks.bench_shared_budget",
                        "worker",
                        json.dumps(cfg),
                    ],
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        # Every worker has imported everything: go, and fetch or share the token; when
        # every worker holds it: go, the lookups.
        for word in ("ready", "warm"):
            for p in procs:
                assert p.stdout is not None
                if p.stdout.readline().strip() != word:
                    raise RuntimeError(f"a worker did not get {word}: {p.communicate()[1][-4000:]}")
            for p in procs:
                assert p.stdin is not None
                p.stdin.write("go\n")
                p.stdin.flush()
        if during is not None:
            while sandbox.counters.responses[("get_order", 200)] < during_after_calls:
                time.sleep(0.01)
            during()
        outputs = [p.communicate(timeout=600) for p in procs]
        for p, (_out, err) in zip(procs, outputs, strict=True):
            if p.returncode != 0:
                raise RuntimeError(f"worker failed ({p.returncode}):\n{err[-4000:]}")
    fleet = Fleet(
        label=label,
        limit=limit,
        window=window,
        workers=[json.loads(out.strip().splitlines()[-1]) for out, _ in outputs],
        logs=[err for _, err in outputs],
        inputs=inputs,
    )
    counters = sandbox.counters
    fleet.ok = counters.responses[("get_order", 200)]
    fleet.too_many = counters.responses[("get_order", 429)]
    fleet.token_requests = counters.requests["token"]
    log = [r for r in sandbox.request_log if r.endpoint == "get_order"]
    first = min(r.time for r in log)
    last = max(r.time for r in log)
    first_window_end = math.floor(first / window) * window + window
    fleet.too_many_after_first_window = sum(
        1 for r in log if r.status == 429 and r.time >= first_window_end
    )
    # The server's windows strictly between the first call's and the last call's: the
    # fleet had work queued through all of them.
    first_index = math.floor(first / window)
    last_index = math.floor(last / window)
    accepted = Counter(math.floor(r.time / window) for r in log if r.status == 200)
    middle = range(first_index + 1, last_index)
    fleet.whole_windows = len(middle)
    fleet.per_window = [accepted[i] for i in middle]
    fleet.accepted_share = sum(fleet.per_window) / (len(middle) * limit) if middle else 0.0
    fleet.elapsed = max(w["elapsed"] for w in fleet.workers)
    for w in fleet.workers:
        for outcome in w["results"].values():
            fleet.outcomes.update(outcome)
    return fleet


# --- per-call overhead ----------------------------------------------------------------------


def acquire_overhead(redis_url: str, calls: int = 5000) -> dict[str, float]:
    """``RateLimiter.acquire`` latency (us): in-memory vs with the Redis budget, interleaved."""
    from xi_orders import RateLimit
    from xi_orders._ratelimit import RateLimiter
    from xi_orders.shared import RedisShared

    async def main() -> dict[str, float]:
        limit = RateLimit(calls * 4, 3600.0)  # never full: the cost of counting, not waiting
        shared = RedisShared(redis_url, namespace=f"overhead-{uuid.uuid4().hex[:8]}")
        _, budget = shared.bind("overhead-app", "overhead-secret")
        memory = RateLimiter(limit)
        redis = RateLimiter(limit, budget=budget)
        await redis.acquire("get_order")  # connect, load the script
        mem_us: list[float] = []
        red_us: list[float] = []
        for _ in range(calls):
            t0 = time.perf_counter_ns()
            await memory.acquire("get_order")
            t1 = time.perf_counter_ns()
            await redis.acquire("get_order")
            t2 = time.perf_counter_ns()
            mem_us.append((t1 - t0) / 1000)
            red_us.append((t2 - t1) / 1000)
        await shared.aclose()

        def pct(values: list[float], q: float) -> float:
            ordered = sorted(values)
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

        return {
            "calls": calls,
            "memory_p50_us": round(statistics.median(mem_us), 2),
            "memory_p99_us": round(pct(mem_us, 0.99), 2),
            "redis_p50_us": round(statistics.median(red_us), 1),
            "redis_p99_us": round(pct(red_us, 0.99), 1),
        }

    return anyio.run(main)


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="60 calls per 2 s window, a few windows"
    )
    parser.add_argument("--redis", help="an existing Redis URL (default: start redis-server)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args(argv)
    if args.quick:
        limit, window, per_worker, margin, kill_after = 60, 2.0, 60, 0.05, 90
    else:
        # 5 windows of 300 calls: at least 40 s at the limit (the first window starts
        # part-way through the server's, so 4 windows took under 30 s).
        limit, window, per_worker, margin, kill_after = 300, 10.0, 375, 0.05, 560

    server = None
    redis_url = args.redis
    if redis_url is None:
        import tempfile

        from tests.redis_support import RedisServer, require_redis_server

        server = RedisServer(require_redis_server(), Path(tempfile.mkdtemp(prefix="bench-redis-")))
        redis_url = server.start().url
    common = dict(workers=args.workers, limit=limit, window=window, per_worker=per_worker)
    from benchmarks.run import machine

    report: dict[str, Any] = {
        "machine": machine(),
        "scenario": f"{args.workers} workers x {per_worker} lookups, get_order limit "
        f"{limit} per {window:g} s (fixed windows), concurrency 16 per worker",
    }
    try:
        runs = [
            run_fleet("shared Redis budget", redis_url=redis_url, margin=margin, **common),
            run_fleet("per-process pacing (no shared budget)", redis_url=None, **common),
        ]
        if server is not None:
            killed = run_fleet(
                f"shared, Redis killed after {kill_after} lookups",
                redis_url=redis_url,
                margin=margin,
                during=server.kill,
                during_after_calls=kill_after,
                **common,
            )
            runs.append(killed)
            fell_back = sum("falling back" in log for log in killed.logs)
            report["killed_run_workers_logging_fallback"] = fell_back
            server.start()
        report["runs"] = [r.summary() for r in runs]
        report["token_requests_per_worker"] = [
            [w["token_requests"] for w in r.workers] for r in runs
        ]
        report["acquire_overhead"] = acquire_overhead(redis_url)
    finally:
        if server is not None:
            server.stop()
    report["load_average_at_end"] = os.getloadavg()
    text = json.dumps(report, indent=2)
    print(text)
    if args.json is not None:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "worker":
        worker_main(sys.argv[2])
    else:
        main()
