"""``markdown``: a Hugo site (any static-site generator reads the content tree) with page bundles.

``content/<area…>/<slug>/index.md`` per record, YAML front matter (title, date and its raw text, author,
role, source, section as category, the category chain, kind, original URL and every alias, record id, WCM
path, the kind's own fields) and the cleaned body as raw HTML (Goldmark ``unsafe``); its media beside it,
named ``<slug>-<sha8>.<ext>``, the body's links rewritten to them. ``content/<area…>/_index.md`` names each
category. ``hugo.toml`` and ``themes/portal-archive/`` are a minimal theme, enough for ``hugo`` to build
every page: the migration team replaces them with their own.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from .collect import Item
from .media import MediaExporter
from .site import SiteMap

THEME = "portal-archive"
_CONFIG = """\
baseURL = "{base_url}"
title = {title}
languageCode = "vi"
defaultContentLanguage = "vi"
theme = "{theme}"
timeZone = "Asia/Ho_Chi_Minh"
buildFuture = true
buildExpired = true
enableRobotsTXT = false
disableKinds = ["RSS", "sitemap"]

[taxonomies]
  category = "categories"

[markup.goldmark.renderer]
  unsafe = true
"""
_LAYOUTS = {
    "_default/baseof.html": """\
<!DOCTYPE html>
<html lang="{{ .Site.LanguageCode }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} | {{ end }}{{ .Site.Title }}</title>
<style>body{font-family:sans-serif;max-width:52rem;margin:auto;padding:1rem}img,video{max-width:100%;height:auto}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem}</style>
</head>
<body>
<header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "_default/single.html": """\
{{ define "main" }}
<article>
<nav>{{ range .Params.section_path }}{{ . }} › {{ end }}</nav>
<h1>{{ .Title }}</h1>
{{ with .Params.date_raw }}<p class="date">{{ . }}</p>{{ end }}
{{ .Content }}
<p class="original">Nguồn gốc: <a href="{{ .Params.original_url }}">{{ .Params.original_url }}</a></p>
</article>
{{ end }}
""",
    "_default/list.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>
{{ range .Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}{{ range .RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ with .Params.date_raw }} ({{ . }}){{ end }}</li>
{{ end }}</ul>
{{ end }}
""",
}
_BLANK_LINES = re.compile(r"\n\s*\n")


def _yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


def _date(row: dict[str, Any]) -> dt.datetime | dt.date | None:
    for key in ("published_at", "issued_on", "week_start"):
        if row.get(key) is not None:
            return row[key]
    return None


def front_matter(item: Item) -> dict[str, Any]:
    row = item.row
    fm: dict[str, Any] = {"title": row.get("title") or item.slug}
    when = _date(row)
    if when is not None:
        fm["date"] = when.isoformat()
    raw = row.get("published_at_raw") or row.get("issued_on_raw")
    if raw:
        fm["date_raw"] = raw
    for key, name in (("author", "author"), ("author_role", "role"), ("source", "source"), ("summary", "summary")):
        if row.get(key):
            fm[name] = row[key]
    if item.categories:
        fm["categories"] = [item.categories[-1].name]
        fm["section_path"] = [c.name for c in item.categories]
    fm["kind"] = row["kind"]
    fm["record_id"] = row["record_id"]
    fm["wcm_path"] = row.get("wcm_path")
    fm["original_url"] = row["url"]
    fm["original_urls"] = item.urls
    fm["version"] = row["version"]
    fm["snapshot_id"] = row["snapshot_id"]
    if row["kind"] == "document":
        fm["document"] = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()
                          if k in ("number", "doc_type", "issued_on", "issued_on_raw", "effective_on",
                                   "effective_on_raw", "issuer", "signer", "field") and v is not None}
    if row["kind"] == "schedule":
        fm["week"] = row.get("week")
    fm["media"] = [{k: m[k] for k in ("role", "file", "url", "sha256", "label", "missing") if m.get(k)}
                   for m in item.media]
    return fm


class HugoWriter:
    def __init__(self, folder: Path, media: MediaExporter, site_title: str, base_url: str):
        self.folder = folder
        self.content = folder / "content"
        self.media = media
        self.areas: set[tuple[str, ...]] = set()
        (folder / "hugo.toml").write_text(
            _CONFIG.format(base_url=base_url, title=_toml_str(site_title), theme=THEME), encoding="utf-8")
        for name, text in _LAYOUTS.items():
            path = folder / "themes" / THEME / "layouts" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (folder / "themes" / THEME / "theme.toml").write_text(f'name = "{THEME}"\n', encoding="utf-8")
        self.content.mkdir()
        (self.content / "_index.md").write_text(f"---\n{_yaml({'title': site_title})}---\n", encoding="utf-8")

    def add(self, item: Item) -> None:
        bundle = self.content.joinpath(*item.path.strip("/").split("/"))
        bundle.mkdir(parents=True)
        for i in range(1, len(item.area) + 1):
            self.areas.add(item.area[:i])
        for m in item.media:
            if m.get("file"):
                self.media.copy(m["sha256"], bundle)
        body = _BLANK_LINES.sub("\n", item.body(item.exported_urls("").get))
        text = f"---\n{_yaml(front_matter(item))}---\n\n<div class=\"record {item.kind}\">\n{body}\n</div>\n"
        (bundle / "index.md").write_text(text, encoding="utf-8")

    def close(self, site: SiteMap) -> None:
        for area in sorted(self.areas):
            cat = site.categories[area]
            index = self.content.joinpath(*area) / "_index.md"
            index.write_text(f"---\n{_yaml({'title': cat.name, 'category_path': '/'.join(area)})}---\n", encoding="utf-8")


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
