"""The Redis backend of :mod:`xi_orders.shared` (``pip install "xi-orders[redis]"``).

Keys, per app (a hash of the client ID; never the secret) and per endpoint, all in one Redis
Cluster hash slot per app::

    xi-orders:{<namespace>:<app>}:token            the sealed token (see _seal.py), PXAT expiry
    xi-orders:{<namespace>:<app>}:token:lock       single-flight lock (redis-py's Lock)
    xi-orders:{<namespace>:<app>}:rl:<endpoint>    send times of the last `calls` calls (a list)
    xi-orders:{<namespace>:<app>}:rl:<endpoint>:closed   closed until (the server said "out")
    xi-orders:{<namespace>:<app>}:rl:<endpoint>:reset    the server's window ends (X-RateLimit-Reset)
    xi-orders:{<namespace>:<app>}:rl:<endpoint>:inflight calls counted, not yet answered (a zset)
    xi-orders:{<namespace>:<app>}:members          processes seen lately (for the fallback share)

The rate budget is the moving-window log that the ``limits`` library's Redis strategy keeps
(the last ``calls`` timestamps in a list, one Lua script per hit), written here as one
~20-line script rather than taken from ``limits`` because the send path needs, in the same
single round trip: Redis's own clock (``limits`` stamps entries with each client's
``time.time()``, so clock skew between pods bends the shared window), fractional windows
(the server's window plus a send margin; ``limits`` windows are whole seconds), how long to
wait when the window is full (``limits`` needs a second call), the server's "closed
until" mark, and the server's window boundary (calls sent well before the server's window
reset no longer count after it: without this, a moving window that starts at a random point
of the server's fixed windows drifts a margin later every window and leaves part of each
unused). The single-flight token lock is redis-py's ``Lock``.

Failure behaviour: every Redis operation is bounded by ``timeout`` (default 1 s; also the
socket timeouts, and redis-py's own retries are off). A failure of any kind (an error of
Redis or of redis-py, a timeout, an option redis-py refuses) logs one WARNING
("falling back"), and for ``retry_interval`` seconds the clients of this process skip Redis:
each paces itself at its share of the limit (the limit divided by the number of processes
last seen sharing it; the full limit if Redis was never reached) and fetches tokens itself.
Then one call probes Redis again; when it answers, a WARNING says sharing resumed. A URL
that cannot work is refused at construction instead (``ValidationError`` naming ``url``).

Connections: each event loop gets its own Redis client (an asyncio connection belongs to
its loop). It is closed when that loop ends (``asyncio.run``, ``anyio.run``, the sync
client's loop thread: they close every async generator still open as they end, and one
holds each loop's link), or by ``aclose()`` on the loop; a loop closed without that leaves
its link to be dropped at the next call. So one ``asyncio.run`` per job, or one
``with OrdersClient(shared=...)`` block after another, keeps no socket and no loop behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import json
import logging
import time
import urllib.parse
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

import anyio
import redis.asyncio as aioredis
from redis.asyncio.lock import Lock
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import LockError

from .. import _clock
from .._window import RateLimit, SlidingWindow
from ..errors import ValidationError
from ._protocols import RateBudget, SharedToken, TokenFetch, TokenStore
from ._seal import Sealer

logger = logging.getLogger("xi_orders")

T = TypeVar("T")

# The server's window ends, kept in the ``reset`` hash by _WINDOW_ENDS below: the end of the
# latest window that has passed (Redis time, us; 0: none), the X-RateLimit-Reset that named
# it, and the next end announced.
_PASSED_WINDOW = """
local function passed_window(key, now)
  local h = redis.call('HMGET', key, 'reset', 'next', 'last', 'last_reset')
  local ends = tonumber(h[2] or '0')
  if ends > now then
    return tonumber(h[3] or '0'), tonumber(h[4] or '0'), ends
  end
  return ends, tonumber(h[1] or '0'), ends
end
"""

# KEYS: log, closed, members, reset, in flight. ARGV: calls, window (us), member id, member
# ttl (us), margin (us), call id, longest a call stays in flight (us).
# Returns {wait_us, members}: wait 0 means the call was counted.
# ``reset`` holds the server's announced window ends (X-RateLimit-Reset, on Redis's clock):
# ``next``, and ``last``, the one before it. Calls sent more than ``margin`` before the latest
# end that has passed no longer count, so the budget follows the server's fixed windows
# instead of drifting later every window; except those still in flight (sent, not yet
# answered: they may reach the server in its new window), which count until answered.
_ACQUIRE = (
    _PASSED_WINDOW
    + """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local calls = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZADD', KEYS[3], now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[4]))
