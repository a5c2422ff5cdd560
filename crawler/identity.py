"""Content identity of WebSphere Portal / WCM URLs.

One WCM content item is reachable by many URLs (friendly path, per-visit ``!ut/p`` state URL,
``?urile=wcm:path:…``, ``/wps/wcm/connect/…``, print templates, ``WCM_GLOBAL_CONTEXT``).
The archive identifies content by its WCM path, never by URL. This module derives that path
from a URL when the URL carries it; state and friendly URLs do not, and must be fetched (the
page then names itself, see :func:`wcm_path_from_urls`).
"""
from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, unquote, urlsplit

from pipelines.records import content_id as article_id  # noqa: F401  (the one id function)

_CONNECT_RE = re.compile(r"^/wps/wcm/(?:my)?connect(/.*)$", re.I)
_UUID_RE = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
_WCM_PATH_PREFIX = re.compile(r"^wcm:path:", re.I)
_STATE_MARK = "/!ut/p/"


def normalize_wcm_path(path: str) -> str | None:
    """Lower-cased, percent-decoded WCM path with a leading and no trailing slash."""
    path = unquote(unquote(path)).strip()
    path = path.split(_STATE_MARK, 1)[0]
    path = re.sub(r"/{2,}", "/", "/" + path.strip("/"))
    if path == "/":
        return None
    return path.replace("+", " ").lower()


def _from_context_value(value: str) -> str | None:
    value = unquote(value)
    if _WCM_PATH_PREFIX.match(value):
        return normalize_wcm_path(_WCM_PATH_PREFIX.sub("", value))
    m = _CONNECT_RE.match(value)
    if m:
        return normalize_wcm_path(m.group(1))
    return None


def is_media_url(url: str) -> bool:
    """WCM files (``/wps/wcm/connect/<uuid>/file?MOD=AJPERES``) and static resources."""
    parts = urlsplit(url)
    if "mod=ajperes" in parts.query.lower():
        return True
    m = _CONNECT_RE.match(parts.path)
    if m:
        first = m.group(1).strip("/").split("/", 1)[0]
        if _UUID_RE.match(first):
            return True
    return bool(_MEDIA_EXT_RE.search(parts.path))


_MEDIA_EXT_RE = re.compile(
    r"\.(?:jpe?g|png|gif|bmp|webp|svg|ico|css|js|pdf|docx?|xlsx?|pptx?|zip|rar|7z|mp4|mp3|flv|wmv|avi|swf)$",
    re.I,
)


def wcm_path_from_url(url: str) -> str | None:
    """The WCM path a URL names, or None when the URL alone does not tell (state, friendly)."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        k = key.lower()
        if k in ("urile", "uri") or k == "wcm_global_context" or k.endswith("_wcm_context"):
            found = _from_context_value(value)
            if found:
                return found
    m = _CONNECT_RE.match(parts.path)
    if m and not is_media_url(url):
        return normalize_wcm_path(m.group(1))
    return None


def wcm_path_from_urls(urls) -> str | None:
    """First WCM path named by any of ``urls`` (a page's self links: print, canonical, …)."""
    for url in urls or ():
        found = wcm_path_from_url(url)
        if found:
            return found
    return None


def is_state_url(url: str) -> bool:
    return _STATE_MARK in urlsplit(url).path


def url_fingerprint(url: str) -> bytes:
    """Compact fingerprint of a URL without its fragment, for the alias memory."""
    return hashlib.blake2b(url.split("#", 1)[0].encode("utf-8"), digest_size=8).digest()
