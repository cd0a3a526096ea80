"""Every Orders operation of Ingram Micro's official Python SDK (``xi-sdk-resellers``,
a dev dependency) against a served sandbox, each answer decoded by the SDK's own models.

The SDK is a client nobody here wrote: generated from the spec's schemas, with strict
pydantic types (an ``int`` field refuses ``"123"``, a list refuses a lone object). What it
decodes is what a Java or Node service generated from the same spec decodes too.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple


class Call(NamedTuple):
    """One SDK call: the operation, what was asked, and the error (None: decoded)."""

    operation: str
    what: str
    error: str | None


def run_every_orders_operation(
    url: str,
    *,
    client_id: str,
    client_secret: str,
    customer_number: str,
    country_code: str,
    order_numbers: Sequence[str],
    held_numbers: Sequence[str],
    parts: Sequence[str],
) -> list[Call]:
    """Call every Orders operation of the official SDK at ``url`` (``order_numbers`` to
    look up, ``held_numbers`` to modify and cancel, in-stock ``parts`` to order)."""
    from xi.sdk.resellers import ApiClient, Configuration
    from xi.sdk.resellers.api.accesstoken_api import AccesstokenApi
    from xi.sdk.resellers.api.orders_api import OrdersApi
    from xi.sdk.resellers.models.order_create_request import OrderCreateRequest
    from xi.sdk.resellers.models.order_create_v7_request import OrderCreateV7Request
    from xi.sdk.resellers.models.order_modify_request import OrderModifyRequest

    calls: list[Call] = []
    ids = (f"sdk-{n:04d}" for n in itertools.count())

    def attempt(operation: str, what: str, call: Callable[[], Any]) -> Any:
        try:
            result = call()
        except Exception as exc:  # the SDK's ApiException, pydantic's ValidationError...
            calls.append(Call(operation, what, f"{type(exc).__name__}: {str(exc)[:300]}"))
            return None
        calls.append(Call(operation, what, None))
        return result

    config = Configuration(host=url)
    api_client = ApiClient(config)
    token = attempt(
        "get_accesstoken",
        "client_credentials",
        lambda: AccesstokenApi(api_client).get_accesstoken(
            "client_credentials", client_id, client_secret
        ),
    )
    if token is None:
        return calls
    config.access_token = token.access_token
    orders = OrdersApi(api_client)
    head = {"im_customer_number": customer_number, "im_country_code": country_code}

    # details: every seeded order given, then by their UTC creation day (the query's
    # ingramOrderDate), then each sandbox-only simulated status
    details = [
        attempt(
            "get_orderdetails_v6_1",
            number,
            lambda n=number: orders.get_orderdetails_v6_1(n, im_correlation_id=next(ids), **head),
        )
        for number in order_numbers
    ]
    evening = []  # created late in the (Pacific) day: the next day in UTC
    for detail in details:
        if detail is not None and detail.ingram_order_date:
            created = dt.datetime.fromisoformat(detail.ingram_order_date)
            utc_day = created.astimezone(dt.timezone.utc).date()
            if utc_day != created.date():
                evening.append((detail.ingram_order_number, utc_day))
    for number, day in evening[:3]:
        attempt(
            "get_orderdetails_v6_1",
            f"{number} ingram_order_date={day}",
            lambda n=number, d=day: orders.get_orderdetails_v6_1(
                n, im_correlation_id=next(ids), ingram_order_date=d, **head
            ),
        )
    for status in ("IM::SHIPPED", "IM::PARTIALLY_SHIPPED", "IM::HOLD", "IM::INVOICED"):
        attempt(
            "get_orderdetails_v6_1",
            f"{order_numbers[0]} simulate_status={status}",
            lambda s=status: orders.get_orderdetails_v6_1(
                order_numbers[0], im_correlation_id=next(ids), simulate_status=s, **head
            ),
        )

    # search: pages, sizes and filters
    searches: list[dict[str, Any]] = [
        {},
        {"page_size": 100},
        {"page_size": 10, "page_number": 2},
        {"page_size": 7, "page_number": 3},
        {"order_status": "SHIPPED"},
        {"order_status": "ON HOLD"},
        {"order_status_in": ["PROCESSING", "BACKORDERED"]},
        {"order_status_in": ["CANCELLED"]},
        {"customer_order_number": "NO-SUCH-PO"},  # 204: None
    ]
    for filters in searches:
        attempt(
            "get_resellers_v6_ordersearch",
            repr(filters),
            lambda f=filters: orders.get_resellers_v6_ordersearch(
                im_correlation_id=next(ids), **head, **f
            ),
        )

    # v6 creates: plain, on customer hold, one line rejected (207)
    hold = [{"attributeName": "allowOrderOnCustomerHold", "attributeValue": "true"}]
    v6_bodies = [
        {
            "customerOrderNumber": "SDK-V6-1",
            "lines": [{"customerLineNumber": "001", "ingramPartNumber": parts[0], "quantity": 2}],
        },
        {
            "customerOrderNumber": "SDK-V6-2",
            "notes": "held",
            "additionalAttributes": hold,
            "lines": [
                {"customerLineNumber": "001", "ingramPartNumber": parts[1], "quantity": 1},
                {"customerLineNumber": "002", "ingramPartNumber": parts[2], "quantity": 3},
            ],
        },
        {
            "customerOrderNumber": "SDK-V6-3",
            "additionalAttributes": hold,
            "lines": [
                {"customerLineNumber": "001", "ingramPartNumber": parts[3], "quantity": 1},
                {"customerLineNumber": "002", "ingramPartNumber": "NOSUCH", "quantity": 1},
            ],
        },
    ]
    created: list[str] = []
    for body in v6_bodies:
        answer = attempt(
            "post_createorder_v6",
            body["customerOrderNumber"],
            lambda b=body: orders.post_createorder_v6(
                im_correlation_id=next(ids),
                order_create_request=OrderCreateRequest.from_dict(b),
                **head,
            ),
        )
        for order in (answer.orders or []) if answer is not None else []:
            if order.ingram_order_number:
                created.append(order.ingram_order_number)

    # v7 creates
    for n, part in enumerate(parts[4:7], 1):
        body = {
            "customerOrderNumber": f"SDK-V7-{n}",
            "lines": [{"customerLineNumber": "001", "ingramPartNumber": part, "quantity": n}],
        }
        attempt(
            "post_createorder_v7",
            body["customerOrderNumber"],
            lambda b=body: orders.post_createorder_v7(
                im_correlation_id=next(ids),
                order_create_v7_request=OrderCreateV7Request.from_dict(b),
                **head,
            ),
        )

    # modify (201, and 207 with a rejected line), release, cancel: on held orders
    targets = [*created[1:], *held_numbers]
    changes = [
        {"notes": "changed by the official SDK", "shipToInfo": {"city": "BOULDER"}},
        {
            "lines": [
                {
                    "customerLineNumber": "009",
                    "ingramPartNumber": "NOSUCH",
                    "addUpdateDeleteLine": "ADD",
                    "quantity": 1,
                }
            ]
        },
    ]
    for body in changes:
        attempt(
            "put_ordermodify",
            f"{targets[0]} {sorted(body)}",
            lambda b=body: orders.put_ordermodify(
                targets[0],
                im_correlation_id=next(ids),
                order_modify_request=OrderModifyRequest.from_dict(b),
                **head,
            ),
        )
    # The SDK always sends a body (the spec marks it required); for a release, an empty one.
    attempt(
        "put_ordermodify",
        f"{targets[0]} action_code=release",
        lambda: orders.put_ordermodify(
            targets[0],
            im_correlation_id=next(ids),
            order_modify_request=OrderModifyRequest(),
            action_code="release",
            **head,
        ),
    )
    for number in targets[1:3]:
        attempt(
            "delete_ordercancel",
            number,
            lambda n=number: orders.delete_ordercancel(n, im_correlation_id=next(ids), **head),
        )
    return calls
