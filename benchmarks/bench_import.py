"""Row 0: ``import xi_orders`` in a fresh interpreter vs ``import xi.sdk.resellers``."""

from __future__ import annotations

import tempfile

from ._common import Row, Settings, fresh_env, median, run_python, spread

# Only ``time`` (built in) is imported before the module under test. The peak RSS is
# VmHWM, this process's own ru_maxrss: on Linux ru_maxrss survives exec, so a child of a
# big parent (subprocess uses vfork) would start at the parent's peak.
_PROBE = (
    "import time; t0 = time.perf_counter(); import {module}; t1 = time.perf_counter(); "
    "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]; "
    "print(t1 - t0, hwm)"
)


def _one(module: str, env: dict[str, str]) -> tuple[float, float, int]:
    """(import seconds measured inside, whole-process wall seconds, peak RSS KiB)."""
    out, wall = run_python(["-c", _PROBE.format(module=module)], env)
    inside, peak = out.split()
    return float(inside), wall, int(peak)


def run(settings: Settings) -> list[Row]:
    repeats = settings.pick(15, 5)
    modules = {"ours": "xi_orders", "official": "xi.sdk.resellers", "bare": "sys"}
    samples: dict[str, list[tuple[float, float, int]]] = {k: [] for k in modules}
    # Both packages' bytecode is cached in one fresh prefix, written by the warm-up runs.
    with tempfile.TemporaryDirectory() as pycache:
        env = fresh_env(pycache)
        for module in modules.values():  # warm the bytecode caches and the page cache
            _one(module, env)
            _one(module, env)
        for i in range(repeats):
            order = list(modules) if i % 2 == 0 else list(reversed(modules))
            for key in order:
                samples[key].append(_one(modules[key], env))

    def col(key: str, index: int) -> list[float]:
        return [float(s[index]) for s in samples[key]]

    ours_imp, off_imp = median(col("ours", 0)), median(col("official", 0))
    ours_wall, off_wall = median(col("ours", 1)), median(col("official", 1))
    bare_wall = median(col("bare", 1))
    ours_rss, off_rss = median(col("ours", 2)) / 1024, median(col("official", 2)) / 1024
    bare_rss = median(col("bare", 2)) / 1024
    n = f"median of {repeats} fresh interpreters each"
    return [
        Row(
            "0a",
            "import time (measured inside a fresh interpreter)",
            ours_imp * 1e3,
            off_imp * 1e3,
            "ms",
            "import xi.sdk.resellers",
            "<= 0.35x",
            passed=ours_imp / off_imp <= 0.35,
            notes=f"{n}; ours {spread([x * 1e3 for x in col('ours', 0)])} ms, "
            f"official {spread([x * 1e3 for x in col('official', 0)])} ms",
        ),
        Row(
            "0b",
            "fresh interpreter wall time, `python -c 'import ...'`",
            ours_wall * 1e3,
            off_wall * 1e3,
            "ms",
            "same with xi.sdk.resellers",
            "<= 0.35x",
            passed=ours_wall / off_wall <= 0.35,
            notes=f"{n}; a bare interpreter takes {bare_wall * 1e3:.0f} ms of both",
        ),
        Row(
            "0c",
            "fresh interpreter peak memory (peak RSS, VmHWM) after the import",
            ours_rss,
            off_rss,
            "MiB",
            "same with xi.sdk.resellers",
            "report",
            notes=f"{n}; a bare interpreter: {bare_rss:.1f} MiB",
        ),
    ]
