"""Small public value types of the sandbox: the fake clock, fault rates, counters, records.

Imports nothing from the sandbox or the SDK."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from .. import _endpoints

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
    "reset",  # processed; status line, headers and half the body sent, then a TCP reset
    "act_then_timeout",  # processed; no answer for Faults.hang_seconds (a read timeout)
    "act_then_502",  # processed; a gateway answers 502 with an HTML page instead
    "gateway_502_before",  # a gateway answers 502 (HTML); the request was not processed
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
    "reset",
    "act_then_timeout",
    "act_then_502",
    "gateway_502_before",
)

#: The endpoints of the sandbox, as counters, rate limits and faults name them: the
#: client's own table (``xi_orders._endpoints``), so both always agree.
ENDPOINTS: tuple[str, ...] = tuple(_endpoints.ENDPOINTS)
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
    ``truncated_json``, ``empty_body``, ``reset``, ``act_then_timeout``, ``act_then_502``
    and ``gateway_502_before`` are exclusive (one draw picks at most one; their sum must be
    <= 1); ``slow`` is drawn separately and adds ``slow_seconds`` of delay.

    Acted or not: ``server_error``, ``rate_limit``, ``drop_before``, ``html`` and
    ``gateway_502_before`` answer instead of the handler (nothing happened);
    ``drop_after`` (act, then hang up), ``truncated_json``, ``empty_body``, ``reset`` (act,
    send half the answer, reset the connection), ``act_then_timeout`` (act, then no answer
    for ``hang_seconds``: past the client's read timeout) and ``act_then_502`` (act, then a
    gateway's 502 page) run the handler first: a create in them DID place the order.
    ``Counters.faults_acted`` and ``RequestRecord.acted`` tell which.
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
    reset: float = 0.0
    act_then_timeout: float = 0.0
    act_then_502: float = 0.0
    gateway_502_before: float = 0.0
    slow: float = 0.0
    slow_seconds: float = 3.0
    #: how long ``act_then_timeout`` holds the answer back before hanging up
    hang_seconds: float = 30.0
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
            self.reset,
            self.act_then_timeout,
            self.act_then_502,
            self.gateway_502_before,
            self.slow,
        )
        if any(r < 0 or r > 1 for r in rates):
            raise ValueError("fault rates must be between 0 and 1")
        if sum(rates[:-1]) > 1.0 + 1e-9:
            raise ValueError("the exclusive fault rates must add up to at most 1")
        if self.slow_seconds < 0:
            raise ValueError("slow_seconds must be >= 0")
        if self.hang_seconds < 0:
            raise ValueError("hang_seconds must be >= 0")
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
            ("reset", self.reset),
            ("act_then_timeout", self.act_then_timeout),
            ("act_then_502", self.act_then_502),
            ("gateway_502_before", self.gateway_502_before),
        )


#: How a v7 create answers (:attr:`Realism.v7_create_answer`).
V7CreateAnswer = Literal["confirmation", "events"]
#: How order, sub-order and line statuses are spelled (:attr:`Realism.status_spelling`).
StatusSpelling = Literal["canonical", "mixed"]


@dataclass(frozen=True)
class Realism:
    """The real API's quirks the sandbox reproduces, beyond what its spec promises.

    Each option emits one thing Ingram Micro's service has been seen to do, so tests
    exercise the leniency the SDK claims. Pass ``Sandbox(realism=Realism(...))``. The
    defaults follow the real API where it behaves one way for everyone (the ``null``
    placeholders are on; the server honours ``pageSize``); quirks that come and go are off.
    Rates are seeded: the same seed gives the same answers.
    """

    #: Send the ``null`` placeholders the spec's own OrderDetailB2B example has on every
    #: detail line: ``estimatedDates`` (``ship``/``delivery`` null, ``startDate``/``endDate``
    #: null, ``deliverySource``/``deliveryDescription`` null), ``scheduleLines: null``,
    #: ``multipleShipments`` (``lineNumber`` and the date range null) and, for a licence
    #: line, ``contractDuration: null`` and ``subscriptions: null``. Default on: the real
    #: API sends them. Details room (``resources/details.py``).
    nulls: bool = True
    #: The server's own page size: at most this many rows a search page, whatever
    #: ``pageSize`` asked for, and ``"pageSize"`` reports it. ``None`` (the default, as the
    #: real API does up to 100): honour the request. Search room.
    search_page_size: int | None = None
    #: Whether a search page carries ``"pageSize"`` at all (default True; False leaves the
    #: key out, so a client must infer the server's page size). Search room.
    report_page_size: bool = True
    #: Orders added (> 0) or removed (< 0) at the head of the results between page
    #: requests: a request for page ``p`` > 1 answers as if ``drift * (p - 1)`` matching
    #: orders had appeared (or gone) since page 1, so ``recordsFound`` changes by that much
    #: and the rows shift (added orders repeat rows of the page before; removed ones make
    #: rows skip past the client). Deterministic; 0 (the default) is off. Search room.
    records_found_drift: int = 0
    #: Serve page 1 whatever ``pageNumber`` asked for (default False). Search room.
    ignore_page_number: bool = False
    #: After page N, answer an empty page (``"orders": []``, ``recordsFound`` unchanged) or,
    #: with ``search_stops_early_with="204"``, 204 No Content, while ``recordsFound`` still
    #: promises more. ``0`` empties page 1 itself (``recordsFound`` > 0, no rows). ``None``
    #: (the default) is off. Search room.
    search_stops_early_after: int | None = None
    #: How a search that stops early says so: ``"empty"`` (an empty page) or ``"204"``.
    search_stops_early_with: Literal["empty", "204"] = "empty"
    #: A v7 create's answer: ``"confirmation"`` (200 ``{quoteNumber, confirmationNumber,
    #: message}``, the default, as the spec's 200) or ``"events"`` (201 with a JSON list of
    #: the ``IM::async_order_create`` events, the spec's 201 example shape; the webhook is
    #: still queued). Create room (``resources/create.py``).
    v7_create_answer: V7CreateAnswer = "confirmation"
    #: Answer a Vendor Required Info question about one product with that product's object
    #: alone instead of a list of one (the API sends a lone object for other declared
    #: arrays too). Default False. Vendor info room (``resources/vendor_info.py``).
    vendor_info_single_object: bool = False
    #: Rate (0..1; True is 1) at which an accepted v6 create or modify answers its 2xx
    #: with an ``errors`` array (``id``, ``type``, ``message``, ``fields``) in the body; the
    #: order is still created or changed. Default 0. Create and changes rooms.
    create_2xx_errors: float = 0.0
    #: With ``create_2xx_errors``: leave ``orders`` (create) / ``lines`` (modify) out of
    #: that body, so it holds the errors and the order's PO number only. Default False.
    create_2xx_errors_drop_orders: bool = False
    #: With ``create_2xx_errors``: how the errors are written. ``"objects"`` (the default,
    #: the API's error entries), ``"strings"`` (a list of messages: ``["SKU blocked"]``)
    #: or ``"string"`` (one message: ``"errors": "SKU blocked"``), both seen in accepted
    #: answers. Create and changes rooms.
    create_2xx_errors_shape: Literal["objects", "strings", "string"] = "objects"
    #: With ``create_2xx_errors``: the key the errors sit under, ``"errors"`` (the default)
    #: or another casing of it (``"Errors"``, ``"ERRORS"``). Create and changes rooms.
    create_2xx_errors_key: str = "errors"
    #: An accepted v6 create or modify answers its 2xx with an HTML page (``"html"``) or an
    #: empty body (``"empty"``) instead of JSON; the order is still created or changed.
    #: ``None`` (the default) is off. Create and changes rooms.
    create_2xx_non_json: Literal["html", "empty"] | None = None
    #: ``"canonical"`` (the default): one spelling per status (``Shipped``, ``On Hold``;
    #: search ``SHIPPED``, ``OPEN``). ``"mixed"``: order, sub-order and line statuses in the
    #: real variants, seeded per order (``SHIPPED``, ``Canceled``, ``im::hold``,
    #: ``E-DELIVERED``, ``ORDER NOT PRINTED``, ``REJECTED``...); then the ``orderStatus`` /
    #: ``orderStatus-in`` filters also accept any spelling and unknown values (no match:
    #: 204, not 400), and status webhooks spell their lines' ``lineStatus`` the same
    #: ways. Details, search and webhooks.
    status_spelling: StatusSpelling = "canonical"
    #: Packages whose serial numbers sit under ``SerialNumbers`` / ``serialnumbers`` (and
    #: as plain strings), and ``trackingNumber`` values holding several numbers separated
    #: by commas or spaces (the carrier's other packages then carry none). Seeded; default
    #: False. Details room.
    number_variants: bool = False
    #: v6.1 details that come back without their lines: a rate (0..1, seeded per order)
    #: or a set of order numbers. About half of them (seeded) send ``"lines": []``, the
    #: others no ``lines`` key. Default 0 (never). Details room.
    details_without_lines: float | frozenset[str] = 0.0
    #: What an order of another of the sandbox's customers answers (get, modify, cancel):
    #: ``"not_found"`` (404 ErrorResponse, the default) or ``"fault"`` (400 with a top-level
    #: ``{"faultcode", "faultstring"}``, as the real API answers a customer-number mismatch).
    customer_mismatch: Literal["not_found", "fault"] = "not_found"
    #: The token endpoint's errors: ``"message"`` (the spec's ``{"message"}``, the default)
    #: or ``"oauth"`` (RFC 6749: ``{"error": "invalid_client", "error_description"}`` 401
    #: for bad credentials, 400 ``invalid_request`` / ``unsupported_grant_type``). Token room.
    token_errors: Literal["message", "oauth"] = "message"
    #: Answer in the shapes of the spec's JSON schemas instead of its examples' (which
    #: the sandbox, like the real API, follows by default): arrays where the schema says
    #: array (a search's ``subOrders[].links``, a v6 create's ``lines[].shipmentDetails``),
    #: numbers as JSON numbers (a search's ``recordsFound``, ``pageSize``, ``pageNumber``,
    #: ``orderTotal``, ``subOrderTotal``) and no ``null`` where the schema does not allow
    #: one (the ``nulls`` placeholders' ``null`` keys are left out). For clients generated
    #: from the spec, such as the official SDKs, whose strict types refuse the examples'
    #: shapes. Options that exist to send other shapes (``number_variants``,
    #: ``v7_create_answer="events"``, ``create_2xx_errors``, ``create_2xx_non_json``...)
    #: still do when asked for.
    #: Default False. Details, search and create rooms.
    schema_shapes: bool = False

    def __post_init__(self) -> None:
        if self.search_page_size is not None and not 1 <= self.search_page_size <= 100:
            raise ValueError("search_page_size must be between 1 and 100, or None")
        if self.search_stops_early_after is not None and self.search_stops_early_after < 0:
            raise ValueError("search_stops_early_after must be >= 0, or None")
        if self.search_stops_early_with not in ("empty", "204"):
            raise ValueError('search_stops_early_with must be "empty" or "204"')
        if self.v7_create_answer not in ("confirmation", "events"):
            raise ValueError('v7_create_answer must be "confirmation" or "events"')
        if self.status_spelling not in ("canonical", "mixed"):
            raise ValueError('status_spelling must be "canonical" or "mixed"')
        if self.create_2xx_non_json not in (None, "html", "empty"):
            raise ValueError('create_2xx_non_json must be "html", "empty" or None')
        if self.create_2xx_errors_shape not in ("objects", "strings", "string"):
            raise ValueError('create_2xx_errors_shape must be "objects", "strings" or "string"')
        if self.create_2xx_errors_key.lower() != "errors":
            raise ValueError('create_2xx_errors_key must be a casing of "errors"')
        if self.customer_mismatch not in ("not_found", "fault"):
            raise ValueError('customer_mismatch must be "not_found" or "fault"')
        if self.token_errors not in ("message", "oauth"):
            raise ValueError('token_errors must be "message" or "oauth"')
        rate = float(self.create_2xx_errors)
        if not 0.0 <= rate <= 1.0:
            raise ValueError("create_2xx_errors must be a rate between 0 and 1")
        object.__setattr__(self, "create_2xx_errors", rate)
        lines = self.details_without_lines
        if isinstance(lines, (set, frozenset, list, tuple)):
            object.__setattr__(
                self, "details_without_lines", frozenset(str(n).upper() for n in lines)
            )
        elif not 0.0 <= float(lines) <= 1.0:
            raise ValueError("details_without_lines: a rate between 0 and 1 or order numbers")
        else:
            object.__setattr__(self, "details_without_lines", float(lines))


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
    #: the request reached its handler (a faulted create in this state placed the order)
    acted: bool = False


@dataclass
class Counters:
    """What the sandbox saw, for assertions such as "the order was created exactly once".

    ``requests[endpoint]`` counts every request that reached an endpoint (faulted ones
    included); ``responses[(endpoint, status)]`` counts the statuses sent (a dropped
    connection counts under status 0); ``orders_created`` counts orders actually created
    (by v6 and v7, not retried duplicates that were rejected). ``faults[kind]`` counts the
    faults injected; ``faults_acted[kind]`` those of them that hit a request after its
    handler had run (so ``faults - faults_acted`` failed without anything happening).
    """

    requests: Counter[str] = field(default_factory=Counter)
    responses: Counter[tuple[str, int]] = field(default_factory=Counter)
    tokens_issued: int = 0
    orders_created: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    faults_acted: Counter[str] = field(default_factory=Counter)
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
            faults_acted=Counter(self.faults_acted),
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
