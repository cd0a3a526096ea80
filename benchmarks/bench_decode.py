"""Row 2: decoding a 50-line order detail into models.

Ours: ``structure(data, OrderDetail)`` (cattrs, generated structure functions); the
baseline: the official SDK's pydantic v2 ``OrderDetailB2B.from_dict`` on the same dict.
Measured in CPU time of this (single-threaded) process, median of interleaved batches.
"""

from __future__ import annotations

import time
from typing import Any

from xi_orders._convert import structure
from xi_orders.models import OrderDetail

from ._common import Row, Settings, median, sandbox_detail, spread

CPU_CLOCK = time.process_time


def _per_call(decode: Any, data: dict[str, Any], calls: int) -> float:
    started = CPU_CLOCK()
    for _ in range(calls):
        decode(data)
    return (CPU_CLOCK() - started) / calls


def run(settings: Settings) -> list[Row]:
    try:
        from xi.sdk.resellers.models.order_detail_b2_b import OrderDetailB2B
    except ImportError:
        return [
            Row(
                "2",
                "decode a 50-line order detail",
                None,
                None,
                "us",
                "xi-sdk-resellers not installed",
                "<= 0.5x",
                notes="skipped: pip install xi-sdk-resellers (nox -s bench does)",
            )
        ]
    data = sandbox_detail(50)
    ours_model = structure(data, OrderDetail)
    theirs_model = OrderDetailB2B.from_dict(data)
    assert len(ours_model.lines) == 50 and theirs_model is not None
    assert theirs_model.lines is not None and len(theirs_model.lines) == 50

    def ours_decode(d: dict[str, Any]) -> Any:
        return structure(d, OrderDetail)

    calls = settings.pick(20, 10)
    repeats = settings.pick(41, 11)
    _per_call(ours_decode, data, calls)
    _per_call(OrderDetailB2B.from_dict, data, calls)
    ours: list[float] = []
    base: list[float] = []
    for i in range(repeats):
        pair = [(ours, ours_decode), (base, OrderDetailB2B.from_dict)]
        for samples, decode in pair if i % 2 == 0 else reversed(pair):
            samples.append(_per_call(decode, data, calls))
    o, b = median(ours), median(base)
    return [
        Row(
            "2",
            "decode a 50-line order detail into models (CPU time)",
            o * 1e6,
            b * 1e6,
            "us",
            "official SDK: pydantic OrderDetailB2B.from_dict",
            "<= 0.5x",
            passed=o / b <= 0.5,
            notes=f"same dict ({len(str(data)) // 1024} KiB as text, shipped lines with "
            f"packages and serial numbers); median of {repeats} x {calls} decodes; "
            f"ours {spread([x * 1e6 for x in ours])} us, official {spread([x * 1e6 for x in base])} us",
        )
    ]
