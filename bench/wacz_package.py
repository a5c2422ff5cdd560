"""``make bench`` part: ``package --wacz`` (py-wacz) vs the least any WACZ writer must do — copying the same
WARC files into a zip — on a crawled replica archive: in ``make bench``, the crawl part's archive (bench/run.py;
re-crawled in the full run: its package holds both snapshots' files); alone (``python -m bench.wacz_package
[--articles 500]``), one crawled and re-crawled here."""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from cli.crawl import replica_process


def bench_wacz(archive: Path, rounds: int = 3) -> list[dict]:
    """``package --wacz`` of ``archive``'s last snapshot (after a re-crawl, its package holds both snapshots' WARC
    files) vs a zip copy of the same files, the best of ``rounds`` each."""
    from archive.warc.revisits import replay_files
    from archive.warc.wacz import write_wacz
    from archive.summary import summarize

    if not (archive / "_archive.json").is_file():
        raise SystemExit(f"bench: no crawled archive at {archive} to package (the crawl part failed?)")
    snapshot = summarize(archive)["snapshot_id"]
    files = replay_files(archive, snapshot)
    size = sum(p.stat().st_size for p in files)
    with tempfile.TemporaryDirectory() as tmp:
        def copy_zip() -> None:
            with zipfile.ZipFile(Path(tmp) / "copy.zip", "w") as z:
                for path in files:
                    z.write(path, f"archive/{path.name}", compress_type=zipfile.ZIP_STORED)

        def timed(fn) -> float:
            best = float("inf")
            for _ in range(rounds):
                started = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - started)
            return best

        ours = timed(lambda: write_wacz(archive, snapshot, Path(tmp) / "s.wacz"))
        base = timed(copy_zip)
    print(f"wacz  last snapshot of {archive}, {len(files)} WARC files, {size / 1e6:.1f} MB")
    print(f"  package --wacz (py-wacz): {ours:8.2f} s")
    print(f"  zip copy (baseline)     : {base:8.2f} s")
    print(f"  ratio package/copy      : {ours / base:8.2f}x")
    from bench.table import row

    return [row(f"package --wacz, {size / 1e6:.1f} MB of WARC (py-wacz) vs zip copy", ours, base, unit="s")]


def main(argv=None) -> None:
    """Alone: crawl and re-crawl a replica of ``--articles`` articles, then package it."""
    p = argparse.ArgumentParser(prog="python -m bench.wacz_package")
    p.add_argument("--articles", type=int, default=500)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, replica_process(a.articles, a.seed) as url:
        archive = Path(tmp) / "archive"
        for _ in range(2):  # a crawl and a re-crawl (304s)
            subprocess.run([sys.executable, "-m", "cli.main", "crawl", url + "/", "--archive", str(archive),
                            "-s", "PORTAL_PROGRESS_INTERVAL=0"], check=True, capture_output=True)
        bench_wacz(archive)


if __name__ == "__main__":
    main()
