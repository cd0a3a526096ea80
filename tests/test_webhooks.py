"""``xi_orders.webhooks``: signatures, parsing, the documented errors, replays.

Signatures here are computed independently (``hmac`` + ``hashlib`` + ``base64``), never with
the module under test. The spec's webhook examples are read from the spec (skipped where it
is absent), never copied.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import email.message
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import FakeClock
from tests.spec_support import require_spec, resolve, response_examples
from xi_orders.errors import DecodeError, ValidationError, XiError
from xi_orders.models.events import AsyncOrderCreateEvent, OrderStatusEvent
from xi_orders.testing import sign_event
from xi_orders.webhooks import (
    DEFAULT_MAX_BODY_BYTES,
    BodyTooLargeError,
    Event,
    EventAction,
    EventKind,
    InvalidJSONError,
    InvalidSignatureError,
    MissingEventIdError,
    MissingSignatureError,
    ReplayedEventError,
    ReplayGuard,
    UnknownEvent,
    WebhookError,
    WebhookPayloadError,
    WebhookSignatureError,
    compute_signature,
    decode_events,
    parse_events,
    verify_signature,
)

SECRET = "whsec-Very-Distinctive-Secret-42"


def sig(event_id: str, secret: str | bytes = SECRET) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return base64.b64encode(hmac.new(key, event_id.encode(), hashlib.sha512).digest()).decode()


def status_event(event_id: str = "EVT000000000000001", **changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "topic": "resellers/orders",
        "event": "im::updated",
        "eventTimeStamp": "2021-11-01T13:02:06.369Z",
        "eventId": event_id,
        "resource": [
            {
                "eventType": "im::order_shipped",
                "orderNumber": "20-RD128",
                "customerOrderNumber": "ZENPO",
                "lines": [{"ingramLineNumber": "001", "lineStatus": "IM::shipped"}],
            }
        ],
    }
    event.update(changes)
    return event


def body_of(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def signed(payload: dict[str, Any], secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    return body_of(payload), {"X-Hub-Signature": sig(payload["eventId"], secret)}


# ---------------------------------------------------------------------------- spec examples


def v7_webhook_examples() -> list[Any]:
    spec = require_spec()
    found = [
        ex.value
        for ex in response_examples(spec)
        if ex.operation_id == "post-createorder_v7" and isinstance(ex.value, list)
    ]
    assert found, "the spec's v7 webhook example is gone"
    return found


def status_webhook_examples() -> list[Any]:
    spec = require_spec()
    found = []
    for op in spec["paths"].values():
        for method in op.values():
            if not isinstance(method, dict):
                continue
            body = resolve(spec, method.get("requestBody") or {})
            for content in (body.get("content") or {}).values():
                schema = content.get("schema") or {}
                if schema.get("$ref", "").endswith("/OrderStatusAsyncNotificationRequest"):
                    found += [resolve(spec, ex)["value"] for ex in content["examples"].values()]
    assert found, "the spec's OrderStatusAsyncNotificationRequest example is gone"
    return found


def test_every_v7_webhook_example_in_the_spec_verifies_and_parses() -> None:
    for example in v7_webhook_examples():
        body = body_of(example)
        headers = {"X-Hub-Signature": ",".join(sorted({sig(e["eventId"]) for e in example}))}
        events = parse_events(body, headers, SECRET)
        assert [e.event_id for e in events] == [e["eventId"] for e in example]
        for event, raw in zip(events, example, strict=True):
            assert event.raw == raw
            assert event.kind is EventKind.ASYNC_ORDER_CREATE
            assert isinstance(event.data, AsyncOrderCreateEvent)


def test_the_v7_example_values() -> None:
    (example, *_) = v7_webhook_examples()
    body, headers = body_of(example), {"x-hub-signature": sig("NYNNHS5UMGAK0X3L4E")}
    (event,) = parse_events(body, headers, SECRET)
    assert event.event_id == "NYNNHS5UMGAK0X3L4E"
    assert (event.kind, event.action) == (EventKind.ASYNC_ORDER_CREATE, EventAction.CREATED)
    assert (event.type_name, event.event_type) == ("async_order_create", "IM::async_order_create")
    assert event.topic == "resellers/orders"
    assert event.timestamp == dt.datetime(2024, 4, 23, 15, 3, 11, 267000, tzinfo=dt.timezone.utc)
    assert event.order_numbers == ["29-02738"]
    assert event.customer_order_numbers == ["TESTCASE41E111"]
    assert event.confirmation_number is None
    assert event.status_changes == []
    result = event.create_result
    assert result is not None
    assert result.end_customer_order_number == "X4D_TT"
    assert result.purchase_order_total == Decimal(0)
    line = result.orders[0].lines[0]
    assert (line.ingram_part_number, line.line_status) == ("CD98075", "Backordered")


def test_money_in_a_webhook_keeps_every_digit() -> None:
    """An amount with more digits than a float holds arrives as the same ``Decimal``, in
    the typed event and in ``raw`` (the body is parsed with ``parse_float=Decimal``, as API
    answers are)."""
    (example, *_) = v7_webhook_examples()
    event = copy.deepcopy(example[0])
    event["resource"]["purchaseOrderTotal"] = "PLACEHOLDER"
    body = json.dumps(event).replace('"PLACEHOLDER"', "12345678901234567.89").encode()
    assert json.loads(body)["resource"]["purchaseOrderTotal"] != Decimal("12345678901234567.89")
    (parsed,) = parse_events(body, {"X-Hub-Signature": sig(event["eventId"])}, SECRET)
    assert parsed.create_result is not None
    assert parsed.create_result.purchase_order_total == Decimal("12345678901234567.89")
    assert parsed.raw["resource"]["purchaseOrderTotal"] == Decimal("12345678901234567.89")


def test_every_order_status_example_in_the_spec_verifies_and_parses() -> None:
    for example in status_webhook_examples():
        body, headers = signed(example)
        (event,) = parse_events(body, headers, SECRET)  # a single object: a list of one
        assert event.raw == example
        assert isinstance(event.data, OrderStatusEvent)
    example = status_webhook_examples()[0]
    (event,) = parse_events(*signed(example), SECRET)
    assert event.event_id == "N01CIB9VVFYKR9J6ZW"
    assert (event.kind, event.action) == (EventKind.ORDER_SHIPPED, EventAction.UPDATED)
    assert event.order_numbers == ["20-RD128"]
    assert event.customer_order_numbers == ["ZENPO"]
    assert event.create_result is None
    (change,) = event.status_changes
    assert change.order_entry_timestamp == dt.datetime(
        2020, 4, 3, 8, 54, 39, tzinfo=dt.timezone(dt.timedelta(hours=-7))
    )
    line = change.lines[0]
    assert (line.requested_quantity, line.shipped_quantity, line.back_ordered_quantity) == (3, 2, 1)
    assert line.shipment_details[0].carrier_name == "SMARTPOST-BM"
    assert line.serial_number_details[0].serial_number == "123123123"


# ---------------------------------------------------------------------------- signatures


def test_compute_signature_matches_an_independent_hmac_and_the_sandbox() -> None:
    assert compute_signature("N01CIB9VVFYKR9J6ZW", SECRET) == sig("N01CIB9VVFYKR9J6ZW")
    assert compute_signature("N01CIB9VVFYKR9J6ZW", SECRET.encode()) == sig("N01CIB9VVFYKR9J6ZW")
    assert compute_signature("N01CIB9VVFYKR9J6ZW", SECRET) == sign_event(
        SECRET, "N01CIB9VVFYKR9J6ZW"
    )
    assert len(base64.b64decode(compute_signature("x", SECRET))) == 64  # SHA-512


def test_verify_signature() -> None:
    good = sig("EVT1")
    assert verify_signature("EVT1", good, SECRET)
    assert verify_signature("EVT1", f"  {good}\t", SECRET)
    assert not verify_signature("EVT2", good, SECRET)
    assert not verify_signature("EVT1", good, SECRET + "x")
    assert not verify_signature("EVT1", "", SECRET)
    assert verify_signature("EVT1", good, ["old-secret", SECRET])
    with pytest.raises(ValidationError):
        verify_signature("EVT1", good, "")


@given(
    event_id=st.text(min_size=1, max_size=60).filter(str.strip),
    secret=st.text(min_size=1, max_size=40),
    flip=st.integers(min_value=0, max_value=87),
)
def test_signature_property(event_id: str, secret: str, flip: int) -> None:
    payload = status_event(event_id)
    good = sig(event_id, secret)
    (event,) = parse_events(body_of(payload), {"X-Hub-Signature": good}, secret)
    assert event.event_id == event_id
    i = flip % len(good.rstrip("="))
    bad = good[:i] + ("A" if good[i] != "A" else "B") + good[i + 1 :]
    with pytest.raises(InvalidSignatureError):
        parse_events(body_of(payload), {"X-Hub-Signature": bad}, secret)


class _MultiDict:
    """A header container that is not a Mapping but has items(), like email.message.Message."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)


