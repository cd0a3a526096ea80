"""Signature verification: ``X-Hub-Signature`` = Base64(HMAC-SHA512(secret, eventId)).

Owns the header lookup (any mapping or list of pairs), the signing and the constant-time
comparison. Must not import the models, the converter, or the other webhook modules.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeAlias, cast

from ..errors import ValidationError

#: The header Ingram Micro signs events with (matched case-insensitively).
SIGNATURE_HEADER = "X-Hub-Signature"


#: A webhook secret: text (UTF-8 encoded) or bytes.
Secret: TypeAlias = str | bytes


class HeaderItems(Protocol):
    """Anything with ``items()`` yielding ``(name, value)`` pairs: ``dict``, ``httpx.Headers``,
    Starlette ``Headers``, ``http.server``'s ``self.headers`` (an ``email.message.Message``)."""

    def items(self) -> Iterable[tuple[Any, Any]]:
        """The ``(name, value)`` pairs (str or bytes)."""
        ...


#: Request headers: a mapping or anything with ``items()`` (``dict``, ``httpx.Headers``,
#: Starlette ``Headers``, ``http.server``'s ``self.headers``, a dict of ASGI byte pairs), or
#: an iterable of ``(name, value)`` pairs (ASGI ``scope["headers"]``).
Headers: TypeAlias = HeaderItems | Iterable[tuple[str | bytes, str | bytes]]


def _keys(secret: Secret | Sequence[Secret]) -> tuple[bytes, ...]:
    items: Sequence[Secret] = (secret,) if isinstance(secret, (str, bytes)) else secret
    keys = tuple(s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in items)
    if not keys or not all(keys):
        raise ValidationError("secret", "the webhook secret must not be empty")
    return keys


def _sign(key: bytes, event_id: str) -> bytes:
    digest = hmac.new(key, event_id.encode("utf-8"), hashlib.sha512).digest()
    return base64.b64encode(digest)


def compute_signature(event_id: str, secret: Secret) -> str:
    """The ``X-Hub-Signature`` value of an event: Base64(HMAC-SHA512(secret, eventId)).

    For tests and for forwarding events. Example::

        compute_signature("NYNNHS5UMGAK0X3L4E", "my-secret")   # 'q3Jm...=='
    """
    (key,) = _keys(secret)
    return _sign(key, event_id).decode("ascii")


def _matches_any(expected: bytes, candidates: Sequence[bytes]) -> bool:
    ok = False
    for candidate in candidates:  # no early exit: every candidate is compared
        ok |= hmac.compare_digest(expected, candidate)
    return ok


def verify_signature(event_id: str, signature: str, secret: Secret | Sequence[Secret]) -> bool:
    """Whether ``signature`` (one header value) signs ``event_id`` under ``secret`` (or any
    of several secrets, during a rotation). Constant-time comparison.

    Example::

        verify_signature(event["eventId"], headers["X-Hub-Signature"], "my-secret")  # True
    """
    candidates = _signature_candidates([signature])
    return any(_matches_any(_sign(key, event_id), candidates) for key in _keys(secret))


def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return str(value)


def _header_values(headers: Headers, name: str) -> list[str]:
    """Every value of header ``name`` (case-insensitive) in a mapping or list of pairs."""
    target = name.lower()
    items = getattr(headers, "items", None)
    pairs: Iterable[tuple[Any, Any]] = (
        items() if callable(items) else cast("Iterable[tuple[Any, Any]]", headers)
    )
    values: list[str] = []
    for key, value in pairs:
        if _text(key).strip().lower() != target:
            continue
        if isinstance(value, (list, tuple)):  # multi-dicts: {"x-hub-signature": ["a", "b"]}
            values.extend(_text(v) for v in value)
        else:
            values.append(_text(value))
    return values


def _signature_candidates(values: Iterable[str]) -> list[bytes]:
    return [
        part.strip().encode("utf-8", "replace")
        for value in values
        for part in value.split(",")
        if part.strip()
    ]
