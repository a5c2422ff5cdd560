"""lxml helpers shared by the extraction modules."""
from __future__ import annotations

import re
import threading
from functools import lru_cache
from urllib.parse import urljoin

from lxml import etree

from .text import BR_MARK, collapse

_local = threading.local()


def _parser():
    p = getattr(_local, "parser", None)
    if p is None:
        # plain etree parser: no Python element-class lookup per element (faster than lxml.html)
        # (collect_ids off: no table of id attributes, which nothing here looks up: parses ~7% quicker)
        p = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
                             recover=True, default_doctype=False, collect_ids=False)
        _local.parser = p
    return p


_XML_DECL_STR_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def parse_html(text: str, data: bytes | None = None):
    """Parse decoded HTML text into an lxml document root. Raises ValueError when empty. ``data``: the text
    encoded as UTF-8 ("replace") when the caller has it already."""
    if _XML_DECL_STR_RE.match(text):
        text = _XML_DECL_STR_RE.sub("", text, count=1)
        data = None
    if data is None:
        data = text.encode("utf-8", "replace")
    if not data.strip():
        raise ValueError("empty document")
    try:
        root = etree.fromstring(data, parser=_parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ValueError(f"unparseable HTML: {exc}") from exc
    if root is None:
        raise ValueError("unparseable HTML (no document)")
    if root.tag != "html":
        # fragments: wrap so that there is always html/body
        html_el = etree.Element("html")
        body = etree.SubElement(html_el, "body")
        body.append(root)
        root = html_el
    elif root.find("body") is None:
        body = etree.SubElement(root, "body")
        for ch in list(root):
            if ch is not body and ch.tag != "head":
                body.append(ch)
    return root


# Elements that break text into separate blocks.
BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd details dialog dir div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main menu nav ol p pre section summary table "
    "tbody thead tfoot tr td th caption ul noscript".split()
)
HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
# dropped with their content before anything else
JUNK_TAGS = frozenset(
    "script style noscript template iframe frame frameset object embed applet svg canvas map area "
    "select option optgroup textarea button input link meta param source track audio video xml "
    "datalist dialog rt rp".split()  # (rt, rp: ruby annotations, not reading text)
)


def attr_str(el) -> str:
    c = el.get("class")
    i = el.get("id")
    if c and i:
        return c + " " + i
    return c or i or ""




