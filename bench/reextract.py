"""``make bench``, issue 11 target 3: ``reextract`` across every core vs one worker, on a crawled archive.

Each run re-extracts a fresh copy of the archive (so both start from the same state); records/s counts the
records of the new snapshot (all unchanged: same extractor) over the wall time of ``reextract``.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path


def _run(archive: Path, workers: int) -> tuple[float, int]:
    from pipelines.reextract import reextract

    with tempfile.TemporaryDirectory(prefix="bench-reextract-") as tmp:
        copy = Path(tmp) / "archive"
        shutil.copytree(archive, copy)
        started = time.perf_counter()
        snap = reextract(copy, workers=workers)
        seconds = time.perf_counter() - started
    return seconds, sum(snap.get(f"records_{c}", 0) or 0 for c in ("new", "changed", "unchanged"))


def bench_reextract(archive: Path) -> list[dict]:
    from bench.table import row
    from pipelines.reextract_jobs import default_workers

    cores = default_workers()
    one_s, records = _run(archive, 1)
    all_s, records_all = _run(archive, cores)
    if records_all != records:
        raise SystemExit(f"bench reextract: {records_all} records with {cores} workers, {records} with one")
    if not records:
        raise SystemExit(f"bench reextract: {archive} holds no record with a WARC capture")
    ours, base = records / all_s, records / one_s
    print(f"reextract  {records} records: 1 worker {base:.1f} records/s ({one_s:.1f}s); "
          f"{cores} workers {ours:.1f} records/s ({all_s:.1f}s); ratio {ours / base:.2f}x")
    return [row(f"reextract, {records} records, {cores} workers", ours, base, unit="records/s vs 1 worker",
                target=">= 1.8x", met=ours / base >= 1.8)]


if __name__ == "__main__":
    bench_reextract(Path(sys.argv[1]))
