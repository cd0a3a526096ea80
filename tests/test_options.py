"""Per-call control (issue 16): ``with_options`` views, ``timeout=`` / ``extra_headers=`` on
every operation, raw responses, and httpx-style construction settings."""

from __future__ import annotations

import http.server
import json
import shutil
import socketserver
import ssl
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

from tests.conftest import BASE, FakeClock, make_client
from xi_orders import (
    APITimeoutError,
    InternalServerError,
    OrdersClient,
    RateLimit,
    RawResponse,
    ResponseDecodeError,
    RetryPolicy,
    ValidationError,
    XiError,
)
from xi_orders.testing import Faults, Sandbox

pytestmark = pytest.mark.anyio

ORDER_PATH = "/resellers/v6.1/orders/20-RD3QV"
DETAIL = {"ingramOrderNumber": "20-RD3QV", "lines": []}


class _Accepts:
    """Counts the TCP connections the served sandbox accepts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count: Counter[int] = Counter()
        verify = socketserver.BaseServer.verify_request

        def counting(server: socketserver.BaseServer, request: Any, address: Any) -> bool:
            self.count[int(server.server_address[1])] += 1  # type: ignore[index]
            return bool(verify(server, request, address))

        monkeypatch.setattr(socketserver.BaseServer, "verify_request", counting)


async def test_a_view_shares_pool_token_and_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    accepts = _Accepts(monkeypatch)
    sandbox = Sandbox(seed=2, orders=4)
    numbers = sandbox.order_numbers()
    with sandbox.serve() as url:
        port = int(url.rsplit(":", 1)[1])
        async with AsyncOrdersClient_(sandbox, url) as client:
            await client.get_order(numbers[0])
            opened = accepts.count[port]
            view = client.with_options(timeout=20, headers={"X-Source": "view"})
            nested = view.with_options(retry=RetryPolicy.disabled())
            for number in numbers:
                await view.get_order(number)
                await nested.get_order(number)
            assert view._session.http is client._session.http and nested._session.http is client._session.http
            assert client.token_requests == view.token_requests == 1
            assert sandbox.counters.tokens_issued == 1
            # sequential calls on a kept-alive pool: the views opened no connection
            assert accepts.count[port] == opened
        assert view.closed and nested.closed


def AsyncOrdersClient_(sandbox: Sandbox, url: str, **settings: Any) -> Any:
    return sandbox.client(base_url=url, transport=None, **settings)


async def test_a_view_shares_the_rate_budget(clock: FakeClock) -> None:
    sandbox = Sandbox(seed=2, orders=4)
    number = sandbox.order_numbers()[0]
    async with sandbox.client(rate_limit=RateLimit(2, per=60.0)) as client:
        await client.get_order(number)
        await client.get_order(number)
        assert clock.sleeps == []
        await client.with_options(timeout=5).get_order(number)  # the third in the window
        assert clock.sleeps and sum(clock.sleeps) >= 50, clock.sleeps


async def test_view_and_call_options_reach_the_request(api: respx.MockRouter) -> None:
    route = api.get(ORDER_PATH).respond(200, json=DETAIL)
    async with make_client(default_headers={"X-App": "shop"}) as client:
        view = client.with_options(timeout=7, headers={"X-View": "v", "IM-CountryCode": "CA"})
        await view.get_order(
            "20-RD3QV", timeout=httpx.Timeout(3.0, connect=1.0), extra_headers={"X-Call": "c"}
        )
        request = route.calls.last.request
        assert request.headers["X-App"] == "shop"
        assert request.headers["X-View"] == "v" and request.headers["X-Call"] == "c"
        assert request.headers["IM-CountryCode"] == "CA"
        assert request.extensions["timeout"] == httpx.Timeout(3.0, connect=1.0).as_dict()
        await view.get_order("20-RD3QV")
        assert route.calls.last.request.extensions["timeout"] == httpx.Timeout(7).as_dict()
        assert "X-Call" not in route.calls.last.request.headers
        await client.get_order("20-RD3QV")  # the client itself is unchanged
        plain = route.calls.last.request
        assert plain.headers["IM-CountryCode"] == "US" and "X-View" not in plain.headers
        assert plain.extensions["timeout"] == httpx.Timeout(30.0, connect=10.0).as_dict()


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        ({"Authorization": "Bearer x"}, "extra_headers['Authorization']"),
        ({"im-correlationid": "abc"}, "extra_headers['im-correlationid']"),
        ({"Content-Type": "text/plain"}, "extra_headers['Content-Type']"),
        ({"IM-CountryCode": "USA"}, "extra_headers['IM-CountryCode']"),
        ({"X-Bad": "line\nbreak"}, "extra_headers['X-Bad']"),
        ({"Bad Name": "x"}, "extra_headers"),
    ],
)
async def test_bad_extra_headers_are_refused_before_sending(
    api: respx.MockRouter, headers: dict[str, str], field: str
) -> None:
    route = api.get(ORDER_PATH).respond(200, json=DETAIL)
    async with make_client() as client:
        with pytest.raises(ValidationError) as caught:
            await client.get_order("20-RD3QV", extra_headers=headers)
        assert caught.value.field == field
        assert not route.called
        with pytest.raises(ValidationError):
            client.with_options(headers=headers)
    with pytest.raises(ValidationError):
        make_client(default_headers=headers)


async def test_a_view_retry_policy_applies(api: respx.MockRouter) -> None:
    route = api.get(ORDER_PATH).respond(503, json={"message": "busy"})
    async with make_client() as client:
        with pytest.raises(InternalServerError):
            await client.with_options(retry=RetryPolicy.disabled()).get_order("20-RD3QV")
        assert route.call_count == 1
        with pytest.raises(InternalServerError):
            await client.get_order("20-RD3QV")
        assert route.call_count == 1 + 4  # the client's own policy: 4 attempts


async def test_bad_view_options_are_refused() -> None:
    client = make_client()
    with pytest.raises(ValidationError) as caught:
        client.with_options(timeout=-1)
    assert caught.value.field == "timeout"
    with pytest.raises(ValidationError):
        client.with_options(retry=3)  # type: ignore[arg-type]


@pytest.mark.parametrize("transport", ["auto", "httpcore"])
async def test_a_per_call_timeout_is_honoured_over_a_real_socket(
    anyio_backend: str, transport: str
) -> None:
    """The sandbox's ``slow`` fault holds get_order's answer 2 s; a 0.3 s timeout for one
    call ends it early, over the default transport (aiohttp's under asyncio when installed)."""
    from xi_orders import _transport

    sandbox = Sandbox(
        seed=2, orders=3, faults=Faults(slow=1.0, slow_seconds=2.0, endpoints={"get_order"})
    )
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url:
        async with sandbox.client(
            base_url=url,
            transport=None if transport == "auto" else _transport.new_transport(transport),
            retry=RetryPolicy.disabled(),
        ) as client:
            started = time.monotonic()
            with pytest.raises(APITimeoutError):
                await client.get_order(number, timeout=0.3)
            assert time.monotonic() - started < 1.5
            started = time.monotonic()
            with pytest.raises(APITimeoutError):
                await client.with_options(timeout=0.3).get_order(number)
            assert time.monotonic() - started < 1.5
            # without it, the client's 30 s timeout lets the slow answer arrive
            started = time.monotonic()
            order = await client.get_order(number)
            assert order.ingram_order_number == number
            assert time.monotonic() - started >= 1.9


async def test_a_per_call_timeout_applies_with_a_shared_http_client(
    api: respx.MockRouter,
) -> None:
    route = api.get(ORDER_PATH).respond(200, json=DETAIL)
    async with (
        httpx.AsyncClient(timeout=60) as shared,
        make_client(http_client=shared) as client,
    ):
        await client.get_order("20-RD3QV", timeout=2.5)
        assert route.calls.last.request.extensions["timeout"] == httpx.Timeout(2.5).as_dict()
        await client.get_order("20-RD3QV")  # the shared client's own timeout
        assert route.calls.last.request.extensions["timeout"] == httpx.Timeout(60).as_dict()


async def test_raw_response_gives_the_http_answer_without_a_second_request(
    api: respx.MockRouter,
) -> None:
    route = api.get(ORDER_PATH).respond(200, json=DETAIL, headers={"X-RateLimit-Remaining": "41"})
    async with make_client() as client:
        raw = await client.with_raw_response.get_order("20-RD3QV", timeout=5)
        assert isinstance(raw, RawResponse)
        assert raw.status_code == 200 and raw.headers["X-RateLimit-Remaining"] == "41"
        assert b"20-RD3QV" in raw.content
        assert raw.http_response.request.url.path == ORDER_PATH
        order = raw.parse()
        assert order.ingram_order_number == "20-RD3QV" and order.response is not None
        assert route.call_count == 1
        api.delete("/resellers/v6/orders/20-RD3QV").respond(200)
        cancelled = await client.with_raw_response.cancel_order("20-RD3QV")
        assert cancelled.status_code == 200 and cancelled.content == b""
        assert cancelled.parse().status_code == 200  # cancel_order's own result: ResponseMeta
        with pytest.raises(AttributeError):
            client.with_raw_response.search_orders  # noqa: B018 - many requests: not offered


async def test_raw_response_keeps_a_body_that_does_not_decode(api: respx.MockRouter) -> None:
    api.get(ORDER_PATH).respond(200, json=["not", "an", "order"])
    async with make_client() as client:
        raw = await client.with_raw_response.get_order("20-RD3QV")
        assert raw.status_code == 200 and b"not" in raw.content
        with pytest.raises(ResponseDecodeError):
            raw.parse()


class _Recording(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


def test_the_sync_client_has_views_and_raw_responses() -> None:
    sandbox = Sandbox(seed=2, orders=3)
    number = sandbox.order_numbers()[0]
    recording = _Recording(sandbox.transport())
    with OrdersClient.wrap(sandbox.client(transport=recording)) as client:
        view = client.with_options(timeout=9, headers={"X-Sync": "1"})
        assert isinstance(view, OrdersClient)
        assert view.get_order(number).ingram_order_number == number
        raw = view.with_raw_response.get_order(number, extra_headers={"X-Call": "1"})
        assert raw.status_code == 200 and raw.parse().ingram_order_number == number
        assert client.get_order(number, timeout=5).ingram_order_number == number
        assert sandbox.counters.tokens_issued == 1
        assert view.async_client._session.http is client.async_client._session.http
        viewed = recording.requests[-2]
        assert viewed.headers.get("x-sync") == "1" and viewed.headers.get("x-call") == "1"
        assert viewed.extensions["timeout"] == httpx.Timeout(9).as_dict()
        assert "x-sync" not in recording.requests[-1].headers
    assert view.closed


async def test_pool_settings_build_httpx_transport_and_run_event_hooks() -> None:
    seen: list[str] = []

    async def on_request(request: httpx.Request) -> None:
        seen.append(request.url.path)

    client = make_client(
        limits=httpx.Limits(max_connections=3), verify=False, event_hooks={"request": [on_request]}
    )
    transport = client._session.transport
    assert isinstance(transport, httpx.AsyncHTTPTransport)
    assert transport._pool._max_connections == 3
    with respx.mock(using="httpx", base_url=BASE, assert_all_called=False) as router:
        router.post("/oauth/oauth30/token").respond(
            200, json={"access_token": "t", "expires_in": "60"}
        )
        router.get(ORDER_PATH).respond(200, json=DETAIL)
        async with client:
            await client.get_order("20-RD3QV")
    assert seen == ["/oauth/oauth30/token", ORDER_PATH]


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (
            {
                "limits": httpx.Limits(max_connections=2),
                "transport": httpx.MockTransport(lambda r: httpx.Response(200)),
            },
            "limits",
        ),
        ({"proxy": "http://proxy.local:3128", "http_client": "shared"}, "proxy"),
        ({"verify": False, "http_client": "shared"}, "verify"),
        ({"event_hooks": {"request": []}, "http_client": "shared"}, "event_hooks"),
        ({"event_hooks": {"sent": []}}, "event_hooks"),
        ({"limits": 10}, "limits"),
        ({"verify": 1.5}, "verify"),
    ],
)
async def test_pool_settings_are_never_silently_ignored(
    settings: dict[str, Any], field: str
) -> None:
    async with httpx.AsyncClient() as shared:
        if settings.get("http_client") == "shared":
            settings = {**settings, "http_client": shared}
        with pytest.raises(ValidationError) as caught:
            make_client(**settings)
        assert caught.value.field == field


