"""Turning an error response, whatever its shape, into a typed exception.

Shapes seen in the spec and in front of it: ``{"errors": [{"id", "type" (or "1ype"),
"message", "fields": [...]}]}``, v7's ``{"traceid", "type", "message", "fields"}``, the token
endpoint's ``{"message"}`` and ``{"fault": {"faultstring", "detail": {"errorcode"}}}``, a
top-level ``{"faultcode", "faultstring"}`` (e.g. a customer-number mismatch), OAuth's
``{"error", "error_description"}``, and gateways' HTML or empty bodies. Parsing never raises:
the raw body is kept on the error.
"""

from __future__ import annotations

import email.utils
import html
import json
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import httpx

from . import _clock, errors
from .errors import ErrorDetail, ErrorField

_STATUS_ERRORS: dict[int, type[errors.APIStatusError]] = {
    400: errors.BadRequestError,
    401: errors.UnauthorizedError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    409: errors.ConflictError,
    422: errors.UnprocessableEntityError,
    429: errors.RateLimitError,
}

_TAGS = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def _str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return str(value)  # a JSON number as sent (loads_json keeps its digits)
    return json.dumps(value, default=str)


def _fields(raw: Any) -> tuple[ErrorField, ...]:
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        return ()
    return tuple(
        ErrorField(field=_str(f.get("field")), message=_str(f.get("message")), value=f.get("value"))
        for f in raw
        if isinstance(f, dict)
    )


def _detail(entry: dict[str, Any]) -> ErrorDetail:
    return ErrorDetail(
        message=_str(entry.get("message")),
        id=_str(entry.get("id", entry.get("traceid"))),
        # "1ype" is a real spelling in the spec's own examples.
        type=_str(entry.get("type", entry.get("1ype"))),
        fields=_fields(entry.get("fields")),
    )


def loads_json(data: str | bytes) -> Any:
    """``json.loads``, raising only ``ValueError`` for any input that is not usable JSON.

    A number with a fraction or an exponent becomes a ``Decimal`` straight from its text
    (``parse_float=Decimal``): money is ``Decimal`` in the models, and going through a float
    first loses digits (``1234567890123456.78`` would be ``...456.8``). Integers stay ``int``.

    ``json.loads`` raises ``RecursionError`` for deeply nested input (``b"[" * 100000``);
    every decode path of the SDK goes through here so such a body becomes a typed error.
    """
    try:
        return json.loads(data, parse_float=Decimal)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _fault_detail(fault: dict[str, Any]) -> ErrorDetail:
    detail = fault.get("detail")
    code = detail.get("errorcode") if isinstance(detail, dict) else None
    return ErrorDetail(
        message=_str(fault.get("faultstring")), id=_str(code or fault.get("faultcode"))
    )


def parse_error_body(response: httpx.Response) -> tuple[str | None, tuple[ErrorDetail, ...]]:
    """The API's message and every error entry of ``response``'s body, whatever its shape."""
    try:
        text = response.text
    except (ValueError, LookupError, httpx.HTTPError):
        return None, ()
    if not text.strip():
        return None, ()
    try:
        payload = loads_json(text)
    except ValueError:
        return _text_message(text), ()
    details: tuple[ErrorDetail, ...] = ()
    if isinstance(payload, dict):
        if "errors" in payload:
            entries = payload["errors"]
            if isinstance(entries, dict):
                entries = [entries]
            if isinstance(entries, list):
                details = tuple(_detail(e) for e in entries if isinstance(e, dict))
        elif isinstance(payload.get("fault"), dict):
            details = (_fault_detail(payload["fault"]),)
        elif "faultstring" in payload:
            details = (_fault_detail(payload),)
        elif any(k in payload for k in ("message", "traceid", "fields")):
            details = (_detail(payload),)
        elif "error" in payload and not isinstance(payload["error"], dict | list):
            # OAuth 2 (RFC 6749 5.2): {"error": "invalid_client", "error_description": ...}
            code = _str(payload["error"])
            description = _str(payload.get("error_description"))
            message = f"{code}: {description}" if code and description else description or code
            details = (ErrorDetail(message=message, type=code),)
    elif isinstance(payload, list):
        details = tuple(_detail(e) for e in payload if isinstance(e, dict))
    message = next((d.message for d in details if d.message), None)
    if message is None:
        message = next((f.message for d in details for f in d.fields if f.message), None)
    return message, details


def _text_message(text: str) -> str:
    title = _TITLE.search(text)
    if title:
        text = title.group(1)
    text = html.unescape(_SPACE.sub(" ", _TAGS.sub(" ", text))).strip()
    return text[:200]


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait: ``Retry-After`` (seconds or a date), else the
    time until ``X-RateLimit-Reset``."""
    value = response.headers.get("retry-after")
    if value:
        try:
            return max(float(value), 0.0)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None and when.tzinfo is not None:
                return max(when.timestamp() - _clock.wall(), 0.0)
    reset = response.headers.get("x-ratelimit-reset")
    if reset:
        try:
            return max(float(reset) - _clock.wall(), 0.0)
        except ValueError:
            return None
    return None


#: Gateway faults on a 401 that a fresh token cannot cure: the app (its key) is not approved
#: for the API product, e.g. Apigee's "Invalid API call as no apiproduct match found" or
#: "Invalid ApiKey for given resource".
_REJECTED = re.compile(r"api ?product|invalid ?api ?key|invalid_client|apikey", re.IGNORECASE)


def credentials_rejected(status_code: int, details: Iterable[ErrorDetail]) -> bool:
    """Whether a 401 says the app itself is not allowed (so every call would fail)."""
    if status_code != 401:
        return False
    return any(_REJECTED.search(f"{d.message or ''} {d.id or ''} {d.type or ''}") for d in details)


def body_text(response: httpx.Response) -> str:
    """``response.text``, or the bytes decoded leniently when its charset is unusable."""
    try:
        return response.text
    except (ValueError, LookupError, httpx.HTTPError):
        try:
            return response.content.decode("utf-8", "replace")
        except httpx.HTTPError:
            return ""


def error_from_response(
    response: httpx.Response,
    *,
    correlation_id: str | None,
    secrets: Iterable[str | None] = (),
) -> errors.APIStatusError:
    """The typed error for an error ``response``; ``secrets`` (and the request's bearer
    token) are redacted from everything the error shows."""
    status = response.status_code
    message, details = parse_error_body(response)
    kwargs: dict[str, Any] = {
        "status_code": status,
        "api_message": message or response.reason_phrase or None,
        "details": details,
        "body": body_text(response),
        "response": response,
        "correlation_id": correlation_id,
        "method": response.request.method,
        "url": str(response.request.url),
        "secrets": secrets,
    }
    if status == 429:
        return errors.RateLimitError(retry_after=retry_after(response), **kwargs)
    cls = _STATUS_ERRORS.get(status)
    if cls is None:
        cls = errors.InternalServerError if status >= 500 else errors.APIStatusError
    error = cls(**kwargs)
    if credentials_rejected(status, details):
        error.fatal = True
    return error
