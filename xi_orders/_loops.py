"""Which event loop is running, whether one has ended, and closing a connection pool on
the loop it belongs to (now, or when that loop ends).

Used by the client to follow a new event loop. Must not import the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncGenerator, Awaitable, Callable
from types import ModuleType

import anyio
import httpx

_trio: ModuleType | None = None


def _trio_module() -> ModuleType:
    global _trio
    if _trio is None:
        import trio

        _trio = trio
    return _trio


def running_loop() -> object:
    """What identifies the running event loop: the asyncio loop, or trio's token."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    return _trio_module().lowlevel.current_trio_token()


def has_ended(loop: object) -> bool:
    """Whether ``loop`` (from :func:`running_loop`) can no longer run anything: a closed or
    stopped asyncio loop, or a finished trio run."""
    if isinstance(loop, asyncio.AbstractEventLoop):
        return loop.is_closed() or not loop.is_running()
    trio = _trio_module()
    if isinstance(loop, trio.lowlevel.TrioToken):
        try:
            loop.run_sync_soon(lambda: None)
        except trio.RunFinishedError:
            return True
        return False
    return False  # pragma: no cover - running_loop() returns one of the two


def call_soon(loop: object, func: Callable[[], object]) -> bool:
    """Run ``func`` soon in ``loop``'s thread, when ``loop`` is another loop that still runs
    (a cancel scope may only be cancelled from its own loop). False: call it here."""
    if loop is None or has_ended(loop):
        return False
    try:
        if running_loop() is loop:
            return False
    except RuntimeError:  # pragma: no cover - called outside any loop
        pass
    try:
        if isinstance(loop, asyncio.AbstractEventLoop):
            loop.call_soon_threadsafe(func)
        else:
            loop.run_sync_soon(func)  # type: ignore[attr-defined]
    except RuntimeError:  # ended meanwhile (trio's RunFinishedError is one too)
        return False
    return True


def close_on(loop: object, http: httpx.AsyncClient) -> None:
    """Close ``http`` on ``loop``, the asyncio loop its connections belong to, if that loop
    still runs; a closed loop's pool was closed as it ended (:func:`close_when_loop_ends`)."""
    if not isinstance(loop, asyncio.AbstractEventLoop) or loop.is_closed():
        return

    def close() -> None:
        task = loop.create_task(http.aclose())
        _closing.add(task)
        task.add_done_callback(_closing.discard)

    with contextlib.suppress(RuntimeError):  # closed meanwhile
        loop.call_soon_threadsafe(close)


_closing: set[asyncio.Task[None]] = set()


async def _close_at_end(http: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        if not http.is_closed:
            # trio finalizes in a cancelled scope; the pool must still close its connections.
            with anyio.CancelScope(shield=True):
                await http.aclose()


def close_when_loop_ends(http: httpx.AsyncClient) -> object:
    """Have the running event loop close ``http`` as it ends, unless closed before.

    ``asyncio.run`` (and anyio's runner) and ``trio.run`` close every async generator still
    suspended before the loop stops; this one's ``finally`` closes the pool then, so a pool
    left behind by a client that moved on (or was never closed) is not left to the garbage
    collector (aiohttp's "Unclosed client session"). Keep the returned handle referenced for
    as long as the pool may be used: loops hold their generators weakly.
    """
    guard = _close_at_end(http)
    # One step, without awaiting: it registers the generator with the running loop's
    # hooks (first iteration) and suspends it at its yield.
    step = guard.__anext__()
    with contextlib.suppress(StopIteration):
        step.send(None)
    return guard


_detached: set[asyncio.Task[None]] = set()


async def _run(func: Callable[[], Awaitable[None]]) -> None:
    await func()


def spawn_detached(func: Callable[[], Awaitable[None]]) -> None:
    """Run ``func()`` as a task of the running event loop that belongs to no caller, so
    that no caller's cancellation (a deadline, a closed scope) cancels it. ``func`` must
    not raise: a trio system task that raises ends the run."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        # The caller's context, as asyncio's tasks get it (a trace's span, say).
        _trio_module().lowlevel.spawn_system_task(func, context=contextvars.copy_context())
        return
    task: asyncio.Task[None] = loop.create_task(_run(func))
    _detached.add(task)  # the loop holds tasks weakly
    task.add_done_callback(_detached.discard)
