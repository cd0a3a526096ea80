"""What a notebook (or IPython) user sees of every result: short, bounded, never the default.

The sizes are checked on a 1,000-order sandbox lookup with failures at both ends (a bulk
result's attrs repr ran to megabytes). ``reader_view`` renders HTML to the text a reader
sees, one line per table row, paragraph or caption; tests/test_notebook.py uses it too.
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
import sys
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import anyio
import pytest
from IPython.lib.pretty import pretty

from xi_orders import (
    AsyncPaginator,
    BadRequestError,
    BulkLookup,
    NotFoundError,
    OrderOutcomeUnknown,
    PaginationError,
    ValidationError,
    XiError,
)
from xi_orders.bulk import BulkResults, _bar_wanted
from xi_orders.errors import ErrorDetail, ErrorField
from xi_orders.models import (
    CreatedOrder,
    ModifiedOrderLine,
    OrderCreateLine,
    OrderCreateRequest,
    OrderCreateResponse,
    OrderCreateV7Request,
    OrderDetail,
    OrderLine,
    OrderModifyLine,
    OrderModifyRequest,
    OrderModifyResponse,
    OrderSearchPage,
    OrderSummary,
    RejectedLine,
    ResultError,
)
from xi_orders.pagination import SearchResults
from xi_orders.sync import BlockingBulkLookup, OrdersClient, Paginator
from xi_orders.tabular import MAX_ROWS, to_dataframe, to_rows
from xi_orders.testing import Sandbox

#: What any one display may be, as a reader sees it.
MAX_LINES = 60
MAX_CHARS = 20_000

_BLOCKS = {"tr", "p", "caption", "div", "br", "li", "h1", "h2", "h3", "h4", "table"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = [""]
        self.cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS and self.lines[-1].strip():
            self.lines.append("")
        if tag in ("td", "th") and self.lines[-1].strip():
            self.lines[-1] += " | "
        if tag in ("td", "th"):
            self.cells += 1

    def handle_data(self, data: str) -> None:
        self.lines[-1] += data


def reader_view(html: str) -> list[str]:
    """The lines a reader sees of ``html`` (one per row, paragraph, caption)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return [line.strip() for line in reader.lines if line.strip()]


def assert_bounded(html: str) -> list[str]:
    lines = reader_view(html)
    assert len(lines) <= MAX_LINES, f"{len(lines)} lines: {lines[:3]}…"
    assert len(html) <= MAX_CHARS, f"{len(html):,} characters of HTML"
    return lines


def assert_short_text(text: str, max_lines: int = 25) -> None:
    assert " object at 0x" not in text, text
    assert text.count("\n") + 1 <= max_lines, text
    assert len(text) <= 4_000, f"{len(text):,} characters"


def displays(obj: Any) -> dict[str, Any]:
    """What Jupyter stores for ``obj``: IPython's formatters, as the kernel runs them."""
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.DisplayFormatter().format(obj)
    return dict(data)


# --- one 1,000-order sandbox lookup, shared ----------------------------------------------

FAILING_FIRST = "20-NOPE1"
FAILING_LAST = ["20-NOPE2", "20-NOPE3"]


class Big:
    sandbox: Sandbox
    numbers: list[str]
    results: BulkResults
    summaries: SearchResults[OrderSummary]
    page: OrderSearchPage


@pytest.fixture(scope="module")
def big() -> Big:
    found = Big()
    found.sandbox = Sandbox(seed=11, orders=1000)
    found.numbers = found.sandbox.order_numbers()

    async def run() -> None:
        async with found.sandbox.client() as client:
            found.results = await client.get_orders(
                [FAILING_FIRST, *found.numbers, *FAILING_LAST]
            ).collect()
            found.summaries = await client.search_orders().collect()
            pages = client.search_orders(page_size=100).pages()
            page = await anext(aiter(pages))
            await pages.aclose()
            assert isinstance(page, OrderSearchPage)
            found.page = page

    anyio.run(run)
    return found


# --- bulk results ------------------------------------------------------------------------


