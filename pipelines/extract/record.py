"""Assemble a record (article, document, album, schedule, static page; or a video list) from HTML bytes +
URL (pure function, no network). Kind detection: kinds.py."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from . import authors as A
from . import kinds as K
from .chrome import (RELATED_CLASS_RE, action_bar, climb_titlebar, decode_cloudflare_emails,
                     find_breadcrumb, is_action_text, is_footer_text, is_pager_text, is_related_heading,
                     pager_box, related_box, scan, selected_nav_text, short_text, _linky_rest)
from .clean_html import build_body_html
from .dates import DATE_LABEL_RE, find_date_span, find_published_date, to_iso
from .decode import decode_html, looks_binary
from .dom import attr_str, drop, is_ancestor, link_text_len, lca, mark_brs, parse_html, resolve, text_content, text_of
from .images import CAPTION_CLASS_RE, image_entry, image_src, is_content_image
from .locate import (_SITE_SEG_RE, best_container, build_blocks, clean_title_tag, dated_heading_elements,
                     doc_order, merge_siblings, norm_cmp, normalize_blocks, ref_title_elements, score_containers,
                     strip_title_date, subtree_end, title_candidates)
from .text import clean_text, collapse, halve_repeated, nfc, strip_chrome_literals, word_count

EXTRACTOR_VERSION = "1.2.0"

# design.md (binding): the summary is the lead only when the page has a separate lead element; without
# one it is null and the first paragraph stays in the body. Kept as a switch for other deployments.
SUMMARY_FALLBACK_FIRST_PARAGRAPH = False

# page_type: what the page is; kind: the record it holds (None for listings, video lists, other pages)
PAGE_TYPES = ("article", "document", "album", "video_list", "schedule", "page", "listing", "other")
RECORD_KINDS = ("article", "document", "album", "schedule", "page")
DOCUMENT_KEYS = ("number", "issued_on", "issued_on_raw", "effective_on", "effective_on_raw", "issuer", "signer",
                 "field", "doc_type", "attachments")
SCHEDULE_KEYS = ("week", "week_start", "entries")
KIND_KEYS = DOCUMENT_KEYS + SCHEDULE_KEYS + ("videos",)

RECORD_KEYS = ("url", "kind", "title", "published_at", "published_at_raw", "author", "author_role", "source",
               "summary", "body_text", "body_html", "images", "section", "page_type", "self_urls",
               "encoding", "extractor_version") + KIND_KEYS

_NON_HTML_CT_RE = re.compile(r"^\s*(image|audio|video|font)/|application/(pdf|zip|octet-stream|msword|"
                             r"vnd\.|x-rar|x-7z|gzip|x-shockwave)", re.I)
_DOC_START_RE = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]", re.I)
_DOC_END_RE = re.compile(r"</(?:html|body)\s*>", re.I)
_STOPPER_RE = re.compile(
    r"^(?:từ\s+khóa|từ\s+khoá|tags?|thẻ|ý\s+kiến\s+bạn\s+đọc|gửi\s+ý\s+kiến|ý\s+kiến\s+của\s+bạn|"
    r"bình\s+luận|viết\s+bình\s+luận|đánh\s+giá\s+bài\s+viết|ý\s+kiến\s+phản\s+hồi|chia\s+sẻ\s+bài\s+viết)\b",
    re.I,
)
_META_LINE_RE = re.compile(
    r"^(?:l[ưu][ợo]t\s+(?:xem|đọc|truy\s+cập)|số\s+lượt\s+xem|cỡ\s+chữ|font\s*size|kích\s+thước\s+chữ|"
    r"đánh\s+giá|views?|lượt\s+thích|chia\s+sẻ|share)\b",
    re.I,
)
_META2_RE = re.compile(
    r"^(?:chuyên\s+mục|danh\s+mục|chủ\s+đề|lĩnh\s+vực|thể\s+loại|category|chi\s+tiết|viết\s+bởi|"
    r"đăng\s+bởi|người\s+đăng|written\s+by|posted\s+by|từ\s+khóa|tags?)\b",
    re.I,
)
_TOP_AUTHOR_RE = re.compile(r"^(?:tác\s+giả|người\s+viết|author|by)\s*[:：]\s*(.+)$", re.I)
_SOFT404_RE = re.compile(
    r"không\s+tìm\s+thấy|không\s+tồn\s+tại|page\s+not\s+found|not\s+found|lỗi\s+404|error\s+404|"
    r"nội\s+dung\s+đang\s+được\s+cập\s+nhật|đang\s+cập\s+nhật\s+nội\s+dung|chưa\s+có\s+(?:dữ\s+liệu|nội\s+dung)|"
    r"không\s+có\s+(?:dữ\s+liệu|nội\s+dung)|content\s+(?:is\s+)?not\s+(?:found|available)|"
    r"could\s+not\s+be\s+found|no\s+content",
    re.I,
)
_LIST_HINT_RE = re.compile(r"list_?news|list-news|news-?list|listnews|category|danhsach|danh-sach|"
                           r"list_?item|news-items|tin-?list", re.I)
_HOME_PATH_RE = re.compile(
    r"^/(?:|index\.(?:php|html?|aspx?|jsp)|default\.aspx?|home|trang-?chu|wps/portal(?:/[^/!?]+)?/?|"
    r"wps/portal/[^/!?]+/(?:home|trang-?chu)/?|web/guest(?:/home|/trang-chu)?/?|portal/?)$",
    re.I,
)

# "/trang-chu.html", "/Trang/Default.aspx" (SharePoint), "/Pages/Home.aspx", "/vi/", "/web/guest/trang-chu",
# "/portal/page/portal/chinhphu/trangchu" (Oracle portal), "/index.php"
_HOME_PATH2_RE = re.compile(
    r"^/(?:(?:vi|vn|vi-vn|vi_vn|en|web/[^/]+|trang|pages|sites/[^/]+|portal/page/portal/[^/]+|wps/portal/[^/!?]+)/)*"
    r"(?:home(?:page)?|trang-?chu|index|default)?(?:\.(?:html?|aspx?|php|jsp))?/?$",
    re.I,
)


def empty_record(url: str | None) -> dict:
    return {
        "url": url,
        "title": None,
        "published_at": None,
        "published_at_raw": None,
        "author": None,
        "author_role": None,
        "source": None,
        "summary": None,
        "body_text": "",
        "body_html": "",
        "images": [],
        "section": None,
        "page_type": "other",
        "self_urls": [],
        "encoding": None,
        "extractor_version": EXTRACTOR_VERSION,
        "kind": None,
        **{k: None for k in KIND_KEYS},
    }


def extract_record(body: bytes, url: str, *, content_type: str | None = None,
                   captured_at: datetime | None = None) -> dict:
    """HTML bytes + URL -> record dict (see docs/design.md). Never raises."""
    rec = empty_record(url)
    try:
        _extract(rec, body, url if isinstance(url, str) else "", content_type, _as_datetime(captured_at))
    except Exception as exc:  # never raise on bad input
        enc = rec.get("encoding")
        rec = empty_record(url)
        rec["encoding"] = enc
        rec["error"] = f"extraction failed: {type(exc).__name__}: {exc}"
    return _finalize(rec)


def _as_datetime(value) -> datetime | None:
    """captured_at may come as a datetime, an ISO 8601 string or an epoch number."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        if isinstance(value, (int, float)):
            return datetime.fromtimestamp(value, tz=timezone.utc)
        if isinstance(value, str):
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _finalize(rec: dict) -> dict:
    for k, v in list(rec.items()):
        if isinstance(v, str):
            rec[k] = nfc(v)
    rec["images"] = [{k: (nfc(v) if isinstance(v, str) else v) for k, v in im.items()} for im in rec["images"]]
    rec["self_urls"] = [nfc(u) for u in rec["self_urls"]]
    for key in ("attachments", "entries", "videos"):
        if rec.get(key):
            rec[key] = [{k: (nfc(v) if isinstance(v, str) else v) for k, v in d.items()} for d in rec[key]]
    return rec


