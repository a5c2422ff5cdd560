"""Markup the portal rules do not recognise: trafilatura (main text) and htmldate (publication date) as
fallbacks, inside the same pure function. Both are handed an lxml tree parsed here from the decoded
text, never a URL or a string they could fetch (htmldate downloads a string that looks like a URL).

Which library decides what was settled by measurement (``make bench``, bench/extraction_quality.py):
* body: ours when the page's structure is recognised (a record kind with at least RECOGNISED_BODY_CHARS
  of body); else trafilatura's main text when it is article-shaped (several prose paragraphs, not the
  link texts or teasers of a list of items) -- a page-type guess never throws an article away;
* date: ours when the portal rules find one; else htmldate's original date (markup only on Vietnamese
  pages, its extensive search elsewhere); htmldate also settles an ambiguous 06/01/2020 off Vietnamese
  pages;
* title: ours (it beats trafilatura's on the development sets); trafilatura's only when ours is empty;
* author: ours (authors.py: the printed byline, then the markup's author).
"""
from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
import threading
from datetime import datetime
from typing import Callable

import htmldate  # imported once with the module, never inside a call
import lxml.html
import trafilatura
from lxml import etree
from trafilatura.metadata import extract_title

from .dates import VN_TZ
from .dom import text_of
from .text import collapse, nfc

# article-shaped main text: enough prose, in paragraphs, not a list of links
MIN_PROSE_CHARS = 250
PROSE_PARAGRAPH = 60
MAX_LINK_LINES = 0.3


_local = threading.local()


def html_class_lookup():
    """lxml.html's element classes (HtmlElement; FormElement for <form>, InputElement for <input>, …) looked up
    in C by tag name, instead of by lxml.html's Python lookup method, which lxml calls for every element
    proxy it makes: trafilatura and htmldate make hundreds of thousands on a page's tree."""
    lookup = etree.ElementNamespaceClassLookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity))
    tags = lookup.get_namespace(None)
    for name, cls in lxml.html.HtmlElementClassLookup._default_element_classes.items():
        tags[name] = cls
    return lookup


def library_parser():
    """lxml.html.HTMLParser's parser (comments removed) with html_class_lookup: the same classes."""
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True)
    parser.set_element_class_lookup(html_class_lookup())
    return parser


def library_tree(text: str, src: bytes | None = None):
    """An lxml.html tree of the decoded page for trafilatura / htmldate (parsed from the string: no fetch).
    ``src``: the text encoded as UTF-8 ("replace"), when the caller has it already."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = library_parser()
    try:
        return lxml.html.document_fromstring(text.encode("utf-8", "replace") if src is None else src,
                                             parser=parser)
    except (ValueError, Exception):  # lxml raises ParserError/XMLSyntaxError on junk
        return None


_LIST_MARK_RE = re.compile(r"^\s*- ")  # trafilatura marks list items "- "; our body_text does not


def library_body(tree) -> str:
    """trafilatura's main text (its default settings, as its benchmark runs it) as our paragraphs
    (whitespace-collapsed, list marks dropped, joined by a blank line)."""
    try:
        text = trafilatura.extract(tree, include_comments=False)
    except Exception:  # a library failure is a missing fallback, never a failed record
        return ""
    if not text:
        return ""
    lines = [collapse(_LIST_MARK_RE.sub("", x)) for x in text.split("\n")]
    return nfc("\n\n".join(x for x in lines if x))


def library_title(tree) -> str | None:
    try:
        return collapse(extract_title(tree) or "") or None
    except Exception:
        return None


def library_date(tree, url: str | None, extensive: bool = False):
    """htmldate's publication date (YYYY-MM-DD) or None; the URL is only read for a date in its path.
    Not extensive: dates in the page's markup (meta, JSON-LD, <time>, URL) only, never a date guessed from
    free text (a static page stays undated)."""
    try:
        return htmldate.find_date(tree, url=url or None, original_date=True, extensive_search=extensive,
                            outputformat="%Y-%m-%d")
    except Exception:
        return None


def link_texts(tree) -> set[str]:
    """Collapsed texts of the page's links long enough to be item titles."""
    out = set()
    for a in tree.iter("a"):
        t = collapse(a.text_content())
        if len(t) >= 15:
            out.add(t)
    return out


