"""The documentation site: built with ``mkdocs build --strict`` as ``nox -s docs`` and CI do,
and its API reference page read in a real headless Chromium, served over 127.0.0.1.

Chromium is Debian's package (``apt-get install chromium``; ``.ci/run`` installs it). Where
it is missing the browser test skips with the reason, unless ``CI`` is set: there it fails.
The guides' code blocks run in tests/test_readme.py.
"""

from __future__ import annotations

import functools
import html
import http.server
import inspect
import os
import re
import shutil
import subprocess
import sys
import threading
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from redis_support import in_ci

from xi_orders import AsyncOrdersClient

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_MISSING = (
    "chromium is not installed (Debian/Ubuntu: apt-get install chromium); the API "
    "reference is checked in a real headless browser"
)


def build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of ``config`` into ``site``."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built strictly from the repository's mkdocs.yml."""
    out = tmp_path_factory.mktemp("site")
    done = build(ROOT / "mkdocs.yml", out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    return out


def nav_pages(entries: Any) -> Iterator[str]:
    """Every page named in mkdocs.yml's ``nav``."""
    if isinstance(entries, str):
        yield entries
    elif isinstance(entries, list):
        for entry in entries:
            yield from nav_pages(entry)
    elif isinstance(entries, dict):
        for value in entries.values():
            yield from nav_pages(value)


def test_the_site_builds_strictly_with_every_page(site: Path) -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = list(nav_pages(config["nav"]))
    assert len(pages) >= 20
    for page in pages:
        built = site / ("index.html" if page == "index.md" else page[: -len(".md")] + "/index.html")
        assert built.is_file(), page
    # every guide and reference page of docs/ is in the nav (none left unreachable)
    on_disk = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    unlisted = on_disk - set(pages)
    assert not unlisted, unlisted


def test_the_landing_page_has_the_readme_taste(site: Path) -> None:
    """docs/index.md includes README.md's taste (one source), not a copy."""
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "--8&lt;--" not in index and "--8<--" not in index
    assert "client.get_orders" in html.unescape(re.sub(r"<[^>]+>", "", index))


def sections(page: str, prefix: str) -> dict[str, str]:
    """Each top-level object's part of a built reference page, by name: from its heading to
    the next top-level object's (``prefix`` is the dotted path before the names)."""
    starts = sorted(
        (match.start(), match.group(1))
        for match in re.finditer(rf'id="{re.escape(prefix)}\.(\w+)"', page)
    )
    ends = [start for start, _ in starts[1:]] + [len(page)]
    return {name: page[start:end] for (start, name), end in zip(starts, ends, strict=True)}


def test_the_reference_lists_every_field_of_every_model_and_policy(site: Path) -> None:
    """attrs classes have no written ``__init__``: their fields must still show as parameters."""
    import attrs

    import xi_orders
    import xi_orders.models

    pages = {
        "models": (
            "xi_orders.models",
            [getattr(xi_orders.models, n) for n in xi_orders.models.__all__],
        ),
        "policies": (
            "xi_orders",
            [xi_orders.RetryPolicy, xi_orders.RateLimit, xi_orders.ReconcilePolicy],
        ),
    }
    checked = 0
    for page, (prefix, objects) in pages.items():
        built = sections((site / "reference" / page / "index.html").read_text("utf-8"), prefix)
        for cls in objects:
            if not (isinstance(cls, type) and attrs.has(cls)):
                continue
            assert cls.__name__ in built, (page, cls.__name__)
            section = built[cls.__name__]
            listed = set(re.findall(r"<code>(\w+)</code>", section))
            for field in attrs.fields(cls):
                if not field.init or field.name.startswith("_"):
                    continue
                if field.inherited:  # listed with the base class, which the page links
                    owner = next(
                        b
                        for b in cls.__mro__[1:]
                        if attrs.has(b) and field.name in attrs.fields_dict(b)
                    )
                    assert "Bases:" in section and owner.__name__ in section, (cls, owner)
                else:
                    assert field.name in listed, (page, cls.__name__, field.name)
                checked += 1
    assert checked > 200


def test_the_reference_lists_every_operation_of_both_clients(site: Path) -> None:
    """Each public method of either client has its entry, the operations declared once
    and run by the sync client included (inherited members, not lines of ``sync.py``)."""
    from xi_orders import OrdersClient

    page = (site / "reference" / "clients" / "index.html").read_text("utf-8")
    for client in (AsyncOrdersClient, OrdersClient):
        public = {n for n in dir(client) if not n.startswith("_")}
        shown = set(re.findall(rf'id="xi_orders\.{client.__name__}\.(\w+)"', page))
        assert public - shown == set(), client.__name__
        assert {"get_order", "search_orders", "get_orders", "get_vendor_required_info"} <= shown


def test_a_broken_link_fails_the_strict_build(tmp_path: Path) -> None:
    """The strict build can fail: the same site with one link to a page that does not exist."""
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    quickstart = docs / "guides" / "quickstart.md"
    quickstart.write_text(
        quickstart.read_text(encoding="utf-8") + "\nSee [nowhere](no-such-page.md).\n",
        encoding="utf-8",
    )
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("docs_dir: docs", f"docs_dir: {docs}")
    config = config.replace("paths: [.]", f"paths: [{ROOT}]")
    config = config.replace('base_path: ["."]', f'base_path: ["{ROOT}"]')
    assert str(ROOT) in config and str(docs) in config
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    done = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert done.returncode != 0
    assert "no-such-page.md" in done.stderr + done.stdout


def test_the_sandbox_guide_names_every_fault_and_realism_option() -> None:
    """The sandbox guide covers every fault kind and every ``Faults`` and ``Realism`` option
    (a new one added to the sandbox fails this until the guide says what it does)."""
    from xi_orders.testing import FaultKind, Faults, Realism

    guide = (ROOT / "docs" / "guides" / "sandbox.md").read_text(encoding="utf-8")
    names = {*typing.get_args(FaultKind)}
    names |= {*inspect.signature(Faults).parameters, *inspect.signature(Realism).parameters}
    assert len(names) > 25
    spans = re.findall(r"`([^`\n]+)`", guide)  # named in code, not just a word of the prose
    missing = sorted(n for n in names if not any(re.search(rf"\b{n}\b", x) for x in spans))
    assert not missing, missing


# --- in a real browser ---------------------------------------------------------------------


def chromium() -> str:
    """Debian's ``chromium``; skips (outside CI) or fails (in CI) without it."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if in_ci():
            pytest.fail(f"{CHROMIUM_MISSING}; CI must install it (.ci/run does)", pytrace=False)
        pytest.skip(CHROMIUM_MISSING)
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The built site over HTTP on 127.0.0.1, as ``mkdocs serve`` or any web server gives it."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def dump_dom(url: str, profile: Path) -> str:
    """The page's DOM after Chromium loaded it and ran its scripts."""
    done = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--dump-dom",
            url,
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_the_api_reference_shows_get_order_with_its_parameters(served: str, tmp_path: Path) -> None:
    dom = dump_dom(f"{served}/reference/clients/", tmp_path / "profile")
    anchor = 'id="xi_orders.AsyncOrdersClient.get_order"'
    assert anchor in dom, dom[:2000]
    start = dom.index(anchor)
    # get_order's part of the page: up to the next member of AsyncOrdersClient
    following = re.search(r'id="xi_orders\.AsyncOrdersClient\.(?!get_order")', dom[start:])
    section = dom[start : start + following.start()] if following else dom[start:]

    heading = text_of(section[: section.index("</h")])
    assert "get_order" in heading
    signature_match = re.search(r'class="doc-signature[^"]*">(.*?)</pre>', section, re.S)
    assert signature_match, section[:3000]
    signature = text_of(signature_match.group(1))
    assert signature.lstrip().startswith("get_order(")

    table_match = re.search(r"Parameters:.*?</table>", section, re.S)
    assert table_match, section[:3000]
    rows = re.findall(r"<tr[^>]*>\s*<td>\s*<code>([^<]+)</code>", table_match.group(0))

    parameters = inspect.signature(AsyncOrdersClient.get_order).parameters.values()
    named = [p.name for p in parameters if p.name != "self" and p.kind != p.VAR_KEYWORD]
    assert "order_number" in named and len(named) >= 5
    for name in named:
        assert re.search(rf"\b{name}\s*:", signature), (name, signature)
        assert name in rows, (name, rows)