def drop(el) -> None:
    """Remove an element (and its content) but keep its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is None:
            parent.text = (parent.text or "") + tail
        else:
            prev.tail = (prev.tail or "") + tail
    parent.remove(el)


def text_content(el) -> str:
    if not len(el):  # (no child: its own text, without a generator and a join; most links)
        return el.text or ""
    return "".join(el.itertext())


def text_of(el) -> str:
    """Raw text of an element with spaces at block boundaries (not collapsed)."""
    parts: list[str] = []
    _collect(el, parts)
    return "".join(parts)


def _text_xslt():
    x = getattr(_local, "text_xslt", None)
    if x is None:  # (one per thread, as the parsers)
        blocks = " | ".join(sorted(BLOCK_TAGS))
        x = _local.text_xslt = etree.XSLT(etree.XML(
            '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
            '<xsl:output method="text" encoding="utf-8"/>'
            f'<xsl:template match="{blocks}"><xsl:text> </xsl:text><xsl:apply-templates/>'
            '<xsl:text> </xsl:text></xsl:template>'
            '<xsl:template match="br"><xsl:text> </xsl:text></xsl:template>'
            '</xsl:stylesheet>'))
    return x


def page_text_of(el) -> str:
    """text_of for a whole page: the same text, built by libxslt (a space around each block element and for
    each <br>, comments skipped) at C speed, where text_of walks every element in Python. For large
    elements: an XSLT call costs more than a walk of a small one."""
    return str(_text_xslt()(el))


def _collect(el, parts):
    tag = el.tag
    blk = tag in BLOCK_TAGS
    if blk:
        parts.append(" ")
    if el.text:
        parts.append(el.text)
    for c in el:
        if isinstance(c.tag, str):
            if c.tag == "br":
                parts.append(" ")
            else:
                _collect(c, parts)
        if c.tail:
            parts.append(c.tail)
    if blk:
        parts.append(" ")








def link_text_len(el) -> int:
    n = 0
    for a in el.iter("a"):
        if a.get("href") is not None or a.get("onclick"):
            n += len(collapse("".join(a.itertext())))
    return n


def mark_brs(root) -> None:
    """Make <br> visible in text as BR_MARK (whitespace for collapse())."""
    for br in root.iter("br"):
        br.tail = BR_MARK + (br.tail or "")


def resolve(base: str, href: str | None) -> str | None:
    if href is None:
        return None
    href = href.strip().replace("\n", "").replace("\r", "").replace("\t", "")
    if not href:
        return None
    low = href[:11].lower()
    if low.startswith(("javascript:", "data:", "mailto:", "tel:", "about:", "vbscript:")):
        return href if low.startswith(("mailto:", "tel:")) else None
    return plain_join(base or "", href) or _join(base or "", href)


# urljoin's answer without urllib for the two common plain forms (urljoin parses both URLs in Python: ~15 us a
# join, a few joins a page): an http(s) URL, which urljoin gives back as it is, and an absolute path, which it
# puts after the base's scheme and host. Plain: no dot segments, params, fragment, empty query or unsafe
# characters, so that urljoin changes nothing in them (tests/test_extract_urls.py compares the two).
_PLAIN_REF_RE = re.compile(r"(https?://[A-Za-z0-9.:-]+)?(/[A-Za-z0-9_~!$&'()*+,=:@%/.-]*)?(\?[A-Za-z0-9_~!$&'()*+,=:@%/?.-]+)?")
_PLAIN_BASE_RE = re.compile(r"https?://[A-Za-z0-9.:-]+(?=[/?#]|$)")


def plain_join(base: str, href: str) -> str | None:
    """urljoin(base, href) for a plain http(s) URL or absolute path, else None (ask urljoin)."""
    m = _PLAIN_REF_RE.fullmatch(href)
    if m is None or "/." in href:
        return None
    if m.group(1):
        return href
    if not m.group(2) or href[:2] == "//":
        return None
    b = _PLAIN_BASE_RE.match(base)
    return b.group(0) + href if b else None


@lru_cache(maxsize=2048)
def _join(base: str, href: str) -> str | None:
    try:
        return urljoin(base, href)
    except (ValueError, TypeError):
        return href if href[:8].lower().startswith(("http://", "https://")) else None


_STYLE_ALIGN_RE = re.compile(r"text-align\s*:\s*(right|center|justify|left)", re.I)
_STYLE_ITALIC_RE = re.compile(r"font-style\s*:\s*italic", re.I)
_STYLE_BOLD_RE = re.compile(r"font-weight\s*:\s*(bold|bolder|[6-9]00)", re.I)
_STYLE_FLOAT_RIGHT_RE = re.compile(r"float\s*:\s*right", re.I)
_CLASS_RIGHT_RE = re.compile(r"(?:^|[\s_-])(right|text-right|align-?right|pull-right|tar|author|tacgia|tac-gia|signature)(?:$|[\s_-])", re.I)
_CLASS_CENTER_RE = re.compile(r"(?:^|[\s_-])(center|text-center|align-?center|aligncenter|tac)(?:$|[\s_-])", re.I)
BOLD_TAGS = frozenset(("b", "strong"))
ITALIC_TAGS = frozenset(("i", "em", "cite"))


def element_align(el) -> str | None:
    a = (el.get("align") or "").strip().lower()
    if a in ("right", "center", "middle"):
        return "center" if a == "middle" else a
    st = el.get("style")
    if st:
        m = _STYLE_ALIGN_RE.search(st)
        if m and m.group(1).lower() in ("right", "center"):
            return m.group(1).lower()
        if _STYLE_FLOAT_RIGHT_RE.search(st):
            return "right"
    cl = el.get("class")
    if cl:
        if _CLASS_RIGHT_RE.search(cl):
            return "right"
        if _CLASS_CENTER_RE.search(cl):
            return "center"
    if el.tag == "center":
        return "center"
    return None


def block_align(el, max_up: int = 2) -> str | None:
    """Alignment of a block: its own, of a wrapper holding all its text, or of a sole-child ancestor."""
    a = element_align(el)
    if a:
        return a
    # descend a chain of single wrappers holding all the text
    cur = el
    for _ in range(3):
        kids = [c for c in cur if isinstance(c.tag, str) and c.tag != "br"]
        if len(kids) != 1 or (cur.text or "").strip() or any((c.tail or "").strip() for c in kids):
            break
        cur = kids[0]
        a = element_align(cur)
        if a:
            return a
    # ascend while the ancestor holds only this block
    cur = el
    for _ in range(max_up):
        p = cur.getparent()
        if p is None or p.tag in ("body", "html"):
            break
        sibs = [c for c in p if isinstance(c.tag, str)]
        if len(sibs) != 1:
            break
        a = element_align(p)
        if a:
            return a
        cur = p
    return None


def style_fractions(el) -> tuple[int, int, int]:
    """(total, bold, italic) counts of non-space characters in the element's text."""
    tot = [0, 0, 0]

    def rec(e, bold, ital):
        tag = e.tag
        if not isinstance(tag, str):
            return
        st = e.get("style")
        if tag in BOLD_TAGS or tag in HEADING_TAGS or (st and _STYLE_BOLD_RE.search(st)):
            bold = True
        if tag in ITALIC_TAGS or (st and _STYLE_ITALIC_RE.search(st)):
            ital = True
        if e.text:
            n = len("".join(e.text.split()))
            tot[0] += n
            if bold:
                tot[1] += n
            if ital:
                tot[2] += n
        for c in e:
            rec(c, bold, ital)
            if c.tail:
                n = len("".join(c.tail.split()))
                tot[0] += n
                if bold:
                    tot[1] += n
                if ital:
                    tot[2] += n

    rec(el, False, False)
    return tot[0], tot[1], tot[2]


def lca(a, b):
    """Lowest common ancestor (inclusive) of two elements."""
    if a is None or b is None:
        return None
    anc = {a}
    anc.update(a.iterancestors())
    if b in anc:
        return b
    for x in b.iterancestors():
        if x in anc:
            return x
    return None


def is_ancestor(anc, el) -> bool:
    if anc is None or el is None:
        return False
    if anc is el:
        return True
    for x in el.iterancestors():
        if x is anc:
            return True
    return False


def table_rows(table) -> list:
    """The table's own rows (directly or in tbody/thead/tfoot), not those of nested tables."""
    rows = []
    for child in table:
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("tbody", "thead", "tfoot"):
            rows.extend(r for r in child if r.tag == "tr")
    return rows
