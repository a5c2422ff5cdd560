"""Nothing is fetched outside the crawl's hosts and schemes, whatever a page, a redirect or a header says.

Every request (pages, redirect hops, media, robots.txt) passes :class:`GuardMiddleware` first:

* a scheme other than http/https (``file:``, ``data:``, ``ftp:``, ``s3:``…) → ``scheme_refused``
  (the download handlers of those schemes are switched off in the settings as well);
* a host other than the start URLs' (pages) or those and ``PORTAL_MEDIA_HOSTS`` (media) → ``host_refused``;
* when no start URL is itself private or loopback, a private, loopback, link-local or reserved address —
  as an IP literal, or a host name that resolves to one (:class:`GuardedResolver`) — → ``private_address``.
  The start URLs' own hosts are exempt: a portal reached over a government LAN stays crawlable.

Refusals raise :class:`~crawler.middlewares.limits.LimitExceeded`, so each becomes an ``errors`` row.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from crawler.middlewares.limits import LimitExceeded

ALLOWED_SCHEMES = frozenset({"http", "https"})


def private_address(host: str) -> bool:
    """True for ``localhost`` and for private, loopback, link-local, reserved, multicast or unspecified IPs."""
    host = host.lower().strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified


@dataclass
class GuardPolicy:
    own_hosts: frozenset  # the start URLs' hosts
    media_hosts: frozenset = frozenset()  # PORTAL_MEDIA_HOSTS without "*"
    any_media_host: bool = False  # PORTAL_MEDIA_HOSTS has "*"
    refused_names: set = field(default_factory=set)  # host names whose address was refused by the resolver

    @property
    def private_ok(self) -> bool:
        """Private addresses may be fetched when the crawl itself starts on one (the replica, an intranet)."""
        return any(private_address(h) for h in self.own_hosts)

    def refusal(self, url: str, *, media: bool = False) -> tuple[str, str] | None:
        """(reason, detail) if ``url`` must not be fetched, else None."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            return "scheme_refused", f"{url[:200]}: only http and https are fetched"
        host = (parts.hostname or "").lower()
        if not host:
            return "host_refused", f"{url[:200]}: no host"
        if host in self.own_hosts:
            return None
        if not self.private_ok and (private_address(host) or host in self.refused_names):
            return "private_address", f"{host} is a private or loopback address and the crawl started on a public one"
        if media and (self.any_media_host or host in self.media_hosts):
            return None
        allowed = "the start URLs' hosts" + (" and PORTAL_MEDIA_HOSTS" if media else "")
        return "host_refused", f"{host} is not among {allowed} ({', '.join(sorted(self.own_hosts))})"


_active: GuardPolicy | None = None  # the resolver is per process (Scrapy builds it before any spider)


class GuardMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.policy: GuardPolicy | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        global _active
        hosts = self.crawler.settings.getlist("PORTAL_MEDIA_HOSTS")
        own = getattr(spider, "allowed_hosts", None) or frozenset(
            (urlsplit(u).hostname or "").lower() for u in getattr(spider, "start_urls", ()))
        self.policy = _active = GuardPolicy(frozenset(own), frozenset(h.lower() for h in hosts if h != "*"),
                                            "*" in hosts)

    def process_request(self, request, spider=None):
        if self.policy is None:
            return None
        robots = request.meta.get("dont_obey_robotstxt") and urlsplit(request.url).path == "/robots.txt"
        refused = self.policy.refusal(request.url, media=bool(request.meta.get("media") or robots))
        if refused:
            reason, detail = refused
            self.crawler.stats.inc_value(f"portal/refused/{reason}")
            if request.meta.get("redirect_urls"):
                detail += f" (redirected from {request.meta['redirect_urls'][0]})"
            raise LimitExceeded(reason, detail)
        return None

    def process_exception(self, request, exception, spider=None):
        host = (urlsplit(request.url).hostname or "").lower()
        if self.policy is not None and host in self.policy.refused_names:
            raise LimitExceeded("private_address", f"{host} resolves to a private or loopback address "
                                                   f"and the crawl started on a public one") from exception
        return None


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that refuses private addresses for hosts the guard would refuse as IPs."""

    def getHostByName(self, name, timeout=()):  # noqa: N802 - Twisted's name
        d = super().getHostByName(name, timeout)
        d.addCallback(self._check, name)
        return d

    @staticmethod
    def _check(address: str, name: str) -> str:
        policy = _active
        host = name.lower()
        if policy is None or policy.private_ok or host in policy.own_hosts or not private_address(address):
            return address
        policy.refused_names.add(host)
        raise DNSLookupError(f"{name} resolves to {address}, a private or loopback address")
