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
    out = nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRS,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
        clean_content_tags={"script", "style", "noscript", "template", "xml"},
    )
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


def build_body_html(items, base: str) -> str:
    """items: list of (kind, payload): ('block', Block) or ('figure', [image dicts])."""
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
            parts.append(figure_html(payload))
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
        absolutize(el, base)
        if b.kind == "h":
            lvl = el.tag[1] if el.tag in ("h2", "h3", "h4", "h5", "h6") else "2"
            parts.append(f"<h{lvl}>{inner_html(el)}</h{lvl}>")
        elif b.kind == "li":
            parts.append(f"<li>{inner_html(el)}</li>")
        elif b.kind == "row":
            cells = []
            for c in el:
                if c.tag in ("td", "th"):
                    cells.append(f"<{c.tag}>{inner_html(c)}</{c.tag}>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
        elif b.kind == "quote":
            parts.append(f"<blockquote><p>{inner_html(el)}</p></blockquote>")
        else:
            parts.append(f"<p>{inner_html(el)}</p>")
    if open_list is not None:
        parts.append(f"</{open_list[1]}>")
    if open_table is not None:
        parts.append("</table>")
    return sanitize("".join(parts))
