"""Lists of items on a page: the dominant list of item links, containers of item links, teasers (linked
item titles with a summary or a "Xem tiếp" link), news lists (dated linked titles), a listing's title."""
from __future__ import annotations

import re

from .chrome import short_text
from .dates import match_date
from .generic import PROSE_PARAGRAPH
from .dom import attr_str, is_ancestor, lca, link_text_len, resolve, text_content
from .text import clean_text, collapse, word_count


_LIST_HINT_RE = re.compile(r"list_?news|list-news|news-?list|listnews|category|danhsach|danh-sach|"
                           r"list_?item|news-items|tin-?list", re.I)


MORE_LINK_RE = re.compile(r"^(?:xem\s+(?:toàn\s+bộ|tất\s+cả|thêm|tiếp|chi\s+tiết)|chi\s+tiết|đọc\s+tiếp|"
                           r"read\s+more|more)\b", re.I)


def is_item_link(a, text: str | None = None) -> bool:
    """A link to an item page: a real target and a title-like text (20-300 characters, 4 words or more, not a
    "Xem tiếp" link). ``text``: the link's text_content when the caller has it already."""
    href = (a.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return False
    t = collapse(text_content(a) if text is None else text)
    return 20 <= len(t) <= 300 and word_count(t) >= 4 and not MORE_LINK_RE.match(t)


def dominant_list(page, cache=None):
    """(list, its items, the page's item links, a list class hint, items in lists of 3+); ``cache``: link ->
    is_item_link, read where it holds the link and filled."""
    item_links = []
    for a in page.iter("a"):
        if cache is not None and a in cache:
            if cache[a]:
                item_links.append(a)
            continue
        ok = is_item_link(a)
        if cache is not None:
            cache[a] = ok
        if ok:
            item_links.append(a)
    if not item_links:
        return None, 0, 0, False, 0
    count = {}
    ancs = {}
    for a in item_links:
        al = list(a.iterancestors())
        ancs[a] = al
        for x in al:
            count[x] = count.get(x, 0) + 1
    cont = {}
    for a in item_links:
        for x in ancs[a]:
            if count[x] >= 2:
                cont[x] = cont.get(x, 0) + 1
                break
    if not cont:
        return None, 0, len(item_links), False, 0
    n = max(cont.values())
    tied = [x for x, v in cont.items() if v == n]
    if len(tied) > 1:
        # a tie (a navigation bar and the last page of a listing, 3 links each): the list whose items
        # carry text besides their links (dates, summaries)
        def own_text(x):
            t = short_text(x, 20000)
            return (len(t) if t is not None else 20000) - link_text_len(x)
        lst = max(tied, key=own_text)
    else:
        lst = tied[0]
    in_lists = sum(v for v in cont.values() if v >= 3)
    hint = False
    cur = lst
    for _ in range(3):
        if cur is None:
            break
        if _LIST_HINT_RE.search(attr_str(cur)):
            hint = True
            break
        cur = cur.getparent()
    return lst, n, len(item_links), hint, in_lists


def item_lists(page, cache) -> dict:
    """Containers of item links (the nearest ancestor holding >= 2 of them) -> number of items."""
    count: dict = {}
    ancs = {}
    for a in page.iter("a"):
        if not cache.get(a):
            continue
        al = list(a.iterancestors())
        ancs[a] = al
        for x in al:
            count[x] = count.get(x, 0) + 1
    cont: dict = {}
    for a, al in ancs.items():
        for x in al:
            if count[x] >= 2:
                cont[x] = cont.get(x, 0) + 1
                break
    return cont


def _heading_link(b):
    """The link of a block that is a linked item title (an h2-h6/bold line that is all one link), else None."""
    if b.kind not in ("h", "p") or b.tlen < 15 or b.llen < 0.8 * b.tlen or word_count(b.text) < 4:
        return None
    if b.kind == "p" and not b.bold():
        return None
    links = [a for a in b.el.iter("a") if a.get("href")]
    if len(links) != 1 and len({a.get("href") for a in links}) != 1:
        return None
    return links[0]


_INLINE_REL_RE = re.compile(r"^(?:xem\s+thêm|đọc\s+thêm|tin\s+liên\s+quan|bài\s+liên\s+quan|>>|»)", re.I)


def first_teaser_index(region, H_el, base, is_self_link, more_hrefs=frozenset()):
    """Index in ``region`` of the first item teaser when the region holds teasers: linked titles of other pages,
    each followed by a summary line, at least two of them, or one whose "Xem tiếp / Đọc thêm / Chi tiết" link
    goes to the same page; else None."""
    heads = {}
    n_with_summary = 0
    for i, b in enumerate(region):
        if H_el is not None and (b.el is H_el or is_ancestor(b.el, H_el)):
            continue
        a = _heading_link(b)
        if a is None or is_self_link(a) or MORE_LINK_RE.match(b.text) or _INLINE_REL_RE.match(b.text):
            continue
        u = resolve(base, a.get("href"))
        if not u or u in heads:
            continue
        heads[u] = b
        nxt = next((x for x in region[i + 1:i + 4] if x.tlen >= 40 and x.ld < 0.3), None)
        if nxt is not None:
            n_with_summary += 1
    if not heads:
        return None
    first = min(region.index(b) for b in heads.values())
    if n_with_summary >= 2:
        return first
    if any(u in more_hrefs for u in heads):
        return first
    for b in region:
        if b.llen and b.tlen <= 40 and MORE_LINK_RE.match(b.text):
            for a in b.el.iter("a"):
                if resolve(base, a.get("href")) in heads:
                    return first
    return None


def is_news_list(lst, blocks) -> bool:
    """The content is a news list and nothing else, as a portal's category pages print them ("Title
    (03/06/2017) summary"): each of the two or more items of ``lst`` is one linked item title (one target,
    see :func:`is_item_link`) with a date, and none of the page's ``blocks`` outside the list is a prose
    paragraph as :func:`generic.article_shaped` counts one (not mostly link text): no article text is left
    for the fallback to find."""
    items = [child for child in lst if isinstance(child.tag, str)] if lst is not None else []
    if len(items) < 2:
        return False
    for item in items:
        links = [a for a in item.iter("a") if a.get("href")]
        if not links or len({a.get("href") for a in links}) != 1 or not any(is_item_link(a) for a in links):
            return False
        if match_date(collapse(text_content(item))) is None:
            return False
    return not any(b.tlen >= PROSE_PARAGRAPH and b.ld < 0.5 and word_count(b.text) >= 8 and not is_ancestor(lst, b.el)
                   for b in blocks)


def teaser_container(region, H_el):
    els = [b.el for b in region if _heading_link(b) is not None]
    if not els:
        return None
    c = els[0]
    for e in els[1:]:
        x = lca(c, e)
        if x is not None:
            c = x
    return c.getparent() if len(els) == 1 and c.getparent() is not None else c


def listing_title(lst, page, heading_title, section, title_tag):
    if lst is not None and is_ancestor(page, lst):  # (not a list removed as chrome: a sidebar's newest items)
        # nearest heading before the list
        prev = lst.xpath("preceding::*[self::h1 or self::h2 or self::h3 or self::h4][1]")
        if prev:
            t = clean_text(text_content(prev[0]))
            if t and len(t) <= 120:
                return t
    return section or title_tag or heading_title
