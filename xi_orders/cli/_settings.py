"""Where the command line's settings come from: ``XI_*`` variables and ``--env-file``.

The client is built by ``AsyncOrdersClient.from_env()`` itself, so the command line reads
exactly the variables the library reads (``XI_CLIENT_ID``, ``XI_CLIENT_SECRET``,
``XI_CUSTOMER_NUMBER``, ``XI_COUNTRY_CODE``; optional ``XI_SENDER_ID``, ``XI_ENVIRONMENT``,
``XI_BASE_URL``, ``XI_TOKEN_URL``), never a list of its own that could fall behind; plus
``XI_RATE_LIMIT`` for the client-side pacing. A file given with ``--env-file`` holds
``KEY=VALUE`` lines; its values win over the process environment (an explicit file beats
whatever happens to be exported in the shell).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from .. import AsyncOrdersClient, RateLimit, ValidationError
from ._input import InputFileError, read_text

#: Checked here first only to name every missing one at once; ``from_env`` requires them too.
REQUIRED = ("XI_CLIENT_ID", "XI_CLIENT_SECRET", "XI_CUSTOMER_NUMBER", "XI_COUNTRY_CODE")
PREFIX = "XI_"

# the client's argument -> the variable that sets it (for messages about a bad value)
_ARGUMENT_VARIABLES = {
    "client_id": "XI_CLIENT_ID",
    "client_secret": "XI_CLIENT_SECRET",
    "customer_number": "XI_CUSTOMER_NUMBER",
    "country_code": "XI_COUNTRY_CODE",
    "sender_id": "XI_SENDER_ID",
    "environment": "XI_ENVIRONMENT",
    "base_url": "XI_BASE_URL",
    "token_url": "XI_TOKEN_URL",
    "rate_limit": "XI_RATE_LIMIT",
}


class ConfigError(Exception):
    """A setting is missing or wrong (exit status 2). The message says what to set."""


def read_env_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """The ``KEY=VALUE`` lines of a dotenv-style file.

    Blank lines and ``#`` comments are skipped; ``export KEY=VALUE`` is accepted; a value
    may be quoted with ``'`` (taken literally) or ``"`` (``\\"``, ``\\\\`` and ``\\n``
    escapes); an unquoted value ends at `` #``. The file may be UTF-8 (with or without a
    BOM) or UTF-16 with a BOM, with CRLF line ends (see ``_input.read_text``).
    """
    try:
        text = read_text(os.fspath(path), label=f"--env-file {os.fspath(path)}")
    except InputFileError as exc:
        raise ConfigError(str(exc)) from None
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key or not key.replace("_", "a").isalnum() or key[0].isdigit():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE, got {raw.strip()!r}")
        values[key] = _value(value.strip(), f"{path}:{number}")
    return values


def _value(text: str, where: str) -> str:
    if text[:1] in ("'", '"'):
        quote = text[0]
        out: list[str] = []
        i = 1
        while i < len(text):
            char = text[i]
            if char == quote:
                rest = text[i + 1 :].strip()
                if rest and not rest.startswith("#"):
                    raise ConfigError(f"{where}: unexpected text after the closing quote")
                return "".join(out)
            if quote == '"' and char == "\\" and i + 1 < len(text):
                nxt = text[i + 1]
                out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
                i += 2
                continue
            out.append(char)
            i += 1
        raise ConfigError(f"{where}: the value's quote is not closed")
    value, _, _ = text.partition(" #")
    return value.strip()


def parse_rate_limit(text: str, *, name: str = "XI_RATE_LIMIT") -> RateLimit | None:
    """``off`` (no client-side pacing) or calls per minute per endpoint (``500``)."""
    value = text.strip().lower()
    if value in ("off", "none", "0", "no", "false"):
        return None
    try:
        calls = int(value)
    except ValueError:
        calls = -1
    if calls < 1:
        raise ConfigError(
            f"{name} must be 'off' or a number of calls per minute per endpoint "
            f"(e.g. 500), got {text!r}"
        )
    return RateLimit(calls)


@contextlib.contextmanager
def _xi_environment(values: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with exactly ``values`` as its ``XI_*`` variables, for the duration.

    ``from_env()`` reads ``os.environ``; this is how the merged settings (the environment
    with ``--env-file`` over it) reach it without a second reading of the variables.
    """
    saved = {k: v for k, v in os.environ.items() if k.startswith(PREFIX)}
    try:
        for name in saved:
            del os.environ[name]
        os.environ.update(values)
        yield
    finally:
        for name in [k for k in os.environ if k.startswith(PREFIX)]:
            del os.environ[name]
        os.environ.update(saved)


