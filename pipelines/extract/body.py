"""The body region: the blocks after the heading within the content container (and the lines right after
it), the filtering of its lines (stoppers, action/pager lines, the title again, date/byline/meta lines on
top), block text, and the items of the body HTML."""
from __future__ import annotations

import re
from functools import lru_cache

from . import authors as A
from .chrome import is_action_text, is_footer_text, is_pager_text, is_related_heading
from .dates import DATE_LABEL_RE, find_date_span
from .dom import is_ancestor, lca
from .locate import norm_cmp, strip_title_date, subtree_end
from .text import clean_text, collapse, halve_repeated, strip_chrome_literals, word_count


_STOPPER_RE = re.compile(
    r"^(?:từ\s+khóa|từ\s+khoá|tags?|thẻ|ý\s+kiến\s+bạn\s+đọc|gửi\s+ý\s+kiến|ý\s+kiến\s+của\s+bạn|"
    r"bình\s+luận|viết\s+bình\s+luận|đánh\s+giá\s+bài\s+viết|ý\s+kiến\s+phản\s+hồi|chia\s+sẻ\s+bài\s+viết)\b",
    re.I,
)
WIDGET_LINE_RE = re.compile(
    r"^(?:l[ưu][ợo]t\s+(?:xem|đọc|truy\s+cập)|số\s+lượt\s+xem|cỡ\s+chữ|font\s*size|kích\s+thước\s+chữ|"
    r"đánh\s+giá|views?|lượt\s+thích|chia\s+sẻ|share)\b",
    re.I,
)
META_LABEL_RE = re.compile(
    r"^(?:chuyên\s+mục|danh\s+mục|chủ\s+đề|lĩnh\s+vực|thể\s+loại|category|chi\s+tiết|viết\s+bởi|"
    r"đăng\s+bởi|người\s+đăng|written\s+by|posted\s+by|từ\s+khóa|tags?)\b",
    re.I,
)
_TOP_AUTHOR_RE = re.compile(r"^(?:tác\s+giả|người\s+viết|(?:bài|tin)\s*(?:,|và|/)\s*ảnh|author|by)\s*[:：]\s*(.+)$",
                            re.I)


def block_text(b) -> str:
    return _clean_block_text(b.text)


@lru_cache(maxsize=512)
def _clean_block_text(text: str) -> str:
    return clean_text(strip_chrome_literals(text))


def join_blocks(blocks) -> str:
    """Blocks' text, whitespace-collapsed, empty ones dropped, joined by a blank line."""
    return "\n\n".join(x for x in "\n\n".join(block_text(b) for b in blocks).split("\n\n") if x)


def find_body_region(blocks, H_el, h_end, C, order):
    if not blocks:
        return []
    if C is None:
        if H_el is None:
            return []
        return [b for b in blocks if b.pos > h_end][:50]
    c_start = order.get(C, 0)
    c_end = subtree_end(C, order)
    if H_el is not None:
        first = next((i for i, b in enumerate(blocks) if b.pos > h_end), None)
    else:
        first = next((i for i, b in enumerate(blocks) if c_start <= b.pos <= c_end), None)
    if first is None:
        return []
    last = None
    for i in range(len(blocks) - 1, -1, -1):
        if c_start <= blocks[i].pos <= c_end:
            last = i
            break
    if last is None or last < first:
        last = first
    if H_el is None:
        # no heading: a lead/date right before the container belongs to the article
        par = C.getparent()
        if par is not None and par.tag not in ("body", "html") and first > 0 and \
                blocks[first - 1].pos < order.get(par, 0) and par.getparent() is not None:
            par = par.getparent()  # the container is wrapped alone (div#contentBody > div.WordSection1)
        if par is not None and par.tag not in ("body", "html"):
            p_start = order.get(par, 0)
            n = 0
            while first > 0 and n < 4:
                b = blocks[first - 1]
                if b.pos < p_start or (b.ld > 0.5 and b.tlen > 0):
                    break
                first -= 1
                n += 1
    region = blocks[first:last + 1]
    # forward extension: author/source lines or more body right after the container
    ext = lca(H_el, C) if H_el is not None else C.getparent()
    if ext is None:
        ext = C.getparent()
    gp = C.getparent()
    if gp is not None and gp.getparent() is not None:
        gp = gp.getparent()
    if ext is not None and gp is not None and is_ancestor(ext, gp) and ext is not gp:
        ext = gp
    if ext is not None:
        ext_end = subtree_end(ext, order)
        n = 0
        for b in blocks[last + 1:]:
            if b.pos > ext_end or n >= 12:
                break
            t = b.text
            if (b.ld > 0.5 and b.tlen > 0) or (len(t) <= 80 and (_STOPPER_RE.match(t) or is_related_heading(t))) or (
                    len(t) < 400 and is_footer_text(t)):
                break
            region.append(b)
            n += 1
    return region


