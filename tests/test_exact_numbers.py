"""Money sent as a long JSON number keeps every digit (issue 22, item 7).

``"orderTotal": 1234567890123456.78`` was parsed to a float first and decoded to
``Decimal('1234567890123456.8')``. Bodies are now parsed with ``parse_float=Decimal``: the
number's own text becomes the ``Decimal``. At the wire: a scripted server on a real socket
sends the bytes.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.wire_support import scripted_api
from xi_orders import BadRequestError
from xi_orders._convert import unstructure

LONG = "1234567890123456.78"


@pytest.mark.anyio
async def test_a_long_json_number_decodes_exactly() -> None:
    body = (
        '{"ingramOrderNumber": "20-RD3QV", "orderTotal": ' + LONG + ', "orderSubTotal": 0.10, '
        '"freightCharges": 1e2, "lines": [{"ingramOrderLineNumber": "001", '
        '"unitPrice": 99999999999999.99, "quantityOrdered": 3, "futureField": 0.30}]}'
    )
    with scripted_api() as api:
        api.answer(200, body)
        async with api.client() as client:
            order = await client.get_order("20-RD3QV")
    assert order.order_total == Decimal(LONG)
    assert str(order.order_total) == LONG
    assert order.order_sub_total == Decimal("0.10")
    assert order.lines[0].unit_price == Decimal("99999999999999.99")
    assert order.lines[0].quantity_ordered == 3
    # an unknown key keeps its number, and writes back as JSON-ready data
    assert order.lines[0].extras["futureField"] == Decimal("0.30")
    written = unstructure(order)
    assert written["lines"][0]["futureField"] == 0.3
    assert written["orderSubTotal"] == 0.1


@pytest.mark.anyio
async def test_a_long_json_number_in_a_search_page_decodes_exactly() -> None:
    body = (
        '{"recordsFound": 1, "pageSize": 25, "pageNumber": 1, "orders": ['
        '{"ingramOrderNumber": "20-RD3QV", "orderTotal": ' + LONG + "}]}"
    )
    with scripted_api() as api:
        api.answer(200, body)
        async with api.client() as client:
            orders = await client.search_orders().collect()
    assert [o.order_total for o in orders] == [Decimal(LONG)]


@pytest.mark.anyio
async def test_an_error_body_with_numbers_still_parses() -> None:
    body = (
        '{"errors": [{"id": 4.50, "message": "bad total", '
        '"fields": [{"field": "x", "value": 1.5}]}]}'
    )
    with scripted_api() as api:
        api.answer(400, body)
        async with api.client() as client:
            with pytest.raises(BadRequestError) as caught:
                await client.get_order("20-RD3QV")
    assert "bad total" in str(caught.value)
    assert caught.value.details[0].id == "4.50"
    assert caught.value.details[0].fields[0].value == Decimal("1.5")
