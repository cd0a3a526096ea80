"""``OrdersClient``: the same client for synchronous code, scripts and notebooks.

It adds no logic of its own: every method runs the matching ``AsyncOrdersClient`` method on
one event loop in a background thread and returns its result or raises its error. So it
works where ``asyncio.run`` fails, inside a running event loop (Jupyter, IPython) and from
several threads at once.

The background thread is a daemon: a script that never closes its client still exits (with
a ``ResourceWarning``, as an unclosed file gives), instead of waiting forever for the loop.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import contextvars
import copy
import functools
import os
import threading
import warnings
import weakref
from collections.abc import Awaitable, Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar

import anyio
from anyio.from_thread import BlockingPortal

from ._display import ShortRepr
from ._faces import BlockingFace, BlockingRawFace, Operation
from ._request import Headers, Timeout
from ._retry import RetryPolicy
from .bulk import BulkLookup, LookupResult
from .client import AsyncOrdersClient, _Operations
from .errors import ClientClosedError, EventLoopError
from .models import OrderSummary
from .pagination import AsyncPaginator, Page

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._settings import ClientSettings, EnvOverrides

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
ItemT = TypeVar("ItemT")

#: How long an abandoned client's shutdown, or an interrupted call's cancellation, may take.
_SHUTDOWN_TIMEOUT = 5.0
#: Guards replacing a fork's inherited background loop (threads of the child may race).
_fork_lock = threading.Lock()


def _closed_error() -> ClientClosedError:
    return ClientClosedError(
        "the OrdersClient is closed: create a new one (or make the calls inside `with`)"
    )


class _LoopRunner:
    """Runs a coroutine function on the background asyncio loop from another thread in
    one round trip (``BlockingPortal.call`` takes two: it waits for the task to be spawned,
    then for its result). The task runs in the event-loop thread's context, as a portal
    task does, and its result, exception or cancellation reaches the caller the same way.
    Interrupted while waiting (Ctrl-C), the caller cancels the task and waits for it to
    end before the interruption goes on, as ``asyncio.run`` does."""

    def __init__(self, loop: asyncio.AbstractEventLoop, context: contextvars.Context) -> None:
        self._loop = loop
        self._context = context
        #: the event loop's thread
        self.thread = threading.get_ident()
        self._lock = threading.Lock()
        self._stopped = False
        self._pending: set[concurrent.futures.Future[Any]] = set()

    @classmethod
    async def create(cls) -> _LoopRunner:
        """Called in the portal: a runner for its loop."""
        return cls(asyncio.get_running_loop(), contextvars.copy_context())

    def call(self, func: Callable[..., Awaitable[R]], /, *args: Any, **kwargs: Any) -> R:
        future: concurrent.futures.Future[R] = concurrent.futures.Future()
        started: list[asyncio.Task[R]] = []

        def settle(task: asyncio.Task[R]) -> None:
            if task.cancelled():
                future.cancel()
                return
            exc = task.exception()
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(task.result())

        def start() -> None:
            if future.done():  # interrupted before it started
                return
            try:
                coroutine: Any = func(*args, **kwargs)  # the async methods return coroutines
                task: asyncio.Task[R] = self._loop.create_task(coroutine)
            except BaseException as exc:
                future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                return
            started.append(task)
            task.add_done_callback(settle)

        with self._lock:
            # Once stopped, the loop may never run a callback again: waiting would hang.
            if self._stopped:
                raise _closed_error()
            self._pending.add(future)
            self._loop.call_soon_threadsafe(start, context=self._context)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            if self._stopped:  # the loop shut down under the call
                raise _closed_error() from None
            raise
        except BaseException:
            if not future.done():  # interrupted (KeyboardInterrupt): end the work first
                self._cancel(future, started)
            raise
        finally:
            self._pending.discard(future)

    def _cancel(
        self, future: concurrent.futures.Future[Any], started: list[asyncio.Task[Any]]
    ) -> None:
        def cancel() -> None:
            if started:
                started[0].cancel()
            elif not future.done():
                future.cancel()  # not started yet: it never will

        with contextlib.suppress(RuntimeError):  # the loop is closed: nothing runs
            self._loop.call_soon_threadsafe(cancel)
            # Bounded: the loop may stop under us; a second Ctrl-C ends the wait.
            concurrent.futures.wait([future], timeout=_SHUTDOWN_TIMEOUT)

    def stop(self) -> list[concurrent.futures.Future[Any]]:
        """Accept no more calls; the calls still waiting."""
        with self._lock:
            self._stopped = True
            return list(self._pending)


class _Background:
    """An asyncio event loop in a daemon thread: calls reach it through the ``_LoopRunner``;
    its ``BlockingPortal`` holds a bulk lookup's block open across steps, and stops it.

    Not anyio's ``start_blocking_portal``: it runs the loop in a non-daemon executor thread,
    which the interpreter joins at exit, so an unclosed client would hold the exit.
    """

    def __init__(self) -> None:
        ready: concurrent.futures.Future[tuple[BlockingPortal, _LoopRunner]]
        ready = concurrent.futures.Future()

        async def main() -> None:
            async with BlockingPortal() as portal:
                ready.set_result((portal, await _LoopRunner.create()))
                await portal.sleep_until_stopped()

        def run() -> None:
            try:
                anyio.run(main)
            except BaseException as exc:  # pragma: no cover - the loop failed to start
                if not ready.done():
                    ready.set_exception(exc)

        #: The process this loop runs in: a fork's child has the object, not the thread.
        self.pid = os.getpid()
        self._thread = threading.Thread(target=run, name="xi-orders-loop", daemon=True)
        self._thread.start()
        self.portal, self.runner = ready.result()
        self.closed = False
        self._lock = threading.Lock()

    def check(self) -> None:
        if self.closed:
            raise _closed_error()
        if self.runner.thread == threading.get_ident():
            raise EventLoopError(
                "a blocking OrdersClient call was made on the client's own event-loop thread "
                "(from a callback such as on_progress): it would wait for itself. Use the "
                "async client there (OrdersClient.async_client)"
            )

    def call(self, func: Callable[..., Awaitable[R]], /, *args: Any, **kwargs: Any) -> R:
        """``func(*args, **kwargs)`` on the loop, in one round trip (see ``_LoopRunner``)."""
        self.check()
        return self.runner.call(func, *args, **kwargs)

    def close(self, aclose: Callable[[], Awaitable[None]], timeout: float | None = None) -> None:
        """Close the client (calls in flight end with ``ClientClosedError``), then stop."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
        try:
            if timeout is None:
                self.portal.call(aclose)
            else:
                self.portal.start_task_soon(aclose).result(timeout)
        except Exception:  # pragma: no cover - closing must go on whatever the pool says
            if timeout is None:
                raise
        finally:
            self._stop(timeout)

    def _stop(self, timeout: float | None) -> None:
        waiting = self.runner.stop()
        with contextlib.suppress(Exception):  # already stopping
            self.portal.start_task_soon(self.portal.stop, True).result(timeout)
        self._thread.join(timeout)
        for future in waiting:  # calls whose task never started: they would wait forever
            if not future.done():
                future.set_exception(_closed_error())


