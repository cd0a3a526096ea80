"""Sandbox options written as ``KEY=VALUE`` text, for the servers started from a shell.

``python -m xi_orders.testing`` and ``xi-orders sandbox serve`` take ``--fault KIND=RATE``
and ``--realism KEY=VALUE`` (repeatable), so every fault and quirk a test can set up in
Python is also reachable from a shell, e.g. for a service in another language pointed at
the served sandbox. The keys are the fields of :class:`Faults` and :class:`Realism`, read
from their annotations, so a field added there is reachable here with nothing else to do.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable
from typing import Any, Literal, TypeVar, get_args, get_origin

from ._types import Faults, Realism

_Options = TypeVar("_Options", Faults, Realism)

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _hints(cls: type[Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init}


def _convert(hint: Any, text: str) -> Any:
    """``text`` as a value of type ``hint`` (ValueError saying what was expected)."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if type(None) in args and text.lower() in ("none", "null"):
            return None
        arms = [a for a in args if a is not type(None)]
        for arm in arms:
            try:
                return _convert(arm, text)
            except ValueError:
                continue
        raise ValueError(" or ".join(_expected(a) for a in arms) + " expected")
    if origin is Literal:
        if text in args:
            return text
        raise ValueError(f"one of {', '.join(map(str, args))} expected")
    if hint is bool:
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise ValueError("true or false expected")
    if hint in (int, float):
        try:
            return hint(text)
        except ValueError:
            raise ValueError(f"{_expected(hint)} expected") from None
    if origin is frozenset:
        return frozenset(part.strip() for part in text.split(",") if part.strip())
    return text


def _expected(hint: Any) -> str:
    if get_origin(hint) is frozenset:
        return "a comma-separated list"
    return {int: "a whole number", float: "a number", bool: "true or false"}.get(hint, "text")


def options(cls: type[_Options], pairs: Iterable[str], **base: Any) -> _Options:
    """``cls`` (:class:`Faults` or :class:`Realism`) from ``base`` and ``KEY=VALUE`` pairs.

    Raises ValueError naming the pair at fault: an unknown key (with the known ones), a
    value of the wrong type, or one the class itself refuses.

    >>> options(Realism, ["search_page_size=25", "status_spelling=mixed"]).search_page_size
    25
    """
    hints = _hints(cls)
    values = dict(base)
    for pair in pairs:
        key, sep, text = pair.partition("=")
        name = key.strip().replace("-", "_")
        if not sep or name not in hints:
            raise ValueError(f"{pair!r}: KEY=VALUE expected, KEY one of {', '.join(hints)}")
        try:
            values[name] = _convert(hints[name], text.strip())
        except ValueError as exc:
            raise ValueError(f"{pair!r}: {exc}") from None
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{cls.__name__}: {exc}") from None


def log_limit(text: str) -> int | None:
    """``--request-log-limit``: how many requests the log keeps, a whole number from 0, or
    ``none`` for every one (ValueError otherwise).

    >>> log_limit("500"), log_limit("none")
    (500, None)
    """
    value = text.strip().lower()
    if value in ("none", "unbounded", "all"):
        return None
    try:
        limit = int(value)
    except ValueError:
        limit = -1
    if limit < 0:
        raise ValueError(f"--request-log-limit: a whole number from 0, or none; got {text!r}")
    return limit


def keys(cls: type[Any]) -> str:
    """``key=default`` for every option of ``cls``, for ``--help``."""
    defaults = {f.name: f.default for f in dataclasses.fields(cls) if f.init}
    shown = []
    for name, default in defaults.items():
        if isinstance(default, frozenset):
            default = "all" if default else ""
        elif default is None:
            default = "none"
        elif isinstance(default, bool):
            default = str(default).lower()
        shown.append(f"{name}={default}")
    return ", ".join(shown)


def changed(value: Faults | Realism) -> dict[str, str]:
    """The options of ``value`` that differ from their defaults, as ``KEY=VALUE`` text
    parts (what a server started with, for its banner)."""
    out: dict[str, str] = {}
    for f in dataclasses.fields(value):
        if not f.init:
            continue
        current = getattr(value, f.name)
        if current == f.default:
            continue
        if isinstance(current, frozenset):
            out[f.name] = ",".join(sorted(current))
        elif current is None or isinstance(current, bool):
            out[f.name] = str(current).lower()
        else:
            out[f.name] = str(current)
    return out


def setup_lines(faults: Faults, realism: Realism, search_lag: float) -> list[str]:
    """What a served sandbox does beyond the plain API, one part each (``fault html=0.1``,
    ``realism search_page_size=25``, ``search lag 2 s``), for its banner: so that nobody
    takes an injected fault for a bug."""
    parts = [f"fault {k}={v}" for k, v in changed(faults).items()]
    parts += [f"realism {k}={v}" for k, v in changed(realism).items()]
    if search_lag:
        parts.append(f"search lag {search_lag:g} s")
    return parts
