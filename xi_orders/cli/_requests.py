"""Request files (``create order.json``, ``modify NUMBER changes.json``), checked against the
models before anything is sent, with every problem named by its JSON path.

The models' own errors name fields in Python spelling (``lines[0].quantity``,
``ship_to_info.country_code``); here they are turned back into the file's spelling
(``$.lines[0].quantity``, ``$.shipToInfo.countryCode``).
"""

from __future__ import annotations

import json
import re
import sys
import typing
from pathlib import Path
from typing import Any, TypeVar

import attrs

from .._convert import structure, unstructure, untyped_values, wire_name
from ..errors import DecodeError, ValidationError

T = TypeVar("T")

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class RequestFileError(Exception):
    """The request file cannot be used (exit status 2); the message names where."""


@attrs.frozen
class CheckedRequest:
    """A request read from a file: the model, the body that would be sent, and warnings."""

    model: Any
    body: Any
    warnings: tuple[str, ...] = ()


def load_json(source: str) -> Any:
    """The JSON document of ``source`` (a path, or ``-`` for stdin)."""
    name = "stdin" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise RequestFileError(f"{name}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise RequestFileError(f"{name}: not UTF-8 text ({exc.reason})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestFileError(
            f"{name}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None


def check_request(source: str, cls: type[T]) -> CheckedRequest:
    """Read ``source`` and build a ``cls`` request from it, or raise ``RequestFileError``."""
    name = "stdin" if source == "-" else source
    data = load_json(source)
    if not isinstance(data, dict):
        raise RequestFileError(
            f"{name}: $: expected a JSON object ({cls.__name__}), got {_json_type(data)}"
        )
    try:
        model = structure(data, cls)
    except DecodeError as exc:
        raise RequestFileError(f"{name}: {_decode_message(exc, cls)}") from None
    problems = [
        f"$.{path}: cannot be used as {_expected(cls, path)}, got {json.dumps(value)}"
        for path, value in untyped_values(model).items()
    ]
    if problems:
        raise RequestFileError(f"{name}: " + "; ".join(problems))
    warnings = tuple(
        f"{name}: $.{path} is not a field of {owner}; it will be sent as written"
        for path, owner in unknown_keys(model)
    )
    return CheckedRequest(model, unstructure(model), warnings)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _decode_message(exc: DecodeError, cls: type) -> str:
    cause = exc.__cause__
    if isinstance(cause, ValidationError):
        return f"{json_path(cls, cause.field)}: {cause.reason}"
    return str(exc)


def json_path(cls: type, python_path: str) -> str:
    """``lines[0].ship_to_info.country_code`` of ``cls`` in the wire's spelling, as
    ``$.lines[0].shipToInfo.countryCode`` (segments not found are kept as they are)."""
    out = ["$"]
    current: Any = cls
    for match in _SEGMENT.finditer(python_path):
        name, index = match.groups()
        if index is not None:
            out.append(f"[{index}]")
            continue
        field = _field(current, name)
        if field is None:
            out.append(f".{name}")
            current = None
            continue
        wire = wire_name(field)
        if wire is None and "attribute" in field.metadata:  # a typed option
            out.append(f".additionalAttributes[attributeName={field.metadata['attribute']}]")
        else:
            out.append(f".{wire or name}")
        current = _inner_type(field.type)
    return "".join(out)


def _field(cls: Any, name: str) -> attrs.Attribute[Any] | None:
    if not (isinstance(cls, type) and attrs.has(cls)):
        return None
    _resolved(cls)
    fields: dict[str, attrs.Attribute[Any]] = attrs.fields_dict(cls)
    return fields.get(name)


def _inner_type(tp: Any) -> Any:
    """The model class inside ``list[X]``, ``X | None``, ``X``; else None."""
    for _ in range(3):
        if isinstance(tp, type) and attrs.has(tp):
            return tp
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            return None
        tp = args[0]
    return None


def _resolved(cls: type) -> None:
    # The models use ``from __future__ import annotations``: resolve them once.
    attrs.resolve_types(cls)


def _expected(cls: type, wire_path: str) -> str:
    """What the field at a wire path holds (``a number``...), for messages."""
    current: Any = cls
    field: attrs.Attribute[Any] | None = None
    for match in _SEGMENT.finditer(wire_path):
        key, index = match.groups()
        if index is not None:
            continue
        if not (isinstance(current, type) and attrs.has(current)):
            return "the field's type"
        _resolved(current)
        field = next((f for f in attrs.fields(current) if wire_name(f) == key), None)
        if field is None:
            return "the field's type"
        current = _inner_type(field.type)
    if field is None:
        return "the field's type"
    text = str(field.type)
    for word, description in (
        ("Decimal", "a number"),
        ("int", "an integer"),
        ("bool", "true or false"),
        ("datetime", "a timestamp"),
        ("date", "a date (yyyy-MM-dd)"),
        ("list", "an array"),
    ):
        if word in text:
            return description
    if _inner_type(field.type) is not None:
        return "an object"
    return "a string"


def unknown_keys(model: Any, path: str = "") -> list[tuple[str, str]]:
    """The keys a request carried that its models do not know: ``(wire path, model name)``."""
    found: list[tuple[str, str]] = []
    if isinstance(model, list):
        for i, item in enumerate(model):
            found += unknown_keys(item, f"{path}[{i}]")
        return found
    cls = type(model)
    if not attrs.has(cls):
        return found
    fields = attrs.fields(cls)
    known = {wire_name(f) for f in fields}
    prefix = f"{path}." if path else ""
    extras = getattr(model, "extras", None) or {}
    for key in extras:
        if key not in known:
            found.append((prefix + key, cls.__name__))
    for f in fields:
        key = wire_name(f)
        if key is None:
            continue
        found += unknown_keys(getattr(model, f.name), prefix + key)
    return found
