"""The page's <head> metadata (title tag, meta, canonical/bookmark links, <base>) and its own URLs
(self_urls, print links, URL keys for self-link tests)."""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from .dom import resolve, text_content
from .text import collapse


def read_head_meta(root, url):
    meta = {}
    title_el = next(root.iter("title"), None)  # (the first in page order, as find(".//title"), without ElementPath)
    meta["title_tag"] = collapse(text_content(title_el)) if title_el is not None else None
    # one walk of the tree for the three tags (a walk costs about as much as a page's meta reading), then
    # each read in page order as before
    found: dict = {"meta": [], "link": [], "base": []}
    for el in root.iter("meta", "link", "base"):
        found[el.tag].append(el)
    for m in found["meta"]:
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        if key and key not in meta:
            meta[key] = m.get("content")
    links = {}
    for ln in found["link"]:
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
    base_el = next((b for b in found["base"] if b.get("href") is not None), None)
    base = url
    if base_el is not None:
        b = resolve(url, base_el.get("href"))
        if b:
            base = b
    return meta, links, base


# the article's printable version: "?tmpl=component&print=1" (Joomla), "?print=1", "/print/", "print.aspx"
PRINT_HREF_RE = re.compile(r"[?&;]print=(?:1|true|yes)\b|[?&]tmpl=component\b|/print/|/print\.(?:aspx?|php|html?)\b|"
                            r"[?&](?:view|layout|mode|type)=print\b", re.I)


def self_urls(links, meta, base, print_links) -> list:
    """The page's own URLs: canonical, bookmark, WebSphere nav state, og:url, its print links."""
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
    return self_urls


@lru_cache(maxsize=2048)
def url_key(u: str) -> str:
    u = resolve("http://x/", u) or u
    u = u.split("#", 1)[0]
    try:
        sp = urlsplit(u)
    except ValueError:
        return u
    return (sp.netloc.lower() + sp.path.rstrip("/") + ("?" + sp.query if sp.query else "")).lower()
