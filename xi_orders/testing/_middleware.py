"""What wraps every handler: latency, fault injection (before or after the handler acts),
per-endpoint rate limits with their ``X-RateLimit-*`` headers, the token and header checks,
correlation-ID echo, counters and the request log; a JSON body's media type (415, as an
API gateway answers), and no body on a HEAD answer.

Imports ``_context``, ``_http``, ``_router`` and ``_types``; the order rules and the
resources only through the handler a route names. Never the SDK's models.
"""

from __future__ import annotations

import math
import random
from collections import deque
from typing import TYPE_CHECKING, Any, NamedTuple

from ._context import RequestContext, check_headers
from ._http import (
    HTML_502,
    HTML_503,
    CoreRequest,
    CoreResponse,
    Exchange,
    Reject,
    error_response,
    html_response,
    json_response,
)
from ._router import Match, no_route, route
from ._types import ENDPOINTS, FAULT_KINDS, Counters, FaultKind, Faults, RequestRecord

if TYPE_CHECKING:
    from ._core import Core, CoreConfig

#: Faults that answer instead of the handler: the request is not processed.
BEFORE: frozenset[str] = frozenset(
    {"drop_before", "server_error", "rate_limit", "html", "gateway_502_before"}
)
_RL_NAMES = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


class RateState(NamedTuple):
    """An endpoint's window: the limit, calls left, when it resets (epoch seconds)."""

    limit: int
    remaining: int
    reset: int

    def headers(self) -> list[tuple[str, str]]:
        """The ``X-RateLimit-*`` headers announcing this state."""
        values = (str(self.limit), str(self.remaining), str(self.reset))
        return list(zip(_RL_NAMES, values, strict=True))


class RateLimiter:
    """Fixed windows per endpoint (aligned to multiples of the window length)."""

    def __init__(self, cfg: CoreConfig, counters: Counters) -> None:
        self._cfg = cfg
        self._counters = counters
        self._windows: dict[str, tuple[float, int]] = {}

    def _window(self, endpoint: str, now: float) -> tuple[int, float, int, int] | None:
        limit = self._cfg.rate_limits.get(endpoint)
        if limit is None:
            return None
        window = self._cfg.rate_limit_windows.get(endpoint, self._cfg.rate_limit_window)
        start = math.floor(now / window) * window
        w_start, count = self._windows.get(endpoint, (start, 0))
        if w_start != start:
            count = 0
        return limit, start, count, math.ceil(start + window)

    def take(self, endpoint: str, now: float) -> tuple[RateState | None, bool]:
        """Count one call: the window's state after it, and whether the call is over."""
        w = self._window(endpoint, now)
        if w is None:
            return None, False
        limit, start, count, reset = w
        if count >= limit:
            self._windows[endpoint] = (start, count)
            return RateState(limit, 0, reset), True
        count += 1
        self._windows[endpoint] = (start, count)
        return RateState(limit, limit - count, reset), False

    def peek(self, endpoint: str, now: float) -> RateState | None:
        """The window's state without counting a call (for answers that did not use one)."""
        w = self._window(endpoint, now)
        if w is None:
            return None
        limit, _, count, reset = w
        return RateState(limit, max(0, limit - count), reset)

    def too_many(self, state: RateState | None) -> CoreResponse:
        """429, with ``Retry-After`` (and the window's headers when there is one)."""
        headers: list[tuple[str, str]] = []
        retry_after = 1
        if state is not None:
            headers += state.headers()
            retry_after = max(1, math.ceil(state.reset - self._cfg.clock()))
        headers.append(("Retry-After", str(retry_after)))
        self._counters.rate_limited += 1
        return json_response(
            429, {"errors": [{"field": None, "message": "too many requests"}]}, headers
        )


