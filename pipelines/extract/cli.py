"""Command line: extract one saved page and print the record (any kind) as JSON.

    python -m pipelines.extract.cli PAGE --url URL [--content-type CT] [--captured-at ISO]

``PAGE`` is a file path or ``-`` for stdin. The lead wires ``add_arguments``/``run`` into the
project CLI; ``main`` is a standalone entry point.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from .record import extract_record


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("page", metavar="PAGE", help="saved HTML file, or - for stdin")
    parser.add_argument("--url", required=True, help="URL the page was fetched from (base for relative links)")
    parser.add_argument("--content-type", dest="content_type", default=None,
                        help="HTTP Content-Type header (charset is honoured)")
    parser.add_argument("--captured-at", dest="captured_at", default=None,
                        help="capture time, ISO 8601 (dates later than this are rejected)")


def run(args: argparse.Namespace) -> int:
    captured = None
    if getattr(args, "captured_at", None):
        try:
            captured = datetime.fromisoformat(args.captured_at.replace("Z", "+00:00"))
        except ValueError:
            print(f"error: --captured-at is not an ISO 8601 date: {args.captured_at!r}", file=sys.stderr)
            return 2
    try:
        if args.page == "-":
            body = sys.stdin.buffer.read()
        else:
            with open(args.page, "rb") as fh:
                body = fh.read()
    except OSError as exc:
        print(f"error: cannot read page {args.page!r}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    rec = extract_record(body, args.url, content_type=args.content_type, captured_at=captured)
    sys.stdout.write(json.dumps(rec, ensure_ascii=False, indent=2))
    sys.stdout.write("\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="extract", description="Extract the record (article, document, album, schedule, page, video list) of a saved page.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
