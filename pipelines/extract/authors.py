"""Author / position / source lines at the end of an article body (Vietnamese portal conventions)."""
from __future__ import annotations

import json
import re

from lxml import etree

from .text import collapse

SOURCE_RE = re.compile(
    r"^[\(\[]?\s*(?:(?P<theo>theo)\s+|(?:nguồn(?:\s+tin)?|source)\s*[:：]?\s*)(?P<src>.+?)\s*[\)\]]?\s*\.?\s*$",
    re.I,
)
_AUTHOR_PREFIX_RE = re.compile(
    r"^(?:(?:tác\s+giả|người\s+viết|bài\s+và\s+ảnh|bài,?\s*ảnh|tin\s+và\s+ảnh|tin,?\s*ảnh|tin\s*/\s*ảnh|"
    r"bài\s*/\s*ảnh|bài|tin|author|by)\s*[:：\-]|(?:phóng\s+viên|pv|ctv|nhóm\s+pv)\s*[:：])\s*",
    re.I,
)
_SENTENCE_PUNCT_RE = re.compile(r"[.!?;:…\"“”]")
_NAME_WORD_RE = re.compile(r"^[A-ZĐÀ-ỸÂĂÊÔƠƯ][\w'’.-]*$")
_ROLE_HINT_RE = re.compile(
    r"\b(?:uv|ubnd|bt|btv|uvbtv|uvbch|bch|hđnd|phó|chủ\s+tịch|bí\s+thư|trưởng|giám\s+đốc|thủ\s+trưởng|"
    r"chánh|cán\s+bộ|chuyên\s+viên|phòng|ban|cơ\s+quan|trung\s+tâm|đài|văn\s+phòng|hội|đoàn|ủy\s+viên|"
    r"phó\s+giám\s+đốc|tổ|sở|bộ|huyện|thị\s+xã|xã|phường)\b",
    re.I,
)


def source_of(text: str) -> str | None:
    """'Theo Báo Nghệ An' / 'Nguồn: X' / '(Theo X)' -> 'X'."""
    s = collapse(text)
    if not s or len(s) > 200:
        return None
    m = SOURCE_RE.match(s)
    if not m:
        return None
    src = m.group("src").strip().rstrip(".").strip(" )]")
    if not src:
        return None
    if m.group("theo"):
        # "Theo kế hoạch, …" is a sentence, not a source line ("Theo baochinhphu.vn" is a source)
        if len(src.split()) > 10 or "," in src or (src[:1].islower() and not _DOMAIN_RE.match(src)):
            return None
    return src


_DOMAIN_RE = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:vn|com|net|org|gov|info)(?:\.vn)?(?:/\S*)?$",
                        re.I)
# "… nội dung cuối bài. (Theo TTXVN)" / "… (Nguồn: Báo Nghệ An)": a source at the end of the last paragraph
_INLINE_SOURCE_RE = re.compile(
    r"(?:(?<=[.!?…”\"])|(?<=[.!?…”\"]\s))\s*[\(\[]\s*((?:theo|nguồn(?:\s+tin)?\s*:?)\s+[^()\[\]]{2,80}?)\s*[\)\]]\s*\.?\s*$",
    re.I,
)


_INLINE_SOURCE_LOOSE_RE = re.compile(
    r"\s[\(\[]\s*((?:Theo|THEO|Nguồn(?:\s+tin)?\s*:?|NGUỒN\s*:?)\s+([^()\[\]]{2,60}?))\s*[\)\]]\s*\.?\s*$")
_LEGAL_REF_RE = re.compile(r"(?:nghị\s+định|quyết\s+định|thông\s+tư|luật|điều|khoản|quy\s+định|kế\s+hoạch|"
                           r"chỉ\s+thị|nghị\s+quyết|công\s+văn|hướng\s+dẫn|đề\s+nghị|báo\s+cáo\s+số)\b", re.I)


