"""``summary`` and ``query``: read an archive (DuckDB over its Parquet tables)."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def _archive_dir(value: str) -> Path:
    path = Path(value).absolute()
    if not (path / "_archive.json").is_file():
        raise SystemExit(f"portal-archive: {path} is not an archive (no _archive.json)")
    return path


def add_summary_arguments(p):
    p.add_argument("--archive", required=True, help="archive folder")
    p.add_argument("--snapshot", default=None, help="snapshot id (default: the latest)")
    p.add_argument("--samples", type=int, default=0, help="also print N sample articles")


def run_summary(args) -> int:
    from archive.summary import format_summary, summarize

    root = _archive_dir(args.archive)
    print(format_summary(summarize(root, args.snapshot)))
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
    p.add_argument("sql", help="SQL (DuckDB); views: one per table (articles, documents, ..., pages, errors, media_files, changes, snapshots), <table>_latest, <table>_as_of(snapshot_id)")
    p.add_argument("--format", choices=("table", "jsonl", "csv"), default="table")


def run_query(args) -> int:
    from archive.query import connect

    con = connect(_archive_dir(args.archive))
    try:
        rel = con.sql(args.sql)
    except Exception as exc:  # duckdb raises several error types; all are the user's SQL
        print(f"portal-archive query: {exc}", file=sys.stderr)
        return 2
    if rel is None:
        return 0
    if args.format == "table":
        rel.show(max_width=200)
    else:
        cols = rel.columns
        rows = rel.fetchall()
        if args.format == "jsonl":
            for r in rows:
                print(json.dumps(dict(zip(cols, r)), ensure_ascii=False, default=str))
        else:
            import csv

            w = csv.writer(sys.stdout)
            w.writerow(cols)
            w.writerows(rows)
    return 0
