"""Compaction of one snapshot's ``articles`` parts into ``part-<snapshot>-final.parquet``.

The final file holds ONE row per article_id of the snapshot (if the crawler
wrote an article twice, the first capture — earliest ``fetched_at`` — is kept)
with

* ``urls_seen`` = distinct union of the rows' ``urls_seen`` and ``url``, and of
  every ``url_aliases`` row of that article_id (any snapshot), ordered by
  preference (:mod:`archive.urls`), and
* ``url`` = the first, i.e. preferred, of them.

How memory stays flat: DuckDB (memory limit + spill folder) only ever touches
the narrow columns (article_id, url, urls_seen, fetched_at, content_sha256 and
the aliases): it picks the row to keep per article and groups the URLs into a
small "plan" table (file, row number, URLs).  The wide columns (bodies, HTML)
are then streamed part by part with pyarrow: each part's kept rows get their
URLs from the plan, are cast to the exact ``articles`` schema and appended to a
``ParquetWriter`` (row groups of at most 100k rows) writing a temp file, which
is renamed into place only after its row count was checked.  Only then are the
numbered parts deleted.  A crash between the rename and the deletes leaves
final + parts; :func:`recover` (run whenever an ArchiveWriter opens) deletes
such leftover parts, since the final file supersedes them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .atomic import TEMP_PREFIX, fsync_dir, write_new_file
from .exceptions import ArchiveError
from .layout import data_files, final_name, final_part, numbered_parts, parse_part
from .schema import ARTICLES
from .urls import url_rank_sql
from .writer import COMPRESSION

MEMORY_LIMIT = "512MB"
ROW_GROUP_ROWS = 100_000
ROW_GROUP_BYTES = 64 * 1024 * 1024


def _sql_str(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _file_list(paths: list[Path]) -> str:
    return "[" + ", ".join(_sql_str(p) for p in paths) + "]"


def plan_sql(parts: list[Path], alias_files: list[Path]) -> str:
    """SELECT giving, per kept row: filename, file_row_number, urls (preferred first)."""
    src = f"read_parquet({_file_list(parts)}, union_by_name = true, filename = true, file_row_number = true)"
    aliases = ""
    if alias_files:
        aliases = (
            f"\n    UNION SELECT article_id, url AS u"
            f" FROM read_parquet({_file_list(alias_files)}, union_by_name = true)"
            f" WHERE article_id IN (SELECT article_id FROM {src})"
        )
    return f"""