def inline_source(text: str):
    """'Body sentence. (Theo TTXVN)' -> ('Body sentence.', 'TTXVN'), else None."""
    s = collapse(text)
    if not s or len(s) < 30 or (")" not in s[-3:] and "]" not in s[-3:]):
        return None
    m = _INLINE_SOURCE_RE.search(s)
    if not m:
        # "… trong quý IV (Theo TTXVN)." without a full stop before the parenthesis: a capitalised
        # "Theo"/"Nguồn" and a short name (not "(theo Nghị định 15/2020/NĐ-CP)")
        m = _INLINE_SOURCE_LOOSE_RE.search(s)
        if not m or _LEGAL_REF_RE.match(m.group(2)) or len(m.group(2).split()) > 6:
            return None
    src = source_of(m.group(1))
    if not src:
        return None
    rest = s[: m.start()].rstrip()
    if len(rest) < 20:
        return None
    return rest, src


def strip_author_prefix(s: str) -> str:
    return _AUTHOR_PREFIX_RE.sub("", s).strip()


def looks_like_name(s: str) -> bool:
    words = s.split()
    if not (1 <= len(words) <= 6):
        return False
    caps = sum(1 for w in words if _NAME_WORD_RE.match(w))
    return caps == len(words) or (len(words) >= 2 and caps >= len(words) - 1 and words[0][:1].isupper())


_NOT_AUTHOR_RE = re.compile(
    r"^(?:trân\s+trọng|xin\s+(?:trân\s+trọng\s+)?cảm\s+ơn|kính\s+(?:mời|gửi|đề\s+nghị)|nơi\s+nhận|"
    r"ghi\s+chú|lưu\s+ý|chú\s+ý|thông\s+báo|quyết\s+định|kết\s+luận|phụ\s+lục|tài\s+liệu|"
    r"file\s+đính\s+kèm|đính\s+kèm|tải\s+về|xem\s+|chi\s+tiết|ảnh\s*:|video|clip)",
    re.I,
)


_INITIAL_DOT_RE = re.compile(r"(?<=\b[A-ZĐÀ-Ỹ])\.(?=\s?[A-ZĐÀ-Ỹ\w])|(?<=\b[A-ZĐ])\.$")
_NAME_SOURCE_RE = re.compile(r"^(?P<name>[^()\[\]]{2,60}?)\s*[\(\[]\s*(?P<src>(?:theo|nguồn)\b[^()\[\]]{2,80})[\)\]]\s*\.?$",
                             re.I)


def split_author_source(text: str):
    """'Thu Hà (Theo Báo Nghệ An)' -> ('Thu Hà', 'Báo Nghệ An'), else None."""
    m = _NAME_SOURCE_RE.match(collapse(text))
    if not m:
        return None
    src = source_of(m.group("src"))
    if not src:
        return None
    return m.group("name").strip(" -–—,"), src


def is_author_line(text: str, *, bold: bool, right: bool, italic: bool) -> str | None:
    """Return the author name when ``text`` is an author line, else None."""
    s = collapse(text)
    if not s or _NOT_AUTHOR_RE.match(s):
        return None
    had_prefix = bool(_AUTHOR_PREFIX_RE.match(s))
    name = strip_author_prefix(s) if had_prefix else s
    name = name.strip(" -–—")
    if not name:
        return None
    core = re.sub(r"\([^)]*\)", "", name)  # "Minh Hằng (TTVH)", "Nguyễn Văn Hùng (Phòng Văn hóa - Thông tin)"
    words = core.split()
    if len(words) > 7:
        return None
    core = _INITIAL_DOT_RE.sub("", core)     # "T.H", "Q. Anh", "N.T.Hà"
    if _SENTENCE_PUNCT_RE.search(core.rstrip(".")):
        return None
    if not name[:1].isupper() and not name[:1].isdigit():
        return None
    if had_prefix or bold or right:
        return name.rstrip(".")
    if (italic or len(words) <= 5) and looks_like_name(core):
        return name.rstrip(".")
    return None


def is_role_line(text: str, *, right: bool, italic: bool, bold: bool) -> bool:
    s = collapse(text)
    if not s or len(s) > 160:
        return False
    if len(s.split()) > 22:
        return False
    if source_of(s):
        return False
    if right or italic:
        return True
    return bool(_ROLE_HINT_RE.search(s)) and not s.endswith((".", "!", "?"))


