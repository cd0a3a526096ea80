"""Validation of the client's settings, naming the setting that is wrong."""

from __future__ import annotations

from .errors import ValidationError

DEFAULT_BASE_URL = "https://api.ingrammicro.com:443"
TOKEN_PATH = "/oauth/oauth30/token"


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


def base_url(name: str, value: str) -> str:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise ValidationError(name, f"must be an http(s) URL, got {value!r}")
    return value.rstrip("/")
