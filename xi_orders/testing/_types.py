"""Small public value types of the sandbox: the fake clock, fault rates, counters, records."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

#: The faults the sandbox can inject, by name.
FaultKind = Literal[
    "server_error",  # 500 with an ErrorResponse body; the request was not processed
    "rate_limit",  # 429 (as if a limit were hit); not processed
    "drop_before",  # connection dropped before the request was processed
    "drop_after",  # the request WAS processed, then the connection dropped (response lost)
    "slow",  # the answer is delayed by Faults.slow_seconds, then sent normally
    "html",  # 503 with an HTML gateway page; not processed
    "truncated_json",  # processed; the JSON body is cut in half
    "empty_body",  # processed; the body is empty
]
FAULT_KINDS: tuple[FaultKind, ...] = (
    "server_error",
    "rate_limit",
    "drop_before",
    "drop_after",
    "slow",
    "html",
    "truncated_json",
    "empty_body",
)

#: The endpoints of the sandbox, as counters, rate limits and faults name them.
ENDPOINTS: tuple[str, ...] = (
    "token",
    "get_order",
    "search_orders",
    "create_order",
    "create_order_v7",
    "modify_order",
    "cancel_order",
)
ORDER_ENDPOINTS: frozenset[str] = frozenset(ENDPOINTS) - {"token"}

#: 2024-06-03T12:00:00Z: where a FakeClock starts unless told otherwise.
DEFAULT_FAKE_EPOCH = 1_717_416_000.0


class FakeClock:
    """A clock for the sandbox that only moves when told to.

    Pass it as ``Sandbox(clock=FakeClock())``; then ``clock.advance(25 * 3600)`` makes a held
    order older than 24 hours (it gets voided) and expires tokens, without waiting.
    Calling the clock returns the current time in epoch seconds. Thread-safe.
    """

    def __init__(self, start: float = DEFAULT_FAKE_EPOCH) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        """The current (fake) time, epoch seconds."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (not backwards); returns the new time."""
        if seconds < 0:
            raise ValueError("a FakeClock only moves forward")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, timestamp: float) -> None:
        """Jump to ``timestamp`` (epoch seconds)."""
        with self._lock:
            self._now = float(timestamp)

    def __repr__(self) -> str:
        return f"FakeClock({self._now!r})"


@dataclass(frozen=True)
class Faults:
    """Seeded rates (0..1, per request) of the failures the sandbox injects.

    ``server_error``, ``rate_limit``, ``drop_before``, ``drop_after``, ``html``,
    ``truncated_json`` and ``empty_body`` are exclusive (one draw picks at most one; their
    sum must be <= 1); ``slow`` is drawn separately and adds ``slow_seconds`` of delay.
    ``endpoints`` limits them to some endpoints (names as in :data:`ENDPOINTS`); by default
    every Orders endpoint, not the token endpoint.

    Example: ``Faults(server_error=0.05, drop_after=0.01, slow=0.1, slow_seconds=2.0)``.
    """

    server_error: float = 0.0
    rate_limit: float = 0.0
    drop_before: float = 0.0
    drop_after: float = 0.0
    html: float = 0.0
    truncated_json: float = 0.0
    empty_body: float = 0.0
    slow: float = 0.0
    slow_seconds: float = 3.0
    endpoints: frozenset[str] = ORDER_ENDPOINTS

    def __post_init__(self) -> None:
        rates = (
            self.server_error,
            self.rate_limit,
            self.drop_before,
            self.drop_after,
            self.html,
            self.truncated_json,
            self.empty_body,
            self.slow,
        )
        if any(r < 0 or r > 1 for r in rates):
            raise ValueError("fault rates must be between 0 and 1")
        if sum(rates[:-1]) > 1.0 + 1e-9:
            raise ValueError("the exclusive fault rates must add up to at most 1")
        if self.slow_seconds < 0:
            raise ValueError("slow_seconds must be >= 0")
        unknown = set(self.endpoints) - set(ENDPOINTS)
        if unknown:
            raise ValueError(f"unknown endpoints: {sorted(unknown)}")
        object.__setattr__(self, "endpoints", frozenset(self.endpoints))

    @property
    def exclusive(self) -> tuple[tuple[FaultKind, float], ...]:
        """The exclusive faults and their rates, in draw order."""
        return (
            ("server_error", self.server_error),
            ("rate_limit", self.rate_limit),
            ("drop_before", self.drop_before),
            ("drop_after", self.drop_after),
            ("html", self.html),
            ("truncated_json", self.truncated_json),
            ("empty_body", self.empty_body),
        )


class RequestRecord(NamedTuple):
    """One request the sandbox saw (``Sandbox.request_log``)."""

    #: sandbox clock time when it arrived
    time: float
    method: str
    #: the path as sent (still URL-encoded), without the query
    path: str
    #: endpoint name (see ENDPOINTS), or None for an unknown route
    endpoint: str | None
    correlation_id: str | None
    #: the status sent, or None when the connection was dropped
    status: int | None
    #: the injected fault, if any
    fault: str | None


@dataclass
class Counters:
    """What the sandbox saw, for assertions such as "the order was created exactly once".

    ``requests[endpoint]`` counts every request that reached an endpoint (faulted ones
    included); ``responses[(endpoint, status)]`` counts the statuses sent (a dropped
    connection counts under status 0); ``orders_created`` counts orders actually created
    (by v6 and v7, not retried duplicates that were rejected).
    """

    requests: Counter[str] = field(default_factory=Counter)
    responses: Counter[tuple[str, int]] = field(default_factory=Counter)
    tokens_issued: int = 0
    orders_created: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    webhooks_queued: int = 0
    webhooks_delivered: int = 0
    rate_limited: int = 0

    def snapshot(self) -> Counters:
        """An independent copy."""
        return Counters(
            requests=Counter(self.requests),
            responses=Counter(self.responses),
            tokens_issued=self.tokens_issued,
            orders_created=self.orders_created,
            faults=Counter(self.faults),
            webhooks_queued=self.webhooks_queued,
            webhooks_delivered=self.webhooks_delivered,
            rate_limited=self.rate_limited,
        )


class WebhookEvent(NamedTuple):
    """A signed webhook event the sandbox queued: what it POSTs to the reseller's URL."""

    #: ``Content-Type``, ``X-Hub-Signature`` (Base64 HMAC-SHA512 of the eventId)...
    headers: dict[str, str]
    #: the JSON body, exactly the bytes that are sent
    body: bytes