# ----------------------------------------------------------------------------- head


def _head_meta(root, url):
    meta = {}
    title_el = root.find(".//title")
    meta["title_tag"] = collapse(text_content(title_el)) if title_el is not None else None
    for m in root.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        if key and key not in meta:
            meta[key] = m.get("content")
    links = {}
    for ln in root.iter("link"):
        rel = (ln.get("rel") or "").lower().split()
        lid = ln.get("id") or ""
        href = ln.get("href")
        if not href:
            continue
        if "canonical" in rel:
            links.setdefault("canonical", href)
        if "bookmark" in rel:
            links.setdefault("bookmark", href)
            if ln.get("title"):
                meta.setdefault("bookmark_title", ln.get("title"))
        if lid == "com.ibm.lotus.NavStateUrl":
            links.setdefault("navstate", href)
    base_el = root.find(".//base[@href]")
    base = url
    if base_el is not None:
        b = resolve(url, base_el.get("href"))
        if b:
            base = b
    return meta, links, base


# ----------------------------------------------------------------------------- main


def _extract(rec, body, url, content_type, captured_at):
    if body is None:
        rec["error"] = "empty body"
        return
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, (bytes, bytearray, memoryview)):
        rec["error"] = f"unsupported body type {type(body).__name__}"
        return
    body = bytes(body)
    if not body.strip():
        rec["error"] = "empty body"
        return
    if looks_binary(body):
        rec["error"] = "binary content, not HTML"
        return
    if content_type and _NON_HTML_CT_RE.search(content_type) and b"<" not in body[:1024]:
        rec["error"] = f"non-HTML content type {content_type}"
        return
    text, enc = decode_html(body, content_type)
    rec["encoding"] = enc
    # a full document (doctype/html/body) that never closes was cut off in transfer
    truncated = bool(_DOC_START_RE.search(text[:4096])) and not _DOC_END_RE.search(text[-4096:])
    if "<" not in text:
        rec["error"] = "no HTML markup"
    try:
        root = parse_html(text)
    except ValueError as exc:
        rec["error"] = str(exc)
        return
    meta, links, base = _head_meta(root, url)
    page = root.find("body")
    if page is None:
        page = root
    now = captured_at
    # video lists: the player calls live in onclick/href/script, read before scripts are dropped
    video_list = K.find_video_list(page, base, now) if K.video_precheck(text) else None

    sc = scan(page)
    script_imgs = []  # (parent element, image URLs) of inline JS arrays (album slideshows)
    for el in sc.junk:
        if el.tag == "script" and el.text and el.getparent() is not None:
            urls = K.script_image_urls(el.text)
            if urls:
                script_imgs.append((el.getparent(), urls))
    for el in sc.junk:
        if el.getparent() is not None:
            drop(el)
    if sc.hidden:
        total = None
        for el in sc.hidden:
            if el.getparent() is None:
                continue
            if short_text(el, 3000) is None:
                # a hidden wrapper around most of the page (anti-FOUC / JS reveal): keep it
                if total is None:
                    total = len(collapse(text_of(page))) or 1
                if len(collapse(text_of(el))) > 0.5 * total:
                    continue
            drop(el)
    decode_cloudflare_emails(sc.cf)
    mark_brs(page)

    def attached(el):
        for anc in el.iterancestors():
            if anc is page:
                return True
        return el is page

    # ---- breadcrumb / navigation / pager
    crumb_el, crumbs = find_breadcrumb(sc)
    nav_sel = selected_nav_text(sc)
    pager_els = []
    for a in sc.pager_links:
        if attached(a):
            box = pager_box(a, ())
            if box is not None and box not in pager_els:
                pager_els.append(box)
    for el in sc.pager_boxes:
        if attached(el) and el not in pager_els:
            t = short_text(el, 200)
            if t and is_pager_text(t) and sum(1 for _ in el.iter("a")) >= 2:
                pager_els.append(el)
    has_pager = bool(pager_els)

    # ---- chrome marks
    page_text = collapse(text_of(page))
    page_text_len = len(page_text) or 1
    chrome = []           # elements to drop
    follow_drop = []      # related headings whose following link lists go too
    print_links = []
    for el in sc.skin:
        if attached(el):
            chrome.append(el)
    for el in sc.structural:
        if not attached(el):
            continue
        if el.tag in ("header", "footer") and any(a.tag in ("article", "main") for a in el.iterancestors()):
            t = short_text(el, 200)
            if t is None or not (_META2_RE.match(t) or (t and link_text_len(el) >= 0.7 * len(t))):
                continue  # an article's own header/footer (title, date, byline)
        t = short_text(el, int(page_text_len * 0.4) + 50)
        if t is None:  # wraps a large part of the page: not chrome
            continue
        chrome.append(el)
    for el in sc.forms:
        if attached(el) and short_text(el, 1000) is not None:
            chrome.append(el)
    skin_set = set(chrome)
    bars = set()
    for el in sc.literal_holders:
        if not attached(el):
            continue
        if any(x in skin_set or x in bars for x in el.iterancestors()):
            continue
        bar = climb_titlebar(el, ())
        bars.add(bar)
        chrome.append(bar)
    for el in sc.related_heads:
        if attached(el):
            box, follow = related_box(el, ())
            (follow_drop if follow else chrome).append(box)
    for el in sc.related_boxes:
        if attached(el):
            t = short_text(el, 4000)
            if t is not None and _linky_rest(el, None, 0):
                chrome.append(el)
    for el in sc.action_holders:
        if attached(el):
            bar = action_bar(el, ())
            chrome.append(bar)
            for a in bar.iter("a"):
                print_links.append(a)
    if crumb_el is not None:
        chrome.append(crumb_el)
    chrome.extend(pager_els)
    chrome_set = set(chrome) | set(follow_drop)
    related_set = set(follow_drop) | {b for b in chrome if b is not None and (
        RELATED_CLASS_RE.search(attr_str(b)) or next((1 for h in sc.related_heads if is_ancestor(b, h)), None))}

    # titles printed by the skin's portlet title bar, remembered with their portlet
    portlet_titles = []
    for el in sc.skin:
        cls = el.get("class") or ""
        if _PORTLET_TITLE_CLASS_RE.search(cls) and attached(el):
            t = halve_repeated(_strip_lits(collapse(text_of(el))))
            if t and word_count(t) >= 3:
                cont = next((x for x in el.iterancestors() if _PORTLET_BOX_RE.search(x.get("class") or "")), None)
                if cont is None:
                    tables = [x for x in el.iterancestors("table")]
                    cont = tables[2] if len(tables) >= 3 else (tables[-1] if tables else None)
                portlet_titles.append((t, cont))

    # ---- title candidates (before removal)
    title_tag = clean_title_tag(meta.get("title_tag"))
    og_title = clean_title_tag(meta.get("og:title") or meta.get("twitter:title"))
    refs = [r for r in (title_tag, og_title, clean_title_tag(meta.get("bookmark_title")),
                        clean_title_tag(meta.get("title")), collapse(meta.get("title_tag") or "")) if r]
    penal = {norm_cmp(c) for c in crumbs} | {norm_cmp(nav_sel)} if nav_sel else {norm_cmp(c) for c in crumbs}
    cand_els = [e for e in sc.headings + sc.titleish if attached(e)]
    adjacent = set()
    cand_els += dated_heading_elements(page, adjacent)
    cand_els += ref_title_elements(page, refs)
    self_keys = {_url_key(u) for u in (url, base, links.get("canonical"), links.get("bookmark"), meta.get("og:url"))
                 if u}

    def is_self_link(a) -> bool:
        u = resolve(base, a.get("href"))
        return bool(u) and _url_key(u) in self_keys

    cands = title_candidates(cand_els, refs, chrome_set, penal, adjacent, is_self_link=is_self_link)
    cands.sort(key=lambda c: -c.score)
    h0 = cands[0] if cands and cands[0].score >= 20 else None
    protect = set()
    if h0 is not None:
        protect.add(h0.el)
        protect.update(h0.el.iterancestors())

    # ---- print / self links (the article's own print link, not those of related items)
    more_hrefs = set()  # targets of "Xem tiếp / Đọc thêm / Chi tiết" links (teasers), before chrome goes
    for a in page.iter("a"):
        href = a.get("href") or ""
        oc = a.get("onclick") or ""
        if href and not href.startswith(("#", "javascript:")):
            at = text_content(a)
            if at and len(at) <= 60 and len(at := collapse(at)) <= 20 and _MORE_LINK_RE.match(at):
                mu = resolve(base, href)
                if mu:
                    more_hrefs.add(mu)
        if "presentationtemplate" in href.lower() or "presentationtemplate" in oc.lower() or (
                "print" in href.lower() and _PRINT_HREF_RE.search(href)):
            if len(collapse(text_content(a))) <= 40 and a not in print_links:
                print_links.append(a)

    def _own_print_link(a) -> bool:
        """The article's own print link: not inside a related list or a list item of other items."""
        for x in a.iterancestors():
            if x in related_set:
                return False
            if x.tag == "li":
                t = short_text(x, 150)
                if t is None or not is_action_text(t):
                    return False
                break
        return True

    print_links = [a for a in print_links if _own_print_link(a)]

    # lists of item links as the page showed them (a listing's list may look like a "related" box)
    link_cache: dict = {}
    pre_list = _dominant_list(page, link_cache)

    # ---- remove chrome
    for el in chrome:
        if el is None or el in protect or el.getparent() is None:
            continue
        drop(el)
    for head in follow_drop:
        if head in protect or head.getparent() is None:
            continue
        nxt = head.getnext()
        drop(head)
        while nxt is not None:
            t = short_text(nxt, 3000)
            if t is None:
                break
            if t and not _linky_rest(nxt, None, 0):
                break
            n2 = nxt.getnext()
            drop(nxt)
            nxt = n2

    # ---- blocks and containers
    has_block = normalize_blocks(page)
    blocks = build_blocks(page, has_block)
    order = doc_order(page)
    for b in blocks:
        b.pos = order.get(b.el, 0)
    scores_all, tot_all, lnk_all = score_containers(blocks)
    c_global, cg_score = best_container(scores_all)
    c_global = merge_siblings(c_global, scores_all, tot_all, lnk_all)

    # heading-like lines (bold / big font) right before or at the start of the main content
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

    # re-score the title candidates with proximity to the main content
    H = None
    if cands:
        cg_start = order.get(c_global, -1) if c_global is not None else -1
        cg_end = subtree_end(c_global, order) if c_global is not None else -1
        best = None
        for c in cands:
            if not attached(c.el):
                continue
            s = c.score
            if c_global is not None:
                hpos = order.get(c.el, 0)
                hend = subtree_end(c.el, order)
                if cg_start <= hpos <= cg_end:
                    before = sum(1 for b in blocks if cg_start <= b.pos < hpos and b.tlen >= 60 and b.ld < 0.5)
                    s += 15 if before <= 1 else -30  # a heading after body text is a sub-heading
                elif hend < cg_start:
                    between = sum(1 for b in blocks if hend < b.pos < cg_start and b.tlen >= 25 and b.ld < 0.5)
                    if between <= 3:
                        s += 20
                    elif between > 10:
                        s -= 10
                else:
                    s -= 15
            if best is None or s > best[0]:
                best = (s, c)
        if best is not None and best[0] >= 25:
            H = best[1]

    H_el = H.el if H is not None else None
    h_end = subtree_end(H_el, order) if H_el is not None else -1
    if H_el is not None:
        scores, tots, lnks = score_containers(blocks, after_pos=h_end)
        C, c_score = best_container(scores)
        C = merge_siblings(C, scores, tots, lnks)
    else:
        C, c_score = c_global, cg_score

    region = _region(blocks, H_el, h_end, C, order)
    # teasers (linked titles of other items with a summary / "Xem tiếp" link): at the top of the content they
    # make a listing; after the article's own text they are a related list, cut from the body
    teaser_list = False
    first_teaser = _teaser_items(region, H_el, base, is_self_link, more_hrefs) if region else None
    if first_teaser is not None:
        before = sum(b.tlen - b.llen for b in region[:first_teaser] if b.kind != "h" and not _is_date_line(b.text))
        if before < 150:
            teaser_list = True
        else:
            region = region[:first_teaser]

    # ---- title
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
                if (not title_tag or _SITE_SEG_RE.match(title_tag) or (tn and nt in tn)
                        or (word_count(t) >= 6 and word_count(title_tag) <= 3)):
                    title = clean_text(t)
                break
    if title and _SITE_SEG_RE.match(title) and H is None:
        site_only_title = True
    else:
        site_only_title = False

    # ---- classify region blocks
    kept, date_blocks, top_author, top_source = _filter_region(region, title)
    images, cap_blocks = _images_and_captions(kept, base)
    text_blocks = [b for b in kept if b.text and b.role is None]
    lead = _lead(text_blocks, C, H_el)
    author = role = source = None
    tail_roles = _author_tail(text_blocks)
    for b, r, val in tail_roles:
        if b is not None:
            b.role = r
        if r == "date":
            date_blocks.append(b)
        elif r == "author":
            author = val
        elif r == "role":
            role = val
        elif r == "source":
            source = val
    if author is None and top_author:
        author = top_author
    if source is None and top_source:
        source = top_source
    body_blocks = [b for b in text_blocks if b.role is None]
    body_text = "\n\n".join(_block_text(b) for b in body_blocks)
    body_text = "\n\n".join(x for x in body_text.split("\n\n") if x)
    summary = None
    if lead:
        summary = " ".join(_block_text(b) for b in lead)
    elif SUMMARY_FALLBACK_FIRST_PARAGRAPH:
        for b in body_blocks:
            if b.kind in ("p", "quote", "pre"):
                summary = _block_text(b)
                break
        if summary is None and body_blocks:
            summary = _block_text(body_blocks[0])
        if not summary:
            summary = clean_text(meta.get("description") or meta.get("og:description")) or None

    # ---- date
    # no guess from dates inside the body text: a page without a printed date is a static page
    raw, dt = find_published_date(root, heading=H_el, heading_text=H.raw if H is not None else None,
                                  content_text=None, now=now, content_el=C,
                                  extra_elements=[b.el for b in date_blocks])
    # ---- section
    section = _section(crumbs, title, meta, nav_sel)

    # ---- body html
    items = []
    for b in kept:
        if b.role in ("lead", "author", "role", "source", "date", "drop"):
            continue
        ims = b._images
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
    body_html = build_body_html(items, base) if items else ""

    # ---- self urls
    self_urls = []
    for key in ("canonical", "bookmark", "navstate"):
        if links.get(key):
            self_urls.append(resolve(base, links[key]))
    if meta.get("og:url"):
        self_urls.append(resolve(base, meta["og:url"]))
    for a in print_links:
        href = a.get("href") or ""
        cand = None
        if "presentationtemplate" in href.lower() or ("print" in href.lower() and "mail" not in href.lower()):
            cand = href
        else:
            oc = (a.get("onclick") or "") + " " + href
            m = re.search(r"['\"]([^'\"]*presentationtemplate[^'\"]*)['\"]", oc, re.I)
            if m:
                cand = m.group(1)
        if cand and not cand.lower().startswith("javascript:"):
            u = resolve(base, cand)
            if u:
                self_urls.append(u)
    seen = set()
    self_urls = [u for u in self_urls if u and not (u in seen or seen.add(u))]

    # ---- page type
    page_type = "other"
    real_body = len(body_text) >= 100 and any(b.tlen >= 60 and b.kind in ("p", "quote", "pre", "h")
                                              for b in body_blocks)
    if not real_body and H is not None and (H.has_date or dt is not None) and len(body_text) >= 30 and any(
            b.kind in ("p", "quote", "pre") for b in body_blocks):
        real_body = True  # a short announcement under a dated article heading
    if not real_body and H is not None and len(body_text) >= 150 and len(body_blocks) >= 3 and any(
            b.kind in ("p", "quote", "pre") and b.tlen >= 40 for b in body_blocks):
        real_body = True  # a short static page: an intro line and a list or table
    lst, nitems, ntotal, list_hint, in_lists = _dominant_list(page, link_cache)
    if (lst is None or nitems < 4) and pre_list[0] is not None and pre_list[1] >= 4 and not attached(pre_list[0]) \
            and any(is_ancestor(b, pre_list[0]) for b in related_set if b is not None):
        # the page's list was removed as chrome because it looked like a related box (not a menu)
        lst, nitems, ntotal, list_hint, in_lists = pre_list
    listy = False
    if lst is not None and nitems >= (2 if has_pager else 4) and region:  # a last listing page may hold 2-3 items
        rtext = sum(b.tlen for b in region) or 1
        in_list = sum(b.tlen for b in region if is_ancestor(lst, b.el))
        listy = in_list >= 0.4 * rtext
    if not listy and has_pager and region:
        # the body sits in another list of item links (the last page of a listing: 2-3 items, fewer than
        # the links of a navigation bar)
        rtext = sum(b.tlen for b in region) or 1
        for x, n in _item_lists(page, link_cache).items():
            if n >= 2 and x is not lst and sum(b.tlen for b in region if is_ancestor(x, b.el)) >= 0.6 * rtext:
                lst, nitems, listy = x, n, True
                break
    if not listy and region and teaser_list:
        # the content is a list of teasers (linked item titles with a summary and a "Xem tiếp" link),
        # e.g. a category page holding one or two items
        listy = True
        tlst = _teaser_container(region, H_el)
        if tlst is not None and (lst is None or nitems < 2):
            lst, nitems = tlst, max(nitems, 1)
    soft404 = len(body_text) < 400 and bool(_SOFT404_RE.search(body_text or ""))
    home = _is_home(url)
    if title and real_body and not listy and not soft404 and not site_only_title and not (
            H is None and (home or ntotal >= 12)):
        page_type = "article"
    elif lst is not None and nitems >= 4 and (nitems >= 0.6 * ntotal or has_pager or list_hint) and not home:
        page_type = "listing"
    elif lst is not None and nitems >= 2 and has_pager and not home:
        page_type = "listing"
    elif listy and title and real_body and not home and not soft404:
        page_type = "listing"  # teasers (see _teaser_items)
    elif lst is not None and not home and in_lists >= 6 and len([c for c in crumbs if c]) >= 2 and in_lists >= 0.6 * ntotal:
        # a parent section: several short lists of its sub-sections' items under a breadcrumb
        page_type = "listing"

    # ---- record kinds (documents, schedules, albums, video lists; static pages)
    kind_info = None
    if not truncated:
        videos = None
        if video_list is not None:
            items, cont = video_list
            # a video widget beside an article or a static page is not the page's content
            if not (page_type == "article" and C is not None and not is_ancestor(C, cont) and not is_ancestor(cont, C)):
                videos = items
        kind_info = _detect_kind(videos=videos, home=home, page=page, page_text=page_text, base=base, H=H,
                                 h_end=h_end, blocks=blocks, title=title, script_imgs=script_imgs, attached=attached,
                                 listing=page_type == "listing")
    if kind_info is not None:
        page_type = kind_info["page_type"]
    elif home and page_type in ("article", "listing"):
        page_type = "other"  # a home page: boxes of teasers, an intro block, a featured article
    elif page_type == "article" and raw is None:
        page_type = "page"  # article-like, but no publication date: a static page

    rec.update({
        "title": title or None,
        "published_at": to_iso(dt),
        "published_at_raw": raw,
        "author": author,
        "author_role": role,
        "source": source,
        "summary": summary or None,
        "body_text": body_text,
        "body_html": body_html,
        "images": images,
        "section": section,
        "page_type": page_type,
        "self_urls": self_urls,
    })
    if truncated:
        page_type = rec["page_type"] = "other"
        rec["error"] = "truncated HTML: the document has no closing </body> or </html> (partial download?)"
    if page_type not in ("article", "page"):
        rec["section"] = section = _section(crumbs, None, meta, nav_sel)
        if page_type == "listing":
            rec["title"] = _listing_title(lst, page, title if H is not None else None, section, title_tag)
        rec["body_text"] = ""
        rec["body_html"] = ""
        rec["images"] = []
        rec["summary"] = None
        rec["author"] = rec["author_role"] = rec["source"] = None
        rec["published_at"] = rec["published_at_raw"] = None
        if page_type == "other" and soft404:
            rec["title"] = title_tag or rec["title"]
    if kind_info is not None:
        if kind_info["page_type"] == "document":
            # text of the page besides the fields and the attachment list (some portals print the full text)
            fb = kind_info["_block"]
            rest = [b for b in body_blocks if not is_ancestor(fb, b.el) and b.kind != "h" and b.ld <= 0.5]
            if sum(b.tlen for b in rest) >= 200:
                kind_info["body_text"] = "\n\n".join(x for x in (_block_text(b) for b in rest) if x)
                kind_info["body_html"] = build_body_html([("block", b) for b in rest], base)
        _apply_kind(rec, kind_info, section=_section(crumbs, title, meta, nav_sel), dt=dt, raw=raw, title=title,
                    title_tag=title_tag, base=base)
    rec["kind"] = page_type if page_type in RECORD_KINDS else None


