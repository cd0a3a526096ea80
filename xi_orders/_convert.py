"""The one cattrs converter: wire JSON <-> the attrs models of :mod:`xi_orders.models`.

``converter`` is configured once, at import, with hooks and hook factories; ``structure``
and ``unstructure`` are the two entry points the rest of the package uses.

Wire names
    The wire name of a field is the camelCase of its attribute (``ingram_order_number`` ->
    ``ingramOrderNumber``, ``address_line1`` -> ``addressLine1``) unless the field says
    otherwise with ``metadata={"wire": "requestedDeliverydate"}``. ``{"wire": None}`` means
    never read from nor written to the wire (``response``, ``extras``, typed options).

Money and numbers
    Money (and every non-integer number) is ``Decimal``, built from ``str(value)`` so
    ``0.1`` stays ``Decimal('0.1')``. Numbers may arrive as strings (``"120.00"``,
    ``"123"``) and strings as numbers (``70940000``); both are accepted. An integer field
    takes ``2``, ``"2"``, ``2.0`` and ``"2.00"``, but not ``2.5``. On the way out a
    ``Decimal`` is written as a JSON number: an ``int`` when integral, else a ``float``
    when that float prints back as the same decimal (always so for money), else a string.

Dates and times
    ``date`` fields hold a ``datetime.date``: ``"2020-05-13"`` -> ``date(2020, 5, 13)``.
    When the server sends a time with it (``"2020-05-13T00:38:52-07:00"``) the value is a
    timezone-aware ``datetime`` (a ``date`` subclass), so nothing is lost.
    ``datetime`` fields (``ingram_order_date`` of details and search,
    ``order_modified_date``, webhook timestamps) hold timezone-aware datetimes with the
    offset as sent (``Z`` is UTC; ``.267Z``, ``.36-07:00``, ``.515+05:30`` all parse). A
    timestamp without an offset is assumed to be UTC (the spec describes order dates as
    UTC). A date alone in a datetime field is midnight UTC of that date. Empty strings
    (``"requestedDeliverydate": ""``) are ``None``. Out, both are ISO 8601 (``isoformat``).

Leniency (structure)
    Missing keys are ``None`` (lists: empty); ``null`` for a list is an empty list; a single
    object where a list is declared (``links``, ``shipmentDetails``) is a list of one; a
    list of exactly one object where an object is declared is that object; unknown keys are
    kept.

Raw fallback: nothing is lost
    A value a typed field cannot hold (``"orderTotal": "N/A"``, ``"billToInfo": "n/a"``,
    a list of non-objects for ``lines``) does not fail the payload: the field becomes
    ``None`` (a list field: empty) and the raw value is kept in the model's ``extras``
    under its wire key. ``extras`` also keeps unknown keys, explicit ``null`` values and
    empty values the typed fields would not write back (``""`` for a date, ``[]``), so
    ``unstructure(structure(payload))`` writes back every key the server sent.
    :func:`untyped_values` lists the raw fallbacks of a decoded model by path
    (``lines[3].shipmentDetails``), for logs.

Errors
    ``structure`` raises only :class:`~xi_orders.errors.DecodeError`, and only when the
    shape is unusable: the top level is not a JSON object where a model is expected (a
    top-level ``null`` decodes to an empty model: the API answers some calls with an empty
    body), an element of a top-level list is not an object (the message names it: ``[2]``),
    or a request payload breaks a request model's rules (``lines[0].quantity: must be a
    positive integer``; the ``ValidationError`` is the ``__cause__``).

Omission (unstructure)
    ``unstructure`` returns JSON-ready data (dict, list, str, int, float, bool, None) with
    the spec's camelCase names. Fields left ``None`` and empty lists are omitted, so a
    request carries exactly what was set. A request's typed options (``customer_hold``
    ...) become ``additionalAttributes`` entries ``{"attributeName":
    "allowOrderOnCustomerHold", "attributeValue": "true"}`` (an entry of the same name is
    updated in place, else one is appended). ``extras`` are written back; a typed value
    wins over an ``extras`` entry with the same key.

Speed, and why structure has its own generator
    Each model gets a structure function generated (and compiled) once, the first time its
    type is met: one ``dict.get`` per field, strings and ints taken as they are, other
    values through the converter's hooks (which test for the already-right type first).
    Unstructure functions are cattrs' ``make_dict_unstructure_fn`` (renames and omissions
    are all it needs). For structure, cattrs' ``make_dict_structure_fn`` with
    ``override(rename=..., struct_hook=...)`` can express renames and missing keys, not the
    two rules that make decoding lenient: a value a field cannot hold kept raw in the
    parent's ``extras`` (a field hook cannot reach its parent's ``extras``), and unknown keys
    kept. Built on it anyway (``benchmarks/bench_decode.py``, :func:`cattrs_gen_structure`:
    the same leaf hooks, lenient per-field hooks writing to a stack of ``extras``, a wrapper
    adding unknown keys; it passes the same decode tests), it is slower on the same data
    (rows 2a and 2b of ``benchmarks/README.md``, ``python -m benchmarks.bench_decode``). So
    the generator stays for models; cattrs' own machinery does lists, leaf types and all of
    unstructure.
"""

