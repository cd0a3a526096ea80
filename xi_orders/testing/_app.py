"""The emulator core: a thin composition of the store, the lifecycle rules, the tokens and
the middleware (which routes to the resources). Owns the one lock and the runtime RNG.

It speaks raw HTTP-ish values (method, raw path, query string, headers, body bytes) and
answers with a status, headers and body bytes, so the httpx transport and the threaded HTTP
server share it. It never imports the SDK's models: every body is a plain dict that follows
the spec's wire names, serialised once and cached. Sleeping (latency, slow faults) is the
caller's job: :meth:`SandboxCore.handle` says how long.

Layout: ``_router`` (method + path -> handler), ``_middleware`` (faults, limits, checks
around every handler), ``_context`` (tokens, IM-* headers), ``_store`` (orders in memory),
``_lifecycle`` (hold, release, ship, cancel, webhooks), ``resources/`` (one module per
resource), ``_http`` (request/answer values, error shapes), ``_data`` (seeded data).
"""

from __future__ import annotations

import dataclasses
import json
import random
import threading
from collections import deque
from collections.abc import Callable

from . import _data as d
from . import _vendor_catalog as vendor_catalog
from ._context import TokenBook
from ._core import CoreConfig
from ._http import JSON, CoreRequest, CoreResponse, Exchange, dumps, sign
from ._lifecycle import Lifecycle
from ._middleware import Middleware
from ._store import OrderStore
from ._types import Counters, FaultKind, RequestRecord, WebhookEvent
from .resources import details

__all__ = [
    "CoreConfig",
    "CoreRequest",
    "CoreResponse",
    "Exchange",
    "SandboxCore",
    "dumps",
    "sign",
]


class SandboxCore:
    """The stateful emulator. Thread-safe: every entry point takes :attr:`lock`."""

    def __init__(self, cfg: CoreConfig) -> None:
        self.cfg = cfg
        self.lock = threading.RLock()
        self.currency = d.CURRENCIES.get(cfg.country_code.upper(), "USD")
        data_rng = random.Random(cfg.seed)
        self.catalog = d.build_catalog(data_rng, cfg.catalog_size)
        self.by_vendor_part = {i.vendor_part_number.upper(): i for i in self.catalog.values()}
        #: one runtime stream (order numbers, tokens, event IDs, line changes): seeded
        self.rng = random.Random(f"runtime:{cfg.seed}")
        #: the draws of the realism rates (create_2xx_errors): their own seeded stream
        self.realism_rng = random.Random(f"realism:{cfg.seed}")
        self.started_at = cfg.clock()
        self.counters = Counters()
        self.store = OrderStore(cfg.customer_numbers, cfg.hold_window, self.rng)
        with d.gc_paused():
            self.store.load(
                d.generate_orders(
                    data_rng,
                    count=cfg.orders,
                    customers=cfg.customer_numbers,
                    country=cfg.country_code.upper(),
                    currency=self.currency,
                    now=self.started_at,
                    span_days=cfg.history_days,
                    catalog=self.catalog,
                    taken=set(),
                )
            )
        # added after the seeded orders: those stay as they were
        self.catalog.update((i.ingram_part_number, i) for i in vendor_catalog.items(self.catalog))
        self.by_vendor_part = {i.vendor_part_number.upper(): i for i in self.catalog.values()}
        self.lifecycle = Lifecycle(
            self.store,
            self.catalog,
            self.rng,
            self.counters,
            hold_window=cfg.hold_window,
            webhook_secret=cfg.webhook_secret,
            spell_status=self._webhook_spelling()
            if cfg.realism.status_spelling == "mixed"
            else None,
        )
        self.tokens = TokenBook(self.rng, self.counters, cfg.token_ttl)
        self.middleware = Middleware(cfg, self.counters)

    def _webhook_spelling(self) -> Callable[[str, str], str]:
        """The status webhooks' line spellings under ``status_spelling="mixed"``: one of the
        real variants per order and status (seeded), as the details answer them."""
        seed = self.cfg.seed

        def spell_status(number: str, status: str) -> str:
            rng = random.Random(f"{seed}:{number}:{status}:webhook-spelling")
            return details.spell(rng, status, details.DETAIL_SPELLINGS)

        return spell_status

    # ------------------------------------------------------------------ entry point

    def handle(self, req: CoreRequest) -> Exchange:
        """Process one request; returns how long to wait and what to answer."""
        with self.lock:
            return self.middleware.handle(self, req)

    # ------------------------------------------------------------------ counters and log

    @property
    def request_log(self) -> deque[RequestRecord]:
        """The latest requests seen (the live log; read under :attr:`lock`)."""
        return self.middleware.request_log

    def clear_request_log(self) -> None:
        """Forget the logged requests (the counters keep counting)."""
        with self.lock:
            self.middleware.request_log.clear()

    def reset_counters(self) -> None:
        """Zero the counters (in place: every part holds the same object) and clear the log."""
        with self.lock:
            fresh = Counters()
            for f in dataclasses.fields(Counters):
                setattr(self.counters, f.name, getattr(fresh, f.name))
            self.middleware.request_log.clear()

    # ------------------------------------------------------------------ tokens and faults

    def issue_token(self, now: float) -> str:
        """A fresh access token, valid for ``token_ttl`` seconds from ``now``."""
        return self.tokens.issue(now)

    def revoke_tokens(self) -> None:
        """Forget every token issued so far: the next Orders call answers 401."""
        with self.lock:
            self.tokens.revoke_all()

    def schedule(self, kind: FaultKind, times: int, endpoint: str | None) -> None:
        """Inject ``kind`` into the next ``times`` requests (to ``endpoint``, if given)."""
        with self.lock:
            self.middleware.faults.schedule(kind, times, endpoint)

    # ------------------------------------------------------------------ orders and webhooks

    def sweep(self, now: float) -> None:
        """Void held orders older than the hold window."""
        self.lifecycle.sweep(now)

    def ship(self, number: str, now: float) -> JSON:
        """Ship every live line of an order; queues an event (see :class:`Lifecycle`).
        Returns the detail as get-order now answers it (realism applied)."""
        self.lifecycle.ship(number, now)
        return self.order_detail(number)

    @property
    def webhook_events(self) -> list[WebhookEvent]:
        """Every event queued (the live list; read under :attr:`lock`)."""
        return self.lifecycle.webhook_events

    @property
    def webhook_delivered(self) -> int:
        """How many queued events were handed out for delivery."""
        return self.lifecycle.webhook_delivered

    def claim_webhooks(self) -> list[WebhookEvent]:
        """The events not yet handed out for delivery (each is handed out once)."""
        with self.lock:
            return self.lifecycle.claim_webhooks(self.cfg.clock())

    def order_detail(self, number: str) -> JSON:
        """A deep copy of an order's detail JSON (any customer's)."""
        with self.lock:
            self.lifecycle.sweep(self.cfg.clock())
            order = self.store.find(number)
            if order is None:
                raise KeyError(number)
            view: JSON = json.loads(details.render(self, order))
            return view

    def order_numbers(self, customer: str | None, status: str | None) -> list[str]:
        """Order numbers, newest first, optionally of one customer / with a detail status."""
        with self.lock:
            self.lifecycle.sweep(self.cfg.clock())
            return self.store.numbers(customer, status)