def _message(name: str, value: str) -> email.message.Message:
    message = email.message.Message()
    message["Content-Type"] = "application/json"
    message[name] = value
    return message


@pytest.mark.parametrize(
    "make_headers",
    [
        pytest.param(lambda v: {"X-Hub-Signature": v}, id="dict"),
        pytest.param(lambda v: {"x-hub-signature": v}, id="dict-lower"),
        pytest.param(lambda v: {"X-HUB-SIGNATURE": v}, id="dict-upper"),
        pytest.param(lambda v: httpx.Headers({"x-Hub-signature": v}), id="httpx.Headers"),
        pytest.param(lambda v: [(b"x-hub-signature", v.encode())], id="asgi-pairs"),
        pytest.param(lambda v: dict([(b"x-hub-signature", v.encode())]), id="asgi-dict"),
        pytest.param(lambda v: _message("X-Hub-Signature", v), id="http.server-message"),
        pytest.param(lambda v: _MultiDict([("X-Hub-Signature", v)]), id="items-only"),
        pytest.param(lambda v: {"x-hub-signature": [v]}, id="multidict-list"),
    ],
)
def test_the_header_is_found_in_any_mapping_case_insensitively(make_headers: Any) -> None:
    payload = status_event("EVT-HEADERS")
    (event,) = parse_events(body_of(payload), make_headers(sig("EVT-HEADERS")), SECRET)
    assert event.event_id == "EVT-HEADERS"
    with pytest.raises(InvalidSignatureError):
        parse_events(body_of(payload), make_headers(sig("EVT-OTHER")), SECRET)


