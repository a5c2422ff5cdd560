"""Detect and remove portal chrome by structure (skins, navigation, breadcrumbs, pagers,
action-link bars, related lists), and collect what the chrome tells us (section, pager,
print link)."""
from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from .dom import HEADING_TAGS, JUNK_TAGS, attr_str, drop, link_text_len
from .text import collapse, has_chrome_literal, CHROME_LITERALS

# --- known skin/theme containers (WPS 5/6/6.1/8.5, Liferay, generic a11y helpers)
CHROME_CLASS_RE = re.compile(
    r"(?:^|\s)(?:wpsPortletTitleBar|wpsPortletTitle|wpsPortletTitleText|wpsPortletIcons|wpsPortletBorderTitle|"
    r"wpsToolBar|wpsSkipLink|wpsAltText|wpsPortletMenu\w*|wpsTitleBar|wpsPortletMenuLink|"
    r"wpthemeControlHeader|wpthemeAltText|wpthemeIcon|wpthemeBanner\w*|wpthemeFooter\w*|wpthemeNav\w*|"
    r"wpthemeHeader\w*|wpthemeCommonActions|wpthemeMenu\w*|wpthemeSkipLink|wpthemeCrumbTrail\w*|"
    r"wpthemeBreadcrumb\w*|lm-dynamic-title|a11yRegionLabel|"
    r"portlet-topper|portlet-topper-toolbar|portlet-title|portlet-title-text|portlet-title-menu|"
    r"portlet-title-default|portlet-dockbar|portlet-actions|portlet-options|lfr-meta-actions|lfr-icon-menu\w*|"
    r"taglib-social-bookmarks?|taglib-ratings|taglib-page-iterator|taglib-search-iterator-page-iterator-\w+|"
    r"sr-only|visually-hidden|screen-reader-text|element-invisible|skip-?links?|skipnav|"
    r"addthis\w*|a2a_kit|fb-like|fb-share-button|zalo-share-button|social-share\w*|share-buttons?|"
    r"print-?(?:link|button|icon|tool)s?|tool-?bar|article-tools?|news-?tools?|tools|utility|utilities)(?:\s|$)",
    re.I,
)
_CHROME_ID_RE = re.compile(
    r"^(?:portletState|wpthemeBanner|banner|header|footer|navigation|nav|menu|mainmenu|topmenu|top-menu|"
    r"dockbar|skipnav|skip-link|searchbox|search|sidebar|left-sidebar|right-sidebar|footer-wrapper|"
    r"header-wrapper|copyright)$",
    re.I,
)
_NAV_CLASS_RE = re.compile(
    r"(?:^|\s)(?:nav|navbar|navigation|menu|mainmenu|main-menu|topmenu|top-menu|leftmenu|left-menu|"
    r"rightmenu|submenu|sub-menu|menu-left|menu-top|megamenu|sidebar|side-bar|footer|site-footer|"
    r"header|site-header|banner|copyright|wpsNavLevel\d*|wpsPageBar|wpsTopNavigation)(?:\s|$)",
    re.I,
)
BREADCRUMB_HINT_RE = re.compile(
    r"bread|crumb|duongdan|duong-dan|duong_dan|navpath|nav-path|pathway|sitepath|site-path|vitri|vi-tri|"
    r"location-bar|wpthemeCrumbTrail",
    re.I,
)
_SELECTED_RE = re.compile(
    r"(?:^|\s)(?:selected|active|current|current-menu-item|wpsSelectedPage\w*|wpsNavItemSelected|"
    r"wpsSelectedPageLink|wpthemeSelected|menuselected|menu-selected|on)(?:\s|$)",
    re.I,
)
RELATED_CLASS_RE = re.compile(
    r"related|relate|lienquan|lien-quan|lien_quan|othernews|other-news|other_news|tinkhac|tin-khac|"
    r"tin_khac|cactinkhac|samecat|same-cat|morenews|more-news|oldnews|old-news|tincu|tin-cu|"
    r"news-other|newsother|other-article|tinmoi|tin-moi|tin-cung",
    re.I,
)
_PAGER_HINT_RE = re.compile(
    r"(?:^|[\s_-])(?:pager|paging|pagination|pagenav|page-nav|phantrang|phan-trang|pages|page|"
    r"wp-pagenavi|navigator|tableNavigator|PagingControl|paginator|trang)(?:$|[\s_-])",
    re.I,
)
_PAGER_LINK_ID_RE = re.compile(r"linkToPage|nextPage|lastPage|firstPage|prevPage|previousPage", re.I)
_PAGER_HREF_RE = re.compile(
    r"gotoPage\(|__doPostBack\([^)]*(?:page|Pager)|[?&](?:page|p|pageindex|pg|trang|start|offset|"
    r"WCM_Page\.[\w.-]+)=\d|WCM_Page|/page/\d|linkToPage",
    re.I,
)
_PAGER_TEXT_RE = re.compile(
    r"^(?:\d{1,4}|[«»‹›<>]{1,3}|\.{2,3}|…|(?:trang\s+)?(?:đầu|cuối|trước|sau|tiếp(?:\s+theo)?|kế)|"
    r"next|prev(?:ious)?|first|last|xem\s+tiếp)$",
    re.I,
)
_PAGER_TOKENS_RE = re.compile(
    r"\d+|trang|tuần|tháng|đầu|cuối|trước|sau|tiếp|theo|kế|next|prev(?:ious)?|first|last|page|of|xem|go|đến|"
    r"[«»‹›<>…./|\-–,:\[\]()]+",
    re.I,
)

