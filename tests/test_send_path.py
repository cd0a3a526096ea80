"""Wire-level tests of the one send path: token flow, headers, errors, retries, pacing, logs."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

import anyio
import httpx
import pytest
import respx

from tests.conftest import BASE, SECRET, TOKEN, FakeClock, make_client
from xi_orders import (
    APIConnectionError,
    APITimeoutError,
    AsyncOrdersClient,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    RateLimit,
    RateLimitError,
    ResponseDecodeError,
    RetryPolicy,
    TokenRequestError,
    UnauthorizedError,
    ValidationError,
)
from xi_orders._endpoints import CANCEL_ORDER, CREATE_ORDER, GET_ORDER
from xi_orders._pipeline import Reply

ORDER = "/resellers/v6.1/orders/20-RD3QV"


async def get(client: AsyncOrdersClient, number: str = "20-RD3QV", **kw: Any) -> Reply:
    return await client._session.pipeline.send(GET_ORDER, path_arg=number, **kw)


async def post(client: AsyncOrdersClient, **kw: Any) -> Reply:
    return await client._session.pipeline.send(
        CREATE_ORDER, body={"customerOrderNumber": "PO1"}, **kw
    )


# --- token flow --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_token_request_is_a_form_post_with_the_secret_only_in_the_body(
    api: respx.MockRouter,
) -> None:
    api.get(ORDER).respond(200, json={"ingramOrderNumber": "20-RD3QV"})
    async with make_client() as client:
        reply = await get(client)
    assert reply.data == {"ingramOrderNumber": "20-RD3QV"}
    token_call = api["token"].calls.last.request
    assert token_call.method == "POST"
    assert token_call.url == f"{BASE}/oauth/oauth30/token"
    assert SECRET not in str(token_call.url)
    assert token_call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_call.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": ["my-app"],
        "client_secret": [SECRET],
    }
    api_call = api.calls.last.request
    assert api_call.headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.anyio
async def test_token_is_cached_across_calls(api: respx.MockRouter) -> None:
    api.get(ORDER).respond(200, json={})
    async with make_client() as client:
        for _ in range(5):
            await get(client)
        assert api["token"].call_count == 1
        assert client.token_requests == 1


@pytest.mark.anyio
async def test_expired_token_is_refreshed(api: respx.MockRouter) -> None:
    api["token"].mock(
        return_value=httpx.Response(200, json={"access_token": "short", "expires_in": 0})
    )
    api.get(ORDER).respond(200, json={})
    async with make_client() as client:
        await get(client)
        await get(client)
    assert api["token"].call_count == 2


@pytest.mark.anyio
async def test_single_flight_100_concurrent_calls_on_a_cold_token(api: respx.MockRouter) -> None:
    async def slow_token(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(0.05)
        return httpx.Response(200, json={"access_token": TOKEN, "expires_in": "86399"})

    api["token"].mock(side_effect=slow_token)
    api.get(ORDER).respond(200, json={})
    async with make_client() as client, anyio.create_task_group() as tg:
        for _ in range(100):
            tg.start_soon(get, client)
    assert api["token"].call_count == 1
    assert api.routes[1].call_count == 100


@pytest.mark.anyio
async def test_401_refreshes_once_and_replays_once(api: respx.MockRouter) -> None:
    tokens = iter(["first", "second"])
    api["token"].mock(
        side_effect=lambda _: httpx.Response(
            200, json={"access_token": next(tokens), "expires_in": "86399"}
        )
    )
    route = api.get(ORDER)
    route.side_effect = [
        httpx.Response(401, json={"message": "expired"}),
        httpx.Response(200, json={"ok": 1}),
    ]
    async with make_client() as client:
        reply = await get(client, correlation_id="cid-of-the-call")
    assert reply.data == {"ok": 1}
    assert [c.request.headers["authorization"] for c in route.calls] == [
        "Bearer first",
        "Bearer second",
    ]
    assert api["token"].call_count == 2
    # Both token requests (the first, and the refresh after the 401) and both sends carry
    # the call's correlation ID, so support can join them.
    cids = [c.request.headers["IM-CorrelationID"] for c in api["token"].calls]
    assert cids == ["cid-of-the-call", "cid-of-the-call"]
    assert {c.request.headers["IM-CorrelationID"] for c in route.calls} == {"cid-of-the-call"}


@pytest.mark.anyio
async def test_second_401_raises_without_looping(api: respx.MockRouter) -> None:
    route = api.get(ORDER).respond(401, json={"errors": [{"message": "Invalid token"}]})
    async with make_client() as client:
        with pytest.raises(UnauthorizedError) as caught:
            await get(client)
    assert route.call_count == 2
    assert api["token"].call_count == 2
    assert caught.value.status_code == 401
    assert isinstance(caught.value, AuthenticationError)
    assert caught.value.api_message == "Invalid token"


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            httpx.Response(400, json={"message": "Invalid client credentials"}),
            "Invalid client credentials",
        ),
        (
            httpx.Response(
                500,
                json={
                    "fault": {
                        "faultstring": "Internal Server Error",
                        "detail": {"errorcode": "E42"},
                    }
                },
            ),
            "Internal Server Error",
        ),
        (
            httpx.Response(502, text="<html><title>Bad Gateway</title><body>x</body></html>"),
            "Bad Gateway",
        ),
        (
            httpx.Response(401, text=f"client_secret={SECRET} rejected"),
            "client_secret=*** rejected",
        ),
    ],
)
@pytest.mark.anyio
async def test_token_endpoint_errors(
    api: respx.MockRouter, response: httpx.Response, message: str
) -> None:
    api["token"].mock(return_value=response)
    route = api.get(ORDER).respond(200, json={})
    async with make_client() as client:
        with pytest.raises(TokenRequestError) as caught:
            await get(client)
    error = caught.value
    assert isinstance(error, AuthenticationError)
    assert error.status_code == response.status_code
    assert error.api_message == message
    assert SECRET not in str(error) + repr(error) + error.body + repr(error.args)
    assert not route.called


@pytest.mark.anyio
async def test_token_endpoint_network_failure(api: respx.MockRouter) -> None:
    api["token"].mock(side_effect=httpx.ConnectError("refused"))
    async with make_client() as client:
        with pytest.raises(APIConnectionError, match="reaching the token endpoint") as caught:
            await get(client)
    assert SECRET not in str(caught.value)


@pytest.mark.anyio
async def test_token_200_without_token_is_a_decode_error(api: respx.MockRouter) -> None:
    api["token"].mock(return_value=httpx.Response(200, text="<html>login</html>"))
    async with make_client() as client:
        with pytest.raises(ResponseDecodeError, match="without a usable access_token"):
            await get(client)


# --- headers and correlation IDs --------------------------------------------------------


@pytest.mark.anyio
async def test_im_headers_on_every_call(api: respx.MockRouter) -> None:
    route = api.get(ORDER).respond(200, json={})
    async with make_client(sender_id="MyCompany") as client:
        await get(client)
    headers = route.calls.last.request.headers
    assert headers["IM-CustomerNumber"] == "20-222222"
    assert headers["IM-CountryCode"] == "US"
    assert headers["IM-SenderID"] == "MyCompany"
    assert len(headers["IM-CorrelationID"]) == 32


@pytest.mark.anyio
async def test_sender_id_is_omitted_when_not_configured(api: respx.MockRouter) -> None:
    route = api.get(ORDER).respond(200, json={})
    async with make_client() as client:
        await get(client)
    assert "IM-SenderID" not in route.calls.last.request.headers


@pytest.mark.anyio
async def test_correlation_ids_are_unique_and_within_the_limit(api: respx.MockRouter) -> None:
    route = api.get(ORDER).respond(200, json={})
    async with make_client() as client:
        replies = [await get(client) for _ in range(50)]
    sent = [c.request.headers["IM-CorrelationID"] for c in route.calls]
    assert len(set(sent)) == 50
    assert all(len(cid) <= 32 for cid in sent)
    assert [r.meta.correlation_id for r in replies] == sent


@pytest.mark.anyio
async def test_correlation_id_override_and_its_limit(api: respx.MockRouter) -> None:
    route = api.get(ORDER).respond(200, json={})
    async with make_client() as client:
        reply = await get(client, correlation_id="my-trace-0001")
        assert route.calls.last.request.headers["IM-CorrelationID"] == "my-trace-0001"
        assert reply.meta.correlation_id == "my-trace-0001"
        with pytest.raises(ValidationError) as caught:
            await get(client, correlation_id="x" * 33)
    assert caught.value.field == "correlation_id"
    assert route.call_count == 1  # the bad one never left


@pytest.mark.anyio
async def test_same_correlation_id_across_retries(api: respx.MockRouter) -> None:
    route = api.get(ORDER)
    route.side_effect = [httpx.Response(503), httpx.Response(500), httpx.Response(200, json={})]
    async with make_client() as client:
        reply = await get(client)
    sent = {c.request.headers["IM-CorrelationID"] for c in route.calls}
    assert len(sent) == 1 and route.call_count == 3
    assert reply.meta.attempts == 3


@pytest.mark.anyio
async def test_path_parameters_are_url_encoded(api: respx.MockRouter) -> None:
    route = api.route(method="GET", path__startswith="/resellers/v6.1/orders/").respond(
        200, json={}
    )
    async with make_client() as client:
        await get(client, number="20 A/B?C")
    assert route.calls.last.request.url.raw_path == b"/resellers/v6.1/orders/20%20A%2FB%3FC"


# --- error shapes -----------------------------------------------------------------------

ERROR_BODIES = [
    pytest.param(
        400,
        {
            "errors": [
                {
                    "id": "E1",
                    "type": "validation",
                    "message": "Invalid PO",
                    "fields": [
                        {"field": "customerOrderNumber", "message": "too long", "value": "X" * 40}
                    ],
                }
            ]
        },
        BadRequestError,
        "Invalid PO",
        [("customerOrderNumber", "too long")],
        id="errors-array",
    ),
    pytest.param(
        400,
        {"errors": [{"id": "E1", "1ype": "validation", "message": "Bad", "fields": []}]},
        BadRequestError,
        "Bad",
        [],
        id="1ype-typo",
    ),
    pytest.param(
        400,
        {
            "traceid": "abc-123",
            "type": "https://example/problem",
            "message": "Validation failed",
            "fields": [{"field": "quantity", "message": "must be > 0", "value": "0"}],
        },
        BadRequestError,
        "Validation failed",
        [("quantity", "must be > 0")],
        id="traceid-style",
    ),
    pytest.param(
        500,
        {"fault": {"faultstring": "Execution failed", "detail": {"errorcode": "steps.x"}}},
        InternalServerError,
        "Execution failed",
        [],
        id="fault",
    ),
    pytest.param(
        404,
        {"errors": [{"message": "Order not found"}]},
        NotFoundError,
        "Order not found",
        [],
        id="404",
    ),
    pytest.param(
        502,
        "<html><head><title>502 Bad Gateway</title></head></html>",
        InternalServerError,
        "502 Bad Gateway",
        [],
        id="html",
    ),
    pytest.param(503, "", InternalServerError, "Service Unavailable", [], id="empty"),
    pytest.param(400, "{not json", BadRequestError, "{not json", [], id="garbled-json"),
]


@pytest.mark.parametrize(("status", "body", "cls", "message", "fields"), ERROR_BODIES)
@pytest.mark.anyio
async def test_every_error_shape_becomes_a_typed_error(
    api: respx.MockRouter,
    status: int,
    body: Any,
    cls: type[Exception],
    message: str,
    fields: list[tuple[str, str]],
) -> None:
    kwargs = {"json": body} if isinstance(body, dict) else {"text": body}
    route = api.delete("/resellers/v6/orders/20-RD128").respond(status, **kwargs)
    async with make_client() as client:
        with pytest.raises(cls) as caught:
            await client._session.pipeline.send(CANCEL_ORDER, path_arg="20-RD128")
    error = caught.value
    cid = route.calls.last.request.headers["IM-CorrelationID"]
    assert error.status_code == status  # type: ignore[attr-defined]
    assert error.correlation_id == cid  # type: ignore[attr-defined]
    assert error.api_message == message  # type: ignore[attr-defined]
    assert [(f.field, f.message) for f in error.fields] == fields  # type: ignore[attr-defined]
    problems = "; ".join(f"{f}: {m}" for f, m in fields)
    listed = f" [{problems}]" if problems else ""
    assert str(error) == f"HTTP {status}: {message}{listed} (correlation ID {cid})"


@pytest.mark.anyio
async def test_undecodable_success_body_is_a_typed_error(api: respx.MockRouter) -> None:
    api.post("/resellers/v6/orders").respond(201, text="<html>oops</html>")
    async with make_client() as client:
        with pytest.raises(ResponseDecodeError) as caught:
            await post(client)
    assert caught.value.status_code == 201
    assert caught.value.correlation_id is not None


# --- retries ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_get_retries_5xx_timeouts_and_drops(api: respx.MockRouter) -> None:
    route = api.get(ORDER)
    route.side_effect = [
        httpx.Response(500),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.Response(200, json={"ok": True}),
    ]
    async with make_client() as client:
        reply = await get(client)
    assert reply.data == {"ok": True} and route.call_count == 4


@pytest.mark.anyio
async def test_get_attempts_are_bounded(api: respx.MockRouter) -> None:
    route = api.get(ORDER).respond(503)
    async with make_client(retry=RetryPolicy(attempts=3, wait_initial=0, wait_jitter=0)) as client:
        with pytest.raises(InternalServerError):
            await get(client)
    assert route.call_count == 3


@pytest.mark.anyio
async def test_retry_total_time_is_bounded(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.get(ORDER).respond(503)
    policy = RetryPolicy(attempts=100, timeout=10, wait_initial=1, wait_max=4, wait_jitter=0)
    async with make_client(retry=policy) as client:
        with pytest.raises(InternalServerError):
            await get(client)
    assert sum(clock.sleeps) <= 10
    assert clock.sleeps[:3] == [1, 2, 4]
    assert route.call_count < 10


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(500), httpx.Response(502), httpx.ReadTimeout("read"), httpx.ReadError("reset")],
    ids=["500", "502", "read-timeout", "read-error"],
)
@pytest.mark.anyio
async def test_post_is_never_retried_when_the_server_may_have_acted(
    api: respx.MockRouter, failure: Any
) -> None:
    route = api.post("/resellers/v6/orders")
    route.side_effect = [failure, httpx.Response(201, json={})]
    async with make_client() as client:
        with pytest.raises((InternalServerError, APIConnectionError)):
            await post(client)
    assert route.call_count == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(429, json={"errors": [{"field": None, "message": "too many requests"}]}),
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("connect"),
    ],
    ids=["429", "connect-error", "connect-timeout"],
)
@pytest.mark.anyio
async def test_post_is_retried_when_the_server_surely_did_not_act(
    api: respx.MockRouter, failure: Any
) -> None:
    route = api.post("/resellers/v6/orders")
    route.side_effect = [failure, httpx.Response(201, json={"orders": []})]
    async with make_client() as client:
        reply = await post(client)
    assert reply.meta.status_code == 201 and route.call_count == 2


@pytest.mark.anyio
async def test_network_errors_are_typed(api: respx.MockRouter) -> None:
    api.post("/resellers/v6/orders").mock(side_effect=httpx.ReadTimeout("slow"))
    api.get(ORDER).mock(side_effect=httpx.ConnectError("refused"))
    async with make_client(retry=RetryPolicy.disabled()) as client:
        with pytest.raises(APITimeoutError, match="may have been sent") as timeout:
            await post(client)
        with pytest.raises(APIConnectionError, match="before the request was sent") as conn:
            await get(client)
    assert timeout.value.correlation_id and conn.value.correlation_id


@pytest.mark.anyio
async def test_retry_after_is_honoured(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.get(ORDER)
    route.side_effect = [
        httpx.Response(
            429, headers={"Retry-After": "7"}, json={"errors": [{"message": "too many requests"}]}
        ),
        httpx.Response(200, json={}),
    ]
    async with make_client() as client:
        await get(client)
    assert clock.sleeps == [7.0]


@pytest.mark.anyio
async def test_ratelimit_reset_is_honoured_on_429(api: respx.MockRouter, clock: FakeClock) -> None:
    reset = int(clock.wall()) + 12
    route = api.get(ORDER)
    route.side_effect = [
        httpx.Response(
            429, headers={"X-RateLimit-Reset": str(reset), "X-RateLimit-Remaining": "0"}
        ),
        httpx.Response(200, json={}),
    ]
    async with make_client() as client:
        await get(client)
    assert route.call_count == 2
    assert clock.now >= 1_000.0 + 12  # waited for the reset before the second attempt


@pytest.mark.anyio
async def test_rate_limit_error_when_retries_run_out(
    api: respx.MockRouter, clock: FakeClock
) -> None:
    api.get(ORDER).respond(
        429, headers={"Retry-After": "3"}, json={"errors": [{"message": "too many requests"}]}
    )
    async with make_client(retry=RetryPolicy(attempts=2)) as client:
        with pytest.raises(RateLimitError) as caught:
            await get(client)
    assert caught.value.retry_after == 3.0
    assert caught.value.api_message == "too many requests"


# --- rate limiter -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_limiter_waits_when_the_server_says_none_remain(
    api: respx.MockRouter, clock: FakeClock
) -> None:
    reset = int(clock.wall()) + 30
    route = api.get(ORDER)
    route.side_effect = [
        httpx.Response(
            200,
            json={},
            headers={
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset),
                "X-RateLimit-Limit": "60",
            },
        ),
        httpx.Response(200, json={}),
    ]
    async with make_client(rate_limit=RateLimit(1000)) as client:
        await get(client)
        assert clock.sleeps == []
        await get(client)
    assert route.call_count == 2
    assert clock.sleeps and 30 <= sum(clock.sleeps) <= 31


@pytest.mark.anyio
async def test_limiter_paces_each_endpoint_separately(
    api: respx.MockRouter, clock: FakeClock
) -> None:
    api.get(ORDER).respond(200, json={})
    api.delete("/resellers/v6/orders/20-RD128").respond(200)
    async with make_client(rate_limit=RateLimit(2, per=10)) as client:
        await get(client)
        await get(client)
        await client._session.pipeline.send(
            CANCEL_ORDER, path_arg="20-RD128"
        )  # another endpoint: no wait
        assert clock.sleeps == []
        await get(client)  # third call in 10 s on this endpoint waits for the window
    assert 10 <= sum(clock.sleeps) <= 10.1


@pytest.mark.anyio
async def test_default_limit_is_the_standard_and_follows_the_server(api: respx.MockRouter) -> None:
    api.get(ORDER).respond(
        200, json={}, headers={"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "499"}
    )
    async with (
        make_client(rate_limit=RateLimit(60, adapt=True)) as default,
        make_client(rate_limit=RateLimit(60)) as pinned,
    ):
        assert AsyncOrdersClient(
            client_id="a", client_secret="b", customer_number="1", country_code="US"
        )._session.pipeline.limiter.limit("get_order") == RateLimit(60, adapt=True)
        await get(default)
        await get(pinned)
        assert default._session.pipeline.limiter.limit("get_order") == RateLimit(500, adapt=True)
        assert pinned._session.pipeline.limiter.limit("get_order") == RateLimit(60)


@pytest.mark.anyio
async def test_limiter_can_be_disabled_or_set_per_endpoint(
    api: respx.MockRouter, clock: FakeClock
) -> None:
    api.get(ORDER).respond(200, json={})
    async with make_client(rate_limit={"get_order": RateLimit(500)}) as client:
        assert client._session.pipeline.limiter.limit("get_order") == RateLimit(500)
        assert client._session.pipeline.limiter.limit("search_orders") == RateLimit(60, adapt=True)
    async with make_client(rate_limit=None) as client:
        for _ in range(200):
            await get(client)
        assert client._session.pipeline.limiter.limit("get_order") is None
    assert clock.sleeps == []


# --- configuration, logging, redaction --------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"country_code": "USA"}, "country_code"),
        ({"country_code": "U1"}, "country_code"),
        ({"customer_number": "20-2222222222"}, "customer_number"),
        ({"customer_number": ""}, "customer_number"),
        ({"sender_id": "x" * 33}, "sender_id"),
        ({"client_secret": ""}, "client_secret"),
        ({"client_id": None}, "client_id"),
        ({"base_url": "ftp://x"}, "base_url"),
    ],
)
def test_invalid_configuration_names_the_setting(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        make_client(**overrides)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "XI_CLIENT_ID": "id",
        "XI_CLIENT_SECRET": SECRET,
        "XI_CUSTOMER_NUMBER": "20-222222",
        "XI_COUNTRY_CODE": "gb",
        "XI_SENDER_ID": "Me",
        "XI_BASE_URL": BASE,
    }.items():
        monkeypatch.setenv(name, value)
    client = AsyncOrdersClient.from_env()
    assert (client.country_code, client.sender_id, client.base_url) == ("GB", "Me", BASE)
    monkeypatch.delenv("XI_CLIENT_SECRET")
    with pytest.raises(ValidationError) as caught:
        AsyncOrdersClient.from_env()
    assert caught.value.field == "XI_CLIENT_SECRET"


def test_repr_never_shows_a_secret() -> None:
    client = make_client()
    text = (
        repr(client)
        + repr(client._session.auth)
        + repr(client._session.auth._credentials)
        + repr(vars(client))
    )
    assert SECRET not in text
    assert "20-222222" in repr(client)


@pytest.mark.anyio
async def test_debug_log_has_one_line_per_call_and_no_secrets(
    api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    route = api.get(ORDER).respond(200, json={})
    with caplog.at_level(logging.DEBUG, logger="xi_orders"):
        async with make_client() as client:
            await get(client)
            await get(client)
    lines = [r.getMessage() for r in caplog.records if r.name == "xi_orders"]
    call_lines = [line for line in lines if ORDER in line]
    assert len(call_lines) == 2
    cid = route.calls.last.request.headers["IM-CorrelationID"]
    assert (
        f"GET {ORDER} -> 200" in call_lines[1]
        and cid in call_lines[1]
        and "attempt 1" in call_lines[1]
    )
    everything = "\n".join(lines) + caplog.text
    assert SECRET not in everything and TOKEN not in everything and "Bearer" not in everything


def test_errors_never_carry_the_request_authorization() -> None:
    request = httpx.Request("GET", BASE + ORDER, headers={"Authorization": f"Bearer {TOKEN}"})
    response = httpx.Response(400, json={"errors": [{"message": "bad"}]}, request=request)
    from xi_orders._errors import error_from_response

    error = error_from_response(response, correlation_id="c1")
    assert TOKEN not in str(error) + repr(error) + repr(error.args) + error.body


@pytest.mark.asyncio
async def test_json_body_is_sent_compact(api: respx.MockRouter) -> None:
    route = api.post("/resellers/v6/orders").respond(201, json={})
    async with make_client() as client:
        await post(client)
    request = route.calls.last.request
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"customerOrderNumber": "PO1"}


@pytest.mark.anyio
async def test_a_shared_http_client_is_used_and_left_open(api: respx.MockRouter) -> None:
    route = api.get(ORDER).respond(200, json={})
    shared = httpx.AsyncClient(headers={"X-Team": "orders"})
    async with make_client(http_client=shared) as client:
        await get(client)
    assert route.calls.last.request.headers["X-Team"] == "orders"
    assert not shared.is_closed  # ours to use, not ours to close
    await shared.aclose()
    with pytest.raises(ValidationError) as caught:
        make_client(
            http_client=shared, transport=httpx.MockTransport(lambda r: httpx.Response(200))
        )
    assert caught.value.field == "transport"
