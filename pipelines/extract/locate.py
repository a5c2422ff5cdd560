"""Locate the main content: block normalisation, text blocks, container scoring, the title
heading, and the body region."""
from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from .dom import BLOCK_TAGS, attr_str, table_rows, text_of
from .text import collapse, halve_repeated, word_count

NEVER_CONTAINER = frozenset(("tbody", "thead", "tfoot", "tr", "ul", "ol", "font", "span", "a", "b", "strong",
                             "em", "i", "u", "center", "form", "table", "dl", "small", "big", "label"))
CONTAINER_TAGS = frozenset(("div", "td", "th", "article", "section", "main", "body", "dd", "blockquote",
                            "li", "center", "figure", "font", "span", "form"))
_POS_HINT_RE = re.compile(
    r"content|article|detail|chitiet|chi-tiet|chi_tiet|noidung|noi-dung|noi_dung|newsbody|news-body|"
    r"contentbody|entry|post|story|journal-content|WordSection|body-text|bodytext|maincontent|main-content|"
    r"fulltext|full-text|news-detail|newsdetail|ArticleContent|content_news|NoiDung",
    re.I,
)
_NEG_HINT_RE = re.compile(
    r"comment|sidebar|side-bar|menu|(?:^|\s)nav|footer|header|banner|related|lienquan|lien-quan|other|"
    r"tinkhac|tin-khac|advert|quangcao|quang-cao|widget|share|social|tags|breadcrumb|poll|weather|"
    r"thoitiet|counter|thongke|lienket|lien-ket|weblink|links?(?:\s|$)|list_news|listnews|list-news",
    re.I,
)
DATA_TABLE_MAX_CELL = 500


class Block:
    __slots__ = ("el", "kind", "text", "tlen", "llen", "imgs", "pos", "idx", "anc", "_style", "_align",
                 "role", "figure_images")

    def __init__(self, el, kind, text, llen, imgs):
        self.el = el
        self.kind = kind
        self.text = text
        self.tlen = len(text)
        self.llen = llen
        self.imgs = imgs
        self.pos = 0
        self.idx = 0
        self.anc = None
        self._style = None
        self._align = False
        self.figure_images = None  # the images it shows as a figure (figures.images_and_captions; body.body_items)
        self.role = None  # later: 'lead', 'caption', 'author', 'role', 'source', 'date', 'drop'

    @property
    def ld(self) -> float:
        return self.llen / self.tlen if self.tlen else 0.0

    def style(self):
        if self._style is None:
            from .dom import style_fractions
            self._style = style_fractions(self.el)
        return self._style

    def bold(self) -> bool:
        tot, b, _ = self.style()
        return tot > 0 and b >= 0.9 * tot

    def italic(self) -> bool:
        tot, _, i = self.style()
        return tot > 0 and i >= 0.9 * tot

    def align(self):
        if self._align is False:
            from .dom import block_align
            self._align = block_align(self.el)
        return self._align

    def __repr__(self):  # pragma: no cover
        return f"<Block {self.kind} {self.el.tag} {self.text[:40]!r}>"


# ------------------------------------------------------------------ normalisation

def _block_marks(root) -> set:
    """Elements that have at least one block-level descendant."""
    has = set()
    for el in root.iter(*BLOCK_TAGS):
        for anc in el.iterancestors():
            if anc in has:
                break
            has.add(anc)
    return has


def is_data_table(tbl, has_block) -> bool:
    rows = table_rows(tbl)
    if not rows:
        return False
    maxcells = 0
    for r in rows:
        cells = [c for c in r if c.tag in ("td", "th")]
        maxcells = max(maxcells, len(cells))
        for c in cells:
            if c in has_block:
                if next(c.iter("table"), None) is not None:
                    return False
                nblk = sum(1 for x in c.iter("p", "div", "li", "h1", "h2", "h3", "h4", "ul", "ol"))
                if nblk > 3:
                    return False
            n = 0
            for t in c.itertext():
                n += len(t)
            if n > DATA_TABLE_MAX_CELL * 2:
                return False
    return maxcells >= 2


def _has_content(nodes, head_text) -> bool:
    if head_text and head_text.strip():
        return True
    for n in nodes:
        if n.tail and n.tail.strip():
            return True
        if n.tag == "img":
            return True
        for t in n.itertext():
            if t.strip():
                return True
        if next(n.iter("img"), None) is not None:
            return True
    return False


