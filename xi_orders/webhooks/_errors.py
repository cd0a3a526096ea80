"""The webhook errors: :class:`WebhookError` and its subclasses, each with its ``http_status``.

Owns only the exception classes (shared by the signature, payload and replay checks). Must not
import the models, the converter or any other webhook module at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import XiError


class WebhookError(XiError):
    """Base class of the errors :func:`parse_events` raises.

    ``http_status`` is the status a receiver should answer with. Messages never contain the
    secret, an expected signature or the body.

    Example::

        try:
            events = parse_events(body, headers, secret)
        except WebhookError as exc:
            return Response(status=exc.http_status, text=str(exc))
    """

    http_status: int = 400


class WebhookSignatureError(WebhookError):
    """The request is not authenticated (answer 401). Example: ``except
    WebhookSignatureError: return 401``."""

    http_status = 401


class MissingSignatureError(WebhookSignatureError):
    """No ``X-Hub-Signature`` header (or an empty one). The body was not parsed.

    Example: ``parse_events(b"[]", {}, "s")`` raises it.
    """


class InvalidSignatureError(WebhookSignatureError):
    """The signature does not match an event's eventId under the secret (wrong secret, a
    changed eventId, a changed header). ``index`` is the event's position in the body.

    Example: ``except InvalidSignatureError as exc: log.warning("forged event [%s]", exc.index)``.
    """

    def __init__(self, message: str, *, index: int) -> None:
        super().__init__(message)
        self.index = index


class TooManySignaturesError(WebhookSignatureError):
    """``X-Hub-Signature`` carries more candidate signatures than ``max_signatures`` (answer
    401). Refused before the body is parsed or any HMAC is computed. ``count`` and ``limit``
    are signature counts.

    Example: a header of 700 comma-separated junk values raises it.
    """

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(
            f"X-Hub-Signature carries {count} signatures, over the limit of {limit} "
            f"(max_signatures)"
        )
        self.count = count
        self.limit = limit


class WebhookPayloadError(WebhookError, ValueError):
    """The body is not a usable event payload (answer 400): not an object or a non-empty
    array of objects. Example: a body of ``[]`` or ``"hello"``."""

    http_status = 400


class BodyTooLargeError(WebhookPayloadError):
    """The body is longer than ``max_body_bytes`` (answer 413). ``size`` and ``limit`` are
    byte counts. Example: ``parse_events(b"x" * 10, h, s, max_body_bytes=5)`` raises it."""

    http_status = 413

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"webhook body of {size} bytes is over the limit of {limit} bytes")
        self.size = size
        self.limit = limit


class TooManyEventsError(WebhookPayloadError):
    """The body is an array of more events than ``max_events`` (answer 413). Refused right
    after the JSON is read: no signature is computed and no event is built. ``count`` and
    ``limit`` are event counts.

    Example: a 2 MiB array repeating one captured event 60,000 times raises it.
    """

    http_status = 413

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(
            f"webhook body holds {count} events, over the limit of {limit} (max_events)"
        )
        self.count = count
        self.limit = limit


class InvalidJSONError(WebhookPayloadError):
    """The body is not JSON (or not UTF-8). Example: a body of ``b"<html>"``."""


class MissingEventIdError(WebhookPayloadError):
    """An event has no ``eventId`` (or not a non-empty string), so it cannot be verified.

    ``index`` is the event's position in the body. Example: ``{"topic": "resellers/orders"}``.
    """

    def __init__(self, message: str, *, index: int) -> None:
        super().__init__(message)
        self.index = index


class ReplayedEventError(WebhookError):
    """An event's eventId was accepted before (a replay, or Ingram Micro redelivering).

    ``event_ids`` are the replayed ids; ``fresh`` are the other events of the same body,
    verified and now remembered: process those. Answer 200 (``http_status``) so the sender
    stops retrying.

    Example::

        try:
            events = parse_events(body, headers, secret, replay_guard=guard)
        except ReplayedEventError as exc:
            events = exc.fresh                  # usually []
    """

    http_status = 200

    def __init__(self, event_ids: Sequence[str], fresh: Sequence[Any]) -> None:
        shown = ", ".join(repr(_clip(i)) for i in event_ids[:5])
        more = f" and {len(event_ids) - 5} more" if len(event_ids) > 5 else ""
        super().__init__(f"webhook event already received (eventId {shown}{more})")
        self.event_ids = tuple(event_ids)
        #: The events of the delivery not seen before (``xi_orders.webhooks.Event``).
        self.fresh: list[Any] = list(fresh)


def _clip(text: str, limit: int = 64) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
