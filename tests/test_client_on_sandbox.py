"""The public client against the sandbox: the API's rules as a user meets them, typed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xi_orders import (
    APIStatusError,
    BadRequestError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ValidationError,
)
from xi_orders.models import (
    OrderCreateLine,
    OrderCreateRequest,
    OrderCreateV7Request,
    OrderModifyLine,
    OrderModifyRequest,
)
from xi_orders.testing import FakeClock, Sandbox


def order(sandbox: Sandbox, po: str, *parts: str, **options: bool) -> OrderCreateRequest:
    parts = parts or (next(iter(sandbox.catalog)),)
    return OrderCreateRequest(
        customer_order_number=po,
        lines=[
            OrderCreateLine(customer_line_number=f"{i:03d}", ingram_part_number=p, quantity=i)
            for i, p in enumerate(parts, start=1)
        ],
        **options,
    )


@pytest.mark.anyio
async def test_hold_modify_release_then_no_more_changes() -> None:
    sandbox = Sandbox(seed=21, orders=10, clock=FakeClock())
    first, second = list(sandbox.catalog)[:2]
    async with sandbox.client() as client:
        created = await client.create_order(order(sandbox, "PO-HOLD-1", first, customer_hold=True))
        number = created.orders[0].ingram_order_number
        assert number is not None and number.startswith("20-") and len(number) == 8
        assert created.response is not None and created.response.status_code == 201
        assert (await client.get_order(number)).order_status == "On Hold"

        changed = await client.modify_order(
            number,
            OrderModifyRequest(
                lines=[
                    OrderModifyLine(
                        customer_line_number="002",
                        ingram_part_number=second,
                        action="ADD",
                        quantity=3,
                    )
                ]
            ),
        )
        assert not changed.is_partial
        detail = await client.get_order(number)
        assert sorted(
            (ln.ingram_part_number, ln.quantity_ordered) for ln in detail.lines
        ) == sorted([(first, 1), (second, 3)])

        await client.release_order(number)
        assert (await client.get_order(number)).order_status != "On Hold"
        with pytest.raises(BadRequestError) as caught:
            await client.modify_order(number, OrderModifyRequest(notes="too late"))
        assert caught.value.correlation_id and caught.value.fields
        with pytest.raises(APIStatusError) as cancelled:
            await client.cancel_order(number)
        assert cancelled.value.status_code == 405


@pytest.mark.anyio
async def test_orders_without_hold_cannot_be_modified_or_cancelled() -> None:
    sandbox = Sandbox(seed=22, orders=5, clock=FakeClock())
    async with sandbox.client() as client:
        created = await client.create_order(order(sandbox, "PO-NOHOLD"))
        number = created.orders[0].ingram_order_number or ""
        with pytest.raises(BadRequestError):
            await client.modify_order(number, OrderModifyRequest(notes="x"))
        with pytest.raises(APIStatusError):
            await client.cancel_order(number)


@pytest.mark.anyio
async def test_the_24_hour_window() -> None:
    clock = FakeClock()
    sandbox = Sandbox(seed=23, orders=5, clock=clock)
    async with sandbox.client() as client:
        number = (
            await client.create_order(order(sandbox, "PO-WINDOW", customer_hold=True))
        ).orders[0].ingram_order_number or ""
        clock.advance(23 * 3600)
        await client.modify_order(number, OrderModifyRequest(notes="in time"))
        clock.advance(2 * 3600)  # 25 h after creation; the sandbox's token expired too
        with pytest.raises(BadRequestError):
            await client.modify_order(number, OrderModifyRequest(notes="too late"))
        assert (await client.get_order(number)).order_status == "Canceled"  # voided
    assert sandbox.counters.tokens_issued == 2  # the expired token was refreshed transparently


@pytest.mark.anyio
async def test_cancel_a_held_order() -> None:
    sandbox = Sandbox(seed=24, orders=5, clock=FakeClock())
    async with sandbox.client() as client:
        number = (
            await client.create_order(order(sandbox, "PO-CANCEL", customer_hold=True))
        ).orders[0].ingram_order_number or ""
        meta = await client.cancel_order(number)
        assert meta.status_code == 200 and len(meta.correlation_id) == 32
        assert (await client.get_order(number)).order_status == "Canceled"


@pytest.mark.anyio
async def test_unknown_parts_give_a_partial_success() -> None:
    sandbox = Sandbox(seed=25, orders=5, clock=FakeClock())
    known = next(iter(sandbox.catalog))
    async with sandbox.client() as client:
        result = await client.create_order(order(sandbox, "PO-207", known, "ZZ9999"))
    assert result.response is not None and result.response.status_code == 207
    assert result.is_partial
    assert [r.ingram_part_number for r in result.rejected_lines] == ["ZZ9999"]
    assert sandbox.counters.orders_created == 1


@pytest.mark.anyio
async def test_duplicate_customer_po_is_rejected_unless_allowed() -> None:
    sandbox = Sandbox(seed=26, orders=5, clock=FakeClock())
    other_part = sorted(sandbox.catalog)[-1]
    async with sandbox.client() as client:
        first = await client.create_order(order(sandbox, "PO-DUP"))
        # Another order with the PO: refused, with the order holding it.
        with pytest.raises(BadRequestError) as caught:
            await client.create_order(order(sandbox, "PO-DUP", other_part))
        assert any(f.field == "customerOrderNumber" for f in caught.value.fields)
        assert caught.value.existing_order_numbers == tuple(first.order_numbers)
        # The same request again: refused by the API too, and the order holding the PO is
        # this request's, so it is the answer (issue 22: a resend after a cut create).
        same = await client.create_order(order(sandbox, "PO-DUP"))
        assert same.reconciliation is not None
        assert same.reconciliation.outcome == "already_placed"
        assert same.order_numbers == first.order_numbers
        again = await client.create_order(
            order(sandbox, "PO-DUP", allow_duplicate_customer_order_number=True)
        )
        assert again.orders[0].ingram_order_number
    assert sandbox.counters.orders_created == 2


@pytest.mark.anyio
async def test_v7_confirmation_then_the_order_is_searchable() -> None:
    sandbox = Sandbox(seed=27, orders=5, clock=FakeClock())
    part = next(iter(sandbox.catalog))
    async with sandbox.client() as client:
        confirmation = await client.create_order_v7(
            OrderCreateV7Request(
                customer_order_number="PO-V7-1",
                lines=[OrderCreateLine(ingram_part_number=part, quantity=2)],
            )
        )
        assert confirmation.confirmation_number
        found = await client.search_orders(customer_order_number="PO-V7-1").collect()
    assert len(found) == 1 and found[0].ingram_order_number
    assert len(sandbox.webhook_events) >= 1


@pytest.mark.anyio
async def test_search_filters_really_filter() -> None:
    sandbox = Sandbox(seed=28, orders=300, clock=FakeClock())
    async with sandbox.client() as client:
        everything = await client.search_orders().collect()
        start, end = dt.date(2024, 3, 1), dt.date(2024, 4, 30)
        in_range = await client.search_orders(ingram_order_date_between=(start, end)).collect()
        vendor = everything[0].vendor_name or ""
        by_vendor = await client.search_orders(vendor_name=vendor).collect()
        none = await client.search_orders(customer_order_number="NO-SUCH-PO").collect()
        # The vendor filter matches any line's vendor: check against the full details.
        details = await client.get_orders(
            [o.ingram_order_number or "" for o in by_vendor]
        ).collect()
    assert len(everything) == 300
    assert 0 < len(in_range) < 300
    assert all(o.ingram_order_date and start <= o.ingram_order_date.date() <= end for o in in_range)
    assert 0 < len(by_vendor) < 300
    assert all(
        any(line.vendor_name == vendor for line in detail.lines)  # type: ignore[union-attr]
        for detail in details.values()
    )
    assert none == []  # a 204
    assert all(isinstance(o.order_total, Decimal) for o in everything)


@pytest.mark.anyio
async def test_revoked_token_is_replaced_without_the_caller_noticing() -> None:
    sandbox = Sandbox(seed=29, orders=5)
    number = sandbox.order_numbers()[0]
    async with sandbox.client() as client:
        await client.get_order(number)
        sandbox.revoke_tokens()
        assert (await client.get_order(number)).ingram_order_number == number
    assert sandbox.counters.tokens_issued == 2
    assert sandbox.counters.responses[("get_order", 401)] == 1


@pytest.mark.anyio
async def test_server_side_rate_limit_is_a_typed_error_when_retries_are_off() -> None:
    # A fake clock: the sandbox's window cannot roll over during the test.
    sandbox = Sandbox(seed=30, orders=5, rate_limit=2, rate_limit_window=30, clock=FakeClock())
    numbers = sandbox.order_numbers()
    # The client is told no limit, so the sandbox's 429 is what stops it.
    async with sandbox.client(rate_limit=None, retry=RetryPolicy.disabled()) as client:
        await client.get_order(numbers[0])
        await client.get_order(numbers[1])
        with pytest.raises(RateLimitError) as caught:
            await client.get_order(numbers[2])
    assert caught.value.retry_after is not None
    assert caught.value.correlation_id


@pytest.mark.anyio
async def test_bad_input_never_reaches_the_sandbox() -> None:
    sandbox = Sandbox(seed=31, orders=5)
    async with sandbox.client() as client:
        with pytest.raises(ValidationError):
            await client.get_order("20-RD3QV", correlation_id="x" * 36)
        with pytest.raises(ValidationError):
            client.search_orders(vendor_name="V" * 36)
        with pytest.raises(NotFoundError):
            await client.get_order("20-ZZZZZ")
    assert sandbox.counters.requests["get_order"] == 1
    assert sandbox.counters.requests["search_orders"] == 0