_LINE_HINT_RE = re.compile(r"title|tieude|tieu-de|tieu_de|date|ngay|time|summary|sapo|lead|tomtat|tom-tat|trichyeu|"
                           r"author|tacgia|tac-gia|luotxem|view|hits", re.I)


def _labelled_lines(run) -> bool:
    """A run of inline elements separated by <br> of which at least two carry a title/date/lead/author class."""
    brs = 0
    hinted = 0
    for n in run:
        if not isinstance(n.tag, str):
            continue
        if n.tag == "br":
            brs += 1
        elif n.tag in ("span", "font", "b", "strong", "em", "i", "label", "a", "small") and _LINE_HINT_RE.search(attr_str(n)):
            hinted += 1
    return brs >= 1 and hinted >= 2


def _wrap_runs(el, is_blockish, split_br: bool, deferred: list | None = None) -> bool:
    """Wrap inline runs of a mixed container into synthetic <p> (and split at <br><br>)."""
    children = list(el)
    changed = False
    head = el.text
    el.text = None
    run: list = []

    def flush(before, text):
        nonlocal changed
        if not run and not (text and text.strip()):
            return
        if split_br and len(run) == 1 and not (text or "").strip() and isinstance(run[0].tag, str) and \
                run[0].tag != "p" and not (run[0].tail or "").strip() and _double_br(run[0]):
            # an inline element that is itself paragraphs (<span id=lblContent>a<br><br>b</span>): no wrapper,
            # it is normalised on its own
            if deferred is not None:
                deferred.append(run[0])
            run.clear()  # the whitespace before it is dropped
            return
        if split_br and len(run) >= 3 and _labelled_lines(run):
            # "<span class=title>…</span><br><span class=date>…</span><br><span class=summary>…</span>":
            # each labelled line is a block of its own
            segs = []
            cur_text, cur = text, []
            for n in run:
                if n.tag == "br":
                    segs.append((cur_text, cur))
                    cur_text, cur = n.tail, []
                    n.tail = None
                    el.remove(n)
                else:
                    cur.append(n)
            segs.append((cur_text, cur))
            run.clear()
            for t, nodes in segs:
                if not _has_content(nodes, t):
                    continue
                if not (t or "").strip() and len(nodes) == 1 and nodes[0].tag not in ("p",) and \
                        not (nodes[0].tail or "").strip() and _double_br(nodes[0]):
                    # a labelled line that is itself paragraphs (<span id=lblContent>a<br><br>b</span>)
                    n = nodes[0]
                    el.remove(n)
                    if before is not None:
                        before.addprevious(n)
                    else:
                        el.append(n)
                    if deferred is not None:
                        deferred.append(n)
                    changed = True
                    continue
                w = etree.SubElement(el, "p")
                w.set("data-x-anon", "1")
                if before is not None:
                    before.addprevious(w)
                w.text = t
                for n in nodes:
                    w.append(n)
                changed = True
            return
        if _has_content(run, text):
            w = etree.SubElement(el, "p")
            w.set("data-x-anon", "1")
            if before is not None:
                before.addprevious(w)
            w.text = text
            for n in run:
                w.append(n)
            changed = True
        else:
            # whitespace-only run: keep text as tail of previous sibling / parent text
            if text:
                if before is not None:
                    prev = before.getprevious()
                    if prev is not None:
                        prev.tail = (prev.tail or "") + text
                    else:
                        el.text = (el.text or "") + text
                else:
                    el.text = (el.text or "") + text
        run.clear()

    i = 0
    pending = head
    n = len(children)
    while i < n:
        ch = children[i]
        if isinstance(ch.tag, str) and is_blockish(ch):
            flush(ch, pending)
            pending = ch.tail
            ch.tail = None
        elif split_br and ch.tag == "br" and i + 1 < n and children[i + 1].tag == "br" and not (ch.tail or "").strip():
            # paragraph break
            nxt = children[i + 1]
            flush(ch, pending)
            pending = nxt.tail
            nxt.tail = None
            ch.tail = None
            el.remove(ch)
            el.remove(nxt)
            i += 2
            # swallow further consecutive <br>
            while i < n and children[i].tag == "br" and not (pending or "").strip():
                pending = children[i].tail
                el.remove(children[i])
                i += 1
            continue
        else:
            run.append(ch)
        i += 1
    flush(None, pending)
    return changed


