"""Concurrent bulk order lookups: many ``get_order`` calls, bounded and paced.

Example::

    lookup = client.get_orders(numbers, concurrency=16, progress=True)
    details = await lookup.collect()              # {number: OrderDetail | XiError}, input order

    async with client.get_orders(numbers) as results:   # streaming, as each completes
        async for number, result in results:
            if isinstance(result, XiError):
                print(number, "failed:", result, result.correlation_id)

    async for number, result in client.get_orders(numbers):   # also fine, see BulkLookup
        ...

Every call goes through the client's send path, so the per-endpoint rate limiter paces the
whole batch (60 calls a minute by default: a 1,000-order lookup takes ~17 minutes however
many connections are open; a higher limit the server announces in ``X-RateLimit-Limit`` is
adopted, and ``sandbox.client()`` carries the sandbox's own limits).
"""

from __future__ import annotations

import importlib
import math
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, TextIO

import anyio
import attrs
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ._display import ShortRepr
from ._groups import single
from .errors import UnexpectedError, ValidationError, XiError
from .models import OrderDetail

LookupResult = OrderDetail | XiError
Lookup = Callable[[str], Awaitable[OrderDetail]]


class BulkResults(ShortRepr, dict[str, LookupResult]):
    """What ``BulkLookup.collect()`` returns: a plain ``dict`` of ``{number: OrderDetail |
    XiError}`` in input order. Only its display differs: ``xi_orders.tabular`` gives it a
    short ``repr`` and a notebook table (a 1,000-order dict's full repr is megabytes)."""

    __slots__ = ()


@attrs.frozen
class BulkProgress:
    """A snapshot of a bulk lookup's progress, passed to ``on_progress`` callbacks."""

    total: int
    done: int
    failed: int
    elapsed: float

    @property
    def rate(self) -> float:
        """Lookups completed per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Estimated seconds left at the current rate (None before the first result)."""
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 else None


ProgressCallback = Callable[[BulkProgress], None]