RELATED_HEAD_RE = re.compile(
    r"^(?:(?:các|những)\s+)?(?:tin(?:\s+tức|\s+bài|\s+ảnh)?|bài(?:\s+viết|\s+báo)?|bản\s+tin|thông\s+tin|"
    r"văn\s+bản|tin\s+tức\s*-\s*sự\s+kiện|album(?:\s+ảnh)?|video|clip|phóng\s+sự|trang)\s+"
    r"(?:liên\s+quan|khác|cùng\s+(?:chuyên\s+mục|danh\s+mục|loại|chủ\s+đề|lĩnh\s+vực)|đã\s+đưa(?:\s+ngày)?|"
    r"mới(?:\s+(?:hơn|nhất|đăng|cập\s+nhật))?|cũ(?:\s+hơn)?|trước|tiếp\s+theo|xem\s+nhiều(?:\s+nhất)?|"
    r"đọc\s+nhiều(?:\s+nhất)?|nổi\s+bật|đã\s+đăng)\b.{0,40}$"
    r"|^(?:xem\s+thêm|đọc\s+thêm|có\s+thể\s+bạn\s+quan\s+tâm|related(?:\s+(?:articles|news|posts|content))?|"
    r"other\s+news|more\s+news|see\s+also)\s*:?$",
    re.I,
)

_ACTION_PHRASES = [
    "về đầu trang", "lên đầu trang", "đầu trang", "trở lên đầu trang", "in trang", "in bài viết", "in bài",
    "bản in", "in nội dung", "in ấn", "gửi email", "gửi e-mail", "gửi mail", "gửi bài viết", "gửi bài",
    "gửi cho bạn bè", "gửi bạn bè", "gửi tin", "quay lại", "quay về", "trở lại", "trở về", "chia sẻ",
    "lưu bài viết", "lưu bài", "lưu lại", "lưu tin", "phản hồi", "bình luận", "ý kiến", "góp ý",
    "đóng cửa sổ", "đóng", "tăng cỡ chữ", "giảm cỡ chữ", "cỡ chữ", "print this page", "print",
    "send email", "send to friend", "e-mail", "email", "go back", "back to top", "back", "top",
    "share", "tweet", "like", "facebook", "twitter", "zalo", "google\\+", "linkedin", "in",
    "a\\+", "a-", "a",
]
_ACTION_RE = re.compile(
    r"(?<![\w])(?:" + "|".join(sorted(_ACTION_PHRASES, key=len, reverse=True)) + r")(?![\w])", re.I
)
_ACTION_SEP_CHARS = " |•·/\\-–—›»«‹>[]():\u2028\xa0,;"
_STRONG_ACTION_RE = re.compile(
    r"đầu trang|in trang|in bài|bản in|gửi e-?mail|gửi mail|gửi bài|quay lại|quay về|trở lại|trở về|"
    r"print|back to top|lưu bài|chia sẻ",
    re.I,
)