def test_a_changed_event_id_in_the_body_fails() -> None:
    body, headers = signed(status_event("EVT-ORIGINAL"))
    forged = body.replace(b"EVT-ORIGINAL", b"EVT-FORGED")
    with pytest.raises(InvalidSignatureError) as info:
        parse_events(forged, headers, SECRET)
    assert info.value.index == 0
    assert info.value.http_status == 401


def test_a_changed_header_fails() -> None:
    body, headers = signed(status_event("EVT-1"))
    value = headers["X-Hub-Signature"]
    tampered = ("B" if value[0] == "A" else "A") + value[1:]
    with pytest.raises(InvalidSignatureError):
        parse_events(body, {"X-Hub-Signature": tampered}, SECRET)
    with pytest.raises(InvalidSignatureError):  # the hex digest is not the Base64 one
        hexdigest = hmac.new(SECRET.encode(), b"EVT-1", hashlib.sha512).hexdigest()
        parse_events(body, {"X-Hub-Signature": hexdigest}, SECRET)
    with pytest.raises(InvalidSignatureError):  # a signature of the body, not of the eventId
        parse_events(body, {"X-Hub-Signature": sig(body.decode())}, SECRET)


def test_a_wrong_secret_fails_and_a_rotation_list_accepts_either() -> None:
    body, headers = signed(status_event("EVT-1"), secret="old-secret")
    with pytest.raises(InvalidSignatureError):
        parse_events(body, headers, SECRET)
    assert parse_events(body, headers, [SECRET, "old-secret"])[0].event_id == "EVT-1"
    assert parse_events(body, headers, b"old-secret")[0].event_id == "EVT-1"


def test_an_empty_secret_is_refused() -> None:
    body, headers = signed(status_event())
    for secret in ("", b"", [], [SECRET, ""]):
        with pytest.raises(ValidationError) as info:
            parse_events(body, headers, secret)
        assert info.value.field == "secret"


