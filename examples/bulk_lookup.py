"""The main job: look up a period's orders in bulk, and walk one order through its lifecycle.

Runs offline against the built-in sandbox (no credentials):

    python examples/bulk_lookup.py

With XI_CLIENT_ID, XI_CLIENT_SECRET, XI_CUSTOMER_NUMBER and XI_COUNTRY_CODE set, it runs the
read-only part (search + bulk lookup) against the real API instead; the lifecycle part
places orders, so it runs there only with --place-orders and --part <an Ingram SKU>.

Steps: search the last --days days through the paginator; look up every order's details
concurrently (paced by the client's rate limiter); create an order on customer hold,
modify it and release it; create another and cancel it; print counts by status, totals,
and the correlation IDs of whatever failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections import Counter, defaultdict
from decimal import Decimal

import anyio

from xi_orders import AsyncOrdersClient, XiError
from xi_orders.models import (
    OrderCreateLine,
    OrderCreateRequest,
    OrderDetail,
    OrderModifyLine,
    OrderModifyRequest,
)
from xi_orders.testing import Faults, Sandbox


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30, help="how far back to search (30)")
    parser.add_argument("--concurrency", type=int, default=16, help="lookups in flight (16)")
    parser.add_argument("--orders", type=int, default=500, help="sandbox: orders to seed (500)")
    parser.add_argument("--seed", type=int, default=7, help="sandbox: data seed (7)")
    parser.add_argument(
        "--fault-rate",
        type=float,
        default=0.05,
        help="sandbox: share of calls answered with a 5xx or dropped (0.05), to show retries",
    )
    parser.add_argument("--live", action="store_true", help="use the XI_* environment variables")
    parser.add_argument("--place-orders", action="store_true", help="live: run the lifecycle part")
    parser.add_argument(
        "--part", help="live: the Ingram part number to order in the lifecycle part"
    )
    parser.add_argument("--progress", action="store_true", help="show a progress bar")
    return parser.parse_args()


async def lifecycle(client: AsyncOrdersClient, parts: list[str], failures: list[str]) -> list[str]:
    """Create on hold -> modify -> release; create on hold -> cancel. Returns what happened."""
    report: list[str] = []
    stamp = dt.datetime.now().strftime("%H%M%S")
    try:
        created = await client.create_order(
            OrderCreateRequest(
                customer_order_number=f"DEMO-{stamp}-A",
                customer_hold=True,
                lines=[
                    OrderCreateLine(
                        customer_line_number="001", ingram_part_number=parts[0], quantity=2
                    )
                ],
            )
        )
        number = created.orders[0].ingram_order_number or ""
        report.append(
            f"created {number} on hold ({created.response.status_code if created.response else '?'})"
        )
        if len(parts) > 1:
            modified = await client.modify_order(
                number,
                OrderModifyRequest(
                    lines=[
                        OrderModifyLine(
                            customer_line_number="002",
                            ingram_part_number=parts[1],
                            action="ADD",
                            quantity=1,
                        )
                    ]
                ),
            )
            report.append(
                f"modified {number}: added {parts[1]}, {len(modified.rejected_lines)} rejected"
            )
        await client.release_order(number)
        report.append(f"released {number}")
        detail = await client.get_order(number)
        report.append(f"{number} is now {detail.order_status}")

        doomed = await client.create_order(
            OrderCreateRequest(
                customer_order_number=f"DEMO-{stamp}-B",
                customer_hold=True,
                lines=[
                    OrderCreateLine(
                        customer_line_number="001", ingram_part_number=parts[0], quantity=1
                    )
                ],
            )
        )
        doomed_number = doomed.orders[0].ingram_order_number or ""
        cancelled = await client.cancel_order(doomed_number)
        report.append(
            f"created {doomed_number} on hold and cancelled it (HTTP {cancelled.status_code})"
        )
    except XiError as exc:
        failures.append(f"lifecycle: {exc}")
    return report


async def run(args: argparse.Namespace) -> int:
    sandbox: Sandbox | None = None
    if args.live or os.environ.get("XI_CLIENT_ID"):
        client = AsyncOrdersClient.from_env()
        where = f"the live API at {client.base_url}"
        today = dt.date.today()
    else:
        faults = Faults(server_error=args.fault_rate * 2 / 3, drop_before=args.fault_rate / 3)
        sandbox = Sandbox(seed=args.seed, orders=args.orders, faults=faults)
        # The sandbox has no rate limit, so the client need not pace itself either.
        client = sandbox.client(rate_limit=None)
        where = f"the sandbox ({args.orders} seeded orders, {args.fault_rate:.0%} faults injected)"
        today = dt.date.today()
    print(f"xi_orders bulk lookup against {where}")
    started = time.perf_counter()
    failures: list[str] = []
    async with client:
        period = (today - dt.timedelta(days=args.days), today)
        summaries = await client.search_orders(ingram_order_date_between=period).collect()
        numbers = [s.ingram_order_number for s in summaries if s.ingram_order_number]
        print(f"search: {len(numbers)} orders dated {period[0]} .. {period[1]}")
        if sandbox is not None:
            # One number that does not exist, to show how a failed lookup is reported.
            numbers.append("20-NOSUCH")

        lookup_started = time.perf_counter()
        results = await client.get_orders(
            numbers, concurrency=args.concurrency, progress=args.progress
        ).collect()
        lookup_seconds = time.perf_counter() - lookup_started
        details = [r for r in results.values() if isinstance(r, OrderDetail)]
        for number, result in results.items():
            if isinstance(result, XiError):
                failures.append(f"{number}: {result}")
        print(
            f"details: {len(details)} of {len(results)} looked up in {lookup_seconds:.2f}s "
            f"(concurrency {args.concurrency})"
        )

        by_status = Counter(d.order_status or "?" for d in details)
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for d in details:
            totals[d.currency_code or "?"] += d.order_total or Decimal(0)
        lines = sum(len(d.lines) for d in details)
        print("by status: " + ", ".join(f"{s} {n}" for s, n in by_status.most_common()))
        print("totals: " + ", ".join(f"{c} {t:,.2f}" for c, t in sorted(totals.items())))
        print(f"lines: {lines}")

        report: list[str] = []
        if sandbox is not None:
            sandbox.faults = None  # the lifecycle walk-through runs without injected faults
            parts = list(sandbox.catalog)[:2]
            report = await lifecycle(client, parts, failures)
        elif args.place_orders:
            if not args.part:
                print("--place-orders needs --part", file=sys.stderr)
                return 2
            report = await lifecycle(client, [args.part], failures)
        for line in report:
            print("lifecycle: " + line)

    if sandbox is not None:
        counters = sandbox.counters
        print(
            f"sandbox saw {sum(counters.requests.values())} requests, "
            f"{counters.tokens_issued} token(s), {sum(counters.faults.values())} injected faults "
            "(retried by the client where safe)"
        )
    print(f"failures: {len(failures)}")
    for failure in failures:
        print("  " + failure)
    print(f"done in {time.perf_counter() - started:.2f}s")
    return 0


def main() -> int:
    return anyio.run(run, parse_args())


if __name__ == "__main__":
    sys.exit(main())
