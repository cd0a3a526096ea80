"""The commands that change orders: ``create`` and ``modify`` (from a checked request file,
``--dry-run`` sends nothing), ``release`` and ``cancel`` (one or several numbers).

Over the public client only (no private send path); request files are checked by ``_requests``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from .. import AuthenticationError, XiError
from .._convert import unstructure
from ..client import AsyncOrdersClient
from ..models import OrderCreateRequest, OrderCreateV7Request, OrderModifyRequest
from ._args import add_command, json_flag
from ._output import describe_error, dumps, error_fields
from ._requests import CheckedRequest, check_request
from ._shell import EXIT_OK, EXIT_PARTIAL, echo, load_settings, run_async


def _checked(source: str, cls: type) -> CheckedRequest:
    checked = check_request(source, cls)
    for warning in checked.warnings:
        echo(f"xi-orders: warning: {warning}", err=True)
    return checked


def _show_request(method: str, path: str, body: Any, as_json: bool, dry_run: bool) -> None:
    if as_json:
        if dry_run:
            echo(dumps(body, indent=2))
        return
    label = "Would send" if dry_run else "Sending"
    echo(f"{label} {method} {path}:", err=not dry_run)
    echo(dumps(body, indent=2), err=not dry_run)


def _meta(result: Any) -> dict[str, Any]:
    response = getattr(result, "response", None)
    if response is None:
        return {"status_code": None, "correlation_id": None}
    return {"status_code": response.status_code, "correlation_id": response.correlation_id}


def _reconciliation(result: Any) -> dict[str, Any]:
    """How an ambiguous create was resolved, for --json (``reconciliation`` null if never)."""
    how = getattr(result, "reconciliation", None)
    if how is None:
        return {"reconciled": False, "reconciliation": None}
    return {
        "reconciled": True,
        "reconciliation": {
            "outcome": how.outcome,
            "cause": how.cause,
            "order_numbers": list(how.order_numbers),
            "create_correlation_ids": list(how.create_correlation_ids),
            "lookup_correlation_ids": list(how.lookup_correlation_ids),
            "source": how.source,
            "event_ids": list(how.event_ids),
        },
    }


def _say_reconciled(result: Any) -> None:
    # A create that failed ambiguously and was then resolved looks like a clean success
    # otherwise: the reader must know the first answer was lost, and which IDs to quote.
    how = getattr(result, "reconciliation", None)
    if how is None:
        return
    by = (
        f"its order-create webhook event ({', '.join(how.event_ids)})"
        if how.source == "webhook"
        else "search"
    )
    if how.outcome == "found":
        what = f"the order was found by {by} and NOT sent again"
    elif how.outcome == "already_placed":
        what = (
            "the API refused it as a duplicate PO number and the order holding the PO "
            f"({', '.join(how.order_numbers)}) matches this request: placed before, NOT "
            "placed again"
        )
    else:
        what = f"it was surely not placed (as {by} showed), so the create was sent once more"
    echo(
        f"  reconciled: the first create's outcome was unknown ({how.cause}); {what}; "
        f"create correlation IDs {', '.join(how.create_correlation_ids) or '(none)'}, "
        f"lookup correlation IDs {', '.join(how.lookup_correlation_ids) or '(none)'}"
    )


def create(source: str, dry_run: bool, v7: bool, as_json: bool) -> int:
    """Place an order from a JSON request file (the API's field names).

    The file is checked against the request models first; every problem is named by its
    JSON path ($.lines[0].quantity) and nothing is sent. Exit 3 when some lines were rejected.
    When the create's answer is lost (a timeout, a 502 after the order was placed), the
    client looks the order up by its PO number before sending again; the output then says
    "reconciled" (--json: "reconciled": true and how, with every correlation ID).


    Example order.json:
      {"customerOrderNumber": "PO-1001",
       "lines": [{"customerLineNumber": "1", "ingramPartNumber": "DF4128", "quantity": 2}],
       "additionalAttributes": [{"attributeName": "allowOrderOnCustomerHold",
                                 "attributeValue": "true"}]}

    Examples:
      xi-orders create order.json --dry-run
      xi-orders create order.json
    """
    cls = OrderCreateV7Request if v7 else OrderCreateRequest
    checked = _checked(source, cls)
    path = "/resellers/v7/orders" if v7 else "/resellers/v6/orders"
    if dry_run:
        _show_request("POST", path, checked.body, as_json, dry_run)
        if not as_json:
            echo("valid; nothing sent (--dry-run)", err=True)
        return EXIT_OK
    client = load_settings().client()
    # The full URL: which environment an order goes to must be visible before it goes.
    _show_request("POST", client.base_url + path, checked.body, as_json, dry_run)

    async def place() -> Any:
        async with client:
            if v7:
                return await client.create_order_v7(checked.model)
            return await client.create_order(checked.model)

    result = run_async(place())
    meta = _meta(result)
    if v7:
        if as_json:
            echo(dumps({**meta, **_reconciliation(result), "response": unstructure(result)}))
        else:
            echo(
                f"accepted: confirmation {result.confirmation_number}, quote "
                f"{result.quote_number} (HTTP {meta['status_code']}, correlation ID "
                f"{meta['correlation_id']}); the orders arrive on your webhook"
            )
            _say_reconciled(result)
        return EXIT_OK
    rejected = [unstructure(line) for line in result.rejected_lines]
    if as_json:
        echo(
            dumps(
                {
                    **meta,
                    "partial": result.is_partial,
                    "order_numbers": result.order_numbers,
                    "rejected_lines": rejected,
                    **_reconciliation(result),
                    "response": unstructure(result),
                }
            )
        )
    else:
        numbers = ", ".join(result.order_numbers) or "(none)"
        echo(
            f"placed {result.customer_order_number or ''}: order(s) {numbers} "
            f"(HTTP {meta['status_code']}, correlation ID {meta['correlation_id']})"
        )
        _say_reconciled(result)
        for line in result.rejected_lines:
            echo(f"  rejected line {dumps(unstructure(line))}")
    return EXIT_PARTIAL if result.is_partial else EXIT_OK


def modify(number: str, source: str, dry_run: bool, as_json: bool) -> int:
    """Change an order on customer hold from a JSON file (lines, notes, ship-to).

    Only orders created on customer hold can be changed, within 24 hours. Exit 3 when some
    changes were rejected.


    Example changes.json:
      {"lines": [{"customerLineNumber": "002", "ingramPartNumber": "DF4128",
                  "addUpdateDeleteLine": "ADD", "quantity": 1}]}

    Examples:
      xi-orders modify 20-RD3QV changes.json --dry-run
      xi-orders modify 20-RD3QV changes.json
    """
    checked = _checked(source, OrderModifyRequest)
    path = f"/resellers/v6/orders/{number}"
    if dry_run:
        _show_request("PUT", path, checked.body, as_json, dry_run)
        if not as_json:
            echo("valid; nothing sent (--dry-run)", err=True)
        return EXIT_OK
    client = load_settings().client()
    _show_request("PUT", client.base_url + path, checked.body, as_json, dry_run)

    async def send() -> Any:
        async with client:
            return await client.modify_order(number, checked.model)

    result = run_async(send())
    meta = _meta(result)
    if as_json:
        echo(dumps({**meta, "partial": result.is_partial, "response": unstructure(result)}))
    else:
        echo(
            f"modified {number}: {result.order_status or 'status not given'} "
            f"(HTTP {meta['status_code']}, correlation ID {meta['correlation_id']})"
        )
        for line in result.rejected_lines:
            echo(f"  rejected {dumps(unstructure(line))}")
    return EXIT_PARTIAL if result.is_partial else EXIT_OK


def _each_order(
    numbers: tuple[str, ...],
    as_json: bool,
    verb: str,
    call: Callable[[AsyncOrdersClient, str], Coroutine[Any, Any, Any]],
) -> int:
    settings = load_settings()
    numbers = tuple(dict.fromkeys(numbers))

    async def go() -> list[tuple[str, Any]]:
        done: list[tuple[str, Any]] = []
        async with settings.client() as client:
            for number in numbers:
                try:
                    done.append((number, await call(client, number)))
                except AuthenticationError:
                    raise
                except XiError as exc:
                    if len(numbers) == 1:
                        raise
                    done.append((number, exc))
        return done

    failed = 0
    for number, outcome in run_async(go()):
        if isinstance(outcome, XiError):
            failed += 1
            if as_json:
                echo(dumps({"order_number": number, "ok": False, **error_fields(outcome)}))
            else:
                echo(f"{number}: not {verb}: {describe_error(outcome)}", err=True)
            continue
        meta = {"status_code": outcome.status_code, "correlation_id": outcome.correlation_id}
        if as_json:
            echo(dumps({"order_number": number, "ok": True, **meta}))
        else:
            echo(
                f"{verb} {number} (HTTP {meta['status_code']}, "
                f"correlation ID {meta['correlation_id']})"
            )
    return EXIT_PARTIAL if failed else EXIT_OK


def release(numbers: tuple[str, ...], as_json: bool) -> int:
    """Release orders on customer hold to the warehouse.

    With several numbers, each is tried; exit 3 if some failed.


    Example:
      xi-orders release 20-RD3QV
    """

    async def call(client: AsyncOrdersClient, number: str) -> Any:
        result = await client.release_order(number)
        return result.response

    return _each_order(numbers, as_json, "released", call)


def cancel(numbers: tuple[str, ...], as_json: bool) -> int:
    """Cancel orders on customer hold (before they are released).

    With several numbers, each is tried; exit 3 if some failed.


    Example:
      xi-orders cancel 20-RD3QV
    """

    async def call(client: AsyncOrdersClient, number: str) -> Any:
        return await client.cancel_order(number)

    return _each_order(numbers, as_json, "cancelled", call)


def register(commands: Any) -> None:
    """The ``create``, ``modify``, ``release`` and ``cancel`` commands."""
    p = add_command(commands, "create", create)
    p.add_argument("source", metavar="ORDER_JSON|-", help="the request file; - for stdin")
    p.add_argument(
        "--dry-run", action="store_true", help="check the file and show the body; send nothing"
    )
    p.add_argument("--v7", action="store_true", help="use the asynchronous v7 create")
    json_flag(p, "print the result (or, with --dry-run, the body) as JSON")

    p = add_command(commands, "modify", modify)
    p.add_argument("number", help="the order number")
    p.add_argument("source", metavar="CHANGES_JSON|-", help="the changes file; - for stdin")
    p.add_argument(
        "--dry-run", action="store_true", help="check the file and show the body; send nothing"
    )
    json_flag(p, "print the result (or, with --dry-run, the body) as JSON")

    for name, func in (("release", release), ("cancel", cancel)):
        p = add_command(commands, name, func)
        p.add_argument("numbers", metavar="NUMBER", nargs="+", help="order numbers")
        json_flag(p, "one JSON line per order")
