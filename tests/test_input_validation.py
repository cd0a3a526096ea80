"""Order numbers, URLs and client settings are checked before anything is sent."""

from __future__ import annotations

import inspect
import logging
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from tests.conftest import SECRET, TOKEN, make_client
from xi_orders import AsyncOrdersClient, ValidationError
from xi_orders.models import OrderCreateLine, OrderModifyRequest
from xi_orders.sync import OrdersClient
from xi_orders.testing import Sandbox

SETTINGS: dict[str, Any] = {
    "client_id": "my-app",
    "client_secret": SECRET,
    "customer_number": "20-222222",
    "country_code": "US",
}

BAD_ORDER_NUMBERS = [
    ".",
    "..",
    "",
    "x" * 10_000,
    "20-ABCDEFGHIJ",  # 13 characters: over the spec's 12
    " 20-6FQ5M ",
    "20-RD\nX",
    "20-RD\tX",
    "20/RD3QV",
    "20-RD?a=1",
    "20-RD#x",
    "20-RD%2F",
    "20-RD\\X",
    "20-RDÄX",
    "20-\x00RD",
]


def _operations(client: AsyncOrdersClient, number: Any) -> list[Any]:
    """Each operation that takes an order number, as a coroutine factory."""
    return [
        lambda: client.get_order(number),
        lambda: client.modify_order(number, OrderModifyRequest(notes="x")),
        lambda: client.release_order(number),
        lambda: client.cancel_order(number),
    ]


@pytest.mark.anyio
@pytest.mark.parametrize("number", BAD_ORDER_NUMBERS, ids=lambda v: repr(v)[:16])
async def test_bad_order_numbers_are_refused_before_anything_is_sent(
    api: respx.MockRouter, number: str
) -> None:
    async with make_client() as client:
        for operation in _operations(client, number):
            with pytest.raises(ValidationError) as caught:
                await operation()
            assert caught.value.field == "order_number"
            assert len(str(caught.value)) < 200  # a 10 kB number is not echoed back
    assert not api.calls  # not even a token request


@pytest.mark.anyio
async def test_a_good_order_number_goes_into_the_path_of_every_operation(
    api: respx.MockRouter,
) -> None:
    api.get("/resellers/v6.1/orders/20-RD3QV-11").respond(json={"ingramOrderNumber": "20-RD3QV-11"})
    api.put("/resellers/v6/orders/20-RD3QV-11").respond(json={})
    api.delete("/resellers/v6/orders/20-RD3QV-11").respond(200)
    async with make_client() as client:
        for operation in _operations(client, "20-RD3QV-11"):
            await operation()


@pytest.mark.anyio
async def test_a_bad_number_in_a_bulk_lookup_is_that_numbers_result(
    api: respx.MockRouter,
) -> None:
    route = api.get("/resellers/v6.1/orders/20-RD3QV").respond(json={"ingramOrderNumber": "x"})
    async with make_client() as client:
        results = await client.get_orders(["20-RD3QV", ".."]).collect()
    assert isinstance(results[".."], ValidationError)
    assert route.call_count == 1


