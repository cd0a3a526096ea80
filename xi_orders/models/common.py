"""Shapes the Orders API repeats across operations: addresses, attributes, links, charges.

Every model here is plain typed data (``@attrs.define(kw_only=True)``); the one converter in
``xi_orders._convert`` turns wire JSON into them and back. The conventions all models follow:

- snake_case attributes; the wire name is the camelCase of the attribute unless the field
  says otherwise with ``metadata={"wire": "..."}`` (the API's misspellings such as
  ``requestedDeliverydate`` keep their wire spelling and get a good attribute name);
- every field is optional: scalars default to ``None``, lists to an empty list, so missing
  keys decode;
- ``extras`` keeps every wire entry that the typed fields do not carry (unknown keys, values
  that could not be typed, explicit nulls and empty values), and is written back out by
  ``unstructure``, so nothing a server sent is silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from ..errors import ValidationError

__all__ = [
    "AdditionalAttribute",
    "Address",
    "Link",
    "MiscellaneousCharge",
    "RejectedLine",
    "ResultError",
    "ResultErrorField",
    "SerialNumber",
    "ShippingInfo",
]


# --------------------------------------------------------------------------------------
# field helpers (private): keep the model declarations short and uniform


def wire(name: str | None) -> Any:
    """An optional scalar field whose wire name is not the camelCase of its attribute."""
    return attrs.field(default=None, metadata={"wire": name})


def wire_list(name: str) -> Any:
    """A list field (empty by default) whose wire name is irregular."""
    return attrs.field(factory=list, metadata={"wire": name})


def extras_field() -> Any:
    """The ``extras`` field every model carries (never a wire key itself)."""
    return attrs.field(factory=dict, repr=False, metadata={"wire": None, "extras": True})


def raw_body_field() -> Any:
    """The ``raw_body`` of a result: the JSON body as received (never a wire key itself)."""
    return attrs.field(default=None, eq=False, repr=False, metadata={"wire": None})


def decode_problem_field() -> Any:
    """The ``decode_problem`` of a result: why (part of) an accepted body was not typed."""
    return attrs.field(default=None, metadata={"wire": None})


def option_field(attribute_name: str) -> Any:
    """A typed request option that travels as an ``additionalAttributes`` entry."""
    return attrs.field(default=None, metadata={"wire": None, "attribute": attribute_name})


# --------------------------------------------------------------------------------------
# shared shapes


@attrs.define(kw_only=True)
class Address:
    """A name-and-address block: bill-to, ship-to, end user, reseller (request and response).

    The API sends the same shape under ``billToInfo``, ``shipToInfo``, ``endUserInfo`` and
    ``resellerInfo`` (and line-level ``endUserInfo``); only some fields appear in each.
    Request models check the spec's per-context limits (``max_length`` differs between
    create and modify) when they are built; ``Address`` itself never refuses data.

    Example::

        Address(company_name="ACME", address_line1="1 Main St", city="Santa Ana",
                state="CA", postal_code="92705", country_code="US")
    """

    contact: str | None = None
    company_name: str | None = None
    name1: str | None = None
    name2: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    address_line4: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    phone_number: str | None = None
    email: str | None = None
    #: ship-to address ID on file with Ingram Micro (``shipToInfo.addressId``)
    address_id: str | None = None
    #: end user ID in Ingram Micro's system (``endUserInfo.endUserId``)
    end_user_id: str | None = None
    #: ``endUser`` or ``endUserContact`` (SAP line-level end users)
    end_user_type: str | None = None
    address_sequence_number: str | None = None
    contact_id: str | None = None
    reseller_id: str | None = None
    shipping_notes: str | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class AdditionalAttribute:
    """One ``{"attributeName", "attributeValue"}`` pair (order, line or vendor level).

    Example: ``AdditionalAttribute(name="allowPartialOrder", value="true")``.
    """

    name: str | None = wire("attributeName")
    value: str | None = wire("attributeValue")
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class Link:
    """A link the API offers to a related resource, e.g. the order details of a sub-order.

    ``href`` is a path on the API host (``/resellers/v6.1/orders/20-RD128-11``);
    ``method`` is the HTTP method to use (the wire calls it ``type``).
    """

    topic: str | None = None
    href: str | None = None
    method: str | None = wire("type")
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class SerialNumber:
    """A serial number of a shipped unit."""

    serial_number: str | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class MiscellaneousCharge:
    """A charge on an order other than the lines' prices (recycling fee, state tax, ...)."""

    sub_order_number: str | None = None
    charge_line_reference: str | None = None
    charge_description: str | None = None
    charge_amount: Decimal | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class ShippingInfo:
    """How a line of a created or modified order ships: carrier and warehouse.

    The ``shipmentDetails`` of create (v6, v7) and modify responses.
    """

    carrier_code: str | None = None
    carrier_name: str | None = None
    ship_from_warehouse_id: str | None = None
    ship_from_location: str | None = None
    freight_account_number: str | None = None
    signature_required: bool | None = None
    shipping_instructions: str | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class RejectedLine:
    """A line the API refused (207 Multi-Status): which line, and why.

    Example: ``RejectedLine(ingram_part_number="DF4128MW", reject_code="EN",
    reject_reason="SKU-NOTFOUND    DF4128MW")``.
    """

    ingram_line_number: str | None = None
    customer_line_number: str | None = None
    ingram_part_number: str | None = None
    vendor_part_number: str | None = None
    quantity_ordered: int | None = None
    reject_code: str | None = None
    reject_reason: str | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class ResultErrorField:
    """One field-level problem inside an ``errors`` entry: which field, why, the value."""

    field: str | None = None
    message: str | None = None
    value: str | None = None
    extras: dict[str, Any] = extras_field()


