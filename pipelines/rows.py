"""Fetched page → archive rows: extraction plus identity. Pure (no Scrapy); used by the crawl's item
pipeline and by ``reextract`` (which replays pages from the WARC files)."""
from __future__ import annotations

from pipelines.records import (
    KIND_TABLES,
    content_id,
    fallback_identity,
    page_row,
    record_row,
    sha256_hex,
    soft_404_row,
    video_identity,
)

RECORD_PAGE_TYPES = {"article", "document", "album", "schedule", "page"}


def page_content_type(page: dict) -> str | None:
    """The Content-Type ``page`` is decoded with: a site's charset override (sites.toml) wins over the server's."""
    if page.get("charset"):
        return f"text/html; charset={page['charset']}"
    return page["headers"].get("content-type")


class RowBuilder:
    """Remembers the fallback identities it has handed out, so a record without a WCM path is kept once."""

    def __init__(self):
        self.fallback_ids: set[str] = set()
        self.video_ids: set[str] = set()

    def page_rows(self, page: dict, record: dict | None = None) -> list[tuple[str, dict]]:
        """``page``: url, status, headers (lower-cased names), body (or its ``content_sha256`` and ``length``,
        as :func:`pipelines.reextract_jobs.extract_capture` gives them), fetched_at, and the crawler's identity
        (record_id, wcm_path, urls_seen, expected_content) and WARC pointer when known; in a crawl of many
        sites, its ``site`` (ids are per site) and the site's extraction overrides (``charset``). ``record``:
        the page already extracted (by a worker process, :mod:`pipelines.tasks`), else it is extracted here."""
        if "content_sha256" not in page:  # the crawl's worker process hashed it already
            page["content_sha256"] = sha256_hex(page["body"])
        if record is None:
            from pipelines.extract import extract_record  # here only: the crawl extracts in its workers

            record = extract_record(page["body"], page["url"], content_type=page_content_type(page),
                                    captured_at=page["fetched_at"])
        page_type = record.get("page_type") or "other"
        rows = []
        record_id, wcm_path = page.get("record_id"), page.get("wcm_path")
        if page_type in RECORD_PAGE_TYPES and record.get("kind") in KIND_TABLES:
            if record_id is None:  # the portal did not name it: identify it by kind, title and date
                record_id = content_id(fallback_identity(record, page["url"]), page.get("site"))
                if record_id in self.fallback_ids:
                    alias = {"record_id": record_id, "url": page["url"], "seen_at": page["fetched_at"]}
                    return [("pages", page_row(page, page_type, record_id)), ("url_aliases", alias)]
                self.fallback_ids.add(record_id)
            table = KIND_TABLES[record["kind"]]
            rows.append((table, record_row(table, record, page, record_id=record_id, wcm_path=wcm_path)))
        elif page_type == "video_list":
            rows.extend(self.video_rows(page, record))
            record_id = None
        elif page.get("expected_content") or record_id is not None:
            rows.append(("errors", soft_404_row(page, record)))
            record_id = None
        return [("pages", page_row(page, page_type, record_id)), *rows]

    def video_rows(self, page: dict, record: dict) -> list[tuple[str, dict]]:
        rows = []
        for video in record.get("videos") or ():
            identity = video_identity(video)
            if identity is None:
                rows.append(("errors", {**soft_404_row(page, record), "reason": "empty_media_url",
                                        "exception": f"video {video.get('title')!r} has an empty file URL"}))
                continue
            record_id = content_id(identity, page.get("site"))
            if record_id in self.video_ids:
                continue
            self.video_ids.add(record_id)
            entry = {**video, "kind": "video", "extractor_version": record.get("extractor_version")}
            rows.append(("videos", record_row("videos", entry, page, record_id=record_id, wcm_path=None,
                                              url=video["video_url"], urls_seen=[video["video_url"], page["url"]])))
        return rows
