"""The sync client where services run it: forked workers, Ctrl-C, exit hooks, callbacks
on its own loop thread; and a token answer looser than the spec. Real subprocesses and a
real SIGINT, against a sandbox served by the test process (so its counters see everything
the child sent, even after the child stopped looking)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from collections.abc import Iterator

import httpx
import pytest
import respx
from conftest import BASE, make_client

from xi_orders import EventLoopError, OrdersClient, RetryPolicy
from xi_orders.testing import Faults, Sandbox

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def served() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(seed=11, orders=60)
    with sandbox.serve() as url:
        yield sandbox, url


def _env(sandbox: Sandbox, url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": ROOT,
        "XI_CLIENT_ID": sandbox.client_id,
        "XI_CLIENT_SECRET": sandbox.client_secret,
        "XI_CUSTOMER_NUMBER": sandbox.customer_number,
        "XI_COUNTRY_CODE": sandbox.country_code,
        "XI_BASE_URL": url,
        "NUMBERS": ",".join(sandbox.order_numbers()),
    }


def _run(script: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")
def test_a_forked_child_uses_the_sync_client(served: tuple[Sandbox, str]) -> None:
    """gunicorn --preload / Celery prefork: a module-level client used before the fork
    works in the child (its own loop and pool), and still in the parent."""
    sandbox, url = served
    done = _run(
        """
        import asyncio, os, signal, sys
        from xi_orders import OrdersClient
        numbers = os.environ["NUMBERS"].split(",")
        client = OrdersClient.from_env(rate_limit=None)
        print("parent", client.get_order(numbers[0]).ingram_order_number, flush=True)
        pid = os.fork()
        if pid == 0:
            signal.alarm(20)  # a hang fails the test instead of stalling it
            print("child", client.get_order(numbers[1]).ingram_order_number, flush=True)
            print("child async", asyncio.run(client.async_client.get_order(numbers[2])).ingram_order_number, flush=True)
            client.close()
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("child exit", os.waitstatus_to_exitcode(status), flush=True)
        print("parent", client.get_order(numbers[3]).ingram_order_number, flush=True)
        client.close()
        """,
        _env(sandbox, url),
    )
    numbers = sandbox.order_numbers()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:5] == [
        f"parent {numbers[0]}",
        f"child {numbers[1]}",
        f"child async {numbers[2]}",
        "child exit 0",
        f"parent {numbers[3]}",
    ], done.stdout + done.stderr


def _interrupt_after(
    sandbox: Sandbox, url: str, script: str, endpoint: str, at_least: int
) -> tuple[subprocess.Popen[str], int, int]:
    """Start ``script``, SIGINT it once ``endpoint`` saw ``at_least`` requests, and give
    what had arrived by the time it said "interrupted" and 1.5 s later."""
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(sandbox, url),
    )
    deadline = time.monotonic() + 30
    while sandbox.counters.requests[endpoint] < at_least:
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the child never got going"
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "interrupted", line + child.communicate()[1]
    at_interrupt = sandbox.counters.requests[endpoint]
    time.sleep(1.5)
    later = sandbox.counters.requests[endpoint]
    child.communicate(timeout=30)
    return child, at_interrupt, later


def test_ctrl_c_during_a_bulk_collect_stops_the_lookups(served: tuple[Sandbox, str]) -> None:
    sandbox, url = served
    sandbox.latency = 0.05  # type: ignore[attr-defined]
    child, at_interrupt, later = _interrupt_after(
        sandbox,
        url,
        """
        import os, time
        from xi_orders import OrdersClient
        from xi_orders.testing import Sandbox
        client = OrdersClient.from_env(rate_limit=None)
        numbers = os.environ["NUMBERS"].split(",") * 20
        try:
            client.get_orders(numbers, concurrency=2).collect()
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            time.sleep(2)  # were the lookups still running, they would go on now
        """,
        "get_order",
        10,
    )
    assert child.returncode == 0
    assert later == at_interrupt  # nothing sent after Ctrl-C returned control
    assert at_interrupt < 60


def test_ctrl_c_during_a_retried_call_stops_its_retries(served: tuple[Sandbox, str]) -> None:
    sandbox, url = served
    sandbox.faults = Faults(server_error=1.0, endpoints=frozenset({"get_order"}))
    child, at_interrupt, later = _interrupt_after(
        sandbox,
        url,
        """
        import os, time
        from xi_orders import OrdersClient, RetryPolicy
        policy = RetryPolicy(attempts=1000, timeout=600, wait_initial=0.05, wait_max=0.05, wait_jitter=0)
        client = OrdersClient.from_env(rate_limit=None, retry=policy)
        try:
            client.get_order(os.environ["NUMBERS"].split(",")[0])
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            time.sleep(2)  # a call left running would keep retrying now
        """,
        "get_order",
        5,
    )
    assert child.returncode == 0
    assert later == at_interrupt


def test_exit_hooks_registered_before_the_client_still_find_it_open(
    served: tuple[Sandbox, str],
) -> None:
    """atexit runs hooks last-in first-out: the client's own close must come after the
    hooks a user registered (here before creating the client), which may use it."""
    sandbox, url = served
    done = _run(
        """
        import atexit, os
        from xi_orders import OrdersClient

        def flush_on_exit():
            print("hook", client.get_order(os.environ["NUMBERS"].split(",")[0]).ingram_order_number, flush=True)

        atexit.register(flush_on_exit)
        client = OrdersClient.from_env(rate_limit=None)
        print("used", client.get_order(os.environ["NUMBERS"].split(",")[1]).ingram_order_number, flush=True)
        print("end", flush=True)  # never closed: closed at exit, after the hook
        """,
        _env(sandbox, url),
    )
    assert done.returncode == 0, done.stderr
    numbers = sandbox.order_numbers()
    assert done.stdout.split() == ["used", numbers[1], "end", "hook", numbers[0]], done.stderr
    assert "ClientClosedError" not in done.stderr


def test_a_sync_call_from_a_callback_on_the_loop_thread_says_what_to_do() -> None:
    sandbox = Sandbox(seed=11, orders=3)
    errors: list[BaseException] = []
    with OrdersClient.wrap(sandbox.client()) as client:

        def on_progress(progress: object) -> None:
            try:
                client.get_order(sandbox.order_numbers()[0])
            except BaseException as exc:
                errors.append(exc)

        client.get_orders(sandbox.order_numbers(), on_progress=on_progress).collect()
    assert errors
    assert all(isinstance(e, EventLoopError) for e in errors)
    assert "async client" in str(errors[0])


@pytest.mark.anyio
@pytest.mark.parametrize("expires_in", ["soon", None, [], "-5"])
async def test_a_token_lifetime_that_is_not_a_number_warns_once(
    anyio_backend: str, expires_in: object
) -> None:
    with respx.mock(using="httpx", base_url=BASE, assert_all_called=False) as api:
        api.post("/oauth/oauth30/token").respond(
            200, json={"access_token": "tok-0123456789abcdef", "expires_in": expires_in}
        )
        api.get("/resellers/v6.1/orders/20-RD3QV").respond(200, json={})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            async with make_client(retry=RetryPolicy.disabled()) as client:
                for _ in range(3):
                    await client.get_order("20-RD3QV")
                assert client.token_requests == 1  # the default lifetime, not a failure
    found = [w for w in caught if "expires_in" in str(w.message)]
    assert len(found) == 1
    assert "tok-0123456789abcdef" not in str(found[0].message)


def test_aiohttps_private_re_send_switch_still_exists() -> None:
    """The one private attribute of another library the client sets
    (``xi_orders._transport``): an aiohttp release that drops it must fail here, loudly,
    not silently bring back aiohttp's unseen re-sends of a broken request."""
    import asyncio

    import aiohttp

    async def check() -> None:
        session = aiohttp.ClientSession()
        try:
            assert hasattr(session, "_retry_connection")
            assert session._retry_connection is True  # on by default: we turn it off
        finally:
            await session.close()

    asyncio.run(check())

    from xi_orders import _transport

    async def ours() -> None:
        transport = _transport.AiohttpTransport()
        session = transport._new_session()
        try:
            assert session._retry_connection is False
        finally:
            await session.close()

    asyncio.run(ours())


