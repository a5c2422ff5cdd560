"""One pass over the selected records: each becomes an :class:`Item` (record, new path, categories, media, URLs).

Every record of the state is placed first (narrow columns only), so a record's new path does not depend
on the filters of one export: two exports of the same archive state agree on every path.
"""
from __future__ import annotations

import sys
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive import RECORD_TABLES
from archive.warc.reader import read_record
from archive.warc.titles import page_title

from .clean import clean_html
from .media import MediaExporter, body_media_refs, media_refs
from .render import page_html
from .site import Category, SiteMap, area_of_listing
from .source import ExportError, Selection, Source, record_day


def nfc_deep(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc_deep(v) for v in value]
    if isinstance(value, dict):
        return {k: nfc_deep(v) for k, v in value.items()}
    return value


@dataclass
class Item:
    table: str
    row: dict[str, Any]                      # every archived field; strings NFC, body_html cleaned
    area: tuple[str, ...]
    slug: str
    path: str                                # the new site's path, /area/…/slug/
    categories: list[Category]               # root first; the last one is the record's own
    media: list[dict[str, Any]]              # resolved media references (see MediaExporter.resolve)
    urls: list[str] = field(default_factory=list)   # every URL the record was ever seen under

    @property
    def record_id(self) -> str:
        return self.row["record_id"]

    @property
    def kind(self) -> str:
        return self.row["kind"]

    def body(self, rewrite=None) -> str:
        """The page body for a CMS, cleaned, with ``rewrite`` applied to every URL."""
        return clean_html(page_html(self.row), rewrite)

    def exported_urls(self, prefix: str) -> dict[str, str]:
        return {m["url"]: prefix + m["file"] for m in self.media if m.get("file") and m.get("url")}


class Progress:
    """A status line on stderr at most every ``every`` seconds, for long exports."""

    def __init__(self, total: int, stream=sys.stderr, every: float = 2.0, quiet: bool = False):
        self.total, self.stream, self.every, self.quiet = total, stream, every, quiet
        self.start = self.last = time.monotonic()
        self.done = 0

    def tick(self, media: MediaExporter) -> None:
        self.done += 1
        now = time.monotonic()
        if not self.quiet and (now - self.last >= self.every or self.done == self.total):
            self.last = now
            rate = self.done / max(now - self.start, 1e-6)
            self.stream.write(f"[export] {self.done}/{self.total} records  media {media.files} files "
                              f"{media.bytes / 1e6:.1f} MB  {rate:.0f} records/s\n")
            self.stream.flush()


class Collector:
    """Reads the archive for one export and produces its items; counts what the summary reports."""

    def __init__(self, archive: Path, selection: Selection, media_dest: Path | None):
        self.source = Source(archive, selection.snapshot, selection.site)
        self.selection = selection
        self.site = SiteMap()
        self.locators: dict[str, list[dict[str, Any]]] = {}
        for table in RECORD_TABLES:
            self.locators[table] = self.source.locators(table)
            for loc in self.locators[table]:
                self.site.place(loc)
        self.site.name_categories(self._listing_titles())
        if selection.section:
            try:
                self.site.check_section(selection.section)
            except ValueError as exc:
                self.source.close()
                raise ExportError(str(exc)) from None
        by_url = self.source.media_by_url()
        self.media = MediaExporter(self.source.root, by_url, self.source.media_by_sha(), media_dest)
        self.counts: dict[str, int] = {}
        self.warnings: list[str] = []
        self.skipped_undated = 0
        self.exported_ids: set[str] = set()

    def _listing_titles(self) -> dict[tuple[str, ...], str]:
        titles: dict[tuple[str, ...], str] = {}
        fallback: dict[tuple[str, ...], str] = {}   # a category's only listing may sit one level down (…/danh-sach)
        for url, ctype, warc_file, offset, length in self.source.listing_pages():
            area = area_of_listing(url)
            if area and area not in self.site.categories and area[:-1] in self.site.categories:
                area, into = area[:-1], fallback
            else:
                into = titles
            if not area or area not in self.site.categories or area in into:
                continue
            try:
                resp = read_record(self.source.root, warc_file, offset, length)
                title = page_title(resp.body, ctype or resp.content_type)
            except Exception:  # an unreadable capture only costs the category its nicer name
                continue
            if title:
                into[area] = unicodedata.normalize("NFC", title.strip())
        return {**fallback, **titles}

    def tables(self) -> list[str]:
        return list(self.selection.kinds or RECORD_TABLES)

    def total(self) -> int:
        return sum(len(self.locators[t]) for t in self.tables())

    def _wanted(self, row: dict[str, Any], area: tuple[str, ...]) -> bool:
        sel = self.selection
        if sel.section and not self.site.matches_section(area, sel.section):
            return False
        if sel.since or sel.until:
            day = record_day(row)
            if day is None:
                self.skipped_undated += 1
                return False
            if (sel.since and day < sel.since) or (sel.until and day > sel.until):
                return False
        return True

    def items(self, progress: Progress | None = None) -> Iterator[Item]:
        for table in self.tables():
            urls = self.source.urls_ever(table)
            for row in self.source.rows(table):
                if progress:
                    progress.tick(self.media)
                path = self.site.paths[row["record_id"]]
                area = tuple(path.strip("/").split("/")[:-1])
                if not self._wanted(row, area):
                    continue
                row = nfc_deep(row)
                if row.get("body_html") is not None:
                    row["body_html"] = clean_html(row["body_html"])
                refs = media_refs(row)
                seen = {r["url"] for r in refs if r.get("url")}
                refs += body_media_refs(row.get("body_html"), self.media.by_url, seen)
                media = [self.media.resolve(r, row["record_id"]) for r in refs]
                self.counts[table] = self.counts.get(table, 0) + 1
                self.exported_ids.add(row["record_id"])
                yield Item(table, row, area, path.strip("/").split("/")[-1], path, self.site.chain(area), media,
                           urls.get(row["record_id"], [row["url"]]))

    def close(self) -> None:
        self.source.close()