from __future__ import annotations

import datetime as dt
import functools
import linecache
import re
import types
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, Union, cast, get_args, get_origin, overload

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from .errors import DecodeError, ValidationError
from .models.common import parse_flag
from .models.events import AsyncOrderCreateEvent, OrderEvent, OrderStatusEvent
from .models.vendor_info import ProductVendorInfo, VendorRequiredInfo

__all__ = [
    "converter",
    "structure",
    "structure_event",
    "unstructure",
    "untyped_values",
    "wire_name",
]

T = TypeVar("T")

_UTC = dt.timezone.utc
_NoneType = type(None)

converter = cattrs.Converter(detailed_validation=False)


# --------------------------------------------------------------------------------------
# wire names


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def wire_name(field: attrs.Attribute[Any]) -> str | None:
    """The wire key of a model field (``None``: not on the wire)."""
    if "wire" in field.metadata:
        return cast("str | None", field.metadata["wire"])
    return _camel(field.name)


def _cached(predicate: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """Remember a type predicate's answers (types are hashable; anything else is asked)."""
    answers: dict[Any, bool] = {}

    @functools.wraps(predicate)
    def cached(cls: Any) -> bool:
        try:
            return answers[cls]
        except KeyError:
            answers[cls] = answer = predicate(cls)
            return answer
        except TypeError:
            return predicate(cls)

    return cached


@_cached
def _is_model(cls: Any) -> bool:
    return isinstance(cls, type) and attrs.has(cls) and "extras" in attrs.fields_dict(cls)


# --------------------------------------------------------------------------------------
# leaf structure hooks: (value, type) -> typed value, None for "empty", or raise.
# The generated model functions never pass None; they keep whatever a hook cannot type.


def _structure_str(value: Any, _: Any = None) -> str:
    cls = value.__class__
    if cls is str:
        return cast(str, value)
    if cls is bool:
        return "true" if value else "false"
    if cls is int:
        return str(value)
    if cls is Decimal:
        return format(value, "f")  # as sent: "1.50" stays "1.50", 1E+2 is "100"
    if cls is float:
        return str(int(value)) if value.is_integer() else repr(value)
    raise TypeError(f"expected a string, got {cls.__name__}")


def _structure_int(value: Any, _: Any = None) -> int | None:
    cls = value.__class__
    if cls is int:
        return cast(int, value)
    if cls is str:
        text = value.strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            number = Decimal(text)  # "2.00"; raises on "N/A"
    elif cls is float or cls is Decimal:
        number = Decimal(str(value))
    else:
        raise TypeError(f"expected an integer, got {cls.__name__}")
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"not an integer: {value!r}")
    return int(number)


