"""The README's main job runs offline, end to end, as a newcomer would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_bulk_lookup_demo_runs_on_the_sandbox() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XI_")}
    done = subprocess.run(
        [sys.executable, str(REPO / "examples" / "bulk_lookup.py")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "against the sandbox" in out
    assert "lifecycle: released" in out and "cancelled it (HTTP 200)" in out
    # the one deliberately unknown order is reported with its correlation ID
    assert "failures: 1" in out and "20-NOSUCH: HTTP 404" in out and "correlation ID" in out