def test_bulk_results_stay_a_dict(big: Big) -> None:
    results = big.results
    assert isinstance(results, dict) and type(results) is BulkResults
    assert list(results) == [FAILING_FIRST, *big.numbers, *FAILING_LAST]
    plain = dict(results)
    assert results == plain and type(plain) is dict
    copy = pickle.loads(pickle.dumps(results))
    assert type(copy) is BulkResults and list(copy) == list(results)
    error = copy[FAILING_FIRST]
    assert isinstance(error, NotFoundError)
    assert error.correlation_id == results[FAILING_FIRST].correlation_id


def test_bulk_results_repr_is_one_short_line(big: Big) -> None:
    text = repr(big.results)
    assert "\n" not in text and len(text) < 300
    assert "1,003 orders looked up: 1,000 found, 3 failed (NotFoundError ×3)" in text  # noqa: RUF001
    assert text.startswith("<BulkResults:") and FAILING_FIRST in text


def test_bulk_results_text_display_lists_the_first_rows_and_the_failures(big: Big) -> None:
    text = displays(big.results)["text/plain"]
    assert_short_text(text)
    assert big.numbers[0] in text and big.numbers[500] not in text
    assert "… 993 more orders" in text
    for number in [FAILING_FIRST, *FAILING_LAST]:  # the late ones are listed too
        error = big.results[number]
        assert isinstance(error, NotFoundError) and error.correlation_id
        assert number in text and error.correlation_id in text


def test_bulk_results_html_is_a_bounded_table_with_the_failures_highlighted(big: Big) -> None:
    html = displays(big.results)["text/html"]
    lines = assert_bounded(html)
    assert lines[0] == "1,003 orders looked up: 1,000 found, 3 failed (NotFoundError ×3)"  # noqa: RUF001
    assert "<table>" in html and html.count("<tbody>") == 2  # the rows, the late failures
    assert html.count("<tr") - html.count("<thead>") <= MAX_ROWS
    for number in [FAILING_FIRST, *FAILING_LAST]:
        error = big.results[number]
        assert isinstance(error, XiError)
        row = next(line for line in lines if line.startswith(number))
        assert "NotFoundError: HTTP 404" in row and str(error.correlation_id) in row
    assert html.count("background:rgba(220,40,40") == 3  # each failure highlighted
    found = big.results[big.numbers[0]]
    assert isinstance(found, OrderDetail) and found.response is not None
    first = next(line for line in lines if line.startswith(big.numbers[0]))
    assert found.order_status and found.order_status in first
    assert f"{found.order_total:,.2f} {found.currency_code}" in first
    assert found.response.correlation_id in first
    assert any("more orders not shown" in line for line in lines)


def test_empty_and_all_failed_bulk_results() -> None:
    assert repr(BulkResults()) == "<BulkResults: 0 orders looked up: 0 found, 0 failed; >"
    assert reader_view(BulkResults()._repr_html_()) == [  # type: ignore[attr-defined]
        "0 orders looked up: 0 found, 0 failed"
    ]
    failed = BulkResults({"20-X": XiError("boom")})
    assert "1 failed (XiError ×1)" in repr(failed)  # noqa: RUF001
    assert "XiError: boom" in " ".join(reader_view(failed._repr_html_()))  # type: ignore[attr-defined]


# --- search results, pages -----------------------------------------------------------------


def test_search_results_stay_a_list_and_display_briefly(big: Big) -> None:
    results = big.summaries
    assert isinstance(results, list) and type(results) is SearchResults and len(results) == 1000
    assert results == list(results)
    text = repr(results)
    assert "\n" not in text and len(text) < 300 and text.startswith("<SearchResults: 1,000 orders")
    shown = displays(results)
    assert_short_text(shown["text/plain"])
    assert "… 990 more orders" in shown["text/plain"]
    lines = assert_bounded(shown["text/html"])
    assert lines[0].startswith("1,000 orders: ")
    assert any(results[0].ingram_order_number in line for line in lines)
    assert not any(str(results[MAX_ROWS].ingram_order_number) in line for line in lines)
    assert any("950 more orders not shown" in line for line in lines)


def test_a_full_page_shows_its_first_rows(big: Big) -> None:
    assert len(big.page.orders) == 100
    lines = assert_bounded(displays(big.page)["text/html"])
    assert lines[0] == "page 1 · 100 of 1000 orders"
    assert any("50 more rows not shown" in line for line in lines)


# --- models --------------------------------------------------------------------------------


