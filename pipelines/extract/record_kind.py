"""Which record kind a page holds (video list, document, schedule, album; kinds.py finds their fields) and
how its fields go on the record; album detection."""
from __future__ import annotations

from lxml import etree

from . import kinds as K
from .body import block_text, filter_region
from .dates import to_iso
from .dom import is_ancestor, lca, resolve, text_of
from .figures import images_and_captions
from .images import image_entry, image_src, is_content_image
from .text import clean_text, collapse, halve_repeated


def detect_kind(*, videos, home, page, page_text, base, H, h_end, blocks, title, scripts, attached, listing):
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
    alb = None if listing else _album(blocks, H_el, h_end, title, base, scripts, attached)
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


def apply_kind(rec, info, *, section, dt, raw, title, title_tag, base):
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


def _album(blocks, H_el, h_end, title, base, scripts, attached):
    """An album: a titled page whose content after the title is mostly images (>= 3, little text).
    ``scripts``: (parent element, text) of the page's inline scripts (slideshows' JS arrays of images)."""
    if H_el is None:
        return None
    live = [(par, text) for par, text in scripts if attached(par)]
    js = None  # (parent, image URLs) of the live scripts with any: read when needed (JSON of megabytes)

    def read_js():
        return [(par, urls) for par, text in live for urls in (K.script_image_urls(text),) if urls]
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
    if n_imgs < 3:
        js = read_js()
        if not js:
            return None  # cheap exit: most pages
    area = lca(H_el, first_img) if first_img is not None else None
    if area is None:
        if js is None:
            js = read_js()
        for par, _urls in js:  # an album shown only by a JS slideshow array
            a = lca(H_el, par)
            if a is not None and (area is None or is_ancestor(area, a)):
                area = a
    if area is None:
        return None
    region = [b for b in blocks if b.pos > h_end and is_ancestor(area, b.el)]
    for b in region:
        b.role = None
        b.figure_images = None
    kept, _dates, _a, _s = filter_region(region, title)
    images, _caps = images_and_captions(kept, base, entry=_album_entry)
    seen = {im["url"] for im in images}
    for b in region:
        for img in b.imgs:
            src = image_src(img)
            u = resolve(base, src) if src else None
            if u:
                seen.add(u)
    dummy = None
    if js is None:  # (the image URLs of the scripts inside the album's area only)
        js = [(par, K.script_image_urls(text)) for par, text in live if is_ancestor(area, par)]
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
    return {"images": images, "body_text": "\n\n".join(block_text(b) for b in text_blocks)}
