"""What one captured delivery can cost a receiver: the caps and the order of the checks.

The signature covers only ``eventId``, so anyone holding one old signed delivery can post a
2 MiB array repeating it, with a header full of junk candidate signatures. These tests pin
the defences by counting work (HMACs computed, events built), never by timing: the cost as
a ratio to ``json.loads`` is measured in ``benchmarks/bench_webhooks.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from xi_orders.errors import ValidationError
from xi_orders.testing import Sandbox
from xi_orders.webhooks import (
    DEFAULT_MAX_EVENTS,
    DEFAULT_MAX_SIGNATURES,
    InvalidSignatureError,
    MissingSignatureError,
    ReplayedEventError,
    ReplayGuard,
    TooManyEventsError,
    TooManySignaturesError,
    WebhookError,
    WebhookPayloadError,
    WebhookSignatureError,
    _receive,
    parse_events,
)

FLOOD_BYTES = 2 * 1024 * 1024 - 1024  # just under the default body limit


def captured_delivery(seed: int = 5, secret: str = "flood-secret") -> tuple[bytes, dict[str, str]]:
    """One genuine signed delivery (an ``im::order_shipped`` event), as an attacker keeps it."""
    sandbox = Sandbox(seed=seed, orders=20, webhook_secret=secret)
    sandbox.ship(sandbox.order_numbers(status="Backordered")[0])
    headers, body = sandbox.webhook_events[-1]
    return body, dict(headers)


def flood(
    body: bytes, headers: Mapping[str, str], *, size: int = FLOOD_BYTES, junk: int = 0
) -> tuple[bytes, dict[str, str]]:
    """The attack: a JSON array repeating ``{"eventId": <the captured id>}`` up to ``size``
    bytes (the signature covers nothing else), and a header with the genuine signature
    followed by ``junk`` well-formed junk candidates (88 characters each)."""
    item = json.dumps({"eventId": json.loads(body)["eventId"]}, separators=(",", ":")).encode()
    array = b"[" + b",".join([item] * ((size - 2) // (len(item) + 1))) + b"]"
    signature = headers["X-Hub-Signature"]
    candidates = [signature] + [f"{i:086d}==" for i in range(junk)]
    return array, {**headers, "X-Hub-Signature": ",".join(candidates)}


@pytest.fixture(scope="module")
def delivery() -> tuple[bytes, dict[str, str]]:
    return captured_delivery()


class Counting:
    """Counts calls to a private function of ``_receive`` (the HMAC, the event builder)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        self.calls = 0
        real = getattr(_receive, name)

        def counted(*args: Any) -> Any:
            self.calls += 1
            return real(*args)

        monkeypatch.setattr(_receive, name, counted)


@pytest.fixture
def hmacs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counting]:
    yield Counting(monkeypatch, "_sign")


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counting]:
    yield Counting(monkeypatch, "_build")


def test_the_flood_is_what_the_issue_describes(delivery: tuple[bytes, dict[str, str]]) -> None:
    body, headers = delivery
    array, flooded = flood(body, headers, junk=700)
    assert FLOOD_BYTES - 64 <= len(array) <= FLOOD_BYTES
    events = json.loads(array)
    assert len(events) > 60_000 and {e["eventId"] for e in events} == {json.loads(body)["eventId"]}
    assert len(flooded["X-Hub-Signature"]) > 60_000  # the 62 KB header


def test_junk_candidates_are_refused_before_the_body_is_parsed(
    delivery: tuple[bytes, dict[str, str]], hmacs: Counting
) -> None:
    body, headers = delivery
    array, flooded = flood(body, headers, junk=700)
    with pytest.raises(TooManySignaturesError) as info:
        parse_events(array, flooded, "flood-secret")
    assert (info.value.count, info.value.limit) == (701, DEFAULT_MAX_SIGNATURES)
    assert info.value.http_status == 401 and isinstance(info.value, WebhookSignatureError)
    assert "701" in str(info.value) and "max_signatures" in str(info.value)
    assert hmacs.calls == 0
    # the check is on the header alone: a junk body with junk candidates gets the same error
    with pytest.raises(TooManySignaturesError):
        parse_events(b"not json", flooded, "flood-secret")


def test_the_signature_cap_is_a_setting(delivery: tuple[bytes, dict[str, str]]) -> None:
    body, headers = delivery
    _, three = flood(body, headers, junk=2)
    with pytest.raises(TooManySignaturesError):
        parse_events(body, three, "flood-secret", max_signatures=2)
    assert len(parse_events(body, three, "flood-secret", max_signatures=3)) == 1
    _, many = flood(body, headers, junk=700)
    assert len(parse_events(body, many, "flood-secret", max_signatures=None)) == 1
    # exactly the default passes; blank parts do not count
    _, at_cap = flood(body, headers, junk=DEFAULT_MAX_SIGNATURES - 1)
    padded = {"X-Hub-Signature": at_cap["X-Hub-Signature"] + ", ,,"}
    assert len(parse_events(body, padded, "flood-secret")) == 1


