"""The spiders of ``crawl --redis``: the portal and sites spiders as crawl workers sharing one crawl.

What changes from one process (:mod:`crawler.spiders.portal`): requests come from and go to the
scrapy-redis queue (:mod:`crawler.redis_scheduler`); a record is archived by the worker that claims it
first in Redis (a page, a 304 or a failure: whoever fetched it), every other worker records its URLs as
aliases; the crawl is done when the queue is empty and every worker is idle; the verdict counts every
worker's pages. A scaled-out crawl marks nothing removed (that needs every listing of the crawl in one
process): the next crawl of one process does, on evidence.
"""
from __future__ import annotations

import scrapy
from scrapy.exceptions import DontCloseSpider

from crawler.redis_scheduler import shared_state
from crawler.spiders.portal import PortalSpider
from crawler.spiders.sites import SitesSpider


class WorkerMixin:
    @property
    def shared(self):
        return shared_state(self.crawler)

    def claim(self, record_id: str) -> bool:
        """True if no worker of the crawl has archived ``record_id`` (this one now does)."""
        if record_id in self.archived:
            return False
        self.archived.add(record_id)  # known here from now on, whoever has it
        return self.shared.claim_record(record_id)

    def on_error(self, failure):
        for out in super().on_error(failure):
            if isinstance(out, scrapy.Request):  # the record's other URL: same identity, not a duplicate
                out = out.replace(dont_filter=True)
            elif isinstance(out, dict) and out.get("record_id") and not self.claim(out["record_id"]):
                out["record_id"] = None  # another worker has the record
            yield out

    def on_idle(self, spider=None):
        """No removal checks; done when every worker is idle and the queue is empty."""
        self.report()
        self.shared.idle()
        if not self.shared.done():
            raise DontCloseSpider
        self.crawler.stats.set_value("portal/verdict", self.verdict())
        totals = self.shared.totals()
        self.crawler.stats.set_value("portal/attempted", totals["attempted"])
        self.crawler.stats.set_value("portal/failed", totals["failed"])

    def report(self) -> None:
        self.shared.report(self.attempted, self.failed, self.home_ok)

    def verdict(self) -> str:
        totals = self.shared.totals()
        if not totals["home_ok"]:
            return "failed"
        if totals["attempted"] and totals["failed"] / totals["attempted"] > self.max_failure_ratio:
            return "partial"
        return "complete"


class PortalWorkerSpider(WorkerMixin, PortalSpider):
    name = "portal_worker"


class SitesWorkerSpider(WorkerMixin, SitesSpider):
    name = "sites_worker"
