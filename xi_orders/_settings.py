"""Every setting of a client, checked once: the constructor's keywords (one list, for the
async and the sync client alike) and ``from_env``.

A wrong setting raises ``ValidationError`` naming it, before anything is opened or sent.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from . import _fields
from ._auth import Credentials
from ._endpoints import TOKEN
from ._ratelimit import STANDARD as STANDARD_RATE_LIMIT
from ._ratelimit import RateLimit
from ._reconcile import ReconcilePolicy, check_inbox
from ._request import check_headers
from ._retry import RetryPolicy
from ._version import __version__
from .errors import ValidationError
from .shared import SharedState

if TYPE_CHECKING:
    from typing_extensions import Required, TypedDict

    from ._reconcile import Inbox

Environment = _fields.Environment
EventHooks = Mapping[str, list[Callable[..., Any]]]

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

if TYPE_CHECKING:

    class _Options(TypedDict, total=False):
        sender_id: str | None
        environment: Environment
        base_url: str | None
        token_url: str | None
        allow_insecure: bool
        timeout: float | httpx.Timeout
        retry: RetryPolicy | None
        rate_limit: RateLimit | Mapping[str, RateLimit] | None
        transport: httpx.AsyncBaseTransport | None
        http_client: httpx.AsyncClient | None
        shared: SharedState | None
        reconcile: bool | ReconcilePolicy
        webhook_inbox: Any
        default_headers: Mapping[str, str] | None
        event_hooks: EventHooks | None
        limits: httpx.Limits | None
        proxy: httpx.Proxy | str | None
        verify: ssl.SSLContext | str | bool | None
        trust_env: bool
        tracer_provider: Any
        meter_provider: Any
        propagate_trace: bool

    class ClientSettings(_Options):
        """The keyword arguments of ``AsyncOrdersClient`` and ``OrdersClient``."""

        client_id: Required[str]
        client_secret: Required[str]
        customer_number: Required[str]
        country_code: Required[str]

    class EnvOverrides(_Options, total=False):
        """``from_env``'s keyword arguments: any setting, the environment's replaced."""

        client_id: str
        client_secret: str
        customer_number: str
        country_code: str


_REQUIRED = ("client_id", "client_secret", "customer_number", "country_code")
#: Read by ``from_env`` when set, as ``XI_<NAME>``.
_FROM_ENV_OPTIONAL = ("sender_id", "environment", "base_url", "token_url")


@attrs.frozen
class PoolSettings:
    """How the client's own ``httpx.AsyncClient`` is built (again for each event loop).

    ``limits``, ``proxy`` and ``verify`` are httpx transport settings: given any, the pool
    is httpx's own ``AsyncHTTPTransport`` built with them, instead of the automatic choice,
    which could not honour all of them.
    """

    transport: httpx.AsyncBaseTransport | None = None
    http_client: httpx.AsyncClient | None = None
    limits: httpx.Limits | None = None
    proxy: httpx.Proxy | str | None = None
    verify: ssl.SSLContext | str | bool | None = None
    event_hooks: EventHooks | None = None
    trust_env: bool = True

    def transport_to_build(self) -> httpx.AsyncBaseTransport | None:
        """The transport for a new pool: the one passed in, httpx's own built with
        ``limits`` / ``proxy`` / ``verify``, or None (the default's choice)."""
        if self.transport is not None:
            return self.transport
        if self.limits is None and self.proxy is None and self.verify is None:
            return None
        return httpx.AsyncHTTPTransport(
            limits=self.limits or httpx.Limits(max_connections=100, max_keepalive_connections=20),
            proxy=self.proxy,
            verify=True if self.verify is None else self.verify,
            trust_env=self.trust_env,
        )


@attrs.frozen
class Settings:
    """A client's settings, checked."""

    credentials: Credentials
    customer_number: str
    country_code: str
    sender_id: str | None
    environment: str
    base_url: str
    token_url: str
    timeout: float | httpx.Timeout
    retry: RetryPolicy
    #: Whether the token requests' policy is the default (None given): it is shared then.
    rate_limit: RateLimit | Mapping[str, RateLimit] | None
    pool: PoolSettings
    shared: SharedState | None
    reconcile: ReconcilePolicy | None
    webhook_inbox: Inbox | None
    headers: dict[str, str]
    tracer_provider: Any
    meter_provider: Any
    propagate_trace: bool

    @classmethod
    def check(cls, given: Mapping[str, Any]) -> Settings:
        """The settings ``given`` (a constructor's keywords), checked."""
        unknown = sorted(set(given) - _KNOWN)
        if unknown:
            raise TypeError(f"unexpected keyword argument {unknown[0]!r}")
        missing = [name for name in _REQUIRED if name not in given]
        if missing:
            raise TypeError(f"missing required keyword argument {missing[0]!r}")
        s = {**_DEFAULTS, **given}
        credentials = Credentials(
            _fields.required("client_id", s["client_id"]),
            _fields.required("client_secret", s["client_secret"]),
        )
        environment = _fields.environment(s["environment"])
        insecure = _fields.flag("allow_insecure", s["allow_insecure"])
        base_url = _fields.base_url(
            "base_url",
            _fields.ENVIRONMENTS[environment] if s["base_url"] is None else s["base_url"],
            allow_insecure=insecure,
        )
        token_url = _fields.base_url(
            "token_url",
            _fields.origin(base_url) + TOKEN.path if s["token_url"] is None else s["token_url"],
            allow_insecure=insecure,
        )
        retry = s["retry"]
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ValidationError("retry", f"must be a RetryPolicy or None, got {retry!r}")
        shared = s["shared"]
        if shared is not None and not isinstance(shared, SharedState):
            raise ValidationError(
                "shared", f"must have a bind(client_id, client_secret) method, got {shared!r}"
            )
        sender_id = _fields.sender_id(s["sender_id"])
        customer_number = _fields.customer_number(s["customer_number"])
        country_code = _fields.country_code(s["country_code"])
        headers = {
            "IM-CustomerNumber": customer_number,
            "IM-CountryCode": country_code,
            "Accept": "application/json",
            "User-Agent": f"xi-orders/{__version__}",
        }
        if sender_id:
            headers["IM-SenderID"] = sender_id
        headers.update(check_headers("default_headers", s["default_headers"]))
        return cls(
            credentials=credentials,
            customer_number=customer_number,
            country_code=country_code,
            sender_id=sender_id,
            environment=environment,
            base_url=base_url,
            token_url=token_url,
            timeout=_fields.timeout(s["timeout"]),
            retry=retry or RetryPolicy(),
            rate_limit=s["rate_limit"],
            pool=_pool(s, timeout_given=s["timeout"] is not DEFAULT_TIMEOUT),
            shared=shared,
            reconcile=ReconcilePolicy.coerce("reconcile", s["reconcile"]),
            webhook_inbox=check_inbox("webhook_inbox", s["webhook_inbox"]),
            headers=headers,
            tracer_provider=s["tracer_provider"],
            meter_provider=s["meter_provider"],
            propagate_trace=_fields.flag("propagate_trace", s["propagate_trace"]),
        )


def from_env(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The settings from ``XI_CLIENT_ID``, ``XI_CLIENT_SECRET``, ``XI_CUSTOMER_NUMBER``,
    ``XI_COUNTRY_CODE`` and, when set, ``XI_SENDER_ID``, ``XI_ENVIRONMENT``,
    ``XI_BASE_URL`` and ``XI_TOKEN_URL``, with ``overrides`` applied."""
    settings: dict[str, Any] = {}
    for name in _REQUIRED:
        var = f"XI_{name.upper()}"
        if name not in overrides:
            value = os.environ.get(var)
            if not value:
                raise ValidationError(var, "environment variable is not set")
            settings[name] = value
    for name in _FROM_ENV_OPTIONAL:
        value = os.environ.get(f"XI_{name.upper()}")
        if value:
            settings[name] = value
    settings.update(overrides)
    return settings


_DEFAULTS: dict[str, Any] = {
    "sender_id": None,
    "environment": "production",
    "base_url": None,
    "token_url": None,
    "allow_insecure": False,
    "timeout": DEFAULT_TIMEOUT,
    "retry": None,
    "rate_limit": STANDARD_RATE_LIMIT,
    "transport": None,
    "http_client": None,
    "shared": None,
    "reconcile": True,
    "webhook_inbox": None,
    "default_headers": None,
    "event_hooks": None,
    "limits": None,
    "proxy": None,
    "verify": None,
    "trust_env": True,
    "tracer_provider": None,
    "meter_provider": None,
    "propagate_trace": False,
}
_KNOWN = frozenset(_DEFAULTS) | frozenset(_REQUIRED)


def _pool(s: Mapping[str, Any], *, timeout_given: bool) -> PoolSettings:
    """The pool settings, checked with what they may not go with."""
    transport, http_client = s["transport"], s["http_client"]
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
        if timeout_given:  # per call (with_options, timeout=) it applies, request by request
            raise ValidationError(
                "timeout", "give timeout or http_client, not both: set it on the http_client"
            )
    limits, proxy, verify, event_hooks = s["limits"], s["proxy"], s["verify"], s["event_hooks"]
    for name in ("limits", "proxy", "verify", "event_hooks"):
        if s[name] is None:
            continue
        if http_client is not None:
            raise ValidationError(name, "configures the pool we build: set it on http_client")
        if transport is not None and name != "event_hooks":
            raise ValidationError(name, "configures the transport we build: not with transport=")
    if limits is not None and not isinstance(limits, httpx.Limits):
        raise ValidationError("limits", f"must be an httpx.Limits, got {limits!r}")
    if proxy is not None and not isinstance(proxy, (str, httpx.Proxy, httpx.URL)):
        raise ValidationError("proxy", f"must be a URL or an httpx.Proxy, got {proxy!r}")
    if verify is not None and not isinstance(verify, (bool, str, ssl.SSLContext)):
        raise ValidationError(
            "verify", f"must be True/False, a CA bundle path or an ssl.SSLContext, got {verify!r}"
        )
    hooks: dict[str, list[Callable[..., Any]]] | None = None
    if event_hooks is not None:
        if not isinstance(event_hooks, Mapping) or set(event_hooks) - {"request", "response"}:
            raise ValidationError(
                "event_hooks", "must map 'request' and/or 'response' to lists of async functions"
            )
        hooks = {}
        for kind, funcs in event_hooks.items():
            if not isinstance(funcs, (list, tuple)) or not all(callable(f) for f in funcs):
                raise ValidationError(f"event_hooks[{kind!r}]", "must be a list of callables")
            hooks[kind] = list(funcs)
    return PoolSettings(
        transport=transport,
        http_client=http_client,
        limits=limits,
        proxy=str(proxy) if isinstance(proxy, httpx.URL) else proxy,
        verify=verify,
        event_hooks=hooks,
        trust_env=_fields.flag("trust_env", s["trust_env"]),
    )
