"""Receive Ingram Micro webhooks in Flask: a view over :func:`parse_events`.

    XI_WEBHOOK_SECRET=... flask --app examples.webhook_flask run --port 8080

(In production, run it under gunicorn behind an HTTPS proxy; see docs/guides/webhooks.md.)
A Django view is the same: ``request.body`` and ``request.headers``.
"""

from __future__ import annotations

import logging
import os

from flask import Flask, request

from xi_orders.webhooks import (
    DEFAULT_MAX_BODY_BYTES,
    Event,
    ReplayedEventError,
    ReplayGuard,
    WebhookError,
    parse_events,
)

log = logging.getLogger(__name__)
SECRET = os.environ["XI_WEBHOOK_SECRET"]
guard = ReplayGuard()  # one process; several workers share a ReplayStore (a DB, Redis)
received: list[Event] = []

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = DEFAULT_MAX_BODY_BYTES  # 413 before the body is read


@app.post("/webhooks/ingram")
def ingram_webhook() -> tuple[dict[str, object], int]:
    if request.content_length is None:
        return {"error": "Content-Length required"}, 411
    try:
        events = parse_events(request.get_data(), request.headers, SECRET, replay_guard=guard)
    except ReplayedEventError as exc:  # seen before: acknowledge, do not handle again
        events = exc.fresh
    except WebhookError as exc:  # 401 signature, 400 body, 413 too many events
        return {"error": str(exc)}, exc.http_status
    for event in events:
        log.info("event %s %s orders=%s", event.event_id, event.kind.name, event.order_numbers)
        received.append(event)
    return {"received": len(events)}, 200