def _structure_decimal(value: Any, _: Any = None) -> Decimal | None:
    cls = value.__class__
    if cls is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"not a finite number: {value!r}")
        return Decimal(repr(value))
    if cls is int:
        return Decimal(value)
    if cls is str:
        text = value.strip()
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    elif cls is Decimal:
        number = value
    else:
        raise TypeError(f"expected a number, got {cls.__name__}")
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def _structure_bool(value: Any, _: Any = None) -> bool | None:
    cls = value.__class__
    if cls is bool:
        return cast(bool, value)
    if cls is str:
        if not value.strip():
            return None
        flag = parse_flag(value)
        if flag is None:
            raise ValueError(f"not a boolean: {value!r}")
        return flag
    if cls is int and value in (0, 1):
        return bool(value)
    raise TypeError(f"expected a boolean, got {cls.__name__}")


_FRACTION = re.compile(r"(\.\d+)")


def _parse_timestamp(text: str) -> dt.datetime:
    """An ISO 8601 timestamp as an aware datetime (no offset: UTC)."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        # Python 3.10's fromisoformat knows neither "Z" nor 1-2 or 4-5 digit fractions.
        fixed = text[:-1] + "+00:00" if text[-1:] in "Zz" else text
        fixed = _FRACTION.sub(lambda m: (m.group(1) + "000000")[:7], fixed, count=1)
        value = dt.datetime.fromisoformat(fixed)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    return value


def _structure_date(value: Any, _: Any = None) -> dt.date | None:
    cls = value.__class__
    if cls is str:
        text = value.strip()
        if len(text) <= 10:
            if not text:
                return None
            return dt.date.fromisoformat(text)
        return _parse_timestamp(text)
    if cls is dt.date or cls is dt.datetime:
        return cast(dt.date, value)
    raise TypeError(f"expected a date string, got {cls.__name__}")


def _structure_datetime(value: Any, _: Any = None) -> dt.datetime | None:
    cls = value.__class__
    if cls is str:
        text = value.strip()
        if len(text) <= 10:
            if not text:
                return None
            day = dt.date.fromisoformat(text)
            return dt.datetime(day.year, day.month, day.day, tzinfo=_UTC)
        return _parse_timestamp(text)
    if cls is dt.datetime:
        stamp = cast(dt.datetime, value)
        return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=_UTC)
    if cls is dt.date:
        return dt.datetime(value.year, value.month, value.day, tzinfo=_UTC)
    raise TypeError(f"expected a timestamp string, got {cls.__name__}")


converter.register_structure_hook(str, _structure_str)
converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(Decimal, _structure_decimal)
converter.register_structure_hook(bool, _structure_bool)
converter.register_structure_hook(dt.date, _structure_date)
converter.register_structure_hook(dt.datetime, _structure_datetime)


# --------------------------------------------------------------------------------------
# lists: null -> [], a single item -> [item]


@_cached
def _is_list(cls: Any) -> bool:
    return get_origin(cls) is list


def _make_list_hook(cls: Any) -> Callable[[Any, Any], list[Any]]:
    (item_type,) = get_args(cls) or (Any,)
    item_hook = converter.get_structure_hook(item_type)
    models = _is_model(item_type)

    def structure_list(value: Any, _: Any = None) -> list[Any]:
        if value.__class__ is list or isinstance(value, (list, tuple)):
            out = [item_hook(item, item_type) for item in value]
            if not models and None in out:
                raise ValueError("a list item has no value")
            return out
        if value is None:
            return []
        if models and not isinstance(value, Mapping):
            raise TypeError(f"expected a list of objects, got {type(value).__name__}")
        item = item_hook(value, item_type)
        if item is None:
            raise ValueError("a list item has no value")
        return [item]

    return structure_list


converter.register_structure_hook_factory(_is_list, _make_list_hook)


# --------------------------------------------------------------------------------------
# models: a structure function generated per class


#: Marks a key the payload does not have (``None`` is a value the server sent).
_MISSING: Any = object()


class _NotAnObject(DecodeError):
    """A nested value where an object belongs is not one (kept raw by the parent)."""


def _as_object(value: Any, cls: type) -> dict[str, Any]:
    """The dict to decode ``cls`` from: a mapping, or a list holding exactly one."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (list, tuple)) and len(value) == 1 and isinstance(value[0], Mapping):
        return dict(value[0])
    raise _NotAnObject(f"expected an object for {cls.__name__}, got {type(value).__name__}")


