"""The full-text search index of an archive: tantivy (BM25), derived from the Parquet, never the source of truth.

``<archive>/indexes/search/`` holds

* ``tantivy/`` — one document per stored *version* of every record: the text fields (title, summary, body,
  captions, document fields) analysed by ``vi_fold`` (split on non-alphanumerics, lower-case, ASCII folding:
  accents dropped and ``đ`` → ``d``, the same as :func:`research.fold.fold` on Vietnamese), the facts a hit
  shows (stored), ``live`` (1 for the versions in the archive's ``<table>_latest`` views), ``day`` and ``tbl``
  for filters;
* ``docs.sqlite`` — the bookkeeping: doc id ↔ (record_id, snapshot_id), live flags and the watermark.

:func:`update_index` is incremental: record rows are never rewritten in the archive, so it reads only the rows
of snapshots after the last *closed* snapshot it indexed (rows of a snapshot still open when indexed are
deleted and read again) and re-adds the few versions whose ``live`` flag flipped (the old version of a changed
record, a removed record). Records taken down (:mod:`archive.takedowns`) are not indexed at all: an update drops
every version of a record taken down since the last one and adds back those of a record whose takedown was
undone. After a re-crawl that changed nothing, :func:`_nothing_new` proves so from the files that came since
(its snapshot's ``changes`` rows) and only the watermark moves. :func:`rebuild_index` writes a fresh index
beside the old one and swaps it in.

Memory: tantivy is committed every :data:`COMMIT_EVERY` documents (its backlog drained, the memory freed handed
back), so the backlog no longer builds up over a whole update; search results do not depend on the segments
those commits leave (:func:`research.search.ranked`). Crash-safety: the update marks the bookkeeping
``updating`` (committed) before tantivy's first commit and clears it in its own final commit; an index found
so marked (an update killed between the commits), or whose document count disagrees with the bookkeeping, is
rebuilt by the next update (:func:`is_stale` says so).
Why tantivy rather than SQLite FTS5: ``make bench`` (README, "Search").
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from archive import RECORD_TABLES, connect
from archive.atomic import TEMP_PREFIX
from archive.layout import closed_snapshot_ids, data_files, parse_part
from archive.memory import release_freed_memory
from archive.takedowns import state_token, taken_down_ids

from .fields import TEXT_COLUMNS, author_of, date_of, text_of

INDEX_FORMAT = "portal-archive-search/3"  # 3: a site field; records taken down are left out
INDEX_DIR = "search"
ANALYZER = "vi_fold"
FILTER_TEXT = ("section", "author")
#: tantivy's indexing memory (the writer's heap, split between its threads, each at least 15 MB): a segment is
#: written each time a thread's share fills, so the update's memory stops growing with the documents there
#: (at 256 MB on 2 threads it grew by ~3 KB a document until ~90,000 articles: 50,000 synthetic articles
#: peaked at 257 MB of anonymous memory, against 175 MB at 48 MB on one thread, as fast on 2 cores: the
#: other core converts the rows; bench/close_memory.py)
WRITER_HEAP = 48_000_000
WRITER_THREADS = 1
#: documents handed to tantivy between two commits of an update. tantivy queues the documents it is given in a
#: channel of up to 10,000 that its one indexing thread drains slower than Python fills it, so the backlog grows
#: with the documents of an update until that cap (~+200 MB); a commit waits until it is drained, and the memory
#: freed then is handed back (glibc keeps it in the arena of the indexing thread, which each commit replaces).
#: Not fewer: every commit ends a segment, and from 8 segments of a size tantivy merges them, reading them
#: through mmap (file pages in the resident set): at 5,000 a commit 50,000 articles peaked 80 MB higher than at
#: 10,000 (422 against 342 MB, one run), at 1,000 ~40% slower too. At 10,000 the close of 50,000 synthetic
#: articles peaked at 397-399 MB against 438-454 (anonymous 263-268 against 305-323), its update 11-21 s against
#: 14-23 (bench/close_memory.py, two runs, in alternation). Search results do not depend on the segments the
#: commits leave (:func:`research.search.ranked`).
COMMIT_EVERY = 10_000
#: the update's DuckDB: one thread (a second holds a second set of Parquet readers, ~+20 MB at 50,000 articles,
#: for no gain: the rows are converted one by one in Python) and a memory limit; insertion order kept (the
#: documents' ids follow the archive's order)
UPDATE_DUCKDB = {"threads": 1, "memory_limit": "256MB"}


class SearchIndexError(RuntimeError):
    """The index is unreadable or not a search index of this format (rebuild it)."""


@dataclass
class UpdateStats:
    added: int
    dropped: int
    live: int
    seconds: float
    rebuilt: bool = False


def index_dir(archive_dir: str | os.PathLike[str]) -> Path:
    return Path(archive_dir).absolute() / "indexes" / INDEX_DIR


def index_path(archive_dir: str | os.PathLike[str]) -> Path:
    """The bookkeeping database; it exists exactly when an index was built."""
    return index_dir(archive_dir) / "docs.sqlite"


def _analyzer():
    import tantivy

    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(60))
            .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold()).build())


def _schema():
    import tantivy

    b = tantivy.SchemaBuilder()
    b.add_integer_field("id", stored=True, indexed=True, fast=True)
    b.add_integer_field("live", indexed=True, fast=True)
    b.add_integer_field("day", indexed=True, fast=True)
    b.add_integer_field("version", stored=True)
    b.add_text_field("tbl", stored=True, tokenizer_name="raw")
    for name in ("record_id", "snapshot_id", "kind", "date", "url", "section_text", "author_text", "site"):
        b.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    for name in (*TEXT_COLUMNS, *FILTER_TEXT):
        b.add_text_field(name, stored=name in TEXT_COLUMNS, tokenizer_name=ANALYZER)
    return b.build()


def open_tantivy(folder: Path):
    import tantivy

    index = tantivy.Index(_schema(), path=str(folder / "tantivy"), reuse=True)
    index.register_tokenizer(ANALYZER, _analyzer())
    return index


def open_index(archive_dir: str | os.PathLike[str]) -> tuple[sqlite3.Connection, object]:
    """(bookkeeping db, tantivy index) of an existing index; :class:`SearchIndexError` if there is none usable."""
    folder = index_dir(archive_dir)
    path = folder / "docs.sqlite"
    if not path.exists():
        raise SearchIndexError(f"no search index in {folder}")
    try:
        db = sqlite3.connect(path)
        fmt = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise SearchIndexError(f"the search index {folder} is unreadable ({exc})") from exc
    if not fmt or fmt[0] != INDEX_FORMAT:
        db.close()
        raise SearchIndexError(f"the search index {folder} has another format ({fmt[0] if fmt else 'none'})")
    try:
        index = open_tantivy(folder)
    except Exception as exc:  # tantivy raises ValueError / OSError for a damaged folder
        db.close()
        raise SearchIndexError(f"the search index {folder} is unreadable ({exc})") from exc
    return db, index


def tantivy_writer(index):
    """The index's writer, its memory bounded (:data:`WRITER_HEAP`, :data:`WRITER_THREADS`)."""
    return index.writer(heap_size=WRITER_HEAP, num_threads=WRITER_THREADS)


