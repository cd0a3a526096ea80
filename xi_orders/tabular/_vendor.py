"""Vendor Required Info for reading: the attribute tree of each product as indented rows,
for notebooks (HTML) and terminals (text, and the ``xi-orders vendor-info`` table)."""

from __future__ import annotations

import html

from ..models import ProductVendorInfo, VendorAttributeGroup, VendorRequiredInfo
from ..vendor_fields import walk
from ._format import Row, table_html

_INDENT = "\u00a0\u00a0\u00a0\u00a0"  # non-breaking: HTML keeps it


def vendor_rows(product: ProductVendorInfo) -> list[Row]:
    """One row per node of ``product``'s tree, depth first: a question (``field``), or a
    choice (``↳ new``) with the questions it brings in below it, indented."""
    rows: list[Row] = []
    for kind, groups in (
        ("vmf", product.vmf_additional_attributes),
        ("vri", product.vri_additional_attributes),
    ):
        for group in groups:
            rows += _group_rows(kind, group)
    return rows


def _group_rows(kind: str, group: VendorAttributeGroup) -> list[Row]:
    rows: list[Row] = []
    for depth, _path, node in walk(group):
        if node.name:
            offered = node.offered_values
            answer = (
                " / ".join(offered)
                if offered
                else (f"value: {node.default}" if node.default else "")
            )
            field = node.name
        else:
            answer, field = "", f"\u21b3 {node.value}"
        rows.append(
            {
                "field": _INDENT * depth + field,
                "answer": answer,
                "required": "no" if node.required is False else ("" if not node.name else "yes"),
                "description": node.description or "",
                "hint": node.hint or "",
                "vendor": group.vendor_name or "",
                "kind": kind,
            }
        )
    return rows


def product_caption(product: ProductVendorInfo) -> str:
    """``438308 Microsoft 365 F3 (NCE COM MTH)``, and what kind of fields it needs."""
    name = f"{product.label} {product.plan_name}" if product.plan_name else product.label
    if not product.needs_fields:
        return f"{name}: no vendor fields"
    return f"{name}: {'subscription' if product.is_subscription else 'vendor mandatory'} fields"


def _products(info: VendorRequiredInfo | ProductVendorInfo) -> list[ProductVendorInfo]:
    return [info] if isinstance(info, ProductVendorInfo) else list(info)


def vendor_html(info: VendorRequiredInfo | ProductVendorInfo) -> str:
    """The tree of each product as an indented table, with its messages."""
    products = _products(info)
    parts = []
    if isinstance(info, VendorRequiredInfo):
        parts.append(f"<p><b>Vendor Required Info</b>: {len(products)} product(s)</p>")
    for product in products:
        for message in product.response_messages:
            text = message.message or message.type or ""
            parts.append(f"<p>{html.escape(product.label)}: {html.escape(text)}</p>")
        parts.append(table_html(vendor_rows(product), caption=product_caption(product)))
    return "".join(parts)


def vendor_text(info: VendorRequiredInfo | ProductVendorInfo) -> str:
    """A few lines per product: its caption, then its tree, indented."""
    products = _products(info)
    lines = []
    if isinstance(info, VendorRequiredInfo):
        lines.append(f"VendorRequiredInfo: {len(products)} product(s)")
    for product in products:
        lines.append(product_caption(product))
        lines += [f"  {m.message}" for m in product.response_messages if m.message]
        for row in vendor_rows(product):
            field = row["field"].replace("\u00a0", " ")
            lines.append(f"  {field}" + (f"  [{row['answer']}]" if row["answer"] else ""))
    return "\n".join(lines)
