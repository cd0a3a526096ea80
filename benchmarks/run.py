"""Run the xi_orders benchmarks (issue 6) and print one table; also written as JSON.

    python benchmarks/run.py            # the full set, ~10 minutes on 2 cores
    python benchmarks/run.py --quick    # a fast pass (~2 minutes): fewer repetitions, shorter windows
    python benchmarks/run.py --only bulk ratelimit
    nox -s bench [-- --quick]           # installs the package and the official SDK first

Every row compares ours with a baseline measured in the same run, as the median of
several repetitions. Results go to ``benchmarks/results/latest.json`` and ``latest.md``
(``quick.json`` / ``quick.md`` in quick mode).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._common import Row, Settings  # noqa: E402

#: Module name -> what it measures, in the order they run.
SUITES = {
    "import": "row 0: import time and memory",
    "overhead": "rows 1 and 7: per-call overhead, async and sync",
    "decode": "row 2: decoding a 50-line order",
    "bulk": "rows 3, 4 and 9: the 1,000-order bulk lookup",
    "ratelimit": "row 5: pacing at the sandbox's rate limit",
    "paginate": "rows 6 and 8: walking a search",
    "sockets": "rows S1-S6: real localhost sockets and the bulk layer (issue 12)",
    "reconcile": "rows R1-R2: 1,000 creates through faults, exactly once (issue 14)",
    "telemetry": "rows T1-T3: OpenTelemetry absent, API without SDK, exporting (issue 16)",
    "webhooks": "rows W1-W5: a captured webhook delivery turned into a flood (issue 23)",
}


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as info:
            match = re.search(r"^model name\s*:\s*(.+)$", info.read(), re.M)
            if match:
                cpu = match.group(1).strip()
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for dist in (
        "xi-orders",
        "httpx",
        "httpcore",
        "anyio",
        "attrs",
        "cattrs",
        "xi.sdk.resellers",
        "pydantic",
    ):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "commit": commit,
        "versions": versions,
    }


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{text} {unit}".strip()


def table(rows: list[Row]) -> list[list[str]]:
    out = [["#", "measured", "ours", "baseline", "ratio", "target", "result"]]
    for row in rows:
        out.append(
            [
                row.id,
                row.what,
                _fmt(row.ours, row.unit),
                f"{_fmt(row.baseline, row.unit)} ({row.baseline_label})",
                "-" if row.ratio is None else f"{row.ratio:.2f}x",
                row.target,
                row.result,
            ]
        )
    return out


def text_table(rows: list[Row]) -> str:
    cells = table(rows)
    widths = [
        min(max(len(r[i]) for r in cells), 60 if i in (1, 3) else 200) for i in range(len(cells[0]))
    ]
    lines = []
    for n, r in enumerate(cells):
        lines.append("  ".join(c[: widths[i]].ljust(widths[i]) for i, c in enumerate(r)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.extend(f"[{row.id}] {row.notes}" for row in rows if row.notes)
    return "\n".join(lines)


def markdown(rows: list[Row], info: dict[str, Any], quick: bool, seconds: float) -> str:
    cells = table(rows)
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in cells[1:]]
    lines.append("")
    lines += [f"- **{row.id}**: {row.notes}" for row in rows if row.notes]
    lines.append("")
    load = info["load_average_at_start"]
    lines.append(
        f"Machine: {info['nproc']} cores, {info['cpu']}, {info['implementation']} {info['python']}, "
        f"{info['platform']}; load average at start {', '.join(f'{x:.2f}' for x in load) if load else '?'}; "
        f"commit {info['commit']}; {'quick' if quick else 'full'} run, {seconds / 60:.1f} min; "
        + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v)
        + "."
    )
    return "\n".join(lines) + "\n"


def _sort_key(row: Row) -> tuple[int, str]:
    match = re.match(r"(\d+)(.*)", row.id)
    return (int(match.group(1)), match.group(2)) if match else (99, row.id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, shorter windows")
    parser.add_argument("--only", nargs="+", choices=list(SUITES), help="run only these suites")
    parser.add_argument("--json", type=Path, help="write the results here as well")
    args = parser.parse_args(argv)
    settings = Settings(quick=args.quick)
    info = machine()
    started = time.perf_counter()
    rows: list[Row] = []
    timings: dict[str, float] = {}
    for name in args.only or list(SUITES):
        print(f"== {name}: {SUITES[name]}", file=sys.stderr, flush=True)
        t = time.perf_counter()
        module = importlib.import_module(f"benchmarks.bench_{name}")
        got: list[Row] = module.run(settings)
        timings[name] = time.perf_counter() - t
        for row in got:
            print(
                f"   [{row.id}] {_fmt(row.ours, row.unit)} vs {_fmt(row.baseline, row.unit)} "
                f"-> {row.result}",
                file=sys.stderr,
                flush=True,
            )
        rows.extend(got)
        print(f"   ({timings[name]:.0f} s)", file=sys.stderr, flush=True)
    rows.sort(key=_sort_key)
    seconds = time.perf_counter() - started
    print(text_table(rows))
    result = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "seconds": seconds,
        "suite_seconds": timings,
        "machine": info,
        "rows": [asdict(row) | {"result": row.result} for row in rows],
    }
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    stem = "quick" if args.quick else "latest"
    targets = [results / f"{stem}.json"] if not args.only else []
    if args.json:
        targets.append(args.json)
    for path in targets:
        path.write_text(json.dumps(result, indent=2) + "\n")
        path.with_suffix(".md").write_text(markdown(rows, info, args.quick, seconds))
        print(f"written: {path} and {path.with_suffix('.md').name}", file=sys.stderr)
    print(f"total {seconds / 60:.1f} min", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
