"""The direct path (``xi_orders._http.direct_exchange``): on our own transports (aiohttp's,
and the httpcore shards used under trio) a call goes out as plain values, without httpx's
request and response objects. It must send exactly what httpx would send and read every
answer alike, over a real socket.

A small recording HTTP server stands in for the API here, so each test can see the raw
request line and headers, and answer with gzip-encoded bodies (which the sandbox never
sends, and the real API may).
"""

from __future__ import annotations

import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from xi_orders import AsyncOrdersClient, RetryPolicy, _http
from xi_orders.errors import NotFoundError
from xi_orders.testing import FakeClock, Sandbox

pytestmark = pytest.mark.anyio
assert _http.aiohttp_available(), "the aiohttp extra is part of the test install"

TOKEN = "tok-direct-0001"
ORDER = {"ingramOrderNumber": "20-AAAAA", "orderStatus": "Shipped", "lines": []}


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["aiohttp", "httpcore"])
def kind(request: pytest.FixtureRequest) -> str:
    """Our transport under test (aiohttp under trio is deselected: tests/conftest.py)."""
    return str(request.param)


class _Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, list[tuple[str, str]]]]

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, payload: Any, *, gzipped: bool = False) -> None:
        body = json.dumps(payload).encode()
        extra = {}
        if gzipped:
            body = gzip.compress(body)
            extra["Content-Encoding"] = "gzip"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("IM-CorrelationID", self.headers.get("IM-CorrelationID", ""))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        type(self).seen.append((self.command, self.path, list(self.headers.items())))
        if self.path.startswith("/oauth/"):
            self._answer(200, {"access_token": TOKEN, "expires_in": "86399"})
        elif self.path.endswith("/20-AAAAA"):
            self._answer(200, ORDER)
        elif self.path.endswith("/20-GZIPD"):
            self._answer(200, {**ORDER, "ingramOrderNumber": "20-GZIPD"}, gzipped=True)
        elif self.path.endswith("/20-MISSG"):
            errors = {"errors": [{"message": "Order not found in gzip", "type": "NotFound"}]}
            self._answer(404, errors, gzipped=True)
        elif self.command == "POST" and self.path.endswith("/v6/orders"):
            self._answer(201, {"customerOrderNumber": "PO-1", "orders": []})
        elif self.command in ("PUT", "DELETE"):
            self.send_response(204 if self.command == "DELETE" else 200)
            body = b"" if self.command == "DELETE" else b"null"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif "/orders/search" in self.path:
            page = {"recordsFound": 1, "pageSize": 25, "pageNumber": 1, "orders": [ORDER]}
            self._answer(200, page)
        else:
            self._answer(404, {"errors": [{"message": "no route"}]})

    do_GET = do_POST = do_PUT = do_DELETE = _handle


