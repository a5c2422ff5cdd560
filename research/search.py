"""Searching the index: BM25-ranked hits with highlighted title and snippet, filters, any snapshot."""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import asdict, dataclass

from archive import RECORD_TABLES, connect
from archive.schema import KIND_TABLES

from .fields import BM25_WEIGHTS, TEXT_COLUMNS
from .fold import fold
from .query import OPERATORS, match_terms, to_fts
from .search_index import index_path, open_index
from .sqlite_db import resolve_snapshot
from .snippets import count_hits, highlight, snippet

MARKS = ("<mark>", "</mark>")


@dataclass
class Filters:
    since: dt.date | None = None
    until: dt.date | None = None
    section: str | None = None
    kind: str | None = None
    author: str | None = None


@dataclass
class Hit:
    rank: int
    score: float
    kind: str
    table: str
    record_id: str
    title: str
    date: str | None
    section: str | None
    author: str | None
    url: str
    snippet: str
    snapshot_id: str
    version: int

    def as_dict(self) -> dict:
        return asdict(self)


def table_for_kind(kind: str) -> str:
    """``article`` or ``articles`` → ``articles``; ValueError for an unknown kind."""
    if kind in RECORD_TABLES:
        return kind
    if kind in KIND_TABLES:
        return KIND_TABLES[kind]
    raise ValueError(f"unknown kind {kind!r} (one of: {', '.join(KIND_TABLES)})")


def _where(filters: Filters) -> tuple[str, list]:
    sql, params = [], []
    if filters.since:
        sql.append("d.date >= ?")
        params.append(filters.since.isoformat())
    if filters.until:
        sql.append("d.date <= ?")
        params.append(filters.until.isoformat())
    if filters.kind:
        sql.append("d.tbl = ?")
        params.append(table_for_kind(filters.kind))
    if filters.section:
        sql.append("instr(d.section_folded, ?) > 0")
        params.append(fold(filters.section))
    if filters.author:
        sql.append("instr(d.author_folded, ?) > 0")
        params.append(fold(filters.author))
    return "".join(f" AND {s}" for s in sql), params


def _as_of(db: sqlite3.Connection, archive_dir, snapshot: str) -> None:
    """temp.as_of(id): the indexed versions of the state as of ``snapshot``."""
    db.execute("CREATE TEMP TABLE as_of (record_id TEXT, snapshot_id TEXT)")
    con = connect(archive_dir)
    try:
        resolve_snapshot(con, snapshot)  # ValueError for a snapshot the archive does not have
        for table in RECORD_TABLES:
            rows = con.sql(f'SELECT record_id, snapshot_id FROM "{table}_as_of"(?)', params=[snapshot]).fetchall()
            db.executemany("INSERT INTO temp.as_of VALUES (?, ?)", rows)
    finally:
        con.close()
    db.execute("CREATE TEMP TABLE as_of_ids AS SELECT d.id FROM temp.as_of a "
               "JOIN docs d ON d.record_id = a.record_id AND d.snapshot_id = a.snapshot_id")
    db.execute("CREATE INDEX temp.as_of_ids_id ON as_of_ids (id)")


def run_query(db: sqlite3.Connection, query: str, filters: Filters, limit: int, *, as_of: bool = False) -> list[tuple]:
    """(doc id, bm25 score) of the best ``limit`` hits, best first."""
    where, params = _where(filters)
    state = "d.id IN (SELECT id FROM temp.as_of_ids)" if as_of else "d.live = 1"
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    sql = (f"SELECT d.id, bm25(fts, {weights}) AS score FROM fts JOIN docs d ON d.id = fts.rowid "
           f"WHERE fts MATCH ? AND {state}{where} ORDER BY score LIMIT ?")
    return db.execute(sql, [to_fts(query), *params, int(limit)]).fetchall()


def ranked_ids(db: sqlite3.Connection, query: str, filters: Filters, limit: int, *, as_of: bool = False) -> list[tuple]:
    """Like :func:`run_query`, but for plain words (``dang bo``) the records holding them as a phrase come
    first (``Đảng bộ`` before a text that has ``đang`` and ``bộ`` apart), then the other matches."""
    plain = query.split()
    if len(plain) < 2 or any(w in OPERATORS or set(w) & set('"()*') for w in plain):
        return run_query(db, query, filters, limit, as_of=as_of)
    first = run_query(db, '"' + query + '"', filters, limit, as_of=as_of)
    if len(first) >= limit:
        return first
    seen = {doc_id for doc_id, _ in first}
    rest = [r for r in run_query(db, query, filters, limit + len(first), as_of=as_of) if r[0] not in seen]
    return first + rest[: limit - len(first)]


def _hit(rank: int, score: float, row: sqlite3.Row, exact: set[str], prefixes: set[str], marks) -> Hit:
    best = max(TEXT_COLUMNS[1:], key=lambda c: count_hits(row[c] or "", exact, prefixes))
    text = row[best] if count_hits(row[best] or "", exact, prefixes) else (row["summary"] or row["body"] or "")
    return Hit(rank, round(-score, 4), row["kind"], row["tbl"], row["record_id"],
               highlight(row["title"] or "", exact, prefixes, marks), row["date"], row["section"], row["author"],
               row["url"], snippet(text, exact, prefixes, marks), row["snapshot_id"], row["version"])


def search(archive_dir: str | os.PathLike[str], query: str, *, filters: Filters | None = None, limit: int = 20,
           snapshot: str | None = None, marks: tuple[str, str] = MARKS) -> list[Hit]:
    """The best ``limit`` records for ``query`` in the latest state (or as of ``snapshot``).

    Raises :class:`research.query.QueryError` for a query with nothing to search, ValueError for a bad
    filter, :class:`research.search_index.SearchIndexError` if there is no usable index.
    """
    db = open_index(index_path(archive_dir))
    db.row_factory = sqlite3.Row
    try:
        if snapshot:
            _as_of(db, archive_dir, snapshot)
        ranked = ranked_ids(db, query, filters or Filters(), limit, as_of=bool(snapshot))
        if not ranked:
            return []
        ids = [r[0] for r in ranked]
        rows = {r["id"]: r for r in db.execute(f"SELECT * FROM docs WHERE id IN ({', '.join('?' * len(ids))})", ids)}
    finally:
        db.close()
    exact, prefixes = match_terms(query)
    return [_hit(i, score, rows[doc_id], exact, prefixes, marks) for i, (doc_id, score) in enumerate(ranked, 1)]
