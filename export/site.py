"""The new site's structure: every record's category (the portal's site areas, parent/child kept) and path.

A record's *area* is the portal's site-area path it lives under, taken from its friendly URL
(``/wps/portal/<library>/tin-tuc-su-kien/kinh-te/<item>`` → ``tin-tuc-su-kien/kinh-te``) or, without one,
from its WCM path (``/<library>/site/<area…>/<item>``). Its new path is ``/<area…>/<slug>/``: the same in
the Hugo tree, the WordPress permalinks (``/%category%/%postname%/``) and the redirect map.
Category names come from the records' own ``section`` and, for areas without records of their own
(``Tin tức sự kiện``), from the title of the portal's listing page, read from its WARC capture.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from archive.urls import STATE_MARK
from research.fold import fold

_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


def slugify(text: str | None, limit: int = 80) -> str:
    """ASCII slug of Vietnamese text: ``Đảng bộ xã`` → ``dang-bo-xa`` (the search fold, then dashes)."""
    slug = _SLUG_CHARS.sub("-", fold(text)).strip("-")
    return slug[:limit].rstrip("-")


def friendly_segments(url: str | None) -> list[str] | None:
    """``/wps/portal/<library>/a/b`` → ``['a', 'b']`` (None for other URL forms)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.query or STATE_MARK in parts.path or not parts.path.startswith("/wps/portal/"):
        return None
    segs = [unquote(s) for s in parts.path[len("/wps/portal/"):].split("/") if s]
    return [s.lower() for s in segs[1:]] if len(segs) >= 1 else None


def wcm_segments(wcm_path: str | None) -> list[str] | None:
    """``/<library>/<site>/a/b/item`` → ``['a', 'b', 'item']``."""
    if not wcm_path:
        return None
    segs = [s for s in wcm_path.split("/") if s]
    return segs[2:] if len(segs) > 2 else None


def locate(row: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    """(area, slug) of a record in the new site."""
    friendly = friendly_segments(row.get("url"))
    wcm = wcm_segments(row.get("wcm_path"))
    item = wcm[-1] if wcm else None
    if friendly is not None and item and friendly and friendly[-1] == item:
        area = friendly[:-1]
    elif friendly is not None and friendly:
        area = friendly              # the record is shown on its area's own page (landing pages, videos)
    elif wcm:
        area = wcm[:-1]
    else:
        area = []
    slug = slugify(item) if item else ""
    if not slug:
        slug = slugify(row.get("title"), limit=60) or row["record_id"]
    return tuple(slugify(a) or a for a in area), slug


@dataclass
class Category:
    area: tuple[str, ...]
    name: str
    term_id: int = 0

    @property
    def slug(self) -> str:
        return self.area[-1]

    @property
    def parent(self) -> tuple[str, ...] | None:
        return self.area[:-1] or None


class SiteMap:
    """Areas and new paths of the exported records; paths are unique and stable for one archive state."""

    def __init__(self) -> None:
        self.categories: dict[tuple[str, ...], Category] = {}
        self.paths: dict[str, str] = {}           # record_id → new path
        self._taken: set[str] = set()
        self._section_names: dict[tuple[str, ...], Counter] = {}

    def place(self, row: dict[str, Any]) -> tuple[tuple[str, ...], str]:
        area, slug = locate(row)
        for i in range(1, len(area) + 1):
            self.categories.setdefault(area[:i], Category(area[:i], area[i - 1]))
            self._taken.add("/" + "/".join(area[:i]) + "/")
        if area and row.get("section"):
            self._section_names.setdefault(area, Counter())[row["section"]] += 1
        base = "/" + "".join(a + "/" for a in area)
        path = f"{base}{slug}/"
        if path in self._taken:
            slug = f"{slug}-{row['record_id'][:8]}"
            path = f"{base}{slug}/"
        self._taken.add(path)
        self.paths[row["record_id"]] = path
        return area, slug

    def name_categories(self, listing_titles: dict[tuple[str, ...], str]) -> None:
        """Names: the records' own section, else the listing page's title, else the slug; then term ids."""
        for area, cat in self.categories.items():
            names = self._section_names.get(area)
            if names:
                cat.name = names.most_common(1)[0][0]
            elif listing_titles.get(area):
                cat.name = listing_titles[area]
        for i, area in enumerate(sorted(self.categories), start=1):
            self.categories[area].term_id = i

    def chain(self, area: tuple[str, ...]) -> list[Category]:
        """The category and its ancestors, root first."""
        return [self.categories[area[:i]] for i in range(1, len(area) + 1) if area[:i] in self.categories]

    def matches_section(self, area: tuple[str, ...], wanted: str) -> bool:
        """``--section``: a category's name or slug (accents and case ignored), its sub-categories included."""
        key = fold(wanted).strip()
        slug = slugify(wanted)
        return any(fold(c.name) == key or c.slug == slug or "/".join(c.area) == wanted.strip("/")
                   for c in self.chain(area))

    def check_section(self, wanted: str) -> None:
        """ValueError naming the top-level sections when ``--section`` names none of the site's categories."""
        if not any(self.matches_section(area, wanted) for area in self.categories):
            tops = sorted(c.name for c in self.categories.values() if c.parent is None)
            raise ValueError(f"no section {wanted!r} in the archive: give one of {'; '.join(tops) or 'none'} "
                             "(or a sub-section's name or slug path)")


def area_of_listing(url: str) -> tuple[str, ...] | None:
    segs = friendly_segments(url)
    return tuple(slugify(s) or s for s in segs) if segs else None
