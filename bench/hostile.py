"""``make bench``: a crawl of ``portal-archive replica --hostile`` — wall time and peak memory (issue 7).

Peak memory is measured two ways (:func:`bench.memory.measured_crawl`): the crawl process's own high-water
mark (``VmHWM``), and the peak of its whole process tree (the crawl, the fork server and the extraction
workers, their proportional set sizes summed per sample).
"""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path

from bench.memory import measured_crawl


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
    print(f"hostile replica ({cases} cases): {result['wall']:.1f} s, crawl VmHWM {result['rss_mb']:.0f} MB, "
          f"all processes {result['tree_mb']:.0f} MB")
    return [
        row(f"crawl of replica --hostile ({cases} cases): wall time", result["wall"], unit="s",
            target=f"< {WALL_TARGET_S} s", met=result["wall"] < WALL_TARGET_S),
        row("hostile crawl: peak memory of the crawl (VmHWM)", result["rss_mb"], unit="MB",
            target=f"< {CRAWL_MB_TARGET} MB", met=result["rss_mb"] < CRAWL_MB_TARGET),
        row("hostile crawl: peak memory, crawl + extraction workers", result["tree_mb"], unit="MB",
            target=f"< {TREE_MB_TARGET} MB", met=result["tree_mb"] < TREE_MB_TARGET),
    ]