def _meta(db: sqlite3.Connection, key: str) -> str:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else ""


def _create(db: sqlite3.Connection) -> None:
    db.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE docs (id INTEGER PRIMARY KEY, tbl TEXT, record_id TEXT, snapshot_id TEXT, version INTEGER,
                           live INTEGER NOT NULL DEFAULT 0);
        CREATE UNIQUE INDEX docs_key ON docs (record_id, snapshot_id);
    """)
    db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", INDEX_FORMAT), ("watermark", ""),
                                                     ("taken_down", "[]"), ("takedown_token", "")])


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text) if text else ""


def _document(doc_id: int, live: int, table: str, row: dict):
    import tantivy

    text = text_of(table, row)
    day = date_of(table, row)
    section, author = row.get("section"), author_of(table, row)
    return tantivy.Document(
        id=doc_id, live=live, day=int(day.strftime("%Y%m%d")) if day else 0, version=int(row["version"]),
        tbl=table, record_id=row["record_id"], snapshot_id=row["snapshot_id"], kind=row["kind"],
        date=day.isoformat() if day else "", url=row["url"], section_text=section or "", author_text=author or "",
        site=row.get("site") or "",
        section=_nfc(section), author=_nfc(author), **{c: _nfc(text[c]) for c in TEXT_COLUMNS})


class Feeder:
    """tantivy's writer of one update, committed every :data:`COMMIT_EVERY` documents added (its queue bounded).
    A commit comes only right after an add: never between the delete and the add of a document re-added."""

    def __init__(self, writer):
        self.writer, self.queued = writer, 0

    def add(self, document) -> None:
        self.writer.add_document(document)
        self.queued += 1
        if self.queued >= COMMIT_EVERY:
            self.writer.commit()
            self.queued = 0
            release_freed_memory()


def _readd(feeder: Feeder, searcher, index, doc_ids: list[int], live_of: dict[int, int]) -> None:
    """Delete and add again (with the new ``live`` flag) documents already in the index."""
    import tantivy

    for doc_id in doc_ids:
        hits = searcher.search(tantivy.Query.term_query(index.schema, "id", doc_id), 1).hits
        if not hits:
            continue
        stored = searcher.doc(hits[0][1]).to_dict()
        feeder.writer.delete_documents_by_term("id", doc_id)
        fields = {k: v[0] for k, v in stored.items() if v}
        fields["live"] = live_of[doc_id]
        day = fields.get("date")
        fields["day"] = int(day.replace("-", "")) if day else 0
        fields["section"], fields["author"] = fields.get("section_text", ""), fields.get("author_text", "")
        feeder.add(tantivy.Document(**fields))


class LatestKeys:
    """The (record_id, snapshot_id) of every version in the ``<table>_latest`` views, held as one set of record
    ids per snapshot (a 16-character id and a set slot each: ~4 times smaller than a set of tuples, ~100 bytes a
    record less at 50,000 records)."""

    def __init__(self, con):
        self.by_snapshot: dict[str, set[str]] = {}
        for table in RECORD_TABLES:
            sql = f'SELECT snapshot_id, list(record_id) FROM "{table}_latest" GROUP BY snapshot_id'
            for snapshot_id, record_ids in con.execute(sql).fetchall():
                self.by_snapshot.setdefault(snapshot_id, set()).update(record_ids)

    def __contains__(self, key: tuple[str, str]) -> bool:
        record_id, snapshot_id = key
        return record_id in self.by_snapshot.get(snapshot_id, ())


READ_COLUMNS = {  # only what the index needs: never body_html
    "articles": "record_id, snapshot_id, version, kind, site, url, title, summary, body_text, images, author, author_role, "
                "source, section, published_at",
    "documents": "record_id, snapshot_id, version, kind, site, url, title, summary, number, doc_type, issuer, signer, "
                 "field, issued_on, issued_on_raw, effective_on_raw, attachments",
    "albums": "record_id, snapshot_id, version, kind, site, url, title, images, published_at",
    "videos": "record_id, snapshot_id, version, kind, site, url, title, published_at",
    "schedules": "record_id, snapshot_id, version, kind, site, url, title, week, week_start, entries",
    "static_pages": "record_id, snapshot_id, version, kind, site, url, title, body_text, images, section",
}


def _set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def _add_rows(db, feeder: Feeder, con, table: str, sql: str, params: list, next_id: int, latest: LatestKeys,
              skip: set) -> int:
    """Index the rows of ``sql`` (over record table ``table``) except records in ``skip``; returns the next id."""
    from .sqlite_db import iter_rows

    batch = []
    for row in iter_rows(con, sql, params):
        if row["record_id"] in skip:
            continue
        live = int((row["record_id"], row["snapshot_id"]) in latest)
        feeder.add(_document(next_id, live, table, row))
        batch.append((next_id, table, row["record_id"], row["snapshot_id"], row["version"], live))
        next_id += 1
        if len(batch) >= 5000:
            db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", batch)
            batch.clear()
    db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", batch)
    return next_id


def _update(db: sqlite3.Connection, index, archive_dir: Path) -> tuple[int, int, int]:
    con = connect(archive_dir, config=UPDATE_DUCKDB)
    try:
        watermark = _meta(db, "watermark")
        closed = [r[0] for r in con.sql("SELECT snapshot_id FROM snapshots WHERE snapshot_id > ? ORDER BY 1",
                                        params=[watermark]).fetchall()]
        latest = LatestKeys(con)
        token = state_token(archive_dir)
        taken = taken_down_ids(con)
        before = set(json.loads(_meta(db, "taken_down") or "[]"))
        # the index commits before the bookkeeping does, and more than once: until the bookkeeping's commit
        # (which clears it) this mark says the two may disagree, and the next update rebuilds the index
        _set_meta(db, "updating", "1")
        db.commit()
        writer = tantivy_writer(index)
        feeder = Feeder(writer)
        try:
            # records taken down since the last update leave the index (every version: no --snapshot finds them)
            dropped = [r[0] for r in db.execute("SELECT id FROM docs WHERE snapshot_id > ?", [watermark])]
            for rid in taken - before:
                dropped += [r[0] for r in db.execute("SELECT id FROM docs WHERE record_id = ?", [rid])]
                db.execute("DELETE FROM docs WHERE record_id = ?", [rid])
            for doc_id in dropped:
                writer.delete_documents_by_term("id", doc_id)
            db.execute("DELETE FROM docs WHERE snapshot_id > ?", [watermark])
            first = next_id = (db.execute("SELECT max(id) FROM docs").fetchone()[0] or 0) + 1
            restored = sorted(before - taken)  # undone: their versions up to the watermark come back
            for table in RECORD_TABLES:
                sql = f'SELECT {READ_COLUMNS[table]} FROM "{table}" WHERE snapshot_id > ?'
                next_id = _add_rows(db, feeder, con, table, sql, [watermark], next_id, latest, taken)
                if restored:
                    sql = (f'SELECT {READ_COLUMNS[table]} FROM "{table}" WHERE snapshot_id <= ?'
                           f" AND record_id IN ({', '.join('?' * len(restored))})")
                    next_id = _add_rows(db, feeder, con, table, sql, [watermark, *restored], next_id, latest,
                                        taken)
            added = next_id - first
            # versions indexed before whose live flag flipped: a changed record's old version, a removed record
            flips = [(doc_id, int(not live)) for doc_id, rid, snap, live in db.execute(
                "SELECT id, record_id, snapshot_id, live FROM docs WHERE id < ?", [first])
                if ((rid, snap) in latest) != bool(live)]
            latest = None
            con.close()  # DuckDB's buffers go before tantivy's commit and merges (the update's high-water mark)
            if flips:
                index.reload()
                _readd(feeder, index.searcher(), index, [d for d, _ in flips], dict(flips))
                db.executemany("UPDATE docs SET live = ? WHERE id = ?", [(live, d) for d, live in flips])
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise
        # the next update reads again only what a snapshot still open now may add or compact away
        _set_meta(db, "taken_down", json.dumps(sorted(taken)))
        _set_meta(db, "takedown_token", token)
        _set_meta(db, "updating", "")
        _advance(db, archive_dir, max(closed, default=watermark))
        live = db.execute("SELECT count(*) FROM docs WHERE live = 1").fetchone()[0]
        return added, len(dropped), live
    finally:
        con.close()


def _advance(db: sqlite3.Connection, archive_dir: Path, watermark: str) -> None:
    """Commit the bookkeeping with ``watermark`` and the number of snapshots closed up to it (what
    :func:`_nothing_new` checks: a snapshot's ``snapshots`` file is written once, when it closes)."""
    _set_meta(db, "watermark", watermark)
    _set_meta(db, "closed_snapshots", str(sum(1 for s in closed_snapshot_ids(archive_dir) if s <= watermark)))
    db.commit()


def _parts_after(table_dir: Path, watermark: str) -> list[Path] | None:
    """The data files of snapshots after ``watermark`` (a part's name starts with its snapshot's id:
    :mod:`archive.layout`); None if a file's name does not say its snapshot."""
    out = []
    for path in data_files(table_dir):
        parsed = parse_part(path.name)
        if parsed is None:
            return None
        if parsed[0] > watermark:
            out.append(path)
    return out


def _nothing_new(db: sqlite3.Connection, archive_dir: Path) -> str | None:
    """The new watermark when the archive holds nothing the update would add, drop or re-flag (a re-crawl of
    an unchanged portal), else None (then :func:`_update` runs). Proven from the files that came since the
    last update instead of recomputing the ``_latest`` views (~0.3 s at 4,000 articles): no takedown action
    (the same takedown files), no version indexed from a snapshot after the watermark (one open then), no
    snapshot closed at or before the watermark since (the views trust only closed complete snapshots), no
    record row after the watermark, and every ``changes`` row after it ``unchanged`` for a record live in
    that table or taken down (no record removed, back or moved: the views are as they were)."""
    import pyarrow.dataset as ds

    watermark, closed = _meta(db, "watermark"), _meta(db, "closed_snapshots")
    if not closed or _meta(db, "takedown_token") != state_token(archive_dir):
        return None
    snapshots = closed_snapshot_ids(archive_dir)
    if sum(1 for s in snapshots if s <= watermark) != int(closed):
        return None
    if any(_parts_after(archive_dir / table, watermark) != [] for table in RECORD_TABLES):
        return None  # new record rows: the usual case, told from the file names alone
    changes = _parts_after(archive_dir / "changes", watermark)
    if changes is None or db.execute("SELECT 1 FROM docs WHERE snapshot_id > ? LIMIT 1", [watermark]).fetchone():
        return None
    if changes:
        seen = ds.dataset(changes, format="parquet").to_table(columns=["change", "table", "record_id"]).to_pydict()
        if set(seen["change"]) != {"unchanged"}:
            return None
        others = set(zip(seen["table"], seen["record_id"])).difference(
            db.execute("SELECT tbl, record_id FROM docs WHERE live = 1"))
        if {rid for _, rid in others} - set(json.loads(_meta(db, "taken_down") or "[]")):
            return None
    return max([watermark, *snapshots])


def rebuild_index(archive_dir: str | os.PathLike[str]) -> UpdateStats:
    """Write the whole index again from the Parquet archive (a temp folder, then swapped in)."""
    started = time.perf_counter()
    archive_dir = Path(archive_dir).absolute()
    final = index_dir(archive_dir)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f"{TEMP_PREFIX}{INDEX_DIR}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "tantivy").mkdir(parents=True)
    try:
        db = sqlite3.connect(tmp / "docs.sqlite")
        try:
            _create(db)
            added, dropped, live = _update(db, open_tantivy(tmp), archive_dir)
        finally:
            db.close()
        old = final.parent / f"{TEMP_PREFIX}{INDEX_DIR}-old-{os.getpid()}"
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
        (final.parent / "search.sqlite").unlink(missing_ok=True)  # the index of format 1 (SQLite FTS5), if any
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return UpdateStats(added, dropped, live, time.perf_counter() - started, rebuilt=True)


def update_index(archive_dir: str | os.PathLike[str]) -> UpdateStats:
    """Bring the index up to date with the archive (builds it if missing, unreadable or inconsistent)."""
    started = time.perf_counter()
    try:
        db, index = open_index(archive_dir)
    except SearchIndexError:
        return rebuild_index(archive_dir)
    try:
        if _meta(db, "updating") or index.searcher().num_docs != db.execute("SELECT count(*) FROM docs").fetchone()[0]:
            db.close()
            # an update killed before the bookkeeping's commit: start again (the writer's lock is free unless
            # another process is updating: then tantivy refuses, as for any update while one runs)
            lock = tantivy_writer(index)
            try:
                return rebuild_index(archive_dir)
            finally:
                del lock
        archive_dir = Path(archive_dir).absolute()
        watermark = _nothing_new(db, archive_dir)
        if watermark is not None:
            _advance(db, archive_dir, watermark)
            added, dropped, live = 0, 0, db.execute("SELECT count(*) FROM docs WHERE live = 1").fetchone()[0]
        else:
            added, dropped, live = _update(db, index, archive_dir)
    finally:
        db.close()
    return UpdateStats(added, dropped, live, time.perf_counter() - started)


def is_stale(archive_dir: str | os.PathLike[str]) -> bool:
    """True if the archive has a snapshot (closed or open) the index has not fully read, a takedown the index
    does not reflect, or no index."""
    try:
        db, _ = open_index(archive_dir)
    except SearchIndexError:
        return True
    try:
        watermark, token, updating = _meta(db, "watermark"), _meta(db, "takedown_token"), _meta(db, "updating")
    finally:
        db.close()
    if updating or token != state_token(archive_dir):
        return True  # a takedown (or its undo) since the last update
    con = connect(archive_dir)
    try:
        latest = con.sql("SELECT max(snapshot_id) FROM changes").fetchall()[0][0]
    finally:
        con.close()
    return bool(latest) and latest > watermark