def _keep(extras: dict[str, Any] | None, key: str, value: Any) -> dict[str, Any]:
    if extras is None:
        extras = {}
    extras[key] = value
    return extras


def _keep_unknown(
    data: dict[str, Any], known: frozenset[str], extras: dict[str, Any] | None
) -> dict[str, Any] | None:
    for key in data:
        if key not in known:
            if extras is None:
                extras = {}
            extras[key] = data[key]
    return extras


def _field_type(field: attrs.Attribute[Any]) -> tuple[Any, bool]:
    """The type to structure a field as (``X`` of ``X | None``) and whether it is a list."""
    tp: Any = field.type
    args = get_args(tp)
    if get_origin(tp) in (Union, types.UnionType) and _NoneType in args:
        rest = tuple(a for a in args if a is not _NoneType)
        tp = rest[0] if len(rest) == 1 else Union[rest]  # noqa: UP007
    return tp, _is_list(tp)


def _wire_fields(cls: type) -> list[tuple[attrs.Attribute[Any], str]]:
    return [(a, w) for a in attrs.fields(cls) if a.init and (w := wire_name(a)) is not None]


#: Inline conversions for the already-right wire type: (condition on v, expression).
_FAST_PATHS: dict[Any, tuple[tuple[str, str], ...]] = {
    Decimal: (
        # what the SDK's JSON loader makes of a number with a fraction (parse_float=Decimal)
        ("v.__class__ is _Decimal and v.is_finite()", "v"),
        # a finite float (inf - inf and nan - nan are nan): Decimal of its shortest repr
        ("v.__class__ is float and v - v == 0.0", "_Decimal(repr(v))"),
        ("v.__class__ is int", "_Decimal(v)"),
    ),
    dt.date: (("v.__class__ is str and len(v) == 10", "_date(v)"),),
}


def _plain_init(cls: type) -> bool:
    """Whether instances can be made without ``__init__`` (no hooks, checks or conversions)."""
    return not hasattr(cls, "__attrs_post_init__") and all(
        a.validator is None and a.converter is None and a.init for a in attrs.fields(cls)
    )


#: The models whose structure function is being generated: a field of one of these types
#: (a tree, such as the vendor-field ``VendorAttribute`` whose ``choices`` are attributes
#: again) looks its hook up when first used, not while the function is built.
_GENERATING: set[type] = set()


def _lazy_hook(tp: Any) -> Callable[[Any, Any], Any]:
    hook: list[Callable[[Any, Any], Any]] = []

    def structure_later(value: Any, _: Any = None) -> Any:
        if not hook:
            hook.append(converter.get_structure_hook(tp))
        return hook[0](value, tp)

    return structure_later


def _hook_for(tp: Any) -> Callable[[Any, Any], Any]:
    item = (get_args(tp) or (Any,))[0] if _is_list(tp) else tp
    if item in _GENERATING:
        return _lazy_hook(tp)
    return converter.get_structure_hook(tp)


def _make_model_hook(cls: type) -> Callable[[Any, Any], Any]:
    _GENERATING.add(cls)
    try:
        return _generate_model_hook(cls)
    finally:
        _GENERATING.discard(cls)


