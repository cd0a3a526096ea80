"""Modify an order: ``PUT /resellers/v6/orders/{orderNumber}`` (OrderModifyRequest/Response).

Only orders created on customer hold can be modified, within 24 hours. A request adds,
updates or deletes lines (``action``: ``"ADD"``, ``"UPDATE"``, ``"DELETE"``), changes the
header notes or the ship-to address. The answer is 200/201, or 207 Multi-Status when some
changes were rejected: ``rejected_lines`` and ``is_partial`` say which.

Example::

    request = OrderModifyRequest(lines=[
        OrderModifyLine(action="UPDATE", ingram_line_number="003", quantity=2),
        OrderModifyLine(action="ADD", ingram_part_number="2GZ200", quantity=1),
    ])
    result = await client.modify_order("20-RFJWZ", request)
    result.is_partial, result.rejected_lines
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from .._display import Display
from .._response import ResponseMeta
from ..errors import ValidationError
from .common import (
    AdditionalAttribute,
    Address,
    AddressLimits,
    RejectedLine,
    ResultError,
    ShippingInfo,
    check_address,
    check_attributes,
    check_items,
    check_max_length,
    check_one_of,
    check_positive,
    check_required,
    decode_problem_field,
    extras_field,
    option_field,
    raw_body_field,
    sync_options,
    wire,
)
from .status import RawStatusOf, StatusOf

__all__ = [
    "LINE_ACTIONS",
    "ModifiedOrderLine",
    "OrderModifyLine",
    "OrderModifyRequest",
    "OrderModifyResponse",
]

#: The values of a modify line's ``action`` (wire ``addUpdateDeleteLine``).
LINE_ACTIONS = ("ADD", "UPDATE", "DELETE")

MODIFY_SHIP_TO_LIMITS: AddressLimits = {
    "address_id": 10,
    "contact": 40,
    "company_name": 40,
    "name1": 40,
    "name2": 40,
    "address_line1": 60,
    "address_line2": 40,
    "address_line3": 40,
    "city": 25,
    "state": 3,
    "postal_code": 10,
    "phone_number": 30,
    "email": 241,
}


@attrs.define(kw_only=True)
class OrderModifyLine:
    """One change to an order line: add a product, update or delete an existing line.

    ``action`` (wire ``addUpdateDeleteLine``) is required: ``"ADD"``, ``"UPDATE"`` or
    ``"DELETE"``. Existing lines are named by ``ingram_line_number``.
    """

    action: str | None = wire("addUpdateDeleteLine")
    ingram_line_number: str | None = None
    customer_line_number: str | None = None
    ingram_part_number: str | None = None
    quantity: int | None = None
    notes: str | None = None
    extras: dict[str, Any] = extras_field()

    def validate(self, *, field: str = "line") -> None:
        """Check the line against the spec; ``field`` prefixes the names in errors."""
        check_required(self.action, f"{field}.action")
        check_one_of(self.action, LINE_ACTIONS, f"{field}.action")
        check_max_length(self.ingram_part_number, 18, f"{field}.ingram_part_number")
        check_max_length(self.ingram_line_number, 6, f"{field}.ingram_line_number")
        check_max_length(self.customer_line_number, 6, f"{field}.customer_line_number")
        check_positive(self.quantity, f"{field}.quantity")
        check_max_length(self.notes, 132, f"{field}.notes")
        if self.action == "ADD" and not self.ingram_part_number:
            raise ValidationError(f"{field}.ingram_part_number", "is required to ADD a line")
        if self.action in ("UPDATE", "DELETE") and not (
            self.ingram_line_number or self.ingram_part_number
        ):
            raise ValidationError(
                f"{field}.ingram_line_number",
                f"is required to {self.action} a line (or ingram_part_number)",
            )


@attrs.define(kw_only=True)
class OrderModifyRequest:
    """The body of ``PUT /resellers/v6/orders/{orderNumber}``, checked when built.

    It must change something: lines, ``notes`` (max 132), ``ship_to_info`` or attributes.
    """

    notes: str | None = None
    ship_to_info: Address | None = None
    lines: list[OrderModifyLine] = attrs.field(factory=list)
    additional_attributes: list[AdditionalAttribute] = attrs.field(factory=list)
    #: send long notes as comment lines (``enableCommentsAsLines``)
    enable_comments_as_lines: bool | None = option_field("enableCommentsAsLines")
    extras: dict[str, Any] = extras_field()

    def __attrs_post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check the whole request; raises ``ValidationError`` naming the first bad field."""
        check_max_length(self.notes, 132, "notes")
        check_address(self.ship_to_info, MODIFY_SHIP_TO_LIMITS, "ship_to_info")
        check_items(self.lines, OrderModifyLine, "lines")
        for i, line in enumerate(self.lines):
            line.validate(field=f"lines[{i}]")
        check_items(self.additional_attributes, AdditionalAttribute, "additional_attributes")
        check_attributes(self.additional_attributes, "additional_attributes")
        sync_options(self)
        if (
            not self.lines
            and self.notes is None
            and self.ship_to_info is None
            and not self.additional_attributes
            and self.enable_comments_as_lines is None
            and not self.extras
        ):
            raise ValidationError(
                "lines", "nothing to modify: give lines, notes, ship_to_info or attributes"
            )


