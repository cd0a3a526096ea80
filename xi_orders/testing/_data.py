"""Seeded, realistic data for the sandbox: a product catalogue, addresses and orders.

Everything here is plain JSON-ready dicts using the Orders API's wire names. Nothing is
copied from the spec's examples: names, numbers and amounts are generated from word lists
and a seeded :class:`random.Random`, so the same seed (and the same clock start) gives the
same data, byte for byte. Imports only ``_vocab``: no HTTP, no store, never the SDK's models.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from ._vocab import (
    _CITIES,
    _CO_A,
    _CO_B,
    _FIRST,
    _LAST,
    _RESELLERS,
    _STREETS,
    _TRACKING_URLS,
    _VENDORS,
)
from ._vocab import CARRIERS as CARRIERS
from ._vocab import CURRENCIES as CURRENCIES
from ._vocab import VIRTUAL_CARRIER as VIRTUAL_CARRIER
from ._vocab import WAREHOUSES as WAREHOUSES

JSON = dict[str, Any]

#: Ingram Micro US reports times in Pacific time; a fixed offset keeps the data simple.
LOCAL_TZ = timezone(timedelta(hours=-7))

ORDER_CHARS = "0123456789BCDFGHJKLMNPQRSTVWXZ"
PART_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class CatalogItem:
    """One product the sandbox knows: ordering an unknown part number is rejected."""

    #: Ingram Micro SKU (6 characters, e.g. ``"7KX204"``)
    ingram_part_number: str
    vendor_part_number: str
    vendor_name: str
    vendor_number: str
    description: str
    #: list price in the sandbox's currency, with cents
    unit_price: float
    upc: str
    #: ``"hw"`` (serialized hardware), ``"acc"`` (accessory) or ``"sw"`` (licence/service)
    kind: str
    #: False: orders for it are backordered
    in_stock: bool
    unit_weight: float
    #: the warehouse it ships from
    warehouse_id: str
    #: a cloud subscription's plan ID (``""`` for other products)
    plan_id: str = ""
    plan_name: str = ""
    #: the subscription and billing periods a plan offers: ``(("Months", 1), ("Years", 1))``
    subscription_periods: tuple[tuple[str, int], ...] = ()
    billing_periods: tuple[tuple[str, int], ...] = ()
    #: the fields its vendor requires before an order is placed (Vendor Required Info),
    #: as the API answers them: ``(("vmf" or "vri", JSON text of the group), ...)``;
    #: empty for most products. See ``_vendor_catalog``.
    vendor_fields: tuple[tuple[str, str], ...] = ()


# ---------------------------------------------------------------------------- helpers


def money(value: float) -> float:
    """Round to cents (the API sends money as JSON numbers with two decimals at most)."""
    return round(value + 0.0, 2)


def local_dt(ts: float) -> datetime:
    """A timestamp as a datetime in the sandbox's reporting time zone."""
    return datetime.fromtimestamp(ts, tz=LOCAL_TZ)


def iso_local(ts: float) -> str:
    """``2024-05-13T09:41:07-07:00``."""
    return local_dt(ts).isoformat(timespec="seconds")


_EPOCH_DAY = date(1970, 1, 1)
_OFFSET = timedelta(hours=-7).total_seconds()


@lru_cache(maxsize=8192)
def _day_of(index: int) -> str:
    return (_EPOCH_DAY + timedelta(days=index)).isoformat()


