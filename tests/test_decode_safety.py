"""Only ``XiError`` leaves an operation, whatever bytes the server sends (issue 11 item 5).

``json.loads`` raises ``RecursionError`` (not ``ValueError``) for deeply nested input such
as ``b"[" * 100000``; every decode path must turn that into the typed error.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import anyio
import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import BASE, SECRET, TOKEN, make_client
from xi_orders import (
    BulkLookup,
    InternalServerError,
    NotFoundError,
    ResponseDecodeError,
    RetryPolicy,
    TokenRequestError,
    UnexpectedError,
    XiError,
)
from xi_orders._endpoints import GET_ORDER
from xi_orders._errors import error_from_response, loads_json, parse_error_body
from xi_orders._pipeline import json_body as _parse_json
from xi_orders.models import OrderDetail

if sys.version_info >= (3, 11):
    from builtins import ExceptionGroup
else:  # pragma: no cover - anyio's dependency on 3.10
    from exceptiongroup import ExceptionGroup

DEEP = b"[" * 100_000
ORDER = "/resellers/v6.1/orders/20-RD3QV"


@pytest.fixture
def mocked() -> Iterator[respx.MockRouter]:
    with respx.mock(using="httpx", base_url=BASE, assert_all_called=False) as router:
        router.post("/oauth/oauth30/token", name="token").respond(
            200, json={"access_token": TOKEN, "expires_in": "86399"}
        )
        yield router


@pytest.mark.anyio
async def test_deep_success_body_is_a_decode_error(mocked: respx.MockRouter) -> None:
    mocked.get(ORDER).respond(200, content=DEEP)
    async with make_client() as client:
        with pytest.raises(ResponseDecodeError) as caught:
            await client.get_order("20-RD3QV")
    assert caught.value.status_code == 200
    assert caught.value.correlation_id


@pytest.mark.parametrize("status", [404, 500])
@pytest.mark.anyio
async def test_deep_error_body_is_the_status_error(mocked: respx.MockRouter, status: int) -> None:
    mocked.get(ORDER).respond(status, content=DEEP)
    async with make_client(retry=RetryPolicy.disabled()) as client:
        with pytest.raises((NotFoundError, InternalServerError)) as caught:
            await client.get_order("20-RD3QV")
    assert caught.value.status_code == status
    assert caught.value.body == DEEP.decode()  # the raw text is kept


@pytest.mark.parametrize("status", [200, 400])
@pytest.mark.anyio
async def test_deep_token_body_is_typed(mocked: respx.MockRouter, status: int) -> None:
    mocked["token"].respond(status, content=DEEP)
    async with make_client(retry=RetryPolicy.disabled()) as client:
        with pytest.raises((ResponseDecodeError, TokenRequestError)) as caught:
            await client.get_order("20-RD3QV")
    assert caught.value.status_code == status  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_bulk_collect_keeps_every_good_result(mocked: respx.MockRouter) -> None:
    good = {"ingramOrderNumber": "20-GOOD"}
    mocked.get(url__regex=r"/orders/20-BAD$").respond(200, content=DEEP)
    mocked.get(url__regex=r"/orders/20-G\d$").respond(200, json=good)
    numbers = ["20-G1", "20-BAD", "20-G2", "20-G3"]
    async with make_client(retry=RetryPolicy.disabled()) as client:
        results = await client.get_orders(numbers, concurrency=2).collect()
    assert isinstance(results["20-BAD"], ResponseDecodeError)
    assert all(isinstance(results[n], OrderDetail) for n in numbers if n != "20-BAD")


@pytest.mark.anyio
async def test_corrupt_content_encoding_is_typed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": TOKEN, "expires_in": "86399"})
        return httpx.Response(200, content=b"not gzip", headers={"Content-Encoding": "gzip"})

    async with make_client(
        transport=httpx.MockTransport(handler), retry=RetryPolicy.disabled()
    ) as client:
        with pytest.raises(XiError) as caught:
            await client.get_order("20-RD3QV")
    assert isinstance(caught.value.__cause__, httpx.DecodingError)


# --- any other exception from the send path is typed, its cause kept and scrubbed ----------


class TransportBug(Exception):
    """What a custom transport (or an event hook) might raise."""

    def __init__(self, message: str, headers: dict[str, str]) -> None:
        super().__init__(message)
        self.headers = headers


def _failing_transport(raised: type[Exception], bad: str = "") -> httpx.MockTransport:
    """Answers every lookup, except that of ``bad`` (every one when empty), which raises
    ``raised`` with the request's credentials in its text and attributes."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": TOKEN, "expires_in": "86399"})
        if not bad or request.url.path.endswith(bad):
            auth = request.headers["authorization"]
            text = f"transport broke sending {auth} (secret {SECRET})"
            if raised is TransportBug:
                raise TransportBug(text, {"authorization": auth})
            raise raised(text)
        number = request.url.path.rsplit("/", 1)[-1]
        return httpx.Response(200, json={"ingramOrderNumber": number})

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("raised", [RuntimeError, TransportBug, ExceptionGroup])
@pytest.mark.anyio
async def test_any_exception_from_the_transport_is_an_unexpected_error(
    raised: type[Exception],
) -> None:
    if raised is ExceptionGroup:

        def group(text: str) -> Exception:
            return ExceptionGroup(text, [KeyError(text)])

        transport = _failing_transport(group)  # type: ignore[arg-type]
    else:
        transport = _failing_transport(raised)
    async with make_client(transport=transport) as client:
        with pytest.raises(UnexpectedError) as caught:
            await client.get_order("20-RD3QV", correlation_id="cid-unexpected")
    error = caught.value
    assert isinstance(error.__cause__, raised)  # the cause is kept...
    assert error.correlation_id == "cid-unexpected"
    assert error.method == "GET" and error.url == f"{BASE}{ORDER}"
    assert "cid-unexpected" in str(error) and "may have been sent" in str(error)
    # ...without the token or the secret, in the error or its cause.
    cause = error.__cause__
    for text in (str(error), repr(error), str(cause), repr(cause), repr(vars(cause))):
        assert TOKEN not in text and SECRET not in text, text
    assert "Bearer ***" in str(cause)