def test_a_body_may_be_str_bytearray_or_memoryview() -> None:
    body, headers = signed(status_event("EVT-1"))
    for form in (body.decode(), bytearray(body), memoryview(body)):
        assert [e.event_id for e in parse_events(form, headers, SECRET)] == ["EVT-1"]


# ---------------------------------------------------------------------------- arrays


def test_an_array_whose_events_share_the_signed_event_id_verifies() -> None:
    events = [status_event("SAME"), status_event("SAME", event="im::updated")]
    parsed = parse_events(body_of(events), {"X-Hub-Signature": sig("SAME")}, SECRET)
    assert [e.event_id for e in parsed] == ["SAME", "SAME"]


def test_an_array_of_distinct_event_ids_needs_a_signature_for_each() -> None:
    events = [status_event("FIRST"), status_event("SECOND")]
    with pytest.raises(InvalidSignatureError) as info:  # one header: the second is unsigned
        parse_events(body_of(events), {"X-Hub-Signature": sig("FIRST")}, SECRET)
    assert info.value.index == 1
    with pytest.raises(InvalidSignatureError) as info:
        parse_events(body_of(events), {"X-Hub-Signature": sig("SECOND")}, SECRET)
    assert info.value.index == 0
    # comma-separated, in any order
    both = f"{sig('SECOND')}, {sig('FIRST')}"
    parsed = parse_events(body_of(events), {"X-Hub-Signature": both}, SECRET)
    assert [e.event_id for e in parsed] == ["FIRST", "SECOND"]
    # a repeated header, as a list of pairs and as httpx.Headers (which joins repeats)
    pairs = [("X-Hub-Signature", sig("FIRST")), ("x-hub-signature", sig("SECOND"))]
    assert len(parse_events(body_of(events), pairs, SECRET)) == 2
    assert len(parse_events(body_of(events), httpx.Headers(pairs), SECRET)) == 2


# ---------------------------------------------------------------------------- errors


def test_a_missing_header_is_refused_before_the_body_is_read() -> None:
    for headers in ({}, {"Content-Type": "application/json"}, {"X-Hub-Signature": " "}):
        with pytest.raises(MissingSignatureError) as info:
            parse_events(b"not json at all", headers, SECRET)
        assert info.value.http_status == 401
        assert isinstance(info.value, WebhookSignatureError)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"<html>502</html>",
        b'{"eventId": "X"',
        b"\xff\xfe\x00garbage",
        b"[" * 100_000,
    ],
    ids=["empty", "text", "html", "truncated", "not-utf8", "deeply-nested"],
)
def test_a_body_that_is_not_json_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidJSONError) as info:
        parse_events(body, {"X-Hub-Signature": sig("X")}, SECRET)
    assert info.value.http_status == 400
    assert isinstance(info.value, WebhookPayloadError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("a string", "not a JSON str"),
        (42, "not a JSON int"),
        (None, "not a JSON NoneType"),
        ([], "empty array"),
        ([status_event("A"), "x"], "[1] is a JSON str"),
    ],
)
def test_a_body_that_is_not_events_is_refused(payload: Any, message: str) -> None:
    with pytest.raises(WebhookPayloadError, match=message.replace("[", r"\[")) as info:
        parse_events(body_of(payload), {"X-Hub-Signature": sig("A")}, SECRET)
    assert type(info.value) is WebhookPayloadError
    with pytest.raises(WebhookPayloadError):
        decode_events(payload)


@pytest.mark.parametrize("event_id", [None, "", "   ", 123, ["A"]])
def test_an_event_without_a_usable_event_id_is_refused(event_id: Any) -> None:
    payload = status_event()
    if event_id is None:
        del payload["eventId"]
    else:
        payload["eventId"] = event_id
    with pytest.raises(MissingEventIdError) as info:
        parse_events(body_of(payload), {"X-Hub-Signature": sig("A")}, SECRET)
    assert info.value.index == 0
    array = [status_event("A"), payload]
    with pytest.raises(MissingEventIdError) as info:
        parse_events(body_of(array), {"X-Hub-Signature": sig("A")}, SECRET)
    assert info.value.index == 1


