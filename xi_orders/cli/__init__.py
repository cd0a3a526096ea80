"""The ``xi-orders`` command line: search, look up, create and change orders from a shell.

Installed as the ``xi-orders`` console script (and runnable as ``python -m xi_orders.cli``).
It parses with argparse; rich (tables, the progress bar) comes with the ``cli`` extra::

    pip install "xi-orders[cli]"
    xi-orders --help

Nothing here is imported by ``import xi_orders``; this module itself imports nothing heavy
until :func:`main` runs.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence

__all__ = ["main"]

INSTALL_HINT = 'xi-orders needs its command-line extra: pip install "xi-orders[cli]"'


def _missing_libraries() -> list[str]:
    missing = []
    for name in ("rich",):
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``xi-orders`` command line; returns the exit status.

    0 ok, 1 API or network error, 2 usage or configuration error, 3 some items of a
    bulk command failed.
    """
    if _missing_libraries():
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    from ._app import run

    return run(argv)
