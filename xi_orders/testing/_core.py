"""What the middleware and the resources know of the emulator: its settings
(:class:`CoreConfig`) and the state they work on (:class:`Core`, which ``_app.SandboxCore``
is). Kept below them, so that they need not import the core that routes to them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._context import TokenBook
from ._data import CatalogItem
from ._http import CoreRequest, Exchange
from ._lifecycle import Lifecycle
from ._store import OrderStore
from ._types import Counters, Faults, Realism


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
    #: per-endpoint window lengths (seconds) where they differ from ``rate_limit_window``
    rate_limit_windows: dict[str, float] = field(default_factory=dict)
    #: seconds before a new order shows up in search results
    search_lag: float = 0.0
    #: the real API's quirks to reproduce (each option is read in its own room)
    realism: Realism = field(default_factory=Realism)
    #: how many of the latest requests the log keeps (None: every one)
    request_log_limit: int | None = 10_000


class Core(Protocol):
    """The emulator's state, as a handler sees it."""

    cfg: CoreConfig
    currency: str
    catalog: dict[str, CatalogItem]
    by_vendor_part: dict[str, CatalogItem]
    #: the runtime stream (order numbers, tokens, event IDs, line changes): seeded
    rng: random.Random
    #: the draws of the realism rates: their own seeded stream
    realism_rng: random.Random
    counters: Counters
    store: OrderStore
    lifecycle: Lifecycle
    tokens: TokenBook


class Handler(Protocol):
    """The emulator's entry point (``SandboxCore.handle``)."""

    def handle(self, req: CoreRequest) -> Exchange: ...


class Served(Protocol):
    """What the transport and the HTTP server use of a ``Sandbox``."""

    @property
    def _core(self) -> Handler: ...

    def _auto_deliver_pending(self) -> bool: ...

    def deliver_webhooks(self) -> int: ...

    async def adeliver_webhooks(self) -> int: ...