@attrs.define(kw_only=True)
class ResultError:
    """One entry of an ``errors`` array that came inside a successful (2xx) answer.

    A create or modify the API accepted can still report problems this way; the result
    shows them (``result.errors``) and counts as partial (``result.is_partial``). The shape
    is the API's error entry: ``{"id", "type", "message", "fields": [...]}``, with
    ``traceid`` in some answers.
    """

    id: str | None = None
    type: str | None = None
    message: str | None = None
    trace_id: str | None = wire("traceid")
    fields: list[ResultErrorField] = attrs.field(factory=list)
    extras: dict[str, Any] = extras_field()


# --------------------------------------------------------------------------------------
# reading numbers the API spells several ways (used by the details models' accessors)

_LIST_SEPARATORS = re.compile(r"[,;|]")
#: Whitespace separates two numbers only when every piece is at least this long. Carriers
#: print one number in short groups (UPS ``1Z 999 AA1 01 2345 6784``, FedEx ``7489 2348
#: 2398``, USPS ``9400 1000 0000 0000 0000 00``: groups of 2 to 4 characters), while
#: their numbers themselves are longer (DHL Express 10 digits, FedEx and Purolator 12,
#: USPS international 13, UPS 18, USPS domestic 20 to 22). A piece shorter than 8 is
#: therefore a group, and ``"1Z1 1Z2"`` stays one value: splitting it would cut every
#: spaced real number into fragments, while keeping it whole loses nothing (the caller
#: still sees the text as sent). Commas, semicolons and bars always separate.
_MIN_SPACED_NUMBER = 8


def split_numbers(text: str | None) -> list[str]:
    """The numbers in one wire string that may hold several: ``"1Z1, 1Z2"`` ->
    ``["1Z1", "1Z2"]``; ``"1Z999AA10123456784 1Z999AA10123456785"`` -> both.

    Commas, semicolons and bars always separate. Whitespace separates only when every
    piece is a whole number (8 characters or more): ``"1Z 999 AA1 01 2345 6784"`` stays one.
    """
    if not text:
        return []
    numbers: list[str] = []
    for part in _LIST_SEPARATORS.split(text):
        pieces = part.split()
        if not pieces:
            continue
        if len(pieces) > 1 and all(len(p) >= _MIN_SPACED_NUMBER for p in pieces):
            numbers.extend(pieces)
        else:
            numbers.append(" ".join(pieces))
    return numbers


def _key_is(key: object, name: str) -> bool:
    return isinstance(key, str) and key.replace("_", "").lower() == name


def serial_numbers_in(typed: Iterable[SerialNumber], extras: Mapping[str, Any]) -> list[str]:
    """Every serial number of a node: its typed ``serialNumbers`` entries (also when an
    entry spells its key ``SerialNumber``), then the entries under the variant keys the
    API also sends (``SerialNumbers``, ``serialnumbers``), whether objects or plain
    strings. Each number once, in order."""
    found: list[str] = []
    for entry in typed:
        if entry.serial_number:
            found.append(entry.serial_number)
        else:
            found += _serial_values(entry.extras)
    for key, value in extras.items():
        if _key_is(key, "serialnumbers"):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    found += split_numbers(item)
                elif isinstance(item, Mapping):
                    found += _serial_values(item)
    return list(dict.fromkeys(found))


def tracking_numbers_in(typed: str | None, extras: Mapping[str, Any]) -> list[str]:
    """The tracking numbers of one package: its ``trackingNumber`` (several in one string
    are split, see :func:`split_numbers`), or the same key spelled another way."""
    if typed:
        return split_numbers(typed)
    for key, value in extras.items():
        if _key_is(key, "trackingnumber") and isinstance(value, (str, int)):
            return split_numbers(str(value))
    return []


