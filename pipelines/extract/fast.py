"""The fast path for the portal's common article page (the htmldate model: a lean path for the common
format, the thorough extractor for everything else).

A WCM/WPS article view is recognised by structure and the portal's conventions, not by one template's class
names: one heading (h1/h2) ending with its parenthesised date "(03/09/2020 07:55 AM)" whose text is the
page's own title (<title>, og:title or the bookmark link); after it, inside the heading's parent, an optional
lead element and one body container of plain rich text (paragraphs, sub-headings, lists, simple tables,
images with their captions, a byline at the end); after the body only link bars and link lists; a hinted
breadcrumb naming the section. The record is then built from those few elements with the thorough path's
own block, caption, lead, byline, date and sanitiser functions, so the fields come out the same.

Any check not clearly satisfied returns None and the thorough path (record.py) decides: no dated heading, a
heading that is not the page's title, unknown or interactive elements in the body (links, scripts, forms,
frames, nested tables), several candidate headings or breadcrumbs, a short body (the library fallback may
weigh in), three images or more (an album?), document or schedule labels in the page text, a home URL, a
video player, a cut-off document. tests/test_extract_fast.py checks on every page at hand that wherever the
fast path fires, its record equals the thorough one field for field. ``PORTAL_EXTRACT_FAST=0`` turns it off.
"""
from __future__ import annotations

import os
import re

from lxml import etree

from . import authors as A
from . import generic
from . import kinds as K
from .article_fields import article_fields
from .body import block_text, body_items, filter_region
from .chrome import BREADCRUMB_HINT_RE, breadcrumb_items, decode_cloudflare_emails
from .clean_html import build_body_html
from .dates import heading_date, match_date, parse_date
from .decode import decode_html, is_truncated, looks_binary
from .dom import mark_brs, parse_html, resolve, text_of
from .figures import images_and_captions
from .head import read_head_meta, url_key
from .head import self_urls as self_urls_of
from .lead import find_lead
from .locate import (TitleCand, build_blocks, clean_title_tag, norm_cmp, normalize_blocks,
                     strip_title_date)
from .page_type import is_home_url
from .section import find_section
from .tail import resolve_byline
from .text import collapse, halve_repeated, nfc, strip_chrome_literals
from .title import choose_title

ENV_SWITCH = "PORTAL_EXTRACT_FAST"

