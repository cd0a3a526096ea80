"""``xi-orders get``: one order, drawn for a terminal or as the JSON the API sent.

Over the public client only (no private send path); rich only through ``_shell.console``.
"""

from __future__ import annotations

import sys
from typing import Any

import httpx

from ..client import DEFAULT_TIMEOUT
from ..models import OrderDetail
from ._args import add_command, json_flag
from ._output import render_order
from ._settings import Settings
from ._shell import EXIT_OK, console, load_settings, run_async


def get(number: str, as_json: bool, simulate_status: str | None) -> int:
    """Show one order: status, totals, addresses, lines and tracking.


    Examples:
      xi-orders get 20-RD3QV
      xi-orders get 20-RD3QV --json | jq .orderStatus
    """
    settings = load_settings()
    kwargs: dict[str, Any] = {}
    if simulate_status:
        kwargs["simulate_status"] = simulate_status
    if not as_json:
        order = run_async(_get_order(settings, number, kwargs))
        render_order(order, console())
        return EXIT_OK
    body = run_async(_get_order_body(settings, number, kwargs))
    sys.stdout.write(body if body.endswith("\n") else body + "\n")
    return EXIT_OK


async def _get_order(settings: Settings, number: str, kwargs: dict[str, Any]) -> OrderDetail:
    async with settings.client() as client:
        return await client.get_order(number, **kwargs)


async def _get_order_body(settings: Settings, number: str, kwargs: dict[str, Any]) -> str:
    """The body of the answer ``get_order`` decoded, as the API sent it."""
    answers: list[httpx.Response] = []

    async def keep(response: httpx.Response) -> None:
        if response.request.method == "GET" and "/orders/" in response.request.url.path:
            answers.append(response)

    http = httpx.AsyncClient(
        timeout=DEFAULT_TIMEOUT, follow_redirects=False, event_hooks={"response": [keep]}
    )
    try:
        async with settings.client(http_client=http) as client:
            await client.get_order(number, **kwargs)
    finally:
        await http.aclose()
    return answers[-1].text


def register(commands: Any) -> None:
    """The ``get`` command and its options."""
    p = add_command(commands, "get", get)
    p.add_argument("number", help="the Ingram order number, e.g. 20-RD3QV")
    json_flag(p, "print the JSON the API sent, as it sent it")
    p.add_argument(
        "--simulate-status",
        choices=["IM::SHIPPED", "IM::PARTIALLY_SHIPPED", "IM::HOLD", "IM::INVOICED"],
        help="sandbox accounts only: answer as if the order were in this state",
    )
