"""The example notebook runs top to bottom in a real kernel, sync and top-level await alike."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is in the dev extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is in the dev extra")
pytest.importorskip("ipykernel", reason="ipykernel is in the dev extra")

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "orders.ipynb"


def test_example_notebook_executes_without_errors(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, if a cell fails
    outputs = [
        o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
    ]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    text = "".join(o.get("text", "") for o in outputs)
    assert "<caption>page 1 · 10 of" in html  # the search page renders as a table
    assert "<strong>Order 20-" in html and "<caption>lines</caption>" in html  # so does an order
    assert "looked up, 0 failed" in text
    assert "details fetched with the async client" in text
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        pass
    else:
        assert any("image/png" in o.get("data", {}) for o in outputs)  # the plot rendered
