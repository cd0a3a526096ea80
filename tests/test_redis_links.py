"""``RedisShared`` keeps no Redis client, socket or loop behind (issue 22, item 5), refuses a
bad URL up front, and falls back on any backend failure (item 6).

Against a real ``redis-server`` (tests/redis_support.py), counting the TCP sockets this
process holds to it (``/proc/self/fd`` against ``/proc/self/net/tcp``).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import uuid
import warnings
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from tests.redis_support import RedisServer, running_redis
from xi_orders import OrdersClient, RateLimit, ValidationError
from xi_orders.testing import Sandbox

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="counts sockets through /proc"
)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    yield from running_redis(tmp_path_factory.mktemp("redis"))


def _shared(server: RedisServer, **options: Any) -> Any:
    from xi_orders.shared import RedisShared

    return RedisShared(server.url, namespace=f"t-{uuid.uuid4().hex[:10]}", **options)


def sockets_to(port: int) -> int:
    """How many TCP sockets of this process are connected (in any state) to ``port``."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if remote_port == port and fields[9] in inodes:
                    count += 1
    return count


def test_one_asyncio_run_per_job_keeps_no_link_no_socket_no_loop(
    redis_server: RedisServer,
) -> None:
    sandbox = Sandbox(seed=21, orders=20)
    number = sandbox.order_numbers(sandbox.customer_number)[0]
    shared = _shared(redis_server)
    # module-level, Celery style; every call takes its slot from the budget in Redis
    client = sandbox.client(shared=shared, rate_limit=RateLimit(1000, 1.0))
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []
    during: list[int] = []

    async def job() -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        await client.get_order(number)
        during.append(sockets_to(redis_server.port))

    for _ in range(20):
        asyncio.run(job())
        assert sockets_to(redis_server.port) == 0
    assert min(during) >= 1  # the count sees the link while a job runs
    assert len(shared._links) == 0
    gc.collect()
    # No loop stays alive per job. Two may, once each: the client follows its last loop,
    # and redis-py's Lock class keeps the scripts it registered on the first Redis client
    # that took a lock (class attributes), which reaches that client's (closed) connections.
    alive = [i for i, ref in enumerate(loops) if ref() is not None]
    assert set(alive) <= {0, len(loops) - 1}, alive
    assert shared.available  # shared all along, never fell back


def test_with_orders_client_blocks_leave_no_socket_and_no_warning(
    redis_server: RedisServer,
) -> None:
    sandbox = Sandbox(seed=22, orders=20)
    number = sandbox.order_numbers(sandbox.customer_number)[0]
    shared = _shared(redis_server)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(5):
            async_client = sandbox.client(shared=shared, rate_limit=RateLimit(1000, 1.0))
            with OrdersClient.wrap(async_client) as client:
                client.get_order(number)
                assert sockets_to(redis_server.port) >= 1
            assert sockets_to(redis_server.port) == 0
        gc.collect()
    unclosed = [str(w.message) for w in caught if "nclosed" in str(w.message)]
    assert unclosed == []
    assert sandbox.counters.tokens_issued == 1  # the token was shared through Redis
    assert shared.available


def test_a_client_closing_closes_its_loops_link(redis_server: RedisServer) -> None:
    """On a loop that goes on (a service's), the link closes with the client that used
    it, once the call's background settling is written."""
    sandbox = Sandbox(seed=24, orders=20)
    number = sandbox.order_numbers(sandbox.customer_number)[0]
    shared = _shared(redis_server)

    async def main() -> tuple[int, int]:
        async with sandbox.client(shared=shared, rate_limit=RateLimit(1000, 1.0)) as client:
            for _ in range(3):
                await client.get_order(number)
            during = sockets_to(redis_server.port)
        await asyncio.sleep(0.2)  # the loop goes on; nothing may reconnect
        return during, sockets_to(redis_server.port)

    during, after = asyncio.run(main())
    assert during >= 1 and after == 0
    assert shared.available


def test_aclose_on_the_loop_closes_its_link(redis_server: RedisServer) -> None:
    sandbox = Sandbox(seed=23, orders=20)
    number = sandbox.order_numbers(sandbox.customer_number)[0]
    shared = _shared(redis_server)

    async def main() -> tuple[int, int, int]:
        async with sandbox.client(shared=shared, rate_limit=RateLimit(1000, 1.0)) as client:
            await client.get_order(number)
            await asyncio.sleep(0.2)  # the call's settling, sent in the background, is done
            before = sockets_to(redis_server.port)
            await shared.aclose()
            after = sockets_to(redis_server.port)
            await client.get_order(number)  # connects again
            return before, after, sockets_to(redis_server.port)

    before, after, again = asyncio.run(main())
    assert before >= 1 and after == 0 and again >= 1
    assert sockets_to(redis_server.port) == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6399/0",
        "redis:6379",
        "127.0.0.1:6379",
        "redis://127.0.0.1:port/0",
        "redis://127.0.0.1:6379/db0",
        "unix://",
    ],
)
def test_a_malformed_url_is_refused_at_construction(url: str) -> None:
    from xi_orders.shared import RedisShared

    with pytest.raises(ValidationError) as caught:
        RedisShared(url)
    assert caught.value.field == "url"


def test_the_password_of_a_refused_url_is_not_shown() -> None:
    from xi_orders.shared import RedisShared

    with pytest.raises(ValidationError) as caught:
        RedisShared("redis://user:hunter2-password@127.0.0.1:port/0")
    assert "hunter2" not in str(caught.value)


def test_good_urls_are_accepted() -> None:
    from xi_orders.shared import RedisShared

    for url in (
        "redis://localhost:6379/0",
        "redis://:pw@redis:6379",
        "rediss://redis.example:6380/3",
        "unix:///run/redis.sock",
    ):
        RedisShared(url)


def test_any_backend_exception_at_run_time_is_a_fallback(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = Sandbox(seed=24, orders=20)
    number = sandbox.order_numbers(sandbox.customer_number)[0]
    # redis-py takes the option, then every connection it makes raises TypeError.
    shared = _shared(redis_server, redis_options={"no_such_option": 1})

    async def main() -> Any:
        async with sandbox.client(shared=shared) as client:
            return await client.get_order(number)

    with caplog.at_level(logging.WARNING, logger="xi_orders"):
        order = asyncio.run(main())
    assert order.ingram_order_number == number
    assert not shared.available
    assert "falling back" in caplog.text and "TypeError" in caplog.text


def test_tests_count_sockets_right(redis_server: RedisServer) -> None:
    import socket

    before = sockets_to(redis_server.port)
    with socket.create_connection(("127.0.0.1", redis_server.port)):
        assert sockets_to(redis_server.port) == before + 1
    assert sockets_to(redis_server.port) == before
