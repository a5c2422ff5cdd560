"""Compaction of one snapshot's record parts into ``<table>/part-<snapshot>-final.parquet``.

For every record table (articles, documents, albums, videos, schedules,
static_pages) the final file holds ONE row per record stored by the snapshot:
the row matching the snapshot's ``changes`` row of that record (``new`` or
``changed``, same version and record_sha256; if several rows match — a killed
run and its resumption both captured it — the latest ``fetched_at``, whose WARC
record the completed run finished writing).  Rows without a
matching ``changes`` row (left by a process killed before it recorded the
change) are dropped: the resumed run recorded the record again.  Each kept row gets

* ``urls_seen`` = distinct union of the ``urls_seen`` and ``url`` of every row
  of that record in the snapshot's parts, and of every ``url_aliases`` row of
  that record_id (any snapshot), ordered by preference (:mod:`archive.urls`);
* ``url`` = the first, i.e. preferred, of them.

How memory stays flat: DuckDB (memory limit + spill folder) only ever touches
the narrow columns (ids, versions, hashes, URLs, capture times) and builds a
small "plan" (file, row number, URLs).  The wide columns are then streamed part
by part with pyarrow into a ``ParquetWriter`` (row groups of at most 100k rows)
writing a temp file, renamed into place only after its row count was checked.

The final file's key-value metadata lists the part files it was made from
(``portal_archive.compacted_parts``, a JSON list of names).  Readers
(:mod:`archive.query`) hide those parts once the final exists; the parts
themselves are deleted only after the snapshot's ``snapshots`` row is written
(:func:`delete_compacted`), so a snapshot that did not finish closing still
has all its parts: resuming it discards its finals (:func:`discard_finals`) and
compacts everything again at the next close.  :func:`recover` deletes parts
left behind by a process killed between the ``snapshots`` row and the deletes.
"""

from __future__ import annotations

import json
import shutil
import uuid
from bisect import bisect_left
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .atomic import TEMP_PREFIX, delete_files, write_new_file
from .exceptions import ArchiveError
from .layout import closed_snapshot_ids, data_files, final_name, final_part, final_parts, numbered_parts, parse_part
from .manifest import forget_file, read_manifest, record_file, relpath
from .schema import RECORD_TABLES, TABLES
from .urls import url_rank_sql
from .writer import COMPRESSION, COMPRESSION_LEVEL

MEMORY_LIMIT = "512MB"
ROW_GROUP_ROWS = 100_000
ROW_GROUP_BYTES = 8 * 1024 * 1024  # wide rows (articles ~12 KB): ~700 a group; bounds compaction memory
READ_BATCH_ROWS = 256  # rows of a part decoded at a time
#: the plan of a snapshot of more record rows is made in buckets of about this many (by a hash of the record
#: id; every row of a record in one bucket), one DuckDB query each: DuckDB's working set (joins, window, URL
#: lists: ~3 KB a row) is that of one bucket however large the snapshot (bench/close_memory.py); each input is
#: read once, its narrow columns split into the buckets' files, so the time stays linear
PLAN_BUCKET_ROWS = 5_000
#: DuckDB's limit and threads for the plan: one thread holds one set of Parquet readers and hash tables
PLAN_MEMORY_LIMIT = "128MB"
PLAN_THREADS = 1
PLAN_READ_ROWS = 2048  # plan rows decoded at a time from each bucket's file

META_SNAPSHOT = b"portal_archive.snapshot_id"
META_PARTS = b"portal_archive.compacted_parts"


