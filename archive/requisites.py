"""Page requisites in the archive: ``pages`` rows with ``page_type = 'requisite'``.

A requisite (the theme's stylesheets, scripts, decoration images, icons: what a captured page needs to
render in a replay) is fetched once per snapshot and kept like any fetched page: its exchange in the WARC
(indexed in the CDXJ, so pywb and WACZ replay it) and one ``pages`` row. It is no record: no record
table row, no ``changes`` row. A re-crawl asks for it conditionally (the validators of its latest capture,
:func:`previous_requisites`); a 304 is written as a ``revisit`` naming that capture.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

#: ``pages.page_type`` of a page requisite.
PAGE_TYPE = "requisite"


class PrevRequisite(NamedTuple):
    """The latest full capture of a requisite in an earlier snapshot."""

    etag: str | None
    last_modified: str | None
    pointer: tuple[str, int, int]  # warc_file, offset, length of its response record


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _rows(root: Path, sql: str) -> list[tuple]:
    from .query import connect  # noqa: PLC0415 - DuckDB only when needed

    con = connect(root, tables=("pages",))  # every query here is of pages alone
    try:
        views = {r[0] for r in con.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        return con.sql(sql).fetchall() if "pages" in views else []
    finally:
        con.close()


def _latest_captures_sql(before: str) -> str:
    """url, etag, last_modified, warc pointer of each requisite's latest 200 capture in a snapshot before ``before``."""
    return (
        "SELECT url, etag, last_modified, warc_file, warc_offset, warc_length FROM pages"
        f" WHERE page_type = {_lit(PAGE_TYPE)} AND status = 200 AND warc_file IS NOT NULL"
        f" AND snapshot_id < {_lit(before)}"
        " QUALIFY row_number() OVER (PARTITION BY url ORDER BY snapshot_id DESC, fetched_at DESC) = 1"
    )


def previous_requisites(root: str | os.PathLike[str], snapshot_id: str) -> dict[str, PrevRequisite]:
    """url -> its latest full capture before ``snapshot_id`` (what a conditional request and its revisit name)."""
    rows = _rows(Path(root), _latest_captures_sql(snapshot_id))
    return {url: PrevRequisite(etag, lm, (f, int(o), int(n))) for url, etag, lm, f, o, n in rows}


def requisites_in_snapshot(root: str | os.PathLike[str], snapshot_id: str) -> set[str]:
    """URLs of the requisites ``snapshot_id`` already has a row of (a resumed snapshot fetches them no more)."""
    sql = f"SELECT DISTINCT url FROM pages WHERE snapshot_id = {_lit(snapshot_id)} AND page_type = {_lit(PAGE_TYPE)}"
    return {r[0] for r in _rows(Path(root), sql)}


def revisited_files(root: str | os.PathLike[str], snapshot_id: str) -> list[str]:
    """WARC files (relative to the root) holding the captures this snapshot's requisite revisits stand for."""
    sql = (f"SELECT DISTINCT c.warc_file FROM ({_latest_captures_sql(snapshot_id)}) c JOIN pages p ON p.url = c.url"
           f" WHERE p.snapshot_id = {_lit(snapshot_id)} AND p.page_type = {_lit(PAGE_TYPE)} AND p.status = 304")
    return sorted(r[0] for r in _rows(Path(root), sql))
