"""A rate limit and the sliding-window log that keeps one: the building blocks of pacing,
shared by the client's limiter (``_ratelimit``) and the shared backends (``shared/``).

Each endpoint gets a sliding-window log: at most ``calls`` sends in any trailing ``per``
seconds. A sliding window never exceeds a server's fixed or sliding window of the same size,
which a token bucket (burst, then refill inside the same server window) can. The server's
``X-RateLimit-*`` headers then correct it: ``Remaining: 0`` (or a 429) closes the endpoint
until ``X-RateLimit-Reset``, and, unless the user pinned a limit, ``X-RateLimit-Limit``
replaces the published default of 60 calls a minute (so an app granted 500/min uses them).
"""

from __future__ import annotations

from collections import deque
from typing import Any, Protocol

import anyio
import attrs
import httpx

from . import _clock
from .errors import ValidationError

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


class SlidingWindow:
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
        if self.limit.adapt:
            limit = _int(headers.get("x-ratelimit-limit"))
            if limit is not None and limit > 0 and limit != self.limit.calls:
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