_HEADING_DATE_RE = re.compile(r"\(\s*\d{1,2}/\d{1,2}/\d{4}[^)]{0,25}\)")
_CRUMB_SEP_RE = re.compile(r"\s*(?:>>|[>»›→]|::|\\)\s*|\s+/\s+")  # "/" only between spaces: "15/2023/QĐ-UBND" stays whole
_CRUMB_SEP_ONLY_RE = re.compile(r"^[\s>»›→/\\:|\u2028]+$")
_CRUMB_SEP_FIRST = frozenset(">»›→/\\:|")  # (the first character of a stripped text of separators only)
_HOME_WORD_RE = re.compile(r"^(?:trang\s+chủ|trang\s+nhất|trang\s+chính|home)\b", re.I)
_FOOTER_TEXT_RE = re.compile(
    r"bản quyền|copyright|©|cơ quan chủ quản|chịu trách nhiệm (?:chính|nội dung|xuất bản|quản lý)|chịu trách nhiệm\s*:|"
    r"giấy phép (?:số|thiết lập)|ghi rõ nguồn",
    re.I,
)
_CF_CLASS_RE = re.compile(r"__cf_email__")


_ACTION_WORDS = frozenset(w.replace("\\", "") for ph in _ACTION_PHRASES for w in ph.split())
_ACTION_SPLIT_RE = re.compile(r"[\s|•·/\\\-–—›»«‹>\[\]():,;\u2028\xa0]+")


@lru_cache(maxsize=8192)
def related_class(attrs: str) -> bool:
    """A class/id naming a related or other-news box."""
    return bool(RELATED_CLASS_RE.search(attrs))


def is_action_text(s: str) -> bool:
    """True when a short text consists only of action links ("In trang | Gửi email | Quay lại")."""
    if not s or len(s) > 120:
        return False
    return _is_action_text(s)


_ACTION_FIRST_WORD_RE = re.compile(_ACTION_SPLIT_RE.pattern[:-1] + r"*([^\s|•·/\\\-–—›»«‹>\[\]():,;\u2028\xa0]+)")


@lru_cache(maxsize=2048)
def _is_action_text(s: str) -> bool:
    # cheap necessary condition: every word is a word of some action phrase (the first word decides most texts)
    low = s.lower()
    m = _ACTION_FIRST_WORD_RE.match(low)
    if m is not None and m.group(1) not in _ACTION_WORDS and m.group(1) not in ("a+", "a-", "google+", "e"):
        return False
    for w in _ACTION_SPLIT_RE.split(low):
        if w and w not in _ACTION_WORDS and w not in ("a+", "a-", "google+", "e"):
            return False
    if not _ACTION_RE.search(s):
        return False
    rest = _ACTION_RE.sub(" ", s)
    return not rest.strip(_ACTION_SEP_CHARS)




def is_related_heading(s: str) -> bool:
    if not s or len(s) > 80:
        return False
    return bool(RELATED_HEAD_RE.match(s.strip().rstrip(":").strip()))


def is_pager_text(s: str) -> bool:
    if not s or len(s) > 200:
        return False
    # the tokens re.sub would remove, read from left to right (a match where one starts, else one whitespace
    # character): stops at the first character that is neither, where a sub() reads the whole text
    pos, n, match = 0, len(s), _PAGER_TOKENS_RE.match
    while pos < n:
        m = match(s, pos)
        if m is not None:
            pos = m.end()
        elif s[pos].isspace():
            pos += 1
        else:
            return False
    return True


def is_pager_text_sub(s: str) -> bool:
    """is_pager_text's definition: nothing but whitespace is left once its tokens are removed (kept for the
    equivalence test)."""
    if not s or len(s) > 200:
        return False
    return not _PAGER_TOKENS_RE.sub("", s).strip()


def is_footer_text(s: str) -> bool:
    return bool(s) and bool(_FOOTER_TEXT_RE.search(s))


def short_text(el, limit: int) -> str | None:
    """Collapsed text of el if it is at most ``limit`` chars, else None (cheap early exit)."""
    if not len(el):  # (no child: its own text alone)
        t = el.text or ""
        if len(t) > limit * 4 + 200:
            return None
        s = collapse(t)
        return s if len(s) <= limit else None
    parts = text_pieces(el, limit)
    if parts is None:
        return None
    s = collapse(" ".join(parts))
    return s if len(s) <= limit else None


def text_pieces(el, limit: int) -> list[str] | None:
    """The text pieces of ``el`` (a parent element), or None once they pass ``limit * 4 + 200`` characters:
    a text that long cannot collapse to ``limit`` (the early exit of :func:`short_text` and :func:`is_short`)."""
    n = 0
    parts = []
    for t in el.itertext():
        n += len(t)
        if n > limit * 4 + 200:
            return None
        parts.append(t)
    return parts


