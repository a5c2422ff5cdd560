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
import threading
from pathlib import Path
from typing import Any

from ..manifest import resolve_inside
from ..requisites import revisited_files
from ..schema import RECORD_TABLES
from .layout import warc_files
from .reader import WarcHeads, WarcReadError


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
    """record_id → the response record of its latest stored version.

    The pointers are loaded on first use, or ahead of it on a thread of their own (:meth:`preload`: DuckDB
    releases the GIL, so the load overlaps the crawl's start instead of holding up its first revisit). Each
    original's header block is read from files kept open until :meth:`close` (:class:`WarcHeads`), and its
    ``WARC-Record-ID`` checked against the archive's: a pointer that leads elsewhere names no original."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self._pointers: dict[str, tuple[str, int, int, str | None]] | None = None
        self._loader: threading.Thread | None = None
        self._loaded: dict | BaseException | None = None
        self._heads = WarcHeads(self.root)

    def _load(self) -> dict[str, tuple[str, int, int, str | None]]:
        rows = _pointer_rows(self.root, lambda t: (
            f'SELECT record_id, warc_file, warc_offset, warc_length, warc_record_id FROM "{t}_latest"'
            " WHERE warc_file IS NOT NULL"))
        return {rid: (f, int(o), int(n), wid) for rid, f, o, n, wid in rows}

    def preload(self) -> None:
        """Start loading the pointers on a thread of their own; the first :meth:`refers_to` waits for them."""
        if self._pointers is None and self._loader is None:
            self._loader = threading.Thread(target=self._load_ahead, name="revisit-originals", daemon=True)
            self._loader.start()

    def _load_ahead(self) -> None:
        try:
            self._loaded = self._load()
        except BaseException as exc:  # noqa: BLE001 - raised where the pointers are needed
            self._loaded = exc

    def _all(self) -> dict[str, tuple[str, int, int, str | None]]:
        if self._pointers is None:
            if self._loader is None:
                self._pointers = self._load()
            else:
                self._loader.join()
                self._loader, loaded, self._loaded = None, self._loaded, None
                if isinstance(loaded, BaseException):
                    raise loaded
                self._pointers = loaded
        return self._pointers

    def refers_to(self, record_id: str | None, pointer: tuple[str, int, int] | None = None) -> dict[str, Any]:
        """Keyword arguments of :meth:`WarcWriter.write_revisit` naming the original (empty if unknown): the
        response record at ``pointer`` (a page requisite's, :mod:`archive.requisites`), else ``record_id``'s."""
        expected = None
        if pointer is None:
            if not record_id:
                return {}
            found = self._all().get(record_id)
            if found is None:
                return {}
            *pointer, expected = found
        try:
            original = self._heads.fields(*pointer)
        except WarcReadError:
            return {}
        if expected and original.get("warc-record-id") != expected:
            return {}
        out = {"refers_to_uri": original.get("warc-target-uri"), "refers_to_record_id": original.get("warc-record-id"),
               "refers_to_date": original.get("warc-date"), "payload_digest": original.get("warc-payload-digest")}
        return {k: v for k, v in out.items() if v}

    def close(self) -> None:
        """Close the originals' files (a preload still running is left to finish: its thread is a daemon)."""
        self._heads.close()


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
