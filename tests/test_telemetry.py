"""OpenTelemetry (issue 16): spans and metrics, read back through the SDK's in-memory
exporter and reader.

Each test builds its own ``TracerProvider`` / ``MeterProvider`` and passes them to the client
(``tracer_provider=``, ``meter_provider=``): the global provider is never set, so nothing
leaks between tests. The absent-package case runs in a subprocess whose import system
refuses ``opentelemetry``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import attrs
import httpx
import pytest
import respx

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind, StatusCode

from tests.conftest import BASE, SECRET, TOKEN, FakeClock, make_client
from xi_orders import (
    BadRequestError,
    NotFoundError,
    TokenRequestError,
    ValidationError,
    _telemetry,
)
from xi_orders.models import OrderCreateLine, OrderCreateRequest

pytestmark = pytest.mark.anyio

ORDER_PATH = "/resellers/v6.1/orders/20-RD3QV"
TEMPLATE = "/resellers/v6.1/orders/{orderNumber}"
DETAIL = {"ingramOrderNumber": "20-RD3QV", "lines": []}


@attrs.define
class Otel:
    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader
    tracer_provider: TracerProvider
    meter_provider: MeterProvider

    def client(self, **settings: Any) -> Any:
        return make_client(
            tracer_provider=self.tracer_provider, meter_provider=self.meter_provider, **settings
        )

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.spans() if s.name == name]

    def metrics(self) -> dict[str, list[Any]]:
        """{metric name: its data points}."""
        found: dict[str, list[Any]] = {}
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    found.setdefault(metric.name, []).extend(metric.data.data_points)
        return found

    def total(self, name: str, **attributes: Any) -> float:
        """The sum of a counter's (or the count of a histogram's) points with ``attributes``."""
        total = 0.0
        for point in self.metrics().get(name, []):
            if all(point.attributes.get(k) == v for k, v in attributes.items()):
                total += getattr(point, "value", None) or getattr(point, "count", 0)
        return total


@pytest.fixture
def otel() -> Iterator[Otel]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    yield Otel(exporter, reader, tracer_provider, meter_provider)
    tracer_provider.shutdown()
    meter_provider.shutdown()


def _no_secrets(spans: list[ReadableSpan]) -> None:
    """No secret, token or Authorization value in any attribute or event of any span."""
    for span in spans:
        texts = [repr(dict(span.attributes or {}))]
        texts += [repr(dict(event.attributes or {})) for event in span.events]
        texts.append(span.name)
        for text in texts:
            assert SECRET not in text and TOKEN not in text and "Bearer" not in text, text
            assert "client_secret" not in text, text


def _attempts(otel: Otel) -> list[ReadableSpan]:
    return sorted(otel.named(f"GET {TEMPLATE}"), key=lambda s: s.start_time or 0)


async def test_a_success_is_an_operation_span_over_an_http_client_span(
    api: respx.MockRouter, otel: Otel
) -> None:
    api.get(ORDER_PATH).respond(200, json=DETAIL, headers={"IM-CorrelationID": "x"})
    async with otel.client() as client:
        order = await client.get_order("20-RD3QV", correlation_id="cid-success-1")
    assert order.ingram_order_number == "20-RD3QV"
    (op,) = otel.named("xi_orders.get_order")
    (attempt,) = _attempts(otel)
    (token,) = otel.named("POST /oauth/oauth30/token")
    assert op.parent is None and op.kind is SpanKind.INTERNAL
    assert attempt.parent is not None and attempt.parent.span_id == op.context.span_id
    assert attempt.kind is SpanKind.CLIENT and token.kind is SpanKind.CLIENT
    # the token is fetched before the attempt, inside the operation
    assert token.parent is not None and token.parent.span_id == op.context.span_id
    assert attempt.context.trace_id == op.context.trace_id == token.context.trace_id
    a = dict(attempt.attributes or {})
    assert a["http.request.method"] == "GET"
    assert a["url.template"] == TEMPLATE
    assert a["http.response.status_code"] == 200
    assert a["server.address"] == "api.example.test" and a["server.port"] == 443
    assert a["xi_orders.correlation_id"] == "cid-success-1"
    assert a["xi_orders.endpoint"] == "get_order"
    assert "http.request.resend_count" not in a and "error.type" not in a
    assert not any("20-RD3QV" in str(v) for v in a.values()), "no order number: url.template"
    assert "url.full" not in a
    o = dict(op.attributes or {})
    assert o["xi_orders.correlation_id"] == "cid-success-1"
    assert o["xi_orders.attempts"] == 1 and o["xi_orders.ratelimit.wait"] >= 0
    assert op.status.status_code is StatusCode.UNSET
    _no_secrets(otel.spans())
    assert otel.total("http.client.request.duration", **{"http.response.status_code": 200}) == 1
    assert otel.total("xi_orders.operation.duration", **{"xi_orders.endpoint": "get_order"}) == 1
    assert otel.total("xi_orders.token.requests", outcome="ok") == 1
    assert otel.total("xi_orders.ratelimit.wait") == 1
    assert otel.total("xi_orders.rate_limited") == 0


async def test_a_retried_read_has_one_client_span_per_attempt(
    api: respx.MockRouter, otel: Otel
) -> None:
    api.get(ORDER_PATH).mock(
        side_effect=[
            httpx.Response(503, json={"message": "busy"}),
            httpx.Response(200, json=DETAIL),
        ]
    )
    async with otel.client() as client:
        await client.get_order("20-RD3QV")
    (op,) = otel.named("xi_orders.get_order")
    first, second = _attempts(otel)
    assert {first.parent.span_id, second.parent.span_id} == {op.context.span_id}  # type: ignore[union-attr]
    assert first.attributes["http.response.status_code"] == 503  # type: ignore[index]
    assert first.attributes["error.type"] == "503"  # type: ignore[index]
    assert first.status.status_code is StatusCode.ERROR
    assert "http.request.resend_count" not in (first.attributes or {})
    assert second.attributes["http.request.resend_count"] == 1  # type: ignore[index]
    assert second.status.status_code is StatusCode.UNSET
    assert op.attributes["xi_orders.attempts"] == 2  # type: ignore[index]
    # one correlation ID for the call, on every attempt
    cids = {s.attributes["xi_orders.correlation_id"] for s in (op, first, second)}  # type: ignore[index]
    assert len(cids) == 1
    assert op.status.status_code is StatusCode.UNSET
    assert otel.total("http.client.request.duration", **{"error.type": "503"}) == 1
    assert otel.total("http.client.request.duration") == 2


async def test_a_429_is_counted_and_the_limiter_wait_recorded(
    api: respx.MockRouter, otel: Otel, clock: FakeClock
) -> None:
    reset = clock.wall() + 5
    api.get(ORDER_PATH).mock(
        side_effect=[
            httpx.Response(
                429,
                json={"message": "slow down"},
                headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": f"{reset:.0f}"},
            ),
            httpx.Response(200, json=DETAIL),
        ]
    )
    async with otel.client() as client:
        await client.get_order("20-RD3QV")
    first, second = _attempts(otel)
    assert first.attributes["error.type"] == "429"  # type: ignore[index]
    # the 429 closed the endpoint until its reset: the retry waited in the limiter
    assert first.attributes["xi_orders.ratelimit.wait"] == 0  # type: ignore[index]
    assert second.attributes["xi_orders.ratelimit.wait"] > 0  # type: ignore[index]
    (op,) = otel.named("xi_orders.get_order")
    assert (
        op.attributes["xi_orders.ratelimit.wait"] == second.attributes["xi_orders.ratelimit.wait"]
    )  # type: ignore[index]
    assert otel.total("xi_orders.rate_limited", **{"xi_orders.endpoint": "get_order"}) == 1
    waits = otel.metrics()["xi_orders.ratelimit.wait"]
    assert sum(p.count for p in waits) == 2 and sum(p.sum for p in waits) > 0


async def test_a_token_refresh_is_a_span_and_a_count(api: respx.MockRouter, otel: Otel) -> None:
    stale = {"fault": {"faultstring": "Invalid access token"}}
    api.get(ORDER_PATH).mock(
        side_effect=[httpx.Response(401, json=stale), httpx.Response(200, json=DETAIL)]
    )
    async with otel.client() as client:
        await client.get_order("20-RD3QV")
        assert client.token_requests == 2
    tokens = otel.named("POST /oauth/oauth30/token")
    assert len(tokens) == 2
    (attempt,) = _attempts(otel)
    assert attempt.attributes["xi_orders.token_replaced"] is True  # type: ignore[index]
    # the refresh happened inside the attempt (httpx's auth flow): its span is a child
    refresh = max(tokens, key=lambda s: s.start_time or 0)
    assert refresh.parent is not None and refresh.parent.span_id == attempt.context.span_id
    assert otel.total("xi_orders.token.requests", outcome="ok") == 2
    _no_secrets(otel.spans())


async def test_a_failed_token_request_counts_its_status(api: respx.MockRouter, otel: Otel) -> None:
    api.routes["token"].respond(401, json={"message": "Invalid client"})
    async with otel.client() as client:
        with pytest.raises(TokenRequestError):
            await client.get_order("20-RD3QV")
    (token,) = otel.named("POST /oauth/oauth30/token")
    assert token.attributes["error.type"] == "401"  # type: ignore[index]
    assert otel.total("xi_orders.token.requests", outcome="401") == 1
    (op,) = otel.named("xi_orders.get_order")
    assert op.status.status_code is StatusCode.ERROR
    assert op.attributes["error.type"] == "xi_orders.TokenRequestError"  # type: ignore[index]
    _no_secrets(otel.spans())


def _order() -> OrderCreateRequest:
    return OrderCreateRequest(
        customer_order_number="PO-OTEL-1",
        lines=[OrderCreateLine(customer_line_number="1", ingram_part_number="6YE881", quantity=1)],
    )


async def test_a_failed_create_records_the_error_on_its_span(
    api: respx.MockRouter, otel: Otel
) -> None:
    api.post("/resellers/v6/orders").respond(
        400, json={"errors": [{"field": "lines", "message": "bad line"}]}
    )
    async with otel.client() as client:
        with pytest.raises(BadRequestError):
            await client.create_order(_order())
    (op,) = otel.named("xi_orders.create_order")
    (attempt,) = otel.named("POST /resellers/v6/orders")
    assert attempt.parent is not None and attempt.parent.span_id == op.context.span_id
    assert attempt.attributes["error.type"] == "400"  # type: ignore[index]
    assert op.status.status_code is StatusCode.ERROR
    assert op.attributes["error.type"] == "xi_orders.BadRequestError"  # type: ignore[index]
    assert any(e.name == "exception" for e in op.events)
    assert "result.reconciled" not in (op.attributes or {})
    assert (
        otel.total("xi_orders.operation.duration", **{"error.type": "xi_orders.BadRequestError"})
        == 1
    )
    _no_secrets(otel.spans())


async def test_a_reconciled_create_nests_its_lookups_and_says_so(otel: Otel) -> None:
    from xi_orders import ReconcilePolicy, RetryPolicy
    from xi_orders.testing import Sandbox

    sandbox = Sandbox(seed=3, orders=5)
    sandbox.inject("act_then_502", endpoint="create_order")
    parts = sorted(sandbox.catalog)[:1]
    order = OrderCreateRequest(
        customer_order_number="PO-OTEL-REC",
        lines=[OrderCreateLine(customer_line_number="1", ingram_part_number=parts[0], quantity=1)],
    )
    async with sandbox.client(
        tracer_provider=otel.tracer_provider,
        meter_provider=otel.meter_provider,
        reconcile=ReconcilePolicy(window=5.0, first_wait=0.0, max_wait=0.1),
        retry=RetryPolicy(wait_initial=0.0, wait_jitter=0.0),
    ) as client:
        result = await client.create_order(order)
    assert result.reconciled
    (op,) = otel.named("xi_orders.create_order")
    assert op.attributes["result.reconciled"] is True  # type: ignore[index]
    assert op.status.status_code is StatusCode.UNSET
    inner = [
        s for s in otel.spans() if s.parent is not None and s.parent.span_id == op.context.span_id
    ]
    names = {s.name for s in inner}
    assert "POST /resellers/v6/orders" in names  # the create's own attempt, directly under it
    assert "xi_orders.search_orders" in names  # the reconciling search, an operation of its own
    assert "xi_orders.create_order" not in names  # no second create span for its own send


async def test_a_not_found_read_is_an_error_span(api: respx.MockRouter, otel: Otel) -> None:
    api.get(ORDER_PATH).respond(404, json={"message": "not found"})
    async with otel.client() as client:
        with pytest.raises(NotFoundError):
            await client.get_order("20-RD3QV")
    (op,) = otel.named("xi_orders.get_order")
    assert op.attributes["error.type"] == "xi_orders.NotFoundError"  # type: ignore[index]


async def test_bulk_results_are_counted(api: respx.MockRouter, otel: Otel) -> None:
    api.get(ORDER_PATH).respond(200, json=DETAIL)
    api.get("/resellers/v6.1/orders/20-AAAAA").respond(200, json=DETAIL)
    api.get("/resellers/v6.1/orders/20-BBBBB").respond(404, json={"message": "not found"})
    async with otel.client() as client:
        results = await client.get_orders(["20-RD3QV", "20-AAAAA", "20-BBBBB"]).collect()
    assert len(results) == 3
    assert otel.total("xi_orders.bulk.lookups", outcome="ok") == 2
    assert otel.total("xi_orders.bulk.lookups", outcome="error") == 1
    assert len(otel.named("xi_orders.get_order")) == 3


async def test_traceparent_is_sent_only_when_asked(api: respx.MockRouter, otel: Otel) -> None:
    route = api.get(ORDER_PATH).respond(200, json=DETAIL)
    async with otel.client() as client:
        await client.get_order("20-RD3QV")
    assert "traceparent" not in route.calls.last.request.headers
    otel.exporter.clear()
    async with otel.client(propagate_trace=True) as client:
        await client.get_order("20-RD3QV")
    sent = route.calls.last.request.headers["traceparent"]
    (attempt,) = _attempts(otel)
    # W3C: version-traceid-spanid-flags, the attempt span as the parent
    assert sent.split("-")[1] == f"{attempt.context.trace_id:032x}"
    assert sent.split("-")[2] == f"{attempt.context.span_id:016x}"
    assert "traceparent" not in api.routes["token"].calls.last.request.headers


async def test_settings_are_checked(otel: Otel) -> None:
    with pytest.raises(ValidationError) as caught:
        make_client(tracer_provider=object())
    assert caught.value.field == "tracer_provider"
    with pytest.raises(ValidationError):
        make_client(propagate_trace="yes")


def _run(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": root, **env},
        timeout=120,
        check=False,
    )


BLOCK_OTEL = """
import sys
class _Refuse:
    def find_spec(self, name, path=None, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)")
        return None