def _detect_kind(*, videos, home, page, page_text, base, H, h_end, blocks, title, script_imgs, attached, listing):
    """The record kind found by structure: {'page_type': …, kind fields…} or None (article/page/listing/other)."""
    if home:
        return None
    if videos:
        return {"page_type": "video_list", "videos": videos}
    H_el = H.el if H is not None else None
    low = page_text.lower()
    if K.document_precheck(low):
        doc = K.find_document(page, base, H_el)
        if doc is not None:
            doc["page_type"] = "document"
            return doc
    if K.schedule_precheck(low):
        stitle = halve_repeated(clean_text(H.raw)) if H is not None else None
        sch = K.find_schedule(page, stitle)
        if sch is not None:
            tbl = sch["_table"]
            if len(collapse(text_of(tbl))) >= 0.3 * len(collapse(text_of(page))):
                sch["page_type"] = "schedule"
                sch["title"] = stitle or _caption_title(tbl)
                return sch
    # a list of items with thumbnails is a listing, not an album
    alb = None if listing else _album(blocks, H_el, h_end, title, base, script_imgs, attached)
    if alb is not None:
        alb["page_type"] = "album"
        return alb
    return None


def _caption_title(tbl) -> str | None:
    cap = next((c for c in tbl if c.tag == "caption"), None)
    if cap is not None:
        t = clean_text(text_of(cap))
        if t:
            return t
    prev = tbl.xpath("preceding::*[self::h1 or self::h2 or self::h3 or self::h4][1]")
    if prev:
        return clean_text(text_of(prev[0])) or None
    return None


