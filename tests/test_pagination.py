"""The paginator on its own: stop rules, limit, prefetch order and bounds, streaming, and
servers whose pages do not add up (a smaller page size than asked, a count that changes)."""

from __future__ import annotations

import contextlib
import gc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

from tests.conftest import make_client
from xi_orders.pagination import AsyncPaginator, PaginationError, PaginationWarning


@dataclass
class FakePage:
    orders: list[int]
    records_found: int | None
    page_size: int | None = None
    page_number: int | None = None


@dataclass
class FakeAPI:
    """Serves ``total`` items in pages; records which pages were asked for.

    ``size`` is the page size the client asks for; ``server_size`` the one the server
    really uses (its default is 25 whatever was asked), reported as ``pageSize`` unless
    ``report_size`` is off. ``count`` gives the ``recordsFound`` of each page number.
    ``ignore_page_number`` answers every request with page 1.
    """

    total: int
    size: int
    count_known: bool = True
    empty_after: int | None = None
    server_size: int | None = None
    report_size: bool = True
    count: Callable[[int], int] | None = None
    ignore_page_number: bool = False
    no_content_after: int | None = None
    #: records added at the head between requests, as the sandbox's ``records_found_drift``:
    #: page p answers as if ``drift * (p - 1)`` had appeared since page 1 (the count grows,
    #: the rows shift back onto ones already served)
    drift: int = 0
    #: shift the rows like ``drift`` but leave the count alone (a re-sort under the walk)
    shift_rows: int = 0
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
        if self.no_content_after is not None and number > self.no_content_after:
            return None
        served = 1 if self.ignore_page_number else number
        size = self.server_size or self.size
        shift = (self.drift + self.shift_rows) * (served - 1)
        start = max(0, (served - 1) * size - shift)
        items = list(range(start, min(start + size, self.total)))
        if self.empty_after is not None and number > self.empty_after:
            items = []
        found = self.count(number) if self.count else self.total + self.drift * (served - 1)
        return FakePage(
            items,
            found if self.count_known else None,
            page_size=size if self.report_size else None,
            page_number=served,
        )


def paginator(api: FakeAPI, **kw: Any) -> AsyncPaginator[int]:
    return AsyncPaginator(api.fetch, page_size=api.size, **kw)  # type: ignore[arg-type]


def messages(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, PaginationWarning)]


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
    with pytest.warns(PaginationWarning, match=r"200 of the 500 records"):
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


# --- servers whose pages do not add up ----------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [0, 4])
async def test_server_page_size_smaller_than_requested(prefetch: int) -> None:
    """We ask for 100 a page, the server answers 25 a page (and says so): all 250 arrive,
    in order, with no page fetched twice and none past the last."""
    api = FakeAPI(total=250, size=100, server_size=25)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items = await paginator(api, prefetch=prefetch).collect()
    assert items == list(range(250))
    assert sorted(api.asked) == list(range(1, 11))
    assert messages(caught) == []


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [0, 3])
async def test_server_page_size_smaller_than_requested_and_unreported(prefetch: int) -> None:
    """Without ``pageSize`` in the answer the rows received still count: 25 of 250 is not
    the end."""
    api = FakeAPI(total=250, size=100, server_size=25, report_size=False)
    assert await paginator(api, prefetch=prefetch).collect() == list(range(250))
    assert sorted(api.asked)[:10] == list(range(1, 11))


@pytest.mark.anyio
async def test_server_page_size_smaller_and_no_count_stops_on_a_short_page() -> None:
    api = FakeAPI(total=60, size=100, server_size=25, count_known=False)
    assert await paginator(api).collect() == list(range(60))
    assert api.asked == [1, 2, 3]


@pytest.mark.anyio
async def test_limit_with_a_smaller_server_page_size() -> None:
    api = FakeAPI(total=250, size=100, server_size=25)
    assert await paginator(api, limit=60).collect() == list(range(60))
    assert api.asked == [1, 2, 3]


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [0, 4])
async def test_records_found_growing_mid_walk_is_reported_and_followed(prefetch: int) -> None:
    """The count grows from 200 to 250 after page 1: the walk goes on to the 250th record,
    and says the server changed its count."""
    api = FakeAPI(total=250, size=100, count=lambda n: 200 if n == 1 else 250)
    with pytest.warns(PaginationWarning) as caught:
        items = await paginator(api, prefetch=prefetch).collect()
    assert items == list(range(250))
    (message,) = messages(caught.list)
    assert "200" in message and "250" in message and "page 2" in message


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [0, 4])
async def test_records_found_shrinking_mid_walk_is_reported(prefetch: int) -> None:
    """The count drops from 250 to 150 on page 2 (the server only has 150 by then)."""
    api = FakeAPI(total=150, size=100, count=lambda n: 250 if n == 1 else 150)
    with pytest.warns(PaginationWarning) as caught:
        items = await paginator(api, prefetch=prefetch).collect()
    assert items == list(range(150))
    found = messages(caught.list)
    assert any("250" in m and "150" in m for m in found), found