sys.meta_path.insert(0, _Refuse())
"""


def test_without_opentelemetry_everything_works_and_nothing_is_traced() -> None:
    script = (
        BLOCK_OTEL
        + """
import json, anyio
from xi_orders import ValidationError, _telemetry
from xi_orders.testing import Sandbox
async def main():
    sandbox = Sandbox(seed=1, orders=3)
    async with sandbox.client() as client:
        order = await client.get_order(sandbox.order_numbers()[0])
        bulk = await client.get_orders(sandbox.order_numbers()).collect()
    try:
        sandbox.client(propagate_trace=True)
        refused = False
    except ValidationError as exc:
        refused = exc.field == "propagate_trace"
    print(json.dumps({
        "ok": bool(order.ingram_order_number) and len(bulk) == 3,
        "available": _telemetry.available(),
        "api": _telemetry._api is not None,
        "loaded": sorted(m for m in sys.modules if m.startswith("opentelemetry")),
        "refused": refused,
    }))
anyio.run(main)
"""
    )
    done = _run(script)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out == {"ok": True, "available": False, "api": False, "loaded": [], "refused": True}


def test_import_costs_nothing_and_the_first_call_loads_the_api_only() -> None:
    script = """
import json, sys, anyio
import xi_orders
before = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
from xi_orders.testing import Sandbox
async def main():
    sandbox = Sandbox(seed=1, orders=2)
    async with sandbox.client() as client:
        await client.get_order(sandbox.order_numbers()[0])
