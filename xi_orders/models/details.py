"""Order details: the answer of ``GET /resellers/v6.1/orders/{ordernumber}`` (OrderDetailB2B).

An order has header data, three addresses, lines, and per line its shipments (each with
carriers, each with tracking packages, each with serial numbers), service contract /
subscription / licence data, estimated ship and delivery dates, schedule lines and planned
partial shipments.

Example::

    order = await client.get_order("20-RD3QV")
    order.total                      # Decimal('25371.27')
    order.lines[0].shipment_details[0].carrier_details[0].tracking_details[0].tracking_number
    order.serial_numbers()           # ['Q2EV-5SJ3-E6LN']
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from .._display import Display
from .._response import ResponseMeta
from .common import (
    AdditionalAttribute,
    Address,
    Link,
    MiscellaneousCharge,
    SerialNumber,
    extras_field,
    serial_numbers_in,
    tracking_numbers_in,
    wire,
    wire_list,
)
from .status import RawStatusOf, StatusOf

__all__ = [
    "CarrierDetail",
    "ContractInfo",
    "DateRange",
    "DeliveryEstimate",
    "EstimatedDate",
    "LicenseInfo",
    "OrderDetail",
    "OrderLine",
    "PlannedShipment",
    "ScheduleLine",
    "ServiceContractInfo",
    "ShipEstimate",
    "ShipmentDetail",
    "SubscriptionInfo",
    "TrackingDetail",
]


@attrs.define(kw_only=True)
class TrackingDetail:
    """One package (carton) of a shipment: tracking number and the serial numbers inside."""

    tracking_number: str | None = None
    tracking_url: str | None = None
    #: the package weight (the wire sends it as a string, e.g. ``"1.2"``)
    package_weight: Decimal | None = None
    carton_number: str | None = None
    quantity_in_box: int | None = None
    serial_numbers: list[SerialNumber] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class CarrierDetail:
    """The carrier that moves (part of) a shipment, its dates and its packages."""

    carrier_code: str | None = None
    carrier_name: str | None = None
    quantity: int | None = None
    shipped_date: date | None = None
    estimated_delivery_date: date | None = None
    delivered_date: date | None = None
    carrier_pickup_date: date | None = None
    tracking_details: list[TrackingDetail] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class ShipmentDetail:
    """A shipment of (part of) an order line: warehouse, invoice, dates and carriers."""

    quantity: int | None = None
    delivery_number: str | None = None
    estimated_ship_date: date | None = None
    shipped_date: date | None = None
    estimated_delivery_date: date | None = None
    ship_from_warehouse_id: str | None = None
    ship_from_location: str | None = None
    invoice_number: str | None = None
    invoice_date: date | None = None
    carrier_details: list[CarrierDetail] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class ContractInfo:
    """The service contract a line belongs to."""

    contract_description: str | None = None
    contract_number: str | None = None
    contract_status: str | None = None
    contract_start_date: date | None = None
    contract_end_date: date | None = None
    contract_duration: str | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class SubscriptionInfo:
    """The subscription a line belongs to (wire ``subscriptions``, a single object).

    The wire misspells the dates ``subcriptionStartDate`` / ``subcriptionEndDate``.
    """

    subscription_id: str | None = None
    subscription_term: str | None = None
    renewal_term: str | None = None
    billing_model: str | None = None
    subscription_start_date: date | None = wire("subcriptionStartDate")
    subscription_end_date: date | None = wire("subcriptionEndDate")
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class LicenseInfo:
    """The software licence(s) a line delivered."""

    #: licence keys (wire ``licenseNumber``, a list)
    license_numbers: list[str] = wire_list("licenseNumber")
    license_start_date: date | None = None
    license_end_date: date | None = None
    description: str | None = None
    quantity: int | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class ServiceContractInfo:
    """Contract, subscription and licence data of a service or software line."""

    contract_info: ContractInfo | None = None
    subscription: SubscriptionInfo | None = wire("subscriptions")
    license_info: LicenseInfo | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class DateRange:
    """A ``{startDate, endDate}`` range (either end may be missing)."""

    start_date: date | None = None
    end_date: date | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class ShipEstimate:
    """When a line is expected to ship, and who says so."""

    ship_date_type: str | None = None
    ship_date_range: DateRange | None = None
    ship_source: str | None = None
    ship_description: str | None = None
    ship_date: date | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class DeliveryEstimate:
    """When a line is expected to be delivered, and who says so."""

    delivery_date_type: str | None = None
    delivery_date_range: DateRange | None = None
    delivery_source: str | None = None
    delivery_description: str | None = None
    delivery_date: date | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class EstimatedDate:
    """One entry of a line's ``estimatedDates``: a ship estimate or a delivery estimate."""

    ship: ShipEstimate | None = None
    delivery: DeliveryEstimate | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class ScheduleLine:
    """A schedule line of an order line (SAP): requested vs confirmed quantity by date."""

    line_number: str | None = None
    schedule_line_date: date | None = None
    requested_quantity: int | None = None
    confirmed_quantity: int | None = None
    goods_issue_date: date | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class PlannedShipment:
    """One planned (partial) shipment of a line (wire ``multipleShipments``)."""

    line_number: str | None = None
    requested_quantity: int | None = None
    confirmed_quantity: int | None = None
    date_type: str | None = None
    date_range: DateRange | None = None
    source: str | None = None
    description: str | None = None
    #: the date the entry is about (the ship date, in the spec's examples)
    date: dt.date | None = None
    delivery_date: dt.date | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class OrderLine(Display):
    """A line of an order: product, prices, quantities, shipments and service data.

    The wire misspells the requested delivery date ``requestedDeliverydate``.
    """

    sub_order_number: str | None = None
    ingram_order_line_number: str | None = None
    vendor_sales_order_line_number: str | None = None
    customer_line_number: str | None = None
    line_status: str | None = None
    ingram_part_number: str | None = None
    vendor_part_number: str | None = None
    vendor_name: str | None = None
    part_description: str | None = None
    unit_weight: Decimal | None = None
    weight_uom: str | None = None
    unit_price: Decimal | None = None
    upc_code: str | None = None
    extended_price: Decimal | None = None
    tax_amount: Decimal | None = None
    currency_code: str | None = None
    quantity_ordered: int | None = None
    quantity_confirmed: int | None = None
    quantity_back_ordered: int | None = None
    special_bid_number: str | None = None
    requested_delivery_date: date | None = wire("requestedDeliverydate")
    promised_delivery_date: date | None = None
    back_order_eta_date: date | None = wire("backOrderETADate")
    line_notes: str | None = None
    shipment_details: list[ShipmentDetail] = attrs.field(factory=list)
    service_contract_info: ServiceContractInfo | None = None
    additional_attributes: list[AdditionalAttribute] = attrs.field(factory=list)
    links: list[Link] = attrs.field(factory=list)
    estimated_dates: list[EstimatedDate] = attrs.field(factory=list)
    schedule_lines: list[ScheduleLine] = attrs.field(factory=list)
    #: planned partial shipments (wire ``multipleShipments``)
    planned_shipments: list[PlannedShipment] = wire_list("multipleShipments")
    default_carrier_name: str | None = None
    extras: dict[str, Any] = extras_field()

    #: ``line_status`` normalised (``OrderStatus.CANCELLED`` for ``"Canceled"``)
    status = StatusOf("line_status")
    #: the status as sent, behind ``status`` (the value of an ``UNKNOWN`` one)
    status_raw = RawStatusOf("line_status")

    def tracking_numbers(self) -> list[str]:
        """Every tracking number of this line's shipments, in order (one ``trackingNumber``
        holding several, separated by commas or spaces, gives each)."""
        return [
            number
            for s in self.shipment_details
            for c in s.carrier_details
            for t in c.tracking_details
            for number in tracking_numbers_in(t.tracking_number, t.extras)
        ]

    def serial_numbers(self) -> list[str]:
        """Every serial number shipped on this line, in order, each once: under
        ``serialNumbers`` or its variants (``SerialNumbers``, ``serialnumbers``) in each
        package, or on the line itself."""
        found = [
            number
            for s in self.shipment_details
            for c in s.carrier_details
            for t in c.tracking_details
            for number in serial_numbers_in(t.serial_numbers, t.extras)
        ]
        found += serial_numbers_in((), self.extras)
        return list(dict.fromkeys(found))


