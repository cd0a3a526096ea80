"""What every command shares: the exit statuses, the errors that carry one, the parsed
command line, ``echo``, running a coroutine, loading the settings, a rich console.

Imports only ``_settings`` from the CLI (never a command module or ``_app``); rich lazily.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

from ._settings import Settings

EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3
T = TypeVar("T")


class CliError(Exception):
    """A failure already explained by its message, with its exit status."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


class UsageError(CliError):
    """A wrong combination of options (exit status 2)."""


class State:
    """This run's parsed command line, set by ``_app.run`` before the command runs."""

    #: the running command asked for --json: errors go out as one JSON line
    json_errors = False
    #: the parsed command line
    args: argparse.Namespace = argparse.Namespace()


def echo(text: str, *, err: bool = False) -> None:
    """Print a line to stdout (or stderr)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    if err:
        stream.flush()


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine to its end in a fresh event loop."""
    return asyncio.run(coro)


def load_settings() -> Settings:
    """The settings for this run: ``--env-file`` and ``--rate-limit`` over ``XI_*``."""
    args = State.args
    return Settings.load(
        getattr(args, "env_file", None), rate_limit=getattr(args, "rate_limit", None)
    )


def console(stderr: bool = False) -> Any:
    """A rich console on stdout (or stderr); rich is imported here, only when drawing."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)
