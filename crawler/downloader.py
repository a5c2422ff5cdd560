"""Scrapy's downloader with politeness per host that holds (``DOWNLOADER`` in crawler/settings.py).

Two gaps of Scrapy 2.19's downloader, both measured at the replica (tests/test_politeness_slots.py):

* **Concurrency per host.** ``Downloader._process_queue`` starts each download as an asyncio task and
  counts a request as transferring only once that task runs; with no delay its loop therefore hands
  out *every* request waiting in a slot at once: ``CONCURRENT_REQUESTS_PER_DOMAIN`` and a site's
  ``concurrency`` in sites.toml did not hold (31 requests in flight to a host limited to 2). Here a
  request counts from the moment it leaves the slot's queue.
* **A floor under the delay.** AutoThrottle lowers a slot's delay toward ``DOWNLOAD_DELAY`` whatever
  the slot's own settings, so a site's ``delay`` in sites.toml (``DOWNLOAD_SLOTS``) and robots.txt
  ``Crawl-delay`` were undone after a few fast responses. Here a slot never waits less than its floor:
  its ``DOWNLOAD_SLOTS`` delay, raised to the host's Crawl-delay (:mod:`crawler.middlewares.crawl_delay`).

And one gap of scaling out: each crawl worker of ``crawl --redis`` paced a host on its own, so N workers
sent up to N times its rate. There, a request to a host with a delay (``DOWNLOAD_DELAY``, its floor) also
takes a turn shared in Redis (:meth:`crawler.shared_state.SharedState.take_turn`), right before it leaves: the
delay holds across all the workers together. A host without a delay takes no turns, so it is never
serialised across workers.
"""
from __future__ import annotations

import logging
from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro

logger = logging.getLogger(__name__)


class PoliteDownloader(Downloader):
    def __init__(self, crawler):
        super().__init__(crawler)
        #: slot key -> the least delay between two of its requests (DOWNLOAD_SLOTS delay, Crawl-delay)
        self.floors: dict[str, float] = {
            key: float(conf["delay"]) for key, conf in self.per_slot_settings.items() if conf.get("delay")}
        #: crawl --redis: the workers' shared state (paces shared across them), else None
        self.shared = None
        self.shared_wanted = bool(crawler.settings.get("PORTAL_REDIS_URL")) and crawler.settings.getbool(
            "PORTAL_SHARED_PACE", True)
        self.shared_failed = False
        self.base_delay = crawler.settings.getfloat("DOWNLOAD_DELAY")

    def raise_floor(self, key: str, delay: float) -> None:
        """The slot ``key`` never waits less than ``delay`` between two requests from now on."""
        self.floors[key] = max(self.floors.get(key, 0.0), delay)
        slot = self.slots.get(key)
        if slot is not None and slot.delay < delay:
            slot.delay = delay

    def _process_queue(self, slot: Slot) -> None:
        """Scrapy's, but a request leaving the queue counts against the slot's concurrency at once, the
        delay is never below the slot's floor, and (``crawl --redis``) it waits for its turn among every
        worker's requests to the host."""
        if slot.latercall or not slot.queue or slot.free_transfer_slots() <= 0:
            return  # (no free transfer slot: called again when a download ends)
        now = monotonic()
        key = slot.queue[0][0].meta.get(self.DOWNLOAD_SLOT)  # set when it was queued
        floor = self.floors.get(key, 0.0)
        delay = self.pace(slot, key)
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty <= 0 and self.shared_wanted:  # this worker's own pace allows one: now the host's
                penalty = self.shared_wait(key, max(floor, self.slot_delay(key)))  # (every worker's) turn
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # its task starts later: counted now (_download adds it again)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # one request per delay
                self._process_queue(slot)
                break

    def slot_delay(self, key: str) -> float:
        """The delay configured for the slot ``key``: its ``DOWNLOAD_SLOTS`` delay, else ``DOWNLOAD_DELAY``."""
        return float(self.per_slot_settings.get(key, {}).get("delay", self.base_delay))

    def shared_wait(self, key: str, delay: float) -> float:
        """0 when the host ``key``'s turn among every crawl worker's requests is taken (send now), else the
        seconds until it may be. A Redis failure leaves the host to this worker's own pace (warned once)."""
        try:
            if self.shared is None:
                from crawler.redis_scheduler import shared_state  # only crawl --redis has it

                self.shared = shared_state(self.crawler)
            return self.shared.take_turn(key, delay)
        except Exception as exc:  # noqa: BLE001 - politeness falls back to this worker's own pace
            if not self.shared_failed:
                self.shared_failed = True
                logger.warning("the pace shared with the other crawl workers is unavailable (%s): this "
                               "worker paces %s alone", exc, key)
            return 0.0

    def pace(self, slot: Slot, key: str) -> float:
        """Seconds between two requests of ``slot`` (key ``key``) now: at the floor exactly (no jitter: a
        Crawl-delay is a pace, not a mean); above it, Scrapy's jittered delay."""
        floor = self.floors.get(key, 0.0)
        return floor if slot.delay <= floor else max(slot.download_delay(), floor)

    def slot_freed(self, slot: Slot) -> None:
        """A transfer that :mod:`crawler.revalidate` counted in ``slot`` ended: the slot's queue goes on."""
        self._process_queue(slot)
