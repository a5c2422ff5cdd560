"""The page kinds of the portal, as HTML strings: home, listings, article views, calendar, others.

The sections of issue 3 (documents, gallery, videos, schedules, static pages) come from the
:class:`section_pages.SectionPages` mixin.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from urllib.parse import quote

from . import categories as C
from . import states, theme
from . import urls as U
from .article_html import BodyRenderer, lead_html
from .blocks import collapse
from .corpus import Corpus
from .encoding import CHARSETS
from .fmt import list_date, raw_date
from .section_pages import SectionPages
from .states import View

FEATURED_WIN = "0O0KBA5N1E0MH2V35P0000C1"
BLOCK_WINS = ("0O0KBA5N1E0MH2V35P0000C3", "0O0KBA5N1E0MH2V35P0000C5", "0O0KBA5N1E0MH2V35P0000C7",
              "0O0KBA5N1E0MH2V35P0000D1")
CALENDAR_WEEK0 = date(2020, 8, 31)
DAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@dataclass(frozen=True)
class Page:
    html: str
    encoding: str = "utf-8"  # "utf-8", "utf-8-nfd", "windows-1258"
    validators: object = None  # validators.Validators of a record view (set by the router), else None


class Pages(SectionPages):
    def __init__(self, corpus: Corpus):
        self.c = corpus

    # --- helpers -----------------------------------------------------------------------------
    def _portal(self, host: str, view: View, title: str, bookmark: str, main, *, encoding="utf-8",
                selected=None) -> Page:
        """Theme around ``main(base_nonce)``; the base href is a fresh state URL of ``view``."""
        blob, nonce = states.encode_blob(view)
        base = f"{states.PORTAL}/!ut/p/c5/{blob}/dl3/d3/{states.BASE_MARKER}/"
        html = theme.page(host=host, view=view, base_path=base, title=title, bookmark=bookmark,
                          main=main(nonce), charset=CHARSETS[encoding].lower(), selected=selected)
        return Page(html, encoding)

    def _item(self, k: int, href: str) -> str:
        m = self.c.meta(k)
        return (f'<li><img src="{theme.BULLET}" alt="" border="0"> <a href="{escape(href)}">{escape(m.title)}</a> '
                f'<span class="datespan">{list_date(m.date)}</span></li>')

    def summary(self, k: int) -> str:
        a = self.c.article(k)
        if a.lead:
            return collapse(a.lead)
        words = collapse(next(b.text for b in a.blocks if hasattr(b, "text"))).split()
        return " ".join(words[:30]) + ("..." if len(words) > 30 else "")

    # --- home (also the soft-404 default content) ----------------------------------------------
    def home(self, host: str) -> Page:
        def main(_nonce):
            featured = "".join(self._item(k, states.state_path(View(states.ARTICLE, k)))
                               for k in self.c.newest(range(len(C.LEAVES)), 10))
            out = [theme.viewer_portlet(FEATURED_WIN, "Tin nổi bật", f'<div class="hot_news"><ul>{featured}</ul></div>')]
            for win, cat in zip(BLOCK_WINS, C.TOP):
                leaves = [C.LEAF_INDEX[c.path] for c in (C.children(cat) or (cat,))]
                items = "".join(self._item(k, U.friendly(self.c.meta(k))) for k in self.c.newest(leaves, 3))
                more = f'<div class="more"><a href="{U.category(cat)}">Xem toàn bộ danh sách</a></div>'
                out.append(theme.viewer_portlet(win, cat.name, f'<div class="cat_block"><ul>{items}</ul>{more}</div>'))
            out.append(self.video_block())
            return "\n".join(out)

        return self._portal(host, View(states.HOME), "Trang chủ", U.HOME, main, selected="")

    # --- category listings ---------------------------------------------------------------------
    def category(self, host: str, cat_index: int, page: int) -> Page | None:
        """Listing page ``page`` of ``categories.ALL[cat_index]``; None if there is no such page."""
        if not 0 <= cat_index < len(C.ALL):
            return None
        cat = C.ALL[cat_index]
        kids = C.children(cat)
        if kids:
            return self._parent(host, cat, kids) if page == 1 else None
        leaf = C.LEAF_INDEX[cat.path]
        last = self.c.pages(leaf)
        if not 1 <= page <= last:
            return None

        def main(nonce):
            lis = []
            for k in self.c.listing(leaf, page):
                m, a = self.c.meta(k), self.c.article(k)
                lis.append(f'<li><img src="{escape(a.thumb.path)}" width="120" border="0" alt="">'
                           f'<span class="newtitle"><a href="{escape(U.poc_query(m.wcm_path))}">{escape(m.title)}</a></span> '
                           f'<span class="datespan">{list_date(m.date)}</span><p>{escape(self.summary(k))}</p></li>')
            body = f'<div class="list_news"><ul>{"".join(lis)}</ul></div>' + self._pager(cat_index, page, last, nonce)
            return theme.breadcrumb(cat) + theme.viewer_portlet(states.MAIN_WINDOW, cat.name, body)

        view = View(states.LISTING, cat_index, page)
        return self._portal(host, view, cat.name, U.category(cat), main, selected=(C.parent_of(cat) or cat).path)

    def _pager(self, cat_index: int, page: int, last: int, nonce: bytes) -> str:
        if last <= 1:
            return ""

        def link(id_, n, text, title):
            cls = ' class="current"' if id_.startswith("linkToPage") and n == page else ""
            return (f'<a id="pc0_{id_}" title="{title}"{cls} href="{states.pager_delta(cat_index, n, nonce)}">'
                    f'{text}</a>')

        parts = []
        if page > 1:
            parts += [link("firstPage", 1, "&lt;&lt;", "first page"), link("previousPage", page - 1, "&lt;", "previous page")]
        for n in range(max(1, page - 2), min(last, page + 3) + 1):
            parts.append(link(f"linkToPage_{n}", n, str(n), f"link to page {n}"))
        if page < last:
            parts += [link("nextPage", page + 1, "&gt;", "next page"), link("lastPage", last, "&gt;&gt;", "last page")]
        return f'<div class="page">{" ".join(parts)}</div>'

    def _parent(self, host: str, cat: C.Category, kids) -> Page:
        """A parent site area links to its subcategories, each with its 3 newest items."""
        def main(_nonce):
            out = []
            for kid in kids:
                items = "".join(self._item(k, U.friendly(self.c.meta(k)))
                                for k in self.c.listing(C.LEAF_INDEX[kid.path], 1)[:3])
                out.append(f'<div class="sub_cat"><h2><a href="{U.category(kid)}">{escape(kid.name)}</a></h2>'
                           f'<ul>{items}</ul><div class="more"><a href="{U.category(kid)}">Xem toàn bộ danh sách</a>'
                           '</div></div>')
            return theme.breadcrumb(cat) + theme.viewer_portlet(states.MAIN_WINDOW, cat.name, "\n".join(out))

        return self._portal(host, View(states.LISTING, C.ALL.index(cat), 1), cat.name, U.category(cat), main,
                            selected=cat.path)

    # --- articles ------------------------------------------------------------------------------
    def news_detail(self, k: int) -> str:
        """The presentation template ``pt_detail``: title + date, lead, body, actions, related lists."""
        a, m = self.c.article(k), self.c.meta(k)
        body = BodyRenderer(a, self.c.seed).content_body()
        mail = f"mailto:?subject={quote(m.title)}&amp;body={quote(U.friendly(m))}"
        tools = (f'<div class="tools"><a href="{escape(U.print_url(m.wcm_path))}"><img src="{U.THEME_IMG}print.gif" '
                 f'alt="" border="0"></a> | <a href="{mail}">Gửi email</a> | '
                 '<a href="javascript:history.back()">Quay lại</a> | <a href="#top">Đầu trang</a></div>')
        others = "".join(self._item(o, U.friendly(self.c.meta(o))) for o in self.c.others(k))
        related = "".join(self._item(o, U.poc(self.c.meta(o))) for o in self.c.related(k))
        lists = ""
        if others:
            lists += f'<div class="other-news"><h3>Các tin khác</h3><ul>{others}</ul></div>'
        if related:
            lists += f'<div class="related-news"><h3>Tin liên quan</h3><ul>{related}</ul></div>'
        return (f'<div class="news-detail">\n<h1 class="title">{escape(m.title)} '
                f'<span class="date">({raw_date(m.date)})</span></h1>\n{lead_html(a)}\n'
                f'<div id="contentBody">\n{body}\n</div>\n{tools}\n{lists}\n</div>')

    def article(self, host: str, k: int) -> Page:
        m, a = self.c.meta(k), self.c.article(k)

        def main(_nonce):
            return theme.breadcrumb(m.category) + theme.viewer_portlet(
                states.MAIN_WINDOW, m.title, self.news_detail(k), duplicate_title=True)

        return self._portal(host, View(states.ARTICLE, k), m.title, U.friendly(m), main, encoding=a.encoding,
                            selected=(C.parent_of(m.category) or m.category).path)

    def connect(self, k: int) -> Page:
        """``/wps/wcm/connect<path>``: the presentation template in a minimal shell, no theme."""
        m, a = self.c.meta(k), self.c.article(k)
        html = (f'<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="{CHARSETS[a.encoding].lower()}">\n'
                f'<title>{escape(m.title)}</title>\n</head>\n<body><a name="top"></a>\n'
                f'{theme.breadcrumb(m.category)}\n{self.news_detail(k)}\n</body>\n</html>\n')
        return Page(html, a.encoding)

    def print_page(self, k: int) -> Page:
        """``?presentationtemplate=hoangmai/pt_print``: title, date, lead, body only."""
        m, a = self.c.meta(k), self.c.article(k)
        body = BodyRenderer(a, self.c.seed).content_body()
        html = (f'<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="{CHARSETS[a.encoding].lower()}">\n'
                f'<title>{escape(m.title)}</title>\n</head>\n<body onload="window.print()">\n<div class="print-page">\n'
                f'{theme.breadcrumb(m.category)}\n<h1 class="title">{escape(m.title)} '
                f'<span class="date">({raw_date(m.date)})</span></h1>\n{lead_html(a)}\n'
                f'<div id="contentBody">\n{body}\n</div>\n</div>\n</body>\n</html>\n')
        return Page(html, a.encoding)

    # --- calendar trap, search, help, login ----------------------------------------------------
    def calendar(self, host: str, week: int, trail: bytes) -> Page:
        start = CALENDAR_WEEK0 + timedelta(weeks=week)
        rng = random.Random(f"{self.c.seed}:calendar:{week}")

        def main(_nonce):
            rows = []
            for i, day in enumerate(DAYS):
                d = start + timedelta(days=i)
                am = "Nghỉ" if i == 6 else f"{rng.choice(('Lãnh đạo UBND', 'Thường trực Thị ủy'))} họp giao ban"
                pm = "Nghỉ" if i >= 5 else f"Làm việc tại {rng.choice(('phường Mai Hùng', 'xã Quỳnh Lộc', 'trụ sở'))}"
                rows.append(f"<tr><td>{day}<br>{d:%d/%m/%Y}</td><td>{am}</td><td>{pm}</td></tr>")
            prev_url = states.state_path(View(states.CALENDAR, max(week - 1, 0), trail=trail + _hop()))
            next_url = states.state_path(View(states.CALENDAR, week + 1, trail=trail + _hop()))
            body = (f'<h2>Lịch làm việc tuần từ ngày {start:%d/%m/%Y} đến ngày {start + timedelta(days=6):%d/%m/%Y}</h2>'
                    '<table class="lich" border="1" cellpadding="3" cellspacing="0"><tr><th>Thứ/Ngày</th><th>Sáng</th>'
                    f'<th>Chiều</th></tr>{"".join(rows)}</table>'
                    f'<div class="week-nav"><a href="{prev_url}">« Tuần trước</a> | <a href="{next_url}">Tuần sau »</a></div>')
            return theme.viewer_portlet(states.MAIN_WINDOW, "Lịch làm việc", body)

        return self._portal(host, View(states.CALENDAR, week, trail=trail), "Lịch làm việc", U.CALENDAR, main)

    def search(self, host: str, query: str = "") -> Page:
        def main(_nonce):
            found = f"<p>Không tìm thấy kết quả nào cho “{escape(query)}”.</p>" if query else ""
            return theme.viewer_portlet(states.MAIN_WINDOW, "Tìm kiếm", (
                f'<form action="{U.SEARCH}" method="get"><input type="text" name="q" value="{escape(query)}">'
                f'<input type="submit" value="Tìm kiếm"></form>{found}'))

        return self._portal(host, View(states.SEARCH), "Tìm kiếm", U.SEARCH, main, selected="search")

    def portlet_help(self, host: str, view: View) -> Page:
        return self._portal(host, view, "Help", U.HOME, lambda _n: theme.viewer_portlet(
            states.MAIN_WINDOW, "Help", "<p>No help is available for this portlet.</p>"))

    def login(self, host: str) -> Page:
        return self._portal(host, View(states.HOME), "Đăng nhập", U.LOGIN, lambda _n: theme.viewer_portlet(
            states.MAIN_WINDOW, "Đăng nhập", (
                '<form method="post" action="/wps/portal/cxml/04_SD9ePMtCP1I800I_KydQvyHFUBADPmuQy/">'
                '<label>User ID: <input type="text" name="wps.portlets.userid"></label> '
                '<label>Password: <input type="password" name="password"></label> '
                '<input type="submit" value="Log in"></form>')), selected="login")


def _hop() -> bytes:
    """Four more bytes of navigational state per calendar hop: the blob only ever grows."""
    return os.urandom(4)
