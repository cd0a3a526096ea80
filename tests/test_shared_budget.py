"""One token and one rate budget per app across clients and processes (xi_orders.shared).

The Redis tests run against a real ``redis-server`` (tests/redis_support.py): skipped with
the reason where it is not installed, failing instead when ``CI`` is set. The fleet tests
start real worker processes (benchmarks/bench_shared_budget.py) against one served sandbox.
"""

from __future__ import annotations

import logging
import math
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from xi_orders import AsyncOrdersClient, OrdersClient, RateLimit
from xi_orders.shared import MemoryShared, SharedToken
from xi_orders.shared._seal import Sealer
from xi_orders.testing import Sandbox

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from redis_support import RedisServer, free_port, running_redis  # noqa: E402

from benchmarks.bench_shared_budget import run_fleet  # noqa: E402

SECRET = "sandbox-client-secret"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real Redis for the tests that leave it running."""
    yield from running_redis(tmp_path_factory.mktemp("redis"))


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of the test's own, for the tests that pause or kill it."""
    yield from running_redis(tmp_path / "redis")


def _shared(server: RedisServer, namespace: str, **options: Any) -> Any:
    from xi_orders.shared import RedisShared

    return RedisShared(server.url, namespace=namespace, **options)


def _ns() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def _get_orders(client: AsyncOrdersClient, numbers: list[str]) -> Any:
    return client.get_orders(numbers, concurrency=8).collect()


# --- without Redis -------------------------------------------------------------------------