anyio.run(main)
after = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
print(json.dumps({"before": before, "sdk": [m for m in after if m.startswith("opentelemetry.sdk")],
                  "api": "opentelemetry.trace" in after}))
"""
    done = _run(script)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"before": [], "sdk": [], "api": True}


async def test_spans_follow_the_base_url(otel: Otel) -> None:
    """``server.address`` is the API host (here BASE), never a URL with a query."""
    with respx.mock(using="httpx", base_url=BASE, assert_all_called=False) as router:
        router.post("/oauth/oauth30/token").respond(
            200, json={"access_token": TOKEN, "expires_in": "3600"}
        )
        router.get("/resellers/v6/orders/search").respond(
            200, json={"recordsFound": 0, "pageSize": 25, "pageNumber": 1, "orders": []}
        )
        async with otel.client() as client:
            await client.search_orders(customer_order_number="PO-SECRET-QUERY").collect()
    (op,) = otel.named("xi_orders.search_orders")
    (attempt,) = otel.named("GET /resellers/v6/orders/search")
    assert attempt.attributes["url.template"] == "/resellers/v6/orders/search"  # type: ignore[index]
    assert not any("PO-SECRET-QUERY" in str(v) for v in (attempt.attributes or {}).values())
    assert op.parent is None


# --- the API installed, no SDK provider: no telemetry work, until a provider is set ----


@pytest.fixture
def unset_globals(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API's global providers as in a process that never set one (they can be set
    once a process): fresh, and put back after the test."""
    from opentelemetry import trace
    from opentelemetry.metrics import _internal as metrics_internal
    from opentelemetry.util._once import Once

    monkeypatch.delenv("OTEL_PYTHON_TRACER_PROVIDER", raising=False)
    monkeypatch.delenv("OTEL_PYTHON_METER_PROVIDER", raising=False)
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", None)
    monkeypatch.setattr(trace, "_TRACER_PROVIDER_SET_ONCE", Once())
    monkeypatch.setattr(trace, "_PROXY_TRACER_PROVIDER", trace.ProxyTracerProvider())
    monkeypatch.setattr(metrics_internal, "_METER_PROVIDER", None)
    monkeypatch.setattr(metrics_internal, "_METER_PROVIDER_SET_ONCE", Once())
    # set_meter_provider hands the provider to this proxy: a fresh one, not the process's
    monkeypatch.setattr(
        metrics_internal, "_PROXY_METER_PROVIDER", metrics_internal._ProxyMeterProvider()
    )