def _abandoned(background: _Background, client: AsyncOrdersClient, name: str) -> None:
    """The finalizer of an ``OrdersClient`` garbage-collected (or left at exit) unclosed."""
    if background.pid != os.getpid():
        return  # a fork's copy: the loop it names runs in the parent
    warnings.warn(
        f"unclosed {name}: call close() or use `with OrdersClient(...) as client:`",
        ResourceWarning,
        stacklevel=2,
    )
    if background.runner.thread == threading.get_ident():
        # Collected on the loop's own thread, which must not wait for itself.
        threading.Thread(
            target=background.close, args=(client.aclose, _SHUTDOWN_TIMEOUT), daemon=True
        ).start()
    else:
        background.close(client.aclose, _SHUTDOWN_TIMEOUT)


#: Clients still open, closed at interpreter exit by a hook registered when this module
#: is imported: atexit runs hooks last-in first-out, so hooks the user registers later
#: still find their clients open.
_open_clients: weakref.WeakSet[OrdersClient] = weakref.WeakSet()


@atexit.register
def _close_at_exit() -> None:
    for client in list(_open_clients):
        # detach(), not a call: weakref's own exit hook may have run first and disarmed
        # every finalizer's call.
        found = client._finalizer.detach()
        if found is not None:
            _, close, args, _ = found
            close(*args)


