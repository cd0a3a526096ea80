"""Two rules of the served sandbox, over a real socket:

* get-order's ``ingramOrderDate`` is the order's creation day **in UTC** (the spec: "the
  date and time in UTC format that the order was created"), not the calendar day of the
  ``-07:00`` time the detail shows;
* a release (``PUT ...?actionCode=release``) takes no body: none, ``{}`` or ``null`` (what
  clients generated from the spec send) releases; anything else is a 400 naming the body,
  and the order stays on hold (nothing is silently dropped).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from xi_orders.testing import Sandbox


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, httpx.Client]]:
    box = Sandbox(11, 100)
    with box.serve() as url, httpx.Client(base_url=url, timeout=30) as http:
        yield box, http


def _days(stamp: str) -> tuple[str, str]:
    """(UTC day, the day the stamp shows) of an ``ingramOrderDate``."""
    moment = dt.datetime.fromisoformat(stamp)
    return moment.astimezone(dt.timezone.utc).date().isoformat(), stamp[:10]


def test_every_order_is_found_by_its_utc_day_and_not_by_another(
    served: tuple[Sandbox, httpx.Client],
) -> None:
    box, http = served
    headers = box.headers()
    differ = 0
    for number in box.order_numbers():
        utc, shown = _days(box.order(number)["ingramOrderDate"])
        path = f"/resellers/v6.1/orders/{number}"
        r = http.get(path, params={"ingramOrderDate": utc}, headers=headers)
        assert r.status_code == 200, (number, utc, r.text)
        assert r.json()["ingramOrderNumber"] == number
        if shown != utc:  # created in the evening, Pacific time: the next day in UTC
            differ += 1
            r = http.get(path, params={"ingramOrderDate": shown}, headers=headers)
            assert r.status_code == 404, (number, shown)
    # the case of the issue: about 7 hours of every 24 fall on another day
    assert 15 <= differ <= 45, differ


def test_the_client_finds_orders_by_their_utc_date(served: tuple[Sandbox, httpx.Client]) -> None:
    box, http = served
    url = str(http.base_url).rstrip("/")
    numbers = box.order_numbers()
    evening = [n for n in numbers if len(set(_days(box.order(n)["ingramOrderDate"]))) == 2]
    assert evening

    async def main() -> None:
        async with box.client(base_url=url, transport=None) as client:
            for number in evening[:5]:
                utc, _ = _days(box.order(number)["ingramOrderDate"])
                order = await client.get_order(number, order_date=dt.date.fromisoformat(utc))
                assert order.ingram_order_number == number

    anyio.run(main)


def test_the_client_turns_an_order_datetime_into_its_utc_day(
    served: tuple[Sandbox, httpx.Client],
) -> None:
    """``get_order(n, order_date=order.ingram_order_date)``: the datetime the API sent
    back (with its offset) finds the order again."""
    box, http = served
    url = str(http.base_url).rstrip("/")
    evening = [
        n for n in box.order_numbers() if len(set(_days(box.order(n)["ingramOrderDate"]))) == 2
    ]

    async def main() -> None:
        async with box.client(base_url=url, transport=None) as client:
            for number in evening[:3]:
                first = await client.get_order(number)
                assert first.ingram_order_date is not None
                again = await client.get_order(number, order_date=first.ingram_order_date)
                assert again.ingram_order_number == number

    anyio.run(main)


# ---------------------------------------------------------------------------- release


def _held(http: httpx.Client, box: Sandbox) -> str:
    """A new order on customer hold (so it can be released)."""
    part = next(p for p, item in box.catalog.items() if item.in_stock)
    body = {
        "customerOrderNumber": f"REL-{len(box.request_log)}",
        "lines": [{"customerLineNumber": "001", "ingramPartNumber": part, "quantity": 1}],
        "additionalAttributes": [
            {"attributeName": "allowOrderOnCustomerHold", "attributeValue": "true"}
        ],
    }
    r = http.post("/resellers/v6/orders", json=body, headers=box.headers())
    assert r.status_code == 201, r.text
    number: str = r.json()["orders"][0]["ingramOrderNumber"]
    assert box.order(number)["orderStatus"] == "On Hold"
    return number


def _release(http: httpx.Client, box: Sandbox, number: str, **body: Any) -> httpx.Response:
    return http.put(
        f"/resellers/v6/orders/{number}",
        params={"actionCode": "release"},
        headers={**box.headers(), **({"Content-Type": "application/json"} if body else {})},
        **body,
    )


def test_a_release_with_changes_is_a_400_naming_the_body_and_releases_nothing(
    served: tuple[Sandbox, httpx.Client],
) -> None:
    box, http = served
    number = _held(http, box)
    notes = box.order(number).get("notes")
    r = _release(http, box, number, json={"notes": "ship it fast", "lines": []})
    assert r.status_code == 400, r.text
    (field,) = r.json()["errors"][0]["fields"]
    assert field["field"] == "body"
    assert json.loads(field["value"]) == {"notes": "ship it fast", "lines": []}
    assert "takes no body, got keys lines, notes" in field["message"]
    assert box.order(number)["orderStatus"] == "On Hold"  # not released
    assert box.order(number).get("notes") == notes  # and not changed
    r = _release(http, box, number, content=b"not json")
    assert r.status_code == 400 and r.json()["errors"][0]["fields"][0]["value"] == "not json"
    assert box.order(number)["orderStatus"] == "On Hold"
    # without the body, the same order releases
    assert _release(http, box, number).status_code == 200
    assert box.order(number)["orderStatus"] != "On Hold"


@pytest.mark.parametrize("body", [{}, {"content": b""}, {"json": {}}, {"content": b"null"}])
def test_a_release_without_changes_releases(
    served: tuple[Sandbox, httpx.Client], body: dict[str, Any]
) -> None:
    box, http = served
    number = _held(http, box)
    r = _release(http, box, number, **body)
    assert r.status_code == 200, r.text
    assert r.content == b"null"
    assert box.order(number)["orderStatus"] != "On Hold"
