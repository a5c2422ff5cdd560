"""The page kinds of the other sections (issue 3), wrapped in the theme or in the bare WCM connect shell.

A mixin of :class:`pages.Pages` (which gives ``self.c`` and ``self._portal``). Item views (document,
album, schedule, static page) take ``shell``: None (portal page), "connect" (``/wps/wcm/connect<path>``)
or "print" (``?presentationtemplate=hoangmai/pt_print``), and are counted under one name each.
"""
from __future__ import annotations

from html import escape

from . import categories as C
from . import documents as D
from . import gallery as G
from . import schedules as S
from . import states, theme
from . import static_pages as SP
from . import urls as U
from . import videos as VD
from .states import View

VIDEO_WIN = "0O0KBA5N1E0MH2V35P0000D3"
SHELL = ('<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n</head>\n'
         '<body{onload}><a name="top"></a>\n{crumbs}\n{body}\n</body>\n</html>\n')


def tools(wcm_path: str) -> str:
    return (f'<div class="tools"><a href="{escape(U.print_url(wcm_path))}"><img src="{U.THEME_IMG}print.gif" alt="" '
            'border="0"></a> | <a href="javascript:history.back()">Quay lại</a> | <a href="#top">Đầu trang</a></div>')


class SectionPages:
    # --- shared -------------------------------------------------------------------------------
    def _item_view(self, host, view, *, title, bar, crumbs, body, wcm_path, friendly, selected, shell):
        from .pages import Page

        if shell == "print":
            return Page(SHELL.format(title=escape(title), onload=' onload="window.print()"', crumbs=crumbs,
                                     body=f'<div class="print-page">\n{body}\n</div>'))
        if shell == "connect":
            return Page(SHELL.format(title=escape(title), onload="", crumbs=crumbs, body=body + "\n" + tools(wcm_path)))
        return self._portal(host, view, title, friendly, lambda _n: crumbs + theme.viewer_portlet(
            states.MAIN_WINDOW, bar, body + "\n" + tools(wcm_path)), selected=selected)

    def _section(self, host, view, title, bookmark, crumbs, body, selected):
        return self._portal(host, view, title, bookmark,
                            lambda _n: crumbs + theme.viewer_portlet(states.MAIN_WINDOW, title, body), selected=selected)

    # --- Văn bản chỉ đạo điều hành --------------------------------------------------------------
    def document_register(self, host: str, page: int, action: str):
        """Register page ``page``; its form posts to ``action`` (a state URL issued to the session)."""
        name = C.SECTION_NAMES["van-ban-chi-dao-dieu-hanh"]
        return self._section(host, View(states.REGISTER), name, U.REGISTER, theme.trail((U.REGISTER, name)),
                             D.register_html(self.c.documents, page, action), "van-ban-chi-dao-dieu-hanh")

    def document(self, host: str, i: int, shell: str | None = None):
        d = self.c.documents.get(i)
        name = C.SECTION_NAMES["van-ban-chi-dao-dieu-hanh"]
        return self._item_view(host, View(states.DOCUMENT, i), title=d.title, bar=name, crumbs=theme.trail((U.REGISTER, name)),
                          body=D.detail_html(d), wcm_path=d.wcm_path, friendly=d.friendly,
                          selected="van-ban-chi-dao-dieu-hanh", shell=shell)

    # --- Thư viện ảnh, video --------------------------------------------------------------------
    def gallery(self, host: str):
        name = C.SECTION_NAMES["thu-vien-anh"]
        return self._section(host, View(states.GALLERY), name, U.GALLERY, theme.trail((U.GALLERY, name)),
                             G.grid_html(self.c.albums), "thu-vien-anh")

    def album(self, host: str, i: int, shell: str | None = None):
        albums = self.c.albums
        a = albums.get(i)
        others = [albums.get((i + k) % albums.n) for k in range(1, 4)]
        name = C.SECTION_NAMES["thu-vien-anh"]
        return self._item_view(host, View(states.ALBUM, i), title=a.title, bar=name, crumbs=theme.trail((U.GALLERY, name)),
                          body=G.album_html(a, others), wcm_path=a.wcm_path, friendly=a.friendly,
                          selected="thu-vien-anh", shell=shell)

    def video_list(self, host: str):
        crumbs = theme.trail((U.GALLERY, C.SECTION_NAMES["thu-vien-anh"]), (U.VIDEOS, "Video"))
        return self._section(host, View(states.VIDEOS), "Video", U.VIDEOS, crumbs, VD.list_html(self.c.videos),
                             "thu-vien-anh")

    # --- Lịch làm việc ----------------------------------------------------------------------------
    def schedule_list(self, host: str):
        name = C.SECTION_NAMES["lich-lam-viec"]
        return self._section(host, View(states.SCHEDULES), name, U.SCHEDULES, theme.trail((U.SCHEDULES, name)),
                             S.list_html(self.c.schedules), "lich-lam-viec")

    def schedule(self, host: str, w: int, shell: str | None = None):
        s = self.c.schedules.get(w)
        name = C.SECTION_NAMES["lich-lam-viec"]
        return self._item_view(host, View(states.SCHEDULE, w), title=s.title, bar=name, crumbs=theme.trail((U.SCHEDULES, name)),
                          body=S.week_html(s), wcm_path=s.wcm_path, friendly=s.friendly, selected="lich-lam-viec",
                          shell=shell)

    # --- static pages, businesses -------------------------------------------------------------------
    def static_page(self, host: str, p: int, shell: str | None = None):
        pg = self.c.static.get(p)
        siblings = [] if pg.fields else self.c.static.in_section(pg.section)
        return self._item_view(host, View(states.STATIC, p), title=pg.title, bar=pg.section_name,
                          crumbs=theme.trail((U.static(pg.section), pg.section_name)), body=SP.page_html(pg, siblings),
                          wcm_path=pg.wcm_path, friendly=pg.friendly, selected=pg.section, shell=shell)

    def business_list(self, host: str):
        name = C.SECTION_NAMES[SP.BUSINESS_SECTION]
        return self._section(host, View(states.BUSINESSES), name, U.BUSINESSES, theme.trail((U.BUSINESSES, name)),
                             SP.business_list_html(self.c.static.in_section(SP.BUSINESS_SECTION)), SP.BUSINESS_SECTION)

    # --- the home page's video block ----------------------------------------------------------------
    def video_block(self) -> str:
        v = self.c.videos.get(0)
        body = (f'<div class="video_block"><a href="{U.VIDEOS}"><img src="{escape(v.thumb)}" width="200" border="0" alt="">'
                f'</a><br><a href="{U.VIDEOS}">Xem tất cả video</a> | <a href="{U.GALLERY}">Thư viện ảnh</a></div>')
        return theme.viewer_portlet(VIDEO_WIN, "Video", body)
