"""Rows S1-S6: 1,000 lookups over real localhost sockets (issue 12), and the bulk layer.

The sandbox is served by ``python -m benchmarks._serve_counting`` (``python -m
xi_orders.testing`` counting the TCP connections it accepts) in its own process, so its CPU
is not ours and new connections are counted server-side.

- S1/S2: wall time of 1,000 lookups, ours (the default client: aiohttp's transport under
  asyncio with the extra, httpcore shards under trio) vs the official SDK in a thread pool
  of the same size, at concurrency 50 and 200, asyncio and trio; 50 ms latency.
- S3: client CPU per lookup (asyncio, concurrency 50), beside raw aiohttp and raw httpx
  making the same calls with ``json.loads`` and the same model decode.
- S4: new TCP connections per 1,000 lookups (server-side), the most of any run.
- S5: zero latency: lookups/s, ours vs official threads vs raw aiohttp (concurrency 50).
- S6: the bulk layer in-process (MockTransport answering after 50 ms, 1,000 lookups,
  concurrency 50): ``get_orders`` vs a gather of ``get_order`` on the same client vs raw
  httpx + gather.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from xi_orders import AsyncOrdersClient, XiError
from xi_orders._convert import structure
from xi_orders.models import OrderDetail

from ._common import (
    CLIENT_ID,
    CLIENT_SECRET,
    COUNTRY_CODE,
    CUSTOMER_NUMBER,
    Row,
    ServedSandbox,
    Settings,
    cpu_seconds,
    median,
    served_sandbox,
    spread,
)

COUNT = 1000
LATENCY = 0.05


Server = ServedSandbox


@contextmanager
def counting_server(latency: float, orders: int = COUNT) -> Iterator[ServedSandbox]:
    """The sandbox in its own process, counting the connections it accepts."""
    with served_sandbox(
        "--orders", str(orders), "--seed", "4", "--latency", str(latency), counting=True
    ) as server:
        yield server


@dataclass
class Run:
    """One timed batch of 1,000 lookups. ``connections``: new TCP connections over the
    client's whole life (its warm-up batch of ``concurrency`` lookups included). ``gc``: the
    part of ``cpu`` spent in the garbage collector (``ours`` and ``raw_aiohttp`` only)."""

    seconds: float
    cpu: float
    connections: int
    failures: int
    gc: float = 0.0


class _GcClock:
    """CPU seconds spent in garbage collections so far (``gc.callbacks``), this process."""

    def __init__(self) -> None:
        import gc

        self.total = 0.0
        self._start = 0.0
        gc.callbacks.append(self._on)

    def _on(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.total += time.process_time() - self._start


_gc_clock: _GcClock | None = None


def gc_seconds() -> float:
    """CPU seconds spent in garbage collection since the first call."""
    global _gc_clock
    if _gc_clock is None:
        _gc_clock = _GcClock()
    return _gc_clock.total


def _measure(server: Server, body: Callable[[], int], before: int) -> Run:
    cpu = cpu_seconds()
    started = time.perf_counter()
    failures = body()
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu
    return Run(seconds, cpu, server.connections() - before, failures)


def _client(server: Server) -> AsyncOrdersClient:
    return AsyncOrdersClient(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        customer_number=CUSTOMER_NUMBER,
        country_code=COUNTRY_CODE,
        base_url=server.url,
        rate_limit=None,
    )


def _headers(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "IM-CustomerNumber": CUSTOMER_NUMBER,
        "IM-CountryCode": COUNTRY_CODE,
        "Accept": "application/json",
    }


def ours(server: Server, numbers: list[str], concurrency: int, backend: str) -> Run:
    """The default client's ``get_orders`` (warmed up: token, connections, decoders)."""
    result: list[Run] = []

    async def main() -> None:
        before = server.connections()
        async with _client(server) as client:
            await client.get_orders(numbers[:concurrency], concurrency=concurrency).collect()

            async def batch() -> dict[str, Any]:
                return await client.get_orders(numbers, concurrency=concurrency).collect()

            cpu, gc = cpu_seconds(), gc_seconds()
            started = time.perf_counter()
            results = await batch()
            seconds = time.perf_counter() - started
            cpu, gc = cpu_seconds() - cpu, gc_seconds() - gc
            failures = sum(isinstance(r, XiError) for r in results.values())
            result.append(Run(seconds, cpu, server.connections() - before, failures, gc))

    anyio.run(main, backend=backend)
    return result[0]


