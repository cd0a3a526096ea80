"""Walk N orders of a search through ``AsyncPaginator`` in this fresh process; print JSON
with the peak memory (ru_maxrss) and its growth over the process after imports and setup.

Usage: ``python benchmarks/_walk.py TEMPLATE.json ORDERS PAGE_SIZE PREFETCH``

The pages come from an ``httpx.MockTransport`` that builds each page on the fly from one
order summary (renumbered), so nothing but the paginator holds orders in memory.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from urllib.parse import parse_qs

import httpx

from xi_orders import AsyncOrdersClient


def _maxrss_mib() -> float:
    """Peak RSS of this interpreter (VmHWM). ``ru_maxrss`` would do on a fresh process, but
    on Linux it survives exec and starts at the parent's peak (subprocess uses vfork)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def _transport(template: dict[str, object], total: int) -> httpx.MockTransport:
    token = json.dumps({"access_token": "walk-token", "expires_in": "86399"}).encode()
    head, tail = json.dumps(template).split(json.dumps(template["ingramOrderNumber"]), 1)
    json_headers = [("Content-Type", "application/json")]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, headers=json_headers, content=token)
        query = parse_qs(request.url.query.decode())
        size = int(query["pageSize"][0])
        page = int(query["pageNumber"][0])
        first = (page - 1) * size
        numbers = range(first, min(first + size, total))
        orders = ",".join(f'{head}"20-{n:07d}"{tail}' for n in numbers)
        body = (
            f'{{"recordsFound":"{total}","pageSize":"{size}","pageNumber":"{page}",'
            f'"orders":[{orders}]}}'
        )
        return httpx.Response(200, headers=json_headers, content=body.encode())

    return httpx.MockTransport(handler)


async def _main(
    template: dict[str, object], total: int, page_size: int, prefetch: int
) -> dict[str, float]:
    client = AsyncOrdersClient(
        client_id="walk",
        client_secret="walk-secret",
        customer_number="20-222222",
        country_code="US",
        base_url="https://api.walk.invalid",
        transport=_transport(template, total),
        rate_limit=None,
    )
    async with client:
        await client.search_orders(page_size=page_size, limit=1).collect()  # warm up
        before = _maxrss_mib()
        started = time.perf_counter()
        count = 0
        async for _ in client.search_orders(page_size=page_size, prefetch=prefetch):
            count += 1
        seconds = time.perf_counter() - started
    after = _maxrss_mib()
    return {"orders": count, "maxrss_mib": after, "growth_mib": after - before, "seconds": seconds}


if __name__ == "__main__":
    path, total, size, prefetch = sys.argv[1], *map(int, sys.argv[2:5])
    with open(path) as f:
        summary = json.load(f)
    print(json.dumps(asyncio.run(_main(summary, total, size, prefetch))))