# ------------------------------------------------------------------ authors named by the page's markup

_BY_RE = re.compile(r"^(?:by|von|par|di|por|tác\s+giả|người\s+viết)\s*[:：]?\s+", re.I)
_META_AUTHOR = etree.XPath(
    "//meta[@name='author' or @name='Author' or @property='article:author' or @name='article:author' or "
    "@name='byl' or @name='dc.creator' or @name='DC.creator' or @name='sailthru.author' or @name='parsely-author' "
    "or @property='og:article:author' or @name='twitter:creator']/@content")


_NOT_A_NAME_RE = re.compile(
    r"^(?:published|posted|written|powered|advertisement|anzeige|werbung|share|follow|related|read\s+more|"
    r"weiterführende|mehr\s+zum|zum\s+deal|links?|comments?|kommentare?|home|menu|search|suche)\b|[»«→←|©@#]|"
    r"\b(?:alle\s+beiträge|all\s+posts|view\s+all|read\s+the\s+latest)\b", re.I)


# CMS accounts printed as "author" by default, not people: "admin", "Super User"
_ACCOUNT_RE = re.compile(r"^(?:admin(?:istrator)?|super\s*user|webmaster|web\s*admin|root|user|editor|guest|"
                         r"quản\s+trị(?:\s+viên)?|qu[aả]n\s+tri|ban\s+biên\s+tập|biên\s+tập\s+viên)$", re.I)


def plausible_name(s: str | None) -> bool:
    """A byline, not a label, a menu word or a sentence."""
    if not s or len(s) > 100 or len(s.split()) > 12 or "://" in s or "{" in s:
        return False
    return not _NOT_A_NAME_RE.search(s)


def _clean_author(s: str) -> str | None:
    s = _BY_RE.sub("", collapse(s or "")).strip(" ,;|-–")
    if not s or s.startswith("@") or not plausible_name(s) or _ACCOUNT_RE.match(s):
        return None
    return s


def _ld_authors(obj, out: list) -> None:
    if isinstance(obj, list):
        for x in obj:
            _ld_authors(x, out)
    elif isinstance(obj, dict):
        if "@graph" in obj:
            _ld_authors(obj["@graph"], out)
        a = obj.get("author") or obj.get("creator")
        if a is not None and not out:
            for x in a if isinstance(a, list) else [a]:
                name = x.get("name") if isinstance(x, dict) else x
                if isinstance(name, str) and (n := _clean_author(name)):
                    out.append(n)


def markup_author(root, ld_json_texts=(), source: str | None = None, scanned=None) -> str | None:
    """The author as the page's markup names it: JSON-LD ``author``, ``meta[name=author]`` /
    ``article:author`` (not a profile URL), ``itemprop=author``, ``rel=author``. Several joined by "; ".
    ``source``: the page's decoded text, when known (searches for attributes it does not hold are skipped).
    ``scanned``: (body, its chrome.scan) when a walk of the body collected the byline boxes and author
    properties already (the same tests as _BYLINE and _AUTHOR_PROP, without walking the tree again in XPath)."""

    names: list[str] = []
    for text in ld_json_texts:
        try:
            _ld_authors(json.loads(text), names)
        except (ValueError, TypeError, RecursionError):
            continue
        if names:
            break
    # (each search below needs its attribute value somewhere in the page's source: skipped when it is absent)
    maybe = source is None or "uthor" in source or "byl" in source or "creator" in source
    if not names and maybe:
        for v in _meta_authors(root):
            n = _clean_author(v)
            if n and n not in names:
                names.append(n)
    if not names and (source is None or "author" in source):
        for el in (_AUTHOR_PROP(root) if scanned is None else _author_props(root, *scanned)):
            sub = _NAME_PROP(el)
            n = _clean_author((sub[0] if sub else el).xpath("string()")) if isinstance(el.tag, str) else None
            if not n and el.get("content"):
                n = _clean_author(el.get("content"))
            if n and n not in names and len(n.split()) <= 6:
                names.append(n)
    if not names and maybe | (source is not None and ("writer" in source or "autor" in source)):
        # a byline element: class/id "author", "byline", "writer" (its name, without "By"/"Von")
        for el in (_BYLINE(root) if scanned is None else scanned[1].bylines)[:6]:
            sub = _BYLINE_NAME(el)
            t = collapse((sub[0] if sub else el).xpath("string()"))
            n = _clean_author(t) if len(t) <= 60 else None
            if n and len(n.split()) <= 5 and not any(ch.isdigit() for ch in n):
                names.append(n)
                break
    return "; ".join(names[:4]) or None


