"""Sanitised, portable body HTML built from the body blocks (nh3 allowlist from design.md)."""
from __future__ import annotations

import html as _html
import re

import nh3
from lxml import etree

from .dom import drop, resolve
from .images import image_src, is_content_image
from .text import BR_MARK, nfc

ALLOWED_TAGS = {"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "tr", "td", "th", "a", "img",
                "figure", "figcaption", "strong", "em", "b", "i", "br", "blockquote"}
ALLOWED_ATTRS = {"a": {"href"}, "img": {"src", "alt"}}
URL_SCHEMES = {"http", "https", "mailto", "tel", "ftp"}
_EMPTY_RE = re.compile(r"<(p|h[2-6]|li|blockquote|figcaption|strong|em|b|i|td|th)>(?:\s|&nbsp;|<br>)*</\1>")
_BLOCK_TAG_RE = re.compile(r"(<(?:/?(?:p|h[2-6]|ul|ol|li|table|tr|td|th|figure|figcaption|blockquote)|br)>)")


def collapse_ascii_space(out: str) -> str:
    """Every run of ASCII whitespace as one space (other spaces kept), by C-speed replaces."""
    for ch in "\t\r\n\f\v":
        if ch in out:
            out = out.replace(ch, " ")
    while "  " in out:
        out = out.replace("  ", " ")
    return out


def strip_around_blocks(out: str) -> str:
    """No whitespace (str.isspace, as re's \\s) right before or after a block tag."""
    parts = _BLOCK_TAG_RE.split(out)
    last = len(parts) - 1
    for i in range(0, len(parts), 2):
        t = parts[i]
        if i:
            t = t.lstrip()
        if i < last:
            t = t.rstrip()
        parts[i] = t
    return "".join(parts)


def sanitize(fragment: str) -> str:
    return tidy(nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRS,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
        clean_content_tags={"script", "style", "noscript", "template", "xml"},
    ))


def tidy(out: str) -> str:
    """The sanitiser's output with spaces, <br> marks and empty elements cleaned up, NFC."""
    out = out.replace("&nbsp;", " ").replace(BR_MARK, "")
    out = collapse_ascii_space(out)
    prev = None
    while prev != out:
        prev = out
        out = _EMPTY_RE.sub("", out)
    out = strip_around_blocks(out)
    return nfc(out.strip()) or ""


def absolutize(el, base: str) -> None:
    """Rewrite link/image URLs of a subtree to absolute ones; drop icon images."""
    for a in el.iter("a"):
        href = a.get("href")
        if href is not None:
            u = resolve(base, href)
            if u and not u.startswith("#"):
                a.set("href", u)
            else:
                del a.attrib["href"]
    for img in list(el.iter("img")):
        src = image_src(img)
        u = resolve(base, src) if src else None
        if not u or not is_content_image(img, u):
            drop(img)
        else:
            img.set("src", u)


def inner_html(el) -> str:
    parts = [_html.escape(el.text or "", quote=False)]
    for c in el:
        parts.append(etree.tostring(c, method="html", encoding="unicode", with_tail=True))
    return "".join(parts)


def figure_html(images: list[dict]) -> str:
    out = []
    for im in images:
        alt = f' alt="{_html.escape(im["alt"])}"' if im.get("alt") else ""
        cap = f"<figcaption>{_html.escape(im['caption'], quote=False)}</figcaption>" if im.get("caption") else ""
        out.append(f'<figure><img src="{_html.escape(im["url"])}"{alt}>{cap}</figure>')
    return "".join(out)


# The sanitiser's output written directly for plain inline markup (the fast path's body, where nh3's parse
# and serialisation of the whole fragment cost more than the rest of the body HTML): text and attribute
# values escaped as nh3's serialiser (html5ever) escapes them, the allowed inline tags kept, the others
# (span, font, u, sup, sub, Word's o:p) dropped with their content kept, images with their src and alt only,
# links to a plain http(s) URL with their href only. Anything else (block tags inside a block, a non-http URL,
# a title or lang attribute, which nh3 keeps on any allowed tag) is left to nh3: see build_body_html.
# tests/test_clean_html_lean.py proves the two equal.
_LEAN_KEEP = frozenset(("strong", "b", "em", "i"))
_LEAN_UNWRAP = frozenset(("span", "font", "u", "sup", "sub", "o:p"))


