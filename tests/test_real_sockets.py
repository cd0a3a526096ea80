"""Fault semantics and keep-alive over real localhost sockets, for every transport we ship
or recommend (xi_orders._transport): a create is never sent twice after an ambiguous failure,
only failures before the request left count as "not sent", reads are retried by our
policy (not silently by the transport), and connections are reused at any concurrency.

The sandbox is served on 127.0.0.1 in a thread (``Sandbox.serve()``); its counters say how
many requests reached each endpoint and how many orders were created.
"""

from __future__ import annotations

import socket
import socketserver
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from xi_orders import AsyncOrdersClient, RetryPolicy, XiError
from xi_orders import _transport as transports
from xi_orders.errors import APIConnectionError, APITimeoutError
from xi_orders.models import OrderCreateLine, OrderCreateRequest
from xi_orders.testing import FakeClock, Faults, Sandbox
from xi_orders.testing._types import FAULT_KINDS

HAS_AIOHTTP = transports.aiohttp_available()
ASYNCIO_ONLY = {"aiohttp", "aiohttp_via_httpx", "httpx_aiohttp"}
#: what the package ships (auto, aiohttp, httpcore shards), httpx's stock transport, and
#: httpx_aiohttp's transport as a user might pass it in (transport=) unwrapped.
#: "aiohttp_via_httpx": our aiohttp transport with an event hook, which rides the same path.
KINDS = ["auto", "aiohttp", "aiohttp_via_httpx", "httpcore", "httpx", "httpx_aiohttp"]
FAST_RETRY = RetryPolicy(attempts=3, wait_initial=0.01, wait_max=0.02, wait_jitter=0.0)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest, anyio_backend: str) -> str:
    name = str(request.param)
    # Trio never pairs with an aiohttp kind (tests/conftest.py deselects those), and the
    # aiohttp extra is part of the test install: a missing one fails, never skips.
    assert name not in ASYNCIO_ONLY or (anyio_backend == "asyncio" and HAS_AIOHTTP), name
    return name


def _transport(kind: str) -> httpx.AsyncBaseTransport:
    if kind == "httpx_aiohttp":
        import httpx_aiohttp

        return httpx_aiohttp.AiohttpTransport()
    return transports.new_transport(kind)


@pytest.fixture
def served() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(seed=7, orders=40, clock=FakeClock(), faults=Faults(slow_seconds=2.0))
    with sandbox.serve() as url:
        yield sandbox, url


def _client(sandbox: Sandbox, url: str, kind: str, **overrides: Any) -> AsyncOrdersClient:
    settings: dict[str, Any] = {
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "customer_number": sandbox.customer_number,
        "country_code": sandbox.country_code,
        "base_url": url,
        "rate_limit": None,
        "retry": FAST_RETRY,
        "timeout": httpx.Timeout(5.0),
        # the send path's own behaviour: an ambiguous create raises (no look-up by PO)
        "reconcile": False,
    }
    settings.update(overrides)
    if kind == "aiohttp_via_httpx":
        settings["transport"] = _transport("aiohttp")
        settings["event_hooks"] = {"request": [_noop_hook]}
    elif kind != "auto":
        settings["transport"] = _transport(kind)
    return AsyncOrdersClient(**settings)


async def _noop_hook(request: httpx.Request) -> None:
    """An event hook that changes nothing (it makes calls go through httpx's objects)."""


def _order(sandbox: Sandbox, po: str) -> OrderCreateRequest:
    part = next(iter(sandbox.catalog))
    return OrderCreateRequest(
        customer_order_number=po,
        lines=[OrderCreateLine(customer_line_number="001", ingram_part_number=part, quantity=1)],
    )


READ_FAULTS = ["drop_before", "drop_after", "reset", "slow"]


def _need(fault: str) -> None:
    assert fault in FAULT_KINDS, f"the sandbox has no {fault!r} fault"


# ------------------------------------------------------------------------ reads: retried


@pytest.mark.anyio
@pytest.mark.parametrize("fault", READ_FAULTS)
async def test_get_order_is_retried_by_our_policy(
    served: tuple[Sandbox, str], kind: str, fault: str
) -> None:
    _need(fault)
    sandbox, url = served
    number = sandbox.order_numbers()[0]
    timeout = httpx.Timeout(0.5) if fault == "slow" else httpx.Timeout(5.0)
    async with _client(sandbox, url, kind, timeout=timeout) as client:
        await client.get_order(number)  # token, and a connection to reuse
        sandbox.reset_counters()
        sandbox.inject(fault, endpoint="get_order")  # type: ignore[arg-type]
        detail = await client.get_order(number)
    assert detail.ingram_order_number == number
    # the faulted request and exactly one re-send: ours, not the transport's
    assert sandbox.counters.requests["get_order"] == 2
    if kind != "httpx_aiohttp":  # that one re-sends GETs itself, unseen (aiohttp's retry)
        assert detail.response is not None
        assert detail.response.attempts == 2


