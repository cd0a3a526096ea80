"""Vendor-required fields, from asking to placing: what a product needs, answers as request
fields, and the check that an order carries them all.

The flow::

    info = await client.get_vendor_required_info([VendorProduct(plan_id="438308")])
    plan = info[0]
    for field in vendor_fields.fields_to_fill(plan, {"tenant_preference": "new"}):
        print(field.name, field.offered or field.default, field.description)
    answers = {"tenant_preference": "new", "microsoft_domain": "contoso", ...}
    line = OrderCreateV7Line(
        customer_line_number="1", plan_id="438308", quantity=5,
        subscription_period=[Period.years(1)], billing_period=[Period.months(1)],
        vri_additional_attributes=vendor_fields.answer_groups(plan, answers),
    )
    await client.create_order_v7(request, check_vendor_fields=True)

- :func:`fields_to_fill` walks the tree: every question on the path the answers choose
  (a question whose answer picks a choice brings in that choice's questions);
- :func:`answer_attributes` (hardware, software, warranty: the request's
  ``vmf_additional_attributes``, a v7 line's ``vmf_additional_attributes``
  (``vmfAdditionalAttributesLines``), a v6 line's ``additional_attributes``) and
  :func:`answer_groups` (a subscription line's ``vri_additional_attributes``, or the
  order's ``vmf_vendor_additional_attributes``) turn ``{name: value}`` answers into request
  fields, rejecting unknown names and values outside the offered choices with
  ``ValidationError`` naming them, and (unless ``partial=True``) unanswered questions;
- :func:`missing_fields` lists, per line, what a create request lacks; the client's
  ``create_order_v7(..., check_vendor_fields=True)`` (and v6's) asks first and raises
  :class:`MissingVendorFieldsError` before anything is placed.

Defaults are never filled in for you: a question's ``value`` is sometimes a real default and
sometimes an example (``"onmicrosoft.com"``); :attr:`RequiredField.default` shows it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

import attrs

from .errors import ValidationError
from .models import (
    AdditionalAttribute,
    OrderCreateLine,
    OrderCreateRequest,
    OrderCreateV7Line,
    OrderCreateV7Request,
    ProductVendorInfo,
    VendorAttribute,
    VendorAttributeGroup,
    VendorProduct,
    VendorRequiredInfo,
    VendorRequiredInfoRequest,
)

__all__ = [
    "MissingField",
    "MissingVendorFieldsError",
    "ProductLike",
    "RequiredField",
    "answer_attributes",
    "answer_groups",
    "fields_to_fill",
    "missing_answers",
    "missing_fields",
    "products_of",
    "walk",
]

#: What ``get_vendor_required_info`` takes for a product: an Ingram part number, or a
#: ``VendorProduct`` naming a vendor part number or plan ID.
ProductLike = str | VendorProduct
Kind = Literal["vmf", "vri"]

# --------------------------------------------------------------------------------------
# the question (the client's request body) and the answer (a list, decoded)


def request_body(
    products: Iterable[ProductLike] | None, quote_number: str | None, sender_id: str | None
) -> VendorRequiredInfoRequest:
    """The checked request of one ``get_vendor_required_info`` call."""
    if not sender_id:
        raise ValidationError(
            "sender_id",
            "is required for Vendor Required Info (the API requires IM-SenderID there): "
            "pass sender_id= to the client (or set XI_SENDER_ID)",
        )
    if products is None:
        products = []
    elif isinstance(products, (str, VendorProduct)):
        products = [products]
    items: list[VendorProduct] = []
    for i, item in enumerate(products):
        if isinstance(item, str):
            item = VendorProduct(ingram_part_number=item)
        elif not isinstance(item, VendorProduct):
            raise ValidationError(
                f"products[{i}]",
                f"must be an Ingram part number or a VendorProduct, got {type(item).__name__}",
            )
        items.append(item)
    if quote_number is not None and (not isinstance(quote_number, str) or not quote_number):
        raise ValidationError("quote_number", f"must be a non-empty string, got {quote_number!r}")
    return VendorRequiredInfoRequest(quote_number=quote_number, products=items)


# --------------------------------------------------------------------------------------
# the tree


@attrs.frozen
class RequiredField:
    """One question of a product's vendor fields, on the path the answers chose."""

    name: str
    #: ``"vmf"`` (hardware, software, warranty) or ``"vri"`` (cloud subscription)
    kind: Kind
    vendor_name: str | None
    product_id: str | None
    description: str | None
    hint: str | None
    #: the values one may answer with (empty: free text)
    offered: tuple[str, ...]
    #: what the API shows as the question's value when it is not a list of choices
    default: str | None
    #: False only when the API says so (``attributeRequired``)
    required: bool
    #: the choices leading here: ``("tenant_preference=new",)``; empty at the top
    path: tuple[str, ...]
    attribute: VendorAttribute = attrs.field(eq=False, repr=False)

    @property
    def branches(self) -> bool:
        """Whether the answer picks a choice that asks further questions."""
        return any(c.choices for c in self.attribute.choices)


