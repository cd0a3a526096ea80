"""Requests and answers as the emulator sees them, and the API's shared answer shapes.

Owns: CoreRequest / CoreResponse / Exchange, the Reject signal, JSON encoding, webhook
signing, the error bodies (ErrorResponse, v7 errors, 401 faults). Imports only ``_data`` and
``_types`` from the sandbox; never the SDK's models, never another sandbox module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from . import _data as d
from ._types import FaultKind

JSON = dict[str, Any]

JSON_CT = ("Content-Type", "application/json")
HTML_CT = ("Content-Type", "text/html; charset=utf-8")
HTML_503 = (
    b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>"
    b"<h1>Service Unavailable</h1><p>The server is temporarily unable to service your "
    b"request. Please try again later.</p></body></html>"
)
HTML_502 = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    b"<h1>Bad Gateway</h1><p>The gateway did not receive a valid response from the "
    b"upstream server.</p></body></html>"
)


def dumps(obj: Any) -> bytes:
    """Compact JSON bytes, as the API sends them."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(secret: str, event_id: str) -> str:
    """``X-Hub-Signature``: Base64(HMAC-SHA512(key=secret, message=eventId))."""
    digest = hmac.new(secret.encode("utf-8"), event_id.encode("utf-8"), hashlib.sha512).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass
class CoreRequest:
    """A request as the core sees it. ``headers`` keys are lower case."""

    method: str
    raw_path: str
    query: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass
class CoreResponse:
    """An answer: status, headers (list of pairs), body bytes."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


class Exchange(NamedTuple):
    """What to do with a request: wait ``delay`` seconds, then send ``response``
    (``None``: drop the connection without answering).

    ``reset_after``: send the status line, the headers and only this many bytes of the
    body, then reset the connection (the ``reset`` fault). ``acted``: the request reached
    its handler (whatever the handler answered).
    """

    delay: float
    response: CoreResponse | None
    fault: FaultKind | None
    reset_after: int | None = None
    acted: bool = False


class Reject(Exception):
    """A 4xx answer raised from deep inside a handler (or from the checks before it)."""

    def __init__(self, response: CoreResponse) -> None:
        super().__init__(response.status)
        self.response = response


def json_response(status: int, body: Any, headers: Iterable[tuple[str, str]] = ()) -> CoreResponse:
    """A JSON answer."""
    return CoreResponse(status, [JSON_CT, *headers], dumps(body))


def html_response(status: int, page: bytes) -> CoreResponse:
    """An HTML page, as a gateway in front of the API sends it."""
    return CoreResponse(status, [HTML_CT], page)


def error_id(cid: str | None, now: float) -> str:
    """The ``id`` of an ErrorResponse entry: correlation ID and a local timestamp."""
    stamp = datetime.fromtimestamp(now, tz=d.LOCAL_TZ).isoformat(timespec="milliseconds")
    return f"{cid or 'sbx'}-{stamp}"


def error_response(
    status: int,
    message: str,
    *,
    now: float,
    cid: str | None,
    kind: str,
    headers: Iterable[tuple[str, str]] = (),
) -> CoreResponse:
    """``{"errors": [{"id", "type", "message"}]}`` (ErrorResponse without fields)."""
    return json_response(
        status,
        {"errors": [{"id": error_id(cid, now), "type": kind, "message": message}]},
        headers,
    )


def bad_request(
    fields: list[JSON],
    *,
    now: float,
    cid: str | None,
    message: str = "Validation failed",
    status: int = 400,
    v7: bool = False,
    rl: list[tuple[str, str]] | None = None,
) -> CoreResponse:
    """A validation error: ErrorResponse (v6) or the v7 ``{traceid, type, message, fields}``."""
    clean = []
    for f in fields:
        item = {k: v for k, v in f.items() if v is not None}
        if "value" in item:
            item["value"] = str(item["value"])
        clean.append(item)
    if v7:
        body: JSON = {
            "traceid": cid or error_id(cid, now),
            "type": "/errors/validation-failed",
            "message": message,
            "fields": clean,
        }
    else:
        entry: JSON = {
            "id": error_id(cid, now),
            "type": "/errors/validation-failed",
            "message": message,
        }
        if clean:
            entry["fields"] = clean
        body = {"errors": [entry]}
    return json_response(status, body, rl or ())


def not_found(now: float, cid: str | None, rl: list[tuple[str, str]]) -> CoreResponse:
    """404 for an order this customer cannot see."""
    return error_response(
        404, "Order not found.", now=now, cid=cid, kind="/errors/not-found", headers=rl
    )


def unauthorized(message: str, code: str) -> CoreResponse:
    """401 in the gateway's fault shape."""
    return CoreResponse(
        401,
        [JSON_CT, ("WWW-Authenticate", 'Bearer realm="ingrammicro"')],
        dumps({"fault": {"faultstring": message, "detail": {"errorcode": code}}}),
    )