def _apply_kind(rec, info, *, section, dt, raw, title, title_tag, base):
    pt = info["page_type"]
    if pt == "video_list":
        rec["videos"] = info["videos"]
        rec["title"] = rec["title"] or title or section or title_tag
        return
    rec["section"] = section
    rec["title"] = title or rec["title"]
    if pt == "document":
        for k in K.DOCUMENT_FIELDS:
            rec[k] = info.get(k)
        rec["attachments"] = info.get("attachments") or []
        rec["summary"] = info.get("summary")
        rec["body_text"] = info.get("body_text") or ""
        rec["body_html"] = info.get("body_html") or ""
    elif pt == "schedule":
        rec["title"] = info.get("title") or title or title_tag
        rec["week"], rec["week_start"] = info.get("week"), info.get("week_start")
        rec["entries"] = info["entries"]
    elif pt == "album":
        rec["published_at"], rec["published_at_raw"] = to_iso(dt), raw
        rec["images"] = info["images"]
        rec["body_text"] = info.get("body_text") or ""


def _album_entry(img, base):
    if K.links_to_page(img, base):
        return None
    e = image_entry(img, base)
    if e is None:
        return None
    full = K.image_link_url(img, base)
    if full:
        e["url"] = full
    return e


def _album(blocks, H_el, h_end, title, base, script_imgs, attached):
    """An album: a titled page whose content after the title is mostly images (>= 3, little text)."""
    if H_el is None:
        return None
    js = [(par, urls) for par, urls in script_imgs if attached(par)]
    first_img = None
    n_imgs = 0
    for b in blocks:
        if b.pos <= h_end or not b.imgs:
            continue
        for img in b.imgs:
            if _album_entry(img, base) is not None:
                n_imgs += 1
                if first_img is None:
                    first_img = img
    if n_imgs < 3 and not js:
        return None  # cheap exit: most pages
    area = lca(H_el, first_img) if first_img is not None else None
    if area is None:
        for par, _urls in js:  # an album shown only by a JS slideshow array
            a = lca(H_el, par)
            if a is not None and (area is None or is_ancestor(area, a)):
                area = a
    if area is None:
        return None
    region = [b for b in blocks if b.pos > h_end and is_ancestor(area, b.el)]
    for b in region:
        b.role = None
        b._images = None
    kept, _dates, _a, _s = _filter_region(region, title)
    images, _caps = _images_and_captions(kept, base, entry=_album_entry)
    seen = {im["url"] for im in images}
    for b in region:
        for img in b.imgs:
            src = image_src(img)
            u = resolve(base, src) if src else None
            if u:
                seen.add(u)
    dummy = None
    for par, urls in js:
        if not is_ancestor(area, par):
            continue
        for u0 in urls:
            u = resolve(base, u0)
            if not u or not u.startswith(("http://", "https://")) or u in seen:
                continue
            if dummy is None:
                dummy = etree.Element("img")
            if not is_content_image(dummy, u):
                continue
            seen.add(u)
            images.append({"url": u, "caption": None, "alt": None})
    if len(images) < 3:
        return None
    text_blocks = [b for b in kept if b.text and b.role is None and not b.imgs and b.ld <= 0.5]
    text_len = sum(b.tlen for b in text_blocks)
    if text_len > max(300, 40 * len(images)):
        return None
    return {"images": images, "body_text": "\n\n".join(_block_text(b) for b in text_blocks)}