def raw_aiohttp(
    server: Server, numbers: list[str], concurrency: int, token: str, *, keep: bool = True
) -> Run:
    """aiohttp alone: a session with ``concurrency`` connections, ``json.loads``, the same
    model decode; ``keep``: the decoded orders are kept to the end of the batch, as
    ``get_orders(...).collect()`` keeps ours (1,000 live orders make the garbage collector
    work, about 0.1-0.3 ms a lookup here: a baseline that drops them does less work)."""
    import aiohttp

    result: list[Run] = []

    async def main() -> None:
        before = server.connections()
        headers = _headers(token)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            failures = 0
            kept: dict[str, OrderDetail] = {}

            async def run(batch: list[str]) -> None:
                nonlocal failures
                queue = iter(batch)

                async def worker() -> None:
                    nonlocal failures
                    for number in queue:
                        async with session.get(
                            f"{server.url}/resellers/v6.1/orders/{number}",
                            headers={**headers, "IM-CorrelationID": uuid.uuid4().hex},
                        ) as response:
                            body = await response.read()
                        if response.status != 200:
                            failures += 1
                            continue
                        detail = structure(json.loads(body), OrderDetail)
                        if keep:
                            kept[number] = detail

                await asyncio.gather(*(worker() for _ in range(concurrency)))

            await run(numbers[:concurrency])
            kept.clear()
            cpu, gc = cpu_seconds(), gc_seconds()
            started = time.perf_counter()
            await run(numbers)
            seconds = time.perf_counter() - started
            cpu, gc = cpu_seconds() - cpu, gc_seconds() - gc
            result.append(Run(seconds, cpu, server.connections() - before, failures, gc))

    asyncio.run(main())
    return result[0]


def raw_httpx(
    server: Server, numbers: list[str], concurrency: int, token: str, backend: str
) -> Run:
    """A default ``httpx.AsyncClient``, ``concurrency`` workers, ``response.json()``, the
    same model decode, the decoded orders kept (as ``raw_aiohttp`` keeps them)."""
    result: list[Run] = []

    async def main() -> None:
        before = server.connections()
        async with httpx.AsyncClient(base_url=server.url, headers=_headers(token)) as http:
            failures = 0
            kept: dict[str, OrderDetail] = {}

            async def run(batch: list[str]) -> None:
                nonlocal failures
                queue = iter(batch)

                async def worker() -> None:
                    nonlocal failures
                    for number in queue:
                        response = await http.get(
                            f"/resellers/v6.1/orders/{number}",
                            headers={"IM-CorrelationID": uuid.uuid4().hex},
                        )
                        if response.status_code != 200:
                            failures += 1
                            continue
                        kept[number] = structure(response.json(), OrderDetail)

                async with anyio.create_task_group() as tg:
                    for _ in range(concurrency):
                        tg.start_soon(worker)

            await run(numbers[:concurrency])
            kept.clear()
            cpu = cpu_seconds()
            started = time.perf_counter()
            await run(numbers)
            seconds = time.perf_counter() - started
            cpu = cpu_seconds() - cpu
            result.append(Run(seconds, cpu, server.connections() - before, failures))

    anyio.run(main, backend=backend)
    return result[0]


