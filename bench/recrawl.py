"""Re-crawl of an unchanged portal against its first crawl (issue 11, target 5), alone:
``python -m bench.recrawl [--articles 500] [--rounds 3] [--baseline DIR]``.

One replica process; one first crawl, timed; then each round re-crawls a fresh copy of that archive (and, with
``--baseline``, a second copy with the code of another checkout, ``git archive main | tar -x -C DIR``, in
alternation, so both see the same load). Each re-crawl is timed as the first crawl is: the whole
``portal-archive crawl`` process, start-up and close included. Prints the wall time, CPU-seconds by process and
the replica's, and the ratio re-crawl / first crawl; the medians at the end.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench.crawl_cpu import Run, describe, replica_pid, run_measured
from cli.crawl import replica_process


def crawl_command(url: str, archive: Path, *settings: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", "crawl", url + "/", "--archive", str(archive),
            "-s", "PORTAL_PROGRESS_INTERVAL=0", *(a for v in settings for a in ("-s", v))]


def recrawl(url: str, archive: Path, copy: Path, replica: int, cwd: str | None = None, *settings: str) -> Run:
    """Re-crawl a copy of ``archive`` (made at ``copy``, removed after), timed as a whole process."""
    shutil.copytree(archive, copy)
    try:
        return run_measured(crawl_command(url, copy, *settings), replica, cwd)
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def bench_recrawl(articles: int, seed: int, rounds: int, baseline: str | None = None) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {"first": [], "recrawl": []}
    if baseline:
        runs["baseline"] = []
    with tempfile.TemporaryDirectory() as tmp, replica_process(articles, seed) as url:
        replica = replica_pid()
        archive = Path(tmp) / "archive"
        first = run_measured(crawl_command(url, archive), replica)
        runs["first"].append(first)
        print(describe("first crawl", first), flush=True)
        for r in range(rounds):
            print(f"round {r + 1}: load {os.getloadavg()[0]:.1f}", flush=True)
            order = ["recrawl", "baseline"] if baseline else ["recrawl"]
            if r % 2:
                order.reverse()
            for name in order:
                run = recrawl(url, archive, Path(tmp) / f"copy-{name}", replica, baseline if name == "baseline" else None)
                runs[name].append(run)
                print(f"{describe(name, run)}; {run.wall / first.wall:.3f}x of the first crawl", flush=True)
    print(f"medians of {rounds} rounds ({articles} articles; first crawl {first.wall:.1f}s):")
    for name in runs:
        if name == "first":
            continue
        wall = statistics.median(run.wall for run in runs[name])
        print(f"  {name:9s}: {wall:5.2f}s = {wall / first.wall:.3f}x of the first crawl; "
              f"CPU-s {statistics.median(run.total_cpu for run in runs[name]):5.2f} "
              f"(main {statistics.median(run.cpu.get('main', 0.0) for run in runs[name]):5.2f}); "
              f"replica {statistics.median(run.replica_cpu for run in runs[name]):4.2f}")
    return runs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--baseline", help="a checkout of other code whose re-crawl runs too, in alternation")
    args = ap.parse_args()
    bench_recrawl(args.articles, args.seed, args.rounds, str(Path(args.baseline).resolve()) if args.baseline else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
