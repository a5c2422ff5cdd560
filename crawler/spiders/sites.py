"""The ``sites`` spider: the portal spider over many sibling portals at once (``crawl --sites``).

One crawl, one archive, one snapshot. Every site is walked as the portal spider walks one portal; what
changes: every item carries its ``site`` (and the site's extraction overrides), and a record's identity
is its WCM path *within its site* (siblings share WCM paths such as ``/hoangmai/site/gioi-thieu-chung/…``).
Politeness is per host (``crawler.sites``: download slot = ``host:port``, ``DOWNLOAD_SLOTS`` per site).
"""
from __future__ import annotations

from crawler.identity import article_id
from crawler.sites import Site, SiteMap, netloc
from crawler.spiders.portal import PortalSpider

#: Scrapy's scheduler for crawls of many hosts: it hands out the request of the download slot with the
#: fewest requests in flight, so a few hosts' queued requests (waiting out their delays) never fill the
#: downloader while the other hosts wait (the plain priority queue is one FIFO over every host).
FAIR_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"


class SitesSpider(PortalSpider):
    name = "sites"

    def __init__(self, sites: list[Site] | None = None, *args, **kwargs):
        if not sites:
            raise ValueError("the sites spider needs sites: portal-archive crawl --sites sites.toml")
        super().__init__(",".join(s.start_url for s in sites), *args, **kwargs)
        self.site_map = SiteMap(sites)
        self.allowed_hosts = self.site_map.hostnames()
        self.allowed_domains = sorted(self.allowed_hosts)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if not settings.frozen:
            if (settings.getpriority("SCHEDULER_PRIORITY_QUEUE") or 0) < 40:  # below cmdline: -s always wins
                settings.set("SCHEDULER_PRIORITY_QUEUE", FAIR_QUEUE, priority="spider")
            if (settings.getpriority("CONCURRENT_REQUESTS") or 0) < 40:  # room for every host's slot at once
                per_host = max(1, min(settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), 4))
                wanted = per_host * len(spider.site_map.sites)
                if settings.getint("CONCURRENT_REQUESTS") < wanted:
                    settings.set("CONCURRENT_REQUESTS", wanted, priority="spider")
        return spider

    def _request(self, url, priority, **kwargs):
        request = super()._request(url, priority, **kwargs)
        request.meta["download_slot"] = netloc(url)  # the scheduler balances by slot before the downloader sees it
        return request

    def site_of(self, url: str) -> str | None:
        return self.site_map.site_of(url)

    def record_key(self, wcm_path: str, url: str) -> str:
        return article_id(wcm_path, self.site_of(url))

    def _page_item(self, response, identity, self_urls):
        item = super()._page_item(response, identity, self_urls)
        site = self.site_of(response.url)
        item["site"] = site
        charset = self.site_map.sites[site].extract.get("charset") if site else None
        if charset:
            item["charset"] = charset
        return item

    def on_error(self, failure):
        for out in super().on_error(failure):
            if isinstance(out, dict):
                out["site"] = self.site_of(out["url"])
            yield out