def day(ts: float) -> str:
    """``2024-05-13`` (in the reporting time zone)."""
    return _day_of(int((ts + _OFFSET) // 86400))


def iso_utc_ms(ts: float) -> str:
    """``2024-04-23T15:03:11.267Z`` (webhook timestamps)."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def order_number(rng: random.Random, prefix: str = "20") -> str:
    """A branch prefix (``20-``) and five characters, as Ingram Micro numbers orders."""
    return prefix + "-" + "".join(rng.choices(ORDER_CHARS, k=5))


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randrange(10**n)).zfill(n)


def _alnum(rng: random.Random, n: int, alphabet: str = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") -> str:
    return "".join(rng.choices(alphabet, k=n))


def contact_name(rng: random.Random) -> str:
    """A person's name, upper case as Ingram Micro's systems keep it."""
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def address(rng: random.Random, country: str, *, company: str | None = None) -> JSON:
    """An address block (billToInfo / shipToInfo / endUserInfo shape)."""
    city, state, zip3 = rng.choice(_CITIES)
    contact = contact_name(rng)
    company = company or f"{rng.choice(_CO_A)} {rng.choice(_CO_B)}"
    first, last = contact.lower().split(" ", 1)
    domain = company.split(" ")[0].lower().replace("-", "") + ".example"
    line2 = rng.choice(("", "", f"SUITE {rng.randint(100, 950)}", f"BLDG {rng.randint(1, 9)}"))
    return {
        "contact": contact,
        "companyName": company,
        "addressLine1": f"{rng.randint(10, 19999)} {rng.choice(_STREETS)}",
        "addressLine2": line2,
        "addressLine3": "",
        "city": city,
        "state": state,
        "postalCode": zip3 + _digits(rng, 6),
        "countryCode": country,
        "phoneNumber": rng.choice("2345678") + _digits(rng, 9),
        "email": f"{first}.{last}@{domain}",
    }


def reseller_address(customer_number: str, country: str) -> JSON:
    """The bill-to block of a reseller account (stable per customer number)."""
    rng = random.Random(f"reseller:{customer_number}")
    return address(rng, country, company=rng.choice(_RESELLERS))


# ---------------------------------------------------------------------------- catalogue


def _ingram_part(rng: random.Random, taken: set[str]) -> str:
    while True:
        head = rng.choice(("0123456789", PART_LETTERS))
        part = (
            rng.choice(head)
            + rng.choice(PART_LETTERS)
            + rng.choice(PART_LETTERS + "0123456789")
            + _digits(rng, 3)
        )
        if part not in taken:
            taken.add(part)
            return part


def build_catalog(rng: random.Random, size: int) -> dict[str, CatalogItem]:
    """``size`` products across the vendor list, keyed by Ingram part number."""
    items: dict[str, CatalogItem] = {}
    taken: set[str] = set()
    vendor_parts: set[str] = set()
    products = [(v, p) for v in _VENDORS for p in v[3]]
    for i in range(size):
        (vendor, vnum, vprefix, _), (desc, lo, hi, kind) = products[i % len(products)]
        while True:
            vpn = f"{vprefix}{_alnum(rng, 3)}-{_alnum(rng, 2)}{rng.choice(('', '-K9', '#ABA', '-US'))}"
            if vpn not in vendor_parts:
                vendor_parts.add(vpn)
                break
        ipn = _ingram_part(rng, taken)
        price = money(rng.uniform(lo, hi))
        weight = 0.0 if kind == "sw" else round(rng.uniform(0.2, 40.0 if price > 1000 else 8.0), 1)
        items[ipn] = CatalogItem(
            ingram_part_number=ipn,
            vendor_part_number=vpn,
            vendor_name=vendor,
            vendor_number=vnum,
            description=desc
            if i < len(products)
            else f"{desc} {rng.choice(('BNDL', 'TAA', 'EDU', 'GOV', 'PROMO'))}",
            unit_price=price,
            upc="" if kind == "sw" else "0" + _digits(rng, 11),
            kind=kind,
            in_stock=kind == "sw" or rng.random() > 0.2,
            unit_weight=weight,
            warehouse_id=rng.choice(WAREHOUSES)[0],
        )
    return items


# ---------------------------------------------------------------------------- statuses

#: line statuses as the detail endpoint spells them
HOLD = "On Hold"
IN_PROGRESS = "In Progress"
BACKORDERED = "Backordered"
SHIPPED = "Shipped"
DELIVERED = "Delivered"
CANCELED = "Canceled"

#: detail line status -> search / filter spelling
SEARCH_STATUS = {
    HOLD: "ON HOLD",
    IN_PROGRESS: "PROCESSING",
    BACKORDERED: "BACKORDERED",
    SHIPPED: "SHIPPED",
    DELIVERED: "DELIVERED",
    CANCELED: "CANCELLED",
}
#: the values the search endpoint accepts in orderStatus / orderStatus-in
SEARCH_FILTER_STATUSES = frozenset({"SHIPPED", "PROCESSING", "ON HOLD", "BACKORDERED", "CANCELLED"})


def header_status(line_statuses: Iterable[str]) -> str:
    """The order-level status (detail spelling) implied by its lines' statuses."""
    statuses = list(line_statuses)
    live = [s for s in statuses if s != CANCELED]
    if not live:
        return "Canceled"
    if HOLD in live:
        return "On Hold"
    if all(s == DELIVERED for s in live):
        return "Delivered"
    if all(s in (SHIPPED, DELIVERED) for s in live):
        return "Shipped"
    if BACKORDERED in live and not any(s in (SHIPPED, DELIVERED) for s in live):
        return "Backordered"
    return "Processing"


def search_header_status(line_statuses: Iterable[str]) -> str:
    """The search result's header status: OPEN, CLOSED or CANCELLED."""
    statuses = list(line_statuses)
    if all(s == CANCELED for s in statuses):
        return "CANCELLED"
    if all(s in (SHIPPED, DELIVERED, CANCELED) for s in statuses):
        return "CLOSED"
    return "OPEN"


# ---------------------------------------------------------------------------- shipments


def tracking_number(rng: random.Random, style: str) -> str:
    """A carrier-looking tracking number."""
    if style == "ups":
        return "1Z" + _alnum(rng, 6) + _digits(rng, 10)
    if style == "ontrac":
        return "D" + _digits(rng, 14)
    return _digits(rng, 12)


def serial_number(rng: random.Random, vendor_number: str) -> str:
    """A vendor-looking serial number."""
    return vendor_number[0] + _alnum(rng, 3) + "-" + _alnum(rng, 4) + "-" + _alnum(rng, 4)


def shipped_detail(
    rng: random.Random,
    item: CatalogItem,
    qty: int,
    ship_ts: float,
    *,
    delivered: bool,
    invoiced: bool,
    warehouse: tuple[str, str],
) -> JSON:
    """One ``shipmentDetails`` entry for ``qty`` units shipped at ``ship_ts``."""
    eta = ship_ts + 86400 * rng.randint(1, 5)
    if item.kind == "sw":
        code, name = VIRTUAL_CARRIER
        carrier: JSON = {
            "carrierCode": code,
            "carrierName": name,
            "quantity": qty,
            "shippedDate": day(ship_ts),
            "estimatedDeliveryDate": day(ship_ts),
            "deliveredDate": day(ship_ts),
            "carrierPickupDate": day(ship_ts),
            "trackingDetails": [],
        }
    else:
        code, name, style = rng.choice(CARRIERS)
        cartons: list[JSON] = []
        per_box = max(1, min(qty, rng.choice((1, 2, 5, 10))))
        left = qty
        carton = 1
        while left > 0 and carton <= 6:
            in_box = left if carton == 6 else min(per_box, left)
            trk = tracking_number(rng, style)
            serials = (
                [
                    {"serialNumber": serial_number(rng, item.vendor_number)}
                    for _ in range(min(in_box, 10))
                ]
                if item.kind == "hw"
                else []
            )
            cartons.append(
                {
                    "trackingNumber": trk,
                    "trackingUrl": _TRACKING_URLS[style].format(trk),
                    "packageWeight": f"{max(0.1, item.unit_weight * in_box):.1f}",
                    "cartonNumber": str(carton),
                    "quantityInBox": str(in_box),
                    "serialNumbers": serials,
                }
            )
            left -= in_box
            carton += 1
        carrier = {
            "carrierCode": code,
            "carrierName": name,
            "quantity": qty,
            "shippedDate": day(ship_ts),
            "estimatedDeliveryDate": day(eta),
            "carrierPickupDate": day(ship_ts),
            "trackingDetails": cartons,
        }
        if delivered:
            carrier["deliveredDate"] = day(eta)
    detail: JSON = {
        "quantity": qty,
        "deliveryNumber": "8" + _digits(rng, 7),
        "estimatedShipDate": day(ship_ts),
        "shippedDate": day(ship_ts),
        "estimatedDeliveryDate": day(eta),
        "shipFromWarehouseId": warehouse[0],
        "shipFromLocation": warehouse[1],
        "carrierDetails": [carrier],
    }
    if invoiced:
        detail["invoiceNumber"] = _digits(rng, 2) + _alnum(rng, 6)
        detail["invoiceDate"] = day(ship_ts + 86400)
    return detail


def pending_detail(
    item: CatalogItem, qty: int, est_ship_ts: float, warehouse: tuple[str, str]
) -> JSON:
    """A ``shipmentDetails`` entry for units not shipped yet."""
    return {
        "quantity": qty,
        "estimatedShipDate": day(est_ship_ts),
        "shipFromWarehouseId": warehouse[0],
        "shipFromLocation": warehouse[1],
    }


def warehouse_of(item: CatalogItem) -> tuple[str, str]:
    """The (id, location) an item ships from."""
    for wh in WAREHOUSES:
        if wh[0] == item.warehouse_id:
            return wh
    return WAREHOUSES[0]


def set_line_state(
    rng: random.Random,
    line: JSON,
    item: CatalogItem,
    state: str,
    *,
    now: float,
    created_at: float,
    ship_qty: int | None = None,
) -> None:
    """Rewrite a detail line (in place) to ``state``, with shipments that fit it."""
    qty = int(line["quantityOrdered"])
    wh = warehouse_of(item)
    line.pop("backOrderETADate", None)
    line.pop("links", None)
    line["lineStatus"] = state
    if state in (SHIPPED, DELIVERED):
        shipped = qty if ship_qty is None else max(1, min(qty, ship_qty))
        ship_ts = min(now, max(created_at + 3600, created_at + 86400 * rng.uniform(0.5, 4)))
        age = now - ship_ts
        invoiced = age > 86400
        delivered = state == DELIVERED
        details = [
            shipped_detail(
                rng, item, shipped, ship_ts, delivered=delivered, invoiced=invoiced, warehouse=wh
            )
        ]
        line["quantityConfirmed"] = qty
        line["quantityBackOrdered"] = qty - shipped
        if shipped < qty:
            details.append(pending_detail(item, qty - shipped, now + 86400 * 7, wh))
            line["backOrderETADate"] = day(now + 86400 * 7)
        line["shipmentDetails"] = details
        if invoiced and "invoiceNumber" in details[0]:
            line["links"] = [
                {
                    "topic": "invoices",
                    "href": f"/resellers/v6/invoices/{details[0]['invoiceNumber']}",
                    "type": "GET",
                }
            ]
    elif state == BACKORDERED:
        line["quantityConfirmed"] = 0
        line["quantityBackOrdered"] = qty
        eta = now + 86400 * rng.randint(5, 30)
        line["backOrderETADate"] = day(eta)
        line["shipmentDetails"] = [pending_detail(item, qty, eta, wh)]
    elif state == CANCELED:
        line["quantityConfirmed"] = 0
        line["quantityBackOrdered"] = 0
        line["shipmentDetails"] = []
    else:  # In Progress, On Hold
        line["quantityConfirmed"] = qty if item.in_stock else 0
        line["quantityBackOrdered"] = 0 if item.in_stock else qty
        line["shipmentDetails"] = [pending_detail(item, qty, max(now, created_at) + 86400 * 2, wh)]


def make_line(
    item: CatalogItem,
    *,
    order_no: str,
    suffix: str,
    index: int,
    qty: int,
    unit_price: float | None,
    customer_line: str,
    currency: str,
    notes: str = "",
    special_bid: str = "",
    vendor_so_line: str = "",
) -> JSON:
    """A detail line (OrderDetailB2B ``lines[]``) before its state is set."""
    price = money(unit_price if unit_price is not None else item.unit_price)
    line: JSON = {
        "subOrderNumber": f"{order_no}-{suffix}",
        "ingramOrderLineNumber": f"{index:03d}",
        "vendorSalesOrderLineNumber": vendor_so_line,
        "customerLineNumber": customer_line,
        "lineStatus": IN_PROGRESS,
        "ingramPartNumber": item.ingram_part_number,
        "vendorPartNumber": item.vendor_part_number,
        "vendorName": item.vendor_name,
        "partDescription": item.description,
        "unitWeight": item.unit_weight,
        "weightUom": "LB",
        "unitPrice": price,
        "upcCode": item.upc,
        "extendedPrice": money(price * qty),
        "taxAmount": 0.0,
        "currencyCode": currency,
        "quantityOrdered": qty,
        "quantityConfirmed": 0,
        "quantityBackOrdered": 0,
        "specialBidNumber": special_bid,
        "requestedDeliverydate": "",
        "promisedDeliveryDate": "",
        "lineNotes": notes,
        "shipmentDetails": [],
        "additionalAttributes": [],
    }
    return line


def suborder_suffix(warehouse_ids: list[str], item: CatalogItem) -> str:
    """Sub-orders are numbered per shipping warehouse: ``-11``, ``-21``, ``-31``..."""
    if item.warehouse_id not in warehouse_ids:
        warehouse_ids.append(item.warehouse_id)
    return f"{warehouse_ids.index(item.warehouse_id) + 1}1"


def licence_info(rng: random.Random, item: CatalogItem, start_ts: float) -> JSON:
    """serviceContractInfo for a licence / service line."""
    years = rng.choice((1, 1, 3))
    return {
        "contractInfo": {
            "contractDescription": item.description,
            "contractNumber": "2" + _digits(rng, 8),
            "contractStatus": "ACTIVE",
            "contractStartDate": day(start_ts),
            "contractEndDate": day(start_ts + 86400 * 365 * years),
            "contractDuration": f"{12 * years} MONTHS",
        },
        "licenseInfo": {
            "licenseNumber": [_alnum(rng, 11)],
            "licenseStartDate": day(start_ts),
            "licenseEndDate": day(start_ts + 86400 * 365 * years),
            "quantity": "1",
        },
    }


def recompute_totals(detail: JSON) -> None:
    """Order totals from its live lines and charges (in place)."""
    subtotal = 0.0
    tax = 0.0
    weight = 0.0
    for line in detail["lines"]:
        if line["lineStatus"] == CANCELED:
            continue
        line["extendedPrice"] = money(line["unitPrice"] * line["quantityOrdered"])
        subtotal += line["extendedPrice"]
        tax += line["taxAmount"]
        weight += line["unitWeight"] * line["quantityOrdered"]
    fees = sum(float(c["chargeAmount"]) for c in detail.get("miscellaneousCharges") or ())
    live = any(line["lineStatus"] != CANCELED for line in detail["lines"])
    freight = detail["freightCharges"] if live else 0.0
    detail["orderSubTotal"] = money(subtotal)
    detail["totalTax"] = money(tax)
    detail["totalFees"] = money(fees if live else 0.0)
    detail["freightCharges"] = money(freight)
    detail["totalWeight"] = round(weight, 1)
    detail["orderTotal"] = money(subtotal + tax + freight + (fees if live else 0.0))
    detail["orderStatus"] = header_status(line["lineStatus"] for line in detail["lines"])


# ---------------------------------------------------------------------------- orders


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while seeding orders.

    Seeding allocates millions of small dicts and lists that all stay alive. With the
    collector on, every full collection walks everything built so far, which made seeding
    grow faster than the order count (10,000 orders: ~8 s; 50,000: ~45 s). Nothing built
    here is garbage, so pausing it loses nothing; it is switched back on (if it was on).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class SeedOrder:
    """What the generator produces for one seeded order."""

    detail: JSON
    owner: str
    created_at: float
    hold: bool


def _pick_state(rng: random.Random, age_days: float) -> str:
    roll = rng.random()
    if roll < 0.04:
        return "canceled"
    if age_days > 20:
        return "delivered" if roll < 0.80 else ("shipped" if roll < 0.93 else "backordered")
    if age_days > 3:
        return (
            "shipped"
            if roll < 0.55
            else "partial"
            if roll < 0.70
            else "processing"
            if roll < 0.88
            else "backordered"
        )
    return "processing" if roll < 0.60 else "backordered" if roll < 0.82 else "shipped"


def build_order(
    rng: random.Random,
    *,
    number: str,
    owner: str,
    country: str,
    currency: str,
    created_at: float,
    now: float,
    catalog: Sequence[CatalogItem],
    state: str,
) -> JSON:
    """One seeded order (OrderDetailB2B shape) in ``state``."""
    n_lines = rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6))
    items = rng.sample(list(catalog), n_lines)
    ship_to = address(rng, country)
    direct = rng.random() < 0.35
    bid = f"{rng.randint(10, 99)}{_digits(rng, 6)}" if rng.random() < 0.2 else ""
    warehouses: list[str] = []
    lines: list[JSON] = []
    for i, item in enumerate(items, start=1):
        qty = rng.randint(1, 3) if item.unit_price > 1000 else rng.randint(1, 12)
        suffix = suborder_suffix(warehouses, item)
        line = make_line(
            item,
            order_no=number,
            suffix=suffix,
            index=i,
            qty=qty,
            unit_price=None,
            customer_line=f"{i:03d}",
            currency=currency,
            special_bid=bid,
            vendor_so_line=_digits(rng, 9) if rng.random() < 0.5 else "",
            notes=rng.choice(("", "", "", f"EU# {_digits(rng, 9)} {ship_to['companyName'][:20]}")),
        )
        line["promisedDeliveryDate"] = day(created_at + 86400 * rng.randint(3, 10))
        if item.kind == "sw":
            line["serviceContractInfo"] = licence_info(rng, item, created_at)
        if state == "delivered":
            line_state = DELIVERED
        elif state == "shipped":
            line_state = SHIPPED
        elif state == "partial":
            line_state = SHIPPED if i % 2 == 1 else BACKORDERED
        elif state == "backordered":
            line_state = BACKORDERED
        elif state == "canceled":
            line_state = CANCELED
        elif state == "hold":
            line_state = HOLD
        else:
            line_state = IN_PROGRESS if item.in_stock else BACKORDERED
        set_line_state(rng, line, item, line_state, now=now, created_at=created_at)
        lines.append(line)
    charges: list[JSON] = []
    if rng.random() < 0.3:
        charges.append(
            {
                "subOrderNumber": lines[0]["subOrderNumber"],
                "chargeLineReference": str(rng.randint(800, 899)),
                "chargeDescription": rng.choice(
                    ("RECYCLING FEE", "HANDLING FEE", "ELECTRONIC WASTE FEE")
                ),
                "chargeAmount": f"{rng.uniform(1, 25):.2f}",
            }
        )
    po = rng.choice(("PO", "PO-", "", "REQ")) + _digits(rng, rng.choice((5, 6, 7)))
    end_po = f"EU{_digits(rng, 6)}" if direct else ""
    freight = 0.0 if rng.random() < 0.6 else money(rng.uniform(7, 60))
    tax_rate = rng.choice((0.0, 0.0, 0.0625, 0.0725, 0.0825))
    for line in lines:
        line["taxAmount"] = money(line["extendedPrice"] * tax_rate)
    detail: JSON = {
        "ingramOrderNumber": number,
        "ingramOrderDate": iso_local(created_at),
        "orderType": "D" if direct else "S",
        "customerOrderNumber": po,
        "endCustomerOrderNumber": end_po,
        "webOrderId": _digits(rng, 8),
        "vendorSalesOrderNumber": _digits(rng, 9) if direct else "",
        "ingramPurchaseOrderNumber": _digits(rng, 2) + _alnum(rng, 5),
        "orderStatus": "",
        "orderTotal": 0.0,
        "orderSubTotal": 0.0,
        "freightCharges": freight,
        "currencyCode": currency,
        "totalWeight": 0.0,
        "totalTax": 0.0,
        "totalFees": 0.0,
        "paymentTerms": rng.choice(("NET 30 DAYS", "NET 30 DAYS", "NET 45 DAYS", "NET 20 DAYS")),
        "notes": rng.choice(
            ("", "", "DIRECT SHIP || DELIVER TO RECEIVING DOCK", "CALL BEFORE DELIVERY")
        ),
        "billToInfo": reseller_address(owner, country),
        "shipToInfo": ship_to,
        "lines": lines,
        "miscellaneousCharges": charges,
        "additionalAttributes": [],
    }
    if direct:
        detail["endUserInfo"] = copy.deepcopy(ship_to)
    recompute_totals(detail)
    return detail


def generate_orders(
    rng: random.Random,
    *,
    count: int,
    customers: Sequence[str],
    country: str,
    currency: str,
    now: float,
    span_days: float,
    catalog: Mapping[str, CatalogItem],
    taken: set[str],
) -> list[SeedOrder]:
    """``count`` orders spread over ``span_days`` before ``now``, round-robin over customers.

    About 3% sit on customer hold, created within the last 20 hours so they can still be
    modified, released or cancelled; older orders are mostly shipped and delivered.
    """
    items = list(catalog.values())
    out: list[SeedOrder] = []
    for i in range(count):
        owner = customers[i % len(customers)]
        while True:
            number = order_number(rng)
            if number not in taken:
                taken.add(number)
                break
        hold = rng.random() < 0.03
        if hold:
            created = now - rng.uniform(600, 20 * 3600)
            state = "hold"
        else:
            created = now - rng.uniform(3600, span_days * 86400)
            state = _pick_state(rng, (now - created) / 86400)
        detail = build_order(
            rng,
            number=number,
            owner=owner,
            country=country,
            currency=currency,
            created_at=created,
            now=now,
            catalog=items,
            state=state,
        )
        out.append(SeedOrder(detail=detail, owner=owner, created_at=created, hold=hold))
    return out
