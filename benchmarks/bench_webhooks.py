"""Rows W1-W5: what one captured webhook delivery can make a receiver spend (issue 23).

The signature covers only ``eventId``, so anyone holding one old signed delivery can post a
body of up to 2 MiB built from it. Each row is the CPU time of receiving such a request
against ``json.loads`` of the same body, measured in the same run (interleaved, median):

- W1: the issue's flood: a 2 MiB array repeating ``{"eventId": <the captured id>}`` (63,000
  events), with 700 junk candidate signatures after the genuine one (a 62 KB header); the
  replay guard has seen the id;
- W2: the same array under its one genuine signature;
- W3: one event under the captured eventId whose resource is padded to 2 MiB of order lines
  (within every cap), the replay guard on: refused as a replay before it is built;
- W4: W3 without a replay guard (reported): the event is built, the cost of decoding
  2 MiB of order lines; the guard is what bounds a resent eventId;
- W5: W2 through ``WebhookApp`` (ASGI, the body in 64 KiB messages as uvicorn hands it over).

Standalone::

    python -m benchmarks.bench_webhooks [--quick]
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from xi_orders.testing import Sandbox
from xi_orders.webhooks import (
    Event,
    ReplayedEventError,
    ReplayGuard,
    WebhookApp,
    WebhookError,
    parse_events,
)

from ._common import Row, Settings, interleaved, median, spread

CPU_CLOCK = time.process_time
SECRET = "bench-webhook-secret"
BODY_BYTES = 2 * 1024 * 1024 - 1024  # under the default 2 MiB limit
JUNK = 700
TARGET = 2.0  # a request may cost at most this many json.loads of its body


def captured() -> tuple[bytes, dict[str, str]]:
    """One genuine signed delivery: an ``im::order_shipped`` event from the sandbox."""
    sandbox = Sandbox(seed=5, orders=20, webhook_secret=SECRET)
    sandbox.ship(sandbox.order_numbers(status="Backordered")[0])
    headers, body = sandbox.webhook_events[-1]
    return body, dict(headers)


def flood_array(body: bytes) -> bytes:
    """The captured eventId alone, ``{"eventId":"..."}``, repeated up to the body limit."""
    item = json.dumps({"eventId": json.loads(body)["eventId"]}, separators=(",", ":")).encode()
    return b"[" + b",".join([item] * ((BODY_BYTES - 2) // (len(item) + 1))) + b"]"


def padded_event(body: bytes) -> bytes:
    """The captured event with its resource's lines repeated up to the body limit."""
    event = json.loads(body)
    change = event["resource"][0]
    line = change["lines"][0]
    one = len(json.dumps(line, separators=(",", ":"))) + 1
    change["lines"] = [copy.deepcopy(line) for _ in range((BODY_BYTES - len(body)) // one)]
    return json.dumps(event, separators=(",", ":")).encode()


def _cpu(call: Callable[[], Any], times: int) -> float:
    started = CPU_CLOCK()
    for _ in range(times):
        call()
    return (CPU_CLOCK() - started) / times


def _refused(body: bytes, headers: dict[str, str], guard: ReplayGuard | None) -> Callable[[], Any]:
    def receive() -> Any:
        try:
            return parse_events(body, headers, SECRET, replay_guard=guard)
        except WebhookError as exc:
            return exc

    return receive


def _through_app(body: bytes, headers: dict[str, str]) -> tuple[Callable[[], Any], list[int]]:
    """One request to a WebhookApp, run to completion; returns the call and its statuses."""

    async def handler(event: Event) -> None:
        raise AssertionError("the flood must not reach the handler")

    app = WebhookApp(SECRET, handler)
    app_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    app_headers.append((b"content-length", str(len(body)).encode()))
    scope = {"type": "http", "method": "POST", "path": "/", "headers": app_headers}
    statuses: list[int] = []
    chunk = 64 * 1024
    loop = asyncio.new_event_loop()

    async def request() -> None:
        offsets = list(range(0, len(body), chunk))

        async def receive() -> dict[str, Any]:
            start = offsets.pop(0)
            return {
                "type": "http.request",
                "body": body[start : start + chunk],
                "more_body": bool(offsets),
            }

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)

    return lambda: loop.run_until_complete(request()), statuses


def run(settings: Settings) -> list[Row]:
    # refusals are logged (their cost is measured), but not printed in the table's output
    log = logging.getLogger("xi_orders.webhooks")
    quiet = logging.NullHandler()
    log.addHandler(quiet)
    propagate, log.propagate = log.propagate, False
    try:
        return _measure(settings)
    finally:
        log.removeHandler(quiet)
        log.propagate = propagate


def _measure(settings: Settings) -> list[Row]:
    body, headers = captured()
    guard = ReplayGuard()
    parse_events(body, headers, SECRET, replay_guard=guard)  # the delivery the attacker saw
    signature = headers["X-Hub-Signature"]
    array = flood_array(body)
    junk = {
        **headers,
        "X-Hub-Signature": ",".join([signature] + [f"{i:086d}==" for i in range(JUNK)]),
    }
    padded = padded_event(body)
    app_call, statuses = _through_app(array, headers)
    cases = [
        ("W1", array, _refused(array, junk, guard), "TooManySignaturesError"),
        ("W2", array, _refused(array, headers, guard), "TooManyEventsError"),
        ("W3", padded, _refused(padded, headers, guard), "ReplayedEventError"),
        ("W4", padded, _refused(padded, headers, None), "list"),
        ("W5", array, app_call, None),
    ]
    calls = settings.pick(3, 2)
    repeats = settings.pick(21, 7)
    rows: list[Row] = []
    for row_id, content, receive, expected in cases:
        outcome = receive()
        if expected is not None:
            assert type(outcome).__name__ == expected, (row_id, outcome)
        if isinstance(outcome, ReplayedEventError):
            assert outcome.fresh == []

        def baseline(content: bytes = content) -> Any:
            return json.loads(content)

        ours, base = interleaved(
            lambda receive=receive: _cpu(receive, calls),
            lambda baseline=baseline: _cpu(baseline, calls),
            repeats,
        )
        o, b = median(ours), median(base)
        rows.append(_row(row_id, o, b, len(content), outcome, statuses, repeats, calls, ours, base))
    return rows


_WHAT = {
    "W1": f"the flood: a 2 MiB array repeating a captured eventId, {JUNK} junk signatures in the header (CPU time)",
    "W2": "the flood: the same 2 MiB array under its one genuine signature (CPU time)",
    "W3": "a captured eventId, its event padded to 2 MiB of lines, replay guard on (CPU time)",
    "W4": "a captured eventId, its event padded to 2 MiB of lines, no replay guard (CPU time)",
    "W5": "W2 through WebhookApp (ASGI, 64 KiB body messages) (CPU time)",
}


def _row(
    row_id: str,
    ours: float,
    base: float,
    size: int,
    outcome: Any,
    statuses: list[int],
    repeats: int,
    calls: int,
    ours_samples: list[float],
    base_samples: list[float],
) -> Row:
    reported = row_id == "W4"
    if row_id == "W5":
        answer = f"answered {statuses[0]}"
    elif isinstance(outcome, list):
        answer = f"{len(outcome)} event built"
    else:
        answer = f"refused: {type(outcome).__name__} ({outcome.http_status})"
    return Row(
        row_id,
        _WHAT[row_id],
        ours * 1e3,
        base * 1e3,
        "ms",
        "json.loads of the same body",
        "report" if reported else f"<= {TARGET:g}x",
        passed=None if reported else ours / base <= TARGET,
        notes=f"{answer}; body {size:,} bytes; median of {repeats} x {calls} requests; "
        f"ours {spread([x * 1e3 for x in ours_samples])} ms, "
        f"json.loads {spread([x * 1e3 for x in base_samples])} ms",
    )


if __name__ == "__main__":
    for result in run(Settings(quick="--quick" in sys.argv)):
        print(f"{result.id:3} {result.what}")
        print(
            f"    ours {result.ours:.3f} {result.unit}, json.loads {result.baseline:.3f} "
            f"{result.unit}, ratio {result.ratio:.3f}x ({result.target}: {result.result})"
        )
        print(f"    {result.notes}")
