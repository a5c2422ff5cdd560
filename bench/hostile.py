"""``make bench``: a crawl of ``portal-archive replica --hostile`` — wall time and peak memory (issue 7).

Peak memory is measured two ways: the crawl process's own ``ru_maxrss`` (from ``wait4``), and the sum of
the resident memory of its whole process tree (the crawl, the fork server and the extraction workers),
sampled every 0.2 s from ``/proc``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path


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


def tree_rss_mb(pid: int) -> float:
    total = 0
    for p in {pid, *descendants(pid)}:
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        except OSError:
            pass
    return total / 1024


def measured_crawl(url: str, archive: Path, *, cwd=None, env=None, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, on_sample=None) -> dict:
    """Run ``portal-archive crawl URL --archive ARCHIVE``; returns returncode, wall (s), rss_mb (the crawl
    process's ru_maxrss) and tree_mb (peak of the whole process tree). ``on_sample()`` is called with
    every memory sample (0.2 s)."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "crawl", url + "/", "--archive", str(archive)],
                            cwd=cwd, env=env, stdout=stdout, stderr=stderr)
    peak = {"tree": 0.0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak["tree"] = max(peak["tree"], tree_rss_mb(proc.pid))
            if on_sample is not None:
                on_sample()
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"returncode": proc.returncode, "wall": time.monotonic() - started, "rss_mb": usage.ru_maxrss / 1024,
            "tree_mb": peak["tree"]}


@contextmanager
def hostile_process(port: int = 0):
    """``portal-archive replica --hostile`` in its own process; yields its base URL (no trailing slash)."""
    from cli.crawl import replica_process

    with replica_process(0, 0, port, extra=("--hostile",)) as url:
        yield url.rstrip("/")


WALL_TARGET_S, CRAWL_MB_TARGET, TREE_MB_TARGET = 120, 700, 1200  # tests/test_hostile_crawl.py fails over these


def bench_hostile() -> list[dict]:
    from bench.table import row
    from replica.hostile import hostile_cases

    with tempfile.TemporaryDirectory() as tmp, hostile_process() as url:
        result = measured_crawl(url, Path(tmp) / "archive")
        cases = len(hostile_cases(url))
    if result["returncode"] not in (3, 4):  # failures are the point; 4: over PORTAL_MAX_FAILURE_RATIO
        raise SystemExit(f"bench: the hostile crawl failed with exit code {result['returncode']}")
    print(f"hostile replica ({cases} cases): {result['wall']:.1f} s, crawl ru_maxrss {result['rss_mb']:.0f} MB, "
          f"all processes {result['tree_mb']:.0f} MB")
    return [
        row(f"crawl of replica --hostile ({cases} cases): wall time", result["wall"], unit="s",
            target=f"< {WALL_TARGET_S} s", met=result["wall"] < WALL_TARGET_S),
        row("hostile crawl: peak memory of the crawl (ru_maxrss)", result["rss_mb"], unit="MB",
            target=f"< {CRAWL_MB_TARGET} MB", met=result["rss_mb"] < CRAWL_MB_TARGET),
        row("hostile crawl: peak memory, crawl + extraction workers", result["tree_mb"], unit="MB",
            target=f"< {TREE_MB_TARGET} MB", met=result["tree_mb"] < TREE_MB_TARGET),
    ]
