"""Orders held in memory: each order's detail JSON and what is derived from it (search
index, summary, cached bytes), and the lookups by number, sub-order, PO number and customer.

Owns no rules (see ``_lifecycle``) and no HTTP. Imports only ``_data`` and ``_http``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator
from typing import Any

from . import _data as d
from ._http import JSON, dumps

_SEARCH_STATUS = {
    "Canceled": "CANCELLED",
    "On Hold": "ON HOLD",
    "Delivered": "DELIVERED",
    "Shipped": "SHIPPED",
    "Backordered": "BACKORDERED",
    "Processing": "PROCESSING",
}


class StoredOrder:
    """One order: its detail JSON (the source of truth) and what is derived from it."""

    __slots__ = (
        "_detail_bytes",
        "_summary",
        "_summary_bytes",
        "created_at",
        "detail",
        "hold",
        "idx",
        "number",
        "owner",
        "po_key",
        "seq",
        "sim_cache",
    )

    def __init__(self, detail: JSON, owner: str, created_at: float, hold: bool, seq: int) -> None:
        self.number: str = detail["ingramOrderNumber"]
        self.detail = detail
        self.owner = owner
        self.created_at = created_at
        self.hold = hold
        self.seq = seq
        self.po_key = str(detail["customerOrderNumber"]).upper()
        self._detail_bytes: bytes | None = None
        self._summary: JSON = {}
        self._summary_bytes: bytes | None = None
        self.idx: dict[str, Any] = {}
        self.sim_cache: dict[str, bytes] = {}
        self.reindex()

    def reindex(self) -> None:
        """Recompute everything derived from ``detail`` (after any change)."""
        det = self.detail
        d.recompute_totals(det)
        lines = det["lines"]
        statuses = [ln["lineStatus"] for ln in lines]
        if self.hold:
            det["orderStatus"] = "On Hold"
        subs: dict[str, list[JSON]] = {}
        for ln in lines:
            subs.setdefault(ln["subOrderNumber"], []).append(ln)
        sub_orders = []
        sub_statuses: set[str] = set()
        for sub, sub_lines in subs.items():
            status = d.header_status(ln["lineStatus"] for ln in sub_lines)
            search_status = _SEARCH_STATUS[status]
            sub_statuses.add(search_status)
            total = sum(ln["extendedPrice"] for ln in sub_lines if ln["lineStatus"] != d.CANCELED)
            sub_orders.append(
                {
                    "subOrderNumber": sub,
                    "subOrderTotal": f"{total:.2f}",
                    "subOrderStatus": search_status,
                    "links": {
                        "topic": "orders",
                        "href": f"/resellers/v6.1/orders/{sub}",
                        "type": "GET",
                    },
                }
            )
        first = lines[0] if lines else {}
        summary = {
            "ingramOrderNumber": self.number,
            "ingramOrderDate": det["ingramOrderDate"],
            "customerOrderNumber": det["customerOrderNumber"],
            "vendorSalesOrderNumber": det.get("vendorSalesOrderNumber", ""),
            "vendorName": first.get("vendorName", ""),
            "endUserCompanyName": (det.get("endUserInfo") or {}).get("companyName", ""),
            "orderTotal": f"{det['orderTotal']:.2f}",
            "orderStatus": d.search_header_status(statuses) if not self.hold else "OPEN",
            "subOrders": sub_orders,
            "links": {
                "topic": "orders",
                "href": f"/resellers/v6.1/orders/{self.number}",
                "type": "GET",
            },
        }
        ships = [s for ln in lines for s in ln["shipmentDetails"]]
        carriers = [c for s in ships for c in s.get("carrierDetails") or ()]
        tracks = [t for c in carriers for t in c.get("trackingDetails") or ()]
        self.idx = {
            "ingramOrderNumber": {self.number.lower()} | {s.lower() for s in subs},
            "customerOrderNumber": {str(det["customerOrderNumber"]).lower()},
            "endCustomerOrderNumber": {str(det.get("endCustomerOrderNumber", "")).lower()},
            "ingramPartNumber": {ln["ingramPartNumber"].lower() for ln in lines},
            "vendorPartNumber": {ln["vendorPartNumber"].lower() for ln in lines},
            "specialBidNumber": {
                ln["specialBidNumber"].lower() for ln in lines if ln["specialBidNumber"]
            },
            "vendorName": [ln["vendorName"].lower() for ln in lines],
            "trackingNumber": {t["trackingNumber"].lower() for t in tracks},
            "serialNumber": {
                s["serialNumber"].lower() for t in tracks for s in t.get("serialNumbers") or ()
            },
            "status": sub_statuses | {"ON HOLD"} if self.hold else sub_statuses,
            "day": det["ingramOrderDate"][:10],
            "invoiceDate_bt": {s["invoiceDate"] for s in ships if s.get("invoiceDate")},
            "shipDate_bt": {c["shippedDate"] for c in carriers if c.get("shippedDate")},
            "deliveryDate_bt": {
                c.get("deliveredDate") or c.get("estimatedDeliveryDate", "") for c in carriers
            }
            - {""},
        }
        self._summary = summary
        self._detail_bytes = None
        self._summary_bytes = None
        self.sim_cache = {}

    @property
    def detail_bytes(self) -> bytes:
        """The detail JSON, serialised once per change."""
        if self._detail_bytes is None:
            self._detail_bytes = dumps(self.detail)
        return self._detail_bytes

    @property
    def summary_bytes(self) -> bytes:
        """The search-result entry JSON, serialised once per change."""
        if self._summary_bytes is None:
            self._summary_bytes = dumps(self._summary)
        return self._summary_bytes


class OrderStore:
    """Every order, by number; sub-order numbers, PO numbers per customer, orders per
    customer (newest first, sorted lazily), and the held orders with the earliest time one
    of them can expire (so most requests skip the sweep)."""

    def __init__(self, customers: tuple[str, ...], hold_window: float, rng: random.Random) -> None:
        self._rng = rng
        self._hold_window = hold_window
        self.orders: dict[str, StoredOrder] = {}
        self.suborders: dict[str, str] = {}
        self.po: dict[tuple[str, str], int] = {}
        self.by_owner: dict[str, list[StoredOrder]] = {c: [] for c in customers}
        self._sorted: set[str] = set()
        self.held: set[str] = set()
        #: no held order can expire before this time
        self.sweep_after = -math.inf
        self._seq = 0

    def __len__(self) -> int:
        return len(self.orders)

    def __iter__(self) -> Iterator[StoredOrder]:
        return iter(self.orders.values())

    def add(self, detail: JSON, owner: str, created_at: float, hold: bool) -> StoredOrder:
        """Store a new order (seeded or created)."""
        self._seq += 1
        order = StoredOrder(detail, owner, created_at, hold, self._seq)
        self.orders[order.number] = order
        for ln in detail["lines"]:
            self.suborders[ln["subOrderNumber"]] = order.number
        self.po[(owner, order.po_key)] = self.po.get((owner, order.po_key), 0) + 1
        self.by_owner.setdefault(owner, []).append(order)
        self._sorted.discard(owner)
        if hold:
            self.held.add(order.number)
            self.sweep_after = min(self.sweep_after, created_at + self._hold_window)
        return order

    def load(self, seeded: Iterable[d.SeedOrder]) -> None:
        """Store the seeded orders."""
        for o in seeded:
            self.add(o.detail, o.owner, o.created_at, o.hold)

    def add_suborder(self, sub_order: str, number: str) -> None:
        """A new line opened a new sub-order of ``number``."""
        self.suborders[sub_order] = number

    def po_count(self, owner: str, po: str) -> int:
        """How many of ``owner``'s orders carry PO number ``po`` (upper case)."""
        return self.po.get((owner, po), 0)

    def owner_orders(self, owner: str) -> list[StoredOrder]:
        """A customer's orders, newest first."""
        orders = self.by_owner.get(owner, [])
        if owner not in self._sorted:
            orders.sort(key=lambda o: (-o.created_at, -o.seq))
            self._sorted.add(owner)
        return orders

    def lookup(self, number: str, owner: str) -> StoredOrder | None:
        """An order (or the order of a sub-order number) if ``owner`` may see it."""
        order = self.find(number)
        if order is None or order.owner != owner:
            return None
        return order

    def find(self, number: str) -> StoredOrder | None:
        """Any customer's order by order or sub-order number."""
        key = number.upper()
        order = self.orders.get(key)
        if order is None and key in self.suborders:
            order = self.orders.get(self.suborders[key])
        return order

    def new_number(self) -> str:
        """An order number not taken yet."""
        while True:
            number = d.order_number(self._rng)
            if number not in self.orders:
                return number

    def numbers(self, customer: str | None, status: str | None) -> list[str]:
        """Order numbers, newest first, optionally of one customer / with a detail status."""
        owners = [customer] if customer is not None else list(self.by_owner)
        out: list[StoredOrder] = []
        for owner in owners:
            out.extend(self.owner_orders(owner))
        out.sort(key=lambda o: (-o.created_at, -o.seq))
        return [o.number for o in out if status is None or o.detail["orderStatus"] == status]
