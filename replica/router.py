"""Request target → response: the URL space of the portal, its soft 404s and its real 404s."""
from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, unquote, urlsplit

from . import categories as C
from . import states, theme
from . import urls as U
from .corpus import Corpus
from .encoding import content_type, encode_page
from .media import THUMB_SLOT, decode_uuid, gif_bytes
from .pages import Page, Pages
from .media_files import media_file
from .sessions import Sessions
from .validators import Conditional, NotModified
from . import validators as VAL

ROBOTS = "User-agent: *\nDisallow: /wps/myportal/\nDisallow: /wps/portal/hoangmai/tim-kiem\n"


def robots_txt(crawl_delay: float | None = None) -> str:
    """robots.txt, with ``Crawl-delay: N`` when asked (``--crawl-delay``)."""
    if crawl_delay is None:
        return ROBOTS
    delay = int(crawl_delay) if float(crawl_delay).is_integer() else crawl_delay
    return ROBOTS + f"Crawl-delay: {delay}\n"


_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NO_CACHE = [("Cache-Control", 'no-cache="set-cookie, set-cookie2"'), ("Expires", "Thu, 01 Dec 1994 16:00:00 GMT"),
            ("Content-Language", "vi")]
CF_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Email Protection | Cloudflare</title></head>"
           "<body><h1>Please enable cookies.</h1><p>You are unable to access this email address.</p></body></html>")


@dataclass(frozen=True)
class Request:
    """What a page may depend on besides the URL: the method, the form fields and the session id; and the
    conditional headers of a GET (If-None-Match, If-Modified-Since), checked against record validators."""
    method: str = "GET"
    form: dict = field(default_factory=dict)
    session: str | None = None
    cond: Conditional | None = None


# friendly page names of the sections with WCM items below them -> site area of the items
ITEM_PAGES = {"van-ban-chi-dao-dieu-hanh": "van-ban", "thu-vien-anh": "thu-vien-anh", "lich-lam-viec": "lich-lam-viec",
              **{slug: slug for slug, _ in C.STATIC_SECTIONS if slug not in ("van-ban-chi-dao-dieu-hanh", "thu-vien-anh")}}


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list = field(default_factory=list)


def _html(page: Page) -> Response:
    extra = page.validators.headers() if page.validators else []
    return Response(200, encode_page(page.html, page.encoding),
                    [("Content-Type", content_type(page.encoding)), *NO_CACHE, *extra])


def _text(status: int, text: str, ctype: str = "text/html; charset=UTF-8") -> Response:
    return Response(status, text.encode("utf-8"), [("Content-Type", ctype)])


def not_found() -> Response:
    return _text(404, "<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
                      "<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>")


SITE_AREAS = {area: page for page, area in ITEM_PAGES.items()}  # site area -> friendly page name
SITE_AREAS["lich-lam-viec"] = "lich-lam-viec/danh-sach"


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

    def bump(self, name: str) -> None:
        with self._lock:
            self._served[name] += 1


