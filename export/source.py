"""What an export reads from the archive, only through :mod:`archive`'s public API.

The records of the latest state (``<table>_latest``) or of a snapshot (``<table>_as_of(id)``), every URL
each was ever seen under (``urls_seen`` of every stored version and ``url_aliases``), the downloaded media
(``media_files``) and the titles of the portal's listing pages (for category names).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from archive import RECORD_TABLES, TABLES, connect
from archive.schema import KIND_TABLES, LOCAL_TZ
from research.periods import FORMS_HELP, parse_period

LOCAL = ZoneInfo(LOCAL_TZ)
BATCH_ROWS = 500


class ExportError(Exception):
    """A usage error or an ordinary failure: one line for the user."""


@dataclass(frozen=True)
class Selection:
    snapshot: str | None = None
    kinds: tuple[str, ...] = ()          # record tables; empty = every kind
    since: dt.date | None = None
    until: dt.date | None = None
    section: str | None = None
    site: str | None = None               # one site of an archive of crawl --sites


def parse_kinds(values: list[str] | None) -> tuple[str, ...]:
    """Kinds or table names (``article`` or ``articles``, ``page`` or ``static_pages``) → record tables."""
    tables: list[str] = []
    for value in values or []:
        for part in value.split(","):
            name = part.strip().lower()
            if not name:
                continue
            table = name if name in RECORD_TABLES else KIND_TABLES.get(name)
            if table is None:
                choices = ", ".join(KIND_TABLES)
                raise ExportError(f"unknown kind {part!r}: use one of {choices}")
            if table not in tables:
                tables.append(table)
    return tuple(tables)


def parse_day(value: str | None, what: str, *, end: bool = False) -> dt.date | None:
    """``--since`` / ``--until`` as ``search`` reads them (:func:`research.periods.parse_period`: day first or ISO;
    a month or a year is the whole of it: its first day, or its last with ``end=True``)."""
    if not value:
        return None
    try:
        return parse_period(value, end=end)
    except ValueError:
        raise ExportError(f"{what} {value!r} is not a date: write it as {FORMS_HELP} (day first)") from None


def record_day(row: dict[str, Any]) -> dt.date | None:
    """The date a record is filtered by: publication (local day), issue date, or week start."""
    published = row.get("published_at")
    if isinstance(published, dt.datetime):
        return published.astimezone(LOCAL).date()
    for key in ("issued_on", "week_start"):
        if isinstance(row.get(key), dt.date):
            return row[key]
    return None


class Source:
    """An open archive, read-only."""

    def __init__(self, root: str | Path, snapshot: str | None = None, site: str | None = None):
        self.root = Path(root).absolute()
        if not (self.root / "_archive.json").is_file():
            raise ExportError(f"{self.root} is not an archive (no _archive.json): pass --archive DIR")
        try:
            self.con = connect(self.root)
        except Exception as exc:  # a foreign or newer archive: archive raises its own one-line errors
            raise ExportError(f"cannot open {self.root}: {exc}") from exc
        self.snapshot = snapshot
        self.site = site
        if site is not None:
            sites = [r[0] for r in self.con.execute("SELECT DISTINCT site FROM pages WHERE site IS NOT NULL ORDER BY 1").fetchall()]
            if site not in sites:
                raise ExportError(f"no site {site!r} in {self.root} (its sites: {', '.join(sites) or 'none: a crawl of one portal'})")
        if snapshot is not None:
            known = {r[0] for r in self.con.execute(
                "SELECT snapshot_id FROM snapshots UNION SELECT snapshot_id FROM changes").fetchall()}
            if snapshot not in known:
                newest = max(known) if known else "none"
                raise ExportError(f"unknown snapshot {snapshot!r} (latest: {newest}): "
                                  "see `portal-archive query --archive DIR 'SELECT snapshot_id FROM snapshots'`")

    def close(self) -> None:
        self.con.close()

    def _state(self, table: str) -> tuple[str, list[Any]]:
        rel, params = (f'"{table}_latest"', []) if self.snapshot is None else (f'"{table}_as_of"(?)', [self.snapshot])
        if self.site is None:
            return rel, params
        return f"(SELECT * FROM {rel} WHERE site = ?)", [*params, self.site]

    def count(self, table: str) -> int:
        rel, params = self._state(table)
        return self.con.execute(f"SELECT count(*) FROM {rel}", params).fetchone()[0]

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Records of one table, in record_id order, as Python values (aware datetimes, dates)."""
        rel, params = self._state(table)
        reader = self.con.sql(f"SELECT * FROM {rel} ORDER BY record_id", params=params).to_arrow_reader(BATCH_ROWS)
        schema = TABLES[table]
        for batch in reader:
            # DuckDB hands TIMESTAMPTZ back in its session zone: restore the archive's own types and zones.
            target = pa.schema([schema.field(name) for name in batch.schema.names])
            yield from pa.Table.from_batches([batch]).cast(target).to_pylist()

    def locators(self, table: str) -> list[dict[str, Any]]:
        """The narrow columns that place a record in the new site, for every record of the state."""
        rel, params = self._state(table)
        section = "section" if "section" in TABLES[table].names else "NULL AS section"
        sql = f"SELECT record_id, url, wcm_path, title, {section} FROM {rel} ORDER BY record_id"
        cols = ("record_id", "url", "wcm_path", "title", "section")
        return [dict(zip(cols, r)) for r in self.con.execute(sql, params).fetchall()]

    def urls_ever(self, table: str) -> dict[str, list[str]]:
        """record_id → every URL any stored version or alias row has for it (up to the snapshot)."""
        where, params = ("", []) if self.snapshot is None else (" WHERE snapshot_id <= ?", [self.snapshot])
        sql = (f'SELECT record_id, u FROM (SELECT record_id, unnest(urls_seen) AS u FROM "{table}"{where}'
               f' UNION SELECT record_id, url FROM "{table}"{where}'
               f" UNION SELECT record_id, url FROM url_aliases{where})"
               " ORDER BY record_id, u")
        out: dict[str, list[str]] = {}
        for record_id, url in self.con.execute(sql, params * 3).fetchall():
            out.setdefault(record_id, []).append(url)
        return out

    def media_by_url(self) -> dict[str, dict[str, Any]]:
        """URL → the newest successful download of it (sha256, path, size, mime_type, width, height)."""
        where = "sha256 IS NOT NULL" + ("" if self.snapshot is None else " AND snapshot_id <= ?")
        params = [] if self.snapshot is None else [self.snapshot]
        sql = ("SELECT url, sha256, path, size, mime_type, width, height FROM media_files WHERE " + where
               + " QUALIFY row_number() OVER (PARTITION BY url ORDER BY snapshot_id DESC) = 1")
        cols = ("url", "sha256", "path", "size", "mime_type", "width", "height")
        return {r[0]: dict(zip(cols, r)) for r in self.con.execute(sql, params).fetchall()}

    def media_by_sha(self) -> dict[str, dict[str, Any]]:
        """sha256 → one media_files row of it (for hashes the records carry)."""
        out: dict[str, dict[str, Any]] = {}
        for row in self.media_by_url().values():
            out.setdefault(row["sha256"], row)
        return out

    def listing_pages(self) -> list[tuple[str, str | None, str | None, int | None, int | None]]:
        """(url, content_type, warc_file, offset, length) of the listing pages fetched with a body."""
        sql = ("SELECT url, content_type, warc_file, warc_offset, warc_length FROM pages"
               " WHERE status = 200 AND page_type IN ('listing', 'video_list') AND warc_file IS NOT NULL"
               " QUALIFY row_number() OVER (PARTITION BY url ORDER BY snapshot_id DESC) = 1")
        return self.con.execute(sql).fetchall()
