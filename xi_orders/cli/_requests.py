"""Request files (``create order.json``, ``modify NUMBER changes.json``), checked against the
models before anything is sent, with every problem named by its JSON path.

The models' own errors name fields in Python spelling (``lines[0].quantity``,
``ship_to_info.country_code``); here they are turned back into the file's spelling
(``$.lines[0].quantity``, ``$.shipToInfo.countryCode``).
"""

from __future__ import annotations

import copy
import json
import re
import typing
from typing import Any, TypeVar

import attrs

from .._convert import structure, unstructure, untyped_values, wire_name
from ..errors import DecodeError, ValidationError
from ._input import InputFileError, read_text

T = TypeVar("T")

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class RequestFileError(Exception):
    """The request file cannot be used (exit status 2); the message names where, and
    ``problems`` lists each problem found (``$.path: what is wrong``) on its own."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


@attrs.frozen
class CheckedRequest:
    """A request read from a file: the model, the body that would be sent, and warnings."""

    model: Any
    body: Any
    warnings: tuple[str, ...] = ()


def load_json(source: str) -> Any:
    """The JSON document of ``source`` (a path, or ``-`` for stdin; UTF-8 with or without a
    BOM, or UTF-16 with one: see ``_input.read_text``)."""
    name = "stdin" if source == "-" else source
    try:
        text = read_text(source)
    except InputFileError as exc:
        raise RequestFileError(str(exc)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestFileError(
            f"{name}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None


#: The most problems one check reports (a file of 10,000 bad lines needs no 10,000 lines).
MAX_PROBLEMS = 50


def check_request(source: str, cls: type[T]) -> CheckedRequest:
    """Read ``source`` and build a ``cls`` request from it, or raise ``RequestFileError``
    naming every problem found, each by its JSON path (see :class:`_ProblemFinder`)."""
    name = "stdin" if source == "-" else source
    data = load_json(source)
    if not isinstance(data, dict):
        raise RequestFileError(
            f"{name}: $: expected a JSON object ({cls.__name__}), got {_json_type(data)}"
        )
    finder = _ProblemFinder(data, cls)
    model = finder.run()
    problems = finder.problems
    if problems:
        if len(problems) == 1:
            raise RequestFileError(f"{name}: {problems[0]}", tuple(problems))
        listed = "".join(f"\n  {problem}" for problem in problems)
        raise RequestFileError(f"{name}: {len(problems)} problems:{listed}", tuple(problems))
    warnings = tuple(
        f"{name}: $.{path} is not a field of {owner}; it will be sent as written"
        for path, owner in unknown_keys(model)
    )
    return CheckedRequest(model, unstructure(model), warnings)


#: a stand-in by the type of the value it replaces (see ``_ProblemFinder._stand_in``)
_STAND_INS: dict[type, Any] = {str: "1", int: 1, float: 1, bool: True}

_WIRE_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\[attributeName=([^\]]+)\]")


class _ProblemFinder:
    """Every problem of a request document, not only the first.

    The models check a request as they are built and stop at the first problem (a
    ``ValidationError`` naming its field). Rather than a second set of rules here, the
    document is built again and again from a working copy: each time a field is named,
    the problem is noted and that field taken out of the copy (or, when taking it out does
    not help, e.g. a required field that is missing, the list element that holds it), and
    the rest is checked on the next build. Values a field could not hold at all are kept
    by the models (``untyped_values``) and listed from the last build. Paths are given in
    the file's own indices, whatever elements were taken out of the copy.
    """

    def __init__(self, data: dict[str, Any], cls: type) -> None:
        self.cls = cls
        self.working: Any = copy.deepcopy(data)
        #: for a list of the working copy (by id) whose elements were taken out, the index
        #: in the file of each element left
        self.origins: dict[int, list[int]] = {}
        self.problems: list[str] = []
        #: how often each path was named, and what was done about it (see ``_take_out``)
        self._tries: dict[str, int] = {}
        #: the values taken out, by (id of their object, key), to choose a stand-in
        self._originals: dict[tuple[int, str], Any] = {}

    def run(self) -> Any:
        """The model of the document, or None when a problem stopped the checking."""
        model: Any = None
        while len(self.problems) < MAX_PROBLEMS:
            try:
                model = structure(self.working, self.cls)
                break
            except DecodeError as exc:
                if not self._take_out(exc):
                    return None
        else:
            self.problems.append(f"(stopped after {MAX_PROBLEMS} problems)")
            return None
        for path, value in untyped_values(model).items():
            shown, _ = self._walk("$." + path)
            self.problems.append(
                f"{shown}: cannot be used as {_expected(self.cls, path)}, got {json.dumps(value)}"
            )
        return model

    def _take_out(self, exc: DecodeError) -> bool:
        """Note the problem ``exc`` names and get it out of the working copy's way. False
        when nothing more can be done (the checking stops there)."""
        cause = exc.__cause__
        if not isinstance(cause, ValidationError):
            self.problems.append(str(exc))
            return False
        shown, steps = self._walk(json_path(self.cls, cause.field))
        tries = self._tries.get(shown, 0)
        self._tries[shown] = tries + 1
        if tries == 0:
            self.problems.append(f"{shown}: {cause.reason}")
            if steps and self._remove(*steps[-1]):
                return True
            tries = 1
        if tries == 1 and steps and self._stand_in(*steps[-1]):
            # Taken out, the field is missing (a required one): a stand-in that the
            # models accept lets the rest be checked. Never sent: the file has problems.
            return True
        # Neither helped: drop the list element that holds the field.
        for container, key in reversed(steps[:-1]):
            if isinstance(container, list) and self._remove(container, key):
                return True
        return False

    def _stand_in(self, container: Any, key: Any) -> bool:
        if not isinstance(container, dict) or not isinstance(key, str):
            return False
        original = self._originals.get((id(container), key), "1")
        container[key] = _STAND_INS.get(type(original), "1")
        return True

    def _walk(self, wire_path: str) -> tuple[str, list[tuple[Any, Any]]]:
        """A wire path of the working copy as the file's path, and the (container, key)
        steps that reach it (a container is None where the path leaves the document)."""
        shown = "$"
        steps: list[tuple[Any, Any]] = []
        current: Any = self.working
        for match in _WIRE_SEGMENT.finditer(
            wire_path[1:] if wire_path.startswith("$") else wire_path
        ):
            key, index, attribute = match.groups()
            if key is not None:
                shown += f".{key}"
                mapping = current if isinstance(current, dict) else None
                steps.append((mapping, key))
                current = mapping.get(key) if mapping is not None else None
                continue
            holder = current if isinstance(current, list) else None
            if index is not None:
                position: int | None = int(index)
                origin = self.origins.get(id(holder), [])
                shown += f"[{origin[int(index)] if int(index) < len(origin) else index}]"
            else:
                shown += f"[attributeName={attribute}]"
                position = next(
                    (
                        i
                        for i, item in enumerate(holder or [])
                        if isinstance(item, dict) and item.get("attributeName") == attribute
                    ),
                    None,
                )
            steps.append((holder, position))
            in_range = holder is not None and position is not None and position < len(holder)
            current = holder[position] if in_range else None  # type: ignore[index]
        return shown, steps

    def _remove(self, container: Any, key: Any) -> bool:
        if isinstance(container, dict) and key in container:
            self._originals[(id(container), key)] = container.pop(key)
            return True
        if isinstance(container, list) and isinstance(key, int) and key < len(container):
            if len(container) == 1:
                return False  # an empty list is a problem of its own, not the file's
            origin = self.origins.setdefault(id(container), list(range(len(container))))
            del container[key]
            del origin[key]
            return True
        return False


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
