"""One access token and one rate budget per API app, shared by every client that uses it.

Ingram Micro's limits are per app, not per process: 60 calls a minute per endpoint and one
access token (about a day long; every fetch counts). Without sharing, each process paces
itself to the full limit and fetches its own token, so four workers send four times the
allowed rate and collect 429s, and fifty pods fetch fifty tokens at every expiry.

Pass a shared backend to the client and every client bound to the same backend and app
(same client ID) shares one token and one budget::

    from xi_orders.shared import RedisShared       # pip install "xi-orders[redis]"

    shared = RedisShared("redis://redis:6379/0", namespace="acme-prod")
    client = AsyncOrdersClient(..., shared=shared)   # every worker, every pod
    sync_client = OrdersClient(..., shared=shared)   # the sync client too

Without ``shared`` (the default) each client keeps its own token and paces itself, as
before and exactly as fast. :class:`MemoryShared` shares within one process (several
clients, threads or event loops).

Two small protocols make a backend: :class:`TokenStore` (get / put with expiry /
single-flight refresh across processes / invalidate after a 401) and :class:`RateBudget`
(acquire a slot for an endpoint / settle it when answered / back off when the server says
the app is out / follow the server's window ends). A
:class:`SharedState` binds both to one app.

Failure rule for every backend: trouble with the backend never fails or hangs a call. A
store that cannot reach its backend fetches the token locally; a budget that cannot reach
its backend answers ``False`` from ``acquire`` and the client paces itself (never unpaced).
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from .. import _clock
from .._window import RateLimit
from ._protocols import RateBudget, SharedState, SharedToken, TokenFetch, TokenStore

if TYPE_CHECKING:
    from ._redis import RedisShared

__all__ = [
    "MemoryShared",
    "RateBudget",
    "RedisShared",
    "SharedState",
    "SharedToken",
    "TokenStore",
]


# --- in-process implementation -----------------------------------------------------------


class MemoryTokenStore:
    """A token store shared by the clients of one process (thread- and loop-safe)."""

    def __init__(self) -> None:
        self._token: SharedToken | None = None
        self._fetching = False
        self._lock = threading.Lock()

    async def get(self) -> SharedToken | None:
        token = self._token
        return token if token is not None and token.fresh() else None

    async def put(self, token: SharedToken) -> None:
        with self._lock:
            self._token = token

    async def invalidate(self, token: SharedToken) -> None:
        with self._lock:
            if self._token is not None and self._token.value == token.value:
                self._token = None

    async def refresh(self, fetch: TokenFetch) -> SharedToken:
        while True:
            with self._lock:
                token = self._token
                if token is not None and token.fresh():
                    return token
                if not self._fetching:
                    self._fetching = True
                    break
            # Another client (maybe on another thread's event loop) is fetching.
            await anyio.sleep(0.01)
        try:
            token = await fetch()
            await self.put(token)
            return token
        finally:
            with self._lock:
                self._fetching = False


class MemoryRateBudget:
    """A sliding-window budget shared by the clients of one process (thread- and loop-safe).

    The same algorithm as the Redis budget: per endpoint, the send times of the last
    ``calls`` calls; a call may go when the oldest of them is more than ``per + margin``
    seconds old, or was sent more than ``margin`` before the server's last window reset
    and has been answered.
    """

    def __init__(self, *, margin: float = 0.05) -> None:
        self._margin = margin
        self._sent: dict[str, deque[float]] = {}
        self._closed: dict[str, float] = {}
        #: Per endpoint: the server's last announced reset ("reset") and its window's end
        #: ("next", monotonic); the window before it: "last_reset", "last".
        self._resets: dict[str, dict[str, float]] = {}
        #: Per endpoint: calls counted and not yet answered, by call number: when sent.
        self._in_flight: dict[str, dict[int, float]] = {}
        self._calls = 0
        self._lock = threading.Lock()

    async def acquire(self, endpoint: str, limit: RateLimit) -> bool:
        while True:
            with self._lock:
                wait = self._take(endpoint, limit, _clock.monotonic())
            if wait <= 0:
                return True
            await _clock.sleep(wait)

    def _take(self, endpoint: str, limit: RateLimit, now: float) -> float:
        closed = self._closed.get(endpoint, 0.0)
        if closed > now:
            return closed - now
        sent = self._sent.get(endpoint)
        if sent is None:
            sent = self._sent[endpoint] = deque()
            self._in_flight[endpoint] = {}
        in_flight = self._in_flight[endpoint]
        window = limit.per + self._margin
        ends = self._resets.get(endpoint, {})
        reset = ends.get("next", 0.0)
        horizon = max(now - window, self._passed(endpoint, now)[0] - self._margin)
        early = sum(1 for at in in_flight.values() if at <= horizon)
        room = limit.calls - early
        if room <= 0:
            return 0.02
        if len(sent) >= room:
            oldest = sent[-room]
            if oldest > horizon:
                wait = oldest + window - now
                if reset > now:
                    wait = min(wait, reset - now)
                return min(wait, 0.02) if early else wait
        sent.append(now)
        while len(sent) > limit.calls:
            sent.popleft()
        self._calls += 1
        in_flight[self._calls] = now
        _memory_in_flight.set((self, endpoint, self._calls, limit))
        return 0.0

    def backoff(self, endpoint: str, seconds: float) -> None:
        with self._lock:
            until = _clock.monotonic() + seconds
            self._closed[endpoint] = max(self._closed.get(endpoint, 0.0), until)

    def window_ends(self, endpoint: str, reset: float, seconds: float) -> None:
        with self._lock:
            now = _clock.monotonic()
            ends = self._resets.setdefault(endpoint, {})
            if reset > ends.get("reset", 0.0):
                if "next" in ends:
                    # The server announcing a later end says the earlier one has passed.
                    ends["last"] = min(ends["next"], now)
                    ends["last_reset"] = ends["reset"]
                ends["reset"], ends["next"] = reset, now + seconds

    def _passed(self, endpoint: str, now: float) -> tuple[float, float]:
        """The end of the server's latest window that has passed, and its name (0: none)."""
        ends = self._resets.get(endpoint, {})
        if ends.get("next", 0.0) <= now:
            return ends.get("next", 0.0), ends.get("reset", 0.0)
        return ends.get("last", 0.0), ends.get("last_reset", 0.0)

    def settle(self, endpoint: str, reset: float | None = None) -> None:
        slot = _memory_in_flight.get()
        if slot is None or slot[0] is not self:
            return
        _memory_in_flight.set(None)
        _, endpoint, call, limit = slot
        with self._lock:
            sent_at = self._in_flight.get(endpoint, {}).pop(call, None)
            if sent_at is None or reset is None:
                return
            now = _clock.monotonic()
            passed, name = self._passed(endpoint, now)
            if passed > 0 and sent_at <= passed - self._margin and reset > name:
                # Sent before the server's window, counted in it: it counts there.
                sent = self._sent[endpoint]
                sent.append(now)
                while len(sent) > limit.calls:
                    sent.popleft()


