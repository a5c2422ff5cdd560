"""The extraction workers' memory stays flat over the pages they extract (issue 11, target 4;
pipelines/workers.py, pipelines/worker_preload.py): what a worker inherits from the fork server stays
shared. A full garbage collection in a worker used to write to every inherited object's header, copying
the fork server's pages into the worker (~9 MB at each worker's first full collection, more with every
page the fork server's objects were touched by), and every worker built its own ~27 MB copy of
trafilatura's stop-word lists on the first page that needed them."""
from __future__ import annotations

import gc

from pipelines.workers import WorkerPool


def private_dirty_mb() -> float:
    with open("/proc/self/smaps_rollup", encoding="ascii") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("Private_Dirty:")) / 1024


def collection_cost() -> dict:
    """Run in a worker: its private memory before and after two full collections, and what it holds."""
    from trafilatura import external

    before = private_dirty_mb()
    gc.collect()
    gc.collect()
    return {"before": before, "after": private_dirty_mb(), "stoplist": external.JT_STOPLIST is not None}


def test_a_worker_keeps_the_fork_servers_pages_shared():
    pool = WorkerPool(workers=1)
    try:
        out = pool.executor().submit(collection_cost).result(timeout=120)
    finally:
        pool.shutdown()
    # before: +9 MB (every object the fork server built, its header written by the collector, copied here)
    assert out["after"] - out["before"] < 3, out
    # built once in the fork server and shared, not once per worker on its first generic page
    assert out["stoplist"], out
