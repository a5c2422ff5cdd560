"""ArchiveWriter: one crawl run (snapshot) writing into an archive folder.

Lifecycle::

    with ArchiveWriter("archive", seeds=[...], settings={...}) as w:   # opens (or resumes) a snapshot
        w.previous                      # record_id -> PrevRecord (complete earlier snapshots)
        w.done_in_snapshot()            # record ids already recorded (when resuming)
        w.add_record("articles", {...}) # -> "new" | "changed" | "unchanged" | "duplicate"
        w.mark_unchanged(record_id)     # HTTP 304: unchanged without a body
        w.add("pages", {...}); w.add("media_files", {...}); ...
    # close(): flush, mark unseen records removed, compact, append the snapshots row

Leaving the ``with`` block through an exception closes with status
``interrupted`` (data written so far is kept and compacted; an interrupted
snapshot is never resumed).  A process that dies without closing (SIGKILL,
power loss) leaves an *unfinished* snapshot, which the next writer with the
same seeds resumes (``resume="auto"``).  Not thread-safe: call it from one
thread (Scrapy pipelines run in the reactor thread).

Durability order: before a ``changes`` part is written, every other table's
buffer is flushed, so a record with a ``changes`` row on disk also has its
record row, pages, media and aliases on disk.  That is what makes
:meth:`ArchiveWriter.done_in_snapshot` safe to skip.  And before any part is
written, :attr:`ArchiveWriter.durable_first` runs (the crawl's fsync of its WARC
records, once per batch), so a row on disk never points at a record that is not.

Several writers, one snapshot (``crawl --redis``): each crawl worker opens its own writer with
``worker=NAME`` and writes its own part files (``part-<snapshot>-<seq>.w-NAME.parquet``). The first
worker opens (or resumes) the snapshot, the others join it (``snapshot_id``); only a worker that finds the
archive otherwise unlocked cleans up after killed processes. ``claims`` shares the "once per snapshot"
rows between them; each worker leaves (:meth:`~ArchiveWriter.leave`) when done, the last one closes the snapshot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .atomic import TEMP_PREFIX, replace_file
from .damage import adopt_unlisted, check_before_write
from .compact import compact_table, delete_compacted, discard_finals, reconcile_manifest, recover
from .exceptions import ArchiveError, RowError
from .fixity import record_sha256
from .layout import (
    RUNS_DIR,
    check_snapshot_id,
    closed_snapshot_ids,
    new_snapshot_id,
    numbered_parts,
    run_record,
    worker_tag,
)
from .lock import ArchiveLock
from .keyset import DigestSet, IdSet
from .marker import ensure_archive_root
from .memory import release_freed_memory
from .schema import RECORD_TABLES, SCHEMA_VERSION, SNAPSHOTS, TABLES
from .versions import PrevRecord, load_previous, record_ids_done, snapshot_counts
from .writer import TableWriter

#: Non-record tables rows can be added to with add(); ``changes`` and ``snapshots`` are written by the writer.
LOG_TABLES = ("pages", "errors", "url_aliases", "media_files", "listings", "legal_log")
#: Every table the writer appends to while open.
DATA_TABLES = (*RECORD_TABLES, *LOG_TABLES, "changes")

#: Tables whose rows are kept once per snapshot: table -> the columns that say "the same row".
#: A resumed run (or a record seen twice) does not write such a row again.
ONCE_PER_SNAPSHOT = {"media_files": ("url",), "errors": ("url", "reason"), "url_aliases": ("record_id", "url")}

#: add_item flushes every table once its buffered rows hold about this much text, even before ``batch_rows``
#: rows: wide records (long bodies) keep the crawl's memory bounded by size, not only by count. Writing a batch
#: as Parquet takes ~2.5 times its text for a moment (Arrow columns, encoded pages): at 16 MiB that was the
#: crawl's high-water mark (+40 MB), reached only once a portal passed ~500 articles.
BATCH_BYTES = 4 * 1024 * 1024

#: The claims (``claims.claim(table, key)``) of record ids, beside the tables of ONCE_PER_SNAPSHOT
CLAIMED_RECORDS = "records"

#: Old column names accepted in rows (table -> {old: new}).
LEGACY_KEYS = {"pages": {"article_id": "record_id"}, "url_aliases": {"article_id": "record_id"}}

#: Statuses close() accepts: the crawl finished and is whole; it was stopped; it finished with failures
#: over the threshold; it fetched nothing trustworthy. Only "complete" marks unseen records removed (and
#: only with ``mark_removed``); "partial" and "failed" snapshots stay out of the ``*_latest`` views.
CLOSE_STATUSES = ("complete", "interrupted", "partial", "failed")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _settings_json(settings: Mapping[str, Any] | str | None) -> str:
    if settings is None:
        return "{}"
    if isinstance(settings, str):
        try:
            parsed = json.loads(settings)
        except ValueError as exc:
            raise ValueError(f"settings string is not JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise ValueError("settings must be a JSON object")
        return settings
    if not isinstance(settings, Mapping):
        raise TypeError(f"settings must be a mapping, a JSON string or None, got {type(settings).__name__}")
    return json.dumps(dict(settings), ensure_ascii=False, sort_keys=True, default=str)


def remove_temps(root: Path) -> list[Path]:
    """Remove the ``.tmp-*`` files/folders of killed commands; call it only while holding the lock.

    Only the archive's own places: the root (DuckDB spill folders, marker, ``package``'s WACZ and
    index temps), table folders, ``_runs/``, ``indexes/`` and the media store's ``media/sha256/xx/yy/``.
    Returns what was removed.
    """
    places = [root / t for t in TABLES] + [root, root / RUNS_DIR, root / "indexes"]
    media = root / "media" / "sha256"
    if media.is_dir():
        places += [folder for folder in media.glob("*/*") if folder.is_dir()]
    removed = []
    for folder in places:
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if not entry.name.startswith(TEMP_PREFIX):
                continue
            removed.append(entry)
            try:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()
            except FileNotFoundError:
                pass
    return removed


def once_key(values: tuple) -> bytes:
    """16-byte digest of a row's ONCE_PER_SNAPSHOT columns: what the writer remembers per row, not the URLs
    themselves (memory flat as the portal grows)."""
    return hashlib.blake2b(repr(values).encode("utf-8"), digest_size=16).digest()


def _row_bytes(row: Mapping[str, Any]) -> int:
    """About the size of a row's text and bytes (what makes a record wide: body text and HTML)."""
    return sum(len(v) for v in row.values() if isinstance(v, (str, bytes)))


