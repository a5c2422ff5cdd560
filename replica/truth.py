"""Ground truth of the replica, one JSON object per page kind (JSONL), computed from the content model.

Kinds: ``home``, ``listing`` (one per category), ``article`` (one per article; the record of
docs/design.md plus ``kind``, ``wcm_path``, ``urls``, ``encoding``), then the sections of issue 3
(``document``, ``album``, ``video``, ``empty_media``, ``schedule``, ``page``; see truth_sections.py),
one ``media`` line per media file, then (only with ``mutate``) ``mutations`` and (only with ``faults``)
``faults``, and last ``soft404`` and ``trap``.
"""
from __future__ import annotations

import json
import unicodedata
from typing import Iterator

from . import categories as C
from . import urls as U
from .blocks import body_text, collapse
from .corpus import DOCUMENTS, Corpus
from .faults import FaultConfig, Faults
from .fmt import iso, raw_date
from .truth_sections import media_records, section_records

SOFT404_EXAMPLE = "/wps/portal/hoangmai/trang-khong-ton-tai/bai-viet-cu"


def _nfc(text: str | None) -> str | None:
    return unicodedata.normalize("NFC", collapse(text)) if text is not None else None


def article_truth(corpus: Corpus, k: int, base_url: str) -> dict:
    a, m = corpus.article(k), corpus.meta(k)
    by = a.byline
    return {
        "kind": "article",
        "wcm_path": m.wcm_path,
        "urls": {"friendly": base_url + U.friendly(m), "poc": base_url + U.poc(m),
                 "connect": base_url + U.connect(m.wcm_path), "print": base_url + U.print_url(m.wcm_path)},
        "title": _nfc(m.title),
        "published_at": iso(m.date),
        "published_at_raw": raw_date(m.date),
        "summary": _nfc(a.lead) or None,
        "body_text": unicodedata.normalize("NFC", body_text(a)),
        "author": _nfc(by.author),
        "author_role": _nfc(by.role),
        "source": _nfc(by.source),
        "images": [{"url": base_url + img.path, "caption": _nfc(img.caption) or None, "alt": _nfc(img.alt) or None}
                   for img in a.images],
        "section": m.category.name,
        "encoding": a.encoding,
    }


def iter_truth(base_url: str, articles: int = 300, seed: int = 1, documents: int = DOCUMENTS,
               media: bool = True, *, mutate: int = 0, faults: float = 0.0, fault_kinds=None, fault_seed: int = 0,
               fault_media: bool = False, fault_timeout_seconds: float = 3.0) -> Iterator[dict]:
    """``media=False`` leaves out the ``media`` lines (hashing every file of a huge corpus takes a while).
    ``mutate``/``faults``/``fault_*``: as given to ``ReplicaServer`` (the truth of that server)."""
    base_url = base_url.rstrip("/")
    corpus = Corpus(articles, seed, documents, mutate)
    records: list[dict] = []  # record lines, for the faults line
    leaves_all = range(len(C.LEAVES))
    blocks = []
    for cat in C.TOP:
        leaves = [C.LEAF_INDEX[c.path] for c in (C.children(cat) or (cat,))]
        blocks.append({"category": cat.path, "name": cat.name, "more_url": base_url + U.category(cat),
                       "wcm_paths": [corpus.meta(k).wcm_path for k in corpus.newest(leaves, 3)]})
    yield {"kind": "home", "url": base_url + U.HOME, "urls": [base_url + U.HOME, base_url + U.static("trang-chu")],
           "featured": [corpus.meta(k).wcm_path for k in corpus.newest(leaves_all, 10)], "blocks": blocks}
    for cat in C.ALL:
        kids = C.children(cat)
        if kids:
            yield {"kind": "listing", "category": cat.path, "name": cat.name, "url": base_url + U.category(cat),
                   "pages": 1, "page_size": None, "subcategories": [c.path for c in kids],
                   "wcm_paths": [corpus.meta(k).wcm_path for c in kids
                                 for k in corpus.listing(C.LEAF_INDEX[c.path], 1)[:3]]}
            continue
        leaf = C.LEAF_INDEX[cat.path]
        yield {"kind": "listing", "category": cat.path, "name": cat.name, "url": base_url + U.category(cat),
               "pages": corpus.pages(leaf), "page_size": 10, "count": corpus.count(leaf),
               "wcm_paths": [corpus.meta(k).wcm_path for k in corpus.category_items(leaf)]}
    for k in corpus.article_ids():
        records.append(article_truth(corpus, k, base_url))
        yield records[-1]
    for rec in section_records(corpus, base_url):
        if rec.get("urls") and rec["kind"] != "video":
            records.append(rec)
        yield rec
    if media:
        yield from media_records(corpus, base_url)
    mut = corpus.mutations
    if mut:
        yield {"kind": "mutations", "count": mut.count, "scope": "articles",
               "edited": [corpus.meta(k).wcm_path for k in sorted(mut.edited)],
               "added": [corpus.meta(k).wcm_path for k in mut.added()],
               "deleted": [corpus.meta(k).wcm_path for k in sorted(mut.deleted)]}
    if faults:
        config = FaultConfig(faults, fault_kinds, fault_seed, fault_timeout_seconds, fault_media)
        yield Faults(corpus, config).truth(base_url, records)
    yield {"kind": "soft404", "url": base_url + SOFT404_EXAMPLE, "status": 200, "same_as": "home",
           "bookmark": base_url + U.HOME}
    yield {"kind": "trap", "name": "calendar", "url": base_url + U.CALENDAR, "link_text": "Tuần sau »",
           "infinite": True}


def write_truth(path, base_url: str, articles: int = 300, seed: int = 1, documents: int = DOCUMENTS,
                media: bool = True, **options) -> int:
    """Write the truth as JSONL (UTF-8); returns the number of lines. ``options``: those of ``iter_truth``."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for obj in iter_truth(base_url, articles, seed, documents, media, **options):
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
            n += 1
    return n
