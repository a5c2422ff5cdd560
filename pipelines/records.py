"""Archive rows from a fetched page and its extracted record. Pure functions, no Scrapy.

A *page* is a dict with ``url, status, headers, body, fetched_at`` and the crawler's identity of
the content (``wcm_path, article_id, urls_seen``; None when the URL and page did not tell).
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from pipelines.extract import EXTRACTOR_VERSION

SCHEMA_VERSION = 1
ARTICLE_FIELDS = (
    "title", "published_at_raw", "author", "author_role", "source", "summary", "body_text",
    "body_html", "images", "section", "encoding",
)


def content_id(key: str) -> str:
    """Stable 16-hex id of a content identity (a WCM path, or a fallback key)."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def fallback_identity(record: dict, url: str) -> str:
    """Identity of content whose WCM path is unknown: its normalized title and date, else its URL."""
    title = " ".join((record.get("title") or "").lower().split())
    if title:
        return f"title:{title}|{record.get('published_at_raw') or ''}"
    return f"url:{url}"


def page_row(page: dict, record: dict | None, digest: str, article_id: str | None) -> dict:
    return {
        "url": page["url"],
        "status": page["status"],
        "content_type": page["headers"].get("content-type"),
        "length": len(page["body"]),
        "content_sha256": digest,
        "page_type": (record or {}).get("page_type", "other"),
        "article_id": article_id,
        "fetched_at": page["fetched_at"],
    }


def article_row(page: dict, record: dict, digest: str, *, article_id: str, wcm_path: str | None) -> dict:
    published = record.get("published_at")
    row = {field: record.get(field) for field in ARTICLE_FIELDS}
    row.update(
        article_id=article_id,
        wcm_path=wcm_path,
        url=page["url"],
        urls_seen=list(dict.fromkeys(page.get("urls_seen") or [page["url"]])),
        published_at=datetime.fromisoformat(published) if published else None,
        images=[{"url": i.get("url"), "caption": i.get("caption"), "alt": i.get("alt")} for i in record.get("images") or []],
        fetched_at=page["fetched_at"],
        http_status=page["status"],
        content_sha256=digest,
        schema_version=SCHEMA_VERSION,
        extractor_version=record.get("extractor_version") or EXTRACTOR_VERSION,
    )
    return row


def soft_404_row(page: dict, record: dict) -> dict:
    return {
        "url": page["url"],
        "reason": "soft_404",
        "http_status": page["status"],
        "exception": f"page rendered but holds no content item (page_type={record.get('page_type')})",
        "attempts": 1,
        "referer": page.get("referer"),
        "failed_at": page["fetched_at"],
    }
