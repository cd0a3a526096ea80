"""A client's life: exit without close(), a second event loop, closing with calls in flight."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path

import anyio
import httpx
import pytest
import trio

from xi_orders import ClientClosedError, EventLoopError, RetryPolicy, XiError
from xi_orders.sync import OrdersClient
from xi_orders.testing import Sandbox

ROOT = Path(__file__).resolve().parents[1]


def run_script(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter that shows ResourceWarnings; fails the test on a hang."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    try:
        return subprocess.run(
            [sys.executable, "-W", "always::ResourceWarning", "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=30,
            env=full_env,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the script hung at exit; stdout so far: {exc.stdout!r}")


# --- 1. a script that never closes its OrdersClient ---------------------------------


def test_unclosed_sync_client_exits_promptly_with_a_resource_warning() -> None:
    done = run_script(
        """
        from xi_orders.sync import OrdersClient
        from xi_orders.testing import Sandbox

        sandbox = Sandbox(orders=1)
        client = OrdersClient.wrap(sandbox.client())
        client.get_order(sandbox.order_numbers()[0])
        print("end")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "end"
    assert "ResourceWarning: unclosed OrdersClient" in done.stderr


def test_unclosed_sync_client_over_http_exits_promptly() -> None:
    sandbox = Sandbox(orders=3)
    with sandbox.serve() as url:
        done = run_script(
            """
            from xi_orders.sync import OrdersClient

            client = OrdersClient.from_env()
            print(len(list(client.search_orders())))
            print("end")
            """,
            env={
                "XI_CLIENT_ID": sandbox.client_id,
                "XI_CLIENT_SECRET": sandbox.client_secret,
                "XI_CUSTOMER_NUMBER": sandbox.customer_number,
                "XI_COUNTRY_CODE": sandbox.country_code,
                "XI_BASE_URL": url,
            },
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3", "end"]
    assert "ResourceWarning: unclosed OrdersClient" in done.stderr


def test_a_collected_unclosed_sync_client_warns_and_stops_its_thread() -> None:
    sandbox = Sandbox(orders=1)
    client = OrdersClient.wrap(sandbox.client())
    thread = client._background._thread
    with pytest.warns(ResourceWarning, match="unclosed OrdersClient"):
        del client
        gc.collect()
    thread.join(5)
    assert not thread.is_alive()


def test_a_closed_sync_client_gives_no_warning() -> None:
    sandbox = Sandbox(orders=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        with OrdersClient.wrap(sandbox.client()) as client:
            client.get_order(sandbox.order_numbers()[0])
        del client
        gc.collect()


# --- 2. one client, several event loops, over a real socket ------------------------


def test_async_client_follows_a_new_event_loop_over_http() -> None:
    sandbox = Sandbox(orders=5)
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url:
        client = sandbox.client(base_url=url, transport=None)

        async def use() -> str | None:
            return (await client.get_order(number)).ingram_order_number

        assert asyncio.run(use()) == number
        assert asyncio.run(use()) == number  # was "Event loop is closed"
        assert trio.run(use) == number  # another backend altogether
        assert asyncio.run(use()) == number
        # A client first awaited elsewhere (a notebook), then given a sync face.
        with OrdersClient.wrap(client) as sync:
            assert sync.get_order(number).ingram_order_number == number
            assert len(sync.get_orders(sandbox.order_numbers()).collect()) == 5
    assert client.closed
    assert sandbox.counters.tokens_issued == 1  # the token survives the moves


def test_sync_wrap_of_a_client_used_in_a_running_loop_over_http() -> None:
    sandbox = Sandbox(orders=2)
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url:
        client = sandbox.client(base_url=url, transport=None)

        async def notebook() -> str | None:
            await client.get_order(number)  # binds the pool to this (still running) loop
            with OrdersClient.wrap(client) as sync:
                return sync.get_order(number).ingram_order_number

        assert asyncio.run(notebook()) == number


# --- a pool or transport passed in cannot follow a new loop: a clear error -------------


def _given_pool(kind: str) -> dict[str, object]:
    if kind == "transport":
        return {"transport": httpx.AsyncHTTPTransport()}
    return {"http_client": httpx.AsyncClient(), "transport": None}


@pytest.mark.parametrize("kind", ["transport", "http_client"])
def test_a_given_pool_on_a_second_asyncio_loop_raises_event_loop_error(kind: str) -> None:
    sandbox = Sandbox(orders=3)
    numbers = sandbox.order_numbers()
    with sandbox.serve() as url:
        client = sandbox.client(base_url=url, **_given_pool(kind))

        async def use() -> str | None:
            return (await client.get_order(numbers[0])).ingram_order_number

        assert asyncio.run(use()) == numbers[0]
        started = time.monotonic()
        with pytest.raises(EventLoopError, match=f"Pass a fresh {kind} on each event loop"):
            asyncio.run(use())  # was a bare "RuntimeError: Event loop is closed"
        assert time.monotonic() - started < 2

        async def bulk() -> dict[str, object]:
            return dict(await client.get_orders(numbers).collect())

        # Was an ExceptionGroup: now one typed result per order.
        results = asyncio.run(bulk())
        assert list(results) == numbers
        assert all(isinstance(r, EventLoopError) for r in results.values()), results
        assert sandbox.counters.tokens_issued == 1


@pytest.mark.parametrize("kind", ["transport", "http_client"])
def test_a_given_pool_on_a_second_trio_run_raises_event_loop_error(kind: str) -> None:
    sandbox = Sandbox(orders=1)
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url:
        client = sandbox.client(base_url=url, **_given_pool(kind))

        async def use() -> str | None:
            return (await client.get_order(number)).ingram_order_number

        assert trio.run(use) == number
        with pytest.raises(EventLoopError):
            trio.run(use)
        with pytest.raises(EventLoopError):
            asyncio.run(use())


def test_the_in_memory_sandbox_transport_may_serve_any_loop() -> None:
    sandbox = Sandbox(orders=1)
    number = sandbox.order_numbers()[0]
    client = sandbox.client()  # its transport keeps no connections

    async def use() -> str | None:
        return (await client.get_order(number)).ingram_order_number

    assert asyncio.run(use()) == number
    assert trio.run(use) == number
    assert asyncio.run(use()) == number


def test_the_pool_left_on_an_ended_loop_is_closed_not_left_to_the_gc() -> None:
    pytest.importorskip("httpx_aiohttp")
    sandbox = Sandbox(orders=1)
    with sandbox.serve() as url:
        done = run_script(
            """
            import asyncio, gc, os
            from xi_orders import AsyncOrdersClient

            client = AsyncOrdersClient.from_env(rate_limit=None)

            async def use():
                await client.get_order(os.environ["NUMBER"])
                return type(client._session.transport.inner).__module__

            for _ in range(3):  # each run's pool is left behind by the next
                print(asyncio.run(use()))
            gc.collect()
            print("end")  # never closed: the last pool closes as its loop ends
            """,
            env={
                "XI_CLIENT_ID": sandbox.client_id,
                "XI_CLIENT_SECRET": sandbox.client_secret,
                "XI_CUSTOMER_NUMBER": sandbox.customer_number,
                "XI_COUNTRY_CODE": sandbox.country_code,
                "XI_BASE_URL": url,
                "NUMBER": sandbox.order_numbers()[0],
            },
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "end"
    assert all(line == "xi_orders._transport" for line in done.stdout.split()[:-1])  # aiohttp's
    assert "Unclosed" not in done.stderr, done.stderr
    assert "ResourceWarning" not in done.stderr, done.stderr


def test_a_pool_left_on_an_ended_trio_run_is_closed() -> None:
    sandbox = Sandbox(orders=1)
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url:
        client = sandbox.client(base_url=url, transport=None)

        async def use() -> httpx.AsyncClient:
            await client.get_order(number)
            return client._session.http

        first = trio.run(use)
        assert first.is_closed  # closed as its run ended, not at the next call
        assert trio.run(use) is not first
        asyncio.run(client.aclose())


# --- one client on two loops at the same time: a clear error, no hang ---------------------


def test_a_call_on_another_loop_while_calls_are_in_flight_raises_fast() -> None:
    sandbox = Sandbox(orders=2, latency=1.5)
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url:
        client = sandbox.client(base_url=url, transport=None)

        async def notebook() -> tuple[str | None, BaseException | None, float]:
            await client.get_order(number)  # the client now lives on this loop
            slow = asyncio.create_task(client.get_order(number))
            await asyncio.sleep(0.3)  # in flight
            sync = OrdersClient.wrap(client)

            def from_a_thread() -> BaseException | None:
                try:
                    sync.get_order(number)
                except BaseException as exc:
                    return exc
                return None

            started = time.monotonic()
            error = await asyncio.wait_for(asyncio.to_thread(from_a_thread), 10)
            took = time.monotonic() - started
            detail = await asyncio.wait_for(slow, 10)  # the notebook's call is unharmed
            # The other way round: the thread's call in flight, the notebook calls.
            in_thread = asyncio.ensure_future(asyncio.to_thread(sync.get_order, number))
            await asyncio.sleep(0.3)
            with pytest.raises(EventLoopError):
                await asyncio.wait_for(client.get_order(number), 2)
            await asyncio.wait_for(in_thread, 10)
            await asyncio.to_thread(sync.close)
            return detail.ingram_order_number, error, took

        number_seen, error, took = asyncio.run(asyncio.wait_for(notebook(), 30))
    assert number_seen == number
    assert isinstance(error, EventLoopError), error
    assert "still making calls on another event loop" in str(error)
    assert took < 1.0  # raised at once, not after the other loop's call (or a hang)


# --- 3. closing with calls in flight --------------------------------------------------


@pytest.mark.anyio
async def test_aclose_ends_calls_in_flight_with_client_closed_error() -> None:
    sandbox = Sandbox(orders=4, latency=5.0)
    client = sandbox.client()
    errors: list[BaseException] = []

    async def call(number: str) -> None:
        try:
            await client.get_order(number)
        except BaseException as exc:
            errors.append(exc)

    with anyio.fail_after(3):
        async with anyio.create_task_group() as tg:
            for number in sandbox.order_numbers():
                tg.start_soon(call, number)
            await anyio.sleep(0.1)
            await client.aclose()
    assert len(errors) == 4 and all(isinstance(e, ClientClosedError) for e in errors), errors
    with pytest.raises(ClientClosedError):
        await client.get_order(sandbox.order_numbers()[0])
    with pytest.raises(ClientClosedError):
        client.search_orders()
    with pytest.raises(ClientClosedError):
        client.get_orders(["20-AAAAA"])
    with pytest.raises(ClientClosedError):
        async with client:
            pass
    await client.aclose()  # twice is fine


@pytest.mark.anyio
async def test_no_retry_after_close() -> None:
    sandbox = Sandbox(orders=1)
    sandbox.inject("server_error", times=100, endpoint="get_order")
    client = sandbox.client(retry=RetryPolicy(attempts=10, wait_initial=0.5, wait_jitter=0))
    caught: list[BaseException] = []

    async def call() -> None:
        try:
            await client.get_order(sandbox.order_numbers()[0])
        except BaseException as exc:
            caught.append(exc)

    with anyio.fail_after(3):
        async with anyio.create_task_group() as tg:
            tg.start_soon(call)
            await anyio.sleep(0.1)  # the first attempt failed; now in its backoff
            await client.aclose()
    seen = len(sandbox.request_log)
    await anyio.sleep(0.6)
    assert len(sandbox.request_log) == seen
    assert len(caught) == 1 and isinstance(caught[0], ClientClosedError)


def test_aclose_over_http_ends_calls_in_flight_with_client_closed_error() -> None:
    sandbox = Sandbox(orders=3, latency=3.0)
    with sandbox.serve() as url:
        client = sandbox.client(base_url=url, transport=None)

        async def main() -> list[BaseException | None]:
            async def call(number: str) -> BaseException | None:
                try:
                    await client.get_order(number)
                except BaseException as exc:
                    return exc
                return None

            tasks = [asyncio.create_task(call(n)) for n in sandbox.order_numbers()]
            await asyncio.sleep(0.3)
            await client.aclose()
            return await asyncio.wait_for(asyncio.gather(*tasks), 2)

        results = asyncio.run(main())
    assert all(isinstance(r, ClientClosedError) for r in results), results


def test_sync_close_from_another_thread_ends_blocked_calls() -> None:
    sandbox = Sandbox(orders=3, latency=5.0)
    client = OrdersClient.wrap(sandbox.client())
    results: list[BaseException | None] = []
    lock = threading.Lock()

    def call(number: str) -> None:
        try:
            client.get_order(number)
        except BaseException as exc:
            with lock:
                results.append(exc)
        else:
            results.append(None)

    threads = [threading.Thread(target=call, args=(n,)) for n in sandbox.order_numbers()]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    client.close()
    for thread in threads:
        thread.join(5)
    assert time.monotonic() - started < 3
    assert len(results) == 3 and all(isinstance(r, ClientClosedError) for r in results), results
    # Later calls, of every kind, say the same (was "This portal is not running").
    with pytest.raises(ClientClosedError):
        client.get_order(sandbox.order_numbers()[0])
    with pytest.raises(ClientClosedError):
        list(client.search_orders())
    with pytest.raises(ClientClosedError):
        client.get_orders(sandbox.order_numbers()).collect()
    client.close()


def test_aclose_over_http_under_trio_ends_calls_in_flight() -> None:
    sandbox = Sandbox(orders=3, latency=3.0)
    with sandbox.serve() as url:
        client = sandbox.client(base_url=url, transport=None)
        results: list[BaseException | None] = []

        async def call(number: str) -> None:
            try:
                await client.get_order(number)
            except BaseException as exc:
                results.append(exc)
            else:
                results.append(None)

        async def main() -> float:
            with trio.fail_after(2):
                async with trio.open_nursery() as nursery:
                    for number in sandbox.order_numbers():
                        nursery.start_soon(call, number)
                    await trio.sleep(0.3)
                    started = trio.current_time()
                    await client.aclose()
                return trio.current_time() - started

        took = trio.run(main)
        with pytest.raises(ClientClosedError):
            trio.run(client.get_order, sandbox.order_numbers()[0])
    assert took < 1.0
    assert len(results) == 3 and all(isinstance(r, ClientClosedError) for r in results), results


def test_sync_close_from_another_thread_over_http_ends_blocked_calls() -> None:
    sandbox = Sandbox(orders=3, latency=3.0)
    with sandbox.serve() as url:
        client = OrdersClient.wrap(sandbox.client(base_url=url, transport=None))
        results: list[BaseException | None] = []
        lock = threading.Lock()

        def call(number: str) -> None:
            try:
                client.get_order(number)
            except BaseException as exc:
                with lock:
                    results.append(exc)
            else:
                with lock:
                    results.append(None)

        threads = [threading.Thread(target=call, args=(n,)) for n in sandbox.order_numbers()]
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # all three are waiting for the server
        started = time.monotonic()
        client.close()
        for thread in threads:
            thread.join(5)
        took = time.monotonic() - started
        with pytest.raises(ClientClosedError):
            client.get_order(sandbox.order_numbers()[0])
    assert took < 2.0
    assert len(results) == 3 and all(isinstance(r, ClientClosedError) for r in results), results


def test_closing_the_sync_face_ends_the_notebook_loops_calls_in_flight() -> None:
    sandbox = Sandbox(orders=1, latency=3.0)
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url:
        client = sandbox.client(base_url=url, transport=None)

        async def notebook() -> tuple[BaseException | None, float]:
            slow = asyncio.ensure_future(client.get_order(number))
            await asyncio.sleep(0.5)  # in flight on this loop
            sync = OrdersClient.wrap(client)
            started = time.monotonic()
            # Closed from the sync client's loop: the scope is cancelled on this one.
            await asyncio.to_thread(sync.close)
            try:
                await asyncio.wait_for(slow, 2)
            except BaseException as exc:
                return exc, time.monotonic() - started
            return None, time.monotonic() - started

        error, took = asyncio.run(asyncio.wait_for(notebook(), 10))
    assert isinstance(error, ClientClosedError), error
    assert took < 1.5


def test_closing_the_sync_face_ends_a_trio_runs_calls_in_flight() -> None:
    # A trio cancel scope cancelled from another thread raised "must be called from async
    # context" in close(): it is cancelled in its own run now.
    sandbox = Sandbox(orders=1, latency=3.0)
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url:
        client = sandbox.client(base_url=url, transport=None)
        errors: list[BaseException | None] = []

        async def slow() -> None:
            try:
                await client.get_order(number)
            except BaseException as exc:
                errors.append(exc)
            else:
                errors.append(None)

        async def main() -> float:
            with trio.fail_after(5):
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(slow)
                    await trio.sleep(0.5)
                    sync = OrdersClient.wrap(client)
                    started = trio.current_time()
                    await trio.to_thread.run_sync(sync.close)
                return trio.current_time() - started

        took = trio.run(main)
    assert len(errors) == 1 and isinstance(errors[0], ClientClosedError), errors
    assert took < 1.5


def test_sync_iteration_interrupted_by_close() -> None:
    sandbox = Sandbox(orders=30)
    client = OrdersClient.wrap(sandbox.client())
    results = iter(client.search_orders(page_size=5))
    next(results)
    client.close()
    with pytest.raises(ClientClosedError):
        list(results)


def test_client_closed_error_is_an_xi_error() -> None:
    assert issubclass(ClientClosedError, XiError)


def test_collect_under_trio_leaves_no_generator_to_the_garbage_collector() -> None:
    sandbox = Sandbox(orders=30)

    async def main() -> int:
        async with sandbox.client() as client:
            return len(await client.search_orders(limit=7, page_size=5).collect())

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert trio.run(main) == 7
        gc.collect()
    assert not [w for w in caught if "garbage collected" in str(w.message)], [
        str(w.message) for w in caught
    ]
