"""The crawl's frontier on disk: requests waiting for their turn are pickled to a folder, not held in memory.

The spider walks navigation first (listings, pagers) and content after, so the requests found and not yet
fetched grow with the portal: ~1 per article at the peak (366 for 250 articles, 1,086 for 1,000), a
Request with its meta and headers each (~1.9 KB), ~50,000 of them for the issue's 50,000-article portal.
Scrapy's scheduler keeps them on disk past the first :data:`MEMORY_REQUESTS` of each priority when
``JOBDIR`` is set (``SCHEDULER_DISK_QUEUE``, FIFO within a priority, the order the memory queue gave);
:func:`frontier_dir` is that folder, inside the archive (``.tmp-`` names
are no part of it: ``verify`` skips them, a crawl removes its own at the end and any left by a crawl
killed earlier at its start). It holds nothing a resume needs: the archive is the crawl's state, a
resumed crawl discovers its frontier again.

A request that cannot be written (a full disk) stays in memory (:class:`SpillingFifoDiskQueue`): the
crawl goes on as far as it can and stops at the archive's own first failed write, never dropping it.
"""
from __future__ import annotations

import shutil
import uuid
from collections import deque
from pathlib import Path

from scrapy.squeues import PickleFifoDiskQueue

from archive.atomic import TEMP_PREFIX

FRONTIER_PREFIX = TEMP_PREFIX + "frontier-"  # a temporary name: verify skips it
MEMORY_REQUESTS = 500  # per priority: ~1 MB of requests in memory each, the rest on disk


class SpillingFifoDiskQueue(PickleFifoDiskQueue):
    """Scrapy's pickle FIFO disk queue (one per priority) whose first :data:`MEMORY_REQUESTS` requests stay in
    memory: a request is pickled only once that many wait, ~0.3-1 ms each (request_to_dict and back), so a
    small crawl pays nothing and a big one holds a bounded head. A write that fails (a full disk) sends the
    request to Scrapy's memory queue."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.head: deque = deque()  # the oldest requests; the disk holds the newer ones, in order

    def push(self, obj) -> None:
        if len(self.head) < MEMORY_REQUESTS and not super().__len__():
            self.head.append(obj)
            return
        try:
            super().push(obj)
        except OSError as exc:  # Scrapy's scheduler takes ValueError as "keep it in memory"
            raise ValueError(f"frontier not writable: {exc}") from exc

    def pop(self):
        return self.head.popleft() if self.head else super().pop()

    def peek(self):
        return self.head[0] if self.head else super().peek()

    def __len__(self) -> int:
        return len(self.head) + super().__len__()


def frontier_dir(archive: Path) -> Path:
    """A fresh folder for this crawl's frontier; the frontiers of earlier crawls (killed) are removed."""
    for old in Path(archive).glob(FRONTIER_PREFIX + "*"):
        shutil.rmtree(old, ignore_errors=True)
    return Path(archive) / f"{FRONTIER_PREFIX}{uuid.uuid4().hex[:8]}"


def use_disk_frontier(settings, archive: Path) -> Path:
    """Set Scrapy's ``settings`` to keep this crawl's frontier on disk, in the folder returned (remove it
    when the crawl ends)."""
    folder = frontier_dir(archive)
    settings.set("JOBDIR", str(folder), priority="cmdline")
    return folder
