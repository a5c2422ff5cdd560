"""Record versions across snapshots: the ``changes`` table and what it implies.

Every snapshot writes one ``changes`` row per record it saw (``new``,
``changed``, ``unchanged``) and one ``removed`` row per record the crawler has
evidence of removal for (see :mod:`crawler.spiders.portal`).  A record table
row is written only for ``new`` and ``changed`` records, so an unchanged crawl
adds nothing to the record tables.  Versions count content changes
(record_sha256) between complete snapshots: version 1 is the first capture.

Only COMPLETE snapshots (status ``complete`` or ``resumed``) are trusted: a
``partial``, ``failed``, ``interrupted`` or unfinished snapshot keeps its rows
but changes neither the state the next crawl compares with nor the views.

* :func:`load_previous` — the state the next snapshot is compared with: the
  latest change of every record over the complete snapshots, with the URL and
  HTTP validators of its latest stored row and the listing pages that listed it.
* :func:`latest_view_sql` / :func:`as_of_macro_sql` — the ``<table>_latest``
  views and ``<table>_as_of(snapshot_id)`` table macros of
  :func:`archive.query.connect`; ``_as_of`` of a snapshot that is not complete
  adds that snapshot's own rows, and an id not in ``snapshots`` is an error
  that names it.

Snapshot ids sort chronologically (``YYYYMMDDTHHMMSS.ffffffZ-xxxxxx``); "latest"
always means the greatest snapshot id.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import pyarrow.compute as pc
import pyarrow.parquet as pq

from .layout import data_files, numbered_parts
from .schema import COMPLETE_STATUSES, RECORD_TABLES


class PrevRecord(NamedTuple):
    """What the archive knew of a record before this snapshot."""

    table: str
    record_sha256: str
    version: int
    url: str | None
    urls_seen: list[str] | None
    etag: str | None
    last_modified: str | None
    removed: bool = False
    listings: tuple[str, ...] = ()  # listing keys that listed it, in the latest complete snapshot that did


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def trusted_sql() -> str:
    """SELECT of the ids of the complete snapshots, the only ones the views and comparisons are made of."""
    statuses = ", ".join(_lit(s) for s in COMPLETE_STATUSES)
    return f"SELECT snapshot_id FROM snapshots WHERE status IN ({statuses})"


def _gone_sql(table: str, where: str) -> str:
    """record_ids whose latest change (over the ``changes`` rows matching ``where``) is 'removed' or
    belongs to another table."""
    return (
        'SELECT record_id FROM (SELECT record_id, "table" AS tbl, change FROM changes'
        f" WHERE {where} QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY snapshot_id DESC,"
        " CASE change WHEN 'removed' THEN 0 ELSE 1 END) = 1)"
        f" WHERE change = 'removed' OR tbl <> {_lit(table)}"
    )


#: SELECT of the record ids taken down now (``takedown``): the ``taken_down`` view of archive.query.
TAKEN_DOWN_IDS_SQL = "SELECT record_id FROM taken_down"


def _state_sql(table: str, basis: str, guard: str = "", *, hide_taken_down: bool = True) -> str:
    """Newest version of each live record over the snapshots matching ``basis`` (a condition on snapshot_id),
    without the records taken down (unless ``hide_taken_down`` is False: a legal review's view)."""
    hidden = f" AND r.record_id NOT IN ({TAKEN_DOWN_IDS_SQL})" if hide_taken_down else ""
    return (
        f'SELECT * FROM "{table}" r WHERE {guard}r.{basis} AND r.record_id NOT IN ({_gone_sql(table, basis)}){hidden}'
        " QUALIFY row_number() OVER (PARTITION BY r.record_id ORDER BY r.snapshot_id DESC, r.version DESC) = 1"
    )


def latest_view_sql(table: str, *, hide_taken_down: bool = True) -> str:
    """Body of the ``<table>_latest`` view: newest stored version of each live record (complete snapshots)."""
    return _state_sql(table, f"snapshot_id IN ({trusted_sql()})", hide_taken_down=hide_taken_down)


#: The condition of ``_as_of``: an error naming the id when it is not a snapshot of the archive.
KNOWN_SNAPSHOT_SQL = (
    "(SELECT CASE WHEN count(*) = 0 THEN error('unknown snapshot id ''' || as_of_snapshot"
    " || ''' (portal-archive snapshots lists them)') ELSE true END FROM snapshots WHERE snapshot_id = as_of_snapshot)"
)


def as_of_macro_sql(table: str, *, hide_taken_down: bool = True) -> str:
    """``CREATE MACRO <table>_as_of(as_of_snapshot) AS TABLE ...``: the state as of a snapshot (without the
    records taken down now: a takedown applies to every snapshot, earlier ones too)."""
    basis = f"snapshot_id IN (SELECT snapshot_id FROM ({trusted_sql()}) UNION SELECT as_of_snapshot) AND snapshot_id <= as_of_snapshot"
    return (
        f'CREATE OR REPLACE MACRO "{table}_as_of"(as_of_snapshot) AS TABLE '
        + _state_sql(table, basis, guard=f"{KNOWN_SNAPSHOT_SQL} AND ", hide_taken_down=hide_taken_down)
    )


#: the views :func:`previous_sql` reads
PREVIOUS_TABLES = ("snapshots", "changes", "listings", *RECORD_TABLES)


def previous_sql(current_snapshot_id: str) -> str:
    """SELECT of the previous state (see :func:`load_previous`) over the archive views."""
    snaps = f"SELECT DISTINCT snapshot_id FROM ({trusted_sql()}) WHERE snapshot_id <> {_lit(current_snapshot_id)}"
    stored = " UNION ALL ".join(
        f'SELECT record_id, url, urls_seen, etag, last_modified, snapshot_id, version FROM "{t}"'
        f" WHERE snapshot_id IN (SELECT snapshot_id FROM snaps)"
        for t in RECORD_TABLES
    )
    return f"""
WITH snaps AS ({snaps}),
lc AS (
    SELECT record_id, "table" AS tbl, change, version, record_sha256 FROM changes
    WHERE snapshot_id IN (SELECT snapshot_id FROM snaps)
    QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY snapshot_id DESC,
                               CASE change WHEN 'removed' THEN 0 ELSE 1 END) = 1
),
r AS (
    SELECT record_id, url, urls_seen, etag, last_modified FROM ({stored})
    QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY snapshot_id DESC, version DESC) = 1
),
li AS (
    SELECT record_id, list(DISTINCT listing ORDER BY listing) AS listings FROM (
        SELECT record_id, listing FROM listings WHERE snapshot_id IN (SELECT snapshot_id FROM snaps)
        QUALIFY dense_rank() OVER (PARTITION BY record_id ORDER BY snapshot_id DESC) = 1
    ) GROUP BY record_id
)
SELECT lc.record_id, lc.tbl, lc.record_sha256, lc.version, r.url, r.urls_seen, r.etag, r.last_modified,
       lc.change = 'removed' AS removed, li.listings
FROM lc LEFT JOIN r ON r.record_id = lc.record_id LEFT JOIN li ON li.record_id = lc.record_id
"""


def load_previous(root: str | Path, current_snapshot_id: str) -> dict[str, PrevRecord]:
    """record_id -> :class:`PrevRecord` over the complete snapshots other than ``current_snapshot_id``.

    DuckDB does the grouping (memory limit, spill folder inside the archive);
    the result is one small tuple per record.
    """
    from .compact import duckdb_connection, spill_dir  # noqa: PLC0415 (import cycle)
    from .query import create_views  # noqa: PLC0415

    root = Path(root)
    out: dict[str, PrevRecord] = {}
    if not data_files(root / "snapshots") or not data_files(root / "changes"):
        return out
    spill = spill_dir(root, "previous")
    con = duckdb_connection(root, spill)
    try:
        create_views(con, root.resolve(), tables=PREVIOUS_TABLES)  # not every table's files bound at each start
        rel = con.sql(previous_sql(current_snapshot_id))
        to_reader = getattr(rel, "to_arrow_reader", None) or rel.fetch_arrow_reader  # DuckDB 2 / 1.x
        reader = to_reader(50_000)
        keys: dict[str, str] = {}  # one string per listing key, however many records it lists
        for batch in reader:
            cols = batch.to_pydict()
            for rid, tbl, sha, ver, url, seen, etag, lm, removed, listed in zip(
                cols["record_id"], cols["tbl"], cols["record_sha256"], cols["version"], cols["url"],
                cols["urls_seen"], cols["etag"], cols["last_modified"], cols["removed"], cols["listings"],
            ):
                listed = tuple(keys.setdefault(k, k) for k in listed or ())
                out[rid] = PrevRecord(tbl, sha, ver, url, seen, etag, lm, bool(removed), listed)
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    return out


def _column_values(files: Iterable[Path], column: str) -> Iterable:
    for f in files:
        yield from pq.read_table(f, columns=[column]).column(column).to_pylist()


def record_ids_done(root: str | Path, snapshot_id: str) -> set[str]:
    """record_ids with a ``changes`` row of ``snapshot_id`` on disk."""
    return set(_column_values(numbered_parts(Path(root) / "changes", snapshot_id), "record_id"))


def media_urls(root: str | Path, snapshot_id: str) -> set[str]:
    """URLs with a ``media_files`` row of ``snapshot_id`` on disk."""
    return set(_column_values(numbered_parts(Path(root) / "media_files", snapshot_id), "url"))


def snapshot_counts(root: str | Path, snapshot_id: str) -> dict[str, int]:
    """Counts of the snapshots row, from the snapshot's files (both runs of a resumed one)."""
    root = Path(root)
    counts = {f"records_{c}": 0 for c in ("new", "changed", "unchanged", "removed")}
    for f in numbered_parts(root / "changes", snapshot_id):
        col = pq.read_table(f, columns=["change"]).column("change")
        for item in pc.value_counts(col).to_pylist():
            key = f"records_{item['values']}"
            if key in counts:
                counts[key] += item["counts"]
    fetched = not_modified = 0
    for f in numbered_parts(root / "pages", snapshot_id):
        status = pq.read_table(f, columns=["status"]).column("status")
        n304 = pc.sum(pc.equal(status, 304)).as_py() or 0
        not_modified += n304
        fetched += len(status) - n304
    errors = sum(pq.ParquetFile(f).metadata.num_rows for f in numbered_parts(root / "errors", snapshot_id))
    return {"pages_fetched": fetched, "not_modified": not_modified, **counts, "errors": errors}