def article_shaped(text: str, links: set[str], list_text: str | Callable[[], str] = "") -> bool:
    """Several prose paragraphs that are not the link texts of a list of items, nor mostly the text of
    the page's dominant list of items (``list_text``: a listing's teasers, or a function giving them, called
    only when the other tests pass)."""
    paras = [p for p in text.split("\n\n") if p]
    if not paras:
        return False
    long_links = sorted(links, key=len, reverse=True)
    neg_lens = [-len(t) for t in long_links]  # ascending: bisect finds the links of a length range
    linked = [p in links or _mostly_link(p, long_links, neg_lens) for p in paras]
    # a link's text is an item title, never prose (a sidebar's list of newest items)
    prose = [p for p, ln in zip(paras, linked) if not ln and len(p) >= PROSE_PARAGRAPH and len(p.split()) >= 8
             and not p.startswith("|")]
    if len(prose) < 2 or sum(len(p) for p in prose) < MIN_PROSE_CHARS:
        return False
    if sum(linked) > MAX_LINK_LINES * len(paras):
        return False
    if callable(list_text):
        list_text = list_text()
    if list_text and len(list_text) >= 200 and mostly_in(text.split(), list_text):
        return False
    return True


def mostly_in(words: list[str], within: str) -> bool:
    """More than half of the 8-word runs of ``words`` (one every 4 words) are substrings of ``within``.

    The same count as ``sum(" ".join(words[i:i + 8]) in within for i in starts) > len(starts) / 2``, decided
    as soon as the answer is known, and a run is searched for only when its inner words are among the
    space-separated tokens of ``within`` (a run inside ``within`` has each inner word between two spaces
    there): a long article against a listing's teasers settles in a fraction of the searches."""
    starts = range(0, max(len(words) - 7, 1), 4)
    need = len(starts) // 2 + 1          # hits needed: count > len / 2
    spare = len(starts) - need           # misses allowed before the answer is no
    tokens = None
    hits = 0
    for i in starts:
        run = words[i:i + 8]
        if len(run) > 2:
            if tokens is None:
                tokens = set(within.split(" "))
            inner_ok = all(w in tokens for w in run[1:-1])
        else:
            inner_ok = True
        if inner_ok and " ".join(run) in within:
            hits += 1
            if hits >= need:
                return True
        else:
            spare -= 1
            if spare < 0:
                return False
    return False


def item_text(lst) -> str:
    """The text of a list's items: its children led by an item link (a teaser: title, date, summary; the
    link at least a fifth of the text, or the item's heading). A paragraph with a link inside is not an item,
    nor a long child."""
    out = []
    for child in lst:
        if not isinstance(child.tag, str):
            continue
        t = collapse(text_of(child))
        if not t or len(t) > 800:
            continue
        linked = max((len(collapse(a.xpath("string()"))) for a in child.iter("a")), default=0)
        if linked >= 20 and (linked >= 0.2 * len(t) or _titled(child)):
            out.append(t)
    return " ".join(out)


def _titled(item) -> bool:
    """The item has a heading that is all one link (a teaser's linked title)."""
    for h in item.iter("h2", "h3", "h4", "h5", "h6"):
        links = [a for a in h.iter("a") if a.get("href")]
        if len(links) == 1 and len(collapse(links[0].xpath("string()"))) >= 0.8 * len(collapse(text_of(h))):
            return True
    return False


def _mostly_link(p: str, long_links: list[str], neg_lens: list[int]) -> bool:
    """The paragraph is (mostly) one link's text: an item of a list of links. Only links of at least half
    its length and at most its length can be: ``long_links`` longest first, ``neg_lens`` their negated
    lengths (ascending), so two bisections pick them out of the page's hundreds of links."""
    lo = bisect_left(neg_lens, -len(p))
    hi = bisect_right(neg_lens, -len(p) / 2)
    return any(t in p for t in long_links[lo:hi])


# meta lines printed around an article body on blogs and news sites (the portal's Vietnamese ones are handled
# by the portal rules): "This entry was posted in …", "Foto: …", "Der Beitrag wurde am … veröffentlicht"
_BOILERPLATE_RE = re.compile(
    r"^(?:this\s+(?:entry|post)\s+was\s+posted|posted\s+(?:on|in|by)\b|filed\s+under|published\s+(?:on|by|in)\b|"
    r"(?:der|dieser)\s+(?:beitrag|artikel|text)\s+wurde|eingestellt\s+von|veröffentlicht\s+(?:am|von)|"
    r"(?:titel)?(?:foto|bild|photo|image|picture|credit|quelle|source)s?\s*:|©|\(c\)\s|copyright\b|"
    r"pdf\s+version|print(?:\s+this)?\b|zurück\b|back\s+to\b|"
    r"(?:jetzt\s+)?(?:registrieren|anmelden|abonnieren)|sign\s+up|subscribe|newsletter|"
    r"(?:share|teilen)(?:\s+(?:this|on|via))?\b|follow\s+us|tags?\s*:|schlagw[öo]rter\s*:|kategorie\s*:|category\s*:)",
    re.I)


