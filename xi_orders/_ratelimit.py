"""Client-side pacing per endpoint, so bulk work runs at the API's limit instead of into 429s.

Each endpoint gets a sliding-window log: at most ``calls`` sends in any trailing ``per``
seconds. A sliding window never exceeds a server's fixed or sliding window of the same size,
which a token bucket (burst, then refill inside the same server window) can. The server's
``X-RateLimit-*`` headers then correct it: ``Remaining: 0`` (or a 429) closes the endpoint
until ``X-RateLimit-Reset``, and, unless the user pinned a limit, ``X-RateLimit-Limit``
replaces the published default of 60 calls a minute (so an app granted 500/min uses them).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import anyio
import attrs
import httpx

from . import _clock
from .errors import ValidationError

if TYPE_CHECKING:
    from .shared import RateBudget

#: The API's published standard: 60 calls a minute per endpoint, per app.
STANDARD_CALLS_PER_MINUTE = 60


def _positive(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value > 0:
        raise ValidationError(f"rate_limit.{attribute.name}", f"must be positive, got {value!r}")


class Answer(Protocol):
    """What the limiter reads from a response (an ``httpx.Response`` has both)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> httpx.Headers: ...


@attrs.frozen
class RateLimit:
    """At most ``calls`` calls every ``per`` seconds to one endpoint.

    Example::

        AsyncOrdersClient(..., rate_limit=RateLimit(500))            # an app granted 500/min
        AsyncOrdersClient(..., rate_limit={"get_order": RateLimit(500), "search_orders": RateLimit(60)})
        AsyncOrdersClient(..., rate_limit=None)                      # no client-side pacing
    """

    calls: int = attrs.field(validator=_positive)
    per: float = attrs.field(default=60.0, validator=_positive)
    #: Follow the server's ``X-RateLimit-Limit`` when it announces a different limit.
    #: A limit you set yourself stays as set unless you ask for this.
    adapt: bool = attrs.field(default=False, kw_only=True)


#: The default: the API's published 60 calls a minute, adapted to what the server announces.
STANDARD = RateLimit(STANDARD_CALLS_PER_MINUTE, 60.0, adapt=True)
_UNBOUNDED = RateLimit(2**62, 1.0)


