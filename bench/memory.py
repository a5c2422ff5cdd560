"""Peak memory of a crawl of N/4 (or ``--small``) and of N articles: flat memory means a ratio near 1 (issue 11,
target 4; ``make bench`` compares 500 and 4,000 articles, bench/run.py).

    python -m bench.memory --articles 1000 [--small 250] [--rounds 2] [--seed 1] [--baseline DIR] [--timeline]

Two measures of one crawl, both printed:

* **the crawl's process tree** (the figure the target row uses): the command's process, the crawl process
  it forks (``cli/crawl_process.py``), the extraction workers' fork server and its workers
  (``pipelines/workers.py``), their proportional set sizes (``Pss``
  of ``/proc/PID/smaps_rollup``: a page the forked workers share is counted once, not once per worker)
  summed per sample, every 0.1 s; the highest sum. Sampling can miss a spike shorter than 0.1 s;
* **the crawl process alone** (the command's, after the crawl, if higher): the kernel's high-water mark
  of its resident set (``VmHWM`` of
  ``/proc/PID/status``, exact however short the spike), its last reading before the process exits. Not
  ``ru_maxrss`` from ``wait4``: Linux carries a parent's peak into its child across fork and exec, so a
  crawl started by a bench process that had grown to 400 MB would "peak" at 400 MB at least.

Each round crawls both sizes (one replica process per size); the ratio of every round is printed, so a
loaded machine's noise shows. ``--baseline DIR``: a checkout of other code (``git archive main | tar -x -C
DIR``), crawled too, in alternation with this code, same replicas: before/after in one run.
``--timeline``: print the samples at which the tree's figure rose (seconds, tree MB, crawl MB).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import crawl_ended
from bench.crawl_cpu import TreeCpu, cmdline, proc_stat

INTERVAL_S = 0.1


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            out.add(child)
            todo.append(child)
    return out


def _field_mb(path: str, field: str) -> float:
    try:
        with open(path, encoding="ascii") as fh:
            return next((int(line.split()[1]) for line in fh if line.startswith(field + ":")), 0) / 1024
    except OSError:  # gone
        return 0.0


def status_mb(pid: int, field: str = "VmRSS") -> float:
    """``VmRSS`` (or ``VmHWM``...) of one process, MB; 0 once it is gone."""
    return _field_mb(f"/proc/{pid}/status", field)


def pss_mb(pid: int) -> float:
    """Proportional set size of one process (a page shared by N processes counts 1/N in each), MB."""
    return _field_mb(f"/proc/{pid}/smaps_rollup", "Pss")


def crawl_process(pid: int, below: set[int]) -> int:
    """The process that crawls: the one ``portal-archive crawl`` forked (cli/crawl_process.py) while it runs,
    else the command's own process."""
    for child in below:
        got = proc_stat(child)
        if got is not None and got[0] == pid and cmdline(child) == cmdline(pid):
            return child
    return pid


def measured_crawl(url: str, archive: Path, *settings: str, code: str | None = None, cwd=None, env=None,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, on_sample=None, cpu: bool = False) -> dict:
    """Run one ``portal-archive crawl URL --archive ARCHIVE`` (``settings``: ``-s`` values; ``code``: a checkout
    whose code runs) and measure its memory: ``rss_mb`` (VmHWM of the crawl process, :func:`crawl_process`, or
    of the command's if higher), ``tree_mb`` (peak of the tree's summed Pss), ``main_sampled_mb`` (peak of the
    crawl process's VmRSS as sampled: the measure before),
    ``timeline`` (the samples where ``tree_mb`` rose: seconds, tree MB, crawl MB), ``wall``, ``returncode``;
    with ``cpu``, also ``cpu``: its processes' CPU-seconds by role (bench/crawl_cpu.py :class:`TreeCpu`, sampled
    at the same times). ``on_sample()`` is called with every sample."""
    if code:
        cwd, env = code, {**(env or os.environ), "PYTHONPATH": code}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "crawl", url + "/", "--archive", str(archive),
                             *(a for v in settings for a in ("-s", v))],
                            cwd=cwd, env=env, stdout=stdout, stderr=stderr)
    peak = {"tree": 0.0, "main": 0.0, "hwm": 0.0}
    timeline: list[tuple[float, float, float]] = []
    done = threading.Event()
    tree_cpu = TreeCpu(proc.pid) if cpu else None

    def sample():
        while not done.is_set():
            if tree_cpu is not None:
                tree_cpu.sample()
            below = descendants(proc.pid)
            crawl = crawl_process(proc.pid, below)
            main = status_mb(crawl)
            tree = sum(pss_mb(p) for p in {proc.pid, *below})
            peak["main"] = max(peak["main"], main)
            peak["hwm"] = max(peak["hwm"], status_mb(proc.pid, "VmHWM"), status_mb(crawl, "VmHWM"))
            if tree > peak["tree"]:
                peak["tree"] = tree
                timeline.append((time.monotonic() - started, tree, main))
            if on_sample is not None:
                on_sample()
            done.wait(INTERVAL_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, status, _ = os.wait4(proc.pid, 0)
    finally:
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"returncode": proc.returncode, "wall": time.monotonic() - started, "rss_mb": peak["hwm"],
            "tree_mb": peak["tree"], "main_sampled_mb": peak["main"], "timeline": timeline,
            **({"cpu": tree_cpu.by_role()} if tree_cpu is not None else {})}


