"""The one pipeline, where users meet it: over real sockets.

Every call (the token request too) passes ``httpx.AsyncClient.send``, whatever the
transport and whether or not tracing, hooks or raw capture are on; the token fetch is one
flight whose outcome, success or failure, every waiting call shares, and which no
caller's deadline cancels; raw responses are the operation's own.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from xi_orders import APIConnectionError, RetryPolicy
from xi_orders.models import OrderCreateLine, OrderCreateRequest
from xi_orders.testing import Faults, Sandbox

FAST = RetryPolicy(attempts=3, wait_initial=0.05, wait_max=0.05, wait_jitter=0.0)


@pytest.fixture
def counted_sends(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``httpx.AsyncClient.send``, wrapped: the paths of every request it sent."""
    sent: list[str] = []
    original = httpx.AsyncClient.send

    async def send(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> Any:
        sent.append(request.url.path)
        return await original(self, request, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "send", send)
    return sent


def _order(sandbox: Sandbox, po: str) -> OrderCreateRequest:
    part = next(iter(sandbox.catalog))
    return OrderCreateRequest(
        customer_order_number=po,
        customer_hold=True,
        lines=[OrderCreateLine(customer_line_number="1", ingram_part_number=part, quantity=1)],
    )


@pytest.mark.anyio
@pytest.mark.parametrize("transport", ["default", "httpx"])
async def test_every_call_passes_httpx_async_client_send(
    anyio_backend: str, transport: str, counted_sends: list[str]
) -> None:
    sandbox = Sandbox(seed=3, orders=5)
    with sandbox.serve() as url:
        given = None if transport == "default" else httpx.AsyncHTTPTransport()
        async with sandbox.client(base_url=url, transport=given) as client:
            number = sandbox.order_numbers()[0]
            await client.get_order(number)
            await client.search_orders(limit=3).collect()
            created = await client.create_order(_order(sandbox, "PO-PIPE-1"))
            placed = created.orders[0].ingram_order_number
            assert placed is not None
            await client.release_order(placed)
            second = await client.create_order(_order(sandbox, "PO-PIPE-2"))
            held = second.orders[0].ingram_order_number
            assert held is not None
            await client.cancel_order(held)
            raw = await client.with_raw_response.get_order(number)
            assert raw.status_code == 200
            await client.get_orders(sandbox.order_numbers()[:3]).collect()
    reached = sum(sandbox.counters.requests.values())
    assert reached == len(counted_sends) > 10
    assert counted_sends.count("/oauth/oauth30/token") == sandbox.counters.tokens_issued == 1


class _Closer:
    """A token endpoint that accepts each connection and hangs up at once, counting them."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.recv(65536)
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def closer() -> Iterator[_Closer]:
    server = _Closer()
    yield server
    server.close()


@pytest.mark.anyio
async def test_a_failed_token_fetch_is_shared_by_every_waiting_call(
    anyio_backend: str, closer: _Closer
) -> None:
    """20 concurrent calls, the token endpoint hanging up: one fetch (its policy's three
    attempts), and every call fails with its error at once, not one fetch per call."""
    sandbox = Sandbox(seed=3, orders=5)
    with sandbox.serve() as url:
        token_url = f"http://127.0.0.1:{closer.port}/oauth/oauth30/token"
        async with sandbox.client(
            base_url=url, transport=None, token_url=token_url, retry=FAST
        ) as client:
            failed: list[tuple[float, BaseException]] = []
            started = time.monotonic()

            async def call() -> None:
                try:
                    await client.get_order(sandbox.order_numbers()[0])
                except APIConnectionError as exc:
                    failed.append((time.monotonic() - started, exc))

            async with anyio.create_task_group() as tg:
                for _ in range(20):
                    tg.start_soon(call)
            assert client.token_requests == 3
    assert len(failed) == 20
    assert closer.connections == 3  # one fetch's attempts, not one fetch per call
    times = sorted(t for t, _ in failed)
    assert times[-1] - times[0] < 0.2, times  # together, when the one fetch failed
    assert all("reaching the token endpoint" in str(e) for _, e in failed)
    assert all(not e.request_sent and e.fatal for _, e in failed)  # type: ignore[attr-defined]
    assert sandbox.counters.requests["get_order"] == 0


@pytest.mark.anyio
async def test_a_refusing_token_endpoint_ends_a_bulk_lookup_early(anyio_backend: str) -> None:
    with socket.socket() as probe:  # a port nobody listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sandbox = Sandbox(seed=3, orders=40)
    with sandbox.serve() as url:
        async with sandbox.client(
            base_url=url,
            transport=None,
            token_url=f"http://127.0.0.1:{port}/oauth/oauth30/token",
            retry=FAST,
        ) as client:
            results = await client.get_orders(sandbox.order_numbers(), concurrency=8).collect()
            assert client.token_requests == 3  # one fetch for the whole batch
    assert len(results) == 40
    assert all(isinstance(r, APIConnectionError) for r in results.values())


@pytest.mark.anyio
async def test_a_callers_deadline_does_not_cancel_the_shared_token_fetch(
    anyio_backend: str,
) -> None:
    """Every call gives up after 0.2 s while the token takes 0.5 s: the fetch completes
    anyway, once, and the next calls use its token."""
    sandbox = Sandbox(seed=3, orders=5, faults=Faults(slow_seconds=0.5))
    sandbox.inject("slow", endpoint="token")
    with sandbox.serve() as url:
        async with sandbox.client(base_url=url, transport=None) as client:
            gave_up = 0

            async def impatient() -> None:
                nonlocal gave_up
                with anyio.move_on_after(0.2) as scope:
                    await client.get_order(sandbox.order_numbers()[0])
                gave_up += scope.cancelled_caught

            async with anyio.create_task_group() as tg:
                for _ in range(20):
                    tg.start_soon(impatient)
            assert gave_up == 20
            await anyio.sleep(0.5)  # the fetch goes on without them
            for number in sandbox.order_numbers():
                await client.get_order(number)
    assert sandbox.counters.tokens_issued == 1
    assert sandbox.counters.requests["token"] == 1


@pytest.mark.anyio
async def test_raw_response_of_a_reconciled_create_is_the_creates(anyio_backend: str) -> None:
    """The create acts, then its answer is lost (a 502): reconciliation finds the order by
    search and lookups, and the raw response is still the create's own."""
    sandbox = Sandbox(seed=3, orders=5)
    sandbox.inject("act_then_502", endpoint="create_order")
    with sandbox.serve() as url:
        async with sandbox.client(base_url=url, transport=None) as client:
            raw = await client.with_raw_response.create_order(_order(sandbox, "PO-RAW-1"))
    result = raw.parse()
    assert result.reconciliation is not None
    assert raw.http_response.request.method == "POST"
    assert raw.http_response.request.url.path == "/resellers/v6/orders"
    assert raw.status_code == 502
    assert sandbox.counters.requests["search_orders"] >= 1  # the lookups happened
    assert sandbox.counters.orders_created == 1


def test_every_operation_has_its_four_faces_from_one_declaration() -> None:
    """Each ``@operation`` (one ``async def``, one endpoint of the table) is offered by all
    four faces with the async method's own signature and docs; no face has a list of its
    own, and the raw faces refuse the many-request operations by name."""
    import inspect

    from xi_orders import AsyncOrdersClient, OrdersClient
    from xi_orders._endpoints import ENDPOINTS
    from xi_orders._faces import Operation
    from xi_orders.client import AsyncRawResponses, _Operations
    from xi_orders.sync import RawResponses

    declared = {n: v for n, v in vars(_Operations).items() if isinstance(v, Operation)}
    assert set(declared) == {
        "get_order",
        "create_order",
        "create_order_v7",
        "modify_order",
        "release_order",
        "cancel_order",
        "get_vendor_required_info",
    }
    client = AsyncOrdersClient(
        client_id="i", client_secret="s", customer_number="20-222222", country_code="US"
    )
    sync = OrdersClient.wrap(client)
    try:
        faces = (client, client.with_raw_response, sync, sync.with_raw_response)
        for name, op in declared.items():
            assert ENDPOINTS[op.endpoint.name] is op.endpoint
            expected = inspect.signature(getattr(client, name))
            assert "self" not in expected.parameters
            for face in faces:
                assert type(face)._operation_names() == sorted(declared)
                bound = getattr(face, name)
                assert inspect.signature(bound) == expected, (type(face).__name__, name)
                assert bound.__doc__ == op.method.__doc__
                assert bound.__name__ == name
        for raw in (client.with_raw_response, sync.with_raw_response):
            with pytest.raises(AttributeError, match=r"search_orders.*single-request"):
                raw.search_orders  # noqa: B018
        assert isinstance(AsyncRawResponses.get_order, Operation)
        assert isinstance(RawResponses.get_order, Operation)
        # a face that does not say how it runs an operation cannot be made at all
        from xi_orders._faces import BlockingFace

        class Forgetful(_Operations, BlockingFace):
            pass

        with pytest.raises(TypeError, match="_runner"):
            Forgetful()
    finally:
        sync.close()


def test_the_faces_are_typed_under_mypy_strict(tmp_path: object) -> None:
    """``mypy --strict`` types each face from the one declaration: awaited, raw, blocking and
    blocking raw results, and a wrong argument is an error on every face."""
    import textwrap
    from pathlib import Path

    source = Path(str(tmp_path)) / "faces.py"
    source.write_text(
        textwrap.dedent(
            """
            from typing_extensions import assert_type
            from xi_orders import AsyncOrdersClient, OrdersClient, RawResponse
            from xi_orders.models import OrderDetail

            async def main(client: AsyncOrdersClient, sync: OrdersClient) -> None:
                assert_type(await client.get_order("20-RD3QV"), OrderDetail)
                assert_type(await client.with_raw_response.get_order("x"), RawResponse[OrderDetail])
                assert_type(sync.get_order("20-RD3QV"), OrderDetail)
                assert_type(sync.with_raw_response.get_order("x"), RawResponse[OrderDetail])
                await client.get_order(12)
                await client.with_raw_response.get_order(order_dat="2024-01-01")
                sync.get_order("x", is_iml="yes")
                sync.with_raw_response.cancel_order()
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(source)],
        capture_output=True,
        text=True,
        cwd=str(Path(__file__).resolve().parents[1]),
        timeout=300,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    lines = sorted({int(line.split(":")[1]) for line in errors})
    assert lines == [11, 12, 13, 14], done.stdout
