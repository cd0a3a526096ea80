"""The sandbox over a real socket: ``serve()``, the CLI, webhook delivery to a URL."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from xi_orders.testing import FakeClock, Sandbox
from xi_orders.testing.__main__ import build_parser


def _token(http: httpx.Client, sandbox: Sandbox) -> str:
    r = http.post(
        "/oauth/oauth30/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
        },
    )
    assert r.status_code == 200
    return str(r.json()["access_token"])


def test_serve_speaks_http_on_localhost() -> None:
    sandbox = Sandbox(seed=4, orders=30, clock=FakeClock())
    with sandbox.serve() as url:
        assert url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=url) as http:
            token = _token(http, sandbox)
            headers = {**sandbox.headers(token), "IM-SenderID": "curl-like"}
            number = sandbox.order_numbers()[0]
            r = http.get(f"/resellers/v6.1/orders/{number.replace('-', '%2D')}", headers=headers)
            assert r.status_code == 200 and r.json() == sandbox.order(number)
            assert r.headers["IM-CorrelationID"] == "sandbox-test-0001"
            assert r.headers["IM-SenderID"] == "curl-like"
            r = http.get(
                "/resellers/v6/orders/search",
                params={"customerOrderNumber": "NONE"},
                headers=headers,
            )
            assert r.status_code == 204 and r.content == b""
            r = http.get("/resellers/v6/orders/search", params={"pageSize": "10"}, headers=headers)
            assert r.json()["pageSize"] == "10" and len(r.json()["orders"]) == 10
            # a streamed (chunked) request body
            part = next(iter(sandbox.catalog))
            payload = json.dumps(
                {
                    "customerOrderNumber": "SOCKET-1",
                    "lines": [{"customerLineNumber": "1", "ingramPartNumber": part, "quantity": 1}],
                }
            ).encode()
            r = http.post(
                "/resellers/v6/orders",
                content=iter([payload[:10], payload[10:]]),
                headers={**headers, "Content-Type": "application/json"},
            )
            assert r.status_code == 201, r.text
            assert http.get("/nowhere", headers=headers).status_code == 404
            r = http.patch("/resellers/v6/orders/20-AAAAA", headers=headers)
            assert r.status_code == 405
    assert sandbox.counters.orders_created == 1
    assert sandbox.counters.requests["search_orders"] == 2


def test_serve_drops_connections_and_shuts_down_cleanly() -> None:
    sandbox = Sandbox(seed=4, orders=3, clock=FakeClock())
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url:
        with httpx.Client(base_url=url, headers=sandbox.headers()) as http:
            sandbox.inject("drop_after", endpoint="get_order")
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                http.get(f"/resellers/v6.1/orders/{number}")
            assert http.get(f"/resellers/v6.1/orders/{number}").status_code == 200
        idle = httpx.Client(base_url=url, headers=sandbox.headers())
        assert (
            idle.get(f"/resellers/v6.1/orders/{number}").status_code == 200
        )  # keep-alive left open
    with pytest.raises(httpx.ConnectError):
        idle.get(f"/resellers/v6.1/orders/{number}")
    idle.close()
    assert sandbox.counters.responses[("get_order", 0)] == 1


@pytest.mark.asyncio
async def test_serve_works_with_an_async_client_and_latency() -> None:
    sandbox = Sandbox(seed=4, orders=10, latency=0.02)
    with sandbox.serve() as url:
        async with httpx.AsyncClient(base_url=url, headers=sandbox.headers()) as http:
            for number in sandbox.order_numbers()[:5]:
                r = await http.get(f"/resellers/v6.1/orders/{number}")
                assert r.json()["ingramOrderNumber"] == number


def _shippable(sandbox: Sandbox) -> str:
    return next(
        n
        for n in sandbox.order_numbers()
        if sandbox.order(n)["orderStatus"] in ("Processing", "Backordered")
    )


class _Receiver:
    """A tiny webhook endpoint that records what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def __enter__(self) -> _Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_webhooks_posted_to_a_url() -> None:
    with _Receiver() as receiver:
        sandbox = Sandbox(seed=6, orders=60, clock=FakeClock(), webhook_target=receiver.url)
        number = _shippable(sandbox)
        sandbox.ship(number)  # delivered right away (webhook_auto_deliver)
        assert len(receiver.received) == 1
        headers, body = receiver.received[0]
        event = json.loads(body)
        assert event["resource"][0]["orderNumber"] == number
        assert headers["X-Hub-Signature"] == sandbox.signature(event["eventId"])
        assert body == sandbox.webhook_events[0].body
        assert sandbox.counters.webhooks_delivered == 1


def test_failed_webhook_delivery_is_recorded() -> None:
    sandbox = Sandbox(
        seed=6,
        orders=60,
        clock=FakeClock(),
        webhook_target="http://127.0.0.1:9/nowhere",
        webhook_auto_deliver=False,
    )
    number = _shippable(sandbox)
    sandbox.ship(number)
    assert sandbox.deliver_webhooks() == 0
    assert len(sandbox.webhook_failures) == 1


def test_cli_parser_defaults_and_options() -> None:
    args = build_parser().parse_args(
        [
            "--port",
            "0",
            "--seed",
            "7",
            "--orders",
            "50",
            "--latency",
            "0.01,0.2",
            "--customer-number",
            "20-111111",
            "--customer-number",
            "20-222222",
            "--fault-server-error",
            "0.05",
            "--rate-limit",
            "60",
        ]
    )
    assert (args.port, args.seed, args.orders, args.latency) == (0, 7, 50, (0.01, 0.2))
    assert args.customer_numbers == ["20-111111", "20-222222"]
    assert args.fault_server_error == 0.05 and args.rate_limit == 60


@pytest.fixture
def cli_server() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "xi_orders.testing", "--port", "0", "--seed", "3", "--orders", "12"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
        yield line.rsplit(" ", 1)[-1].strip(), proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_serves_from_a_shell(cli_server: tuple[str, subprocess.Popen[str]]) -> None:
    url, _ = cli_server
    sandbox = Sandbox(seed=3, orders=12)  # the same seed: the same order numbers
    with httpx.Client(base_url=url, timeout=10) as http:
        token = _token(http, sandbox)
        r = http.get("/resellers/v6/orders/search", headers=sandbox.headers(token))
        assert r.status_code == 200 and r.json()["recordsFound"] == "12"
        assert {o["ingramOrderNumber"] for o in r.json()["orders"]} == set(sandbox.order_numbers())
