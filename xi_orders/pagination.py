"""``AsyncPaginator``: walk every page of an order search, streaming.

Example::

    async for order in client.search_orders(order_status="SHIPPED"):
        print(order.ingram_order_number)

    async for page in client.search_orders(vendor_name="Cisco").pages():
        print(page.page_number, page.records_found, len(page.orders))

    first_50 = await client.search_orders(limit=50).collect()

How the walk ends
    Pages are counted by what the server sends, not by what was asked for: the API may
    answer fewer rows a page than the ``pageSize`` requested (its own default is 25, and it
    reports the size it used). The walk stops on an empty page, on 204 No Content, once
    ``recordsFound`` records have arrived, or, when the server gives no count, on a page
    shorter than the server's page size. ``limit`` stops it early.

When the pages do not add up
    A ``recordsFound`` that changes mid-walk, an order a later page repeats (rows shifted
    under the walk), a page the server repeats (it ignored ``pageNumber``), or an end
    (empty page, 204, even an empty first page) before ``recordsFound`` records arrived
    means the result may be incomplete or hold duplicates. The paginator never guesses
    silently: it emits one :class:`PaginationWarning` per walk, when the walk ends, that
    sums up what went wrong (first and last counts, the pages affected, how many repeated
    rows were skipped, how it ended), or, with ``strict=True``, raises
    :class:`PaginationError` at the first problem. An order already yielded is never
    yielded again (orders are told apart by ``ingram_order_number``); a repeated page
    ends the walk; after a changed count the walk follows the largest count seen (an
    extra empty page costs one call; a missed page costs orders).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import warnings
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Sequence,
)
from types import FrameType
from typing import Generic, Protocol, TypeVar, cast

import anyio

from ._display import ShortRepr
from ._groups import single
from .errors import XiError

__all__ = ["AsyncPaginator", "Page", "PaginationError", "PaginationWarning", "SearchResults"]

ItemT = TypeVar("ItemT")
ItemT_co = TypeVar("ItemT_co", covariant=True)

logger = logging.getLogger("xi_orders.pagination")


class SearchResults(ShortRepr, list[ItemT], Generic[ItemT]):
    """What ``collect()`` returns: a plain ``list`` of the results. Only its display
    differs: ``xi_orders.tabular`` gives it a short ``repr`` and a notebook table."""

    __slots__ = ()


class PaginationWarning(UserWarning):
    """A search's pages did not add up (see :class:`AsyncPaginator`); the results may be
    incomplete or, for a count that grew, the walk went on past the first count.

    One is emitted per walk, when it ends, naming every kind of problem seen. ``received``
    is how many rows arrived, ``duplicates`` how many of them repeated an order already
    yielded (and were skipped).
    """

    def __init__(self, message: str, *, received: int = 0, duplicates: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.received = received
        self.duplicates = duplicates


class PaginationError(XiError):
    """A search's pages did not add up, and the paginator was asked to be strict.

    ``received`` is how many rows had arrived before the problem (every one yielded: a
    row repeating an earlier order raises before its page is yielded).
    """

    def __init__(self, message: str, *, received: int) -> None:
        super().__init__(message)
        self.message = message
        self.received = received


class Page(Protocol[ItemT_co]):
    """What the paginator needs of a page (``OrderSearchPage`` is one)."""

    @property
    def orders(self) -> Sequence[ItemT_co]:
        """The page's items."""
        ...

    @property
    def records_found(self) -> int | None:
        """How many items the whole search matched, when the server says."""
        ...

    @property
    def page_size(self) -> int | None:
        """The page size the server used, when it says."""
        ...

    @property
    def page_number(self) -> int | None:
        """The page number the server answered with, when it says."""
        ...