def test_an_oversized_body_is_refused_before_parsing() -> None:
    body, headers = signed(status_event("EVT-1"))
    with pytest.raises(BodyTooLargeError) as info:
        parse_events(body, headers, SECRET, max_body_bytes=len(body) - 1)
    assert (info.value.size, info.value.limit, info.value.http_status) == (
        len(body),
        len(body) - 1,
        413,
    )
    assert parse_events(body, headers, SECRET, max_body_bytes=len(body))[0].event_id == "EVT-1"
    huge = b" " * (DEFAULT_MAX_BODY_BYTES + 1)  # refused even without a signature
    with pytest.raises(BodyTooLargeError):
        parse_events(huge, {}, SECRET)
    padded = body + b" " * DEFAULT_MAX_BODY_BYTES
    assert parse_events(padded, headers, SECRET, max_body_bytes=None)[0].event_id == "EVT-1"


def test_the_hierarchy() -> None:
    for cls in (
        MissingSignatureError,
        InvalidSignatureError,
        InvalidJSONError,
        BodyTooLargeError,
        MissingEventIdError,
        ReplayedEventError,
        WebhookPayloadError,
    ):
        assert issubclass(cls, WebhookError) and issubclass(cls, XiError)
    assert not issubclass(WebhookError, DecodeError)


def test_no_error_shows_the_secret_or_an_expected_signature() -> None:
    payload = status_event("EVT-SECRET-CHECK")
    body = body_of(payload)
    expected = sig("EVT-SECRET-CHECK")
    attempts: list[tuple[bytes, Any, Any]] = [
        (body, {}, SECRET),
        (body, {"X-Hub-Signature": sig("EVT-SECRET-CHECK", "wrong")}, SECRET),
        (body, {"X-Hub-Signature": expected}, "another-secret"),
        (b"nope", {"X-Hub-Signature": expected}, SECRET),
        (b"x" * (len(body) + 2), {"X-Hub-Signature": expected}, SECRET),
    ]
    kinds = []
    for data, headers, secret in attempts:
        with pytest.raises(WebhookError) as info:
            parse_events(data, headers, secret, max_body_bytes=len(body) + 1)
        kinds.append(type(info.value))
        text = f"{info.value!s} {info.value!r} {info.value.args!r}"
        assert SECRET not in text and "another-secret" not in text
        assert expected not in text
        assert sig("EVT-SECRET-CHECK", "another-secret") not in text
    assert kinds == [
        MissingSignatureError,
        InvalidSignatureError,
        InvalidSignatureError,
        InvalidJSONError,
        BodyTooLargeError,
    ]


# ---------------------------------------------------------------------------- kinds and unknowns


@pytest.mark.parametrize(
    ("wire", "kind"),
    [
        ("IM::async_order_create", EventKind.ASYNC_ORDER_CREATE),
        ("im::ASYNC_ORDER_CREATE", EventKind.ASYNC_ORDER_CREATE),
        ("async_order_create", EventKind.ASYNC_ORDER_CREATE),
        ("im::order_shipped", EventKind.ORDER_SHIPPED),
        (" IM::Order_Shipped ", EventKind.ORDER_SHIPPED),
        ("im::order_voided", EventKind.ORDER_VOIDED),
        ("IM::ORDER_HOLD", EventKind.ORDER_HOLD),
        ("im::order_invoiced", EventKind.ORDER_INVOICED),
        ("im::order_created", EventKind.ORDER_CREATED),
        ("im::order_rerouted", EventKind.UNKNOWN),
        ("im::unknown", EventKind.UNKNOWN),
        ("", EventKind.UNKNOWN),
        (None, EventKind.UNKNOWN),
    ],
)
def test_event_kinds_are_normalised(wire: str | None, kind: EventKind) -> None:
    assert EventKind.from_wire(wire) is kind


def test_event_actions_are_normalised() -> None:
    assert EventAction.from_wire("IM::created") is EventAction.CREATED
    assert EventAction.from_wire("im::Updated") is EventAction.UPDATED
    assert EventAction.from_wire("im::deleted") is EventAction.UNKNOWN
    assert EventAction.from_wire(None) is EventAction.UNKNOWN


