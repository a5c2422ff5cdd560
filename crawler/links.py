"""Which links of a portal page a crawler may follow, and what kind each one is.

Only GET render URLs are safe on WebSphere Portal: ``javascript:``, ``#skip…`` anchors,
login/``myportal``, portlet-mode/menu URLs and off-site links are never followed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from crawler.identity import is_media_url, is_state_url, wcm_path_from_url

SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "ftp:")
_SKIP_PATH_RE = re.compile(
    r"/wps/myportal|/wps/wcm/myconnect|/login|/logout|/pm=|/pm/|!ut/p/.*=LA0=|/wps/mycontenthandler",
    re.I,
)
_SKIP_TEXT = {"skip portlet", "portlet menu", "display portlet menu", "display menu", "actions"}
_PAGER_ID_RE = re.compile(r"(?:linkToPage_(\d+)|_(nextPage)|_(lastPage)|_(previousPage)|_(firstPage))", re.I)


@dataclass(frozen=True)
class Link:
    url: str
    kind: str  # "content" (carries a WCM identity), "pager", "state", "page"
    wcm_path: str | None = None
    page_no: int | None = None  # pager target; None for "next" (resolved by the spider)
    pager_rel: str | None = None  # "next" for nextPage links


def classify(
    href: str,
    absolute: str,
    *,
    anchor_id: str = "",
    title: str = "",
    text: str = "",
    css_class: str = "",
    page_url: str = "",
    allowed_hosts: frozenset[str] = frozenset(),
) -> Link | None:
    """Classify one anchor; None means: do not follow."""
    raw = (href or "").strip()
    if not raw or raw.lower().startswith(SKIP_SCHEMES) or raw.startswith("#"):
        return None
    url = absolute.split("#", 1)[0]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    if allowed_hosts and (parts.hostname or "").lower() not in allowed_hosts:
        return None
    if url == page_url.split("#", 1)[0]:
        return None
    label = " ".join((text or title or "").split()).lower()
    if label in _SKIP_TEXT or "wpsportletmenu" in css_class.lower():
        return None
    if _SKIP_PATH_RE.search(parts.path) or is_media_url(url):
        return None
    wcm_path = wcm_path_from_url(url)
    if wcm_path:
        return Link(url, "content", wcm_path=wcm_path)
    m = _PAGER_ID_RE.search(anchor_id or "")
    if m or (title or "").lower().startswith("link to page"):
        if m and m.group(1):
            return Link(url, "pager", page_no=int(m.group(1)))
        if m and m.group(2):
            return Link(url, "pager", pager_rel="next")
        if m and (m.group(3) or m.group(4) or m.group(5)):
            return Link(url, "pager", pager_rel="other")
        digits = re.search(r"\d+", text or title or "")
        return Link(url, "pager", page_no=int(digits.group()) if digits else None)
    if is_state_url(url):
        return Link(url, "state")
    return Link(url, "page")


class RootJoins:
    """``urljoin(base, href)``, remembering the joins of root-relative hrefs (``/path…``: three links in four
    on a portal page, the same menus on every page). Such a join depends on the base's scheme and host only,
    never on its path or query (per-visit state on WebSphere Portal): urljoin keeps the href's own path,
    query and fragment. Bounded: forgotten wholesale when full."""

    def __init__(self, size: int = 16384):
        self.size = size
        self._joined: dict[tuple[str, str, str], str] = {}

    def join(self, base: str, origin: tuple[str, str], href: str) -> str:
        """``origin``: ``urlsplit(base)[:2]`` (scheme, host)."""
        if href[:1] != "/" or href[1:2] == "/":  # relative to the base's path, or naming its own host
            return urljoin(base, href)
        key = (*origin, href)
        url = self._joined.get(key)
        if url is None:
            if len(self._joined) >= self.size:
                self._joined.clear()
            url = self._joined[key] = urljoin(base, href)
        return url
