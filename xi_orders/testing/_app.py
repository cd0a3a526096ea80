"""The emulator core: routing, checks, business rules, rate limits, faults, webhooks.

It speaks raw HTTP-ish values (method, raw path, query string, headers, body bytes) and
answers with a status, headers and body bytes, so the httpx transport and the threaded HTTP
server share it. It never imports the SDK's models: every body is a plain dict that follows
the spec's wire names, serialised once and cached.

All state sits behind one lock; a request spends well under a millisecond in it. Sleeping
(latency, slow faults) is the caller's job: :meth:`SandboxCore.handle` says how long.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import math
import random
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote

from . import _data as d
from ._types import (
    ENDPOINTS,
    FAULT_KINDS,
    Counters,
    FaultKind,
    Faults,
    RequestRecord,
    WebhookEvent,
)

JSON = dict[str, Any]

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ORDER_NO_RE = re.compile(r"^[0-9A-Z]{2}-[0-9A-Z]{5}(-[0-9A-Z]{2})?$", re.IGNORECASE)
_COUNTRY_RE = re.compile(r"^[A-Za-z]{2}$")
_SIMULATE = ("IM::SHIPPED", "IM::PARTIALLY_SHIPPED", "IM::HOLD", "IM::INVOICED")
_STRING_FILTERS = {
    "ingramOrderNumber": 11,
    "customerOrderNumber": 35,
    "endCustomerOrderNumber": 35,
    "ingramPartNumber": 35,
    "vendorPartNumber": 35,
    "serialNumber": 35,
    "trackingNumber": 35,
    "vendorName": 35,
    "specialBidNumber": 35,
}
_RANGE_FILTERS = ("ingramOrderDate-bt", "invoiceDate_bt", "shipDate_bt", "deliveryDate_bt")
_NOT_HELD = (
    "Order can not be modified/released. Order is already released or Order is not "
    "placed on Customer Hold"
)
_JSON_CT = ("Content-Type", "application/json")
_HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>"
    b"<h1>Service Unavailable</h1><p>The server is temporarily unable to service your "
    b"request. Please try again later.</p></body></html>"
)


def dumps(obj: Any) -> bytes:
    """Compact JSON bytes, as the API sends them."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(secret: str, event_id: str) -> str:
    """``X-Hub-Signature``: Base64(HMAC-SHA512(key=secret, message=eventId))."""
    digest = hmac.new(secret.encode("utf-8"), event_id.encode("utf-8"), hashlib.sha512).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass
class CoreRequest:
    """A request as the core sees it. ``headers`` keys are lower case."""

    method: str
    raw_path: str
    query: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass
