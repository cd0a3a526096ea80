"""OpenTelemetry tracing and metrics: built in, optional, and free when absent.

With ``opentelemetry-api`` installed (``pip install 'xi-orders[otel]'``), every operation
is a span ``xi_orders.<operation>`` (``xi_orders.get_order``, ``xi_orders.create_order``,
one ``xi_orders.search_orders`` per page), and each HTTP attempt under it a CLIENT span
named ``GET /resellers/v6.1/orders/{orderNumber}`` with OpenTelemetry's HTTP client
conventions: ``http.request.method``, ``url.template`` (never the URL with an order number
or query in it: no ``url.full``), ``server.address``, ``server.port``,
``http.response.status_code``, ``http.request.resend_count`` (retries) and ``error.type``
(the status code, or the exception's class). Ours: ``xi_orders.endpoint``,
``xi_orders.correlation_id`` (the IM-CorrelationID support asks for),
``xi_orders.ratelimit.wait`` (seconds the call waited in the client's rate limiter),
``xi_orders.attempts``, and on creates ``result.reconciled``. A failed operation has status
ERROR, ``error.type`` (``xi_orders.NotFoundError``...) and the exception as an event (our
exceptions are redacted: no secret or token). Token requests are CLIENT spans
``POST /oauth/oauth30/token``: no body, no header, no token in any attribute.

Metrics (a ``Meter`` named ``xi_orders``):

- ``http.client.request.duration`` (s, histogram): each HTTP attempt;
- ``xi_orders.operation.duration`` (s, histogram): each operation, retries included;
- ``xi_orders.rate_limited`` (counter): 429 answers, per endpoint;
- ``xi_orders.ratelimit.wait`` (s, histogram): time waited in the client's rate limiter;
- ``xi_orders.token.requests`` (counter): token requests, by ``outcome``;
- ``xi_orders.bulk.lookups`` (counter): ``get_orders`` results, by ``outcome`` (ok, error).

Providers: ``tracer_provider=`` / ``meter_provider=`` on the client, defaulting to the
global ones (``trace.get_tracer_provider()``; a provider installed later still applies,
through OpenTelemetry's proxy). ``propagate_trace=True`` adds W3C ``traceparent`` (the
globally configured propagator) to API requests; off by default, since the API is a
third party's.

Cost: ``import xi_orders`` never imports OpenTelemetry. The first operation of a client
looks for it once (cached for the process); absent, every later call pays one attribute
test. Installed without an SDK (no global provider set, or the API's no-op ones), a client
on the global providers does no span or metric work at all: each operation only checks
that the global providers are still the ones it saw (two attribute reads), and the first
operation after ``set_tracer_provider()`` / ``set_meter_provider()`` picks the new ones
up. With ``propagate_trace=True`` the span path always runs, since a non-recording span
still carries an incoming trace context to ``traceparent``. Figures:
``python -m benchmarks.bench_telemetry``.
"""

from __future__ import annotations

import contextvars
import importlib
import importlib.util
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import httpx

    from ._endpoints import Endpoint

_SCOPE = "xi_orders"
#: Seconds buckets (OpenTelemetry's advice for HTTP durations).
_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0]

#: The module namespace once looked for: None when OpenTelemetry is not installed.
_api: _Api | None = None
_looked = False

#: The operation whose span is current in this task (a create's own sends reuse it).
_current: contextvars.ContextVar[Op | None] = contextvars.ContextVar(
    "xi_orders_operation", default=None
)


def available() -> bool:
    """Whether ``opentelemetry-api`` is installed (without importing it)."""
    try:
        return importlib.util.find_spec("opentelemetry.trace") is not None
    except (ImportError, ValueError):  # no "opentelemetry" package, or an odd import hook
        return False


class _Api:
    """The OpenTelemetry API pieces used here, imported once."""

    def __init__(self) -> None:
        from opentelemetry import context, metrics, propagate, trace
        from opentelemetry.trace import SpanKind, Status, StatusCode

        self.context = context
        self.metrics = metrics
        self.propagate = propagate
        self.trace = trace
        self.CLIENT = SpanKind.CLIENT
        self.INTERNAL = SpanKind.INTERNAL
        self.Status = Status
        self.ERROR = StatusCode.ERROR
        from opentelemetry.metrics import NoOpMeterProvider
        from opentelemetry.trace import NoOpTracerProvider

        self.noop_providers = (NoOpTracerProvider, NoOpMeterProvider)
        # An OTEL_PYTHON_TRACER_PROVIDER / OTEL_PYTHON_METER_PROVIDER environment variable
        # installs its provider at the first get: done now, the globals below hold it.
        trace.get_tracer_provider()
        metrics.get_meter_provider()
        # The public getters look up os.environ on each call: too much for every call, so
        # the globals they return are read directly. An API version without
        # them leaves ``watchable`` False: the span path then always runs, as before.
        self.metrics_globals: Any = importlib.import_module("opentelemetry.metrics._internal")
        self.watchable = hasattr(trace, "_TRACER_PROVIDER") and hasattr(
            self.metrics_globals, "_METER_PROVIDER"
        )

    def global_providers(self) -> tuple[Any, Any]:
        """The providers given to ``set_tracer_provider`` / ``set_meter_provider`` so
        far (None: not set)."""
        return self.trace._TRACER_PROVIDER, self.metrics_globals._METER_PROVIDER