@pytest.fixture
def recorder() -> Iterator[tuple[str, type[_Recorder]]]:
    handler = type("Recorder", (_Recorder,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def _client(url: str, kind: str, *, via_httpx: bool = False, **overrides: Any) -> AsyncOrdersClient:
    settings: dict[str, Any] = {
        "transport": _http.new_transport(kind),
        "client_id": "id",
        "client_secret": "secret",
        "customer_number": "20-222222",
        "country_code": "US",
        "base_url": url,
        "rate_limit": None,
        "retry": RetryPolicy(attempts=2, wait_initial=0.0, wait_jitter=0.0),
        "reconcile": False,
    }
    if via_httpx:  # an event hook needs httpx's objects: the usual path
        settings["event_hooks"] = {"request": [_noop]}
    settings.update(overrides)
    return AsyncOrdersClient(**settings)


async def _noop(request: httpx.Request) -> None:
    """Changes nothing; its presence keeps calls on httpx's objects."""


@pytest.fixture
def direct_calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each send went the direct way (``True``) or through httpx (``False``)."""
    calls: list[bool] = []
    real = _http.direct_exchange

    def counting(http: httpx.AsyncClient) -> Any:
        found = real(http)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(_http, "direct_exchange", counting)
    return calls


def _request_view(seen: tuple[str, str, list[tuple[str, str]]]) -> tuple[str, str, list[Any]]:
    method, path, headers = seen
    # The correlation ID differs per call by design; everything else must be identical.
    kept = sorted((k.lower(), v) for k, v in headers if k.lower() != "im-correlationid")
    return method, path, kept


async def test_both_paths_send_the_same_request_and_read_the_same_answer(
    recorder: tuple[str, type[_Recorder]], direct_calls: list[bool], kind: str
) -> None:
    url, handler = recorder
    results = {}
    for via_httpx in (False, True):
        async with _client(url, kind, via_httpx=via_httpx) as client:
            detail = await client.get_order("20-AAAAA")
            page = (
                await client.search_orders(
                    customer_order_number="PO 1/ä", order_statuses=["SHIPPED", "OPEN"]
                )
                .pages()
                .__anext__()
            )
        results[via_httpx] = (detail, page)
    # the default client went direct, the hooked one did not
    assert direct_calls[:2] == [True, True] and not any(direct_calls[2:])
    token, get_direct, search_direct, token2, get_httpx, search_httpx = handler.seen
    assert token[:2] == token2[:2] == ("POST", "/oauth/oauth30/token")
    assert _request_view(get_direct) == _request_view(get_httpx)
    assert _request_view(search_direct) == _request_view(search_httpx)
    assert "%C3%A4" in search_direct[1] and "orderStatus-in=" in search_direct[1]
    assert dict(get_direct[2])["Authorization"] == f"Bearer {TOKEN}"
    direct_meta, httpx_meta = results[False][0].response, results[True][0].response
    assert direct_meta is not None and httpx_meta is not None
    assert direct_meta.url == httpx_meta.url == f"{url}/resellers/v6.1/orders/20-AAAAA"
    assert direct_meta.status_code == httpx_meta.status_code == 200
    assert direct_meta.method == "GET" and direct_meta.attempts == 1
    drop = {"date", "im-correlationid"}
    assert [(k, v) for k, v in direct_meta.headers.items() if k not in drop] == [
        (k, v) for k, v in httpx_meta.headers.items() if k not in drop
    ]
    assert results[False][0] == results[True][0]


@pytest.mark.parametrize("via_httpx", [False, True], ids=["direct", "httpx"])
async def test_gzip_answers_decode_on_both_paths(
    recorder: tuple[str, type[_Recorder]], direct_calls: list[bool], via_httpx: bool, kind: str
) -> None:
    url, _ = recorder
    async with _client(url, kind, via_httpx=via_httpx) as client:
        detail = await client.get_order("20-GZIPD")
        with pytest.raises(NotFoundError) as caught:
            await client.get_order("20-MISSG")
    assert detail.ingram_order_number == "20-GZIPD"
    assert "Order not found in gzip" in str(caught.value)
    assert caught.value.status_code == 404
    assert direct_calls and all(direct_calls) is (not via_httpx)


async def test_a_revoked_token_is_replaced_and_the_call_replayed_once(
    direct_calls: list[bool], kind: str
) -> None:
    sandbox = Sandbox(seed=3, orders=5, clock=FakeClock())
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url:
        async with _client(
            url,
            kind,
            client_id=sandbox.client_id,
            client_secret=sandbox.client_secret,
            customer_number=sandbox.customer_number,
            country_code=sandbox.country_code,
        ) as client:
            await client.get_order(number)
            sandbox.revoke_tokens()
            sandbox.reset_counters()
            detail = await client.get_order(number)
    assert all(direct_calls)
    assert detail.response is not None and detail.response.attempts == 2
    assert sandbox.counters.tokens_issued == 1
    assert sandbox.counters.responses[("get_order", 401)] == 1
    assert sandbox.counters.responses[("get_order", 200)] == 1


async def test_the_direct_path_gives_way_to_whatever_needs_httpx(
    recorder: tuple[str, type[_Recorder]], kind: str
) -> None:
    url, _ = recorder
    http = _http.new_client(transport=_http.new_transport(kind), timeout=5.0)
    try:
        # our own client on our own transport: direct
        assert _http.direct_exchange(http) is not None
        http.cookies.set("session", "1")  # cookies must be sent: httpx's path
        assert _http.direct_exchange(http) is None
    finally:
        await http.aclose()
    for other in (
        httpx.AsyncClient(),  # a caller's own client
        _http.new_client(transport=_http.new_transport("httpx"), timeout=5.0),
        _http.new_client(transport=httpx.MockTransport(lambda r: httpx.Response(200)), timeout=1),
    ):
        assert _http.direct_exchange(other) is None
        await other.aclose()
    async with _client(url, kind) as client:
        raw = await client.with_raw_response.get_order("20-AAAAA")  # wants the httpx.Response
        assert isinstance(raw.http_response, httpx.Response)


async def test_both_paths_send_the_same_changes(
    recorder: tuple[str, type[_Recorder]], direct_calls: list[bool], kind: str
) -> None:
    # POST with a body, PUT without one, DELETE: the same request line and headers.
    from xi_orders.models import OrderCreateLine, OrderCreateRequest

    url, handler = recorder
    order = OrderCreateRequest(
        customer_order_number="PO-1",
        lines=[OrderCreateLine(customer_line_number="1", ingram_part_number="ABC123", quantity=1)],
    )
    for via_httpx in (False, True):
        async with _client(url, kind, via_httpx=via_httpx) as client:
            await client.create_order(order)
            await client.release_order("20-AAAAA")
            await client.cancel_order("20-AAAAA")
    assert direct_calls[:3] == [True, True, True] and not any(direct_calls[3:])
    sent = [seen for seen in handler.seen if not seen[1].startswith("/oauth/")]
    assert len(sent) == 6
    for direct, via_httpx in zip(sent[:3], sent[3:], strict=True):
        assert _request_view(direct) == _request_view(via_httpx), direct[0]