def _generate_model_hook(cls: type) -> Callable[[Any, Any], Any]:
    attrs.resolve_types(cls)
    fields = _wire_fields(cls)
    names: dict[str, Any] = {
        "__cl": cls,
        "_as_object": _as_object,
        "_keep": _keep,
        "_keep_unknown": _keep_unknown,
        "_Fatal": ValidationError,
        "_known": frozenset(w for _, w in fields),
        "_Decimal": Decimal,
        "_date": dt.date.fromisoformat,
        "_new": object.__new__,
        "_M": _MISSING,
    }
    lines = [
        f"def structure_{cls.__name__}(o, _=None):",
        "  if o.__class__ is not dict:",
        "    o = _as_object(o, __cl)",
        "  ex = None",
        "  m = 0",
    ]
    assign: list[tuple[str, str]] = []
    plain = _plain_init(cls)
    wired = {field.name for field, _ in fields}
    for i, (field, key) in enumerate(fields):
        tp, is_list = _field_type(field)
        names[f"h{i}"] = _hook_for(tp)
        names[f"t{i}"] = tp
        k = repr(key)
        var = f"f{i}"
        keep = ["if ex is None:", "  ex = {}", f"ex[{k}] = v"]
        # One dict lookup per field; the common case (present, already the right type)
        # is the first branch taken.
        lines.append(f"  v = o.get({k}, _M)")
        if is_list:
            (item_type,) = get_args(tp) or (Any,)
            if _is_model(item_type):
                # the common case inline: a list of objects, each through its model function
                names[f"i{i}"] = _hook_for(item_type)
                fast = [
                    "if v.__class__ is list and len(v) == 1:",
                    f"  {var} = [i{i}(v[0])]",
                    "elif v.__class__ is list and v:",
                    f"  {var} = list(map(i{i}, v))",
                    "else:",
                ]
            else:
                fast = ["if True:"]
            lines += [
                "  if v is _M:",
                "    m += 1",
                f"    {var} = []",
                "  else:",
                "    try:",
                *[f"      {s}" for s in fast],
                f"        {var} = h{i}(v, t{i})",
                "    except _Fatal:",
                "      raise",
                "    except Exception:",
                f"      {var} = []",
                f"    if not {var}:",
                *[f"      {s}" for s in keep],
            ]
        else:
            passthrough = {str: "str", int: "int", bool: "bool"}.get(tp)
            fast_path = _FAST_PATHS.get(tp)
            if passthrough:
                lines += [
                    f"  if v.__class__ is {passthrough}:",
                    f"    {var} = v",
                    "  elif v is _M:",
                ]
            else:
                lines += ["  if v is _M:"]
            lines += ["    m += 1", f"    {var} = None", "  else:"]
            if fast_path:
                convert = []
                for branch, (condition, expression) in enumerate(fast_path):
                    convert += [
                        f"{'elif' if branch else 'if'} {condition}:",
                        f"  {var} = {expression}",
                    ]
                convert += ["else:", f"  {var} = h{i}(v, t{i})"]
            else:
                convert = [f"{var} = h{i}(v, t{i})"]
            lines += [
                "    if v is None:",
                f"      {var} = None",
                "    else:",
                "      try:",
                *[f"        {s}" for s in convert],
                "      except _Fatal:",
                "        raise",
                "      except Exception:",
                f"        {var} = None",
                f"    if {var} is None:",
                *[f"      {s}" for s in keep],
            ]
        assign.append((field.name if plain else str(field.alias), var))
    lines += [
        # every key but the m missing fields was a known one, or some keys are unknown
        f"  if len(o) != {len(fields)} - m:",
        "    ex = _keep_unknown(o, _known, ex)",
    ]
    if _plain_init(cls):
        # Response models: fill the slots directly, skipping __init__'s keyword matching.
        lines.append("  self = _new(__cl)")
        lines += [f"  self.{name} = {value}" for name, value in assign]
        for field in attrs.fields(cls):
            if field.name in wired:
                continue
            if field.name == "extras":
                lines.append("  self.extras = ex if ex is not None else {}")
            elif isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                names[f"d_{field.name}"] = field.default.factory
                lines.append(f"  self.{field.name} = d_{field.name}()")
            else:
                names[f"d_{field.name}"] = field.default
                lines.append(f"  self.{field.name} = d_{field.name}")
        lines.append("  return self")
    else:
        call = [f"{alias}={value}" for alias, value in assign]
        lines.append(f"  return __cl({', '.join([*call, 'extras=ex if ex is not None else {}'])})")
    source = "\n".join(lines) + "\n"
    filename = f"<xi_orders generated structure {cls.__module__}.{cls.__qualname__}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), names)
    return cast("Callable[[Any, Any], Any]", names[f"structure_{cls.__name__}"])


