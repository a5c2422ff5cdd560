"""``summary`` and ``query``: read an archive (DuckDB over its Parquet tables)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from cli.errors import UsageError, whole_number


def archive_dir(value: str) -> Path:
    path = Path(value).absolute()
    if path.is_file():
        hint = " (a WACZ package: `wacz validate -f FILE` checks one)" if path.suffix.lower() == ".wacz" else ""
        raise UsageError(f"{path} is a file, not an archive folder{hint}: give the folder a crawl wrote (--archive)")
    if not (path / "_archive.json").is_file():
        raise UsageError(f"{path} is not an archive (no _archive.json)")
    return path


def snapshot_arg(root: Path, value: str | None, *, complete: bool = False) -> str | None:
    """The snapshot a ``--snapshot`` option names (default: the latest, or the latest complete one),
    refused by name if unknown."""
    from archive.summary import known_snapshot

    try:
        return known_snapshot(root, full_snapshot_id(root, value), complete=complete)
    except LookupError as exc:
        raise UsageError(str(exc)) from None


#: The help of every ``--snapshot`` option: the forms :func:`full_snapshot_id` reads.
SNAPSHOT_FORMS = "a snapshot id, a unique prefix of one, 'latest' or 'previous'"


def full_snapshot_id(root: Path, value: str | None) -> str | None:
    """The whole id of the snapshot ``value`` names as ``diff`` reads it (an id, a unique prefix of one, ``latest``,
    ``previous``); None stays None; UsageError naming the latest ids if it names none or several."""
    if value is None:
        return None
    from archive.query import connect
    from research.diff import resolve

    con = connect(root, tables=("snapshots",))  # resolve reads the snapshot ids alone: bind no record files
    try:
        return resolve(con, value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    finally:
        con.close()


def add_snapshots_arguments(p):
    p.add_argument("--archive", required=True, help="archive folder")
    p.add_argument("--format", choices=("table", "jsonl"), default="table")


def run_snapshots(args) -> int:
    from archive.summary import format_snapshots, list_snapshots

    rows = list_snapshots(archive_dir(args.archive))
    if args.format == "jsonl":
        for row in rows:
            print(json.dumps(row, ensure_ascii=False, default=str))
    else:
        print(format_snapshots(rows))
    return 0


def add_summary_arguments(p):
    p.add_argument("--archive", required=True, help="archive folder")
    p.add_argument("--snapshot", default=None, help=f"{SNAPSHOT_FORMS} (default: the latest)")
    p.add_argument("--samples", type=whole_number("rows"), default=0, metavar="N", help="also print N sample articles")
    p.add_argument("--site", default=None, help="only this site's rows (an archive of crawl --sites)")


def run_summary(args) -> int:
    from archive.summary import format_summary, summarize

    root = archive_dir(args.archive)
    try:
        summary = summarize(root, snapshot_arg(root, args.snapshot), site=args.site)
    except LookupError as exc:
        raise UsageError(str(exc)) from None
    print(format_summary(summary))
    if args.samples:
        print_samples(root, args.samples)
    return 0


def print_samples(root, n: int) -> None:
    from archive.query import sample_rows

    print(f"\n{n} sample articles:")
    for row in sample_rows(root, n):
        print(json.dumps(row, ensure_ascii=False, default=str))


def add_query_arguments(p):
    p.add_argument("--archive", required=True, help="archive folder")
    p.add_argument("sql", help="SQL (DuckDB); views: one per table (articles, documents, ..., pages, errors, media_files, changes, snapshots), <table>_latest, <table>_as_of(snapshot_id) (without the records taken down), takedowns, taken_down")
    p.add_argument("--format", choices=("table", "jsonl", "csv"), default="table")
    p.add_argument("--include-taken-down", action="store_true",
                   help="the <table>_latest / _as_of views also show the records taken down (a legal review)")


#: The portal's calendar: ``published_at::DATE`` and ``date_trunc('day', …)`` are Hoàng Mai's days.
QUERY_TIMEZONE = "Asia/Ho_Chi_Minh"


def csv_cell(value):
    """A list or struct column as JSON in its CSV cell (Python's repr, with its quotes and None, was written)."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def run_query(args) -> int:
    import duckdb

    from archive.query import connect

    root = archive_dir(args.archive)
    if not args.sql.strip():
        raise UsageError('give the SQL to run, e.g. "SELECT section, count(*) FROM articles_latest GROUP BY 1"')
    con = connect(root, include_taken_down=args.include_taken_down)
    con.execute(f"SET TimeZone = '{QUERY_TIMEZONE}'")
    try:  # DuckDB runs the SQL lazily: errors (the user's SQL, an unknown snapshot id) come at any step
        rel = con.sql(args.sql)
        if rel is None:
            return 0
        if args.format == "table":
            rel.show(max_width=200)
            return 0
        cols, rows = rel.columns, rel.fetchall()
    except duckdb.Error as exc:
        raise UsageError(" ".join(str(exc).removeprefix("Invalid Input Error: ").split())) from None
    if args.format == "jsonl":
        for r in rows:
            print(json.dumps(dict(zip(cols, r)), ensure_ascii=False, default=str))
    else:
        import csv

        w = csv.writer(sys.stdout)
        w.writerow(cols)
        w.writerows([csv_cell(v) for v in r] for r in rows)
    return 0
