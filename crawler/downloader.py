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
"""
from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class PoliteDownloader(Downloader):
    def __init__(self, crawler):
        super().__init__(crawler)
        #: slot key -> the least delay between two of its requests (DOWNLOAD_SLOTS delay, Crawl-delay)
        self.floors: dict[str, float] = {
            key: float(conf["delay"]) for key, conf in self.per_slot_settings.items() if conf.get("delay")}

    def raise_floor(self, key: str, delay: float) -> None:
        """The slot ``key`` never waits less than ``delay`` between two requests from now on."""
        self.floors[key] = max(self.floors.get(key, 0.0), delay)
        slot = self.slots.get(key)
        if slot is not None and slot.delay < delay:
            slot.delay = delay

    def _process_queue(self, slot: Slot) -> None:
        """Scrapy's, but a request leaving the queue counts against the slot's concurrency at once, and the
        delay is never below the slot's floor."""
        if slot.latercall or not slot.queue:
            return
        now = monotonic()
        key = slot.queue[0][0].meta.get(self.DOWNLOAD_SLOT)  # set when it was queued
        floor = self.floors.get(key, 0.0)
        # at the floor exactly (no jitter: a Crawl-delay is a pace, not a mean); above it, Scrapy's jitter
        delay = floor if slot.delay <= floor else max(slot.download_delay(), floor)
        if delay:
            penalty = delay - now + slot.lastseen
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
