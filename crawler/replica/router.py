"""Request target → response: the URL space of the portal, its soft 404s and its real 404s."""
from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from . import categories as C
from . import states, theme
from . import urls as U
from .corpus import Corpus
from .encoding import content_type, encode_page
from .media import THUMB_SLOT, decode_uuid, gif_bytes, jpeg_bytes
from .pages import Page, Pages

ROBOTS = "User-agent: *\nDisallow: /wps/myportal/\nDisallow: /wps/portal/hoangmai/tim-kiem\n"
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NO_CACHE = [("Cache-Control", 'no-cache="set-cookie, set-cookie2"'), ("Expires", "Thu, 01 Dec 1994 16:00:00 GMT"),
            ("Content-Language", "vi")]
CF_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Email Protection | Cloudflare</title></head>"
           "<body><h1>Please enable cookies.</h1><p>You are unable to access this email address.</p></body></html>")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list = field(default_factory=list)


def _html(page: Page) -> Response:
    return Response(200, encode_page(page.html, page.encoding),
                    [("Content-Type", content_type(page.encoding)), *NO_CACHE])


def _text(status: int, text: str, ctype: str = "text/html; charset=UTF-8") -> Response:
    return Response(status, text.encode("utf-8"), [("Content-Type", ctype)])


def not_found() -> Response:
    return _text(404, "<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
                      "<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>")


class _Counted:
    """Proxy of :class:`Pages` that counts the pages served per kind (tests bound crawl traps with it)."""

    def __init__(self, pages: Pages, served: Counter):
        self._pages, self._served, self._lock = pages, served, threading.Lock()

    def __getattr__(self, name):
        render = getattr(self._pages, name)

        def counted(*args, **kwargs):
            with self._lock:
                self._served[name] += 1
            return render(*args, **kwargs)

        return counted