redis.call('PEXPIRE', KEYS[3], math.ceil(tonumber(ARGV[4]) / 1000))
local members = redis.call('ZCARD', KEYS[3])
local closed = tonumber(redis.call('GET', KEYS[2]) or '0')
if closed > now then
  return {closed - now, members}
end
local passed, _, reset = passed_window(KEYS[4], now)
local horizon = now - window
if passed - tonumber(ARGV[5]) > horizon then
  horizon = passed - tonumber(ARGV[5])
end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - tonumber(ARGV[7]))
local early = redis.call('ZCOUNT', KEYS[5], '-inf', horizon)
local room = calls - early
if room <= 0 then
  return {20000, members}
end
local oldest = redis.call('LINDEX', KEYS[1], room - 1)
if oldest and tonumber(oldest) > horizon then
  local wait = tonumber(oldest) + window - now
  if reset > now and reset - now < wait then
    wait = reset - now
  end
  if early > 0 and wait > 20000 then
    wait = 20000
  end
  return {wait, members}
end
redis.call('LPUSH', KEYS[1], string.format('%.0f', now))
redis.call('LTRIM', KEYS[1], 0, calls - 1)
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
redis.call('ZADD', KEYS[5], now, ARGV[6])
redis.call('PEXPIRE', KEYS[5], math.ceil(tonumber(ARGV[7]) / 1000))
return {0, members}
"""
)

# KEYS: reset (a hash). ARGV: the server's X-RateLimit-Reset, seconds from now to it (us),
# expiry (ms). The server's value names its window: a later one starts ``next`` anew (its end
# on Redis's clock), and the previous ``next`` becomes ``last`` (now at the latest: the server
# announcing a later end says the earlier one has passed, whatever our estimate of when).
_WINDOW_ENDS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local announced = tonumber(ARGV[1])
local current = redis.call('HMGET', KEYS[1], 'reset', 'next')
if announced > tonumber(current[1] or '0') then
  if current[2] then
    redis.call('HSET', KEYS[1], 'last', string.format('%.0f', math.min(tonumber(current[2]), now)),
      'last_reset', current[1])
  end
  redis.call('HSET', KEYS[1], 'reset', ARGV[1], 'next',
    string.format('%.0f', now + tonumber(ARGV[2])))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
end
return 1
"""

# KEYS: in flight, log, reset. ARGV: call id, the server's X-RateLimit-Reset in its answer
# ('' if none, or a 429: not counted), margin (us), calls, window (us). The call is no longer
# in flight; if it was sent before the window the server is now in, yet counted in it (it
# arrived late), it keeps counting there: logged again, as sent now.
_SETTLE = (
    _PASSED_WINDOW
    + """
local stamp = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
if not stamp or ARGV[2] == '' then
  return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local passed, name = passed_window(KEYS[3], now)
if passed > 0 and tonumber(stamp) <= passed - tonumber(ARGV[3]) and tonumber(ARGV[2]) > name then
  redis.call('LPUSH', KEYS[2], string.format('%.0f', now))
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
  redis.call('PEXPIRE', KEYS[2], math.ceil(tonumber(ARGV[5]) / 1000) + 1000)
  return 1
end
return 0
"""
)

# KEYS: closed. ARGV: seconds closed (us), expiry (ms). Keeps the later of the two closing times.
_BACKOFF = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + wait > current then
  redis.call('SET', KEYS[1], string.format('%.0f', now + wait), 'PX', tonumber(ARGV[2]))
end
return 1
"""

# KEYS: token. ARGV: fingerprint. Deletes the token only if it is still the one refused.
_INVALIDATE = """
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 32) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


#: The current task's call counted in Redis and not yet answered: (keys, call id, limit).
_in_flight: contextvars.ContextVar[tuple[list[str], str, RateLimit] | None] = (
    contextvars.ContextVar("xi_orders_redis_in_flight", default=None)
)


