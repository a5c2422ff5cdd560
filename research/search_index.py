"""The full-text search index of an archive: SQLite FTS5 over accent-folded text, derived from the Parquet.

``<archive>/indexes/search.sqlite`` holds every stored *version* of every record (``docs``: the original
text and the facts a hit shows, ``live`` = 1 for the versions in the archive's ``<table>_latest`` views) and
a contentless FTS5 table ``fts`` (rowid = ``docs.id``) over the same text folded by
:func:`research.fold.fold`. Searching the latest state filters ``live = 1``; searching as of a snapshot
filters the versions of ``<table>_as_of(snapshot)``.

:func:`update_index` is incremental: record rows are never rewritten in the archive, so it reads only the
rows of snapshots after the last *closed* snapshot it indexed (rows of a snapshot still open when indexed
are dropped and read again), then recomputes the ``live`` flags from the narrow columns of the
``_latest`` views. :func:`rebuild_index` writes a fresh index beside the old one and renames it into place.
The index is never the source of truth: delete it and the next search rebuilds it.
"""
from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from archive import RECORD_TABLES, connect
from archive.atomic import replace_with

from .fields import TEXT_COLUMNS, author_of, date_of, text_of
from .fold import fold
from .sqlite_db import FTS_TOKENIZER, iter_rows

INDEX_FORMAT = "portal-archive-search/1"
INDEX_NAME = "search.sqlite"
DOC_COLUMNS = ("tbl", "record_id", "snapshot_id", "version", "kind", "title", "date", "section", "author",
               "url", "section_folded", "author_folded", *TEXT_COLUMNS[1:])
BATCH = 2000


class SearchIndexError(RuntimeError):
    """The index file is unreadable or not a search index of this format (rebuild it)."""


@dataclass
class UpdateStats:
    added: int
    dropped: int
    live: int
    seconds: float
    rebuilt: bool = False


def index_path(archive_dir: str | os.PathLike[str]) -> Path:
    return Path(archive_dir).absolute() / "indexes" / INDEX_NAME


def _schema(db: sqlite3.Connection) -> None:
    cols = ", ".join(f"{c} TEXT" for c in DOC_COLUMNS if c != "version")
    db.executescript(f"""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE docs (id INTEGER PRIMARY KEY, {cols}, version INTEGER, live INTEGER NOT NULL DEFAULT 0);
        CREATE VIRTUAL TABLE fts USING fts5({', '.join(TEXT_COLUMNS)}, content='', tokenize='{FTS_TOKENIZER}');
    """)
    db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", INDEX_FORMAT), ("watermark", "")])


def _indexes(db: sqlite3.Connection) -> None:
    db.executescript("""
        CREATE UNIQUE INDEX IF NOT EXISTS docs_key ON docs (record_id, snapshot_id);
        CREATE INDEX IF NOT EXISTS docs_live ON docs (live, id);
    """)


def open_index(path: Path) -> sqlite3.Connection:
    """An existing index, checked; :class:`SearchIndexError` if it is not one of ours or unreadable."""
    try:
        db = sqlite3.connect(path)
        fmt = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise SearchIndexError(f"the search index {path} is unreadable ({exc})") from exc
    if not fmt or fmt[0] != INDEX_FORMAT:
        db.close()
        raise SearchIndexError(f"the search index {path} has another format ({fmt[0] if fmt else 'none'})")
    return db


def _meta(db: sqlite3.Connection, key: str) -> str:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else ""


def _doc(table: str, row: dict) -> tuple[tuple, tuple]:
    text = text_of(table, row)
    day = date_of(table, row)
    section, author = row.get("section"), author_of(table, row)
    doc = (table, row["record_id"], row["snapshot_id"], row["version"], row["kind"], text["title"],
           day.isoformat() if day else None, section, author, row["url"], fold(section), fold(author),
           *(text[c] for c in TEXT_COLUMNS[1:]))
    return doc, tuple(fold(text[c]) for c in TEXT_COLUMNS)


def _add_rows(db: sqlite3.Connection, table: str, rows) -> int:
    doc_sql = f"INSERT INTO docs ({', '.join(DOC_COLUMNS)}) VALUES ({', '.join('?' * len(DOC_COLUMNS))})"
    fts_sql = f"INSERT INTO fts (rowid, {', '.join(TEXT_COLUMNS)}) VALUES (?{', ?' * len(TEXT_COLUMNS)})"
    cur = db.cursor()
    n = 0
    pending: list[tuple] = []
    for row in rows:
        doc, folded = _doc(table, row)
        cur.execute(doc_sql, doc)
        pending.append((cur.lastrowid, *folded))
        n += 1
        if len(pending) >= BATCH:
            cur.executemany(fts_sql, pending)
            pending.clear()
    cur.executemany(fts_sql, pending)
    return n


