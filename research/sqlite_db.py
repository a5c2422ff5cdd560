"""The archive as one SQLite database for Datasette (``serve``) and ``export --format sqlite``.

:func:`build_sqlite` writes, for the latest state (or the state as of a snapshot):

* one table per record kind (``articles``, ``documents``, ``albums``, ``videos``, ``schedules``,
  ``static_pages``) with every column of the archive (timestamps and dates ISO 8601, lists and structs
  JSON) plus ``date``, ``year``, ``month`` (for facets) and ``capture_timestamp`` (14-digit UTC, how
  replay engines address a capture), and ``replay`` (a link to the capture) when ``replay_prefix`` is given;
* ``records``: one row per record of every kind (kind, title, date, section, author, url, ...) for
  searching everything at once;
* an FTS5 table ``<table>_fts`` beside each of them (rowid = the table's rowid) over the text folded by
  :func:`research.fold.fold` (title, summary, body, captions, document fields), tokenizer
  ``unicode61 remove_diacritics 2``: a query must be folded the same way (``fold("Đảng bộ")`` = ``dang bo``);
* ``snapshots``, ``errors`` and ``media_files`` as they are in the archive;
* ``_portal_archive``: key/value facts of the build (archive, snapshot, counts).

:func:`datasette_metadata` gives the matching Datasette metadata (FTS tables, facets, labels, sort);
``build_sqlite(..., metadata_path=...)`` also writes it as JSON. The file is written to a temp file and
renamed into place, so a reader never sees half a database.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from archive import RECORD_TABLES, connect
from archive.atomic import replace_with
from archive.takedowns import hidden_urls, state_token

from .fields import (LOCAL, TEXT_COLUMNS, author_of, capture_timestamp, date_of, sqlite_value, text_of)
from .fold import fold

OTHER_TABLES = ("snapshots", "errors", "media_files")
RECORDS_COLUMNS = ("record_id", "kind", "table_name", "title", "date", "year", "month", "section", "author",
                   "url", "capture_timestamp", "snapshot_id", "version")
FTS_TOKENIZER = "unicode61 remove_diacritics 2"
BATCH_ROWS = 2000


@dataclass
class BuildResult:
    path: Path
    snapshot_id: str | None
    counts: dict[str, int] = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def source_sql(table: str, snapshot: str | None) -> tuple[str, list]:
    """DuckDB query of a record table's rows: the latest state, or the state as of ``snapshot``."""
    if snapshot is None:
        return f"SELECT * FROM {_q(table + '_latest')} ORDER BY record_id", []
    return f"SELECT * FROM {_q(table + '_as_of')}(?) ORDER BY record_id", [snapshot]


def iter_rows(con, sql: str, params: list):
    """Rows of a DuckDB query as dicts, in Arrow batches (bounded memory)."""
    reader = con.sql(sql, params=params or None).to_arrow_reader(BATCH_ROWS)
    for batch in reader:
        yield from batch.to_pylist()


def _create_table(db: sqlite3.Connection, name: str, columns: list[str]) -> None:
    db.execute(f"CREATE TABLE {_q(name)} ({', '.join(_q(c) for c in columns)})")


def _create_fts(db: sqlite3.Connection, name: str) -> None:
    cols = ", ".join(TEXT_COLUMNS)
    db.execute(f"CREATE VIRTUAL TABLE {_q(name + '_fts')} USING fts5({cols}, tokenize={_q(FTS_TOKENIZER)})")


def _insert(db: sqlite3.Connection, name: str, columns: list[str], rows: list[tuple]) -> list[int]:
    sql = f"INSERT INTO {_q(name)} ({', '.join(_q(c) for c in columns)}) VALUES ({', '.join('?' * len(columns))})"
    cur = db.cursor()
    rowids = []
    for row in rows:
        cur.execute(sql, row)
        rowids.append(cur.lastrowid)
    return rowids


def _insert_fts(db: sqlite3.Connection, name: str, rowids: list[int], texts: list[dict]) -> None:
    sql = f"INSERT INTO {_q(name + '_fts')} (rowid, {', '.join(TEXT_COLUMNS)}) VALUES (?{', ?' * len(TEXT_COLUMNS)})"
    db.executemany(sql, [(rid, *(fold(t[c]) for c in TEXT_COLUMNS)) for rid, t in zip(rowids, texts)])


def _derived(table: str, row: dict, replay_prefix: str | None) -> dict:
    day = date_of(table, row)
    ts = capture_timestamp(row)
    out = {"date": day.isoformat() if day else None, "year": day.year if day else None,
           "month": day.strftime("%Y-%m") if day else None, "capture_timestamp": ts}
    if replay_prefix is not None:
        out["replay"] = f"{replay_prefix}{ts}/{row['url']}" if ts else None
    return out