def _default_key(item: object) -> Hashable | None:
    """What tells an order from another within a walk: its ``ingram_order_number``; for
    items without one, the item itself when hashable; ``None`` (never deduplicated)
    otherwise."""
    number = getattr(item, "ingram_order_number", None)
    if isinstance(number, str):
        return number.strip().upper() or None
    if isinstance(item, Hashable):
        try:
            hash(item)
        except TypeError:  # a tuple holding a list, say
            return None
        return item
    return None


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_CONTEXTLIB = os.path.abspath(contextlib.__file__)


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the caller's line (the ``async for`` or
    ``collect()``), past this package's frames and ``aclosing``: the walk ends inside
    nested generators, whose depth differs between ``collect()``, ``async for`` and
    ``pages()``."""
    level = 1
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not (filename.startswith(_PACKAGE_DIR + os.sep) or filename == _CONTEXTLIB):
            return level
        level += 1
        frame = frame.f_back
    return level


def _spans(numbers: Sequence[int]) -> str:
    """``[2, 3, 4, 7]`` -> ``"2-4, 7"``."""
    spans: list[str] = []
    ordered = sorted(set(numbers))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        spans.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ", ".join(spans)


def _pages(numbers: Sequence[int]) -> str:
    """``[2, 3, 4]`` -> ``"3 pages (2-4)"``; ``[2]`` -> ``"page 2"``."""
    count = len(set(numbers))
    return f"{count} pages ({_spans(numbers)})" if count > 1 else f"page {_spans(numbers)}"


#: Repeated rows are looked for among the orders of this many recent pages.
_RECENT_PAGES = 4
#: ... of at least this many orders each (a server that sends short pages).
_MIN_PAGE = 100


class _Walk:
    """The state of one walk: what arrived, what the server said, when to stop, and what
    did not add up (raised at once when strict, else summed up in one warning)."""

    def __init__(
        self, limit: int | None, strict: bool, key: Callable[[object], Hashable | None]
    ) -> None:
        self.limit = limit
        self.strict = strict
        self.key = key
        #: rows arrived (duplicates included: ``recordsFound`` counts positions)
        self.received = 0
        #: rows yielded (each order once)
        self.yielded = 0
        self.pages = 0
        #: the first ``recordsFound``, and the largest seen (the one the walk follows)
        self.first_count: int | None = None
        self.count: int | None = None
        self.last_count: int | None = None
        #: the server's page size: as reported, else the largest page seen
        self.server_size: int | None = None
        self.previous: Sequence[object] | None = None
        #: keys of the orders yielded lately, oldest first (an insertion-ordered dict):
        #: bounded, so that memory stays flat however long the walk (see ``fresh``)
        self.seen: dict[Hashable, None] = {}
        self.done = False
        # What did not add up, for the one warning at the end of the walk.
        self.count_changes: list[tuple[int, int]] = []  # (page, new count)
        self.duplicate_pages: list[int] = []
        self.duplicates = 0
        self.ending: str | None = None
        self.reported = False

    def problem(self, message: str) -> None:
        """Raise ``message`` when strict; otherwise the summary will tell it."""
        if self.strict:
            raise PaginationError(message, received=self.received)

    def short_of_count(self, number: int, what: str, count: int | None) -> None:
        if count is not None and self.received < count:
            self.ending = (
                f"the search ended on {what} for page {number} after {self.received} of the "
                f"{count} records the server reported found; the results are incomplete"
            )
            self.problem(self.ending)

    def accept(self, number: int, page: Page[object] | None) -> list[object] | None:
        """The items of ``page`` (the answer for ``number``) to yield, those not yielded
        before; ``None`` when the page is not to be yielded. Sets ``done``."""
        if page is None:  # 204 No Content
            self.done = True
            self.short_of_count(number, "204 No Content", self.count)
            return None
        orders = page.orders
        if not orders:
            self.done = True
            # An empty first page is short too when its own count promises records.
            count = self.count if self.count is not None else page.records_found
            self.short_of_count(number, "an empty page", count)
            return None
        if self.previous is not None and list(orders) == list(self.previous):
            self.done = True
            self.ending = (
                f"the server repeated a page: page {number} (answered as page "
                f"{page.page_number}) holds the same {len(orders)} records as the page before; "
                f"stopped after {self.received} of "
                f"{self.count if self.count is not None else 'an unknown number of'} records"
            )
            self.problem(self.ending)
            return None
        found = page.records_found
        if found is not None:
            if self.first_count is None:
                self.first_count = self.count = self.last_count = found
            elif found != self.last_count:
                self.count_changes.append((number, found))
                self.problem(
                    f"the server's record count changed mid-search: {self.last_count} records "
                    f"found up to page {number - 1}, {found} on page {number} "
                    f"({self.received} received so far); the pages may have shifted"
                )
                self.last_count = found
                self.count = max(self.count or 0, found)
        fresh = self.fresh(number, orders)
        if page.page_size:
            self.server_size = page.page_size
        else:
            self.server_size = max(self.server_size or 0, len(orders))
        if page.page_number is not None and page.page_number != number:
            # New records under another number: harmless, but worth a trace.
            logger.debug("asked for page %d, the server answered page %s", number, page.page_number)
        self.previous = orders
        self.pages += 1
        self.received += len(orders)
        self.yielded += len(fresh)
        if self.count is not None:
            if self.received >= self.count:
                self.done = True
        elif len(orders) < (self.server_size or 0):
            self.done = True  # no count from the server: a short page is the last one
        if self.limit is not None and self.yielded >= self.limit:
            self.done = True
        return fresh

    def fresh(self, number: int, orders: Sequence[object]) -> list[object]:
        """``orders`` without those already yielded in this walk (rows that shifted onto
        this page as records were added ahead of it). Shifted rows come from the pages
        just before, so only the keys of the last few pages' worth of orders are kept:
        a 100,000-order walk then holds a few hundred keys, not 100,000."""
        fresh: list[object] = []
        repeated = 0
        seen = self.seen
        keep = _RECENT_PAGES * max(self.server_size or 0, len(orders), _MIN_PAGE)
        for item in orders:
            key = self.key(item)
            if key is None:
                fresh.append(item)
            elif key in seen:
                repeated += 1
            else:
                seen[key] = None
                fresh.append(item)
        while len(seen) > keep:
            del seen[next(iter(seen))]
        if repeated:
            self.problem(
                f"page {number} repeats {repeated} of the orders already yielded on an "
                f"earlier page ({self.received} rows received before it); the pages shifted"
            )
            self.duplicates += repeated
            self.duplicate_pages.append(number)
        return fresh

    def batch(self, number: int, prefetch: int) -> int:
        """How many pages from ``number`` on to fetch at once."""
        if prefetch <= 1 or self.count is None or not self.server_size:
            return 1
        rows_left = self.count - self.received
        if self.limit is not None:
            rows_left = min(rows_left, self.limit - self.yielded)
        pages_left = math.ceil(rows_left / self.server_size)
        return max(1, min(prefetch, pages_left))

    def summary(self) -> str | None:
        """One message for everything that did not add up in this walk; ``None`` if all
        did."""
        parts: list[str] = []
        if self.count_changes:
            changed = [n for n, _ in self.count_changes]
            counts = [self.first_count or 0, *(c for _, c in self.count_changes)]
            last_page, last = self.count_changes[-1]
            parts.append(
                f"the server's record count changed mid-search on {_pages(changed)}: "
                f"{self.first_count} records found on page 1, {last} on "
                f"page {last_page} (between {min(counts)} and {max(counts)}); the pages may "
                f"have shifted"
            )
        if self.duplicates:
            one = self.duplicates == 1
            parts.append(
                f"{self.duplicates} {'row' if one else 'rows'} on {_pages(self.duplicate_pages)} "
                f"repeated {'an order' if one else 'orders'} already yielded and "
                f"{'was' if one else 'were'} skipped"
            )
        if self.ending is not None:
            parts.append(self.ending)
        if not parts:
            return None
        return (
            "; ".join(parts)
            + f" ({self.received} rows over {self.pages} pages, {self.yielded} orders yielded)"
        )

    def report(self) -> None:
        """Emit the walk's one warning, if anything did not add up (once)."""
        if self.reported or self.strict:
            return
        self.reported = True
        message = self.summary()
        if message is not None:
            warnings.warn(
                PaginationWarning(message, received=self.received, duplicates=self.duplicates),
                stacklevel=_caller_stacklevel(),
            )


