"""When and how long to wait before trying a call again.

Written by hand rather than with ``stamina``: the decision depends on what we know of the
request (was it sent at all? does it create or change an order?), the wait on what the
server said (``Retry-After``, ``X-RateLimit-Reset``), and each attempt must queue on the
rate limiter again; a ~30-line policy is simpler than bending a decorator to that, and keeps
the runtime dependencies at four. The defaults follow stamina's taste: exponential backoff
with jitter, bounded in attempts and in total time.
"""

from __future__ import annotations

import random

import attrs

from .errors import ValidationError


def _check(instance: RetryPolicy) -> None:
    if instance.attempts < 1:
        raise ValidationError("retry.attempts", "must be at least 1")
    for name in ("timeout", "wait_initial", "wait_max", "wait_jitter"):
        if getattr(instance, name) < 0:
            raise ValidationError(f"retry.{name}", "must not be negative")


@attrs.frozen
class RetryPolicy:
    """How a failed call is retried.

    Reads (GET) retry on 429, 5xx, timeouts and connection errors. Calls that create or
    change an order (POST, PUT, DELETE) retry only when the server surely did not act: a
    429, or a connection that failed before the request was sent; never after a read
    timeout or a 5xx, which could place an order twice.

    Example::

        AsyncOrdersClient(..., retry=RetryPolicy(attempts=6, timeout=120))
        AsyncOrdersClient(..., retry=RetryPolicy.disabled())   # one attempt, e.g. in tests
    """

    #: Total attempts, the first included.
    attempts: int = 4
    #: Give up retrying once this many seconds have passed since the first attempt.
    timeout: float = 60.0
    #: First backoff, doubled each attempt up to ``wait_max``, plus up to ``wait_jitter``.
    wait_initial: float = 0.25
    wait_max: float = 8.0
    wait_jitter: float = 0.5

    def __attrs_post_init__(self) -> None:
        _check(self)

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(attempts=1)

    def backoff(self, attempt: int, server_wait: float | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based).

        A wait the server asked for (``Retry-After``, ``X-RateLimit-Reset``) replaces ours.
        """
        if server_wait is not None and server_wait > 0:
            return server_wait
        ours = min(self.wait_initial * 2.0 ** (attempt - 1), self.wait_max)
        jitter: float = random.uniform(0, self.wait_jitter)
        return ours + jitter