#: The current task's call counted in a MemoryRateBudget and not yet answered.
_memory_in_flight: contextvars.ContextVar[tuple[MemoryRateBudget, str, int, RateLimit] | None] = (
    contextvars.ContextVar("xi_orders_memory_in_flight", default=None)
)


class MemoryShared:
    """Shares one token and one rate budget per app among the clients of this process.

    Example: threads each running their own ``OrdersClient``::

        shared = MemoryShared()
        clients = [OrdersClient(..., shared=shared) for _ in range(8)]
    """

    def __init__(self, *, margin: float = 0.05) -> None:
        self._margin = margin
        self._stores: dict[tuple[str, str], MemoryTokenStore] = {}
        self._budgets: dict[str, MemoryRateBudget] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryShared(apps={len(self._budgets)})"

    def bind(self, client_id: str, client_secret: str) -> tuple[TokenStore, RateBudget]:
        # The token is kept per (client ID, secret): a client with another secret for the
        # same ID does not get a token it could not have fetched itself.
        from ._seal import Sealer

        secret_id = Sealer(client_id, client_secret).fingerprint("")
        with self._lock:
            store = self._stores.setdefault((client_id, secret_id), MemoryTokenStore())
            budget = self._budgets.setdefault(client_id, MemoryRateBudget(margin=self._margin))
        return store, budget


# --- the seam TokenAuth calls ------------------------------------------------------------


class _LocalToken(Protocol):
    @property
    def value(self) -> str: ...
    @property
    def expires_at(self) -> float: ...  # time.monotonic()


async def shared_token(
    store: TokenStore,
    fetch: Callable[[], Awaitable[_LocalToken]],
    stale: _LocalToken | None,
) -> tuple[str, float]:
    """TokenAuth's fetch path when a store is shared: the token's value and its expiry on
    ``time.monotonic()``. ``stale`` is the token the API just refused (401), if any."""

    def wall_minus_monotonic() -> float:
        return time.time() - time.monotonic()

    if stale is not None:
        await store.invalidate(SharedToken(stale.value, stale.expires_at + wall_minus_monotonic()))
    token = await store.get()
    if token is None or (stale is not None and token.value == stale.value):

        async def fetch_shared() -> SharedToken:
            fetched = await fetch()
            return SharedToken(fetched.value, fetched.expires_at + wall_minus_monotonic())

        token = await store.refresh(fetch_shared)
    return token.value, token.expires_at - wall_minus_monotonic()


def __getattr__(name: str) -> Any:
    # RedisShared is imported on first use: ``import xi_orders`` never imports redis.
    if name == "RedisShared":
        from ._redis import RedisShared

        return RedisShared
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
