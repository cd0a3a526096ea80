"""Create an order (v6): ``POST /resellers/v6/orders``, its request and its 201/207 answer.

Requests are strict: building an :class:`OrderCreateRequest` checks what the spec
constrains (required fields, maximum lengths, a non-empty list of lines, positive quantities,
two-letter country codes, allowed ``shipComplete`` values) and raises
:class:`~xi_orders.errors.ValidationError` naming the field in Python spelling
(``lines[0].quantity``). Call ``validate()`` again after changing a request in place.

The common ``additionalAttributes`` are typed options (``customer_hold``,
``allow_duplicate_customer_order_number``, ``allow_partial_order``,
``enable_comments_as_lines``): they travel as ``{"attributeName": "allowOrderOnCustomerHold",
"attributeValue": "true"}`` entries; raw ``additional_attributes`` are still accepted.

Example::

    request = OrderCreateRequest(
        customer_order_number="PO-1001",
        lines=[OrderCreateLine(customer_line_number="1", ingram_part_number="DF4128", quantity=2)],
        customer_hold=True,
        allow_duplicate_customer_order_number=True,
    )
    response = await client.create_order(request)
    response.order_numbers, response.is_partial, response.rejected_lines

A 207 Multi-Status answer is an :class:`OrderCreateResponse` whose ``rejected_lines`` lists
every refused line (flattened across the created orders) and whose ``is_partial`` is true.
"""

from __future__ import annotations

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
    Link,
    MiscellaneousCharge,
    RejectedLine,
    ResultError,
    ShippingInfo,
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
from .status import RawStatusOf, StatusOf

__all__ = [
    "CreatedOrder",
    "CreatedOrderLine",
    "OrderCreateLine",
    "OrderCreateRejectedLine",
    "OrderCreateRequest",
    "OrderCreateResponse",
    "ShipmentOptions",
    "VendorMandatoryFields",
    "WarrantyInfo",
    "WarrantySerialInfo",
]

#: Values the spec allows for ``shipmentDetails.shipComplete``. (Its ``maxLength: 1`` is
#: contradicted by its own list and examples, which send ``"true"``.)
SHIP_COMPLETE_VALUES = ("true", "C", "P", "E")


# --------------------------------------------------------------------------------------
# request parts (shared with the v7 request)