# the heading: an h1/h2 whose text ends with a parenthesised date (the WCM pt_detail convention)
# cheap gates on the lower-cased source before the tree searches (a page without the words has no such
# element); str.find, not a case-insensitive alternation (Python's re scans those slowly)
_HEADING_END_RE = re.compile(rb"\)(?:\s|</?[A-Za-z][^<>]*>)*</[hH][12]\s*>")  # "…(03/09/2020 07:55 AM)</span></h1>"
_DISPLAY_NONE_RE = re.compile(rb"display\s*:\s*none")
_VIS_HIDDEN_RE = re.compile(rb"visibility\s*:\s*hidden")
_CRUMB_ATTR_RE = re.compile(r"""\b(class|id)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.I)
_CRUMB_WORDS = tuple(BREADCRUMB_HINT_RE.pattern.lower().split("|"))
_CRUMB_SEEDS = (b"bread", b"crumb", b"duong", b"path", b"vitri", b"vi-tri", b"location-bar")  # each hint holds one
assert all(any(s.decode() in w for s in _CRUMB_SEEDS) for w in _CRUMB_WORDS), "every breadcrumb hint holds a seed"
_BY_CLASS = etree.XPath("//body//*[@class = $v]")
_BY_ID = etree.XPath("//body//*[@id = $v]")
_TEXT = etree.XPath("string()")
_CF = etree.XPath(".//*[@data-cfemail] | .//a[contains(@href, '/cdn-cgi/l/email-protection#')]")
_HIDDEN = etree.XPath("//body//*[@hidden] | //body//*[contains(translate(translate(@style, ' ', ''), "
                      "'DISPLAYNOEVIBTH', 'displaynoevibth'), 'display:none') or contains(translate(translate("
                      "@style, ' ', ''), 'DISPLAYNOEVIBTH', 'displaynoevibth'), 'visibility:hidden')]")

# the body container's vocabulary: plain rich text, simple tables, images; anything else declines
_BODY_TAGS = frozenset((
    "p", "span", "strong", "b", "em", "i", "u", "br", "img", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
    "table", "tbody", "thead", "tr", "td", "th", "div", "font", "sup", "sub", "o:p", "a",
))
_LEAD_TAGS = frozenset(("div", "p", "strong", "b", "em", "i", "span", "br"))
_AFTER_TAGS = frozenset(("div", "ul", "li", "a", "img", "h3", "h4", "span", "br", "p"))
_MAX_IMAGES = 2  # three images or more may make an album (record_kind._album): the thorough path decides
_DOC_LABEL_RES = tuple(re.compile(r"\s+".join(map(re.escape, w.split()))) for w in K.DOC_WORDS)
_SCHEDULE_LABEL_RES = tuple(re.compile(r"\s+".join(map(re.escape, w.split()))) for w in K.SCHEDULE_WORDS)
_MIN_BODY = generic.RECOGNISED_BODY_CHARS  # below it the library fallback may weigh in
_NO_ORDER: dict = {}  # build_blocks' positions left at 0 (see fast_record)


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


def fast_record(rec: dict, body, url, content_type: str | None, now) -> dict | None:
    """``rec`` (an empty record) filled for a recognised article page, or None (the thorough path decides)."""
    if not isinstance(body, bytes) or not isinstance(url, str) or not _HEADING_END_RE.search(body) or \
            b"<" not in body[:1024] or looks_binary(body):
        return None  # (no heading ends with a parenthesis: other markup pays no more than this search)
    text, enc = decode_html(body, content_type)
    # the source as UTF-8 bytes with ASCII letters lower-cased (bytes.lower: C speed; every word searched for
    # below is ASCII markup)
    src = text.encode("utf-8", "replace")
    low_src = src.lower()
    if "<" not in text or is_truncated(text) or b"playclip" in low_src or b"jwplayer" in low_src:
        return None  # (kinds.video_precheck: a video list)
    try:
        root = parse_html(text, src)
    except ValueError:
        return None
    page = root.find("body")
    if page is None:
        return None
    heading = _dated_heading(page)
    if heading is None:
        return None
    H_el, raw_heading = heading
    box = H_el.getparent()
    parts = _article_parts(H_el)
    if parts is None:
        return None
    lead_els, container, after = parts
    scripts = list(root.iter("script"))
    if (_may_hide(low_src) and _HIDDEN(root)) or any(el.text and K.script_image_urls(el.text) for el in scripts):
        return None
    doc_labels, schedule_label = kind_labels(_TEXT(page))  # (the page text the kind rules weigh, and script text)
    if doc_labels or (schedule_label and K.find_schedule_table(page) is not None):
        return None  # document labels, or a schedule-like table: the kind rules decide
    meta, links, base = read_head_meta(root, url)
    title_tag = clean_title_tag(meta.get("title_tag"))
    og_title = clean_title_tag(meta.get("og:title") or meta.get("twitter:title"))
    refs = {norm_cmp(r) for r in (title_tag, og_title, clean_title_tag(meta.get("bookmark_title")),
                                  clean_title_tag(meta.get("title"))) if r}
    head_text = halve_repeated(strip_title_date(raw_heading))
    if not head_text or norm_cmp(head_text) not in refs:
        return None
    raw, _rest = heading_date(raw_heading)
    if not raw or match_date(nfc(collapse(raw))) is None:
        return None
    dt = parse_date(raw, now=now)
    if dt is None:
        return None
    crumbs = _breadcrumb(page, box, src, low_src)
    if crumbs is None:
        return None
    printish = [a for el in after for a in el.iter("a") if _printish(a)]
    if len(printish) != _printish_tags(low_src):
        return None  # a print link elsewhere on the page: the thorough path weighs it
    print_links = [a for a in printish if not any(x.tag == "li" for x in a.iterancestors())]
    if is_home_url(url):
        return None

    # the article alone: what follows the body goes (link bars and lists, the thorough path's chrome)
    for el in after:
        el.getparent().remove(el)
    decode_cloudflare_emails(_CF(box))
    mark_brs(box)
    has_block = normalize_blocks(box)
    # the blocks after the heading: those under its next siblings (positions in the box are not needed: no
    # step below weighs them, and the walk yields blocks in page order)
    blocks = build_blocks(box, has_block, _NO_ORDER)
    before = {x for sib in H_el.itersiblings(preceding=True) for x in sib.iter()}
    before.update(H_el.iter())
    region = [b for b in blocks if b.el not in before]
    self_keys: set = set()

    def is_self_link(a) -> bool:  # (the page's own URLs joined only when asked: a heading without links never asks)
        if not self_keys:
            self_keys.update(url_key(u) for u in (url, base, links.get("canonical"), links.get("bookmark"),
                                                  meta.get("og:url")) if u)
        u = resolve(base, a.get("href"))
        return bool(u) and url_key(u) in self_keys

    H = TitleCand(H_el, raw_heading, head_text, 100.0, True)
    title, _site_only = choose_title(H, og_title, title_tag, container, [], set(), is_self_link)
    if not title:
        return None
    kept, date_blocks, top_author, top_source = filter_region(region, title)
    if date_blocks:
        return None
    images, _caps = images_and_captions(kept, base)
    text_blocks = [b for b in kept if b.text and b.role is None]
    lead = find_lead(text_blocks, container, H_el)
    author, role, source, tail_dates = resolve_byline(text_blocks, top_author, top_source, None)
    if tail_dates:
        return None
    if author is None:  # the markup's author field, when the text prints no byline (as resolve_byline does)
        if any(x is box or x in after for el in scripts for x in el.iterancestors()):
            scripts = list(root.iter("script"))  # (a script where the tree was changed since: read them again)
        author = A.markup_author(root, [el.text for el in scripts
                                        if el.text and "ld+json" in (el.get("type") or "")], source=text)
    body_blocks = [b for b in text_blocks if b.role is None]
    texts = {id(b): _block_text(b) for b in text_blocks if b.role in (None, "lead")}
    body_text = "\n\n".join(t for t in (texts[id(b)] for b in body_blocks) if t)
    reading_text = generic.trim_boilerplate("\n\n".join(
        t for t in (texts[id(b)] for b in text_blocks if b.role in (None, "lead")) if t))
    if len(body_text) < 400 or len(reading_text) < _MIN_BODY or not any(
            b.tlen >= 60 and b.kind in ("p", "quote", "pre", "h") for b in body_blocks):
        return None
    summary = " ".join(block_text(b) for b in lead) if lead else None
    sample = f"{title} {reading_text[:2000]}"
    if generic.ambiguous_day_month(raw) and not generic.is_vietnamese(sample):
        return None
    items = body_items(kept)
    rec.update(article_fields(title, dt, raw, author, role, source, summary, reading_text,
                              build_body_html(items, base, lean=True) if items else "", images,
                              find_section(crumbs, title, meta, None), "article",
                              self_urls_of(links, meta, base, print_links)))
    rec["encoding"] = enc
    rec["kind"] = "article"
    return rec


def kind_labels(text: str) -> tuple[bool, bool]:
    """(K.document_precheck, K.schedule_precheck) of the page's collapsed, lower-cased text, from its raw
    text: a label "a b" is in the collapsed text when "a", whitespace and "b" follow each other in the raw
    text (collapse makes each run of whitespace, str.isspace as re's \\s, one space), unless zero-width
    characters (which collapse removes) are about; a search of each label instead of a collapse of the page."""
    low = text.lower()
    if not low.isascii() and ("\u200b" in low or "\u200c" in low or "\u200d" in low or "\u2060" in low or
                              "\ufeff" in low or "\u00ad" in low):
        low = collapse(text).lower()
        return K.document_precheck(low), K.schedule_precheck(low)
    docs = 0
    for rx in _DOC_LABEL_RES:
        if rx.search(low):
            docs += 1
            if docs >= 2:
                break
    return docs >= 2, any(rx.search(low) for rx in _SCHEDULE_LABEL_RES)


def _block_text(b) -> str:
    """body.block_text of a block of this path, whose text is collapsed already (by build_blocks, its rows'
    collapsed cells joined by " | ", or by strip_chrome_literals in filter_region): collapsing it again changes
    nothing, so where the skin literals are gone already it is the text in NFC (and the joins of join_blocks
    are plain joins: no text holds a newline)."""
    t = b.text
    return nfc(t) or "" if strip_chrome_literals(t) is t else block_text(b)


def _dated_heading(page):
    """The one h1/h2 ending with a parenthesised date: (element, its text), else None."""
    found = None
    for h in page.iter("h1", "h2"):  # (one walk, where the XPath union //body//h1 | //body//h2 made two)
        raw = collapse(text_of(h))
        if not raw or len(raw) > 500 or not raw.endswith(")"):
            continue
        if heading_date(raw)[0] is None:
            continue
        if found is not None:
            return None  # two dated headings: a listing or a page of teasers
        found = (h, raw)
    if found is None or any(x.tag in ("a", "li") for x in found[0].iterancestors()):
        return None
    if next(found[0].iter("a", "img"), None) is not None:
        return None
    return found


def _article_parts(H_el):
    """(lead elements, body container, elements after the body) among the heading's next siblings, or None."""
    sibs = []
    nxt = H_el.getnext()
    while nxt is not None:
        if not isinstance(nxt.tag, str):
            if nxt.tag is etree.Comment:
                nxt = nxt.getnext()
                continue
            return None
        sibs.append(nxt)
        nxt = nxt.getnext()
    if (H_el.tail or "").strip():
        return None
    body_i = None
    for i, el in enumerate(sibs):
        if el.tag == "div" and _plain_body(el):
            body_i = i
            break
        if i >= 2:
            return None
    if body_i is None:
        return None
    leads = sibs[:body_i]
    for el in leads:
        if not _plain(el, _LEAD_TAGS) or len(el) == 0 and not (el.text or "").strip():
            return None
    after = sibs[body_i + 1:]
    for el in after:
        if not _link_chrome(el):
            return None
    for el in sibs:
        if (el.tail or "").strip():
            return None
    return leads, sibs[body_i], after


def _plain(el, tags) -> bool:
    for x in el.iter():
        if not isinstance(x.tag, str):
            if x.tag is etree.Comment:
                continue
            return False
        if x.tag not in tags:
            return False
        if x.tag == "a":
            return False
    return True


def _plain_body(el) -> bool:
    """Plain rich text: the body vocabulary only, no links but e-mail addresses, no table in a table, no
    heading-sized text block holding another dated heading, at least two paragraphs."""
    paras = 0
    for x in el.iter():
        tag = x.tag
        if not isinstance(tag, str):
            if tag is etree.Comment:
                continue
            return False
        if tag not in _BODY_TAGS:
            return False
        if tag == "p":
            paras += 1
        elif tag == "a":
            if "__cf_email__" not in (x.get("class") or "") or len(x):
                return False
        elif tag == "table":
            if next(x.iterdescendants("table"), None) is not None:
                return False
        elif tag == "div" and x is not el and (x.get("id") or not (x.get("class") or "").startswith("WordSection")):
            return False
    return paras >= 2


def _link_chrome(el) -> bool:
    """An element after the body that is all links: an action bar or a list of other items."""
    if el.tag not in _AFTER_TAGS:
        return False
    text = collapse(_TEXT(el))
    if not text:
        return True
    # (itertext: the XPath string() of each link, without an XPath evaluation's set-up for each)
    linked = sum(len(collapse("".join(a.itertext()))) for a in el.iter("a"))
    heads = sum(len(collapse("".join(h.itertext()))) for h in el.iter("h3", "h4"))
    rest = len(text) - linked - heads
    return rest <= max(40, 0.3 * len(text)) and all(
        x.tag in _AFTER_TAGS or x.tag in ("ol", "b", "strong", "em", "i") for x in el.iter() if isinstance(x.tag, str))


def _tag_starts(low: bytes, words) -> set[int]:
    """Start offsets of the tags whose markup holds one of ``words`` (lower-cased source)."""
    starts = set()
    for w in words:
        i = low.find(w)
        while i >= 0:
            start = low.rfind(b"<", 0, i)
            if start >= 0 and low.find(b">", start, i) < 0:
                starts.add(start)
            i = low.find(w, i + len(w))
    return starts


def _printish_tags(low: bytes) -> int:
    """How many <a> tags of the source name a print view (presentationtemplate, print)."""
    return sum(1 for s in _tag_starts(low, (b"print", b"presentationtemplate"))
               if low.startswith(b"<a", s) and not low[s + 2:s + 3].isalnum())


def _may_hide(low: bytes) -> bool:
    """The source may hold a hidden element (display:none, visibility:hidden, a hidden attribute)."""
    if (b"display" in low and _DISPLAY_NONE_RE.search(low)) or (b"visibility" in low and _VIS_HIDDEN_RE.search(low)):
        return True
    i = low.find(b"hidden")
    while i >= 0:
        after = low[i + 6:i + 7]
        if low[i - 1:i].isspace() and (after in (b"", b"=", b"/", b">") or after.isspace()):
            return True
        i = low.find(b"hidden", i + 6)
    return False


def _breadcrumb(page, box, src: bytes, low: bytes):
    """The hinted breadcrumb's items (one trail, outside the article), else None (unclear: decline)."""
    hinted = []  # (attribute, value) of each hinted class/id in the source's tags, in source order
    for start in sorted(_tag_starts(low, _CRUMB_SEEDS)):  # the hint words in the source, then their tags
        end = low.find(b">", start)
        tag = src[start:end if end > 0 else len(src)].decode("utf-8", "replace")
        for m in _CRUMB_ATTR_RE.finditer(tag):
            value = m.group(2) or m.group(3) or m.group(4) or ""
            if not BREADCRUMB_HINT_RE.search(value):
                continue
            if "&" in value:
                return None  # a character reference: the value in the tree is another string
            hinted.append((m.group(1).lower(), value))
    found = _crumb_near(page, box, *hinted[0]) if len(hinted) == 1 else None
    if found is None:  # not where the portal puts it, or several: search the page
        cands = []
        for attr, value in hinted:
            for el in (_BY_CLASS if attr == "class" else _BY_ID)(page, v=value):
                if el.tag != "a" and not any(el is c for c in cands):
                    cands.append(el)
        cands = [c for c in cands if not any(x is o for o in cands for x in c.iterancestors())]
        if len(cands) != 1:
            return None
        found = cands[0]
    elif found.tag == "a":
        return None  # (the one hinted element is a link: no candidate, as the search would find)
    if next(found.iter("ul", "ol"), None) is not None or any(x is found for x in box.iterancestors()):
        return None
    items = breadcrumb_items(found)
    return items if len(items) >= 2 else None


def _crumb_near(page, box, attr: str, value: str):
    """The element of the one hinted tag of the source, looked for where the portal puts the trail: a
    preceding sibling of the article's box or of one of its ancestors inside the page's body (a few elements
    instead of a search of the whole tree). The source holds one such tag, so the tree holds one such element
    (a class spelled wholly in character references, which the source scan cannot see, is not looked for: as
    before)."""
    el = box
    while el is not None and el is not page:
        for sib in el.itersiblings(preceding=True):
            if sib.get(attr) == value:
                return sib
        el = el.getparent()
    return None


def _printish(a) -> bool:
    return any("presentationtemplate" in v.lower() or "print" in v.lower() for v in a.attrib.values())
