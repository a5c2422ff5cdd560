"""A one-line progress report while a crawl runs (pages, articles, errors, rate)."""
from __future__ import annotations

import sys
import time

from scrapy import signals
from twisted.internet import task


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

    def line(self) -> str:
        stats = self.crawler.stats
        pages = stats.get_value("response_received_count", 0)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return (
            f"[portal-archive] {elapsed:6.0f}s  pages {pages:>7}  "
            f"articles {stats.get_value('portal/articles', 0):>6}  "
            f"errors {stats.get_value('portal/errors', 0):>4}  "
            f"queue {stats.get_value('scheduler/enqueued', 0) - stats.get_value('scheduler/dequeued', 0):>6}  "
            f"{pages / elapsed:6.1f} pages/s"
        )

    def report(self):
        print(self.line(), file=sys.stderr, flush=True)