# ----------------------------------------------------------------------------- helpers


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


_PORTLET_TITLE_CLASS_RE = re.compile(
    r"(?:^|\s)(?:wpsPortletTitle|wpsPortletTitleText|wpsPortletBorderTitle|portlet-title|portlet-title-text|"
    r"lm-dynamic-title)(?:\s|$)")
_PORTLET_BOX_RE = re.compile(r"(?:^|\s)(?:wpsPortlet|portlet|portlet-boundary|wpthemeControl|component-control)(?:\s|$)")
_LIT_RE = re.compile(r"skip portlet|portlet menu|web content viewer|display (?:portlet |content )?menu|"
                     r"component action menu|\bactions\b", re.I)


def _strip_lits(s: str) -> str:
    return collapse(_LIT_RE.sub(" ", s))


def _block_text(b) -> str:
    return clean_text(strip_chrome_literals(b.text))


def _region(blocks, H_el, h_end, C, order):
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


def _filter_region(region, title):
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
                    if _META_LINE_RE.match(t):
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
                    if b.tlen < 40 and b.kind != "h" and not b.imgs and (word_count(t) <= 3 or _META2_RE.match(t)) and (
                            i + 1 < n and any(x.tlen >= 40 for x in region[i + 1:i + 4])):
                        continue  # "Chi tiết", "Chuyên mục: Kinh tế", "Viết bởi …" before the first paragraph
                if b.tlen >= 25 or b.imgs:
                    started = True
        kept.append(b)
    return kept, date_blocks, top_author, top_source


