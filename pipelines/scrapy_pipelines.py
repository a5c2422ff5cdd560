"""Thin Scrapy item pipelines: call the pure extractor, hand rows to the archive.

Items are plain dicts with an ``item_type``: ``page`` (a fetched response), ``not_modified`` (a 304 for
a record captured before), ``requisite`` (a page requisite: stylesheet, script, decoration image; logged, never
extracted), ``alias`` (one more URL of an archived record), ``error`` (a failed
request). ``ExtractPipeline`` turns each into ``rows`` (table, row), extracting pages in worker processes
(:mod:`pipelines.workers`) so that the event loop never waits on lxml; ``MediaPipeline``
(:mod:`pipelines.media`) downloads the files those rows reference; ``ArchivePipeline`` writes them.
"""
from __future__ import annotations

import gc

from scrapy.utils.defer import maybe_deferred_to_future

from archive.memory import release_freed_memory
from archive.requisites import PAGE_TYPE as REQUISITE
from pipelines.capture import Capture, warc_columns
from pipelines.records import KIND_TABLES, error_row, page_row
from pipelines.rows import RowBuilder, page_content_type
from pipelines.tasks import extract_page
from pipelines.workers import TaskFailed, WorkerPool


class ExtractPipeline:
    """Items → rows for ``pages``, the record tables, ``url_aliases`` and ``errors``."""

    def __init__(self, stats, pool: WorkerPool):
        self.stats = stats
        self.pool = pool
        self.rows = RowBuilder()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, WorkerPool.of(crawler))

    def open_spider(self, spider=None):
        self.pool.warm_up()

    async def process_item(self, item, spider=None):
        if "warc" in item:  # written on the WARC thread: wait for its pointer before any row names it
            item["warc"] = await warc_columns(item["warc"])
        kind = item.get("item_type")
        if kind == "alias":
            return {"item_type": "rows", "rows": [("url_aliases", {k: item[k] for k in ("record_id", "url", "seen_at")})]}
        if kind == "error":
            self.stats.inc_value("portal/errors")
            row = error_row(item["url"], item["reason"], failed_at=item["failed_at"], http_status=item["http_status"],
                            exception=item["exception"], attempts=item["attempts"], referer=item["referer"],
                            site=item.get("site"))
            return {"item_type": "rows", "rows": [("errors", row)], "unreachable": item.get("record_id")}
        if kind == "listing":  # a listing, register or menu page lists these records
            return {"item_type": "rows", "rows": [
                ("listings", {"listing": item["listing"], "record_id": rid, "seen_at": item["seen_at"]})
                for rid in item["record_ids"]]}
        if kind == "gone":  # a removal check: the record's own URL answers 404/410
            return {"item_type": "rows", "rows": [("pages", page_row(item, "gone", item["record_id"]))],
                    "removed": item["record_id"]}
        if kind == "requisite":  # no record: its pages row only (the WARC holds the exchange)
            return {"item_type": "rows", "rows": [("pages", page_row(item, REQUISITE, None))]}
        if kind == "not_modified":
            return {"item_type": "rows", "rows": [("pages", page_row(item, "not_modified", item["record_id"]))],
                    "not_modified": item["record_id"]}
        try:
            sha, record = await maybe_deferred_to_future(self.pool.submit(
                extract_page, item["body"], item["url"], page_content_type(item), item["fetched_at"]))
        except TaskFailed as failed:  # the page is kept (pages row, WARC); its record could not be had
            self.stats.inc_value("portal/errors")
            row = error_row(item["url"], failed.reason, failed_at=item["fetched_at"], http_status=item["status"],
                            exception=failed.detail, attempts=1, referer=item["referer"])
            return {"item_type": "rows", "rows": [("pages", page_row(item, "other", None)), ("errors", row)],
                    "unreachable": item.get("record_id")}
        item["content_sha256"] = sha
        rows = self.rows.page_rows(item, record)
        if item.get("removal_check") and not any(t in KIND_TABLES.values() for t, _ in rows):
            # the record's own URL answers the portal's soft 404: evidence of removal, not an error
            rows = [(t, {**r, "page_type": "gone", "record_id": item["record_id"]}) for t, r in rows if t == "pages"]
            return {"item_type": "rows", "rows": rows, "removed": item["record_id"]}
        for table, row in rows:
            if table == "errors":
                self.stats.inc_value("portal/errors")
            elif table in KIND_TABLES.values():
                self.stats.inc_value(f"portal/records/{row['kind']}")
                self.stats.inc_value("portal/articles" if table == "articles" else "portal/other_records")
        return {"item_type": "rows", "rows": rows, "site": item.get("site")}


class ArchivePipeline:
    """Writes every row to the archive (versioned against earlier snapshots); one snapshot per crawl."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def capture(self) -> Capture:
        return Capture.of(self.crawler)

    def open_spider(self, spider=None):
        self.capture  # open the snapshot (or resume it) before the first request

    def process_item(self, item, spider=None):
        # one item's rows (record, pages, media_files, url_aliases, errors) reach disk in the same flush;
        # a 304 or a failure keeps the record as captured before: never "removed"; "removed" is the spider's
        # evidence (unlisted, and its own URL says it is gone)
        changes = self.capture.add_item(
            item.get("rows", ()), unchanged=(item.get("not_modified"), item.get("unreachable")),
            removed=item.get("removed"))
        for _table, change in changes:
            self.crawler.stats.inc_value(f"portal/changes/{change}")
        return item

    def close_spider(self, spider=None):
        # every item is through: the extraction workers are done, and their memory (~160 MB) is given back
        # before the close's compaction and CDXJ index rather than held beside them (issue 11's flat memory)
        WorkerPool.of(self.crawler).shutdown()
        # what the crawl freed and the C allocator kept (~40 MB of 353 at 10,000 articles: responses, parsed pages,
        # Parquet batches) goes back to the system too: the close's DuckDB and Arrow buffers come from allocators
        # of their own (jemalloc), which cannot reuse it, so they were taken on top of it
        gc.collect()
        release_freed_memory()
        # Scrapy closes the item pipelines before it records why the spider closed (``finish_reason``): the
        # spider's verdict is set when, at its last idle, it lets the crawl end; without one the crawl was
        # stopped before its end (Ctrl-C, SIGTERM, a CLOSESPIDER_* limit), and its snapshot is "interrupted",
        # never "complete"
        self.capture.close(self.crawler.stats.get_value("portal/verdict") or "interrupted")
