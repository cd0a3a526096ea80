"""Every response of a scripted tour of the sandbox validates against the official spec.

Each (operation, status) is validated with jsonschema against the spec's own response schema
(``$ref``s resolved from the spec file, which is never copied into the repo).

Decisions, where the spec contradicts itself:

* **Every key the sandbox sends must be declared.** Object schemas get
  ``additionalProperties: false`` (the spec sets it on some, not all), so a misspelled or
  invented key fails, however lenient the rest is.
* **The spec's examples beat its schema on value shapes.** The examples (which look like
  captured traffic) send numbers as strings (``"recordsFound": "123"``,
  ``"orderTotal": "120.00"``) and single objects where arrays are declared (``links``,
  ``shipmentDetails``), and the sandbox reproduces those quirks. So a declared
  number/integer also accepts a numeric string, and a declared array of objects also
  accepts one such object. Nothing else is relaxed: a string where a number belongs, a
  wrong key, a missing required key, a too-long value all still fail
  (``test_the_validator_catches_wire_mistakes`` proves it), and the quirks themselves are
  pinned by exact assertions in ``test_sandbox_wire.py``.
* OpenAPI 3.0 ``nullable: true`` becomes ``anyOf [schema, null]``.
* A key the spec's own get-order example sends as ``null`` (13 nulls under 9 names:
  ``scheduleLines``, ``ship``, ``delivery``, ``startDate``, ``contractDuration``...) may be
  ``null`` wherever it is declared, though the schema does not say ``nullable``: the
  sandbox sends them as the real API does (``Realism.nulls``, on by default).
* Where an operation declares no body for a status the sandbox uses (get-order 400/404,
  modify 404), the body must be the spec's ``ErrorResponse``; 401 from the gateway is the
  Apigee ``fault`` shape (as the token endpoint's 500); 429 is the body documented on the
  developer portal (not in the spec). Those three schemas are written here.
* The release (``PUT ?actionCode=release``) 200 example is ``null``: the sandbox answers
  exactly that (JSON ``null``), as a typed client expects from the spec.
* Webhook events: ``OrderStatusAsyncNotificationRequest`` marks ``customerOrderNumber``
  required at the top level although the property lives in ``resource[]`` (its example has
  no top-level one): the requirement is moved into ``resource`` items. The v7 create event
  (``OrderCreateV7Response``) declares ``eventType`` at the top level while its example has
  it inside ``resource``: the sandbox sends both, so ``resource.eventType`` is declared here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest
import pytest_asyncio

from tests.spec_support import require_spec, resolve
from xi_orders.testing import FakeClock, Sandbox

NUMERIC_STRING = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
_DROP = {
    "nullable",
    "example",
    "examples",
    "description",
    "format",
    "xml",
    "discriminator",
    "readOnly",
    "writeOnly",
    "deprecated",
    "externalDocs",
    "default",
    "title",
}

ERROR_RESPONSE_REF = {"$ref": "#/components/schemas/ErrorResponse"}
GATEWAY_401 = {
    "type": "object",
    "required": ["fault"],
    "additionalProperties": False,
    "properties": {
        "fault": {
            "type": "object",
            "required": ["faultstring", "detail"],
            "additionalProperties": False,
            "properties": {
                "faultstring": {"type": "string"},
                "detail": {
                    "type": "object",
                    "required": ["errorcode"],
                    "additionalProperties": False,
                    "properties": {"errorcode": {"type": "string"}},
                },
            },
        }
    },
}
RATE_LIMITED_429 = {
    "type": "object",
    "required": ["errors"],
    "additionalProperties": False,
    "properties": {
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "additionalProperties": False,
                "properties": {
                    "field": {"type": "null"},
                    "message": {"const": "too many requests"},
                },
            },
        }
    },
}
TOKEN_ERROR = {
    "type": "object",
    "required": ["message"],
    "additionalProperties": False,
    "properties": {"message": {"type": "string"}},
}


def example_nulls(spec: dict[str, Any]) -> frozenset[str]:
    """The keys the spec's get-order 200 example sends as ``null``."""
    op = _operation(spec, "get-orderdetails-v6.1")
    examples = op["responses"]["200"]["content"]["application/json"]["examples"]
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if value is None:
                    names.add(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk([e["value"] for e in examples.values()])
    return frozenset(names)


def strict(spec: dict[str, Any], node: Any, *, quirks: bool = True) -> Any:
    """The spec's schema as a strict JSON Schema, with the documented example quirks allowed
    (``quirks=False``: none of them, the schema exactly, for ``Realism.schema_shapes``)."""
    nulls = example_nulls(spec) if quirks else frozenset()
    node = resolve(spec, node)
    if not isinstance(node, dict):
        return node
    nullable = bool(node.get("nullable"))
    out: dict[str, Any] = {k: v for k, v in node.items() if k not in _DROP}
    for key in ("allOf", "anyOf", "oneOf"):
        if key in out:
            out[key] = [strict(spec, s, quirks=quirks) for s in out[key]]
    kind = out.get("type")
    if "properties" in out or kind == "object":
        out["properties"] = {
            k: {"anyOf": [strict(spec, v, quirks=quirks), {"type": "null"}]}
            if k in nulls
            else strict(spec, v, quirks=quirks)
            for k, v in (out.get("properties") or {}).items()
        }
        if out["properties"]:
            out["additionalProperties"] = False
            out["type"] = "object"
    if kind == "array" and "items" in out:
        items = strict(spec, out["items"], quirks=quirks)
        out["items"] = items
        if quirks and isinstance(items, dict) and items.get("type") == "object":
            out = {"anyOf": [out, items]}  # the API sends a lone object for some arrays
    elif quirks and kind in ("number", "integer"):
        out = {"anyOf": [out, NUMERIC_STRING]}  # ... and numbers as strings
    if nullable:
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def _operation(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for ops in spec["paths"].values():
        for op in ops.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return op
    raise KeyError(operation_id)


NO_BODY = object()


def response_schema(spec: dict[str, Any], operation_id: str, status: int) -> Any:
    """The schema the sandbox's answer must follow, or NO_BODY."""
    if operation_id == "get-accesstoken" and status == 401:
        return TOKEN_ERROR
    if status == 401 and operation_id != "get-accesstoken":
        return GATEWAY_401
    if status == 429:
        return RATE_LIMITED_429
    op = _operation(spec, operation_id)
    response = op["responses"].get(str(status))
    if response is not None:
        response = resolve(spec, response)
        content = response.get("content") or {}
        if "application/json" in content:
            return content["application/json"]["schema"]
        if status < 400:
            return NO_BODY
    if status in (400, 404, 405):
        return ERROR_RESPONSE_REF
    raise AssertionError(f"{operation_id} has no schema for {status}")


def validate(spec: dict[str, Any], schema: Any, body: Any, *, quirks: bool = True) -> list[str]:
    """Validation errors (empty when the body conforms; ``quirks``: see :func:`strict`)."""
    validator = jsonschema.Draft7Validator(strict(spec, schema, quirks=quirks))
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)
    ]


