"""Honour robots.txt ``Crawl-delay`` (Scrapy parses robots.txt for Allow/Disallow only).

Reads the delay from every robots.txt response that passes the downloader and raises the floor of the
download slot of that host to it before each request (:class:`crawler.downloader.PoliteDownloader`).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from protego import Protego


class CrawlDelayMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.user_agent = crawler.settings.get("USER_AGENT") or "*"
        self.delays: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        delay = self.delays.get(urlsplit(request.url).netloc)
        if delay:
            downloader = self.crawler.engine.downloader
            downloader.raise_floor(downloader.get_slot_key(request), delay)
        return None

    def process_response(self, request, response, spider=None):
        parts = urlsplit(request.url)
        if parts.path == "/robots.txt" and response.status == 200:
            try:
                robots = Protego.parse(response.body.decode("utf-8", "replace"))
                delay = robots.crawl_delay(self.user_agent)
            except Exception:  # a broken robots.txt must not break the crawl
                delay = None
            if delay:
                self.delays[parts.netloc] = float(delay)
                self.crawler.stats.set_value(f"robotstxt/crawl_delay/{parts.netloc}", float(delay))
        return response
