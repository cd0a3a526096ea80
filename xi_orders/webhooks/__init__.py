"""Receive Ingram Micro order webhooks: verify the signature, parse typed events, correlate.

Ingram Micro POSTs order events (topic ``resellers/orders``) to the reseller's HTTPS URL:
the results of v7 creates (``IM::async_order_create``) and order status notifications
(``im::order_shipped``...). Each request carries ``X-Hub-Signature`` =
Base64(HMAC-SHA512(key = the webhook secret, message = the event's ``eventId``)).

Receivers: :class:`WebhookApp` is a plain ASGI app (FastAPI, Starlette, any ASGI server)
that does all of the below and answers with the right status codes, handing each new event
to an async handler, with a replay guard on by default. Elsewhere (Flask, Django, ...),
one framework-neutral entry point, :func:`parse_events`, takes the raw body bytes, the
request headers (any mapping, or a list of pairs) and the secret, and returns a list of
:class:`Event`, or raises a :class:`WebhookError`::

    from xi_orders.webhooks import EventKind, WebhookError, parse_events

    try:
        events = parse_events(body, headers, secret)
    except WebhookError as exc:
        return exc.http_status, str(exc)        # 401 bad/missing signature, 400, 413...
    for event in events:
        if event.kind is EventKind.ASYNC_ORDER_CREATE:
            print(event.customer_order_numbers, event.order_numbers)  # ['PO-1'] ['20-RD3QV']
        elif event.kind is EventKind.ORDER_SHIPPED:
            for change in event.status_changes:
                print(change.order_number, [ln.line_status for ln in change.lines])
        else:                                   # EventKind.UNKNOWN: a type this SDK does not know
            print(event.type_name, event.raw)   # kept whole, never dropped

The rules
=========

Always a list
    The body may be one event object or a JSON array of events (the spec's v7 example is an
    array of one): :func:`parse_events` always returns a list, in body order. An empty array,
    a scalar, or an array element that is not an object is a :class:`WebhookPayloadError`.

Signatures and arrays
    The signature is over an event's ``eventId`` only, so every event of a body must be
    vouched for by a signature made from its own ``eventId``. A request carries one
    ``X-Hub-Signature`` header; a body is accepted only when **every** event in it matches a
    signature in that header (all or nothing: no event of a partly signed array is
    returned). One signature therefore authenticates an array whose events share its
    eventId (the usual case: an array of one). For an array of events with distinct
    eventIds the header may list several signatures, comma-separated, or be repeated
    (``httpx.Headers`` joins repeats with commas); the order does not matter. Signatures
    are compared with :func:`hmac.compare_digest`. Header names are matched
    case-insensitively; surrounding whitespace is ignored.

What the signature does not cover
    The HMAC covers the ``eventId``, not the body: someone who saw one signed delivery can
    resend that eventId with another body. Two defences: a :class:`ReplayGuard` (below)
    refuses an eventId seen before, and the event is a hint, not the truth: fetch the
    order (``client.get_order(event.order_numbers[0])``) before acting on money or stock.

Checks, in order, and what each raises (``exc.http_status`` is what to answer)
    0. an empty secret: :class:`~xi_orders.errors.ValidationError` (a setup mistake, not
       the request's fault: it is not a :class:`WebhookError`).
    1. body longer than ``max_body_bytes`` (default 2 MiB): :class:`BodyTooLargeError` (413);
       check ``Content-Length`` yourself before reading a huge body (:class:`WebhookApp`
       does).
    2. no ``X-Hub-Signature`` header, or an empty one: :class:`MissingSignatureError` (401);
       one of more than ``max_signatures`` candidates (default 16):
       :class:`TooManySignaturesError` (401). The body is not even parsed.
    3. body not JSON (or not UTF-8): :class:`InvalidJSONError` (400).
    4. an array of more than ``max_events`` events (default 100): :class:`TooManyEventsError`
       (413), before any signature is computed.
    5. not an event object or a non-empty array of them: :class:`WebhookPayloadError` (400).
    6. an event without a non-empty string ``eventId``: :class:`MissingEventIdError` (400).
    7. a signature that does not match (wrong secret, tampered eventId or header):
       :class:`InvalidSignatureError` (401). Each distinct eventId is signed and compared
       once, however often the body repeats it.
    8. with ``replay_guard``: an eventId accepted before: :class:`ReplayedEventError`
       (answer 200 so the sender stops retrying, and do not process it again). The guard is
       asked before any event is built: a replay costs no decoding.

    So a request made from a captured delivery costs about one ``json.loads`` of its body,
    whatever it repeats or however many junk signatures its header carries; without a
    replay guard, a resent eventId with a padded body is decoded in full
    (``benchmarks/bench_webhooks.py``).

    Errors 1 to 8 are :class:`WebhookError` subclasses, under :class:`~xi_orders.errors.XiError`.
    No message or repr ever holds the secret or an expected signature; a rejected body is
    not echoed either.

Unknown types and fields
    ``event.kind`` is an :class:`EventKind`, normalised from the wire's ``eventType``
    whatever its case or prefix (``IM::async_order_create``, ``im::ORDER_SHIPPED``,
    ``order_shipped``). A type this SDK does not know is ``EventKind.UNKNOWN``, with the
    normalised name in ``event.type_name`` and the whole JSON object in ``event.raw``; if
    its resource is shaped like a status notification (a list of objects) it is still
    decoded as an :class:`~xi_orders.models.events.OrderStatusEvent`, otherwise as an
    :class:`UnknownEvent`. Unknown fields are kept in each model's ``extras``.

Replays
    :class:`ReplayGuard` is a bounded, thread-safe memory of accepted eventIds (optionally
    with a time to live). Pass it as ``replay_guard=``: an eventId is remembered only once
    its event verified, so unsigned requests cannot fill it. If handling an event then
    fails and you answer 5xx so that Ingram Micro retries, call
    ``guard.forget(event.event_id)`` first. Anything with a ``remember(event_id) -> bool``
    method (a database with a unique key, Redis ``SET NX``...) can replace it when several
    processes receive webhooks.

Correlating a v7 create with its events
    A v7 create answers at once with a confirmation; the orders arrive later as an
    ``IM::async_order_create`` event. Neither the spec's example event nor the sandbox's
    carries the confirmation number, so match on the customer order number (the PO number
    you sent; keep them unique) with a :class:`WebhookInbox`: the receiver ``put``s
    events in, the code that placed the order awaits
    ``inbox.wait_for(customer_order_number=..., timeout=...)``. Works on asyncio and trio,
    and with a receiver running in another thread. Take ``mark = inbox.cursor()`` before
    sending and wait with ``after=mark``, so an older event with the same PO number (a
    reused PO) is not taken for this create's. Given the inbox
    (``create_order_v7(request, webhook_inbox=inbox)``, or on the client), a create whose
    outcome is unknown (a read timeout, a 5xx) watches it too, racing the search by PO
    number: ``result.reconciliation.source`` is ``"webhook"`` when the event decided.

Layout
======
One private module per job, re-exported here: ``_signature`` (the HMAC and the header),
``_events`` (payload shape and typed events), ``_replay`` (:class:`ReplayGuard`),
``_inbox`` (:class:`WebhookInbox`), ``_errors`` (the exceptions), ``_receive``
(:func:`parse_events`, the checks in order) and ``_asgi`` (:class:`WebhookApp`, the HTTP
side). Only ``_events`` and ``_inbox`` know the models.
"""

