"""Sibling portals (issue 12): N district portals of one province, each on its own loopback port with
its own content (seeded by its name) and one of two themes: the WPS 6.x portal (``wps``, the replica of
:mod:`replica.server`) or a Joomla + K2 district portal (``k2``, :mod:`replica.k2_site`).

Sibling ``i`` is named ``NAMES[i]`` (``hoangmai`` first, with the replica's usual seed 1; then
``<name>2``, ``<name>3``… past the list), and has theme ``wps`` for even ``i``, ``k2`` for odd ``i``.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Iterator

from .k2_site import NEWS, K2Router, K2Site
from .server import ReplicaServer, ServerThread, ThreadedHTTPServer
from .truth import iter_truth

THEMES = ("wps", "k2")
NAMES = ("hoangmai", "dienchau", "quynhluu", "yenthanh", "nghiloc", "dochuong", "thanhchuong", "namdan",
         "hungnguyen", "anhson", "tanky", "nghiadan", "quychau", "quyhop", "quephong", "conguong", "tuongduong",
         "kyson", "thaihoa", "cualo", "vinh")


@dataclass(frozen=True)
class Sibling:
    name: str
    theme: str
    seed: int


def site_seed(name: str) -> int:
    """Content seed of a sibling: 1 for ``hoangmai`` (the usual replica), else from the name."""
    return 1 if name == "hoangmai" else int.from_bytes(hashlib.sha1(name.encode()).digest()[:4], "big")


def siblings(n: int, themes: tuple[str, ...] = THEMES) -> list[Sibling]:
    """``n`` siblings, their themes taken in turn from ``themes``."""
    if n < 1:
        raise ValueError("--sites needs at least 1 site")
    if not themes or set(themes) - set(THEMES):
        raise ValueError(f"themes must be among {', '.join(THEMES)}")
    out = []
    for i in range(n):
        base, lap = NAMES[i % len(NAMES)], i // len(NAMES)
        name = base if lap == 0 else f"{base}{lap + 1}"
        out.append(Sibling(name, themes[i % len(themes)], site_seed(name)))
    return out


class _K2Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    disable_nagle_algorithm = True  # as Apache does (see replica/server.py)
    sys_version = ""
    router: K2Router
    latency: float = 0.0
    busy: bool = False  # the first request of each category listing answers 503 + Retry-After: 1
    shed: set

    def log_message(self, format, *args):  # noqa: A002
        pass

    def _respond(self, head_only: bool = False) -> None:
        if self.latency:
            time.sleep(self.latency)
        host = self.headers.get("Host") or "%s:%s" % self.server.server_address[:2]
        path = self.path.split("?", 1)[0].rstrip("/")
        headers = []
        if self.busy and path.count("/") == 2 and path.startswith(f"/{NEWS}/") and path not in self.shed:
            self.shed.add(path)
            self.router.served["busy"] += 1
            status, body, ctype = 503, b"<html><body><h1>Service Unavailable</h1></body></html>", "text/html"
            headers.append(("Retry-After", "1"))
        else:
            status, body, ctype = self.router.handle(self.path, "http://" + host)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        self._respond()

    def do_HEAD(self):  # noqa: N802
        self._respond(head_only=True)


class K2Server(ServerThread):
    """One K2 sibling on ``host:port`` (0 = a free port)."""

    def __init__(self, name: str, host: str = "127.0.0.1", port: int = 0, articles: int = 40, seed: int | None = None,
                 *, crawl_delay: float | None = None, latency: float = 0.0, busy: bool = False):
        self.site = K2Site(name, site_seed(name) if seed is None else seed, articles)
        self.router = K2Router(self.site, crawl_delay)
        handler = type("K2Handler", (_K2Handler,), {"router": self.router, "latency": latency, "busy": busy,
                                                    "shed": set()})
        self.httpd = ThreadedHTTPServer((host, port), handler)


def make_server(sib: Sibling, host: str = "127.0.0.1", port: int = 0, *, articles: int = 40, documents: int = 12,
                crawl_delay: float | None = None, latency: float = 0.0, busy: bool = False) -> ServerThread:
    if sib.theme == "k2":
        return K2Server(sib.name, host, port, articles, sib.seed, crawl_delay=crawl_delay, latency=latency, busy=busy)
    return ReplicaServer(host, port, articles, sib.seed, documents, crawl_delay=crawl_delay, latency=latency)


def sibling_truth(sib: Sibling, base_url: str, *, articles: int = 40, documents: int = 12) -> Iterator[dict]:
    """The ground truth of one sibling, each line with its ``site`` and ``theme``."""
    if sib.theme == "k2":
        lines = K2Site(sib.name, sib.seed, articles).truth(base_url)
    else:
        lines = iter_truth(base_url, articles, sib.seed, documents, media=False)
    for line in lines:
        yield {"site": sib.name, "theme": sib.theme, **line}


class SiblingServers:
    """N siblings on ports ``port, port+1, …`` (``port`` 0: free ports), started together.

    ``down``: names of siblings whose port is reserved but not served (a site that is down);
    ``themes``: the themes taken in turn (default WPS, K2); ``k2_articles``: the K2 siblings' size
    (default ``articles``)."""

    def __init__(self, n: int, host: str = "127.0.0.1", port: int = 0, *, articles: int = 40, documents: int = 12,
                 crawl_delay: float | None = None, latency: float = 0.0, busy: bool = False, down=(),
                 themes: tuple[str, ...] = THEMES, k2_articles: int | None = None):
        self.siblings = siblings(n, themes)
        self.options = {"articles": articles, "documents": documents}
        self.k2_articles = articles if k2_articles is None else k2_articles
        self.down = set(down)
        self.servers: dict[str, ServerThread] = {}
        for i, sib in enumerate(self.siblings):
            self.servers[sib.name] = make_server(sib, host, port + i if port else 0, crawl_delay=crawl_delay,
                                                 latency=latency, busy=busy, **self._options(sib))

    def _options(self, sib: Sibling) -> dict:
        return {**self.options, "articles": self.k2_articles} if sib.theme == "k2" else self.options

    def urls(self) -> dict[str, str]:
        return {name: srv.url for name, srv in self.servers.items()}

    def truth(self) -> Iterator[dict]:
        for sib in self.siblings:
            yield from sibling_truth(sib, self.servers[sib.name].url, **self._options(sib))

    def sites_toml(self) -> str:
        """A ``sites.toml`` listing every sibling (for ``portal-archive crawl --sites``)."""
        out = []
        for sib in self.siblings:
            url = self.servers[sib.name].url
            out.append(f'[[site]]\nname = "{sib.name}"\nstart_url = "{url}/"\n# theme: {sib.theme}\n')
        return "\n".join(out)

    def start(self) -> "SiblingServers":
        for name, srv in self.servers.items():
            if name in self.down:
                srv.httpd.server_close()  # the port was free a moment ago: nothing answers there now
            else:
                srv.start()
        return self

    def stop(self) -> None:
        for name, srv in self.servers.items():
            if name not in self.down:
                srv.stop()

    def __enter__(self) -> "SiblingServers":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