def test_import_does_not_import_redis() -> None:
    code = (
        "import sys, xi_orders, xi_orders.shared; "
        "assert 'redis' not in sys.modules, 'redis imported'; "
        "xi_orders.shared.RedisShared; assert 'redis' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_sealed_token_is_useless_without_the_secret() -> None:
    sealer = Sealer("app-id", SECRET)
    blob = sealer.seal(b'{"v": "tok-123456789"}', b"key-a")
    assert "tok-123456789" not in blob
    assert sealer.open(blob, b"key-a") == b'{"v": "tok-123456789"}'
    assert Sealer("app-id", "another-secret").open(blob, b"key-a") is None
    assert Sealer("other-app", SECRET).open(blob, b"key-a") is None
    assert sealer.open(blob, b"key-b") is None  # bound to its key name
    tampered = blob[:-6] + ("A" if blob[-6] != "A" else "B") + blob[-5:]
    assert sealer.open(tampered, b"key-a") is None
    assert sealer.seal(b"same", b"k") != sealer.seal(b"same", b"k")  # fresh nonce each time
    assert sealer.fingerprint("t1") == Sealer("app-id", SECRET).fingerprint("t1")
    assert sealer.fingerprint("t1") != Sealer("app-id", "x").fingerprint("t1")


def test_memory_shared_one_token_and_one_budget_for_clients_of_a_process() -> None:
    sandbox = Sandbox(seed=2, orders=60, rate_limit={"get_order": 10}, rate_limit_window=1.0)
    numbers = sandbox.order_numbers(sandbox.customer_number)[:30]
    shared = MemoryShared()

    async def main() -> float:
        clients = [sandbox.client(shared=shared) for _ in range(3)]
        started = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for i, client in enumerate(clients):
                tg.start_soon(_get_orders, client, numbers[i::3])
        return time.perf_counter() - started

    elapsed = anyio.run(main)
    assert sandbox.counters.tokens_issued == 1
    assert sandbox.counters.responses[("get_order", 200)] == 30
    assert sandbox.counters.responses[("get_order", 429)] == 0
    # 30 calls at 10 per server window in all (three windows, so past two window ends),
    # not 10 per window per client; the budget follows the server's window boundaries.
    assert elapsed > 1.0


# --- one token ----------------------------------------------------------------------------


def test_cold_cache_many_processes_make_one_token_request(redis_server: RedisServer) -> None:
    sandbox = Sandbox(seed=3, orders=20)
    number = sandbox.order_numbers(sandbox.customer_number)[0]
    namespace = _ns()

    async def main() -> list[int]:
        # A RedisShared each: as separate processes, nothing shared but Redis.
        clients = [sandbox.client(shared=_shared(redis_server, namespace)) for _ in range(8)]
        async with anyio.create_task_group() as tg:
            for client in clients:
                tg.start_soon(client.get_order, number)
        return [c.token_requests for c in clients]

    per_client = anyio.run(main)
    assert sandbox.counters.tokens_issued == 1
    assert sorted(per_client) == [0] * 7 + [1]


def test_a_401_in_one_process_invalidates_the_token_for_all(redis_server: RedisServer) -> None:
    sandbox = Sandbox(seed=4, orders=20)
    number = sandbox.order_numbers(sandbox.customer_number)[0]
    namespace = _ns()

    async def main() -> tuple[int, int]:
        a = sandbox.client(shared=_shared(redis_server, namespace))
        b = sandbox.client(shared=_shared(redis_server, namespace))
        await a.get_order(number)
        await b.get_order(number)
        assert sandbox.counters.tokens_issued == 1
        sandbox.revoke_tokens()
        await a.get_order(number)  # 401, a new token, replayed
        assert sandbox.counters.tokens_issued == 2
        await b.get_order(number)  # 401 too, but takes the token a stored: no fetch
        return a.token_requests, b.token_requests

    assert anyio.run(main) == (2, 0)
    assert sandbox.counters.tokens_issued == 2
    assert sandbox.counters.responses[("get_order", 401)] == 2


def test_token_at_rest_is_sealed_and_keys_are_per_app(redis_server: RedisServer) -> None:
    import redis

    sandbox = Sandbox(seed=5, orders=20)
    number = sandbox.order_numbers(sandbox.customer_number)[0]
    namespace = _ns()

    async def main() -> tuple[SharedToken | None, SharedToken | None]:
        client = sandbox.client(shared=_shared(redis_server, namespace))
        await client.get_order(number)
        own_store, _ = _shared(redis_server, namespace).bind(sandbox.client_id, SECRET)
        wrong_store, _ = _shared(redis_server, namespace).bind(sandbox.client_id, "wrong")
        return await own_store.get(), await wrong_store.get()

    own, wrong = anyio.run(main)
    assert own is not None and wrong is None  # another secret cannot read it
    raw = redis.Redis.from_url(redis_server.url)
    keys = sorted(k.decode() for k in raw.keys(f"xi-orders:{{{namespace}:*"))
    assert keys, "nothing stored"
    for key in keys:
        assert sandbox.client_id not in key and SECRET not in key
    token_keys = [k for k in keys if k.endswith(":token")]
    assert len(token_keys) == 1
    stored = raw.get(token_keys[0])
    assert stored is not None and own.value.encode() not in stored
    assert SECRET.encode() not in stored
    assert 0 < raw.pttl(token_keys[0]) <= 86400 * 1000  # expires with the token
    raw.close()


# --- one budget ---------------------------------------------------------------------------


def test_processes_share_the_budget(redis_server: RedisServer) -> None:
    sandbox = Sandbox(seed=6, orders=60, rate_limit={"get_order": 10}, rate_limit_window=1.0)
    numbers = sandbox.order_numbers(sandbox.customer_number)[:30]
    namespace = _ns()

    async def main() -> float:
        clients = [sandbox.client(shared=_shared(redis_server, namespace)) for _ in range(3)]
        await clients[0].search_orders(page_size=1, limit=1).collect()  # the token first
        started = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for i, client in enumerate(clients):
                tg.start_soon(_get_orders, client, numbers[i::3])
        return time.perf_counter() - started

    elapsed = anyio.run(main)
    assert sandbox.counters.responses[("get_order", 200)] == 30
    assert sandbox.counters.responses[("get_order", 429)] == 0
    assert elapsed > 1.0  # three server windows (each client alone would send its 10 at once)
    assert sandbox.counters.tokens_issued == 1


def test_the_servers_out_signal_reaches_every_process(redis_server: RedisServer) -> None:
    namespace = _ns()
    limit = RateLimit(100, 1.0)

    async def main() -> float:
        _, first = _shared(redis_server, namespace).bind("app", SECRET)
        _, second = _shared(redis_server, namespace).bind("app", SECRET)
        assert await first.acquire("get_order", limit)
        first.backoff("get_order", 0.6)  # as after X-RateLimit-Remaining: 0
        await anyio.sleep(0.05)  # the close goes to Redis in the background
        started = time.perf_counter()
        assert await second.acquire("get_order", limit)
        return time.perf_counter() - started

    assert anyio.run(main) >= 0.4


async def _answered(budget: Any, limit: RateLimit) -> None:
    """Count a call, and its answer."""
    assert await budget.acquire("get_order", limit)
    budget.settle("get_order")


async def _boundary_waits(first: Any, second: Any) -> tuple[float, float, float]:
    """Fill a 3-per-10-s budget with answered calls; the server's window then ends in 0.3 s:
    how long the next call waits. Fill it again, this time one call unanswered; the window
    ends: how long the next call may wait (the unanswered one may land in the new window).
    Other processes then announce the next window again, their estimates of its end a
    little apart (as they are): how long the next call may wait."""
    limit = RateLimit(3, 10.0)
    for _ in range(3):
        await _answered(first, limit)
    first.window_ends("get_order", 1000.0, 0.3)
    await anyio.sleep(0.05)  # announcements go to Redis in the background
    started = time.perf_counter()
    await _answered(second, limit)
    fresh_window = time.perf_counter() - started
    await _answered(first, limit)
    assert await first.acquire("get_order", limit)  # on its way, not answered yet
    first.window_ends("get_order", 1010.0, 0.2)
    await anyio.sleep(0.25)
    await _answered(second, limit)
    await _answered(second, limit)
    started = time.perf_counter()
    with anyio.move_on_after(0.5):
        await second.acquire("get_order", limit)  # the third: the unanswered call holds it
    in_flight_holds = time.perf_counter() - started
    first.window_ends("get_order", 1020.0, 9.0)  # the server's next window
    second.window_ends("get_order", 1020.0, 9.02)  # the same window, a later estimate
    await anyio.sleep(0.05)
    started = time.perf_counter()
    with anyio.move_on_after(0.5):
        await second.acquire("get_order", limit)
    return fresh_window, in_flight_holds, time.perf_counter() - started


def _check_boundary(waits: tuple[float, float, float]) -> None:
    fresh_window, in_flight_holds, same_window = waits
    assert 0.15 < fresh_window < 1.0  # not the 10 s of the moving window
    assert in_flight_holds >= 0.45  # the unanswered call counts in the new window
    assert same_window >= 0.45  # still full: the repeat did not open a window


def test_memory_budget_follows_the_servers_window_boundary() -> None:
    budget = MemoryShared().bind("app", SECRET)[1]
    _check_boundary(anyio.run(_boundary_waits, budget, budget))


def test_a_late_call_counted_in_the_new_window_keeps_its_slot() -> None:
    budget = MemoryShared().bind("app", SECRET)[1]
    limit = RateLimit(2, 10.0)

    async def main() -> float:
        budget.window_ends("get_order", 1000.0, 0.1)
        assert await budget.acquire("get_order", limit)  # sent before the window ends...
        await anyio.sleep(0.2)
        budget.window_ends("get_order", 1010.0, 9.0)
        budget.settle("get_order", 1010.0)  # ...and counted in the next one, says the server
        await _answered(budget, limit)
        started = time.perf_counter()
        with anyio.move_on_after(0.4):
            await budget.acquire("get_order", limit)
        return time.perf_counter() - started

    assert anyio.run(main) >= 0.35  # two counted in the new window: it is full


def test_redis_budget_follows_the_servers_window_boundary(redis_server: RedisServer) -> None:
    namespace = _ns()

    async def main() -> tuple[float, float, float]:
        _, first = _shared(redis_server, namespace).bind("app", SECRET)
        _, second = _shared(redis_server, namespace).bind("app", SECRET)
        return await _boundary_waits(first, second)

    _check_boundary(anyio.run(main))


def test_sync_client_and_bulk_lookups_use_the_same_budget(redis_server: RedisServer) -> None:
    sandbox = Sandbox(seed=7, orders=60, rate_limit={"get_order": 10}, rate_limit_window=1.0)
    numbers = sandbox.order_numbers(sandbox.customer_number)[:30]
    namespace = _ns()
    sync_client = OrdersClient.wrap(sandbox.client(shared=_shared(redis_server, namespace)))
    results: dict[str, Any] = {}

    def sync_side() -> None:
        for number in numbers[:10]:
            results[number] = sync_client.get_order(number)
        results.update(sync_client.get_orders(numbers[10:20]).collect())

    async def async_side() -> None:
        client = sandbox.client(shared=_shared(redis_server, namespace))
        results.update(await client.get_orders(numbers[20:]).collect())

    thread = threading.Thread(target=sync_side)
    started = time.perf_counter()
    thread.start()
    anyio.run(async_side)
    thread.join()
    elapsed = time.perf_counter() - started
    sync_client.close()
    assert len(results) == 30
    assert sandbox.counters.responses[("get_order", 429)] == 0
    assert sandbox.counters.responses[("get_order", 200)] == 30
    assert sandbox.counters.tokens_issued == 1
    assert elapsed > 1.0  # 30 calls at 10 per server window: three windows


# --- when Redis fails ----------------------------------------------------------------------


def test_redis_unreachable_at_start_falls_back_to_per_process_pacing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from xi_orders.shared import RedisShared

    sandbox = Sandbox(seed=8, orders=40, rate_limit={"get_order": 5}, rate_limit_window=1.0)
    numbers = sandbox.order_numbers(sandbox.customer_number)[:12]
    shared = RedisShared(f"redis://127.0.0.1:{free_port()}/0", namespace=_ns(), timeout=0.3)

    async def main() -> float:
        client = sandbox.client(shared=shared)
        started = time.perf_counter()
        details = await client.get_orders(numbers).collect()
        assert len(details) == 12
        return time.perf_counter() - started

    with caplog.at_level(logging.WARNING, logger="xi_orders"):
        elapsed = anyio.run(main)
    assert "falling back to per-process pacing" in caplog.text
    assert not shared.available
    assert sandbox.counters.responses[("get_order", 200)] == 12
    assert sandbox.counters.responses[("get_order", 429)] == 0
    assert elapsed > 1.9  # still paced: 12 calls at 5 a second, not all at once
    assert sandbox.counters.tokens_issued == 1


def test_slow_redis_never_holds_a_call_past_the_timeout(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = Sandbox(seed=9, orders=20)
    number = sandbox.order_numbers(sandbox.customer_number)[0]
    shared = _shared(own_redis, _ns(), timeout=0.3, retry_interval=0.5)

    async def main() -> tuple[float, bool]:
        client = sandbox.client(shared=shared, rate_limit=RateLimit(100, 1.0))
        await client.get_order(number)  # connected, token stored
        assert shared.available
        own_redis.command("CLIENT", "PAUSE", "2000", "ALL")  # Redis answers nothing for 2 s
        started = time.perf_counter()
        await client.get_order(number)
        took = time.perf_counter() - started
        await anyio.sleep(2.2 - took)  # the pause is over, and so is retry_interval
        await client.get_order(number)
        return took, shared.available

    with caplog.at_level(logging.WARNING, logger="xi_orders"):
        took, available_again = anyio.run(main)
    assert took < 1.2, f"a call waited {took:.2f} s on a paused Redis"
    assert "falling back" in caplog.text and "no answer within 0.3 s" in caplog.text
    assert available_again and "answers again" in caplog.text


# --- the fleet: real worker processes --------------------------------------------------------

FLEET = {"workers": 4, "limit": 60, "window": 2.0, "per_worker": 60}


def test_four_workers_share_one_budget_and_one_token(redis_server: RedisServer) -> None:
    shared = run_fleet("shared", redis_url=redis_server.url, **FLEET)  # type: ignore[arg-type]
    alone = run_fleet("per-process", redis_url=None, **FLEET)  # type: ignore[arg-type]
    summary = {"shared": shared.summary(), "per-process": alone.summary()}
    print(summary)
    assert shared.exactly_one_result_each() and alone.exactly_one_result_each()
    assert shared.outcomes == {"OrderDetail": 240}
    assert shared.token_requests == 1, summary
    assert shared.too_many_after_first_window == 0, summary
    assert shared.whole_windows >= 2, summary
    assert shared.accepted_share >= 0.90, summary  # the benchmark holds the 95% target
    assert not any("falling back" in log for log in shared.logs)
    # Side by side: what the shared budget prevents. Each process alone stops when the
    # server says Remaining: 0, so its 429s are the calls in flight at each window's end
    # (at most 4 workers x 16 a window): in 8 runs, 56-133 in all and 44-99 after the
    # first window, against the shared budget's 0 after it. (An earlier "> 60 in all" was inside
    # that spread and failed a CI run with 56.) More than the fleet tests' 10% tolerance
    # tells the two apart.
    assert alone.token_requests == 4, summary
    assert alone.too_many_after_first_window > int(FLEET["limit"]) // 10, summary


def _record_sandboxes(monkeypatch: pytest.MonkeyPatch) -> list[Sandbox]:
    """The sandboxes ``run_fleet`` builds (it keeps only counts): for their request logs."""
    import xi_orders.testing

    made: list[Sandbox] = []

    class Recorded(Sandbox):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(xi_orders.testing, "Sandbox", Recorded)
    return made


def test_redis_killed_mid_run_every_worker_finishes(
    own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis killed mid-run (after 100 of the 240 lookups, in the run's second or third
    server window): every worker finishes, and pacing goes on (each at its share of the limit),
    never unpaced, in the server's windows after the kill's. The window right after the
    kill's can take a few calls over the limit while the workers move to their local
    windows (calls sent at the end of one window reach the server in the next): in 15
    printed runs at most 65 calls and 5 refused with 429 (14 of them: <= 60 and 0); a fallback at the full
    limit per process sent 80 and drew 33 429s (measured with that mutation, killed after
    40). The bounds below, 25% of the limit (75 calls, 15 refused), tell the two apart; the
    10% they were at first sat at the edge of what the right behaviour does.

    After 100 lookups every worker has asked Redis for a get_order slot (the first window
    held 60), so each knows the 4 members its fallback share is computed from. Killed
    earlier, a worker whose last Redis answer came before the others joined (the first to
    start) can fall back at a larger share, and 429s follow until the server's reset."""
    sandboxes = _record_sandboxes(monkeypatch)
    killed: list[float] = []

    def kill() -> None:
        killed.append(time.time())  # the sandbox's clock: its request log's times
        own_redis.kill()

    fleet = run_fleet(
        "killed",
        redis_url=own_redis.url,
        during=kill,
        during_after_calls=100,
        **FLEET,  # type: ignore[arg-type]
    )
    (sandbox,) = sandboxes
    window, limit = float(FLEET["window"]), int(FLEET["limit"])
    kill_window = math.floor(killed[0] / window)
    after: Counter[int] = Counter()
    refused_after = 0
    for record in sandbox.request_log:
        index = math.floor(record.time / window)
        if record.endpoint == "get_order" and index > kill_window:
            after[index] += 1
            refused_after += record.status == 429
    summary = {
        **fleet.summary(),
        "calls_per_window_after_kill": [after[i] for i in sorted(after)],
        "429_after_kill_window": refused_after,
    }
    print(summary)
    assert fleet.exactly_one_result_each(), summary
    assert sum(fleet.outcomes.values()) == 240
    assert all("falling back" in log for log in fleet.logs), fleet.logs
    assert all(w["redis_available"] is False for w in fleet.workers)
    assert fleet.token_requests == 1  # fetched before the kill, kept by every worker
    # The kill comes after 100 lookups, and the kill's window accepts at most the limit:
    # at least 240 - 100 - 60 = 80 lookups ran after it, on local shares, over two or more
    # server windows. (Not "half": the server's windows are wall-clock aligned, so a run
    # that starts late in one has a short first window and the kill can land a window
    # later; measured once: 7 + 60 before, 60 with the kill, 113 after.)
    assert sum(after.values()) >= 240 - 100 - limit, summary
    assert len(after) >= 2, summary
    assert max(after.values()) <= limit + limit // 4, summary
    assert refused_after <= limit // 4, summary
