"""The fields an article's record takes from its extraction, written the same way by the thorough path
(record.py) and the fast path (fast.py), so that the two cannot drift apart."""
from __future__ import annotations

from .dates import to_iso


def article_fields(title, dt, raw, author, role, source, summary, body_text, body_html, images, section,
                   page_type, self_urls) -> dict:
    return {
        "title": title or None,
        "published_at": to_iso(dt),
        "published_at_raw": raw,
        "author": author,
        "author_role": role,
        "source": source,
        "summary": summary or None,
        "body_text": body_text,
        "body_html": body_html,
        "images": images,
        "section": section,
        "page_type": page_type,
        "self_urls": self_urls,
    }
