"""Content images: URL choice (lazy attributes), icon/spacer filtering, captions."""
from __future__ import annotations

import re
from functools import lru_cache

from .dom import resolve
from .text import clean_text

LAZY_ATTRS = ("data-src", "data-original", "data-lazy-src", "data-lazyload", "data-lazy", "lazy-src",
              "data-echo", "data-url", "data-hi-res-src", "data-full-src", "original")
_SKIP_PATH_RE = re.compile(
    r"/themes?/|/skins?/|/wps/(?:themes|skins)/|spacer|blank\.(?:gif|png)|pixel\.(?:gif|png)|"
    r"transparent\.(?:gif|png)|clear\.gif|dot\.gif|title_minheight|/icons?/|[/_-]icon[s_-]|icon\.(?:gif|png|svg)|"
    r"/(?:btn|button|bullet|arrow)s?[/_-]|(?:^|/)(?:print|email|mail|top|back|rss|share|facebook|twitter|zalo)"
    r"(?:(?:[_-]\w+)?\.gif|\.png|\.svg)|/emoticons?/|/smil(?:ies|eys)/|loading\.gif|ajax-loader|"
    r"/contenthandler/.*?/(?:themes?|skins?)/|/portal_images/",
    re.I,
)
_DIM_RE = re.compile(r"(\d+)")
_STYLE_DIM_RE = re.compile(r"(width|height)\s*:\s*(\d+)px", re.I)
CAPTION_CLASS_RE = re.compile(
    r"caption|chuthich|chu-thich|chu_thich|image[_-]?desc|img[_-]?desc|photo[_-]?desc|desc[_-]?img|"
    r"imagecaption|figcaption|wp-caption-text|pic-desc|PhotoCMS_Caption|image_caption|expNoEdit",
    re.I,
)


def image_src(img) -> str | None:
    for a in LAZY_ATTRS:
        v = img.get(a)
        if v and v.strip() and not v.strip().startswith("data:"):
            return v.strip()
    src = (img.get("src") or "").strip()
    if src and not src.startswith("data:"):
        return src
    srcset = img.get("data-srcset") or img.get("srcset")
    if srcset:
        first = srcset.split(",")[0].strip().split(" ")[0]
        if first and not first.startswith("data:"):
            return first
    return None


def _dim(img, name):
    v = img.get(name)
    if v:
        m = _DIM_RE.match(v.strip())
        if m:
            return int(m.group(1))
    st = img.get("style")
    if st:
        for k, n in _STYLE_DIM_RE.findall(st):
            if k.lower() == name:
                return int(n)
    return None


_AD_ALT_RE = re.compile(r"^\s*(?:quảng\s+cáo|advertis\w*|banner|qc)\s*$", re.I)
_AD_CLASS_RE = re.compile(r"(?:^|[\s_-])(?:adv?s?|advert\w*|adsbygoogle|quang-?cao|quangcao|qc|banner\w*|"
                          r"logo\w*|brand)(?:$|[\s_-])", re.I)


@lru_cache(maxsize=4096)
def _ad_class(attr: str) -> bool:
    """An advertisement/banner/logo class or id (the same few strings recur on every image's ancestors)."""
    return _AD_CLASS_RE.search(attr) is not None


def _in_ad_box(img) -> bool:
    """An image inside an advertisement/banner/logo box (a few levels up)."""
    cur = img
    for _ in range(4):
        cur = cur.getparent()
        if cur is None or cur.tag in ("body", "html"):
            return False
        c = cur.get("class")
        i = cur.get("id")
        if (c and _ad_class(c)) or (i and _ad_class(i)):
            return True
    return False


def is_content_image(img, url: str | None) -> bool:
    if not url:
        return False
    low = url.lower()
    if low.startswith("data:"):
        return False
    path = low.split("?", 1)[0]
    if _SKIP_PATH_RE.search(path):
        return False
    w, h = _dim(img, "width"), _dim(img, "height")
    if (w is not None and w < 40) or (h is not None and h < 30):
        return False
    if w is not None and h is not None and h <= 120 and w >= 5 * h:
        return False  # a banner strip (728x90, 600x90, 180x30)
    alt = (img.get("alt") or "") + " " + (img.get("title") or "")
    if alt.strip() and _AD_ALT_RE.search(alt):
        return False
    if _in_ad_box(img):
        return False
    if path.endswith(".gif") and w is not None and h is not None and w * h <= 4:
        return False
    return True


def image_entry(img, base: str) -> dict | None:
    src = image_src(img)
    url = resolve(base, src) if src else None
    if not url or not url.startswith(("http://", "https://")):
        return None
    if not is_content_image(img, url):
        return None
    alt = clean_text(img.get("alt") or "") or None
    return {"url": url, "caption": None, "alt": alt}
