"""The paginator on its own: stop rules, limit, prefetch order and bounds, streaming."""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio
import pytest

from xi_orders.pagination import AsyncPaginator


@dataclass
class FakePage:
    orders: list[int]
    records_found: int | None


@dataclass
class FakeAPI:
    """Serves ``total`` items in pages; records which pages were asked for."""

    total: int
    size: int
    count_known: bool = True
    empty_after: int | None = None
    asked: list[int] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    async def fetch(self, number: int) -> FakePage | None:
        self.asked.append(number)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        # Later pages answer faster, so concurrent fetches complete out of order.
        await anyio.sleep(0.001 * (50 - number % 50))
        self.in_flight -= 1
        if self.total == 0:
            return None
        start = (number - 1) * self.size
        items = list(range(start, min(start + self.size, self.total)))
        if self.empty_after is not None and number > self.empty_after:
            items = []
        return FakePage(items, self.total if self.count_known else None)


def paginator(api: FakeAPI, **kw: int | None) -> AsyncPaginator[int]:
    return AsyncPaginator(api.fetch, page_size=api.size, **kw)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_walks_every_page_and_stops_at_records_found() -> None:
    api = FakeAPI(total=250, size=100)
    assert await paginator(api).collect() == list(range(250))
    assert api.asked == [1, 2, 3]


@pytest.mark.anyio
async def test_exact_multiple_does_not_ask_for_an_extra_page() -> None:
    api = FakeAPI(total=200, size=100)
    assert len(await paginator(api).collect()) == 200
    assert api.asked == [1, 2]


@pytest.mark.anyio
async def test_204_is_an_empty_result() -> None:
    api = FakeAPI(total=0, size=100)
    assert await paginator(api).collect() == []
    assert [p async for p in paginator(api).pages()] == []


@pytest.mark.anyio
async def test_stops_on_an_empty_page_even_if_the_count_says_more() -> None:
    api = FakeAPI(total=500, size=100, empty_after=2)
    assert len(await paginator(api).collect()) == 200
    assert api.asked == [1, 2, 3]


@pytest.mark.anyio
async def test_without_a_count_stops_on_a_short_page() -> None:
    api = FakeAPI(total=230, size=100, count_known=False)
    assert len(await paginator(api).collect()) == 230
    assert api.asked == [1, 2, 3]


@pytest.mark.anyio
async def test_limit_fetches_no_more_pages_than_needed() -> None:
    api = FakeAPI(total=1000, size=100)
    assert await paginator(api, limit=150).collect() == list(range(150))
    assert api.asked == [1, 2]
    api = FakeAPI(total=1000, size=100)
    assert len(await paginator(api, limit=100, prefetch=8).collect()) == 100
    assert api.asked == [1]
    api = FakeAPI(total=1000, size=100)
    assert await paginator(api, limit=0).collect() == []
    assert api.asked == []


@pytest.mark.anyio
async def test_prefetch_yields_every_item_once_in_order_with_bounded_concurrency() -> None:
    api = FakeAPI(total=2_345, size=100)
    items = await paginator(api, prefetch=5).collect()
    assert items == list(range(2_345))
    assert sorted(api.asked) == list(range(1, 25))
    assert api.max_in_flight == 5


@pytest.mark.anyio
async def test_pages_expose_counts() -> None:
    api = FakeAPI(total=250, size=100)
    pages = [p async for p in paginator(api).pages()]
    assert [len(p.orders) for p in pages] == [100, 100, 50]
    assert all(p.records_found == 250 for p in pages)


@pytest.mark.anyio
async def test_breaking_out_stops_fetching() -> None:
    api = FakeAPI(total=10_000, size=100)
    async for item in paginator(api):
        if item == 150:
            break
    assert api.asked == [1, 2]