def _record_columns(con, table: str, replay_prefix: str | None) -> list[str]:
    columns = [c for c in con.sql(f"SELECT * FROM {_q(table)} LIMIT 0").columns]
    extra = ["date", "year", "month", "capture_timestamp"] + (["replay"] if replay_prefix is not None else [])
    return columns + extra


def _write_record_tables(con, db, snapshot, replay_prefix, counts, keep=None) -> None:
    records_cols = list(RECORDS_COLUMNS) + (["replay"] if replay_prefix is not None else [])
    _create_table(db, "records", records_cols)
    _create_fts(db, "records")
    for table in RECORD_TABLES:
        columns = _record_columns(con, table, replay_prefix)
        base = [c for c in columns if c not in ("date", "year", "month", "capture_timestamp", "replay")]
        _create_table(db, table, columns)
        _create_fts(db, table)
        sql, params = source_sql(table, snapshot)
        batch: list[dict] = []
        n = 0

        def flush():
            texts = [text_of(table, r) for r in batch]
            derived = [_derived(table, r, replay_prefix) for r in batch]
            values = [tuple(sqlite_value(r.get(c), tz=LOCAL if c == "published_at" else dt.timezone.utc)
                            for c in base) + tuple(d.values()) for r, d in zip(batch, derived)]
            _insert_fts(db, table, _insert(db, table, columns, values), texts)
            summary = [(r["record_id"], r["kind"], table, r.get("title"), d["date"], d["year"], d["month"],
                        r.get("section"), author_of(table, r), r["url"], d["capture_timestamp"], r["snapshot_id"],
                        r["version"]) + ((d["replay"],) if replay_prefix is not None else ())
                       for r, d in zip(batch, derived)]
            _insert_fts(db, "records", _insert(db, "records", records_cols, summary), texts)
            batch.clear()

        for row in iter_rows(con, sql, params):
            if keep is not None and not keep(table, row):
                continue
            batch.append(row)
            n += 1
            if len(batch) >= BATCH_ROWS:
                flush()
        flush()
        counts[table] = n
        for col in ("record_id", "section", "year", "date"):
            if col in columns:
                db.execute(f"CREATE INDEX {_q(f'{table}_{col}')} ON {_q(table)} ({_q(col)})")
    counts["records"] = sum(counts[t] for t in RECORD_TABLES)
    for col in ("record_id", "kind", "section", "year", "author"):
        db.execute(f"CREATE INDEX {_q(f'records_{col}')} ON records ({_q(col)})")


def _write_other_tables(con, db, snapshot, counts) -> None:
    hidden = set(hidden_urls(con))  # the media and failed URLs only records taken down had
    for table in OTHER_TABLES:
        rel_sql = f"SELECT * FROM {_q(table)}" + (" WHERE snapshot_id <= ?" if snapshot else "") + " ORDER BY ALL"
        columns = con.sql(f"SELECT * FROM {_q(table)} LIMIT 0").columns
        _create_table(db, table, columns)
        rows = (tuple(sqlite_value(r[c], tz=dt.timezone.utc) for c in columns)
                for r in iter_rows(con, rel_sql, [snapshot] if snapshot else []) if r.get("url") not in hidden)
        counts[table] = len(_insert(db, table, columns, list(rows)))


def resolve_snapshot(con, snapshot: str | None) -> str | None:
    """The snapshot a build describes: ``snapshot`` if the archive has it (else ValueError), or the latest."""
    known = [r[0] for r in con.sql("SELECT snapshot_id FROM snapshots ORDER BY snapshot_id").fetchall()]
    if snapshot is None:
        latest = con.sql("SELECT max(snapshot_id) FROM changes").fetchall()[0][0]
        return max(filter(None, [latest, known[-1] if known else None]), default=None)
    if snapshot not in known:
        raise ValueError(f"no snapshot {snapshot!r} in the archive (known: {', '.join(known[-5:]) or 'none'})")
    return snapshot


