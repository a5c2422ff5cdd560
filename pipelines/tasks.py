"""Functions run in the crawl's worker processes (:mod:`pipelines.workers`): pure, picklable in and out.

Imported by the workers' fork server, so kept light: the extractor, hashlib, nothing of Scrapy or pyarrow.
"""
from __future__ import annotations

import hashlib

from pipelines.extract import extract_record


def extract_page(body: bytes, url: str, content_type: str | None, captured_at) -> tuple[str, dict]:
    """(SHA-256 hex of the body, the extracted record) of one fetched page."""
    return hashlib.sha256(body).hexdigest(), extract_record(body, url, content_type=content_type,
                                                            captured_at=captured_at)
