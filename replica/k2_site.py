"""A sibling portal of another family: a Joomla 3 + K2 district portal (T3 template), as in the
extractor's fixtures ``k2_joomla_district`` (item view) and ``k2_category_single_item`` (category list).

Deterministic from ``(name, seed, articles)``: article ``i`` (0 = newest) lives in category ``i % 3``,
has the K2 item id ``1000 + i``, a date 17 h before article ``i - 1``'s, a title, an intro text (the lead),
2-4 full-text paragraphs, an image with its caption in 3 of 4 articles and a ``Nguồn: …`` line in 1 of 2.

URL space: ``/`` home (newest items module), ``/tin-tuc-su-kien`` (category index),
``/tin-tuc-su-kien/<cat>`` and ``?start=10k`` (10 items a page, a Joomla pager listing every page),
``/tin-tuc-su-kien/<cat>/item/<id>-<slug>`` (item; ``?tmpl=component&print=1`` its print view),
``/media/k2/items/cache/<md5>_L.jpg`` (``_M`` on lists: JPEGs), the theme's ``/components/com_k2/css/k2.css``
and ``/images/logo/logo.png`` (page requisites), ``/robots.txt`` (``/component/``,
``/administrator/`` and the tag lists ``/tin-tuc-su-kien/itemlist/`` disallowed, optional ``Crawl-delay``);
anything else a real 404.
"""
from __future__ import annotations

import hashlib
import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from html import escape
from urllib.parse import parse_qsl, urlsplit

from .blocks import collapse
from .fmt import iso
from .media import jpeg_bytes
from .textgen import TextGen
from .urls import slugify

PAGE_SIZE = 10
NEWS = "tin-tuc-su-kien"
#: (slug, name, vocabulary of replica.vocab.TOPICS)
CATEGORIES = (("chinh-tri", "Chính trị", "chinh-tri"), ("kinh-te", "Kinh tế", "kinh-te"),
              ("van-hoa-xa-hoi", "Văn hóa - Xã hội", "van-hoa-xa-hoi"))
WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")
SOURCES = ("Báo Nghệ An", "Đài PT-TH Nghệ An", "Cổng TTĐT tỉnh Nghệ An", "Báo Nhân dân")
NEWEST = datetime(2024, 11, 18, 8, 30)
ROBOTS = "User-agent: *\nDisallow: /administrator/\nDisallow: /component/\nDisallow: /tin-tuc-su-kien/itemlist/\n"


def k2_date(d: datetime) -> str:
    """K2's ``itemDateCreated`` in Vietnamese: ``Thứ hai, 07 Tháng 9 2020 07:55``."""
    return f"{WEEKDAYS[d.weekday()]}, {d.day:02d} Tháng {d.month} {d.year} {d:%H:%M}"


def _nfc(text: str | None) -> str | None:
    return unicodedata.normalize("NFC", collapse(text)) if text else None


@dataclass(frozen=True)
class K2Item:
    i: int
    cat: int
    title: str
    date: datetime
    lead: str
    paragraphs: tuple[str, ...]
    image: tuple[str, str, str] | None  # (md5, caption, alt)
    source: str | None

    @property
    def item_id(self) -> int:
        return 1000 + self.i

    @property
    def path(self) -> str:
        return f"/{NEWS}/{CATEGORIES[self.cat][0]}/item/{self.item_id}-{slugify(self.title)[:60].strip('-')}"