@attrs.define
class Settings:
    """The merged settings: the process environment, then ``--env-file`` over it."""

    env_file: str | None = None
    rate_limit_option: str | None = None
    values: dict[str, str] = attrs.field(factory=dict)
    sources: dict[str, str] = attrs.field(factory=dict)

    @classmethod
    def load(
        cls,
        env_file: str | None = None,
        *,
        rate_limit: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Every ``XI_*`` variable of ``environ`` (default ``os.environ``), then those of
        ``env_file`` over them (empty values count as unset, as in ``from_env``)."""
        environ = os.environ if environ is None else environ
        values: dict[str, str] = {}
        sources: dict[str, str] = {}
        # Every XI_* name, not a list of known ones: from_env decides which it reads.
        for name, value in environ.items():
            if name.startswith(PREFIX) and value:
                values[name] = value
                sources[name] = "the environment"
        if env_file is not None:
            for name, value in read_env_file(env_file).items():
                if name.startswith(PREFIX) and value:
                    values[name] = value
                    sources[name] = env_file
        return cls(env_file, rate_limit, values, sources)

    def missing(self) -> list[str]:
        """The required variables that are not set."""
        return [name for name in REQUIRED if not self.values.get(name, "").strip()]

    def require(self) -> None:
        """Raise ``ConfigError`` naming every required variable that is not set."""
        missing = self.missing()
        if missing:
            where = f"in {self.env_file} or " if self.env_file else ""
            raise ConfigError(
                f"missing setting{'s' if len(missing) > 1 else ''}: set {', '.join(missing)} "
                f"{where}in the environment (or pass --env-file FILE); "
                "for the offline sandbox, `xi-orders sandbox serve` prints them"
            )

    def rate_limit(self) -> RateLimit | str | None:
        """The pacing to use: a ``RateLimit``, None (off), or ``"default"``."""
        if self.rate_limit_option is not None:
            return parse_rate_limit(self.rate_limit_option, name="--rate-limit")
        text = self.values.get("XI_RATE_LIMIT")
        if text is None:
            return "default"
        return parse_rate_limit(text)

    def describe(self, name: str) -> str:
        """``XI_COUNTRY_CODE (from sandbox.env)``."""
        source = self.sources.get(name)
        return f"{name} (from {source})" if source and source != "the environment" else name

    def client(self, **overrides: Any) -> AsyncOrdersClient:
        """An ``AsyncOrdersClient`` built by ``from_env()`` from these settings (so with the
        same variables and defaults as the library's); ``ConfigError`` names a bad one."""
        self.require()
        pacing = self.rate_limit()
        if pacing != "default":
            overrides.setdefault("rate_limit", pacing)
        try:
            with _xi_environment(self.values):
                return AsyncOrdersClient.from_env(**overrides)
        except ValidationError as exc:
            raise ConfigError(self._explain(exc)) from None

    def _explain(self, exc: ValidationError) -> str:
        field = exc.field.split(".")[0].split("[")[0]
        if field.startswith(PREFIX):  # from_env names a missing variable itself
            return f"{self.describe(field)}: {exc.reason}"
        variable = _ARGUMENT_VARIABLES.get(field)
        if variable == "XI_TOKEN_URL" and variable not in self.values:
            # Not set: the client made it from the base URL's host, so that is what to fix.
            variable = "XI_BASE_URL"
        if variable is None:
            raise exc
        return f"{self.describe(variable)}: {exc.reason}"
