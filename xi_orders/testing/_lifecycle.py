"""The order rules that move orders between states: customer hold, the 24-hour window
(sweep voids expired holds), release, ship, cancel; and the signed webhook events they queue.

Owns the webhook queue. Imports ``_data``, ``_http``, ``_store`` and ``_types``; no HTTP
parsing, no resource handler, never the SDK's models.
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Callable, Mapping, Sequence

from . import _data as d
from ._http import JSON, dumps, sign
from ._store import OrderStore, StoredOrder
from ._types import Counters, WebhookEvent

_EVENT_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class Lifecycle:
    """Rules over the store; every change reindexes the order and queues its event."""

    def __init__(
        self,
        store: OrderStore,
        catalog: Mapping[str, d.CatalogItem],
        rng: random.Random,
        counters: Counters,
        *,
        hold_window: float,
        webhook_secret: str,
        spell_status: Callable[[str, str], str] | None = None,
    ) -> None:
        self.store = store
        #: ``(order number, canonical status) -> wire spelling`` for the webhook lines'
        #: ``lineStatus`` (``Realism.status_spelling="mixed"``); ``None`` sends the canonical
        self.spell_status = spell_status
        self.catalog = catalog
        self._rng = rng
        self.counters = counters
        self.hold_window = hold_window
        self.webhook_secret = webhook_secret
        self.webhook_events: list[WebhookEvent] = []
        self.webhook_delivered = 0

    def catalog_item(self, line: JSON) -> d.CatalogItem:
        """The catalogue entry of a line (seeded or created lines are always in it)."""
        return self.catalog[line["ingramPartNumber"]]

    # ------------------------------------------------------------------ rules

    def sweep(self, now: float) -> None:
        """Void held orders older than the hold window (24 h), as Ingram Micro does."""
        store = self.store
        if now <= store.sweep_after:
            return
        window = self.hold_window
        expired = [n for n in store.held if now - store.orders[n].created_at > window]
        for number in sorted(expired):
            self.cancel(store.orders[number], now)
        store.sweep_after = min(
            (store.orders[n].created_at + window for n in store.held), default=math.inf
        )

    def cancel(self, order: StoredOrder, now: float) -> None:
        """Cancel every line of an order (a cancel call, or a hold that expired)."""
        order.hold = False
        self.store.held.discard(order.number)
        for ln in order.detail["lines"]:
            d.set_line_state(
                self._rng,
                ln,
                self.catalog_item(ln),
                d.CANCELED,
                now=now,
                created_at=order.created_at,
            )
        order.reindex()
        self.queue_status_event(order, "im::order_voided", now)

    def release(self, order: StoredOrder, now: float) -> None:
        """Take an order off customer hold; its lines move on to the warehouse."""
        order.hold = False
        self.store.held.discard(order.number)
        for ln in order.detail["lines"]:
            item = self.catalog_item(ln)
            d.set_line_state(
                self._rng,
                ln,
                item,
                d.IN_PROGRESS if item.in_stock else d.BACKORDERED,
                now=now,
                created_at=order.created_at,
            )
        order.reindex()
        self.queue_status_event(order, "im::order_released", now)

    def ship(self, number: str, now: float) -> JSON:
        """Ship every live line of an order (simulated warehouse work); queues an event."""
        order = self.store.orders.get(number.upper())
        if order is None:
            raise KeyError(number)
        self.sweep(now)
        if order.hold:
            raise ValueError(f"order {number} is on customer hold; release it first")
        live = [ln for ln in order.detail["lines"] if ln["lineStatus"] != d.CANCELED]
        if not live:
            raise ValueError(f"order {number} is cancelled")
        shipped = []
        for ln in live:
            if ln["lineStatus"] in (d.SHIPPED, d.DELIVERED):
                continue
            d.set_line_state(
                self._rng,
                ln,
                self.catalog_item(ln),
                d.SHIPPED,
                now=now,
                created_at=min(order.created_at, now - 86400 * 4),
            )
            shipped.append(ln)
        order.reindex()
        self.queue_status_event(order, "im::order_shipped", now, lines=shipped or live)
        return copy.deepcopy(order.detail)

    # ------------------------------------------------------------------ webhooks

    def event_id(self) -> str:
        """A fresh event ID (seeded)."""
        return "".join(self._rng.choice(_EVENT_ID_CHARS) for _ in range(18))

    def queue(self, event: JSON) -> None:
        """Sign and queue one event for delivery."""
        body = dumps(event)
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature": sign(self.webhook_secret, event["eventId"]),
            "User-Agent": "xi-orders-sandbox-webhooks",
        }
        self.webhook_events.append(WebhookEvent(headers, body))
        self.counters.webhooks_queued += 1

    def queue_status_event(
        self,
        order: StoredOrder,
        event_type: str,
        now: float,
        *,
        lines: Sequence[JSON] | None = None,
    ) -> None:
        """Queue an ``im::updated`` order-status event (shipped, released, voided...)."""
        out_lines = []
        for ln in lines if lines is not None else order.detail["lines"]:
            shipped = 0
            shipments: list[JSON] = []
            serials: list[JSON] = []
            for s in ln["shipmentDetails"]:
                for c in s.get("carrierDetails") or ():
                    shipped += int(c.get("quantity") or 0)
                    packages = []
                    for t in c.get("trackingDetails") or ():
                        packages.append(
                            {
                                "cartonNumber": t["cartonNumber"],
                                "quantityInbox": t["quantityInBox"],
                                "trackingNumber": t["trackingNumber"],
                            }
                        )
                        serials.extend(
                            {"serialNumber": sn["serialNumber"]}
                            for sn in t.get("serialNumbers") or ()
                        )
                    shipments.append(
                        {
                            "shipmentDate": c["shippedDate"],
                            "shipFromWarehouseId": s["shipFromWarehouseId"],
                            "warehouseName": s["shipFromLocation"],
                            "carrierCode": c["carrierCode"],
                            "carrierName": c["carrierName"],
                            "packageDetails": packages,
                        }
                    )
            out_lines.append(
                {
                    "LineNumber": ln["ingramOrderLineNumber"],
                    "subOrderNumber": ln["subOrderNumber"],
                    "lineStatus": (
                        self.spell_status(order.number, ln["lineStatus"])
                        if self.spell_status is not None
                        else ln["lineStatus"]
                    ),
                    "ingramPartNumber": ln["ingramPartNumber"],
                    "vendorPartNumber": ln["vendorPartNumber"],
                    "requestedQuantity": str(ln["quantityOrdered"]),
                    "shippedQuantity": str(shipped),
                    "backorderedQuantity": str(ln["quantityBackOrdered"]),
                    "shipmentDetails": shipments,
                    "serialNumberDetails": serials,
                }
            )
        event = {
            "topic": "resellers/orders",
            "event": "im::updated",
            "eventTimeStamp": d.iso_utc_ms(now),
            "eventId": self.event_id(),
            "resource": [
                {
                    "eventType": event_type,
                    "orderNumber": order.number,
                    "customerOrderNumber": order.detail["customerOrderNumber"],
                    "orderEntryTimeStamp": order.detail["ingramOrderDate"],
                    "lines": out_lines,
                    "links": [
                        {
                            "topic": "orders",
                            "href": f"/resellers/v6.1/orders/{order.number}",
                            "type": "GET",
                        }
                    ],
                }
            ],
        }
        self.queue(event)

    def claim_webhooks(self, now: float) -> list[WebhookEvent]:
        """The events not yet handed out for delivery (each is handed out once)."""
        self.sweep(now)
        pending = self.webhook_events[self.webhook_delivered :]
        self.webhook_delivered = len(self.webhook_events)
        return pending
