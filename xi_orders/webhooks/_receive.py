"""The entry point :func:`parse_events`: the documented checks, in order, over one request.

Owns only the sequence (size, signature header, JSON, shape, eventIds, signatures, replays);
each check lives in its own module. Must not import the inbox.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from .._errors import loads_json
from ..errors import ValidationError
from ._errors import (
    BodyTooLargeError,
    InvalidJSONError,
    InvalidSignatureError,
    MissingSignatureError,
    ReplayedEventError,
    TooManyEventsError,
    TooManySignaturesError,
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

#: The most events one body may hold by default (the spec's examples carry one).
DEFAULT_MAX_EVENTS = 100

#: The most candidate signatures one ``X-Hub-Signature`` may carry by default (one per
#: distinct eventId of the body).
DEFAULT_MAX_SIGNATURES = 16


def parse_events(
    body: bytes | bytearray | memoryview | str,
    headers: Headers,
    secret: Secret | Sequence[Secret],
    *,
    max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES,
    max_events: int | None = DEFAULT_MAX_EVENTS,
    max_signatures: int | None = DEFAULT_MAX_SIGNATURES,
    replay_guard: ReplayStore | None = None,
) -> list[Event]:
    """Verify a webhook request and return its events, always as a list (body order).

    - ``body``: the raw request body, exactly as received (do not re-serialise JSON);
    - ``headers``: the request headers: any mapping or list of pairs, names matched
      case-insensitively;
    - ``secret``: the webhook secret (str or bytes), or several during a rotation (any may
      sign);
    - ``max_body_bytes``: larger bodies are refused before parsing (None: no limit);
    - ``max_events``: a body of more events is refused before any signature is computed
      (None: no limit);
    - ``max_signatures``: a header of more candidate signatures is refused before the body
      is parsed (None: no limit);
    - ``replay_guard``: a :class:`ReplayGuard` (or any :class:`ReplayStore`) to refuse
      eventIds accepted before; it is asked before any event is built.

    Raises a :class:`WebhookError`; the docstring of ``xi_orders.webhooks`` lists the
    checks in order. A body holding several events is accepted only when every event's
    eventId is signed by a signature in ``X-Hub-Signature`` (comma-separated or repeated
    for distinct ids). Each distinct eventId is verified once, so a request costs about
    one ``json.loads`` of its body whatever it repeats.

    Example (any framework)::

        events = parse_events(await request.body(), request.headers, secret)
        for event in events:
            inbox.put(event)
    """
    keys = _keys(secret)
    for name, cap in (("max_events", max_events), ("max_signatures", max_signatures)):
        if cap is not None and cap < 1:
            raise ValidationError(name, "must be at least 1 (or None for no limit)")
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if max_body_bytes is not None and len(data) > max_body_bytes:
        raise BodyTooLargeError(len(data), max_body_bytes)
    candidates = _signature_candidates(_header_values(headers, SIGNATURE_HEADER))
    if not candidates:
        raise MissingSignatureError(f"webhook request has no {SIGNATURE_HEADER} header")
    if max_signatures is not None and len(candidates) > max_signatures:
        raise TooManySignaturesError(len(candidates), max_signatures)
    try:
        # Money as Decimal from its own digits, as for API answers (``parse_float=Decimal``).
        payload = loads_json(data)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, nesting too deep
        raise InvalidJSONError(f"webhook body is not JSON ({type(exc).__name__})") from None
    if max_events is not None and isinstance(payload, list) and len(payload) > max_events:
        raise TooManyEventsError(len(payload), max_events)
    objects = _event_objects(payload)
    event_ids = [_event_id(obj, index) for index, obj in enumerate(objects)]
    first_index: dict[str, int] = {}  # each distinct eventId -> where it first appears
    for index, event_id in enumerate(event_ids):
        first_index.setdefault(event_id, index)
    for event_id, index in first_index.items():
        if not any(_matches_any(_sign(key, event_id), candidates) for key in keys):
            logger.debug("webhook signature mismatch for event [%d]", index)
            raise InvalidSignatureError(
                f"{SIGNATURE_HEADER} does not match webhook event [{index}] "
                f"(eventId {_clip(event_id)!r}): wrong secret, or a changed event",
                index=index,
            )
    fresh: Sequence[int] = range(len(objects))
    if replay_guard is not None:
        # an id is fresh once, at its first place in the body, if the guard has not seen it;
        # replays are never built
        new = {event_id for event_id in first_index if replay_guard.remember(event_id)}
        fresh = [
            i
            for i, event_id in enumerate(event_ids)
            if event_id in new and first_index[event_id] == i
        ]
    events = [_build(objects[i], event_ids[i]) for i in fresh]
    if len(events) < len(objects):
        chosen = set(fresh)
        replayed = [event_id for i, event_id in enumerate(event_ids) if i not in chosen]
        raise ReplayedEventError(replayed, events)
    for event in events:
        logger.debug("webhook event %s accepted: %s", event.event_id, event.type_name)
    return events