# meta[name=author] and its kin (_META_AUTHOR's names and properties)
_META_AUTHOR_NAMES = frozenset(("author", "Author", "article:author", "byl", "dc.creator", "DC.creator",
                                "sailthru.author", "parsely-author", "twitter:creator"))
_META_AUTHOR_PROPERTIES = frozenset(("article:author", "og:article:author"))


def _meta_authors(root) -> list[str]:
    """The content of _META_AUTHOR's meta elements, in page order (the same selection from the tree's meta
    elements: lxml hands over only those, where the XPath tests every element)."""
    out = []
    for m in root.iter("meta"):
        if m.get("name") in _META_AUTHOR_NAMES or m.get("property") in _META_AUTHOR_PROPERTIES:
            c = m.get("content")
            if c is not None:
                out.append(c)
    return out


def _is_author_prop(el) -> bool:
    return el.get("itemprop") == "author" or (el.tag == "a" and el.get("rel") == "author")


def _author_props(root, body, sc) -> list:
    """_AUTHOR_PROP's elements in page order: those of ``body`` (a child of ``root``, or root itself) that its
    scan collected, the others' from a walk of the rest (the head)."""
    if body is root:
        return sc.author_props
    out = [root] if _is_author_prop(root) else []
    for child in root:
        if child is body:
            out.extend(sc.author_props)
        elif isinstance(child.tag, str):
            out.extend(el for el in child.iter() if isinstance(el.tag, str) and _is_author_prop(el))
    return out


_BYLINE = etree.XPath("//body//*[not(self::script or self::style or self::meta or self::link or self::img)]"
                 "[contains(@class,'author') or contains(@class,'byline') or contains(@id,'author') "
                 "or contains(@class,'writer') or contains(@class,'autor')]"
                 "[not(contains(@class,'bio') or contains(@class,'avatar') or contains(@class,'comment'))]")
_BYLINE_NAME = etree.XPath(".//*[contains(@class,'name') or @itemprop='name']")
_AUTHOR_PROP = etree.XPath("//*[@itemprop='author'] | //a[@rel='author']")
_NAME_PROP = etree.XPath(".//*[@itemprop='name']")


# "(TH)", "(tổng hợp)", "(ST)": how the text was made, not the author's unit
_REMARK_RE = re.compile(r"^(?:t\.?h|t/h|s\.?t|tổng\s+hợp|sưu\s+tầm|lược\s+dịch|biên\s+dịch|dịch|ctv|pv|tt)$", re.I)
_NAME_UNIT_RE = re.compile(r"^(?P<name>[^()]{2,60}?)\s*\((?P<unit>[^()]{2,120})\)\s*\.?$")


def split_name_unit(author: str):
    """'Nguyễn Văn Hùng (Phòng Văn hóa - Thông tin)' -> ('Nguyễn Văn Hùng', 'Phòng Văn hóa - Thông tin');
    None when the parenthesis is no unit ('Minh Anh (TH)')."""
    m = _NAME_UNIT_RE.match(collapse(author or ""))
    if not m or _REMARK_RE.match(m.group("unit").strip()) or source_of(m.group("unit")):
        return None
    name, unit = m.group("name").strip(" -–—,"), m.group("unit").strip()
    if not looks_like_name(_INITIAL_DOT_RE.sub("", name)):
        return None
    return name, unit
