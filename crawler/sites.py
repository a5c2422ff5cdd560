"""Many portals from one config (issue 12): ``sites.toml`` → the sites of one crawl, and the download
slot (politeness unit) of every request.

```toml
[defaults]                 # optional: applies to every site unless the site says otherwise
delay = 1.0                # seconds between two requests to one host (Scrapy's per-slot DOWNLOAD_DELAY)
concurrency = 2            # requests in flight per host

[[site]]
name = "hoangmai"                         # letters, digits, '-', '_'; unique; stored in every row's `site`
start_url = "http://hoangmai.nghean.gov.vn/"
allowed_hosts = ["hoangmai.nghean.gov.vn"] # optional: host or host:port; default the start URL's
delay = 2.0                               # optional politeness overrides
concurrency = 1
[site.extract]                            # optional extraction overrides
charset = "windows-1258"                  # decode this site's pages with this charset, whatever they declare
```

Politeness is per host: every request's download slot is its ``host:port`` (:class:`HostSlotMiddleware`),
so each site has its own delay, concurrency and robots.txt ``Crawl-delay``; a slow or dead site only
fills its own slot, never another site's.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_SITE_KEYS = {"name", "start_url", "allowed_hosts", "delay", "concurrency", "extract"}
_EXTRACT_KEYS = {"charset"}


class SitesError(ValueError):
    """A sites.toml that cannot be used; the message says what and where."""


@dataclass(frozen=True)
class Site:
    name: str
    start_url: str
    allowed_hosts: tuple[str, ...]  # lower-cased host or host:port
    delay: float | None = None
    concurrency: int | None = None
    extract: dict = field(default_factory=dict)


def netloc(url: str) -> str:
    """``host:port`` of a URL, lower-cased, the default port left out."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def _number(where: str, key: str, value, kind):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (kind is int and value < 1):
        raise SitesError(f"{where}: {key} must be a {'positive integer' if kind is int else 'number >= 0'}, got {value!r}")
    if kind is int and int(value) != value:
        raise SitesError(f"{where}: {key} must be a whole number, got {value!r}")
    return kind(value)


def parse_sites(data: dict, source: str = "sites.toml") -> list[Site]:
    defaults = data.get("defaults") or {}
    unknown = set(data) - {"defaults", "site"}
    if unknown:
        raise SitesError(f"{source}: unknown table(s) {', '.join(sorted(unknown))}; expected [defaults] and [[site]]")
    entries = data.get("site")
    if not isinstance(entries, list) or not entries:
        raise SitesError(f"{source}: no [[site]] entries; add one per portal (name, start_url)")
    sites, names = [], set()
    for i, entry in enumerate(entries, 1):
        where = f"{source}: site #{i}"
        extra = set(entry) - _SITE_KEYS
        if extra:
            raise SitesError(f"{where}: unknown key(s) {', '.join(sorted(extra))}; allowed: {', '.join(sorted(_SITE_KEYS))}")
        name = entry.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise SitesError(f"{where}: name must be 1-64 letters, digits, '-' or '_', got {name!r}")
        where = f"{source}: site {name!r}"
        if name in names:
            raise SitesError(f"{where}: the name is used twice; names must be unique")
        names.add(name)
        url = entry.get("start_url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise SitesError(f"{where}: start_url must be an http(s) URL, got {url!r}")
        hosts = entry.get("allowed_hosts") or [netloc(url)]
        if not isinstance(hosts, list) or not all(isinstance(h, str) and h.strip() for h in hosts):
            raise SitesError(f"{where}: allowed_hosts must be a list of host names (host or host:port)")
        extract = entry.get("extract") or {}
        if set(extract) - _EXTRACT_KEYS:
            raise SitesError(f"{where}: unknown extract key(s) {', '.join(sorted(set(extract) - _EXTRACT_KEYS))}; "
                             f"allowed: {', '.join(sorted(_EXTRACT_KEYS))}")
        if "charset" in extract:
            import codecs

            try:
                codecs.lookup(str(extract["charset"]))
            except LookupError:
                raise SitesError(f"{where}: extract.charset {extract['charset']!r} is not a known encoding") from None
        sites.append(Site(
            name, url, tuple(h.strip().lower() for h in hosts),
            _number(where, "delay", entry.get("delay", defaults.get("delay")), float),
            _number(where, "concurrency", entry.get("concurrency", defaults.get("concurrency")), int),
            dict(extract),
        ))
    owners: dict[str, str] = {}
    for site in sites:
        for host in site.allowed_hosts:
            if owners.setdefault(host, site.name) != site.name:
                raise SitesError(f"{source}: host {host} is allowed for both {owners[host]!r} and {site.name!r}")
    return sites


def load_sites(path: str | Path) -> list[Site]:
    """The sites of a sites.toml; :class:`SitesError` with one clear line if it is unusable."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SitesError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SitesError(f"{path}: cannot read it ({e})") from None
    except tomllib.TOMLDecodeError as e:
        raise SitesError(f"{path}: not valid TOML ({e})") from None
    return parse_sites(data, str(path))


class SiteMap:
    """Which site a URL belongs to: by ``host:port``, else by host name."""

    def __init__(self, sites: list[Site]):
        self.sites = {s.name: s for s in sites}
        self._by_netloc: dict[str, str] = {}
        self._by_host: dict[str, str] = {}
        for s in sites:
            for h in (*s.allowed_hosts, netloc(s.start_url)):
                self._by_netloc.setdefault(h, s.name)
                self._by_host.setdefault(h.rsplit(":", 1)[0] if ":" in h else h, s.name)

    def site_of(self, url: str) -> str | None:
        loc = netloc(url)
        return self._by_netloc.get(loc) or self._by_host.get(loc.rsplit(":", 1)[0] if ":" in loc else loc)

    def hostnames(self) -> frozenset[str]:
        return frozenset(self._by_host)


def download_slots(sites: list[Site]) -> dict[str, dict]:
    """Scrapy's ``DOWNLOAD_SLOTS`` for the sites' politeness overrides (slot = ``host:port``)."""
    slots = {}
    for s in sites:
        conf = {}
        if s.delay is not None:
            conf.update(delay=s.delay, randomize_delay=False)
        if s.concurrency is not None:
            conf["concurrency"] = s.concurrency
        if conf:
            for h in {*s.allowed_hosts, netloc(s.start_url)}:
                slots[h] = conf
    return slots


class HostSlotMiddleware:
    """Downloader middleware: the download slot of every request (pages, media, robots.txt) is its
    ``host:port``, so sibling portals on one host name but different ports are polite separately."""

    def process_request(self, request, spider=None):
        request.meta.setdefault("download_slot", netloc(request.url))
        return None