def _is_linky_item(b) -> bool:
    if not b.tlen or not b.llen:
        return False
    ld = b.llen / b.tlen
    if b.kind == "li":
        return ld >= 0.6
    return False


def filter_region(region, title):
    kept = []
    date_blocks = []
    top_author = None
    top_source = None
    started = False
    tnorm = norm_cmp(title) if title else None
    n = len(region)
    for i, b in enumerate(region):
        t = b.text
        if t:
            s = strip_chrome_literals(t)
            if not s and not b.imgs:
                continue
            if s != t:
                b.text = s
                b.tlen = len(s)
                t = s
        if t:
            if (is_action_text(t) and (b.llen or len(t) > 4)) or (b.llen and is_pager_text(t)):
                continue
            if len(t) <= 80 and (_STOPPER_RE.match(t) or is_related_heading(t)):
                if started:
                    break
                continue
            if started and i >= n - 3 and len(t) < 300 and is_footer_text(t):
                break
            if tnorm and len(t) <= 2.2 * len(title) + 40 and (
                    norm_cmp(t) == tnorm or norm_cmp(halve_repeated(strip_title_date(t) or t)) == tnorm):
                continue
            if _is_linky_item(b) or (b.kind != "li" and b.tlen and b.llen / b.tlen >= 0.8 and (
                    (i + 1 < n and region[i + 1].llen / max(region[i + 1].tlen, 1) >= 0.8) or
                    (kept and kept[-1].llen / max(kept[-1].tlen, 1) >= 0.8 and kept[-1].tlen > 0))):
                continue
            if not started:
                if len(t) <= 90:
                    raw, dt = find_date_span(t)
                    if raw is not None:
                        rest = collapse(t.replace(raw, " "))
                        rest = re.sub(r"(?i)l[ưu][ợo]t\s+(?:xem|đọc)\s*:?\s*\d+|cập nhật|ngày đăng|đăng lúc|ngày|"
                                      r"[|:,\-()\[\]]", " ", rest)
                        m = _TOP_AUTHOR_RE.search(collapse(rest))
                        if m and top_author is None:
                            top_author = clean_text(m.group(1)) or None
                            rest = ""
                        if len(collapse(rest)) <= 25:
                            b.role = "date"
                            date_blocks.append(b)
                            continue
                    if WIDGET_LINE_RE.match(t):
                        continue
                    m = _TOP_AUTHOR_RE.match(t)
                    if m and len(t) <= 80:
                        top_author = clean_text(m.group(1))
                        continue
                    if DATE_LABEL_RE.match(t) and any(ch.isdigit() for ch in t):
                        raw, dt = find_date_span(t, allow_fallback=True)
                        if raw is not None:
                            b.role = "date"
                            date_blocks.append(b)
                            continue
                    src = A.source_of(t)
                    if src and top_source is None and len(t) <= 80:
                        top_source = src
                        continue
                    if b.tlen < 40 and b.kind != "h" and not b.imgs and (word_count(t) <= 3 or META_LABEL_RE.match(t)) and (
                            i + 1 < n and any(x.tlen >= 40 for x in region[i + 1:i + 4])):
                        continue  # "Chi tiết", "Chuyên mục: Kinh tế", "Viết bởi …" before the first paragraph
                if b.tlen >= 25 or b.imgs:
                    started = True
        kept.append(b)
    return kept, date_blocks, top_author, top_source


def body_items(kept) -> list:
    """The body HTML items of the kept region blocks: ('figure', images) or ('block', block)."""
    items = []
    for b in kept:
        if b.role in ("author", "role", "source", "date", "drop"):
            continue
        ims = b.figure_images
        if b.role == "caption":
            if b.imgs and ims:
                items.append(("figure", ims))
            continue
        if ims and not b.text:
            items.append(("figure", ims))
            continue
        if not b.text:
            continue
        items.append(("block", b))
    return items
