"""Record extraction as pure functions: HTML bytes + URL -> record dict (docs/design.md).

No Scrapy, no network. Public API::

    extract_record(body: bytes, url: str, *, content_type=None, captured_at=None) -> dict
    EXTRACTOR_VERSION, RECORD_KEYS, PAGE_TYPES, RECORD_KINDS
    dates.parse_date(raw, *, now=None) -> datetime | None
    dates.find_published_date(root, *, heading=None, heading_text=None, content_text=None, now=None, ...)
    cli.add_arguments(parser) / cli.run(args) -> int

A record has ``page_type`` (what the page is: article, document, album, video_list, schedule, page, listing,
other) and ``kind`` (the record it holds: article, document, album, schedule, page; None otherwise), the
article fields, and the kind fields of design.md "Record kinds" (None when not of that kind): documents
``number, issued_on(_raw), effective_on(_raw), issuer, signer, field, doc_type, attachments`` (``summary`` =
trích yếu), schedules ``week, week_start, entries``, video lists ``videos`` (every item, in page order).

Pipeline (record.py): decode (decode.py) -> lxml parse -> video list (kinds.py, before scripts go) -> one
scan of the tree (chrome.py) -> mark and remove chrome by structure (skin title bars found from their skip
links/literals, nav/header/footer, breadcrumb, pagers, action-link bars, related lists) -> title candidates
(dated heading, headings, title-like classes, text equal to <title>/og:title) -> leaf text blocks
(locate.py) -> readability-style container scoring of the blocks after the heading -> body region ->
dates/lead/images+captions/byline -> page type -> record kinds by structure and Vietnamese labels (kinds.py:
document fields, schedule table, album images; an article-like page without a date is a static page).
"""
from .dates import find_published_date, parse_date
from .record import EXTRACTOR_VERSION, PAGE_TYPES, RECORD_KEYS, RECORD_KINDS, extract_record

__all__ = ["EXTRACTOR_VERSION", "PAGE_TYPES", "RECORD_KEYS", "RECORD_KINDS", "extract_record", "parse_date",
           "find_published_date"]