def quiet_crawl(url: str, archive: Path, what: str = "crawl", code: str | None = None, cpu: bool = False) -> dict:
    """:func:`measured_crawl` without progress lines; a failed ``what`` (exit code other than 0 or 3) ends the bench."""
    result = measured_crawl(url, archive, "PORTAL_PROGRESS_INTERVAL=0", code=code, cpu=cpu)
    crawl_ended(result["returncode"], what)
    return result


def crawl_sizes(articles: int, seed: int, codes: dict[str, str | None], then=None, small: int | None = None
                ) -> dict[str, list[dict]]:
    """For each code variant, the measures of a crawl of ``small`` (default ``articles // 4``; 0: none) and
    of ``articles`` articles;
    the variants alternate on the same replica process of each size. ``then(url, archive, measures)``, if
    given, runs after each variant's big crawl while its replica and archive still exist (the bench's
    re-crawl of that unchanged portal); what it returns is the measures' ``"then"``."""
    from cli.crawl import replica_process

    out: dict[str, list[dict]] = {name: [] for name in codes}
    small = articles // 4 if small is None else small
    for n in (small, articles) if small else (articles,):
        with replica_process(n, seed) as url:
            for name, code in codes.items():
                with tempfile.TemporaryDirectory() as tmp:
                    result = quiet_crawl(url, Path(tmp) / "archive", code=code)
                    if then is not None and n == articles:
                        result["then"] = then(url, Path(tmp) / "archive", result)
                out[name].append(result)
    return out


def describe(name: str, small: dict, big: dict, articles: int, fewer: int | None = None) -> str:
    return (f"  {name:9} tree (Pss, all processes) {small['tree_mb']:4.0f} -> {big['tree_mb']:4.0f} MB "
            f"= {big['tree_mb'] / small['tree_mb']:.2f}x;  crawl process (VmHWM) {small['rss_mb']:4.0f} -> "
            f"{big['rss_mb']:4.0f} MB = {big['rss_mb'] / small['rss_mb']:.2f}x;  sampled VmRSS "
            f"{small['main_sampled_mb']:4.0f} -> {big['main_sampled_mb']:4.0f} MB  "
            f"({fewer or articles // 4} -> {articles} articles; {small['wall']:.0f} s, {big['wall']:.0f} s)")


def bench_memory(articles: int, seed: int, small: int, small_measure: dict | None = None, then=None) -> list[dict]:
    """``make bench``'s memory rows: the peak of a crawl of ``articles`` against one of ``small`` articles
    (``small_measure``: that crawl's :func:`measured_crawl` measures, made already by the bench's crawl part on
    a replica of the same seed; else it is crawled here). The target row is the process tree's peak (the
    memory the crawl takes from the machine); the crawl process's own high-water mark is the row beside it.
    ``then``: as in :func:`crawl_sizes`, its rows follow (bench/recrawl.py :func:`recrawl_rows`)."""
    from bench.table import row

    measures = crawl_sizes(articles, seed, {"this": None}, then, small=0 if small_measure else small)["this"]
    small_measure, big = small_measure or measures[0], measures[-1]
    print(f"memory  peak of a crawl of {small} vs {articles} articles")
    print(describe("this", small_measure, big, articles, small))
    tree = big["tree_mb"] / small_measure["tree_mb"]
    return [row(f"peak memory, crawl of {articles:,} vs {small:,} articles: process tree, Pss",
                big["tree_mb"], small_measure["tree_mb"], unit="MB", target="<= 1.2x", met=tree <= 1.2),
            row(f"peak memory, crawl of {articles:,} vs {small:,} articles: crawl process, VmHWM",
                big["rss_mb"], small_measure["rss_mb"], unit="MB")] + big.get("then", [])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.memory")
    p.add_argument("--articles", type=int, default=1000, help="the larger crawl")
    p.add_argument("--small", type=int, help="the smaller crawl (default: a quarter of --articles; the issue's "
                                             "target is 50,000 vs 5,000: --articles 50000 --small 5000)")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--baseline", help="a checkout of other code, crawled too in alternation "
                                      "(git archive main | tar -x -C DIR)")
    p.add_argument("--timeline", action="store_true", help="print the samples at which the tree's peak rose")
    args = p.parse_args(argv)
    if args.articles < 4 or (args.small is not None and not 0 < args.small < args.articles):
        p.error("--articles must be 4 or more, and --small a number of articles between 1 and --articles")
    codes = {"this": None}
    if args.baseline:
        codes["baseline"] = str(Path(args.baseline).resolve())
    for _ in range(args.rounds):
        fewer = args.small or args.articles // 4
        results = crawl_sizes(args.articles, args.seed, codes, small=fewer)
        print(f"memory  peak of a crawl of {fewer} vs {args.articles} articles", flush=True)
        for name, (small, big) in results.items():
            print(describe(name, small, big, args.articles, fewer), flush=True)
            if args.timeline:
                for label, m in (("small", small), ("big", big)):
                    print(f"    {name} {label}: " + "  ".join(f"{t:.1f}s {tr:.0f}/{mn:.0f}" for t, tr, mn in m["timeline"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