def event_schemas(spec: dict[str, Any]) -> tuple[Any, Any]:
    """(order-status event schema, v7 create event schema), patched as the docstring says."""
    schemas = spec["components"]["schemas"]
    status = copy.deepcopy(schemas["OrderStatusAsyncNotificationRequest"])
    status.pop("required", None)
    status["properties"]["resource"]["items"]["required"] = ["customerOrderNumber"]
    v7 = copy.deepcopy(schemas["OrderCreateV7Response"])
    v7["properties"]["resource"]["properties"]["eventType"] = {"type": "string"}
    return status, v7


# ---------------------------------------------------------------------------- the tour


class Tour:
    """Calls the sandbox like a client would and records (operation, status, response)."""

    def __init__(self, sandbox: Sandbox, http: httpx.AsyncClient) -> None:
        self.sandbox = sandbox
        self.http = http
        self.seen: list[tuple[str, int, httpx.Response]] = []
        self.token = ""

    async def call(
        self, operation_id: str, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        r = await self.http.request(method, path, **kwargs)
        self.seen.append((operation_id, r.status_code, r))
        return r

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "IM-CustomerNumber": self.sandbox.customer_number,
            "IM-CountryCode": "US",
            "IM-CorrelationID": "tour-0001",
            **extra,
        }


@pytest.fixture
def spec() -> dict[str, Any]:
    return require_spec()


