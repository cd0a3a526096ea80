"""Shared fixtures: a respx-mocked API, a client wired to it, and a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx
from redis_support import describe_redis_server

from xi_orders import AsyncOrdersClient, RetryPolicy, _clock

BASE = "https://api.example.test"
TOKEN_URL = f"{BASE}/oauth/oauth30/token"
SECRET = "s3cr3t-Client-Secret-value"
TOKEN = "tok-A1b2C3d4E5f6-access-token"


def pytest_report_header(config: pytest.Config) -> str:
    """Say which Redis-protocol server the shared-budget tests run against."""
    return describe_redis_server()


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Core tests marked ``@pytest.mark.anyio`` run on asyncio and on trio."""
    return str(request.param)


class FakeClock:
    """Replaces ``xi_orders._clock``: sleeping advances time instantly, and is recorded."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.epoch_offset = 1_700_000_000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.epoch_offset + self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)
        await anyio.lowlevel.checkpoint()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(_clock, "monotonic", fake.monotonic)
    monkeypatch.setattr(_clock, "wall", fake.wall)
    monkeypatch.setattr(_clock, "sleep", fake.sleep)
    return fake


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    """A mocked API host with a working token endpoint."""
    with respx.mock(using="httpx", base_url=BASE, assert_all_called=False) as router:
        router.post("/oauth/oauth30/token", name="token").mock(
            return_value=httpx.Response(
                200, json={"access_token": TOKEN, "token_type": "Bearer", "expires_in": "86399"}
            )
        )
        yield router


def make_client(**overrides: Any) -> AsyncOrdersClient:
    settings: dict[str, Any] = {
        "client_id": "my-app",
        "client_secret": SECRET,
        "customer_number": "20-222222",
        "country_code": "US",
        "base_url": BASE,
        "retry": RetryPolicy(wait_initial=0.0, wait_jitter=0.0),
        "rate_limit": None,
    }
    settings.update(overrides)
    return AsyncOrdersClient(**settings)


#: Parameter combinations that cannot exist: an asyncio-only transport under trio, and
#: httpx's stock pool at a concurrency above the 20 idle connections it keeps (the very
#: problem tests/test_real_sockets.py shows the default transports do not have).
_IMPOSSIBLE = (
    lambda p: (
        p.get("anyio_backend") == "trio"
        and p.get("kind") in {"aiohttp", "aiohttp_via_httpx", "httpx_aiohttp"}
    ),
    lambda p: p.get("kind") == "httpx" and p.get("concurrency", 0) > 20,
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect impossible parameter combinations instead of reporting them as skipped."""
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        (dropped if any(rule(params) for rule in _IMPOSSIBLE) else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
