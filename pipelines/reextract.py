"""Rebuild every record of an archive's latest state from its stored WARC responses, with the current
extractor, as a new snapshot. No network, no Scrapy: WARC record → page → :class:`RowBuilder` → archive.

Unchanged output (same extractor) is recorded as ``unchanged`` and not stored again; records the new
extractor reads differently become new versions. Media links are restored from the archive's
``media`` table (URL → SHA-256), so a record hash does not change merely because files are not
re-downloaded.
"""
from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from archive.query import connect
from archive.store import ArchiveWriter
from pipelines.records import KIND_TABLES, link_media
from pipelines.reextract_jobs import default_workers, extract_captures
from pipelines.rows import RowBuilder


def _pointers(root: Path):
    """(table, record row) of the latest state of every record table (records taken down too: their evidence
    is re-read like any other), WARC pointer first."""
    con = connect(root, include_taken_down=True)
    views = {r[0] for r in con.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    for table in KIND_TABLES.values():
        if f"{table}_latest" not in views:
            continue
        cursor = con.execute(
            f"SELECT record_id, wcm_path, site, urls_seen, fetched_at, http_status, etag, last_modified, "
            f"warc_file, warc_offset, warc_length, warc_record_id FROM {table}_latest "
            f"WHERE warc_file IS NOT NULL ORDER BY warc_file, warc_offset"
        )
        cols = [d[0] for d in cursor.description]
        while batch := cursor.fetchmany(1000):
            for values in batch:
                yield table, dict(zip(cols, values))


def _media_map(root: Path) -> dict[str, str]:
    con = connect(root)
    try:
        return dict(con.sql("SELECT url, any_value(sha256) FROM media_files WHERE sha256 IS NOT NULL GROUP BY url").fetchall())
    except Exception:  # no media table yet
        return {}


def unique_captures(root: Path, charsets: dict[str, str] | None = None):
    """Record pointers, each (WARC file, offset) once: one capture can hold several records (a video list)."""
    done: set[tuple[str, int]] = set()
    for _table, src in _pointers(root):
        key = (src["warc_file"], src["warc_offset"])
        if key not in done:
            done.add(key)
            if charsets and charsets.get(src["site"]):
                src["charset"] = charsets[src["site"]]
            yield src


def reextract(root, *, batch_rows: int = 1000, workers: int | None = None, engine=None, repair: bool = False,
              charsets: dict[str, str] | None = None) -> dict:
    """Returns the new snapshot's row (counts of new/changed/unchanged records). ``workers``: processes
    extracting the captures (default: every core); the output does not depend on it. ``engine``:
    ``engine(root, pointers)`` → (page, record) of each pointer in order, e.g. a Dask bag of
    :func:`pipelines.reextract_jobs.extract_capture` (README "Re-extraction on a cluster").

    Every record keeps its ``site`` and its id (in a crawl of many sites, the id of its identity within its
    site). ``charsets``: site → the charset its pages are decoded with (``[site.extract] charset`` of the
    crawl's sites.toml)."""
    root = Path(root).absolute()
    builder = RowBuilder()
    # opened first: it refuses a locked or damaged archive before anything is read
    writer = ArchiveWriter(root, seeds=["reextract:" + str(root)], resume=False, batch_rows=batch_rows,
                           settings={"command": "reextract"}, software_version=version("portal-archive"),
                           command="reextract", repair=repair)
    media = None
    try:
        if engine is None:
            captures = extract_captures(root, unique_captures(root, charsets), workers or default_workers())
        else:
            captures = engine(root, unique_captures(root, charsets))
        for page, record in captures:
            if media is None:  # read while the workers extract the first captures, not before they start
                media = _media_map(root)
            rows = [(t, r) for t, r in builder.page_rows(page, record) if t in KIND_TABLES.values()]
            link_media(rows, media)
            for table, row in rows:
                writer.add_record(table, row)
    except BaseException:
        writer.close(status="interrupted", mark_removed=False)
        raise
    return writer.close(status="complete", mark_removed=False)