@pytest.mark.anyio
async def test_bulk_collect_keeps_good_results_when_the_transport_raises() -> None:
    numbers = ["20-G1", "20-BAD", "20-G2", "20-G3"]
    async with make_client(transport=_failing_transport(RuntimeError, "/20-BAD")) as client:
        results = await client.get_orders(numbers, concurrency=2).collect()
    assert isinstance(results["20-BAD"], UnexpectedError)
    assert isinstance(results["20-BAD"].__cause__, RuntimeError)
    assert all(isinstance(results[n], OrderDetail) for n in numbers if n != "20-BAD")


@pytest.mark.anyio
async def test_a_bulk_lookup_whose_lookup_raises_keeps_every_other_result() -> None:
    async def lookup(number: str) -> OrderDetail:
        if number == "bad":
            raise LookupError("no luck")
        return OrderDetail(ingram_order_number=number)

    results = await BulkLookup(lookup, ["a", "bad", "b"]).collect()
    assert [type(r).__name__ for r in results.values()] == [
        "OrderDetail",
        "UnexpectedError",
        "OrderDetail",
    ]
    assert isinstance(results["bad"].__cause__, LookupError)
    assert "no luck" in str(results["bad"])


# --- fuzzing the body parsers over arbitrary bytes ----------------------------------------

nested = st.builds(
    lambda opener, depth, tail: opener * depth + tail,
    st.sampled_from([b"[", b'{"a":', b'{"errors":[', b'[{"fault":']),
    st.integers(min_value=0, max_value=5_000),
    st.binary(max_size=20),
)
bodies = st.one_of(st.binary(max_size=2_000), nested)
statuses = st.sampled_from([200, 201, 400, 401, 404, 429, 500, 503])


def _response(status: int, body: bytes, charset: str | None = None) -> httpx.Response:
    content_type = "application/json" + (f"; charset={charset}" if charset else "")
    return httpx.Response(
        status,
        content=body,
        headers={"Content-Type": content_type},
        request=httpx.Request("GET", f"{BASE}{ORDER}", headers={"Authorization": "Bearer T"}),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=bodies,
    status=statuses,
    charset=st.sampled_from([None, "utf-8", "latin-1", "nonsense"]),
)
def test_body_parsers_never_raise_anything_untyped(
    body: bytes, status: int, charset: str | None
) -> None:
    response = _response(status, body, charset)
    parse_error_body(response)  # never raises
    error = error_from_response(response, correlation_id="c")
    assert error.status_code == status
    with contextlib.suppress(ValueError):  # ValueError is the only failure allowed
        loads_json(body)
    try:
        _parse_json(response, "c")
    except ResponseDecodeError as exc:
        assert exc.status_code == status


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, status=statuses)
def test_any_token_body_gives_a_token_or_a_typed_error(body: bytes, status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(status, content=body)
        return httpx.Response(200, json={})

    async def main() -> None:
        async with make_client(
            transport=httpx.MockTransport(handler), retry=RetryPolicy.disabled()
        ) as client:
            with contextlib.suppress(XiError):  # anything else fails the test
                await client._session.pipeline.send(GET_ORDER, path_arg="20-RD3QV")

    anyio.run(main)
