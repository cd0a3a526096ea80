"""The entry point :func:`parse_events`: the documented checks, in order, over one request.

Owns only the sequence (size, signature header, JSON, shape, eventIds, signatures, replays);
each check lives in its own module. Must not import the inbox.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from ._errors import (
    BodyTooLargeError,
    InvalidJSONError,
    InvalidSignatureError,
    MissingSignatureError,
    ReplayedEventError,
    _clip,
)
from ._events import Event, _build, _event_id, _event_objects
from ._replay import ReplayStore
from ._signature import (
    SIGNATURE_HEADER,
    Headers,
    Secret,
    _header_values,
    _keys,
    _matches_any,
    _sign,
    _signature_candidates,
)

logger = logging.getLogger("xi_orders.webhooks")

#: The largest body :func:`parse_events` reads by default: 2 MiB.
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024


def parse_events(
    body: bytes | bytearray | memoryview | str,
    headers: Headers,
    secret: Secret | Sequence[Secret],
    *,
    max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES,
    replay_guard: ReplayStore | None = None,
) -> list[Event]:
    """Verify a webhook request and return its events, always as a list (body order).

    - ``body``: the raw request body, exactly as received (do not re-serialise JSON);
    - ``headers``: the request headers: any mapping or list of pairs, names matched
      case-insensitively;
    - ``secret``: the webhook secret (str or bytes), or several during a rotation (any may
      sign);
    - ``max_body_bytes``: larger bodies are refused before parsing (None: no limit);
    - ``replay_guard``: a :class:`ReplayGuard` (or any :class:`ReplayStore`) to refuse
      eventIds accepted before.

    Raises a :class:`WebhookError`; the docstring of ``xi_orders.webhooks`` lists the
    checks in order. A body holding several events is accepted only when every event's
    eventId is signed by a signature in ``X-Hub-Signature`` (comma-separated or repeated
    for distinct ids).

    Example (any framework)::

        events = parse_events(await request.body(), request.headers, secret)
        for event in events:
            inbox.put(event)
    """
    keys = _keys(secret)
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if max_body_bytes is not None and len(data) > max_body_bytes:
        raise BodyTooLargeError(len(data), max_body_bytes)
    candidates = _signature_candidates(_header_values(headers, SIGNATURE_HEADER))
    if not candidates:
        raise MissingSignatureError(f"webhook request has no {SIGNATURE_HEADER} header")
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise InvalidJSONError(f"webhook body is not JSON ({type(exc).__name__})") from None
    objects = _event_objects(payload)
    event_ids = [_event_id(obj, index) for index, obj in enumerate(objects)]
    for index, event_id in enumerate(event_ids):
        if not any(_matches_any(_sign(key, event_id), candidates) for key in keys):
            logger.debug("webhook signature mismatch for event [%d]", index)
            raise InvalidSignatureError(
                f"{SIGNATURE_HEADER} does not match webhook event [{index}] "
                f"(eventId {_clip(event_id)!r}): wrong secret, or a changed event",
                index=index,
            )
    events = [_build(obj, event_id) for obj, event_id in zip(objects, event_ids, strict=True)]
    if replay_guard is not None:
        new = [replay_guard.remember(e.event_id) for e in events]
        if not all(new):
            raise ReplayedEventError(
                [e.event_id for e, ok in zip(events, new, strict=True) if not ok],
                [e for e, ok in zip(events, new, strict=True) if ok],
            )
    for event in events:
        logger.debug("webhook event %s accepted: %s", event.event_id, event.type_name)
    return events