def test_an_order_with_many_lines_is_bounded_and_omits_empty_facts() -> None:
    lines = [
        OrderLine(
            ingram_order_line_number=f"{i:03d}", ingram_part_number=f"P{i}", quantity_ordered=1
        )
        for i in range(300)
    ]
    order = OrderDetail(
        ingram_order_number="20-BIG01",
        ingram_order_date=dt.datetime(
            2024, 5, 1, 9, 5, 7, tzinfo=dt.timezone(dt.timedelta(hours=-7))
        ),
        order_total=Decimal("1234567.5"),
        currency_code="USD",
        lines=lines,
    )
    html = order._repr_html_()  # type: ignore[attr-defined]
    view = assert_bounded(html)
    assert view[0] == "Order 20-BIG01"
    assert "date | 2024-05-01 09:05 -07:00" in view  # no seconds, the offset on one line
    assert "white-space:nowrap" in html.split("2024-05-01 09:05 -07:00")[0].rsplit("<td", 1)[1]
    assert "total | 1,234,567.50 USD" in view
    assert "lines (300)" in view and any("250 more rows not shown" in v for v in view)
    assert not any(v.startswith(("customer PO", "notes", "ship to", "tracking")) for v in view)
    assert "None" not in html
    # columns empty in every line are left out
    assert "<th>tracking_numbers</th>" not in html and "<th>description</th>" not in html


def test_an_order_without_lines_says_so() -> None:
    view = reader_view(OrderDetail(ingram_order_number="20-X")._repr_html_())  # type: ignore[attr-defined]
    assert view == ["Order 20-X", "The answer has no lines (v6.1 sometimes leaves them out)."]
    assert reader_view(OrderDetail()._repr_html_()) == ["Order (no number)"]  # type: ignore[attr-defined]


def test_a_summary_shows_its_facts(big: Big) -> None:
    summary = big.summaries[0]
    view = assert_bounded(displays(summary)["text/html"])
    assert view[0] == f"Order {summary.ingram_order_number}"
    assert f"status | {summary.order_status}" in view


# --- errors --------------------------------------------------------------------------------


def _errors(big: Big) -> list[XiError]:
    not_found = big.results[FAILING_FIRST]
    assert isinstance(not_found, NotFoundError)
    bad = BadRequestError(
        status_code=400,
        api_message="Validation failed",
        details=[
            ErrorDetail(
                message="Validation failed",
                fields=(
                    ErrorField("lines[0].quantity", "must be positive", 0),
                    ErrorField("customerOrderNumber", "too long", "X" * 500),
                ),
            )
        ],
        correlation_id="cid-400",
        method="POST",
        url="https://api.example.test/resellers/v6/orders",
    )
    return [
        not_found,
        bad,
        ValidationError("page_size", "must be an integer from 1 to 100, got 0"),
        XiError("plain"),
        OrderOutcomeUnknown(
            "search unavailable",
            customer_order_number="PO-1",
            candidates=("20-A", "20-B"),
            create_correlation_ids=("c1", "c2"),
        ),
        PaginationError("the server repeated a page", received=200),
    ]


def test_every_error_shows_its_status_message_fields_and_correlation_id(big: Big) -> None:
    not_found, bad, invalid, plain, unknown, pagination = _errors(big)
    view = {type(e).__name__: assert_bounded(displays(e)["text/html"]) for e in _errors(big)}
    assert view["NotFoundError"][0] == "NotFoundError: HTTP 404: Order not found."
    assert "HTTP status | 404" in view["NotFoundError"]
    assert f"correlation ID | {not_found.correlation_id}" in view["NotFoundError"]
    assert any(v.startswith("request | GET https://") for v in view["NotFoundError"])
    bad_view = view["BadRequestError"]
    assert "correlation ID | cid-400" in bad_view and "API message | Validation failed" in bad_view
    assert "field problems" in bad_view
    assert "lines[0].quantity | must be positive | 0" in bad_view
    assert not any("X" * 100 in v for v in bad_view)  # a long value is cut
    assert "field | page_size" in view["ValidationError"]
    assert view["XiError"] == ["XiError: plain"]  # nothing empty shown
    assert "orders with this PO | 20-A, 20-B" in view["OrderOutcomeUnknown"]
    assert "create correlation IDs | c1, c2" in view["OrderOutcomeUnknown"]
    assert "records received | 200" in view["PaginationError"]
    for error in (not_found, bad, invalid, plain, unknown, pagination):
        assert_short_text(displays(error)["text/plain"], max_lines=5)


