"""Command line: extract one saved page and print the record (any kind) as JSON.

    python -m pipelines.extract.cli PAGE [--url URL] [--content-type CT] [--captured-at ISO] [--max-bytes N]

Exit 0 with the record's JSON (the keys of its own kind only); 2 with one line for input that is not a
page: missing, empty, binary (NUL bytes or a known binary signature), or over ``--max-bytes``.

``PAGE`` is a file path or ``-`` for stdin. The lead wires ``add_arguments``/``run`` into the
project CLI; ``main`` is a standalone entry point.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime

from pipelines.limits import PAGE_MAXSIZE

from .record import extract_record

#: Pages over this size are refused: the crawl's own page limit (PORTAL_PAGE_MAXSIZE's default).
MAX_PAGE_BYTES = PAGE_MAXSIZE
#: Signatures of files that are not pages.
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x1f\x8b")
#: Base URL when none is given: relative links are resolved against it.
DEFAULT_URL = "http://hoangmai.nghean.gov.vn/"


_PAGE_URL_RE = re.compile(
    rb"""<link[^>]+rel=["']?canonical["']?[^>]*href=["']([^"'>]+)|<base[^>]+href=["']([^"'>]+)""", re.I)


def url_in_page(body: bytes) -> str | None:
    """The address a saved page names for itself (canonical link, else ``<base href>``), if absolute."""
    for match in _PAGE_URL_RE.finditer(body[:65536]):
        url = (match.group(1) or match.group(2)).decode("latin-1").strip()
        if url.startswith(("http://", "https://")):
            return url
    return None


def not_a_page(body: bytes, max_bytes: int) -> str | None:
    """Why ``body`` is not a page to extract, or None."""
    if not body.strip():
        return "is empty"
    if len(body) > max_bytes:
        return f"is over the size limit of {max_bytes:,} bytes (--max-bytes)"
    head = body[:4096]
    if head.startswith(BINARY_MAGIC):
        return "is a binary file, not an HTML page"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 pages have NULs
        return "is binary (NUL bytes), not an HTML page"
    return None


def own_keys(record: dict) -> dict:
    """The record without the fields of the other kinds (an article has no ``number``, a document no
    ``published_at``); a page that is no record keeps its generic keys and what it lists."""
    from archive.schema import KIND_TABLES, RECORD_TABLES, TABLES

    kind_fields = {name for table in RECORD_TABLES for name in TABLES[table].names}
    own = set(TABLES[KIND_TABLES[record["kind"]]].names) if record.get("kind") in KIND_TABLES else set()
    always = {"url", "kind", "title", "page_type", "extractor_version"}
    return {k: v for k, v in record.items()
            if k in own or k in always or (v is not None and (not own or k not in kind_fields))}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("page", metavar="PAGE", help="saved HTML file, or - for stdin")
    parser.add_argument("--url", default=None,
                        help="URL the page was fetched from: the base of relative links (default: the page's "
                             f"canonical link or <base href>, else {DEFAULT_URL})")
    parser.add_argument("--content-type", dest="content_type", default=None,
                        help="HTTP Content-Type header (charset is honoured)")
    parser.add_argument("--captured-at", dest="captured_at", default=None,
                        help="capture time, ISO 8601 (dates later than this are rejected)")
    parser.add_argument("--max-bytes", dest="max_bytes", type=int, default=MAX_PAGE_BYTES,
                        help=f"refuse pages larger than this (default {MAX_PAGE_BYTES:,})")


def run(args: argparse.Namespace) -> int:
    captured = None
    if getattr(args, "captured_at", None):
        try:
            captured = datetime.fromisoformat(args.captured_at.replace("Z", "+00:00"))
        except ValueError:
            print(f"error: --captured-at is not an ISO 8601 date: {args.captured_at!r}", file=sys.stderr)
            return 2
    try:
        limit = getattr(args, "max_bytes", MAX_PAGE_BYTES)
        if args.page == "-":
            body = sys.stdin.buffer.read(limit + 1)
        else:
            with open(args.page, "rb") as fh:
                body = fh.read(limit + 1)  # never more than the limit in memory
    except OSError as exc:
        print(f"error: cannot read page {args.page!r}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    why = not_a_page(body, limit)
    if why:
        print(f"error: {args.page!r} {why}", file=sys.stderr)
        return 2
    url = args.url or url_in_page(body) or DEFAULT_URL
    rec = own_keys(extract_record(body, url, content_type=args.content_type, captured_at=captured))
    sys.stdout.write(json.dumps(rec, ensure_ascii=False, indent=2))
    sys.stdout.write("\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="extract", description="Extract the record (article, document, album, schedule, page, video list) of a saved page.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
