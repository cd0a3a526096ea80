"""Row 2: decoding a 50-line order detail into models.

Ours: ``structure(data, OrderDetail)`` (cattrs, generated structure functions); the
baseline: the official SDK's pydantic v2 ``OrderDetailB2B.from_dict`` on the same dict.
Measured in CPU time of this (single-threaded) process, median of interleaved batches.

Rows 2a and 2b (reported only): ``_convert``'s own generator against the same decode built
on cattrs' ``make_dict_structure_fn`` (:func:`cattrs_gen_structure`, same hooks, same
results), on the 50-line detail and on a search page of 100 orders. Standalone::

    python -m benchmarks.bench_decode [--quick]
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, get_args

import attrs

from xi_orders._convert import structure
from xi_orders.models import OrderDetail, OrderSearchPage

from ._common import Row, Settings, median, sandbox_detail, sandbox_summary, spread

CPU_CLOCK = time.process_time


def _per_call(decode: Any, data: dict[str, Any], calls: int) -> float:
    started = CPU_CLOCK()
    for _ in range(calls):
        decode(data)
    return (CPU_CLOCK() - started) / calls


def run(settings: Settings) -> list[Row]:
    return [*_vs_official(settings), *_vs_cattrs_gen(settings)]


def _vs_official(settings: Settings) -> list[Row]:
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


# --------------------------------------------------------------------------------------
# The comparison behind _convert's generator: the same decode built on cattrs' own
# generated functions (cattrs.gen.make_dict_structure_fn + override(rename=, struct_hook=)).
# cattrs' function cannot keep a value it fails on, nor unknown keys, so each field gets a
# lenient hook that records what it keeps in the extras of the object being decoded (a
# stack, one entry per nesting level), and a wrapper adds unknown keys and sets ``extras``.


def cattrs_gen_structure() -> Callable[[Any, Any], Any]:
    """``structure(data, cls)`` on a converter whose model hooks are cattrs-generated."""
    import cattrs
    from cattrs.gen import make_dict_structure_fn, override

    from xi_orders import _convert as ours
    from xi_orders.errors import ValidationError

    conv = cattrs.Converter(detailed_validation=False)
    for tp, hook in (
        (str, ours._structure_str),
        (int, ours._structure_int),
        (Decimal, ours._structure_decimal),
        (bool, ours._structure_bool),
        (dt.date, ours._structure_date),
        (dt.datetime, ours._structure_datetime),
    ):
        conv.register_structure_hook(tp, hook)
    levels: list[dict[str, Any]] = []  # the extras of each object being decoded

    def list_hook(cls: Any) -> Callable[[Any, Any], list[Any]]:
        (item_type,) = get_args(cls) or (Any,)
        item_hook = conv.get_structure_hook(item_type)
        models = ours._is_model(item_type)

        def structure_list(value: Any, _: Any = None) -> list[Any]:
            if isinstance(value, (list, tuple)):
                out = [item_hook(item, item_type) for item in value]
                if not models and None in out:
                    raise ValueError("a list item has no value")
                return out
            if value is None:
                return []
            if models and not isinstance(value, Mapping):
                raise TypeError("expected a list of objects")
            item = item_hook(value, item_type)
            if item is None:
                raise ValueError("a list item has no value")
            return [item]

        return structure_list

    conv.register_structure_hook_factory(ours._is_list, list_hook)

    def lenient(key: str, tp: Any, is_list: bool) -> Callable[[Any, Any], Any]:
        hook = conv.get_structure_hook(tp)
        empty: Any = [] if is_list else None

        def structure_field(value: Any, _: Any) -> Any:
            if value is None:
                levels[-1][key] = value
                return empty
            try:
                out = hook(value, tp)
            except ValidationError:
                raise
            except Exception:
                out = empty
            if not out and (is_list or out is None):
                levels[-1][key] = value
                return empty
            return out

        return structure_field

    def model_hook(cls: type) -> Callable[[Any, Any], Any]:
        attrs.resolve_types(cls)
        overrides: dict[str, Any] = {}
        known = set()
        for field in attrs.fields(cls):
            key = ours.wire_name(field)
            if key is None or not field.init:
                overrides[field.name] = override(omit=True)
                continue
            known.add(key)
            tp, is_list = ours._field_type(field)
            overrides[field.name] = override(rename=key, struct_hook=lenient(key, tp, is_list))
        generated = make_dict_structure_fn(cls, conv, **overrides)

        def structure_model(value: Any, _: Any = None) -> Any:
            data = value if value.__class__ is dict else ours._as_object(value, cls)
            extras: dict[str, Any] = {}
            levels.append(extras)
            try:
                obj = generated(data, cls)
            finally:
                levels.pop()
            for key in data:
                if key not in known:
                    extras[key] = data[key]
            obj.extras = extras
            return obj

        return structure_model

    conv.register_structure_hook_factory(ours._is_model, model_hook)
    return conv.structure


def search_page(orders: int) -> dict[str, Any]:
    """A search page of ``orders`` orders (the sandbox's summary, renumbered)."""
    one = sandbox_summary()
    rows = []
    for i in range(orders):
        row = dict(one)
        row["ingramOrderNumber"] = f"20-{i:05d}"
        rows.append(row)
    return {"recordsFound": orders * 3, "pageSize": orders, "pageNumber": 1, "orders": rows}


def _vs_cattrs_gen(settings: Settings) -> list[Row]:
    theirs = cattrs_gen_structure()
    cases: list[tuple[str, str, dict[str, Any], type]] = [
        ("2a", "decode a 50-line order detail", sandbox_detail(50), OrderDetail),
        ("2b", "decode a search page of 100 orders", search_page(100), OrderSearchPage),
    ]
    calls = settings.pick(20, 10)
    repeats = settings.pick(41, 11)
    rows = []
    for row_id, what, data, cls in cases:
        assert structure(data, cls) == theirs(data, cls), "the prototype decodes differently"

        def ours_decode(d: dict[str, Any], cls: type = cls) -> Any:
            return structure(d, cls)

        def theirs_decode(d: dict[str, Any], cls: type = cls) -> Any:
            return theirs(d, cls)

        ours: list[float] = []
        base: list[float] = []
        pair = [(ours, ours_decode), (base, theirs_decode)]
        for _, decode in pair:  # warm up
            _per_call(decode, data, calls)
        for i in range(repeats):
            for samples, decode in pair if i % 2 == 0 else reversed(pair):
                samples.append(_per_call(decode, data, calls))
        o, b = median(ours), median(base)
        rows.append(
            Row(
                row_id,
                f"{what}: _convert's generator vs cattrs.gen (CPU time)",
                o * 1e6,
                b * 1e6,
                "us",
                "cattrs make_dict_structure_fn + lenient hooks (same results)",
                "reported",
                notes=f"median of {repeats} x {calls} decodes; ours "
                f"{spread([x * 1e6 for x in ours])} us, cattrs.gen "
                f"{spread([x * 1e6 for x in base])} us",
            )
        )
    return rows


if __name__ == "__main__":
    for result in run(Settings(quick="--quick" in sys.argv)):
        ratio = result.ours / result.baseline if result.ours and result.baseline else None
        print(f"{result.id:3} {result.what}")
        print(f"    ours {result.ours} {result.unit}, baseline {result.baseline}, ratio {ratio}")
        print(f"    {result.notes}")
