"""``Realism(schema_shapes=True)`` (``--realism schema_shapes=true``): every answer in the
shapes of the spec's JSON schemas, so clients generated from the spec can share the served
sandbox. Proved with a client nobody here wrote, Ingram Micro's official Python SDK
(``xi-sdk-resellers`` 1.3.0, a dev dependency), over a real socket for every Orders
operation; and with the schema itself, without the example quirks ``test_sandbox_schema``
allows.
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.official_sdk_support import Call, run_every_orders_operation
from tests.spec_support import require_spec
from tests.test_sandbox_schema import NO_BODY, Tour, response_schema, run_tour, validate
from xi_orders.testing import FakeClock, Realism, Sandbox

SEED, ORDERS = 5, 60

#: calls of each operation ``run_every_orders_operation`` makes
EXPECTED = {
    "get_accesstoken": 1,
    "get_orderdetails_v6_1": 47,
    "get_resellers_v6_ordersearch": 9,
    "post_createorder_v6": 3,
    "post_createorder_v7": 3,
    "put_ordermodify": 3,
    "delete_ordercancel": 2,
}


def _official_sdk(url: str, box: Sandbox) -> list[Call]:
    """Every Orders operation of the official SDK at ``url``, ``box`` being a sandbox of
    the same seed (the same orders, credentials and catalog)."""
    return run_every_orders_operation(
        url,
        client_id=box.client_id,
        client_secret=box.client_secret,
        customer_number=box.customer_number,
        country_code=box.country_code,
        order_numbers=box.order_numbers()[:40],  # every kind: shipped, held, cancelled...
        held_numbers=box.order_numbers(status="On Hold")[:3],
        parts=[p for p, item in box.catalog.items() if item.in_stock][:8],
    )


def _tally(calls: list[Call]) -> dict[str, tuple[int, int]]:
    """(decoded, made) by operation."""
    made = collections.Counter(c.operation for c in calls)
    ok = collections.Counter(c.operation for c in calls if c.error is None)
    return {op: (ok[op], n) for op, n in made.items()}


@pytest.fixture(scope="module")
def served_with_schema_shapes() -> Iterator[str]:
    """``python -m xi_orders.testing --realism schema_shapes=true`` as a real process."""
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "xi_orders.testing", "--port", "0"),
            *("--seed", str(SEED), "--orders", str(ORDERS)),
            *("--realism", "schema_shapes=true"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline() for _ in range(7)]
        assert "listening on" in banner[0], (banner, proc.poll())
        assert "realism schema_shapes=true" in "".join(banner), banner
        yield banner[0].rsplit(" ", 1)[-1].strip()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_official_sdk_decodes_every_orders_operation(served_with_schema_shapes: str) -> None:
    calls = _official_sdk(served_with_schema_shapes, Sandbox(SEED, ORDERS))
    failed = [c for c in calls if c.error is not None]
    assert failed == []
    assert _tally(calls) == {op: (n, n) for op, n in EXPECTED.items()}


def test_without_it_the_official_sdk_cannot_read_search_pages_or_v6_creates() -> None:
    """The default (the examples' shapes, as the real API sends them) is what the option is
    for: the same calls fail where the issue says, so the test above can fail."""
    box = Sandbox(SEED, ORDERS)
    with box.serve() as url:
        calls = _official_sdk(url, box)
    tally = _tally(calls)
    assert tally["get_resellers_v6_ordersearch"] == (1, 9)  # only the 204 (no body) decodes
    assert tally["post_createorder_v6"] == (0, 3)
    search_errors = {c.error for c in calls if c.operation == "get_resellers_v6_ordersearch"}
    assert any(e and "SubOrdersInnerLinksInner" in e for e in search_errors), search_errors


def test_xi_orders_sandbox_serve_takes_it_too() -> None:
    from tests.test_cli import XI, _clean_env

    proc = subprocess.Popen(
        [
            *(*XI, "sandbox", "serve", "--port", "0", "--seed", str(SEED)),
            *("--orders", str(ORDERS), "--realism", "schema_shapes=true", "--json"),
        ],
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert info["realism"] == {"schema_shapes": "true"}
        calls = _official_sdk(info["url"], Sandbox(SEED, ORDERS))
        assert [c for c in calls if c.error is not None] == []
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0


@pytest.mark.asyncio
async def test_every_answer_of_the_tour_is_in_the_schemas_exact_shapes() -> None:
    spec = require_spec()
    clock = FakeClock()
    box = Sandbox(
        seed=21,
        orders=80,
        clock=clock,
        rate_limit={"cancel_order": 2},
        rate_limit_window=1.0,
        realism=Realism(schema_shapes=True),
    )
    async with httpx.AsyncClient(transport=box.transport(), base_url=box.base_url) as http:
        tour = Tour(box, http)
        await run_tour(tour, clock)
    failures: list[str] = []
    checked: collections.Counter[str] = collections.Counter()
    for operation_id, status, response in tour.seen:
        schema = response_schema(spec, operation_id, status)
        body: Any = response.json() if response.content else None
        if schema is NO_BODY or status == 204 or body is None:
            continue
        errors = validate(spec, schema, body, quirks=False)
        checked[operation_id] += 1
        if errors:
            failures.append(f"{operation_id} {status}: {errors[:5]}")
    assert failures == []
    assert checked["get-orderdetails-v6.1"] >= 40 and checked["get-resellers-v6-ordersearch"] >= 6
    assert checked["post-createorder_v6"] >= 3
    # ... and the same tour without the option is not: the exact check can fail
    clock = FakeClock()
    plain = Sandbox(
        seed=21, orders=80, clock=clock, rate_limit={"cancel_order": 2}, rate_limit_window=1.0
    )
    async with httpx.AsyncClient(transport=plain.transport(), base_url=plain.base_url) as http:
        tour = Tour(plain, http)
        await run_tour(tour, clock)
    wrong = {
        operation_id
        for operation_id, status, response in tour.seen
        if status in (200, 201)
        and response.content not in (b"", b"null")
        and validate(
            spec, response_schema(spec, operation_id, status), response.json(), quirks=False
        )
    }
    assert wrong == {
        "get-orderdetails-v6.1",
        "get-resellers-v6-ordersearch",
        "post-createorder_v6",
    }