def _drop_after(db: sqlite3.Connection, watermark: str) -> int:
    """Remove the versions of snapshots after ``watermark`` (indexed while their snapshot was open)."""
    rows = db.execute(f"SELECT id, tbl, title, {', '.join(TEXT_COLUMNS[1:])} FROM docs WHERE snapshot_id > ?",
                      [watermark]).fetchall()
    cols = ", ".join(TEXT_COLUMNS)
    db.executemany(f"INSERT INTO fts (fts, rowid, {cols}) VALUES ('delete', ?{', ?' * len(TEXT_COLUMNS)})",
                   [(r[0], *(fold(x) for x in r[2:])) for r in rows])
    db.execute("DELETE FROM docs WHERE snapshot_id > ?", [watermark])
    return len(rows)


def _set_live(db: sqlite3.Connection, con) -> int:
    """live = 1 exactly for the versions in the archive's ``<table>_latest`` views."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS latest (record_id TEXT, snapshot_id TEXT)")
    db.execute("DELETE FROM temp.latest")
    for table in RECORD_TABLES:
        for batch in con.sql(f'SELECT record_id, snapshot_id FROM "{table}_latest"').to_arrow_reader(50_000):
            db.executemany("INSERT INTO temp.latest VALUES (?, ?)",
                           zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()))
    db.execute("CREATE INDEX temp.latest_key ON latest (record_id, snapshot_id)")
    db.execute("UPDATE docs SET live = 0 WHERE live = 1 AND NOT EXISTS (SELECT 1 FROM temp.latest l "
               "WHERE l.record_id = docs.record_id AND l.snapshot_id = docs.snapshot_id)")
    db.execute("UPDATE docs SET live = 1 WHERE live = 0 AND id IN (SELECT d.id FROM temp.latest l "
               "JOIN docs d ON d.record_id = l.record_id AND d.snapshot_id = l.snapshot_id)")
    n = db.execute("SELECT count(*) FROM docs WHERE live = 1").fetchone()[0]
    db.execute("DROP TABLE temp.latest")
    return n


def _update(db: sqlite3.Connection, archive_dir: Path) -> tuple[int, int, int]:
    con = connect(archive_dir)
    try:
        watermark = _meta(db, "watermark")
        closed = [r[0] for r in con.sql("SELECT snapshot_id FROM snapshots WHERE snapshot_id > ? ORDER BY 1",
                                        params=[watermark]).fetchall()]
        with db:
            dropped = _drop_after(db, watermark)
            added = 0
            for table in RECORD_TABLES:
                sql = f'SELECT * FROM "{table}" WHERE snapshot_id > ?'
                added += _add_rows(db, table, iter_rows(con, sql, [watermark]))
            _indexes(db)
            live = _set_live(db, con)
            # the next update reads again only what a snapshot still open now may add or compact away
            db.execute("UPDATE meta SET value = ? WHERE key = 'watermark'", [max(closed, default=watermark)])
            db.execute("INSERT OR REPLACE INTO meta VALUES ('updated_at', ?)", [str(time.time())])
        return added, dropped, live
    finally:
        con.close()


def rebuild_index(archive_dir: str | os.PathLike[str]) -> UpdateStats:
    """Write the whole index again from the Parquet archive (temp file, then rename)."""
    started = time.perf_counter()
    archive_dir = Path(archive_dir).absolute()
    path = index_path(archive_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    result: list[tuple[int, int, int]] = []

    def write(tmp: Path) -> None:
        db = sqlite3.connect(tmp)
        try:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            _schema(db)
            result.append(_update(db, archive_dir))
            db.execute("INSERT INTO fts (fts) VALUES ('optimize')")
            db.commit()
        finally:
            db.close()

    replace_with(path, write)
    added, dropped, live = result[0]
    return UpdateStats(added, dropped, live, time.perf_counter() - started, rebuilt=True)


def update_index(archive_dir: str | os.PathLike[str]) -> UpdateStats:
    """Bring the index up to date with the archive (builds it if missing or not readable as ours)."""
    started = time.perf_counter()
    path = index_path(archive_dir)
    if not path.exists():
        return rebuild_index(archive_dir)
    try:
        db = open_index(path)
    except SearchIndexError:
        return rebuild_index(archive_dir)
    try:
        added, dropped, live = _update(db, Path(archive_dir).absolute())
    finally:
        db.close()
    return UpdateStats(added, dropped, live, time.perf_counter() - started)


def is_stale(archive_dir: str | os.PathLike[str]) -> bool:
    """True if the archive has a snapshot (closed or open) the index has not fully read."""
    path = index_path(archive_dir)
    if not path.exists():
        return True
    try:
        db = open_index(path)
    except SearchIndexError:
        return True
    try:
        watermark = _meta(db, "watermark")
    finally:
        db.close()
    con = connect(archive_dir)
    try:
        latest = con.sql("SELECT max(snapshot_id) FROM changes").fetchall()[0][0]
    finally:
        con.close()
    return bool(latest) and latest > watermark


def index_facts(archive_dir: str | os.PathLike[str]) -> dict:
    db = open_index(index_path(archive_dir))
    try:
        return {"watermark": _meta(db, "watermark"),
                "versions": db.execute("SELECT count(*) FROM docs").fetchone()[0],
                "live": db.execute("SELECT count(*) FROM docs WHERE live = 1").fetchone()[0]}
    finally:
        db.close()
