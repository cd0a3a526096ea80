"""Vendor Required Info (``POST /resellers/v7/vendorrequiredinfo``): which fields a vendor
requires before an order for its product can be placed.

The request names products by Ingram part number, vendor part number or subscription plan
ID (and optionally a quote number). The answer is a list with one
:class:`ProductVendorInfo` per product or plan. Hardware, software and warranty products
list their Vendor Mandatory Fields (VMFs) under ``vmf_additional_attributes``; cloud
subscriptions under ``vri_additional_attributes``. Both are groups
(:class:`VendorAttributeGroup`: vendor name, product ID, attributes), and an attribute's
``choices`` are attributes again: a tree. Microsoft 365's ``tenant_preference`` offers
``new`` and ``existing``, and the ``new`` choice asks for ``microsoft_domain``,
``effective_address``, ... ``mca_acceptance``.

Example::

    info = await client.get_vendor_required_info(["5DV320", VendorProduct(plan_id="438308")])
    for product in info:
        for group in product.groups:
            print(group.vendor_name, [a.name for a in group.attributes])

``xi_orders.vendor_fields`` turns the tree into what must be filled and the answers into
request fields. Like every model these are lenient and lossless: the API's examples send
empty strings, and whatever is not understood is kept in ``extras``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, overload

import attrs

from .._display import Display
from .._response import ResponseMeta
from ..errors import ValidationError
from .common import check_items, check_max_length, extras_field, wire, wire_list

__all__ = [
    "ProductVendorInfo",
    "VendorAttribute",
    "VendorAttributeGroup",
    "VendorProduct",
    "VendorRequiredInfo",
    "VendorRequiredInfoRequest",
    "VendorResponseMessage",
]


@attrs.define(kw_only=True)
class VendorProduct:
    """One product or plan to ask about: exactly one of its numbers.

    A plain string passed to ``get_vendor_required_info`` is an Ingram part number.

    Example: ``VendorProduct(plan_id="438308")``, ``VendorProduct(vendor_part_number="KL4863AAFS")``.
    """

    ingram_part_number: str | None = None
    vendor_part_number: str | None = None
    #: the subscription plan ID (wire ``planID``)
    plan_id: str | None = wire("planID")
    extras: dict[str, Any] = extras_field()

    def validate(self, *, field: str = "product") -> None:
        """Check that exactly one number names the product."""
        given = [
            name
            for name in ("ingram_part_number", "vendor_part_number", "plan_id")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValidationError(
                field,
                "must name exactly one of ingram_part_number, vendor_part_number, plan_id "
                f"(got {', '.join(given) or 'none'})",
            )
        value = getattr(self, given[0])
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(
                f"{field}.{given[0]}", f"must be a non-empty string, got {value!r}"
            )
        check_max_length(self.ingram_part_number, 18, f"{field}.ingram_part_number")


@attrs.define(kw_only=True)
class VendorRequiredInfoRequest:
    """The body of ``POST /resellers/v7/vendorrequiredinfo`` (VendorRequiredInfoRequest).

    At least one product, or a quote number (whose products are then asked about).
    """

    quote_number: str | None = None
    products: list[VendorProduct] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()

    def __attrs_post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check the request; raises ``ValidationError`` naming the first bad field."""
        check_max_length(self.quote_number, 35, "quote_number")
        check_items(self.products, VendorProduct, "products")
        if not self.products and not self.quote_number:
            raise ValidationError("products", "name at least one product (or a quote_number)")
        for i, product in enumerate(self.products):
            product.validate(field=f"products[{i}]")


