"""``sqlite``: research's Datasette-ready database (:func:`research.sqlite_db.build_sqlite`), this export's records only.

``archive.db`` has a table per kind, ``records`` and folded FTS5 (``dang bo`` finds ``Đảng bộ``);
``metadata.json`` is its Datasette metadata: ``datasette archive.db -m metadata.json``.
"""
from __future__ import annotations

from pathlib import Path

from research.sqlite_db import build_sqlite

from .collect import Collector


def write_sqlite(collector: Collector, folder: Path) -> Path:
    keep_ids = collector.exported_ids
    result = build_sqlite(collector.source.root, folder / "archive.db", collector.selection.snapshot,
                          metadata_path=folder / "metadata.json",
                          keep=lambda table, row: row["record_id"] in keep_ids)
    return result.path
