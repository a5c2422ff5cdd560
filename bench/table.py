"""The one table of ``make bench``: every figure as a row (measure, ours, baseline, ratio, target, met?),
printed at the end and written as JSON to ``bench/results.json``."""
from __future__ import annotations

import json
import os
import platform
import tempfile
from pathlib import Path


def row(measure: str, ours: float, baseline: float | None = None, *, unit: str = "", target: str = "",
        met: bool | None = None, ratio: float | None = None) -> dict:
    """One figure. ``ratio`` defaults to ours/baseline; ``met`` is None where the figure has no target."""
    if ratio is None and baseline:
        ratio = ours / baseline
    return {"measure": measure, "ours": ours, "baseline": baseline, "ratio": ratio, "unit": unit,
            "target": target, "met": met}


def machine() -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_gb, 1),
            "python": platform.python_version(), "system": platform.platform()}


def _fmt(x) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.2f}" if abs(x) < 1000 else f"{x:,.0f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def format_table(rows: list[dict]) -> str:
    head = ("measure", "ours", "baseline", "ratio", "target", "met?")
    cells = [head] + [(r["measure"] + (f" ({r['unit']})" if r["unit"] else ""), _fmt(r["ours"]), _fmt(r["baseline"]),
                       "–" if r["ratio"] is None else f"{r['ratio']:.2f}x", r["target"] or "–",
                       {True: "yes", False: "NO", None: "–"}[r["met"]]) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = [" | ".join(c[i].ljust(widths[i]) if i in (0, 4, 5) else c[i].rjust(widths[i]) for i in range(len(head)))
             for c in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def write_results(path: Path, rows: list[dict], *, quick: bool, seconds: float, sizes: dict,
                  parts: dict[str, float] | None = None) -> None:
    """Atomic: a temporary file in the same folder, renamed over the old results. ``parts``: wall seconds of
    each part of the run."""
    doc = {"machine": machine(), "quick": quick, "seconds": round(seconds, 1), "parts": parts or {}, "sizes": sizes,
           "rows": rows}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1)
    os.replace(tmp, path)