def _in_small_table(b, nb) -> bool:
    tbl = next(b.el.iterancestors("table"), None)
    if tbl is None or not is_ancestor(tbl, nb.el):
        return False
    rows = sum(1 for _ in tbl.iter("tr"))
    return rows <= 4


def _caption_hint(el) -> bool:
    cur = el
    for _ in range(3):
        if cur is None:
            return False
        if CAPTION_CLASS_RE.search(attr_str(cur)) or cur.tag == "figcaption":
            return True
        cur = cur.getparent()
    return False


def _inner_caption(b) -> bool:
    """An image block whose text is held by a caption element inside it (K2 ``span.itemImageCaption``,
    ``figcaption``, ``div.image-caption``)."""
    for x in b.el.iterdescendants():
        if not isinstance(x.tag, str):
            continue
        if x.tag == "figcaption" or CAPTION_CLASS_RE.search(attr_str(x)):
            t = collapse(text_of(x))
            return len(t) >= 0.8 * b.tlen
    return False


def _same_figure(b, nb) -> bool:
    fig = next(b.el.iterancestors("figure"), None)
    return fig is not None and is_ancestor(fig, nb.el)


def _caption_block(b, nb):
    """The block after an image-only block when it is that image's caption, else None."""
    if nb is None or not nb.text or nb.imgs or nb.role is not None:
        return None
    if (nb.kind == "caption" or _same_figure(b, nb) or _in_small_table(b, nb) or _caption_hint(nb.el)) \
            and nb.tlen <= 500:
        return nb
    if nb.tlen <= 300 and word_count(nb.text) <= 60 and (
            nb.italic() or nb.align() == "center") and not A.source_of(nb.text):
        return nb
    return None


