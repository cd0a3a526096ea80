"""Per-call options and the connection-pool settings a client is built with.

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

The pool settings (``limits``, ``proxy``, ``verify``, ``event_hooks``) configure the
``httpx.AsyncClient`` the client builds, so they cannot go with ``http_client=`` (set them
on yours) or with ``transport=`` (which is the pool). ``limits``, ``proxy`` and ``verify``
are httpx transport settings: given any, the pool is httpx's own httpcore-based
``AsyncHTTPTransport`` built with them, instead of the automatic choice (the aiohttp
transport under asyncio), which could not honour all of them.
"""

from __future__ import annotations

import copy
import ssl
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

import attrs
import httpx

from . import _config
from ._retry import RetryPolicy
from .errors import ValidationError

if TYPE_CHECKING:
    from ._raw import AsyncRawResponses

Timeout = float | httpx.Timeout
Headers = Mapping[str, str]
EventHooks = Mapping[str, list[Callable[..., Any]]]


class RequestOptions(TypedDict, total=False):
    """The keyword arguments every operation accepts for one call."""

    #: Seconds, or an ``httpx.Timeout``, for each HTTP attempt of this call.
    timeout: Timeout
    #: Headers added to this call's requests (see the module docstring for the rules).
    extra_headers: Headers


_REFUSED = {
    "authorization": "it is set by the client's token auth",
    "im-correlationid": "pass correlation_id= instead",
    "content-type": "it is set for the request body",
    "content-length": "it is set for the request body",
    "transfer-encoding": "it is set for the request body",
    "host": "it follows base_url",
}
_ACCOUNT: dict[str, Callable[[Any], object]] = {
    "im-customernumber": _config.customer_number,
    "im-countrycode": _config.country_code,
    "im-senderid": _config.sender_id,
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
        checked = _config.timeout(value)
    except ValidationError as exc:
        raise ValidationError(name + exc.field.removeprefix("timeout"), exc.reason) from None
    return checked if isinstance(checked, httpx.Timeout) else httpx.Timeout(checked)


@attrs.frozen
class CallOptions:
    """What a view or a call changes: ``None`` means the client's own setting."""

    timeout: httpx.Timeout | None = None
    retry: RetryPolicy | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    #: ``with_raw_response``: where the send path puts each call's final ``httpx.Response``.
    capture: list[httpx.Response] | None = attrs.field(default=None, eq=False)

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
        unknown = set(options) - {"timeout", "extra_headers"}
        if unknown:  # only reachable by **dict: the signatures name the two
            raise ValidationError(sorted(unknown)[0], "is not an option of this call")
        return self.evolve(
            timeout=options.get("timeout"),
            headers=options.get("extra_headers"),
            header_name="extra_headers",
        )


NO_OPTIONS = CallOptions()


@attrs.frozen
class PoolSettings:
    """How the client's own ``httpx.AsyncClient`` is built (again for each event loop)."""

    limits: httpx.Limits | None = None
    proxy: httpx.Proxy | str | None = None
    verify: ssl.SSLContext | str | bool | None = None
    event_hooks: EventHooks | None = None

    @classmethod
    def check(
        cls,
        *,
        limits: object,
        proxy: object,
        verify: object,
        event_hooks: object,
        http_client: object,
        transport: object,
        timeout: bool,
    ) -> PoolSettings:
        """The settings, checked with what they may not go with (``ValidationError``)."""
        if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
            raise ValidationError(
                "transport", f"must be an httpx.AsyncBaseTransport, got {type(transport).__name__}"
            )
        if http_client is not None:
            if not isinstance(http_client, httpx.AsyncClient):
                raise ValidationError(
                    "http_client", f"must be an httpx.AsyncClient, got {type(http_client).__name__}"
                )
            if transport is not None:
                raise ValidationError("transport", "give transport or http_client, not both")
            if timeout:  # per call (with_options, timeout=) it applies, request by request
                raise ValidationError(
                    "timeout", "give timeout or http_client, not both: set it on the http_client"
                )
        given = {
            name: value
            for name, value in (
                ("limits", limits),
                ("proxy", proxy),
                ("verify", verify),
                ("event_hooks", event_hooks),
            )
            if value is not None
        }
        for name in given:
            if http_client is not None:
                raise ValidationError(name, "configures the pool we build: set it on http_client")
            if transport is not None and name != "event_hooks":
                raise ValidationError(
                    name, "configures the transport we build: not with transport="
                )
        if limits is not None and not isinstance(limits, httpx.Limits):
            raise ValidationError("limits", f"must be an httpx.Limits, got {limits!r}")
        if proxy is not None and not isinstance(proxy, (str, httpx.Proxy, httpx.URL)):
            raise ValidationError("proxy", f"must be a URL or an httpx.Proxy, got {proxy!r}")
        if verify is not None and not isinstance(verify, (bool, str, ssl.SSLContext)):
            raise ValidationError(
                "verify",
                f"must be True/False, a CA bundle path or an ssl.SSLContext, got {verify!r}",
            )
        hooks: dict[str, list[Callable[..., Any]]] | None = None
        if event_hooks is not None:
            if not isinstance(event_hooks, Mapping) or set(event_hooks) - {"request", "response"}:
                raise ValidationError(
                    "event_hooks",
                    "must map 'request' and/or 'response' to lists of async functions",
                )
            hooks = {}
            for kind, funcs in event_hooks.items():
                if not isinstance(funcs, (list, tuple)) or not all(callable(f) for f in funcs):
                    raise ValidationError(f"event_hooks[{kind!r}]", "must be a list of callables")
                hooks[kind] = list(funcs)
        return cls(
            limits=limits,
            proxy=str(proxy) if isinstance(proxy, httpx.URL) else proxy,
            verify=verify,
            event_hooks=hooks,
        )

    @property
    def custom_transport(self) -> bool:
        """Whether the transport must be httpx's own, built with these settings."""
        return self.limits is not None or self.proxy is not None or self.verify is not None

    def transport(self) -> httpx.AsyncBaseTransport | None:
        """httpx's httpcore-based transport with these settings, or None for the default."""
        if not self.custom_transport:
            return None
        return httpx.AsyncHTTPTransport(
            limits=self.limits or httpx.Limits(max_connections=100, max_keepalive_connections=20),
            proxy=self.proxy,
            verify=True if self.verify is None else self.verify,
        )


_ClientT = TypeVar("_ClientT", bound="AsyncViews")


class AsyncViews:
    """``with_options`` and ``with_raw_response`` for ``AsyncOrdersClient``.

    A view is a shallow copy of the client with other ``CallOptions``; what a call shares
    (pool, token, limiter, closed state, event loop) is read from ``_root``, the client
    the views were made from.
    """

    _options: CallOptions

    def with_options(
        self: _ClientT,
        *,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        headers: Headers | None = None,
    ) -> _ClientT:
        """This client with other options for the calls made through the result: the same
        connection pool, access token and rate budget (nothing new is opened or fetched).
        ``timeout`` applies to each HTTP attempt, ``retry`` replaces the retry policy,
        ``headers`` are added to every request (``Authorization`` and ``IM-CorrelationID``
        are refused; ``IM-CustomerNumber``, ``IM-CountryCode`` and ``IM-SenderID`` may be
        overridden and are checked). Closing a view closes the client.

        Example::

            patient = client.with_options(timeout=120, retry=RetryPolicy(attempts=8))
            order = await patient.get_order("20-RD3QV")
        """
        view = copy.copy(self)
        view._options = self._options.evolve(timeout=timeout, retry=retry, headers=headers)
        return view

    @property
    def with_raw_response(self) -> AsyncRawResponses:
        """The single-request operations returning a ``RawResponse`` (the final
        ``httpx.Response`` and ``.parse()``) instead of the typed result::

            raw = await client.with_raw_response.get_order("20-RD3QV")
            print(raw.status_code, raw.headers.get("X-RateLimit-Remaining"))
            order = raw.parse()
        """
        from ._raw import AsyncRawResponses

        return AsyncRawResponses(self)  # type: ignore[arg-type]

    def _capturing(self: _ClientT, sink: list[httpx.Response]) -> _ClientT:
        """A view whose calls put their final ``httpx.Response`` in ``sink``."""
        view = copy.copy(self)
        view._options = attrs.evolve(self._options, capture=sink)
        return view
