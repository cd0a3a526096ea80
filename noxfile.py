"""Developer sessions: ``nox -s tests``, ``nox -s lint``, ``nox -s typecheck``, ``nox -s docs``,
``nox -s bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """The test suite (asyncio and trio)."""
    session.install("-e", ".[dev]")
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff: lint and format check."""
    session.install("ruff")
    session.run("ruff", "check", "xi_orders", "tests", "examples", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "xi_orders")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "xi_orders")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """The documentation site, built strictly (a broken link or reference fails) into site/."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", *session.posargs, env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Benchmarks against baselines measured in the same run (issue 6).

    ``nox -s bench`` runs the full set (about 10 minutes) and writes
    ``benchmarks/results/latest.json``; ``nox -s bench -- --quick`` is a fast pass.
    """
    # the aiohttp extra: the default transport under asyncio (rows S1-S5 measure it, and
    # raw aiohttp beside it); trio rows use httpcore shards either way
    session.install("-e", ".[aiohttp]", "xi-sdk-resellers==1.3.0", "tqdm")
    session.run("python", "benchmarks/run.py", *session.posargs)