def official(server: Server, numbers: list[str], threads: int, token: str) -> Run | None:
    """The official SDK in a pool of ``threads`` threads, urllib3's pool sized to match."""
    try:
        import xi.sdk.resellers as xs
        from xi.sdk.resellers.api.orders_api import OrdersApi
    except ImportError:
        return None
    config = xs.Configuration(host=server.url, access_token=token)
    config.connection_pool_maxsize = max(threads, config.connection_pool_maxsize)
    api = OrdersApi(xs.ApiClient(config))
    failures = 0

    def one(number: str) -> None:
        nonlocal failures
        try:
            api.get_orderdetails_v6_1(number, CUSTOMER_NUMBER, COUNTRY_CODE, uuid.uuid4().hex)
        except Exception:
            failures += 1

    before = server.connections()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, numbers[:threads]))  # warm up: connections
        failures = 0

        def body() -> int:
            list(pool.map(one, numbers))
            return failures

        return _measure(server, body, before)


def _numbers(server: Server) -> list[str]:
    async def main() -> list[str]:
        async with _client(server) as client:
            orders = await client.search_orders(page_size=100, limit=COUNT, prefetch=10).collect()
        return [o.ingram_order_number for o in orders if o.ingram_order_number]

    return anyio.run(main)


def _ms(run: Run) -> float:
    return run.cpu / COUNT * 1e3


def _gc_ms(run: Run) -> float:
    """The garbage collector's share of ``_ms(run)``."""
    return run.gc / COUNT * 1e3


def _served_rows(settings: Settings) -> list[Row]:
    repeats = settings.pick(3, 1)
    rows: list[Row] = []
    conns: list[tuple[str, int, int]] = []
    with counting_server(LATENCY) as server:
        numbers = _numbers(server)
        assert len(numbers) == COUNT, len(numbers)
        token = server.token()
        for backend, target in (("asyncio", 1.0), ("trio", 1.3)):
            for concurrency in (50, 200):
                mine: list[Run] = []
                theirs: list[Run] = []
                for i in range(repeats):
                    steps: list[tuple[list[Run], Callable[[], Run | None]]] = [
                        (mine, lambda c=concurrency, be=backend: ours(server, numbers, c, be)),
                        (theirs, lambda c=concurrency: official(server, numbers, c, token)),
                    ]
                    for samples, step in steps if i % 2 == 0 else reversed(steps):
                        run = step()
                        if run is not None:
                            samples.append(run)
                conns.extend(
                    (f"{backend} c={concurrency}", concurrency, r.connections) for r in mine
                )
                wall = median([r.seconds for r in mine])
                failures = sum(r.failures for r in mine)
                base = median([r.seconds for r in theirs]) if theirs else None
                rows.append(
                    Row(
                        f"S{'1' if concurrency == 50 else '2'}{'a' if backend == 'asyncio' else 't'}",
                        f"1,000 lookups over localhost, 50 ms latency, {backend}, concurrency "
                        f"{concurrency}: ours (default client) vs official SDK threads",
                        wall,
                        base,
                        "s",
                        f"official SDK, ThreadPoolExecutor({concurrency})"
                        if theirs
                        else "xi-sdk-resellers not installed",
                        f"<= {target}x",
                        passed=None if base is None else wall / base <= target and failures == 0,
                        notes=f"median of {len(mine)} ({spread([r.seconds for r in mine])} s); "
                        f"failures {failures}; ours CPU {median([_ms(r) for r in mine]):.2f} ms "
                        f"a lookup, official {median([_ms(r) for r in theirs]) if theirs else 0:.2f} "
                        f"ms; new connections ours {[r.connections for r in mine]}",
                    )
                )
        # S3: CPU per lookup, asyncio, concurrency 50
        mine, aio, hx = [], [], []
        for _ in range(repeats):
            mine.append(ours(server, numbers, 50, "asyncio"))
            aio.append(raw_aiohttp(server, numbers, 50, token))
            hx.append(raw_httpx(server, numbers, 50, token, "asyncio"))
        cpu = median([_ms(r) for r in mine])
        rows.append(
            Row(
                "S3",
                "client CPU per lookup over localhost (asyncio, concurrency 50, 50 ms latency)",
                cpu,
                median([_ms(r) for r in aio]),
                "ms",
                "raw aiohttp + json.loads + the same decode",
                "<= 0.8 ms",
                passed=cpu <= 0.8,
                notes=f"raw httpx (default client) + the same decode: "
                f"{median([_ms(r) for r in hx]):.2f} ms, {[r.connections for r in hx]} new "
                f"connections; median of {repeats}",
            )
        )
        worst = max(conns, key=lambda c: c[2] - c[1])
        rows.append(
            Row(
                "S4",
                "new TCP connections per 1,000 lookups (server-side count), worst of S1/S2",
                float(worst[2]),
                float(worst[1]),
                "conns",
                f"the concurrency ({worst[0]})",
                "<= concurrency + 10",
                passed=all(c <= k + 10 for _, k, c in conns),
                notes="; ".join(f"{name}: {c}" for name, _, c in conns),
            )
        )
    with counting_server(0.0) as server:
        numbers = _numbers(server)
        token = server.token()
        mine, aio, theirs_ = [], [], []
        for _ in range(repeats):
            mine.append(ours(server, numbers, 50, "asyncio"))
            aio.append(raw_aiohttp(server, numbers, 50, token))
            run = official(server, numbers, 50, token)
            if run is not None:
                theirs_.append(run)
        rate = COUNT / median([r.seconds for r in mine])
        base_rate = COUNT / median([r.seconds for r in theirs_]) if theirs_ else None
        rows.append(
            Row(
                "S5",
                "zero latency, concurrency 50: lookups/s over localhost (asyncio)",
                rate,
                base_rate,
                "/s",
                "official SDK, ThreadPoolExecutor(50)",
                "report",
                notes=f"raw aiohttp + the same decode: "
                f"{COUNT / median([r.seconds for r in aio]):.0f}/s; median of {repeats}",
            )
        )
    return rows