from __future__ import annotations

from ._asgi import EventHandler, WebhookApp
from ._errors import (
    BodyTooLargeError,
    InvalidJSONError,
    InvalidSignatureError,
    MissingEventIdError,
    MissingSignatureError,
    ReplayedEventError,
    TooManyEventsError,
    TooManySignaturesError,
    WebhookError,
    WebhookPayloadError,
    WebhookSignatureError,
)
from ._events import Event, EventAction, EventKind, UnknownEvent, decode_events
from ._events import EventData as EventData  # the type alias of Event.data
from ._inbox import WebhookInbox
from ._receive import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_EVENTS,
    DEFAULT_MAX_SIGNATURES,
    parse_events,
)
from ._replay import ReplayGuard, ReplayStore
from ._signature import (
    SIGNATURE_HEADER,
    HeaderItems,
    Headers,
    compute_signature,
    verify_signature,
)
from ._signature import Secret as Secret  # the type alias of a secret

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_EVENTS",
    "DEFAULT_MAX_SIGNATURES",
    "SIGNATURE_HEADER",
    "BodyTooLargeError",
    "Event",
    "EventAction",
    "EventHandler",
    "EventKind",
    "HeaderItems",
    "Headers",
    "InvalidJSONError",
    "InvalidSignatureError",
    "MissingEventIdError",
    "MissingSignatureError",
    "ReplayGuard",
    "ReplayStore",
    "ReplayedEventError",
    "TooManyEventsError",
    "TooManySignaturesError",
    "UnknownEvent",
    "WebhookApp",
    "WebhookError",
    "WebhookInbox",
    "WebhookPayloadError",
    "WebhookSignatureError",
    "compute_signature",
    "decode_events",
    "parse_events",
    "verify_signature",
]
