"""Memory of the crawl (issue 11, target 4): what is held stays bounded by what the close needs.

The extraction workers (~160 MB for two, whatever the portal's size) are done once every item is through;
the close of the archive (compaction, CDXJ index) is the crawl process's own peak. The workers must be gone
before it starts, not held beside it until the reactor stops.
"""
from __future__ import annotations

import gc
import weakref
from types import SimpleNamespace

from scrapy.settings import Settings

import pipelines.scrapy_pipelines as sp
from pipelines.workers import WorkerPool


class _Signals:
    def connect(self, *args, **kwargs):
        pass


class _Stats:
    def get_value(self, key, default=None):
        return {"finish_reason": "finished"}.get(key, default)


def test_the_extraction_workers_are_gone_before_the_archive_is_closed(monkeypatch):
    settings = Settings({"PORTAL_EXTRACT_WORKERS": 2})
    crawler = SimpleNamespace(settings=settings, signals=_Signals(), stats=_Stats())
    pool = WorkerPool.of(crawler)
    executor = pool.executor()
    assert executor.submit(sum, [1, 2]).result(timeout=60) == 3  # the workers run
    workers = list(executor._processes.values())
    assert workers and all(p.is_alive() for p in workers)
    alive_at_close = []

    class _Capture:
        def close(self, status):
            alive_at_close.extend(p for p in workers if p.is_alive())

    monkeypatch.setattr(sp.Capture, "of", classmethod(lambda cls, crawler: _Capture()))
    try:
        sp.ArchivePipeline(crawler).close_spider()
        assert not alive_at_close, "extraction workers still running while the archive closes"
    finally:
        pool.shutdown()


def test_what_the_crawl_freed_is_given_back_before_the_archive_is_closed(monkeypatch):
    """The close's DuckDB and Arrow buffers come from allocators of their own: the crawl's garbage (reference
    cycles the crawl's rare collections leave) is collected and the C allocator's free memory handed back to the
    system before the close starts, not kept under it."""
    class Garbage:
        pass

    events = []
    cycle = Garbage()
    cycle.me = cycle
    collected = weakref.ref(cycle)
    del cycle

    class _Capture:
        def close(self, status):
            events.append("closed" if collected() is None else "closed with the crawl's garbage held")

    monkeypatch.setattr(sp, "release_freed_memory", lambda: events.append("released"))
    monkeypatch.setattr(sp.Capture, "of", classmethod(lambda cls, crawler: _Capture()))
    monkeypatch.setattr(sp.WorkerPool, "of", classmethod(lambda cls, crawler: SimpleNamespace(shutdown=lambda: None)))
    crawler = SimpleNamespace(settings=Settings(), signals=_Signals(), stats=_Stats())
    enabled = gc.isenabled()
    gc.disable()  # no automatic collection in between: only the close's own
    try:
        sp.ArchivePipeline(crawler).close_spider()
    finally:
        if enabled:
            gc.enable()
    assert events == ["released", "closed"]


def test_the_frontier_waits_on_disk_not_in_memory(tmp_path):
    """Requests found and not yet fetched (~1 per article at the peak: navigation is walked first) are
    pickled to the crawl's frontier folder inside the archive past a bounded head kept in memory."""
    from scrapy.core.scheduler import Scheduler
    from scrapy.utils.test import get_crawler

    from crawler.frontier import MEMORY_REQUESTS, use_disk_frontier
    from crawler.spiders.portal import PortalSpider

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("TWISTED_REACTOR_ENABLED", False)  # the scheduler is called directly: no reactor needed
    folder = use_disk_frontier(settings, tmp_path)
    assert folder.parent == tmp_path and folder.name.startswith(".tmp-")  # verify skips it
    crawler = get_crawler(PortalSpider, settings.copy_to_dict())
    spider = PortalSpider.from_crawler(crawler, start_url="http://127.0.0.1:1/")
    crawler.spider = spider
    # Scrapy's downloader-aware priority queue asks the downloader which slot a request goes to
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(slots={}, get_slot_key=lambda r: "127.0.0.1"))
    scheduler = Scheduler.from_crawler(crawler)
    scheduler.open(spider)
    try:
        for i in range(2000):
            assert scheduler.enqueue_request(spider._request(f"http://127.0.0.1:1/p/{i}", 0, barren=0, record_id=f"{i:016x}"))
        assert len(scheduler) == 2000 and len(scheduler.mqs) == 0
        held = sum(len(q.head) for slot in scheduler.dqs.pqueues.values() for q in slot.queues.values())
        assert held == MEMORY_REQUESTS < 2000  # the rest waits in the files
        got = [scheduler.next_request() for _ in range(2000)]  # FIFO, head then files, as in memory
        assert [r.url for r in got] == [f"http://127.0.0.1:1/p/{i}" for i in range(2000)]
        assert got[-1].meta["record_id"] == f"{1999:016x}" and got[-1].callback == spider.parse  # read back whole
        assert not scheduler.has_pending_requests()
    finally:
        scheduler.close("finished")


def test_libarrow_buffers_come_from_the_pool_the_crawl_chose(tmp_path):
    """Parquet's column readers and writers inside libarrow take Arrow C++'s default pool, not pyarrow's: the
    crawl's choice (jemalloc, which gives freed memory back) must hold there too, or mimalloc keeps tens of MB
    of every Parquet write and read to the end of the crawl. A fresh process, as the crawl command starts."""
    import os
    import subprocess
    import sys

    script = f"""
from cli.crawl import arrow_memory_pool
arrow_memory_pool()
import pyarrow as pa, pyarrow.parquet as pq
path = {str(tmp_path / "t.parquet")!r}
pq.write_table(pa.table({{"n": list(range(50_000)), "text": ["x" * 100] * 50_000}}), path)
for batch in pq.ParquetFile(path).iter_batches(batch_size=1000, use_threads=False):
    batch.to_pylist()
print(pa.mimalloc_memory_pool().max_memory() if "mimalloc" in pa.supported_memory_backends() else 0)
"""
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) == 0, "libarrow's buffers still came from mimalloc"