# --------------------------------------------------------------------------------------
# S6: the bulk layer, in-process


def _bulk_rows(settings: Settings) -> list[Row]:
    from ._common import MOCK_BASE, mock_transport, raw_headers, sandbox_detail

    repeats = settings.pick(5, 3)
    body = json.dumps(sandbox_detail(1)).encode()
    inner = mock_transport(body)

    class Slow(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if not request.url.path.endswith("/token"):
                await anyio.sleep(LATENCY)
            return inner.handle_request(request)

    numbers = [f"20-{i:05d}" for i in range(COUNT)]

    async def main() -> tuple[list[float], list[float], list[float]]:
        bulk: list[float] = []
        gathered: list[float] = []
        raw: list[float] = []
        client = AsyncOrdersClient(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            customer_number=CUSTOMER_NUMBER,
            country_code=COUNTRY_CODE,
            base_url=MOCK_BASE,
            rate_limit=None,
            transport=Slow(),
        )
        sem = asyncio.Semaphore(50)

        # Both baselines keep their results, as get_orders does: 1,000 live decoded orders
        # make every garbage collection slower (a baseline that drops them looked ~15% faster).
        async def one(number: str) -> OrderDetail:
            async with sem:
                return await client.get_order(number)

        async with client, httpx.AsyncClient(transport=Slow(), base_url=MOCK_BASE) as http:
            headers = raw_headers("t")

            async def raw_one(number: str) -> OrderDetail:
                async with sem:
                    response = await http.get(f"/resellers/v6.1/orders/{number}", headers=headers)
                    return structure(response.json(), OrderDetail)

            await client.get_orders(numbers[:100], concurrency=50).collect()
            for _ in range(repeats):
                started = time.perf_counter()
                await client.get_orders(numbers, concurrency=50).collect()
                bulk.append(time.perf_counter() - started)
                started = time.perf_counter()
                await asyncio.gather(*(one(n) for n in numbers))
                gathered.append(time.perf_counter() - started)
                started = time.perf_counter()
                await asyncio.gather(*(raw_one(n) for n in numbers))
                raw.append(time.perf_counter() - started)
        return bulk, gathered, raw

    bulk, gathered, raw = asyncio.run(main())
    b, g, r = median(bulk), median(gathered), median(raw)
    return [
        Row(
            "S6a",
            "bulk layer in-process (MockTransport, 50 ms, 1,000 lookups, concurrency 50): "
            "get_orders vs gather of get_order, same client",
            b,
            g,
            "s",
            "asyncio.gather of get_order (semaphore 50)",
            "<= 1.05x",
            passed=b / g <= 1.05,
            notes=f"median of {repeats}; get_orders {spread(bulk)} s, gather {spread(gathered)} s",
        ),
        Row(
            "S6b",
            "bulk layer in-process: get_orders vs raw httpx + gather (same transport, decode)",
            b,
            r,
            "s",
            "raw httpx.AsyncClient + json + the same decode, gather (semaphore 50)",
            "<= 1.10x",
            passed=b / r <= 1.10,
            notes=f"median of {repeats}; raw {spread(raw)} s",
        ),
    ]


def run(settings: Settings) -> list[Row]:
    return [*_served_rows(settings), *_bulk_rows(settings)]


def _cpu_main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.bench_sockets [--repeats N] [--official] [--profile FILE]
    [--backend trio]``: row S3 alone (client CPU per lookup, asyncio or trio, concurrency 50,
    50 ms latency), ours vs raw aiohttp keeping and dropping its results (and the official
    SDK's threads with ``--official``), each repetition printed with the garbage collector's
    share of the CPU; ``--profile`` writes a cProfile of one more run of ours."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_sockets")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--no-raw", action="store_true", help="skip the raw aiohttp baseline")
    parser.add_argument("--official", action="store_true", help="also the official SDK threads")
    parser.add_argument("--profile", metavar="FILE", help="cProfile one more run of ours")
    parser.add_argument(
        "--backend", choices=("asyncio", "trio"), default="asyncio", help="ours on this loop"
    )
    args = parser.parse_args(argv)
    c = args.concurrency
    with counting_server(LATENCY) as server:
        numbers = _numbers(server)
        token = server.token()
        mine: list[Run] = []
        raw: list[Run] = []
        dropped: list[float] = []
        sdk: list[float] = []
        for i in range(args.repeats):
            mine.append(ours(server, numbers, c, args.backend))
            line = (
                f"run {i + 1}: ours {_ms(mine[-1]):.3f} ms CPU/lookup (gc {_gc_ms(mine[-1]):.3f})"
            )
            if not args.no_raw:
                raw.append(raw_aiohttp(server, numbers, c, token))
                dropped.append(_ms(raw_aiohttp(server, numbers, c, token, keep=False)))
                line += (
                    f", raw aiohttp {_ms(raw[-1]):.3f} ms (gc {_gc_ms(raw[-1]):.3f}; dropping "
                    f"its results {dropped[-1]:.3f})"
                )
            if args.official:
                run = official(server, numbers, c, token)
                if run is not None:
                    sdk.append(_ms(run))
                    line += f", official SDK threads {sdk[-1]:.3f} ms"
            print(line, flush=True)

        def summary(runs: list[Run]) -> str:
            cpu = [_ms(r) for r in runs]
            rest = [_ms(r) - _gc_ms(r) for r in runs]
            return f"{median(cpu):.3f} ms ({median(rest):.3f} outside the garbage collector)"

        print(
            f"median: ours {summary(mine)}"
            + (
                f", raw aiohttp {summary(raw)}, dropping its results {median(dropped):.3f}"
                if raw
                else ""
            )
            + (f", official SDK threads {median(sdk):.3f} ms" if sdk else "")
        )
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
            ours(server, numbers, c, args.backend)
            profiler.disable()
            profiler.dump_stats(args.profile)
            print(f"profile written to {args.profile}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_cpu_main())