def _load() -> _Api | None:
    global _api, _looked
    if not _looked:
        _looked = True
        try:
            _api = _Api()
        except ImportError:
            _api = None
    return _api


def error_type(exc: BaseException) -> str:
    """``error.type`` for an exception: ``xi_orders.NotFoundError``, ``httpx.ReadTimeout``."""
    cls = type(exc)
    module = cls.__module__
    if module.startswith("xi_orders"):
        module = "xi_orders"
    elif module.startswith("httpx"):
        module = "httpx"
    return f"{module}.{cls.__qualname__}"


class _Instruments:
    def __init__(self, api: _Api, tracer_provider: Any, meter_provider: Any) -> None:
        from ._version import __version__

        self.api = api
        tp = tracer_provider or api.trace.get_tracer_provider()
        mp = meter_provider or api.metrics.get_meter_provider()
        self.tracer = tp.get_tracer(_SCOPE, __version__)
        meter = mp.get_meter(_SCOPE, __version__)
        self.duration = _histogram(
            meter, "http.client.request.duration", "Duration of HTTP client requests."
        )
        self.op_duration = _histogram(
            meter, "xi_orders.operation.duration", "Duration of operations, retries included."
        )
        self.wait = _histogram(
            meter, "xi_orders.ratelimit.wait", "Time waited in the client's rate limiter."
        )
        self.rate_limited = meter.create_counter(
            "xi_orders.rate_limited", unit="{response}", description="429 answers."
        )
        self.tokens = meter.create_counter(
            "xi_orders.token.requests", unit="{request}", description="Access token requests."
        )
        self.bulk = meter.create_counter(
            "xi_orders.bulk.lookups", unit="{order}", description="Bulk lookup results."
        )


def _histogram(meter: Any, name: str, description: str) -> Any:
    try:  # the bucket advice exists from opentelemetry-api 1.23
        return meter.create_histogram(
            name, unit="s", description=description, explicit_bucket_boundaries_advisory=_BUCKETS
        )
    except TypeError:  # pragma: no cover - older API
        return meter.create_histogram(name, unit="s", description=description)


