"""The public face of the emulator: :class:`Sandbox` (settings, counters, client(),
transport(), serve(), webhooks delivery). Composes the core; never the SDK's models (the
SDK client is imported lazily, only by :meth:`Sandbox.client`)."""

from __future__ import annotations

import contextlib
import inspect
import json
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import httpx

from ._app import CoreConfig, SandboxCore, sign
from ._data import CatalogItem
from ._server import serve as _serve
from ._transport import SandboxTransport
from ._types import (
    ENDPOINTS,
    ORDER_ENDPOINTS,
    Counters,
    FaultKind,
    Faults,
    Realism,
    RequestRecord,
    WebhookEvent,
)

#: A webhook receiver: called with (headers, body bytes); may be async.
WebhookCallable = Callable[[Mapping[str, str], bytes], "Awaitable[Any] | Any"]

DEFAULT_BASE_URL = "https://sandbox.xi-orders.invalid"
DEFAULT_CLIENT_ID = "sandbox-client-id"
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"
DEFAULT_CUSTOMER_NUMBER = "20-222222"
DEFAULT_WEBHOOK_SECRET = "sandbox-webhook-secret"

if TYPE_CHECKING:
    from ..client import AsyncOrdersClient


class Sandbox:
    """An in-memory, stateful emulator of Ingram Micro's Reseller Orders API (v6/v6.1/v7).

    It keeps seeded orders, follows the API's rules (customer hold, 24-hour modify window,
    release, cancel, duplicate PO numbers, unknown SKUs), checks the IM-* headers and the
    bearer token like the real service, and answers with the spec's wire format, quirks
    included. Plug it into httpx as a transport, or run it as a localhost HTTP server::

        sandbox = Sandbox(seed=7, orders=500)
        async with sandbox.client() as client:          # an AsyncOrdersClient
            order = await client.get_order(sandbox.order_numbers()[0])

        async with httpx.AsyncClient(transport=sandbox.transport(),
                                     base_url=sandbox.base_url) as http: ...

        with sandbox.serve() as url:                    # http://127.0.0.1:<port>
            ...

    Options (all keyword-only except ``seed`` and ``orders``):

    - ``seed``: drives every generated value; same seed and same clock start, same data.
    - ``orders``: how many orders to seed (spread over ``history_days`` before "now").
    - ``customer_numbers``: the IM-CustomerNumber values accepted (one string or several);
      seeded orders are shared out round-robin, and a customer sees only its own orders.
    - ``country_code``: the IM-CountryCode accepted (also picks the currency).
    - ``client_id`` / ``client_secret``: the credentials the token endpoint accepts.
    - ``clock``: ``() -> epoch seconds``; default :func:`time.time`. Pass a
      :class:`FakeClock` to control token expiry and the 24-hour hold window.
    - ``latency``: seconds added to every answer, fixed or a ``(min, max)`` seeded range.
    - ``rate_limit``: off (``None``, the default); an int (calls per window for every Orders
      endpoint) or a mapping endpoint name -> calls, or -> ``(calls, window seconds)`` for
      an endpoint with its own window (``{"get_order": (300, 10.0)}``).
      ``rate_limit_window``: the window length otherwise, seconds (60 like the real API;
      tests use e.g. 1). Every answer of a limited endpoint carries ``X-RateLimit-Limit``,
      ``-Remaining`` and ``-Reset`` (epoch seconds), as the API's do.
    - ``search_lag``: seconds before a new order shows up in search results (the search
      index lags behind; 0 by default). Details by number work at once.
    - ``faults``: a :class:`Faults` with seeded failure rates; also see :meth:`inject`.
    - ``realism``: a :class:`Realism`, the real API's quirks to reproduce (``null``
      placeholders, a server page size, counts that drift mid-search, mixed status
      spellings, 2xx creates with errors or HTML...); ``Realism()`` by default.
    - ``webhook_secret``: the key of the ``X-Hub-Signature`` HMAC.
    - ``webhook_target``: a URL (POSTed with httpx) or a callable ``(headers, body)``;
      with ``webhook_auto_deliver`` (default True) events are delivered right after the
      request that caused them; otherwise call :meth:`deliver_webhooks`.
    - ``token_ttl``: token lifetime in seconds (86399, as the API says).
    - ``hold_window``: how long a held order can be changed (24 h) before it is voided.
    - ``request_log_limit``: how many of the latest requests :attr:`request_log` keeps
      (10,000 by default, so a sandbox served for days stays small; ``None``: every one).
      The :attr:`counters` count every request whatever the limit.
    - ``catalog_size``, ``history_days``, ``base_url``: data and URL details.
    """

    def __init__(
        self,
        seed: int = 0,
        orders: int = 100,
        *,
        customer_numbers: str | Sequence[str] = (DEFAULT_CUSTOMER_NUMBER,),
        country_code: str = "US",
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        clock: Callable[[], float] = time.time,
        latency: float | tuple[float, float] = 0.0,
        rate_limit: int | Mapping[str, int | tuple[int, float]] | None = None,
        rate_limit_window: float = 60.0,
        search_lag: float = 0.0,
        faults: Faults | None = None,
        realism: Realism | None = None,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        webhook_target: str | WebhookCallable | None = None,
        webhook_auto_deliver: bool = True,
        token_ttl: int = 86399,
        hold_window: float = 24 * 3600.0,
        catalog_size: int = 120,
        history_days: float = 180.0,
        base_url: str = DEFAULT_BASE_URL,
        request_log_limit: int | None = 10_000,
    ) -> None:
        customers = (
            (customer_numbers,) if isinstance(customer_numbers, str) else tuple(customer_numbers)
        )
        if not customers:
            raise ValueError("customer_numbers: give at least one")
        if orders < 0:
            raise ValueError("orders must be >= 0")
        if isinstance(latency, tuple):
            if len(latency) != 2 or latency[0] < 0 or latency[1] < latency[0]:
                raise ValueError("latency: a (min, max) pair with 0 <= min <= max")
        elif latency < 0:
            raise ValueError("latency must be >= 0")
        if rate_limit_window <= 0:
            raise ValueError("rate_limit_window must be > 0")
        if search_lag < 0:
            raise ValueError("search_lag must be >= 0")
        limits: dict[str, int] = {}
        windows: dict[str, float] = {}
        if isinstance(rate_limit, int):
            if rate_limit < 1:
                raise ValueError("rate_limit must be >= 1 call per window")
            limits = dict.fromkeys(sorted(ORDER_ENDPOINTS), rate_limit)
        elif rate_limit is not None:
            unknown = set(rate_limit) - set(ORDER_ENDPOINTS)
            if unknown:
                raise ValueError(
                    f"rate_limit: unknown endpoints {sorted(unknown)}; use {sorted(ORDER_ENDPOINTS)}"
                )
            for name, value in rate_limit.items():
                calls, window = value if isinstance(value, tuple) else (value, None)
                if int(calls) < 1:
                    raise ValueError(f"rate_limit[{name!r}]: at least 1 call per window")
                limits[name] = int(calls)
                if window is not None:
                    if window <= 0:
                        raise ValueError(f"rate_limit[{name!r}]: the window must be > 0")
                    windows[name] = float(window)
        if len(country_code) != 2 or not country_code.isalpha():
            raise ValueError("country_code must be two letters")
        if request_log_limit is not None and request_log_limit < 0:
            raise ValueError("request_log_limit must be >= 0, or None for no limit")
        self._base_url = base_url.rstrip("/")
        self._webhook_target = webhook_target
        self._webhook_auto = webhook_auto_deliver
        self.webhook_failures: list[tuple[WebhookEvent, str]] = []
        """Events whose delivery failed, with the reason."""
        self._core = SandboxCore(
            CoreConfig(
                seed=seed,
                orders=orders,
                customer_numbers=customers,
                country_code=country_code.upper(),
                client_id=client_id,
                client_secret=client_secret,
                clock=clock,
                latency=latency,
                rate_limits=limits,
                rate_limit_window=float(rate_limit_window),
                rate_limit_windows=windows,
                search_lag=float(search_lag),
                faults=faults,
                realism=realism if realism is not None else Realism(),
                webhook_secret=webhook_secret,
                token_ttl=int(token_ttl),
                catalog_size=catalog_size,
                history_days=history_days,
                hold_window=hold_window,
                request_log_limit=request_log_limit,
            )
        )

    # ------------------------------------------------------------------ settings

    @property
    def base_url(self) -> str:
        """The base URL the transport answers for (``https://sandbox.xi-orders.invalid``)."""
        return self._base_url

    @property
    def seed(self) -> int:
        """The seed the data was generated from."""
        return self._core.cfg.seed

    @property
    def client_id(self) -> str:
        """The client ID the token endpoint accepts."""
        return self._core.cfg.client_id

    @property
    def client_secret(self) -> str:
        """The client secret the token endpoint accepts."""
        return self._core.cfg.client_secret

    @property
    def customer_number(self) -> str:
        """The first accepted IM-CustomerNumber (what :meth:`client` uses)."""
        return self._core.cfg.customer_numbers[0]

    @property
    def customer_numbers(self) -> tuple[str, ...]:
        """Every accepted IM-CustomerNumber."""
        return self._core.cfg.customer_numbers

    @property
    def country_code(self) -> str:
        """The accepted IM-CountryCode."""
        return self._core.cfg.country_code

    @property
    def currency(self) -> str:
        """The currency of every amount (from the country code)."""
        return self._core.currency

    @property
    def webhook_secret(self) -> str:
        """The key of the webhook signatures."""
        return self._core.cfg.webhook_secret

    @property
    def clock(self) -> Callable[[], float]:
        """The clock the sandbox reads (epoch seconds)."""
        return self._core.cfg.clock

    @property
    def rate_limits(self) -> Mapping[str, int]:
        """Calls allowed per window, by endpoint (empty when rate limiting is off)."""
        return MappingProxyType(self._core.cfg.rate_limits)

    @property
    def rate_limit_window(self) -> float:
        """Length of a rate-limit window, seconds (see :attr:`rate_limit_windows`)."""
        return self._core.cfg.rate_limit_window

    @property
    def rate_limit_windows(self) -> Mapping[str, float]:
        """Window length (seconds) by rate-limited endpoint."""
        cfg = self._core.cfg
        return MappingProxyType(
            {ep: cfg.rate_limit_windows.get(ep, cfg.rate_limit_window) for ep in cfg.rate_limits}
        )

    @property
    def search_lag(self) -> float:
        """Seconds before a new order shows up in search results."""
        return self._core.cfg.search_lag

    @property
    def faults(self) -> Faults | None:
        """The seeded fault rates in force (settable; None for none)."""
        return self._core.cfg.faults

    @faults.setter
    def faults(self, value: Faults | None) -> None:
        with self._core.lock:
            self._core.cfg.faults = value

    @property
    def realism(self) -> Realism:
        """The real API's quirks this sandbox reproduces (fixed at construction)."""
        return self._core.cfg.realism

    @property
    def catalog(self) -> Mapping[str, CatalogItem]:
        """The products the sandbox knows, by Ingram part number (ordering others is rejected)."""
        return MappingProxyType(self._core.catalog)

    def __repr__(self) -> str:
        return (
            f"Sandbox(seed={self.seed}, orders={len(self._core.store)}, "
            f"customer_numbers={self.customer_numbers!r}, country_code={self.country_code!r})"
        )

    # ------------------------------------------------------------------ plugging in

    def transport(self) -> SandboxTransport:
        """An httpx transport (async and sync) answering from this sandbox."""
        return SandboxTransport(self)

    def client(self, **overrides: Any) -> AsyncOrdersClient:
        """An ``xi_orders.AsyncOrdersClient`` wired to this sandbox.

        Credentials, customer number, country code, base URL, transport and the sandbox's
        own rate limit (``xi_orders.RateLimit(calls, window)``, or a mapping of them by
        endpoint when the limits differ; None when off) are filled in; ``overrides`` replace any of them or add others
        (``sender_id``, ``timeout``, ``retry``...).
        """
        from .. import _ratelimit, client

        kwargs: dict[str, Any] = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "customer_number": self.customer_number,
            "country_code": self.country_code,
            "base_url": self.base_url,
            "transport": self.transport(),
            "rate_limit": None,
        }
        limits = self._core.cfg.rate_limits
        window = self.rate_limit_window
        windows = self.rate_limit_windows
        uniform = len(set(limits.values())) == 1 and len(set(windows.values())) == 1
        if limits and uniform and set(limits) == ORDER_ENDPOINTS:
            only = next(iter(limits))
            kwargs["rate_limit"] = _ratelimit.RateLimit(limits[only], windows[only])
        elif limits:  # per endpoint; the unlimited ones effectively unbounded
            kwargs["rate_limit"] = {
                ep: _ratelimit.RateLimit(limits.get(ep, 10**9), windows.get(ep, window))
                for ep in sorted(ORDER_ENDPOINTS)
            }
        kwargs.update(overrides)
        return client.AsyncOrdersClient(**kwargs)

    @contextlib.contextmanager
    def serve(
        self, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False
    ) -> Iterator[str]:
        """Serve this sandbox over real HTTP on ``host:port`` (0: a free port) in a thread.

        Yields the base URL (``http://127.0.0.1:<port>``); shuts the server down and closes
        its connections on exit.
        """
        with _serve(self, host, port, verbose=verbose) as url:
            yield url

    # ------------------------------------------------------------------ tokens and headers

    def issue_token(self) -> str:
        """A valid access token, issued without an HTTP call (counted in ``tokens_issued``)."""
        with self._core.lock:
            return self._core.issue_token(self.clock())

    def revoke_tokens(self) -> None:
        """Invalidate every token issued so far: the next Orders call gets 401."""
        self._core.revoke_tokens()

    def headers(
        self, token: str | None = None, *, correlation_id: str = "sandbox-test-0001"
    ) -> dict[str, str]:
        """The headers of a valid Orders call (for raw httpx or curl use)."""
        return {
            "Authorization": f"Bearer {token or self.issue_token()}",
            "IM-CustomerNumber": self.customer_number,
            "IM-CountryCode": self.country_code,
            "IM-CorrelationID": correlation_id,
        }

    # ------------------------------------------------------------------ orders

    def order(self, order_number: str) -> dict[str, Any]:
        """A copy of an order's detail JSON, as get-order would answer (any customer's),
        the :class:`Realism` options applied (``nulls``, ``status_spelling``...; with
        ``details_without_lines``, without its lines).

        Raises KeyError for an unknown order.
        """
        return self._core.order_detail(order_number)

    def order_numbers(
        self, customer_number: str | None = None, *, status: str | None = None
    ) -> list[str]:
        """Order numbers, newest first; of one customer and/or with a detail ``orderStatus``
        (``"Shipped"``, ``"On Hold"``, ``"Processing"``, ``"Backordered"``, ``"Delivered"``,
        ``"Canceled"``: the canonical spelling, whatever ``Realism.status_spelling`` sends)."""
        return self._core.order_numbers(customer_number, status)

    def ship(self, order_number: str) -> dict[str, Any]:
        """Simulate the warehouse shipping an order: every live line ships (carrier, tracking
        and serial numbers), and an ``im::order_shipped`` event is queued. Returns the new
        detail JSON (as :meth:`order` gives it). Raises KeyError (unknown) or ValueError (on hold or cancelled)."""
        with self._core.lock:
            detail = self._core.ship(order_number, self.clock())
        if self._auto_deliver_pending():
            self.deliver_webhooks()
        return detail

    # ------------------------------------------------------------------ faults

    def inject(self, fault: FaultKind, times: int = 1, *, endpoint: str | None = None) -> None:
        """Make the next ``times`` requests (to ``endpoint``, if given) fail with ``fault``.

        Scheduled faults come before the seeded rates; see :data:`FaultKind` for the kinds
        (e.g. ``sandbox.inject("drop_after", endpoint="create_order")``: the order is created
        but the client never hears back).
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        self._core.schedule(fault, times, endpoint)

    # ------------------------------------------------------------------ observations

    @property
    def counters(self) -> Counters:
        """A snapshot of what the sandbox saw (requests by endpoint and status, tokens
        issued, orders created, faults injected, webhooks queued/delivered)."""
        with self._core.lock:
            return self._core.counters.snapshot()

    def reset_counters(self) -> None:
        """Zero the counters and clear the request log."""
        self._core.reset_counters()

    @property
    def request_log(self) -> list[RequestRecord]:
        """The latest requests seen, oldest first (at most :attr:`request_log_limit`): time,
        method, path, endpoint, correlation ID, status, fault."""
        with self._core.lock:
            return list(self._core.request_log)

    @property
    def request_log_limit(self) -> int | None:
        """How many of the latest requests :attr:`request_log` keeps (None: every one)."""
        return self._core.cfg.request_log_limit

    def clear_request_log(self) -> None:
        """Forget the logged requests, keeping the counters (for long runs that read the
        log in batches; :meth:`reset_counters` zeroes both)."""
        self._core.clear_request_log()

    # ------------------------------------------------------------------ webhooks

    @property
    def webhook_events(self) -> list[WebhookEvent]:
        """Every webhook event queued so far, oldest first, as (headers, body bytes)."""
        with self._core.lock:
            self._core.sweep(self.clock())
            return list(self._core.webhook_events)

    def signature(self, event_id: str) -> str:
        """The ``X-Hub-Signature`` value for an event ID under this sandbox's secret."""
        return sign(self.webhook_secret, event_id)

    def webhook_replay(self, event: WebhookEvent | None = None) -> WebhookEvent:
        """A captured delivery sent again, byte for byte (by default the last event queued):
        its signature is genuine, so only a receiver that remembers event IDs (a
        ``ReplayGuard``) can tell it from the first delivery.

        Example::

            sandbox.deliver_webhooks(url, events=[sandbox.webhook_replay()])
        """
        captured = self._captured(event)
        return WebhookEvent(dict(captured.headers), captured.body)

    def webhook_flood(
        self,
        event: WebhookEvent | None = None,
        *,
        body_bytes: int = 2 * 1024 * 1024 - 1024,
        junk_signatures: int = 0,
    ) -> WebhookEvent:
        """What an attacker can build from one captured delivery (by default the last
        event queued): a JSON array repeating ``{"eventId": <its id>}`` up to
        ``body_bytes`` (the signature covers the eventId and nothing else, so every item
        verifies), and an ``X-Hub-Signature`` holding the genuine signature followed by
        ``junk_signatures`` well-formed junk candidates (each costs a receiver one HMAC if
        it checks them all). A receiver should refuse both cheaply: too many events, too
        many signatures, a body over its limit.

        Example::

            flood = sandbox.webhook_flood(junk_signatures=700)
            sandbox.deliver_webhooks(url, events=[flood])   # refused: webhook_failures
        """
        captured = self._captured(event)
        if body_bytes < 2 or junk_signatures < 0:
            raise ValueError("webhook_flood: body_bytes must be >= 2, junk_signatures >= 0")
        event_id = json.loads(captured.body)["eventId"]
        item = json.dumps({"eventId": event_id}, separators=(",", ":")).encode()
        body = b"[" + b",".join([item] * max(1, (body_bytes - 2) // (len(item) + 1))) + b"]"
        signature = captured.headers["X-Hub-Signature"]
        candidates = [signature] + [f"{i:086d}==" for i in range(junk_signatures)]
        return WebhookEvent({**captured.headers, "X-Hub-Signature": ",".join(candidates)}, body)

    def _captured(self, event: WebhookEvent | None) -> WebhookEvent:
        if event is not None:
            return event
        events = self.webhook_events
        if not events:
            raise ValueError("no webhook event queued yet: ship or create an order first")
        return events[-1]

    def _auto_deliver_pending(self) -> bool:
        core = self._core
        return (
            self._webhook_auto
            and self._webhook_target is not None
            and len(core.webhook_events) > core.webhook_delivered
        )

    def _target(self, target: str | WebhookCallable | None) -> str | WebhookCallable:
        chosen = target if target is not None else self._webhook_target
        if chosen is None:
            raise ValueError("no webhook target: pass one here or as Sandbox(webhook_target=...)")
        return chosen

    def _delivered(self, ok: int) -> int:
        with self._core.lock:
            self._core.counters.webhooks_delivered += ok
        return ok

    def deliver_webhooks(
        self,
        target: str | WebhookCallable | None = None,
        *,
        events: Sequence[WebhookEvent] | None = None,
    ) -> int:
        """Deliver the events not delivered yet: POST each to a URL (httpx), or call a callable
        with ``(headers, body)``. Returns how many were delivered (a 2xx, or a callable that
        returned); failures are kept in :attr:`webhook_failures`. Each event is handed out
        once. ``events``: deliver these instead, e.g. :meth:`webhook_replay` or
        :meth:`webhook_flood`, to try a receiver against a captured delivery sent again."""
        chosen = self._target(target)
        ok = 0
        events = self._core.claim_webhooks() if events is None else list(events)
        if not events:
            return 0
        if isinstance(chosen, str):
            with httpx.Client(timeout=10.0) as http:
                for event in events:
                    try:
                        http.post(
                            chosen, content=event.body, headers=event.headers
                        ).raise_for_status()
                        ok += 1
                    except httpx.HTTPError as exc:
                        self.webhook_failures.append((event, repr(exc)))
        else:
            for event in events:
                try:
                    result = chosen(dict(event.headers), event.body)
                    if inspect.isawaitable(result):
                        close = getattr(result, "close", None)
                        if close is not None:
                            close()
                        raise TypeError("an async webhook target needs adeliver_webhooks()")
                    ok += 1
                except Exception as exc:
                    self.webhook_failures.append((event, repr(exc)))
        return self._delivered(ok)

    async def adeliver_webhooks(
        self,
        target: str | WebhookCallable | None = None,
        *,
        events: Sequence[WebhookEvent] | None = None,
    ) -> int:
        """Async :meth:`deliver_webhooks` (async callables are awaited)."""
        chosen = self._target(target)
        ok = 0
        events = self._core.claim_webhooks() if events is None else list(events)
        if not events:
            return 0
        if isinstance(chosen, str):
            async with httpx.AsyncClient(timeout=10.0) as http:
                for event in events:
                    try:
                        (
                            await http.post(chosen, content=event.body, headers=event.headers)
                        ).raise_for_status()
                        ok += 1
                    except httpx.HTTPError as exc:
                        self.webhook_failures.append((event, repr(exc)))
        else:
            for event in events:
                try:
                    result = chosen(dict(event.headers), event.body)
                    if inspect.isawaitable(result):
                        await result
                    ok += 1
                except Exception as exc:
                    self.webhook_failures.append((event, repr(exc)))
        return self._delivered(ok)


__all__ = ["ENDPOINTS", "Sandbox", "WebhookCallable"]
