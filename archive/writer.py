"""TableWriter: append rows to one table folder as immutable Parquet part files.

Rows are validated when written and buffered; every ``batch_rows`` rows (and
on ``flush()``/``close()``) the buffer becomes ONE new file
``part-<prefix>-<seq:06d>.parquet`` holding one row group, zstd-compressed,
published atomically (see :mod:`archive.atomic`).  Existing parts are never
overwritten: the sequence number continues after the highest part present and
skips any name that turns out to be taken.  Memory is bounded by the buffer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .atomic import write_new_file
from .convert import RowConverter
from .exceptions import ArchiveError, RowError
from .layout import next_seq, part_name
from .manifest import record_file

COMPRESSION = "zstd"  # chosen by bench/parquet_layout.py (docs/schema.md "Parquet layout")
COMPRESSION_LEVEL = 9


class TableWriter:
    """Buffered, validated, atomic part writer of one table folder.

    ``manifest_root``: record every published part in that archive's manifest.
    ``before_flush``: called before a non-empty buffer is written (the
    ArchiveWriter uses it to make every other table durable before ``changes``).
    """

    def __init__(
        self,
        table_dir: Path,
        schema: pa.Schema,
        *,
        part_prefix: str,
        batch_rows: int = 1000,
        manifest_root: Path | None = None,
        before_flush: Callable[[], None] | None = None,
        worker: str | None = None,
    ):
        if not isinstance(batch_rows, int) or batch_rows < 1:
            raise ValueError(f"batch_rows must be a positive integer, got {batch_rows!r}")
        self.table_dir = Path(table_dir)
        self.schema = schema
        self.part_prefix = part_prefix
        self.worker = worker  # a crawl worker sharing the snapshot: its name is in its parts' names
        self.batch_rows = batch_rows
        meta = schema.metadata or {}
        self.table = meta.get(b"portal_archive.table", self.table_dir.name.encode()).decode()
        self.table_dir.mkdir(parents=True, exist_ok=True)
        self.manifest_root = manifest_root
        self.before_flush = before_flush
        self._converter = RowConverter(self.table, schema)
        self._buffer: list[dict[str, Any]] = []
        self._seq = next_seq(self.table_dir, part_prefix)
        self._closed = False
        #: while True, write() never flushes (the ArchiveWriter keeps one item's rows in one flush)
        self.hold = False
        #: rows accepted by write() (buffered or on disk)
        self.rows_accepted = 0
        #: rows durably written to part files
        self.rows_written = 0
        #: part files written by this writer, in order
        self.parts: list[Path] = []

    # -- public API ---------------------------------------------------------
    def convert(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and normalise ``row`` (raises RowError) without buffering it."""
        return self._converter.convert(row)

    def write(self, row: Mapping[str, Any], *, validated: bool = False) -> None:
        """Validate ``row`` and buffer it; flushes when the buffer holds ``batch_rows`` rows.

        ``validated=True``: ``row`` is already the output of :meth:`convert`.
        """
        if self._closed:
            raise ArchiveError(f"{self.table}: writer is closed")
        self._buffer.append(dict(row) if validated else self._converter.convert(row))
        self.rows_accepted += 1
        if len(self._buffer) >= self.batch_rows and not self.hold:
            self.flush()

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def flush(self) -> Path | None:
        """Write buffered rows as one new part file; returns its path (None if nothing buffered).

        If writing fails, no file becomes visible and the rows stay buffered,
        so a later flush() can retry.
        """
        if not self._buffer:
            return None
        if self.before_flush is not None:
            self.before_flush()
        table = self._to_arrow(self._buffer)
        seq = self._seq
        try:
            path = write_new_file(self.table_dir, self._next_name, lambda tmp: self._write_parquet(table, tmp))
        except BaseException:
            self._seq = seq  # nothing was published: reuse the number on retry
            raise
        self.parts.append(path)
        self.rows_written += len(self._buffer)
        self._buffer = []
        if self.manifest_root is not None:  # after the bookkeeping: a failure here must not re-write the rows
            record_file(self.manifest_root, path)
        return path

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        self._closed = True

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------
    def _next_name(self) -> str:
        name = part_name(self.part_prefix, self._seq, self.worker)
        self._seq += 1
        return name

    def _to_arrow(self, rows: list[dict[str, Any]]) -> pa.Table:
        arrays = []
        for field in self.schema:
            values = [r[field.name] for r in rows]
            try:
                arrays.append(pa.array(values, type=field.type))
            except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
                raise RowError(self.table, field.name, f"cannot convert column to {field.type}: {exc}") from exc
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def _write_parquet(self, table: pa.Table, path: Path) -> None:
        pq.write_table(table, path, compression=COMPRESSION, compression_level=COMPRESSION_LEVEL,
                       row_group_size=max(1, table.num_rows))
