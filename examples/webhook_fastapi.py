"""Receive Ingram Micro webhooks in FastAPI (or Starlette): mount :class:`WebhookApp`.

    XI_WEBHOOK_SECRET=... uvicorn examples.webhook_fastapi:app --port 8080

Ingram Micro POSTs to ``https://<your host>/webhooks/ingram`` (TLS ends at your proxy; see
docs/guides/webhooks.md). ``WebhookApp`` verifies ``X-Hub-Signature``, refuses replays,
floods and junk with the right status, and awaits ``on_event`` once per new event.
"""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI

from xi_orders.webhooks import Event, WebhookApp, WebhookInbox

log = logging.getLogger("uvicorn.error")  # shown by uvicorn's default logging

#: Where code that placed a v7 order awaits its event: ``await inbox.wait_for(...)``.
inbox = WebhookInbox()


async def on_event(event: Event) -> None:
    """Keep it quick (Ingram Micro waits for the answer): record, queue, return."""
    log.info("event %s %s orders=%s", event.event_id, event.kind.name, event.order_numbers)
    inbox.put(event)


app = FastAPI()
app.add_route(
    "/webhooks/ingram",
    WebhookApp(os.environ["XI_WEBHOOK_SECRET"], on_event),
    methods=["POST"],
)
