"""Validation of the client's settings, naming the setting that is wrong."""

from __future__ import annotations

import ipaddress
import math
from typing import Literal
from urllib.parse import urlsplit

import httpx

from .errors import ValidationError

Environment = Literal["production", "sandbox"]

HOST = "https://api.ingrammicro.com:443"
#: The API paths of each environment. The token endpoint is at the host root for both.
ENVIRONMENTS: dict[str, str] = {
    "production": HOST,
    "sandbox": HOST + "/sandbox",
}
DEFAULT_BASE_URL = ENVIRONMENTS["production"]

_LOOPBACK_NAMES = ("localhost", "localhost.")


def required(name: str, value: str | None) -> str:
    if value is None or not isinstance(value, str) or not value.strip():
        raise ValidationError(name, "is required")
    return value


def customer_number(value: str | None) -> str:
    value = required("customer_number", value)
    if len(value) > 10:
        raise ValidationError(
            "customer_number",
            f"must be at most 10 characters (IM-CustomerNumber), got {len(value)}",
        )
    return value


def country_code(value: str | None) -> str:
    value = required("country_code", value)
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise ValidationError("country_code", f"must be 2 letters (ISO 3166), got {value!r}")
    return value.upper()


def sender_id(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > 32:
        raise ValidationError("sender_id", "must be 1 to 32 characters (IM-SenderID)")
    return value


def environment(value: object) -> str:
    if not isinstance(value, str) or value not in ENVIRONMENTS:
        raise ValidationError("environment", f"must be 'production' or 'sandbox', got {value!r}")
    return value


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (where plain HTTP never leaves it)."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(name: str, value: object, *, allow_insecure: bool = False) -> str:
    """``value`` as a base URL without a trailing slash, or ``ValidationError`` naming ``name``.

    HTTPS only, unless the host is loopback (the sandbox served locally) or
    ``allow_insecure``; never credentials in the URL (they would be sent, logged and shown
    in ``repr``), a query or a fragment.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(name, f"must be an https URL, got {value!r}")
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise ValidationError(name, f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("https", "http"):
        raise ValidationError(name, f"must be an https URL, got {value!r}")
    if parts.username is not None or parts.password is not None:
        # Not echoed: the point is to keep them out of messages.
        raise ValidationError(
            name, "must not contain credentials (user:password@); pass client_id/client_secret"
        )
    if not host:
        raise ValidationError(name, f"has no host, got {value!r}")
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise ValidationError(name, f"must not have a query or fragment, got {value!r}")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise ValidationError(name, "must not contain whitespace or control characters")
    if parts.scheme == "http" and not allow_insecure and not is_loopback(host):
        raise ValidationError(
            name,
            f"must use https (got {value!r}): over plain http the token request would carry "
            "the client secret in cleartext; pass allow_insecure=True if you really mean it",
        )
    return value.rstrip("/")


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a validated URL: where the token endpoint lives."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def timeout(value: object) -> float | httpx.Timeout:
    """A usable timeout: positive seconds, or an ``httpx.Timeout`` whose parts are."""
    if isinstance(value, httpx.Timeout):
        for part in ("connect", "read", "write", "pool"):
            seconds = getattr(value, part)
            if seconds is not None:
                _seconds(f"timeout.{part}", seconds)
        return value
    return _seconds("timeout", value)


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(
            name, f"must be a number of seconds or an httpx.Timeout, got {value!r}"
        )
    if not math.isfinite(value) or value <= 0:
        raise ValidationError(name, f"must be a positive number of seconds, got {value!r}")
    return float(value)


def flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(name, f"must be True or False, got {value!r}")
    return value