class Telemetry:
    """One client's tracing and metrics (resolved at its first operation)."""

    def __init__(
        self,
        *,
        tracer_provider: Any = None,
        meter_provider: Any = None,
        propagate: bool = False,
    ) -> None:
        self._tracer_provider = tracer_provider
        self._meter_provider = meter_provider
        self.propagate = propagate
        #: True once resolved for good: no OpenTelemetry, or providers that cannot change.
        self._resolved = False
        self._inst: _Instruments | None = None
        #: Following the global providers: the API, and the providers last seen there.
        self._watched: _Api | None = None
        self._seen: tuple[Any, Any] = (None, None)

    @classmethod
    def check(cls, tracer_provider: Any, meter_provider: Any, propagate: bool) -> Telemetry:
        """Settings that need OpenTelemetry raise ``ValidationError`` without it, rather
        than doing nothing."""
        asked = {
            "tracer_provider": tracer_provider is not None,
            "meter_provider": meter_provider is not None,
            "propagate_trace": propagate,
        }
        for name, given in asked.items():
            if given and not available():
                from .errors import ValidationError

                raise ValidationError(name, "needs OpenTelemetry: pip install 'xi-orders[otel]'")
        for name, value, method in (
            ("tracer_provider", tracer_provider, "get_tracer"),
            ("meter_provider", meter_provider, "get_meter"),
        ):
            if value is not None and not callable(getattr(value, method, None)):
                from .errors import ValidationError

                raise ValidationError(name, f"must have a {method}() method, got {value!r}")
        return cls(
            tracer_provider=tracer_provider, meter_provider=meter_provider, propagate=propagate
        )

    def _resolve(self) -> _Instruments | None:
        """The instruments, looked for at the first operation (and again whenever the
        global providers followed here change)."""
        api = self._watched
        if api is None:
            api = _load()
            if api is None:
                self._resolved = True
                return None
            follows = self._tracer_provider is None and self._meter_provider is None
            if not (follows and api.watchable and not self.propagate):
                # Given providers (or an API we cannot watch): fixed for good; a global
                # provider set later still applies through the API's proxies.
                self._resolved = True
                self._inst = _Instruments(api, self._tracer_provider, self._meter_provider)
                return self._inst
            self._watched = api
        tracer_provider, meter_provider = seen = api.global_providers()
        live = any(p is not None and not isinstance(p, api.noop_providers) for p in seen)
        # ``_inst`` before ``_seen``: a thread that sees the new providers sees their
        # instruments.
        self._inst = _Instruments(api, tracer_provider, meter_provider) if live else None
        self._seen = seen
        return self._inst

    def instruments(self) -> _Instruments | None:
        """The instruments to record with now (None: nothing to record)."""
        if self._resolved:
            return self._inst
        api = self._watched
        if api is not None:
            seen = self._seen
            if (
                api.trace._TRACER_PROVIDER is seen[0]
                and api.metrics_globals._METER_PROVIDER is seen[1]
            ):
                return self._inst
        return self._resolve()

    def begin(self, name: str) -> Op | None:
        """The operation ``name`` starts (None when there is nothing to record: no
        OpenTelemetry, or no SDK provider). When the current operation is already ``name``
        (a create's own sends under its create span), it is that one, entered once more."""
        inst = self._inst if self._resolved else self.instruments()
        if inst is None:
            return None
        current = _current.get()
        if current is not None and current.name == name and current.inst is inst:
            current.depth += 1
            return current
        return Op(inst, name, self.propagate)

    async def token_request(
        self,
        send: Callable[[httpx.Request], Awaitable[httpx.Response]],
        request: httpx.Request,
    ) -> httpx.Response:
        """``send(request)`` for a token request, as a span and a count."""
        inst = self._inst if self._resolved else self.instruments()
        if inst is None:
            return await send(request)
        api = inst.api
        span = inst.tracer.start_span(
            f"POST {request.url.path}",
            kind=api.CLIENT,
            attributes=_server_attributes(request, "token", request.url.path),
        )
        outcome = "ok"
        try:
            response = await send(request)
        except BaseException as exc:
            outcome = error_type(exc)
            if span.is_recording():
                span.set_attribute("error.type", outcome)
                span.set_status(api.Status(api.ERROR, outcome))
            raise
        else:
            status = response.status_code
            if status != 200:
                outcome = str(status)
            if span.is_recording():
                span.set_attribute("http.response.status_code", status)
                if status >= 400:
                    span.set_attribute("error.type", outcome)
                    span.set_status(api.Status(api.ERROR, outcome))
            return response
        finally:
            span.end()
            inst.tokens.add(1, {"outcome": outcome})

    def bulk_progress(self, callback: Callable[[Any], None] | None) -> Any:
        """``callback`` for a bulk lookup's progress, counting its results as well."""
        inst = self._inst if self._resolved else self.instruments()
        if inst is None:
            return callback
        seen = [0, 0]  # done, failed

        def record(progress: Any) -> None:
            failed = progress.failed - seen[1]
            ok = progress.done - seen[0] - failed
            seen[:] = [progress.done, progress.failed]
            if ok:
                inst.bulk.add(ok, {"outcome": "ok"})
            if failed:
                inst.bulk.add(failed, {"outcome": "error"})
            if callback is not None:
                callback(progress)

        return record


def _server_attributes(request: httpx.Request, endpoint: str, template: str) -> dict[str, Any]:
    url = request.url
    return {
        "http.request.method": request.method,
        "url.template": template,
        "url.scheme": url.scheme,
        "server.address": url.host,
        "server.port": url.port or (443 if url.scheme == "https" else 80),
        "xi_orders.endpoint": endpoint,
    }