def _double_br(el) -> bool:
    prev_br = False
    for ch in el:
        if ch.tag == "br":
            if prev_br:
                return True
            prev_br = not (ch.tail or "").strip()
        else:
            prev_br = False
    return False


def normalize_blocks(body) -> set:
    """Make every piece of text live in a leaf block element. Returns the has-block set."""
    has_block = _block_marks(body)

    def blockish(e):
        return e.tag in BLOCK_TAGS or e in has_block

    stack = [body]
    while stack:
        el = stack.pop()
        tag = el.tag
        if tag == "table":
            if is_data_table(el, has_block):
                continue
            for r in table_rows(el):
                for c in r:
                    if c.tag in ("td", "th"):
                        stack.append(c)
            continue
        deferred: list = []
        if el in has_block or el is body:
            _wrap_runs(el, blockish, split_br=tag not in ("p",), deferred=deferred)
            has_block.add(el)
            for ch in el:
                if isinstance(ch.tag, str) and (ch.tag in BLOCK_TAGS or ch in has_block):
                    stack.append(ch)
        elif tag not in ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre") and _double_br(el):
            if _wrap_runs(el, blockish, split_br=True, deferred=deferred):
                has_block.add(el)
                for anc in el.iterancestors():
                    has_block.add(anc)
        stack.extend(x for x in deferred if x not in stack)
    return has_block


# ------------------------------------------------------------------ blocks

KIND = {"h1": "h", "h2": "h", "h3": "h", "h4": "h", "h5": "h", "h6": "h", "li": "li", "blockquote": "quote",
        "pre": "pre", "figcaption": "caption", "caption": "p"}


def _link_len(el) -> int:
    n = 0
    if el.tag != "a" and next(el.iter("a"), None) is None:
        return 0
    for a in el.iter("a"):
        if a.get("href") is not None or a.get("onclick") is not None:
            n += len(collapse("".join(a.itertext())))
    return n


def _row_text(tr) -> str:
    cells = []
    for c in tr:
        if c.tag in ("td", "th"):
            s = collapse(text_of(c))
            if s:
                cells.append(s)
    return " | ".join(cells)


def build_blocks(body, has_block, order: dict | None = None) -> list[Block]:
    """The leaf text blocks of ``body`` in page order; ``order``: doc_order(body) when already computed."""
    out: list[Block] = []

    def leaf(el, kind):
        if kind == "row":
            imgs = list(el.iter("img"))
            text = _row_text(el)
        elif len(el):
            imgs = list(el.iter("img"))
            text = collapse("".join(el.itertext()))
        else:  # (a leaf of text alone, the common paragraph: no iteration)
            imgs = [el] if el.tag == "img" else []
            text = collapse(el.text)
        if not text and not imgs:
            return
        out.append(Block(el, kind, text, _link_len(el) if text else 0, imgs))

    def walk(el):
        for ch in el:
            t = ch.tag
            if not isinstance(t, str):
                continue
            if t == "table":
                if is_data_table(ch, has_block):
                    for r in table_rows(ch):
                        leaf(r, "row")
                else:
                    for r in table_rows(ch):
                        for c in r:
                            if c.tag in ("td", "th"):
                                if c in has_block:
                                    walk(c)
                                else:
                                    leaf(c, "p")
                    cap = next((c for c in ch if c.tag == "caption"), None)
                    if cap is not None:
                        leaf(cap, "p")
            elif ch in has_block:
                walk(ch)
            elif t in BLOCK_TAGS:
                if t not in ("hr",):
                    leaf(ch, KIND.get(t, "p"))
            elif t == "img":
                leaf(ch, "p")
    if body in has_block:
        walk(body)
    else:
        leaf(body, "p")
    if order is None:
        order = doc_order(body)
    for i, b in enumerate(out):
        b.idx = i
        b.pos = order.get(b.el, 0)
    return out


def doc_order(body) -> dict:
    return {e: i for i, e in enumerate(body.iter())}


def subtree_end(el, order) -> int:
    """The document position of the last node of ``el``'s subtree (``el.iter()``'s last, found by following
    last children instead of walking the whole subtree)."""
    last = el
    while len(last):
        last = last[-1]
    return order.get(last, order.get(el, 0))


# ------------------------------------------------------------------ scoring

def _hint(el) -> float:
    a = attr_str(el)
    return _hint_of(a) if a else 1.0