def _images_and_captions(kept, base, entry=image_entry):
    images = []
    seen = set()
    caps = []
    n = len(kept)
    for i, b in enumerate(kept):
        if not b.imgs:
            continue
        ents = []
        repeated = False
        for img in b.imgs:
            e = entry(img, base)
            if e and e["url"] not in seen:
                seen.add(e["url"])
                ents.append(e)
            elif e:
                repeated = True
        if not ents:
            if not b.text:
                b.role = "drop"
                if repeated:  # an image shown again: its caption repeats too
                    cap = _caption_block(b, kept[i + 1] if i + 1 < n else None)
                    if cap is not None:
                        cap.role = "caption"
                        caps.append(cap)
            continue
        b._images = ents
        images.extend(ents)
        if not b.text:
            caption = _caption_block(b, kept[i + 1] if i + 1 < n else None)
            if caption is not None:
                caption.role = "caption"
                caps.append(caption)
                ct = clean_text(caption.text)
                for e in ents:
                    e["caption"] = ct
        else:
            # image and text in the same block: the text is a caption when short and styled
            if b.tlen <= 300 and (b.italic() or b.align() == "center" or _caption_hint(b.el) or
                                  _inner_caption(b)) and not A.source_of(b.text) and b.kind != "h":
                ct = clean_text(b.text)
                for e in ents:
                    e["caption"] = ct
                b.role = "caption"
                caps.append(b)
    return images, caps


_LEAD_HINT_RE = re.compile(
    r"sapo|summary|(?:^|[\s_-])lead|tomtat|tom-tat|tom_tat|(?:^|[\s_-])intro|teaser|abstract|"
    r"chapeau|trich-?dan|trichyeu|intro-?text|(?:^|[\s_-])mota|mo-ta|brief|excerpt|(?:^|[\s_-])desc(?:ription)?(?:$|[\s_-])"
    r"|news-?lead|article-?lead|short-?content|shortdesc",
    re.I,
)


