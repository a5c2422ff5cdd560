"""The title: heading-like lines at the start of the content (bold, big font), the heading picked from the
title candidates by proximity to the main content, the title chosen (heading, og:title, <title>, the skin's
portlet title bar), a category label printed in the heading before the title."""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from .dom import attr_str, is_ancestor, text_of
from .locate import SITE_SEG_RE, norm_cmp, strip_title_date, subtree_end, title_candidates
from .text import clean_text, collapse, halve_repeated, word_count


_FONT_PT_RE = re.compile(r"font-size\s*:\s*(\d+(?:\.\d+)?)\s*(pt|px|em|rem)", re.I)


def _big_font(el) -> bool:
    total = len(collapse("".join(el.itertext()))) or 1
    for x in el.iter():
        if not isinstance(x.tag, str):
            continue
        big = False
        size = x.get("size") if x.tag == "font" else None
        if size and size.strip().lstrip("+").isdigit() and (int(size.strip().lstrip("+")) >= 4 or size.strip().startswith("+")):
            big = True
        st = x.get("style")
        if st:
            m = _FONT_PT_RE.search(st)
            if m:
                v, u = float(m.group(1)), m.group(2).lower()
                big = (u == "pt" and v >= 14) or (u == "px" and v >= 18) or (u in ("em", "rem") and v >= 1.3)
        if big and len(collapse("".join(x.itertext()))) >= 0.8 * total:
            return True
    return False


PORTLET_TITLE_CLASS_RE = re.compile(
    r"(?:^|\s)(?:wpsPortletTitle|wpsPortletTitleText|wpsPortletBorderTitle|portlet-title|portlet-title-text|"
    r"lm-dynamic-title)(?:\s|$)")
PORTLET_BOX_RE = re.compile(r"(?:^|\s)(?:wpsPortlet|portlet|portlet-boundary|wpthemeControl|component-control)(?:\s|$)")
_LIT_RE = re.compile(r"skip portlet|portlet menu|web content viewer|display (?:portlet |content )?menu|"
                     r"component action menu|\bactions\b", re.I)


def strip_literals(s: str) -> str:
    return collapse(_LIT_RE.sub(" ", s))


_LABEL_CLASS_RE = re.compile(r"cat|chuyen-?muc|chuyenmuc|label|badge|kicker|section|tag|muc", re.I)


def _strip_heading_label(el, title: str, is_self_link) -> str:
    """'<h1><a class="cat" href="/kinh-te">Kinh tế</a> Title</h1>' -> 'Title' (a category label printed in the
    heading before the title)."""
    if (el.text or "").strip():
        return title
    first = next((c for c in el if isinstance(c.tag, str) and c.tag != "br"), None)
    if first is None or first.tag not in ("a", "span", "label", "small", "em", "i", "b", "strong", "font"):
        return title
    lab = collapse(text_of(first))
    if not lab or len(lab) > 40 or word_count(lab) > 6 or not title.startswith(lab):
        return title
    rest = title[len(lab):].lstrip(" |:-–—»›/")
    if word_count(rest) < 4:
        return title
    if first.tag == "a":
        if not first.get("href") or is_self_link(first):
            return title
    elif not _LABEL_CLASS_RE.search(attr_str(first)):
        return title
    return rest


def add_heading_lines(cands, blocks, c_global, refs, chrome_set, penal, adjacent, is_self_link) -> None:
    """Add to ``cands`` the heading-like lines (bold / big font) right before or at the start of the main
    content ``c_global``."""
    if c_global is not None:
        cg_first = next((i for i, b in enumerate(blocks) if is_ancestor(c_global, b.el)), None)
        if cg_first is not None:
            known = {c.el for c in cands}
            extra = {}
            for b in blocks[max(0, cg_first - 6): cg_first + 3]:
                if b.el in known or b.kind not in ("p", "h") or b.tlen > 300 or b.ld >= 0.5:
                    continue
                if any(x.tag in ("li", "a") for x in b.el.iterancestors()):
                    continue
                wc = word_count(b.text)
                if not (3 <= wc <= 40) or (b.text.endswith(".") and not b.text.endswith("...")):
                    continue
                if b.kind == "h" or b.bold() or _big_font(b.el):
                    extra[b.el] = 6
                    continue
                # "<b>Title</b> <span>date</span>" on one line: the leading bold/big element
                first = next((x for x in b.el if isinstance(x.tag, str) and x.tag != "br"), None)
                if first is not None and not (b.el.text or "").strip():
                    ft = collapse("".join(first.itertext()))
                    if 3 <= word_count(ft) <= 40 and b.text.startswith(ft) and (
                            first.tag in ("b", "strong", "font", "span") and (_big_font(first) or first.tag in ("b", "strong")
                                                                            or next(first.iter("b", "strong"), None) is not None)):
                        extra[first] = 6
            if extra:
                more = title_candidates(list(extra), refs, chrome_set, penal, adjacent, base_bonus=extra,
                                        is_self_link=is_self_link)
                cands.extend(more)


