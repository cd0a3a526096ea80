"""The command line's vocabulary: argument types (days, statuses, bounded numbers) and how a
command declares its parser (help from its docstring, the shared settings options).

Imports only ``_search.ORDER_STATUSES`` from the SDK; never a command module or ``_app``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import re
from collections.abc import Callable
from typing import Any

from .._search import ORDER_STATUSES

_RELATIVE_DAY = re.compile(r"^(\d+)\s*(d|w)$")


def parse_day(text: str) -> dt.date:
    """A calendar day: ``2024-05-31``, ``today``, ``yesterday``, or ``30d`` / ``4w`` ago."""
    value = text.strip().lower()
    today = dt.date.today()
    if value == "today":
        return today
    if value == "yesterday":
        return today - dt.timedelta(days=1)
    match = _RELATIVE_DAY.match(value)
    if match:
        days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
        return today - dt.timedelta(days=days)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a day: use 2024-05-31, today, yesterday, or 30d / 4w ago"
        ) from None


def parse_status(text: str) -> str:
    """An order status in any case, ``on-hold`` for ``ON HOLD``."""
    value = " ".join(text.replace("-", " ").replace("_", " ").upper().split())
    if value not in ORDER_STATUSES:
        choices = ", ".join(s.lower().replace(" ", "-") for s in ORDER_STATUSES)
        raise argparse.ArgumentTypeError(f"{text!r} is not a status; use one of {choices}")
    return value


def at_least(low: int, high: int | None = None) -> Callable[[str], int]:
    """A whole number from ``low`` (to ``high``), as an argparse type."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{value} is out of range ({span})")
        return value

    parse.__name__ = "number"
    return parse


def fraction(text: str) -> float:
    """A number from 0 to 1 (a share of calls)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 1")
    return value


def seconds(text: str) -> float:
    """A number of seconds, not negative."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


def doc(func: Callable[..., Any]) -> tuple[str, str]:
    """A command's one-line help and its description (the docstring, examples kept)."""
    text = inspect.cleandoc(func.__doc__ or "")
    lines = [line for line in text.splitlines() if line.strip() != "\\b"]
    return lines[0], "\n".join(lines)


def api_options(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """``--env-file``, ``--rate-limit``, ``-v``: accepted before and after the command.

    The subcommands' copies default to "not given" so they never undo the top level's.
    """
    default: Any = None if top else argparse.SUPPRESS
    group = parser.add_argument_group("settings")
    group.add_argument(
        "--env-file",
        metavar="FILE",
        default=default,
        help="read XI_* settings from this KEY=VALUE file (its values win)",
    )
    group.add_argument(
        "--rate-limit",
        metavar="off|N",
        default=default,
        help="client-side pacing: calls per minute per endpoint, or 'off' "
        "(env XI_RATE_LIMIT; default: the API's 60, following the server)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="log every HTTP attempt to stderr (never a token or secret)",
    )


def json_flag(parser: Any, help: str) -> None:
    """The ``--json`` flag (``as_json``), with this command's meaning of it."""
    parser.add_argument("--json", dest="as_json", action="store_true", help=help)


def add_command(
    commands: Any, name: str, func: Callable[..., int], *, api: bool = True
) -> argparse.ArgumentParser:
    """Add the subcommand ``name`` running ``func``: help from its docstring, and (``api``)
    the settings options."""
    summary, description = doc(func)
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(command=func)
    if api:
        api_options(parser)
    return parser