class K2Site:
    """The content of one K2 sibling portal; ``pages`` renders it."""

    def __init__(self, name: str, seed: int, articles: int = 40, title: str | None = None):
        if articles < 1:
            raise ValueError("a K2 sibling needs at least 1 article")
        self.name, self.seed, self.n = name, seed, articles
        self.title = title or f"Trang thông tin điện tử {name}"

    @cached_property
    def items(self) -> tuple[K2Item, ...]:
        out, titles = [], set()
        for i in range(self.n):
            cat = i % len(CATEGORIES)
            date = NEWEST - timedelta(hours=17 * i, minutes=7 * (i % 5))
            rng = random.Random(f"k2|{self.name}|{self.seed}|{i}")
            g = TextGen(rng, CATEGORIES[cat][2], date)
            title = g.title()
            while title in titles:  # titles are unique within a site (records without a WCM path are known by them)
                title = g.title()
            titles.add(title)
            image = None
            if rng.random() < 0.75:
                md5 = hashlib.md5(f"{self.name}|{self.seed}|{i}".encode()).hexdigest()
                image = (md5, g.caption(), g.alt())
            source = g.pick(SOURCES) if rng.random() < 0.5 else None
            out.append(K2Item(i, cat, title, date, g.lead(), tuple(g.paragraph() for _ in range(rng.randint(2, 4))),
                              image, source))
        return tuple(out)

    def category_items(self, cat: int) -> list[K2Item]:
        return [it for it in self.items if it.cat == cat]

    def pages_of(self, cat: int) -> int:
        return max(1, -(-len(self.category_items(cat)) // PAGE_SIZE))

    def by_id(self, item_id: int) -> K2Item | None:
        i = item_id - 1000
        return self.items[i] if 0 <= i < self.n else None

    def images(self) -> set[str]:
        return {it.image[0] for it in self.items if it.image}

    # -- truth ------------------------------------------------------------------------------
    def truth(self, base_url: str) -> list[dict]:
        """One ``article`` line per item (the records of design.md), then a ``listing`` line per category."""
        base_url = base_url.rstrip("/")
        lines = []
        for it in self.items:
            body = [it.lead, *it.paragraphs]
            lines.append({
                "kind": "article", "wcm_path": None,
                "urls": {"friendly": base_url + it.path, "print": base_url + it.path + "?tmpl=component&print=1"},
                "title": _nfc(it.title), "published_at": iso(it.date), "published_at_raw": k2_date(it.date),
                "summary": _nfc(it.lead), "body_text": "\n\n".join(_nfc(p) for p in body),
                "author": None, "author_role": None, "source": it.source,
                "images": [{"url": f"{base_url}/media/k2/items/cache/{it.image[0]}_L.jpg", "caption": _nfc(it.image[1]),
                            "alt": _nfc(it.image[2])}] if it.image else [],
                "section": CATEGORIES[it.cat][1], "encoding": "utf-8",
            })
        for c, (slug, name, _) in enumerate(CATEGORIES):
            lines.append({"kind": "listing", "category": f"{NEWS}/{slug}", "name": name,
                          "url": f"{base_url}/{NEWS}/{slug}", "pages": self.pages_of(c), "page_size": PAGE_SIZE,
                          "count": len(self.category_items(c)), "urls": [base_url + it.path for it in self.category_items(c)]})
        return lines


# -- HTML ------------------------------------------------------------------------------------
def _nav(site: K2Site, active: int | None) -> str:
    cats = "".join(f'<li class="item-{141 + c}{" current active" if c == active else ""}"><a href="/{NEWS}/{slug}">'
                   f"{escape(name)}</a></li>" for c, (slug, name, _) in enumerate(CATEGORIES))
    return (f'<div id="t3-mainnav" class="wrap t3-mainnav"><div class="container">\n'
            f'<div class="logo"><a href="/"><img src="/images/logo/logo.png" alt="{escape(site.title)}" width="520" height="90" /></a></div>\n'
            f'<div class="t3-navbar navbar-collapse collapse"><ul class="nav navbar-nav level0">'
            f'<li class="item-101"><a href="/">Trang chủ</a></li>'
            f'<li class="item-140 deeper dropdown parent"><a href="/{NEWS}">Tin tức - Sự kiện</a>'
            f'<ul class="dropdown-menu">{cats}</ul></li>'
            f'<li class="item-160"><a href="/component/contact/">Liên hệ</a></li></ul></div>\n</div></div>\n')


def _crumbs(*trail: tuple[str | None, str]) -> str:
    items = "".join(f'<li><a href="{href}" class="pathway">{escape(text)}</a><span class="divider"> / </span></li>'
                    if href else f"<li><span>{escape(text)}</span></li>" for href, text in trail)
    return (f'<div class="wrap breadcrumbs-wrap"><div class="container"><ol class="breadcrumb ">'
            f'<li class="active"><span class="hasTooltip"><i class="fa fa-map-marker" title="Bạn đang ở: "></i></span></li>'
            f'<li><a href="/" class="pathway">Trang chủ</a><span class="divider"> / </span></li>{items}</ol></div></div>\n')


def _newest_module(site: K2Site) -> str:
    lis = "".join(f'<li class="{"even" if n % 2 == 0 else "odd"}"><span class="moduleItemDateCreated">{it.date:%d/%m/%Y}</span>'
                  f'<a class="moduleItemTitle" href="{it.path}">{escape(it.title)}</a></li>'
                  for n, it in enumerate(site.items[:5]))
    return (f'<div class="t3-sidebar t3-sidebar-right col-xs-12 col-sm-4"><div class="t3-module module_tinmoi" id="Mod121">'
            f'<div class="module-inner"><h3 class="module-title"><span>Tin mới nhất</span></h3><div class="module-ct">'
            f'<div id="k2ModuleBox121" class="k2ItemsBlock"><ul>{lis}</ul></div></div></div></div>'
            f'<div class="t3-module" id="Mod131"><div class="module-inner"><h3 class="module-title"><span>Thống kê truy cập</span></h3>'
            f'<div class="module-ct"><div class="vcounter">Hôm nay: 512<br />Tổng: 2.345.678</div></div></div></div></div>\n')


def _shell(site: K2Site, title: str, body_class: str, head: str, crumbs: str, content: str, active=None) -> bytes:
    html = (f'<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="vi-vn" lang="vi-vn" dir="ltr">\n<head>\n'
            f'<meta http-equiv="content-type" content="text/html; charset=utf-8" />\n{head}'
            f'<meta name="generator" content="Joomla! - Open Source Content Management" />\n<title>{escape(title)}</title>\n'
            f'<link href="/components/com_k2/css/k2.css?v=2.10.3" rel="stylesheet" type="text/css" />\n</head>\n'
            f'<body class="site com_k2 {body_class}">\n{_nav(site, active)}{crumbs}'
            f'<div id="t3-mainbody" class="container t3-mainbody"><div class="row">\n'
            f'<div id="t3-content" class="t3-content col-xs-12 col-sm-8">\n{content}</div>\n{_newest_module(site)}</div></div>\n'
            f'<footer id="t3-footer" class="wrap t3-footer"><div class="container"><p>{escape(site.title)} - Cơ quan chủ quản: '
            f'UBND {escape(site.name)}, tỉnh Nghệ An.</p><p>Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p></div></footer>\n'
            f'</body>\n</html>\n')
    return html.encode("utf-8")


def item_page(site: K2Site, it: K2Item, base_url: str) -> bytes:
    slug, name, _ = CATEGORIES[it.cat]
    image = ""
    if it.image:
        md5, caption, alt = it.image
        image = (f'<div class="itemImageBlock"><span class="itemImage"><a data-k2-modal="image" href="/media/k2/items/cache/{md5}_XL.jpg" '
                 f'title="Nhấp vào để xem ảnh đầy đủ"><img src="/media/k2/items/cache/{md5}_L.jpg" alt="{escape(alt)}" '
                 f'style="width:600px; height:auto;" /></a></span><span class="itemImageCaption">{escape(caption)}</span>'
                 f'<div class="clr"></div></div>\n')
    full = "".join(f"<p>{escape(p)}</p>\n" for p in it.paragraphs)
    if it.source:
        full += f'<p style="text-align: right;"><strong>Nguồn: {escape(it.source)}</strong></p>\n'
    siblings = site.category_items(it.cat)
    pos = siblings.index(it)
    nav = ""
    if pos + 1 < len(siblings):
        nav += f'<a class="itemPrevious" href="{siblings[pos + 1].path}">« {escape(siblings[pos + 1].title)}</a>'
    if pos > 0:
        nav += f'<a class="itemNext" href="{siblings[pos - 1].path}">{escape(siblings[pos - 1].title)} »</a>'
    content = (f'<span id="startOfPageId{it.item_id}"></span>\n<div id="k2Container" class="itemView">\n'
               f'<div class="itemHeader"><span class="itemDateCreated">{k2_date(it.date)}</span>\n'
               f'<h2 class="itemTitle">{escape(it.title)}</h2></div>\n'
               f'<div class="itemToolbar"><ul><li><a class="itemPrintLink" rel="nofollow" href="{it.path}?tmpl=component&amp;print=1"><span>In</span></a></li>'
               f'<li><a class="itemEmailLink" rel="nofollow" href="/component/mailto/?tmpl=component&amp;link={it.item_id}"><span>Email</span></a></li>'
               f'<li><span class="itemHits">Lượt xem <b>{100 + it.i * 7}</b></span></li></ul><div class="clr"></div></div>\n'
               f'<div class="itemBody">\n{image}<div class="itemIntroText"><p>{escape(it.lead)}</p></div>\n'
               f'<div class="itemFullText">\n{full}</div><div class="clr"></div></div>\n'
               f'<div class="itemLinks"><div class="itemTagsBlock"><span>Từ khóa</span><ul class="itemTags">'
               f'<li><a href="/{NEWS}/itemlist/tag/{escape(name)}">{escape(name)}</a></li>'
               f'<li><a href="/{NEWS}/itemlist/tag/{escape(site.name)}">{escape(site.name)}</a></li></ul>'
               f'<div class="clr"></div></div><div class="clr"></div></div>\n'
               f'<div class="itemNavigation"><span class="itemNavigationTitle">Xem thêm trong chuyên mục này:</span>{nav}</div>\n'
               f'<div class="itemBackToTop"><a class="k2Anchor" href="{it.path}#startOfPageId{it.item_id}">về đầu trang</a></div>\n'
               f'</div>\n')
    head = (f'<base href="{base_url}{it.path}" />\n<meta property="og:url" content="{base_url}{it.path}" />\n'
            f'<meta property="og:title" content="{escape(it.title)}" />\n<meta property="og:type" content="article" />\n')
    crumbs = _crumbs((f"/{NEWS}", "Tin tức - Sự kiện"), (f"/{NEWS}/{slug}", name), (None, it.title))
    return _shell(site, it.title, f"view-item itemid-{142 + it.cat}", head, crumbs, content, it.cat)


def _pager(cat_url: str, page: int, pages: int) -> str:
    if pages <= 1:
        return ""
    lis = []
    if page > 1:
        lis.append(f'<li class="pagination-start"><a title="Đầu" href="{cat_url}" class="pagenav">Đầu</a></li>')
    for p in range(1, pages + 1):
        href = cat_url if p == 1 else f"{cat_url}?start={(p - 1) * PAGE_SIZE}"
        lis.append(f'<li><span class="pagenav">{p}</span></li>' if p == page
                   else f'<li><a title="{p}" href="{href}" class="pagenav">{p}</a></li>')
    if page < pages:
        lis.append(f'<li class="pagination-next"><a title="Tiếp" href="{cat_url}?start={page * PAGE_SIZE}" class="pagenav">Tiếp</a></li>')
    return (f'<div class="k2Pagination"><ul class="pagination-list">{"".join(lis)}</ul><div class="clr"></div>'
            f'Trang {page} của {pages}</div>\n')


def listing_page(site: K2Site, cat: int, page: int) -> bytes:
    slug, name, _ = CATEGORIES[cat]
    cat_url = f"/{NEWS}/{slug}"
    items = site.category_items(cat)[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    blocks = []
    for it in items:
        thumb = (f'<div class="catItemImageBlock"><span class="catItemImage"><a href="{it.path}" title="{escape(it.title)}">'
                 f'<img src="/media/k2/items/cache/{it.image[0]}_M.jpg" alt="{escape(it.title)}" style="width:400px; height:auto;" />'
                 f'</a></span><div class="clr"></div></div>') if it.image else ""
        blocks.append(f'<div class="itemContainer" style="width:100.0%;"><div class="catItemView groupLeading">'
                      f'<div class="catItemHeader"><span class="catItemDateCreated">{k2_date(it.date)}</span>\n'
                      f'<h3 class="catItemTitle"><a href="{it.path}">{escape(it.title)}</a></h3></div>\n'
                      f'<div class="catItemBody">{thumb}<div class="catItemIntroText"><p>{escape(it.lead)}</p></div><div class="clr"></div></div>\n'
                      f'<div class="catItemReadMore"><a class="k2ReadMore" href="{it.path}">Xem tiếp...</a></div>'
                      f'<div class="clr"></div></div></div>\n')
    content = (f'<div id="k2Container" class="itemListView">\n<div class="itemListCategoriesBlock"><div class="itemListCategory">'
               f'<h2>{escape(name)}</h2><div class="clr"></div></div></div>\n<div class="itemList"><div id="itemListLeading">\n'
               f'{"".join(blocks)}<div class="clr"></div></div></div>\n{_pager(cat_url, page, site.pages_of(cat))}</div>\n')
    crumbs = _crumbs((f"/{NEWS}", "Tin tức - Sự kiện"), (None, name))
    return _shell(site, name, f"view-itemlist task-category itemid-{142 + cat}", "", crumbs, content, cat)


def index_page(site: K2Site, home: bool) -> bytes:
    """The home page (newest items) or ``/tin-tuc-su-kien`` (every category, its newest 3)."""
    blocks = []
    for c, (slug, name, _) in enumerate(CATEGORIES):
        lis = "".join(f'<li><a class="moduleItemTitle" href="{it.path}">{escape(it.title)}</a>'
                      f'<span class="moduleItemDateCreated">{it.date:%d/%m/%Y}</span></li>' for it in site.category_items(c)[:3])
        blocks.append(f'<div class="t3-module module_cat" id="Mod{200 + c}"><div class="module-inner">'
                      f'<h3 class="module-title"><a href="/{NEWS}/{slug}"><span>{escape(name)}</span></a></h3>'
                      f'<div class="module-ct"><div class="k2ItemsBlock"><ul>{lis}</ul></div></div></div></div>\n')
    title = site.title if home else "Tin tức - Sự kiện"
    crumbs = "" if home else _crumbs((None, "Tin tức - Sự kiện"))
    return _shell(site, title, "view-latest" if home else "view-itemlist", "", crumbs, "".join(blocks))


def robots_txt(crawl_delay: float | None) -> str:
    if crawl_delay is None:
        return ROBOTS
    delay = int(crawl_delay) if float(crawl_delay).is_integer() else crawl_delay
    return ROBOTS + f"Crawl-delay: {delay}\n"


K2_CSS = """div.itemView{padding:8px 0 24px}h2.itemTitle{font-size:20px;color:#0d4a8a}
span.itemDateCreated{color:#999;font-size:11px}div.itemImageBlock{margin:0 0 16px;text-align:center}
"""


@lru_cache(maxsize=1)
def logo_png() -> bytes:
    """The site's logo (520x90, solid blue): a real PNG."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (520, 90), (13, 74, 138)).save(out, "PNG")
    return out.getvalue()


class K2Router:
    """Request target → (status, body, content type) for one K2 site; counts pages served per kind."""

    def __init__(self, site: K2Site, crawl_delay: float | None = None):
        from collections import Counter

        self.site, self.crawl_delay = site, crawl_delay
        self.served: Counter = Counter()
        self._images = site.images()
        self._cats = {slug: c for c, (slug, _, _) in enumerate(CATEGORIES)}

    def handle(self, target: str, base_url: str) -> tuple[int, bytes, str]:
        parts = urlsplit(target)
        path, query = parts.path.rstrip("/") or "/", dict(parse_qsl(parts.query))
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            return 200, robots_txt(self.crawl_delay).encode(), "text/plain; charset=utf-8"
        if path == "/":
            self.served["home"] += 1
            return 200, index_page(self.site, True), html
        if path == f"/{NEWS}":
            self.served["index"] += 1
            return 200, index_page(self.site, False), html
        if path == "/components/com_k2/css/k2.css":  # the theme (page requisites of every page)
            self.served["static"] += 1
            return 200, K2_CSS.encode(), "text/css; charset=utf-8"
        if path == "/images/logo/logo.png":
            self.served["static"] += 1
            return 200, logo_png(), "image/png"
        if path.startswith("/media/k2/items/cache/") and path.endswith(".jpg"):
            md5, _, size = path.rsplit("/", 1)[1][:-4].partition("_")
            if md5 in self._images and size in ("M", "L", "XL"):
                self.served["image"] += 1
                return 200, jpeg_bytes(f"k2-{md5}-{size}"), "image/jpeg"
            return self.not_found()
        bits = path.strip("/").split("/")
        if len(bits) >= 2 and bits[0] == NEWS and bits[1] in self._cats:
            cat = self._cats[bits[1]]
            if len(bits) == 2:
                try:
                    start = int(query.get("start", "0"))
                except ValueError:
                    start = 0
                page = start // PAGE_SIZE + 1
                if start % PAGE_SIZE or not 1 <= page <= self.site.pages_of(cat):
                    return self.not_found()
                self.served["listing"] += 1
                return 200, listing_page(self.site, cat, page), html
            if len(bits) == 4 and bits[2] == "item":
                head = bits[3].split("-", 1)[0]
                it = self.site.by_id(int(head)) if head.isdigit() else None
                if it is not None and it.cat == cat and it.path == path:
                    self.served["article"] += 1
                    return 200, item_page(self.site, it, base_url), html
        return self.not_found()

    def not_found(self) -> tuple[int, bytes, str]:
        self.served["not_found"] += 1
        body = ("<!DOCTYPE html><html><head><title>404 - Không tìm thấy trang</title></head><body>"
                "<h1>404</h1><p>Không tìm thấy trang yêu cầu.</p></body></html>")
        return 404, body.encode("utf-8"), "text/html; charset=utf-8"