class Router:
    def __init__(self, corpus: Corpus, crawl_delay: float | None = None):
        self.c = corpus
        self.served: Counter = Counter()  # page kind ("article", "calendar", "home", …) -> pages served
        self.pages = _Counted(Pages(corpus), self.served)
        self.sessions = Sessions()
        self.robots = robots_txt(crawl_delay)

    def handle(self, target: str, host: str, method: str = "GET", body: bytes = b"", session: str | None = None,
               headers=None) -> Response:
        """``target``: the request target (path + query); ``host``: ``http://HOST[:PORT]``; ``session``: the
        request's known JSESSIONID (the server issues one when the request has none); ``headers``: a mapping
        with the request's ``If-None-Match`` / ``If-Modified-Since`` (a matching record view answers 304,
        counted as ``not_modified`` instead of its page kind)."""
        try:
            return self._handle(target, host, method, body, session, headers)
        except NotModified as nm:
            self.pages.bump("not_modified")
            return Response(304, b"", nm.validators.headers())

    def _handle(self, target, host, method, body, session, headers) -> Response:
        form = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True)) if method == "POST" and body else {}
        cond = Conditional.from_headers(headers) if method in ("GET", "HEAD") else None
        req = Request(method, form, session, cond)
        parts = urlsplit(target)
        path, query = unquote(parts.path), parts.query
        if path == "/":
            return Response(302, b"", [("Location", host + U.HOME), ("Content-Type", "text/html; charset=UTF-8")])
        if path == "/robots.txt":
            return _text(200, self.robots, "text/plain; charset=UTF-8")
        if path.startswith("/wps/wcm/connect/"):
            return self.wcm(path[len("/wps/wcm/connect"):], query, req)
        if path.startswith(("/wps/themes/", "/wps/skins/")):
            return self.static(path, req)
        if path in ("/wps/portal", "/wps/portal/"):
            return Response(302, b"", [("Location", host + U.HOME), ("Content-Type", "text/html; charset=UTF-8")])
        if path.startswith("/wps/portal/"):
            return _html(self.portal(path, query, host, req))
        if path.startswith("/wps/myportal"):
            return _html(self.pages.login(host))
        if path.startswith("/cdn-cgi/l/email-protection"):
            return _text(200, CF_PAGE)
        return not_found()

    # --- /wps/portal/… ---------------------------------------------------------------------------
    def portal(self, path: str, query: str, host: str, req: Request = Request()) -> Page:
        soft404 = self.pages.home  # unknown portal URLs answer 200 with the default content
        if not (path == states.PORTAL or path.startswith(states.PORTAL + "/")):
            return soft404(host)
        rest = path[len(states.PORTAL):]
        params = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=True)}
        if "urile" in params:
            return self.by_wcm_uri(params["urile"], host, req) or soft404(host)
        if "wcm_global_context" in params:  # the WCM 6.x in-portal context form
            ctx = unquote(params["wcm_global_context"])
            ctx = ctx[len("/wps/wcm/connect"):] if ctx.lower().startswith("/wps/wcm/connect") else ctx
            return self.by_wcm_uri("wcm:path:" + ctx, host, req) or soft404(host)
        if "/!ut/p/" in rest:
            parsed = states.parse_state(rest.split("/!ut/p/", 1)[1])
            if parsed.view is None:
                return soft404(host)
            if parsed.mode:
                return self.pages.portlet_help(host, parsed.view)
            if parsed.view.kind == states.REGISTER:
                return self.register(host, req, parsed.nonce)
            return self.view(parsed.view, host, req) or soft404(host)
        slug = rest.strip("/").lower()
        if slug in ("", "trang-chu"):
            return self.pages.home(host)
        if slug == "lich-lam-viec":
            return self.pages.calendar(host, 0, b"")
        if slug == "tim-kiem":
            return self.pages.search(host, params.get("q", ""))
        if slug in C.BY_PATH:
            return self.pages.category(host, C.ALL.index(C.BY_PATH[slug]), 1)
        section = self.section(slug, host, req)
        if section is not None:
            return section
        head, _, name = slug.rpartition("/")
        if head in C.LEAF_INDEX:
            k = self.c.find(f"/{C.LIBRARY}/{C.SITE}/{slug}")
            if k is not None:
                return self.item(("article", k), host, req=req)
        if head in ITEM_PAGES:
            found = self.c.find_item(f"/{C.LIBRARY}/{C.SITE}/{ITEM_PAGES[head]}/{name}")
            if found and found[0] != "article":
                return self.item(found, host, req=req)
        return soft404(host)

    def section(self, slug: str, host: str, req: Request) -> Page | None:
        """The landing page of a section of issue 3 (``slug`` = friendly name), else None."""
        if slug == "van-ban-chi-dao-dieu-hanh":
            return self.register(host, req, None)
        if slug == "thu-vien-anh":
            return self.pages.gallery(host)
        if slug == "video":
            return self.pages.video_list(host)
        if slug == "lich-lam-viec/danh-sach":
            return self.pages.schedule_list(host)
        if slug == "doanh-nghiep":
            return self.pages.business_list(host)
        if slug in self.c.static.landing:  # a section's landing shows its first page (a record view)
            return self.item(("page", self.c.static.landing[slug]), host, req=req)
        return None

    def register(self, host: str, req: Request, nonce: bytes | None) -> Page:
        """The document register: page N > 1 only for a POST to a form action issued in the same session."""
        page = 1
        if req.method == "POST" and self.sessions.has_action(req.session, nonce):
            wanted = req.form.get("page", "1").strip()
            if wanted.isdigit() and 1 <= int(wanted) <= self.c.documents.pages():
                page = int(wanted)
        blob, action_nonce = states.encode_blob(states.View(states.REGISTER))
        self.sessions.add_action(req.session, action_nonce)
        action = f"{states.PORTAL}/!ut/p/c5/{blob}/dl3/d3/{states.BASE_MARKER}/"
        return self.pages.document_register(host, page, action)

    def item(self, found: tuple[str, int], host: str, shell: str | None = None, req: Request = Request()) -> Page:
        """A record view (any URL form) with its validators; raises NotModified (before rendering) when the
        request's conditional headers match them."""
        kind, i = found
        validators = VAL.record(self.c, kind, i)
        if req.cond is not None and req.cond.not_modified(validators):
            raise NotModified(validators)
        if kind == "article":
            if shell == "print":
                page = self.pages.print_page(i)
            else:
                page = self.pages.connect(i) if shell == "connect" else self.pages.article(host, i)
        else:
            render = {"document": self.pages.document, "album": self.pages.album, "schedule": self.pages.schedule,
                      "page": self.pages.static_page}[kind]
            page = render(host, i, shell)
        return replace(page, validators=validators)

    def view(self, view: states.View, host: str, req: Request = Request()) -> Page | None:
        if view.kind == states.HOME:
            return self.pages.home(host)
        if view.kind == states.LISTING:
            return self.pages.category(host, view.a, view.b)
        if view.kind == states.ARTICLE and self.c.exists(view.a):
            return self.item(("article", view.a), host, req=req)
        if view.kind == states.CALENDAR:
            return self.pages.calendar(host, view.a, view.trail)
        if view.kind == states.SEARCH:
            return self.pages.search(host)
        items = {states.DOCUMENT: ("document", self.c.documents.n), states.ALBUM: ("album", self.c.albums.n),
                 states.SCHEDULE: ("schedule", self.c.schedules.n), states.STATIC: ("page", len(self.c.static.pages))}
        if view.kind in items:
            kind, count = items[view.kind]
            return self.item((kind, view.a), host, req=req) if view.a < count else None
        lists = {states.GALLERY: self.pages.gallery, states.VIDEOS: self.pages.video_list,
                 states.SCHEDULES: self.pages.schedule_list, states.BUSINESSES: self.pages.business_list}
        return lists[view.kind](host) if view.kind in lists else None

    def by_wcm_uri(self, uri: str, host: str, req: Request = Request()) -> Page | None:
        if not uri.lower().startswith("wcm:path:"):
            return None
        wcm = "/" + unquote(uri[len("wcm:path:"):]).strip().strip("/").lower()
        found = self.c.find_item(wcm)
        if found is not None:
            return self.item(found, host, req=req)
        prefix = f"/{C.LIBRARY}/{C.SITE}/"
        area = wcm[len(prefix):] if wcm.startswith(prefix) else None
        if area in C.BY_PATH:
            return self.pages.category(host, C.ALL.index(C.BY_PATH[area]), 1)
        if area in SITE_AREAS:  # a section's site area -> its landing page
            return self.section(SITE_AREAS[area], host, req)
        return None

    # --- /wps/wcm/connect/… ----------------------------------------------------------------------
    def wcm(self, rest: str, query: str, req: Request = Request()) -> Response:
        first = rest.strip("/").split("/", 1)[0].lower()
        if _UUID_RE.match(first):
            return self.media(first, req)
        found = self.c.find_item(rest)
        if found is None:
            return not_found()
        params = {key.lower(): v.lower() for key, v in parse_qsl(query, keep_blank_values=True)}
        shell = "print" if params.get("presentationtemplate") == U.PRINT_TEMPLATE else "connect"
        return _html(self.item(found, "", shell, req))

    def media(self, uid: str, req: Request = Request()) -> Response:
        found = decode_uuid(self.c.seed, uid)
        if not found:
            return not_found()
        k, slot = found
        if slot <= THUMB_SLOT:
            if not self.c.exists(k):
                return not_found()
            a = self.c.article(k)
            known = {img.path.split("/")[4] for img in a.images} | (
                {a.thumb.path.split("/")[4]} if slot == THUMB_SLOT else set())
            if uid not in known:
                return not_found()
        file = media_file(self.c, uid, k, slot)
        if file is None:
            return not_found()
        validators = VAL.media(self.c, uid, k, slot)
        if req.cond is not None and req.cond.not_modified(validators):
            raise NotModified(validators)
        body, mime = file
        return Response(200, body, [("Content-Type", mime), ("Cache-Control", "max-age=86400"), *validators.headers()])

    def static(self, path: str, req: Request | None = None) -> Response:
        """The theme's files (never edited: validators of their own, so a re-crawl's conditional GET is a 304)."""
        if path.endswith(".gif"):
            body, mime = gif_bytes(), "image/gif"
        elif path == "/wps/themes/html/HoangMai/styles.css":
            body, mime = theme.STYLES_CSS.encode(), "text/css; charset=UTF-8"
        elif path == "/wps/themes/html/HoangMai/js/portal.js":
            body, mime = theme.PORTAL_JS.encode(), "application/javascript; charset=UTF-8"
        else:
            return not_found()
        validators = VAL.make(self.c.seed, "", "static", path, 1, VAL.STATIC_SINCE)
        if req is not None and req.cond is not None and req.cond.not_modified(validators):
            raise NotModified(validators)
        self.pages.bump("static")
        return Response(200, body, [("Content-Type", mime), ("Cache-Control", "max-age=86400"), *validators.headers()])