def _groups(info: ProductVendorInfo) -> Iterator[tuple[Kind, VendorAttributeGroup]]:
    for group in info.vmf_additional_attributes:
        yield "vmf", group
    for group in info.vri_additional_attributes:
        yield "vri", group


def walk(
    info: ProductVendorInfo | VendorAttributeGroup,
) -> Iterator[tuple[int, tuple[str, ...], VendorAttribute]]:
    """Every node of the tree (of a product, or of one of its groups), depth first:
    ``(depth, path, node)``, choices included (a choice is a node without a name). For
    showing the whole tree; :func:`fields_to_fill` follows only the chosen path."""

    def nodes(
        items: Sequence[VendorAttribute], depth: int, path: tuple[str, ...]
    ) -> Iterator[tuple[int, tuple[str, ...], VendorAttribute]]:
        for node in items:
            yield depth, path, node
            step = (*path, f"{node.name}" if node.name else f"={node.value}")
            yield from nodes(node.choices, depth + 1, step)

    groups = [info] if isinstance(info, VendorAttributeGroup) else [g for _, g in _groups(info)]
    for group in groups:
        yield from nodes(group.attributes, 0, ())


def _questions(
    items: Sequence[VendorAttribute], answers: Mapping[str, str], path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], VendorAttribute]]:
    for node in items:
        if node.name:
            yield path, node
            answer = answers.get(node.name)
            chosen = node.choice(answer) if answer else None
            if chosen is None and answer:
                chosen = next(
                    (c for c in node.choices if (c.value or "").lower() == answer.lower()), None
                )
            if chosen is not None:
                yield from _questions(
                    chosen.choices, answers, (*path, f"{node.name}={chosen.value}")
                )
        else:
            # a choice listed among questions (an unusual shape): its questions count
            yield from _questions(node.choices, answers, path)


def fields_to_fill(
    info: ProductVendorInfo, answers: Mapping[str, str] | None = None
) -> list[RequiredField]:
    """The questions to answer for ``info`` on the path ``answers`` choose.

    A question whose choices ask further questions (``tenant_preference``: ``new`` or
    ``existing``) is listed; its choice's questions are listed once the answers pick it.

    Example::

        [f.name for f in fields_to_fill(plan)]                  # ['tier1_mpn', 'tenant_preference', ...]
        [f.name for f in fields_to_fill(plan, {"tenant_preference": "new"})]  # + 'microsoft_domain', ...
    """
    given = _answers("answers", answers or {})
    out: list[RequiredField] = []
    for kind, group in _groups(info):
        for path, node in _questions(group.attributes, given, ()):
            assert node.name is not None
            out.append(
                RequiredField(
                    name=node.name,
                    kind=kind,
                    vendor_name=group.vendor_name,
                    product_id=group.product_id,
                    description=node.description,
                    hint=node.hint,
                    offered=tuple(node.offered_values),
                    default=node.default,
                    required=node.required is not False,
                    path=path,
                    attribute=node,
                )
            )
    return out


def missing_answers(
    info: ProductVendorInfo, answers: Mapping[str, str], *, kind: Kind | None = None
) -> list[RequiredField]:
    """The required questions on the chosen path that ``answers`` leave unanswered."""
    given = _answers("answers", answers)
    return [
        f
        for f in fields_to_fill(info, given)
        if f.required and not given.get(f.name) and (kind is None or f.kind == kind)
    ]


# --------------------------------------------------------------------------------------
# answers -> request fields


