"""``OrdersClient``: the same client for synchronous code, scripts and notebooks.

It adds no logic of its own: every method runs the matching ``AsyncOrdersClient`` method on
one event loop in a background thread (an anyio ``BlockingPortal``) and returns its result
or raises its error. So it works where ``asyncio.run`` fails, inside a running event loop
(Jupyter, IPython) and from several threads at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from anyio.from_thread import BlockingPortal, start_blocking_portal

from .bulk import BulkLookup, LookupResult
from .client import AsyncOrdersClient
from .models import OrderSummary
from .pagination import AsyncPaginator, Page

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
ItemT = TypeVar("ItemT")


def _blocking(
    method: Callable[Concatenate[AsyncOrdersClient, P], Awaitable[R]],
) -> Callable[Concatenate[OrdersClient, P], R]:
    """The sync twin of an async method: same signature, same docstring, no logic."""

    @functools.wraps(method)
    def call(self: OrdersClient, /, *args: P.args, **kwargs: P.kwargs) -> R:
        runner = self._runner
        if runner is None or runner.thread == threading.get_ident():
            # No asyncio loop, a closed client, or a call from the loop's own thread: the
            # portal answers (or raises) as it always did.
            return self._portal.call(functools.partial(method, self._client, *args, **kwargs))
        return runner.call(method, self._client, *args, **kwargs)

    return call


class _LoopRunner:
    """Runs a coroutine function on the portal's asyncio loop from another thread in one
    round trip. ``BlockingPortal.call`` takes two (it waits for the task to be spawned,
    then for its result): on a busy 2-core machine that was ~110 us of the sync client's
    ~230 us per call. The task runs in the event-loop thread's context, as a portal task
    does, and its result, exception or cancellation reaches the caller the same way."""

    def __init__(self, loop: asyncio.AbstractEventLoop, context: contextvars.Context) -> None:
        self._loop = loop
        self._context = context
        #: the event loop's thread
        self.thread = threading.get_ident()

    @classmethod
    async def create(cls) -> _LoopRunner | None:
        """Called in the portal: a runner for its loop, or None when it is not asyncio."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # another backend (trio): BlockingPortal.call it is
            return None
        return cls(loop, contextvars.copy_context())

    def call(self, func: Callable[..., Awaitable[R]], /, *args: Any, **kwargs: Any) -> R:
        future: concurrent.futures.Future[R] = concurrent.futures.Future()

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
            try:
                coroutine: Any = func(*args, **kwargs)  # the async methods return coroutines
                task: asyncio.Task[R] = self._loop.create_task(coroutine)
            except BaseException as exc:
                future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                return
            task.add_done_callback(settle)

        self._loop.call_soon_threadsafe(start, context=self._context)
        return future.result()


def _wrapping(
    method: Callable[Concatenate[AsyncOrdersClient, P], R],
    wrap: Callable[[BlockingPortal, R], S],
) -> Callable[Concatenate[OrdersClient, P], S]:
    """The sync twin of a method returning an async iterable: ``wrap`` makes it blocking."""

    @functools.wraps(method)
    def call(self: OrdersClient, /, *args: P.args, **kwargs: P.kwargs) -> S:
        return wrap(self._portal, method(self._client, *args, **kwargs))

    return call


class Paginator(Generic[ItemT]):
    """A search's results as a plain iterator (the sync face of ``AsyncPaginator``)."""

    def __init__(self, portal: BlockingPortal, paginator: AsyncPaginator[ItemT]) -> None:
        self._portal = portal
        self._paginator = paginator

    def __iter__(self) -> Iterator[ItemT]:
        return _blocking_iter(self._portal, self._paginator.__aiter__())

    def pages(self) -> Iterator[Page[ItemT]]:
        """The pages themselves."""
        return _blocking_iter(self._portal, self._paginator.pages())

    def collect(self) -> list[ItemT]:
        """Every result (up to ``limit``) in a list."""
        return self._portal.call(self._paginator.collect)