@pytest.mark.anyio
async def test_inconsistent_counts_raise_when_strict() -> None:
    api = FakeAPI(total=250, size=100, count=lambda n: 200 if n == 1 else 250)
    seen: list[int] = []
    with pytest.raises(PaginationError, match=r"200.*250") as caught:
        async for item in paginator(api, strict=True):
            seen.append(item)
    assert seen == list(range(100))  # what arrived before the inconsistency
    assert caught.value.received == 100


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [0, 4])
async def test_a_repeated_page_is_reported_and_not_yielded_twice(prefetch: int) -> None:
    """A server that ignores ``pageNumber`` answers page 1 again: no duplicates, no endless
    walk, and a warning."""
    api = FakeAPI(total=250, size=100, ignore_page_number=True)
    with pytest.warns(PaginationWarning, match=r"repeat") as caught:
        items = await paginator(api, prefetch=prefetch).collect()
    assert items == list(range(100))
    assert any("page 2" in m for m in messages(caught.list))


@pytest.mark.anyio
async def test_a_repeated_page_raises_when_strict() -> None:
    api = FakeAPI(total=250, size=100, ignore_page_number=True)
    with pytest.raises(PaginationError, match=r"repeat"):
        await paginator(api, strict=True).collect()


@pytest.mark.anyio
async def test_204_before_the_count_is_reached_is_reported() -> None:
    api = FakeAPI(total=250, size=100, no_content_after=1)
    with pytest.warns(PaginationWarning, match=r"100 of the 250 records"):
        assert await paginator(api).collect() == list(range(100))


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [0, 4])
async def test_an_empty_first_page_with_a_count_is_reported(prefetch: int) -> None:
    """Page 1 says 50 found and holds nothing: not a clean empty result."""
    api = FakeAPI(total=50, size=100, empty_after=0)
    with pytest.warns(PaginationWarning, match=r"page 1 after 0 of the 50 records") as caught:
        assert await paginator(api, prefetch=prefetch).collect() == []
    assert len(messages(caught.list)) == 1
    with pytest.raises(PaginationError, match=r"0 of the 50 records") as raised:
        await paginator(api, strict=True, prefetch=prefetch).collect()
    assert raised.value.received == 0
    assert api.asked == [1, 1]


@pytest.mark.anyio
async def test_an_empty_first_page_without_a_count_is_just_empty() -> None:
    for found in (0, None):
        api = FakeAPI(total=50, size=100, empty_after=0, count=lambda n, f=found: f)  # type: ignore[misc]
        with warnings.catch_warnings():
            warnings.simplefilter("error", PaginationWarning)
            assert await paginator(api).collect() == []


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [0, 4])
async def test_a_growing_count_yields_no_order_twice_and_warns_once(prefetch: int) -> None:
    """3 records appear at the head before each later page (250 found, then 253, ...
    283): the rows shift so 33 of the 283 that arrive repeat orders of earlier pages.
    Each order is yielded once, none is lost, and one warning sums up the walk."""
    api = FakeAPI(total=250, size=25, drift=3)
    with pytest.warns(PaginationWarning) as caught:
        items = await paginator(api, prefetch=prefetch).collect()
    assert items == list(range(250))
    (message,) = messages(caught.list)
    assert "changed mid-search on 11 pages (2-12)" in message
    assert "250 records found on page 1, 283 on page 12 (between 250 and 283)" in message
    assert "33 rows on 11 pages (2-12) repeated orders already yielded and were skipped" in message
    assert "(283 rows over 12 pages, 250 orders yielded)" in message
    warning = caught.list[0].message
    assert isinstance(warning, PaginationWarning)
    assert (warning.received, warning.duplicates) == (283, 33)


