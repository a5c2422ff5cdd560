"""``wxr``: WordPress eXtended RSS 1.2, the file WordPress's importer reads (Tools → Import → WordPress).

* posts: articles, documents, albums, videos and schedules (each kind's page body, see ``render``);
  pages: the portal's static pages, under one parent page per site area (``Giới thiệu chung``), so with
  permalinks ``/%category%/%postname%/`` every post and page URL in WordPress is the export's new path
  (the one the redirect map points at);
* categories: the portal's site areas, parent/child kept (``wp:category_parent``), each post in its own
  area's category; authors: the articles' author lines (a default author for records without one);
* dates: ``wp:post_date`` in Asia/Ho_Chi_Minh and ``wp:post_date_gmt`` in UTC; ``pubDate`` RFC 2822;
* one attachment per exported media file (once per SHA-256; parent: the first post using it), whose
  ``wp:attachment_url`` is the exported file under ``--media-url`` (serve the export folder there while
  importing, the importer downloads from it); post bodies point at the same URLs, which the importer
  rewrites to the uploaded files;
* post meta: ``portal_archive_original_url``, ``portal_archive_urls`` (every alias, one per line),
  ``portal_archive_record_id``, ``portal_archive_wcm_path``, ``portal_archive_date_raw``.
"""
from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from .collect import Item
from .media import MediaExporter
from .site import Category, SiteMap, slugify
from .source import LOCAL

NS = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": "http://wordpress.org/export/1.2/",
}
DEFAULT_AUTHOR = "portal-archive"
UTC = dt.timezone.utc


def _cdata(text: str | None) -> str:
    if not text:
        return ""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _el(tag: str, text: Any = None, cdata: bool = False, **attrs: str) -> str:
    attr = "".join(f' {k}="{escape(str(v), {chr(34): "&quot;"})}"' for k, v in attrs.items())
    if text is None or text == "":
        return f"<{tag}{attr}></{tag}>"
    body = _cdata(str(text)) if cdata else escape(str(text))
    return f"<{tag}{attr}>{body}</{tag}>"


def _when(row: dict[str, Any]) -> dt.datetime:
    """The post's instant: publication, issue date or week start (midnight local), else the capture."""
    if row.get("published_at") is not None:
        return row["published_at"]
    for key in ("issued_on", "week_start"):
        if row.get(key) is not None:
            return dt.datetime.combine(row[key], dt.time(), tzinfo=LOCAL)
    return row["fetched_at"]


def _wp_dates(when: dt.datetime) -> list[str]:
    local, gmt = when.astimezone(LOCAL), when.astimezone(UTC)
    return [_el("pubDate", email.utils.format_datetime(gmt)),
            _el("wp:post_date", local.strftime("%Y-%m-%d %H:%M:%S"), cdata=True),
            _el("wp:post_date_gmt", gmt.strftime("%Y-%m-%d %H:%M:%S"), cdata=True),
            _el("wp:post_modified", local.strftime("%Y-%m-%d %H:%M:%S"), cdata=True),
            _el("wp:post_modified_gmt", gmt.strftime("%Y-%m-%d %H:%M:%S"), cdata=True)]


def _meta(key: str, value: Any) -> str:
    return f"<wp:postmeta>{_el('wp:meta_key', key, cdata=True)}{_el('wp:meta_value', value, cdata=True)}</wp:postmeta>"