@attrs.define(kw_only=True)
class ModifiedOrderLine:
    """A line of a modified order, as the modify answer reports it."""

    sub_order_number: str | None = None
    ingram_line_number: str | None = None
    #: the line number, in answers that send ``lineNumber`` instead of ``ingramLineNumber``
    line_number: str | None = None
    customer_line_number: str | None = None
    ingram_part_number: str | None = None
    vendor_part_number: str | None = None
    quantity_ordered: int | None = None
    quantity_confirmed: int | None = None
    quantity_back_ordered: int | None = None
    shipment_details: ShippingInfo | None = None
    additional_attributes: list[AdditionalAttribute] = attrs.field(factory=list)
    notes: str | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class OrderModifyResponse(Display):
    """The answer of a modify (200/201, or 207 when some changes were rejected).

    Any 2xx answer is an accepted change: ``modify_order`` / ``release_order`` never raise a
    decode error for one. ``errors`` lists an ``errors`` array the answer carried (the
    change then counts as partial), ``decode_problem`` names what could not be typed, and
    ``raw_body`` keeps the body as received.
    """

    ingram_order_number: str | None = None
    #: sent instead of ``ingramOrderNumber`` by some answers
    order_number: str | None = None
    change_description: str | None = None
    order_modified_date: datetime | None = None
    customer_order_number: str | None = None
    end_customer_order_number: str | None = None
    order_total: Decimal | None = None
    notes: str | None = None
    order_sub_total: Decimal | None = None
    freight_charges: Decimal | None = None
    total_tax: Decimal | None = None
    order_status: str | None = None
    bill_to_address_id: str | None = None
    ship_to_info: Address | None = None
    lines: list[ModifiedOrderLine] = attrs.field(factory=list)
    rejected_line_items: list[RejectedLine] = attrs.field(factory=list)
    additional_attributes: list[AdditionalAttribute] = attrs.field(factory=list)
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

    #: ``order_status`` normalised (``OrderStatus.CANCELLED`` for ``"Canceled"``)
    status = StatusOf("order_status")
    #: the status as sent, behind ``status`` (the value of an ``UNKNOWN`` one)
    status_raw = RawStatusOf("order_status")

    @property
    def rejected_lines(self) -> list[RejectedLine]:
        """Every rejected change (same as ``rejected_line_items``, as a new list)."""
        return list(self.rejected_line_items)

    @property
    def is_partial(self) -> bool:
        """Whether some changes were rejected (HTTP 207, rejected lines listed, or an
        ``errors`` array in the answer)."""
        if self.response is not None and self.response.status_code == 207:
            return True
        return bool(self.rejected_line_items) or bool(self.errors)
