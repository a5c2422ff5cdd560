"""One crawl's capture session: the archive writer, the WARC writer and the media store, shared by
the Scrapy components of that crawl (item pipelines and the WARC downloader middleware).

Opened on first use, closed by :class:`pipelines.scrapy_pipelines.ArchivePipeline` when the spider
closes: WARC files are finalized and indexed (CDXJ) before the snapshot row is written.
"""
from __future__ import annotations

import json
import logging
from importlib.metadata import version

from archive.media import MediaStore
from archive.store import ArchiveWriter
from archive.warc.cdxj import write_cdxj
from archive.warc.revisits import Originals
from archive.warc.writer import WarcWriter, recover

logger = logging.getLogger(__name__)

RECORDED_SETTINGS = (
    "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
    "ROBOTSTXT_OBEY", "USER_AGENT", "RETRY_TIMES", "DOWNLOAD_TIMEOUT", "PORTAL_MAX_BARREN_HOPS",
    "PORTAL_MAX_BARREN_PAGER", "PORTAL_WARC_MAX_BYTES", "PORTAL_MEDIA_HOSTS",
)


class Capture:
    ATTR = "_portal_capture"

    @classmethod
    def of(cls, crawler) -> "Capture":
        capture = getattr(crawler, cls.ATTR, None)
        if capture is None:
            capture = cls(crawler)
            setattr(crawler, cls.ATTR, capture)
        return capture

    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.root = settings.get("PORTAL_ARCHIVE_DIR")
        self.settings_json = json.dumps({k: settings.get(k) for k in RECORDED_SETTINGS}, default=str, sort_keys=True)
        self.software = f"portal-archive/{version('portal-archive')}"
        self.writer = ArchiveWriter(
            self.root,
            batch_rows=settings.getint("PORTAL_BATCH_ROWS", 1000),
            seeds=list(getattr(crawler.spider, "start_urls", [])),
            settings=self.settings_json,
            software_version=version("portal-archive"),
            resume="auto" if settings.getbool("PORTAL_RESUME", True) else False,
            command="crawl", repair=settings.getbool("PORTAL_REPAIR", False),
        )
        if self.writer.resumed:
            recovered = recover(self.root)
            logger.warning("resuming interrupted snapshot %s (%d WARC files recovered)",
                           self.writer.snapshot_id, len(recovered))
        self.media = MediaStore(self.root)
        self._warc = None
        self._originals = Originals(self.root)
        crawler.stats.set_value("portal/snapshot_id", self.writer.snapshot_id)
        crawler.stats.set_value("portal/resumed", bool(self.writer.resumed))

    @property
    def warc(self) -> WarcWriter | None:
        if self._warc is None and self.crawler.settings.getbool("PORTAL_WARC", True):
            self._warc = WarcWriter(
                self.root, self.writer.snapshot_id,
                max_bytes=self.crawler.settings.getint("PORTAL_WARC_MAX_BYTES", 100_000_000),
                software=self.software, settings=json.loads(self.settings_json),
            )
        return self._warc

    def revisit_refers(self, record_id: str | None) -> dict:
        """``refers_to_*`` and ``payload_digest`` of the capture a 304 for ``record_id`` confirms."""
        return self._originals.refers_to(record_id)

    def close(self, status: str) -> dict:
        if self._warc is not None:
            self._warc.close()
            write_cdxj(self.root, self.writer.snapshot_id)
        return self.writer.close(status=status, mark_removed=False)  # removals are the spider's, on evidence
