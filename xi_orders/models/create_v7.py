"""Create an order (v7, asynchronous): ``POST /resellers/v7/orders``.

The call answers at once with a confirmation (:class:`OrderCreateV7Confirmation`:
``confirmationNumber``, ``quoteNumber``, ``message``); the orders it creates arrive later on
the reseller's webhook as an :class:`~xi_orders.models.events.AsyncOrderCreateEvent`.

v7 orders can come from a quote (``quote_number``). Lines are
:class:`OrderCreateV7Line`: the fields of the vendor's YAML spec (the form the official SDKs
are generated from), which also orders cloud subscriptions (``plan_id``, subscription and
billing :class:`Period`, ``margin``, ``end_customer_price``, ``resource_id``, the
subscription's ``vri_additional_attributes``) and links a warranty line to its hardware line
(:class:`WarrantyLink`, checked against the request's own line numbers). A v6
:class:`~xi_orders.models.create.OrderCreateLine` is still accepted and becomes one.

Example::

    request = OrderCreateV7Request(
        customer_order_number="PO-1001",
        lines=[OrderCreateV7Line(customer_line_number="1", ingram_part_number="DF4128", quantity=1)],
    )
    confirmation = await client.create_order_v7(request)
    confirmation.confirmation_number     # 'US-I-T-24032926562341102332'

A Microsoft 365 subscription, its tenant answers made by ``xi_orders.vendor_fields``::

    OrderCreateV7Line(
        customer_line_number="1", plan_id="438308", quantity=5,
        subscription_period=[Period.years(1)], billing_period=[Period.months(1)],
        vri_additional_attributes=vendor_fields.answer_groups(info[0], answers),
    )
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from .._display import Display
from .._response import Reconciliation, ResponseMeta
from ..errors import ValidationError
from .common import (
    AdditionalAttribute,
    Address,
    AddressLimits,
    ResultError,
    check_address,
    check_attributes,
    check_country_code,
    check_items,
    check_max_length,
    check_not_negative,
    check_one_of,
    check_positive,
    check_required,
    decode_problem_field,
    extras_field,
    option_field,
    raw_body_field,
    sync_options,
    wire,
    wire_list,
)
from .create import OrderCreateLine, ShipmentOptions
from .events import AsyncOrderCreateEvent
from .vendor_info import VendorAttributeGroup

__all__ = [
    "OrderCreateV7Confirmation",
    "OrderCreateV7Line",
    "OrderCreateV7Request",
    "Period",
    "WarrantyLink",
    "WarrantySerial",
]

#: ``subscriptionPeriod.endDateAlignmentType`` values the YAML spec names.
END_DATE_ALIGNMENTS = ("MATCH_END_OF_CALENDAR_MONTH", "CO_TERM_ON_SUBSCRIPTION")


@attrs.define(kw_only=True)
class Period:
    """A subscription or billing period of a v7 subscription line: a unit and a length.

    ``Period.months(1)`` is ``{"type": "Months", "duration": 1}``; ``Period.years(3)`` three
    years. A subscription period may also carry ``start_date``, ``end_date_alignment_type``
    (``MATCH_END_OF_CALENDAR_MONTH`` or ``CO_TERM_ON_SUBSCRIPTION``) and the
    ``subscription_id`` of an existing subscription to co-term with.
    """

    #: the unit, ``"Months"`` or ``"Years"`` as the API spells them
    type: str | None = None
    duration: int | None = None
    start_date: date | None = None
    end_date_alignment_type: str | None = None
    subscription_id: str | None = None
    extras: dict[str, Any] = extras_field()

    @classmethod
    def months(cls, duration: int) -> Period:
        """``duration`` months."""
        return cls(type="Months", duration=duration)

    @classmethod
    def years(cls, duration: int) -> Period:
        """``duration`` years."""
        return cls(type="Years", duration=duration)

    def validate(self, field: str, *, billing: bool = False) -> None:
        """Check the period; ``billing`` periods have only a unit and a length."""
        check_required(self.type, f"{field}.type")
        if not isinstance(self.type, str):
            raise ValidationError(f"{field}.type", f"must be a string (got {self.type!r})")
        check_required(self.duration, f"{field}.duration")
        check_positive(self.duration, f"{field}.duration")
        check_one_of(
            self.end_date_alignment_type, END_DATE_ALIGNMENTS, f"{field}.end_date_alignment_type"
        )
        if billing:
            for name in ("start_date", "end_date_alignment_type", "subscription_id"):
                if getattr(self, name) is not None:
                    raise ValidationError(f"{field}.{name}", "is not part of a billing period")

    def __str__(self) -> str:
        return f"{self.duration} {self.type}"


@attrs.define(kw_only=True)
class WarrantySerial:
    """The hardware a post-sale warranty line covers (v7 ``warrantyInfo.serialInfo``).

    The dates are at most 8 characters, as the vendor's systems take them (e.g. ``20250131``).
    """

    date_of_purchase: str | None = None
    ship_date: str | None = None
    primary_serial_number: str | None = None
    secondary_serial_number: str | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class WarrantyLink:
    """Ties a v7 warranty line and its hardware line together (the line's ``warrantyInfo``).

    Either ``warranty_line_link`` on the hardware line (the warranty line's customer line
    number) or ``hardware_line_link`` on the warranty line (the hardware line's), as the
    spec's examples do; or the same ``direct_line_link`` on both when the hardware was not
    bought in this order. Links are checked against the request's own line numbers.
    """

    hardware_line_link: str | None = None
    warranty_line_link: str | None = None
    direct_line_link: str | None = None
    serial_info: list[WarrantySerial] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()


def _check_groups(groups: object, field: str) -> None:
    check_items(groups, VendorAttributeGroup, field)
    assert isinstance(groups, list)
    for i, group in enumerate(groups):
        check_items(group.attributes, object, f"{field}[{i}].attributes")
        for j, attribute in enumerate(group.attributes):
            check_required(getattr(attribute, "name", None), f"{field}[{i}].attributes[{j}].name")


@attrs.define(kw_only=True)
class OrderCreateV7Line:
    """A line of a v7 create request (the YAML spec's ``order_create_v7_request`` line).

    Name the product by ``ingram_part_number``, ``vendor_part_number`` or, for a cloud
    subscription, ``plan_id`` (wire ``planid``). Money is ``Decimal``.

    Example::

        OrderCreateV7Line(customer_line_number="1", ingram_part_number="DF4128", quantity=1)
    """

    customer_line_number: str | None = None
    ingram_part_number: str | None = None
    vendor_part_number: str | None = None
    quantity: int | None = None
    unit_price: Decimal | None = None
    special_bid_number: str | None = None
    end_user_price: Decimal | None = None
    notes: str | None = None
    #: the subscription's resource ID (changes to an existing subscription)
    resource_id: str | None = None
    #: the subscription plan (wire ``planid``, lower-case as the spec spells it)
    plan_id: str | None = wire("planid")
    subscription_period: list[Period] = attrs.field(factory=list)
    billing_period: list[Period] = attrs.field(factory=list)
    #: line-level margin the reseller asks for
    margin: Decimal | None = None
    end_customer_price: Decimal | None = None
    #: the subscription's vendor fields, answered (``vendor_fields.answer_groups``)
    vri_additional_attributes: list[VendorAttributeGroup] = attrs.field(factory=list)
    #: line-level end users (SAP)
    end_user_info: list[Address] = attrs.field(factory=list)
    additional_attributes: list[AdditionalAttribute] = attrs.field(factory=list)
    warranty_info: WarrantyLink | None = None
    #: vendor-mandated line fields (wire ``vmfAdditionalAttributesLines``)
    vmf_additional_attributes: list[AdditionalAttribute] = wire_list("vmfAdditionalAttributesLines")
    extras: dict[str, Any] = extras_field()

    @classmethod
    def from_line(cls, line: OrderCreateLine, *, field: str = "line") -> OrderCreateV7Line:
        """A v6 line as a v7 line (it has no v6-only data: customer part number, warranty list)."""
        if line.customer_part_number is not None:
            raise ValidationError(f"{field}.customer_part_number", "is not part of a v7 request")
        if line.warranty_info:
            raise ValidationError(
                f"{field}.warranty_info",
                "is not part of a v7 request as a v6 list: use OrderCreateV7Line("
                "warranty_info=WarrantyLink(...))",
            )
        return cls(
            customer_line_number=line.customer_line_number,
            ingram_part_number=line.ingram_part_number,
            vendor_part_number=line.vendor_part_number,
            quantity=line.quantity,
            unit_price=line.unit_price,
            special_bid_number=line.special_bid_number,
            end_user_price=line.end_user_price,
            notes=line.notes,
            end_user_info=line.end_user_info,
            additional_attributes=line.additional_attributes,
            vmf_additional_attributes=line.vmf_additional_attributes,
            extras=line.extras,
        )

    @property
    def product_number(self) -> str | None:
        """The number naming the product: plan ID, Ingram or vendor part number."""
        return self.plan_id or self.ingram_part_number or self.vendor_part_number

    def validate(self, *, field: str = "line") -> None:
        """Check the line against the spec; ``field`` prefixes the names in errors."""
        check_max_length(self.customer_line_number, 3, f"{field}.customer_line_number")
        check_max_length(self.ingram_part_number, 18, f"{field}.ingram_part_number")
        if not (self.ingram_part_number or self.vendor_part_number or self.plan_id):
            raise ValidationError(
                f"{field}.ingram_part_number", "is required (or vendor_part_number / plan_id)"
            )
        check_positive(self.quantity, f"{field}.quantity")
        check_max_length(self.special_bid_number, 36, f"{field}.special_bid_number")
        for name in ("unit_price", "end_user_price", "end_customer_price"):
            check_not_negative(getattr(self, name), f"{field}.{name}")
        if self.margin is not None and (
            not isinstance(self.margin, Decimal) or not self.margin.is_finite()
        ):
            raise ValidationError(
                f"{field}.margin", f"must be a finite Decimal (got {self.margin!r})"
            )
        for name, billing in (("subscription_period", False), ("billing_period", True)):
            periods = getattr(self, name)
            check_items(periods, Period, f"{field}.{name}")
            for i, period in enumerate(periods):
                period.validate(f"{field}.{name}[{i}]", billing=billing)
        _check_groups(self.vri_additional_attributes, f"{field}.vri_additional_attributes")
        for name in ("additional_attributes", "vmf_additional_attributes"):
            check_items(getattr(self, name), AdditionalAttribute, f"{field}.{name}")
            check_attributes(getattr(self, name), f"{field}.{name}")
        check_items(self.end_user_info, Address, f"{field}.end_user_info")
        for i, end_user in enumerate(self.end_user_info):
            where = f"{field}.end_user_info[{i}]"
            check_max_length(end_user.end_user_id, 10, f"{where}.end_user_id")
            check_max_length(end_user.phone_number, 30, f"{where}.phone_number")
            check_max_length(end_user.email, 241, f"{where}.email")
            check_country_code(end_user.country_code, f"{where}.country_code")
        warranty = self.warranty_info
        if warranty is not None:
            where = f"{field}.warranty_info"
            if not isinstance(warranty, WarrantyLink):
                raise ValidationError(
                    where, f"must be a WarrantyLink (got {type(warranty).__name__})"
                )
            check_max_length(warranty.direct_line_link, 25, f"{where}.direct_line_link")
            if warranty.hardware_line_link and warranty.warranty_line_link:
                raise ValidationError(
                    where, "use hardware_line_link or warranty_line_link on a line, not both"
                )
            check_items(warranty.serial_info, WarrantySerial, f"{where}.serial_info")
            for i, serial in enumerate(warranty.serial_info):
                check_max_length(
                    serial.date_of_purchase, 8, f"{where}.serial_info[{i}].date_of_purchase"
                )
                check_max_length(serial.ship_date, 8, f"{where}.serial_info[{i}].ship_date")


def v7_lines(lines: Iterable[OrderCreateV7Line | OrderCreateLine]) -> list[OrderCreateV7Line]:
    """A request's lines as v7 lines (v6 ``OrderCreateLine`` converted); other values are
    left for ``validate`` to name."""
    if not isinstance(lines, (list, tuple)):
        return lines  # type: ignore[return-value]  # validate() names it
    return [
        OrderCreateV7Line.from_line(line, field=f"lines[{i}]")
        if isinstance(line, OrderCreateLine)
        else line
        for i, line in enumerate(lines)
    ]


def _check_links(lines: list[OrderCreateV7Line]) -> None:
    """Each warranty link names another line of the request (and, when both lines link, each
    names the other)."""
    numbers = {
        line.customer_line_number: i for i, line in enumerate(lines) if line.customer_line_number
    }
    for i, line in enumerate(lines):
        warranty = line.warranty_info
        if warranty is None:
            continue
        for name, back in (
            ("hardware_line_link", "warranty_line_link"),
            ("warranty_line_link", "hardware_line_link"),
        ):
            target = getattr(warranty, name)
            if not target:
                continue
            where = f"lines[{i}].warranty_info.{name}"
            if target == line.customer_line_number:
                raise ValidationError(where, f"names the line itself ({target!r})")
            if target not in numbers:
                raise ValidationError(
                    where,
                    f"names no line of this request ({target!r}; customer line numbers: "
                    f"{', '.join(sorted(n for n in numbers if n)) or 'none'})",
                )
            other = lines[numbers[target]].warranty_info
            their = getattr(other, back, None) if other is not None else None
            if their and their != line.customer_line_number:
                raise ValidationError(
                    where,
                    f"line {target} links back to line {their}, not to {line.customer_line_number}",
                )


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
    #: vendor-mandated header fields (``vendor_fields.answer_attributes``)
    vmf_additional_attributes: list[AdditionalAttribute] = attrs.field(factory=list)
    #: hardware vendor fields as groups (vendor name, product ID, attributes)
    vmf_vendor_additional_attributes: list[VendorAttributeGroup] = attrs.field(factory=list)
    #: subscription vendor fields, for a whole-quote order (line orders: on the line)
    vri_additional_attributes: list[VendorAttributeGroup] = attrs.field(factory=list)
    lines: list[OrderCreateV7Line] = attrs.field(factory=list, converter=v7_lines)
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
        # lines may have been changed in place, v6 lines added
        self.lines = v7_lines(self.lines)
        check_items(self.lines, OrderCreateV7Line, "lines")
        if not self.lines:
            raise ValidationError("lines", "must contain at least one line")
        for i, line in enumerate(self.lines):
            line.validate(field=f"lines[{i}]")
        _check_links(self.lines)
        for name in ("additional_attributes", "vmf_additional_attributes"):
            items = getattr(self, name)
            check_items(items, AdditionalAttribute, name)
            check_attributes(items, name)
        _check_groups(self.vmf_vendor_additional_attributes, "vmf_vendor_additional_attributes")
        _check_groups(self.vri_additional_attributes, "vri_additional_attributes")
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
