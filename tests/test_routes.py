"""The sandbox's routes: the client's endpoint table plus the handlers that the modules of
``xi_orders.testing.resources`` declare (``HANDLERS``), checked when the router is imported.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from xi_orders._endpoints import ENDPOINTS, Endpoint
from xi_orders.testing import FakeClock, Sandbox, resources
from xi_orders.testing._http import CoreResponse
from xi_orders.testing._router import (
    ROUTES,
    Match,
    Route,
    build_routes,
    declared_handlers,
    route,
)
from xi_orders.testing.resources import Handler, details, token

FAKE_TABLE = (Endpoint("read", "GET", "/things/{}"), Endpoint("write", "PUT", "/things/{}"))


def _handler(label: str) -> Handler:
    def handle(core: object, ctx: object) -> CoreResponse:
        return CoreResponse(200, [], label.encode())

    return handle


def test_routes_are_the_endpoint_table_and_the_legacy_token_path() -> None:
    table = {(e.method, e.path, e.name) for e in ENDPOINTS.values()}
    routed = [(r.method, r.template, r.endpoint) for r in ROUTES]
    assert len(routed) == len(set(routed))
    assert table <= set(routed)
    assert set(routed) - table == {("GET", "/oauth/oauth20/token", "token")}
    assert {r.endpoint for r in ROUTES if not r.authenticated} == {"token"}
    assert {r.handler for r in ROUTES if r.endpoint == "token"} == {token.handle}


def test_each_route_reaches_the_handler_its_module_declares() -> None:
    declared = {n: h for _, handlers in declared_handlers(resources) for n, h in handlers.items()}
    assert {r.endpoint: r.handler for r in ROUTES} == declared
    assert route("GET", "/resellers/v6.1/orders/20-AB%2FC") == Match(
        "get_order", details.handle, "20-AB/C"
    )


def test_every_endpoint_reaches_its_handler_over_a_socket() -> None:
    sandbox = Sandbox(seed=3, orders=5, clock=FakeClock())
    number = sandbox.order_numbers()[0]
    with sandbox.serve() as url, httpx.Client(base_url=url) as http:
        headers = sandbox.headers(sandbox.issue_token())
        for e in ENDPOINTS.values():
            body: dict[str, str] | None = None if e.method == "GET" else {}
            http.request(e.method, e.path.format(number), headers=headers, json=body)
        http.post("/resellers/v6.1/orders/" + number, headers=headers)  # no such route: 405
    seen = [(r.method, r.endpoint, r.acted) for r in sandbox.request_log]
    assert seen == [
        *((e.method, e.name, True) for e in ENDPOINTS.values()),
        ("POST", None, False),
    ]


def test_a_fake_table_routes_to_the_declared_handlers() -> None:
    read, write = _handler("read"), _handler("write")
    routes = build_routes(FAKE_TABLE, [("res.a", {"write": write}), ("res.b", {"read": read})])
    assert routes == (
        Route("GET", "/things/{}", "read", read),
        Route("PUT", "/things/{}", "write", write),
    )


def test_an_endpoint_without_a_handler_fails_naming_it() -> None:
    with pytest.raises(
        ValueError, match=r"no resource module handles the endpoint\(s\) \['write'\]"
    ):
        build_routes(FAKE_TABLE, [("res.a", {"read": _handler("read")})])


def test_two_modules_handling_one_endpoint_fail_naming_both() -> None:
    declared = [
        ("res.a", {"read": _handler("a"), "write": _handler("a")}),
        ("res.b", {"read": _handler("b")}),
    ]
    with pytest.raises(ValueError, match=r"both res\.a and res\.b handle 'read'"):
        build_routes(FAKE_TABLE, declared)


def test_a_handler_of_no_endpoint_fails_naming_it() -> None:
    handlers = {"read": _handler("r"), "write": _handler("w"), "reed": _handler("typo")}
    with pytest.raises(ValueError, match=r"res\.a handles 'reed', which is not an endpoint"):
        build_routes(FAKE_TABLE, [("res.a", handlers)])


MODULE = "def handle(core, ctx):\n    return None\n\nHANDLERS = {handlers}\n"


@pytest.fixture
def package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[dict[str, str]], ModuleType]]:
    """Writes a package of resource modules (file name -> source) and imports it."""
    name = f"fake_resources_{uuid.uuid4().hex}"
    monkeypatch.syspath_prepend(str(tmp_path))

    def make(files: dict[str, str]) -> ModuleType:
        for file, source in {"__init__.py": "", **files}.items():
            (tmp_path / name).mkdir(exist_ok=True)
            (tmp_path / name / file).write_text(source)
        importlib.invalidate_caches()
        return importlib.import_module(name)

    yield make
    for module in [m for m in sys.modules if m.split(".")[0] == name]:
        del sys.modules[module]


def test_a_module_is_found_by_being_in_the_package_and_private_ones_are_not_read(
    package: Callable[[dict[str, str]], ModuleType],
) -> None:
    things = MODULE.format(handlers='{"read": handle, "write": handle}')
    private = "raise AssertionError('a private module was imported')\n"
    pkg = package({"things.py": things, "_helpers.py": private})
    assert [(m, sorted(h)) for m, h in declared_handlers(pkg)] == [
        (f"{pkg.__name__}.things", ["read", "write"])
    ]
    # a new operation: its row in the table and its module, nothing else
    package({"audit.py": MODULE.format(handlers='{"audit": handle}')})
    table = (*FAKE_TABLE, Endpoint("audit", "GET", "/audits/{}"))
    routes = build_routes(table, declared_handlers(pkg))
    assert [(r.endpoint, r.handler.__module__) for r in routes] == [
        ("read", f"{pkg.__name__}.things"),
        ("write", f"{pkg.__name__}.things"),
        ("audit", f"{pkg.__name__}.audit"),
    ]


def test_a_public_module_without_handlers_fails_naming_it(
    package: Callable[[dict[str, str]], ModuleType],
) -> None:
    pkg = package({"things.py": "HANDLER = {}\n"})
    with pytest.raises(TypeError, match=rf"{pkg.__name__}\.things declares no HANDLERS"):
        declared_handlers(pkg)


def test_importing_the_sandbox_fails_when_an_endpoint_has_no_handler() -> None:
    script = (
        "from xi_orders import _endpoints as e\n"
        "e.ENDPOINTS['audit_order'] = e.Endpoint('audit_order', 'GET', '/resellers/v6/audit/{}')\n"
        "import xi_orders.testing\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert (
        "ValueError: no resource module handles the endpoint(s) ['audit_order']"
        in done.stderr.splitlines()[-1]
    )
