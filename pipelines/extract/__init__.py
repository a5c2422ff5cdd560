"""Article extraction as pure functions: HTML bytes + URL -> record dict (docs/design.md).

No Scrapy, no network. Public API::

    extract_record(body: bytes, url: str, *, content_type=None, captured_at=None) -> dict
    EXTRACTOR_VERSION
    dates.parse_date(raw, *, now=None) -> datetime | None
    dates.find_published_date(root, *, heading=None, heading_text=None, content_text=None, now=None, ...)
    cli.add_arguments(parser) / cli.run(args) -> int

Pipeline (record.py): decode (decode.py) -> lxml parse -> one scan of the tree (chrome.py) -> mark and
remove chrome by structure (skin title bars found from their skip links/literals, nav/header/footer,
breadcrumb, pagers, action-link bars, related lists) -> title candidates (dated heading, headings,
title-like classes, text equal to <title>/og:title) -> leaf text blocks (locate.py) -> readability-style
container scoring of the blocks after the heading -> body region -> dates/lead/images+captions/byline.
"""
from .dates import find_published_date, parse_date
from .record import EXTRACTOR_VERSION, RECORD_KEYS, extract_record

__all__ = ["EXTRACTOR_VERSION", "RECORD_KEYS", "extract_record", "parse_date", "find_published_date"]