@attrs.define(kw_only=True)
class WarrantySerialInfo:
    """Serial data of the hardware a warranty line covers (post-sale warranty orders)."""

    date_of_purchase: date | None = wire("dateofPurchase")
    ship_date: date | None = None
    primary_serial_number: str | None = None
    secondary_serial_number: str | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class WarrantyInfo:
    """Links a warranty line to its hardware line (warranty orders).

    Use ``direct_line_link`` (the same value on both lines), or ``warranty_line_link`` on the
    hardware line and ``hardware_line_link`` on the warranty line (customer line numbers).
    """

    direct_line_link: str | None = None
    warranty_line_link: str | None = None
    hardware_line_link: str | None = None
    serial_info: list[WarrantySerialInfo] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class OrderCreateLine:
    """A line of a create request (v6 and v7): which product, how many, at what price.

    Identify the product by ``ingram_part_number`` (or ``customer_part_number`` /
    ``vendor_part_number``). The line is checked when the request holding it is built.

    Example: ``OrderCreateLine(customer_line_number="1", ingram_part_number="DF4128",
    quantity=1)``.
    """

    customer_line_number: str | None = None
    ingram_part_number: str | None = None
    #: the reseller's own part number (SAP "CPN" orders)
    customer_part_number: str | None = None
    #: v7 only
    vendor_part_number: str | None = None
    quantity: int | None = None
    special_bid_number: str | None = None
    notes: str | None = None
    unit_price: Decimal | None = None
    end_user_price: Decimal | None = None
    additional_attributes: list[AdditionalAttribute] = attrs.field(factory=list)
    #: v6 only
    warranty_info: list[WarrantyInfo] = attrs.field(factory=list)
    #: line-level end users (SAP)
    end_user_info: list[Address] = attrs.field(factory=list)
    #: v7 only: vendor-mandated line fields (wire ``vmfAdditionalAttributesLines``)
    vmf_additional_attributes: list[AdditionalAttribute] = wire_list("vmfAdditionalAttributesLines")
    extras: dict[str, Any] = extras_field()

    def validate(self, *, v7: bool = False, field: str = "line") -> None:
        """Check the line against the spec; ``field`` prefixes the names in errors."""
        check_max_length(self.customer_line_number, 3, f"{field}.customer_line_number")
        check_max_length(self.ingram_part_number, 18, f"{field}.ingram_part_number")
        if not (self.ingram_part_number or self.customer_part_number or self.vendor_part_number):
            raise ValidationError(
                f"{field}.ingram_part_number",
                "is required (or customer_part_number / vendor_part_number)",
            )
        check_positive(self.quantity, f"{field}.quantity")
        check_max_length(self.special_bid_number, 36, f"{field}.special_bid_number")
        check_not_negative(self.unit_price, f"{field}.unit_price")
        check_not_negative(self.end_user_price, f"{field}.end_user_price")
        check_items(
            self.additional_attributes, AdditionalAttribute, f"{field}.additional_attributes"
        )
        check_attributes(self.additional_attributes, f"{field}.additional_attributes")
        check_items(self.end_user_info, Address, f"{field}.end_user_info")
        for i, end_user in enumerate(self.end_user_info):
            where = f"{field}.end_user_info[{i}]"
            check_max_length(end_user.end_user_id, 10, f"{where}.end_user_id")
            check_max_length(end_user.name1, 35, f"{where}.name1")
            check_max_length(end_user.phone_number, 30, f"{where}.phone_number")
            check_max_length(end_user.email, 241, f"{where}.email")
            check_country_code(end_user.country_code, f"{where}.country_code")
        check_items(self.warranty_info, WarrantyInfo, f"{field}.warranty_info")
        check_items(
            self.vmf_additional_attributes,
            AdditionalAttribute,
            f"{field}.vmf_additional_attributes",
        )
        if v7:
            if self.warranty_info:
                raise ValidationError(f"{field}.warranty_info", "is not part of a v7 request")
            if self.customer_part_number is not None:
                raise ValidationError(
                    f"{field}.customer_part_number", "is not part of a v7 request"
                )
        else:
            for i, warranty in enumerate(self.warranty_info):
                check_max_length(
                    warranty.direct_line_link, 25, f"{field}.warranty_info[{i}].direct_line_link"
                )
            if self.vmf_additional_attributes:
                raise ValidationError(
                    f"{field}.vmf_additional_attributes", "is only part of a v7 request"
                )
            if self.vendor_part_number is not None:
                raise ValidationError(f"{field}.vendor_part_number", "is only part of a v7 request")


@attrs.define(kw_only=True)
class ShipmentOptions:
    """How the reseller wants the order shipped (the request's ``shipmentDetails``).

    ``ship_complete``: ``"true"`` or ``"C"`` (ship complete per distribution), ``"P"``
    (per line), ``"E"`` (across all distributions).
    """

    carrier_code: str | None = None
    freight_account_number: str | None = None
    ship_complete: str | None = None
    requested_delivery_date: date | None = None
    signature_required: bool | None = None
    shipping_instructions: str | None = None
    extras: dict[str, Any] = extras_field()

    def validate(self, *, field: str = "shipment_details") -> None:
        """Check the options against the spec; ``field`` prefixes the names in errors."""
        check_max_length(self.carrier_code, 10, f"{field}.carrier_code")
        check_one_of(self.ship_complete, SHIP_COMPLETE_VALUES, f"{field}.ship_complete")
        check_max_length(self.shipping_instructions, 132, f"{field}.shipping_instructions")


@attrs.define(kw_only=True)
class VendorMandatoryFields:
    """Fields a vendor requires (wire ``vmf``), e.g. the vendor's authorisation number."""

    vendor_auth_number: str | None = wire("vendAuthNumber")
    extras: dict[str, Any] = extras_field()