# the characters of an element's text pieces (the text nodes itertext yields) plus their number: with the
# spaces that would join them, an upper bound of the text's collapsed length
_TEXT_SIZE = etree.XPath("string-length(string()) + count(.//text())")


def is_short(el, limit: int) -> bool:
    """``short_text(el, limit) is not None``, without collapsing a text that is short however it collapses
    (its pieces and the spaces joining them within ``limit``: collapse only removes characters)."""
    if not len(el):
        t = el.text or ""
        return len(t) <= limit or (len(t) <= limit * 4 + 200 and len(collapse(t)) <= limit)
    if limit >= 1000 and _TEXT_SIZE(el) - 1 <= limit:
        return True  # (its pieces and the spaces joining them, counted by libxml2 without building them)
    parts = text_pieces(el, limit)
    if parts is None:
        return False
    if sum(map(len, parts)) + len(parts) - 1 <= limit:
        return True
    return len(collapse(" ".join(parts))) <= limit


_LIT_STRIP_RE = re.compile("|".join(re.escape(x) for x in CHROME_LITERALS) + r"|\bactions\b", re.I)


def _strip_literals(s: str) -> str:
    return collapse(_LIT_STRIP_RE.sub(" ", s))


def _decode_cf(hexstr: str) -> str | None:
    try:
        key = int(hexstr[:2], 16)
        return "".join(chr(int(hexstr[i:i + 2], 16) ^ key) for i in range(2, len(hexstr) - 1, 2))
    except (ValueError, IndexError):
        return None


def decode_cloudflare_emails(els) -> None:
    for el in els:
        if el.getparent() is None:
            continue
        data = el.get("data-cfemail")
        href = el.get("href") or ""
        addr = None
        if data:
            addr = _decode_cf(data)
        elif "/cdn-cgi/l/email-protection#" in href:
            addr = _decode_cf(href.split("#", 1)[1])
        if not addr:
            continue
        if el.tag == "a" and "/cdn-cgi/l/email-protection" in href:
            el.set("href", "mailto:" + addr)
            for k in list(el):
                drop(k)
            el.text = addr
            el.attrib.pop("data-cfemail", None)
            continue
        parent = el.getparent()
        if el.tag == "a" and not href.startswith("/cdn-cgi"):
            el.set("href", "mailto:" + addr)
            el.text = addr
            for k in list(el):
                drop(k)
            continue
        # span/a.__cf_email__ inside something: replace by the text
        if parent is not None and parent.tag == "a" and "/cdn-cgi/l/email-protection" in (parent.get("href") or ""):
            parent.set("href", "mailto:" + addr)
        tail = el.tail or ""
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + addr + tail
        else:
            parent.text = (parent.text or "") + addr + tail
        parent.remove(el)


class Scan:
    """Everything a single pass over the tree finds."""

    def __init__(self):
        self.junk = []
        self.hidden = []
        self.skin = []          # known skin/theme containers (class/id)
        self.structural = []    # nav/menu/aside/header/footer/role=…
        self.forms = []
        self.literal_holders = []
        self.related_heads = []
        self.related_boxes = []
        self.action_holders = []
        self.crumb_cands = []
        self.selected = []
        self.pager_links = []
        self.pager_boxes = []
        self.cf = []
        self.headings = []
        self.titleish = []
        self.bylines = []       # byline boxes (class/id author, byline, writer), in page order
        self.author_props = []  # itemprop="author" elements and rel="author" links, in page order


# the byline XPath of authors.markup_author: the tags it skips (its class/id test: F_BYLINE, is_byline_box)
_BYLINE_SKIP_TAGS = frozenset(("script", "style", "meta", "link", "img"))


def is_byline_box(cls: str, eid: str) -> bool:
    """The class/id test of markup_author's byline XPath (contains(): case-sensitive substrings): class or id
    "author", class "byline", "writer", "autor"; not a "bio", "avatar" or "comment" class."""
    return ("author" in cls or "byline" in cls or "author" in eid or "writer" in cls or "autor" in cls) and not (
        "bio" in cls or "avatar" in cls or "comment" in cls)


