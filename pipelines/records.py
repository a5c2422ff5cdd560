"""Archive rows from a fetched page and its extracted record. Pure functions, no Scrapy.

A *page* is a dict with ``url, status, headers, body, fetched_at`` and the crawler's identity of
the content it holds (``wcm_path, record_id, urls_seen``; None when neither URL nor page told), plus
an optional ``warc`` pointer to the captured response.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from urllib.parse import urlsplit

from archive.schema import KIND_TABLES, RECORD_TABLES, TABLES  # noqa: F401  (KIND_TABLES re-exported to the pipelines)
WARC_FIELDS = ("warc_file", "warc_offset", "warc_length", "warc_record_id")
_DATE_FIELDS = {"issued_on", "effective_on", "week_start"}
_CAPTURE_FIELDS = {
    "record_id", "article_id", "kind", "wcm_path", "site", "url", "urls_seen", "fetched_at", "http_status",
    "content_sha256", "record_sha256", "version", "etag", "last_modified", *WARC_FIELDS, "snapshot_id",
    "schema_version", "extractor_version",
}


def extractor_version() -> str:
    """The extractor's version, imported on first use: the crawl process only hands pages to the extraction
    workers and need not load the extractor (~0.25 s of every start)."""
    from pipelines.extract import EXTRACTOR_VERSION

    return EXTRACTOR_VERSION


def content_id(key: str, site: str | None = None) -> str:
    """Stable 16-hex id of a content identity (a WCM path, or a fallback key); of a crawl of many sites
    (``crawl --sites``), the identity within its ``site``: sibling portals share WCM paths."""
    if site is not None:
        key = f"site:{site}|{key}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def fallback_identity(record: dict, url: str) -> str:
    """Identity of content whose WCM path is unknown: its kind, normalized title and date, else its URL."""
    title = " ".join((record.get("title") or "").lower().split())
    if title:
        return f"{record.get('kind') or 'article'}:{title}|{record.get('published_at_raw') or ''}"
    return f"url:{url}"


def video_identity(video: dict) -> str | None:
    url = video.get("video_url")
    return f"video:{urlsplit(url).path.lower()}" if url else None


def _date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def _datetime(value):
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _value(name: str, value):
    if name == "published_at":
        return _datetime(value)
    if name in _DATE_FIELDS:
        return _date(value)
    if name == "images":
        return [{"url": i.get("url"), "caption": i.get("caption"), "alt": i.get("alt"), "sha256": i.get("sha256")}
                for i in value or []]
    if name == "attachments":
        return [{"url": a.get("url"), "name": a.get("name"), "sha256": a.get("sha256")} for a in value or []]
    if name == "entries":
        return [{**e, "date": _date(e.get("date"))} for e in value or []]
    return value


def capture_fields(page: dict) -> dict:
    """The columns every row captured from ``page`` shares: status, validators, digest, WARC pointer."""
    headers = page.get("headers") or {}
    warc = page.get("warc") or {}
    return {
        "site": page.get("site"),
        "fetched_at": page["fetched_at"],
        "http_status": page["status"],
        "content_sha256": page.get("content_sha256") or sha256_hex(page["body"]),
        "etag": headers.get("etag"),
        "last_modified": headers.get("last-modified"),
        **{k: warc.get(k) for k in WARC_FIELDS},
    }


def record_row(table: str, record: dict, page: dict, *, record_id: str, wcm_path: str | None,
               url: str | None = None, urls_seen=None) -> dict:
    """One row of a record table (``articles``, ``documents``, …) from an extracted record."""
    row = {name: _value(name, record.get(name)) for name in TABLES[table].names
           if name not in _CAPTURE_FIELDS and name in record}
    row.update(capture_fields(page))
    url = url or page["url"]
    row.update(
        record_id=record_id,
        kind=record.get("kind") or RECORD_TABLES[table],
        wcm_path=wcm_path,
        url=url,
        urls_seen=list(dict.fromkeys(urls_seen or page.get("urls_seen") or [url])),
        extractor_version=record.get("extractor_version") or extractor_version(),
    )
    if table == "articles":
        row["article_id"] = record_id
    return row


def page_row(page: dict, page_type: str, record_id: str | None) -> dict:
    fields = capture_fields(page)
    return {
        "url": page["url"],
        "status": page["status"],
        "content_type": (page.get("headers") or {}).get("content-type"),
        "length": page["length"] if "length" in page else len(page.get("body") or b""),
        "content_sha256": fields["content_sha256"],
        "page_type": page_type,
        "record_id": record_id,
        "site": page.get("site"),
        "fetched_at": page["fetched_at"],
        "etag": fields["etag"],
        "last_modified": fields["last_modified"],
        **{k: fields[k] for k in WARC_FIELDS},
    }


def error_row(url: str, reason: str, *, failed_at, http_status=None, exception=None, attempts=1, referer=None,
              site=None) -> dict:
    return {
        "url": url, "reason": reason, "http_status": http_status, "exception": exception,
        "attempts": attempts, "referer": referer, "failed_at": failed_at, "site": site,
    }


def soft_404_row(page: dict, record: dict) -> dict:
    return error_row(
        page["url"], "soft_404", failed_at=page["fetched_at"], http_status=page["status"],
        exception=f"page rendered but holds no content item (page_type={record.get('page_type')})",
        referer=page.get("referer"), site=page.get("site"),
    )


def media_urls(rows) -> list[str]:
    """Every media URL the record rows reference (images, attachments, video files)."""
    urls = []
    for table, row in rows:
        for image in row.get("images") or ():
            urls.append(image["url"])
        for attachment in row.get("attachments") or ():
            urls.append(attachment["url"])
        if row.get("video_url"):
            urls.append(row["video_url"])
    return [u for u in dict.fromkeys(urls) if u]


def link_media(rows, sha_by_url: dict[str, str]) -> None:
    """Fill the ``sha256`` of every media reference whose file was stored."""
    for _table, row in rows:
        for ref in (*(row.get("images") or ()), *(row.get("attachments") or ())):
            ref["sha256"] = sha_by_url.get(ref["url"])
        if "video_url" in row:
            row["video_sha256"] = sha_by_url.get(row.get("video_url"))
