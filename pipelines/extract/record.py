"""Assemble a record (article, document, album, schedule, static page; or a video list) from HTML bytes +
URL (pure function, no network): the record keys, the entry point and the pipeline that calls the steps.

Steps: head.py (head metadata, self URLs), chrome.py (chrome marks), locate.py (title candidates, blocks,
container scoring), title.py, body.py (body region and its lines), figures.py (images, captions), lead.py,
tail.py (byline, source), section.py, listing.py + page_type.py (page type), record_kind.py + kinds.py
(record kinds)."""
from __future__ import annotations

import gc
import re
from datetime import datetime, timezone

from . import authors as A
from . import fast, generic
from .article_fields import article_fields
from . import kinds as K
from .body import META_LABEL_RE, block_text, body_items, filter_region, find_body_region, join_blocks
from .chrome import (action_bar, related_class, climb_titlebar, decode_cloudflare_emails,
                     find_breadcrumb, is_action_text, is_pager_text,
                     pager_box, related_box, scan, selected_nav_text, is_short, short_text, linky_rest)
from .clean_html import build_body_html
from .dates import VN_TZ, find_published_date
from .decode import decode_html, is_truncated, looks_binary
from .dom import (attr_str, drop, is_ancestor, link_text_len, mark_brs, page_text_of, parse_html, resolve, text_content,
                  text_of)
from .figures import images_and_captions
from .head import PRINT_HREF_RE, read_head_meta, url_key
from .head import self_urls as self_urls_of
from .lead import find_lead
from .listing import MORE_LINK_RE, dominant_list, first_teaser_index, is_item_link, is_news_list, listing_title
from .locate import (best_container, build_blocks, clean_title_tag, dated_heading_elements, doc_order,
                     merge_siblings, norm_cmp, normalize_blocks, ref_title_elements, score_containers, subtree_end,
                     title_candidates)
from .page_type import classify_page
from .record_kind import apply_kind, detect_kind
from .section import find_section
from .tail import is_date_line, resolve_byline
from .text import clean_text, collapse, halve_repeated, nfc, word_count
from .title import PORTLET_BOX_RE, PORTLET_TITLE_CLASS_RE, strip_literals, add_heading_lines, choose_title, pick_heading