class _Window:
    """The sliding-window log of one endpoint."""

    def __init__(self, limit: RateLimit, *, margin: float) -> None:
        self.limit = limit
        self.margin = margin
        self.sent: deque[float] = deque()
        self.closed_until = 0.0
        self.lock: anyio.Lock | None = None

    async def acquire(self) -> None:
        lock = self.lock
        # Fast path: with the lock free nobody is waiting (a waiter holds the lock or
        # queues on it), so when the window has room the lock would be granted at once.
        # Taking the slot without it saves a lock round trip and an event-loop turn per call.
        if (lock is None or not lock.locked()) and self._take(_clock.monotonic()):
            return
        if self.lock is None:
            self.lock = anyio.Lock()
        # One waiter at a time, first come first served: callers queue on the lock.
        async with self.lock:
            while True:
                now = _clock.monotonic()
                if self.closed_until > now:
                    await _clock.sleep(self.closed_until - now)
                    continue
                if self._take(now):
                    return
                # Wait for the oldest send to leave the window, plus a margin for the
                # difference between when we send and when the server counts.
                await _clock.sleep(self.sent[0] - (now - self.limit.per) + self.margin)

    def _take(self, now: float) -> bool:
        """Count a send at ``now`` if the endpoint is open and the window has room."""
        if self.closed_until > now:
            return False
        horizon = now - self.limit.per
        sent = self.sent
        while sent and sent[0] <= horizon:
            sent.popleft()
        if len(sent) < self.limit.calls:
            sent.append(now)
            return True
        return False

    def observe(self, response: Answer) -> None:
        headers = response.headers
        limit = _int(headers.get("x-ratelimit-limit"))
        if self.limit.adapt and limit is not None and limit > 0 and limit != self.limit.calls:
            self.limit = attrs.evolve(self.limit, calls=limit)
        remaining = _int(headers.get("x-ratelimit-remaining"))
        if remaining == 0 or response.status_code == 429:
            reset = _float(headers.get("x-ratelimit-reset"))
            if reset is not None:
                # Reset is Unix time on the server's clock; bound it so a skewed clock
                # cannot close the endpoint for longer than a window (the API's are 60 s).
                wait = min(max(reset - _clock.wall(), 0.0), max(self.limit.per, 60.0))
                self.closed_until = max(self.closed_until, _clock.monotonic() + wait + self.margin)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class RateLimiter:
    """Per-endpoint windows. ``None`` as the configuration turns pacing off (the server's
    ``Remaining: 0`` and 429 are still honoured); a mapping sets limits per operation and
    leaves the others at the standard."""

    def __init__(
        self,
        config: RateLimit | Mapping[str, RateLimit] | None,
        *,
        margin: float = 0.05,
        budget: RateBudget | None = None,
    ) -> None:
        self._margin = margin
        #: A budget shared with other clients and processes (xi_orders.shared), if any.
        self._budget = budget
        self._windows: dict[str, _Window] = {}
        #: The last X-RateLimit-Reset passed to the budget, per endpoint (one write a window).
        self._resets: dict[str, str] = {}
        self._default: RateLimit | None
        self._per_endpoint: Mapping[str, RateLimit] = {}
        if config is None or isinstance(config, RateLimit):
            self._default = config
        elif isinstance(config, Mapping):
            for key, value in config.items():
                if not isinstance(value, RateLimit):
                    raise ValidationError(f"rate_limit[{key!r}]", "must be a RateLimit")
            self._per_endpoint = dict(config)
            self._default = STANDARD
        else:
            raise ValidationError("rate_limit", "must be a RateLimit, a mapping of them, or None")

    def _window(self, endpoint: str) -> _Window:
        window = self._windows.get(endpoint)
        if window is None:
            limit = self._per_endpoint.get(endpoint, self._default)
            # Without a limit the window is unbounded, but still closed by Remaining: 0 / 429.
            window = _Window(limit or _UNBOUNDED, margin=self._margin)
            self._windows[endpoint] = window
        return window

    def forget_loop(self) -> None:
        """Drop the locks of the event loop used so far (the windows stay): for a new loop."""
        for window in self._windows.values():
            window.lock = None

    async def acquire(self, endpoint: str) -> None:
        """Wait until ``endpoint`` may be called, and count the call."""
        window = self._window(endpoint)
        budget = self._budget
        # The shared budget counts the call for every process; when it is unavailable it
        # answers False and this process paces itself, as without one.
        if (
            budget is not None
            and window.limit is not _UNBOUNDED
            and await budget.acquire(endpoint, window.limit)
        ):
            return
        await window.acquire()

    def observe(self, endpoint: str, response: Answer) -> None:
        """Learn from a response's ``X-RateLimit-*`` headers and status."""
        window = self._window(endpoint)
        closed_until = window.closed_until
        window.observe(response)
        budget = self._budget
        if budget is None:
            return
        reset = response.headers.get("x-ratelimit-reset")
        # A 429 was not counted; an answer names the window that counted the call.
        budget.settle(endpoint, None if response.status_code == 429 else _float(reset))
        if window.closed_until > closed_until:
            # The server said the app is out: every process sharing the budget waits.
            budget.backoff(endpoint, window.closed_until - _clock.monotonic())
        # Where the server's window ends (once a window, per endpoint): the shared budget
        # follows the server's fixed windows rather than a moving one that drifts across.
        if reset is not None and reset != self._resets.get(endpoint):
            self._resets[endpoint] = reset
            ends = _float(reset)
            if ends is not None:
                wait = ends - _clock.wall()
                # Only a window end ahead, and within a window (a skewed clock must not
                # move the boundary far).
                if 0 < wait <= max(window.limit.per, 60.0):
                    budget.window_ends(endpoint, ends, wait)

    def settle(self, endpoint: str) -> None:
        """The call just counted got no response (a network error, a cancellation)."""
        if self._budget is not None:
            self._budget.settle(endpoint)

    def limit(self, endpoint: str) -> RateLimit | None:
        """The limit currently applied to ``endpoint`` (None when pacing is off)."""
        limit = self._window(endpoint).limit
        return None if limit is _UNBOUNDED else limit