@lru_cache(maxsize=8192)
def _hint_of(a: str) -> float:
    f = 1.0
    if _POS_HINT_RE.search(a):
        f *= 1.3
    if _NEG_HINT_RE.search(a):
        f *= 0.5
    return f


def block_weight(b: Block) -> float:
    if b.kind == "h" or b.kind == "row" and b.tlen < 25:
        return 0.0
    if b.tlen < 20:
        return 0.0
    if b.ld > 0.5:
        return 0.0
    nonlink = b.tlen - b.llen
    return 1.0 + min(nonlink, 1500) / 60.0 + b.text.count(",") * 0.5


def score_containers(blocks, after_pos: int = -1):
    """Readability-style container scores from the blocks after ``after_pos``; the text and link text
    lengths of the blocks under each of their ancestors."""
    score: dict = {}
    total: dict = {}   # (a block's lengths go to its parent; the parents' sums climb once, below)
    links: dict = {}
    parent: dict = {}  # every ancestor of a block -> its parent (None: the root)
    by_depth: list = []  # by_depth[d]: the ancestors with d ancestors of their own
    for b in blocks:
        if b.pos <= after_pos:
            continue
        anc = b.anc
        if anc is None:
            anc = b.anc = list(b.el.iterancestors())
        if anc:
            a0 = anc[0]
            total[a0] = total.get(a0, 0) + b.tlen
            links[a0] = links.get(a0, 0) + b.llen
            n = len(anc)
            for i, x in enumerate(anc):  # up to the first ancestor another block registered
                if x in parent:
                    break
                parent[x] = anc[i + 1] if i + 1 < n else None
                d = n - 1 - i
                while len(by_depth) <= d:
                    by_depth.append([])
                by_depth[d].append(x)
        w = block_weight(b)
        if w:
            level = 0
            for x in anc:
                t = x.tag
                if t in NEVER_CONTAINER or t == "html":
                    continue
                level += 1
                score[x] = score.get(x, 0.0) + w / level
                if level == 5:
                    break
    # each ancestor's sums: its own blocks' and its children's (deepest first: integers, in any order exact)
    for level_nodes in reversed(by_depth):
        for x in level_nodes:
            p = parent[x]
            if p is not None:
                t = total.get(x, 0)
                if t or x in total:
                    total[p] = total.get(p, 0) + t
                    links[p] = links.get(p, 0) + links.get(x, 0)
    res = {}
    for el, s in score.items():
        tt = total.get(el, 0)
        ld = links.get(el, 0) / tt if tt else 0.0
        res[el] = s * (1.0 - ld) * _hint(el)
    return res, total, links


def merge_siblings(C, scores, totals, links):
    """Readability-style: when the best container's adjacent siblings also hold article text
    (content split over several wrappers), take the parent instead."""
    if C is None or C.tag in ("td", "th", "body", "html"):
        return C
    P = C.getparent()
    if P is None or P.tag in ("body", "html", "tr", "tbody", "table"):
        return C
    sc = scores.get(C, 0.0)
    if sc <= 0:
        return C
    kids = [k for k in P if isinstance(k.tag, str) and (totals.get(k, 0) > 0 or k is C)]
    try:
        i = kids.index(C)
    except ValueError:
        return C
    for j in (i - 1, i + 1):
        if 0 <= j < len(kids):
            k = kids[j]
            tk = totals.get(k, 0)
            if tk and scores.get(k, 0.0) >= max(0.2 * sc, 3.0) and links.get(k, 0) / tk < 0.3:
                return P
    return C


def best_container(scores):
    best = None
    bs = 0.0
    for el, s in scores.items():
        if s > bs:
            best, bs = el, s
    return best, bs


# ------------------------------------------------------------------ title heading

_HEADING_DATE_TAIL_RE = re.compile(
    r"[\(\[]\s*(?:[^()\[\]]{0,20}?)\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}[^()\[\]]{0,24}[\)\]]\s*$"
)
_TITLE_SEP_RE = re.compile(r"\s+(?:[-|–—:»]|::)\s+")
SITE_SEG_RE = re.compile(
    r"^(?:cổng\s+thông\s+tin|cổng\s+giao\s+tiếp|cổng\s+ttđt|cổng\s+tt|cổng\s+dịch\s+vụ|báo\s+chính\s+phủ|trang\s+thông\s+tin|trang\s+tin|website|web\s+portal|portal|"
    r"ubnd|ủy\s+ban|uỷ\s+ban|trang\s+chủ|home\b|sở\s|bộ\s|báo\s+điện\s+tử)|\.gov\.vn|\.vn$|\.com$",
    re.I,
)


