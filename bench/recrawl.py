"""Re-crawl of an unchanged portal against its first crawl (issue 11, target 5), alone:
``python -m bench.recrawl [--articles 500] [--rounds 3] [--baseline DIR]``; and the ``make bench`` rows
:func:`recrawl_rows`: the issue states the target for a 5,000-article portal, so ``make bench`` re-crawls the
memory part's bigger crawl (4,000 articles with ``--quick``, 5,000 in the full run), where start-up and close
weigh as they would; the crawl part prints its own 500-article ratio too.

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


def bench_recrawl(articles: int, seed: int, rounds: int, baseline: str | None = None) -> dict:
    """{"first": [Run], "recrawl": [Run, …], "baseline": [Run, …]}."""
    runs: dict = {"first": [], "recrawl": []}
    if baseline:
        runs["baseline"] = []
    tmp = tempfile.mkdtemp(prefix="bench-recrawl-")
    try:
        with replica_process(articles, seed) as url:
            _rounds(runs, url, Path(tmp), articles, rounds, baseline)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return runs


def _rounds(runs: dict, url: str, tmp: Path, articles: int, rounds: int, baseline: str | None) -> None:
    replica = replica_pid()
    archive = tmp / "archive"
    first = run_measured(crawl_command(url, archive), replica)
    runs["first"].append(first)
    print(describe("first crawl", first), flush=True)
    for r in range(rounds):
        print(f"round {r + 1}: load {os.getloadavg()[0]:.1f}", flush=True)
        order = ["recrawl", "baseline"] if baseline else ["recrawl"]
        if r % 2:
            order.reverse()
        for name in order:
            run = recrawl(url, archive, tmp / f"copy-{name}", replica, baseline if name == "baseline" else None)
            runs[name].append(run)
            print(f"{describe(name, run)}; {run.wall / first.wall:.3f}x of the first crawl", flush=True)
    print(f"medians of {rounds} rounds ({articles} articles; first crawl {first.wall:.1f}s):")
    for name in ("recrawl", "baseline") if baseline else ("recrawl",):
        wall = statistics.median(run.wall for run in runs[name])
        print(f"  {name:9s}: {wall:5.2f}s = {wall / first.wall:.3f}x of the first crawl; "
              f"CPU-s {statistics.median(run.total_cpu for run in runs[name]):5.2f} "
              f"(main {statistics.median(run.cpu.get('main', 0.0) for run in runs[name]):5.2f}); "
              f"replica {statistics.median(run.replica_cpu for run in runs[name]):4.2f}")


def recrawl_rows(url: str, archive: Path, first: dict, articles: int, target: bool = True) -> list[dict]:
    """The ``make bench`` rows of target 5: a re-crawl of ``archive``, just crawled from the unchanged replica
    at ``url`` (``first``: that crawl's measures, bench/memory.py :func:`~bench.memory.measured_crawl`), timed
    as the first crawl was (the whole ``portal-archive crawl`` process, start-up and close included, with the
    same memory sampling); record pages fetched in full. ``target``: False for a re-crawl whose size is not
    the target's (the full run's crawl part): the same rows, no target."""
    from archive.query import connect
    from bench.memory import quiet_crawl
    from bench.table import row

    second = quiet_crawl(url, archive, "re-crawl")
    con = connect(archive)
    try:
        snap, records = con.sql("SELECT snapshot_id, records_unchanged FROM snapshots ORDER BY snapshot_id DESC LIMIT 1").fetchall()[0]
        fetched = con.execute("SELECT count(*) FROM pages WHERE snapshot_id = ? AND status = 200 AND record_id IS NOT NULL",
                              [snap]).fetchall()[0][0]
    finally:
        con.close()
    print(f"re-crawl of the unchanged portal ({articles:,} articles, {records:,} records): {second['wall']:.1f}s vs first crawl {first['wall']:.1f}s "
          f"= {second['wall'] / first['wall']:.3f}x; record pages fetched in full {fetched} = {fetched / records:6.1%}")
    ratio, share = second["wall"] / first["wall"], fetched / records
    return [
        row(f"re-crawl of the unchanged portal, {articles:,} articles: time", second["wall"], first["wall"],
            unit="s vs first crawl", target="< 0.15x" if target else "", met=ratio < 0.15 if target else None),
        row(f"re-crawl, {articles:,} articles: record pages fetched in full", fetched, records,
            unit="pages vs records", target="< 0.05x" if target else "", met=share < 0.05 if target else None),
    ]


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
