"""Exactly-once placement (issue 14): 1,000 creates through faults, over a real socket.

The sandbox is served on localhost (``sandbox.serve()``) with 10% of creates acting then
failing (the order is placed, then a 502, a dropped connection, a reset body or a read
timeout), 5% failing without acting (a gateway 502, a connection refused before the
request is read), and search lagging behind creates. Time is scaled down so the run takes
well under a minute: search lags 0.5 s (the issue's 2 s, divided by 4), the reconcile
window is 2 s, and a hanging answer is cut by a 0.5 s read timeout.

Reported from the sandbox's own view, not the client's: orders it holds for the run's PO
numbers, duplicates, orders lost (not held, and the call did not say so with
``OrderOutcomeUnknown``), and how each call ended (clean, found, resent, unknown). Run with
the duplicate-PO guard on (the default) and with duplicates allowed, where every ambiguous
create is honestly unknown (an order found may be an earlier one with the same PO), and a
baseline with ``reconcile=False``: the calls left in doubt without reconciliation.

    python -m benchmarks.bench_reconcile [--orders 1000] [--no-baseline] [--json out.json]
    python benchmarks/run.py --only reconcile       # rows R1 and R2 of the table
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter
from typing import Any

import anyio

from benchmarks._common import Row, Settings
from xi_orders import (
    AsyncOrdersClient,
    OrderOutcomeUnknown,
    ReconcilePolicy,
    RetryPolicy,
    XiError,
)
from xi_orders._reconcile import is_ambiguous
from xi_orders.models import OrderCreateLine, OrderCreateRequest
from xi_orders.testing import Faults, Sandbox

#: The issue's 2 s search lag, scaled down by 4 (and every other wait with it).
SEARCH_LAG = 0.5
# Five creates, not the default three: a send fails without placing and ambiguously (a 502
# or a dropped connection before acting) 5% of the time here, so with three some PO of the
# 1,000 meets three in a row in about one run in four (measured over seeds 1-12), and is
# honestly reported unknown. Every repeat is behind the API's duplicate-PO guard.
POLICY = ReconcilePolicy(window=2.0, first_wait=0.25, max_wait=0.5, max_creates=5)
FAULTS = Faults(
    # act, then fail: 10%
    act_then_502=0.03,
    drop_after=0.03,
    reset=0.02,
    act_then_timeout=0.02,
    # fail without acting: 5%
    gateway_502_before=0.03,
    drop_before=0.02,
    hang_seconds=2.0,
    endpoints=frozenset({"create_order"}),
)


def scenario(
    orders: int, *, duplicates_allowed: bool, reconcile: bool = True, concurrency: int = 50
) -> dict[str, Any]:
    """Place ``orders`` orders with distinct PO numbers; return what the sandbox holds."""
    sandbox = Sandbox(seed=11, orders=10, faults=FAULTS, search_lag=SEARCH_LAG)
    parts = sorted(sandbox.catalog)[:3]
    prefix = ("DUP" if duplicates_allowed else "PO") + ("" if reconcile else "-OFF")
    outcomes: Counter[str] = Counter()
    unknown: set[str] = set()
    reasons: Counter[str] = Counter()  # why each unknown was unknown, so a report explains it
    started = time.perf_counter()

    async def main(url: str) -> None:
        async with AsyncOrdersClient(
            client_id=sandbox.client_id,
            client_secret=sandbox.client_secret,
            customer_number=sandbox.customer_number,
            country_code=sandbox.country_code,
            base_url=url,
            rate_limit=None,
            timeout=0.5,
            retry=RetryPolicy(wait_initial=0.05, wait_max=0.2, wait_jitter=0.05),
            reconcile=POLICY if reconcile else False,
        ) as client:
            limiter = anyio.Semaphore(concurrency)

            async def place(i: int) -> None:
                order = OrderCreateRequest(
                    customer_order_number=f"{prefix}-{i:05d}",
                    lines=[
                        OrderCreateLine(
                            customer_line_number=str(n + 1), ingram_part_number=p, quantity=n + 1
                        )
                        for n, p in enumerate(parts[: 1 + i % 3])
                    ],
                    allow_duplicate_customer_order_number=duplicates_allowed or None,
                )
                po = order.customer_order_number or ""
                async with limiter:
                    try:
                        result = await client.create_order(order)
                    except OrderOutcomeUnknown as exc:
                        outcomes["unknown"] += 1
                        unknown.add(po)
                        reasons[str(exc).partition("\n")[0][:200]] += 1
                    except XiError as exc:
                        if not reconcile and is_ambiguous(exc):
                            outcomes["in doubt"] += 1  # what the caller must sort out alone
                            unknown.add(po)
                        else:  # counted, so a surprise shows in the report
                            outcomes[f"error {type(exc).__name__}"] += 1
                    except Exception as exc:
                        outcomes[f"error {type(exc).__name__}"] += 1
                    else:
                        how = result.reconciliation
                        outcomes[how.outcome if how is not None else "clean"] += 1

            async with anyio.create_task_group() as tg:
                for i in range(orders):
                    tg.start_soon(place, i)

    with sandbox.serve() as url:
        anyio.run(main, url)
    held = Counter(
        str(sandbox.order(n)["customerOrderNumber"])
        for n in sandbox.order_numbers()
        if str(sandbox.order(n)["customerOrderNumber"]).startswith(prefix + "-")
    )
    counters = sandbox.counters
    fault_counts = {k: v for k, v in counters.faults.items() if v}
    asked = {f"{prefix}-{i:05d}" for i in range(orders)}
    return {
        "duplicates_allowed": duplicates_allowed,
        "reconcile": reconcile,
        "orders_asked": orders,
        "orders_held": sum(held.values()),
        "distinct_po_held": len(held),
        "duplicates": sum(v - 1 for v in held.values() if v > 1),
        # not held by the server, and the call did not say it might not be
        "lost": len(asked - set(held) - unknown),
        # reported unknown (or, without reconciliation, in doubt): placed, and not placed
        "unknown_placed": len(unknown & set(held)),
        "unknown_not_placed": len(unknown - set(held)),
        "outcomes": dict(outcomes),
        "unknown": outcomes["unknown"],
        "in_doubt": outcomes["unknown"] + outcomes["in doubt"],
        "creates_sent": counters.requests["create_order"],
        "faults": fault_counts,
        "faults_acted": {k: v for k, v in counters.faults_acted.items() if v},
        "seconds": round(time.perf_counter() - started, 2),
        "unknown_reasons": dict(reasons),
    }


def _describe(r: dict[str, Any]) -> str:
    if not r["reconcile"]:
        guard = "reconcile=False"
    elif r["duplicates_allowed"]:
        guard = "duplicates allowed"
    else:
        guard = "duplicate-PO guard on"
    return (
        f"{guard}: {r['orders_asked']} asked, {r['orders_held']} held, "
        f"{r['duplicates']} duplicates, {r['lost']} lost, {r['in_doubt']} unknown "
        f"({r['unknown_placed']} placed, {r['unknown_not_placed']} not), "
        f"{r['creates_sent']} creates sent, outcomes {r['outcomes']}, "
        f"faults {r['faults']} (acted {r['faults_acted']}), {r['seconds']} s"
    )


def run(settings: Settings) -> list[Row]:
    """Rows R1 (guard on, against reconcile=False) and R2 (duplicates allowed)."""
    orders = settings.pick(1000, 300)
    log = logging.getLogger("xi_orders")
    level = log.level
    log.setLevel(logging.ERROR)  # one WARNING per fault otherwise
    try:
        guarded = scenario(orders, duplicates_allowed=False)
        allowed = scenario(orders, duplicates_allowed=True)
        baseline = scenario(orders, duplicates_allowed=False, reconcile=False)
    finally:
        log.setLevel(level)
    what = (
        f"{orders:,} creates over a real socket, 10% act-then-fail, 5% fail-without-acting, "
        f"search lag {SEARCH_LAG:g} s (2 s scaled by 1/4)"
    )
    return [
        Row(
            "R1",
            f"calls left in doubt, duplicate-PO guard on: {what}",
            guarded["in_doubt"],
            baseline["in_doubt"],
            "calls",
            "reconcile=False (the ambiguous error)",
            f"exactly {orders:,} held, 0 duplicates, 0 lost, 0 unknown",
            ratio=None,
            passed=guarded["orders_held"] == guarded["distinct_po_held"] == orders
            and guarded["duplicates"] == 0
            and guarded["lost"] == 0
            and guarded["in_doubt"] == 0,
            notes=_describe(guarded) + "; baseline " + _describe(baseline),
            details={"guarded": guarded, "baseline": baseline},
        ),
        Row(
            "R2",
            f"OrderOutcomeUnknown, duplicates allowed: {what}",
            allowed["unknown"],
            None,
            "calls",
            "-",
            "0 duplicates, 0 lost; the unknowns reported",
            passed=allowed["duplicates"] == 0 and allowed["lost"] == 0,
            notes=_describe(allowed),
            details={"allowed": allowed},
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--no-baseline", action="store_true", help="skip the reconcile=False run")
    parser.add_argument("--json", help="write the results here too")
    args = parser.parse_args(argv)
    logging.getLogger("xi_orders").setLevel(logging.ERROR)  # one WARNING per fault otherwise
    results = [
        scenario(args.orders, duplicates_allowed=False),
        scenario(args.orders, duplicates_allowed=True),
    ]
    if not args.no_baseline:
        results.append(scenario(args.orders, duplicates_allowed=False, reconcile=False))
    for r in results:
        print(_describe(r))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