@pytest_asyncio.fixture
async def tour() -> AsyncIterator[Tour]:
    clock = FakeClock()
    sandbox = Sandbox(
        seed=21, orders=80, clock=clock, rate_limit={"cancel_order": 2}, rate_limit_window=1.0
    )
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        t = Tour(sandbox, http)
        await run_tour(t, clock)
        yield t


async def run_tour(t: Tour, clock: FakeClock) -> None:
    s = t.sandbox
    form = {
        "grant_type": "client_credentials",
        "client_id": s.client_id,
        "client_secret": s.client_secret,
    }
    await t.call(
        "get-accesstoken", "POST", "/oauth/oauth30/token", data={**form, "client_secret": "nope"}
    )
    await t.call(
        "get-accesstoken", "POST", "/oauth/oauth30/token", data={**form, "grant_type": "x"}
    )
    r = await t.call("get-accesstoken", "POST", "/oauth/oauth30/token", data=form)
    t.token = r.json()["access_token"]
    g = "get-orderdetails-v6.1"
    numbers = s.order_numbers()
    for number in numbers[:40]:  # every kind of seeded order: shipped, held, cancelled...
        await t.call(g, "GET", f"/resellers/v6.1/orders/{number}", headers=t.headers())
    for sim in ("IM::SHIPPED", "IM::PARTIALLY_SHIPPED", "IM::HOLD", "IM::INVOICED"):
        await t.call(
            g,
            "GET",
            f"/resellers/v6.1/orders/{numbers[0]}",
            params={"simulateStatus": sim},
            headers=t.headers(),
        )
    await t.call(g, "GET", "/resellers/v6.1/orders/20-00000", headers=t.headers())
    await t.call(
        g,
        "GET",
        f"/resellers/v6.1/orders/{numbers[0]}",
        headers=t.headers(**{"IM-CountryCode": "USA"}),
    )
    await t.call(
        g,
        "GET",
        f"/resellers/v6.1/orders/{numbers[0]}",
        headers={**t.headers(), "Authorization": "Bearer x"},
    )

    srch = "get-resellers-v6-ordersearch"
    for params in (
        {},
        {"pageSize": "100"},
        {"pageNumber": "2", "pageSize": "30"},
        {"orderStatus": "SHIPPED"},
        {"orderStatus-in": ["ON HOLD", "CANCELLED"]},
    ):
        await t.call(srch, "GET", "/resellers/v6/orders/search", params=params, headers=t.headers())
    await t.call(
        srch,
        "GET",
        "/resellers/v6/orders/search",
        params={"customerOrderNumber": "NOPE"},
        headers=t.headers(),
    )
    await t.call(
        srch, "GET", "/resellers/v6/orders/search", params={"pageSize": "500"}, headers=t.headers()
    )

    c6 = "post-createorder_v6"
    parts = [p for p, item in s.catalog.items() if item.in_stock]
    hold = [{"attributeName": "allowOrderOnCustomerHold", "attributeValue": "true"}]
    body = {
        "customerOrderNumber": "TOUR-1",
        "endCustomerOrderNumber": "EU-1",
        "specialBidNumber": "SB123",
        "notes": "tour",
        "lines": [
            {"customerLineNumber": "001", "ingramPartNumber": parts[0], "quantity": 2},
            {"customerLineNumber": "002", "ingramPartNumber": parts[1], "quantity": 1},
        ],
        "endUserInfo": {
            "companyName": "END USER INC",
            "contact": "PAT",
            "addressLine1": "1 MAIN ST",
            "city": "AUSTIN",
            "state": "TX",
            "postalCode": "78701",
            "countryCode": "US",
        },
        "shipToInfo": {"companyName": "SHIP HERE LLC", "city": "DENVER", "state": "CO"},
        "additionalAttributes": hold,
    }
    r = await t.call(c6, "POST", "/resellers/v6/orders", json=body, headers=t.headers())
    held = r.json()["orders"][0]["ingramOrderNumber"]
    partial = {
        "customerOrderNumber": "TOUR-2",
        "additionalAttributes": hold,
        "lines": [
            {"customerLineNumber": "001", "ingramPartNumber": parts[2], "quantity": 1},
            {"customerLineNumber": "002", "ingramPartNumber": "NOSUCH", "quantity": 1},
        ],
    }
    r = await t.call(c6, "POST", "/resellers/v6/orders", json=partial, headers=t.headers())
    held2 = r.json()["orders"][0]["ingramOrderNumber"]
    await t.call(
        c6,
        "POST",
        "/resellers/v6/orders",
        json={"customerOrderNumber": "TOUR-1", "lines": body["lines"]},
        headers=t.headers(),
    )
    await t.call(c6, "POST", "/resellers/v6/orders", json={"lines": []}, headers=t.headers())
    await t.call(g, "GET", f"/resellers/v6.1/orders/{held}", headers=t.headers())

    c7 = "post-createorder_v7"
    await t.call(
        c7,
        "POST",
        "/resellers/v7/orders",
        json={
            "customerOrderNumber": "TOUR-7",
            "lines": [{"customerLineNumber": "001", "ingramPartNumber": parts[3], "quantity": 3}],
        },
        headers=t.headers(),
    )
    await t.call(
        c7,
        "POST",
        "/resellers/v7/orders",
        json={"customerOrderNumber": "TOUR-8", "quoteNumber": "Q-1"},
        headers=t.headers(),
    )
    await t.call(c7, "POST", "/resellers/v7/orders", json={"lines": []}, headers=t.headers())

    m = "put-ordermodify"
    await t.call(
        m,
        "PUT",
        f"/resellers/v6/orders/{held}",
        headers=t.headers(),
        json={
            "notes": "changed",
            "shipToInfo": {"city": "BOULDER"},
            "lines": [
                {
                    "customerLineNumber": "003",
                    "ingramPartNumber": parts[4],
                    "addUpdateDeleteLine": "ADD",
                    "quantity": 1,
                },
                {
                    "ingramLineNumber": "001",
                    "addUpdateDeleteLine": "UPDATE",
                    "quantity": 5,
                    "notes": "more",
                },
            ],
        },
    )
    await t.call(
        m,
        "PUT",
        f"/resellers/v6/orders/{held}",
        headers=t.headers(),
        json={
            "lines": [
                {
                    "customerLineNumber": "004",
                    "ingramPartNumber": "NOSUCH",
                    "addUpdateDeleteLine": "ADD",
                    "quantity": 1,
                },
                {"ingramLineNumber": "099", "addUpdateDeleteLine": "DELETE"},
            ]
        },
    )
    await t.call(
        m,
        "PUT",
        f"/resellers/v6/orders/{held}",
        params={"actionCode": "release"},
        headers=t.headers(),
    )
    await t.call(
        m, "PUT", f"/resellers/v6/orders/{held}", json={"notes": "late"}, headers=t.headers()
    )
    await t.call(
        m, "PUT", "/resellers/v6/orders/20-00000", json={"notes": "x"}, headers=t.headers()
    )

    d = "delete-ordercancel"
    await t.call(d, "DELETE", f"/resellers/v6/orders/{held2}", headers=t.headers())
    await t.call(d, "DELETE", f"/resellers/v6/orders/{held2}", headers=t.headers())
    await t.call(
        d, "DELETE", "/resellers/v6/orders/20-00000", headers=t.headers()
    )  # 429: 2 per window
    clock.advance(1.0)
    await t.call(d, "DELETE", "/resellers/v6/orders/20-00000", headers=t.headers())
    await t.call(d, "DELETE", "/resellers/v6/orders/20-1", headers=t.headers())
    s.ship(numbers[[s.order(n)["orderStatus"] for n in numbers].index("Processing")])