@pytest.mark.anyio
async def test_pages_are_as_sent_and_the_walk_still_warns_once() -> None:
    """``pages()`` hands over the server's pages unchanged (repeated rows included)."""
    api = FakeAPI(total=250, size=25, drift=3)
    with pytest.warns(PaginationWarning) as caught:
        pages = [page async for page in paginator(api).pages()]
    assert sum(len(p.orders) for p in pages) == 283
    assert len(messages(caught.list)) == 1


@pytest.mark.anyio
async def test_repeated_rows_without_a_count_change_are_reported_or_raise() -> None:
    """The rows shift under the walk (a re-sort) while the count stays: the repeats are
    skipped and reported; strict raises before yielding the page that repeats."""
    api = FakeAPI(total=100, size=25, shift_rows=5)
    with pytest.warns(PaginationWarning) as caught:
        items = await paginator(api).collect()
    assert len(items) == len(set(items)) == 85  # the walk ends at 100 rows: 15 repeats
    (message,) = messages(caught.list)
    assert "15 rows on 3 pages (2-4) repeated orders already yielded" in message
    assert "count changed" not in message
    seen: list[int] = []
    with pytest.raises(PaginationError, match=r"page 2 repeats 5 of the orders") as raised:
        async for item in paginator(api, strict=True):
            seen.append(item)
    assert seen == list(range(25)) and raised.value.received == 25


@pytest.mark.anyio
async def test_limit_counts_orders_yielded_not_rows_received() -> None:
    api = FakeAPI(total=250, size=25, drift=3)
    with pytest.warns(PaginationWarning):
        assert await paginator(api, limit=60, prefetch=4).collect() == list(range(60))


@pytest.mark.anyio
async def test_a_key_of_none_keeps_every_row() -> None:
    api = FakeAPI(total=250, size=25, drift=3)
    with pytest.warns(PaginationWarning) as caught:
        items = await paginator(api, key=lambda item: None).collect()
    assert len(items) == 283
    assert "repeated" not in messages(caught.list)[0]


@pytest.mark.anyio
async def test_orders_are_told_apart_by_their_order_number() -> None:
    @dataclass
    class Order:  # unhashable (eq without frozen), as the attrs models are
        ingram_order_number: str | None
        n: int

    pages = {
        1: [Order("20-A", 1), Order("20-B", 2)],
        2: [Order("20-b ", 3), Order(None, 4), Order("20-C", 5)],
    }

    async def fetch(number: int) -> FakePage | None:
        return FakePage(pages.get(number, []), 5, page_size=2)  # type: ignore[arg-type]

    with pytest.warns(
        PaginationWarning, match="1 row on page 2 repeated an order already yielded and was skipped"
    ):
        items = await AsyncPaginator(fetch, page_size=2).collect()  # type: ignore[arg-type]
    assert [o.n for o in items] == [1, 2, 4, 5]


@pytest.mark.anyio
async def test_stopping_early_still_reports_what_was_seen() -> None:
    api = FakeAPI(total=250, size=25, drift=3)
    with pytest.warns(PaginationWarning) as caught:
        pages = paginator(api).pages()
        async with contextlib.aclosing(pages):
            async for page in pages:
                if page.page_number == 3:
                    break
    (message,) = messages(caught.list)
    assert "on 2 pages (2-3)" in message and "(75 rows over 3 pages, 69 orders yielded)" in message


@pytest.mark.anyio
async def test_a_failing_fetch_is_not_replaced_by_the_walks_warning() -> None:
    api = FakeAPI(total=250, size=25, drift=3)

    async def fetch(number: int) -> FakePage | None:
        if number == 4:
            raise ConnectionError("page 4 lost")
        return await api.fetch(number)

    with warnings.catch_warnings():
        warnings.simplefilter("error", PaginationWarning)
        with pytest.raises(ConnectionError, match="page 4 lost"):
            await AsyncPaginator(fetch, page_size=25).collect()  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_collect_with_a_limit_closes_the_page_generator() -> None:
    """``collect(limit=...)`` stops mid-walk; the pages generator it used is closed then and
    there, not left to the garbage collector (trio warns about that)."""
    api = FakeAPI(total=1_000, size=100)
    closed: list[bool] = []

    class Tracked(AsyncPaginator[int]):
        # The walk generator under both ``pages()`` and item iteration.
        async def _walk(self) -> Any:
            try:
                async for step in super()._walk():
                    yield step
            finally:
                closed.append(True)

    tracked = Tracked(api.fetch, page_size=100, limit=10)  # type: ignore[arg-type]
    assert await tracked.collect() == list(range(10))
    assert closed == [True]  # closed before collect() returned
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert await paginator(api, limit=10).collect() == list(range(10))
        async for item in paginator(api, limit=150):
            assert item < 150
        gc.collect()
        await anyio.lowlevel.checkpoint()
    unclosed = [str(w.message) for w in caught if "garbage collected" in str(w.message)]
    assert unclosed == []