EXTRACTOR_VERSION = "2.0.2"

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
    """HTML bytes + URL -> record dict (see docs/design.md). Never raises.

    The cyclic garbage collector waits while a page is extracted: the passes hold tens of thousands of young
    container objects (blocks, element proxies, the libraries' trees) for the whole call, and each
    young-generation collection (every 700 allocations) walked them again and pushed them into the older
    generations, whose full collections then walked the process's whole heap (7% of extraction on the
    generic development pages). Reference counting frees them as the call returns; the young-generation
    collection that was due then runs before returning, as it would have at the caller's next allocation.
    The collector's state is left as found (a caller that turned it off keeps it off)."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _extract_record(body, url, content_type, captured_at)
    finally:
        if paused:
            gc.enable()
            if gc.get_count()[0] > gc.get_threshold()[0]:
                gc.collect(0)


def _extract_record(body, url, content_type, captured_at) -> dict:
    if fast.enabled():
        done = fast_path_record(body, url, content_type=content_type, captured_at=captured_at)
        if done is not None:
            return done
    rec = empty_record(url)
    try:
        _extract(rec, body, url if isinstance(url, str) else "", content_type, _as_datetime(captured_at))
    except Exception as exc:  # never raise on bad input
        enc = rec.get("encoding")
        rec = empty_record(url)
        rec["encoding"] = enc
        rec["error"] = f"extraction failed: {type(exc).__name__}: {exc}"
    return _finalize(rec)


def fast_path_record(body: bytes, url: str, *, content_type: str | None = None,
                     captured_at: datetime | None = None) -> dict | None:
    """The fast path's record (fast.py) of a recognised article page, or None where it declines."""
    try:
        rec = fast.fast_record(empty_record(url), body, url, content_type, _as_datetime(captured_at))
    except Exception:  # the thorough path decides
        return None
    return _finalize(rec) if rec is not None else None


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
    # (a page whose last bytes are its footer scripts is whole: some CMS never print </body></html>)
    truncated = is_truncated(text)
    if "<" not in text:
        rec["error"] = "no HTML markup"
    src = text.encode("utf-8", "replace")  # parsed by lxml (here and in generic.Fallback), searched below
    try:
        root = parse_html(text, src)
    except ValueError as exc:
        rec["error"] = str(exc)
        return
    # one Python proxy per element, held while the passes below walk the tree: lxml then hands the same
    # proxies back instead of building new ones on every walk (~4% of extraction on generic pages)
    proxies = list(root.iter())
    meta, links, base = read_head_meta(root, url)
    page = root.find("body")
    if page is None:
        page = root
    now = captured_at
    # video lists: the player calls live in onclick/href/script, read before scripts are dropped
    # (K.video_precheck of the source as bytes, their ASCII letters lower-cased: the same test at C speed, for
    # str.lower maps no other letter to an ASCII one of these words; see video_precheck_bytes)
    video_list = K.find_video_list(page, base, now) if K.video_precheck_bytes(src.lower()) else None

    sc = scan(page)
    # the author the markup names (JSON-LD, meta, itemprop), read before scripts and chrome go
    named_author = A.markup_author(root, [el.text for el in root.iter("script")
                                          if el.text and "ld+json" in (el.get("type") or "")], source=text,
                                  scanned=(page, sc))
    # (parent element, text) of the inline scripts: the image URLs of their JS arrays (album slideshows) are
    # read only if an album is weighed (record_kind._album)
    scripts = [(el.getparent(), el.text) for el in sc.junk
               if el.tag == "script" and el.text and el.getparent() is not None]
    for el in sc.junk:
        if el.getparent() is not None:
            drop(el)
    if sc.hidden:
        total = None
        for el in sc.hidden:
            if el.getparent() is None:
                continue
            if not is_short(el, 3000):
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
    page_text = collapse(page_text_of(page))
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
            if t is None or not (META_LABEL_RE.match(t) or (t and link_text_len(el) >= 0.7 * len(t))):
                continue  # an article's own header/footer (title, date, byline)
        if not is_short(el, int(page_text_len * 0.4) + 50):  # wraps a large part of the page: not chrome
            continue
        chrome.append(el)
    for el in sc.forms:
        if attached(el) and is_short(el, 1000):
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
            if is_short(el, 4000) and linky_rest(el, None, 0):
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
    heads_and_ancestors = set(sc.related_heads)
    for h in sc.related_heads:
        heads_and_ancestors.update(h.iterancestors())
    related_set = set(follow_drop) | {b for b in chrome if b is not None and (
        b in heads_and_ancestors or related_class(attr_str(b)))}

    # titles printed by the skin's portlet title bar, remembered with their portlet
    portlet_titles = []
    for el in sc.skin:
        cls = el.get("class") or ""
        if PORTLET_TITLE_CLASS_RE.search(cls) and attached(el):
            t = halve_repeated(strip_literals(collapse(text_of(el))))
            if t and word_count(t) >= 3:
                cont = next((x for x in el.iterancestors() if PORTLET_BOX_RE.search(x.get("class") or "")), None)
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
    self_keys = {url_key(u) for u in (url, base, links.get("canonical"), links.get("bookmark"), meta.get("og:url"))
                 if u}

    self_link_memo: dict = {}

    def is_self_link(a) -> bool:
        href = a.get("href")
        hit = self_link_memo.get(href)
        if hit is None:
            u = resolve(base, href)
            hit = self_link_memo[href] = bool(u) and url_key(u) in self_keys
        return hit

    cands = title_candidates(cand_els, refs, chrome_set, penal, adjacent, is_self_link=is_self_link)
    cands.sort(key=lambda c: -c.score)
    h0 = cands[0] if cands and cands[0].score >= 20 else None
    protect = set()
    if h0 is not None:
        protect.add(h0.el)
        protect.update(h0.el.iterancestors())

    # ---- print / self links (the article's own print link, not those of related items)
    more_hrefs = set()  # targets of "Xem tiếp / Đọc thêm / Chi tiết" links (teasers), before chrome goes
    # item links as the page showed them (dominant_list's cache), told from the text read here once
    link_cache: dict = {}
    for a in page.iter("a"):
        href = a.get("href") or ""
        oc = a.get("onclick") or ""
        at = None
        if href and not href.startswith(("#", "javascript:")):
            at = text_content(a)
            if at and len(at) <= 60 and len(short := collapse(at)) <= 20 and MORE_LINK_RE.match(short):
                mu = resolve(base, href)
                if mu:
                    more_hrefs.add(mu)
        link_cache[a] = is_item_link(a, at)
        if "presentationtemplate" in href.lower() or "presentationtemplate" in oc.lower() or (
                "print" in href.lower() and PRINT_HREF_RE.search(href)):
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
    pre_list = dominant_list(page, link_cache)

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
            if t and not linky_rest(nxt, None, 0):
                break
            n2 = nxt.getnext()
            drop(nxt)
            nxt = n2

    # ---- blocks and containers
    has_block = normalize_blocks(page)
    order = doc_order(page)
    blocks = build_blocks(page, has_block, order)
    scores_all, tot_all, lnk_all = score_containers(blocks)
    c_global, _ = best_container(scores_all)
    c_global = merge_siblings(c_global, scores_all, tot_all, lnk_all)

    # heading-like lines (bold / big font) right before or at the start of the main content
    add_heading_lines(cands, blocks, c_global, refs, chrome_set, penal, adjacent, is_self_link)

    # re-score the title candidates with proximity to the main content
    H = pick_heading(cands, blocks, order, c_global, attached)

    H_el = H.el if H is not None else None
    h_end = subtree_end(H_el, order) if H_el is not None else -1
    if H_el is not None:
        scores, tots, lnks = score_containers(blocks, after_pos=h_end)
        C, _ = best_container(scores)
        C = merge_siblings(C, scores, tots, lnks)
    else:
        C = c_global

    region = find_body_region(blocks, H_el, h_end, C, order)
    # teasers (linked titles of other items with a summary / "Xem tiếp" link): at the top of the content they
    # make a listing; after the article's own text they are a related list, cut from the body
    teaser_list = False
    first_teaser = first_teaser_index(region, H_el, base, is_self_link, more_hrefs) if region else None
    if first_teaser is not None:
        before = sum(b.tlen - b.llen for b in region[:first_teaser] if b.kind != "h" and not is_date_line(b.text))
        if before < 150:
            teaser_list = True
        else:
            region = region[:first_teaser]

    # ---- title
    title, site_only_title = choose_title(H, og_title, title_tag, C, portlet_titles, penal, is_self_link)

    # ---- classify region blocks
    kept, date_blocks, top_author, top_source = filter_region(region, title)
    images, cap_blocks = images_and_captions(kept, base)
    text_blocks = [b for b in kept if b.text and b.role is None]
    lead = find_lead(text_blocks, C, H_el)
    author, role, source, tail_dates = resolve_byline(text_blocks, top_author, top_source, named_author)
    date_blocks.extend(tail_dates)
    body_blocks = [b for b in text_blocks if b.role is None]
    body_text = join_blocks(body_blocks)  # without the lead: what the page-type rules weigh
    # the reading text, in page order: the lead is its first paragraph (summary keeps a copy)
    reading_text = generic.trim_boilerplate(join_blocks([b for b in text_blocks if b.role in (None, "lead")]))
    summary = None
    if lead:
        summary = " ".join(block_text(b) for b in lead)
    elif SUMMARY_FALLBACK_FIRST_PARAGRAPH:
        for b in body_blocks:
            if b.kind in ("p", "quote", "pre"):
                summary = block_text(b)
                break
        if summary is None and body_blocks:
            summary = block_text(body_blocks[0])
        if not summary:
            summary = clean_text(meta.get("description") or meta.get("og:description")) or None

    # ---- date
    # no guess from dates inside the body text: a page without a printed date is a static page
    raw, dt = find_published_date(root, heading=H_el, heading_text=H.raw if H is not None else None,
                                  content_text=None, now=now or datetime.now(VN_TZ), content_el=C,
                                  extra_elements=[b.el for b in date_blocks])
    # ---- section
    section = find_section(crumbs, title, meta, nav_sel)

    # ---- body html
    items = body_items(kept)
    body_html = build_body_html(items, base, lean=True) if items else ""

    # ---- self urls
    self_urls = self_urls_of(links, meta, base, print_links)

    # ---- page type
    page_type, lst, home, soft404 = classify_page(
        url=url, title=title, H=H, H_el=H_el, dt=dt, body_text=body_text, body_blocks=body_blocks,
        region=region, page=page, link_cache=link_cache, pre_list=pre_list, attached=attached,
        related_set=related_set, has_pager=has_pager, teaser_list=teaser_list,
        site_only_title=site_only_title, crumbs=crumbs)

    # ---- record kinds (documents, schedules, albums, video lists; static pages)
    kind_info = None
    if not truncated:
        videos = None
        if video_list is not None:
            items, cont = video_list
            # a video widget beside an article or a static page is not the page's content
            if not (page_type == "article" and C is not None and not is_ancestor(C, cont) and not is_ancestor(cont, C)):
                videos = items
        kind_info = detect_kind(videos=videos, home=home, page=page, page_text=page_text, base=base, H=H,
                                 h_end=h_end, blocks=blocks, title=title, scripts=scripts, attached=attached,
                                 listing=page_type == "listing")
    if kind_info is not None:
        page_type = kind_info["page_type"]
    elif home and page_type in ("article", "listing"):
        page_type = "other"  # a home page: boxes of teasers, an intro block, a featured article
    elif not soft404 and not home:
        # markup the portal rules did not recognise: trafilatura's main text, htmldate's date (generic.py)
        lib = generic.Fallback(text, url, src)
        # a listing the portal rules recognise by its teasers ("Xem tiếp") or as a news list (dated linked
        # titles, and no prose beside them) stays a listing
        real_listing = page_type == "listing" and (teaser_list or is_news_list(lst, blocks))
        if not real_listing and (page_type in ("listing", "other") or truncated or
                                 len(reading_text) < generic.RECOGNISED_BODY_CHARS):
            lib_text = lib.body()
            list_text = (lambda: generic.item_text(lst)) if lst is not None and page_type == "listing" else ""
            if lib_text and generic.article_shaped(lib_text, lib.links(), list_text) and (
                    page_type != "article" or len(lib_text) >= 2 * len(reading_text) + 200):
                if summary and not lib_text.replace("\n\n", " ").startswith(summary):
                    summary = None
                reading_text, body_html = lib_text, generic.paragraphs_html(lib_text)
                if page_type != "article":
                    images = []
                    title = title or lib.title()
                    page_type = "article"  # a page-type guess never throws an article away
        sample = f"{title or ''} {reading_text[:2000]}"
        if raw is None and page_type == "article":
            raw, dt = lib.date(sample)
        elif dt is not None and generic.ambiguous_day_month(raw) and not generic.is_vietnamese(sample):
            # "06/01/2020" off the Vietnamese portals may be month-first: htmldate's reading of the page settles it
            _, alt = lib.date(sample)
            if alt is not None and (alt.year, alt.month, alt.day) == (dt.year, dt.day, dt.month):
                dt = dt.replace(month=dt.day, day=dt.month)
    if page_type == "article" and raw is None and kind_info is None:
        page_type = "page"  # article-like, but no publication date: a static page

    rec.update(article_fields(title, dt, raw, author, role, source, summary, reading_text, body_html, images, section,
                              page_type, self_urls))
    if truncated:
        page_type = rec["page_type"] = "other"
        rec["error"] = "truncated HTML: the document has no closing </body> or </html> (partial download?)"
    if page_type not in ("article", "page"):
        rec["section"] = section = find_section(crumbs, None, meta, nav_sel)
        if page_type == "listing":
            rec["title"] = listing_title(lst, page, title if H is not None else None, section, title_tag)
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
                kind_info["body_text"] = "\n\n".join(x for x in (block_text(b) for b in rest) if x)
                kind_info["body_html"] = build_body_html([("block", b) for b in rest], base)
        apply_kind(rec, kind_info, section=find_section(crumbs, title, meta, nav_sel), dt=dt, raw=raw, title=title,
                    title_tag=title_tag, base=base)
    rec["kind"] = page_type if page_type in RECORD_KINDS else None
    del proxies