# action lines anywhere in a body: "PDF version", "Print", "Jetzt registrieren", a newsletter invitation
_ACTION_LINE_RE = re.compile(
    r"^(?:pdf(?:\s+version)?|print(?:\s+(?:this|article|page))?|drucken|teilen|share(?:\s+this)?|"
    r"(?:jetzt\s+)?(?:registrieren|anmelden|abonnieren)|sign\s+(?:up|in)|subscribe(?:\s+now)?|log\s*in|"
    r"read\s+more|weiterlesen|mehr\s+lesen|lire\s+la\s+suite)$|\bnewsletter\b", re.I)
# a caption closed by its photo credit: "Helfer bei der Evakuierung. Foto: Galli/Malteser"
_CREDIT_END_RE = re.compile(r"[\s(](?:foto|bild|photo|image|credit|quelle)s?\s*:\s*[^.]{2,60}\)?$", re.I)


def trim_boilerplate(text: str) -> str:
    """Drop meta lines at the start and end of a body (bylines, photo credits, "posted in" lines) and
    action lines anywhere (print, PDF, register, newsletter)."""
    paras = [p for p in text.split("\n\n") if not (len(p) <= 120 and _ACTION_LINE_RE.search(p))]
    while paras and len(paras[-1]) < 300 and _BOILERPLATE_RE.match(paras[-1]):
        paras.pop()
    while len(paras) > 1 and len(paras[0]) < 400 and (
            (len(paras[0]) < 160 and _BOILERPLATE_RE.match(paras[0])) or _CREDIT_END_RE.search(paras[0])):
        paras.pop(0)
    return "\n\n".join(paras)


RECOGNISED_BODY_CHARS = 1000  # a record kind with less body text than this is checked against trafilatura's


def paragraphs_html(text: str) -> str:
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in text.split("\n\n") if p)


_VI_LETTERS_RE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def is_vietnamese(text: str) -> bool:
    """Vietnamese text: at least one letter in twenty-five is one only Vietnamese writes."""
    letters = sum(map(str.isalpha, text[:3000]))
    return bool(letters) and len(_VI_LETTERS_RE.findall(text[:3000])) * 25 >= letters


_NUMERIC_DATE_RE = re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{4}(?!\d)")


def ambiguous_day_month(raw: str | None) -> bool:
    """A numeric date whose day and month could swap ("06/01/2020")."""
    m = _NUMERIC_DATE_RE.search(raw or "")
    return bool(m) and int(m.group(1)) <= 12 and int(m.group(2)) <= 12 and m.group(1) != m.group(2)


class Fallback:
    """The libraries' reading of one page, parsed once and only when asked for."""

    def __init__(self, text: str, url: str | None, src: bytes | None = None):
        self.text, self.url, self.src = text, url, src
        self._tree = False

    def tree(self):
        if self._tree is False:
            self._tree = library_tree(self.text, self.src) if "<" in self.text else None
        return self._tree

    def body(self) -> str:
        t = self.tree()
        return library_body(t) if t is not None else ""

    def links(self) -> set[str]:
        t = self.tree()
        return link_texts(t) if t is not None else set()

    def title(self) -> str | None:
        t = self.tree()
        return library_title(t) if t is not None else None

    def date(self, sample: str = ""):
        """(raw, datetime at 00:00 Asia/Ho_Chi_Minh) of htmldate's date, or (None, None). On a Vietnamese page
        only dates in its markup count (meta, JSON-LD, <time>, URL): the portals' undated pages are static
        pages, and htmldate's text search would date them from a footer. Elsewhere its extensive search
        (measured better on the development sets)."""
        t = self.tree()
        day = library_date(t, self.url, extensive=not is_vietnamese(sample)) if t is not None else None
        if not day:
            return None, None
        try:
            return day, datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=VN_TZ)
        except ValueError:
            return None, None
