"""An offline sandbox of Ingram Micro's Reseller Orders API, for tests, examples and demos.

:class:`Sandbox` is an in-memory, stateful emulator (think moto for AWS): seeded,
realistic orders; the token endpoint and the seven Orders operations (Vendor Required Info,
from the vendor's YAML spec, with catalogue items that need vendor fields) in the spec's wire
format, quirks included; the API's checks (IM-* headers, bearer tokens, parameters), its
order rules (customer hold, 24-hour window, release, cancel, duplicate PO numbers, unknown
SKUs), per-endpoint rate limits, signed webhook events, and seeded fault injection.

::

    from xi_orders.testing import Sandbox, FakeClock, Faults

    sandbox = Sandbox(seed=7, orders=500, clock=FakeClock())
    client = sandbox.client()            # an AsyncOrdersClient wired to the sandbox
    transport = sandbox.transport()      # or any httpx client: httpx.AsyncClient(transport=...)
    with sandbox.serve() as url: ...     # or real HTTP on 127.0.0.1

    Sandbox(realism=Realism(search_page_size=25, status_spelling="mixed"))  # the real quirks

From a shell: ``python -m xi_orders.testing --port 8080 --seed 7 --orders 500``.

The sandbox builds its JSON itself from the spec's wire names; it never goes through the
SDK's models, so a wrong wire name in a model cannot be mirrored here.
"""

from __future__ import annotations

from ._app import sign as sign_event
from ._data import CatalogItem
from ._sandbox import Sandbox, WebhookCallable
from ._transport import SandboxTransport
from ._types import (
    ENDPOINTS,
    FAULT_KINDS,
    Counters,
    FakeClock,
    FaultKind,
    Faults,
    Realism,
    RequestRecord,
    WebhookEvent,
)

__all__ = [
    "ENDPOINTS",
    "FAULT_KINDS",
    "CatalogItem",
    "Counters",
    "FakeClock",
    "FaultKind",
    "Faults",
    "Realism",
    "RequestRecord",
    "Sandbox",
    "SandboxTransport",
    "WebhookCallable",
    "WebhookEvent",
    "sign_event",
]