def _sql_str(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _file_list(paths: list[Path]) -> str:
    return "[" + ", ".join(_sql_str(p) for p in paths) + "]"


def duckdb_connection(root: Path, spill: Path, memory_limit: str = MEMORY_LIMIT,
                      threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with a memory limit (and ``threads``: DuckDB's default, one per core, when None),
    spilling into ``spill`` (inside the archive)."""
    spill.mkdir(exist_ok=True)
    config = {"memory_limit": memory_limit, "temp_directory": str(spill), "preserve_insertion_order": "false"}
    if threads is not None:
        config["threads"] = threads
    return duckdb.connect(config=config)


def spill_dir(root: Path, what: str) -> Path:
    return Path(root) / f"{TEMP_PREFIX}duckdb-{what}-{uuid.uuid4().hex[:8]}"


def compacted_parts(final: Path) -> list[str]:
    """Names of the numbered parts a final file was made from (from its metadata)."""
    meta = pq.read_schema(final).metadata or {}
    raw = meta.get(META_PARTS)
    if raw is None:
        return []
    try:
        names = json.loads(raw.decode("utf-8"))
    except ValueError:
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def superseded_parts(table_dir: Path) -> set[Path]:
    """Numbered parts of ``table_dir`` that a final file replaces (present or not)."""
    out: set[Path] = set()
    for final in final_parts(table_dir):
        out.update(table_dir / name for name in compacted_parts(final))
    return out


def plan_sources(table: str, snapshot_id: str, parts: list[Path], changes: list[Path],
                 alias_files: list[Path]) -> tuple[str, str, str | None]:
    """The three inputs of a plan, as SELECTs over the archive's files: the parts' rows (ids, versions,
    hashes, capture times, URLs, file and row number), the snapshot's ``changes`` rows storing a version of
    ``table``, the ``url_aliases`` rows (None: there are none)."""
    src = (
        "SELECT record_id, version, record_sha256, fetched_at, url, urls_seen, filename, file_row_number"
        f" FROM read_parquet({_file_list(parts)}, union_by_name = true, filename = true, file_row_number = true)"
    )
    if changes:
        ch = (
            "SELECT DISTINCT record_id, version, record_sha256"
            f" FROM read_parquet({_file_list(changes)}, union_by_name = true)"
            f" WHERE snapshot_id = {_sql_str(snapshot_id)} AND \"table\" = {_sql_str(table)}"
            " AND change IN ('new', 'changed')"
        )
    else:
        ch = "SELECT NULL::VARCHAR AS record_id, NULL::INTEGER AS version, NULL::VARCHAR AS record_sha256 WHERE false"
    aliases = f"SELECT record_id, url FROM read_parquet({_file_list(alias_files)}, union_by_name = true)" \
        if alias_files else None
    return src, ch, aliases


def plan_sql(parts: list[Path], src: str, ch: str, aliases: str | None) -> str:
    """SELECT giving, per kept row: part (its index in ``parts``), file_row_number, urls (preferred first),
    in that order, from the inputs of :func:`plan_sources` (or one bucket of them)."""
    union_aliases = f"\n    UNION SELECT record_id, url AS u FROM ({aliases}) WHERE record_id IN (SELECT record_id FROM pick)" \
        if aliases else ""
    return f"""
WITH src AS ({src}),
numbered AS (SELECT unnest({_file_list(parts)}) AS filename, unnest(range({len(parts)})) AS part),
ch AS ({ch}),
pick AS (
    SELECT s.record_id, s.filename, s.file_row_number
    FROM src s JOIN ch ON s.record_id = ch.record_id AND s.version = ch.version AND s.record_sha256 = ch.record_sha256
    QUALIFY row_number() OVER (
        PARTITION BY s.record_id ORDER BY s.fetched_at DESC, s.filename DESC, s.file_row_number DESC
    ) = 1
),
u AS (
    SELECT record_id, unnest(urls_seen) AS u FROM src WHERE record_id IN (SELECT record_id FROM pick)
    UNION SELECT record_id, url AS u FROM src WHERE record_id IN (SELECT record_id FROM pick){union_aliases}
),
g AS (
    SELECT record_id, list(u ORDER BY r, length(u), u) AS urls
    FROM (SELECT record_id, u, {url_rank_sql('u')} AS r FROM u WHERE u IS NOT NULL AND u <> '')
    GROUP BY record_id
)
SELECT numbered.part, pick.file_row_number, g.urls
FROM pick JOIN numbered ON numbered.filename = pick.filename LEFT JOIN g ON g.record_id = pick.record_id
ORDER BY numbered.part, pick.file_row_number
"""


def _apply_plan(part: pa.Table, numbers: list[int], urls_list: list[list[str] | None], schema: pa.Schema,
                first: int = 0) -> pa.Table:
    """Kept rows of one part (or of its rows from number ``first`` on): the rows numbered ``numbers``, with
    url/urls_seen from the plan's ``urls_list``, cast to ``schema``."""
    kept = part.take(pa.array([n - first for n in numbers], type=pa.int64()))
    old_url = kept.column("url").to_pylist()
    new_url = [u[0] if u else o for u, o in zip(urls_list, old_url)]
    new_seen = [u if u is not None else [] for u in urls_list]
    columns = []
    for field in schema:
        if field.name == "url":
            columns.append(pa.array(new_url, type=field.type))
        elif field.name == "urls_seen":
            columns.append(pa.array(new_seen, type=field.type))
        elif field.name in kept.column_names:
            columns.append(kept.column(field.name).cast(field.type))
        else:  # a part written before an additive schema change
            columns.append(pa.nulls(kept.num_rows, type=field.type))
    return pa.Table.from_arrays(columns, schema=schema.remove_metadata())


def plan_buckets(parts: list[Path]) -> int:
    """How many buckets the plan of ``parts`` is made in (:data:`PLAN_BUCKET_ROWS`; from the files' footers)."""
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
    return max(1, -(-rows // PLAN_BUCKET_ROWS))


def write_plan(root: Path, table: str, snapshot_id: str, parts: list[Path], spill: Path,
               memory_limit: str = PLAN_MEMORY_LIMIT) -> tuple[Path | None, int]:
    """The compaction plan of ``parts`` as one Parquet file in ``spill`` sorted by (part, file_row_number) (None:
    it keeps no row), and how many rows it keeps. Over :data:`PLAN_BUCKET_ROWS` rows, each input is first
    split by a hash of the record id (one pass over it, its narrow columns only), the plan made bucket by
    bucket, and the buckets' plans sorted into one (DuckDB's sort spills). DuckDB is closed when this returns."""
    src, ch, aliases = plan_sources(table, snapshot_id, parts, numbered_parts(root / "changes", snapshot_id),
                                    data_files(root / "url_aliases"))
    n = plan_buckets(parts)
    con = duckdb_connection(root, spill, memory_limit, PLAN_THREADS)
    plan = spill / "plan.parquet"
    layout = f"(FORMAT parquet, ROW_GROUP_SIZE {PLAN_READ_ROWS})"
    try:
        if n == 1:
            kept = con.execute(f"COPY ({plan_sql(parts, src, ch, aliases)}) TO {_sql_str(plan)} {layout}").fetchall()[0][0]
            return (plan if kept else None), kept
        split = {"src": src, "ch": ch}
        if aliases:  # only the snapshot's records' aliases
            split["aliases"] = f"SELECT * FROM ({aliases}) WHERE record_id IN (SELECT record_id FROM ({ch}))"
        for name, sql in split.items():
            con.execute(f"COPY (SELECT *, hash(record_id) % {n} AS bucket FROM ({sql})) TO {_sql_str(spill / name)}"
                        " (FORMAT parquet, PARTITION_BY (bucket))")
        buckets = []
        for b in range(n):
            folder = {name: spill / name / f"bucket={b}" for name in split}
            if not (folder["src"].is_dir() and folder["ch"].is_dir()):
                continue  # no stored row, or no change, of a record of this bucket: nothing kept
            of = {name: f"SELECT * FROM read_parquet({_sql_str(path / '*.parquet')}, hive_partitioning = false)"
                  for name, path in folder.items() if path.is_dir()}
            out = spill / f"plan-{b:05d}.parquet"
            con.execute(f"COPY ({plan_sql(parts, of['src'], of['ch'], of.get('aliases'))}) TO {_sql_str(out)}"
                        " (FORMAT parquet)")
            buckets.append(out)
        if not buckets:
            return None, 0
        kept = con.execute(
            f"COPY (SELECT part, file_row_number, urls FROM read_parquet({_file_list(buckets)})"
            f" ORDER BY part, file_row_number) TO {_sql_str(plan)} {layout}").fetchall()[0][0]
        return (plan if kept else None), kept
    finally:
        con.close()


def _plan_rows(path: Path | None):
    """(part, file_row_number, urls) of the plan file, in its order, a row group at a time."""
    if path is None:
        return
    with pq.ParquetFile(path) as plan:
        for batch in plan.iter_batches(batch_size=PLAN_READ_ROWS, use_threads=False):
            yield from zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(), batch.column(2).to_pylist())


def compact_table(root: Path, table: str, snapshot_id: str, *, memory_limit: str = PLAN_MEMORY_LIMIT) -> Path | None:
    """Compact ``snapshot_id``'s numbered parts of record table ``table`` into its final file.

    Returns the final file (None if the snapshot has no parts in that table).
    The parts are NOT deleted here (see :func:`delete_compacted`).  If a final
    made from exactly the current parts exists, it is kept; a final made from
    other parts (a crashed close of a snapshot that then got more parts) is
    deleted and rebuilt.
    """
    if table not in RECORD_TABLES:
        raise ValueError(f"{table!r} is not a record table")
    root = Path(root)
    schema = TABLES[table]
    table_dir = root / table
    parts = numbered_parts(table_dir, snapshot_id)
    existing = final_part(table_dir, snapshot_id)
    if existing.exists():
        if compacted_parts(existing) == [p.name for p in parts] or not parts:
            return existing
        if snapshot_id in closed_snapshot_ids(root):
            raise ArchiveError(f"snapshot {snapshot_id} is closed: its final file {existing} is not rebuilt")
        discard = [existing]
        delete_files(discard, manifest_root=root)
    if not parts:
        return None
    spill = spill_dir(root, snapshot_id)
    try:
        plan_file, expected = write_plan(root, table, snapshot_id, parts, spill, memory_limit)
        written = 0
        meta = dict(schema.metadata or {})
        meta[META_SNAPSHOT] = snapshot_id.encode()
        meta[META_PARTS] = json.dumps([p.name for p in parts]).encode()
        out_schema = schema.with_metadata(meta)

        def write(tmp: Path) -> None:
            plan = _plan_rows(plan_file)  # in the parts' order: one part's plan held at a time
            step = next(plan, None)
            with pq.ParquetWriter(tmp, out_schema, compression=COMPRESSION,
                                  compression_level=COMPRESSION_LEVEL) as out:
                pending: list[pa.Table] = []  # rows waiting for the current row group
                rows = size = 0

                def emit(t: pa.Table) -> None:
                    nonlocal written
                    out.write_table(t.replace_schema_metadata(meta), row_group_size=ROW_GROUP_ROWS)
                    written += t.num_rows

                for index, part in enumerate(parts):
                    numbers, urls = [], []
                    while step is not None and step[0] == index:
                        numbers.append(step[1])
                        urls.append(step[2])
                        step = next(plan, None)
                    if not numbers:
                        continue
                    first = 0
                    with pq.ParquetFile(part) as source:  # a few hundred rows at a time, never a whole part
                        for batch in source.iter_batches(batch_size=READ_BATCH_ROWS, use_threads=False):
                            last = first + batch.num_rows
                            lo, hi = bisect_left(numbers, first), bisect_left(numbers, last)
                            if hi > lo:
                                kept = _apply_plan(pa.Table.from_batches([batch]), numbers[lo:hi], urls[lo:hi], schema,
                                                   first)
                                pending.append(kept)
                                rows += kept.num_rows
                                size += kept.nbytes
                            first = last
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
                    f"compaction of {table} of snapshot {snapshot_id}: wrote {written} rows, expected {expected}; parts kept"
                )

        taken: list[str] = []

        def names() -> str:
            if taken:
                raise ArchiveError(f"{final_part(table_dir, snapshot_id)} appeared during compaction")
            taken.append(final_name(snapshot_id))
            return taken[0]

        final = write_new_file(table_dir, names, write, manifest_root=root)
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return final


def _delete(paths: list[Path], manifest_root: Path | None = None) -> None:
    delete_files(paths, manifest_root=manifest_root)


def delete_compacted(root: Path, snapshot_id: str) -> list[Path]:
    """Delete the numbered parts that ``snapshot_id``'s final files replace (after its snapshots row)."""
    root = Path(root)
    doomed: list[Path] = []
    for table in RECORD_TABLES:
        final = final_part(root / table, snapshot_id)
        if final.exists():
            doomed += [p for p in (root / table / n for n in compacted_parts(final)) if p.exists()]
    if doomed:
        _delete(doomed, root)
    return doomed


def discard_finals(root: Path, snapshot_id: str) -> list[Path]:
    """Delete the final files of an UNFINISHED snapshot (its parts are all still there)."""
    root = Path(root)
    if snapshot_id in closed_snapshot_ids(root):
        raise ArchiveError(f"snapshot {snapshot_id} is closed; its final files are kept")
    finals = [f for f in (final_part(root / t, snapshot_id) for t in RECORD_TABLES) if f.exists()]
    if finals:
        delete_files(finals, manifest_root=root)
    return finals


def recover(root: Path) -> list[Path]:
    """Delete numbered parts that a CLOSED snapshot's final files replace.

    Such leftovers exist only if a process died after writing the snapshots
    row and before deleting the parts.  Returns the deleted paths.
    """
    root = Path(root)
    closed = closed_snapshot_ids(root)
    leftovers: list[Path] = []
    for table in RECORD_TABLES:
        for final in final_parts(root / table):
            parsed = parse_part(final.name)
            if parsed and parsed[0] in closed:
                leftovers += [p for p in (root / table / n for n in compacted_parts(final)) if p.exists()]
    if leftovers:
        _delete(leftovers, root)
    return leftovers


def reconcile_manifest(root: Path) -> tuple[list[str], list[str]]:
    """Make ``_manifest.jsonl`` agree with the table folders after a crash.

    Records published Parquet files the manifest lacks (killed between the
    rename and the append) and forgets entries of table files that are gone
    (killed between a delete and its manifest line).  Files outside the table
    folders (WARC, CDXJ, media) are left alone.  Returns (recorded, forgotten).
    """
    root = Path(root)
    entries = read_manifest(root)
    recorded, forgotten = [], []
    for table in TABLES:
        for path in data_files(root / table):
            rel = relpath(root, path)
            if rel not in entries:
                record_file(root, path)
                recorded.append(rel)
    for rel in entries:
        head, _, rest = rel.partition("/")
        if head in TABLES and rest and "/" not in rest and rel.endswith(".parquet") and not (root / rel).exists():
            forget_file(root, rel)
            forgotten.append(rel)
    return recorded, forgotten