def _refuse_instruments(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> None:
        raise AssertionError("instruments built with no SDK provider set")

    monkeypatch.setattr(_telemetry, "_Instruments", refuse)


async def test_without_an_sdk_provider_calls_do_no_span_or_metric_work(
    api: respx.MockRouter, unset_globals: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.get(ORDER_PATH).respond(200, json=DETAIL)
    api.get("/resellers/v6.1/orders/20-AAAAA").respond(200, json=DETAIL)
    with monkeypatch.context() as patched:
        _refuse_instruments(patched)
        async with make_client() as client:
            await client.get_order("20-RD3QV")  # a token request, then the lookup
            await client.get_orders(["20-RD3QV", "20-AAAAA"]).collect()
            assert client._session.telemetry.begin("get_order") is None
    assert _telemetry._api is not None  # the API is installed and was looked at


async def test_a_global_provider_set_after_the_first_call_applies_to_the_next(
    api: respx.MockRouter, unset_globals: None
) -> None:
    from opentelemetry import metrics, trace

    api.get(ORDER_PATH).respond(200, json=DETAIL)
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    otel = Otel(exporter, reader, tracer_provider, meter_provider)
    try:
        async with make_client() as client:
            await client.get_order("20-RD3QV")
            trace.set_tracer_provider(tracer_provider)
            await client.get_order("20-RD3QV")
            (op,) = otel.named("xi_orders.get_order")
            (attempt,) = _attempts(otel)
            assert attempt.parent is not None and attempt.parent.span_id == op.context.span_id
            assert otel.total("http.client.request.duration") == 0  # no meter provider yet
            metrics.set_meter_provider(meter_provider)
            await client.get_order("20-RD3QV")
        assert len(otel.named("xi_orders.get_order")) == 2
        assert otel.total("http.client.request.duration") == 1
        assert (
            otel.total("xi_orders.operation.duration", **{"xi_orders.endpoint": "get_order"}) == 1
        )
    finally:
        tracer_provider.shutdown()
        meter_provider.shutdown()


async def test_the_api_no_op_providers_set_globally_count_as_none(
    api: respx.MockRouter, unset_globals: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentelemetry import metrics, trace

    api.get(ORDER_PATH).respond(200, json=DETAIL)
    trace.set_tracer_provider(trace.NoOpTracerProvider())
    metrics.set_meter_provider(metrics.NoOpMeterProvider())
    _refuse_instruments(monkeypatch)
    async with make_client() as client:
        await client.get_order("20-RD3QV")


async def test_propagation_without_an_sdk_still_forwards_the_incoming_trace(
    api: respx.MockRouter, unset_globals: None
) -> None:
    """With ``propagate_trace=True`` and no SDK, a trace context the service received (and
    attached) still goes out as ``traceparent``: the span path runs for it."""
    from opentelemetry import context, trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

    route = api.get(ORDER_PATH).respond(200, json=DETAIL)
    incoming = SpanContext(
        trace_id=0x0AF7651916CD43DD8448EB211C80319C,
        span_id=0xB7AD6B7169203331,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    token = context.attach(trace.set_span_in_context(NonRecordingSpan(incoming)))
    try:
        async with make_client(propagate_trace=True) as client:
            await client.get_order("20-RD3QV")
    finally:
        context.detach(token)
    sent = route.calls.last.request.headers["traceparent"]
    assert sent == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
