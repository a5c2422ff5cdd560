"""What a request target is, for the fault injector: its fault KEY (the URL without its state blob), whether
it is exempt (robots.txt, the home page; media and theme files unless ``--fault-media``), and the record
it shows, if any (so all URL forms of one designated record behave alike).

The key of a state URL replaces the blob (fresh on every render) by the view it encodes
(``~<kind>.<a>.<b>.<hops>``; ``~x`` if it does not decode), and a pager delta by its target page; the
query string is kept. A POST's key also holds its form's ``page`` field (the register's POST paging).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from . import categories as C
from . import states
from .router import ITEM_PAGES

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ITEM_KINDS = {states.DOCUMENT: "document", states.ALBUM: "album", states.SCHEDULE: "schedule", states.STATIC: "page"}


@dataclass(frozen=True)
class Target:
    key: str  # the URL without its state blob (plus method/page for POSTs)
    path: str  # percent-decoded path
    query: str
    exempt: str | None = None  # "robots", "home", "media" (exempt unless fault_media) or None
    record: tuple[str, int] | None = None  # the record it shows: ("article", k), ("document", i), …
    state: bool = False  # a state URL (its key cannot be listed in advance)
    post: bool = False


def _record_of_wcm(corpus, uri: str) -> tuple[str, int] | None:
    if not uri.lower().startswith("wcm:path:"):
        return None
    return corpus.find_item("/" + unquote(uri[len("wcm:path:"):]).strip().strip("/").lower())


def _state(corpus, rest: str) -> tuple[str, tuple[str, int] | None, bool]:
    """(normalized rest, record, is home) of what follows ``/!ut/p/``."""
    parsed = states.parse_state(rest)
    v = parsed.view
    if v is None:
        return "~x", None, False
    desc = f"~{v.kind}.{v.a}.{v.b}.{len(v.trail)}" + (f".{parsed.mode}" if parsed.mode else "")
    if parsed.mode:
        return desc, None, False
    if v.kind == states.ARTICLE:
        return desc, (("article", v.a) if corpus.exists(v.a) else None), False
    if v.kind in ITEM_KINDS:
        kind = ITEM_KINDS[v.kind]
        count = {"document": corpus.documents.n, "album": corpus.albums.n, "schedule": corpus.schedules.n,
                 "page": len(corpus.static.pages)}[kind]
        return desc, ((kind, v.a) if v.a < count else None), False
    return desc, None, v.kind == states.HOME


def classify(corpus, method: str, target: str, body: bytes = b"") -> Target:
    parts = urlsplit(target)
    path, query = unquote(parts.path), parts.query
    post = method == "POST"
    suffix = ("?" + query) if query else ""
    if post:
        page = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True)).get("page", "")
        suffix += f" POST page={page}"
    if path in ("/", "/robots.txt", "/wps/portal", "/wps/portal/"):
        return Target(path + suffix, path, query, exempt="robots" if path == "/robots.txt" else "home", post=post)
    if path.startswith(("/wps/themes/", "/wps/skins/")):
        return Target(path + suffix, path, query, exempt="media", post=post)
    if path.startswith("/wps/wcm/connect/"):
        rest = path[len("/wps/wcm/connect"):]
        if _UUID_RE.match(rest.strip("/").split("/", 1)[0].lower()):
            return Target(path + suffix, path, query, exempt="media", post=post)
        return Target(path + suffix, path, query, record=corpus.find_item(rest), post=post)
    if not (path == states.PORTAL or path.startswith(states.PORTAL + "/")):
        return Target(path + suffix, path, query, post=post)
    rest = path[len(states.PORTAL):]
    params = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=True)}
    record = None
    by_uri = "urile" in params or "wcm_global_context" in params  # the router reads these first
    if "urile" in params:
        record = _record_of_wcm(corpus, params["urile"])
    elif "wcm_global_context" in params:
        ctx = unquote(params["wcm_global_context"])
        ctx = ctx[len("/wps/wcm/connect"):] if ctx.lower().startswith("/wps/wcm/connect") else ctx
        record = _record_of_wcm(corpus, "wcm:path:" + ctx)
    if "/!ut/p/" in rest:
        head, _, tail = rest.partition("/!ut/p/")
        desc, view_record, home = _state(corpus, tail)
        exempt = "home" if home and not by_uri else None
        return Target(f"{states.PORTAL}{head}/!ut/p/{desc}/{suffix}", path, query, exempt=exempt,
                      record=record if by_uri else view_record, state=True, post=post)
    slug = rest.strip("/").lower()
    if slug in ("", "trang-chu") and not by_uri:
        return Target(path + suffix, path, query, exempt="home", post=post)
    if not by_uri:
        head, _, name = slug.rpartition("/")
        if head in C.LEAF_INDEX:
            k = corpus.find(f"/{C.LIBRARY}/{C.SITE}/{slug}")
            record = ("article", k) if k is not None else None
        elif head in ITEM_PAGES:
            found = corpus.find_item(f"/{C.LIBRARY}/{C.SITE}/{ITEM_PAGES[head]}/{name}")
            record = found if found and found[0] != "article" else None
    return Target(path + suffix, path, query, record=record, post=post)
