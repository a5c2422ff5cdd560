"""The WPS 6.x "HoangMai" theme and "IBM" skin: page shell, navigation, left portlets, footer."""
from __future__ import annotations

from html import escape

from . import categories as C
from . import states
from . import urls as U
from .static_pages import MENUS

SKIN_SPACER = "/wps/skins/html/IBM/title_minheight.gif"
MENU_ICON = "/wps/themes/html/Portal/images/topNav/menu_selected_disabled.gif"
BULLET = U.THEME_IMG + "bullet.gif"
TITLE = "Cổng thông tin điện tử thị xã Hoàng Mai"

# The eight portlets of the left column, in the seed's order: (window id, title).
LEFT_PORTLETS = (
    ("0O0KBA5N1E0MH2V35P0000A1", "Giới thiệu chung"),
    ("0O0KBA5N1E0MH2V35P0000A3", "Hệ thống chính trị"),
    ("0O0KBA5N1E0MH2V35P0000A5", "Tin tức sự kiện"),
    ("0O0KBA5N1E0MH2V35P0000A7", "Lịch làm việc"),
    ("0O0KBA5N1E0MH2V35P0000B1", "Quy hoạch phát triển, KTXH"),
    ("0O0KBA5N1E0MH2V35P0000B3", "Văn bản chỉ đạo điều hành"),
    ("0O0KBA5N1E0MH2V35P0000B5", "Doanh nghiệp"),
    ("0O0KBA5N1E0MH2V35P0000B7", "Thư viện ảnh"),
)


def _link_list(items) -> str:
    lis = "".join(f'<li><img src="{BULLET}" alt="" border="0"> <a href="{escape(h)}">{escape(t)}</a></li>'
                  for h, t in items)
    return f'<ul class="leftMenu">{lis}</ul>'


def _left_body(title: str) -> str:
    if title == "Giới thiệu chung":
        return _link_list(MENUS["gioi-thieu-chung"])
    if title == "Tin tức sự kiện":
        return _link_list([(U.category(C.NEWS), C.NEWS.name)] + [(U.category(c), c.name) for c in C.NEWS_LEAVES])
    if title == "Văn bản chỉ đạo điều hành":
        return _link_list([(U.REGISTER, "Văn bản chỉ đạo điều hành")] + [(U.category(c), c.name) for c in C.TOP[1:]])
    if title == "Lịch làm việc":
        return (f'<a href="{U.CALENDAR}"><img src="{U.THEME_IMG}lichlamviec.gif" alt="" border="0"></a>'
                f'&nbsp;<a href="{U.CALENDAR}">Lịch làm việc tuần</a><br>'
                f'<a href="{U.SCHEDULES}">Lịch làm việc các tuần</a>')
    if title == "Hệ thống chính trị":
        return ('<div id="menu_htct"><script type="text/javascript">wpsMenu("menu_htct", htctItems);</script>'
                f'<img src="{U.THEME_IMG}menu_htct.gif" alt="" border="0"></div>' + _link_list(MENUS["he-thong-chinh-tri"]))
    if title == "Quy hoạch phát triển, KTXH":
        return _link_list(MENUS["quy-hoach-phat-trien"])
    if title == "Doanh nghiệp":
        return _link_list([(U.BUSINESSES, "Danh bạ doanh nghiệp")])
    if title == "Thư viện ảnh":
        return ('<div id="slideshow"><script type="text/javascript">startSlideShow("slideshow");</script>'
                f'<img src="{U.THEME_IMG}thuvienanh.gif" alt="" border="0"></div>'
                + _link_list([(U.GALLERY, "Thư viện ảnh"), (U.VIDEOS, "Thư viện video")]))
    return "&nbsp;"


def portlet(view: states.View, win: str, title: str, body: str) -> str:
    """One left-column portlet in the IBM skin: anchor, title bar with skip + menu links, body, skip target."""
    mode = escape(states.portlet_mode_path(view, win))
    return (f'<a name="7_{win}"></a>\n'
            f'<div class="wpsPortlet" id="mouseoverTable_7_{win}">\n'
            '<table class="wpsPortletTitleBar" width="100%" cellpadding="0" cellspacing="0"><tr>\n'
            f'<td class="wpsPortletTitle" nowrap><span class="wpsPortletTitleText">{escape(title)}</span>'
            f'<img alt="" src="{SKIN_SPACER}" width="1" height="22"></td>\n'
            f'<td class="wpsPortletIcons"><a class="wpsSkipLink" href="#skip_7_{win}">Skip portlet</a>'
            f'<a class="wpsPortletMenuLink" href="javascript:void(0)" id="portletMenu_7_{win}" '
            f'onclick="wpsPortletMenu(\'7_{win}\');return false;"><img src="{MENU_ICON}" alt="" title="Portlet Menu" '
            f'border="0"></a><a class="wpsPortletMenuNoJS" href="{mode}">Portlet Menu</a></td>\n'
            f'</tr></table>\n<div class="wpsPortletBody">{body}</div>\n</div>\n<a name="skip_7_{win}"></a>\n')


def viewer_portlet(win: str, title: str, body: str, duplicate_title: bool = False) -> str:
    """A main-column WCM viewer portlet (skin without skip link); optionally the title twice inline."""
    t = escape(title)
    copy = f' <span class="wpsPortletTitleCopy">{t}</span>' if duplicate_title else ""
    return (f'<a name="7_{win}"></a>\n'
            f'<div class="wpsPortlet wcmViewer" id="mouseoverTable_7_{win}">\n'
            '<table class="wpsPortletTitleBar" width="100%" cellpadding="0" cellspacing="0"><tr>\n'
            f'<td class="wpsPortletTitle" nowrap><span class="wpsPortletTitleText">{t}</span>{copy}'
            f'<img alt="" src="{SKIN_SPACER}" width="1" height="22"></td>\n'
            '</tr></table>\n<div class="wpsPortletSpacer">&nbsp;</div>\n'
            f'<div class="wpsPortletBody">{body}</div>\n</div>\n')


