"""Proxies from the environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``,
``NO_PROXY``) are honoured as httpx honours them, on every transport, with a real local
forward proxy between the client and the served sandbox; ``trust_env=False`` opts out."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from xi_orders import _transport as transports
from xi_orders.testing import Sandbox

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding"}


class _ForwardProxy(BaseHTTPRequestHandler):
    """An HTTP forward proxy: requests in absolute form, relayed to their origin."""

    protocol_version = "HTTP/1.1"
    server: _ProxyServer

    def _relay(self) -> None:
        target = urlsplit(self.path)
        self.server.seen.append(f"{self.command} {target.path}")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(self.command, path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        upstream.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _relay

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    seen: list[str]


@pytest.fixture
def proxy() -> Iterator[_ProxyServer]:
    server = _ProxyServer(("127.0.0.1", 0), _ForwardProxy)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def served(proxy: _ProxyServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Sandbox, str]]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    sandbox = Sandbox(seed=5, orders=3)
    with sandbox.serve() as url:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
        yield sandbox, url


async def _one_lookup(sandbox: Sandbox, url: str, **settings: Any) -> None:
    async with sandbox.client(base_url=url, **settings) as client:
        order = await client.get_order(sandbox.order_numbers()[0])
    assert order.ingram_order_number == sandbox.order_numbers()[0]


@pytest.mark.anyio
async def test_the_default_transport_goes_through_the_environments_proxy(
    anyio_backend: str, served: tuple[Sandbox, str], proxy: _ProxyServer
) -> None:
    sandbox, url = served
    await _one_lookup(sandbox, url, transport=None)
    assert proxy.seen == [
        "POST /oauth/oauth30/token",
        f"GET /resellers/v6.1/orders/{sandbox.order_numbers()[0]}",
    ]


@pytest.mark.anyio
async def test_a_given_http_client_goes_through_the_environments_proxy(
    anyio_backend: str, served: tuple[Sandbox, str], proxy: _ProxyServer
) -> None:
    sandbox, url = served
    async with httpx.AsyncClient() as http:
        await _one_lookup(sandbox, url, transport=None, http_client=http)
    assert len(proxy.seen) == 2


@pytest.mark.asyncio
async def test_the_aiohttp_transport_honours_the_environments_proxy(
    served: tuple[Sandbox, str], proxy: _ProxyServer
) -> None:
    sandbox, url = served
    await _one_lookup(sandbox, url, transport=transports.AiohttpTransport())
    assert len(proxy.seen) == 2


@pytest.mark.anyio
async def test_trust_env_false_ignores_the_environment(
    anyio_backend: str, served: tuple[Sandbox, str], proxy: _ProxyServer
) -> None:
    sandbox, url = served
    await _one_lookup(sandbox, url, transport=None, trust_env=False)
    assert proxy.seen == []
    assert sandbox.counters.requests["get_order"] == 1


@pytest.mark.anyio
async def test_no_proxy_excludes_a_host(
    anyio_backend: str,
    served: tuple[Sandbox, str],
    proxy: _ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox, url = served
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    await _one_lookup(sandbox, url, transport=None)
    assert proxy.seen == []


@pytest.mark.asyncio
async def test_no_proxy_excludes_a_host_on_the_aiohttp_transport(
    served: tuple[Sandbox, str], proxy: _ProxyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, url = served
    monkeypatch.setenv("NO_PROXY", "example.test,127.0.0.1")
    await _one_lookup(sandbox, url, transport=transports.AiohttpTransport())
    assert proxy.seen == []