async def test_a_proxy_routes_through_httpx_transport() -> None:
    client = make_client(proxy="http://127.0.0.1:9")
    transport = client._session.transport
    assert isinstance(transport, httpx.AsyncHTTPTransport)
    assert type(transport._pool).__name__ == "AsyncHTTPProxy"
    await client.aclose()


async def test_many_concurrent_calls_on_views_keep_one_token() -> None:
    sandbox = Sandbox(seed=2, orders=8)
    async with sandbox.client() as client:
        async with anyio.create_task_group() as tg:
            for i, number in enumerate(sandbox.order_numbers()):
                target = client.with_options(timeout=10 + i) if i % 2 else client
                tg.start_soon(target.get_order, number)
        assert sandbox.counters.tokens_issued == 1


async def test_get_orders_passes_per_lookup_options_to_every_lookup(
    api: respx.MockRouter,
) -> None:
    numbers = ["20-RD3QV", "20-AAAAA", "20-BBBBB"]
    routes = {
        n: api.get(f"/resellers/v6.1/orders/{n}").respond(
            200, json={**DETAIL, "ingramOrderNumber": n}
        )
        for n in numbers
    }
    async with make_client() as client:
        results = await client.get_orders(
            numbers, timeout=4.5, extra_headers={"X-Batch": "nightly"}
        ).collect()
        assert sorted(results) == sorted(numbers)
        for number, route in routes.items():
            assert route.call_count == 1, number
            request = route.calls.last.request
            assert request.headers["X-Batch"] == "nightly"
            assert request.extensions["timeout"] == httpx.Timeout(4.5).as_dict()
        # the options were the batch's: a later lookup has none of them
        await client.get_order(numbers[0])
        plain = routes[numbers[0]].calls.last.request
        assert "X-Batch" not in plain.headers
        assert plain.extensions["timeout"] == httpx.Timeout(30.0, connect=10.0).as_dict()


