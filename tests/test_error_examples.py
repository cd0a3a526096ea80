"""Every error example in the spec becomes a typed error carrying the API's message."""

from __future__ import annotations

import httpx
import pytest

from tests.spec_support import Example, load_spec, require_spec, response_examples
from xi_orders import APIStatusError, BadRequestError, InternalServerError, NotFoundError
from xi_orders._errors import error_from_response

_SPEC = load_spec()
ERRORS = [e for e in response_examples(_SPEC) if e.status and e.status[0] in "45"] if _SPEC else []
EXPECTED = {400: BadRequestError, 404: NotFoundError, 500: InternalServerError}


def test_the_spec_has_error_examples() -> None:
    require_spec()
    assert len(ERRORS) == 15


@pytest.mark.parametrize("example", ERRORS, ids=[e.id for e in ERRORS])
def test_error_example_is_typed(example: Example) -> None:
    status = int(example.status or 0)
    request = httpx.Request("GET", "https://api.example.test/resellers/v6/orders/x")
    response = httpx.Response(status, json=example.value, request=request)
    error = error_from_response(response, correlation_id="cid-1")
    assert isinstance(error, EXPECTED.get(status, APIStatusError))
    assert error.status_code == status and error.correlation_id == "cid-1"
    assert error.api_message  # the server's own words, whichever shape they came in
    assert error.api_message in str(error) and "cid-1" in str(error)
    values = example.value if isinstance(example.value, dict) else {}
    entries = values.get("errors") if isinstance(values.get("errors"), list) else [values]
    declared_fields = [f for e in entries if isinstance(e, dict) for f in e.get("fields") or []]
    assert len(error.fields) == len(declared_fields)
