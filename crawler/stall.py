"""Watch the event loop: how late a timer that should fire every ``PORTAL_STALL_CHECK`` seconds fires.

Everything of a crawl shares one thread (downloads, timeouts, item pipelines); a blocking call stalls
them all, and in-flight downloads then time out for nothing. The longest stall is the stat
``portal/reactor_max_stall_s``; one over ``PORTAL_STALL_WARN`` seconds is logged as a warning. Once the
spider is closing (nothing left in flight) stalls are not counted.
"""
from __future__ import annotations

import logging
import time

from scrapy import signals
from twisted.internet import task

logger = logging.getLogger(__name__)


class StallMonitor:
    def __init__(self, crawler, interval: float, warn: float):
        self.crawler = crawler
        self.interval = interval
        self.warn = warn
        self.loop = None
        self.last = 0.0
        self.worst = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler, crawler.settings.getfloat("PORTAL_STALL_CHECK", 0.25),
                  crawler.settings.getfloat("PORTAL_STALL_WARN", 2.0))
        if ext.interval > 0:
            crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
            crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        self.last = time.monotonic()
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=False)

    def _closing(self) -> bool:
        slot = getattr(self.crawler.engine, "_slot", None)
        return slot is None or getattr(slot, "closing", None) is not None

    def tick(self):
        now = time.monotonic()
        stall = max(0.0, now - self.last - self.interval)
        self.last = now
        if self._closing():  # the archive is being finalized (WARC index, compaction): nothing is in flight
            return
        if stall > self.worst:
            self.worst = stall
            self.crawler.stats.set_value("portal/reactor_max_stall_s", round(stall, 3))
        if stall > self.warn:
            logger.warning("the event loop stalled %.1f s (downloads in flight waited)", stall)

    def spider_closed(self, spider):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
