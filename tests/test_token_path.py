"""The token path: retried like a read, typed network errors, correlation IDs, server words.

Issue 11 item 7 and issue 13 item 7.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from tests.conftest import BASE, SECRET, TOKEN, FakeClock, make_client
from xi_orders import (
    APIConnectionError,
    APITimeoutError,
    AsyncOrdersClient,
    BadRequestError,
    RetryPolicy,
    TokenRequestError,
    UnauthorizedError,
    XiError,
)
from xi_orders._endpoints import GET_ORDER
from xi_orders._pipeline import Reply

ORDER = "/resellers/v6.1/orders/20-RD3QV"
GOOD_TOKEN = httpx.Response(200, json={"access_token": TOKEN, "expires_in": "86399"})
NO_APIPRODUCT = {
    "fault": {
        "faultstring": "Invalid API call as no apiproduct match found",
        "detail": {"errorcode": "keymanagement.service.InvalidAPICallAsNoApiProductMatchFound"},
    }
}


@pytest.fixture
def mocked() -> Iterator[respx.MockRouter]:
    with respx.mock(using="httpx", base_url=BASE, assert_all_called=False) as router:
        yield router


async def get(client: AsyncOrdersClient, **kw: str) -> Reply:
    return await client._session.pipeline.send(GET_ORDER, path_arg="20-RD3QV", **kw)


# --- retried under the read policy -------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        httpx.Response(500, json={"fault": {"faultstring": "Internal Server Error"}}),
        httpx.Response(503, headers={"Retry-After": "2"}),
        httpx.Response(200, text="<html><title>Maintenance</title></html>"),
        httpx.Response(200, content=b"[" * 100_000),
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("server disconnected"),
    ],
    ids=["500", "503", "html-200", "deep-200", "refused", "read-timeout", "dropped"],
)
@pytest.mark.anyio
async def test_one_token_fault_is_survived_like_a_read(
    mocked: respx.MockRouter, clock: FakeClock, fault: httpx.Response | Exception
) -> None:
    token = mocked.post("/oauth/oauth30/token")
    token.side_effect = [fault, GOOD_TOKEN]
    mocked.get(ORDER).respond(200, json={"ok": 1})
    async with make_client() as client:
        reply = await get(client)
        assert client.token_requests == 2
    assert reply.data == {"ok": 1}
    assert token.call_count == 2
    if isinstance(fault, httpx.Response) and fault.status_code == 503:
        assert clock.sleeps == [2.0]  # the server's Retry-After


@pytest.mark.anyio
async def test_token_retries_follow_the_clients_policy(
    mocked: respx.MockRouter, clock: FakeClock
) -> None:
    token = mocked.post("/oauth/oauth30/token").respond(502, text="Bad Gateway")
    async with make_client(retry=RetryPolicy(attempts=3, wait_initial=1, wait_jitter=0)) as client:
        with pytest.raises(TokenRequestError) as caught:
            await get(client)
    assert token.call_count == 3
    assert clock.sleeps == [1.0, 2.0]
    assert caught.value.status_code == 502
    async with make_client(retry=RetryPolicy.disabled()) as client:
        with pytest.raises(TokenRequestError):
            await get(client)
    assert token.call_count == 4


@pytest.mark.anyio
async def test_rejected_credentials_are_not_retried_and_are_fatal(
    mocked: respx.MockRouter, clock: FakeClock
) -> None:
    token = mocked.post("/oauth/oauth30/token").respond(
        401,
        json={"error": "invalid_client", "error_description": "Client authentication failed"},
    )
    async with make_client() as client:
        with pytest.raises(TokenRequestError) as caught:
            await get(client)
    assert token.call_count == 1
    assert caught.value.fatal
    # issue 13 item 7: OAuth's {"error", "error_description"} shows the server's words
    assert caught.value.api_message == "invalid_client: Client authentication failed"
    assert "Client authentication failed" in str(caught.value)


# --- network failures: typed, cause kept, secret not -------------------------------------


@pytest.mark.parametrize(
    ("failure", "cls"),
    [
        (httpx.ConnectError("[Errno -2] Name or service not known"), APIConnectionError),
        (httpx.ConnectTimeout("timed out"), APITimeoutError),
    ],
)
@pytest.mark.anyio
async def test_unreachable_token_endpoint_is_a_connection_error(
    clock: FakeClock, failure: httpx.TransportError, cls: type[APIConnectionError]
) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        raise type(failure)(str(failure), request=request)

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(APIConnectionError) as caught:
            await get(client, correlation_id="trace-0001")
    error = caught.value
    assert type(error) is cls
    assert len(sent) == 4  # the default policy's attempts, as for a read
    assert error.correlation_id == "trace-0001"
    assert "trace-0001" in str(error)
    assert all(r.headers["IM-CorrelationID"] == "trace-0001" for r in sent)
    cause = error.__cause__
    assert type(cause) is type(failure)  # the cause is kept...
    assert isinstance(cause, httpx.RequestError)
    assert cause.request.url.path == "/oauth/oauth30/token"
    # ...but the request it holds is a sanitized copy: no client_secret in the form body
    assert parse_qs(cause.request.content.decode())["client_secret"] == ["***"]
    assert SECRET not in cause.request.content.decode()


# --- correlation IDs on token errors -------------------------------------------------------


@pytest.mark.anyio
async def test_token_errors_carry_the_calls_correlation_id(mocked: respx.MockRouter) -> None:
    token = mocked.post("/oauth/oauth30/token").respond(400, json={"message": "Bad client"})
    async with make_client() as client:
        with pytest.raises(TokenRequestError) as caught:
            await get(client)
        with pytest.raises(TokenRequestError) as chosen:
            await get(client, correlation_id="my-trace")
    error = caught.value
    assert error.correlation_id is not None and len(error.correlation_id) == 32
    assert "correlation ID None" not in str(error)
    assert f"(correlation ID {error.correlation_id})" in str(error)
    assert token.calls[0].request.headers["IM-CorrelationID"] == error.correlation_id
    assert chosen.value.correlation_id == "my-trace"


# --- an app not approved for the API ------------------------------------------------------


@pytest.mark.anyio
async def test_no_apiproduct_match_is_fatal_and_not_replayed(mocked: respx.MockRouter) -> None:
    token = mocked.post("/oauth/oauth30/token").mock(return_value=GOOD_TOKEN)
    route = mocked.get(ORDER).respond(401, json=NO_APIPRODUCT)
    async with make_client() as client:
        with pytest.raises(UnauthorizedError) as caught:
            await get(client)
    assert "no apiproduct match found" in str(caught.value)
    assert caught.value.fatal
    assert route.call_count == 1  # a fresh token cannot help: no refresh, no replay
    assert token.call_count == 1


@pytest.mark.anyio
async def test_an_ordinary_401_still_refreshes_and_is_not_fatal(mocked: respx.MockRouter) -> None:
    mocked.post("/oauth/oauth30/token").mock(return_value=GOOD_TOKEN)
    route = mocked.get(ORDER).respond(401, json={"fault": {"faultstring": "Invalid access token"}})
    async with make_client() as client:
        with pytest.raises(UnauthorizedError) as caught:
            await get(client)
    assert route.call_count == 2
    assert not caught.value.fatal


@pytest.mark.anyio
async def test_bulk_lookup_stops_at_an_app_not_approved(mocked: respx.MockRouter) -> None:
    token = mocked.post("/oauth/oauth30/token").mock(return_value=GOOD_TOKEN)
    route = mocked.get(url__regex=r"/resellers/v6\.1/orders/").respond(401, json=NO_APIPRODUCT)
    numbers = [f"20-{i:05d}" for i in range(40)]
    async with make_client() as client:
        results = await client.get_orders(numbers, concurrency=2).collect()
        assert client.token_requests == 1
    assert list(results) == numbers
    assert all(isinstance(r, UnauthorizedError) for r in results.values())
    assert all("no apiproduct match found" in str(r) for r in results.values())
    assert route.call_count <= 2  # the lookups already in flight, then none
    assert token.call_count == 1


@pytest.mark.anyio
async def test_bulk_lookup_stops_at_rejected_credentials(mocked: respx.MockRouter) -> None:
    token = mocked.post("/oauth/oauth30/token").respond(401, json={"message": "Invalid client"})
    route = mocked.get(url__regex=r"/resellers/v6\.1/orders/")
    async with make_client() as client:
        results = await client.get_orders(
            [f"20-{i:05d}" for i in range(30)], concurrency=3
        ).collect()
    assert all(isinstance(r, TokenRequestError) for r in results.values())
    assert token.call_count <= 3
    assert not route.called


@pytest.mark.anyio
async def test_bulk_lookup_continues_past_ordinary_failures(mocked: respx.MockRouter) -> None:
    mocked.post("/oauth/oauth30/token").mock(return_value=GOOD_TOKEN)
    mocked.get(url__regex=r"/resellers/v6\.1/orders/").respond(
        404, json={"errors": [{"message": "Order not found"}]}
    )
    numbers = [f"20-{i:05d}" for i in range(10)]
    async with make_client() as client:
        results = await client.get_orders(numbers, concurrency=2).collect()
    assert all(isinstance(r, XiError) and not r.fatal for r in results.values())
    assert len({id(r) for r in results.values()}) == 10  # one lookup each


# --- issue 13 item 7: the server's words for two more error shapes -------------------------


@pytest.mark.anyio
async def test_top_level_faultstring_and_oauth_errors_show_the_servers_words() -> None:
    bodies = iter(
        [
            {"faultcode": "Server", "faultstring": "Customer number 20-222222 does not match"},
            {"error": "invalid_request", "error_description": "IM-CountryCode is invalid"},
            {"error": "invalid_request"},
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return GOOD_TOKEN
        return httpx.Response(400, json=next(bodies))

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        caught = []
        for _ in range(3):
            with pytest.raises(BadRequestError) as one:
                await get(client)
            caught.append(one.value)
    fault, oauth, bare = caught
    assert str(fault).startswith("HTTP 400: Customer number 20-222222 does not match")
    assert fault.details[0].id == "Server"
    assert str(oauth).startswith("HTTP 400: invalid_request: IM-CountryCode is invalid")
    assert oauth.details[0].type == "invalid_request"
    assert str(bare).startswith("HTTP 400: invalid_request")
