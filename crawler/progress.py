"""A one-line progress report while a crawl runs, in the words and counts of the final summary.

``Pages`` are the ``pages`` rows of answers other than 304, ``Not modified`` the rows of 304s (the lean
re-crawl client's and the page requisites' included), ``Records`` the
``changes`` rows by kind, ``Media`` the ``media_files`` rows, ``Errors`` the ``errors`` rows: what this
run has handed to the archive so far (a resumed snapshot's summary adds the earlier runs).
"""
from __future__ import annotations

import sys
import time

from scrapy import signals
from twisted.internet import task

from pipelines.capture import Capture


class Progress:
    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.loop = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler, crawler.settings.getfloat("PORTAL_PROGRESS_INTERVAL", 5.0))
        if ext.interval > 0:
            crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
            crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider, reason):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.report()  # the last line: the same numbers as the summary that follows

    def counts(self) -> dict[str, int]:
        """pages, not_modified, media, errors, new, changed, unchanged, removed, queue (this run so far)."""
        stats = self.crawler.stats
        capture = getattr(self.crawler, Capture.ATTR, None)
        rows = capture.writer.stats if capture is not None else {}
        changes = capture.writer.counts if capture is not None else {}
        not_modified = capture.writer.not_modified if capture is not None else 0  # pages rows of 304s
        return {
            "pages": rows.get("pages", 0) - not_modified,
            "not_modified": not_modified,
            **{c: changes.get(c, 0) for c in ("new", "changed", "unchanged", "removed")},
            "media": rows.get("media_files", 0),
            "errors": rows.get("errors", 0),
            "queue": stats.get_value("scheduler/enqueued", 0) - stats.get_value("scheduler/dequeued", 0),
        }

    def line(self) -> str:
        c = self.counts()
        elapsed = max(time.monotonic() - self.started, 1e-6)
        fetched = c["pages"] + c["not_modified"]
        return (
            f"[portal-archive] {elapsed:6.0f}s  Pages {c['pages']:,}  Not modified {c['not_modified']:,}  "
            f"Records new {c['new']:,} changed {c['changed']:,} unchanged {c['unchanged']:,} "
            f"removed {c['removed']:,}  Media {c['media']:,}  Errors {c['errors']:,}  "
            f"queue {c['queue']:,}  {fetched / elapsed:.1f} pages/s"
        )

    def report(self):
        print(self.line(), file=sys.stderr, flush=True)