def test_an_unknown_status_type_keeps_its_typed_reading_and_its_name() -> None:
    payload = status_event("EVT-NEW")
    payload["resource"][0]["eventType"] = "IM::Order_Rerouted"
    payload["resource"][0]["rerouteReason"] = "weather"
    payload["newTopLevel"] = {"x": 1}
    (event,) = parse_events(*signed(payload), SECRET)
    assert event.kind is EventKind.UNKNOWN
    assert (event.type_name, event.event_type) == ("order_rerouted", "IM::Order_Rerouted")
    assert isinstance(event.data, OrderStatusEvent)
    assert event.order_numbers == ["20-RD128"]
    assert event.status_changes[0].extras == {"rerouteReason": "weather"}
    assert event.data.extras == {"newTopLevel": {"x": 1}}
    assert event.raw == payload


def test_an_unknown_shape_is_kept_whole() -> None:
    payload = {
        "topic": "resellers/invoices",
        "event": "IM::created",
        "eventTimeStamp": "2024-05-01T10:00:00Z",
        "eventId": "EVT-INV",
        "eventType": "IM::invoice_ready",
        "resource": {"invoiceNumber": "INV-9", "orderNumber": "20-RD128"},
        "extra": [1, 2],
    }
    (event,) = parse_events(*signed(payload), SECRET)
    assert event.kind is EventKind.UNKNOWN
    assert event.type_name == "invoice_ready"
    assert isinstance(event.data, UnknownEvent)
    assert event.data.resource == {"invoiceNumber": "INV-9", "orderNumber": "20-RD128"}
    assert event.data.extras == {"extra": [1, 2]}
    assert event.timestamp == dt.datetime(2024, 5, 1, 10, tzinfo=dt.timezone.utc)
    assert event.order_numbers == ["20-RD128"]
    assert event.create_result is None and event.status_changes == []
    # no type and no resource at all: still an event, not an error
    (bare,) = parse_events(*signed({"eventId": "EVT-BARE"}), SECRET)
    assert (bare.kind, bare.type_name, bare.order_numbers) == (EventKind.UNKNOWN, None, [])
    assert isinstance(bare.data, UnknownEvent)


def test_unknown_fields_of_a_known_event_are_kept() -> None:
    (example, *_) = v7_webhook_examples()
    payload = copy.deepcopy(example)
    payload[0]["resource"]["confirmationNumber"] = "US-I-T-24032926562341102332"
    payload[0]["resource"]["orders"][0]["newOrderField"] = True
    payload[0]["deliveryAttempt"] = 2
    (event,) = parse_events(
        body_of(payload), {"X-Hub-Signature": sig(example[0]["eventId"])}, SECRET
    )
    assert event.confirmation_number == "US-I-T-24032926562341102332"
    result = event.create_result
    assert result is not None
    assert result.extras["confirmationNumber"] == "US-I-T-24032926562341102332"
    assert result.orders[0].extras["newOrderField"] is True
    assert event.data.extras["deliveryAttempt"] == 2


def test_a_status_kind_with_a_single_object_resource_is_a_status_event() -> None:
    payload = status_event("EVT-ONE")
    payload["resource"] = payload["resource"][0]  # a single object where a list is declared
    (event,) = parse_events(*signed(payload), SECRET)
    assert isinstance(event.data, OrderStatusEvent)
    assert event.kind is EventKind.ORDER_SHIPPED and event.order_numbers == ["20-RD128"]


def test_the_event_repr_is_short() -> None:
    (example, *_) = v7_webhook_examples()
    (event,) = decode_events(example)
    text = repr(event)
    assert "NYNNHS5UMGAK0X3L4E" in text and "ASYNC_ORDER_CREATE" in text
    assert "MEDECISION" not in text  # no payload dump
    assert isinstance(event, Event)


# ---------------------------------------------------------------------------- replays