converter.register_structure_hook_factory(_is_model, _make_model_hook)


# --------------------------------------------------------------------------------------
# webhook events: pick the class from the payload's shape


def _structure_event(value: Any, _: Any = None) -> AsyncOrderCreateEvent | OrderStatusEvent:
    data = _as_object(value, AsyncOrderCreateEvent)
    resource = data.get("resource")
    # The event type decides; the resource's shape only when no type is given (a status
    # event may send a single object where the schema declares a list).
    first = resource[0] if isinstance(resource, list) and resource else resource
    declared = first.get("eventType") if isinstance(first, Mapping) else None
    kind = str(declared or data.get("eventType") or "").lower()
    if "async_order_create" in kind:
        return converter.structure(data, AsyncOrderCreateEvent)
    if not kind and isinstance(resource, Mapping):
        return converter.structure(data, AsyncOrderCreateEvent)
    return converter.structure(data, OrderStatusEvent)


converter.register_structure_hook_func(lambda t: t == OrderEvent, _structure_event)


def _structure_vendor_info(data: Any, _: Any) -> VendorRequiredInfo:
    """Vendor Required Info answers with a list of products (a lone product object when
    there is one): the model wraps that list."""
    return VendorRequiredInfo(products=converter.structure(data, list[ProductVendorInfo]))


converter.register_structure_hook_func(lambda t: t is VendorRequiredInfo, _structure_vendor_info)


# --------------------------------------------------------------------------------------
# unstructure


def _unstructure_decimal(value: Decimal) -> int | float | str:
    if not value.is_finite():
        return str(value)
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return str(value)


def _unstructure_date(value: dt.date) -> str:
    return value.isoformat()


converter.register_unstructure_hook(Decimal, _unstructure_decimal)
converter.register_unstructure_hook(dt.date, _unstructure_date)
converter.register_unstructure_hook(dt.datetime, _unstructure_date)


#: Values an ``extras`` entry writes back as they are.
_JSON_LEAVES = frozenset({str, int, bool, float, type(None)})


def _json_ready(value: Any) -> Any:
    """An ``extras`` value as JSON-ready data: the numbers the loader made ``Decimal``
    (anywhere inside it) written as ``Decimal`` fields are."""
    cls = value.__class__
    if cls is Decimal:
        return _unstructure_decimal(value)
    if cls is dict:
        return {k: _json_ready(v) for k, v in value.items()}
    if cls is list:
        return [_json_ready(v) for v in value]
    return converter.unstructure(value)


def _merge_options(obj: Any, out: dict[str, Any], options: list[tuple[str, str]]) -> None:
    items: list[dict[str, Any]] = out.get("additionalAttributes") or []
    for attr_name, wire_attr in options:
        value = getattr(obj, attr_name)
        if value is None:
            continue
        text = "true" if value else "false"
        for item in items:
            if str(item.get("attributeName") or "").lower() == wire_attr.lower():
                item["attributeValue"] = text
                break
        else:
            items.append({"attributeName": wire_attr, "attributeValue": text})
    if items:
        out["additionalAttributes"] = items