def _wrapping(
    method: Callable[Concatenate[AsyncOrdersClient, P], R],
    wrap: Callable[[_Background, R], S],
) -> Callable[Concatenate[OrdersClient, P], S]:
    """The sync twin of a method returning an async iterable: ``wrap`` makes it blocking."""

    @functools.wraps(method)
    def call(self: OrdersClient, /, *args: P.args, **kwargs: P.kwargs) -> S:
        background = self._loop
        background.check()
        return wrap(background, method(self._client, *args, **kwargs))

    return call


class Paginator(ShortRepr, Generic[ItemT]):
    """A search's results as a plain iterator (the sync face of ``AsyncPaginator``)."""

    def __init__(self, background: _Background, paginator: AsyncPaginator[ItemT]) -> None:
        self._background = background
        self._paginator = paginator

    def __iter__(self) -> Iterator[ItemT]:
        return _blocking_iter(self._background, self._paginator.__aiter__())

    def pages(self) -> Iterator[Page[ItemT]]:
        """The pages themselves."""
        return _blocking_iter(self._background, self._paginator.pages())

    def collect(self) -> list[ItemT]:
        """Every result (up to ``limit``) in a list."""
        return self._background.call(self._paginator.collect)


def _blocking_iter(background: _Background, iterator: Any) -> Iterator[Any]:
    # The async iterators passed here hold no task group across a yield, so each step may
    # run in its own task.
    try:
        while True:
            try:
                yield background.call(iterator.__anext__)
            except StopAsyncIteration:
                return
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None and not background.closed:
            background.call(aclose)


class BlockingBulkLookup(ShortRepr):
    """A bulk lookup as a plain iterator of ``(number, result)``, streaming as results complete.

    Leaving the loop early (``break``, an exception) cancels the lookups in flight.
    """

    def __init__(self, background: _Background, lookup: BulkLookup) -> None:
        self._background = background
        self._lookup = lookup

    def __len__(self) -> int:
        return len(self._lookup)

    def __iter__(self) -> Iterator[tuple[str, LookupResult]]:
        # The block is entered and left in one portal task, as a task group requires.
        # Leaving early is a normal exit for the block: it cancels what is in flight
        # (GeneratorExit itself must not travel into the event loop).
        self._background.check()
        block = self._background.portal.wrap_async_context_manager(self._lookup)
        results = block.__enter__()
        try:
            yield from _blocking_iter(self._background, results)
        finally:
            if not self._background.closed:
                block.__exit__(None, None, None)

    def collect(self) -> dict[str, LookupResult]:
        """Every result, keyed by order number, in input order."""
        return self._background.call(self._lookup.collect)


