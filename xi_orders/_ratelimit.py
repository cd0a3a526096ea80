"""Client-side pacing per endpoint, so bulk work runs at the API's limit instead of into 429s.

One sliding window (``_window``) per endpoint, or a budget shared with other processes
(``shared``), corrected by the server's ``X-RateLimit-*`` headers.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import _clock
from ._window import _UNBOUNDED, STANDARD, Answer, RateLimit, SlidingWindow, _float
from .errors import ValidationError
from .shared import RateBudget

__all__ = ["STANDARD", "RateLimit", "RateLimiter"]


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
        self._windows: dict[str, SlidingWindow] = {}
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

    def _window(self, endpoint: str) -> SlidingWindow:
        window = self._windows.get(endpoint)
        if window is None:
            limit = self._per_endpoint.get(endpoint, self._default)
            # Without a limit the window is unbounded, but still closed by Remaining: 0 / 429.
            window = SlidingWindow(limit or _UNBOUNDED, margin=self._margin)
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

    @property
    def budget(self) -> RateBudget | None:
        """The budget shared with other clients and processes, if any."""
        return self._budget

    def limit(self, endpoint: str) -> RateLimit | None:
        """The limit currently applied to ``endpoint`` (None when pacing is off)."""
        limit = self._window(endpoint).limit
        return None if limit is _UNBOUNDED else limit
