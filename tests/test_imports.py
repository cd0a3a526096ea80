"""Every module of ``xi_orders`` imports on its own, and the layers import only downwards.

Importing a module alone is what a user's first ``import`` does; an import circle or a module
that leans on another having been imported first shows up only then, so each module is
imported in a process that has never imported ``xi_orders``. One fresh interpreter imports
everything else the package loads (stdlib and third-party, never ``xi_orders``) once, then
forks a child per module, which checks that no ``xi_orders`` module is loaded before its
import; without ``os.fork`` (Windows) each module gets its own interpreter. Those other
packages cannot import ``xi_orders``, so loading them first proves the same thing, without
paying ~0.5 s of interpreter and dependency start-up per module.
"""

from __future__ import annotations

import ast
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import xi_orders

ROOT = Path(xi_orders.__file__).resolve().parent
MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(xi_orders.__path__, "xi_orders.", onerror=lambda _: None)
)
ENV = {**os.environ, "PYTHONPATH": str(ROOT.parent), "PYTHONDONTWRITEBYTECODE": "1"}

# Runs in a fresh interpreter, the xi_orders module names on stdin; prints {module: error or ""}.
# A first child imports every module to learn which other modules they load; the parent
# imports those (never xi_orders), then forks one child per module, os.cpu_count() at a time.
FORK_EACH = r"""
import importlib, json, os, sys, tempfile, traceback
modules = json.load(sys.stdin)
out = tempfile.mkdtemp()

def ours():
    return [m for m in sys.modules if m.split(".")[0] == "xi_orders"]

def child(index, name):
    message = ""
    try:
        assert not ours(), f"not a fresh start: {ours()}"
        importlib.import_module(name)
    except BaseException:
        message = traceback.format_exc()
    with open(os.path.join(out, str(index)), "w") as file:
        file.write(message)
    os._exit(0)

def run(jobs, width):
    running = {}
    for index, name in jobs:
        while len(running) >= width:
            running.pop(os.wait()[0])
        pid = os.fork()
        if pid == 0:
            child(index, name)
        running[pid] = index
    while running:
        running.pop(os.wait()[0])

def learn():
    for name in modules:
        try:
            importlib.import_module(name)
        except BaseException:
            pass
    return [m for m in sys.modules if m.split(".")[0] != "xi_orders"]
pid = os.fork()
if pid == 0:
    with open(os.path.join(out, "preload"), "w") as file:
        file.write(json.dumps(learn()))
    os._exit(0)
os.waitpid(pid, 0)
with open(os.path.join(out, "preload")) as file:
    for name in json.load(file):
        if name not in sys.modules and name != "__main__":
            try:
                importlib.import_module(name)
            except BaseException:
                pass
assert not ours()
run(list(enumerate(modules)), os.cpu_count() or 2)
results = {}
for index, name in enumerate(modules):
    path = os.path.join(out, str(index))
    results[name] = open(path).read() if os.path.exists(path) else "the child died"
print(json.dumps(results))
"""