async def test_default_headers_apply_with_a_shared_http_client(api: respx.MockRouter) -> None:
    route = api.get(ORDER_PATH).respond(200, json=DETAIL)
    async with (
        httpx.AsyncClient(headers={"X-Shared": "pool", "X-App": "theirs"}) as shared,
        make_client(http_client=shared, default_headers={"X-App": "shop"}) as client,
    ):
        await client.get_order("20-RD3QV")
        request = route.calls.last.request
        assert request.headers["X-App"] == "shop"  # ours, over the shared client's
        assert request.headers["X-Shared"] == "pool"  # the shared client's own still go
        await client.get_order("20-RD3QV", extra_headers={"X-App": "call"})
        assert route.calls.last.request.headers["X-App"] == "call"


async def test_async_response_event_hooks_run() -> None:
    seen: list[tuple[str, int]] = []

    async def on_response(response: httpx.Response) -> None:
        await anyio.lowlevel.checkpoint()  # a real await: the hook is awaited, not just called
        seen.append((response.request.url.path, response.status_code))

    client = make_client(event_hooks={"response": [on_response]})
    with respx.mock(using="httpx", base_url=BASE, assert_all_called=False) as router:
        router.post("/oauth/oauth30/token").respond(
            200, json={"access_token": "t", "expires_in": "60"}
        )
        router.get(ORDER_PATH).mock(
            side_effect=[
                httpx.Response(503, json={"message": "busy"}),
                httpx.Response(200, json=DETAIL),
            ]
        )
        async with client:
            await client.get_order("20-RD3QV")
    # every response, the retried 503 included
    assert seen == [("/oauth/oauth30/token", 200), (ORDER_PATH, 503), (ORDER_PATH, 200)]