def _keys_on_disk(table_dir: Path, snapshot_id: str, columns: tuple[str, ...]) -> set[bytes]:
    """The :func:`once_key` of the rows of ``snapshot_id``'s parts of one table (a resumed run's memory)."""
    import pyarrow.parquet as pq

    keys: set[bytes] = set()
    for part in numbered_parts(table_dir, snapshot_id):
        table = pq.read_table(part, columns=list(columns))
        keys.update(map(once_key, zip(*(table.column(c).to_pylist() for c in columns))))
    return keys


def _read_run(root: Path, snapshot_id: str) -> dict[str, Any] | None:
    try:
        data = json.loads(run_record(root, snapshot_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _runs(root: Path) -> list[dict[str, Any]]:
    folder = root / RUNS_DIR
    out = []
    if folder.is_dir():
        for path in folder.glob("*.json"):
            data = _read_run(root, path.stem)
            if data and data.get("snapshot_id") == path.stem:
                out.append(data)
    return out


class ArchiveWriter:
    """Writes one snapshot (crawl run) into the archive at ``root``.

    ``resume``: ``"auto"`` (default) resumes the latest snapshot of the archive
    if it is unfinished (opened, never closed) and has the same seeds — or the
    unfinished snapshot named by ``snapshot_id``; ``False`` never resumes (and
    refuses an explicit ``snapshot_id`` of an unfinished snapshot); ``True``
    requires a snapshot to resume.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        seeds: Iterable[str] = (),
        settings: Mapping[str, Any] | str | None = None,
        software_version: str = "",
        batch_rows: int = 1000,
        batch_bytes: int = BATCH_BYTES,
        snapshot_id: str | None = None,
        resume: bool | str = "auto",
        command: str = "writer",
        repair: bool = False,
        worker: str | None = None,
        claims: Any = None,
    ):
        if resume not in ("auto", True, False):
            raise ValueError(f"resume must be 'auto', True or False, got {resume!r}")
        if not isinstance(batch_rows, int) or batch_rows < 1:
            raise ValueError(f"batch_rows must be a positive integer, got {batch_rows!r}")
        self.root = Path(root).absolute()
        if snapshot_id is not None:
            check_snapshot_id(snapshot_id)
        self.seeds = list(seeds)
        if not all(isinstance(s, str) for s in self.seeds):
            raise TypeError("seeds must be strings")
        self.settings = _settings_json(settings)
        self.software_version = software_version
        self.batch_rows = batch_rows
        self.batch_bytes = batch_bytes
        self._buffered_bytes = 0  # text and bytes of the rows add_item buffered since the last flush (about)
        #: the crawl worker this writer is (None: the only writer); its name is in its part files' names
        self.worker = worker
        worker_tag(worker)  # a valid name, or ValueError
        #: shared "once per snapshot" keys of a scaled-out crawl: ``claims.claim(table, key) -> bool``
        #: (False: another worker has written, or is writing, that row)
        self.claims = claims
        #: called after every :meth:`flush` (every row added before it is then on disk)
        self.after_flush: list[Any] = []
        ensure_archive_root(self.root)
        self._lock = ArchiveLock(self.root, command)
        #: a worker's own lock: one process per worker name (its earlier run is dead when it gets it)
        self._worker_lock = ArchiveLock(self.root, f"{command} worker {worker}", name=f".lock-worker-{worker}")
        if worker is not None:
            self._worker_lock.acquire()
        #: False: other workers of the crawl hold the archive; this one joins their snapshot
        try:
            self.alone = self._lock.acquire_worker() if worker is not None else (self._lock.acquire() or True)
            self._open(snapshot_id, resume, command, repair)
        except BaseException:
            self._lock.release()
            self._worker_lock.release()
            raise
        if worker is not None:
            self._lock.share()

    # -- opening ------------------------------------------------------------
    def _open(self, snapshot_id: str | None, resume: bool | str, command: str, repair: bool) -> None:
        root = self.root
        #: what --repair found and did (also in _repairs.jsonl and this snapshot's run record)
        self.repairs = []
        if self.alone:  # no other process writes: clean up after killed ones
            remove_temps(root)
            self.repairs = check_before_write(root, repair_damage=repair, command=command)
            for table in TABLES:
                (root / table).mkdir(exist_ok=True)
            (root / RUNS_DIR).mkdir(exist_ok=True)
            recover(root)
            reconcile_manifest(root)
        elif snapshot_id is None:
            raise ArchiveError(f"{root}: other crawl workers are writing it; a worker joins their snapshot")
        closed = closed_snapshot_ids(root)
        run = None
        if snapshot_id is not None:
            if snapshot_id in closed:
                raise ArchiveError(f"snapshot {snapshot_id} is already closed in {root}; start a new snapshot")
            run = _read_run(root, snapshot_id)
            if run is not None and resume is False:
                raise ArchiveError(
                    f"snapshot {snapshot_id} exists in {root} and is unfinished; resume it with resume='auto'"
                )
            if run is not None and list(run.get("seeds") or []) != self.seeds:
                raise ArchiveError(
                    f"snapshot {snapshot_id} was started with seeds {run.get('seeds')!r}, not {self.seeds!r}"
                )
        elif resume is not False:
            runs = _runs(root)
            if runs:
                latest = max(runs, key=lambda r: (str(r.get("started_at", "")), r["snapshot_id"]))
                if latest["snapshot_id"] not in closed and list(latest.get("seeds") or []) == self.seeds:
                    run = latest
        if run is None and resume is True:
            raise ArchiveError(f"no unfinished snapshot with seeds {self.seeds!r} to resume in {root}")

        #: joins the snapshot other live workers write (``crawl --redis``)
        self.joined = not self.alone
        if self.joined and run is None:
            raise ArchiveError(f"{root}: snapshot {snapshot_id} the other workers write has no run record")
        self.resumed = run is not None and not self.joined
        if self.joined:
            self.snapshot_id = run["snapshot_id"]
            self.started_at = dt.datetime.fromisoformat(run["started_at"])
            self.resumes = int(run.get("resumes", 0))
            opened = None
        elif run is not None:
            self.snapshot_id = run["snapshot_id"]
            self.started_at = dt.datetime.fromisoformat(run["started_at"])
            self.resumes = int(run.get("resumes", 0)) + 1
            opened = list(run.get("opened_at") or []) + [_utcnow().isoformat()]
            adopt_unlisted(root, self.snapshot_id)  # WARC/CDXJ files published just before a kill
            discard_finals(root, self.snapshot_id)  # a close killed mid-way: compact again at the end
        else:
            latest = max([r["snapshot_id"] for r in _runs(root)] + list(closed), default=None)
            self.snapshot_id = snapshot_id or new_snapshot_id(after=latest)
            while snapshot_id is None and (run_record(root, self.snapshot_id).exists() or self.snapshot_id in closed):
                self.snapshot_id = new_snapshot_id(after=latest)
            self.started_at = _utcnow()
            self.resumes = 0
            opened = [self.started_at.isoformat()]
        if opened is not None:
            self._write_run(opened)
        self._lock.note(snapshot=self.snapshot_id)

        self._writers: dict[str, TableWriter] = {}
        for t in DATA_TABLES:
            self._writers[t] = TableWriter(
                root / t,
                TABLES[t],
                part_prefix=self.snapshot_id,
                batch_rows=self.batch_rows,
                manifest_root=root,
                before_flush=self._flush_all_but_changes if t == "changes" else self.sync_referenced,
                worker=self.worker,
            )
        on_disk = self.resumed or self.joined
        # what this snapshot holds, one cell (16 bytes) a record or row (archive/keyset.py)
        self._done = IdSet(record_ids_done(root, self.snapshot_id) if on_disk else ())
        self._keys: dict[str, DigestSet] = {
            t: DigestSet(_keys_on_disk(root / t, self.snapshot_id, cols) if on_disk else ())
            for t, cols in ONCE_PER_SNAPSHOT.items()
        }
        self._previous: dict[str, PrevRecord] | None = None
        #: called before any part is written: what rows point to (WARC records written without their own
        #: fsync) reaches the disk before the rows do
        self.durable_first: list[Callable[[], None]] = []
        self._counts = {"new": 0, "changed": 0, "unchanged": 0, "removed": 0, "duplicate": 0}
        #: pages rows of 304 answers accepted by this run (the summary's "Not modified", counted as it counts)
        self.not_modified = 0
        self._closed = False
        #: the snapshots row, once closed
        self.snapshot: dict[str, Any] | None = None

    def _write_run(self, opened: list[str]) -> None:
        body = {
            "snapshot_id": self.snapshot_id,
            "started_at": self.started_at.isoformat(),
            "seeds": self.seeds,
            "settings": self.settings,
            "software_version": self.software_version,
            "resumes": self.resumes,
            "opened_at": opened,
        }
        previous = _read_run(self.root, self.snapshot_id) or {}
        repairs = list(previous.get("repairs") or []) + [{**r, "snapshot": self.snapshot_id} for r in self.repairs]
        if repairs:
            body["repairs"] = repairs
        replace_file(run_record(self.root, self.snapshot_id), (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode())

    # -- previous state -----------------------------------------------------
    @property
    def previous(self) -> dict[str, PrevRecord]:
        """record_id -> PrevRecord: latest version of each record over the complete earlier snapshots (lazy)."""
        if self._previous is None:
            self._previous = load_previous(self.root, self.snapshot_id)
        return self._previous

    def done_in_snapshot(self) -> set[str]:
        """Record ids that already have a ``changes`` row in this snapshot (a copy)."""
        return set(self._done)

    def rows_on_disk(self) -> tuple[set[str], dict[str, set[bytes]]]:
        """What every writer of this snapshot has on disk now: record ids with a ``changes`` row, and the
        keys of the rows kept once per snapshot (table -> keys); read afresh (crawl workers)."""
        keys = {t: _keys_on_disk(self.root / t, self.snapshot_id, cols) for t, cols in ONCE_PER_SNAPSHOT.items()}
        return record_ids_done(self.root, self.snapshot_id), keys

    def keys_in_snapshot(self, table: str) -> set[bytes]:
        """The keys (:data:`ONCE_PER_SNAPSHOT`) of ``table``'s rows this snapshot has (a copy)."""
        return set(self._keys[table])

    # -- writing ------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise ArchiveError("archive writer is closed")

    def add_record(self, table: str, row: Mapping[str, Any]) -> str:
        """Record one captured record; returns "new", "changed", "unchanged" or "duplicate".

        Fills ``kind``, ``snapshot_id``, ``schema_version``, ``version`` and
        ``record_sha256`` (a given record_sha256 must match the content).  In
        ``articles``, ``record_id`` and ``article_id`` fill each other.
        new/changed rows are stored; unchanged ones only get a ``changes`` row
        (plus ``url_aliases`` rows for URLs not seen before); a record already
        recorded in this snapshot is ignored ("duplicate"; its URLs become
        ``url_aliases`` rows).
        """
        self._check_open()
        if table not in RECORD_TABLES:
            raise ValueError(f"{table!r} is not a record table; expected one of {', '.join(RECORD_TABLES)}")
        if not isinstance(row, Mapping):
            raise TypeError(f"{table}: a row must be a dict, got {type(row).__name__}")
        row = dict(row)
        if table == "articles":
            rid, aid = row.get("record_id"), row.get("article_id")
            if rid is None:
                row["record_id"] = aid
            elif aid is None:
                row["article_id"] = rid
            elif rid != aid:
                raise RowError(table, "article_id", f"article_id {aid!r} differs from record_id {rid!r}")
        self._default(table, row, "kind", RECORD_TABLES[table])
        self._default(table, row, "snapshot_id", self.snapshot_id)
        self._default(table, row, "schema_version", SCHEMA_VERSION)
        if row.get("urls_seen") is None and isinstance(row.get("url"), str):
            row["urls_seen"] = [row["url"]]
        given_version = row.get("version")
        given_sha = row.get("record_sha256")
        row["version"] = 1  # placeholders for validation; set below
        row["record_sha256"] = "0" * 64
        writer = self._writers[table]
        clean = writer.convert(row)
        sha = record_sha256(clean, table)
        if given_sha is not None and given_sha != sha:
            raise RowError(table, "record_sha256", f"given {given_sha!r} but the content hashes to {sha!r}")
        clean["record_sha256"] = sha
        rid = clean["record_id"]

        if rid in self._done or not self._claim_record(rid):
            self._counts["duplicate"] += 1
            self._aliases(rid, [clean["url"], *clean["urls_seen"]], clean["fetched_at"], known=())
            return "duplicate"
        prev = self.previous.get(rid)
        if prev is None:
            change, version = "new", 1
        elif prev.record_sha256 == sha:
            change, version = "unchanged", prev.version
        else:
            change, version = "changed", prev.version + 1
        if given_version is not None and given_version != version:
            raise RowError(table, "version", f"row has version {given_version!r}, the archive's next is {version}")
        if change == "unchanged":
            self._aliases(rid, [clean["url"], *clean["urls_seen"]], clean["fetched_at"], known=prev.urls_seen or ())
        else:
            clean["version"] = version
            writer.write(clean, validated=True)
        self._change(table, rid, change, version, sha)
        return change

    def mark_unchanged(self, record_id: str) -> bool:
        """Record ``record_id`` as unchanged (HTTP 304, or skipped after listing metadata).

        Writes a ``changes`` row "unchanged" with the previous version and
        hash; returns False (and writes nothing) if the record is unknown.
        A record already recorded in this snapshot gets no second row (True).
        """
        self._check_open()
        prev = self.previous.get(record_id)
        if prev is None:
            return False
        if record_id in self._done or not self._claim_record(record_id):
            return True
        self._change(prev.table, record_id, "unchanged", prev.version, prev.record_sha256)
        return True

    def remove(self, record_id: str) -> bool:
        """Record ``record_id`` as removed (the crawler has the evidence); False if unknown, already removed,
        or seen in this snapshot (then nothing is written)."""
        self._check_open()
        prev = self.previous.get(record_id)
        if prev is None or prev.removed or record_id in self._done:
            return False
        self._change(prev.table, record_id, "removed", prev.version, prev.record_sha256)
        return True

    def _change(self, table: str, record_id: str, change: str, version: int, sha: str) -> None:
        self._writers["changes"].write(
            {
                "snapshot_id": self.snapshot_id,
                "table": table,
                "record_id": record_id,
                "change": change,
                "version": version,
                "record_sha256": sha,
                "changed_at": _utcnow(),
            }
        )
        self._done.add(record_id)
        self._counts[change] += 1

    def _aliases(self, record_id: str, urls: Iterable[str], seen_at: dt.datetime, known: Iterable[str]) -> None:
        known = set(known)
        for url in dict.fromkeys(urls):
            if url and url not in known:
                self._write_once("url_aliases", self._writers["url_aliases"].convert(
                    {"record_id": record_id, "url": url, "seen_at": seen_at, "snapshot_id": self.snapshot_id}))

    def _claim_record(self, record_id: str) -> bool:
        """True unless another crawl worker has (or is writing) ``record_id`` in this snapshot."""
        return self.claims is None or self.claims.claim(CLAIMED_RECORDS, (record_id,))

    def _write_once(self, table: str, clean: dict[str, Any]) -> bool:
        key = once_key(tuple(clean[c] for c in ONCE_PER_SNAPSHOT[table]))
        if key in self._keys[table]:
            return False
        if self.claims is not None and not self.claims.claim(table, key):  # another worker's row
            self._keys[table].add(key)
            return False
        self._writers[table].write(clean, validated=True)
        self._keys[table].add(key)
        return True

    def add_item(self, rows: Iterable[tuple[str, Mapping[str, Any]]], *, unchanged: Iterable[str] = (),
                 removed: str | None = None) -> list[tuple[str, str]]:
        """Write every row of one fetched item — its record, pages, media_files, url_aliases and errors rows,
        ``mark_unchanged`` of the ``unchanged`` record ids and ``remove`` of ``removed`` — in the same flush.

        No part file is written while the item's rows are being added; if a table's buffer is full
        afterwards, every table is flushed (``changes`` last).  So a record whose ``changes`` row is on
        disk (and is therefore skipped by a resumed run) has all its rows on disk too, whenever the
        process is killed.  Every row is validated before any is written.  Returns (table, change) of
        each record row.
        """
        self._check_open()
        rows = [(t, r) for t, r in rows]
        for table, row in rows:  # a bad row refuses the whole item, before anything is buffered
            if table in RECORD_TABLES:
                continue
            if table not in LOG_TABLES:
                self.add(table, row)  # raises the usual error
            self._writers[table].convert({**self._legacy(table, row), "snapshot_id": self.snapshot_id})
        for writer in self._writers.values():
            writer.hold = True
        try:
            changes = []
            for table, row in rows:
                if table in RECORD_TABLES:
                    changes.append((table, self.add_record(table, row)))
                else:
                    self.add(table, row)
            for record_id in unchanged:
                if record_id:
                    self.mark_unchanged(record_id)
            if removed:
                self.remove(removed)
        finally:
            for writer in self._writers.values():
                writer.hold = False
        self._buffered_bytes += sum(_row_bytes(r) for _t, r in rows)
        if self._buffered_bytes >= self.batch_bytes or any(w.buffered >= w.batch_rows for w in self._writers.values()):
            self.flush()
        return changes

    def add(self, table: str, row: Mapping[str, Any]) -> bool | str:
        """Validate and append ``row`` to pages, errors, url_aliases or media.

        ``snapshot_id`` is filled in when absent (a different value is an
        error); ``article_id`` is accepted for ``record_id`` in pages and
        url_aliases.  Returns True, or False for a media row whose URL this
        snapshot already recorded (not stored: one media row per URL per
        snapshot).  A record table is passed on to :meth:`add_record` (whose
        status is returned).
        """
        self._check_open()
        if table in RECORD_TABLES:
            return self.add_record(table, row)
        if table not in LOG_TABLES:
            hint = " (written by the writer itself)" if table in ("snapshots", "changes") else ""
            raise ValueError(f"unknown table {table!r}{hint}; expected one of {', '.join((*RECORD_TABLES, *LOG_TABLES))}")
        row = self._legacy(table, row)
        self._default(table, row, "snapshot_id", self.snapshot_id)
        writer = self._writers[table]
        if table in ONCE_PER_SNAPSHOT:
            return self._write_once(table, writer.convert(row))
        writer.write(row)
        if table == "pages" and row.get("status") == 304:
            self.not_modified += 1
        return True

    @staticmethod
    def _legacy(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(row, Mapping):
            raise TypeError(f"{table}: a row must be a dict, got {type(row).__name__}")
        row = dict(row)
        for old, new in LEGACY_KEYS.get(table, {}).items():
            if old in row:
                value = row.pop(old)
                if row.get(new) is None:
                    row[new] = value
                elif value is not None and value != row[new]:
                    raise RowError(table, old, f"{old} {value!r} differs from {new} {row[new]!r}")
        return row

    @staticmethod
    def _default(table: str, row: dict[str, Any], key: str, value: Any) -> None:
        current = row.get(key)
        if current is None:
            row[key] = value
        elif current != value:
            raise ValueError(f"{table}.{key}: row has {current!r}, this writer writes {value!r}")

    def sync_referenced(self) -> None:
        """Run :attr:`durable_first` (the WARC and media fsyncs of a batch)."""
        for sync in self.durable_first:
            sync()

    def _flush_all_but_changes(self) -> None:
        self.sync_referenced()
        for name, writer in self._writers.items():
            if name != "changes":
                writer.flush()

    def flush(self) -> None:
        """Write every buffered row to disk now (one part per table with buffered rows)."""
        self._flush_all_but_changes()
        self._writers["changes"].flush()
        self._buffered_bytes = 0
        for hook in self.after_flush:
            hook()

    @property
    def stats(self) -> dict[str, int]:
        """Rows accepted so far per table (buffered or on disk) by this writer (this run only)."""
        return {t: w.rows_accepted for t, w in self._writers.items()}

    @property
    def counts(self) -> dict[str, int]:
        """add_record/mark_unchanged outcomes of this run: new, changed, unchanged, removed, duplicate."""
        return dict(self._counts)

    @property
    def closed(self) -> bool:
        return self._closed

    # -- closing ------------------------------------------------------------
    def close(self, status: str = "complete", mark_removed: bool | None = None) -> dict[str, Any]:
        """Flush, mark removed records, compact, append the snapshots row; returns that row.

        ``status`` is one of :data:`CLOSE_STATUSES`; a resumed snapshot that
        completes is stored as "resumed".  When complete and ``mark_removed``
        is not False, every live record of :attr:`previous` without a
        ``changes`` row in this snapshot gets one "removed" (the crawler passes
        False and calls :meth:`remove` on evidence instead).
        """
        if status not in CLOSE_STATUSES:
            raise ValueError(f"status must be one of {', '.join(CLOSE_STATUSES)}, got {status!r}")
        if self._closed:
            assert self.snapshot is not None
            return self.snapshot
        if self.worker is not None:
            self.take_over()
        if status == "complete" and mark_removed is not False:
            for rid, prev in self.previous.items():
                if not prev.removed and rid not in self._done:
                    self._change(prev.table, rid, "removed", prev.version, prev.record_sha256)
        self.flush()
        for writer in self._writers.values():
            writer.close()
        for table in RECORD_TABLES:
            compact_table(self.root, table, self.snapshot_id)
        release_freed_memory()
        row = {
            "snapshot_id": self.snapshot_id,
            "started_at": self.started_at,
            "finished_at": _utcnow(),
            "seeds": self.seeds,
            "status": "resumed" if status == "complete" and self.resumed else status,
            **snapshot_counts(self.root, self.snapshot_id),
            "software_version": self.software_version,
            "settings": self.settings,
            "resumes": self.resumes,
        }
        with TableWriter(self.root / "snapshots", SNAPSHOTS, part_prefix=self.snapshot_id, manifest_root=self.root) as w:
            w.write(row)
        self._closed = True
        self.snapshot = row
        try:
            delete_compacted(self.root, self.snapshot_id)
        finally:
            self._lock.release()
            self._worker_lock.release()
        return row

    def take_over(self) -> None:
        """The last crawl worker, before it closes the snapshot: the archive to itself (the others have
        left, their files are final), without the temp files of workers killed while others went on, and with
        the files such a worker published but did not live to list in the manifest."""
        self._lock.exclusive()
        remove_temps(self.root)
        adopt_unlisted(self.root, self.snapshot_id)  # published by a worker killed before its manifest line

    def leave(self) -> None:
        """A worker is done with the snapshot, which stays open for the others: flush, finish this
        worker's part files, let go of the archive. The last worker closes it instead (:meth:`close`)."""
        if self._closed:
            return
        self.flush()
        for writer in self._writers.values():
            writer.close()
        self._closed = True
        self._lock.release()
        self._worker_lock.release()

    def abort(self) -> None:
        """Stop writing WITHOUT closing: buffered rows are dropped, the lock is released.

        The snapshot stays unfinished, exactly as if the process had been
        killed; a later writer with the same seeds resumes it.
        """
        if self._closed:
            return
        self._closed = True
        self._lock.release()
        self._worker_lock.release()

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if not self._closed:
            self.close("complete" if exc_type is None else "interrupted")


__all__ = ["ArchiveWriter", "PrevRecord"]