@pytest.mark.asyncio
async def test_every_response_of_the_tour_validates(spec: dict[str, Any], tour: Tour) -> None:
    failures = []
    for operation_id, status, response in tour.seen:
        schema = response_schema(spec, operation_id, status)
        if operation_id == "put-ordermodify" and status == 200:  # release: the spec's ``null``
            assert response.json() is None and response.content == b"null"
            continue
        if schema is NO_BODY or status == 204:
            assert response.content == b"", (operation_id, status)
            continue
        assert response.headers["content-type"].startswith("application/json")
        errors = validate(spec, schema, response.json())
        if errors:
            failures.append(f"{operation_id} {status}: {errors[:5]}")
    assert failures == []
    covered = {(op, status) for op, status, _ in tour.seen}
    assert {status for _, status in covered} >= {200, 201, 204, 207, 400, 401, 404, 405, 429}
    assert covered >= {
        ("get-accesstoken", 200),
        ("get-accesstoken", 400),
        ("get-accesstoken", 401),
        ("get-orderdetails-v6.1", 200),
        ("get-orderdetails-v6.1", 400),
        ("get-orderdetails-v6.1", 401),
        ("get-orderdetails-v6.1", 404),
        ("get-resellers-v6-ordersearch", 200),
        ("get-resellers-v6-ordersearch", 204),
        ("get-resellers-v6-ordersearch", 400),
        ("post-createorder_v6", 201),
        ("post-createorder_v6", 207),
        ("post-createorder_v6", 400),
        ("post-createorder_v7", 200),
        ("post-createorder_v7", 400),
        ("put-ordermodify", 201),
        ("put-ordermodify", 207),
        ("put-ordermodify", 200),
        ("put-ordermodify", 400),
        ("put-ordermodify", 404),
        ("delete-ordercancel", 200),
        ("delete-ordercancel", 405),
        ("delete-ordercancel", 429),
        ("delete-ordercancel", 404),
        ("delete-ordercancel", 400),
    }


