"""Ground truth of the sections of issue 3: one record per document, album, video, schedule and static
page (docs/design.md "Record kinds", plus ``kind``, ``wcm_path``, ``urls``), the empty-URL video as
``empty_media``, and one ``media`` line per media file (sha256, size, MIME type, pixel size of images).
"""
from __future__ import annotations

import hashlib
import unicodedata
from datetime import date
from typing import Iterator

from . import urls as U
from .blocks import collapse
from .corpus import Corpus
from .media_files import iter_media
from .static_pages import clean_html


def _nfc(text: str | None) -> str | None:
    return unicodedata.normalize("NFC", collapse(text)) if text is not None else None


def _day(d: date) -> tuple[str, str]:
    """(ISO datetime at 00:00+07:00, raw dd/mm/yyyy) of a list date."""
    return f"{d:%Y-%m-%d}T00:00:00+07:00", f"{d:%d/%m/%Y}"


def _urls(base: str, friendly: str, page: str, wcm_path: str) -> dict:
    return {k: base + v for k, v in U.item_urls(friendly, page, wcm_path).items()}


def _images(base: str, images) -> list[dict]:
    return [{"url": base + img.path, "caption": _nfc(img.caption) or None, "alt": _nfc(img.alt) or None}
            for img in images]


def document_records(c: Corpus, base: str) -> Iterator[dict]:
    docs = c.documents
    for i in range(docs.n):
        d = docs.get(i)
        yield {
            "kind": "document", "wcm_path": d.wcm_path, "urls": _urls(base, d.friendly, U.REGISTER, d.wcm_path),
            "title": _nfc(d.title), "number": _nfc(d.number),
            "issued_on": d.issued.isoformat(), "issued_on_raw": f"{d.issued:%d/%m/%Y}",
            "effective_on": d.effective.isoformat() if d.effective else None,
            "effective_on_raw": f"{d.effective:%d/%m/%Y}" if d.effective else None,
            "issuer": _nfc(d.issuer), "signer": _nfc(d.signer), "field": _nfc(d.field), "doc_type": _nfc(d.doc_type),
            "summary": _nfc(d.summary),
            "attachments": [{"url": base + a.path, "name": _nfc(a.name)} for a in d.attachments],
        }


def album_records(c: Corpus, base: str) -> Iterator[dict]:
    for i in range(c.albums.n):
        a = c.albums.get(i)
        at, raw = _day(a.day)
        yield {"kind": "album", "wcm_path": a.wcm_path, "urls": _urls(base, a.friendly, U.GALLERY, a.wcm_path),
               "title": _nfc(a.title), "published_at": at, "published_at_raw": raw, "images": _images(base, a.images)}


def video_records(c: Corpus, base: str) -> Iterator[dict]:
    for i in range(c.videos.n):
        v = c.videos.get(i)
        if v.empty:
            yield {"kind": "empty_media", "page_url": base + U.VIDEOS, "title": _nfc(v.title)}
            continue
        at, raw = _day(v.day)
        yield {"kind": "video", "wcm_path": None, "urls": {"list": base + U.VIDEOS, "file": base + v.path},
               "title": _nfc(v.title), "published_at": at, "published_at_raw": raw, "video_url": base + v.path,
               "thumbnail_url": base + v.thumb}


def schedule_records(c: Corpus, base: str) -> Iterator[dict]:
    for w in range(c.schedules.n):
        s = c.schedules.get(w)
        year, week = s.iso
        yield {"kind": "schedule", "wcm_path": s.wcm_path, "urls": _urls(base, s.friendly, U.SCHEDULES, s.wcm_path),
               "title": _nfc(s.title), "week": f"{year}-W{week:02d}", "week_start": s.monday.isoformat(),
               "entries": [{"day": _nfc(e.day), "date": e.date.isoformat(), "time": e.time, "content": _nfc(e.content),
                            "place": _nfc(e.place), "chair": _nfc(e.chair)} for e in s.entries]}


def page_records(c: Corpus, base: str) -> Iterator[dict]:
    for pg in c.static.pages:
        yield {"kind": "page", "wcm_path": pg.wcm_path, "urls": _urls(base, pg.friendly, U.static(pg.section), pg.wcm_path),
               "title": _nfc(pg.title), "body_text": unicodedata.normalize("NFC", pg.body_text),
               "body_html": clean_html(pg, base), "images": _images(base, pg.images), "section": pg.section_name}


def media_records(c: Corpus, base: str, articles: bool = True) -> Iterator[dict]:
    seen: set[str] = set()
    for path, data, mime, size in iter_media(c, articles):
        if path in seen:
            continue
        seen.add(path)
        yield {"kind": "media", "url": base + path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
               "mime_type": mime, "width": size[0] if size else None, "height": size[1] if size else None}


def section_records(c: Corpus, base: str) -> Iterator[dict]:
    yield from document_records(c, base)
    yield from album_records(c, base)
    yield from video_records(c, base)
    yield from schedule_records(c, base)
    yield from page_records(c, base)
