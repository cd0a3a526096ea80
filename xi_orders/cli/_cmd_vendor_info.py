"""``xi-orders vendor-info``: which fields each vendor requires before an order is placed.

Over the public client only (no private send path); rich only through ``_shell.console``.
"""

from __future__ import annotations

import sys
from typing import Any

from ..models import VendorProduct, VendorRequiredInfo
from ..tabular import product_caption, vendor_rows
from ._args import add_command, json_flag
from ._settings import Settings
from ._shell import EXIT_OK, UsageError, console, load_settings, run_async


def vendor_info(skus: list[str], plans: list[str] | None, quote: str | None, as_json: bool) -> int:
    """Show the fields each vendor requires for these products (Vendor Required Info).

    Products are Ingram part numbers (SKU), subscription plan IDs (--plan) or the products
    of a quote (--quote). Each product's fields are a tree: a choice (↳ new) brings in the
    questions indented below it. The API requires IM-SenderID here: set XI_SENDER_ID.

    Examples:
      xi-orders vendor-info 5DV320
      xi-orders vendor-info --plan 438308 --json | jq '.[0].vriAdditionalAttributes'
      xi-orders vendor-info 5DV320 KL4863 --plan 438308 --quote QUO-14551943-D2Y9L9
    """
    products: list[str | VendorProduct] = [*skus, *(VendorProduct(plan_id=p) for p in plans or ())]
    if not products and not quote:
        raise UsageError("name at least one SKU, --plan ID or --quote")
    settings = load_settings()
    body, info = run_async(_ask(settings, products, quote))
    if as_json:
        sys.stdout.write(body if body.endswith("\n") else body + "\n")
        return EXIT_OK
    _render(info, console())
    return EXIT_OK


async def _ask(
    settings: Settings, products: list[str | VendorProduct], quote: str | None
) -> tuple[str, VendorRequiredInfo]:
    """The body as the API sent it, and its typed answer (one call)."""
    async with settings.client() as client:
        raw = await client.with_raw_response.get_vendor_required_info(products, quote_number=quote)
        return raw.content.decode("utf-8", "replace"), raw.parse()


def _render(info: VendorRequiredInfo, out: Any) -> None:
    from rich.table import Table

    if not len(info):
        out.print("no products in the answer")
    for product in info:
        for message in product.response_messages:
            out.print(f"[yellow]{product.label}: {message.message or message.type}[/yellow]")
        rows = vendor_rows(product)
        if not rows:
            out.print(f"[bold]{product_caption(product)}[/bold]")
            continue
        table = Table(title=product_caption(product), title_justify="left")
        for column in ("field", "answer", "required", "description", "hint", "vendor"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(
                *(
                    str(row[c])
                    for c in ("field", "answer", "required", "description", "hint", "vendor")
                )
            )
        out.print(table)


def register(commands: Any) -> None:
    """The ``vendor-info`` command and its options."""
    p = add_command(commands, "vendor-info", vendor_info)
    p.add_argument("skus", nargs="*", metavar="SKU", help="Ingram part numbers")
    p.add_argument(
        "--plan",
        dest="plans",
        action="append",
        metavar="ID",
        help="a subscription plan ID (repeatable)",
    )
    p.add_argument("--quote", metavar="Q", help="an Ingram quote number: ask about its products")
    json_flag(p, "print the JSON the API sent, as it sent it")
