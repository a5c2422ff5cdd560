"""Page requisites: what a captured page needs to render in a replay (wget's and Heritrix's "page requisites").

* ``<link rel=stylesheet|icon|shortcut icon|apple-touch-icon href>``, ``<script src>``;
* decoration images: ``<img src>`` / ``<input type=image src>`` that are no content file of the CMSs the
  crawler knows — WCM files (``/wps/wcm/…`` with ``?MOD=AJPERES`` or a uuid) and K2 item images
  (``/media/k2/``): those are the content images and attachments the media pipeline (:mod:`pipelines.media`)
  stores (list thumbnails of K2 included: content, not theme);
* ``url(…)`` and ``@import`` in ``<style>`` elements, ``style`` attributes and captured stylesheets.

Only the portal's own hosts; each URL once per snapshot (the spider keeps them, see
:class:`crawler.spiders.portal.PortalSpider`). A regular expression reads CSS: CSS's ``url()`` and
``@import`` grammar is small, and nothing else of a stylesheet is needed (no CSS parser dependency).
"""
from __future__ import annotations

import re
from functools import lru_cache, partial
from urllib.parse import urljoin, urlsplit

from crawler.identity import is_media_url

#: ``rel`` tokens of a ``<link>`` the page needs to render.
LINK_RELS = frozenset({"stylesheet", "icon", "apple-touch-icon", "mask-icon"})
_CSS_URL_RE = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)|url\(\s*["']?([^"')]+?)["']?\s*\)""", re.I)
_SKIP = ("data:", "javascript:", "about:", "#", "mailto:")


def css_urls(text: str, base: str) -> list[str]:
    """Absolute URLs a stylesheet (or a ``style`` attribute) names through ``url(…)`` and ``@import``, in order."""
    out = []
    for imported, named in _CSS_URL_RE.findall(text or ""):
        ref = (imported or named).strip()
        if ref and not ref.lower().startswith(_SKIP):
            out.append(urljoin(base, ref))
    return list(dict.fromkeys(out))


_CONTENT_FILE_RE = re.compile(r"/media/k2/", re.I)


@lru_cache(maxsize=16384)  # the theme's decoration images are on every page
def is_content_file(url: str) -> bool:
    """A CMS content file (WCM file, K2 item image): the media pipeline's, never a requisite."""
    path = urlsplit(url).path
    return ("/wps/wcm/" in path.lower() and is_media_url(url)) or bool(_CONTENT_FILE_RE.search(path))


def page_requisites(root, base: str, allowed_hosts: frozenset[str] = frozenset(), join=None) -> list[str]:
    """Absolute URLs of the requisites of a parsed page (``root``: its lxml tree), each once, on ``allowed_hosts``.
    ``join``: ``join(href)`` resolves an href against ``base`` (the spider's remembers the theme's root-relative
    joins, the same on every page); by default ``urljoin``."""
    if join is None:
        join = partial(urljoin, base)
    found = []
    for el in root.iter("link", "script", "img", "input", "style"):
        tag = el.tag
        if tag == "link":
            rels = set((el.get("rel") or "").lower().split())
            if rels & LINK_RELS and el.get("href"):
                found.append(join(el.get("href").strip()))
        elif tag == "script":
            if el.get("src"):
                found.append(join(el.get("src").strip()))
        elif tag == "style":
            found += css_urls(el.text or "", base)
        elif tag == "img" or (el.get("type") or "").lower() == "image":
            src = (el.get("src") or "").strip()
            if src and not src.lower().startswith(_SKIP):
                url = join(src)
                if not is_content_file(url):
                    found.append(url)
    for style in root.xpath('//@style[contains(., "url(")]'):
        found += css_urls(str(style), base)
    return [u for u in dict.fromkeys(u.split("#", 1)[0] for u in found) if allowed(u, allowed_hosts)]


@lru_cache(maxsize=16384)
def allowed(url: str, hosts: frozenset[str]) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and (not hosts or (parts.hostname or "").lower() in hosts)


def is_stylesheet(url: str, content_type: str | None) -> bool:
    return "text/css" in (content_type or "").lower() or urlsplit(url).path.lower().endswith(".css")