def sanitizer_text(s: str) -> str:
    """Text escaped as nh3 prints it."""
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "\xa0" in s:
        s = s.replace("\xa0", "&nbsp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    return s


def sanitizer_attr(s: str) -> str:
    """An attribute value escaped as nh3 prints it."""
    return sanitizer_text(s).replace('"', "&quot;")


# an http(s) URL that both serialisations keep as it is: the host a plain name or a dotted IPv4 address (nh3
# drops a src its URL parser refuses), the rest only characters libxml2's HTML serialiser does not
# %-escape in a src (what nh3 is given comes from lxml's tostring)
_PLAIN_URL_RE = re.compile(r"https?://([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(?::(\d{1,5}))?(?:/[A-Za-z0-9_.!~*'()@/:=?;#%&,+-]*)?")


def plain_http_url(url: str) -> bool:
    """A src that nh3 keeps, and lxml's serialisation leaves, as it is."""
    m = _PLAIN_URL_RE.fullmatch(url)
    if m is None or (m.group(2) and int(m.group(2)) > 65535):
        return False
    labels = m.group(1).lower().split(".")
    if any(x.startswith("xn--") for x in labels):
        return False  # (punycode the URL parser may refuse)
    if labels[-1].isdigit() or labels[-1].startswith("0x"):  # an IPv4 address to the URL parser: four bytes or nothing
        return len(labels) == 4 and all(x.isdigit() and len(x) <= 3 and int(x) <= 255 and (x == "0" or x[0] != "0")
                                        for x in labels)
    return True


def sanitizer_img(items) -> str | None:
    """An <img> of (name, value) attributes as nh3 prints it (src and alt kept), None unless its src is a plain
    http(s) URL."""
    out = "<img"
    for k, v in items:
        if k == "src":
            if not plain_http_url(v):
                return None
            out += f' src="{sanitizer_attr(v)}"'
        elif k == "alt":
            out += f' alt="{sanitizer_attr(v)}"'
    return out + ">"


def _has_generic_attr(el) -> bool:
    """An attribute nh3 keeps on every allowed tag (its default generic attributes: title, lang): left to nh3."""
    return el.get("title") is not None or el.get("lang") is not None


def _lean_inner(el, out: list, cell: bool = False, in_link: bool = False) -> bool:
    """Append the sanitised inner HTML of ``el`` to ``out``; False where it holds more than plain inline markup
    (``cell``: a table cell, whose children may also be paragraphs of it; ``in_link``: inside a link, where
    another link is left to nh3)."""
    if el.text:
        out.append(sanitizer_text(el.text))
    for c in el:
        tag = c.tag
        if tag == "br":
            if c.text or len(c):
                return False
            out.append("<br>")
        elif tag in _LEAN_KEEP:
            if _has_generic_attr(c):
                return False
            out.append(f"<{tag}>")
            if not _lean_inner(c, out, in_link=in_link):
                return False
            out.append(f"</{tag}>")
        elif tag in _LEAN_UNWRAP:
            if not _lean_inner(c, out, in_link=in_link):
                return False
        elif tag == "a":
            # a link to a plain http(s) URL (absolutize made it absolute): its href kept, the rest dropped
            href = c.get("href")
            if in_link or href is None or not plain_http_url(href) or _has_generic_attr(c):
                return False
            out.append(f'<a href="{sanitizer_attr(href)}">')
            if not _lean_inner(c, out, in_link=True):
                return False
            out.append("</a>")
        elif tag == "img":
            if c.text or len(c) or _has_generic_attr(c):
                return False
            img = sanitizer_img(c.items())
            if img is None:
                return False
            out.append(img)
        elif tag == "p" and cell:
            out.append("<p>")
            if not _lean_inner(c, out):
                return False
            out.append("</p>")
        else:
            return False  # (links, block tags, comments: nh3 decides)
        if c.tail:
            out.append(sanitizer_text(c.tail))
    return True


def lean_inner_html(el) -> str | None:
    """inner_html(el) as the sanitiser would print it, for plain inline markup; None for anything else."""
    out: list = []
    return "".join(out) if _lean_inner(el, out) else None


def lean_cell_html(cell) -> str | None:
    """lean_inner_html of a table cell, whose children may also be paragraphs of plain inline markup."""
    out: list = []
    return "".join(out) if _lean_inner(cell, out, cell=True) else None


def lean_figure_html(images: list[dict]) -> str | None:
    """figure_html as the sanitiser would print it."""
    out = []
    for im in images:
        img = sanitizer_img([("src", im["url"])] + ([("alt", im["alt"])] if im.get("alt") else []))
        if img is None:
            return None
        cap = f"<figcaption>{sanitizer_text(im['caption'])}</figcaption>" if im.get("caption") else ""
        out.append(f"<figure>{img}{cap}</figure>")
    return "".join(out)


def build_body_html(items, base: str, lean: bool = False) -> str:
    """items: list of (kind, payload): ('block', Block) or ('figure', [image dicts]). ``lean``: write the
    sanitiser's output directly where the blocks hold plain inline markup only (the same string: see
    lean_inner_html), else sanitise."""
    for kind, payload in items:
        if kind == "block":
            absolutize(payload.el, base)
    if lean:
        out = assemble_body(items, lean_inner_html, lean_figure_html, lean_cell_html)
        if out is not None:
            return tidy(out)
    return sanitize(assemble_body(items, inner_html, figure_html, inner_html))


def assemble_body(items, inner, figure, cell_inner) -> str | None:
    """The body HTML of the items, each element's content written by ``inner`` (None: give up)."""
    parts: list[str] = []
    open_list = None   # (list element, tag)
    open_table = None
    for kind, payload in items:
        if kind == "figure":
            if open_list is not None:
                parts.append(f"</{open_list[1]}>")
                open_list = None
            if open_table is not None:
                parts.append("</table>")
                open_table = None
            fig = figure(payload)
            if fig is None:
                return None
            parts.append(fig)
            continue
        b = payload
        el = b.el
        if b.kind == "li":
            lst = el.getparent()
            tag = "ol" if lst is not None and lst.tag == "ol" else "ul"
            if open_list is None or open_list[0] is not lst:
                if open_list is not None:
                    parts.append(f"</{open_list[1]}>")
                parts.append(f"<{tag}>")
                open_list = (lst, tag)
        elif open_list is not None:
            parts.append(f"</{open_list[1]}>")
            open_list = None
        if b.kind == "row":
            tbl = next(el.iterancestors("table"), None)
            if open_table is None or open_table is not tbl:
                if open_table is not None:
                    parts.append("</table>")
                parts.append("<table>")
                open_table = tbl
        elif open_table is not None:
            parts.append("</table>")
            open_table = None
        if b.kind == "row":
            cells = []
            for c in el:
                if c.tag in ("td", "th"):
                    html = cell_inner(c)
                    if html is None:
                        return None
                    cells.append(f"<{c.tag}>{html}</{c.tag}>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
            continue
        html = inner(el)
        if html is None:
            return None
        if b.kind == "h":
            lvl = el.tag[1] if el.tag in ("h2", "h3", "h4", "h5", "h6") else "2"
            parts.append(f"<h{lvl}>{html}</h{lvl}>")
        elif b.kind == "li":
            parts.append(f"<li>{html}</li>")
        elif b.kind == "quote":
            parts.append(f"<blockquote><p>{html}</p></blockquote>")
        else:
            parts.append(f"<p>{html}</p>")
    if open_list is not None:
        parts.append(f"</{open_list[1]}>")
    if open_table is not None:
        parts.append("</table>")
    return "".join(parts)
