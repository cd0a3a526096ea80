"""No ``ExceptionGroup`` leaves the paginator's prefetch or a bulk lookup's block.

The README promises ``XiError`` (and a caller's own exceptions as raised); Python 3.10 has
no ``except*``. A prefetched page that fails comes out as itself (the pages failing with it
as its notes); a caller's exception raised inside ``async with client.get_orders(...)``
comes out unwrapped. On asyncio and trio; the command line over a served sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import anyio
import pytest

from tests.wire_support import sandbox_cli
from xi_orders import InternalServerError, RetryPolicy, XiError
from xi_orders.pagination import AsyncPaginator
from xi_orders.testing import Faults, Sandbox


class _Page:
    def __init__(self, number: int, size: int, total: int) -> None:
        self.orders = [f"order-{(number - 1) * size + i}" for i in range(size)]
        self.records_found = total
        self.page_size = size
        self.page_number = number


class PageFailed(XiError):
    """A typed failure of one page."""


@pytest.mark.anyio
@pytest.mark.parametrize("failing", [{3}, {2, 3, 4}])
async def test_prefetched_pages_that_fail_raise_the_failure_itself(failing: set[int]) -> None:
    async def fetch(number: int) -> _Page:
        if number in failing:
            # shielded: each failing page fails, in page order, whatever fails first
            with anyio.CancelScope(shield=True):
                await anyio.sleep(0.01 * number)
            raise PageFailed(f"page {number} failed")
        return _Page(number, 10, 60)

    paginator = AsyncPaginator(fetch, page_size=10, prefetch=4)
    with pytest.raises(PageFailed) as caught:
        await paginator.collect()
    assert str(caught.value) == f"page {min(failing)} failed"
    notes = getattr(caught.value, "__notes__", [])
    assert len(notes) == len(failing) - 1
    assert all("PageFailed" in note for note in notes)


@pytest.mark.anyio
async def test_search_with_prefetch_over_the_client_raises_server_error() -> None:
    box = Sandbox(7, 120, faults=Faults(slow_seconds=0.0))
    box.inject("slow", endpoint="search_orders")  # page 1: answered (after no delay)
    box.inject("server_error", times=1000, endpoint="search_orders")  # every page after it
    async with box.client(retry=RetryPolicy.disabled()) as client:
        with pytest.raises(InternalServerError) as caught:
            await client.search_orders(page_size=10, prefetch=4).collect()
    assert caught.value.status_code == 500
    assert caught.value.correlation_id


class MyDbError(Exception):
    """The caller's own failure, raised while handling a result."""


@pytest.mark.anyio
async def test_callers_own_exception_leaves_the_bulk_block_unwrapped() -> None:
    box = Sandbox(7, 40)
    numbers = box.order_numbers()[:20]
    async with box.client() as client:
        with pytest.raises(MyDbError, match="disk full") as caught:
            async with client.get_orders(numbers, concurrency=4) as results:
                async for _number, _result in results:
                    raise MyDbError("disk full")
    assert not hasattr(caught.value, "exceptions")


@pytest.mark.anyio
async def test_progress_callback_error_leaves_rounds_unwrapped() -> None:
    box = Sandbox(7, 40)
    numbers = box.order_numbers()[:6]

    def on_progress(_: object) -> None:
        raise MyDbError("progress sink broke")

    async with box.client() as client:
        with pytest.raises(MyDbError, match="progress sink broke"):
            async for _ in client.get_orders(numbers, concurrency=3, on_progress=on_progress):
                pass


# --- the command line -----------------------------------------------------------------


@pytest.fixture
def failing_pages() -> Iterator[tuple[Sandbox, str]]:
    box = Sandbox(7, 120, faults=Faults(slow_seconds=0.0))
    with box.serve() as url:
        yield box, url


def test_cli_search_prefetch_json_prints_one_json_error(
    failing_pages: tuple[Sandbox, str],
) -> None:
    box, url = failing_pages
    box.inject("slow", endpoint="search_orders")  # page 1 answers
    box.inject("server_error", times=1000, endpoint="search_orders")
    out = sandbox_cli(box, url, "search", "--page-size", "10", "--prefetch", "4", "--json")
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    error = json.loads(lines[0])
    assert error["status_code"] == 500, error
    assert error["error_type"] == "InternalServerError"
