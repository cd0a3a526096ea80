"""Which event loop is running, and closing a connection pool on the loop it belongs to.

Used by the client to follow a new event loop. Must not import the client.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import ModuleType

import httpx

_trio: ModuleType | None = None


def running_loop() -> object:
    """What identifies the running event loop: the asyncio loop, or trio's token."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    global _trio
    if _trio is None:
        import trio

        _trio = trio
    return _trio.lowlevel.current_trio_token()


def close_on(loop: object, http: httpx.AsyncClient) -> None:
    """Close ``http`` on ``loop``, the asyncio loop its connections belong to, if that loop
    still runs; a closed loop's connections are left to the garbage collector."""
    if not isinstance(loop, asyncio.AbstractEventLoop) or loop.is_closed():
        return

    def close() -> None:
        task = loop.create_task(http.aclose())
        _closing.add(task)
        task.add_done_callback(_closing.discard)

    with contextlib.suppress(RuntimeError):  # closed meanwhile
        loop.call_soon_threadsafe(close)


_closing: set[asyncio.Task[None]] = set()