def strip_title_date(s: str) -> str:
    """Remove a trailing '(dd/MM/yyyy hh:mm AM)' from a heading ('' if nothing else remains)."""
    return _HEADING_DATE_TAIL_RE.sub("", s).rstrip(" -–—|,:")


def clean_title_tag(s: str | None) -> str | None:
    """'Title - Cổng thông tin điện tử …' -> 'Title'."""
    s = collapse(s)
    if not s:
        return None
    parts = _TITLE_SEP_RE.split(s)
    if len(parts) > 1:
        keep = [p for p in parts if not SITE_SEG_RE.search(p.strip())]
        if keep and len(keep) < len(parts):
            # rebuild with the separator found in the original between kept parts
            if len(keep) == 1:
                s = keep[0]
            else:
                s = " - ".join(keep)
    s = halve_repeated(s)
    # "Title | Quỳnh Lưu", "Title :: Sở GTVT": a trailing short proper name (every word capitalised) is the site
    parts = _TITLE_SITE_SEP_RE.split(s)
    if len(parts) == 2 and _PROPER_NAME_RE.match(parts[1].strip()) and word_count(parts[0]) >= 5 and \
            word_count(parts[1]) <= 4:
        s = parts[0].strip()
    return strip_title_date(s) or s or None


_TITLE_SITE_SEP_RE = re.compile(r"\s+(?:[|»]|::)\s+(?=[^|»:]*$)")
_PROPER_NAME_RE = re.compile(r"^(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ.&]*)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ.&]*){0,3}$")


_NON_WORD_RE = re.compile(r"[\W_]+")


@lru_cache(maxsize=512)
def _norm_cmp(s: str) -> str:
    return _NON_WORD_RE.sub(" ", s.lower()).strip()


def norm_cmp(s: str) -> str:
    return _norm_cmp(s) if s else ""


class TitleCand:
    __slots__ = ("el", "text", "score", "has_date", "raw")

    def __init__(self, el, raw, text, score, has_date):
        self.el, self.raw, self.text, self.score, self.has_date = el, raw, text, score, has_date


_DATE_ONLY_RE = re.compile(r"^[\s(\[]*(?:[^\d]{0,25})?\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}[^()\[\]]{0,24}[)\]]?\s*$")
_LEADISH_RE = re.compile(r"sapo|summary|(?:^|[\s_-])lead|tomtat|tom-tat|intro|teaser|abstract|chapeau|description|mota", re.I)


_TITLE_ATTR_RE = re.compile(r"title|tieude|tieu-de|headline", re.I)
_NUM_DATE_RE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
_TEXT_WITH_SLASH = etree.XPath("//text()[contains(., '/')]")
_TEXT_OF_LENGTH = etree.XPath(".//text()[string-length(.) >= $lo and string-length(.) <= $hi]")
_HEADING_SCORE = {"h1": 20, "h2": 14, "h3": 10, "h4": 6, "h5": 3, "h6": 3}


def title_candidates(els, refs: list[str], chrome_set: set, penalize_texts: set, adjacent_date=frozenset(),
                     base_bonus=None, is_self_link=None) -> list[TitleCand]:
    refn = [norm_cmp(r) for r in refs if r]
    out = []
    seen = set()
    for el in els:
        if el in seen or el.getparent() is None:
            continue
        seen.add(el)
        raw = collapse(text_of(el))
        if not raw or len(raw) > 500:
            continue
        has_date = bool(_HEADING_DATE_TAIL_RE.search(raw))
        text = halve_repeated(strip_title_date(raw)) if has_date else halve_repeated(raw)
        if len(text) < 4 or _DATE_ONLY_RE.match(text):
            continue
        if el in adjacent_date:
            has_date = True
        wc = word_count(text)
        sc = 0.0
        tag = el.tag
        sc += _HEADING_SCORE.get(tag, 0)
        a = attr_str(el)
        if a and _TITLE_ATTR_RE.search(a):
            sc += 10
        if has_date:
            sc += 45
        nt = norm_cmp(text)
        best_ref = 0
        for r in refn:
            if not r or not nt:
                continue
            if nt == r:
                best_ref = max(best_ref, 50)
            elif len(nt) >= 12 and (r.startswith(nt) or nt in r) and len(nt) >= 0.5 * len(r):
                best_ref = max(best_ref, 35)
            elif len(r) >= 12 and r in nt:
                best_ref = max(best_ref, 25)
        sc += best_ref
        sc += min(wc, 15)
        if base_bonus and el in base_bonus:
            sc += base_bonus[el]
        if wc < 3:
            sc -= 25
        if wc > 28:
            sc -= (wc - 28)
        if text.endswith(".") and not text.endswith("..."):
            sc -= 15
        if a and _LEADISH_RE.search(a):
            sc -= 30
        if len(text) > 300:
            sc -= 30
        if nt in penalize_texts:
            sc -= 35
        anc_chrome = el in chrome_set
        link_el = el if el.tag == "a" else None
        for anc in el.iterancestors():
            if anc in chrome_set:
                anc_chrome = True
            if anc.tag == "a" and link_el is None:
                link_el = anc
        if link_el is None:
            links = list(el.iter("a"))
            if links and sum(len(collapse("".join(x.itertext()))) for x in links) >= 0.8 * len(raw):
                link_el = links[0]
        in_link = link_el is not None and not (is_self_link is not None and is_self_link(link_el))
        if anc_chrome:
            sc -= 40
        if in_link:
            sc -= 25
        out.append(TitleCand(el, raw, text, sc, has_date))
    return out


