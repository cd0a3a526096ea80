"""Decode speed of a 50-line order detail (opt-in: ``XI_BENCH=1``).

    XI_BENCH=1 .venv/bin/python -m pytest tests/test_models_benchmark.py -s

Builds a synthetic 50-line order from the spec's OrderDetailB2B example and times
``structure(payload, OrderDetail)``. Where the official SDK (``xi-sdk-resellers``, pydantic)
is importable, it times ``OrderDetailB2B.from_dict`` on the same payload and checks the
project's target: at most half its time. Timings on shared machines are noisy: the two
sides run in alternating rounds and each keeps its best round.
"""

from __future__ import annotations

import copy
import os
import timeit
from typing import Any

import pytest
from spec_support import require_spec, response_examples

from xi_orders._convert import structure
from xi_orders.models import OrderDetail

pytestmark = pytest.mark.skipif(not os.environ.get("XI_BENCH"), reason="set XI_BENCH=1 to run")


def order_with_lines(count: int = 50) -> dict[str, Any]:
    """The spec's order detail example with ``count`` varied copies of its line."""
    spec = require_spec()
    (example,) = [
        e.value
        for e in response_examples(spec)
        if e.operation_id == "get-orderdetails-v6.1" and e.status == "200"
    ]
    order = copy.deepcopy(example)
    base = order["lines"][0]
    order["lines"] = []
    for i in range(count):
        line = copy.deepcopy(base)
        line["ingramOrderLineNumber"] = line["customerLineNumber"] = f"{i + 1:03d}"
        line["unitPrice"] = round(100 + i * 1.37, 2)
        line["extendedPrice"] = round((100 + i * 1.37) * 2, 2)
        line["quantityOrdered"] = 2
        order["lines"].append(line)
    return order


def best_of(*fns: Any, number: int = 50, rounds: int = 25) -> list[float]:
    """Seconds per call of each function: the best of ``rounds`` alternating rounds."""
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], timeit.timeit(fn, number=number) / number)
    return best


def test_decode_50_line_order() -> None:
    payload = order_with_lines(50)
    assert len(structure(payload, OrderDetail).lines) == 50
    try:
        from xi.sdk.resellers.models.order_detail_b2_b import (  # type: ignore[import-not-found]
            OrderDetailB2B,
        )
    except ImportError:
        (ours,) = best_of(lambda: structure(payload, OrderDetail))
        print(f"\nxi_orders structure(50-line OrderDetail): {ours * 1e3:.3f} ms")
        return
    ours, theirs = best_of(
        lambda: structure(payload, OrderDetail), lambda: OrderDetailB2B.from_dict(payload)
    )
    print(f"\nxi_orders structure(50-line OrderDetail): {ours * 1e3:.3f} ms")
    print(
        f"official SDK OrderDetailB2B.from_dict: {theirs * 1e3:.3f} ms; ratio {ours / theirs:.2f}"
    )
    assert ours <= 0.5 * theirs
