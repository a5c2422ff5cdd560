"""``search``: accent-insensitive full-text search of an archive (BM25, highlighted snippets)."""
from __future__ import annotations

import json
import sys

from cli.errors import whole_number
from cli.inspect import SNAPSHOT_FORMS, archive_dir, full_snapshot_id
from research.periods import parse_period


def add_arguments(p):
    p.add_argument("query", nargs="?", help='words (all must match), "a phrase", a prefix* ; OR, NOT, ( ) as in FTS5')
    p.add_argument("--archive", required=True, help="archive folder")
    p.add_argument("--since", help="records dated on or after (DD/MM/YYYY, MM/YYYY, YYYY or YYYY-MM-DD)")
    p.add_argument("--until", help="records dated on or before (same forms; a month or year includes all of it)")
    p.add_argument("--section", help="only records of this section (accents and case ignored; part of the name is enough)")
    p.add_argument("--kind", help="article, document, album, video, schedule or page (or the table name)")
    p.add_argument("--author", help="only records by this author / signer (accents ignored; part of the name)")
    p.add_argument("--site", help="only this site's records (an archive of crawl --sites)")
    p.add_argument("--limit", type=whole_number("hits", 1), default=10, help="number of hits (default 10)")
    p.add_argument("--snapshot", help=f"search the archive as of this snapshot: {SNAPSHOT_FORMS} (default: the latest "
                   "state)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--rebuild", action="store_true", help="rebuild the search index from the archive first")


def refresh_index(archive, *, rebuild: bool = False, quiet: bool = False) -> None:
    """Bring the search index up to date (after a crawl or reextract); a failure is reported, not raised."""
    from research.search_index import rebuild_index, update_index

    try:
        stats = rebuild_index(archive) if rebuild else update_index(archive)
    except Exception as exc:  # the index is derived: never fail the command that produced the archive
        print(f"portal-archive: the search index was not updated ({exc}); run `portal-archive search --rebuild "
              f"--archive {archive}`", file=sys.stderr)
        return
    if not quiet:
        what = "rebuilt" if stats.rebuilt else "updated"
        print(f"search index {what}: {stats.added} record versions added, {stats.live} live records "
              f"({stats.seconds:.1f}s)", file=sys.stderr)


def check_site(root, site: str | None) -> None:
    """ValueError naming the archive's sites when ``site`` is not one of them."""
    if site is None:
        return
    from archive.query import connect, site_names, unknown_site

    con = connect(root)
    try:
        sites = site_names(con)
    finally:
        con.close()
    if site not in sites:
        raise ValueError(unknown_site(root, site, sites))


def _filters(args, root):
    from research.search import Filters, table_for_kind

    if args.kind:
        table_for_kind(args.kind)
    check_site(root, args.site)
    since = parse_period(args.since) if args.since else None
    until = parse_period(args.until, end=True) if args.until else None
    if since and until and since > until:
        raise ValueError(f"--since {args.since} is after --until {args.until}: no record can match")
    return Filters(since=since, until=until, section=args.section, kind=args.kind, author=args.author, site=args.site)


def _print_table(hits, marks) -> None:
    if not hits:
        print("no hits")
        return
    for h in hits:
        print(f"{h.rank:>3}. {h.title}")
        facts = " · ".join(str(x) for x in (h.kind, h.date or "no date", h.section, h.author) if x)
        print(f"     {facts} · score {h.score:.2f}")
        print(f"     {h.url}")
        if h.snippet:
            print(f"     {h.snippet}")
        print()


def run(args) -> int:
    import sqlite3

    import duckdb

    from cli.errors import UsageError, is_interrupt
    from research.search import search
    from research.search_index import SearchIndexError, is_stale

    root = archive_dir(args.archive)
    snapshot = full_snapshot_id(root, args.snapshot)
    try:
        filters = _filters(args, root)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.rebuild or is_stale(root):
        refresh_index(root, rebuild=args.rebuild)
    if not args.query:
        if args.rebuild:
            return 0
        raise UsageError("give a query (or --rebuild)")
    tty = args.format == "table" and sys.stdout.isatty()
    marks = ("\033[1;33m", "\033[0m") if tty else ("**", "**") if args.format == "table" else ("<mark>", "</mark>")
    try:
        hits = search(root, args.query, filters=filters, limit=args.limit, snapshot=snapshot, marks=marks)
    except SearchIndexError as exc:
        raise UsageError(f"{exc}; run with --rebuild") from exc
    except (ValueError, sqlite3.Error, duckdb.Error) as exc:  # QueryError, a query the engines refuse
        if is_interrupt(exc):
            raise
        raise UsageError(str(exc)) from exc  # anything else is a bug: main's "unexpected ..." line, exit 1
    if args.format == "json":
        print(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=1))
    else:
        _print_table(hits, marks)
    return 0
