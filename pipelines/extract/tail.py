"""The last lines of the body: author, author role, source (also one closing the last paragraph), a date or
meta line printed under the body."""
from __future__ import annotations

import re

from . import authors as A
from .body import META_LABEL_RE, WIDGET_LINE_RE
from .dates import find_date_span
from .dom import text_of
from .text import BR_MARK, clean_text, collapse, word_count


def _cut_text_end(el, n: int) -> None:
    """Remove the last ``n`` non-space characters of an element's text (for the body HTML)."""
    nodes = []  # (element, "text"|"tail") in document order

    def walk(e):
        if e.text:
            nodes.append((e, "text"))
        for c in e:
            if isinstance(c.tag, str):
                walk(c)
            if c.tail:
                nodes.append((c, "tail"))
    walk(el)
    for e, attr in reversed(nodes):
        if n <= 0:
            break
        v = getattr(e, attr) or ""
        i = len(v)
        while i > 0 and n > 0:
            i -= 1
            if not v[i].isspace():
                n -= 1
        setattr(e, attr, v[:i].rstrip() if i else None)


def is_date_line(t: str) -> bool:
    raw, _dt = find_date_span(t)
    if raw is None:
        return False
    rest = collapse(t.replace(raw, " "))
    rest = re.sub(r"(?i)l[ưu][ợo]t\s+(?:xem|đọc)\s*:?\s*[\d.]+|cập nhật(?: lúc)?|ngày đăng|đăng lúc|ngày|"
                  r"[|:,\-()\[\]]", " ", rest)
    return len(collapse(rest)) <= 12


def find_author_tail(text_blocks):
    """Classify the last lines of the body: [(block, 'author'|'role'|'source', value)]."""
    res = []
    n = len(text_blocks)
    if n < 2:
        return res
    i = n - 1
    tail = []
    while i >= 1 and len(tail) < 4:
        b = text_blocks[i]
        if b.role is not None:
            i -= 1
            continue
        t = clean_text(b.text)
        src = A.source_of(t)
        if src:
            tail.append((b, "source", src))
            i -= 1
            continue
        if b.kind == "p" and b.tlen >= 40 and not any(x[1] == "source" for x in tail):
            # "… nội dung cuối bài. (Theo TTXVN)": the source closes the last paragraph
            found = A.inline_source(t)
            if found is not None:
                rest, src = found
                _cut_text_end(b.el, len("".join(t[len(rest):].split())))
                if t.endswith(").") and not rest.endswith((".", "!", "?", "…", "\"", "”")):
                    rest += "."
                b.text, b.tlen = rest, len(rest)
                tail.append((b, "inline_source", src))
                break
        if b.tlen <= 70 and is_date_line(t):
            tail.append((b, "date", t))  # "Ngày đăng: 03/09/2020" printed under the body
            i -= 1
            continue
        if b.tlen <= 80 and (META_LABEL_RE.match(t) or (WIDGET_LINE_RE.match(t) and any(ch.isdigit() for ch in t))):
            tail.append((b, "drop", t))  # "Chuyên mục: Y tế", "Tags: …", "Lượt xem: 1.234" under the body
            i -= 1
            continue
        if b.kind in ("row", "li") or b.tlen > 160 or word_count(t) > 22:
            break
        tail.append((b, "?", t))
        i -= 1
        if len([x for x in tail if x[1] == "?"]) >= 2:
            break
    tail.reverse()
    unknown = [x for x in tail if x[1] == "?"]
    for b, r, v in tail:
        if r in ("source", "date", "drop"):
            res.append((b, r, v))
        elif r == "inline_source":
            res.append((None, "source", v))
    if not unknown:
        return res
    # candidates: [author] or [author, role]
    def flags(b):
        al = b.align()
        return dict(bold=b.bold(), right=(al == "right"), italic=b.italic())

    if len(unknown) == 2:
        a_b, r_b = unknown[0][0], unknown[1][0]
        fa = flags(a_b)
        name = A.is_author_line(a_b.text, **fa)
        fr = flags(r_b)
        if name and A.is_role_line(r_b.text, right=fr["right"], italic=fr["italic"], bold=fr["bold"]) and (
                fa["bold"] or fa["right"]):
            res.append((a_b, "author", name))
            res.append((r_b, "role", clean_text(r_b.text).rstrip(".")))
            return res
        # maybe only the last line is the author
        unknown = unknown[1:]
    b = unknown[-1][0]
    both = A.split_author_source(b.text)
    if both is not None and not any(r == "source" for _b, r, _v in res):
        # "Thu Hà (Theo Báo Nghệ An)": the author and the source on one line
        name = A.is_author_line(both[0], **flags(b))
        if name:
            res.append((b, "author", name))
            res.append((None, "source", both[1]))
            return res
    lines = [collapse(x) for x in text_of(b.el).split(BR_MARK)] if b.el is not None else []
    lines = [x for x in lines if x]
    if len(lines) == 2:
        # a name line and a unit line in one <br>-separated block at the end of the body
        f = flags(b)
        name = A.is_author_line(lines[0], **f)
        if name and (f["bold"] or f["right"] or f["italic"] or A.looks_like_name(name)) and A.is_role_line(
                lines[1], right=True, italic=f["italic"], bold=f["bold"]) and not A.source_of(lines[1]):
            res.append((b, "author", name))
            res.append((None, "role", clean_text(lines[1]).rstrip(".")))
            return res
    name = A.is_author_line(b.text, **flags(b))
    if name:
        res.append((b, "author", name))
    return res


def resolve_byline(text_blocks, top_author, top_source, named_author):
    """(author, role, source, date blocks) from the byline lines at the end of the body (their blocks get
    their role), a byline/source line above the body, and the markup's author field."""
    author = role = source = None
    dates = []
    for b, r, val in find_author_tail(text_blocks):
        if b is not None:
            b.role = r
        if r == "date":
            dates.append(b)
        elif r == "author":
            author = val
        elif r == "role":
            role = val
        elif r == "source":
            source = val
    if author is None and top_author:
        author = top_author
    if author is not None and not A.plausible_name(author):
        author = role = None  # "Published by", "Advertisement": a label, not a byline
    if author is not None and role is None and (split := A.split_name_unit(author)):
        author, role = split  # "Name (Unit)" on one line
    if author is None and named_author:
        author = named_author  # the markup's author field when the text prints no byline
    if source is None and top_source:
        source = top_source
    return author, role, source, dates