def _lead(text_blocks, C, H_el):
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


def _is_date_line(t: str) -> bool:
    raw, _dt = find_date_span(t)
    if raw is None:
        return False
    rest = collapse(t.replace(raw, " "))
    rest = re.sub(r"(?i)l[ưu][ợo]t\s+(?:xem|đọc)\s*:?\s*[\d.]+|cập nhật(?: lúc)?|ngày đăng|đăng lúc|ngày|"
                  r"[|:,\-()\[\]]", " ", rest)
    return len(collapse(rest)) <= 12


def _author_tail(text_blocks):
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
        if b.tlen <= 70 and _is_date_line(t):
            tail.append((b, "date", t))  # "Ngày đăng: 03/09/2020" printed under the body
            i -= 1
            continue
        if b.tlen <= 80 and (_META2_RE.match(t) or (_META_LINE_RE.match(t) and any(ch.isdigit() for ch in t))):
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
    name = A.is_author_line(b.text, **flags(b))
    if name:
        res.append((b, "author", name))
    return res


def _section(crumbs, title, meta, nav_sel):
    items = [c for c in crumbs if c]
    if items:
        tn = norm_cmp(title) if title else ""
        while items:
            last = items[-1]
            ln = norm_cmp(last.rstrip(". …"))
            truncated = last.rstrip().endswith(("...", "…"))
            if tn and ln and (ln == tn or ln.startswith(tn) or len(last) > 90 or (
                    tn.startswith(ln) and (truncated or len(ln) >= 0.6 * len(tn)))):
                items.pop()
                continue
            break
        if items:
            s = clean_text(items[-1])
            if s and not re.match(r"(?i)^(trang\s+chủ|trang\s+nhất|trang\s+chính|home)$", s):
                return s
            return None
    sec = clean_text(meta.get("article:section") or "")
    if sec:
        return sec
    if nav_sel:
        return clean_text(nav_sel)
    return None


# the article's printable version: "?tmpl=component&print=1" (Joomla), "?print=1", "/print/", "print.aspx"
_PRINT_HREF_RE = re.compile(r"[?&;]print=(?:1|true|yes)\b|[?&]tmpl=component\b|/print/|/print\.(?:aspx?|php|html?)\b|"
                            r"[?&](?:view|layout|mode|type)=print\b", re.I)
_MORE_LINK_RE = re.compile(r"^(?:xem\s+(?:toàn\s+bộ|tất\s+cả|thêm|tiếp|chi\s+tiết)|chi\s+tiết|đọc\s+tiếp|"
                           r"read\s+more|more)\b", re.I)


def _dominant_list(page, cache=None):
    item_links = []
    for a in page.iter("a"):
        if cache is not None and a in cache:
            if cache[a]:
                item_links.append(a)
            continue
        href = (a.get("href") or "").strip()
        ok = False
        if href and not href.startswith(("#", "javascript:", "mailto:")):
            t = collapse(text_content(a))
            ok = 20 <= len(t) <= 300 and word_count(t) >= 4 and not _MORE_LINK_RE.match(t)
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


def _item_lists(page, cache) -> dict:
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


def _teaser_items(region, H_el, base, is_self_link, more_hrefs=frozenset()):
    """Index in ``region`` of the first item teaser when the region holds teasers: linked titles of other pages,
    each followed by a summary line, at least two of them, or one whose "Xem tiếp / Đọc thêm / Chi tiết" link
    goes to the same page; else None."""
    heads = {}
    n_with_summary = 0
    for i, b in enumerate(region):
        if H_el is not None and (b.el is H_el or is_ancestor(b.el, H_el)):
            continue
        a = _heading_link(b)
        if a is None or is_self_link(a) or _MORE_LINK_RE.match(b.text) or _INLINE_REL_RE.match(b.text):
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
        if b.llen and b.tlen <= 40 and _MORE_LINK_RE.match(b.text):
            for a in b.el.iter("a"):
                if resolve(base, a.get("href")) in heads:
                    return first
    return None


def _teaser_container(region, H_el):
    els = [b.el for b in region if _heading_link(b) is not None]
    if not els:
        return None
    c = els[0]
    for e in els[1:]:
        x = lca(c, e)
        if x is not None:
            c = x
    return c.getparent() if len(els) == 1 and c.getparent() is not None else c


def _listing_title(lst, page, heading_title, section, title_tag):
    if lst is not None:
        # nearest heading before the list
        prev = lst.xpath("preceding::*[self::h1 or self::h2 or self::h3 or self::h4][1]")
        if prev:
            t = clean_text(text_content(prev[0]))
            if t and len(t) <= 120:
                return t
    return section or title_tag or heading_title


def _url_key(u: str) -> str:
    u = resolve("http://x/", u) or u
    u = u.split("#", 1)[0]
    try:
        sp = urlsplit(u)
    except ValueError:
        return u
    return (sp.netloc.lower() + sp.path.rstrip("/") + ("?" + sp.query if sp.query else "")).lower()


def _is_home(url: str) -> bool:
    try:
        path = urlsplit(url).path or "/"
    except ValueError:
        return False
    if not path.startswith("/"):
        path = "/" + path
    if not (_HOME_PATH_RE.match(path) or _HOME_PATH2_RE.match(path)):
        return False
    # "/index.php?module=tintuc&id=2310", "/Default.aspx?tabid=54&ArticleID=3": a page chosen by the query
    try:
        query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    except ValueError:
        return False
    for k, v in query:
        k = k.lower()
        if k in ("lang", "language", "l", "locale", "itemid", "1dmy", "") or (k == "view" and v == "featured") or (
                k == "option" and v == "com_content"):
            continue
        return False
    return True
