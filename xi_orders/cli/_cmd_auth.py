"""``xi-orders auth check``: fetch a token and make one small call; say where and for whom,
never the token or the secret. ``xi-orders auth show``: where the calls would go, offline.

Over the public client only (no private send path).
"""

from __future__ import annotations

from typing import Any

from .. import AuthenticationError
from ..client import AsyncOrdersClient
from ..models import OrderSearchPage
from ._args import add_command, json_flag
from ._output import describe_error, dumps
from ._shell import EXIT_API, EXIT_OK, CliError, echo, load_settings, run_async


def auth_check(as_json: bool) -> int:
    """Fetch a token and make one small call: do the credentials work?

    Prints where it connected and for which customer; never the token or the secret.


    Example:
      xi-orders --env-file prod.env auth check
    """
    settings = load_settings()
    client_id = settings.values.get("XI_CLIENT_ID", "")

    async def check() -> tuple[AsyncOrdersClient, int | None, str]:
        async with settings.client() as client:
            page_found: int | None = None
            cid = ""
            async for page in client.search_orders(page_size=1, limit=1).pages():
                page_found = page.records_found
                if isinstance(page, OrderSearchPage) and page.response is not None:
                    cid = page.response.correlation_id
                break
            return client, page_found, cid

    try:
        client, found, cid = run_async(check())
    except AuthenticationError as exc:
        message = f"credentials rejected for client ID {_mask(client_id)}: {describe_error(exc)}"
        raise CliError(message, EXIT_API) from None
    facts = {
        "ok": True,
        "environment": client.environment,
        "base_url": client.base_url,
        "token_url": client.token_url,
        "client_id": _mask(client_id),
        "customer_number": client.customer_number,
        "country_code": client.country_code,
        "orders_visible": found,
        "correlation_id": cid,
    }
    if as_json:
        echo(dumps(facts))
    else:
        echo(
            f"credentials work: token issued by {client.token_url} for client ID "
            f"{_mask(client_id)}; customer {client.customer_number} ({client.country_code}) "
            f"can search orders" + (f" ({found} found)" if found is not None else "")
        )
    return EXIT_OK


def auth_show(as_json: bool) -> int:
    """Show where the calls would go and for whom, from the settings alone: nothing is sent.

    The environment (XI_ENVIRONMENT), the API and token URLs it resolves to (or
    XI_BASE_URL / XI_TOKEN_URL), the customer and a masked client ID; never the secret.


    Example:
      XI_ENVIRONMENT=sandbox xi-orders auth show
    """
    settings = load_settings()
    client = settings.client()
    facts = {
        "environment": client.environment,
        "base_url": client.base_url,
        "token_url": client.token_url,
        "client_id": _mask(settings.values.get("XI_CLIENT_ID", "")),
        "customer_number": client.customer_number,
        "country_code": client.country_code,
        "sender_id": client.sender_id,
    }
    run_async(client.aclose())
    if as_json:
        echo(dumps(facts))
    else:
        width = max(len(k) for k in facts)
        for key, value in facts.items():
            if value is not None:
                echo(f"{key.replace('_', ' '):<{width}}  {value}")
    return EXIT_OK


def _mask(value: str) -> str:
    return value[:4] + "…" if len(value) > 6 else "…"


def register(commands: Any) -> None:
    """The ``auth`` group and its ``check`` command."""
    auth_parser = commands.add_parser("auth", help="check the API credentials")
    auth_commands = auth_parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    p = add_command(auth_commands, "check", auth_check)
    json_flag(p, "print the outcome as one JSON object")
    p = add_command(auth_commands, "show", auth_show)
    json_flag(p, "print the settings as one JSON object")
