"""The spiders of ``crawl --redis``: the portal and sites spiders as crawl workers sharing one crawl.

What changes from one process (:mod:`crawler.spiders.portal`): requests come from and go to the
scrapy-redis queue (:mod:`crawler.redis_scheduler`); a record is archived by the worker that claims it
first in Redis (a page, a 304 or a failure: whoever fetched it), every other worker records its URLs as
aliases; the crawl is done when the queue is empty and every worker is idle (a worker killed and not run
again is found out by the others, whose idle worker gives back what it held); the verdict counts every
worker's pages and listing walks. A scaled-out crawl marks nothing removed (that needs every listing of the crawl in one
process): the next crawl of one process does, on evidence.
"""
from __future__ import annotations

import time

import scrapy
from scrapy.exceptions import DontCloseSpider

from crawler.redis_scheduler import shared_state
from crawler.spiders.portal import CLAIMED_HERE, PortalSpider
from crawler.spiders.sites import SitesSpider
from pipelines.capture import Capture

#: seconds between two looks for dead workers while this one is idle
DEAD_CHECK_INTERVAL = 2.0


class WorkerMixin:
    @property
    def shared(self):
        return shared_state(self.crawler)

    def claim(self, record_id: str) -> bool:
        """True if no worker of the crawl has archived ``record_id`` (this one now does). Asked of Redis
        each time a page names a record another worker has: a killed worker's claim may have been released."""
        if self.records.has(record_id, CLAIMED_HERE):
            return False
        self.note_archived(record_id)  # known here from now on, whoever has it
        if self.shared.claim_record(record_id):
            self.records.set(record_id, CLAIMED_HERE)
            return True
        return False

    def on_error(self, failure):
        for out in super().on_error(failure):
            if isinstance(out, scrapy.Request):  # the record's other URL: same identity, not a duplicate
                out = out.replace(dont_filter=True)
            elif isinstance(out, dict) and out.get("record_id") and not self.claim(out["record_id"]):
                out["record_id"] = None  # another worker has the record
            yield out

    def on_idle(self, spider=None):
        """No removal checks; done when every worker is idle and the queue is empty. Every few seconds
        while others are busy: a worker that died and was not run again gives back what it held."""
        capture = Capture.of(self.crawler)
        if not self.shared.is_idle:
            capture.guarded(capture.writer.flush)  # idle means: nothing only in memory (a kill loses nothing)
            self.report()
            self.shared.idle()
        if not self.shared.done():
            now = time.monotonic()
            if now - getattr(self, "_dead_checked", 0.0) >= DEAD_CHECK_INTERVAL:
                self._dead_checked = now
                capture.recover_dead_workers()
            raise DontCloseSpider
        self.crawler.stats.set_value("portal/verdict", self.verdict())
        totals = self.shared.totals()
        self.crawler.stats.set_value("portal/attempted", totals["attempted"])
        self.crawler.stats.set_value("portal/failed", totals["failed"])

    def report(self) -> None:
        self.shared.report(self.attempted, self.failed, self.home_ok, self.walks_incomplete)

    def verdict(self) -> str:
        totals = self.shared.totals()
        if not totals["home_ok"]:
            return "failed"
        if totals["incomplete"]:  # a listing or register walk some worker could not finish
            return "partial"
        if totals["attempted"] and totals["failed"] / totals["attempted"] > self.max_failure_ratio:
            return "partial"
        return "complete"


class PortalWorkerSpider(WorkerMixin, PortalSpider):
    name = "portal_worker"


class SitesWorkerSpider(WorkerMixin, SitesSpider):
    name = "sites_worker"