def _answers(field: str, answers: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(answers, Mapping):
        raise ValidationError(
            field, f"must be a mapping of name to value, got {type(answers).__name__}"
        )
    out: dict[str, str] = {}
    for name, value in answers.items():
        if not isinstance(name, str) or not name:
            raise ValidationError(field, f"names must be non-empty strings, got {name!r}")
        if not isinstance(value, str):
            raise ValidationError(f"{field}.{name}", f"must be a string, got {value!r}")
        out[name] = value
    return out


def _checked(
    info: ProductVendorInfo, answers: Mapping[str, str], kind: Kind | None, partial: bool
) -> list[tuple[RequiredField, str]]:
    """The answered questions of ``info`` (of ``kind``), in tree order, values in the
    offered spelling; ``ValidationError`` for unknown names, values outside the choices and
    (unless ``partial``) unanswered questions."""
    given = _answers("answers", answers)
    fields = [f for f in fields_to_fill(info, given) if kind is None or f.kind == kind]
    reached = {f.name for f in fields}
    everywhere = {node.name for _, _, node in walk(info) if node.name}
    unknown = [n for n in given if n not in reached]
    if unknown:
        off_path = [n for n in unknown if n in everywhere]
        reason = f"not asked for {info.label}"
        if off_path and len(off_path) == len(unknown):
            reason = f"not asked on the path these answers choose for {info.label}"
        asked = ", ".join(dict.fromkeys(f.name for f in fields)) or "none"
        raise ValidationError("answers." + ", answers.".join(unknown), f"{reason} (asked: {asked})")
    out: list[tuple[RequiredField, str]] = []
    for f in fields:
        value = given.get(f.name)
        if not value:
            continue
        if f.offered:
            spelled = next((o for o in f.offered if o.lower() == value.lower()), None)
            if spelled is None:
                raise ValidationError(
                    f"answers.{f.name}",
                    f"{value!r} is not one of the offered values: {', '.join(f.offered)}",
                )
            value = spelled
        out.append((f, value))
    if not partial:
        missing = [f for f in missing_answers(info, given, kind=kind)]
        if missing:
            raise ValidationError(
                "answers." + ", answers.".join(f.name for f in missing),
                f"required by the vendor of {info.label} and not answered "
                "(pass partial=True to build the fields anyway)",
            )
    return out


def answer_attributes(
    info: ProductVendorInfo,
    answers: Mapping[str, str],
    *,
    kind: Kind | None = "vmf",
    partial: bool = False,
) -> list[AdditionalAttribute]:
    """``{name: value}`` answers as ``{attributeName, attributeValue}`` pairs: for a v7
    request's or line's ``vmf_additional_attributes``, or a v6 line's
    ``additional_attributes``. Checked (see the module docstring).

    Example::

        line.vmf_additional_attributes = answer_attributes(info[0], {"VEUD_AUTH_NBR_FLG": "A1"})
    """
    return [
        AdditionalAttribute(name=f.name, value=v) for f, v in _checked(info, answers, kind, partial)
    ]


def answer_groups(
    info: ProductVendorInfo,
    answers: Mapping[str, str],
    *,
    kind: Kind = "vri",
    partial: bool = False,
) -> list[VendorAttributeGroup]:
    """``{name: value}`` answers as the vendor's groups (vendor name, product ID, the
    answered attributes): a subscription line's ``vri_additional_attributes`` (``kind="vri"``),
    or the order's ``vmf_vendor_additional_attributes`` (``kind="vmf"``). Checked.

    Example::

        line.vri_additional_attributes = answer_groups(plan, {"tenant_preference": "new", ...})
    """
    checked = _checked(info, answers, kind, partial)
    out: list[VendorAttributeGroup] = []
    for group_kind, group in _groups(info):
        if group_kind != kind:
            continue
        names = {node.name for node in _all_nodes(group.attributes) if node.name}
        attributes = [
            VendorAttribute(name=f.name, value=v)
            for f, v in checked
            if f.name in names and f.vendor_name == group.vendor_name
        ]
        if attributes:
            out.append(
                VendorAttributeGroup(
                    vendor_name=group.vendor_name,
                    product_id=group.product_id,
                    attributes=attributes,
                )
            )
    return out


def _all_nodes(items: Iterable[VendorAttribute]) -> Iterator[VendorAttribute]:
    for node in items:
        yield node
        yield from _all_nodes(node.choices)


# --------------------------------------------------------------------------------------
# the pre-flight: what a create request lacks


@attrs.frozen
class MissingField:
    """A vendor field a line of a create request does not answer."""

    #: the line's index in ``request.lines``
    line: int
    customer_line_number: str | None
    #: the plan ID or part number the line orders
    product: str
    #: where the answer belongs, in Python spelling:
    #: ``lines[0].vri_additional_attributes.microsoft_domain``
    field: str
    required: RequiredField = attrs.field(repr=False)

    @property
    def name(self) -> str:
        return self.required.name


class MissingVendorFieldsError(ValidationError):
    """A create request lacks vendor-required fields (``check_vendor_fields=True``):
    nothing was placed. ``missing`` lists every one, per line; ``field`` names the first."""

    def __init__(self, missing: Sequence[MissingField]) -> None:
        self.missing = list(missing)
        lines: dict[str, list[str]] = {}
        for m in self.missing:
            where = f"line {m.customer_line_number or m.line} ({m.product})"
            lines.setdefault(where, []).append(m.name)
        reason = "vendor-required fields missing: " + "; ".join(
            f"{where}: {', '.join(names)}" for where, names in lines.items()
        )
        super().__init__(self.missing[0].field if self.missing else "lines", reason)


Line = OrderCreateLine | OrderCreateV7Line


def products_of(request: OrderCreateV7Request | OrderCreateRequest) -> list[VendorProduct]:
    """The products to ask about for ``request``: each line's plan ID or part number, once."""
    seen: dict[tuple[str, str], VendorProduct] = {}
    lines: Sequence[Line] = request.lines
    for line in lines:
        plan = getattr(line, "plan_id", None)
        if plan:
            key, product = ("plan", plan), VendorProduct(plan_id=plan)
        elif line.ingram_part_number:
            key = ("ingram", line.ingram_part_number.upper())
            product = VendorProduct(ingram_part_number=line.ingram_part_number)
        elif line.vendor_part_number:
            key = ("vendor", line.vendor_part_number.upper())
            product = VendorProduct(vendor_part_number=line.vendor_part_number)
        else:
            continue
        seen.setdefault(key, product)
    return list(seen.values())


def _named(items: Iterable[Any]) -> dict[str, str]:
    """``{name: value}`` of attributes (nested choices' named nodes included)."""
    out: dict[str, str] = {}
    for item in items:
        name = getattr(item, "name", None)
        value = getattr(item, "value", None)
        if name and isinstance(value, str) and value:
            out.setdefault(name, value)
        out.update({k: v for k, v in _named(getattr(item, "choices", ())).items() if k not in out})
    return out


def _line_answers(
    request: OrderCreateV7Request | OrderCreateRequest, line: Line
) -> dict[Kind, dict[str, str]]:
    if isinstance(request, OrderCreateV7Request):
        assert isinstance(line, OrderCreateV7Line)
        vmf = _named(line.vmf_additional_attributes)
        for source in (request.vmf_additional_attributes,):
            vmf.update({k: v for k, v in _named(source).items() if k not in vmf})
        for group in request.vmf_vendor_additional_attributes:
            vmf.update({k: v for k, v in _named(group.attributes).items() if k not in vmf})
        vri: dict[str, str] = {}
        for group in [*line.vri_additional_attributes, *request.vri_additional_attributes]:
            vri.update({k: v for k, v in _named(group.attributes).items() if k not in vri})
        return {"vmf": vmf, "vri": vri}
    # v6 carries vendor answers as additional attributes, on the line or the order
    vmf = _named(line.additional_attributes)
    vmf.update({k: v for k, v in _named(request.additional_attributes).items() if k not in vmf})
    return {"vmf": vmf, "vri": {}}


_WHERE: dict[tuple[bool, Kind], str] = {
    (True, "vmf"): "vmf_additional_attributes",
    (True, "vri"): "vri_additional_attributes",
    (False, "vmf"): "additional_attributes",
    (False, "vri"): "additional_attributes",
}


def missing_fields(
    request: OrderCreateV7Request | OrderCreateRequest, info: VendorRequiredInfo
) -> list[MissingField]:
    """Every vendor field ``request`` lacks, per line, by what ``info`` (the answer of
    ``get_vendor_required_info`` for its products) asks."""
    v7 = isinstance(request, OrderCreateV7Request)
    out: list[MissingField] = []
    lines: Sequence[Line] = request.lines
    for i, line in enumerate(lines):
        numbers = [getattr(line, "plan_id", None), line.ingram_part_number, line.vendor_part_number]
        product = next((found for n in numbers if n and (found := info.find(n)) is not None), None)
        if product is None:
            continue
        answers = _line_answers(request, line)
        for kind in ("vmf", "vri"):
            for f in missing_answers(product, answers[kind], kind=kind):
                out.append(
                    MissingField(
                        line=i,
                        customer_line_number=line.customer_line_number,
                        product=product.label,
                        field=f"lines[{i}].{_WHERE[(v7, f.kind)]}.{f.name}",
                        required=f,
                    )
                )
    return out


async def preflight(
    ask: Callable[..., Awaitable[VendorRequiredInfo]],
    request: OrderCreateV7Request | OrderCreateRequest,
    correlation_id: str | None,
    options: Mapping[str, Any],
) -> VendorRequiredInfo | None:
    """Ask Vendor Required Info (``ask``: the client's ``get_vendor_required_info``) for ``request``'s products and raise
    :class:`MissingVendorFieldsError` naming every missing field; nothing is placed then."""
    products = products_of(request)
    if not products:
        return None
    cid = None if correlation_id is None else correlation_id[:28] + "-vri"
    info = await ask(products, correlation_id=cid, **options)
    missing = missing_fields(request, info)
    if missing:
        raise MissingVendorFieldsError(missing)
    return info