@attrs.define(kw_only=True)
class VendorAttribute:
    """One node of the vendor-field tree (``AdditionalAttribute`` in the YAML spec).

    A question has a ``name`` (``tenant_preference``); a choice offered under it has none,
    only the ``value`` it stands for (``new``) and the questions that choice asks in turn,
    as its own ``choices``. On a question, ``value`` lists the allowed values
    comma-separated (``"new,existing"``, ``"yes,no"``) or holds a default
    (``"onmicrosoft.com"``): :attr:`offered_values` reads it.
    """

    name: str | None = wire("attributeName")
    value: str | None = wire("attributeValue")
    description: str | None = wire("attributeDescription")
    hint: str | None = wire("attributeHint")
    #: ``attributeRequired`` (a string on the wire: ``"true"``, ``"Y"``...); ``None`` when absent
    required: bool | None = wire("attributeRequired")
    choices: list[VendorAttribute] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()

    @property
    def offered_values(self) -> list[str]:
        """The values one may answer with: the choices' values, else the comma-separated
        ``value`` of a question (``"yes,no"`` -> ``["yes", "no"]``); empty for free text."""
        if self.choices:
            return [c.value for c in self.choices if c.value]
        if self.value and "," in self.value:
            return [v.strip() for v in self.value.split(",") if v.strip()]
        return []

    @property
    def default(self) -> str | None:
        """A question's default answer: its ``value`` when it is not a list of choices."""
        if self.choices or not self.value or "," in self.value:
            return None
        return self.value

    def choice(self, value: str) -> VendorAttribute | None:
        """The choice offered for ``value`` (``None`` if none is)."""
        for c in self.choices:
            if c.value == value:
                return c
        return None


@attrs.define(kw_only=True)
class VendorAttributeGroup:
    """The fields one vendor requires for one product (``VmfVriAdditionalAttributeContainer``)."""

    vendor_name: str | None = None
    product_id: str | None = None
    attributes: list[VendorAttribute] = wire_list("additionalAttributes")
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class VendorResponseMessage:
    """A message about one product of the answer (e.g. the product is unknown)."""

    id: str | None = None
    trace_id: str | None = None
    type: str | None = None
    message: str | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class ProductVendorInfo(Display):
    """What the vendor requires for one product or plan of the question."""

    quote_number: str | None = None
    ingram_part_number: str | None = None
    vendor_part_number: str | None = None
    #: wire ``planId`` (the request spells it ``planID``)
    plan_id: str | None = None
    plan_name: str | None = None
    response_messages: list[VendorResponseMessage] = attrs.field(factory=list)
    #: hardware, software and warranty fields (Vendor Mandatory Fields)
    vmf_additional_attributes: list[VendorAttributeGroup] = attrs.field(factory=list)
    #: cloud subscription fields (Vendor Required Information)
    vri_additional_attributes: list[VendorAttributeGroup] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()

    @property
    def groups(self) -> list[VendorAttributeGroup]:
        """Every attribute group, VMF first then VRI."""
        return [*self.vmf_additional_attributes, *self.vri_additional_attributes]

    @property
    def is_subscription(self) -> bool:
        """Whether the answer is about a cloud subscription (a plan, or VRI fields)."""
        return bool(self.plan_id) or bool(self.vri_additional_attributes)

    @property
    def needs_fields(self) -> bool:
        """Whether the vendor asks for any field at all."""
        return any(group.attributes for group in self.groups)

    @property
    def label(self) -> str:
        """The product's best name: plan ID, Ingram or vendor part number, or quote."""
        return (
            self.plan_id
            or self.ingram_part_number
            or self.vendor_part_number
            or self.quote_number
            or "?"
        )


@attrs.define(kw_only=True)
class VendorRequiredInfo(Display):
    """The answer of ``get_vendor_required_info``: one :class:`ProductVendorInfo` per
    product or plan, in the API's order. Iterable and indexable like a list.

    Example::

        info = await client.get_vendor_required_info(["5DV320"])
        info[0].vmf_additional_attributes[0].attributes[0].name   # 'HEADER_ENDUSER'
        info.response.correlation_id
    """

    products: list[ProductVendorInfo] = attrs.field(factory=list)
    #: the exchange's metadata (status, correlation ID), set by the client
    response: ResponseMeta | None = attrs.field(default=None, eq=False, repr=False)

    def __iter__(self) -> Iterator[ProductVendorInfo]:
        return iter(self.products)

    def __len__(self) -> int:
        return len(self.products)

    @overload
    def __getitem__(self, index: int) -> ProductVendorInfo: ...

    @overload
    def __getitem__(self, index: slice) -> list[ProductVendorInfo]: ...

    def __getitem__(self, index: int | slice) -> ProductVendorInfo | list[ProductVendorInfo]:
        return self.products[index]

    def find(self, number: str) -> ProductVendorInfo | None:
        """The answer about a product or plan, by any of its numbers (case-insensitive)."""
        wanted = number.strip().upper()
        for product in self.products:
            numbers = (product.ingram_part_number, product.vendor_part_number, product.plan_id)
            if any(n and n.strip().upper() == wanted for n in numbers):
                return product
        return None