@pytest.mark.anyio
async def test_httpxs_private_cookie_store_still_exists(anyio_backend: str) -> None:
    """The other private attribute (``xi_orders._transport.new_client``): httpx's
    ``AsyncClient._cookies``, replaced by a store that skips responses setting no cookie.
    An httpx that renames it must fail here; and cookies a server sets still land."""
    from xi_orders import _transport

    assert isinstance(httpx.AsyncClient()._cookies, httpx.Cookies)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/set":
            return httpx.Response(200, headers={"Set-Cookie": "a=1; Path=/"})
        return httpx.Response(200, json={"cookie": request.headers.get("cookie")})

    http = _transport.new_client(transport=httpx.MockTransport(answer), timeout=5.0)
    async with http:
        assert type(http._cookies).__name__ == "_Cookies"
        await http.get("http://api.test/none")
        assert not http.cookies
        await http.get("http://api.test/set")
        assert http.cookies.get("a") == "1"


def test_the_product_reads_no_other_private_httpx_or_aiohttp_attribute() -> None:
    """Private attributes of httpx, httpcore and aiohttp: two, in one module."""
    import re
    from pathlib import Path

    found: dict[str, list[str]] = {}
    for path in Path(ROOT, "xi_orders").rglob("*.py"):
        if "testing" in path.parts or "webhooks" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for name in re.findall(r"\b(?:session|http|transport|pool|url|exc)\._[a-z]\w*", text):
            found.setdefault(name, []).append(path.name)
        for name in re.findall(r"\b(?:httpx|httpcore|aiohttp)\.\w*\._\w+", text):
            found.setdefault(name, []).append(path.name)
    assert found == {
        "session._retry_connection": ["_transport.py"],
        "http._cookies": ["_transport.py"],
    }, found
    assert "httpx._" not in "".join(
        p.read_text(encoding="utf-8") for p in Path(ROOT, "xi_orders").rglob("*.py")
    )


def test_from_env_and_the_constructors_are_typed_like_each_other(tmp_path: object) -> None:
    """``from_env(timout=5)`` (a typo) is a type error under ``mypy --strict``, as it is for
    both constructors: one list of settings types them all."""
    from pathlib import Path

    source = Path(str(tmp_path)) / "typed.py"
    source.write_text(
        textwrap.dedent(
            """
            from xi_orders import AsyncOrdersClient, OrdersClient

            AsyncOrdersClient.from_env(timout=5)
            OrdersClient.from_env(timeout="5")
            AsyncOrdersClient(client_id="a", client_secret="b", customer_number="c",
                              country_code="US", retrys=None)
            OrdersClient(client_id="a", client_secret="b", country_code="US")
            AsyncOrdersClient.from_env(timeout=5, sender_id="me")  # fine
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(source)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": ROOT},
        cwd=ROOT,
        timeout=300,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    lines = sorted(int(line.split(":")[1]) for line in errors)
    assert lines == [4, 5, 6, 8], done.stdout
