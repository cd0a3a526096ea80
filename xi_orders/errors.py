"""The exceptions xi_orders raises, grouped so callers can catch them by meaning.

```
XiError
├── ValidationError (also a ValueError)     bad input or configuration, before any network call
├── DecodeError (also a ValueError)         a payload that cannot be decoded at all
├── AuthenticationError                     no usable token (credentials rejected, token endpoint down)
│   ├── TokenRequestError                   the token endpoint answered with an error status
│   └── UnauthorizedError                   the Orders API answered 401 even after a fresh token
└── APIError                                something went wrong talking to the API
    ├── APIConnectionError                  the network failed
    │   └── APITimeoutError
    ├── ResponseDecodeError (also DecodeError) the server's body could not be decoded
    └── APIStatusError                      the API answered with an error status
        ├── BadRequestError (400), PermissionDeniedError (403), NotFoundError (404),
        ├── ConflictError (409), UnprocessableEntityError (422), RateLimitError (429)
        └── InternalServerError (5xx)
```

Every error that comes from a call carries the call's ``correlation_id``: quote it to
Ingram Micro support. No error ever contains a client secret or an access token.

Example::

    try:
        order = await client.get_order("20-RD3QV")
    except NotFoundError:
        ...
    except APIStatusError as exc:
        print(exc.status_code, exc.correlation_id, exc.fields)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "DecodeError",
    "ErrorDetail",
    "ErrorField",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseDecodeError",
    "TokenRequestError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "ValidationError",
    "XiError",
]


@attrs.frozen
class ErrorField:
    """One field-level problem the API reported: which field, what is wrong, the value sent."""

    field: str | None = None
    message: str | None = None
    value: Any = None


@attrs.frozen
class ErrorDetail:
    """One entry of an API error body (``errors[]``, or a whole ``traceid``-style body)."""

    message: str | None = None
    id: str | None = None
    type: str | None = None
    fields: tuple[ErrorField, ...] = ()


class XiError(Exception):
    """Base class of every error xi_orders raises."""

    #: The IM-CorrelationID of the call that failed, when there was a call.
    correlation_id: str | None = None


class ValidationError(XiError, ValueError):
    """Input (a request model, a search filter, a client setting) is invalid.

    Raised before anything is sent. ``field`` names the offending field or setting, in the
    Python spelling (``customer_order_number``, ``lines[0].quantity``, ``country_code``).
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class DecodeError(XiError, ValueError):
    """A payload could not be decoded into the expected model at all.

    Decoding is lenient (a value that cannot be typed keeps its raw form), so this is only
    raised when the shape itself is unusable, e.g. a list where an order object belongs.
    """


class AuthenticationError(XiError):
    """No usable access token: the credentials were rejected or the token endpoint failed.

    The message is the server's; it never contains the client secret or a token.
    """


class APIError(XiError):
    """A call to the API failed. Carries the call's ``correlation_id``, ``method`` and ``url``."""

    def __init__(
        self,
        message: str,
        *,
        correlation_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.correlation_id = correlation_id
        self.method = method
        self.url = url


class APIConnectionError(APIError):
    """The request could not be completed on the network (DNS, refused, reset...)."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class ResponseDecodeError(DecodeError, APIError):
    """The API answered, but its body could not be decoded (not JSON, or the wrong shape)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        response: httpx.Response | None = None,
        correlation_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        APIError.__init__(
            self,
            f"{message} (HTTP {status_code}, correlation ID {correlation_id})",
            correlation_id=correlation_id,
            method=method,
            url=url,
        )
        self.status_code = status_code
        self.response = response


class APIStatusError(APIError):
    """The API answered with an error status.

    Attributes: ``status_code``, ``correlation_id``, ``api_message`` (the server's own
    words), ``details`` (every entry of the error body), ``fields`` (the field-level
    problems, flattened), ``body`` (the raw text) and ``response``.
    """

    def __init__(
        self,
        *,
        status_code: int,
        api_message: str | None,
        details: Sequence[ErrorDetail] = (),
        body: str = "",
        response: httpx.Response | None = None,
        correlation_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        summary = f"HTTP {status_code}"
        if api_message:
            summary += f": {api_message}"
        # "Validation failed" says little; the field-level problems say what to fix.
        problems = [
            f"{f.field}: {f.message}" if f.field else str(f.message)
            for d in details
            for f in d.fields
            if f.message and f.message != api_message
        ]
        if problems:
            more = f"; +{len(problems) - 3} more" if len(problems) > 3 else ""
            summary += f" [{'; '.join(problems[:3])}{more}]"
        summary += f" (correlation ID {correlation_id})"
        super().__init__(summary, correlation_id=correlation_id, method=method, url=url)
        self.status_code = status_code
        self.api_message = api_message
        self.details = tuple(details)
        self.body = body
        self.response = response

    @property
    def fields(self) -> tuple[ErrorField, ...]:
        """The field-level problems the server listed, across all error entries."""
        return tuple(f for d in self.details for f in d.fields)


class TokenRequestError(AuthenticationError, APIStatusError):
    """The token endpoint answered with an error status (bad credentials, server fault)."""


class UnauthorizedError(AuthenticationError, APIStatusError):
    """The Orders API answered 401 again after the token was refreshed once."""


class BadRequestError(APIStatusError):
    """400: the API rejected the request (see ``fields`` for which parts)."""


class PermissionDeniedError(APIStatusError):
    """403: the credentials are valid but not allowed to do this."""


class NotFoundError(APIStatusError):
    """404: no such order (or resource)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the order's state."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was understood but cannot be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests. ``retry_after`` is the wait in seconds the server asked for."""

    def __init__(self, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retry_after = retry_after


class InternalServerError(APIStatusError):
    """5xx: the API (or a gateway in front of it) failed."""
