"""Where a crawl's CPU goes: CPU-seconds per process (the crawl, its extraction workers, the replica) of one
``portal-archive crawl`` and of the bare Scrapy fetch of the same URLs, against the same replica process.

On a 2-core machine the crawl's rate against the bare fetch is bounded by CPU, not by waits: these counts
say which process to make cheaper. Run alone (``python -m bench.crawl_cpu [--articles 500] [--rounds 2]``);
each round runs both, one after the other, so that their ratio is of the same load.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import crawl_ended
from cli.crawl import replica_process

TICK = os.sysconf("SC_CLK_TCK")


def proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a live process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, ValueError, IndexError):  # gone, or a line not read whole
        return None


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


class TreeCpu:
    """CPU-seconds of a process and of every descendant, by role, sampled while they run (the last sample
    of each process counts: a process that ends between two samples loses at most one interval)."""

    def __init__(self, root: int):
        self.root = root
        self.cpu: dict[int, float] = {}
        self.role: dict[int, str] = {}

    def sample(self) -> None:
        parents = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                got = proc_stat(int(name))
                if got is not None:
                    parents[int(name)] = got
        tree = {self.root}
        grew = True
        while grew:
            grew = False
            for pid, (ppid, _cpu) in parents.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
        for pid in tree:
            if pid in parents:
                self.cpu[pid] = parents[pid][1]
                if pid not in self.role:
                    self.role[pid] = self._role(pid, parents)

    def _role(self, pid: int, parents) -> str:
        cmd = cmdline(pid)
        if pid == self.root or (parents[pid][0] == self.root and cmd == cmdline(self.root)):
            return "main"  # the command's process, and the crawl process it forked (cli/crawl_process.py)
        if "forkserver" in cmd and "forkserver" not in cmdline(parents[pid][0]):
            return "forkserver"  # its children (the workers) have its command line
        if "resource_tracker" in cmd:
            return "resource_tracker"
        return "workers"

    def by_role(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, cpu in self.cpu.items():
            out[self.role[pid]] = out.get(self.role[pid], 0.0) + cpu
        return out


@dataclass
class Run:
    """One measured command: wall seconds, CPU-seconds of its processes by role, the replica's CPU-seconds
    meanwhile, peak resident MB of the command's own process or the crawl process it forked, its stdout."""

    wall: float
    cpu: dict[str, float]
    replica_cpu: float
    peak_mb: float
    out: str

    @property
    def total_cpu(self) -> float:
        return sum(self.cpu.values())


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_measured(cmd: list[str], replica_pid: int, cwd: str | None = None) -> Run:
    """Run ``cmd`` (in ``cwd``, importing its code first, when given) and measure it."""
    replica_before = proc_stat(replica_pid)[1]
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": cwd} if cwd else None
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=cwd, env=env)
    tree = TreeCpu(proc.pid)
    peak = 0.0
    while proc.poll() is None:
        tree.sample()
        peak = max([peak, *(_rss_mb(pid) for pid, role in tree.role.items() if role == "main")])
        time.sleep(0.1)
    wall = time.perf_counter() - started
    out = proc.stdout.read()
    crawl_ended(proc.returncode, " ".join(cmd[2:4]))
    return Run(wall, tree.by_role(), proc_stat(replica_pid)[1] - replica_before, peak, out)


def replica_pid() -> int:
    """The pid of the replica this process started (:func:`cli.crawl.replica_process`)."""
    for name in os.listdir("/proc"):
        if name.isdigit():
            got = proc_stat(int(name))
            if got and got[0] == os.getpid() and " replica " in cmdline(int(name)):
                return int(name)
    raise SystemExit("bench: the replica process was not found")


def describe(name: str, run: Run) -> str:
    """One line: wall time, CPU-seconds by process, the replica's."""
    return (f"  {name:12s}: {run.wall:6.1f}s  CPU-s {run.total_cpu:5.1f} = {_fmt(run.cpu)}; "
            f"replica {run.replica_cpu:4.1f}")


def _fmt(roles: dict[str, float]) -> str:
    return "  ".join(f"{k} {v:5.1f}" for k, v in sorted(roles.items(), key=lambda kv: -kv[1]))


def bench_crawl_cpu(articles: int, seed: int, rounds: int, variants: dict[str, tuple[str, ...]],
                    baseline: str | None = None) -> list[dict]:
    """Each round: the crawl of every variant (named extra crawl options), then the bare fetch of the URLs the
    first one fetched; one replica process throughout. ``baseline``: a checkout of other code (e.g. ``git archive
    main``), whose crawl runs too, as the variant "baseline"."""
    if baseline:
        variants = {**variants, "baseline": ()}
    from archive.query import connect

    results = []
    with replica_process(articles, seed) as url:
        replica = replica_pid()
        for r in range(rounds):
            print(f"round {r + 1}: load {os.getloadavg()[0]:.1f}")
            row = {}
            with tempfile.TemporaryDirectory() as tmp:
                for name, extra in variants.items():
                    archive = Path(tmp) / f"archive-{name}"
                    crawl = [sys.executable, "-m", "cli.main", "crawl", url + "/", "--archive", str(archive),
                             "-s", "PORTAL_PROGRESS_INTERVAL=0", *extra]
                    run = run_measured(crawl, replica, baseline if name == "baseline" else None)
                    con = connect(archive)
                    fetched = [u for (u,) in con.sql("SELECT url FROM pages UNION ALL SELECT url FROM media_files").fetchall()]
                    con.close()
                    if "bare" not in row:
                        urls = Path(tmp) / "urls.txt"
                        urls.write_text("\n".join(fetched), encoding="utf-8")
                        bare = run_measured([sys.executable, "-m", "bench.bare_fetch", str(urls)], replica)
                        row["bare"] = (int(bare.out.split()[0]) / bare.wall, bare)
                        print(describe("bare", bare), flush=True)
                    rate = len(fetched) / run.wall
                    row[name] = (rate, run)
                    print(f"{describe(name, run)}; {len(fetched)} fetches, {rate:.1f}/s, "
                          f"ratio {rate / row['bare'][0]:.2f}x", flush=True)
            results.append(row)
    print(f"medians of {rounds} rounds:")
    for name in ["bare", *variants]:
        runs = [r[name][1] for r in results]
        roles = {k: statistics.median(run.cpu.get(k, 0.0) for run in runs) for k in runs[0].cpu}
        line = (f"  {name:12s}: CPU-s {statistics.median(run.total_cpu for run in runs):5.1f} = {_fmt(roles)}; "
                f"replica {statistics.median(run.replica_cpu for run in runs):4.1f}")
        if name != "bare":
            line += f"; ratio {statistics.median(r[name][0] / r['bare'][0] for r in results):.2f}x"
        print(line)
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--variant", action="append", default=[],
                    help="NAME:SETTING=VALUE,SETTING=VALUE: one more crawl per round with these settings")
    ap.add_argument("--baseline", help="a checkout of other code whose crawl runs too (git archive main | tar -x -C DIR)")
    args = ap.parse_args()
    variants = {"crawl": ()}
    for spec in args.variant:
        name, _, settings = spec.partition(":")
        variants[name] = tuple(x for s in settings.split(",") if s for x in ("-s", s))
    bench_crawl_cpu(args.articles, args.seed, args.rounds, variants, str(Path(args.baseline).resolve()) if args.baseline else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
