"""``jsonl``, ``csv`` and ``parquet``: every field of every record, plus where it went and its media.

* ``records.jsonl`` — one JSON object per record, all kinds, every archived column under its own name
  (timestamps ISO 8601 with their offset: ``published_at`` in +07:00, capture times in UTC; dates
  ``YYYY-MM-DD``), and ``export``: the new ``path``, the ``categories`` (root first) and the ``media``
  (role, URL, SHA-256, archive path, exported file or why it is missing).
* ``<table>.csv`` — one file per kind (their columns differ), lists and structs as JSON in their cell,
  then ``export_path``, ``export_categories`` and ``export_media``.
* ``<table>.parquet`` — one file per kind with the archive's own Arrow schema plus the same three columns.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from archive import TABLES

from .collect import Item

MEDIA_TYPE = pa.struct([(name, pa.int64() if name == "size" else pa.string()) for name in
                        ("role", "url", "sha256", "label", "archive_path", "mime_type", "size", "file", "missing")])
EXPORT_FIELDS = [
    pa.field("export_path", pa.string(), metadata={"description": "Path of the record in the new site."}),
    pa.field("export_categories", pa.list_(pa.string()), metadata={"description": "Category names, root first."}),
    pa.field("export_media", pa.list_(MEDIA_TYPE),
             metadata={"description": "Media: archive path and sha256, exported file (media/…) or why missing."}),
]


def json_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return value


def export_block(item: Item) -> dict[str, Any]:
    return {"path": item.path,
            "categories": [{"slug": "/".join(c.area), "name": c.name} for c in item.categories],
            "media": [dict(m, file=f"media/{m['file']}" if m["file"] else None) for m in item.media],
            "urls": item.urls}


class TabularWriter:
    def __init__(self, fmt: str, folder: Path, tables: list[str]):
        self.fmt = fmt
        self.folder = folder
        self.tables = tables
        self._jsonl = open(folder / "records.jsonl", "w", encoding="utf-8") if fmt == "jsonl" else None
        self._csv: dict[str, tuple[Any, csv.writer]] = {}
        self._parquet: dict[str, pq.ParquetWriter] = {}
        self._rows: dict[str, list[dict[str, Any]]] = {}

    def add(self, item: Item) -> None:
        block = export_block(item)
        if self._jsonl is not None:
            self._jsonl.write(json.dumps({**json_value(item.row), "export": block}, ensure_ascii=False) + "\n")
            return
        extra = {"export_path": block["path"], "export_categories": [c["name"] for c in block["categories"]],
                 "export_media": block["media"]}
        if self.fmt == "csv":
            self._csv_row(item.table, {**item.row, **extra})
        else:
            rows = self._rows.setdefault(item.table, [])
            rows.append({**item.row, **extra})
            if len(rows) >= 1000:
                self._flush_parquet(item.table)

    def _csv_row(self, table: str, row: dict[str, Any]) -> None:
        if table not in self._csv:
            fh = open(self.folder / f"{table}.csv", "w", encoding="utf-8", newline="")
            writer = csv.writer(fh)
            writer.writerow(list(row))
            self._csv[table] = (fh, writer)

        def cell(v: Any) -> Any:
            if isinstance(v, (list, dict)):
                return json.dumps(json_value(v), ensure_ascii=False)
            if isinstance(v, (dt.datetime, dt.date)):
                return v.isoformat()
            return "" if v is None else v

        self._csv[table][1].writerow([cell(v) for v in row.values()])

    def _flush_parquet(self, table: str, empty_ok: bool = False) -> None:
        rows = self._rows.pop(table, [])
        if not rows and not empty_ok:
            return
        schema = pa.schema(list(TABLES[table]) + EXPORT_FIELDS, metadata=TABLES[table].metadata)
        if table not in self._parquet:
            self._parquet[table] = pq.ParquetWriter(self.folder / f"{table}.parquet", schema, compression="zstd")
        self._parquet[table].write_table(pa.Table.from_pylist(rows, schema=schema))

    def close(self) -> None:
        """Flush; a selected kind without records still gets its file (header only / empty Parquet)."""
        if self._jsonl is not None:
            self._jsonl.close()
        for table in self.tables:
            if self.fmt == "csv" and table not in self._csv:
                with open(self.folder / f"{table}.csv", "w", encoding="utf-8", newline="") as fh:
                    csv.writer(fh).writerow(TABLES[table].names + [f.name for f in EXPORT_FIELDS])
            if self.fmt == "parquet" and table not in self._parquet:
                self._flush_parquet(table, empty_ok=True)
        for fh, _ in self._csv.values():
            fh.close()
        for table in list(self._rows):
            self._flush_parquet(table)
        for writer in self._parquet.values():
            writer.close()