def _serial_values(entry: Mapping[str, Any]) -> list[str]:
    return [
        str(value).strip()
        for key, value in entry.items()
        if _key_is(key, "serialnumber") and value not in (None, "") and str(value).strip()
    ]


# --------------------------------------------------------------------------------------
# request validation helpers (private; used by the request models' validate())

_TRUE = frozenset({"true", "y", "yes", "1"})
_FALSE = frozenset({"false", "n", "no", "0"})


def parse_flag(value: str | None) -> bool | None:
    """``"true"``/``"false"`` (and Y/N, yes/no, 1/0, any case) as a bool; else None."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def check_required(value: object, field: str) -> None:
    """Raise ``ValidationError`` naming ``field`` when ``value`` is missing or blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(field, "is required")


def check_max_length(value: str | None, limit: int, field: str) -> None:
    """Raise ``ValidationError`` when ``value`` is longer than the spec's ``limit``."""
    if value is not None and len(value) > limit:
        raise ValidationError(field, f"must be at most {limit} characters (got {len(value)})")


def check_positive(value: int | None, field: str) -> None:
    """Raise ``ValidationError`` unless ``value`` (when set) is a positive integer."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"must be an integer (got {value!r})")
    if value <= 0:
        raise ValidationError(field, f"must be a positive integer (got {value})")


def check_not_negative(value: Decimal | None, field: str) -> None:
    """Raise ``ValidationError`` when ``value`` (when set) is a negative or non-finite amount."""
    if value is None:
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        raise ValidationError(field, f"must not be negative (got {value!r})")
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationError(field, f"must be a finite Decimal (got {value!r})")
    if value < 0:
        raise ValidationError(field, f"must not be negative (got {value})")


def check_country_code(value: str | None, field: str) -> None:
    """Raise ``ValidationError`` unless ``value`` (when set) is two letters."""
    if value is None:
        return
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise ValidationError(field, f"must be a two-letter ISO country code (got {value!r})")


def check_one_of(value: str | None, allowed: Iterable[str], field: str) -> None:
    """Raise ``ValidationError`` unless ``value`` (when set) is one of ``allowed``."""
    allowed = tuple(allowed)
    if value is not None and value not in allowed:
        raise ValidationError(field, f"must be one of {', '.join(allowed)} (got {value!r})")


#: Per-context maximum lengths of request address fields (attribute name -> limit).
AddressLimits = dict[str, int]


def check_address(address: Address | None, limits: AddressLimits, field: str) -> None:
    """Check a request address against the spec's limits for its context."""
    if address is None:
        return
    if not isinstance(address, Address):
        raise ValidationError(field, f"must be an Address (got {type(address).__name__})")
    for name, limit in limits.items():
        check_max_length(getattr(address, name), limit, f"{field}.{name}")
    check_country_code(address.country_code, f"{field}.country_code")


def check_attributes(items: Sequence[AdditionalAttribute], field: str) -> None:
    """Check each item is an ``AdditionalAttribute`` with a name (``field[i].name``)."""
    for i, item in enumerate(items):
        if not isinstance(item, AdditionalAttribute):
            raise ValidationError(
                f"{field}[{i}]", f"must be an AdditionalAttribute (got {type(item).__name__})"
            )
        check_required(item.name, f"{field}[{i}].name")


def check_items(items: object, cls: type, field: str) -> None:
    """Raise ``ValidationError`` unless ``items`` is a list of ``cls`` instances."""
    if not isinstance(items, list):
        raise ValidationError(field, f"must be a list (got {type(items).__name__})")
    for i, item in enumerate(items):
        if not isinstance(item, cls):
            raise ValidationError(
                f"{field}[{i}]", f"must be a {cls.__name__} (got {type(item).__name__})"
            )


def sync_options(request: Any) -> None:
    """Reconcile a request's typed options with its raw ``additional_attributes``.

    An option left ``None`` takes its value from a matching raw attribute (so a decoded
    request shows it typed); an option that is set must agree with a raw attribute of the
    same name, if there is one. Names match case-insensitively.
    """
    for a in attrs.fields(type(request)):
        attribute_name = a.metadata.get("attribute")
        if attribute_name is None:
            continue
        typed = getattr(request, a.name)
        if typed is not None and not isinstance(typed, bool):
            raise ValidationError(a.name, f"must be a bool or None (got {typed!r})")
        for item in request.additional_attributes:
            if (item.name or "").lower() != attribute_name.lower():
                continue
            raw = parse_flag(item.value)
            if typed is None:
                if raw is not None:
                    setattr(request, a.name, raw)
            elif raw is not None and raw != typed:
                raise ValidationError(
                    a.name,
                    f"conflicts with additional attribute {item.name}={item.value!r}",
                )
            break