def _make_model_unhook(cls: type) -> Callable[[Any], Any]:
    attrs.resolve_types(cls)
    overrides: dict[str, Any] = {}
    options: list[tuple[str, str]] = []
    for field in attrs.fields(cls):
        key = wire_name(field)
        if key is None:
            overrides[field.name] = override(omit=True)
            if "attribute" in field.metadata:
                options.append((field.name, field.metadata["attribute"]))
        elif key != field.name:
            overrides[field.name] = override(rename=key)
    generated: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(
        cls, converter, _cattrs_omit_if_default=True, **overrides
    )

    def unstructure_model(obj: Any) -> dict[str, Any]:
        out = generated(obj)
        if options:
            _merge_options(obj, out, options)
        extras = obj.extras
        if extras:
            for key, value in extras.items():
                if key not in out:
                    out[key] = value if value.__class__ in _JSON_LEAVES else _json_ready(value)
        return out

    return unstructure_model


converter.register_unstructure_hook_factory(_is_model, _make_model_unhook)


# --------------------------------------------------------------------------------------
# entry points


@overload
def structure(data: Any, cls: type[T]) -> T: ...


@overload
def structure(data: Any, cls: Any) -> Any: ...


def structure(data: Any, cls: Any) -> Any:
    """Decode JSON-like ``data`` into ``cls`` (a model, ``list[Model]`` or ``OrderEvent``).

    Lenient (see the module docstring); raises only :class:`DecodeError`, when the shape is
    unusable.
    """
    try:
        if _is_list(cls):
            (item_type,) = get_args(cls)
            if data is None:
                return []
            items = data if isinstance(data, (list, tuple)) else [data]
            out = []
            for i, item in enumerate(items):
                if not isinstance(item, Mapping) and _is_model(item_type):
                    raise DecodeError(
                        f"[{i}]: expected a JSON object for {item_type.__name__}, "
                        f"got {type(item).__name__}"
                    )
                try:
                    out.append(converter.structure(item, item_type))
                except ValidationError as exc:
                    raise DecodeError(f"[{i}].{exc.field}: {exc.reason}") from exc
            return out
        if _is_model(cls):
            if data is None:
                data = {}
            elif not isinstance(data, Mapping):
                raise DecodeError(
                    f"expected a JSON object for {cls.__name__}, got {type(data).__name__}"
                )
        return converter.structure(data, cls)
    except DecodeError:
        raise
    except ValidationError as exc:
        raise DecodeError(f"{exc.field}: {exc.reason}") from exc
    except Exception as exc:  # a bug or an exotic input: still only DecodeError
        name = getattr(cls, "__name__", str(cls))
        raise DecodeError(f"could not decode {name}: {exc!r}") from exc


def structure_event(data: Any) -> AsyncOrderCreateEvent | OrderStatusEvent:
    """Decode an order webhook event, picking its class from its shape.

    A ``resource`` object (or an ``IM::async_order_create`` event type) is a v7 create
    result; anything else, unknown event types included, is an :class:`OrderStatusEvent`.
    """
    return cast("AsyncOrderCreateEvent | OrderStatusEvent", structure(data, OrderEvent))


def unstructure(obj: Any) -> Any:
    """Encode a model (or a list of them) as JSON-ready data with the wire's names."""
    return converter.unstructure(obj)


def untyped_values(obj: Any, path: str = "") -> dict[str, Any]:
    """The raw values a decoded model kept because its typed fields could not hold them.

    Keys are wire paths (``"orderTotal"``, ``"lines[3].shipmentDetails"``); explicit nulls
    and empty values are not listed.
    """
    found: dict[str, Any] = {}
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            found.update(untyped_values(item, f"{path}[{i}]"))
        return found
    if not _is_model(type(obj)):
        return found
    prefix = f"{path}." if path else ""
    for field, key in _wire_fields(type(obj)):
        raw = obj.extras.get(key)
        if raw is not None and raw != "" and raw != []:
            found[prefix + key] = raw
        value = getattr(obj, field.name)
        if isinstance(value, list) or _is_model(type(value)):
            found.update(untyped_values(value, prefix + key))
    return found
