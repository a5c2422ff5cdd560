"""ArchiveWriter: one crawl run (snapshot) writing into an archive folder.

Lifecycle::

    with ArchiveWriter("archive", seeds=[...], settings={...}) as w:   # opens a snapshot
        w.add("pages", {...}); w.add("articles", {...}); ...
    # close(): flush, compact this snapshot's articles, append the snapshots row

Leaving the ``with`` block through an exception closes with status
``interrupted`` (data written so far is kept and compacted).  Not thread-safe:
call it from one thread (Scrapy pipelines run in the reactor thread).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from .atomic import TEMP_PREFIX
from .compact import compact_articles, recover
from .exceptions import ArchiveError
from .layout import check_snapshot_id, final_part, new_snapshot_id, numbered_parts
from .marker import ensure_archive_root
from .schema import SCHEMA_VERSION, SNAPSHOT_STATUSES, SNAPSHOTS, TABLES
from .writer import TableWriter

#: Tables rows can be added to; ``snapshots`` is written by close().
DATA_TABLES = ("articles", "pages", "errors", "url_aliases")

#: Temp files/folders older than this are debris of a dead process and are removed on open.
STALE_TEMP_SECONDS = 24 * 3600


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


def _remove_stale_temps(root: Path) -> None:
    cutoff = time.time() - STALE_TEMP_SECONDS
    for folder in [root, *(root / t for t in TABLES)]:
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if not entry.name.startswith(TEMP_PREFIX):
                continue
            try:
                if entry.stat().st_mtime >= cutoff:
                    continue
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()
            except FileNotFoundError:
                pass


def _rows_on_disk(table_dir: Path, snapshot_id: str) -> int:
    files = numbered_parts(table_dir, snapshot_id)
    final = final_part(table_dir, snapshot_id)
    if final.exists():
        files.append(final)
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


class ArchiveWriter:
    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        snapshot_id: str | None = None,
        batch_rows: int = 1000,
        seeds: Iterable[str] = (),
        settings: Mapping[str, Any] | str | None = None,
        software_version: str = "",
    ):
        self.root = Path(root)
        self.snapshot_id = check_snapshot_id(snapshot_id) if snapshot_id is not None else new_snapshot_id()
        self.seeds = list(seeds)
        if not all(isinstance(s, str) for s in self.seeds):
            raise TypeError("seeds must be strings")
        self.settings = _settings_json(settings)
        self.software_version = software_version
        ensure_archive_root(self.root)
        for table in TABLES:
            (self.root / table).mkdir(exist_ok=True)
        recover(self.root)
        _remove_stale_temps(self.root)
        if self._is_closed_snapshot():
            raise ArchiveError(
                f"snapshot {self.snapshot_id} is already closed in {self.root}; start a new snapshot"
            )
        self.started_at = _utcnow()
        self._writers = {
            t: TableWriter(self.root / t, TABLES[t], part_prefix=self.snapshot_id, batch_rows=batch_rows)
            for t in DATA_TABLES
        }
        self._closed = False
        #: the snapshots row, once closed
        self.snapshot: dict[str, Any] | None = None

    def _is_closed_snapshot(self) -> bool:
        return final_part(self.root / "articles", self.snapshot_id).exists() or bool(
            numbered_parts(self.root / "snapshots", self.snapshot_id)
        )

    # -- writing ------------------------------------------------------------
    def add(self, table: str, row: Mapping[str, Any]) -> None:
        """Validate and append ``row`` to ``table`` (articles, pages, errors or url_aliases).

        ``snapshot_id`` (and ``schema_version`` for articles) are filled in when
        absent; a different value is an error.
        """
        if self._closed:
            raise ArchiveError("archive writer is closed")
        writer = self._writers.get(table)
        if writer is None:
            hint = " (written by close())" if table == "snapshots" else ""
            raise ValueError(f"unknown table {table!r}{hint}; expected one of {', '.join(DATA_TABLES)}")
        if not isinstance(row, Mapping):
            raise TypeError(f"{table}: a row must be a dict, got {type(row).__name__}")
        row = dict(row)
        self._default(table, row, "snapshot_id", self.snapshot_id)
        if table == "articles":
            self._default(table, row, "schema_version", SCHEMA_VERSION)
        writer.write(row)

    @staticmethod
    def _default(table: str, row: dict[str, Any], key: str, value: Any) -> None:
        current = row.get(key)
        if current is None:
            row[key] = value
        elif current != value:
            raise ValueError(f"{table}.{key}: row has {current!r}, this writer writes {value!r}")

    def flush(self) -> None:
        """Write every buffered row to disk now (one part per table with buffered rows)."""
        for writer in self._writers.values():
            writer.flush()

    @property
    def stats(self) -> dict[str, int]:
        """Rows accepted so far per table (buffered or on disk) by this writer."""
        return {t: w.rows_accepted for t, w in self._writers.items()}

    @property
    def closed(self) -> bool:
        return self._closed

    # -- closing ------------------------------------------------------------
    def close(self, status: str = "complete") -> dict[str, Any]:
        """Flush, compact this snapshot's articles, append the snapshots row; returns that row."""
        if status not in SNAPSHOT_STATUSES:
            raise ValueError(f"status must be one of {', '.join(SNAPSHOT_STATUSES)}, got {status!r}")
        if self._closed:
            assert self.snapshot is not None
            return self.snapshot
        for writer in self._writers.values():
            writer.close()
        compact_articles(self.root, self.snapshot_id)
        row = {
            "snapshot_id": self.snapshot_id,
            "started_at": self.started_at,
            "finished_at": _utcnow(),
            "seeds": self.seeds,
            "status": status,
            "pages_fetched": _rows_on_disk(self.root / "pages", self.snapshot_id),
            "records_new": _rows_on_disk(self.root / "articles", self.snapshot_id),
            "errors": _rows_on_disk(self.root / "errors", self.snapshot_id),
            "software_version": self.software_version,
            "settings": self.settings,
        }
        with TableWriter(self.root / "snapshots", SNAPSHOTS, part_prefix=self.snapshot_id) as w:
            w.write(row)
        self._closed = True
        self.snapshot = row
        return row

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if not self._closed:
            self.close("complete" if exc_type is None else "interrupted")
