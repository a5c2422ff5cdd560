"""Fixity: content hashes of records, and sha256 of files.

``record_sha256(row, table)`` is the sha256 hex digest of the canonical JSON of
the record's *content fields* (:data:`CONTENT_FIELDS`): every column of the
record table except capture metadata (``url, urls_seen, fetched_at,
http_status, content_sha256, record_sha256, version, etag, last_modified,
warc_*, snapshot_id, schema_version, extractor_version``).  The sha256 of media
inside ``images`` / ``attachments`` (and ``videos.video_sha256``) ARE content:
re-downloaded different bytes make a new version.

Canonical JSON: ``json.dumps(obj, sort_keys=True, ensure_ascii=False,
separators=(",", ":"))`` of ``{field: value}`` for every content field, where
values are first normalised by the column's Arrow type, so a row dict built by
the pipelines and the same row read back from Parquet (``to_pylist()``) give
the same digest:

* a missing key and ``None`` are both ``null`` (kept in the JSON) — except the
  values the writer fills in: ``kind`` (the table's kind) and, in ``articles``,
  ``record_id`` / ``article_id`` (each other's value);
* strings byte for byte (no Unicode normalisation);
* timestamps (aware ``datetime`` or ISO string with offset) → the instant shown
  in the column's time zone, ``datetime.isoformat()`` (e.g.
  ``2020-09-03T07:55:00+07:00``);
* dates (``date`` or ``YYYY-MM-DD``) → ``date.isoformat()``;
* lists (list or tuple) → JSON arrays; structs → objects with ALL the struct's
  fields (a missing key → null), so ``{"url": u}`` == ``{"url": u, "sha256": None}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from .convert import converter_for
from .schema import CAPTURE_FIELDS, RECORD_TABLES, TABLES

#: Record table -> the fields that define a record's content, in schema order.
CONTENT_FIELDS: dict[str, tuple[str, ...]] = {
    table: tuple(name for name in TABLES[table].names if name not in CAPTURE_FIELDS) for table in RECORD_TABLES
}

_CHUNK = 1 << 20


def _canonical(value: Any, type_: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"expected a list, got {type(value).__name__}")
        return [_canonical(v, type_.value_type) for v in value]
    if pa.types.is_struct(type_):
        if not isinstance(value, Mapping):
            raise ValueError(f"expected a dict, got {type(value).__name__}")
        unknown = set(value) - {type_.field(i).name for i in range(type_.num_fields)}
        if unknown:
            raise ValueError(f"unknown struct key(s) {sorted(unknown)}")
        return {
            type_.field(i).name: _canonical(value.get(type_.field(i).name), type_.field(i).type)
            for i in range(type_.num_fields)
        }
    if pa.types.is_timestamp(type_):
        instant = converter_for(type_)(value)  # aware UTC datetime (accepts ISO strings)
        tz = ZoneInfo(type_.tz) if type_.tz else dt.timezone.utc
        return instant.astimezone(tz).isoformat()
    if pa.types.is_date32(type_) or pa.types.is_date64(type_):
        return converter_for(pa.date32())(value).isoformat()
    if pa.types.is_integer(type_):
        return converter_for(type_)(value)
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        return converter_for(type_)(value)
    raise TypeError(f"no canonical form for Arrow type {type_}")


def canonical_json(row: Mapping[str, Any], table: str) -> str:
    """The canonical JSON text hashed by :func:`record_sha256`."""
    try:
        fields = CONTENT_FIELDS[table]
    except KeyError:
        raise ValueError(f"{table!r} is not a record table; expected one of {', '.join(CONTENT_FIELDS)}") from None
    schema = TABLES[table]
    implied = {"kind": RECORD_TABLES[table]}  # values the writer fills in when a row omits them
    if table == "articles":
        implied["record_id"] = row.get("article_id")
        implied["article_id"] = row.get("record_id")
    obj = {}
    for name in fields:
        value = row.get(name)
        if value is None:
            value = implied.get(name)
        try:
            obj[name] = _canonical(value, schema.field(name).type)
        except Exception as exc:  # converter errors carry the message
            raise ValueError(f"{table}.{name}: cannot canonicalise value: {getattr(exc, 'message', exc)}") from None
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def record_sha256(row: Mapping[str, Any], table: str) -> str:
    """sha256 hex of the canonical JSON of ``row``'s content fields (see module doc)."""
    return hashlib.sha256(canonical_json(row, table).encode("utf-8")).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """sha256 hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            digest.update(chunk)
    return digest.hexdigest()
