"""Helpers for the model tests: which model decodes which spec example, and a comparison
of a payload with its structure -> unstructure round trip."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from spec_support import Example, load_spec, resolve

from xi_orders.models import (
    AsyncOrderCreateEvent,
    OrderCreateRequest,
    OrderCreateResponse,
    OrderCreateV7Confirmation,
    OrderDetail,
    OrderModifyRequest,
    OrderModifyResponse,
    OrderSearchPage,
)

#: operation ID -> the model of its 2xx answers
RESPONSE_MODELS: dict[str, Any] = {
    "get-orderdetails-v6.1": OrderDetail,
    "get-resellers-v6-ordersearch": OrderSearchPage,
    "post-createorder_v6": OrderCreateResponse,
    "post-createorder_v7": OrderCreateV7Confirmation,
    "put-ordermodify": OrderModifyResponse,
}

REQUEST_MODELS: dict[str, Any] = {
    "post-createorder_v6": OrderCreateRequest,
    "put-ordermodify": OrderModifyRequest,
}


def response_model(example: Example) -> Any:
    """The type a 2xx example decodes into (the v7 webhook examples are event lists)."""
    if example.operation_id == "post-createorder_v7" and isinstance(example.value, list):
        return list[AsyncOrderCreateEvent]
    return RESPONSE_MODELS[example.operation_id]


def status_event_examples() -> list[Example]:
    """The order status webhook examples (``OrderStatusAsyncNotificationRequest``).

    They sit under ``/resellers/v1/webhooks/orderstatusevent`` (tag OrderStatus), which
    ``spec_support`` does not collect.
    """
    spec = load_spec()
    out = []
    for path, ops in spec["paths"].items():
        for op in ops.values():
            if not isinstance(op, dict):
                continue
            body = resolve(spec, op.get("requestBody") or {})
            for content in (body.get("content") or {}).values():
                schema = content.get("schema") or {}
                if not schema.get("$ref", "").endswith("/OrderStatusAsyncNotificationRequest"):
                    continue
                for name, ex in (content.get("examples") or {}).items():
                    value = resolve(spec, ex).get("value")
                    out.append(Example(path, None, name, value, schema))
    return out


# --------------------------------------------------------------------------------------
# normalisation for round-trip comparisons


def _as_instant(text: str) -> dt.datetime | None:
    try:
        if len(text) <= 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def normalise(value: Any) -> Any:
    """A scalar with the wire's type quirks removed.

    Numbers and numeric strings compare as ``Decimal`` (``"120.00" == 120``); ``true`` and
    ``"true"`` compare as ``"true"``; ISO dates and timestamps compare as UTC instants
    (``2024-04-23T15:03:11.267Z`` == ``2024-04-23T15:03:11.267000+00:00``).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("true", "false"):
            return text.lower()
        try:
            number = Decimal(text)
        except InvalidOperation:
            pass
        else:
            if number.is_finite():
                return number
        if len(text) >= 8 and text[:4].isdigit():
            instant = _as_instant(text)
            if instant is not None:
                return instant
    return value


def assert_round_trip(original: Any, output: Any, path: str = "$") -> int:
    """Assert ``output`` has every key of ``original`` (and no other), with equal values
    after :func:`normalise`; a single object and a list of one compare equal. Returns how
    many keys were compared."""
    if isinstance(original, dict) and isinstance(output, list) and len(output) == 1:
        output = output[0]
    if isinstance(original, list) and isinstance(output, dict) and len(original) == 1:
        original = original[0]
    if isinstance(original, dict):
        assert isinstance(output, dict), f"{path}: expected an object, got {output!r}"
        assert set(output) == set(original), (
            f"{path}: keys differ: lost {sorted(set(original) - set(output))}, "
            f"added {sorted(set(output) - set(original))}"
        )
        return len(original) + sum(
            assert_round_trip(original[k], output[k], f"{path}.{k}") for k in original
        )
    if isinstance(original, list):
        assert isinstance(output, list), f"{path}: expected a list, got {output!r}"
        assert len(output) == len(original), f"{path}: {len(original)} items became {len(output)}"
        return sum(
            assert_round_trip(a, b, f"{path}[{i}]")
            for i, (a, b) in enumerate(zip(original, output, strict=True))
        )
    assert normalise(original) == normalise(output), f"{path}: {original!r} became {output!r}"
    return 0