class WxrWriter:
    def __init__(self, folder: Path, media: MediaExporter, site: SiteMap, site_title: str, base_url: str,
                 media_url: str):
        self.folder, self.media, self.site = folder, media, site
        self.site_title, self.base_url, self.media_url = site_title, base_url.rstrip("/") + "/", media_url
        self.items_path = folder / ".tmp-items.xml"
        self.items = open(self.items_path, "w", encoding="utf-8")
        self.next_id = 1
        self.authors: dict[str, str] = {}                 # login → display name
        self.used_areas: set[tuple[str, ...]] = set()
        self.attachment_of: dict[str, int] = {}           # sha256 → attachment post id
        self.nicenames: dict[tuple[str, ...], str] = {}
        self.section_pages: dict[tuple[str, ...], int] = {}  # area → id of its parent page (static pages)

    def _author(self, name: str | None) -> str:
        if not name:
            self.authors.setdefault(DEFAULT_AUTHOR, self.site_title)
            return DEFAULT_AUTHOR
        login = slugify(name, limit=50) or DEFAULT_AUTHOR
        self.authors.setdefault(login, name)
        return login

    def nicename(self, area: tuple[str, ...]) -> str:
        """The area's own slug (so ``/%category%/%postname%/`` permalinks equal the new paths), unless shared."""
        if not self.nicenames:
            counts: dict[str, int] = {}
            for a in self.site.categories:
                counts[a[-1]] = counts.get(a[-1], 0) + 1
            self.nicenames = {a: a[-1] if counts[a[-1]] == 1 else "-".join(a) for a in self.site.categories}
        return self.nicenames.get(area) or "-".join(area)

    def _item(self, *, post_id: int, title: str, link: str, when: dt.datetime, creator: str, guid: str,
              name: str, post_type: str, status: str = "publish", parent: int = 0, content: str = "",
              excerpt: str | None = None, extra: Iterable[str] = ()) -> None:
        dates = _wp_dates(when)
        parts = [
            _el("title", title), _el("link", link), dates[0],
            _el("dc:creator", creator, cdata=True),
            _el("guid", guid, isPermaLink="false"),
            _el("description"),
            _el("content:encoded", content, cdata=True),
            _el("excerpt:encoded", excerpt, cdata=True),
            _el("wp:post_id", post_id), *dates[1:],
            _el("wp:comment_status", "closed", cdata=True),
            _el("wp:ping_status", "closed", cdata=True),
            _el("wp:post_name", name, cdata=True),
            _el("wp:status", status, cdata=True),
            _el("wp:post_parent", parent),
            _el("wp:menu_order", 0),
            _el("wp:post_type", post_type, cdata=True),
            _el("wp:post_password", "", cdata=True),
            _el("wp:is_sticky", 0),
            *extra,
        ]
        self.items.write("<item>" + "".join(parts) + "</item>\n")

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def _section_page(self, area: tuple[str, ...], when: dt.datetime) -> int:
        """The parent page of a static page's area (created once), so page permalinks equal the new paths."""
        if not area:
            return 0
        if area not in self.section_pages:
            parent = self._section_page(area[:-1], when)
            page_id = self._new_id()
            self.section_pages[area] = page_id
            cat = self.site.categories.get(area)
            self._item(post_id=page_id, title=cat.name if cat else area[-1],
                       link=self.base_url + "".join(a + "/" for a in area), when=when,
                       creator=self._author(None), guid=f"{self.base_url}?portal_archive_section={'/'.join(area)}",
                       name=area[-1], post_type="page", parent=parent,
                       extra=[_meta("portal_archive_kind", "section")])
        return self.section_pages[area]

    def add(self, item: Item) -> None:
        row = item.row
        when = _when(row)
        is_page = item.kind == "page"
        parent = self._section_page(item.area, when) if is_page else 0
        post_id = self._new_id()
        for m in item.media:
            if m.get("file"):
                self.media.copy(m["sha256"])
        extra = []
        if item.categories:
            own = item.categories[-1]
            for i in range(1, len(own.area) + 1):
                self.used_areas.add(own.area[:i])
            extra.append(_el("category", own.name, cdata=True, domain="category", nicename=self.nicename(own.area)))
        meta = [("portal_archive_original_url", row["url"]), ("portal_archive_urls", "\n".join(item.urls)),
                ("portal_archive_record_id", row["record_id"]), ("portal_archive_kind", row["kind"]),
                ("portal_archive_wcm_path", row.get("wcm_path")),
                ("portal_archive_date_raw", row.get("published_at_raw") or row.get("issued_on_raw"))]
        extra += [_meta(k, v) for k, v in meta if v]
        self._item(post_id=post_id, title=row.get("title") or item.slug, link=self.base_url + item.path.lstrip("/"),
                   when=when, creator=self._author(row.get("author")),
                   guid=f"{self.base_url}?portal_archive_record={row['record_id']}", name=item.slug,
                   post_type="page" if is_page else "post", parent=parent,
                   content=item.body(item.exported_urls(self.media_url).get), excerpt=row.get("summary"), extra=extra)
        for m in item.media:
            if m.get("file") and m["sha256"] not in self.attachment_of:
                att_id = self._new_id()
                self.attachment_of[m["sha256"]] = att_id
                url = self.media_url + m["file"]
                self._item(post_id=att_id, title=m.get("label") or m["file"], link=url, when=when,
                           creator=self._author(None), guid=url, name=m["file"].rsplit(".", 1)[0],
                           post_type="attachment", status="inherit", parent=post_id, excerpt=m.get("label"),
                           extra=[_el("wp:attachment_url", url, cdata=True),
                                  _meta("portal_archive_original_url", m.get("url")),
                                  _meta("portal_archive_sha256", m["sha256"])])

    def _categories(self, site: SiteMap) -> Iterable[str]:
        cats: list[Category] = [site.categories[a] for a in self.used_areas if a in site.categories]
        for cat in sorted(cats, key=lambda c: (len(c.area), c.area)):
            parent = self.nicename(cat.parent) if cat.parent else ""
            yield ("<wp:category>" + _el("wp:term_id", cat.term_id)
                   + _el("wp:category_nicename", self.nicename(cat.area), cdata=True)
                   + _el("wp:category_parent", parent, cdata=True)
                   + _el("wp:cat_name", cat.name, cdata=True) + "</wp:category>")

    def close(self, site: SiteMap) -> Path:
        self.items.close()
        out = self.folder / "wordpress.wxr.xml"
        ns = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())
        head = [
            '<?xml version="1.0" encoding="UTF-8" ?>',
            "<!-- WordPress eXtended RSS 1.2 written by portal-archive export. Import with Tools > Import > WordPress. -->",
            f'<rss version="2.0" {ns}>', "<channel>",
            _el("title", self.site_title), _el("link", self.base_url),
            _el("description", "Nội dung lưu trữ của cổng thông tin"),
            _el("pubDate", email.utils.format_datetime(dt.datetime.now(UTC))),
            _el("language", "vi"), _el("wp:wxr_version", "1.2"),
            _el("wp:base_site_url", self.base_url), _el("wp:base_blog_url", self.base_url),
        ]
        for i, (login, display) in enumerate(sorted(self.authors.items()), start=1):
            head.append("<wp:author>" + _el("wp:author_id", i) + _el("wp:author_login", login, cdata=True)
                        + _el("wp:author_email", "", cdata=True) + _el("wp:author_display_name", display, cdata=True)
                        + _el("wp:author_first_name", "", cdata=True) + _el("wp:author_last_name", "", cdata=True)
                        + "</wp:author>")
        head.extend(self._categories(site))
        with open(out, "w", encoding="utf-8") as fh:
            fh.write("\n".join(head) + "\n")
            with open(self.items_path, encoding="utf-8") as items:
                for chunk in iter(lambda: items.read(1 << 20), ""):
                    fh.write(chunk)
            fh.write("</channel>\n</rss>\n")
        self.items_path.unlink()
        return out