_TITLE_HINT_RE = re.compile(
    r"title|tieude|tieu-de|tieu_de|headline|heading|news-?name|article-?name|tenbai|ten-bai|TieuDe", re.I
)
_NOT_TITLE_HINT_RE = re.compile(r"portlet-?title|wpsPortletTitle|title-?bar|site-?title|logo|sub-?title", re.I)


F_CF, F_SKIN, F_NAV, F_CRUMB, F_SELECTED, F_RELATED, F_PAGER, F_TITLE = (1 << i for i in range(8))
F_BYLINE = 1 << 11  # is_byline_box (a test of the whole strings, not of tokens)
# bits of one class or id token: the whole-token patterns (skin, nav, selected) and the not-a-title hint
_T_SKIN, _T_NAV, _T_NOT_TITLE = 1 << 8, 1 << 9, 1 << 10
_flag_cache: dict = {}
_token_cache: dict = {}
#: (pattern, flag bit) of _token_bits: each pattern matches within one class/id token
TOKEN_PATTERNS = (
    (_CF_CLASS_RE, F_CF), (CHROME_CLASS_RE, _T_SKIN), (_NAV_CLASS_RE, _T_NAV), (BREADCRUMB_HINT_RE, F_CRUMB),
    (_SELECTED_RE, F_SELECTED), (RELATED_CLASS_RE, F_RELATED), (_PAGER_HINT_RE, F_PAGER),
    (_TITLE_HINT_RE, F_TITLE), (_NOT_TITLE_HINT_RE, _T_NOT_TITLE),
)

#: the same patterns for an ASCII token: a re.I pattern (ASCII, no upper-case escape such as \S or \W) written in
#: lower case, without re.I, searched in the lower-cased token (the same answer: re.I's case folding only
#: differs from str.lower on letters outside ASCII, the Kelvin sign, long s, dotted I), ~3x faster (no
#: case folding at every position of the alternations); the others searched in the token as it is
ASCII_TOKEN_PATTERNS = tuple(
    (re.compile(p.pattern.lower(), p.flags & ~re.I), bit, True) if p.flags & re.I else (p, bit, False)
    for p, bit in TOKEN_PATTERNS)
# (tests/test_extract_generic_speed.py checks that every re.I pattern here is such a one)


def _token_bits(tok: str) -> int:
    """The patterns one whitespace-free token of a class or id matches. Every pattern of _class_flags
    matches within one token (none crosses whitespace; the skin, nav and selected ones match a whole
    token), so a class attribute's flags are its tokens' bits or-ed: class strings vary from element
    to element on generic sites (``post-1234 type-post …``), their tokens repeat."""
    b = _token_cache.get(tok)
    if b is not None:
        return b
    b = 0
    if tok.isascii():
        low = tok.lower()
        for pattern, bit, folded in ASCII_TOKEN_PATTERNS:
            if pattern.search(low if folded else tok):
                b |= bit
    else:
        for pattern, bit in TOKEN_PATTERNS:
            if pattern.search(tok):
                b |= bit
    if len(_token_cache) > 50000:
        _token_cache.clear()
    _token_cache[tok] = b
    return b


def _class_flags(cls: str, eid: str) -> int:
    key = (cls, eid)
    f = _flag_cache.get(key)
    if f is not None:
        return f
    bc = 0
    for tok in cls.split():
        bc |= _token_bits(tok)
    bi = 0
    for tok in eid.split():
        bi |= _token_bits(tok)
    b = bc | bi
    f = b & (F_CF | F_CRUMB | F_RELATED | F_PAGER) | bc & F_SELECTED
    if bc & _T_SKIN or (eid and (bi & _T_SKIN or _CHROME_ID_RE.match(eid))):
        f |= F_SKIN
    elif b & _T_NAV:
        f |= F_NAV
    if b & F_TITLE and not b & _T_NOT_TITLE:
        f |= F_TITLE
    if is_byline_box(cls, eid):
        f |= F_BYLINE
    if len(_flag_cache) > 50000:
        _flag_cache.clear()
    _flag_cache[key] = f
    return f