class _Progress:
    """Counts results and reports them to a callback and/or a progress bar."""

    def __init__(self, total: int, callback: ProgressCallback | None, bar: bool) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()
        self.callback = callback
        self.bar: Any = _make_bar(total) if bar else None

    def record(self, result: LookupResult) -> None:
        self.done += 1
        if isinstance(result, XiError):
            self.failed += 1
        snapshot = BulkProgress(self.total, self.done, self.failed, time.monotonic() - self.started)
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(failed=self.failed, refresh=False)
        if self.callback is not None:
            self.callback(snapshot)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _bar_wanted(stream: TextIO) -> bool:
    """A bar only where someone watches: a terminal, or a Jupyter kernel (whose streams
    are ipykernel's); piped or redirected output gets none."""
    if type(stream).__module__.startswith("ipykernel"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def _make_bar(total: int) -> Any:
    if not _bar_wanted(sys.stderr):
        return None
    try:
        # Optional dependency; its auto bar renders as a widget in notebooks.
        tqdm = importlib.import_module("tqdm.auto").tqdm
    except ImportError:
        return _TextBar(total, sys.stderr)
    return tqdm(total=total, unit="order", desc="get_orders")


class _TextBar:
    """A one-line progress display for when tqdm is not installed."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream, self.n, self.failed = total, stream, 0, 0
        self.started = time.monotonic()
        self.last = 0.0

    def update(self, n: int) -> None:
        self.n += n
        now = time.monotonic()
        if now - self.last >= 0.5 or self.n == self.total:
            self.last = now
            rate = self.n / max(now - self.started, 1e-9)
            eta = (self.total - self.n) / rate if rate else math.inf
            self.stream.write(
                f"\rget_orders {self.n}/{self.total} failed={self.failed} "
                f"{rate:.1f}/s eta {eta:.0f}s"
            )
            self.stream.flush()

    def set_postfix(self, *, failed: int, refresh: bool) -> None:
        self.failed = failed

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


class BulkLookup(ShortRepr):
    """The lookups of many orders, run ``concurrency`` at a time through the rate limiter.

    Each distinct input yields exactly one ``(number, result)``: the ``OrderDetail``, or
    the typed ``XiError`` (with its correlation ID) that order's lookup ended with (an
    exception of another kind becomes an ``UnexpectedError``); one failure never aborts
    the batch. Duplicated inputs are looked up once.

    Three ways to consume it:

    - ``await lookup.collect()``: a dict in input order.
    - ``async with lookup as results: async for number, result in results``: streaming,
      each result as it completes (or in input order with ``ordered=True``). Leaving the
      block, by ``break``, an exception or cancellation, cancels the lookups in flight.
    - ``async for number, result in lookup``: without a block, work proceeds in rounds of
      ``concurrency`` lookups, each round finished before its results are yielded, so a
      ``break`` never leaves a lookup running (an async generator cannot own running
      tasks safely). Throughput at the rate limit is the same; use the block for the
      lowest latency per result.
    """

    def __init__(
        self,
        lookup: Lookup,
        numbers: Iterable[str],
        *,
        concurrency: int = 16,
        ordered: bool = False,
        progress: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValidationError("concurrency", f"must be a positive integer, got {concurrency!r}")
        if isinstance(numbers, str):
            raise ValidationError("numbers", "must be an iterable of order numbers, not one string")
        self._lookup = lookup
        #: The distinct order numbers, in input order.
        self.numbers: list[str] = list(dict.fromkeys(numbers))
        self._concurrency = concurrency
        self._ordered = ordered
        self._progress = progress
        self._on_progress = on_progress
        self._task_group: TaskGroup | None = None
        self._results: _Results | None = None
        #: The first ``fatal`` error (credentials rejected): the numbers not yet looked up
        #: get it too, without a call, instead of each failing the same way.
        self._fatal: XiError | None = None

    def __len__(self) -> int:
        return len(self.numbers)

    async def _one(self, number: str) -> LookupResult:
        if self._fatal is not None:
            return self._fatal
        try:
            return await self._lookup(number)
        except XiError as exc:
            if exc.fatal and self._fatal is None:
                self._fatal = exc
            return exc
        except Exception as exc:  # one failure, of whatever kind, never aborts the batch
            error = UnexpectedError(f"{type(exc).__name__} looking up {number!r}: {exc}")
            error.__cause__ = exc
            return error

    # --- streaming, inside a block ---------------------------------------------------

    async def __aenter__(self) -> AsyncIterator[tuple[str, LookupResult]]:
        if self._task_group is not None:
            raise RuntimeError("this BulkLookup is already running")
        send, receive = anyio.create_memory_object_stream[tuple[int, str, LookupResult]](
            self._concurrency
        )
        progress = _Progress(len(self.numbers), self._on_progress, self._progress)
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        work = iter(enumerate(self.numbers))
        for _ in range(min(self._concurrency, len(self.numbers))):
            self._task_group.start_soon(self._worker, work, send.clone())
        send.close()
        self._results = _Results(receive, progress, self._ordered)
        return self._results

    async def _worker(
        self,
        work: Iterator[tuple[int, str]],
        send: MemoryObjectSendStream[tuple[int, str, LookupResult]],
    ) -> None:
        async with send:
            # One event loop thread: next() on the shared iterator needs no lock.
            for index, number in work:
                await send.send((index, number, await self._one(number)))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        task_group, results = self._task_group, self._results
        self._task_group = self._results = None
        assert task_group is not None and results is not None
        # Whatever way the block is left, nothing may keep running after it.
        task_group.cancel_scope.cancel()
        try:
            return await task_group.__aexit__(exc_type, exc, tb)
        except BaseException as raised:
            # The task group wraps what left the block (the caller's own exception) in an
            # ExceptionGroup: give it back as it was raised.
            error = single(raised, own=exc)
            if error is raised:
                raise
        finally:
            results.close()
        if error is exc:
            return None  # re-raised by the ``async with`` itself, traceback untouched
        raise error

    async def collect(self) -> BulkResults:
        """Every result, keyed by order number, in input order (a ``dict``)."""
        # The workers fill the dict directly: routing each result through the memory
        # stream of the streaming block cost ~8% of a bulk lookup's CPU time.
        if self._task_group is not None:
            raise RuntimeError("this BulkLookup is already running")
        found: dict[str, LookupResult] = {}
        progress = _Progress(len(self.numbers), self._on_progress, self._progress)
        work = iter(self.numbers)
        callback_error: list[Exception] = []
        task_group = anyio.create_task_group()

        async def worker() -> None:
            # One event loop thread: next() on the shared iterator needs no lock.
            for number in work:
                result = await self._one(number)
                found[number] = result
                try:
                    progress.record(result)
                except Exception as exc:  # a progress callback's error ends the batch
                    callback_error.append(exc)
                    task_group.cancel_scope.cancel()
                    return

        self._task_group = task_group
        try:
            async with task_group:
                for _ in range(min(self._concurrency, len(self.numbers))):
                    task_group.start_soon(worker)
        finally:
            self._task_group = None
            progress.close()
        if callback_error:
            raise callback_error[0]
        return BulkResults((number, found[number]) for number in self.numbers)

    # --- rounds, without a block -----------------------------------------------------

    async def __aiter__(self) -> AsyncIterator[tuple[str, LookupResult]]:
        progress = _Progress(len(self.numbers), self._on_progress, self._progress)
        try:
            for start in range(0, len(self.numbers), self._concurrency):
                batch = self.numbers[start : start + self._concurrency]
                done: list[tuple[str, LookupResult]] = []

                async def run(number: str, done: list[tuple[str, LookupResult]] = done) -> None:
                    result = await self._one(number)
                    progress.record(result)
                    done.append((number, result))

                error: BaseException | None = None
                try:
                    async with anyio.create_task_group() as tg:
                        for number in batch:
                            tg.start_soon(run, number)
                except BaseException as exc:  # a progress callback's error, as itself
                    error = single(exc)
                    if error is exc:
                        raise
                if error is not None:
                    raise error
                if self._ordered:
                    position = {n: i for i, n in enumerate(batch)}
                    done.sort(key=lambda item: position[item[0]])
                for item in done:
                    yield item
        finally:
            progress.close()


class _Results:
    """The receiving side of a running ``BulkLookup``."""

    def __init__(
        self,
        receive: MemoryObjectReceiveStream[tuple[int, str, LookupResult]],
        progress: _Progress,
        ordered: bool,
    ) -> None:
        self._receive = receive
        self._progress = progress
        self._ordered = ordered
        self._held: dict[int, tuple[str, LookupResult]] = {}
        self._next = 0

    def __aiter__(self) -> _Results:
        return self

    async def __anext__(self) -> tuple[str, LookupResult]:
        while True:
            if self._ordered and self._next in self._held:
                item = self._held.pop(self._next)
                self._next += 1
                return item
            try:
                index, number, result = await self._receive.receive()
            except anyio.EndOfStream:
                if self._held:  # pragma: no cover - every index arrives exactly once
                    raise RuntimeError("bulk lookup lost results") from None
                raise StopAsyncIteration from None
            self._progress.record(result)
            if not self._ordered:
                return number, result
            self._held[index] = (number, result)

    def close(self) -> None:
        self._receive.close()
        self._progress.close()
