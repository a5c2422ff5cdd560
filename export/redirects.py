"""The redirect map of every export: each URL a record was ever seen under → its new path.

Written as ``redirects.csv`` and as ``redirects.nginx.conf``: three nginx ``map`` blocks for the ``http``
context, keyed on ``$request_uri`` (path and query exactly as the client sends them, not decoded):

1. every observed URL (friendly, ``!ut/p/…`` state, ``?1dmy&…urile=wcm:path:…``, ``/wps/wcm/connect/…``) →
   its record's new path; non-ASCII URLs also under their percent-encoded form;
2. a regular expression that pulls the WCM path out of any ``urile=wcm:path:`` query (also
   ``wcm%3Apath%3A``), so state URLs never seen by the crawler still land on their record;
3. that WCM path → the new path.

A URL that led to several records (the portal's video page shows every video) goes to their common
category page, and the report says so. Listing pages go to their category's page.
"""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from w3lib.url import safe_url_string

from archive.urls import STATE_MARK, url_rank

from .collect import Item
from .site import area_of_listing

POC_VALUE = re.compile(r"[?&]urile=wcm(?::|%3a)path(?::|%3a)([^&#]+)", re.IGNORECASE)
_FORMS = {0: "friendly", 1: "urile", 2: "connect", 3: "other"}   # archive.urls ranks
NGINX_SERVER_SNIPPET = """\
# In the server { } block of the new site:
#     if ($portal_archive_redirect) { return 301 $portal_archive_redirect; }
#     if ($portal_archive_by_wcm_path) { return 301 $portal_archive_by_wcm_path; }
"""


def request_uri(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def url_form(url: str) -> str:
    """friendly, urile (``?…urile=wcm:path:``), state (``!ut/p/…``), state+urile, connect, or other."""
    if STATE_MARK in url:
        return "state+urile" if POC_VALUE.search(url) else "state"
    if urlsplit(url).path.startswith("/wps/wcm/connect/"):
        return "connect"
    return _FORMS[url_rank(url)]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class RedirectMap:
    """``to``: prefix of the redirect targets (the new site's origin, e.g. ``https://new.example.vn``); empty =
    paths on the same host."""

    def __init__(self, to: str = "") -> None:
        self.to = to.rstrip("/")
        self.targets: dict[str, set[tuple[str, str, str]]] = defaultdict(set)   # url → {(path, record_id, kind)}
        self.by_wcm: dict[str, str] = {}
        self.areas: dict[str, tuple[str, ...]] = {}                              # record path → area

    def add(self, item: Item) -> None:
        self.areas[item.path] = item.area
        for url in item.urls:
            self.targets[url].add((item.path, item.record_id, item.kind))
            m = POC_VALUE.search(url)
            if m:
                self.by_wcm[m.group(1)] = item.path
        if item.row.get("wcm_path"):
            self.by_wcm[item.row["wcm_path"]] = item.path

    def add_listings(self, listing_urls: list[str], category_paths: set[tuple[str, ...]]) -> None:
        for url in listing_urls:
            area = area_of_listing(url)
            if area in category_paths and url not in self.targets:
                self.targets[url].add(("/" + "/".join(area) + "/", "", "category"))

    def rows(self, warnings: list[str]) -> list[tuple[str, str, str, str, str, str]]:
        """(old_url, request_uri, new_path, form, record_id, kind), sorted by old URL."""
        out = []
        for url in sorted(self.targets):
            targets = self.targets[url]
            if len(targets) == 1:
                path, record_id, kind = next(iter(targets))
            else:
                areas = [self.areas.get(p, ()) for p, _, _ in targets]
                common: tuple[str, ...] = ()
                for parts in zip(*areas):
                    if len(set(parts)) != 1:
                        break
                    common += (parts[0],)
                path, record_id, kind = "/" + "".join(a + "/" for a in common), "", "shared"
                warnings.append(f"{url} led to {len(targets)} records; it redirects to their category {path}")
            out.append((url, request_uri(url), path, url_form(url), record_id, kind))
        return out

    def write(self, folder: Path, warnings: list[str]) -> int:
        rows = self.rows(warnings)
        with open(folder / "redirects.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["old_url", "request_uri", "new_path", "new_url", "form", "record_id", "kind"])
            w.writerows((url, uri, path, self.to + path, form, rid, kind) for url, uri, path, form, rid, kind in rows)
        keys: dict[str, str] = {}
        for _, uri, path, _, _, _ in rows:
            keys.setdefault(uri, self.to + path)
            keys.setdefault(request_uri(safe_url_string(uri)), self.to + path)
        longest = max((len(k.encode()) for k in [*keys, *self.by_wcm]), default=64)
        bucket = 64
        while bucket < longest + 32:
            bucket *= 2
        lines = ["# portal-archive redirect map: include it in the http { } context of nginx.", NGINX_SERVER_SNIPPET,
                 "# The old URLs are long: the maps need buckets this large (remove if your http { } sets them).",
                 f"map_hash_bucket_size {bucket};", f"map_hash_max_size {max(2048, 2 * len(keys))};", "",
                 "map $request_uri $portal_archive_redirect {", "    default \"\";"]
        lines += [f"    {_quote(k)} {_quote(v)};" for k, v in keys.items()]
        lines += ["}", "", "map $request_uri $portal_archive_wcm_path {", "    default \"\";",
                  '    "~*[?&]urile=wcm(?::|%3a)path(?::|%3a)(?<portal_wcm>[^&#]+)" $portal_wcm;', "}", "",
                  "map $portal_archive_wcm_path $portal_archive_by_wcm_path {", "    default \"\";"]
        lines += [f"    {_quote(k)} {_quote(self.to + v)};" for k, v in sorted(self.by_wcm.items())]
        lines += ["}", ""]
        (folder / "redirects.nginx.conf").write_text("\n".join(lines), encoding="utf-8")
        return len(rows)