class FaultPicker:
    """Scheduled faults first (``Sandbox.inject``), then the seeded rates of ``Faults``."""

    def __init__(self, cfg: CoreConfig, seed: int) -> None:
        self._cfg = cfg
        self._rng = random.Random(f"faults:{seed}")
        self._scheduled: list[list[Any]] = []  # [kind, endpoint | None, remaining]

    def schedule(self, kind: FaultKind, times: int, endpoint: str | None) -> None:
        """Inject ``kind`` into the next ``times`` requests (to ``endpoint``, if given)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        self._scheduled.append([kind, endpoint, times])

    def pick(self, endpoint: str) -> tuple[FaultKind | None, bool]:
        """(exclusive fault, slow?) for a request to ``endpoint``."""
        for entry in self._scheduled:
            if entry[1] is None or entry[1] == endpoint:
                entry[2] -= 1
                if entry[2] <= 0:
                    self._scheduled.remove(entry)
                kind: FaultKind = entry[0]
                return (None, True) if kind == "slow" else (kind, False)
        faults = self._cfg.faults
        if faults is None or endpoint not in faults.endpoints:
            return None, False
        slow = faults.slow > 0 and self._rng.random() < faults.slow
        roll = self._rng.random()
        acc = 0.0
        for name, rate in faults.exclusive:
            acc += rate
            if rate > 0 and roll < acc:
                return name, slow
        return None, slow


def _is_json(req: CoreRequest) -> bool:
    """Whether the body is declared JSON (``application/json``, or a ``+json`` type)."""
    media = req.headers.get("content-type", "").partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class Middleware:
    """The pipeline every request goes through (under the core's lock)."""

    def __init__(self, cfg: CoreConfig, counters: Counters) -> None:
        self._cfg = cfg
        self.counters = counters
        self.limiter = RateLimiter(cfg, counters)
        self.faults = FaultPicker(cfg, cfg.seed)
        self._latency_rng = random.Random(f"latency:{cfg.seed}")
        #: the last ``cfg.request_log_limit`` records (all of them when None): a served
        #: sandbox answers requests for days, and the counters already count every one
        self.request_log: deque[RequestRecord] = deque(maxlen=cfg.request_log_limit)

    def latency(self) -> float:
        """This answer's latency (fixed, or drawn from the seeded range)."""
        lat = self._cfg.latency
        if isinstance(lat, tuple):
            return self._latency_rng.uniform(lat[0], lat[1])
        return float(lat)

    def _fault_settings(self) -> Faults:
        return self._cfg.faults or Faults()

    def _before(self, fault: FaultKind, now: float, cid: str | None) -> CoreResponse | None:
        """The answer of a fault that fires before the handler (None: hang up)."""
        if fault == "drop_before":
            return None
        if fault == "server_error":
            return error_response(
                500,
                "ConnectivityIssue/ERP issue Contact Ingram Micro API Support",
                now=now,
                cid=cid,
                kind="/errors/server-error",
            )
        if fault == "rate_limit":
            return self.limiter.too_many(None)
        if fault == "html":
            return html_response(503, HTML_503)
        return html_response(502, HTML_502)  # gateway_502_before

    def _run(self, app: Core, match: Match, req: CoreRequest, now: float) -> CoreResponse:
        """The handler, behind the token check, the rate limit and the IM-* header check."""
        assert match.handler is not None and match.endpoint is not None
        ctx = RequestContext(
            req, now, match.endpoint, match.param, req.headers.get("im-correlationid")
        )
        if not match.authenticated:
            return match.handler(app, ctx)
        app.tokens.check(req, now)
        state, over = self.limiter.take(match.endpoint, now)
        ctx.rl = state.headers() if state is not None else []
        if over:
            raise Reject(self.limiter.too_many(state))
        check_headers(
            ctx, customer_numbers=self._cfg.customer_numbers, country_code=self._cfg.country_code
        )
        if req.body and req.method in ("POST", "PUT") and not _is_json(req):
            raise Reject(
                error_response(
                    415,
                    "Unsupported media type: send the body as application/json "
                    f"(Content-Type was {req.headers.get('content-type') or 'missing'})",
                    now=now,
                    cid=ctx.cid,
                    kind="/errors/unsupported-media-type",
                    headers=[*ctx.rl, ("Accept", "application/json")],
                )
            )
        app.lifecycle.sweep(now)
        return match.handler(app, ctx)

    def handle(self, app: Core, req: CoreRequest) -> Exchange:
        """Process one request; returns how long to wait and what to answer."""
        now = self._cfg.clock()
        match = route(req.method, req.raw_path)
        endpoint = match.endpoint
        cid = req.headers.get("im-correlationid")
        delay = self.latency()
        fault: FaultKind | None = None
        slow = False
        if endpoint is not None:
            self.counters.requests[endpoint] += 1
            fault, slow = self.faults.pick(endpoint)
            if slow:
                delay += self._fault_settings().slow_seconds
                self.counters.faults["slow"] += 1
            if fault is not None:
                self.counters.faults[fault] += 1
        acted = False
        reset_after: int | None = None
        response: CoreResponse | None
        if fault is not None and fault in BEFORE:
            response = self._before(fault, now, cid)
        else:
            answer: CoreResponse
            if match.handler is None:
                answer = no_route(match, req, cid, now)
            else:
                acted = True
                try:
                    answer = self._run(app, match, req, now)
                except Reject as rej:
                    answer = rej.response
            response = answer
            if fault == "drop_after":
                response = None
            elif fault == "truncated_json":
                answer.body = answer.body[: max(1, len(answer.body) // 2)]
            elif fault == "empty_body":
                answer.body = b""
            elif fault == "reset":
                reset_after = len(answer.body) // 2
            elif fault == "act_then_timeout":
                response = None
                delay += self._fault_settings().hang_seconds
            elif fault == "act_then_502":
                response = html_response(502, HTML_502)
        if response is not None:
            if endpoint is not None and fault != "rate_limit":
                self._advertise(response, endpoint, now)
            if cid is not None:
                response.headers.append(("IM-CorrelationID", cid))
                sender = req.headers.get("im-senderid")
                if sender is not None:
                    response.headers.append(("IM-SenderID", sender))
        if response is not None and req.method == "HEAD":
            response.body = b""  # the headers of the answer, never a body
        status = response.status if response is not None else None
        reported = fault if fault is not None else ("slow" if slow else None)
        if endpoint is not None:
            self.counters.responses[(endpoint, status or 0)] += 1
            if acted:
                if fault is not None:
                    self.counters.faults_acted[fault] += 1
                if slow:
                    self.counters.faults_acted["slow"] += 1
        self.request_log.append(
            RequestRecord(now, req.method, req.raw_path, endpoint, cid, status, fault, acted)
        )
        return Exchange(delay, response, reported, reset_after, acted)

    def _advertise(self, response: CoreResponse, endpoint: str, now: float) -> None:
        """Every answer of a rate-limited endpoint carries ``X-RateLimit-*``: the ones that
        did not count a call (401, faults, 404/405) announce the window as it stands."""
        if any(name == _RL_NAMES[0] for name, _ in response.headers):
            return
        state = self.limiter.peek(endpoint, now)
        if state is not None:
            response.headers.extend(state.headers())