@pytest.mark.asyncio
async def test_every_webhook_event_validates(spec: dict[str, Any], tour: Tour) -> None:
    status_schema, v7_schema = event_schemas(spec)
    kinds = []
    for _, body in tour.sandbox.webhook_events:
        event = json.loads(body)
        if event["event"] == "IM::created":
            errors = validate(spec, v7_schema, event)
            kinds.append(event["resource"]["eventType"])
        else:
            errors = validate(spec, status_schema, event)
            kinds.append(event["resource"][0]["eventType"])
        assert errors == [], errors
    assert sorted(set(kinds)) == [
        "IM::async_order_create",
        "im::order_released",
        "im::order_shipped",
        "im::order_voided",
    ]


def test_the_validator_catches_wire_mistakes(spec: dict[str, Any]) -> None:
    """The lenient parts must not hide real mistakes: each mutation below must fail."""
    sandbox = Sandbox(seed=5, orders=10, clock=FakeClock())
    number = sandbox.order_numbers(status="Shipped")[0]
    detail = sandbox.order(number)
    schema = response_schema(spec, "get-orderdetails-v6.1", 200)
    assert validate(spec, schema, detail) == []

    def broken(mutate: Any) -> list[str]:
        body = copy.deepcopy(detail)
        mutate(body)
        return validate(spec, schema, body)

    assert broken(lambda b: b.__setitem__("orderstatus", b.pop("orderStatus")))  # misspelled key
    assert broken(
        lambda b: b["lines"][0].__setitem__("requestedDeliveryDate", "")
    )  # "corrected" spelling
    assert broken(lambda b: b.__setitem__("orderTotal", "a lot"))  # not a number
    assert broken(lambda b: b.__setitem__("customerOrderNumber", 12345))  # number where a string is
    assert broken(lambda b: b["shipToInfo"].__setitem__("zip", "12345"))  # undeclared nested key
    assert broken(
        lambda b: b["lines"][0]["shipmentDetails"][0]["carrierDetails"][0].__setitem__(
            "trackingDetails", "1Z"
        )
    )
    token_schema = response_schema(spec, "get-accesstoken", 200)
    assert (
        validate(
            spec, token_schema, {"access_token": "a", "token_type": "Bearer", "expires_in": "86399"}
        )
        == []
    )
    assert validate(
        spec, token_schema, {"access_token": "a", "token_type": "Bearer", "expiresIn": "86399"}
    )
    errors_schema = response_schema(spec, "delete-ordercancel", 404)
    assert (
        validate(spec, errors_schema, {"errors": [{"id": "1", "type": "t", "message": "m"}]}) == []
    )
    assert validate(spec, errors_schema, {"errors": [{"id": "1", "1ype": "t", "message": "m"}]})
    status_schema, _ = event_schemas(spec)
    assert validate(spec, status_schema, {"topic": "t", "resource": [{"orderNumber": "20-AAAAA"}]})
