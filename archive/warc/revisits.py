"""What a ``revisit`` record stands for, and which WARC files a snapshot's replay needs.

A 304 answer to a conditional request confirms the capture the request's validators came from:
the latest stored version of the record.  :class:`Originals` finds that capture's response record,
so the revisit can carry ``WARC-Refers-To`` / ``-Target-URI`` / ``-Date`` and its payload digest
(WARC 1.1 §6.7.2, what pywb and ReplayWeb.page follow to replay it).

:func:`replay_files` lists the WARC files a package of a snapshot must hold: the snapshot's own
files and every file holding a capture of a record of the state as of that snapshot — the
originals its revisits stand for (of records and of page requisites), and for a ``reextract`` snapshot (which fetched nothing) the
captures its records were rebuilt from.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..manifest import resolve_inside
from ..requisites import revisited_files
from ..schema import RECORD_TABLES
from .layout import warc_files
from .reader import WarcReadError, read_warc_headers


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _pointer_rows(root: Path, sql_for_table) -> list[tuple]:
    from ..query import connect  # noqa: PLC0415 - DuckDB only when needed

    con = connect(root)
    try:
        views = {r[0] for r in con.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        out: list[tuple] = []
        for table in RECORD_TABLES:
            if f"{table}_latest" in views:
                out += con.sql(sql_for_table(table)).fetchall()
        return out
    finally:
        con.close()


class Originals:
    """record_id → the response record of its latest stored version (loaded on first use)."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self._pointers: dict[str, tuple[str, int, int]] | None = None
        self._paths: dict[str, Path] = {}  # the originals' WARC files, resolved once

    def _load(self) -> dict[str, tuple[str, int, int]]:
        rows = _pointer_rows(self.root, lambda t: (
            f'SELECT record_id, warc_file, warc_offset, warc_length FROM "{t}_latest" WHERE warc_file IS NOT NULL'))
        return {rid: (f, int(o), int(n)) for rid, f, o, n in rows}

    def refers_to(self, record_id: str | None, pointer: tuple[str, int, int] | None = None) -> dict[str, Any]:
        """Keyword arguments of :meth:`WarcWriter.write_revisit` naming the original (empty if unknown): the
        response record at ``pointer`` (a page requisite's, :mod:`archive.requisites`), else ``record_id``'s."""
        if pointer is None:
            if not record_id:
                return {}
            if self._pointers is None:
                self._pointers = self._load()
            pointer = self._pointers.get(record_id)
            if pointer is None:
                return {}
        try:
            original = read_warc_headers(self.root, *pointer, paths=self._paths)
        except WarcReadError:
            return {}
        out = {"refers_to_uri": original.get("warc-target-uri"), "refers_to_record_id": original.get("warc-record-id"),
               "refers_to_date": original.get("warc-date"), "payload_digest": original.get("warc-payload-digest")}
        return {k: v for k, v in out.items() if v}


def state_pointers(root: str | os.PathLike[str], snapshot_id: str) -> list[tuple[str, str, int, int]]:
    """(record_id, warc_file, offset, length) of every record of the state as of ``snapshot_id``."""
    return [(r, f, int(o), int(n)) for r, f, o, n in _pointer_rows(Path(root), lambda t: (
        f'SELECT record_id, warc_file, warc_offset, warc_length FROM "{t}_as_of"({_lit(snapshot_id)})'
        " WHERE warc_file IS NOT NULL"))]


def replay_files(root: str | os.PathLike[str], snapshot_id: str) -> list[Path]:
    """The snapshot's own WARC files, then the other files its state's records were captured in."""
    root = Path(root)
    own = warc_files(root, snapshot_id)
    seen = {p.resolve() for p in own}
    extra = []
    for rel in sorted({f for _r, f, _o, _n in state_pointers(root, snapshot_id)} | set(revisited_files(root, snapshot_id))):
        try:
            path = resolve_inside(root, rel)
        except ValueError:
            continue  # verify reports such a row
        if path.resolve() not in seen and path.is_file():
            seen.add(path.resolve())
            extra.append(path)
    return own + extra
