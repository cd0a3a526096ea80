"""When and how long to wait before trying again: one decision for API calls and token
requests alike.

Written by hand rather than with ``stamina``: the decision depends on what we know of the
request (was it sent at all? does it create or change an order?), the wait on what the
server said (``Retry-After``, ``X-RateLimit-Reset``), and each attempt must queue on the
rate limiter again; a short loop is simpler than bending a decorator to that, and keeps the
runtime dependencies at four. The defaults follow stamina's taste: exponential backoff with
jitter, bounded in attempts and in total time.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

import attrs
import httpx

from . import _clock, _redact, _transport
from .errors import APIConnectionError, APITimeoutError, XiError

logger = logging.getLogger("xi_orders")

T = TypeVar("T")

#: Statuses worth another try for a request that cannot change an order.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

# Failures that happen before a request leaves the machine: retrying cannot duplicate anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def _check(instance: RetryPolicy) -> None:
    from .errors import ValidationError

    if instance.attempts < 1:
        raise ValidationError("retry.attempts", "must be at least 1")
    for name in ("timeout", "wait_initial", "wait_max", "wait_jitter"):
        if getattr(instance, name) < 0:
            raise ValidationError(f"retry.{name}", "must not be negative")


@attrs.frozen
class RetryPolicy:
    """How a failed call is retried.

    Reads (GET) and token requests retry on 429, 5xx, timeouts and connection errors.
    Calls that create or change an order (POST, PUT, DELETE) retry only when the server
    surely did not act: a 429, or a connection that failed before the request was sent;
    never after a read timeout or a 5xx, which could place an order twice.

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


@attrs.frozen
class Failure:
    """An attempt that failed: the error to raise if it is the last, whether another
    attempt is safe and useful, and the wait the server asked for."""

    error: XiError
    retryable: bool
    server_wait: float | None = None


@attrs.frozen
class Done(Generic[T]):
    """An attempt that succeeded."""

    value: T


Outcome = Done[T] | Failure


def should_retry_status(status: int, changes_orders: bool) -> bool:
    """Whether an error status is worth another try: a 429 always (the server refused
    before acting), a 5xx only for what cannot change an order."""
    return status == 429 or (not changes_orders and status in RETRY_STATUS)


def network_failure(
    exc: httpx.RequestError,
    *,
    method: str,
    url: str,
    cid: str,
    changes_orders: bool,
    where: str = "",
    secrets: Iterable[str] = (),
    sent_may_matter: bool = True,
) -> Failure:
    """The typed error for a request that failed on the network, and whether to retry.

    Only a failure before the request left (connect refused or timed out, DNS, TLS, a
    pool wait) counts as "not sent"; anything later may have reached the server.
    ``where``: what was being reached, for the message; ``sent_may_matter=False`` for a
    token request (the call that needed it was never sent, whatever happened to it).
    """
    exc = _transport.effective_error(exc)
    not_sent = isinstance(exc, _NOT_SENT)
    cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    if where:
        what = f"reaching {where}"
    else:
        what = "before the request was sent" if not_sent else "after the request may have been sent"
    hidden = _redact.normalize(secrets)
    _redact.scrub_exception(exc, hidden)  # its request carries the Authorization header
    error = cls(
        _redact.redact(f"{type(exc).__name__} {what}: {exc} (correlation ID {cid})", hidden),
        correlation_id=cid,
        method=method,
        url=url,
    )
    error.request_sent = sent_may_matter and not not_sent
    error.__cause__ = exc
    return Failure(error, not_sent or not changes_orders)


async def run(
    attempt: Callable[[int], Awaitable[Outcome[T]]],
    policy: RetryPolicy,
    *,
    label: str,
    cid: str,
) -> T:
    """``attempt(1)``, ``attempt(2)``, ... until one succeeds, or a failure is not
    retryable, or the policy's attempts or time run out: then that failure's error."""
    started = _clock.monotonic()
    number = 0
    while True:
        number += 1
        outcome = await attempt(number)
        if isinstance(outcome, Done):
            return outcome.value
        wait = next_wait(policy, number, outcome, started)
        if wait is None:
            raise outcome.error
        if logger.isEnabledFor(logging.INFO):
            name = type(outcome.error).__name__
            logger.info(
                "%s: retrying in %.2fs after %s (correlation ID %s, attempt %d)",
                label,
                wait,
                name,
                cid,
                number,
                extra={
                    "correlation_id": cid,
                    "endpoint": label,
                    "attempt": number,
                    "wait": wait,
                    "error": name,
                },
            )
        await _clock.sleep(wait)


def next_wait(policy: RetryPolicy, number: int, failure: Failure, started: float) -> float | None:
    """The backoff before attempt ``number + 1``, or None when there is none to make."""
    if not failure.retryable or number >= policy.attempts:
        return None
    wait = policy.backoff(number, failure.server_wait)
    if _clock.monotonic() + wait - started > policy.timeout:
        return None
    return wait