def dated_heading_elements(root, adjacent: set | None = None) -> list:
    """Elements whose text ends with '(dd/MM/yyyy …)' — the portal's article heading pattern.

    When the date stands alone right after a short line (``<b>Title</b><br>(date)``), that line is
    returned too and recorded in ``adjacent``."""
    res = []
    # only an element whose own text or a child's tail holds a "/" can hold a numeric date
    owners = {}
    for t in _TEXT_WITH_SLASH(root):
        o = t.getparent()
        if o is not None and t.is_tail:
            o = o.getparent()
        if o is not None and o not in owners:
            key = _path_in(o, root)
            if key is not None:
                owners[o] = key
    for el in sorted(owners, key=owners.get):  # in page order
        if el.tag in ("script", "style", "a", "li", "body", "html"):
            continue
        t = el.text
        tails = "".join(c.tail or "" for c in el)
        own = (t or "") + tails
        if not _NUM_DATE_RE.search(own):
            continue
        cur = el
        for _ in range(3):
            raw = collapse(text_of(cur))
            if len(raw) > 500:
                break
            if _HEADING_DATE_TAIL_RE.search(raw):
                before = strip_title_date(raw)
                if word_count(before) >= 3:
                    res.append(cur)
                    break
                if not before and adjacent is not None:
                    prev = cur.getprevious()
                    while prev is not None and prev.tag == "br":
                        prev = prev.getprevious()
                    if prev is not None and isinstance(prev.tag, str) and not (prev.tail or "").strip():
                        pt = collapse(text_of(prev))
                        if 3 <= word_count(pt) <= 60 and len(pt) <= 400:
                            res.append(prev)
                            adjacent.add(prev)
                            break
            p = cur.getparent()
            if p is None or p.tag in ("body", "html"):
                break
            cur = p
    return res


def _path_in(el, root) -> list | None:
    """The child indexes from ``root`` down to ``el`` (its page order as a sort key); None outside ``root``."""
    path = []
    while el is not root:
        p = el.getparent()
        if p is None:
            return None
        path.append(p.index(el))
        el = p
    path.reverse()
    return path


def ref_title_elements(root, refs: list[str]) -> list:
    """Visible elements whose own text equals a reference title (<title>, og:title)."""
    refset = {norm_cmp(r) for r in refs if r and len(r) >= 8}
    if not refset:
        return []
    res = []
    lo = min(len(r) for r in refset) * 0.8
    hi = max(len(r) for r in refset) * 1.5 + 10
    for t in _TEXT_OF_LENGTH(root, lo=lo, hi=hi):  # in page order: an element's own text opens it
        if not t.is_text:
            continue
        el = t.getparent()
        if el.tag in ("title", "a", "option", "script", "style"):
            continue
        t = str(t)  # (a plain string: the cache must not keep the tree alive)
        if norm_cmp(t) in refset:
            cur = el
            # climb to the outermost element with the same text (e.g. <font><b>Title</b></font>)
            for _ in range(3):
                p = cur.getparent()
                if p is None or p.tag in ("body", "html") or norm_cmp(text_of(p)) != norm_cmp(t):
                    break
                cur = p
            res.append(cur)
    return res