def build_sqlite(archive_dir: str | os.PathLike[str], out_path: str | os.PathLike[str], snapshot: str | None = None,
                 *, replay_prefix: str | None = None, metadata_path: str | os.PathLike[str] | None = None,
                 title: str | None = None, keep: Callable[[str, dict], bool] | None = None) -> BuildResult:
    """Write the SQLite database of the archive's latest state (or as of ``snapshot``) to ``out_path``.

    ``replay_prefix`` (e.g. ``http://127.0.0.1:8002/archive/``) adds a ``replay`` column =
    prefix + capture timestamp + ``/`` + URL to the record tables and ``records``. ``metadata_path``, if
    given, receives the Datasette metadata (JSON). ``keep(table, row)``, if given, selects the records
    written (``export --kind/--since/--until/--section``). Raises ``ValueError`` for an unknown snapshot.
    """
    archive_dir = Path(archive_dir).resolve()
    out_path = Path(out_path).absolute()
    con = connect(archive_dir)
    try:
        resolved = resolve_snapshot(con, snapshot)
        counts: dict[str, int] = {}

        def write(tmp: Path) -> None:
            db = sqlite3.connect(tmp)
            try:
                db.execute("PRAGMA journal_mode = OFF")
                db.execute("PRAGMA synchronous = OFF")
                with db:
                    _write_record_tables(con, db, snapshot, replay_prefix, counts, keep)
                    _write_other_tables(con, db, snapshot, counts)
                    db.execute("CREATE TABLE _portal_archive (key TEXT PRIMARY KEY, value TEXT)")
                    facts = {"archive": str(archive_dir), "snapshot_id": resolved, "state": "as_of" if snapshot else "latest",
                             "replay_prefix": replay_prefix, "counts": counts, "takedowns": state_token(archive_dir),
                             "built_at": dt.datetime.now(dt.timezone.utc).isoformat()}
                    db.executemany("INSERT INTO _portal_archive VALUES (?, ?)",
                                   [(k, json.dumps(v, ensure_ascii=False)) for k, v in facts.items()])
                for table in ("records", *RECORD_TABLES):
                    db.execute(f"INSERT INTO {_q(table + '_fts')}({_q(table + '_fts')}) VALUES ('optimize')")
                db.commit()
            finally:
                db.close()

        out_path.parent.mkdir(parents=True, exist_ok=True)
        replace_with(out_path, write)
    finally:
        con.close()
    metadata = datasette_metadata(out_path.stem, title=title or f"portal-archive: {archive_dir.name}",
                                  snapshot_id=resolved)
    if metadata_path is not None:
        replace_with(Path(metadata_path), lambda tmp: tmp.write_text(
            json.dumps(metadata, ensure_ascii=False, indent=2), encoding="utf-8"))
    return BuildResult(out_path, resolved, counts, metadata)


FACETS = {
    "records": ["kind", "section", "year", "author"],
    "articles": ["section", "year", "author"],
    "documents": ["doc_type", "field", "issuer", "year"],
    "albums": ["year"],
    "videos": ["year"],
    "schedules": ["year"],
    "static_pages": ["section"],
    "errors": ["reason", "snapshot_id"],
    "media_files": ["mime_type", "snapshot_id"],
}


def datasette_metadata(database: str, *, title: str = "portal-archive", snapshot_id: str | None = None,
                       fold_function: bool = False) -> dict:
    """Datasette metadata for a database written by :func:`build_sqlite` (named ``database`` in Datasette).

    Every record table and ``records`` searches its ``<table>_fts`` in raw mode (phrases, prefixes, OR),
    with facets and newest first. The query must reach FTS folded (``serve`` installs a plugin that does it);
    ``fold_function=True`` adds a canned query ``search`` ranked by BM25 that uses the SQL function
    ``fold()`` the plugin registers.
    """
    from .fields import BM25_WEIGHTS

    tables: dict[str, dict] = {}
    for table in ("records", *RECORD_TABLES):
        tables[table] = {"fts_table": f"{table}_fts", "fts_pk": "rowid", "searchmode": "raw",
                         "label_column": "title", "facets": FACETS[table], "sort_desc": "date",
                         "description": ("every record of every kind, one row each" if table == "records"
                                         else f"records of kind '{RECORD_TABLES[table]}'")
                         + (f", state at snapshot {snapshot_id}" if snapshot_id else "")
                         + "; search ignores accents and đ/d"}
    for table in OTHER_TABLES:
        tables[table] = {"facets": FACETS.get(table, [])}
    tables["_portal_archive"] = {"hidden": True}
    db: dict = {"tables": tables}
    if fold_function:
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        db["queries"] = {"search": {
            "title": "Search every record (ranked, accent-insensitive)",
            "sql": ("SELECT r.kind, r.title, r.date, r.section, r.url,"
                    " snippet(records_fts, -1, '[', ']', '…', 16) AS snippet"
                    " FROM records_fts JOIN records r ON r.rowid = records_fts.rowid"
                    f" WHERE records_fts MATCH fold_query(:q) ORDER BY bm25(records_fts, {weights}) LIMIT 50"),
        }}
    return {"title": title, "databases": {database: db}}