class AsyncPaginator(ShortRepr, Generic[ItemT]):
    """Iterates the results of a search across pages, fetching only what is needed.

    It pages by what the server answers: the page size it reports (or uses) and the
    records actually received. It stops on an empty page, on 204 No Content, once
    ``recordsFound`` records have arrived and, when the server gives no count, on a page
    shorter than the server's page size; ``limit`` stops early without fetching more
    pages than the limit needs. Each order is yielded once per walk: a row repeating one
    already yielded (``key``: by default its ``ingram_order_number``) on the last few
    pages is skipped, as happens when records added ahead of the walk shift rows onto the
    next page (only recent pages are remembered, so a long walk's memory stays flat).
    Inconsistent answers (a count that changes mid-walk, repeated rows, a repeated page,
    an early end) emit one :class:`PaginationWarning` per walk summing them up, when the
    walk ends, or raise :class:`PaginationError` at the first when ``strict``. With
    ``prefetch=N`` (N > 1), once a page tells the total and the server's page size, up
    to N pages are fetched concurrently (each through the rate limiter), and orders are
    still yielded exactly once, in order. At most N pages are held at a time.
    """

    def __init__(
        self,
        fetch: Callable[[int], Awaitable[Page[ItemT] | None]],
        *,
        page_size: int,
        limit: int | None = None,
        prefetch: int = 0,
        strict: bool = False,
        query: Sequence[tuple[str, str]] = (),
        key: Callable[[ItemT], Hashable | None] | None = None,
    ) -> None:
        self._fetch = fetch
        #: the search's query parameters (filters, page size), for display only
        self.query = tuple(query)
        self._page_size = page_size
        self._limit = limit
        self._prefetch = prefetch
        self._strict = strict
        self._key = cast("Callable[[object], Hashable | None]", key or _default_key)

    def __aiter__(self) -> AsyncIterator[ItemT]:
        return self._items()

    async def _items(self) -> AsyncGenerator[ItemT, None]:
        remaining = self._limit
        # Closed here and now when the limit stops the walk mid-way (not left to the
        # garbage collector, which trio warns about).
        async with contextlib.aclosing(self._walk()) as walk:
            async for _, fresh in walk:
                for item in fresh:
                    if remaining is not None:
                        if remaining <= 0:
                            return
                        remaining -= 1
                    yield item

    async def collect(self) -> SearchResults[ItemT]:
        """Every result (up to ``limit``) in a list, each order once."""
        async with contextlib.aclosing(self._items()) as items:
            return SearchResults([item async for item in items])

    async def pages(self) -> AsyncGenerator[Page[ItemT], None]:
        """The pages themselves, each with ``records_found``, ``page_number``, ``orders``.

        Pages are as the server sent them: a row repeating an order of an earlier page is
        still in ``orders`` here (iterating the paginator skips it), and counted in the
        walk's warning.
        """
        async with contextlib.aclosing(self._walk()) as walk:
            async for page, _ in walk:
                yield page

    async def _walk(self) -> AsyncGenerator[tuple[Page[ItemT], list[ItemT]], None]:
        """Each page to yield, with its orders not yielded before in this walk."""
        if self._limit is not None and self._limit <= 0:
            return
        walk = _Walk(self._limit, self._strict, self._key)
        number = 1
        try:
            while not walk.done:
                count = walk.batch(number, self._prefetch)
                fetched = await self._fetch_many(number, count)
                for offset, page in enumerate(fetched):
                    if walk.done:
                        break  # a prefetched page past the end: dropped
                    fresh = walk.accept(number + offset, page)
                    if fresh is not None:
                        assert page is not None
                        yield page, cast("list[ItemT]", fresh)
                number += count
        except GeneratorExit:
            walk.report()  # the caller stopped early: what was seen so far
            raise
        # Not in a ``finally``: when a fetch fails, that error tells the story, and a
        # warning turned into an error (``-W error``) must not replace it.
        walk.report()

    async def _fetch_many(self, first: int, count: int) -> list[Page[ItemT] | None]:
        if count == 1:
            return [await self._fetch(first)]
        results: list[Page[ItemT] | None] = [None] * count

        async def fetch_into(index: int) -> None:
            results[index] = await self._fetch(first + index)

        # The task group ends before anything is yielded: no task outlives a page. A page
        # that fails comes out as itself (the others failing with it as its notes), not as
        # the task group's ExceptionGroup: callers catch XiError.
        error: BaseException | None = None
        try:
            async with anyio.create_task_group() as tg:
                for index in range(count):
                    tg.start_soon(fetch_into, index)
        except BaseException as exc:
            error = single(exc)
            if error is exc:
                raise
        if error is not None:
            raise error
        return results