def test_too_many_events_are_refused_before_any_signature_is_computed(
    delivery: tuple[bytes, dict[str, str]], hmacs: Counting, builds: Counting
) -> None:
    body, headers = delivery
    array, _ = flood(body, headers)
    count = len(json.loads(array))
    with pytest.raises(TooManyEventsError) as info:
        parse_events(array, headers, "flood-secret", replay_guard=ReplayGuard())
    assert (info.value.count, info.value.limit) == (count, DEFAULT_MAX_EVENTS)
    assert info.value.http_status == 413 and isinstance(info.value, WebhookPayloadError)
    assert (hmacs.calls, builds.calls) == (0, 0)
    # the cap is a setting: None lifts it; the array then verifies with one HMAC, and a
    # guard that saw the delivery refuses every copy without building one
    guard = ReplayGuard()
    parse_events(body, headers, "flood-secret", replay_guard=guard)
    assert (hmacs.calls, builds.calls) == (1, 1)
    with pytest.raises(ReplayedEventError) as replayed:
        parse_events(array, headers, "flood-secret", max_events=None, replay_guard=guard)
    assert len(replayed.value.event_ids) == count and replayed.value.fresh == []
    assert (hmacs.calls, builds.calls) == (2, 1)


def test_exactly_max_events_pass(delivery: tuple[bytes, dict[str, str]]) -> None:
    body, headers = delivery
    array = b"[" + b",".join([body] * 5) + b"]"
    assert len(parse_events(array, headers, "flood-secret", max_events=5)) == 5
    with pytest.raises(TooManyEventsError):
        parse_events(array, headers, "flood-secret", max_events=4)
    # a single object is one event whatever the cap
    assert len(parse_events(body, headers, "flood-secret", max_events=1)) == 1


def test_each_distinct_event_id_is_signed_once(hmacs: Counting) -> None:
    secret = "distinct-secret"
    sandbox = Sandbox(seed=9, orders=20, webhook_secret=secret)
    for number in sandbox.order_numbers(status="Backordered")[:2]:
        sandbox.ship(number)
    (h1, b1), (h2, b2) = sandbox.webhook_events[-2:]
    array = b"[" + b",".join([b1, b2, b1, b2, b1]) + b"]"
    both = {"X-Hub-Signature": f"{h2['X-Hub-Signature']},{h1['X-Hub-Signature']}"}
    assert len(parse_events(array, both, secret)) == 5
    assert hmacs.calls == 2
    # with two secrets (a rotation), at most two HMACs per distinct id
    hmacs.calls = 0
    assert len(parse_events(array, both, ["old-secret", secret])) == 5
    assert hmacs.calls == 4


def test_a_forged_id_among_copies_fails_at_its_first_place(hmacs: Counting) -> None:
    body, headers = captured_delivery()
    genuine = json.loads(body)
    forged = {**genuine, "eventId": "FORGED" + genuine["eventId"][6:]}
    array = json.dumps([genuine] * 50 + [forged] * 50).encode()
    with pytest.raises(InvalidSignatureError) as info:
        parse_events(array, headers, "flood-secret")
    assert info.value.index == 50
    assert hmacs.calls == 2  # the genuine id once, the forged id once


def test_a_replay_is_refused_before_any_event_is_built(
    delivery: tuple[bytes, dict[str, str]], builds: Counting
) -> None:
    body, headers = delivery
    guard = ReplayGuard()
    assert len(parse_events(body, headers, "flood-secret", replay_guard=guard)) == 1
    assert builds.calls == 1
    array = b"[" + b",".join([body] * DEFAULT_MAX_EVENTS) + b"]"
    with pytest.raises(ReplayedEventError) as info:
        parse_events(array, headers, "flood-secret", replay_guard=guard)
    assert info.value.fresh == [] and len(info.value.event_ids) == DEFAULT_MAX_EVENTS
    assert builds.calls == 1  # none of the replayed copies was built


def test_a_fresh_id_repeated_in_one_body_is_new_once(builds: Counting) -> None:
    body, headers = captured_delivery(seed=6)
    guard = ReplayGuard()
    array = b"[" + b",".join([body] * 3) + b"]"
    with pytest.raises(ReplayedEventError) as info:
        parse_events(array, headers, "flood-secret", replay_guard=guard)
    event_id = json.loads(body)["eventId"]
    assert [e.event_id for e in info.value.fresh] == [event_id]
    assert info.value.event_ids == (event_id, event_id)
    assert builds.calls == 1 and len(guard) == 1


def test_the_order_of_the_checks_on_a_flood() -> None:
    """Header before body, and the event cap before the signatures."""
    with pytest.raises(MissingSignatureError):
        parse_events(b"[" + b"{}," * 1000 + b"{}]", {}, "s")
    unsigned = json.dumps([{"eventId": f"E{i}"} for i in range(101)]).encode()
    with pytest.raises(TooManyEventsError):
        parse_events(unsigned, {"X-Hub-Signature": "junk"}, "s")
    with pytest.raises(InvalidSignatureError):
        parse_events(unsigned, {"X-Hub-Signature": "junk"}, "s", max_events=101)


@pytest.mark.parametrize("setting", ["max_events", "max_signatures"])
@pytest.mark.parametrize("limit", [0, -1])
def test_a_cap_below_one_is_a_setup_mistake(
    delivery: tuple[bytes, dict[str, str]], setting: str, limit: int
) -> None:
    body, headers = delivery
    with pytest.raises(ValidationError, match=setting) as info:
        parse_events(body, headers, "flood-secret", **{setting: limit})
    assert not isinstance(info.value, WebhookError)  # the receiver's fault, not the request's