class CoreResponse:
    """An answer: status, headers (list of pairs), body bytes."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


class Exchange(NamedTuple):
    """What to do with a request: wait ``delay`` seconds, then send ``response``
    (``None``: drop the connection without answering)."""

    delay: float
    response: CoreResponse | None
    fault: FaultKind | None


class _Reject(Exception):
    """A 4xx answer raised from deep inside a handler."""

    def __init__(self, response: CoreResponse) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass
class _Ctx:
    now: float
    correlation_id: str
    customer: str
    endpoint: str


class _Order:
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
            search_status = {
                "Canceled": "CANCELLED",
                "On Hold": "ON HOLD",
                "Delivered": "DELIVERED",
                "Shipped": "SHIPPED",
                "Backordered": "BACKORDERED",
                "Processing": "PROCESSING",
            }[status]
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


@dataclass
class CoreConfig:
    """Everything the core needs to know (filled in by :class:`~xi_orders.testing.Sandbox`)."""

    seed: int
    orders: int
    customer_numbers: tuple[str, ...]
    country_code: str
    client_id: str
    client_secret: str
    clock: Callable[[], float]
    latency: float | tuple[float, float]
    rate_limits: dict[str, int]
    rate_limit_window: float
    faults: Faults | None
    webhook_secret: str
    token_ttl: int
    catalog_size: int
    history_days: float
    hold_window: float
    extra: dict[str, Any] = field(default_factory=dict)


class SandboxCore:
    """The stateful emulator. Thread-safe; see the module docstring."""

    def __init__(self, cfg: CoreConfig) -> None:
        self.cfg = cfg
        self.lock = threading.RLock()
        self.currency = d.CURRENCIES.get(cfg.country_code.upper(), "USD")
        data_rng = random.Random(cfg.seed)
        self.catalog = d.build_catalog(data_rng, cfg.catalog_size)
        self._by_vendor_part = {i.vendor_part_number.upper(): i for i in self.catalog.values()}
        self._rng = random.Random(f"runtime:{cfg.seed}")
        self._fault_rng = random.Random(f"faults:{cfg.seed}")
        self._latency_rng = random.Random(f"latency:{cfg.seed}")
        self.started_at = cfg.clock()
        self._orders: dict[str, _Order] = {}
        self._suborders: dict[str, str] = {}
        self._po: dict[tuple[str, str], int] = {}
        self._by_owner: dict[str, list[_Order]] = {c: [] for c in cfg.customer_numbers}
        self._sorted: set[str] = set()
        self._held: set[str] = set()
        # No held order can expire before this time: most requests skip the sweep.
        self._sweep_after = -math.inf
        self._seq = 0
        taken: set[str] = set()
        for seed_order in d.generate_orders(
            data_rng,
            count=cfg.orders,
            customers=cfg.customer_numbers,
            country=cfg.country_code.upper(),
            currency=self.currency,
            now=self.started_at,
            span_days=cfg.history_days,
            catalog=self.catalog,
            taken=taken,
        ):
            self._add(seed_order.detail, seed_order.owner, seed_order.created_at, seed_order.hold)
        self._tokens: dict[str, float] = {}
        self._windows: dict[str, tuple[float, int]] = {}
        self._scheduled: list[list[Any]] = []  # [kind, endpoint | None, remaining]
        self.counters = Counters()
        self.request_log: list[RequestRecord] = []
        self.webhook_events: list[WebhookEvent] = []
        self.webhook_delivered = 0

    # ------------------------------------------------------------------ state helpers

    def _add(self, detail: JSON, owner: str, created_at: float, hold: bool) -> _Order:
        self._seq += 1
        order = _Order(detail, owner, created_at, hold, self._seq)
        self._orders[order.number] = order
        for ln in detail["lines"]:
            self._suborders[ln["subOrderNumber"]] = order.number
        self._po[(owner, order.po_key)] = self._po.get((owner, order.po_key), 0) + 1
        self._by_owner.setdefault(owner, []).append(order)
        self._sorted.discard(owner)
        if hold:
            self._held.add(order.number)
            self._sweep_after = min(self._sweep_after, created_at + self.cfg.hold_window)
        return order

    def _owner_orders(self, owner: str) -> list[_Order]:
        orders = self._by_owner.get(owner, [])
        if owner not in self._sorted:
            orders.sort(key=lambda o: (-o.created_at, -o.seq))
            self._sorted.add(owner)
        return orders

    def _lookup(self, number: str, owner: str) -> _Order | None:
        key = number.upper()
        order = self._orders.get(key)
        if order is None and key in self._suborders:
            order = self._orders.get(self._suborders[key])
        if order is None or order.owner != owner:
            return None
        return order

    def _new_number(self) -> str:
        while True:
            number = d.order_number(self._rng)
            if number not in self._orders:
                return number

    def _event_id(self) -> str:
        return "".join(self._rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(18))

    def sweep(self, now: float) -> None:
        """Void held orders older than the hold window (24 h), as Ingram Micro does."""
        if now <= self._sweep_after:
            return
        window = self.cfg.hold_window
        expired = [n for n in self._held if now - self._orders[n].created_at > window]
        for number in sorted(expired):
            self._cancel(self._orders[number], now)
        self._sweep_after = min(
            (self._orders[n].created_at + window for n in self._held), default=math.inf
        )

    def _cancel(self, order: _Order, now: float) -> None:
        order.hold = False
        self._held.discard(order.number)
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
        self._queue_status_event(order, "im::order_voided", now)

    def catalog_item(self, line: JSON) -> d.CatalogItem:
        """The catalogue entry of a line (seeded or created lines are always in it)."""
        return self.catalog[line["ingramPartNumber"]]

    def release(self, order: _Order, now: float) -> None:
        """Take an order off customer hold; its lines move on to the warehouse."""
        order.hold = False
        self._held.discard(order.number)
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
        self._queue_status_event(order, "im::order_released", now)

    def ship(self, number: str, now: float) -> JSON:
        """Ship every live line of an order (simulated warehouse work); queues an event."""
        order = self._orders.get(number.upper())
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
        self._queue_status_event(order, "im::order_shipped", now, lines=shipped or live)
        return copy.deepcopy(order.detail)

    # ------------------------------------------------------------------ webhooks

    def _queue(self, event: JSON) -> None:
        body = dumps(event)
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature": sign(self.cfg.webhook_secret, event["eventId"]),
            "User-Agent": "xi-orders-sandbox-webhooks",
        }
        self.webhook_events.append(WebhookEvent(headers, body))
        self.counters.webhooks_queued += 1

    def _queue_status_event(
        self, order: _Order, event_type: str, now: float, *, lines: Sequence[JSON] | None = None
    ) -> None:
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
                    "lineStatus": ln["lineStatus"],
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
            "eventId": self._event_id(),
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
        self._queue(event)

    def claim_webhooks(self) -> list[WebhookEvent]:
        """The events not yet handed out for delivery (each is handed out once)."""
        with self.lock:
            self.sweep(self.cfg.clock())
            pending = self.webhook_events[self.webhook_delivered :]
            self.webhook_delivered = len(self.webhook_events)
            return pending

    # ------------------------------------------------------------------ tokens

    def issue_token(self, now: float) -> str:
        """A fresh access token, valid for ``token_ttl`` seconds from ``now``."""
        token = "sbx_" + "".join(
            self._rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            for _ in range(28)
        )
        self._tokens[token] = now + self.cfg.token_ttl
        self.counters.tokens_issued += 1
        return token

    def revoke_tokens(self) -> None:
        """Forget every token issued so far: the next Orders call answers 401."""
        with self.lock:
            self._tokens.clear()

    # ------------------------------------------------------------------ faults

    def schedule(self, kind: FaultKind, times: int, endpoint: str | None) -> None:
        """Inject ``kind`` into the next ``times`` requests (to ``endpoint``, if given)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        with self.lock:
            self._scheduled.append([kind, endpoint, times])

    def _pick_fault(self, endpoint: str) -> tuple[FaultKind | None, bool]:
        """(exclusive fault, slow?) for a request to ``endpoint``."""
        for entry in self._scheduled:
            if entry[1] is None or entry[1] == endpoint:
                entry[2] -= 1
                if entry[2] <= 0:
                    self._scheduled.remove(entry)
                kind: FaultKind = entry[0]
                return (None, True) if kind == "slow" else (kind, False)
        faults = self.cfg.faults
        if faults is None or endpoint not in faults.endpoints:
            return None, False
        slow = faults.slow > 0 and self._fault_rng.random() < faults.slow
        roll = self._fault_rng.random()
        acc = 0.0
        for name, rate in faults.exclusive:
            acc += rate
            if rate > 0 and roll < acc:
                return name, slow
        return None, slow

    def _latency(self) -> float:
        lat = self.cfg.latency
        if isinstance(lat, tuple):
            return self._latency_rng.uniform(lat[0], lat[1])
        return float(lat)

    # ------------------------------------------------------------------ entry point

    def handle(self, req: CoreRequest) -> Exchange:
        """Process one request; returns how long to wait and what to answer."""
        with self.lock:
            now = self.cfg.clock()
            endpoint, handler, params = self._route(req.method, req.raw_path)
            correlation_id = req.headers.get("im-correlationid")
            delay = self._latency()
            fault: FaultKind | None = None
            slow = False
            if endpoint is not None:
                self.counters.requests[endpoint] += 1
                fault, slow = self._pick_fault(endpoint)
                if slow:
                    delay += self.cfg.faults.slow_seconds if self.cfg.faults else 3.0
                    self.counters.faults["slow"] += 1
                if fault is not None:
                    self.counters.faults[fault] += 1
            response: CoreResponse | None
            if fault == "drop_before":
                response = None
            elif fault == "server_error":
                response = self._json(
                    500,
                    {
                        "errors": [
                            {
                                "id": self._error_id(correlation_id, now),
                                "type": "/errors/server-error",
                                "message": "ConnectivityIssue/ERP issue Contact Ingram Micro API Support",
                            }
                        ]
                    },
                )
            elif fault == "rate_limit":
                response = self._too_many(None)
            elif fault == "html":
                response = CoreResponse(
                    503, [("Content-Type", "text/html; charset=utf-8")], _HTML_PAGE
                )
            else:
                if handler is None:
                    response = self._no_route(req, correlation_id, now, params)
                else:
                    try:
                        response = handler(req, params, now, correlation_id)
                    except _Reject as rej:
                        response = rej.response
                if fault == "drop_after":
                    response = None
                elif fault == "truncated_json" and response is not None:
                    response.body = response.body[: max(1, len(response.body) // 2)]
                elif fault == "empty_body" and response is not None:
                    response.body = b""
            if response is not None and correlation_id is not None:
                response.headers.append(("IM-CorrelationID", correlation_id))
                sender = req.headers.get("im-senderid")
                if sender is not None:
                    response.headers.append(("IM-SenderID", sender))
            status = response.status if response is not None else None
            if endpoint is not None:
                self.counters.responses[(endpoint, status or 0)] += 1
            self.request_log.append(
                RequestRecord(
                    now, req.method, req.raw_path, endpoint, correlation_id, status, fault
                )
            )
            return Exchange(
                delay, response, fault if fault is not None else ("slow" if slow else None)
            )

    # ------------------------------------------------------------------ routing

    _Handler = Callable[[CoreRequest, "list[str]", float, "str | None"], CoreResponse]

    def _route(self, method: str, raw_path: str) -> tuple[str | None, _Handler | None, list[str]]:
        path = raw_path.rstrip("/") or "/"
        parts = path.split("/")
        method = method.upper()
        # parts[0] == ""
        if path in ("/oauth/oauth30/token", "/oauth/oauth20/token"):
            if (method, path) in (
                ("POST", "/oauth/oauth30/token"),
                ("GET", "/oauth/oauth20/token"),
            ):
                return "token", self._h_token, []
            return "token", None, ["405"]
        if len(parts) >= 4 and parts[1] == "resellers" and parts[3] == "orders":
            version = parts[2]
            rest = parts[4:]
            if version == "v6.1" and len(rest) == 1:
                if method == "GET":
                    return "get_order", self._h_get, [unquote(rest[0])]
                return None, None, ["405"]
            if version == "v6" and rest == ["search"]:
                if method == "GET":
                    return "search_orders", self._h_search, []
                return None, None, ["405"]
            if version == "v6" and not rest:
                if method == "POST":
                    return "create_order", self._h_create_v6, []
                return None, None, ["405"]
            if version == "v7" and not rest:
                if method == "POST":
                    return "create_order_v7", self._h_create_v7, []
                return None, None, ["405"]
            if version == "v6" and len(rest) == 1:
                if method == "PUT":
                    return "modify_order", self._h_modify, [unquote(rest[0])]
                if method == "DELETE":
                    return "cancel_order", self._h_cancel, [unquote(rest[0])]
                return None, None, ["405"]
        return None, None, ["404"]

    def _no_route(
        self, req: CoreRequest, cid: str | None, now: float, params: list[str]
    ) -> CoreResponse:
        status = 405 if params == ["405"] else 404
        message = "Method not allowed" if status == 405 else "Resource not found"
        return self._json(
            status,
            {
                "errors": [
                    {
                        "id": self._error_id(cid, now),
                        "type": "/errors/not-found",
                        "message": f"{message}: {req.method} {req.raw_path}",
                    }
                ]
            },
        )

    # ------------------------------------------------------------------ responses

    @staticmethod
    def _json(status: int, body: Any, headers: Iterable[tuple[str, str]] = ()) -> CoreResponse:
        return CoreResponse(status, [_JSON_CT, *headers], dumps(body))

    @staticmethod
    def _error_id(cid: str | None, now: float) -> str:
        stamp = datetime.fromtimestamp(now, tz=d.LOCAL_TZ).isoformat(timespec="milliseconds")
        return f"{cid or 'sbx'}-{stamp}"

    def _bad_request(
        self,
        ctx: _Ctx | None,
        fields: list[JSON],
        *,
        now: float,
        cid: str | None,
        message: str = "Validation failed",
        status: int = 400,
        v7: bool = False,
        rl: list[tuple[str, str]] | None = None,
    ) -> CoreResponse:
        clean = []
        for f in fields:
            item = {k: v for k, v in f.items() if v is not None}
            if "value" in item:
                item["value"] = str(item["value"])
            clean.append(item)
        if v7:
            body: JSON = {
                "traceid": cid or self._error_id(cid, now),
                "type": "/errors/validation-failed",
                "message": message,
                "fields": clean,
            }
        else:
            entry: JSON = {
                "id": self._error_id(cid, now),
                "type": "/errors/validation-failed",
                "message": message,
            }
            if clean:
                entry["fields"] = clean
            body = {"errors": [entry]}
        return self._json(status, body, rl or ())

    def _too_many(self, rl: tuple[int, int, int] | None) -> CoreResponse:
        headers: list[tuple[str, str]] = []
        retry_after = 1
        if rl is not None:
            limit, remaining, reset = rl
            headers += [
                ("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", str(remaining)),
                ("X-RateLimit-Reset", str(reset)),
            ]
            retry_after = max(1, math.ceil(reset - self.cfg.clock()))
        headers.append(("Retry-After", str(retry_after)))
        self.counters.rate_limited += 1
        return self._json(
            429, {"errors": [{"field": None, "message": "too many requests"}]}, headers
        )

    @staticmethod
    def _unauthorized(message: str, code: str) -> CoreResponse:
        return CoreResponse(
            401,
            [_JSON_CT, ("WWW-Authenticate", 'Bearer realm="ingrammicro"')],
            dumps({"fault": {"faultstring": message, "detail": {"errorcode": code}}}),
        )

    # ------------------------------------------------------------------ common checks

    def _rate(self, endpoint: str, now: float) -> tuple[tuple[int, int, int] | None, bool]:
        """(limit, remaining, reset) for the endpoint's window and whether this call is over."""
        limit = self.cfg.rate_limits.get(endpoint)
        if limit is None:
            return None, False
        window = self.cfg.rate_limit_window
        start = math.floor(now / window) * window
        w_start, count = self._windows.get(endpoint, (start, 0))
        if w_start != start:
            count = 0
        reset = math.ceil(start + window)
        if count >= limit:
            self._windows[endpoint] = (start, count)
            return (limit, 0, reset), True
        count += 1
        self._windows[endpoint] = (start, count)
        return (limit, limit - count, reset), False

    def _enter(
        self, req: CoreRequest, endpoint: str, now: float, cid: str | None
    ) -> tuple[_Ctx, list[tuple[str, str]]]:
        """Auth (401), rate limit (429), IM-* headers (400). Returns the context and the
        rate-limit headers every response of this call carries."""
        auth = req.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _Reject(self._unauthorized("Invalid access token", "oauth.v2.InvalidAccessToken"))
        expiry = self._tokens.get(token.strip())
        if expiry is None:
            raise _Reject(self._unauthorized("Invalid access token", "oauth.v2.InvalidAccessToken"))
        if now >= expiry:
            raise _Reject(
                self._unauthorized(
                    "Access Token expired", "keymanagement.service.access_token_expired"
                )
            )
        rl, over = self._rate(endpoint, now)
        rl_headers = (
            []
            if rl is None
            else [
                ("X-RateLimit-Limit", str(rl[0])),
                ("X-RateLimit-Remaining", str(rl[1])),
                ("X-RateLimit-Reset", str(rl[2])),
            ]
        )
        if over:
            raise _Reject(self._too_many(rl))
        fields: list[JSON] = []
        h = req.headers
        customer = h.get("im-customernumber")
        country = h.get("im-countrycode")
        sender = h.get("im-senderid")
        if customer is None or not customer.strip():
            fields.append(
                {
                    "field": "IM-CustomerNumber",
                    "message": "IM-CustomerNumber is required",
                    "value": customer,
                }
            )
        elif len(customer) > 10:
            fields.append(
                {
                    "field": "IM-CustomerNumber",
                    "value": customer,
                    "message": "IM-CustomerNumber must be in the format XX-XXXXXX (max 10 characters)",
                }
            )
        elif customer not in self.cfg.customer_numbers:
            fields.append(
                {
                    "field": "IM-CustomerNumber",
                    "value": customer,
                    "message": "IM-CustomerNumber is not valid",
                }
            )
        if country is None or not country.strip():
            fields.append({"field": "IM-CountryCode", "message": "IM-CountryCode is required"})
        elif not _COUNTRY_RE.match(country):
            fields.append(
                {
                    "field": "IM-CountryCode",
                    "value": country,
                    "message": "IM-CountryCode must be a two-letter ISO country code",
                }
            )
        elif country.upper() != self.cfg.country_code.upper():
            fields.append(
                {
                    "field": "IM-CountryCode",
                    "value": country,
                    "message": "IM-CountryCode is not valid",
                }
            )
        if cid is None or not cid.strip():
            fields.append(
                {
                    "field": "IM-CorrelationID",
                    "value": cid or "",
                    "message": "IM-CorrelationID cannot be blank",
                }
            )
        elif len(cid) > 32:
            fields.append(
                {
                    "field": "IM-CorrelationID",
                    "value": cid,
                    "message": "IM-CorrelationID must be at most 32 characters",
                }
            )
        if sender is not None and len(sender) > 32:
            fields.append(
                {
                    "field": "IM-SenderID",
                    "value": sender,
                    "message": "IM-SenderID must be at most 32 characters",
                }
            )
        if fields:
            raise _Reject(
                self._bad_request(
                    None, fields, now=now, cid=cid, v7=endpoint == "create_order_v7", rl=rl_headers
                )
            )
        self.sweep(now)
        return _Ctx(now, cid or "", customer or "", endpoint), rl_headers

    def _body_json(
        self,
        req: CoreRequest,
        ctx: _Ctx,
        rl: list[tuple[str, str]],
        *,
        v7: bool = False,
        optional: bool = False,
    ) -> JSON | None:
        if not req.body.strip():
            if optional:
                return None
            raise _Reject(
                self._bad_request(
                    ctx,
                    [{"field": "body", "message": "Request body is required"}],
                    now=ctx.now,
                    cid=ctx.correlation_id,
                    v7=v7,
                    rl=rl,
                )
            )
        try:
            body = json.loads(req.body)
        except ValueError:
            raise _Reject(
                self._bad_request(
                    ctx,
                    [{"field": "body", "message": "Malformed JSON request body"}],
                    now=ctx.now,
                    cid=ctx.correlation_id,
                    v7=v7,
                    rl=rl,
                )
            ) from None
        if not isinstance(body, dict):
            raise _Reject(
                self._bad_request(
                    ctx,
                    [{"field": "body", "message": "Request body must be a JSON object"}],
                    now=ctx.now,
                    cid=ctx.correlation_id,
                    v7=v7,
                    rl=rl,
                )
            )
        return body

    def _not_found(self, ctx: _Ctx, rl: list[tuple[str, str]]) -> CoreResponse:
        return self._json(
            404,
            {
                "errors": [
                    {
                        "id": self._error_id(ctx.correlation_id, ctx.now),
                        "type": "/errors/not-found",
                        "message": "Order not found.",
                    }
                ]
            },
            rl,
        )

    # ------------------------------------------------------------------ token endpoint

    def _h_token(
        self, req: CoreRequest, params: list[str], now: float, cid: str | None
    ) -> CoreResponse:
        source = req.body.decode("utf-8", "replace") if req.method == "POST" else req.query
        form = dict(parse_qsl(source, keep_blank_values=True))
        client_id = form.get("client_id")
        client_secret = form.get("client_secret")
        auth = req.headers.get("authorization", "")
        if auth.lower().startswith("basic ") and client_id is None:
            try:
                decoded = base64.b64decode(auth[6:].strip()).decode("utf-8")
                client_id, _, client_secret = decoded.partition(":")
            except ValueError:
                pass
        if form.get("grant_type") != "client_credentials":
            return self._json(400, {"message": "Invalid grant_type: expected client_credentials"})
        if not client_id or not client_secret:
            return self._json(400, {"message": "client_id and client_secret are required"})
        if not (
            hmac.compare_digest(client_id, self.cfg.client_id)
            and hmac.compare_digest(client_secret, self.cfg.client_secret)
        ):
            return self._json(401, {"message": "Invalid client credentials"})
        token = self.issue_token(now)
        return self._json(
            200,
            {"access_token": token, "token_type": "Bearer", "expires_in": str(self.cfg.token_ttl)},
            [("Cache-Control", "no-store")],
        )

    # ------------------------------------------------------------------ get order

    def _h_get(
        self, req: CoreRequest, params: list[str], now: float, cid: str | None
    ) -> CoreResponse:
        ctx, rl = self._enter(req, "get_order", now, cid)
        number = params[0]
        query = dict(parse_qsl(req.query, keep_blank_values=True))
        fields: list[JSON] = []
        if not number.strip() or len(number) > 12:
            fields.append(
                {
                    "field": "ordernumber",
                    "value": number,
                    "message": "ordernumber is required, at most 12 characters",
                }
            )
        sim = query.get("simulateStatus")
        if sim is not None and sim.upper() not in _SIMULATE:
            fields.append(
                {
                    "field": "simulateStatus",
                    "value": sim,
                    "message": f"simulateStatus must be one of {', '.join(_SIMULATE)}",
                }
            )
        date = query.get("ingramOrderDate")
        if date is not None and not _valid_date(date):
            fields.append(
                {
                    "field": "ingramOrderDate",
                    "value": date,
                    "message": "input date format error expected format is - yyyy-MM-dd",
                }
            )
        iml = query.get("isIml")
        if iml is not None and iml.lower() not in ("true", "false"):
            fields.append(
                {"field": "isIml", "value": iml, "message": "isIml must be true or false"}
            )
        if fields:
            return self._bad_request(ctx, fields, now=now, cid=cid, rl=rl)
        order = self._lookup(number, ctx.customer)
        if order is None or (date is not None and order.idx["day"] != date):
            return self._not_found(ctx, rl)
        body = order.detail_bytes if sim is None else self._simulated(order, sim.upper(), now)
        return CoreResponse(200, [_JSON_CT, *rl], body)

    def _simulated(self, order: _Order, sim: str, now: float) -> bytes:
        cached = order.sim_cache.get(sim)
        if cached is not None:
            return cached
        rng = random.Random(f"{self.cfg.seed}:{order.number}:{sim}")
        det = copy.deepcopy(order.detail)
        created = min(order.created_at, now - 86400 * 5)
        live = [ln for ln in det["lines"] if ln["lineStatus"] != d.CANCELED] or det["lines"]
        for i, ln in enumerate(live):
            item = self.catalog_item(ln)
            if sim == "IM::HOLD":
                d.set_line_state(rng, ln, item, d.HOLD, now=now, created_at=order.created_at)
            elif sim == "IM::PARTIALLY_SHIPPED":
                if len(live) == 1:
                    q = int(ln["quantityOrdered"])
                    if q > 1:
                        d.set_line_state(
                            rng, ln, item, d.SHIPPED, now=now, created_at=created, ship_qty=q // 2
                        )
                        ln["lineStatus"] = d.BACKORDERED
                    else:
                        d.set_line_state(rng, ln, item, d.BACKORDERED, now=now, created_at=created)
                elif i % 2 == 0:
                    d.set_line_state(rng, ln, item, d.SHIPPED, now=now, created_at=created)
                else:
                    d.set_line_state(rng, ln, item, d.BACKORDERED, now=now, created_at=created)
            else:  # IM::SHIPPED, IM::INVOICED
                d.set_line_state(
                    rng,
                    ln,
                    item,
                    d.SHIPPED,
                    now=now,
                    created_at=created if sim == "IM::INVOICED" else now - 3 * 3600,
                )
        d.recompute_totals(det)
        if sim == "IM::HOLD":
            det["orderStatus"] = "On Hold"
        elif sim == "IM::PARTIALLY_SHIPPED" and any(
            ln["lineStatus"] == d.BACKORDERED for ln in live
        ):
            det["orderStatus"] = "Processing"
        body = dumps(det)
        order.sim_cache[sim] = body
        return body

    # ------------------------------------------------------------------ search

    def _h_search(
        self, req: CoreRequest, params: list[str], now: float, cid: str | None
    ) -> CoreResponse:
        ctx, rl = self._enter(req, "search_orders", now, cid)
        multi: dict[str, list[str]] = {}
        for k, v in parse_qsl(req.query, keep_blank_values=True):
            multi.setdefault(k, []).append(v)
        fields: list[JSON] = []

        def one(name: str) -> str | None:
            values = multi.get(name)
            return values[-1] if values else None

        def integer(name: str, default: int, lo: int, hi: int) -> int:
            raw = one(name)
            if raw is None or raw == "":
                return default
            try:
                value = int(raw)
            except ValueError:
                value = lo - 1
            if value < lo or value > hi:
                fields.append(
                    {
                        "field": name,
                        "value": raw,
                        "message": f"{name} must be an integer between {lo} and {hi}",
                    }
                )
                return default
            return value

        page_size = integer("pageSize", 25, 1, 100)
        page_number = integer("pageNumber", 1, 1, 10**9)
        filters: list[Callable[[_Order], bool]] = []
        statuses: list[set[str]] = []
        status = one("orderStatus")
        if status is not None:
            if status.upper() not in d.SEARCH_FILTER_STATUSES:
                fields.append(
                    {
                        "field": "orderStatus",
                        "value": status,
                        "message": "orderStatus must be one of "
                        + ", ".join(sorted(d.SEARCH_FILTER_STATUSES)),
                    }
                )
            else:
                statuses.append({status.upper()})
        status_in = multi.get("orderStatus-in")
        if status_in is not None:
            bad = [s for s in status_in if s.upper() not in d.SEARCH_FILTER_STATUSES]
            if bad:
                fields.append(
                    {
                        "field": "orderStatus-in",
                        "value": ",".join(bad),
                        "message": "orderStatus-in values must be among "
                        + ", ".join(sorted(d.SEARCH_FILTER_STATUSES)),
                    }
                )
            else:
                statuses.append({s.upper() for s in status_in})
        for wanted in statuses:
            filters.append(lambda o, w=wanted: bool(o.idx["status"] & w))  # type: ignore[misc]
        day = one("ingramOrderDate")
        if day is not None:
            if not _valid_date(day):
                fields.append(
                    {
                        "field": "ingramOrderDate/ingramOrderDate-bt",
                        "value": day,
                        "message": "input date format error expected format is - yyyy-MM-dd",
                    }
                )
            else:
                filters.append(lambda o, x=day: o.idx["day"] == x)  # type: ignore[misc]
        for name in _RANGE_FILTERS:
            values = multi.get(name)
            if values is None:
                continue
            if len(values) != 2:
                fields.append(
                    {
                        "field": name,
                        "value": ",".join(values),
                        "message": f"{name} takes exactly 2 dates (start and end): only 2 entries allowed",
                    }
                )
                continue
            if not all(_valid_date(v) for v in values):
                fields.append(
                    {
                        "field": name,
                        "value": ",".join(values),
                        "message": "input date format error expected format is - yyyy-MM-dd",
                    }
                )
                continue
            lo, hi = sorted(values)
            if name == "ingramOrderDate-bt":
                filters.append(lambda o, a=lo, b=hi: a <= o.idx["day"] <= b)  # type: ignore[misc]
            else:
                filters.append(lambda o, a=lo, b=hi, n=name: any(a <= x <= b for x in o.idx[n]))  # type: ignore[misc]
        for name, limit in _STRING_FILTERS.items():
            value = one(name)
            if value is None:
                continue
            if len(value) > limit:
                fields.append(
                    {
                        "field": name,
                        "value": value,
                        "message": f"{name} must be at most {limit} characters",
                    }
                )
                continue
            needle = value.strip().lower()
            if name == "vendorName":
                filters.append(lambda o, x=needle: any(x in v for v in o.idx["vendorName"]))  # type: ignore[misc]
            else:
                filters.append(lambda o, x=needle, n=name: x in o.idx[n])  # type: ignore[misc]
        if fields:
            return self._bad_request(ctx, fields, now=now, cid=cid, rl=rl)
        orders = self._owner_orders(ctx.customer)
        matches = [o for o in orders if all(f(o) for f in filters)] if filters else orders
        if not matches:
            return CoreResponse(204, list(rl))
        start = (page_number - 1) * page_size
        page = matches[start : start + page_size]
        parts = [
            b'{"recordsFound":',
            dumps(str(len(matches))),
            b',"pageSize":',
            dumps(str(page_size)),
            b',"pageNumber":',
            dumps(str(page_number)),
            b',"orders":[',
            b",".join(o.summary_bytes for o in page),
            b"]",
        ]
        template = "/resellers/v6/orders/[original_parameters]&pageNumber={}"
        if start + page_size < len(matches):
            parts += [b',"nextPage":', dumps(template.format(page_number + 1))]
        if page_number > 1:
            parts += [b',"previousPage":', dumps(template.format(page_number - 1))]
        parts.append(b"}")
        return CoreResponse(200, [_JSON_CT, *rl], b"".join(parts))

    # ------------------------------------------------------------------ create

    def _validate_create(self, body: JSON, *, v7: bool) -> list[JSON]:
        fields: list[JSON] = []
        po = body.get("customerOrderNumber")
        po_max = 18 if v7 else 35
        if not isinstance(po, str) or not po.strip():
            fields.append({"field": "customerOrderNumber", "message": "Required field is missing"})
        elif len(po) > po_max:
            fields.append(
                {
                    "field": "customerOrderNumber",
                    "value": po,
                    "message": f"customerOrderNumber must be at most {po_max} characters",
                }
            )
        end_po = body.get("endCustomerOrderNumber")
        if end_po is not None and (not isinstance(end_po, str) or (v7 and len(end_po) > 18)):
            fields.append(
                {
                    "field": "endCustomerOrderNumber",
                    "value": end_po,
                    "message": "endCustomerOrderNumber is not valid",
                }
            )
        for block, limits in (("shipToInfo", _ADDRESS_LIMITS), ("endUserInfo", _ADDRESS_LIMITS)):
            value = body.get(block)
            if value is None:
                continue
            if not isinstance(value, dict):
                fields.append({"field": block, "message": f"{block} must be an object"})
                continue
            for key, limit in limits.items():
                v = value.get(key)
                if v is not None and (not isinstance(v, str) or len(v) > limit):
                    fields.append(
                        {
                            "field": f"{block}.{key}",
                            "value": v,
                            "message": f"{block}.{key} must be a string of at most {limit} characters",
                        }
                    )
        ship = body.get("shipmentDetails")
        if ship is not None:
            if not isinstance(ship, dict):
                fields.append(
                    {"field": "shipmentDetails", "message": "shipmentDetails must be an object"}
                )
            else:
                instr = ship.get("shippingInstructions")
                if instr is not None and (not isinstance(instr, str) or len(instr) > 132):
                    fields.append(
                        {
                            "field": "shipmentDetails.shippingInstructions",
                            "value": instr,
                            "message": "shippingInstructions must be at most 132 characters",
                        }
                    )
                sc = ship.get("shipComplete")
                sc_ok = isinstance(sc, bool) or (
                    isinstance(sc, str) and (len(sc) <= 1 or sc.lower() in ("true", "false"))
                )
                if sc is not None and not sc_ok:
                    fields.append(
                        {
                            "field": "shipmentDetails.shipComplete",
                            "value": sc,
                            "message": "shipComplete is one character",
                        }
                    )
        attrs = body.get("additionalAttributes")
        if attrs is not None and (
            not isinstance(attrs, list)
            or not all(isinstance(a, dict) and "attributeName" in a for a in attrs)
        ):
            fields.append(
                {
                    "field": "additionalAttributes",
                    "message": "additionalAttributes must be a list of {attributeName, attributeValue}",
                }
            )
        lines = body.get("lines")
        quote = body.get("quoteNumber") if v7 else None
        if quote is not None and (not isinstance(quote, str) or len(quote) > 35):
            fields.append(
                {
                    "field": "quoteNumber",
                    "value": quote,
                    "message": "quoteNumber must be at most 35 characters",
                }
            )
        if not isinstance(lines, list) or (not lines and not quote):
            if not quote:
                fields.append({"field": "lines", "message": "At least one line is required"})
            return fields
        for i, line in enumerate(lines):
            where = f"lines[{i}]"
            if not isinstance(line, dict):
                fields.append({"field": where, "message": "line must be an object"})
                continue
            qty = line.get("quantity")
            if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
                fields.append(
                    {
                        "field": f"{where}.quantity",
                        "value": qty,
                        "message": "quantity must be a positive integer",
                    }
                )
            cl = line.get("customerLineNumber")
            if cl is not None and (not isinstance(cl, str) or len(cl) > 3):
                fields.append(
                    {
                        "field": f"{where}.customerLineNumber",
                        "value": cl,
                        "message": "customerLineNumber must be at most 3 characters",
                    }
                )
            parts = [
                line.get(k) for k in ("ingramPartNumber", "vendorPartNumber", "customerPartNumber")
            ]
            if not any(isinstance(p, str) and p.strip() for p in parts):
                fields.append(
                    {
                        "field": f"{where}.ingramPartNumber",
                        "message": "ingramPartNumber (or vendorPartNumber) is required",
                    }
                )
            ipn = line.get("ingramPartNumber")
            if ipn is not None and (not isinstance(ipn, str) or len(ipn) > 18):
                fields.append(
                    {
                        "field": f"{where}.ingramPartNumber",
                        "value": ipn,
                        "message": "ingramPartNumber must be at most 18 characters",
                    }
                )
            price = line.get("unitPrice")
            if price is not None and (
                isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0
            ):
                fields.append(
                    {
                        "field": f"{where}.unitPrice",
                        "value": price,
                        "message": "unitPrice must be a non-negative number",
                    }
                )
        return fields

    def _find_item(self, line: JSON) -> d.CatalogItem | None:
        ipn = line.get("ingramPartNumber")
        if isinstance(ipn, str) and ipn.strip():
            return self.catalog.get(ipn.strip().upper())
        for key in ("vendorPartNumber", "customerPartNumber"):
            vpn = line.get(key)
            if isinstance(vpn, str) and vpn.strip():
                return self._by_vendor_part.get(vpn.strip().upper())
        return None

    def _create(
        self, body: JSON, ctx: _Ctx, rl: list[tuple[str, str]], *, v7: bool
    ) -> tuple[_Order | None, list[JSON], list[JSON], CoreResponse | None]:
        """Validate, apply the rules and create the order. Returns (order, accepted lines of
        the create response, rejected line items, error response)."""
        fields = self._validate_create(body, v7=v7)
        if fields:
            return (
                None,
                [],
                [],
                self._bad_request(ctx, fields, now=ctx.now, cid=ctx.correlation_id, v7=v7, rl=rl),
            )
        attrs = _attributes(body)
        po = str(body["customerOrderNumber"]).strip().upper()
        allow_dup = _truthy(attrs.get("allowduplicatecustomerordernumber"))
        if not allow_dup and self._po.get((ctx.customer, po)):
            return (
                None,
                [],
                [],
                self._bad_request(
                    ctx,
                    [
                        {
                            "field": "customerOrderNumber",
                            "value": body["customerOrderNumber"],
                            "message": "Duplicate customer order number: an order with this PO number already exists "
                            "(set allowDuplicateCustomerOrderNumber to allow it)",
                        }
                    ],
                    now=ctx.now,
                    cid=ctx.correlation_id,
                    v7=v7,
                    rl=rl,
                ),
            )
        hold = _truthy(attrs.get("alloworderoncustomerhold"))
        req_lines = list(body.get("lines") or [])
        quote = body.get("quoteNumber") if v7 else None
        if quote:
            qrng = random.Random(f"quote:{self.cfg.seed}:{quote}")
            picks = qrng.sample(sorted(self.catalog), qrng.randint(1, 3))
            req_lines = [
                {
                    "customerLineNumber": f"{i:03d}",
                    "ingramPartNumber": p,
                    "quantity": qrng.randint(1, 5),
                }
                for i, p in enumerate(picks, start=1)
            ]
        accepted: list[tuple[JSON, d.CatalogItem]] = []
        rejected: list[JSON] = []
        for i, rl_line in enumerate(req_lines, start=1):
            item = self._find_item(rl_line)
            if item is None:
                pn = (
                    rl_line.get("ingramPartNumber")
                    or rl_line.get("vendorPartNumber")
                    or rl_line.get("customerPartNumber")
                )
                rejected.append(
                    {
                        "customerLinenumber": str(rl_line.get("customerLineNumber") or f"{i:03d}"),
                        "ingramPartNumber": str(pn),
                        "quantityOrdered": rl_line.get("quantity"),
                        "rejectCode": "EN",
                        "rejectReason": f"SKU-NOTFOUND    {pn}",
                    }
                )
            else:
                accepted.append((rl_line, item))
        if not accepted:
            return (
                None,
                [],
                rejected,
                self._bad_request(
                    ctx,
                    [
                        {
                            "field": f"lines[{i}]",
                            "value": r["ingramPartNumber"],
                            "message": r["rejectReason"],
                        }
                        for i, r in enumerate(rejected)
                    ],
                    message="No valid lines: the order was not created",
                    now=ctx.now,
                    cid=ctx.correlation_id,
                    v7=v7,
                    rl=rl,
                ),
            )
        number = self._new_number()
        now = ctx.now
        country = self.cfg.country_code.upper()
        bill_to = d.reseller_address(ctx.customer, country)
        ship_to = dict(bill_to)
        given_ship = body.get("shipToInfo") or {}
        if given_ship:
            ship_to.update(
                {
                    k: v
                    for k, v in given_ship.items()
                    if k in _ADDRESS_LIMITS or k in ("phoneNumber", "email")
                }
            )
        warehouses: list[str] = []
        lines: list[JSON] = []
        created_lines: list[JSON] = []
        bid = body.get("specialBidNumber") or ""
        carrier_req = (body.get("shipmentDetails") or {}).get("carrierCode")
        for idx, (rl_line, item) in enumerate(accepted, start=1):
            suffix = d.suborder_suffix(warehouses, item)
            price = rl_line.get("unitPrice")
            line = d.make_line(
                item,
                order_no=number,
                suffix=suffix,
                index=idx,
                qty=int(rl_line["quantity"]),
                unit_price=float(price) if price is not None else None,
                customer_line=str(rl_line.get("customerLineNumber") or f"{idx:03d}"),
                currency=self.currency,
                notes=str(rl_line.get("notes") or ""),
                special_bid=str(rl_line.get("specialBidNumber") or bid),
            )
            state = d.HOLD if hold else (d.IN_PROGRESS if item.in_stock else d.BACKORDERED)
            d.set_line_state(self._rng, line, item, state, now=now, created_at=now)
            carrier = (
                ("VL", "VIRTUAL")
                if item.kind == "sw"
                else next(
                    ((c[0], c[1]) for c in d.CARRIERS if c[0] == carrier_req), d.CARRIERS[0][:2]
                )
            )
            line["defaultCarrierName"] = carrier[1]
            line["promisedDeliveryDate"] = d.day(now + 86400 * 4)
            lines.append(line)
            wh = d.warehouse_of(item)
            created_lines.append(
                {
                    "subOrderNumber": line["subOrderNumber"],
                    "ingramLineNumber": line["ingramOrderLineNumber"],
                    "customerLineNumber": line["customerLineNumber"],
                    "lineStatus": d.IN_PROGRESS if item.in_stock else d.BACKORDERED,
                    "ingramPartNumber": item.ingram_part_number,
                    "vendorPartNumber": item.vendor_part_number,
                    "unitPrice": line["unitPrice"],
                    "extendedUnitPrice": d.money(line["unitPrice"] * line["quantityConfirmed"]),
                    "quantityOrdered": line["quantityOrdered"],
                    "quantityConfirmed": line["quantityConfirmed"],
                    "quantityBackOrdered": line["quantityBackOrdered"],
                    "notes": item.description,
                    # a single object where the schema declares an array: as the API sends it
                    "shipmentDetails": {
                        "carrierCode": carrier[0],
                        "carrierName": carrier[1],
                        "shipFromWarehouseId": wh[0],
                        "shipFromLocation": wh[1],
                    },
                }
            )
        subtotal = sum(ln["extendedPrice"] for ln in lines)
        detail: JSON = {
            "ingramOrderNumber": number,
            "ingramOrderDate": d.iso_local(now),
            "orderType": "D" if body.get("endUserInfo") else "S",
            "customerOrderNumber": po,
            "endCustomerOrderNumber": str(body.get("endCustomerOrderNumber") or ""),
            "webOrderId": "",
            "vendorSalesOrderNumber": "",
            "ingramPurchaseOrderNumber": "",
            "orderStatus": "",
            "orderTotal": 0.0,
            "orderSubTotal": 0.0,
            "freightCharges": 0.0 if subtotal >= 500 else d.money(7.5 + 1.25 * len(lines)),
            "currencyCode": self.currency,
            "totalWeight": 0.0,
            "totalTax": 0.0,
            "totalFees": 0.0,
            "paymentTerms": "NET 30 DAYS",
            "notes": str(body.get("notes") or "").upper(),
            "billToInfo": bill_to,
            "shipToInfo": ship_to,
            "lines": lines,
            "miscellaneousCharges": [],
            "additionalAttributes": [
                {
                    "attributeName": str(a.get("attributeName")),
                    "attributeValue": str(a.get("attributeValue")),
                }
                for a in body.get("additionalAttributes") or ()
            ],
        }
        end_user = body.get("endUserInfo")
        if isinstance(end_user, dict):
            detail["endUserInfo"] = {
                k: str(v) for k, v in end_user.items() if k in _DETAIL_ADDRESS_KEYS
            }
        order = self._add(detail, ctx.customer, now, hold)
        self.counters.orders_created += 1
        return order, created_lines, rejected, None

    def _create_order_block(
        self, order: _Order, created_lines: list[JSON], rejected: list[JSON], *, v7: bool
    ) -> JSON:
        det = order.detail
        block: JSON = {
            "numberOfLinesWithSuccess": len(created_lines),
            "numberOfLinesWithError": len(rejected),
            "numberOfLinesWithWarning": 0,
            "ingramOrderNumber": order.number,
            "ingramOrderDate": det["ingramOrderDate"][:10],
            "notes": det["notes"],
            "orderType": det["orderType"],
            "orderTotal": det["orderTotal"],
            "freightCharges": det["freightCharges"],
            "totalTax": det["totalTax"],
            "currencyCode": det["currencyCode"],
            "lines": created_lines
            if not v7
            else [{k: v for k, v in ln.items() if k != "vendorPartNumber"} for ln in created_lines],
            "links": [
                {"topic": "orders", "href": f"/resellers/v6.1/orders/{order.number}", "type": "GET"}
            ],
        }
        if not v7:
            block["miscellaneousCharges"] = []
            if rejected:
                block["rejectedLineItems"] = rejected
        return block

    @staticmethod
    def _ship_to_out(ship_to: JSON, *, v7: bool) -> JSON:
        keys = (
            (
                "addressId",
                "companyName",
                "addressLine1",
                "addressLine2",
                "city",
                "state",
                "postalCode",
                "countryCode",
            )
            if v7
            else _CREATE_SHIPTO_KEYS
        )
        out = {"addressId": "200", **ship_to}
        return {k: out[k] for k in keys if k in out}

    def _h_create_v6(
        self, req: CoreRequest, params: list[str], now: float, cid: str | None
    ) -> CoreResponse:
        ctx, rl = self._enter(req, "create_order", now, cid)
        body = self._body_json(req, ctx, rl)
        assert body is not None
        order, created_lines, rejected, error = self._create(body, ctx, rl, v7=False)
        if error is not None or order is None:
            assert error is not None
            return error
        det = order.detail
        out: JSON = {"customerOrderNumber": det["customerOrderNumber"]}
        if det["endCustomerOrderNumber"]:
            out["endCustomerOrderNumber"] = det["endCustomerOrderNumber"]
        out["billToAddressId"] = str(body.get("billToAddressId") or "000")
        if body.get("specialBidNumber"):
            out["specialBidNumber"] = str(body["specialBidNumber"])
        out.update(
            {
                "orderSplit": False,
                "processedPartially": bool(rejected),
                "purchaseOrderTotal": det["orderTotal"],
                "shipToInfo": self._ship_to_out(det["shipToInfo"], v7=False),
            }
        )
        if "endUserInfo" in det:
            out["endUserInfo"] = det["endUserInfo"]
        out["orders"] = [self._create_order_block(order, created_lines, rejected, v7=False)]
        return self._json(207 if rejected else 201, out, rl)

    def _h_create_v7(
        self, req: CoreRequest, params: list[str], now: float, cid: str | None
    ) -> CoreResponse:
        ctx, rl = self._enter(req, "create_order_v7", now, cid)
        body = self._body_json(req, ctx, rl, v7=True)
        assert body is not None
        order, created_lines, rejected, error = self._create(body, ctx, rl, v7=True)
        if error is not None or order is None:
            assert error is not None
            return error
        det = order.detail
        stamp = d.local_dt(now).strftime("%y%m%d")
        confirmation = (
            f"{self.cfg.country_code.upper()}-I-T-{stamp}{self._rng.randrange(10**13, 10**14)}"
        )
        event_type = "IM::async_order_create"
        event = {
            "topic": "resellers/orders",
            "event": "IM::created",
            "eventTimeStamp": d.iso_utc_ms(now),
            "eventId": self._event_id(),
            "eventType": event_type,
            "resource": {
                "eventType": event_type,
                "customerOrderNumber": det["customerOrderNumber"],
                "billToAddressId": str(body.get("billToAddressId") or "000"),
                "orderSplit": False,
                "processedPartially": bool(rejected),
                "purchaseOrderTotal": det["orderTotal"],
                "shipToInfo": self._ship_to_out(det["shipToInfo"], v7=True),
                "orders": [self._create_order_block(order, created_lines, rejected, v7=True)],
            },
        }
        self._queue(event)
        quote = body.get("quoteNumber")
        return self._json(
            200,
            {
                "quoteNumber": quote if isinstance(quote, str) else "",
                "confirmationNumber": confirmation,
                "message": "Thank you for submitting the order request, it is being processed. "
                "You will be notified of the status via the Order Status webhook.",
            },
            rl,
        )

    # ------------------------------------------------------------------ modify / release

    def _order_for_change(self, number: str, ctx: _Ctx, rl: list[tuple[str, str]]) -> _Order:
        if not _ORDER_NO_RE.match(number):
            raise _Reject(
                self._bad_request(
                    ctx,
                    [
                        {
                            "field": "OrderNumber",
                            "value": number,
                            "message": "OrderNumber must be in the format xx-xxxxx or xx-xxxxx-xx",
                        }
                    ],
                    now=ctx.now,
                    cid=ctx.correlation_id,
                    rl=rl,
                )
            )
        order = self._lookup(number, ctx.customer)
        if order is None:
            raise _Reject(self._not_found(ctx, rl))
        return order

    def _h_modify(
        self, req: CoreRequest, params: list[str], now: float, cid: str | None
    ) -> CoreResponse:
        ctx, rl = self._enter(req, "modify_order", now, cid)
        query = dict(parse_qsl(req.query, keep_blank_values=True))
        action = query.get("actionCode")
        if action is not None and action.lower() != "release":
            return self._bad_request(
                ctx,
                [{"field": "actionCode", "value": action, "message": "actionCode must be release"}],
                now=now,
                cid=cid,
                rl=rl,
            )
        order = self._order_for_change(params[0], ctx, rl)
        if action is not None:
            if not order.hold:
                return self._bad_request(ctx, [{"message": _NOT_HELD}], now=now, cid=cid, rl=rl)
            self.release(order, now)
            return CoreResponse(200, list(rl))
        body = self._body_json(req, ctx, rl)
        assert body is not None
        fields = _validate_modify(body)
        if fields:
            return self._bad_request(ctx, fields, now=now, cid=cid, rl=rl)
        if not order.hold:
            return self._bad_request(ctx, [{"message": _NOT_HELD}], now=now, cid=cid, rl=rl)
        det = order.detail
        changed: list[JSON] = []
        rejected: list[JSON] = []
        by_number = {int(ln["ingramOrderLineNumber"]): ln for ln in det["lines"]}
        wh_order: list[str] = []
        for ln in sorted(det["lines"], key=lambda x: x["subOrderNumber"]):
            wid = self.catalog_item(ln).warehouse_id
            if wid not in wh_order:
                wh_order.append(wid)
        for req_line in body.get("lines") or ():
            action_l = str(req_line.get("addUpdateDeleteLine")).upper()
            qty = req_line.get("quantity")
            ref = req_line.get("ingramLineNumber")
            if action_l == "ADD":
                item = self._find_item(req_line)
                if item is None or not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
                    rejected.append(
                        {
                            "customerLineNumber": str(req_line.get("customerLineNumber") or ""),
                            "ingramPartNumber": str(req_line.get("ingramPartNumber") or ""),
                            "quantityOrdered": qty if isinstance(qty, int) else 0,
                            "rejectCode": "EN",
                            "rejectReason": "Line Modification/ Addition Failed for reason : "
                            + ("ERROR-PART-NOT-FOUND" if item is None else "INVALID-QUANTITY"),
                        }
                    )
                    continue
                index = max(by_number, default=0) + 1
                suffix = d.suborder_suffix(wh_order, item)
                line = d.make_line(
                    item,
                    order_no=order.number,
                    suffix=suffix,
                    index=index,
                    qty=qty,
                    unit_price=None,
                    customer_line=str(req_line.get("customerLineNumber") or f"{index:03d}"),
                    currency=self.currency,
                    notes=str(req_line.get("notes") or ""),
                )
                d.set_line_state(
                    self._rng, line, item, d.HOLD, now=now, created_at=order.created_at
                )
                det["lines"].append(line)
                by_number[index] = line
                self._suborders[line["subOrderNumber"]] = order.number
                changed.append(line)
                continue
            line_no = _int_or_none(ref)
            found = by_number.get(line_no) if line_no is not None else None
            if found is None:
                rejected.append(
                    {
                        "ingramLineNumber": str(ref) if ref is not None else "",
                        "ingramPartNumber": str(req_line.get("ingramPartNumber") or ""),
                        "quantityOrdered": qty if isinstance(qty, int) else 0,
                        "rejectCode": "EN",
                        "rejectReason": f"Line Modification for Line Number {ref} Failed for reason : INVALID-LINE-NUMBER",
                    }
                )
                continue
            line = found
            if action_l == "DELETE":
                det["lines"].remove(line)
                del by_number[int(line["ingramOrderLineNumber"])]
                continue
            if qty is not None:
                if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
                    rejected.append(
                        {
                            "ingramLineNumber": line["ingramOrderLineNumber"],
                            "ingramPartNumber": line["ingramPartNumber"],
                            "quantityOrdered": 0,
                            "rejectCode": "EN",
                            "rejectReason": f"Line Modification for Line Number {line['ingramOrderLineNumber']} "
                            "Failed for reason : INVALID-QUANTITY",
                        }
                    )
                    continue
                line["quantityOrdered"] = qty
                d.set_line_state(
                    self._rng,
                    line,
                    self.catalog_item(line),
                    d.HOLD,
                    now=now,
                    created_at=order.created_at,
                )
            if "notes" in req_line:
                line["lineNotes"] = str(req_line.get("notes") or "")
            changed.append(line)
        if "notes" in body:
            det["notes"] = str(body.get("notes") or "")
        if isinstance(body.get("shipToInfo"), dict):
            det["shipToInfo"].update(
                {k: str(v) for k, v in body["shipToInfo"].items() if k in _DETAIL_ADDRESS_KEYS}
            )
        if not det["lines"]:
            self._cancel(order, now)
        else:
            order.reindex()
        out: JSON = {
            "ingramOrderNumber": order.number,
            "orderModifiedDate": d.local_dt(now).isoformat(timespec="milliseconds"),
            "customerOrderNumber": det["customerOrderNumber"],
        }
        if det["endCustomerOrderNumber"]:
            out["endCustomerOrderNumber"] = det["endCustomerOrderNumber"]
        out.update(
            {
                "orderTotal": det["orderTotal"],
                "orderSubTotal": det["orderSubTotal"],
                "freightCharges": det["freightCharges"],
                "totalTax": det["totalTax"],
                "orderStatus": d.SEARCH_STATUS.get(det["orderStatus"], det["orderStatus"].upper())
                if det["orderStatus"] != "Canceled"
                else "CANCELLED",
                "billToAddressId": "000",
            }
        )
        if "notes" in body:
            out["notes"] = det["notes"]
        if isinstance(body.get("shipToInfo"), dict):
            out["shipToInfo"] = {
                k: v for k, v in det["shipToInfo"].items() if k in _DETAIL_ADDRESS_KEYS
            }
        out["lines"] = [
            {
                "subOrderNumber": ln["subOrderNumber"],
                "ingramLineNumber": ln["ingramOrderLineNumber"],
                "customerLineNumber": ln["customerLineNumber"],
                "ingramPartNumber": ln["ingramPartNumber"],
                "vendorPartNumber": ln["vendorPartNumber"],
                "quantityOrdered": ln["quantityOrdered"],
                "quantityConfirmed": ln["quantityConfirmed"],
                "quantityBackOrdered": ln["quantityBackOrdered"],
                "shipmentDetails": _carrier_block(ln, self.catalog_item(ln)),
                "notes": ln["lineNotes"],
            }
            for ln in changed
        ]
        if rejected:
            out["rejectedLineItems"] = rejected
        return self._json(207 if rejected else 201, out, rl)

    # ------------------------------------------------------------------ cancel

    def _h_cancel(
        self, req: CoreRequest, params: list[str], now: float, cid: str | None
    ) -> CoreResponse:
        ctx, rl = self._enter(req, "cancel_order", now, cid)
        order = self._order_for_change(params[0], ctx, rl)
        if not order.hold:
            return self._json(
                405,
                {
                    "errors": [
                        {
                            "id": self._error_id(cid, now),
                            "type": "/errors/validation-error",
                            "message": "Order can not be deleted as the order is not on hold.",
                        }
                    ]
                },
                rl,
            )
        self._cancel(order, now)
        return CoreResponse(200, list(rl))

    # ------------------------------------------------------------------ introspection

    def order_detail(self, number: str) -> JSON:
        """A deep copy of an order's detail JSON (any customer's)."""
        with self.lock:
            self.sweep(self.cfg.clock())
            order = self._orders.get(number.upper()) or self._orders.get(
                self._suborders.get(number.upper(), "")
            )
            if order is None:
                raise KeyError(number)
            return copy.deepcopy(order.detail)

    def order_numbers(self, customer: str | None, status: str | None) -> list[str]:
        """Order numbers, newest first, optionally of one customer / with a detail status."""
        with self.lock:
            self.sweep(self.cfg.clock())
            owners = [customer] if customer is not None else list(self._by_owner)
            out: list[_Order] = []
            for owner in owners:
                out.extend(self._owner_orders(owner))
            out.sort(key=lambda o: (-o.created_at, -o.seq))
            return [o.number for o in out if status is None or o.detail["orderStatus"] == status]


# ---------------------------------------------------------------------------- helpers

_ADDRESS_LIMITS = {
    "contact": 70,
    "companyName": 40,
    "addressLine1": 70,
    "addressLine2": 70,
    "addressLine3": 70,
    "city": 25,
    "state": 3,
    "postalCode": 10,
    "countryCode": 10,
}
_DETAIL_ADDRESS_KEYS = (
    "contact",
    "companyName",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "city",
    "state",
    "postalCode",
    "countryCode",
    "phoneNumber",
    "email",
)
_CREATE_SHIPTO_KEYS = (
    "addressId",
    "contact",
    "companyName",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "city",
    "state",
    "postalCode",
    "countryCode",
    "phoneNumber",
    "email",
)
_MODIFY_SHIPTO_LIMITS = {
    "addressId": 10,
    "contact": 40,
    "companyName": 40,
    "name1": 40,
    "name2": 40,
    "addressLine1": 60,
    "addressLine2": 40,
    "addressLine3": 40,
    "city": 25,
    "state": 3,
    "postalCode": 10,
    "countryCode": 3,
    "phoneNumber": 30,
    "email": 241,
}


def _carrier_block(line: JSON, item: d.CatalogItem) -> JSON:
    """The modify response's single shipmentDetails object for a line."""
    if item.kind == "sw":
        return {"carrierCode": d.VIRTUAL_CARRIER[0], "carrierName": d.VIRTUAL_CARRIER[1]}
    name = line.get("defaultCarrierName") or d.CARRIERS[0][1]
    code = next((c[0] for c in d.CARRIERS if c[1] == name), d.CARRIERS[0][0])
    return {"carrierCode": code, "carrierName": name}


def _valid_date(value: str) -> bool:
    if not _DATE_RE.match(value):
        return False
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _attributes(body: JSON) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in body.get("additionalAttributes") or ():
        if isinstance(a, dict) and isinstance(a.get("attributeName"), str):
            out[a["attributeName"].strip().lower()] = a.get("attributeValue")
    return out


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _validate_modify(body: JSON) -> list[JSON]:
    fields: list[JSON] = []
    notes = body.get("notes")
    if notes is not None and (not isinstance(notes, str) or len(notes) > 132):
        fields.append(
            {"field": "notes", "value": notes, "message": "notes must be at most 132 characters"}
        )
    ship = body.get("shipToInfo")
    if ship is not None:
        if not isinstance(ship, dict):
            fields.append({"field": "shipToInfo", "message": "shipToInfo must be an object"})
        else:
            for key, limit in _MODIFY_SHIPTO_LIMITS.items():
                v = ship.get(key)
                if v is not None and (not isinstance(v, str) or len(v) > limit):
                    fields.append(
                        {
                            "field": f"shipToInfo.{key}",
                            "value": v,
                            "message": f"shipToInfo.{key} must be a string of at most {limit} characters",
                        }
                    )
    lines = body.get("lines")
    if lines is not None:
        if not isinstance(lines, list):
            fields.append({"field": "lines", "message": "lines must be an array"})
        else:
            for i, ln in enumerate(lines):
                if not isinstance(ln, dict):
                    fields.append({"field": f"lines[{i}]", "message": "line must be an object"})
                    continue
                action = ln.get("addUpdateDeleteLine")
                if not isinstance(action, str) or action.upper() not in ("ADD", "UPDATE", "DELETE"):
                    fields.append(
                        {
                            "field": f"lines[{i}].addUpdateDeleteLine",
                            "value": action,
                            "message": "addUpdateDeleteLine must be one of ADD, UPDATE, DELETE",
                        }
                    )
                ln_notes = ln.get("notes")
                if ln_notes is not None and (not isinstance(ln_notes, str) or len(ln_notes) > 132):
                    fields.append(
                        {
                            "field": f"lines[{i}].notes",
                            "value": ln_notes,
                            "message": "notes must be at most 132 characters",
                        }
                    )
    if not fields and not any(k in body for k in ("notes", "shipToInfo", "lines")):
        fields.append(
            {"field": "body", "message": "Nothing to modify: give notes, shipToInfo or lines"}
        )
    return fields