class _Link:
    """One event loop's Redis client and its registered scripts."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client
        #: Closes the client as its loop ends (see :func:`_close_at_loop_end`).
        self.guard: object | None = None
        self.acquire: AsyncScript = client.register_script(_ACQUIRE)
        self.backoff: AsyncScript = client.register_script(_BACKOFF)
        self.window_ends: AsyncScript = client.register_script(_WINDOW_ENDS)
        self.settle: AsyncScript = client.register_script(_SETTLE)
        self.invalidate: AsyncScript = client.register_script(_INVALIDATE)


class RedisShared:
    """One token and one rate budget per app, shared through Redis by every process.

    Example::

        shared = RedisShared("redis://redis:6379/0", namespace="acme-prod")
        async with AsyncOrdersClient(..., shared=shared) as client: ...

    Args:
        url: a redis-py URL (``redis://``, ``rediss://``, ``unix://``; a password in it is
            never logged).
        namespace: separates environments that share a Redis (``"acme-prod"``).
        timeout: the longest any call waits on Redis, seconds. Past it (or on any Redis
            error) the clients fall back to per-process pacing and local tokens.
        retry_interval: how long, after a failure, before Redis is tried again.
        lock_timeout: the single-flight token lock's lease; a process that waits longer
            for another's token fetch fetches one itself.
        margin: seconds added to every window, for the gap between when a call is counted
            here and when the server counts it (as the per-process limiter does).
        redis_options: more keyword arguments for ``redis.asyncio.Redis.from_url``.

    Needs an asyncio event loop (the sync client runs one); on trio it falls back.
    """

    def __init__(
        self,
        url: str = "redis://localhost:6379/0",
        *,
        namespace: str = "default",
        timeout: float = 1.0,
        retry_interval: float = 5.0,
        lock_timeout: float = 30.0,
        margin: float = 0.05,
        redis_options: dict[str, Any] | None = None,
    ) -> None:
        _check_url(url)
        if not namespace or any(c in namespace for c in "{}"):
            raise ValidationError("namespace", "must be non-empty, without braces")
        for name, value, least in (
            ("timeout", timeout, None),
            ("lock_timeout", lock_timeout, None),
            ("retry_interval", retry_interval, 0.0),
            ("margin", margin, 0.0),
        ):
            if least is None and not value > 0:
                raise ValidationError(name, f"must be > 0, got {value!r}")
            if least is not None and not value >= least:
                raise ValidationError(name, f"must be >= 0, got {value!r}")
        self.url = url
        self.namespace = namespace
        self.timeout = timeout
        self.retry_interval = retry_interval
        self.lock_timeout = lock_timeout
        self.margin = margin
        self._options = dict(redis_options or {})
        self._links: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Link] = (
            weakref.WeakKeyDictionary()
        )
        self._where = _redact(url)
        self._down_until = 0.0
        self._down = False

    def __repr__(self) -> str:
        return f"RedisShared({self._where!r}, namespace={self.namespace!r})"

    def bind(self, client_id: str, client_secret: str) -> tuple[TokenStore, RateBudget]:
        app = hashlib.sha256(b"xi-orders app\x00" + client_id.encode()).hexdigest()[:16]
        prefix = f"xi-orders:{{{self.namespace}:{app}}}"
        store = RedisTokenStore(self, prefix, Sealer(client_id, client_secret))
        return store, RedisRateBudget(self, prefix)

    @property
    def available(self) -> bool:
        """False while this process is falling back (after a Redis failure)."""
        return not self._down

    async def aclose(self) -> None:
        """Close this event loop's Redis connections (others close when their loop ends).

        Optional: the next call on this loop connects again."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        await self._close_link(loop)

    async def _close_link(self, loop: asyncio.AbstractEventLoop) -> None:
        link = self._links.pop(loop, None)
        if link is None:
            return
        link.guard = None
        with contextlib.suppress(Exception), anyio.CancelScope(shield=True):
            await link.client.aclose()

    # --- plumbing ------------------------------------------------------------------------

    def _link(self) -> _Link:
        loop = asyncio.get_running_loop()  # RuntimeError on trio: counted as a failure
        link = self._links.get(loop)
        if link is None:
            # Loops closed without closing their async generators: their links can only
            # be dropped (their sockets close with them).
            for old in [old for old in self._links if old.is_closed()]:
                self._links.pop(old, None)
            options: dict[str, Any] = {
                # A few connections per process, shared by all its calls (each holds one
                # for a single round trip); waiting for one counts against the timeout.
                "max_connections": 2,
                "timeout": self.timeout,
                "socket_timeout": self.timeout,
                "socket_connect_timeout": self.timeout,
                "retry": Retry(NoBackoff(), 0),  # no retries of our own: fall back instead
                "driver_info": None,  # no CLIENT SETINFO round trips when connecting
                **self._options,
            }
            pool = aioredis.BlockingConnectionPool.from_url(self.url, **options)
            link = self._links[loop] = _Link(aioredis.Redis.from_pool(pool))
            link.guard = _close_when_loop_ends(self, loop)
        return link

    async def _run(self, what: str, op: Callable[[_Link], Awaitable[T]]) -> tuple[bool, T | None]:
        """``(True, result)``, or ``(False, None)`` when Redis is down, failed or too slow."""
        if self._down:
            now = time.monotonic()
            if now < self._down_until:
                return False, None
            self._down_until = now + self.retry_interval  # this caller probes; others wait
        try:
            with anyio.fail_after(self.timeout):
                result = await op(self._link())
        except Exception as exc:  # whatever the backend raises: fall back, never fail a call
            self._failed(what, exc)
            return False, None
        if self._down:
            self._down = False
            logger.warning(
                "xi_orders: Redis at %s answers again: shared pacing resumed", self._where
            )
        return True, result

    def _failed(self, what: str, exc: BaseException) -> None:
        self._down_until = time.monotonic() + self.retry_interval
        if self._down:
            return
        self._down = True
        reason = f"no answer within {self.timeout:.3g} s" if isinstance(exc, TimeoutError) else exc
        logger.warning(
            "xi_orders: Redis at %s failed (%s: %s, during %s): falling back to per-process "
            "pacing and local token fetches; trying Redis again in %.3g s",
            self._where,
            type(exc).__name__,
            reason,
            what,
            self.retry_interval,
        )


