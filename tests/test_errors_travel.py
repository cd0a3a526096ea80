"""Every public exception pickles and copies intact, and nothing in it holds a secret.

Issue 11, items 4 and 6: errors cross process boundaries (``ProcessPoolExecutor``,
``multiprocessing.Pool``), and neither their text, their attributes, the httpx objects they
carry, their causes nor their pickle bytes may hold the client secret or an access token, in
any spelling (raw, URL-encoded in either case, ``+`` for a space, JSON-escaped).
"""

from __future__ import annotations

import asyncio
import copy
import importlib
import inspect
import multiprocessing
import pickle
import pkgutil
import re
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any
from urllib.parse import quote, quote_plus

import attrs
import httpx
import pytest
import respx

import xi_orders
import xi_orders.errors
import xi_orders.webhooks
from tests.conftest import BASE, make_client
from xi_orders import (
    APIConnectionError,
    APIStatusError,
    NotFoundError,
    PermissionDeniedError,
    TokenRequestError,
    XiError,
)
from xi_orders._endpoints import GET_ORDER
from xi_orders.errors import ErrorDetail, ErrorField
from xi_orders.models import VendorAttribute
from xi_orders.vendor_fields import MissingField, RequiredField

# A secret and tokens whose URL encodings differ from their raw form (like a real base64
# secret), and a space, which form encoding writes as "+".
SECRET = "a+b/c==Sec ret"
TOKEN = "tok/En+1=="
OLD_TOKEN = "old/Tok+2=="
ORDER = "/resellers/v6.1/orders/20-RD3QV"


def spellings(secret: str) -> set[str]:
    """The ways a server can echo ``secret`` back."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret, safe="").lower(),
        quote(secret),
        quote_plus(secret),
        quote_plus(secret).lower(),
        secret.replace("/", "\\/"),
        "".join(f"\\u{ord(c):04x}" for c in secret),
    }
    return {f for f in forms if f}


def leaks(text: str, secrets: tuple[str, ...] = (SECRET, TOKEN, OLD_TOKEN)) -> list[str]:
    return [form for s in secrets for form in spellings(s) if form in text]


def echoing_body(*secrets: str) -> str:
    """An error body that echoes every spelling of every secret."""
    echoes = " ".join(form for s in secrets for form in sorted(spellings(s)))
    return f'{{"errors": [{{"message": "token Bearer {secrets[0]} lacks scope: {echoes}"}}]}}'


# --- building one instance of every exception class ---------------------------------------


def _request(token: str = TOKEN) -> httpx.Request:
    return httpx.Request(
        "GET",
        f"{BASE}{ORDER}",
        headers={"Authorization": f"Bearer {token}", "IM-CorrelationID": "cid-1"},
    )


def _response(status: int = 404) -> httpx.Response:
    body = echoing_body(SECRET, TOKEN, OLD_TOKEN)
    return httpx.Response(
        status,
        content=body.encode(),
        headers={
            "Content-Type": "application/json",
            "IM-CorrelationID": "cid-1",
            "X-RateLimit-Remaining": "7",
            "Set-Cookie": f"session={TOKEN}",
        },
        request=_request(),
    )


def _sample(name: str, cls: type[BaseException]) -> Any:
    """A value for the constructor parameter ``name`` of ``cls``: server text echoes the
    secret and the tokens; what the SDK itself writes (``message``) does not."""
    samples: dict[str, Any] = {
        "message": "something failed",
        "field": "customer_order_number",
        "reason": "must be at most 35 characters",
        "status_code": 404,
        "api_message": f"token Bearer {TOKEN} lacks scope",
        "details": (
            ErrorDetail(
                message=f"echo {quote_plus(SECRET)}",
                id="E1",
                type="t",
                fields=(ErrorField(field="x", message="bad", value={"v": [TOKEN]}),),
            ),
        ),
        "body": echoing_body(SECRET, TOKEN, OLD_TOKEN),
        "response": _response(),
        "correlation_id": "cid-1",
        "method": "GET",
        "url": f"{BASE}{ORDER}",
        "secrets": (SECRET, TOKEN, OLD_TOKEN),
        "retry_after": 1.5,
        "index": 2,
        "size": 10,
        "limit": 5,
        "event_ids": ["ev-1", "ev-2"],
        "fresh": [],
        "received": 3,  # PaginationError
        "count": 7,  # TooManyEventsError, TooManySignaturesError
        # MissingVendorFieldsError
        "missing": [
            MissingField(
                line=0,
                customer_line_number="1",
                product="610301",
                field="lines[0].vri_additional_attributes.microsoft_domain",
                required=RequiredField(
                    name="microsoft_domain",
                    kind="vri",
                    vendor_name="Microsoft",
                    product_id="610301",
                    description="Your Microsoft domain",
                    hint=None,
                    offered=(),
                    default=None,
                    required=True,
                    path=("tenant_preference=new",),
                    attribute=VendorAttribute(name="microsoft_domain"),
                ),
            )
        ],
        # OrderOutcomeUnknown
        "customer_order_number": "PO-1",
        "request": {"customerOrderNumber": "PO-1", "lines": [{"quantity": 1}]},
        "candidates": ("20-AAAAA", "20-BBBBB"),
        "create_correlation_ids": ("cid-1", "cid-2"),
        "lookup_correlation_ids": ("cid-3",),
        "cause": "ReadTimeout after the request may have been sent",
    }
    if name not in samples:
        pytest.fail(f"add a sample value for {cls.__name__}({name}=...) to this test")
    return samples[name]


def build(cls: type[XiError]) -> XiError:
    """An instance of ``cls`` built through its constructor(s), every parameter filled."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    first = True
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None:
            continue
        if klass in (Exception, BaseException):
            if first:
                args.append(_sample("message", cls))
            break
        params = list(inspect.signature(init).parameters.values())[1:]
        for p in params:
            if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            if p.kind == p.KEYWORD_ONLY:
                kwargs.setdefault(p.name, _sample(p.name, cls))
            elif first:
                args.append(_sample(p.name, cls))
        first = False
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return cls(*args, **kwargs)


