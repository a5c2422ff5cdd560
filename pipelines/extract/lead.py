"""The lead (sapo): a separate element before the body (class hint, outside the body container, a bold
paragraph, a news dateline)."""
from __future__ import annotations

import re

from .dom import attr_str, is_ancestor, lca, text_of
from .text import collapse


_LEAD_HINT_RE = re.compile(
    r"sapo|summary|(?:^|[\s_-])lead|tomtat|tom-tat|tom_tat|(?:^|[\s_-])intro|teaser|abstract|"
    r"chapeau|trich-?dan|trichyeu|intro-?text|(?:^|[\s_-])mota|mo-ta|brief|excerpt|(?:^|[\s_-])desc(?:ription)?(?:$|[\s_-])"
    r"|news-?lead|article-?lead|short-?content|shortdesc",
    re.I,
)


def find_lead(text_blocks, C, H_el):
    """The lead is a separate element before the body (class hint, outside the body container,
    or a bold paragraph in its own container)."""
    if len(text_blocks) < 2:
        return None
    first = text_blocks[0]
    second = text_blocks[1]
    if first.kind not in ("p", "quote", "h") or first.tlen < 20:
        return None
    if first.kind == "h" and first.tlen < 60:
        return None
    # (a) class-hinted lead container
    lead_re = _LEAD_HINT_RE
    stop = lca(first.el, second.el)
    cur = first.el
    hinted = None
    while cur is not None and cur is not stop:
        if lead_re.search(attr_str(cur)):
            hinted = cur
        cur = cur.getparent()
    if hinted is None and first.kind == "p":
        # <p><span class="news_summary"><b>…</b></span></p>: the hint is on an inline wrapper of the whole text
        for x in first.el.iterdescendants("span", "div", "font", "em", "i", "b", "strong"):
            if lead_re.search(attr_str(x)):
                if len(collapse(text_of(x))) >= 0.9 * first.tlen:
                    hinted = first.el
                break
    if hinted is not None:
        res = [b for b in text_blocks if is_ancestor(hinted, b.el)]
        for b in res:
            b.role = "lead"
        return res
    # (b) outside the body container, right before it
    if C is not None and not is_ancestor(C, first.el) and is_ancestor(C, second.el) and first.tlen >= 30:
        first.role = "lead"
        return [first]
    # (c) bold paragraph in its own container
    if first.tlen >= 30 and first.bold():
        parent = first.el.getparent()
        if parent is not None and stop is not parent and not is_ancestor(parent, second.el):
            first.role = "lead"
            return [first]
    # (d) a news lead opened by a dateline "(Chinhphu.vn) - …", "(Cổng TTĐT Nghệ An) – …", "TTXVN – …"
    #     printed as the first paragraph of the body (a reposted article's sapo)
    if first.kind == "p" and 60 <= first.tlen <= 800 and _DATELINE_RE.match(first.text) and sum(
            1 for b in text_blocks[1:] if b.tlen >= 40) >= 2:
        first.role = "lead"
        return [first]
    # (e) the Vietnamese news convention: a wholly bold first paragraph (the sapo) ahead of plain paragraphs
    if first.kind == "p" and 60 <= first.tlen <= 800 and first.bold() and not first.text.endswith(":") and sum(
            1 for b in text_blocks[1:4] if b.kind == "p" and b.tlen >= 40 and not b.bold()) >= 2:
        first.role = "lead"
        return [first]
    return None


# "(Chinhphu.vn) - ", "(Baonghean.vn) – ", "(Cổng TTĐT Nghệ An) - ", "(TTXVN) - ", "(VOV) -"
_DATELINE_RE = re.compile(
    r"^(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ.]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ.]*){0,3}\s*)?[\(\[]\s*[^()\[\]]{2,40}?[\)\]]\s*[-–—]\s*\S"
    r"|^(?:[A-ZĐ]{2,8}|[A-ZĐ][\w]{2,20}\.vn)\s*[-–—]\s+[A-ZĐÀ-Ỹ0-9]")
