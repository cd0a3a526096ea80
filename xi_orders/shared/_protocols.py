"""The protocols a shared backend implements (re-exported by ``xi_orders.shared``): kept
apart so that a backend module need not import the package that loads it lazily."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

import attrs

from .._window import RateLimit


@attrs.frozen
class SharedToken:
    """An access token and when to stop using it (Unix time, refresh margin included)."""

    value: str = attrs.field(repr=False)
    expires_at: float

    def fresh(self, now: float | None = None) -> bool:
        """Whether the token may still be used."""
        return self.expires_at > (time.time() if now is None else now)


TokenFetch = Callable[[], Awaitable[SharedToken]]


@runtime_checkable
class TokenStore(Protocol):
    """Where the clients of one app keep their access token.

    Implementations must not raise for their own trouble (an unreachable backend): ``get``
    answers None, ``refresh`` calls ``fetch`` itself, ``put`` and ``invalidate`` do nothing.
    Errors from ``fetch`` (the token endpoint) propagate unchanged.
    """

    async def get(self) -> SharedToken | None:
        """The stored token, if there is one and it is still fresh."""
        ...

    async def put(self, token: SharedToken) -> None:
        """Store ``token`` until its ``expires_at``."""
        ...

    async def refresh(self, fetch: TokenFetch) -> SharedToken:
        """A fresh token: the stored one if another caller stored one meanwhile, else
        ``await fetch()``, stored. Single flight: callers that arrive while a fetch is
        running (in any process sharing the store) wait for its token instead of fetching."""
        ...

    async def invalidate(self, token: SharedToken) -> None:
        """Forget ``token`` if it is still the stored one (the API answered 401 to it), so
        no caller uses it again; a newer token stored meanwhile is kept."""
        ...


@runtime_checkable
class RateBudget(Protocol):
    """The calls the clients of one app may make, per endpoint, counted together."""

    async def acquire(self, endpoint: str, limit: RateLimit) -> bool:
        """Wait until ``endpoint`` may be called under ``limit`` and count the call: True.
        False when the budget is unavailable: the caller then paces itself."""
        ...

    def backoff(self, endpoint: str, seconds: float) -> None:
        """The server said the app is out of calls to ``endpoint`` (``X-RateLimit-Remaining:
        0`` or a 429) for ``seconds``: no caller sharing the budget may call it until then.
        Must not block (an implementation may finish the work in the background)."""
        ...

    def window_ends(self, endpoint: str, reset: float, seconds: float) -> None:
        """The server's current window for ``endpoint`` ends at ``reset`` (its
        ``X-RateLimit-Reset``, which also names the window), ``seconds`` from now on this
        host's clock. Ingram's windows reset rather than slide: once a window has ended,
        calls sent more than the margin before its end no longer count, except those not
        yet answered (see :meth:`settle`). Called once per window; must not block."""
        ...

    def settle(self, endpoint: str, reset: float | None = None) -> None:
        """The call this task counted last (``acquire``) was answered, or failed: it is no
        longer on its way to the server. ``reset``: the ``X-RateLimit-Reset`` of the answer,
        naming the window that counted the call (None: no answer, or a 429, not counted).
        A call sent before a window yet counted in it keeps counting there. Must not block."""
        ...


@runtime_checkable
class SharedState(Protocol):
    """A backend that gives each app (client ID) its token store and rate budget."""

    def bind(self, client_id: str, client_secret: str) -> tuple[TokenStore, RateBudget]:
        """The store and budget of the app with these credentials."""
        ...