# --- verify=, against a local TLS server with a self-signed certificate ------------------


class _Answer(http.server.BaseHTTPRequestHandler):
    def _json(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # the token endpoint
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._json({"access_token": "tls-token", "expires_in": "3600"})

    def do_GET(self) -> None:
        self._json(DETAIL)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, CA file) of an HTTPS server on 127.0.0.1 whose certificate is
    self-signed: no system trust store accepts it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a self-signed certificate")
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    command = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", str(cert)
    finally:
        server.shutdown()
        server.server_close()


async def test_verify_takes_effect_on_a_real_tls_connection(
    tls_server: tuple[str, str],
) -> None:
    url, ca_file = tls_server
    settings: dict[str, Any] = {"base_url": url, "retry": RetryPolicy.disabled()}
    async with make_client(verify=True, **settings) as client:
        with pytest.raises(XiError) as caught:
            await client.get_order("20-RD3QV")
    chain = []
    error: BaseException | None = caught.value
    while error is not None:
        chain.append(repr(error))
        error = error.__cause__ or error.__context__
    assert "CERTIFICATE_VERIFY_FAILED" in " ".join(chain), chain
    async with make_client(verify=False, **settings) as client:
        assert (await client.get_order("20-RD3QV")).ingram_order_number == "20-RD3QV"
    trusting = ssl.create_default_context(cafile=ca_file)
    async with make_client(verify=trusting, **settings) as client:
        assert (await client.get_order("20-RD3QV")).ingram_order_number == "20-RD3QV"
