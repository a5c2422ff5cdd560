"""Thin Scrapy item pipelines: call the pure extractor, hand rows to the archive.

Items are plain dicts with an ``item_type``: ``page`` (a fetched response), ``alias`` (one more URL
of an archived item) or ``error`` (a failed request). Each pipeline does one job:
``ExtractPipeline`` turns a page into archive rows, ``ArchivePipeline`` writes rows.
"""
from __future__ import annotations

import json
from importlib.metadata import version

from archive.store import ArchiveWriter
from pipelines.extract import extract_record
from pipelines.records import (
    article_row,
    content_id,
    fallback_identity,
    page_row,
    sha256_hex,
    soft_404_row,
)


class ExtractPipeline:
    """page item → rows for ``pages``, ``articles`` and (soft 404) ``errors``."""

    def __init__(self, stats):
        self.stats = stats
        self.fallback_ids: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item, spider=None):
        kind = item.get("item_type")
        if kind == "alias":
            item["rows"] = [("url_aliases", {k: item[k] for k in ("article_id", "url", "seen_at")})]
            return item
        if kind == "error":
            self.stats.inc_value("portal/errors")
            item["rows"] = [("errors", {k: v for k, v in item.items() if k not in ("item_type", "rows")})]
            return item
        page = item
        digest = sha256_hex(page["body"])
        record = extract_record(
            page["body"], page["url"], content_type=page["headers"].get("content-type"),
            captured_at=page["fetched_at"],
        )
        rows = []
        aid, wcm_path = page.get("article_id"), page.get("wcm_path")
        if record.get("page_type") == "article":
            if aid is None:  # the portal did not name it: identify by title + date
                aid = content_id(fallback_identity(record, page["url"]))
                if aid in self.fallback_ids:
                    rows.append(("url_aliases", {"article_id": aid, "url": page["url"], "seen_at": page["fetched_at"]}))
                    aid = None
                else:
                    self.fallback_ids.add(aid)
            if aid is not None:
                rows.append(("articles", article_row(page, record, digest, article_id=aid, wcm_path=wcm_path)))
                self.stats.inc_value("portal/articles")
        elif page.get("expected_content") or aid is not None:
            rows.append(("errors", soft_404_row(page, record)))
            self.stats.inc_value("portal/errors")
            aid = None
        rows.insert(0, ("pages", page_row(page, record, digest, aid)))
        return {"item_type": "rows", "rows": rows}


class ArchivePipeline:
    """Writes every row to the Parquet archive; one snapshot per crawl."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.writer = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        settings = self.crawler.settings
        keep = ("CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
                "ROBOTSTXT_OBEY", "USER_AGENT", "RETRY_TIMES", "PORTAL_MAX_BARREN_HOPS", "PORTAL_MAX_BARREN_PAGER")
        self.writer = ArchiveWriter(
            settings.get("PORTAL_ARCHIVE_DIR"),
            batch_rows=settings.getint("PORTAL_BATCH_ROWS", 1000),
            seeds=list(getattr(self.crawler.spider, "start_urls", [])),
            settings=json.dumps({k: settings.get(k) for k in keep}, default=str, sort_keys=True),
            software_version=version("portal-archive"),
        )
        self.crawler.stats.set_value("portal/snapshot_id", self.writer.snapshot_id)
        self.crawler.stats.set_value("portal/archive_dir", str(settings.get("PORTAL_ARCHIVE_DIR")))

    def process_item(self, item, spider=None):
        for table, row in item.get("rows", ()):
            self.writer.add(table, row)
        return item

    def close_spider(self, spider=None):
        reason = self.crawler.stats.get_value("finish_reason") or "finished"
        self.writer.close(status="complete" if reason == "finished" else "interrupted")
