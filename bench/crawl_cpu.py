"""Where a crawl's CPU goes: CPU-seconds per process (the crawl, its extraction workers, the replica) of one
``portal-archive crawl`` and of the bare Scrapy fetch of the same URLs, against the same replica process.

On a 2-core machine the crawl's rate against the bare fetch is bounded by CPU, not by waits: these counts
say which process to make cheaper. Run alone (``python -m bench.crawl_cpu [--articles 500] [--rounds 2]``);
each round runs both, one after the other, so that their ratio is of the same load.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cli.crawl import replica_process

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a live process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _cmdline(pid: int) -> str:
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
                got = _stat(int(name))
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
        if pid == self.root:
            return "main"
        cmd = _cmdline(pid)
        if "forkserver" in cmd and "forkserver" not in _cmdline(parents[pid][0]):
            return "forkserver"  # its children (the workers) have its command line
        if "resource_tracker" in cmd:
            return "resource_tracker"
        return "workers"

    def by_role(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, cpu in self.cpu.items():
            out[self.role[pid]] = out.get(self.role[pid], 0.0) + cpu
        return out


def run_measured(cmd: list[str], replica_pid: int, cwd: str | None = None) -> tuple[float, dict[str, float], float, str]:
    """(wall seconds, CPU-seconds by role, replica CPU-seconds spent meanwhile, stdout) of one command."""
    replica_before = _stat(replica_pid)[1]
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": cwd} if cwd else None
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=cwd, env=env)
    tree = TreeCpu(proc.pid)
    while proc.poll() is None:
        tree.sample()
        time.sleep(0.1)
    wall = time.perf_counter() - started
    out = proc.stdout.read()
    if proc.returncode not in (0, 3):
        raise SystemExit(f"bench: {cmd[2:4]} failed with exit code {proc.returncode}")
    return wall, tree.by_role(), _stat(replica_pid)[1] - replica_before, out


def _replica_pid() -> int:
    for name in os.listdir("/proc"):
        if name.isdigit():
            got = _stat(int(name))
            if got and got[0] == os.getpid() and " replica " in _cmdline(int(name)):
                return int(name)
    raise SystemExit("bench: the replica process was not found")


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
        replica = _replica_pid()
        for r in range(rounds):
            print(f"round {r + 1}: load {os.getloadavg()[0]:.1f}")
            row = {}
            with tempfile.TemporaryDirectory() as tmp:
                for name, extra in variants.items():
                    archive = Path(tmp) / f"archive-{name}"
                    crawl = [sys.executable, "-m", "cli.main", "crawl", url + "/", "--archive", str(archive),
                             "-s", "PORTAL_PROGRESS_INTERVAL=0", *extra]
                    wall, cpu, rep, _ = run_measured(crawl, replica, baseline if name == "baseline" else None)
                    con = connect(archive)
                    fetched = [u for (u,) in con.sql("SELECT url FROM pages UNION ALL SELECT url FROM media_files").fetchall()]
                    con.close()
                    if "bare" not in row:
                        urls = Path(tmp) / "urls.txt"
                        urls.write_text("\n".join(fetched), encoding="utf-8")
                        b_wall, b_cpu, b_rep, out = run_measured([sys.executable, "-m", "bench.bare_fetch", str(urls)], replica)
                        row["bare"] = (int(out.split()[0]) / b_wall, b_wall, b_cpu, b_rep)
                        print(f"  {'bare':12s}: {b_wall:6.1f}s {row['bare'][0]:7.1f}/s  CPU-s {sum(b_cpu.values()):5.1f} = "
                              f"{_fmt(b_cpu)}; replica {b_rep:4.1f}", flush=True)
                    rate = len(fetched) / wall
                    row[name] = (rate, wall, cpu, rep)
                    print(f"  {name:12s}: {wall:6.1f}s {rate:7.1f}/s  CPU-s {sum(cpu.values()):5.1f} = {_fmt(cpu)}; "
                          f"replica {rep:4.1f}; {len(fetched)} fetches; ratio {rate / row['bare'][0]:.2f}x", flush=True)
            results.append(row)
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
