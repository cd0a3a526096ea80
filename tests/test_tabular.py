"""Flat rows, DataFrames and notebook HTML of orders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xi_orders import NotFoundError, XiError
from xi_orders.models import OrderDetail, OrderSearchPage
from xi_orders.tabular import lines_to_rows, to_dataframe, to_rows
from xi_orders.testing import FakeClock, Sandbox


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(seed=41, orders=12, clock=FakeClock())


@pytest.mark.asyncio
async def test_rows_from_summaries_details_and_failures(sandbox: Sandbox) -> None:
    async with sandbox.client() as client:
        summaries = await client.search_orders().collect()
        details = await client.get_orders([*sandbox.order_numbers()[:3], "20-NOPE1"]).collect()
    rows = to_rows(summaries)
    assert [r["ingram_order_number"] for r in rows] == sandbox.order_numbers()
    assert all(isinstance(r["order_total"], Decimal) for r in rows)
    detail_rows = to_rows(details)
    assert [r["ingram_order_number"] for r in detail_rows] == [
        *sandbox.order_numbers()[:3],
        "20-NOPE1",
    ]
    first = details[sandbox.order_numbers()[0]]
    assert isinstance(first, OrderDetail)
    assert detail_rows[0]["lines"] == len(first.lines)
    failure = detail_rows[3]
    assert isinstance(details["20-NOPE1"], NotFoundError)
    assert (
        failure["status_code"] == 404
        and failure["correlation_id"] == details["20-NOPE1"].correlation_id
    )
    lines = lines_to_rows(first)
    assert [r["ingram_part_number"] for r in lines] == [ln.ingram_part_number for ln in first.lines]


@pytest.mark.asyncio
async def test_dataframe(sandbox: Sandbox) -> None:
    pandas = pytest.importorskip("pandas")
    async with sandbox.client() as client:
        details = await client.get_orders(sandbox.order_numbers()).collect()
    frame = to_dataframe(details)
    assert isinstance(frame, pandas.DataFrame)
    assert len(frame) == 12
    expected = sum(
        float(d.order_total or 0) for d in details.values() if not isinstance(d, XiError)
    )
    assert frame["order_total"].sum() == pytest.approx(expected)


@pytest.mark.asyncio
async def test_notebook_html_of_an_order_and_a_page(sandbox: Sandbox) -> None:
    async with sandbox.client() as client:
        number = sandbox.order_numbers()[0]
        order = await client.get_order(number)
        page = await anext(aiter(client.search_orders(page_size=5).pages()))
    assert isinstance(page, OrderSearchPage)
    order_html = order._repr_html_()
    assert f"Order {number}" in order_html
    assert order_html.count("<tr>") >= len(order.lines) + 1
    assert all((ln.ingram_part_number or "") in order_html for ln in order.lines)
    page_html = page._repr_html_()
    assert "page 1 · 5 of 12 orders" in page_html
    assert all(o.ingram_order_number in page_html for o in page.orders if o.ingram_order_number)


def test_html_escapes_what_the_server_sent() -> None:
    order = OrderDetail(ingram_order_number="20-<b>X</b>", notes="x")
    assert "<b>X</b>" not in order._repr_html_()
    assert "20-&lt;b&gt;X&lt;/b&gt;" in order._repr_html_()