def _blocking_iter(portal: BlockingPortal, iterator: Any) -> Iterator[Any]:
    # The async iterators passed here hold no task group across a yield, so each step may
    # run in its own portal task.
    try:
        while True:
            try:
                yield portal.call(iterator.__anext__)
            except StopAsyncIteration:
                return
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            portal.call(aclose)


class BlockingBulkLookup:
    """A bulk lookup as a plain iterator of ``(number, result)``, streaming as results complete.

    Leaving the loop early (``break``, an exception) cancels the lookups in flight.
    """

    def __init__(self, portal: BlockingPortal, lookup: BulkLookup) -> None:
        self._portal = portal
        self._lookup = lookup

    def __len__(self) -> int:
        return len(self._lookup)

    def __iter__(self) -> Iterator[tuple[str, LookupResult]]:
        # The block is entered and left in one portal task, as a task group requires.
        # Leaving early is a normal exit for the block: it cancels what is in flight
        # (GeneratorExit itself must not travel into the event loop).
        block = self._portal.wrap_async_context_manager(self._lookup)
        results = block.__enter__()
        try:
            yield from _blocking_iter(self._portal, results)
        finally:
            block.__exit__(None, None, None)

    def collect(self) -> dict[str, LookupResult]:
        """Every result, keyed by order number, in input order."""
        return self._portal.call(self._lookup.collect)


class OrdersClient:
    """The synchronous Orders client: the same operations, arguments, models and errors
    as ``AsyncOrdersClient``, for scripts, threads and notebooks.

    Example::

        with OrdersClient.from_env() as client:
            order = client.get_order("20-RD3QV")
            for summary in client.search_orders(order_status="SHIPPED", limit=10):
                print(summary.ingram_order_number)
            details = client.get_orders(["20-RD3QV", "20-RC1RD"]).collect()

    Construction takes the same keyword arguments as ``AsyncOrdersClient``. Call
    ``close()`` (or use ``with``) to stop the background thread.
    """

    def __init__(self, **settings: Any) -> None:
        # Settings are checked before the background thread starts.
        self._start(AsyncOrdersClient(**settings))

    def _start(self, client: AsyncOrdersClient) -> None:
        self._client = client
        self._portal_cm: AbstractContextManager[BlockingPortal] = start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._runner: _LoopRunner | None = self._portal.call(_LoopRunner.create)

    @classmethod
    def from_env(cls, **overrides: Any) -> OrdersClient:
        """Configured from the ``XI_*`` environment variables, as ``AsyncOrdersClient.from_env``."""
        return cls.wrap(AsyncOrdersClient.from_env(**overrides))

    @classmethod
    def wrap(cls, client: AsyncOrdersClient) -> OrdersClient:
        """A sync face for an existing async client (e.g. ``sandbox.client()``)."""
        sync = cls.__new__(cls)
        sync._start(client)
        return sync

    @property
    def async_client(self) -> AsyncOrdersClient:
        """The ``AsyncOrdersClient`` doing the work."""
        return self._client

    def __repr__(self) -> str:
        return repr(self._client).replace("AsyncOrdersClient", "OrdersClient", 1)

    get_order = _blocking(AsyncOrdersClient.get_order)
    create_order = _blocking(AsyncOrdersClient.create_order)
    create_order_v7 = _blocking(AsyncOrdersClient.create_order_v7)
    modify_order = _blocking(AsyncOrdersClient.modify_order)
    release_order = _blocking(AsyncOrdersClient.release_order)
    cancel_order = _blocking(AsyncOrdersClient.cancel_order)

    search_orders = _wrapping(AsyncOrdersClient.search_orders, Paginator[OrderSummary])
    get_orders = _wrapping(AsyncOrdersClient.get_orders, BlockingBulkLookup)

    def close(self) -> None:
        """Close the connection pool and stop the background event loop."""
        portal_cm = self.__dict__.pop("_portal_cm", None)
        if portal_cm is None:
            return
        self._runner = None  # later calls meet the stopped portal, as before
        try:
            self._portal.call(self._client.aclose)
        finally:
            portal_cm.__exit__(None, None, None)

    def __enter__(self) -> OrdersClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