WITH pick AS (
    SELECT article_id, filename, file_row_number FROM {src}
    QUALIFY row_number() OVER (
        PARTITION BY article_id
        ORDER BY fetched_at, content_sha256 NULLS LAST, url, filename, file_row_number
    ) = 1
),
u AS (
    SELECT article_id, unnest(urls_seen) AS u FROM {src}
    UNION SELECT article_id, url AS u FROM {src}{aliases}
),
g AS (
    SELECT article_id, list(u ORDER BY r, length(u), u) AS urls
    FROM (SELECT article_id, u, {url_rank_sql('u')} AS r FROM u WHERE u IS NOT NULL AND u <> '')
    GROUP BY article_id
)
SELECT pick.filename, pick.file_row_number, g.urls
FROM pick LEFT JOIN g ON g.article_id = pick.article_id
ORDER BY pick.filename, pick.file_row_number
"""


def _apply_plan(part: pa.Table, rows: pa.Table) -> pa.Table:
    """Kept rows of one part, with url/urls_seen from the plan, cast to ARTICLES."""
    kept = part.take(rows.column("file_row_number").cast(pa.int64()))
    urls = rows.column("urls").combine_chunks().cast(pa.list_(pa.string()))
    urls_list = urls.to_pylist()
    old_url = kept.column("url").to_pylist()
    new_url = [u[0] if u else o for u, o in zip(urls_list, old_url)]
    new_seen = [u if u is not None else [] for u in urls_list]
    columns = []
    for field in ARTICLES:
        if field.name == "url":
            columns.append(pa.array(new_url, type=field.type))
        elif field.name == "urls_seen":
            columns.append(pa.array(new_seen, type=field.type))
        elif field.name in kept.column_names:
            columns.append(kept.column(field.name).cast(field.type))
        else:  # a part written before an additive schema change
            columns.append(pa.nulls(kept.num_rows, type=field.type))
    return pa.Table.from_arrays(columns, schema=ARTICLES)


def compact_articles(root: Path, snapshot_id: str, *, memory_limit: str = MEMORY_LIMIT) -> Path | None:
    """Compact ``snapshot_id``'s numbered articles parts; returns the final file (None if no parts)."""
    root = Path(root)
    articles_dir = root / "articles"
    parts = numbered_parts(articles_dir, snapshot_id)
    if not parts:
        return None
    if final_part(articles_dir, snapshot_id).exists():
        raise ArchiveError(f"snapshot {snapshot_id} is already compacted but has numbered parts; run recover()")
    alias_files = data_files(root / "url_aliases")
    spill = root / f"{TEMP_PREFIX}duckdb-{snapshot_id}-{uuid.uuid4().hex[:8]}"
    spill.mkdir()
    con = duckdb.connect(
        config={
            "memory_limit": memory_limit,
            "temp_directory": str(spill),
            "preserve_insertion_order": "false",
        }
    )
    try:
        con.execute(f"CREATE TEMP TABLE plan AS {plan_sql(parts, alias_files)}")
        expected = con.execute("SELECT count(*) FROM plan").fetchall()[0][0]
        written = 0

        def write(tmp: Path) -> None:
            nonlocal written
            meta = dict(ARTICLES.metadata or {})
            meta[b"portal_archive.snapshot_id"] = snapshot_id.encode()
            meta[b"portal_archive.compacted_parts"] = str(len(parts)).encode()
            schema = ARTICLES.with_metadata(meta)
            with pq.ParquetWriter(tmp, schema, compression=COMPRESSION) as out:
                pending: list[pa.Table] = []  # rows waiting for the current row group
                rows = size = 0

                def emit(table: pa.Table) -> None:
                    nonlocal written
                    out.write_table(table.replace_schema_metadata(meta), row_group_size=ROW_GROUP_ROWS)
                    written += table.num_rows

                for part in parts:
                    plan = con.sql(
                        "SELECT file_row_number, urls FROM plan WHERE filename = $f ORDER BY file_row_number",
                        params={"f": str(part)},
                    ).to_arrow_table()
                    if plan.num_rows == 0:
                        continue
                    kept = _apply_plan(pq.read_table(part), plan)
                    pending.append(kept)
                    rows += kept.num_rows
                    size += kept.nbytes
                    while rows >= ROW_GROUP_ROWS:  # full row groups of exactly ROW_GROUP_ROWS
                        combined = pa.concat_tables(pending)
                        emit(combined.slice(0, ROW_GROUP_ROWS))
                        rest = combined.slice(ROW_GROUP_ROWS)
                        pending = [rest] if rest.num_rows else []
                        rows, size = rest.num_rows, rest.nbytes
                    if size >= ROW_GROUP_BYTES:  # wide rows: cut the group early
                        emit(pa.concat_tables(pending))
                        pending, rows, size = [], 0, 0
                if pending:
                    emit(pa.concat_tables(pending))
            if written != expected:
                raise ArchiveError(
                    f"compaction of snapshot {snapshot_id}: wrote {written} rows, expected {expected}; parts kept"
                )

        taken: list[str] = []

        def names() -> str:
            if taken:
                raise ArchiveError(f"{final_part(articles_dir, snapshot_id)} appeared during compaction")
            taken.append(final_name(snapshot_id))
            return taken[0]

        final = write_new_file(articles_dir, names, write)
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    _delete(parts)
    return final


def _delete(paths: list[Path]) -> None:
    dirs = set()
    for p in paths:
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass
        dirs.add(p.parent)
    for d in dirs:
        fsync_dir(d)


def recover(root: Path) -> list[Path]:
    """Delete numbered articles parts of snapshots that already have a final file.

    Such leftovers exist only if a process died after publishing the final file
    and before deleting the parts it was made from.  Returns the deleted paths.
    """
    articles_dir = Path(root) / "articles"
    leftovers: list[Path] = []
    for path in data_files(articles_dir):
        parsed = parse_part(path.name)
        if parsed and parsed[1] == "final":
            leftovers += numbered_parts(articles_dir, parsed[0])
    _delete(leftovers)
    return leftovers