# ------------------------------------------------------------------ creates: never twice


@pytest.mark.anyio
@pytest.mark.parametrize("fault", READ_FAULTS)
async def test_create_order_is_never_sent_twice(
    served: tuple[Sandbox, str], kind: str, fault: str
) -> None:
    _need(fault)
    sandbox, url = served
    timeout = httpx.Timeout(0.5) if fault == "slow" else httpx.Timeout(5.0)
    async with _client(sandbox, url, kind, timeout=timeout) as client:
        await client.get_order(sandbox.order_numbers()[0])  # token, and a kept-alive connection
        sandbox.reset_counters()
        sandbox.inject(fault, endpoint="create_order")  # type: ignore[arg-type]
        with pytest.raises(APIConnectionError) as caught:
            await client.create_order(_order(sandbox, f"PO-{fault}"[:20]))
    error = caught.value
    assert "may have been sent" in str(error), str(error)
    assert isinstance(error, APITimeoutError) == (fault == "slow"), repr(error.__cause__)
    counters = sandbox.counters
    assert counters.requests["create_order"] == 1
    assert counters.orders_created == (0 if fault == "drop_before" else 1)


@pytest.mark.anyio
async def test_create_order_is_not_duplicated_on_a_stale_connection(
    served: tuple[Sandbox, str], kind: str
) -> None:
    """A dropped create and then a fresh create on the same client: two POs, two orders."""
    sandbox, url = served
    async with _client(sandbox, url, kind) as client:
        sandbox.inject("drop_after", endpoint="create_order")
        with pytest.raises(APIConnectionError):
            await client.create_order(_order(sandbox, "PO-A"))
        created = await client.create_order(_order(sandbox, "PO-B"))
    assert created is not None
    assert sandbox.counters.orders_created == 2
    assert sandbox.counters.requests["create_order"] == 2


# ------------------------------------------------------------- before sending: not sent


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.anyio
async def test_connect_refused_counts_as_not_sent(kind: str) -> None:
    sandbox = Sandbox(seed=7, orders=2)
    url = f"http://127.0.0.1:{_closed_port()}"
    # the token request comes first and fails to connect: an authentication error
    async with _client(sandbox, url, kind, retry=RetryPolicy.disabled()) as client:
        with pytest.raises(XiError) as caught:
            await client.create_order(_order(sandbox, "PO-REFUSED"))
    cause: BaseException | None = caught.value
    while cause is not None and not isinstance(cause, httpx.TransportError):
        cause = cause.__cause__ or cause.__context__
    if cause is not None:
        assert isinstance(transports.effective_error(cause), httpx.ConnectError), repr(cause)


@pytest.mark.anyio
async def test_connect_refused_on_a_call_is_not_sent_and_retried(
    served: tuple[Sandbox, str], kind: str
) -> None:
    """The token comes from the live server; the Orders host refuses: the create is
    retried (nothing left the machine) and the error says "before"."""
    sandbox, url = served
    dead = f"http://127.0.0.1:{_closed_port()}"
    async with _client(
        sandbox, url, kind, base_url=dead, token_url=url + "/oauth/oauth30/token"
    ) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.create_order(_order(sandbox, "PO-DEAD"))
    assert "before the request was sent" in str(caught.value)
    assert sandbox.counters.tokens_issued == 1


# ------------------------------------------------------------------------- timeouts


@pytest.mark.anyio
async def test_the_token_request_respects_the_client_timeout(
    served: tuple[Sandbox, str], kind: str
) -> None:
    sandbox, url = served
    sandbox.inject("slow", endpoint="token")
    started = time.monotonic()
    async with _client(
        sandbox, url, kind, timeout=httpx.Timeout(0.3), retry=RetryPolicy.disabled()
    ) as client:
        with pytest.raises(XiError):
            await client.get_order(sandbox.order_numbers()[0])
    assert time.monotonic() - started < 1.8  # the slow answer takes 2 s


# ------------------------------------------------------------------------ keep-alive