class RedisTokenStore:
    """The app's token in Redis, sealed with keys derived from the client secret."""

    def __init__(self, shared: RedisShared, prefix: str, sealer: Sealer) -> None:
        self._shared = shared
        self._key = prefix + ":token"
        self._lock_key = prefix + ":token:lock"
        self._context = self._key.encode()
        self._sealer = sealer

    async def get(self) -> SharedToken | None:
        ok, raw = await self._shared._run("token get", lambda link: link.client.get(self._key))
        if not ok or raw is None:
            return None
        return self._open(raw if isinstance(raw, bytes) else raw.encode())

    async def put(self, token: SharedToken) -> None:
        expires_ms = int(token.expires_at * 1000)
        if expires_ms <= int(time.time() * 1000):
            return
        payload = json.dumps({"v": token.value, "e": token.expires_at}).encode()
        blob = (
            self._sealer.fingerprint(token.value) + "." + self._sealer.seal(payload, self._context)
        )
        await self._shared._run(
            "token put", lambda link: link.client.set(self._key, blob, pxat=expires_ms)
        )

    async def invalidate(self, token: SharedToken) -> None:
        fingerprint = self._sealer.fingerprint(token.value)
        await self._shared._run(
            "token invalidate",
            lambda link: link.invalidate(keys=[self._key], args=[fingerprint]),
        )

    async def refresh(self, fetch: TokenFetch) -> SharedToken:
        shared = self._shared
        deadline = time.monotonic() + shared.lock_timeout
        pause = 0.02
        while True:
            token = await self.get()
            if token is not None:
                return token
            lock: Lock | None = None

            async def take(link: _Link) -> bool:
                nonlocal lock
                lock = link.client.lock(self._lock_key, timeout=shared.lock_timeout, blocking=False)
                return bool(await lock.acquire())

            ok, got = await shared._run("token lock", take)
            if not ok:
                return await fetch()  # Redis is down: this process fetches its own
            if got and lock is not None:
                try:
                    # Whoever held the lock before us may have stored a token already.
                    token = await self.get()
                    if token is None:
                        token = await fetch()
                        await self.put(token)
                    return token
                finally:
                    with anyio.CancelScope(shield=True):
                        await shared._run("token unlock", _releaser(lock))
            if time.monotonic() >= deadline:
                logger.warning(
                    "xi_orders: another process has held the token lock for %.3g s; "
                    "fetching a token here",
                    shared.lock_timeout,
                )
                token = await fetch()
                await self.put(token)
                return token
            await anyio.sleep(pause)
            pause = min(pause * 1.5, 0.25)

    def _open(self, raw: bytes) -> SharedToken | None:
        text = raw.decode("ascii", "replace")
        _, _, sealed = text.partition(".")
        plain = self._sealer.open(sealed, self._context)
        if plain is None:
            return None  # sealed with another secret, or tampered with: as if absent
        try:
            payload = json.loads(plain)
            token = SharedToken(str(payload["v"]), float(payload["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        return token if token.fresh() else None


def _releaser(lock: Lock) -> Callable[[_Link], Awaitable[None]]:
    async def release(link: _Link) -> None:
        # LockError: the lease ran out meanwhile, nothing to release.
        with contextlib.suppress(LockError):
            await lock.release()

    return release


class RedisRateBudget:
    """The app's per-endpoint call budget in Redis (a moving-window log, on Redis's clock,
    cut at the server's announced window boundary)."""

    #: How long a process counts as sharing the budget after its last call, at least.
    MEMBER_TTL = 30.0
    #: How long a call not yet answered counts as in flight, at most (seconds): past it, a
    #: call of a process that died mid-request stops holding a slot.
    LONGEST_IN_FLIGHT = 60.0

    def __init__(self, shared: RedisShared, prefix: str) -> None:
        self._shared = shared
        self._prefix = prefix
        self._members_key = prefix + ":members"
        self._member = f"{_host()}:{id(self):x}:{time.time_ns():x}"
        self._keys: dict[str, list[str]] = {}
        self._closed: dict[str, float] = {}
        self._fallback: dict[str, SlidingWindow] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        #: The loop ``_locks`` belong to, weakly: a budget must not keep an ended loop alive.
        self._loop: weakref.ref[asyncio.AbstractEventLoop] | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._calls = 0
        #: Processes sharing the budget when Redis last answered (0: never reached).
        self.members = 0

    async def acquire(self, endpoint: str, limit: RateLimit) -> bool:
        keys = self._keys.get(endpoint)
        if keys is None:
            log = f"{self._prefix}:rl:{endpoint}"
            keys = self._keys[endpoint] = [
                log,
                log + ":closed",
                self._members_key,
                log + ":reset",
                log + ":inflight",
            ]
        margin = self._shared.margin
        window = limit.per + margin
        ttl = max(self.MEMBER_TTL, 2 * window)
        self._calls += 1
        call = f"{self._member}:{self._calls}"
        args: list[str | int] = [
            limit.calls,
            int(window * 1e6),
            self._member,
            int(ttl * 1e6),
            int(margin * 1e6),
            call,
            int(max(window, self.LONGEST_IN_FLIGHT) * 1e6),
        ]
        # The calls of this process queue here, first come first served, so one at a time
        # asks Redis (and only the head of the queue polls when the window is full).
        async with self._queue(endpoint):
            while True:
                closed = self._closed.get(endpoint, 0.0)
                now = _clock.monotonic()
                if closed > now:
                    await _clock.sleep(closed - now)
                    continue
                ok, reply = await self._shared._run(
                    "rate budget", lambda link: link.acquire(keys=keys, args=args)
                )
                if not ok or reply is None:
                    break
                wait_us, members = int(reply[0]), int(reply[1])
                self.members = members
                if wait_us <= 0:
                    # Remembered for the fallback: if Redis goes away now, this process
                    # goes on from its own recent calls, not from an empty window.
                    self._fallback_window(endpoint, limit).sent.append(_clock.monotonic())
                    _in_flight.set((keys, call, limit))
                    return True
                await _clock.sleep(wait_us / 1e6)
        await self._pace_locally(endpoint, limit)
        return False

    def _queue(self, endpoint: str) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._loop is None or loop is not self._loop():  # the client moved to another loop
            self._loop, self._locks = weakref.ref(loop), {}
        lock = self._locks.get(endpoint)
        if lock is None:
            lock = self._locks[endpoint] = asyncio.Lock()
        return lock

    async def _pace_locally(self, endpoint: str, limit: RateLimit) -> None:
        """While Redis is away: this process's share of the limit (the caller's own window
        still applies the full limit and the server's Remaining/429 signals)."""
        await self._fallback_window(endpoint, limit).acquire()

    def _fallback_window(self, endpoint: str, limit: RateLimit) -> SlidingWindow:
        share = max(1, limit.calls // self.members) if self.members > 1 else limit.calls
        window = self._fallback.get(endpoint)
        if window is None:
            window = self._fallback[endpoint] = SlidingWindow(limit, margin=self._shared.margin)
        if window.limit.calls != share or window.limit.per != limit.per:
            window.limit = RateLimit(share, limit.per)  # its record of sends stays
        sent = window.sent
        while len(sent) > limit.calls:
            sent.popleft()
        return window

    async def aclose(self) -> None:
        """The client that used this budget closes: let this loop's background writes
        (a call's settling) finish, then close the loop's Redis link (another client on
        the loop connects again at its next call)."""
        loop = asyncio.get_running_loop()
        pending = [t for t in self._tasks if t.get_loop() is loop and not t.done()]
        if pending:
            with anyio.CancelScope(shield=True):
                await asyncio.wait(pending, timeout=self._shared.timeout)
        await self._shared.aclose()

    def backoff(self, endpoint: str, seconds: float) -> None:
        if seconds <= 0:
            return
        until = _clock.monotonic() + seconds
        if until <= self._closed.get(endpoint, 0.0):
            return
        self._closed[endpoint] = until
        key = f"{self._prefix}:rl:{endpoint}:closed"
        args = [int(seconds * 1e6), int(seconds * 1000) + 1]
        self._background("rate backoff", lambda link: link.backoff(keys=[key], args=args))

    def window_ends(self, endpoint: str, reset: float, seconds: float) -> None:
        # Kept a day: a boundary long past only ever moves the horizon to where the
        # moving window has it anyway.
        key = f"{self._prefix}:rl:{endpoint}:reset"
        at = _clock.monotonic() + seconds

        def send(link: _Link) -> Awaitable[Any]:
            # Measured when the script is sent, not when asked: a background task may start late.
            until = max(0.0, at - _clock.monotonic())
            args: list[str | int] = [repr(reset), int(until * 1e6), 86_400_000]
            return link.window_ends(keys=[key], args=args)

        self._background("rate window", send)

    def settle(self, endpoint: str, reset: float | None = None) -> None:
        slot = _in_flight.get()
        if slot is None:
            return
        _in_flight.set(None)
        keys, call, limit = slot
        window = limit.per + self._shared.margin
        args: list[str | int] = [
            call,
            "" if reset is None else repr(reset),
            int(self._shared.margin * 1e6),
            limit.calls,
            int(window * 1e6),
        ]
        self._background(
            "rate settle", lambda link: link.settle(keys=[keys[4], keys[0], keys[3]], args=args)
        )

    def _background(self, what: str, op: Callable[[_Link], Awaitable[Any]]) -> None:
        """Run ``op`` on Redis without making the caller wait (it must not block)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self._shared._run(what, op))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _close_at_loop_end(
    shared: RedisShared, loop: asyncio.AbstractEventLoop
) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        await shared._close_link(loop)


def _close_when_loop_ends(shared: RedisShared, loop: asyncio.AbstractEventLoop) -> object:
    """Have the running loop close its link as it ends: ``asyncio.run`` (and anyio's
    runner) close every async generator still suspended before the loop stops, and this
    one's ``finally`` closes the link then. Loops hold their generators weakly: the link
    keeps the returned handle."""
    guard = _close_at_loop_end(shared, loop)
    step = guard.__anext__()
    with contextlib.suppress(StopIteration):
        step.send(None)  # first iteration: registered with the loop, suspended at its yield
    return guard


def _check_url(url: object) -> None:
    """Refuse, before any call, a URL redis-py would refuse at every call (or read as
    something else: a database that is not a number)."""
    if not isinstance(url, str):
        raise ValidationError("url", f"must be a redis-py URL string, got {type(url).__name__}")
    where = _redact(url)
    try:
        aioredis.connection.parse_url(url)
    except ValueError as exc:
        raise ValidationError("url", f"{exc} (got {where!r})") from None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "unix":
        if not parts.path:
            raise ValidationError("url", f"unix:// needs a socket path, got {where!r}")
        return
    database = parts.path.lstrip("/")
    if database and not database.isdigit():
        raise ValidationError(
            "url", f"the path must be a database number (/0), got {database!r} in {where!r}"
        )


def _host() -> str:
    import socket

    return socket.gethostname()


def _redact(url: str) -> str:
    """The URL without user and password."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    _, at, host = rest.rpartition("@")
    return f"{scheme}://{host}" if at else url
