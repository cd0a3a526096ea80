"""Every fault and quirk of the sandbox is reachable from a shell: ``--fault KIND=RATE``,
``--realism KEY=VALUE`` and ``--search-lag`` on ``python -m xi_orders.testing`` (and on
``xi-orders sandbox serve``, tested in test_cli.py), checked on a real served process."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator

import anyio
import pytest

from xi_orders import ReconcilePolicy
from xi_orders.models import OrderCreateLine, OrderCreateRequest
from xi_orders.testing import Faults, Realism, Sandbox
from xi_orders.testing._options import changed, keys, options


def test_every_option_is_reachable_and_its_default_reads_back() -> None:
    for cls in (Faults, Realism):
        listed = keys(cls).split(", ")
        names = [f.name for f in dataclasses.fields(cls) if f.init]
        assert [pair.split("=", 1)[0] for pair in listed] == names
        # what --help shows as the defaults builds the defaults (Faults' endpoints
        # "all" is the one spelling that is not a value: it is left out)
        pairs = [p for p in listed if p != "endpoints=all"]
        assert options(cls, pairs) == cls(), cls
        assert changed(cls()) == {}


def test_values_are_typed_and_checked_naming_the_pair() -> None:
    quirks = options(
        Realism,
        [
            "search_page_size=25",
            "report-page-size=off",
            "status_spelling=mixed",
            "search_stops_early_after=none",
            "details_without_lines=20-AAAAA, 20-BBBBB",
            "create_2xx_errors=0.5",
        ],
    )
    assert quirks.search_page_size == 25 and quirks.report_page_size is False
    assert quirks.status_spelling == "mixed" and quirks.search_stops_early_after is None
    assert quirks.details_without_lines == frozenset({"20-AAAAA", "20-BBBBB"})
    assert quirks.create_2xx_errors == 0.5
    assert changed(quirks)["details_without_lines"] == "20-AAAAA,20-BBBBB"
    faults = options(Faults, ["act_then_502=0.1", "endpoints=create_order"], server_error=0.2)
    assert (faults.act_then_502, faults.server_error) == (0.1, 0.2)
    assert faults.endpoints == frozenset({"create_order"})
    for cls, pair, says in (
        (Realism, "page=2", "'page=2': KEY=VALUE expected, KEY one of nulls,"),
        (Realism, "search_page_size", "KEY=VALUE expected"),
        (Realism, "search_page_size=x", "'search_page_size=x': a whole number expected"),
        (Realism, "search_page_size=500", "search_page_size must be between 1 and 100"),
        (Realism, "status_spelling=weird", "one of canonical, mixed expected"),
        (Realism, "nulls=maybe", "'nulls=maybe': true or false expected"),
        (Faults, "act_then_502=lots", "'act_then_502=lots': a number expected"),
        (Faults, "endpoints=nowhere", "unknown endpoints: ['nowhere']"),
        (Faults, "html=0.7", "at most 1"),  # with the server_error below
    ):
        with pytest.raises(ValueError) as caught:
            options(cls, [pair], **({"server_error": 0.5} if pair == "html=0.7" else {}))
        assert says in str(caught.value), (pair, str(caught.value))


@pytest.fixture
def served() -> Iterator[str]:
    """``python -m xi_orders.testing`` with a quirky search, search lag and a create that
    is placed and then answered by a gateway's 502, every time."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xi_orders.testing",
            "--port",
            "0",
            "--seed",
            "5",
            "--orders",
            "30",
            "--realism",
            "search_page_size=7",
            "--realism",
            "report_page_size=false",
            "--fault",
            "act_then_502=1",
            "--fault",
            "endpoints=create_order",
            "--search-lag",
            "0.3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline() for _ in range(7)]
        assert "listening on" in banner[0], (banner, proc.poll())
        text = "".join(banner)
        assert "fault act_then_502=1.0; fault endpoints=create_order" in text, text
        assert "realism search_page_size=7; realism report_page_size=false" in text, text
        assert "search lag 0.3 s" in text, text
        yield banner[0].rsplit(" ", 1)[-1].strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_served_sandbox_set_up_from_the_shell_behaves_so(served: str) -> None:
    box = Sandbox(seed=5, orders=30)  # the same seed: the same data and credentials

    async def main() -> None:
        # the served process's credentials, over its socket
        async with box.client(
            base_url=served,
            transport=None,
            rate_limit=None,
            reconcile=ReconcilePolicy(window=20, first_wait=0.2),
        ) as client:
            # pages of 7 without a pageSize in them, though 100 were asked for: every order
            pages = [page async for page in client.search_orders(page_size=100).pages()]
            assert [len(p.orders) for p in pages] == [7, 7, 7, 7, 2]
            assert sorted(o.ingram_order_number for p in pages for o in p.orders) == sorted(
                box.order_numbers()
            )
            # placed, then a 502: found by its PO once search catches up, not sent again
            part = sorted(box.catalog)[0]
            result = await client.create_order(
                OrderCreateRequest(
                    customer_order_number="SHELL-PO-1",
                    lines=[
                        OrderCreateLine(
                            customer_line_number="1", ingram_part_number=part, quantity=1
                        )
                    ],
                )
            )
            assert result.reconciled and result.reconciliation is not None
            assert result.reconciliation.outcome == "found"
            assert "502" in result.reconciliation.cause
            held = await client.search_orders(customer_order_number="SHELL-PO-1").collect()
            assert [o.ingram_order_number for o in held] == result.order_numbers

    anyio.run(main)


def test_a_bad_option_stops_the_server_before_it_starts() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "xi_orders.testing", "--port", "0", "--realism", "pages=2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "'pages=2': KEY=VALUE expected, KEY one of nulls" in out.stderr
    out = subprocess.run(
        [sys.executable, "-m", "xi_orders.testing", "--port", "0", "--search-lag", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "--search-lag must be >= 0" in out.stderr