def _class_flags_regex(cls: str, eid: str) -> int:
    """The definition _class_flags computes token by token (kept for the equivalence test)."""
    a = (cls + " " + eid).strip()
    f = 0
    if _CF_CLASS_RE.search(a):
        f |= F_CF
    if CHROME_CLASS_RE.search(cls) or (eid and (_CHROME_ID_RE.match(eid) or CHROME_CLASS_RE.search(" " + eid + " "))):
        f |= F_SKIN
    elif _NAV_CLASS_RE.search(cls) or (eid and _NAV_CLASS_RE.search(" " + eid + " ")):
        f |= F_NAV
    if BREADCRUMB_HINT_RE.search(a):
        f |= F_CRUMB
    if _SELECTED_RE.search(cls):
        f |= F_SELECTED
    if RELATED_CLASS_RE.search(a):
        f |= F_RELATED
    if _PAGER_HINT_RE.search(a):
        f |= F_PAGER
    if _TITLE_HINT_RE.search(a) and not _NOT_TITLE_HINT_RE.search(a):
        f |= F_TITLE
    if is_byline_box(cls, eid):
        f |= F_BYLINE
    return f


# the elements with a text of their own that is not only blanks (their text or a child's tail holds a character
# other than XML's four blank characters): a superset of those whose own text str.strip leaves non-empty
_OWN_TEXT = etree.XPath("descendant-or-self::*[text()[normalize-space()]]")


_STRUCTURAL_TAGS = frozenset(("nav", "menu", "aside", "header", "footer"))
_STRUCTURAL_ROLES = frozenset(("navigation", "banner", "contentinfo", "search", "complementary", "menubar", "menu"))
# what the tag alone makes of an element (after the roles): structural, form, heading, link, image
_T_STRUCT, _T_FORM, _T_HEAD, _T_A, _T_IMG = range(1, 6)
_TAG_KIND = {**{t: _T_STRUCT for t in _STRUCTURAL_TAGS}, "form": _T_FORM, **{t: _T_HEAD for t in HEADING_TAGS},
             "a": _T_A, "img": _T_IMG}


