"""Page type before record kinds: article, listing or other, from the body found, the page's lists of item
links and pager, teasers, a home-page URL, a "not found" text (soft 404)."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from .dom import is_ancestor
from .listing import dominant_list, item_lists, teaser_container


_SOFT404_RE = re.compile(
    r"không\s+tìm\s+thấy|không\s+tồn\s+tại|page\s+not\s+found|not\s+found|lỗi\s+404|error\s+404|"
    r"nội\s+dung\s+đang\s+được\s+cập\s+nhật|đang\s+cập\s+nhật\s+nội\s+dung|chưa\s+có\s+(?:dữ\s+liệu|nội\s+dung)|"
    r"không\s+có\s+(?:dữ\s+liệu|nội\s+dung)|content\s+(?:is\s+)?not\s+(?:found|available)|"
    r"could\s+not\s+be\s+found|no\s+content",
    re.I,
)


_HOME_PATH_RE = re.compile(
    r"^/(?:|index\.(?:php|html?|aspx?|jsp)|default\.aspx?|home|trang-?chu|wps/portal(?:/[^/!?]+)?/?|"
    r"wps/portal/[^/!?]+/(?:home|trang-?chu)/?|web/guest(?:/home|/trang-chu)?/?|portal/?)$",
    re.I,
)

# "/trang-chu.html", "/Trang/Default.aspx" (SharePoint), "/Pages/Home.aspx", "/vi/", "/web/guest/trang-chu",
# "/portal/page/portal/chinhphu/trangchu" (Oracle portal), "/index.php"
_HOME_PATH2_RE = re.compile(
    r"^/(?:(?:vi|vn|vi-vn|vi_vn|en|web/[^/]+|trang|pages|sites/[^/]+|portal/page/portal/[^/]+|wps/portal/[^/!?]+)/)*"
    r"(?:home(?:page)?|trang-?chu|index|default)?(?:\.(?:html?|aspx?|php|jsp))?/?$",
    re.I,
)


def classify_page(*, url, title, H, H_el, dt, body_text, body_blocks, region, page, link_cache, pre_list,
                  attached, related_set, has_pager, teaser_list, site_only_title, crumbs):
    """The page type before record kinds (article, listing or other): (page_type, list, home, soft404)."""
    page_type = "other"
    real_body = len(body_text) >= 100 and any(b.tlen >= 60 and b.kind in ("p", "quote", "pre", "h")
                                              for b in body_blocks)
    if not real_body and H is not None and (H.has_date or dt is not None) and len(body_text) >= 30 and any(
            b.kind in ("p", "quote", "pre") for b in body_blocks):
        real_body = True  # a short announcement under a dated article heading
    if not real_body and H is not None and len(body_text) >= 150 and len(body_blocks) >= 3 and any(
            b.kind in ("p", "quote", "pre") and b.tlen >= 40 for b in body_blocks):
        real_body = True  # a short static page: an intro line and a list or table
    lst, nitems, ntotal, list_hint, in_lists = dominant_list(page, link_cache)
    if (lst is None or nitems < 4) and pre_list[0] is not None and pre_list[1] >= 4 and not attached(pre_list[0]) \
            and any(is_ancestor(b, pre_list[0]) for b in related_set if b is not None):
        # the page's list was removed as chrome because it looked like a related box (not a menu)
        lst, nitems, ntotal, list_hint, in_lists = pre_list
    listy = False
    if lst is not None and nitems >= (2 if has_pager else 4) and region:  # a last listing page may hold 2-3 items
        rtext = sum(b.tlen for b in region) or 1
        in_list = sum(b.tlen for b in region if is_ancestor(lst, b.el))
        listy = in_list >= 0.4 * rtext
    if not listy and has_pager and region:
        # the body sits in another list of item links (the last page of a listing: 2-3 items, fewer than
        # the links of a navigation bar)
        rtext = sum(b.tlen for b in region) or 1
        for x, n in item_lists(page, link_cache).items():
            if n >= 2 and x is not lst and sum(b.tlen for b in region if is_ancestor(x, b.el)) >= 0.6 * rtext:
                lst, nitems, listy = x, n, True
                break
    if not listy and region and teaser_list:
        # the content is a list of teasers (linked item titles with a summary and a "Xem tiếp" link),
        # e.g. a category page holding one or two items
        listy = True
        tlst = teaser_container(region, H_el)
        if tlst is not None and (lst is None or nitems < 2):
            lst, nitems = tlst, max(nitems, 1)
    soft404 = len(body_text) < 400 and bool(_SOFT404_RE.search(body_text or ""))
    home = is_home_url(url)
    if title and real_body and not listy and not soft404 and not site_only_title and not (
            H is None and (home or ntotal >= 12)):
        page_type = "article"
    elif lst is not None and nitems >= 4 and (nitems >= 0.6 * ntotal or has_pager or list_hint) and not home:
        page_type = "listing"
    elif lst is not None and nitems >= 2 and has_pager and not home:
        page_type = "listing"
    elif listy and title and real_body and not home and not soft404:
        page_type = "listing"  # teasers (see first_teaser_index)
    elif lst is not None and not home and in_lists >= 6 and len([c for c in crumbs if c]) >= 2 and in_lists >= 0.6 * ntotal:
        # a parent section: several short lists of its sub-sections' items under a breadcrumb
        page_type = "listing"
    return page_type, lst, home, soft404


def is_home_url(url: str) -> bool:
    try:
        path = urlsplit(url).path or "/"
    except ValueError:
        return False
    if not path.startswith("/"):
        path = "/" + path
    if not (_HOME_PATH_RE.match(path) or _HOME_PATH2_RE.match(path)):
        return False
    # "/index.php?module=tintuc&id=2310", "/Default.aspx?tabid=54&ArticleID=3": a page chosen by the query
    try:
        query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    except ValueError:
        return False
    for k, v in query:
        k = k.lower()
        if k in ("lang", "language", "l", "locale", "itemid", "1dmy", "") or (k == "view" and v == "featured") or (
                k == "option" and v == "com_content"):
            continue
        return False
    return True
