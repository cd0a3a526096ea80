"""Rows 1 and 7: per-call plumbing overhead of ``get_order`` on an in-process transport.

Row 1: ``AsyncOrdersClient.get_order`` (token auth, IM-* headers, correlation ID, rate
limiter ON at a limit that never waits, retry loop, logging check, error mapping, model
decode) vs raw ``httpx.AsyncClient.get`` + ``json.loads`` + the same model decode, on the
same ``httpx.MockTransport`` answering a fixed 20-line order.

Row 7: the sync ``OrdersClient`` (a call through the BlockingPortal thread) vs the async
client, on a 1-line order (a small body keeps the decode's noise out of the difference).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from xi_orders import AsyncOrdersClient, RateLimit
from xi_orders._convert import structure
from xi_orders.models import OrderDetail
from xi_orders.sync import OrdersClient

from ._common import (
    CLIENT_ID,
    CLIENT_SECRET,
    COUNTRY_CODE,
    CUSTOMER_NUMBER,
    MOCK_BASE,
    MOCK_TOKEN,
    Row,
    Settings,
    median,
    mock_transport,
    raw_headers,
    sandbox_detail,
    spread,
)

ORDER = "20-BENCH01"
#: Row 1 runs on one thread: its CPU time is immune to neighbours taking the core away.
CPU_CLOCK = time.process_time
#: High enough never to wait: the limiter still runs its full path on every call.
NEVER_WAITS = RateLimit(10**9, 60.0)


def _client(transport: httpx.AsyncBaseTransport) -> AsyncOrdersClient:
    return AsyncOrdersClient(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        customer_number=CUSTOMER_NUMBER,
        country_code=COUNTRY_CODE,
        base_url=MOCK_BASE,
        transport=transport,
        rate_limit=NEVER_WAITS,
    )


async def _async_per_call(
    client: AsyncOrdersClient, calls: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    started = clock()
    for _ in range(calls):
        await client.get_order(ORDER)
    return (clock() - started) / calls


async def _row1(body: bytes, calls: int, repeats: int) -> tuple[list[float], list[float]]:
    transport = mock_transport(body)
    url = f"{MOCK_BASE}/resellers/v6.1/orders/{ORDER}"
    headers = raw_headers(MOCK_TOKEN)

    async with _client(transport) as client, httpx.AsyncClient(transport=transport) as raw:

        async def raw_per_call() -> float:
            started = CPU_CLOCK()
            for _ in range(calls):
                response = await raw.get(url, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(response.status_code)
                structure(json.loads(response.content), OrderDetail)
            return (CPU_CLOCK() - started) / calls

        # Warm up both (token fetch, generated structure functions, caches).
        await _async_per_call(client, 50)
        await raw_per_call()
        ours: list[float] = []
        base: list[float] = []
        for i in range(repeats):
            if i % 2 == 0:
                ours.append(await _async_per_call(client, calls, CPU_CLOCK))
                base.append(await raw_per_call())
            else:
                base.append(await raw_per_call())
                ours.append(await _async_per_call(client, calls, CPU_CLOCK))
    return ours, base


def _row7(body: bytes, calls: int, repeats: int) -> tuple[list[float], list[float]]:
    async def async_rep() -> float:
        async with _client(mock_transport(body)) as client:
            await _async_per_call(client, 50)  # warm up
            return await _async_per_call(client, calls)

    ours: list[float] = []
    base: list[float] = []
    with OrdersClient.wrap(_client(mock_transport(body))) as sync:
        for _ in range(50):  # warm up
            sync.get_order(ORDER)

        def sync_rep() -> float:
            started = time.perf_counter()
            for _ in range(calls):
                sync.get_order(ORDER)
            return (time.perf_counter() - started) / calls

        for i in range(repeats):
            if i % 2 == 0:
                ours.append(sync_rep())
                base.append(asyncio.run(async_rep()))
            else:
                base.append(asyncio.run(async_rep()))
                ours.append(sync_rep())
    return ours, base


def run(settings: Settings) -> list[Row]:
    calls = settings.pick(200, 100)
    repeats = settings.pick(41, 11)
    detail20: dict[str, Any] = sandbox_detail(20)
    body20 = json.dumps(detail20).encode()
    ours, base = asyncio.run(_row1(body20, calls, repeats))
    o, b = median(ours), median(base)
    row1 = Row(
        "1",
        "get_order per call, in-process transport (20-line order, limiter on; CPU time)",
        o * 1e6,
        b * 1e6,
        "us",
        "raw httpx + json.loads + same decode",
        "<= 1.15x",
        passed=o / b <= 1.15,
        notes=f"plumbing +{(o - b) * 1e6:.0f} us/call; {len(body20) // 1024} KiB body; "
        f"median of {repeats} x {calls} calls; ours {spread([x * 1e6 for x in ours])} us, "
        f"raw {spread([x * 1e6 for x in base])} us",
    )
    body1 = json.dumps(sandbox_detail(1)).encode()
    s_ours, s_base = _row7(body1, calls, repeats)
    so, sb = median(s_ours), median(s_base)
    overhead = (so - sb) * 1e6
    row7 = Row(
        "7",
        "sync OrdersClient.get_order per call (1-line order)",
        so * 1e6,
        sb * 1e6,
        "us",
        "AsyncOrdersClient.get_order",
        "<= +150 us/call",
        passed=overhead <= 150,
        notes=f"sync overhead +{overhead:.0f} us/call; median of {repeats} x {calls} calls; "
        f"sync {spread([x * 1e6 for x in s_ours])} us, async {spread([x * 1e6 for x in s_base])} us",
        details={"overhead_us": overhead},
    )
    return [row1, row7]