class _Accepts:
    """Counts the TCP connections a socketserver-based server accepts (per port)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.by_port: Counter[int] = Counter()
        verify = socketserver.BaseServer.verify_request

        def counting(server: socketserver.BaseServer, request: Any, address: Any) -> bool:
            self.by_port[int(server.server_address[1])] += 1  # type: ignore[index]
            return bool(verify(server, request, address))

        monkeypatch.setattr(socketserver.BaseServer, "verify_request", counting)


@pytest.mark.anyio
@pytest.mark.parametrize("concurrency", [8, 30])
async def test_connections_are_kept_alive_at_any_concurrency(
    monkeypatch: pytest.MonkeyPatch, kind: str, concurrency: int
) -> None:
    accepts = _Accepts(monkeypatch)
    sandbox = Sandbox(seed=7, orders=60, latency=0.02)
    numbers = sandbox.order_numbers()
    lookups = [numbers[i % len(numbers)] for i in range(6 * concurrency)]
    with sandbox.serve() as url:
        port = int(url.rsplit(":", 1)[1])
        async with _client(sandbox, url, kind) as client:
            results = await client.get_orders(lookups, concurrency=concurrency).collect()
    assert not [r for r in results.values() if isinstance(r, XiError)]
    # one connection per concurrent call (+ the token's, + a few closed by the server)
    assert accepts.by_port[port] <= concurrency + 3, accepts.by_port[port]


# --------------------------------------------------------------- the mapping, unit-level


@pytest.mark.skipif(not HAS_AIOHTTP, reason="the aiohttp extra is not installed")
def test_aiohttp_errors_map_to_sent_or_not_sent() -> None:
    import aiohttp
    from aiohttp.client_reqrep import ConnectionKey

    key = ConnectionKey("h", 1, False, None, None, None, None)
    cases: list[tuple[BaseException, type[httpx.TransportError]]] = [
        (aiohttp.ClientConnectorError(key, OSError(111, "refused")), httpx.ConnectError),
        (aiohttp.ClientConnectorDNSError(key, OSError(-2, "dns")), httpx.ConnectError),
        (aiohttp.ConnectionTimeoutError("connect"), httpx.ConnectTimeout),
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (aiohttp.SocketTimeoutError("read"), httpx.ReadTimeout),
        (aiohttp.ClientPayloadError("cut"), httpx.RemoteProtocolError),
        (aiohttp.ClientOSError(104, "reset"), httpx.ReadError),
        (aiohttp.ClientConnectionResetError("reset"), httpx.ReadError),
    ]
    for original, expected in cases:
        # what httpx_aiohttp raises: ServerDisconnectedError and resets as ConnectTimeout
        wrapped = httpx.ConnectTimeout("as httpx_aiohttp maps it")
        wrapped.__cause__ = original
        fixed = transports.effective_error(wrapped)
        assert type(fixed) is expected, (original, fixed)
        assert fixed.__cause__ is original
    plain = httpx.ReadTimeout("no aiohttp involved")
    assert transports.effective_error(plain) is plain


def test_import_does_not_load_the_optional_transport() -> None:
    import subprocess
    import sys

    code = (
        "import sys, xi_orders; "
        "print(sorted(m for m in ('aiohttp', 'httpx_aiohttp', 'h2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.anyio
async def test_auto_picks_per_backend(anyio_backend: str) -> None:
    sandbox = Sandbox(seed=7, orders=3)
    with sandbox.serve() as url:
        async with _client(sandbox, url, "auto") as client:
            await client.get_order(sandbox.order_numbers()[0])
            inner = client._session.transport.inner  # type: ignore[attr-defined]
    if anyio_backend == "asyncio" and HAS_AIOHTTP:
        assert isinstance(inner, transports.AiohttpTransport)
        assert inner._session is None  # closing the client closed aiohttp's session
    else:
        assert isinstance(inner, transports.ShardedTransport)
        assert inner.shards == []  # and httpcore's pools


@pytest.mark.anyio
async def test_respx_mocks_the_default_transport_without_the_product_asking() -> None:
    """respx's httpx mocker replaces whatever transport a client has, the default one
    included: the product never asks whether a test library is active."""
    import respx

    assert not hasattr(transports, "httpcore_is_mocked")
    with respx.mock(using="httpx", base_url="https://api.mocked.test") as router:
        router.get("/ping").respond(200, json={"ok": True})
        transport = transports.AutoTransport()
        async with httpx.AsyncClient(transport=transport) as http:
            response = await http.get("https://api.mocked.test/ping")
        assert response.json() == {"ok": True}
        assert transport.inner is None  # never reached: respx answered