def _module_file(name: str) -> Path:
    path = ROOT.joinpath(*name.split(".")[1:])
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _imports(name: str) -> set[str]:
    """The xi_orders modules ``name`` imports, at import time, inside functions or for the
    type checker (``if TYPE_CHECKING:``): a type-only import couples as much as any. Names
    are modules or packages (``from .x import Y`` counts as ``x.Y`` when that is a module,
    else ``x``)."""
    path = _module_file(name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    at_import: set[str] = set()
    lazy: set[str] = set()

    def target(node: ast.ImportFrom) -> list[str]:
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            parts = parts[: len(parts) - node.level + 1]
            base = ".".join([*parts, *([node.module] if node.module else [])])
        return [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]

    def visit(nodes: list[ast.stmt], in_function: bool) -> None:
        for node in nodes:
            found = lazy if in_function else at_import
            if isinstance(node, ast.ImportFrom):
                found.update(target(node))
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(node.body, True)
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    visit(getattr(node, field, None) or [], in_function)

    visit(ast.parse(path.read_text(encoding="utf-8")).body, False)
    return {m for m in at_import | lazy if m.split(".")[0] == "xi_orders"}


def test_modules_are_found() -> None:
    assert {"xi_orders.client", "xi_orders.models.details", "xi_orders.webhooks._inbox"} <= set(
        MODULES
    )


def test_every_module_imports_alone_in_a_fresh_process() -> None:
    if hasattr(os, "fork"):
        done = subprocess.run(
            [sys.executable, "-c", FORK_EACH],
            input=json.dumps(MODULES),
            capture_output=True,
            text=True,
            env=ENV,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        results: dict[str, str] = json.loads(done.stdout)
    else:  # pragma: no cover - Windows: an interpreter per module
        results = {}
        for name in MODULES:
            run = subprocess.run(
                [sys.executable, "-c", f"import {name}"],
                capture_output=True,
                text=True,
                env=ENV,
                timeout=60,
                check=False,
            )
            results[name] = run.stderr if run.returncode else ""
    assert set(results) == set(MODULES)
    failed = {name: error for name, error in results.items() if error}
    assert not failed, "\n\n".join(f"importing {n} alone fails:\n{e}" for n, e in failed.items())


def test_import_xi_orders_leaves_the_optional_parts_alone() -> None:
    script = "import json, sys, xi_orders\nprint(json.dumps(sorted(m for m in sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=ENV, check=True
    )
    loaded = set(json.loads(done.stdout))
    unwanted = {
        "pandas",  # tabular.to_dataframe imports it when called
        "numpy",
        "tqdm",  # bulk progress bars, when asked for
        "IPython",
        "trio",
        "xi_orders.testing",  # the sandbox: only for tests and demos
        "xi_orders.webhooks",  # only for receivers
        "xi_orders.cli",  # the command line (click, rich)
    }
    assert not unwanted & loaded
    # presentation is looked up when a result is first shown, never loaded by the import
    assert "xi_orders.tabular" not in loaded


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name in MODULES:
        # Its own package too: ``from . import X`` reads what the package's __init__ defines,
        # so a package that (even lazily) imports the module back closes a circle.
        graph[name] = {m for m in _imports(name) if m != name}
    return graph


def test_no_import_circle_even_through_imports_inside_functions() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    path: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                circles.append([*path[path.index(nxt) :], nxt])
            elif nxt in graph and nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for name in MODULES:
        if name not in state:
            visit(name)
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)


def test_layers_import_downwards() -> None:
    graph = _graph()
    above_models = {
        "xi_orders.client",
        "xi_orders.sync",
        "xi_orders.bulk",
        "xi_orders.pagination",
        "xi_orders._transport",
        "xi_orders._auth",
        "xi_orders._ratelimit",
        "xi_orders._retry",
        "xi_orders._convert",
        "xi_orders.tabular",
        "xi_orders.webhooks",
        "xi_orders.testing",
        "xi_orders.cli",
    }

    def hits(name: str, banned: set[str]) -> set[str]:
        return {m for m in graph[name] if any(m == b or m.startswith(b + ".") for b in banned)}

    for name in MODULES:
        if name.startswith("xi_orders.models"):
            assert not hits(name, above_models), f"{name} imports {hits(name, above_models)}"
        if name.startswith("xi_orders.testing"):
            banned = {"xi_orders.models", "xi_orders._convert"}
            assert not hits(name, banned), f"the sandbox {name} imports {hits(name, banned)}"
        if name in {f"xi_orders.webhooks.{m}" for m in ("_errors", "_signature", "_replay")}:
            # the checks that need no models: they stay importable without them
            banned = {"xi_orders.models", "xi_orders._convert", "xi_orders.webhooks."}
            found = {m for m in graph[name] if any(m.startswith(b) for b in banned)}
            assert not found, f"{name} imports {found}"