class Router:
    def __init__(self, corpus: Corpus):
        self.c = corpus
        self.served: Counter = Counter()  # page kind ("article", "calendar", "home", …) -> pages served
        self.pages = _Counted(Pages(corpus), self.served)

    def handle(self, target: str, host: str) -> Response:
        """``target``: the request target (path + query); ``host``: ``http://HOST[:PORT]``."""
        parts = urlsplit(target)
        path, query = unquote(parts.path), parts.query
        if path == "/":
            return Response(302, b"", [("Location", host + U.HOME), ("Content-Type", "text/html; charset=UTF-8")])
        if path == "/robots.txt":
            return _text(200, ROBOTS, "text/plain; charset=UTF-8")
        if path.startswith("/wps/wcm/connect/"):
            return self.wcm(path[len("/wps/wcm/connect"):], query)
        if path.startswith(("/wps/themes/", "/wps/skins/")):
            return self.static(path)
        if path in ("/wps/portal", "/wps/portal/"):
            return Response(302, b"", [("Location", host + U.HOME), ("Content-Type", "text/html; charset=UTF-8")])
        if path.startswith("/wps/portal/"):
            return _html(self.portal(path, query, host))
        if path.startswith("/wps/myportal"):
            return _html(self.pages.login(host))
        if path.startswith("/cdn-cgi/l/email-protection"):
            return _text(200, CF_PAGE)
        return not_found()

    # --- /wps/portal/… ---------------------------------------------------------------------------
    def portal(self, path: str, query: str, host: str) -> Page:
        soft404 = self.pages.home  # unknown portal URLs answer 200 with the default content
        if not (path == states.PORTAL or path.startswith(states.PORTAL + "/")):
            return soft404(host)
        rest = path[len(states.PORTAL):]
        params = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=True)}
        if "urile" in params:
            return self.by_wcm_uri(params["urile"], host) or soft404(host)
        if "wcm_global_context" in params:  # the WCM 6.x in-portal context form
            ctx = unquote(params["wcm_global_context"])
            ctx = ctx[len("/wps/wcm/connect"):] if ctx.lower().startswith("/wps/wcm/connect") else ctx
            return self.by_wcm_uri("wcm:path:" + ctx, host) or soft404(host)
        if "/!ut/p/" in rest:
            parsed = states.parse_state(rest.split("/!ut/p/", 1)[1])
            if parsed.view is None:
                return soft404(host)
            if parsed.mode:
                return self.pages.portlet_help(host, parsed.view)
            return self.view(parsed.view, host) or soft404(host)
        slug = rest.strip("/").lower()
        if slug in ("", "trang-chu"):
            return self.pages.home(host)
        if slug == "lich-lam-viec":
            return self.pages.calendar(host, 0, b"")
        if slug == "tim-kiem":
            return self.pages.search(host, params.get("q", ""))
        if slug in C.BY_PATH:
            return self.pages.category(host, C.ALL.index(C.BY_PATH[slug]), 1)
        head, _, _name = slug.rpartition("/")
        if head in C.LEAF_INDEX:
            k = self.c.find(f"/{C.LIBRARY}/{C.SITE}/{slug}")
            if k is not None:
                return self.pages.article(host, k)
        return soft404(host)

    def view(self, view: states.View, host: str) -> Page | None:
        if view.kind == states.HOME:
            return self.pages.home(host)
        if view.kind == states.LISTING:
            return self.pages.category(host, view.a, view.b)
        if view.kind == states.ARTICLE and view.a < self.c.n:
            return self.pages.article(host, view.a)
        if view.kind == states.CALENDAR:
            return self.pages.calendar(host, view.a, view.trail)
        if view.kind == states.SEARCH:
            return self.pages.search(host)
        return None

    def by_wcm_uri(self, uri: str, host: str) -> Page | None:
        if not uri.lower().startswith("wcm:path:"):
            return None
        wcm = "/" + unquote(uri[len("wcm:path:"):]).strip().strip("/").lower()
        k = self.c.find(wcm)
        if k is not None:
            return self.pages.article(host, k)
        prefix = f"/{C.LIBRARY}/{C.SITE}/"
        if wcm.startswith(prefix) and wcm[len(prefix):] in C.BY_PATH:
            return self.pages.category(host, C.ALL.index(C.BY_PATH[wcm[len(prefix):]]), 1)
        return None

    # --- /wps/wcm/connect/… ----------------------------------------------------------------------
    def wcm(self, rest: str, query: str) -> Response:
        first = rest.strip("/").split("/", 1)[0].lower()
        if _UUID_RE.match(first):
            return self.media(first)
        k = self.c.find(rest)
        if k is None:
            return not_found()
        params = {key.lower(): v.lower() for key, v in parse_qsl(query, keep_blank_values=True)}
        if params.get("presentationtemplate") == U.PRINT_TEMPLATE:
            return _html(self.pages.print_page(k))
        return _html(self.pages.connect(k))

    def media(self, uid: str) -> Response:
        found = decode_uuid(self.c.seed, uid)
        if not found or found[0] >= self.c.n:
            return not_found()
        k, slot = found
        a = self.c.article(k)
        known = {img.path.split("/")[4] for img in a.images} | ({a.thumb.path.split("/")[4]} if slot == THUMB_SLOT else set())
        if uid not in known:
            return not_found()
        return Response(200, jpeg_bytes(uid), [("Content-Type", "image/jpeg"), ("Cache-Control", "max-age=86400")])

    def static(self, path: str) -> Response:
        if path.endswith(".gif"):
            return Response(200, gif_bytes(), [("Content-Type", "image/gif"), ("Cache-Control", "max-age=86400")])
        if path == "/wps/themes/html/HoangMai/styles.css":
            return _text(200, theme.STYLES_CSS, "text/css; charset=UTF-8")
        if path == "/wps/themes/html/HoangMai/js/portal.js":
            return _text(200, theme.PORTAL_JS, "application/javascript; charset=UTF-8")
        return not_found()
