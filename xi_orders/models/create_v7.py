"""Create an order (v7, asynchronous): ``POST /resellers/v7/orders``.

The call answers at once with a confirmation (:class:`OrderCreateV7Confirmation`:
``confirmationNumber``, ``quoteNumber``, ``message``); the orders it creates arrive later on
the reseller's webhook as an :class:`~xi_orders.models.events.AsyncOrderCreateEvent`.

v7 orders can come from a quote (``quote_number``). Lines are the same
:class:`~xi_orders.models.create.OrderCreateLine` as v6 (without warranty data; with
``vendor_part_number`` and vendor-mandated line attributes allowed).

Example::

    request = OrderCreateV7Request(
        customer_order_number="PO-1001",
        lines=[OrderCreateLine(customer_line_number="1", ingram_part_number="DF4128", quantity=1)],
    )
    confirmation = await client.create_order_v7(request)
    confirmation.confirmation_number     # 'US-I-T-24032926562341102332'
"""

from __future__ import annotations

from typing import Any

import attrs

from .._display import Display
from .._response import Reconciliation, ResponseMeta
from .common import (
    AdditionalAttribute,
    Address,
    AddressLimits,
    ResultError,
    check_address,
    check_attributes,
    check_items,
    check_max_length,
    decode_problem_field,
    extras_field,
    option_field,
    raw_body_field,
    sync_options,
    wire,
)
from .create import OrderCreateLine, ShipmentOptions, validate_lines
from .events import AsyncOrderCreateEvent

__all__ = ["OrderCreateV7Confirmation", "OrderCreateV7Request"]

V7_RESELLER_LIMITS: AddressLimits = {"company_name": 40, "postal_code": 10}
V7_END_USER_LIMITS: AddressLimits = {
    "company_name": 40,
    "address_line1": 70,
    "address_line2": 70,
    "city": 25,
    "state": 3,
    "postal_code": 10,
}
V7_SHIP_TO_LIMITS: AddressLimits = {
    "address_id": 10,
    "contact": 70,
    "company_name": 40,
    "address_line1": 70,
    "address_line2": 70,
    "city": 25,
    "state": 3,
}


@attrs.define(kw_only=True)
class OrderCreateV7Request:
    """The body of ``POST /resellers/v7/orders`` (order_create_v7_request), checked when built.

    At least one line is required; ``customer_order_number`` and
    ``end_customer_order_number`` are at most 18 characters, ``quote_number`` 35.
    """

    quote_number: str | None = None
    customer_order_number: str | None = None
    end_customer_order_number: str | None = None
    notes: str | None = None
    bill_to_address_id: str | None = None
    special_bid_number: str | None = None
    accept_back_order: bool | None = None
    vendor_auth_number: str | None = wire("vendAuthNumber")
    reseller_info: Address | None = None
    end_user_info: Address | None = None
    ship_to_info: Address | None = None
    shipment_details: ShipmentOptions | None = None
    additional_attributes: list[AdditionalAttribute] = attrs.field(factory=list)
    #: vendor-mandated header fields
    vmf_additional_attributes: list[AdditionalAttribute] = attrs.field(factory=list)
    lines: list[OrderCreateLine] = attrs.field(factory=list)
    #: create the order on customer hold (``allowOrderOnCustomerHold``)
    customer_hold: bool | None = option_field("allowOrderOnCustomerHold")
    #: allow a customer order number already used (``allowDuplicateCustomerOrderNumber``)
    allow_duplicate_customer_order_number: bool | None = option_field(
        "allowDuplicateCustomerOrderNumber"
    )
    #: accept the order even if some lines fail (``allowPartialOrder``)
    allow_partial_order: bool | None = option_field("allowPartialOrder")
    extras: dict[str, Any] = extras_field()

    def __attrs_post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check the whole request; raises ``ValidationError`` naming the first bad field."""
        check_max_length(self.quote_number, 35, "quote_number")
        check_max_length(self.customer_order_number, 18, "customer_order_number")
        check_max_length(self.end_customer_order_number, 18, "end_customer_order_number")
        check_address(self.reseller_info, V7_RESELLER_LIMITS, "reseller_info")
        check_address(self.end_user_info, V7_END_USER_LIMITS, "end_user_info")
        check_address(self.ship_to_info, V7_SHIP_TO_LIMITS, "ship_to_info")
        if self.shipment_details is not None:
            self.shipment_details.validate()
        validate_lines(self.lines, v7=True)
        for name in ("additional_attributes", "vmf_additional_attributes"):
            items = getattr(self, name)
            check_items(items, AdditionalAttribute, name)
            check_attributes(items, name)
        sync_options(self)


@attrs.define(kw_only=True)
class OrderCreateV7Confirmation(Display):
    """The immediate answer of a v7 create: the request was accepted for processing.

    The API answers in one of two documented shapes, both an accepted order:

    - 200 with a confirmation object (``quoteNumber``, ``confirmationNumber``,
      ``message``); the created orders arrive later as an ``AsyncOrderCreateEvent`` on the
      order webhook, and ``confirmation_number`` ties the two together;
    - 201 with a JSON list of those webhook events (the orders already made): they are in
      ``events`` (``order_numbers`` lists their orders).

    Any 2xx is an accepted request, so ``create_order_v7`` never raises a decode error for
    one (a caller who saw an error would resubmit and order twice): ``decode_problem``
    names what could not be typed, ``raw_body`` keeps the body as received, and
    ``errors`` an ``errors`` array the answer carried (``is_partial`` is then true).
    """

    quote_number: str | None = None
    confirmation_number: str | None = None
    message: str | None = None
    #: problems the API reported inside its accepted answer (wire ``errors``)
    errors: list[ResultError] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()
    response: ResponseMeta | None = attrs.field(
        default=None, eq=False, repr=False, metadata={"wire": None}
    )
    #: the create results, when the answer is the list of webhook-shaped events (201)
    events: list[AsyncOrderCreateEvent] = attrs.field(factory=list, metadata={"wire": None})
    #: the JSON body as received (``None`` for an empty body), set by the client
    raw_body: Any = raw_body_field()
    #: why the body (or part of it) could not be typed; ``None`` when it decoded
    decode_problem: str | None = decode_problem_field()
    #: how a create whose outcome was unknown was resolved (``None`` when never in doubt)
    reconciliation: Reconciliation | None = attrs.field(
        default=None, eq=False, repr=False, metadata={"wire": None}
    )

    @property
    def reconciled(self) -> bool:
        """Whether the create failed ambiguously and the order was then found or resent
        safely (see ``reconciliation`` for how, with every correlation ID)."""
        return self.reconciliation is not None

    @property
    def order_numbers(self) -> list[str]:
        """The Ingram Micro order numbers the answer's events report (empty for the
        confirmation object: those arrive later on the webhook)."""
        return [
            order.ingram_order_number
            for event in self.events
            if event.resource is not None
            for order in event.resource.orders
            if order.ingram_order_number
        ]

    @property
    def is_partial(self) -> bool:
        """Whether the answer reports problems: an ``errors`` array, or events whose orders
        were made only in part (rejected lines, ``processedPartially``)."""
        return bool(self.errors) or any(
            event.resource is not None and event.resource.is_partial for event in self.events
        )
