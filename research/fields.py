"""What researchers see of a record, whatever its kind: the text that search indexes (title, summary, body,
captions, document fields), its date, section and author, and a row of plain SQLite values.

One place for these choices, used by the search index (:mod:`research.search_index`) and the SQLite
database that ``serve`` and ``export`` use (:mod:`research.sqlite_db`).
"""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from archive.schema import LOCAL_TZ, RECORD_TABLES

LOCAL = ZoneInfo(LOCAL_TZ)

#: The searchable text columns, in the order of the FTS5 tables, with their BM25 weights.
TEXT_COLUMNS = ("title", "summary", "body", "captions", "fields")
BM25_WEIGHTS = (10.0, 4.0, 1.0, 2.0, 3.0)

#: Per record table: the column giving the record's date.
DATE_COLUMN = {
    "articles": "published_at",
    "documents": "issued_on",
    "albums": "published_at",
    "videos": "published_at",
    "schedules": "week_start",
    "static_pages": None,
}
DOCUMENT_FIELDS = ("number", "doc_type", "issuer", "signer", "field", "issued_on_raw", "effective_on_raw")
ENTRY_FIELDS = ("day", "time", "content", "place", "chair")


def _join(parts) -> str:
    return "\n".join(p for p in parts if p)


def text_of(table: str, row: dict) -> dict[str, str]:
    """The searchable text of one record row (original, accented): title, summary, body, captions, fields."""
    images = row.get("images") or []
    captions = _join(x for img in images for x in (img.get("caption"), img.get("alt")))
    fields = ""
    body = row.get("body_text") or ""
    if table == "documents":
        fields = _join([*(row.get(f) for f in DOCUMENT_FIELDS),
                        *(a.get("name") for a in row.get("attachments") or [])])
    elif table == "schedules":
        body = _join(" · ".join(e.get(f) or "" for f in ENTRY_FIELDS if e.get(f)) for e in row.get("entries") or [])
        fields = row.get("week") or ""
    elif table == "articles":
        fields = _join([row.get("author"), row.get("author_role"), row.get("source")])
    return {"title": row.get("title") or "", "summary": row.get("summary") or "", "body": body,
            "captions": captions, "fields": fields}


def date_of(table: str, row: dict) -> dt.date | None:
    """The record's calendar date in Vietnam: publication, issue, or the schedule's Monday."""
    column = DATE_COLUMN.get(table)
    value = row.get(column) if column else None
    if isinstance(value, dt.datetime):
        return value.astimezone(LOCAL).date() if value.tzinfo else value.date()
    return value


def author_of(table: str, row: dict) -> str | None:
    return row.get("author") if table == "articles" else row.get("signer") if table == "documents" else None


def kind_of(table: str) -> str:
    return RECORD_TABLES[table]


def capture_timestamp(row: dict) -> str | None:
    """The 14-digit UTC timestamp of the capture (``fetched_at``), as replay engines address captures."""
    fetched = row.get("fetched_at")
    if not isinstance(fetched, dt.datetime):
        return None
    return fetched.astimezone(dt.timezone.utc).strftime("%Y%m%d%H%M%S")


def sqlite_value(value, *, tz: ZoneInfo | dt.timezone | None = None):
    """A Parquet value as SQLite stores it: timestamps and dates ISO 8601, lists and structs JSON."""
    if isinstance(value, dt.datetime):
        return (value.astimezone(tz) if tz and value.tzinfo else value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value