def _subclasses(cls: type[XiError]) -> Iterator[type[XiError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def error_classes() -> list[type[XiError]]:
    """Every subclass of ``XiError`` the package defines, public or not, at any depth: every
    module is imported first, so none is missed (pagination, webhooks, decoding...)."""
    for module in pkgutil.walk_packages(xi_orders.__path__, "xi_orders."):
        importlib.import_module(module.name)
    found = {
        f"{c.__module__}.{c.__qualname__}": c
        for c in [XiError, *_subclasses(XiError)]
        # Subclasses a test module defines are not the package's.
        if c.__module__.split(".")[0] == "xi_orders"
    }
    return sorted(found.values(), key=lambda c: (c.__name__, c.__module__))


CLASSES = error_classes()


def test_the_walk_finds_every_family() -> None:
    names = {c.__name__ for c in CLASSES}
    assert {"NotFoundError", "RateLimitError", "TokenRequestError", "ValidationError"} <= names
    assert {"ResponseDecodeError", "InternalServerError", "APITimeoutError"} <= names
    assert {"InvalidSignatureError", "BodyTooLargeError", "ReplayedEventError"} <= names
    assert {"PaginationError", "ClientClosedError", "OrderOutcomeUnknown"} <= names
    assert {"EventLoopError", "UnexpectedError", "XiError"} <= names
    # Every exported error is among them.
    for module in (xi_orders, xi_orders.errors, xi_orders.webhooks):
        for name in module.__all__:
            obj = getattr(module, name)
            is_error = isinstance(obj, type) and issubclass(obj, Exception)
            if is_error and not issubclass(obj, Warning):
                assert obj in CLASSES, name
    assert len(CLASSES) >= 32


# --- walking everything reachable from an error -----------------------------------------


def reachable_text(obj: Any, seen: set[int] | None = None, depth: int = 0) -> Iterator[str]:
    """The text of every object reachable from ``obj`` through attributes, containers,
    httpx requests/responses/headers and exception causes (tracebacks excluded)."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 12:
        return
    seen.add(id(obj))
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, bytes | bytearray):
        yield bytes(obj).decode("utf-8", "replace")
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from reachable_text(k, seen, depth + 1)
            yield from reachable_text(v, seen, depth + 1)
    elif isinstance(obj, list | tuple | set | frozenset):
        for v in obj:
            yield from reachable_text(v, seen, depth + 1)
    elif isinstance(obj, httpx.Headers):
        yield repr(obj.multi_items())
    elif isinstance(obj, httpx.URL):
        yield str(obj)
    elif isinstance(obj, httpx.Request):
        yield str(obj.url)
        yield repr(obj.headers.multi_items())
        yield from reachable_text(vars(obj), seen, depth + 1)  # _content included
    elif isinstance(obj, httpx.Response):
        yield from reachable_text(obj.content, seen, depth + 1)
        yield from reachable_text(obj.headers, seen, depth + 1)
        if getattr(obj, "_request", None) is not None:
            yield from reachable_text(obj.request, seen, depth + 1)
    elif isinstance(obj, BaseException):
        yield str(obj)
        yield repr(obj)
        yield from reachable_text(obj.args, seen, depth + 1)
        yield from reachable_text(vars(obj), seen, depth + 1)
        yield from reachable_text(obj.__cause__, seen, depth + 1)
        yield from reachable_text(obj.__context__, seen, depth + 1)
    elif attrs.has(type(obj)):
        yield repr(obj)
        for field in attrs.fields(type(obj)):
            yield from reachable_text(getattr(obj, field.name), seen, depth + 1)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        yield from reachable_text(vars(obj), seen, depth + 1)
    elif obj is not None:
        yield repr(obj)


def assert_no_secret(error: BaseException) -> None:
    text = "\n".join(reachable_text(error))
    assert not leaks(text), leaks(text)
    data = pickle.dumps(error)
    assert not leaks(data.decode("latin-1")), leaks(data.decode("latin-1"))


def public_state(error: BaseException) -> dict[str, Any]:
    """What an error must keep across pickle/copy, httpx objects compared by content."""
    state: dict[str, Any] = {"type": type(error), "args": error.args, "str": str(error)}
    for key, value in vars(error).items():
        if isinstance(value, httpx.Response):
            state[key] = (
                value.status_code,
                value.headers.multi_items(),
                value.content,
                value.request.method,
                str(value.request.url),
                value.request.headers.multi_items(),
            )
        else:
            state[key] = value
    return state


# --- item 4: pickle and copy --------------------------------------------------------------


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_round_trips_through_pickle_and_copy(cls: type[XiError]) -> None:
    error = build(cls)
    for clone in (
        pickle.loads(pickle.dumps(error)),
        pickle.loads(pickle.dumps(error, protocol=0)),
        copy.copy(error),
        copy.deepcopy(error),
    ):
        assert type(clone) is cls
        assert public_state(clone) == public_state(error)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_no_error_holds_a_secret_or_a_token(cls: type[XiError]) -> None:
    error = build(cls)
    assert_no_secret(error)
    assert_no_secret(pickle.loads(pickle.dumps(error)))


@pytest.mark.parametrize(
    "cls", [c for c in CLASSES if issubclass(c, APIStatusError)], ids=lambda c: c.__name__
)
def test_status_errors_keep_what_support_needs(cls: type[APIStatusError]) -> None:
    error = build(cls)
    clone = pickle.loads(pickle.dumps(error))
    assert isinstance(clone, APIStatusError)
    assert clone.status_code == 404
    assert clone.correlation_id == "cid-1"
    assert clone.api_message == "token Bearer *** lacks scope"
    assert clone.fields == (ErrorField(field="x", message="bad", value={"v": ["***"]}),)
    assert clone.headers["IM-CorrelationID"] == "cid-1"
    assert clone.headers["X-RateLimit-Remaining"] == "7"
    assert "set-cookie" not in clone.headers
    assert clone.response is not None and clone.response.request.headers["authorization"] == "***"
    assert clone.fatal is error.fatal
    if isinstance(error, xi_orders.errors.RateLimitError):
        assert clone.retry_after == 1.5


def test_a_raised_and_noted_error_round_trips() -> None:
    error = build(NotFoundError)
    error.add_note("while looking up a batch")
    error.fatal = True
    clone = pickle.loads(pickle.dumps(error))
    assert clone.__notes__ == ["while looking up a batch"]
    assert clone.fatal is True


def _sandbox_lookup_fails() -> str:
    """Runs in a worker process: a lookup of an unknown order on the sandbox."""
    from xi_orders.testing import Sandbox

    async def main() -> str:
        sandbox = Sandbox(seed=11, orders=2)
        async with sandbox.client() as client:
            await client.get_order("20-NOSUCH")
        return "no error"

    return asyncio.run(main())


def test_an_error_crosses_a_multiprocessing_pool_intact() -> None:
    # multiprocessing.Pool hung when a worker's error could not be unpickled.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result = pool.apply_async(_sandbox_lookup_fails)
        with pytest.raises(NotFoundError) as caught:
            result.get(timeout=120)  # a hang fails instead of blocking
    error = caught.value
    assert error.status_code == 404
    assert error.correlation_id and error.correlation_id in str(error)
    assert error.headers["IM-CorrelationID"] == error.correlation_id
    data = pickle.dumps(error)
    assert b"sandbox-client-secret" not in data
    assert not re.search(rb"Bearer (?!\*\*\*)", data)


def test_an_error_crosses_a_process_pool_intact() -> None:
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    try:
        future = pool.submit(_sandbox_lookup_fails)
        with pytest.raises(NotFoundError) as caught:
            future.result(timeout=120)  # a hang (multiprocessing) fails instead of blocking
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    error = caught.value
    assert error.status_code == 404
    assert error.api_message
    assert error.correlation_id and len(error.correlation_id) == 32
    assert error.correlation_id in str(error)
    assert error.headers["IM-CorrelationID"] == error.correlation_id
    assert error.details
    data = pickle.dumps(error)
    assert b"sandbox-client-secret" not in data
    assert not re.search(rb"Bearer (?!\*\*\*)", data)


# --- item 6: redaction of every spelling, for the token endpoint and the API ---------------


@pytest.fixture
def mocked() -> Iterator[respx.MockRouter]:
    with respx.mock(using="httpx", base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.mark.anyio
async def test_token_error_redacts_every_spelling_of_the_secret(
    mocked: respx.MockRouter,
) -> None:
    echoed = " ".join(sorted(spellings(SECRET)))
    mocked.post("/oauth/oauth30/token").respond(401, text=f"client_secret={echoed} rejected")
    async with make_client(client_secret=SECRET) as client:
        with pytest.raises(TokenRequestError) as caught:
            await client._session.pipeline.send(GET_ORDER, path_arg="20-RD3QV")
    error = caught.value
    assert error.api_message is not None and error.api_message.startswith("client_secret=***")
    for text in (str(error), repr(error), repr(error.args), error.body):
        assert not leaks(text, (SECRET,)), text
    assert_no_secret(error)
    # the form body the request carried is in the attached (sanitized) request
    assert error.response is not None
    assert b"client_secret=%2A%2A%2A" in error.response.request.content


@pytest.mark.anyio
async def test_api_error_that_echoes_the_bearer_token_is_redacted(
    mocked: respx.MockRouter,
) -> None:
    tokens = iter([OLD_TOKEN, TOKEN])
    mocked.post("/oauth/oauth30/token").mock(
        side_effect=lambda _: httpx.Response(
            200, json={"access_token": next(tokens), "expires_in": "86399"}
        )
    )
    route = mocked.get(ORDER)
    route.side_effect = [
        httpx.Response(401, json={"message": "expired"}),
        httpx.Response(403, text=echoing_body(TOKEN, OLD_TOKEN, SECRET)),
    ]
    async with make_client(client_secret=SECRET) as client:
        with pytest.raises(PermissionDeniedError) as caught:
            await client._session.pipeline.send(GET_ORDER, path_arg="20-RD3QV")
    error = caught.value
    assert str(error).startswith("HTTP 403: token Bearer *** lacks scope")
    assert_no_secret(error)  # the current token, the one it replaced, and the secret


@pytest.mark.anyio
async def test_network_failure_cause_keeps_no_authorization_header() -> None:
    # httpx.MockTransport, not respx: respx chains its route (with every call) to the error.
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": TOKEN, "expires_in": "86399"})
        raise httpx.ReadError("reset by peer", request=request)

    async with make_client(client_secret=SECRET, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client._session.pipeline.send(GET_ORDER, path_arg="20-RD3QV")
    cause = caught.value.__cause__
    assert isinstance(cause, httpx.ReadError)  # the cause is kept...
    assert cause.request.url.path == ORDER
    assert cause.request.headers["authorization"] == "***"  # ...without the token
    assert_no_secret(caught.value)