def test_a_replayed_event_is_detected() -> None:
    guard = ReplayGuard()
    body, headers = signed(status_event("EVT-R1"))
    (event,) = parse_events(body, headers, SECRET, replay_guard=guard)
    assert "EVT-R1" in guard and len(guard) == 1
    with pytest.raises(ReplayedEventError) as info:
        parse_events(body, headers, SECRET, replay_guard=guard)
    assert info.value.event_ids == ("EVT-R1",)
    assert info.value.fresh == []
    assert info.value.http_status == 200
    assert "EVT-R1" in str(info.value)
    # a replay with another body under the same signed eventId is caught the same way
    other = status_event("EVT-R1", resource=[{"eventType": "im::order_voided"}])
    with pytest.raises(ReplayedEventError):
        parse_events(body_of(other), headers, SECRET, replay_guard=guard)
    # without the guard, parsing is stateless
    assert parse_events(body, headers, SECRET)[0] == event


def test_a_partly_replayed_array_returns_its_fresh_events_on_the_error() -> None:
    guard = ReplayGuard()
    parse_events(*signed(status_event("OLD")), SECRET, replay_guard=guard)
    array = [status_event("OLD"), status_event("NEW"), status_event("NEW")]
    headers = {"X-Hub-Signature": f"{sig('OLD')},{sig('NEW')}"}
    with pytest.raises(ReplayedEventError) as info:
        parse_events(body_of(array), headers, SECRET, replay_guard=guard)
    assert info.value.event_ids == ("OLD", "NEW")  # the second NEW repeats the first
    assert [e.event_id for e in info.value.fresh] == ["NEW"]
    assert "NEW" in guard


def test_an_unverified_event_does_not_enter_the_guard() -> None:
    guard = ReplayGuard()
    body = body_of(status_event("EVT-TARGET"))
    with pytest.raises(InvalidSignatureError):
        parse_events(
            body, {"X-Hub-Signature": sig("EVT-TARGET", "attacker")}, SECRET, replay_guard=guard
        )
    assert "EVT-TARGET" not in guard and len(guard) == 0
    (event,) = parse_events(
        body, {"X-Hub-Signature": sig("EVT-TARGET")}, SECRET, replay_guard=guard
    )
    assert event.event_id == "EVT-TARGET"


def test_forget_lets_a_redelivery_through() -> None:
    guard = ReplayGuard()
    body, headers = signed(status_event("EVT-F"))
    parse_events(body, headers, SECRET, replay_guard=guard)
    guard.forget("EVT-F")
    guard.forget("never-seen")  # no error
    assert parse_events(body, headers, SECRET, replay_guard=guard)[0].event_id == "EVT-F"


def test_the_guard_is_bounded_and_expires(clock: FakeClock) -> None:
    guard = ReplayGuard(max_entries=3)
    assert [guard.remember(i) for i in "ABCD"] == [True] * 4
    assert len(guard) == 3 and "A" not in guard and "D" in guard
    assert guard.remember("B") is False
    timed = ReplayGuard(ttl=60)
    assert timed.remember("X") is True
    clock.now += 59
    assert timed.remember("X") is False
    clock.now += 1
    assert "X" not in timed and timed.remember("X") is True
    assert "ReplayGuard(max_entries=100000, ttl=60" in repr(timed)
    with pytest.raises(ValidationError):
        ReplayGuard(max_entries=0)
    with pytest.raises(ValidationError):
        ReplayGuard(ttl=0)


def test_any_replay_store_can_replace_the_guard() -> None:
    class SetStore:
        def __init__(self) -> None:
            self.ids: set[str] = set()

        def remember(self, event_id: str) -> bool:
            if event_id in self.ids:
                return False
            self.ids.add(event_id)
            return True

    store = SetStore()
    body, headers = signed(status_event("EVT-S"))
    parse_events(body, headers, SECRET, replay_guard=store)
    assert store.ids == {"EVT-S"}
    with pytest.raises(ReplayedEventError):
        parse_events(body, headers, SECRET, replay_guard=store)


def test_a_replay_message_names_at_most_five_event_ids() -> None:
    ids = [f"ID{i}" for i in range(7)]
    error = ReplayedEventError(ids, [])
    assert str(error) == (
        "webhook event already received (eventId 'ID0', 'ID1', 'ID2', 'ID3', 'ID4' and 2 more)"
    )
    assert error.event_ids == tuple(ids) and error.fresh == []