def top_nav(selected: str | None) -> str:
    items = [("", U.HOME, "Trang chủ")] + [(c.path, U.category(c), c.name) for c in C.TOP]
    items += [("gioi-thieu-chung", U.static("gioi-thieu-chung"), "Giới thiệu chung"),
              ("he-thong-chinh-tri", U.static("he-thong-chinh-tri"), "Hệ thống chính trị"),
              ("lich-lam-viec", U.SCHEDULES, "Lịch làm việc"),
              ("quy-hoach-phat-trien", U.static("quy-hoach-phat-trien"), "Quy hoạch phát triển, KTXH"),
              ("van-ban-chi-dao-dieu-hanh", U.REGISTER, "Văn bản chỉ đạo điều hành"),
              ("doanh-nghiep", U.BUSINESSES, "Doanh nghiệp"), ("thu-vien-anh", U.GALLERY, "Thư viện ảnh"),
              ("login", U.LOGIN, "Đăng nhập"), ("search", U.SEARCH, "Tìm kiếm")]
    tds = "".join(f'<td class="{"wpsSelectedPage" if key == selected else "wpsUnSelectedPage"}">'
                  f'<a href="{h}">{escape(t)}</a></td>' for key, h, t in items)
    return f'<table class="wpsTopNav" cellpadding="0" cellspacing="0" border="0"><tr>{tds}</tr></table>'


def breadcrumb(cat: C.Category | None) -> str:
    parts = [f'<a href="{U.HOME}">Trang chủ</a>']
    chain = [p for p in (C.parent_of(cat) if cat else None, cat) if p]
    parts += [f'<a href="{U.category(c)}">{escape(c.name)}</a>' for c in chain]
    return f'<div class="breadcrumb">{" &gt; ".join(parts)}</div>'


def trail(*items: tuple[str, str]) -> str:
    """A breadcrumb of (href, name) after "Trang chủ" (the sections of issue 3)."""
    parts = [f'<a href="{U.HOME}">Trang chủ</a>'] + [f'<a href="{escape(h)}">{escape(n)}</a>' for h, n in items]
    return f'<div class="breadcrumb">{" &gt; ".join(parts)}</div>'


FOOTER = ('<div class="footer"><b>CỔNG THÔNG TIN ĐIỆN TỬ THỊ XÃ HOÀNG MAI - TỈNH NGHỆ AN</b><br>'
          'Cơ quan chủ quản: UBND thị xã Hoàng Mai<br>'
          'Địa chỉ: Khối 6, phường Mai Hùng, thị xã Hoàng Mai, tỉnh Nghệ An<br>'
          'Điện thoại: 0238.3866.226 - Fax: 0238.3866.227</div>')


def page(*, host: str, view: states.View, base_path: str, title: str, bookmark: str, main: str,
         charset: str = "utf-8", selected: str | None = None) -> str:
    """The full portal page around ``main`` (already HTML)."""
    left = "".join(portlet(view, win, t, _left_body(t)) for win, t in LEFT_PORTLETS)
    t = escape(title)
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<html lang="vi" dir="ltr">
<!-- IBM WebSphere Portal -->
<head>
<meta charset="{charset}">
<title>{t}</title>
<base href="{host}{base_path}">
<link rel="bookmark" title="{t}" href="{host}{bookmark}">
<link href="/wps/themes/html/HoangMai/styles.css" rel="stylesheet" type="text/css">
<script type="text/javascript" src="/wps/themes/html/HoangMai/js/portal.js"></script>
</head>
<body class="wpsPortal"><a name="top"></a>
<table class="wpsThemeTable" width="990" align="center" cellpadding="0" cellspacing="0" border="0">
<tr><td colspan="2" id="banner"><a href="{U.HOME}"><img src="{U.THEME_IMG}banner.gif" alt="" width="990" height="160" border="0"></a></td></tr>
<tr><td colspan="2" class="wpsTopNavCell">{top_nav(selected)}</td></tr>
<tr>
<td class="wpsLeftColumn" valign="top" width="230">
{left}<div>&nbsp;</div>
<div>&nbsp;</div>
</td>
<td class="wpsMainColumn" valign="top">
{main}
</td>
</tr>
<tr><td colspan="2" class="wpsFooter">{FOOTER}</td></tr>
</table>
</body>
</html>
"""


STYLES_CSS = """body.wpsPortal{font-family:Arial,Helvetica,sans-serif;font-size:12px;margin:0}
.wpsPortletTitleBar{background:#c40000;color:#fff}.wpsPortletTitle{font-weight:bold;padding:2px 6px}
.wpsPortletIcons a{font-size:0}.wpsPortletMenuNoJS{display:none}.wpsPortletTitleCopy{display:none}
.list_news li{clear:both;list-style:none;margin:6px 0}.list_news img{float:left;width:120px;margin-right:8px}
.datespan,.date{color:#777}.page a{padding:0 3px}.page a.current{font-weight:bold}
"""
PORTAL_JS = "function wpsPortletMenu(id){return false;}function wpsMenu(){}function startSlideShow(){}var htctItems=[];\n"
