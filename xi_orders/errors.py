"""The exceptions xi_orders raises, grouped so callers can catch them by meaning.

```
XiError
├── ValidationError (also a ValueError)     bad input or configuration, before any network call
├── DecodeError (also a ValueError)         a payload that cannot be decoded at all
├── ClientClosedError                       the client was closed (in flight, or before the call)
├── EventLoopError (also a RuntimeError)    the client, or the pool passed in, is busy on or
│                                           bound to another event loop
├── AuthenticationError                     no usable token: the credentials or the app were rejected
│   ├── TokenRequestError                   the token endpoint answered with an error status
│   └── UnauthorizedError                   the Orders API answered 401 even after a fresh token
└── APIError                                something went wrong talking to the API
    ├── APIConnectionError                  the network failed (to the API or the token endpoint)
    │   └── APITimeoutError
    ├── ResponseDecodeError (also DecodeError) the server's body could not be decoded
    ├── UnexpectedError                     anything else failed during the call (its cause)
    └── APIStatusError                      the API answered with an error status
        ├── BadRequestError (400), PermissionDeniedError (403), NotFoundError (404),
        ├── ConflictError (409), UnprocessableEntityError (422), RateLimitError (429)
        └── InternalServerError (5xx)
```

``str(error)`` escapes the control characters a server's text may hold (ANSI escapes,
CR/LF: see ``printable``), so printing or logging an error cannot repaint a terminal or
forge a log line; the attributes (``body``, ``api_message``, ``details``) keep the raw text.

Every error that comes from a call carries the call's ``correlation_id`` (token errors too:
the token request carries the ID of the call that needed the token): quote it to Ingram
Micro support. No error ever contains a client secret or an access token, in any spelling:
not its text, its attributes, the request and response attached to it (sanitized copies),
its cause, nor its pickle. Every error pickles and copies with its attributes.

Token requests retry like reads; once retries are spent, a network failure at the token
endpoint is an ``APIConnectionError`` and a 200 without a usable token a
``ResponseDecodeError``. ``fatal`` is set when no later call with these credentials can
succeed (rejected credentials, an app not approved for the API): ``get_orders`` then
stops looking up the remaining orders, which get the same error.

Example::

    try:
        order = await client.get_order("20-RD3QV")
    except NotFoundError:
        ...
    except APIStatusError as exc:
        print(exc.status_code, exc.correlation_id, exc.fields)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import httpx

from . import _redact
from ._display import Display
from ._escape import printable

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "DecodeError",
    "ErrorDetail",
    "ErrorField",
    "EventLoopError",
    "InternalServerError",
    "NotFoundError",
    "OrderOutcomeUnknown",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseDecodeError",
    "TokenRequestError",
    "UnauthorizedError",
    "UnexpectedError",
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


def _restore(cls: type[XiError], args: tuple[Any, ...], state: dict[str, Any]) -> XiError:
    """Rebuild a pickled or copied error without calling its ``__init__``."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class XiError(Display, Exception):
    """Base class of every error xi_orders raises.

    Every error pickles and copies with its attributes (so it crosses process boundaries,
    e.g. out of a ``ProcessPoolExecutor`` worker), and holds no secret or token to leak.
    """

    #: The IM-CorrelationID of the call that failed, when there was a call.
    correlation_id: str | None = None
    #: True when every later call with the same credentials would fail the same way (the
    #: credentials were rejected, or the app is not approved for the API): batch work
    #: such as ``get_orders`` stops at the first such error instead of trying every item.
    fatal: bool = False

    def __str__(self) -> str:
        # Messages quote the server: its control characters (ANSI escapes, CR/LF) are
        # escaped wherever the error is shown; the raw text stays in ``body`` and the
        # other attributes.
        return printable(super().__str__())

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls ``cls(*self.args)``, which fails for any error
        # whose ``__init__`` takes keyword-only or differently shaped arguments.
        return (_restore, (type(self), self.args, dict(self.__dict__)))


class ValidationError(XiError, ValueError):
    """Input (a request model, a search filter, a client setting) is invalid.

    Raised before anything is sent. ``field`` names the offending field or setting, in the
    Python spelling (``customer_order_number``, ``lines[0].quantity``, ``country_code``).
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class ClientClosedError(XiError):
    """The client was closed: calls in flight when it closed, and every later call, raise
    this (nothing is retried after a close). Create a new client, or keep the calls inside
    ``async with`` / ``with``."""


class EventLoopError(XiError, RuntimeError):
    """A call cannot run on this event loop: the client's calls are still in flight on
    another loop (one client serves one loop at a time), or the ``http_client`` /
    ``transport`` passed in holds connections of the loop it was first used on.

    What to do: give each event loop (each ``asyncio.run``, a thread's loop) its own client,
    or its own ``http_client``; or pass neither ``http_client`` nor ``transport``, and the
    client's own pool follows it to a new loop once the calls on the old one are done.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)


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
    """The request could not be completed on the network (DNS, refused, reset...).

    ``request_sent`` is False only when the failure provably came before the request left
    (connect refused, DNS, TLS handshake, or the token request before it): nothing was
    done. Otherwise the server may have acted on it.
    """

    #: Whether the server may have received the request (False: surely not).
    request_sent: bool = True


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
        secrets: Iterable[str | None] = (),
    ) -> None:
        hidden = _secrets(secrets, response)
        APIError.__init__(
            self,
            _redact.redact(
                f"{message} (HTTP {status_code}, correlation ID {correlation_id})", hidden
            ),
            correlation_id=correlation_id,
            method=method,
            url=_redact.redact(url, hidden) if url else url,
        )
        self.status_code = status_code
        self.response = _redact.sanitize_response(response, hidden) if response else None

    @property
    def headers(self) -> httpx.Headers:
        """The response's headers (no cookies), empty when there was no response."""
        return self.response.headers if self.response is not None else httpx.Headers()


