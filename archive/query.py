"""Read the archive with DuckDB: one view per table over its Parquet files.

Besides a view per table (all stored rows), every record table ``T`` gets

* ``T_latest`` — the newest stored version of each record, without records
  whose latest ``changes`` row is ``removed``;
* ``T_as_of(snapshot_id)`` — a table macro: the state as of that snapshot
  (newest version stored by a snapshot <= it, without records removed as of it);

both without the records taken down (``taken_down`` view, :mod:`archive.takedowns`).

See :mod:`archive.versions` and ``docs/schema.md``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from .compact import superseded_parts
from .layout import data_files
from .marker import read_marker
from .schema import PUBLISHED_TS, RECORD_TABLES, TABLES
from .takedowns import TAKEN_DOWN_VIEW_SQL
from .versions import as_of_macro_sql, latest_view_sql

_GLOB_CHARS = set("*?[]{}")


def _lit(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'


def duckdb_type(type_: pa.DataType) -> str:
    """DuckDB SQL type for an Arrow type of the archive schemas."""
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        return "VARCHAR"
    simple = {pa.int8(): "TINYINT", pa.int16(): "SMALLINT", pa.int32(): "INTEGER", pa.int64(): "BIGINT"}
    if type_ in simple:
        return simple[type_]
    if pa.types.is_timestamp(type_):
        return "TIMESTAMPTZ" if type_.tz else "TIMESTAMP"
    if pa.types.is_date32(type_):
        return "DATE"
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        return duckdb_type(type_.value_type) + "[]"
    if pa.types.is_struct(type_):
        inner = ", ".join(
            f"{_ident(type_.field(i).name)} {duckdb_type(type_.field(i).type)}" for i in range(type_.num_fields)
        )
        return f"STRUCT({inner})"
    raise TypeError(f"no DuckDB type for {type_}")


def visible_files(table: str, table_dir: Path) -> list[Path]:
    """Data files of a table, minus numbered parts a final file replaces (crash leftovers)."""
    files = data_files(table_dir)
    if table not in RECORD_TABLES:
        return files
    superseded = superseded_parts(table_dir)
    return [f for f in files if f not in superseded]


def _source(table: str, table_dir: Path) -> str | None:
    files = visible_files(table, table_dir)
    if not files:
        return None
    if len(files) == len(data_files(table_dir)) and not (_GLOB_CHARS & set(str(table_dir))):
        target = _lit(f"{table_dir}{os.sep}*.parquet")
    else:
        target = "[" + ", ".join(_lit(f) for f in files) + "]"
    return f"read_parquet({target}, union_by_name = true)"


def _empty_view(schema: pa.Schema) -> str:
    cols = ", ".join(f'CAST(NULL AS {duckdb_type(f.type)}) AS "{f.name}"' for f in schema)
    return f"SELECT {cols} WHERE false"


def create_views(con: duckdb.DuckDBPyConnection, root: Path, *, include_taken_down: bool = False,
                 tables: tuple[str, ...] | None = None) -> None:
    """Create the per-table views, the ``taken_down`` view, the ``<table>_latest`` views and ``<table>_as_of``
    macros on ``con`` (without the records taken down, unless ``include_taken_down``); ``tables``: only the
    views of these tables (a query of one table need not bind every table's files: ~0.1 s a connection)."""
    for table, schema in TABLES.items():
        if tables is not None and table not in tables:
            continue
        source = _source(table, root / table)
        # files written before an additive schema change lack its columns: they read as NULL
        body = f"SELECT * FROM {source} UNION ALL BY NAME {_empty_view(schema)}" if source else _empty_view(schema)
        con.execute(f'CREATE OR REPLACE VIEW "{table}" AS {body}')
    if tables is not None:
        return
    con.execute(f"CREATE OR REPLACE VIEW taken_down AS {TAKEN_DOWN_VIEW_SQL}")
    hide = not include_taken_down
    for table in RECORD_TABLES:
        con.execute(f'CREATE OR REPLACE VIEW "{table}_latest" AS {latest_view_sql(table, hide_taken_down=hide)}')
        con.execute(as_of_macro_sql(table, hide_taken_down=hide))


def connect(root: str | os.PathLike[str], *, read_only: bool = True, include_taken_down: bool = False,
            tables: tuple[str, ...] | None = None, config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB connection with one view per archive table, plus versions views.

    Views over tables with files read ``<root>/<table>/*.parquet`` on every query
    (so they see parts written later); tables without files get an empty view
    with the right column types.  Record tables also get ``<table>_latest``
    (views) and ``<table>_as_of(snapshot_id)`` (table macros), which leave out the records taken down
    (:mod:`archive.takedowns`; the view ``taken_down`` lists them) unless ``include_taken_down=True``
    (a legal review).  With
    ``read_only=True`` (default) the connection may read files only inside
    ``root`` (DuckDB's ``enable_external_access=false`` + ``allowed_directories``),
    which guards against accidental exports elsewhere; it is a guard, not a
    security boundary.  Use ``read_only=False`` to attach other data or ``COPY`` results out.  ``tables``:
    only these tables' views (see :func:`create_views`).  ``config``: DuckDB settings given at connect
    (e.g. ``threads``, ``memory_limit``), as :func:`archive.compact.duckdb_connection` gives its own.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"archive folder not found: {root}")
    read_marker(root)  # refuses foreign/newer archives when a marker is present
    con = duckdb.connect(":memory:", config=config or {})
    create_views(con, root, include_taken_down=include_taken_down, tables=tables)
    if read_only:
        try:
            con.execute(f"SET allowed_directories = [{_lit(str(root) + os.sep)}]")
        except duckdb.Error:  # DuckDB < 1.3 has no allowed_directories: the guard is unavailable
            return con
        con.execute("SET enable_external_access = false")
    return con


def site_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The sites of an archive of ``crawl --sites`` (from its fetch log), sorted; empty for a crawl of one portal."""
    return [r[0] for r in con.execute("SELECT DISTINCT site FROM pages WHERE site IS NOT NULL ORDER BY 1").fetchall()]


def unknown_site(root: str | os.PathLike[str], site: str, sites: list[str]) -> str:
    """The one line that refuses a ``--site`` the archive does not have, naming the ones it has."""
    return f"no site {site!r} in {root} (its sites: {', '.join(sites) or 'none: a crawl of one portal'})"


def sample_rows(root: str | os.PathLike[str], n: int = 3) -> list[dict[str, Any]]:
    """The ``n`` most recently published articles (latest version of each), as dicts.

    ``published_at`` is a timezone-aware datetime in Asia/Ho_Chi_Minh.
    """
    con = connect(root)
    try:
        table = con.sql(
            f"""
            SELECT article_id, title, published_at, author, section, url
            FROM articles_latest
            ORDER BY published_at DESC NULLS LAST, article_id
            LIMIT {int(n)}
            """
        ).to_arrow_table()
    finally:
        con.close()
    i = table.schema.get_field_index("published_at")
    table = table.set_column(i, "published_at", table.column(i).cast(PUBLISHED_TS))
    return table.to_pylist()
