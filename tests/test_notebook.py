"""The example notebook runs top to bottom in a real kernel, sync and top-level await alike,
and what it shows a reader is tables and short summaries, never pages of text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_reprs import MAX_CHARS, MAX_LINES, reader_view

nbformat = pytest.importorskip("nbformat", reason="nbformat is in the dev extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is in the dev extra")
pytest.importorskip("ipykernel", reason="ipykernel is in the dev extra")

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "orders.ipynb"
WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(tmp_path_factory.mktemp("notebook"))}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, if a cell fails
    return notebook


def _cell(notebook: Any, starts: str) -> list[Any]:
    """The outputs of the code cell whose source starts with ``starts``."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith(starts):
            return list(cell.get("outputs", []))
    raise AssertionError(f"no cell starts with {starts!r}")


def _html(outputs: list[Any]) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in outputs)


def _outputs(notebook: Any) -> list[Any]:
    return [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def test_example_notebook_executes_without_errors(executed: Any) -> None:
    outputs = _outputs(executed)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert re.search(r"\b\d+ looked up, 2 failed", text)
    assert "details fetched with the async client" in text
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        pass
    else:
        assert any("image/png" in o.get("data", {}) for o in outputs)  # the plot rendered


def test_every_output_is_short_for_a_reader(executed: Any) -> None:
    for output in _outputs(executed):
        data = output.get("data", {})
        for text in (output.get("text"), data.get("text/plain")):
            if text is None:
                continue
            assert text.count("\n") + 1 <= MAX_LINES, text[:500]
            assert len(text) <= MAX_CHARS, text[:500]
            assert " object at 0x" not in text, text
        if "text/html" in data:
            html = data["text/html"]
            assert len(html) <= MAX_CHARS, html[:500]
            assert len(reader_view(html)) <= MAX_LINES, reader_view(html)[:5]


def test_the_reader_sees_tables_and_summaries(executed: Any) -> None:
    # the paginators say what they will fetch
    search = reader_view(_html(_cell(executed, "today = ")))
    assert search[0].startswith("Paginator: an order search, nothing fetched yet")
    assert any(line.startswith("ingram_order_date_between | ") for line in search)
    shipped = reader_view(_html(_cell(executed, "aclient = sandbox.client()")))
    assert shipped[0].startswith("AsyncPaginator: an order search")
    assert "order_status | SHIPPED" in shipped and "limit | 20 orders" in shipped
    # the search's results: counts, then a table of the first rows
    summaries = _html(_cell(executed, "summaries = search.collect()"))
    found = re.match(r"(\d+) orders: ", reader_view(summaries)[0])
    assert "<table>" in summaries and found
    count = int(found[1])
    assert count > 50 and any(
        f"{count - 50} more orders not shown" in line for line in reader_view(summaries)
    )
    page = _html(_cell(executed, "first_page = "))
    assert f"<caption>page 1 · 10 of {count} orders</caption>" in page
    # the lookup before it runs, then its results with the failures highlighted
    lookup = reader_view(_html(_cell(executed, "numbers = ")))
    assert lookup[0].startswith("BlockingBulkLookup: order lookups, not started")
    details = _cell(executed, "details = lookup.collect()")
    html = _html(details)
    view = reader_view(html)
    summary = f"{count + 2} orders looked up: {count} found, 2 failed (NotFoundError ×2)"  # noqa: RUF001
    assert view[0] == summary
    failures = [line for line in view if line.startswith("20-NOPE")]
    assert len(failures) == 2 and all("NotFoundError: HTTP 404" in f for f in failures)
    assert all(len(f.split(" | ")[-1]) == 32 for f in failures)  # each with its correlation ID
    assert html.count("background:rgba(220,40,40") == 2
    # the error on its own, and one order with its lines
    error = reader_view(_html(_cell(executed, 'details["20-NOPE1"]')))
    assert error[0] == "NotFoundError: HTTP 404: Order not found."
    assert any(line.startswith("correlation ID | ") for line in error)
    order = _html(_cell(executed, "order = details[numbers[0]]"))
    assert "<strong>Order 20-" in order and "<caption>lines (" in order
    date = next(line for line in reader_view(order) if line.startswith("date | "))
    assert date.endswith(" -07:00") and date.count(":") == 2  # hours:minutes, the offset


def test_the_dataframe_keeps_its_types_with_failures(executed: Any) -> None:
    pytest.importorskip("pandas")
    dtypes = "".join(
        o.get("data", {}).get("text/plain", "") for o in _cell(executed, "table.dtypes")
    )
    assert "lines" in dtypes and "Int64" in dtypes and "error" in dtypes
    assert "datetime64[us, UTC]" in dtypes and "float64" in dtypes


def test_the_progress_bar_is_a_widget_in_the_notebook(executed: Any) -> None:
    pytest.importorskip("ipywidgets", reason="ipywidgets is in the notebook extra")
    outputs = _cell(executed, "details = lookup.collect()")
    bars = [o for o in outputs if WIDGET in o.get("data", {})]
    assert len(bars) == 1
    assert "get_orders" in bars[0]["data"]["text/plain"]
    # no text bar (tqdm's fallback, or ours) went to the cell's stderr
    assert not [o for o in outputs if o.get("name") == "stderr"]


def test_the_plain_text_beside_each_table_is_a_few_lines(executed: Any) -> None:
    """A notebook keeps text/plain beside the HTML (what a terminal, a diff or a viewer
    without HTML shows): a header and a few rows, never the attrs repr of a whole order
    (~10 KB) or page."""

    def plain(starts: str) -> str:
        # the cell's value only (a progress widget's own text/plain is beside it)
        outputs = [o for o in _cell(executed, starts) if o.get("output_type") == "execute_result"]
        return "".join(o.get("data", {}).get("text/plain", "") for o in outputs)

    shown = {
        "first_page = ": "OrderSearchPage page 1: 10 of ",
        "order = details[numbers[0]]": "OrderDetail 20-",
        "details = lookup.collect()": "BulkResults: ",
        'details["20-NOPE1"]': "NotFoundError: HTTP 404",
    }
    for cell, start in shown.items():
        text = plain(cell)
        assert text.startswith(start), (cell, text[:300])
        assert text.count("\n") + 1 <= 16, (cell, text)
        assert len(text) <= 2_500, (cell, len(text))