# headers of a portlet or a page section (Liferay's asset publisher, widget and block titles)
SECTION_HEADER_CLASS_RE = re.compile(
    r"portlet-title|portlet-header|portlet-topper|asset-publisher-title|section-?title|section-?header|"
    r"box-?title|block-?title|module-?title|widget-?title|cat(?:egory)?-?title|title-?cat|"
    r"tieu-?de-?chuyen-?muc|ten-?chuyen-?muc|chuyen-?muc-?title", re.I)


def _section_header(el) -> bool:
    cur = el
    for _ in range(3):
        if cur is None or not isinstance(cur.tag, str):
            return False
        if SECTION_HEADER_CLASS_RE.search((cur.get("class") or "") + " " + (cur.get("id") or "")):
            return True
        cur = cur.getparent()
    return False


class BlockCounts:
    """How many text blocks lie between two document positions, by bisection of their sorted positions (a
    page's headings each ask; walking every block for each was quadratic on long pages)."""

    def __init__(self, blocks):
        self.prose = sorted(b.pos for b in blocks if b.tlen >= 60 and b.ld < 0.5)  # prose blocks
        self.texts = sorted(b.pos for b in blocks if b.tlen >= 25 and b.ld < 0.5)  # any text block

    def prose_from(self, start: int, end: int) -> int:
        """Prose blocks at positions ``start <= pos < end``."""
        return bisect_left(self.prose, end) - bisect_left(self.prose, start) if end > start else 0

    def texts_inside(self, start: int, end: int) -> int:
        """Text blocks at positions ``start < pos < end`` (``start < end``)."""
        return bisect_left(self.texts, end) - bisect_right(self.texts, start)


def pick_heading(cands, blocks, order, c_global, attached):
    """The article heading: the best title candidate re-scored with proximity to the main content, or None."""
    H = None
    if cands:
        cg_start = order.get(c_global, -1) if c_global is not None else -1
        cg_end = subtree_end(c_global, order) if c_global is not None else -1
        best = None
        counts = BlockCounts(blocks) if c_global is not None else None
        for c in cands:
            if not attached(c.el):
                continue
            s = c.score
            if c_global is not None:
                hpos = order.get(c.el, 0)
                hend = subtree_end(c.el, order)
                if cg_start <= hpos <= cg_end:
                    before = counts.prose_from(cg_start, hpos)
                    s += 15 if before <= 1 else -30  # a heading after body text is a sub-heading
                elif hend < cg_start:
                    between = counts.texts_inside(hend, cg_start)
                    if between <= 3:
                        s += 20
                    elif between > 10:
                        s -= 10
                else:
                    s -= 15
            if _section_header(c.el) and any(
                    o is not c and o.score >= 20 and order.get(o.el, 0) > order.get(c.el, 0) and attached(o.el)
                    for o in cands):
                s -= 40  # a portlet's / section's header above the article names the section, not the article
            if best is None or s > best[0]:
                best = (s, c)
        if best is not None and best[0] >= 25:
            H = best[1]
    return H


def choose_title(H, og_title, title_tag, C, portlet_titles, penal, is_self_link):
    """The title (heading, og:title, <title>, the portlet title bar): (title, site_only_title)."""
    title = None
    if H is not None:
        title = H.text
    elif og_title:
        title = og_title
    elif title_tag:
        title = title_tag
    if H is not None and title:
        title = _strip_heading_label(H.el, title, is_self_link)
    title = (strip_title_date(halve_repeated(clean_text(title))) or clean_text(title)) if title else None
    if H is None and C is not None and portlet_titles:
        # the skin's title bar of the portlet holding the content (WCM viewer showing the content title)
        tn = norm_cmp(title_tag or "")
        for t, cont in portlet_titles:
            if cont is not None and is_ancestor(cont, C):
                nt = norm_cmp(t)
                if nt in penal:  # a section name, not the content title
                    break
                if (not title_tag or SITE_SEG_RE.match(title_tag) or (tn and nt in tn)
                        or (word_count(t) >= 6 and word_count(title_tag) <= 3)):
                    title = clean_text(t)
                break
    if title and SITE_SEG_RE.match(title) and H is None:
        site_only_title = True
    else:
        site_only_title = False
    return title, site_only_title