CREATE_RESELLER_LIMITS: AddressLimits = {
    "company_name": 40,
    "address_line1": 70,
    "address_line2": 70,
    "address_line3": 70,
    "city": 25,
    "state": 3,
    "postal_code": 10,
}
CREATE_SHIP_TO_LIMITS: AddressLimits = {
    "address_id": 10,
    "contact": 70,
    "company_name": 40,
    "address_line1": 70,
    "address_line2": 70,
    "address_line3": 70,
    "city": 25,
    "state": 3,
    "postal_code": 10,
}
CREATE_END_USER_LIMITS: AddressLimits = {
    "contact": 70,
    "company_name": 40,
    "address_line1": 70,
    "address_line2": 70,
    "address_line3": 70,
    "city": 25,
    "state": 3,
    "postal_code": 10,
}


def validate_lines(lines: object, *, v7: bool) -> None:
    """Check a create request's lines: a non-empty list of valid ``OrderCreateLine``."""
    check_items(lines, OrderCreateLine, "lines")
    assert isinstance(lines, list)
    if not lines:
        raise ValidationError("lines", "must contain at least one line")
    for i, line in enumerate(lines):
        line.validate(v7=v7, field=f"lines[{i}]")


# --------------------------------------------------------------------------------------
# request


@attrs.define(kw_only=True)
class OrderCreateRequest:
    """The body of ``POST /resellers/v6/orders`` (OrderCreateRequest), checked when built.

    ``customer_order_number`` (max 35 characters) and at least one line are required.
    """

    customer_order_number: str | None = None
    end_customer_order_number: str | None = None
    bill_to_address_id: str | None = None
    special_bid_number: str | None = None
    notes: str | None = None
    accept_back_order: bool | None = None
    reseller_info: Address | None = None
    vmf: VendorMandatoryFields | None = None
    ship_to_info: Address | None = None
    end_user_info: Address | None = None
    lines: list[OrderCreateLine] = attrs.field(factory=list)
    shipment_details: ShipmentOptions | None = None
    additional_attributes: list[AdditionalAttribute] = attrs.field(factory=list)
    #: create the order on customer hold (``allowOrderOnCustomerHold``): it can then be
    #: modified for 24 hours, and must be released or it is voided
    customer_hold: bool | None = option_field("allowOrderOnCustomerHold")
    #: allow a customer order number already used (``allowDuplicateCustomerOrderNumber``)
    allow_duplicate_customer_order_number: bool | None = option_field(
        "allowDuplicateCustomerOrderNumber"
    )
    #: accept the order even if some lines fail (``allowPartialOrder``)
    allow_partial_order: bool | None = option_field("allowPartialOrder")
    #: send long notes as comment lines (``enableCommentsAsLines``)
    enable_comments_as_lines: bool | None = option_field("enableCommentsAsLines")
    extras: dict[str, Any] = extras_field()

    def __attrs_post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check the whole request; raises ``ValidationError`` naming the first bad field."""
        check_required(self.customer_order_number, "customer_order_number")
        check_max_length(self.customer_order_number, 35, "customer_order_number")
        check_max_length(self.bill_to_address_id, 10, "bill_to_address_id")
        check_address(self.reseller_info, CREATE_RESELLER_LIMITS, "reseller_info")
        check_address(self.ship_to_info, CREATE_SHIP_TO_LIMITS, "ship_to_info")
        check_address(self.end_user_info, CREATE_END_USER_LIMITS, "end_user_info")
        validate_lines(self.lines, v7=False)
        if self.shipment_details is not None:
            self.shipment_details.validate()
        check_items(self.additional_attributes, AdditionalAttribute, "additional_attributes")
        check_attributes(self.additional_attributes, "additional_attributes")
        sync_options(self)


# --------------------------------------------------------------------------------------
# response


@attrs.define(kw_only=True)
class OrderCreateRejectedLine(RejectedLine):
    """A rejected line of a create answer: a :class:`RejectedLine` whose wire spells the
    customer line number ``customerLinenumber``."""

    customer_line_number: str | None = wire("customerLinenumber")


@attrs.define(kw_only=True)
class CreatedOrderLine:
    """A line of an order the create call (v6 or v7) made."""

    sub_order_number: str | None = None
    ingram_line_number: str | None = None
    customer_line_number: str | None = None
    line_status: str | None = None
    #: ``P`` for a product line (v7)
    line_type: str | None = None
    ingram_part_number: str | None = None
    vendor_part_number: str | None = None
    vendor_number: str | None = None
    global_sku_id: str | None = None
    unit_price: Decimal | None = None
    extended_unit_price: Decimal | None = None
    quantity_ordered: int | None = None
    quantity_confirmed: int | None = None
    quantity_back_ordered: int | None = None
    special_bid_number: str | None = None
    notes: str | None = None
    shipment_details: list[ShippingInfo] = attrs.field(factory=list)
    additional_attributes: list[AdditionalAttribute] = attrs.field(factory=list)
    end_user_info: list[Address] = attrs.field(factory=list)
    warranty_info: list[WarrantyInfo] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()

    #: ``line_status`` normalised (``OrderStatus.CANCELLED`` for ``"Canceled"``)
    status = StatusOf("line_status")
    #: the status as sent, behind ``status`` (the value of an ``UNKNOWN`` one)
    status_raw = RawStatusOf("line_status")


@attrs.define(kw_only=True)
class CreatedOrder:
    """One Ingram Micro order a create call made (a purchase order can split into several)."""

    number_of_lines_with_success: int | None = None
    number_of_lines_with_error: int | None = None
    number_of_lines_with_warning: int | None = None
    ingram_order_number: str | None = None
    ingram_order_date: date | None = None
    notes: str | None = None
    #: ``S`` stocked, ``D`` direct ship
    order_type: str | None = None
    order_total: Decimal | None = None
    freight_charges: Decimal | None = None
    total_tax: Decimal | None = None
    currency_code: str | None = None
    lines: list[CreatedOrderLine] = attrs.field(factory=list)
    miscellaneous_charges: list[MiscellaneousCharge] = attrs.field(factory=list)
    links: list[Link] = attrs.field(factory=list)
    rejected_line_items: list[OrderCreateRejectedLine] = attrs.field(factory=list)
    additional_attributes: list[AdditionalAttribute] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class OrderCreateResponse(Display):
    """The answer of a v6 create (201, or 207 Multi-Status when some lines were rejected).

    ``orders`` lists the Ingram Micro orders made; ``rejected_lines`` every refused line;
    ``errors`` the entries of an ``errors`` array the answer carried (an accepted create can
    report problems that way: it then counts as partial, never as a clean success).

    Any 2xx answer is an accepted request, so ``create_order`` never raises a decode error
    for one (the caller would resubmit and order twice): what could not be typed is named
    in ``decode_problem``, and ``raw_body`` keeps the body as received.
    """

    customer_order_number: str | None = None
    end_customer_order_number: str | None = None
    bill_to_address_id: str | None = None
    special_bid_number: str | None = None
    order_split: bool | None = None
    processed_partially: bool | None = None
    purchase_order_total: Decimal | None = None
    reseller_info: Address | None = None
    ship_to_info: Address | None = None
    end_user_info: Address | None = None
    orders: list[CreatedOrder] = attrs.field(factory=list)
    #: problems the API reported inside its accepted answer (wire ``errors``)
    errors: list[ResultError] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()
    response: ResponseMeta | None = attrs.field(
        default=None, eq=False, repr=False, metadata={"wire": None}
    )
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
    def rejected_lines(self) -> list[RejectedLine]:
        """Every rejected line of every order, flattened."""
        return [line for order in self.orders for line in order.rejected_line_items]

    @property
    def is_partial(self) -> bool:
        """Whether not everything went through: HTTP 207, ``processedPartially``, rejected
        lines, or an ``errors`` array in the answer."""
        if self.response is not None and self.response.status_code == 207:
            return True
        return (
            bool(self.processed_partially)
            or bool(self.errors)
            or any(o.rejected_line_items for o in self.orders)
        )

    @property
    def order_numbers(self) -> list[str]:
        """The Ingram Micro order numbers created."""
        return [o.ingram_order_number for o in self.orders if o.ingram_order_number]