class UnexpectedError(APIError):
    """Something other than the network or the server failed during a call: a transport,
    an event hook or the SDK itself raised an exception of no expected kind. That exception
    is the ``__cause__`` (secrets and tokens redacted from it; not kept in a pickle). The
    request may have been sent. Nothing is retried."""


class APIStatusError(APIError):
    """The API answered with an error status.

    Attributes: ``status_code``, ``correlation_id``, ``api_message`` (the server's own
    words), ``details`` (every entry of the error body), ``fields`` (the field-level
    problems, flattened), ``body`` (the raw text), ``headers`` and ``response``.

    ``secrets`` (and the bearer token of the response's request) are redacted, in every
    spelling, from all of these; the attached response is a sanitized copy.
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
        secrets: Iterable[str | None] = (),
    ) -> None:
        hidden = _secrets(secrets, response)
        if hidden:
            api_message = _redact.redact(api_message, hidden) if api_message else api_message
            details = [_redact_detail(d, hidden) for d in details]
            body = _redact.redact(body, hidden)
            url = _redact.redact(url, hidden) if url else url
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
        self.response = _redact.sanitize_response(response, hidden) if response else None

    @property
    def fields(self) -> tuple[ErrorField, ...]:
        """The field-level problems the server listed, across all error entries."""
        return tuple(f for d in self.details for f in d.fields)

    @property
    def headers(self) -> httpx.Headers:
        """The response's headers (no cookies), empty when there was no response."""
        return self.response.headers if self.response is not None else httpx.Headers()


def _secrets(secrets: Iterable[str | None], response: httpx.Response | None) -> tuple[str, ...]:
    request = getattr(response, "_request", None) if response is not None else None
    return _redact.normalize([*secrets, _redact.bearer_token(request)])


def _redact_detail(detail: ErrorDetail, secrets: tuple[str, ...]) -> ErrorDetail:
    def text(value: str | None) -> str | None:
        return _redact.redact(value, secrets) if value else value

    return ErrorDetail(
        message=text(detail.message),
        id=text(detail.id),
        type=text(detail.type),
        fields=tuple(
            ErrorField(
                field=text(f.field),
                message=text(f.message),
                value=_redact.redact_value(f.value, secrets),
            )
            for f in detail.fields
        ),
    )


class TokenRequestError(AuthenticationError, APIStatusError):
    """The token endpoint answered with an error status (bad credentials, server fault)."""


class UnauthorizedError(AuthenticationError, APIStatusError):
    """The Orders API answered 401 again after the token was refreshed once."""


class BadRequestError(APIStatusError):
    """400: the API rejected the request (see ``fields`` for which parts).

    A create refused because its customer PO number is taken (the API's duplicate-PO
    guard), when no order with that PO matches the request, carries the order numbers that
    hold the PO in ``existing_order_numbers`` and the correlation IDs of the lookups in
    ``lookup_correlation_ids`` (an order that matches is returned instead, as
    ``reconciliation.outcome == "already_placed"``).
    """

    #: Orders holding the PO number of a create refused as a duplicate (empty otherwise,
    #: or when they could not be looked up).
    existing_order_numbers: tuple[str, ...] = ()
    #: IM-CorrelationIDs of the searches and lookups made for ``existing_order_numbers``.
    lookup_correlation_ids: tuple[str, ...] = ()


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


class OrderOutcomeUnknown(XiError):
    """A create failed in a way that may have placed the order, and looking it up could
    not settle whether it did (search unavailable, several orders with the PO number, or
    duplicates allowed so a repeat could place it twice).

    Do not send the order again blindly: look for ``customer_order_number`` in the orders
    (``search_orders(customer_order_number=...)``, or Ingram Micro support with the
    correlation IDs), then decide. Carries ``request`` (what was sent), ``candidates``
    (order numbers found with the PO number), every correlation ID, and the ``event_ids``
    of the order-create webhook events read while looking (v7 with a ``WebhookInbox``).
    """

    def __init__(
        self,
        reason: str,
        *,
        customer_order_number: str,
        request: object = None,
        candidates: tuple[str, ...] = (),
        create_correlation_ids: tuple[str, ...] = (),
        lookup_correlation_ids: tuple[str, ...] = (),
        cause: str | None = None,
        event_ids: tuple[str, ...] = (),
    ) -> None:
        self.reason = reason
        self.customer_order_number = customer_order_number
        self.request = request
        self.candidates = tuple(candidates)
        self.create_correlation_ids = tuple(create_correlation_ids)
        self.lookup_correlation_ids = tuple(lookup_correlation_ids)
        self.cause = cause
        self.event_ids = tuple(event_ids)
        self.correlation_id = create_correlation_ids[0] if create_correlation_ids else None
        found = f"; orders with this PO: {', '.join(candidates)}" if candidates else ""
        super().__init__(
            f"outcome of the order with PO {customer_order_number!r} is unknown: {reason}"
            f"{found}. Check for it before sending it again (create correlation IDs "
            f"{', '.join(create_correlation_ids) or 'none'})"
        )
