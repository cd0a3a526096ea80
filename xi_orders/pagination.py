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
    A ``recordsFound`` that changes mid-walk, a page the server repeats (it ignored
    ``pageNumber``), or an end (empty page, 204) before ``recordsFound`` records arrived
    means the result may be incomplete or hold duplicates. The paginator never guesses
    silently: it emits a :class:`PaginationWarning` with the numbers, or, with
    ``strict=True``, raises :class:`PaginationError`. A repeated page is never yielded, and
    ends the walk; after a changed count the walk follows the largest count seen (an extra
    empty page costs one call; a missed page costs orders).
"""

from __future__ import annotations

import contextlib
import logging
import math
import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from typing import Generic, Protocol, TypeVar

import anyio

from .errors import XiError

__all__ = ["AsyncPaginator", "Page", "PaginationError", "PaginationWarning", "SearchResults"]

ItemT = TypeVar("ItemT")
ItemT_co = TypeVar("ItemT_co", covariant=True)

logger = logging.getLogger("xi_orders.pagination")


class SearchResults(list[ItemT], Generic[ItemT]):
    """What ``collect()`` returns: a plain ``list`` of the results. Only its display
    differs: ``xi_orders.tabular`` gives it a short ``repr`` and a notebook table."""

    __slots__ = ()


class PaginationWarning(UserWarning):
    """A search's pages did not add up (see :class:`AsyncPaginator`); the results may be
    incomplete or, for a count that grew, the walk went on past the first count."""


class PaginationError(XiError):
    """A search's pages did not add up, and the paginator was asked to be strict.

    ``received`` is how many records had arrived (and were yielded) before the problem.
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


class _Walk:
    """The state of one walk: what arrived, what the server said, when to stop."""

    def __init__(self, limit: int | None, strict: bool) -> None:
        self.limit = limit
        self.strict = strict
        self.received = 0
        #: the first ``recordsFound``, and the largest seen (the one the walk follows)
        self.first_count: int | None = None
        self.count: int | None = None
        self.last_count: int | None = None
        #: the server's page size: as reported, else the largest page seen
        self.server_size: int | None = None
        self.previous: Sequence[object] | None = None
        self.done = False

    def problem(self, message: str) -> None:
        if self.strict:
            raise PaginationError(message, received=self.received)
        warnings.warn(message, PaginationWarning, stacklevel=4)

    def short_of_count(self, number: int, what: str) -> None:
        if self.count is not None and self.received < self.count:
            self.problem(
                f"search ended on {what} for page {number} after {self.received} of the "
                f"{self.count} records the server reported found; the results are incomplete"
            )

    def accept(self, number: int, page: Page[object] | None) -> bool:
        """Whether ``page`` (the answer for ``number``) is to be yielded; sets ``done``."""
        if page is None:  # 204 No Content
            self.done = True
            if number > 1:
                self.short_of_count(number, "204 No Content")
            return False
        orders = page.orders
        if not orders:
            self.done = True
            if number > 1:
                self.short_of_count(number, "an empty page")
            return False
        if self.previous is not None and list(orders) == list(self.previous):
            self.done = True
            self.problem(
                f"the server repeated a page: page {number} (answered as page "
                f"{page.page_number}) holds the same {len(orders)} records as the page before; "
                f"stopping after {self.received} of "
                f"{self.count if self.count is not None else 'an unknown number of'} records"
            )
            return False
        found = page.records_found
        if found is not None:
            if self.first_count is None:
                self.first_count = self.count = self.last_count = found
            elif found != self.last_count:
                self.problem(
                    f"the server's record count changed mid-search: {self.last_count} records "
                    f"found up to page {number - 1}, {found} on page {number} "
                    f"({self.received} received so far); the pages may have shifted"
                )
                self.last_count = found
                self.count = max(self.count or 0, found)
        if page.page_size:
            self.server_size = page.page_size
        else:
            self.server_size = max(self.server_size or 0, len(orders))
        if page.page_number is not None and page.page_number != number:
            # New records under another number: harmless, but worth a trace.
            logger.debug("asked for page %d, the server answered page %s", number, page.page_number)
        self.previous = orders
        self.received += len(orders)
        if self.count is not None:
            if self.received >= self.count:
                self.done = True
        elif len(orders) < (self.server_size or 0):
            self.done = True  # no count from the server: a short page is the last one
        if self.limit is not None and self.received >= self.limit:
            self.done = True
        return True

    def batch(self, number: int, prefetch: int) -> int:
        """How many pages from ``number`` on to fetch at once."""
        if prefetch <= 1 or self.count is None or not self.server_size:
            return 1
        wanted = self.count if self.limit is None else min(self.count, self.limit)
        pages_left = math.ceil((wanted - self.received) / self.server_size)
        return max(1, min(prefetch, pages_left))


class AsyncPaginator(Generic[ItemT]):
    """Iterates the results of a search across pages, fetching only what is needed.

    It pages by what the server answers: the page size it reports (or uses) and the
    records actually received. It stops on an empty page, on 204 No Content, once
    ``recordsFound`` records have arrived and, when the server gives no count, on a page
    shorter than the server's page size; ``limit`` stops early without fetching more
    pages than the limit needs. Inconsistent answers (a count that changes mid-walk, a
    repeated page, an early end) emit a :class:`PaginationWarning` with the numbers, or
    raise :class:`PaginationError` when ``strict``. With ``prefetch=N`` (N > 1), once a
    page tells the total and the server's page size, up to N pages are fetched
    concurrently (each through the rate limiter), and orders are still yielded exactly
    once, in order. At most N pages are held at a time.
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
    ) -> None:
        self._fetch = fetch
        #: the search's query parameters (filters, page size), for display only
        self.query = tuple(query)
        self._page_size = page_size
        self._limit = limit
        self._prefetch = prefetch
        self._strict = strict

    def __aiter__(self) -> AsyncIterator[ItemT]:
        return self._items()

    async def _items(self) -> AsyncGenerator[ItemT, None]:
        remaining = self._limit
        # Closed here and now when the limit stops the walk mid-way (not left to the
        # garbage collector, which trio warns about).
        async with contextlib.aclosing(self.pages()) as pages:
            async for page in pages:
                for item in page.orders:
                    if remaining is not None:
                        if remaining <= 0:
                            return
                        remaining -= 1
                    yield item

    async def collect(self) -> SearchResults[ItemT]:
        """Every result (up to ``limit``) in a list."""
        async with contextlib.aclosing(self._items()) as items:
            return SearchResults([item async for item in items])

    async def pages(self) -> AsyncGenerator[Page[ItemT], None]:
        """The pages themselves, each with ``records_found``, ``page_number``, ``orders``."""
        if self._limit is not None and self._limit <= 0:
            return
        walk = _Walk(self._limit, self._strict)
        number = 1
        while not walk.done:
            count = walk.batch(number, self._prefetch)
            fetched = await self._fetch_many(number, count)
            for offset, page in enumerate(fetched):
                if walk.done:
                    break  # a prefetched page past the end: dropped
                if walk.accept(number + offset, page):
                    assert page is not None
                    yield page
            number += count

    async def _fetch_many(self, first: int, count: int) -> list[Page[ItemT] | None]:
        if count == 1:
            return [await self._fetch(first)]
        results: list[Page[ItemT] | None] = [None] * count

        async def fetch_into(index: int) -> None:
            results[index] = await self._fetch(first + index)

        # The task group ends before anything is yielded: no task outlives a page.
        async with anyio.create_task_group() as tg:
            for index in range(count):
                tg.start_soon(fetch_into, index)
        return results