def scan(root) -> Scan:
    """One walk over every element, filling the Scan's lists in page order. (The attributes other than class
    and id are looked for only on elements that have some: most have a class or an id alone.)"""
    sc = Scan()
    texted = set(_OWN_TEXT(root))  # (the own-text checks below only for these: libxml2 finds them)
    for el in root.iter(etree.Element):  # (elements only: no comment, processing instruction or entity)
        tag = el.tag
        keys = el.keys()
        role = None
        if keys:
            get = el.get
            cls = get("class")
            eid = get("id")
            f = _class_flags(cls or "", eid or "") if cls or eid else 0
            # attributes besides class and id (style, hidden, role, itemprop, rel, href, alt, …)
            others = len(keys) > (cls is not None) + (eid is not None)
            # (authors.markup_author's candidates, of every element: junk and hidden ones too)
            if f & F_BYLINE and tag not in _BYLINE_SKIP_TAGS and el is not root:
                sc.bylines.append(el)
            if others and (("itemprop" in keys and get("itemprop") == "author") or (
                    tag == "a" and "rel" in keys and get("rel") == "author")):
                sc.author_props.append(el)
        else:
            get = None
        if tag in JUNK_TAGS:
            sc.junk.append(el)
            continue
        if keys:
            if others and tag not in ("body", "html"):
                if "style" in keys:
                    st = get("style")
                    if "none" in st or "hidden" in st:
                        s2 = st.replace(" ", "").lower()
                        if "display:none" in s2 or "visibility:hidden" in s2:
                            sc.hidden.append(el)
                            continue
                if "hidden" in keys:
                    sc.hidden.append(el)
                    continue
            if f:
                if f & F_CF:
                    sc.cf.append(el)
                if f & F_SKIN:
                    sc.skin.append(el)
                elif f & F_NAV:
                    sc.structural.append(el)
                if f & F_CRUMB:
                    sc.crumb_cands.append(el)
                if f & F_SELECTED:
                    sc.selected.append(el)
                if f & F_RELATED and tag not in ("a", "span", "img"):
                    sc.related_boxes.append(el)
                if f & F_PAGER and tag in ("div", "ul", "ol", "p", "td", "nav", "span", "table", "tr"):
                    sc.pager_boxes.append(el)
                if f & F_TITLE and tag != "a":
                    sc.titleish.append(el)
            if others:
                if "data-cfemail" in keys and not (sc.cf and sc.cf[-1] is el):
                    sc.cf.append(el)
                if "role" in keys:
                    role = get("role")
        kind = _T_STRUCT if role is not None and role in _STRUCTURAL_ROLES else _TAG_KIND.get(tag)
        if kind is not None:
            if kind == _T_STRUCT:
                sc.structural.append(el)
            elif kind == _T_FORM:
                sc.forms.append(el)
            elif kind == _T_HEAD:
                sc.headings.append(el)
            elif get is None:
                pass  # (a link or an image without attributes)
            elif kind == _T_A:
                href = get("href") or ""
                if href:
                    if "#skip" in href[:80].lower():
                        sc.literal_holders.append(el)
                    elif "/cdn-cgi/l/email-protection" in href:
                        sc.cf.append(el)
                    # every _PAGER_HREF_RE alternative holds "page" (any case), "?" or "&": most links hold none
                    if ("?" in href or "&" in href or "page" in href.lower()) and _PAGER_HREF_RE.search(href) or \
                            _PAGER_LINK_ID_RE.search(get("id") or ""):
                        sc.pager_links.append(el)
                if "title" in keys or "aria-label" in keys:
                    ttl = (get("title") or "") + " " + (get("aria-label") or "")
                    if ttl.strip() and has_chrome_literal(ttl):
                        sc.literal_holders.append(el)
            elif "alt" in keys or "title" in keys:  # an image
                alt = (get("alt") or "") + " " + (get("title") or "")
                if alt.strip() and has_chrome_literal(alt):
                    sc.literal_holders.append(el)
        # own text checks
        if el not in texted:
            continue
        t = el.text
        if len(el):
            tails = [c.tail for c in el if c.tail]
            if tails:
                t = (t or "") + " ".join(tails)
        if t:
            s = t.strip()
            if s and len(s) <= 120:
                s = " ".join(s.split())
                low = s.lower()
                if (("portlet" in low or "menu" in low or "viewer" in low or "skip" in low or "modules" in low
                     or "${" in low) and _OWN_LIT_RE.search(s)) or (
                        tag in ("span", "a", "button") and len(s) in (7, 12) and _STANDALONE_LIT_RE.match(s)):
                    sc.literal_holders.append(el)
                elif len(s) <= 80 and _RELATED_PREFILTER_RE.match(s) and is_related_heading(s):
                    sc.related_heads.append(el)
                elif is_action_text(s):
                    # weak words ("In", "A+", "Top", "Email") count only as links/buttons
                    if tag in ("a", "button") or _STRONG_ACTION_RE.search(s) or any(c.tag == "a" for c in el):
                        sc.action_holders.append(el)
                elif s[0] in _CRUMB_SEP_FIRST and _CRUMB_SEP_ONLY_RE.match(s):
                    if any(ch in s for ch in ">»›→/"):
                        sc.crumb_cands.append(el)
                    continue
                if tag == "a" and _PAGER_TEXT_RE.match(s):
                    sc.pager_links.append(el)
    return sc


_OWN_LIT_RE = re.compile("|".join(re.escape(x) for x in CHROME_LITERALS), re.I)
_STANDALONE_LIT_RE = re.compile(r"^(?:actions|display menu)$", re.I)
_RELATED_PREFILTER_RE = re.compile(
    r"^(?:các|những|tin|bài|bản|thông|văn|xem|đọc|có|related|other|more|see|album|video|clip|phóng|trang)", re.I)


def _has_content_blocks(el) -> bool:
    for _ in el.iter("p", "ul", "ol", "blockquote", "h1", "dl", "article"):
        return True
    return False


def climb_titlebar(el, protect) -> object:
    """From a skin literal (Skip portlet, Portlet Menu, Actions…) climb to the title bar."""
    cur = el
    for _ in range(8):
        p = cur.getparent()
        if p is None or p.tag in ("body", "html") or p in protect:
            break
        t = short_text(p, 400)
        if t is None:
            break
        if len(_strip_literals(t)) > 120 or _HEADING_DATE_RE.search(t):
            break
        if _has_content_blocks(p):
            break
        cur = p
    return cur


_NUM_DATE_RE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")


def linky_rest(parent, head, head_text_len: int) -> bool:
    t = short_text(parent, 6000)
    if t is None:
        return False
    total = len(t)
    rest = total - head_text_len
    if rest <= 0:
        return True
    links = link_text_len(parent)
    nonlink = rest - links + (link_text_len(head) if head is not None else 0)
    # dates printed next to related links count as link-ish
    nonlink -= 12 * len(_NUM_DATE_RE.findall(t))
    return nonlink <= max(25, 0.3 * rest)