class Op:
    """One operation: its span (None when not recording), its attempts, its metrics."""

    __slots__ = (
        "attempts",
        "depth",
        "inst",
        "name",
        "previous",
        "propagate",
        "span",
        "started",
        "token",
        "waited",
    )

    def __init__(self, inst: _Instruments, name: str, propagate: bool) -> None:
        self.inst = inst
        self.name = name
        self.propagate = propagate
        self.depth = 1
        self.waited = 0.0
        self.attempts = 0
        self.started = time.perf_counter()
        api = inst.api
        span = inst.tracer.start_span(
            f"xi_orders.{name}", kind=api.INTERNAL, attributes={"xi_orders.endpoint": name}
        )
        self.span: Any = span if span.is_recording() else None
        self.token: object = api.context.attach(api.trace.set_span_in_context(span))
        self.previous = _current.set(self)

    def set(self, key: str, value: Any) -> None:
        if self.span is not None:
            self.span.set_attribute(key, value)

    def attempt(
        self, endpoint: Endpoint, request: httpx.Request, number: int, waited: float, cid: str
    ) -> Attempt:
        """An HTTP attempt starts: its span, ``traceparent`` if asked for, its metrics."""
        self.attempts += 1
        self.waited += waited
        inst = self.inst
        inst.wait.record(waited, {"xi_orders.endpoint": endpoint.name})
        if self.span is not None and self.attempts == 1:
            self.span.set_attribute("xi_orders.correlation_id", cid)
        template = endpoint.template
        attributes = _server_attributes(request, endpoint.name, template)
        span = None
        if self.span is not None:
            api = inst.api
            extra = {"xi_orders.correlation_id": cid, "xi_orders.ratelimit.wait": waited}
            if number > 1:
                extra["http.request.resend_count"] = number - 1
            span = inst.tracer.start_span(
                f"{request.method} {template}", kind=api.CLIENT, attributes={**attributes, **extra}
            )
            # current while it is sent: a token refresh inside (a 401's replay) nests under it
            context = api.trace.set_span_in_context(span)
            if self.propagate:
                api.propagate.inject(request.headers, context=context)
            return Attempt(self, span, attributes, api.context.attach(context))
        if self.propagate:
            self.inst.api.propagate.inject(request.headers)
        return Attempt(self, None, attributes, None)

    def end(self, exc: BaseException | None = None, result: Any = None) -> None:
        """The operation ends, with ``exc`` (failed) or ``result``."""
        self.depth -= 1
        if self.depth:
            return
        inst = self.inst
        api = inst.api
        _current.reset(self.previous)
        api.context.detach(self.token)
        outcome: dict[str, Any] = {"xi_orders.endpoint": self.name}
        if exc is not None and isinstance(exc, Exception):
            outcome["error.type"] = error_type(exc)
        inst.op_duration.record(time.perf_counter() - self.started, outcome)
        span = self.span
        if span is None:
            return
        span.set_attribute("xi_orders.attempts", self.attempts)
        span.set_attribute("xi_orders.ratelimit.wait", self.waited)
        if "error.type" in outcome:
            assert exc is not None
            span.set_attribute("error.type", outcome["error.type"])
            span.record_exception(exc)
            span.set_status(api.Status(api.ERROR, outcome["error.type"]))
        elif result is not None and self.name.startswith("create_order"):
            span.set_attribute(
                "result.reconciled", getattr(result, "reconciliation", None) is not None
            )
        span.end()


class Attempt:
    __slots__ = ("attributes", "op", "span", "started", "token")

    def __init__(self, op: Op, span: Any, attributes: dict[str, Any], token: object) -> None:
        self.op = op
        self.span = span
        self.token = token
        self.attributes = attributes
        self.started = time.perf_counter()

    def done(
        self,
        status: int | None,
        exc: BaseException | None = None,
        replayed: bool = False,
    ) -> None:
        """The attempt ended with ``status``, or the exception ``exc``; ``replayed``: a
        401 was answered by a fresh token and one replay inside it."""
        inst = self.op.inst
        attributes = dict(self.attributes)
        kind = None
        if status is not None:
            attributes["http.response.status_code"] = status
            if status >= 400:
                kind = str(status)
            if status == 429:
                inst.rate_limited.add(1, {"xi_orders.endpoint": attributes["xi_orders.endpoint"]})
        elif exc is not None:
            kind = error_type(exc)
        if kind is not None:
            attributes["error.type"] = kind
        inst.duration.record(time.perf_counter() - self.started, attributes)
        span = self.span
        if span is None:
            return
        inst.api.context.detach(self.token)
        if status is not None:
            span.set_attribute("http.response.status_code", status)
        if replayed:
            span.set_attribute("xi_orders.token_replaced", True)
        if kind is not None:
            api = inst.api
            span.set_attribute("error.type", kind)
            span.set_status(api.Status(api.ERROR, kind))
        span.end()


T = TypeVar("T")


async def traced(op: Op | None, call: Awaitable[T]) -> T:
    """``await call``, ending ``op`` with its outcome."""
    if op is None:
        return await call
    try:
        result = await call
    except BaseException as exc:
        op.end(exc)
        raise
    op.end(None, result)
    return result
