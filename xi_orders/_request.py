"""What one call sends besides its body: per-call options, headers, correlation IDs.

``client.with_options(timeout=..., retry=..., headers=...)`` returns a *view*: the same
client (connection pool, token, rate budget, closed state, event loop) sending with other
options. Every operation also takes ``timeout=`` and ``extra_headers=`` for one call, which
is the same thing for that call only.

Headers, whether the client's ``default_headers``, a view's ``headers`` or a call's
``extra_headers``, are checked when given, never at send time:

- ``Authorization`` (the token auth sets it), ``IM-CorrelationID`` (pass
  ``correlation_id=``), and the framing headers ``Content-Type``, ``Content-Length``,
  ``Transfer-Encoding`` and ``Host`` are refused with ``ValidationError``: overriding
  them would break authentication, support's trail, or the body.
- The account headers ``IM-CustomerNumber``, ``IM-CountryCode`` and ``IM-SenderID`` may be
  overridden (one app serving several accounts), and are checked as the constructor
  checks them.
- Any other header (``X-Request-Source``, ``IM-ApplicationID``...) is added; a name or
  value with control characters or non-ASCII text is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypedDict

import attrs
import httpx

from . import _fields
from ._endpoints import Endpoint
from ._retry import RetryPolicy
from .errors import ValidationError

Timeout = float | httpx.Timeout
Headers = Mapping[str, str]

#: IM-CorrelationID is limited to 32 characters: a UUID's hex form fits, its 36-char text does not.
CORRELATION_ID_MAX = 32


class RequestOptions(TypedDict, total=False):
    """The keyword arguments every operation accepts for one call."""

    #: Seconds, or an ``httpx.Timeout``, for each HTTP attempt of this call.
    timeout: Timeout
    #: Headers added to this call's requests (see the module docstring for the rules).
    extra_headers: Headers


def new_correlation_id() -> str:
    """A fresh IM-CorrelationID: 32 hex characters, unique per call."""
    return uuid.uuid4().hex


def check_correlation_id(value: object) -> str:
    """``value`` if it is a usable IM-CorrelationID, else ``ValidationError``."""
    if not isinstance(value, str) or not value:
        raise ValidationError("correlation_id", "must be a non-empty string")
    if len(value) > CORRELATION_ID_MAX:
        raise ValidationError(
            "correlation_id",
            f"must be at most {CORRELATION_ID_MAX} characters (the API's limit), got {len(value)}",
        )
    if not value.isascii() or not value.isprintable():
        raise ValidationError("correlation_id", "must be printable ASCII")
    return value


def numbered_correlation_id(prefix: str | None, suffix: str) -> str | None:
    """``{prefix}{suffix}`` cut to the API's limit (a batch's N-th call), or None."""
    if prefix is None:
        return None
    return prefix[: CORRELATION_ID_MAX - len(suffix)] + suffix


_REFUSED = {
    "authorization": "it is set by the client's token auth",
    "im-correlationid": "pass correlation_id= instead",
    "content-type": "it is set for the request body",
    "content-length": "it is set for the request body",
    "transfer-encoding": "it is set for the request body",
    "host": "it follows base_url",
}
_ACCOUNT: dict[str, Callable[[Any], object]] = {
    "im-customernumber": _fields.customer_number,
    "im-countrycode": _fields.country_code,
    "im-senderid": _fields.sender_id,
}


def check_headers(name: str, value: object) -> dict[str, str]:
    """``value`` as a checked header dict (``ValidationError`` naming ``name`` otherwise)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(name, f"must be a mapping of header names to values, got {value!r}")
    checked: dict[str, str] = {}
    for key, text in value.items():
        if not isinstance(key, str) or not key or not _printable(key) or " " in key or ":" in key:
            raise ValidationError(name, f"has an invalid header name {key!r}")
        if not isinstance(text, str) or not _printable(text):
            raise ValidationError(f"{name}[{key!r}]", "must be printable ASCII text")
        lower = key.lower()
        if lower in _REFUSED:
            raise ValidationError(f"{name}[{key!r}]", f"may not be set: {_REFUSED[lower]}")
        check = _ACCOUNT.get(lower)
        if check is not None:
            try:
                check(text)
            except ValidationError as exc:
                raise ValidationError(f"{name}[{key!r}]", exc.reason) from None
        checked[key] = text
    return checked


def _printable(text: str) -> bool:
    return text.isascii() and text.isprintable()


def check_timeout(name: str, value: object) -> httpx.Timeout:
    """A checked timeout, as an ``httpx.Timeout``."""
    try:
        checked = _fields.timeout(value)
    except ValidationError as exc:
        raise ValidationError(name + exc.field.removeprefix("timeout"), exc.reason) from None
    return checked if isinstance(checked, httpx.Timeout) else httpx.Timeout(checked)


@attrs.frozen
class Capture:
    """Where raw-response calls (``with_raw_response``) collect each exchange's final
    ``httpx.Response``, with the endpoint it answered."""

    exchanges: list[tuple[Endpoint, httpx.Response]] = attrs.field(factory=list)

    def last(self, endpoint: Endpoint) -> httpx.Response | None:
        """The last response of ``endpoint`` (a reconciled create's lookups are others)."""
        for sent, response in reversed(self.exchanges):
            if sent == endpoint:
                return response
        return None


@attrs.frozen
class CallOptions:
    """What a view or a call changes: ``None`` means the client's own setting."""

    timeout: httpx.Timeout | None = None
    retry: RetryPolicy | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    #: ``with_raw_response``: where the pipeline records each exchange's final response.
    capture: Capture | None = attrs.field(default=None, eq=False)

    def evolve(
        self,
        *,
        timeout: object = None,
        retry: object = None,
        headers: object = None,
        header_name: str = "headers",
        timeout_name: str = "timeout",
    ) -> CallOptions:
        """These options, changed by the given ones (checked; headers add up)."""
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ValidationError("retry", f"must be a RetryPolicy or None, got {retry!r}")
        added = check_headers(header_name, headers)
        return CallOptions(
            timeout=self.timeout if timeout is None else check_timeout(timeout_name, timeout),
            retry=retry or self.retry,
            headers={**self.headers, **added} if added else self.headers,
            capture=self.capture,
        )

    def for_call(self, options: Mapping[str, Any]) -> CallOptions:
        """These options with one call's ``timeout=`` / ``extra_headers=`` applied."""
        if not options:
            return self
        unknown = set(options) - {"timeout", "extra_headers"}
        if unknown:  # only reachable by **dict: the signatures name the two
            raise ValidationError(sorted(unknown)[0], "is not an option of this call")
        return self.evolve(
            timeout=options.get("timeout"),
            headers=options.get("extra_headers"),
            header_name="extra_headers",
        )

    def capturing(self, capture: Capture) -> CallOptions:
        """These options, recording exchanges in ``capture``."""
        return attrs.evolve(self, capture=capture)


NO_OPTIONS = CallOptions()