def related_box(head, protect):
    """Return (element to remove, remove_following_siblings: bool)."""
    h0 = head
    htext = collapse("".join(head.itertext()))
    for _ in range(4):
        p = h0.getparent()
        if p is None or p in protect:
            break
        t = short_text(p, len(htext) + 10)
        if t is None or t != htext:
            break
        h0 = p
    box = h0
    hl = len(htext)
    for _ in range(4):
        p = box.getparent()
        if p is None or p.tag in ("body", "html") or p in protect:
            break
        if not linky_rest(p, h0, hl):
            break
        box = p
    if box is h0:
        return h0, True
    return box, False


def action_bar(holder, protect):
    cur = holder
    for _ in range(5):
        p = cur.getparent()
        if p is None or p.tag in ("body", "html") or p in protect:
            break
        t = short_text(p, 120)
        if t is None or not (t == "" or is_action_text(t)):
            break
        cur = p
    return cur


def pager_box(link, protect):
    cur = link
    best = None
    for _ in range(5):
        p = cur.getparent()
        if p is None or p.tag in ("body", "html") or p in protect:
            break
        t = short_text(p, 200)
        if t is None or not is_pager_text(t):
            break
        cur = p
        if sum(1 for _ in p.iter("a")) >= 2:
            best = p
    return best


def breadcrumb_items(el) -> list[str]:
    t = short_text(el, 400)
    if not t:
        return []
    if _CRUMB_SEP_RE.search(t):
        items = [collapse(x) for x in _CRUMB_SEP_RE.split(t)]
        items = [x for x in items if x and not _CRUMB_SEP_ONLY_RE.match(x)]
        if len(items) >= 2:
            return items
    items = []
    kids = list(el.iter("li")) or [a for a in el.iter("a", "span", "strong", "b")
                                    if not any(k.tag in ("a", "span") for k in a)]
    for k in kids:
        s = collapse("".join(k.itertext()))
        if s and not _CRUMB_SEP_ONLY_RE.match(s):
            if not items or items[-1] != s:
                items.append(s)
    return items


def _is_menu_tree(el) -> bool:
    """A menu (item) holding a nested list: not a breadcrumb trail."""
    if el.tag in ("li", "a", "span") and next(el.iter("ul", "ol"), None) is not None:
        return True
    for li in el.iter("li"):
        if next(li.iter("ul", "ol"), None) is not None:
            return True
    return False


def find_breadcrumb(sc: Scan):
    """Return (element, items) of the page breadcrumb, or (None, [])."""
    best = None
    for el in sc.crumb_cands:
        if el.getparent() is None:
            continue
        cand = el
        # own-text separator holders: the crumb container is the element itself
        t = short_text(cand, 300)
        if t is None:
            continue
        links = sum(1 for _ in cand.iter("a"))
        hinted = bool(BREADCRUMB_HINT_RE.search(attr_str(cand))) or cand.get("itemtype", "").endswith("BreadcrumbList")
        if _is_menu_tree(cand):
            continue  # a menu item marked "breadcrumb" (DNN/DDR menus mark the active path so)
        if not hinted:
            if links < 1 or not _CRUMB_SEP_RE.search(t):
                continue
            items = breadcrumb_items(cand)
            if not (2 <= len(items) <= 8) or any(len(x) > 150 for x in items):
                continue
            if not (links >= 2 or _HOME_WORD_RE.match(t)):
                continue
        else:
            items = breadcrumb_items(cand)
            if len(items) < 2:
                continue
        # prefer the smallest hinted/structural container; first in document order
        if best is None:
            best = (cand, items)
        else:
            b = best[0]
            if cand in set(b.iterancestors()):
                continue
            if b in set(cand.iterancestors()):
                best = (cand, items)
    return best if best else (None, [])


def selected_nav_text(sc: Scan) -> str | None:
    best = None
    for el in sc.selected:
        if el.getparent() is None:
            continue
        t = short_text(el, 200)
        if not t:
            continue
        if el.tag != "a":
            a = next(el.iter("a"), None)
            if a is not None:
                t = collapse("".join(a.itertext())) or t
        if not t or len(t) > 80 or _HOME_WORD_RE.match(t):
            continue
        depth = sum(1 for x in el.iterancestors() if x.tag in ("ul", "ol", "li", "table"))
        if best is None or depth >= best[0]:
            best = (depth, t)
    return best[1] if best else None
