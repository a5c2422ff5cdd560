"""Images of the body and their captions (the caption line after an image, a short styled text beside it)."""
from __future__ import annotations

import re

from . import authors as A
from .dom import attr_str, is_ancestor, text_of
from .images import CAPTION_CLASS_RE, image_entry
from .text import clean_text, collapse, word_count


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
            nb.italic() or nb.align() == "center" or _smaller(nb.el)) and not A.source_of(nb.text):
        return nb
    return None  # a plain paragraph after an image is body text, not its caption


_FONT_SIZE_RE = re.compile(r"font-size\s*:\s*(?:(x{0,2}-?small|smaller)|([\d.]+)\s*(px|pt|em|rem|%))", re.I)


def _smaller(el) -> bool:
    """Text set smaller than the body's (a caption's style): <small>, <font size=1|2>, font-size below
    13px / 10pt / 0.9em, on the block or an inline element holding all its text."""
    total = len(collapse(text_of(el)))
    for x in el.iter():
        if not isinstance(x.tag, str):
            continue
        small = x.tag == "small" or (x.tag == "font" and (x.get("size") or "").strip() in ("1", "2"))
        m = _FONT_SIZE_RE.search(x.get("style") or "")
        if m:
            if m.group(1):
                small = True
            else:
                try:
                    v, u = float(m.group(2)), m.group(3).lower()
                except ValueError:
                    v, u = 0.0, ""
                small = (u == "px" and v < 13) or (u == "pt" and v < 10) or (u in ("em", "rem") and v < 0.9) or (
                    u == "%" and v < 90)
        if small and len(collapse(text_of(x))) >= 0.8 * total:
            return True
    return False


def images_and_captions(kept, base, entry=image_entry):
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
        b.figure_images = ents
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