# --- URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "url"),
    [
        ("base_url", "http://api.ingrammicro.com"),
        ("base_url", "http://10.0.0.5:8080"),
        ("token_url", "http://api.ingrammicro.com/oauth/oauth30/token"),
    ],
)
def test_plain_http_is_refused_off_this_machine(setting: str, url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AsyncOrdersClient(**SETTINGS, **{setting: url})
    assert caught.value.field == setting
    assert "https" in str(caught.value) and "allow_insecure" in str(caught.value)


def test_plain_http_when_asked_for_or_on_loopback() -> None:
    client = AsyncOrdersClient(**SETTINGS, base_url="http://proxy.internal", allow_insecure=True)
    assert client.token_url == "http://proxy.internal/oauth/oauth30/token"
    for url in (
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:9",
        "http://127.1.2.3",
    ):
        assert AsyncOrdersClient(**SETTINGS, base_url=url).base_url == url


@pytest.mark.parametrize(
    "url", ["https://user:pw@api.ingrammicro.com", "https://user@api.ingrammicro.com"]
)
def test_credentials_in_a_url_are_refused_and_not_echoed(url: str) -> None:
    for setting in ("base_url", "token_url"):
        with pytest.raises(ValidationError) as caught:
            AsyncOrdersClient(**SETTINGS, **{setting: url})
        assert caught.value.field == setting
        assert "pw" not in str(caught.value) and "user@" not in str(caught.value)


@pytest.mark.parametrize(
    "url", ["https://", "https:///resellers", "ftp://api.ingrammicro.com", "api.ingrammicro.com"]
)
def test_a_base_url_without_a_host_blames_base_url(url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AsyncOrdersClient(**SETTINGS, base_url=url)
    assert caught.value.field == "base_url"


def test_a_base_url_with_a_query_or_bad_port() -> None:
    for url in ("https://api.example.test?x=1", "https://api.example.test#top", "https://h:99999"):
        with pytest.raises(ValidationError) as caught:
            AsyncOrdersClient(**SETTINGS, base_url=url)
        assert caught.value.field == "base_url"


# --- environments (sandbox vs production) ---------------------------------------------


def test_production_and_sandbox_environments() -> None:
    production = AsyncOrdersClient(**SETTINGS)
    assert production.base_url == "https://api.ingrammicro.com:443"
    assert production.token_url == "https://api.ingrammicro.com:443/oauth/oauth30/token"
    sandbox = AsyncOrdersClient(**SETTINGS, environment="sandbox")
    assert sandbox.base_url == "https://api.ingrammicro.com:443/sandbox"
    # The token endpoint is at the host root for the sandbox too.
    assert sandbox.token_url == "https://api.ingrammicro.com:443/oauth/oauth30/token"
    # A base URL with a path no longer moves the token endpoint under it.
    moved = AsyncOrdersClient(**SETTINGS, base_url="https://api.ingrammicro.com:443/sandbox")
    assert moved.token_url == "https://api.ingrammicro.com:443/oauth/oauth30/token"
    both = AsyncOrdersClient(
        **SETTINGS, environment="sandbox", token_url="https://auth.example.test/token"
    )
    assert both.token_url == "https://auth.example.test/token"
    with pytest.raises(ValidationError) as caught:
        AsyncOrdersClient(**SETTINGS, environment="staging")  # type: ignore[arg-type]
    assert caught.value.field == "environment"


def test_from_env_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SETTINGS.items():
        monkeypatch.setenv(f"XI_{name.upper()}", value)
    monkeypatch.setenv("XI_ENVIRONMENT", "sandbox")
    client = AsyncOrdersClient.from_env()
    assert client.base_url == "https://api.ingrammicro.com:443/sandbox"
    assert client.token_url == "https://api.ingrammicro.com:443/oauth/oauth30/token"


@pytest.mark.anyio
async def test_the_sandbox_environment_on_the_wire() -> None:
    host = "https://api.ingrammicro.com:443"
    with respx.mock(using="httpx", assert_all_called=True) as router:
        token = router.post(f"{host}/oauth/oauth30/token").respond(
            json={"access_token": TOKEN, "expires_in": "86399"}
        )
        order = router.get(f"{host}/sandbox/resellers/v6.1/orders/20-RD3QV").respond(
            json={"ingramOrderNumber": "20-RD3QV"}
        )
        async with AsyncOrdersClient(**SETTINGS, environment="sandbox", rate_limit=None) as c:
            await c.get_order("20-RD3QV")
    assert token.call_count == 1 and order.call_count == 1


# --- other settings ----------------------------------------------------------------


@pytest.mark.parametrize("timeout", ["30", -1, 0, float("nan"), float("inf"), True, None])
def test_a_bad_timeout_is_refused_at_construction(timeout: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        AsyncOrdersClient(**SETTINGS, timeout=timeout)
    assert caught.value.field == "timeout"


def test_a_bad_httpx_timeout_part_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        AsyncOrdersClient(**SETTINGS, timeout=httpx.Timeout(5.0, read=-1))
    assert caught.value.field == "timeout.read"
    AsyncOrdersClient(**SETTINGS, timeout=httpx.Timeout(5.0, pool=None))
    AsyncOrdersClient(**SETTINGS, timeout=12)


@pytest.mark.anyio
async def test_timeout_and_http_client_together_are_refused() -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        with pytest.raises(ValidationError) as caught:
            AsyncOrdersClient(**SETTINGS, http_client=http, timeout=0.1)
        assert caught.value.field == "timeout"
        AsyncOrdersClient(**SETTINGS, http_client=http)  # its own timeout applies


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("http_client", object()),
        ("transport", "x"),
        ("retry", 3),
        ("allow_insecure", "yes"),
        ("rate_limit", 60),
    ],
)
def test_settings_of_the_wrong_type_are_named(setting: str, value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        AsyncOrdersClient(**SETTINGS, **{setting: value})
    assert caught.value.field == setting


def test_a_negative_unit_price_says_negative() -> None:
    line = OrderCreateLine(
        customer_line_number="1",
        ingram_part_number="6YE881",
        quantity=1,
        unit_price=-1,  # type: ignore[arg-type]
    )
    with pytest.raises(ValidationError) as caught:
        line.validate()
    assert caught.value.field == "line.unit_price"
    assert "must not be negative" in str(caught.value)
    line.unit_price = Decimal(0)
    line.validate()


# --- the sync client's signature ------------------------------------------------------


def test_sync_client_takes_the_same_typed_settings() -> None:
    ours = inspect.signature(OrdersClient.__init__)
    theirs = inspect.signature(AsyncOrdersClient.__init__)
    assert ours.parameters == theirs.parameters
    with pytest.raises(TypeError):
        OrdersClient(**SETTINGS, no_such_setting=1)  # type: ignore[call-arg]


# --- README promises: get_orders' settings, DEBUG lines per attempt ------------------


@pytest.mark.anyio
async def test_get_orders_passes_order_settings_and_a_correlation_id_prefix() -> None:
    sandbox = Sandbox(orders=3)
    numbers = sandbox.order_numbers()
    async with sandbox.client() as client:
        results = await client.get_orders(
            [*numbers, numbers[0]], vendor_number="V1", correlation_id="batch-7"
        ).collect()
    assert list(results) == numbers
    log = sandbox.request_log
    assert sorted(r.correlation_id for r in log if r.endpoint == "get_order") == [
        "batch-7-1",
        "batch-7-2",
        "batch-7-3",
    ]
    detail = results[numbers[1]]
    assert not isinstance(detail, Exception) and detail.response is not None
    assert detail.response.correlation_id == "batch-7-2"  # each OrderDetail has its .response


@pytest.mark.anyio
async def test_get_orders_sends_vendor_number_and_order_date(api: respx.MockRouter) -> None:
    route = api.get("/resellers/v6.1/orders/20-RD3QV").respond(json={"ingramOrderNumber": "x"})
    async with make_client() as client:
        await client.get_orders(
            ["20-RD3QV"], vendor_number="V1", order_date="2024-01-31", is_iml=True
        ).collect()
        with pytest.raises(ValidationError) as caught:
            client.get_orders(["20-RD3QV"], order_date="31/01/2024")
        assert caught.value.field == "order_date"
        with pytest.raises(ValidationError):
            client.get_orders(["20-RD3QV"], correlation_id="x" * 33)
    params = route.calls.last.request.url.params
    assert params["vendorNumber"] == "V1" and params["ingramOrderDate"] == "2024-01-31"
    assert params["isIml"] == "true"


@pytest.mark.anyio
async def test_a_401_and_its_replay_are_two_attempts_and_two_log_lines(
    api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    api.get("/resellers/v6.1/orders/20-RD3QV").mock(
        side_effect=[
            httpx.Response(401, json={"fault": {"faultstring": "Invalid access token"}}),
            httpx.Response(200, json={"ingramOrderNumber": "20-RD3QV"}),
        ]
    )
    caplog.set_level(logging.DEBUG, logger="xi_orders")
    async with make_client() as client:
        order = await client.get_order("20-RD3QV")
    assert order.response is not None and order.response.attempts == 2
    lines = [r.getMessage() for r in caplog.records if "/resellers/" in r.getMessage()]
    assert len(lines) == 2
    assert "-> 401" in lines[0] and "attempt 1" in lines[0]
    assert "-> 200" in lines[1] and "attempt 2" in lines[1]
    assert TOKEN not in caplog.text and SECRET not in caplog.text
