"""scrapy-redis's scheduler for the crawl workers of ``crawl --redis``: one request queue and one
duplicate filter in Redis for every worker, on one or more machines.

* :class:`IdentityDupeFilter` — scrapy-redis's filter keyed by **content identity**, not by URL: a
  request for a record (its WCM path known from the link, or its URL known from earlier snapshots) is
  ``r:<record id>`` whatever URL names it, so the per-visit ``!ut/p/…`` state URLs, friendly, PoC and
  connect URLs of one content item are one key; a pager page is ``p:<listing>:<page number>``; any
  other page is its URL's fingerprint (state URLs of navigation pages cannot be told apart before they
  are fetched; the page then names itself, and the record is claimed once across workers).
* :class:`WorkerScheduler` — scrapy-redis's scheduler that notes every request it hands this worker in
  ``inflight:<worker>`` until the archive has its rows on disk (:mod:`crawler.shared_state`), so a
  worker killed with ``kill -9`` loses nothing: run again, it puts them back in the queue. A request is
  taken from the queue and noted in one Redis step, and marked seen and queued in one step, so no kill
  falls between the two.
  A POST (the document register's form pages) is bound to the worker's portal session (``JSESSIONID``
  and the form action issued in it): it stays in this worker's own queue, noted from the moment it is
  queued until it has been fetched and its rows are on disk (waiting in that queue is not done), and what
  a killed worker gives back in its stead is a GET of the register's first page, which starts the walk
  again.
"""
from __future__ import annotations

import hashlib
import itertools
from collections import deque

import scrapy

from scrapy.utils.request import fingerprint
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from crawler.shared_state import SharedState, default_namespace, default_worker

#: seconds between two looks at the shared queue when this worker has nothing to do (Scrapy: 5 s)
POLL_INTERVAL = 0.05
#: requests a worker lets wait in its downloader per download slot (host) before it takes more from the
#: shared queue: Scrapy's engine would take up to CONCURRENT_REQUESTS, hoarding what other workers could fetch
BACKLOG_PER_SLOT = 1


def identity_key(request) -> str:
    """The duplicate filter's key of ``request`` (see the module docstring)."""
    meta = request.meta
    if meta.get("record_id"):
        key = f"r:{meta['record_id']}"
    elif meta.get("listing") and meta.get("page_no") is not None:
        key = f"p:{meta['listing']}:{meta['page_no']}"
    else:
        return "u:" + fingerprint(request).hex()
    if meta.get("redirect_urls"):  # a hop of a redirect chain: the same content, another URL
        key += ">" + hashlib.blake2b(request.url.encode(), digest_size=8).hexdigest()
    return key


def session_restart(request) -> scrapy.Request:
    """What a killed worker gives back for a POST bound to its session: a GET of the register's first
    page (its listing key), which another worker walks again in a session of its own, asking from there
    for the page the POST asked for (``ask_again``), as deep as the walk had gone: the pages before it,
    walked again, may list nothing new to that worker (it archived their documents), which is no sign
    that the register ends there."""
    meta = request.meta
    again = [meta["page_no"]] if meta.get("page_no") else []
    return scrapy.Request(meta.get("listing") or request.url, callback=request.callback, errback=request.errback,
                          priority=request.priority, dont_filter=True,
                          meta={"barren": meta.get("barren", 0), "listing": meta.get("listing"), "page_no": 1,
                                "wcm_path": None, "ask_again": again,
                                "session_retries": meta.get("session_retries", 0)})


class IdentityDupeFilter(RFPDupeFilter):
    def request_fingerprint(self, request):
        return identity_key(request)


def shared_state(crawler) -> SharedState:
    """The crawl's :class:`SharedState` (``PORTAL_REDIS_URL``, ``PORTAL_WORKER``), made once per crawler."""
    state = getattr(crawler, "portal_shared_state", None)
    if state is None:
        settings = crawler.settings
        seeds = list(getattr(crawler.spider, "start_urls", []) or [])
        namespace = settings.get("PORTAL_REDIS_NAMESPACE") or default_namespace(seeds)
        state = SharedState.connect(settings.get("PORTAL_REDIS_URL"), namespace,
                                    settings.get("PORTAL_WORKER") or default_worker())
        crawler.portal_shared_state = state
    return state


class WorkerScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler):
        state = shared_state(crawler)
        scheduler = cls(
            server=state.server, persist=True, queue_key=state.key("requests"),
            dupefilter=IdentityDupeFilter(state.server, key=state.key("dupefilter")),
        )
        scheduler.stats = crawler.stats
        scheduler.crawler = crawler
        scheduler.state = state
        scheduler.tracked = {}  # request -> its field in inflight:<worker>
        scheduler.local = deque()  # session-bound requests (POST): this worker's own
        scheduler._ids = itertools.count(1)
        return scheduler

    def __len__(self):
        return len(self.local) + len(self.queue)

    def has_pending_requests(self):
        return bool(self.local) or len(self.queue) > 0

    def enqueue_request(self, request):
        if request.method == "POST":
            self.local.append(request)
            self._track(request, session_restart(request))
            return True
        request.meta.pop("warc", None)  # a redirect's copy of the last hop's pending WARC pointer: not the next's
        # seen and queued in one step: a kill between the two would lose the request for good
        if not self.state.enqueue(self.df.request_fingerprint(request), self.queue._encode_request(request),
                                  request.priority, dont_filter=request.dont_filter):
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def open(self, spider):
        super().open(spider)
        self.state.settle_hook = self.settle
        # an idle worker looks at the shared queue every POLL_INTERVAL, not every 5 s
        self.crawler.engine._SLOT_HEARTBEAT_INTERVAL = POLL_INTERVAL

    def next_request(self):
        if self.local:
            return self.local.popleft()  # tracked when queued
        if self.backlogged():
            return None  # asked again when a download ends
        self.state.busy()
        field = self._field()
        data = self.state.take(field)  # taken and noted in inflight:<worker> in one step
        if data is None:
            return None
        request = self.queue._decode_request(data)
        self.stats.inc_value("scheduler/dequeued/redis")
        self.tracked[request] = field
        return request

    def backlogged(self) -> bool:
        """Enough requests wait in this worker's download slots: leave the rest to the other workers."""
        slots = self.crawler.engine.downloader.slots
        return sum(len(slot.queue) for slot in slots.values()) >= BACKLOG_PER_SLOT * max(1, len(slots))

    def _field(self) -> str:
        return f"{self.state.run_id}:{next(self._ids)}"

    def _track(self, request, given_back) -> None:
        """Note ``request`` in ``inflight:<worker>``; ``given_back``: what goes back to the queue for it."""
        field = self._field()
        self.state.track(field, self.queue._encode_request(given_back))
        self.tracked[request] = field

    def settle(self, *, everything: bool = False) -> None:
        """After the archive's flush: the requests this worker has finished with have their rows on disk
        (``everything``: the crawl finished, none is in progress)."""
        self.spider.report()  # the pages it counted go with them (the verdict counts every worker's)
        if everything:
            done = list(self.tracked)
        else:
            slot = getattr(self.crawler.engine, "_slot", None)
            if slot is None or slot.closing is not None:  # closing: what is in progress may be dropped
                return
            # finished: neither downloading nor being scraped, nor still waiting in this worker's own
            # queue (a register page not yet fetched is no more done than one in progress)
            waiting = set(self.local)
            done = [r for r in self.tracked if r not in slot.inprogress and r not in waiting]
        self.state.settle(self.tracked.pop(r) for r in done)
