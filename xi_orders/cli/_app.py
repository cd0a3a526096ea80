"""The ``xi-orders`` entry point: the argparse parser and its global options, dispatch to the
commands (``_cmd_*``, one module per group), errors turned into exit statuses. Owns no
command; imports no rich and no HTTP (the commands do, through the public clients).

Why argparse and not click or Typer: httpx imports its own command line when click is
installed (``httpx/__init__.py`` tries ``from ._main import main``, which imports click, rich
and pygments), so with click in the environment every ``import xi_orders`` would load those
~90 modules too. argparse is in the standard library.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .. import ValidationError, XiError, __version__
from . import (
    _cmd_auth,
    _cmd_change,
    _cmd_get,
    _cmd_lookup,
    _cmd_sandbox,
    _cmd_search,
    _cmd_vendor_info,
)
from ._args import api_options
from ._output import describe_error, dumps, error_fields
from ._requests import RequestFileError
from ._settings import ConfigError
from ._shell import EXIT_API, EXIT_OK, EXIT_USAGE, CliError, State, echo


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); the exit status."""
    State.json_errors = False
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    State.args = args
    State.json_errors = bool(getattr(args, "as_json", False))
    if getattr(args, "verbose", False):
        _configure_logging()
    command: Callable[..., int] | None = getattr(args, "command", None)
    if command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    accepted = inspect.signature(command).parameters
    try:
        return command(**{k: v for k, v in vars(args).items() if k in accepted})
    except RequestFileError as exc:
        _error(str(exc), problems=exc.problems)
        return EXIT_USAGE
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except CliError as exc:
        _error(str(exc))
        return exc.code
    except ValidationError as exc:  # bad input, before anything was sent
        _error(str(exc), exc)
        return EXIT_USAGE
    except XiError as exc:
        _error(describe_error(exc), exc)
        return EXIT_API
    except BrokenPipeError:
        # The reader went away (`| head -1`): what it wanted, it got. Stop quietly, and
        # keep the interpreter's final flush from complaining about the closed pipe.
        _silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        _error("interrupted")
        return 130


def _silence_stdout() -> None:
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _error(message: str, error: XiError | None = None, problems: Sequence[str] = ()) -> None:
    try:
        if State.json_errors:
            data: dict[str, Any] = {"error": message}
            if error is not None:
                data.update(error_fields(error))
                data["error"] = message
            if problems:
                data["problems"] = list(problems)
            echo(dumps(data), err=True)
        else:
            echo(f"xi-orders: error: {message}", err=True)
    except BrokenPipeError:
        pass


def _configure_logging() -> None:
    logger = logging.getLogger("xi_orders")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


_MAIN_HELP = """Ingram Micro Xvantage Orders from the shell: search, look up, create, change.

Settings come from the XI_* environment variables that OrdersClient.from_env() reads
(XI_CLIENT_ID, XI_CLIENT_SECRET, XI_CUSTOMER_NUMBER, XI_COUNTRY_CODE; optional
XI_SENDER_ID, XI_ENVIRONMENT=production|sandbox, XI_BASE_URL, XI_TOKEN_URL), plus
XI_RATE_LIMIT, or a KEY=VALUE file given with --env-file (its values win over the
environment). `xi-orders auth show` prints where the calls would go.
XI_RATE_LIMIT=off turns the client-side pacing off (the sandbox has no limit);
XI_RATE_LIMIT=500 paces at 500 calls a minute per endpoint.

Exit status: 0 ok, 1 API or network error, 2 usage or settings error, 3 some items of a
bulk command failed."""

_MAIN_EPILOG = """Example (offline, two terminals):
  xi-orders sandbox serve --port 8080 --write-env sandbox.env
  xi-orders --env-file sandbox.env search --since 30d

Run `xi-orders COMMAND --help` for a command's options and examples."""


def build_parser() -> argparse.ArgumentParser:
    """The ``xi-orders`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="xi-orders",
        description=_MAIN_HELP,
        epilog=_MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"xi-orders, version {__version__}")
    api_options(parser, top=True)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    # in this order in --help: reads, then changes, then the groups
    for group in (
        _cmd_get,
        _cmd_search,
        _cmd_lookup,
        _cmd_vendor_info,
        _cmd_change,
        _cmd_auth,
        _cmd_sandbox,
    ):
        group.register(commands)
    return parser