# --- through the client (respx): the wire as the API sends it -----------------------------


def _search_page(start: int, stop: int, found: int, number: int, size: int) -> dict[str, Any]:
    return {
        "recordsFound": str(found),
        "pageSize": str(size),
        "pageNumber": str(number),
        "orders": [
            {"ingramOrderNumber": f"20-{n:05d}", "orderStatus": "SHIPPED"}
            for n in range(start, stop)
        ],
    }


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [0, 4])
async def test_client_search_follows_the_servers_page_size(
    api: respx.MockRouter, prefetch: int
) -> None:
    """We ask for ``pageSize=100``; the server answers 25 a page and says ``"pageSize":
    "25"``: all 250 orders arrive (the old paginator stopped after 75, silently)."""

    def respond(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["pageNumber"])
        start = (number - 1) * 25
        return httpx.Response(200, json=_search_page(start, min(start + 25, 250), 250, number, 25))

    route = api.get("/resellers/v6/orders/search").mock(side_effect=respond)
    async with make_client() as client:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PaginationWarning)
            orders = await client.search_orders(page_size=100, prefetch=prefetch).collect()
    assert [o.ingram_order_number for o in orders] == [f"20-{n:05d}" for n in range(250)]
    assert sorted(int(c.request.url.params["pageNumber"]) for c in route.calls) == list(
        range(1, 11)
    )
    assert {c.request.url.params["pageSize"] for c in route.calls} == {"100"}


@pytest.mark.anyio
async def test_client_search_reports_a_count_that_changes(api: respx.MockRouter) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["pageNumber"])
        found = 150 if number == 1 else 180
        start = (number - 1) * 100
        return httpx.Response(
            200, json=_search_page(start, min(start + 100, 180), found, number, 100)
        )

    api.get("/resellers/v6/orders/search").mock(side_effect=respond)
    async with make_client() as client:
        with pytest.warns(PaginationWarning, match=r"150.*180"):
            orders = await client.search_orders().collect()
        assert len(orders) == 180
        with pytest.raises(PaginationError, match=r"150.*180"):
            await client.search_orders(strict=True).collect()


@pytest.mark.anyio
async def test_client_search_collect_with_limit_closes_its_generators(
    api: respx.MockRouter,
) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["pageNumber"])
        start = (number - 1) * 100
        return httpx.Response(200, json=_search_page(start, start + 100, 1_000, number, 100))

    api.get("/resellers/v6/orders/search").mock(side_effect=respond)
    async with make_client() as client:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert len(await client.search_orders(limit=10).collect()) == 10
            gc.collect()
            await anyio.lowlevel.checkpoint()
    assert [str(w.message) for w in caught if "garbage collected" in str(w.message)] == []


@pytest.mark.anyio
async def test_memory_for_repeats_stays_bounded_over_a_long_walk() -> None:
    # 20,000 orders over 800 pages: repeats are looked for among the last few pages only,
    # so the walk's memory does not grow with it (a 100,000-order export stays flat).
    import xi_orders.pagination as pagination

    sizes: list[int] = []
    real = pagination._Walk.fresh

    def spying(walk: Any, number: int, orders: Any) -> list[object]:
        out = real(walk, number, orders)
        sizes.append(len(walk.seen))
        return out

    api = FakeAPI(total=20_000, size=25)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pagination._Walk, "fresh", spying)
        items = await paginator(api).collect()
    assert items == list(range(20_000))
    assert max(sizes) <= pagination._RECENT_PAGES * pagination._MIN_PAGE
    # a shift onto the next page is still caught
    shifted = FakeAPI(total=2_000, size=25, drift=3)
    with pytest.warns(PaginationWarning, match="repeated"):
        again = await paginator(shifted).collect()
    assert sorted(again) == list(range(2_000))
