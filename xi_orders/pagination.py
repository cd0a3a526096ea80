"""``AsyncPaginator``: walk every page of an order search, streaming.

Example::

    async for order in client.search_orders(order_status="SHIPPED"):
        print(order.ingram_order_number)

    async for page in client.search_orders(vendor_name="Cisco").pages():
        print(page.page_number, page.records_found, len(page.orders))

    first_50 = await client.search_orders(limit=50).collect()
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Generic, Protocol, TypeVar

import anyio

ItemT = TypeVar("ItemT")
ItemT_co = TypeVar("ItemT_co", covariant=True)


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


class AsyncPaginator(Generic[ItemT]):
    """Iterates the results of a search across pages, fetching only what is needed.

    It stops on the last page by ``recordsFound``, on an empty page, on 204 No Content and,
    when the server gives no count, on a short page; ``limit`` stops early without fetching
    more pages than the limit needs. With ``prefetch=N`` (N > 1), once the first page tells
    the total, the next N pages are fetched concurrently (each through the rate limiter),
    and orders are still yielded exactly once, in order. At most N pages are held at a time.
    """

    def __init__(
        self,
        fetch: Callable[[int], Awaitable[Page[ItemT] | None]],
        *,
        page_size: int,
        limit: int | None = None,
        prefetch: int = 0,
    ) -> None:
        self._fetch = fetch
        self._page_size = page_size
        self._limit = limit
        self._prefetch = prefetch

    def __aiter__(self) -> AsyncIterator[ItemT]:
        return self._items()

    async def _items(self) -> AsyncIterator[ItemT]:
        remaining = self._limit
        async for page in self.pages():
            for item in page.orders:
                if remaining is not None:
                    if remaining <= 0:
                        return
                    remaining -= 1
                yield item

    async def collect(self) -> list[ItemT]:
        """Every result (up to ``limit``) in a list."""
        return [item async for item in self]

    async def pages(self) -> AsyncIterator[Page[ItemT]]:
        """The pages themselves, each with ``records_found``, ``page_number``, ``orders``."""
        if self._limit is not None and self._limit <= 0:
            return
        page = await self._fetch(1)
        if page is None:
            return  # 204 No Content: nothing matched
        yield page
        if not page.orders:
            return
        size = self._page_size
        total = page.records_found
        last = math.ceil(total / size) if total is not None else None
        if self._limit is not None:
            wanted = math.ceil(self._limit / size)
            last = wanted if last is None else min(last, wanted)
        number = 2
        while last is None or number <= last:
            if last is None and len(page.orders) < size:
                return  # no count from the server: a short page is the last one
            batch = 1 if last is None else max(1, min(self._prefetch, last - number + 1))
            fetched = await self._fetch_many(number, batch)
            for page_or_none in fetched:
                if page_or_none is None or not page_or_none.orders:
                    return
                page = page_or_none
                yield page
            number += batch

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
