"""Memory of the crawl (issue 11, target 4): what is held stays bounded by what the close needs.

The extraction workers (~160 MB for two, whatever the portal's size) are done once every item is through;
the close of the archive (compaction, CDXJ index) is the crawl process's own peak. The workers must be gone
before it starts, not held beside it until the reactor stops.
"""
from __future__ import annotations

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