def test_error_html_escapes_what_the_server_sent() -> None:
    error = XiError("<script>alert(1)</script>")
    assert "<script>" not in error._repr_html_()  # type: ignore[attr-defined]


# --- paginators and bulk lookups, before they run --------------------------------------


def test_paginators_show_what_they_will_fetch(big: Big) -> None:
    async_client = big.sandbox.client()
    search = async_client.search_orders(
        order_statuses=["shipped", "on hold"],
        ingram_order_date_between=(dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
        vendor_name="Cisco",
        page_size=25,
        limit=60,
        prefetch=3,
    )
    assert isinstance(search, AsyncPaginator)
    sync = OrdersClient.wrap(big.sandbox.client())
    try:
        blocking = sync.search_orders(order_status="SHIPPED")
        assert isinstance(blocking, Paginator)
        for paginator, name in ((search, "AsyncPaginator"), (blocking, "Paginator")):
            text = repr(paginator)
            assert text.startswith(f"<{name}: order search") and "\n" not in text
            assert "not fetched" in text
            assert displays(paginator)["text/plain"] == text
        text = repr(search)
        assert "order_statuses=SHIPPED, ON HOLD" in text
        assert "ingram_order_date_between=2024-01-01 to 2024-01-31" in text
        assert "vendor_name=Cisco" in text and "page size 25" in text and "limit 60" in text
        view = assert_bounded(displays(search)["text/html"])
        assert "vendor_name | Cisco" in view and "prefetch | 3 pages at a time" in view
        assert "limit | 60 orders" in view
        assert "order_status=SHIPPED" in repr(blocking) and "limit none" in repr(blocking)
        everything = async_client.search_orders()
        assert "no filters: every order" in repr(everything)
        assert "No filters: every order." in reader_view(everything._repr_html_())  # type: ignore[attr-defined]
    finally:
        sync.close()


def test_a_paginator_given_its_query_shows_it() -> None:
    async def fetch(number: int) -> None:
        return None

    paginator: AsyncPaginator[Any] = AsyncPaginator(
        fetch, page_size=10, query=[("vendorName", "HP"), ("pageSize", "10")]
    )
    assert "vendor_name=HP" in repr(paginator) and "pageSize" not in repr(paginator)


def test_bulk_lookups_show_what_they_will_fetch(big: Big) -> None:
    lookup = big.sandbox.client().get_orders(big.numbers, concurrency=8, progress=True)
    assert isinstance(lookup, BulkLookup)
    text = repr(lookup)
    assert text.startswith("<BulkLookup: 1,000 orders (") and "concurrency 8" in text
    view = assert_bounded(displays(lookup)["text/html"])
    assert "concurrency | 8" in view and "progress bar | yes" in view
    sync = OrdersClient.wrap(big.sandbox.client())
    try:
        blocking = sync.get_orders(big.numbers[:3])
        assert isinstance(blocking, BlockingBulkLookup)
        assert repr(blocking) == (
            f"<BlockingBulkLookup: 3 orders ({', '.join(big.numbers[:3])}), concurrency 16; "
            "not started: collect() or iterate it>"
        )
        assert "BlockingBulkLookup" in blocking._repr_html_()  # type: ignore[attr-defined]
    finally:
        sync.close()


@pytest.fixture(scope="module")
def changes() -> dict[str, Any]:
    """What each changing call returned on the sandbox: create (v6, v7), modify, release,
    cancel."""
    sandbox = Sandbox(seed=5, orders=5)
    parts = sorted(sandbox.catalog)
    found: dict[str, Any] = {}

    def order(po: str) -> OrderCreateRequest:
        lines = [OrderCreateLine(customer_line_number="1", ingram_part_number=parts[0], quantity=2)]
        return OrderCreateRequest(customer_order_number=po, lines=lines, customer_hold=True)

    async def run() -> None:
        async with sandbox.client() as client:
            created = await client.create_order(order("PO-REPR-1"))
            (number,) = created.order_numbers
            change = OrderModifyLine(action="ADD", ingram_part_number=parts[1], quantity=1)
            found["modified"] = await client.modify_order(
                number, OrderModifyRequest(lines=[change])
            )
            found["released"] = await client.release_order(number)
            other = (await client.create_order(order("PO-REPR-2"))).order_numbers[0]
            found["cancelled"] = await client.cancel_order(other)
            v7 = OrderCreateV7Request(
                customer_order_number="PO-REPR-3",
                lines=[
                    OrderCreateLine(
                        customer_line_number="1", ingram_part_number=parts[0], quantity=1
                    )
                ],
            )
            found["v7"] = await client.create_order_v7(v7)
            found["created"] = created
            found["line"] = (await client.get_order(number)).lines[0]

    anyio.run(run)
    return found


def test_no_result_type_falls_back_to_the_default_repr(big: Big, changes: dict[str, Any]) -> None:
    client = big.sandbox.client()
    seen: list[Any] = [
        big.results,
        big.summaries,
        big.page,
        big.results[big.numbers[0]],
        big.summaries[0],
        big.results[big.numbers[0]].lines[0],
        *_errors(big),
        client.search_orders(),
        client.get_orders(big.numbers[:2]),
        *changes.values(),
    ]
    types = {type(obj).__name__ for obj in seen}
    assert {
        "OrderCreateResponse",
        "OrderCreateV7Confirmation",
        "OrderModifyResponse",
        "ResponseMeta",
        "OrderLine",
    } <= types
    for obj in seen:
        shown = displays(obj)
        assert "text/html" in shown, type(obj)
        assert " object at 0x" not in shown["text/plain"], type(obj)
        assert_bounded(shown["text/html"])
        assert_short_text(shown["text/plain"])
        assert shown["text/plain"] == pretty(obj)


def test_what_the_changing_calls_return_shows_what_happened(changes: dict[str, Any]) -> None:
    created = changes["created"]
    (number,) = created.order_numbers
    view = assert_bounded(displays(created)["text/html"])
    assert view[0] == "Create PO-REPR-1: accepted"
    assert (
        f"orders | {number}" in view
        and f"correlation ID | {created.response.correlation_id}" in view
    )
    assert pretty(created).startswith(f"OrderCreateResponse PO-REPR-1 orders={number} partial=no")

    modified = changes["modified"]
    view = assert_bounded(displays(modified)["text/html"])
    assert view[0].startswith(f"Order {number} changed")
    assert pretty(modified).startswith(f"OrderModifyResponse {number}")

    cancelled = changes["cancelled"]
    view = assert_bounded(displays(cancelled)["text/html"])
    assert view[0] == "HTTP 200 DELETE" or view[0].startswith("HTTP 2")
    assert f"correlation ID | {cancelled.correlation_id}" in view
    assert pretty(cancelled).startswith(f"ResponseMeta HTTP {cancelled.status_code} DELETE")

    v7 = changes["v7"]
    text = pretty(v7)
    assert text.startswith("OrderCreateV7Confirmation") and "partial=no" in text
    assert v7.confirmation_number is None or v7.confirmation_number in text

    line = changes["line"]
    view = assert_bounded(displays(line)["text/html"])
    assert view[0] == f"Line {line.ingram_order_line_number}"
    assert f"part | {line.ingram_part_number}" in view
    assert pretty(line).startswith(f"OrderLine {line.ingram_order_line_number}")


def test_plain_text_stays_short_for_large_results(big: Big) -> None:
    """IPython's text display (a terminal, a notebook's text/plain) of a 100-order page,
    a 300-line order, 200 bulk results and changes with hundreds of problems: a few
    lines each, where the attrs repr ran to ~90 KB for the page."""
    assert len(big.page.orders) == 100 and len(repr(big.page)) > 50_000  # what it replaces
    order = OrderDetail(
        ingram_order_number="20-BIG01",
        order_status="SHIPPED",
        order_total=Decimal("1234.56"),
        currency_code="USD",
        lines=[
            OrderLine(
                ingram_order_line_number=f"{i:03d}", ingram_part_number=f"P{i}", quantity_ordered=1
            )
            for i in range(50)
        ],
    )
    bulk = BulkResults({n: big.results[n] for n in list(big.results)[:200]})
    rejected = [
        RejectedLine(ingram_part_number=f"P{i}", reject_reason="SKU-NOTFOUND " * 20)
        for i in range(300)
    ]
    errors = [ResultError(type="x", message="bad " * 200) for _ in range(300)]
    created = OrderCreateResponse(
        customer_order_number="PO-" + "9" * 500,
        orders=[
            CreatedOrder(ingram_order_number=f"20-{i:05d}", rejected_line_items=rejected)
            for i in range(100)
        ],
        errors=errors,
    )
    modified = OrderModifyResponse(
        ingram_order_number="20-MOD01",
        lines=[ModifiedOrderLine(ingram_line_number=str(i)) for i in range(300)],
        rejected_line_items=rejected,
        errors=errors,
    )
    for obj in (big.page, order, bulk, created, modified, order.lines[0]):
        text = pretty(obj)
        assert_short_text(text, max_lines=16)
        assert len(text) <= 2_500, (type(obj).__name__, len(text))
        shown = displays(obj)
        assert shown["text/plain"] == text
        assert_bounded(shown["text/html"])
    assert pretty(order).splitlines()[0] == (
        "OrderDetail 20-BIG01 status=SHIPPED total=1,234.56 USD lines=50"
    )
    assert pretty(order).splitlines()[-1] == "  … 45 more lines"
    assert pretty(big.page).splitlines()[-1] == "  … 90 more orders"
    assert pretty(bulk).startswith("BulkResults: 200 orders looked up")
    assert "rejected (30,000):" in pretty(created) and "errors (300):" in pretty(created)


# --- DataFrames ------------------------------------------------------------------------


def test_dataframe_dtypes_do_not_depend_on_failures(big: Big) -> None:
    pandas = pytest.importorskip("pandas")
    with_failures = to_dataframe(big.results)
    found_only = to_dataframe({n: big.results[n] for n in big.numbers[:20]})
    failures_only = to_dataframe({n: big.results[n] for n in [FAILING_FIRST, *FAILING_LAST]})
    empty = to_dataframe(BulkResults())
    assert isinstance(with_failures, pandas.DataFrame)
    assert list(with_failures.columns)[-3:] == ["error", "status_code", "correlation_id"]
    for frame in (found_only, failures_only, empty):
        assert frame.dtypes.to_dict() == with_failures.dtypes.to_dict()
    assert str(with_failures["lines"].dtype) == "Int64"
    assert str(with_failures["status_code"].dtype) == "Int64"
    assert with_failures["order_total"].dtype == "float64"
    assert isinstance(with_failures["ingram_order_date"].dtype, pandas.DatetimeTZDtype)
    failed = with_failures[with_failures["error"].notna()]
    assert list(failed["ingram_order_number"]) == [FAILING_FIRST, *FAILING_LAST]
    assert set(failed["status_code"]) == {404}
    assert failed["error"].str.startswith("NotFoundError: HTTP 404").all()
    assert with_failures["correlation_id"].notna().all()  # found orders carry theirs too
    assert with_failures["error"].isna().sum() == 1000
    first = big.results[big.numbers[0]]
    assert isinstance(first, OrderDetail) and first.ingram_order_date is not None
    assert with_failures.loc[1, "ingram_order_date"] == pandas.Timestamp(first.ingram_order_date)
    assert with_failures.loc[1, "lines"] == len(first.lines)


def test_rows_of_a_lookup_all_have_the_same_keys(big: Big) -> None:
    rows = to_rows(big.results)
    assert len({tuple(row) for row in rows}) == 1


# --- progress --------------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_only_where_someone_watches() -> None:
    assert not _bar_wanted(io.StringIO())  # piped, redirected
    assert _bar_wanted(_Tty())  # a terminal
    kernel_stream = type("OutStream", (io.StringIO,), {"__module__": "ipykernel.iostream"})
    assert _bar_wanted(kernel_stream())  # a Jupyter kernel's stderr is no tty, yet shown


@pytest.fixture
def small() -> Iterator[Sandbox]:
    yield Sandbox(seed=3, orders=12)


@pytest.mark.parametrize("tty", [False, True])
def test_progress_true_draws_nothing_when_piped(
    small: Sandbox, tty: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = _Tty() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)

    async def run() -> BulkResults:
        async with small.client() as client:
            return await client.get_orders(small.order_numbers(), progress=True).collect()

    results = anyio.run(run)
    assert len(results) == 12
    if tty:
        assert "12/12" in stream.getvalue()
    else:
        assert stream.getvalue() == ""
