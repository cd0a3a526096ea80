"""Property tests: mutate the spec's own examples (type swaps, nulls, missing and extra keys,
single objects for lists and lists for objects, numbers as strings) and check that

- ``structure`` never raises anything but ``DecodeError`` (and, for a response whose top
  level is still an object, nothing at all: whatever cannot be typed is kept raw);
- every key of the mutated payload survives structure -> unstructure;
- ``unstructure`` gives JSON-ready data, and decoding it again changes nothing.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_support import Example, load_spec, request_examples, require_spec, response_examples
from test_models_support import REQUEST_MODELS, response_model, status_event_examples

from xi_orders._convert import structure, unstructure, untyped_values
from xi_orders.errors import DecodeError
from xi_orders.models import OrderDetail, OrderEvent, OrderStatusEvent

_SPEC = load_spec()
RESPONSES: list[tuple[Example, Any]] = [
    (e, response_model(e))
    for e in response_examples(_SPEC)
    if e.status and e.status.startswith("2") and isinstance(e.value, (dict, list))
] + [(e, OrderStatusEvent) for e in status_event_examples()]
REQUESTS: list[tuple[Example, Any]] = [
    (e, REQUEST_MODELS[e.operation_id]) for e in request_examples(_SPEC)
]

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "N/A",
            "1,",
            "2020-05-13",
            "2020-05-13T00:38:52-07:00",
            "2024-04-23T15:03:11.267Z",
            "2020-13-45",
            "true",
            "FALSE",
            "12.50",
            "1e5",
            "-0",
            "9" * 30,
        ]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths of every node under the root (not the root itself)."""
    out = []
    if isinstance(value, dict):
        for key, child in value.items():
            out.append((*path, key))
            out += _nodes(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out.append((*path, i))
            out += _nodes(child, (*path, i))
    return out


def _swap_number_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except ArithmeticError:
            return 0
        if number.is_finite():
            return int(number) if number == number.to_integral_value() else float(number)
    return value


@st.composite
def mutated(draw: st.DrawFn, payload: Any) -> Any:
    """``payload`` with 1-6 random mutations."""
    value = copy.deepcopy(payload)
    for _ in range(draw(st.integers(1, 6))):
        paths = _nodes(value)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = value
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        current = parent[key]
        kind = draw(
            st.sampled_from(["null", "delete", "extra", "swap", "wrap", "unwrap", "text", "empty"])
        )
        if kind == "null":
            parent[key] = None
        elif kind == "delete":
            del parent[key]
        elif kind == "extra":
            target = current if isinstance(current, dict) else parent
            if isinstance(target, dict):
                target[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
        elif kind == "swap":
            parent[key] = draw(json_values)
        elif kind == "wrap":
            parent[key] = [current]
        elif kind == "unwrap":
            if isinstance(current, list) and current:
                parent[key] = current[0]
        elif kind == "text":
            parent[key] = _swap_number_text(current)
        else:
            parent[key] = type(current)() if isinstance(current, (dict, list, str)) else ""
    return value


def _assert_keys_survive(original: Any, output: Any, path: str = "$") -> None:
    """Every key of ``original`` is in ``output`` (and no other), recursively; a single value
    and a list of one are the same thing."""
    if isinstance(output, list) and len(output) == 1 and not isinstance(original, list):
        output = output[0]
    if isinstance(original, list) and len(original) == 1 and not isinstance(output, list):
        original = original[0]
    if isinstance(original, dict):
        assert isinstance(output, dict), f"{path}: {original!r} became {output!r}"
        assert set(output) == set(original), f"{path}: {sorted(original)} -> {sorted(output)}"
        for key in original:
            _assert_keys_survive(original[key], output[key], f"{path}.{key}")
    elif isinstance(original, list):
        assert isinstance(output, list), f"{path}: {original!r} became {output!r}"
        assert len(output) == len(original), f"{path}: {original!r} became {output!r}"
        for i, (a, b) in enumerate(zip(original, output, strict=True)):
            _assert_keys_survive(a, b, f"{path}[{i}]")


def _assert_json_ready(value: Any) -> None:
    if isinstance(value, dict):
        assert all(isinstance(k, str) for k in value)
        for item in value.values():
            _assert_json_ready(item)
    elif isinstance(value, list):
        for item in value:
            _assert_json_ready(item)
    else:
        assert value is None or isinstance(value, (str, int, float, bool)), repr(value)


def _pick(data: st.DataObject, cases: list[tuple[Example, Any]]) -> tuple[Example, Any]:
    require_spec()
    if not cases:
        pytest.skip("no examples")
    return data.draw(st.sampled_from(cases), label="example")


@SETTINGS
@given(data=st.data())
def test_mutated_responses_decode_leniently(data: st.DataObject) -> None:
    example, model = _pick(data, RESPONSES)
    payload = data.draw(mutated(example.value), label="payload")
    try:
        decoded = structure(payload, model)
    except DecodeError:
        # only an unusable shape: the top level (or a top-level list item) is not an object
        assert not isinstance(payload, dict)
        return
    output = unstructure(decoded)
    _assert_json_ready(output)
    json.dumps(output)
    if payload is not None:
        _assert_keys_survive(payload, output)
    # decoding what we wrote gives the same thing again
    again = structure(output, model)
    assert unstructure(again) == output
    untyped_values(decoded)  # walks without error


@SETTINGS
@given(data=st.data())
def test_mutated_requests_raise_only_decode_error(data: st.DataObject) -> None:
    example, model = _pick(data, REQUESTS)
    payload = data.draw(mutated(example.value), label="payload")
    try:
        decoded = structure(payload, model)
    except DecodeError:
        return
    output = unstructure(decoded)
    _assert_json_ready(output)
    _assert_keys_survive(payload, output)


@SETTINGS
@given(payload=json_values)
def test_arbitrary_json_raises_only_decode_error(payload: Any) -> None:
    for model in (OrderDetail, OrderEvent, list[OrderDetail]):
        try:
            structure(payload, model)
        except DecodeError:
            assert not isinstance(payload, dict)