class OrdersClient(_Operations, BlockingFace):
    """The synchronous Orders client: the same operations, arguments, models and errors
    as ``AsyncOrdersClient``, for scripts, threads and notebooks.

    Example::

        with OrdersClient.from_env() as client:
            order = client.get_order("20-RD3QV")
            for summary in client.search_orders(order_status="SHIPPED", limit=10):
                print(summary.ingram_order_number)
            details = client.get_orders(["20-RD3QV", "20-RC1RD"]).collect()

    Construction takes the same keyword arguments as ``AsyncOrdersClient``. Call
    ``close()`` (or use ``with``) to stop the background thread: calls blocked in other
    threads then end with ``ClientClosedError``, as do later calls. A client never closed
    gives a ``ResourceWarning`` when collected or at exit, never a hang.
    """

    def __init__(self, **settings: Unpack[ClientSettings]) -> None:
        # Settings are checked before the background thread starts.
        self._start(AsyncOrdersClient(**settings))

    def _start(self, client: AsyncOrdersClient) -> None:
        self._client = client
        self._background = _Background()
        name = repr(self)
        self._finalizer = weakref.finalize(self, _abandoned, self._background, client, name)
        self._finalizer.atexit = False  # _close_at_exit does it, after the user's hooks
        _open_clients.add(self)

    @property
    def _loop(self) -> _Background:
        """The background loop of this process: in a fork's child (gunicorn ``--preload``,
        Celery prefork, ``multiprocessing`` with fork) a new one, with a new pool."""
        background = self._background
        if background.pid != os.getpid():
            with _fork_lock:
                background = self._background
                if background.pid != os.getpid():
                    self._finalizer.detach()
                    background = self._background = _Background()
                    self._finalizer = weakref.finalize(
                        self, _abandoned, background, self._client, repr(self)
                    )
                    self._finalizer.atexit = False
        return background

    @classmethod
    def from_env(cls, **overrides: Unpack[EnvOverrides]) -> OrdersClient:
        """Configured from the ``XI_*`` environment variables, as ``AsyncOrdersClient.from_env``."""
        return cls.wrap(AsyncOrdersClient.from_env(**overrides))

    @classmethod
    def wrap(cls, client: AsyncOrdersClient) -> OrdersClient:
        """A sync face for an existing async client (e.g. ``sandbox.client()``); it may have
        been used on another event loop before."""
        sync = cls.__new__(cls)
        sync._start(client)
        return sync

    def with_options(
        self,
        *,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        headers: Headers | None = None,
    ) -> OrdersClient:
        """This client with other options for the calls made through the result, sharing
        its background loop, connection pool, token and rate budget (see
        ``AsyncOrdersClient.with_options``). Closing a view closes the client."""
        view = copy.copy(self)
        view._client = self._client.with_options(timeout=timeout, retry=retry, headers=headers)
        return view

    @property
    def with_raw_response(self) -> RawResponses:
        """The single-request operations returning a ``RawResponse`` (blocking); see
        ``AsyncOrdersClient.with_raw_response``."""
        return RawResponses(self)

    @property
    def async_client(self) -> AsyncOrdersClient:
        """The ``AsyncOrdersClient`` doing the work."""
        return self._client

    @property
    def closed(self) -> bool:
        """Whether ``close()`` has been called."""
        return self._background.closed

    def __repr__(self) -> str:
        return repr(self._client).replace("AsyncOrdersClient", "OrdersClient", 1)

    @classmethod
    def _runner(cls, op: Operation[Any, Any]) -> Callable[..., Any]:
        def call(face: OrdersClient, /, *args: Any, **kwargs: Any) -> Any:
            return face._loop.call(op.method, face._client, *args, **kwargs)

        return call

    #: ``AsyncOrdersClient.search_orders`` as a plain iterator (a ``Paginator``).
    search_orders = _wrapping(AsyncOrdersClient.search_orders, Paginator[OrderSummary])
    #: ``AsyncOrdersClient.get_orders`` as a plain iterator of ``(number, result)``.
    get_orders = _wrapping(AsyncOrdersClient.get_orders, BlockingBulkLookup)

    def close(self) -> None:
        """Close the client and stop the background event loop. Calls blocked in other
        threads end with ``ClientClosedError`` (none is retried), as do later calls."""
        self._finalizer.detach()
        _open_clients.discard(self)
        self._loop.close(self._client.aclose)

    def __enter__(self) -> OrdersClient:
        self._loop.check()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class RawResponses(_Operations, BlockingRawFace):
    """``OrdersClient.with_raw_response``: the single-request operations, blocking, each
    returning a ``RawResponse``."""

    def __init__(self, client: OrdersClient) -> None:
        self._client = client

    @classmethod
    def _runner(cls, op: Operation[Any, Any]) -> Callable[..., Any]:
        def call(face: RawResponses, /, *args: Any, **kwargs: Any) -> Any:
            sync = face._client
            return sync._loop.call(AsyncOrdersClient._raw, sync._client, op, *args, **kwargs)

        return call

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"with_raw_response has no {name!r}: it offers the single-request operations "
            f"({', '.join(self._operation_names())})"
        )
