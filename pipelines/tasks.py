"""Functions run in the crawl's worker processes (:mod:`pipelines.workers`): pure, picklable in and out.

Imported by the crawl process (which pickles these functions by name) and by the workers' fork server,
which also preloads the extractor: nothing of Scrapy or pyarrow, and the extractor only where it runs.
"""
from __future__ import annotations

import hashlib


def extract_page(body: bytes, url: str, content_type: str | None, captured_at) -> tuple[str, dict]:
    """(SHA-256 hex of the body, the extracted record) of one fetched page."""
    from pipelines.extract import extract_record  # preloaded by the workers' fork server, not by the crawl

    return hashlib.sha256(body).hexdigest(), extract_record(body, url, content_type=content_type,
                                                            captured_at=captured_at)