@attrs.define(kw_only=True)
class OrderDetail(Display):
    """An order's full details (OrderDetailB2B), as ``GET /resellers/v6.1/orders/{n}`` returns.

    ``ingram_order_date`` is a timezone-aware datetime; money is ``Decimal``.
    ``response`` carries the HTTP exchange (status, headers, correlation ID).
    """

    ingram_order_number: str | None = None
    ingram_order_date: datetime | None = None
    order_type: str | None = None
    customer_order_number: str | None = None
    end_customer_order_number: str | None = None
    web_order_id: str | None = None
    vendor_sales_order_number: str | None = None
    ingram_purchase_order_number: str | None = None
    order_status: str | None = None
    order_total: Decimal | None = None
    order_sub_total: Decimal | None = None
    freight_charges: Decimal | None = None
    currency_code: str | None = None
    total_weight: Decimal | None = None
    total_tax: Decimal | None = None
    total_fees: Decimal | None = None
    payment_terms: str | None = None
    notes: str | None = None
    bill_to_info: Address | None = None
    ship_to_info: Address | None = None
    end_user_info: Address | None = None
    lines: list[OrderLine] = attrs.field(factory=list)
    miscellaneous_charges: list[MiscellaneousCharge] = attrs.field(factory=list)
    additional_attributes: list[AdditionalAttribute] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()
    response: ResponseMeta | None = attrs.field(
        default=None, eq=False, repr=False, metadata={"wire": None}
    )

    @property
    def total(self) -> Decimal | None:
        """The order total (subtotal + freight + tax), ``order_total``."""
        return self.order_total

    #: ``order_status`` normalised (``OrderStatus.CANCELLED`` for ``"Canceled"``)
    status = StatusOf("order_status")
    #: the status as sent, behind ``status`` (the value of an ``UNKNOWN`` one)
    status_raw = RawStatusOf("order_status")

    @property
    def lines_missing(self) -> bool:
        """Whether the answer has no lines for an order that must have some.

        Every order has lines, yet v6.1 details sometimes come back without them (other
        integrations then ask another API version). A bulk export should treat such an
        order as incomplete, not as an empty order.
        """
        return not self.lines and self.ingram_order_number is not None

    @property
    def sub_order_numbers(self) -> list[str]:
        """The distinct sub-order numbers of the lines, in first-seen order."""
        return list(dict.fromkeys(ln.sub_order_number for ln in self.lines if ln.sub_order_number))

    def tracking_numbers(self) -> list[str]:
        """Every tracking number of every line, in order."""
        return [n for line in self.lines for n in line.tracking_numbers()]

    def serial_numbers(self) -> list[str]:
        """Every serial number shipped on any line, in order."""
        return [n for line in self.lines for n in line.serial_numbers()]
