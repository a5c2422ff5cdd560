"""Read the archive with DuckDB: one view per table over its Parquet files."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from .layout import data_files, numbered_parts, parse_part
from .marker import read_marker
from .schema import PUBLISHED_TS, TABLES

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
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        return duckdb_type(type_.value_type) + "[]"
    if pa.types.is_struct(type_):
        inner = ", ".join(
            f"{_ident(type_.field(i).name)} {duckdb_type(type_.field(i).type)}" for i in range(type_.num_fields)
        )
        return f"STRUCT({inner})"
    raise TypeError(f"no DuckDB type for {type_}")


def _visible_files(table: str, table_dir: Path) -> list[Path]:
    """Data files of a table, minus articles parts superseded by a final file (crash leftovers)."""
    files = data_files(table_dir)
    if table != "articles":
        return files
    superseded: set[Path] = set()
    for f in files:
        parsed = parse_part(f.name)
        if parsed and parsed[1] == "final":
            superseded.update(numbered_parts(table_dir, parsed[0]))
    return [f for f in files if f not in superseded]


def _source(table: str, table_dir: Path) -> str | None:
    files = _visible_files(table, table_dir)
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


def connect(root: str | os.PathLike[str], *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB connection with one view per archive table.

    Views over tables with files read ``<root>/<table>/*.parquet`` on every query
    (so they see parts written later); tables without files get an empty view
    with the right column types.  With ``read_only=True`` (default) the
    connection may read files only inside ``root`` (DuckDB's
    ``enable_external_access=false`` + ``allowed_directories``), which guards
    against accidental exports elsewhere; it is a guard, not a security
    boundary.  Use ``read_only=False`` to attach other data or ``COPY`` results out.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"archive folder not found: {root}")
    read_marker(root)  # refuses foreign/newer archives when a marker is present
    con = duckdb.connect(":memory:")
    for table, schema in TABLES.items():
        source = _source(table, root / table)
        body = f"SELECT * FROM {source}" if source else _empty_view(schema)
        con.execute(f'CREATE VIEW "{table}" AS {body}')
    if read_only:
        try:
            con.execute(f"SET allowed_directories = [{_lit(str(root) + os.sep)}]")
        except duckdb.Error:  # DuckDB < 1.3 has no allowed_directories: the guard is unavailable
            return con
        con.execute("SET enable_external_access = false")
    return con


def sample_rows(root: str | os.PathLike[str], n: int = 3) -> list[dict[str, Any]]:
    """The ``n`` most recently published articles (latest capture of each), as dicts.

    ``published_at`` is a timezone-aware datetime in Asia/Ho_Chi_Minh.
    """
    con = connect(root)
    try:
        table = con.sql(
            f"""
            SELECT article_id, title, published_at, author, section, url
            FROM articles
            QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY fetched_at DESC, snapshot_id DESC) = 1
            ORDER BY published_at DESC NULLS LAST, article_id
            LIMIT {int(n)}
            """
        ).to_arrow_table()
    finally:
        con.close()
    i = table.schema.get_field_index("published_at")
    table = table.set_column(i, "published_at", table.column(i).cast(PUBLISHED_TS))
    return table.to_pylist()
