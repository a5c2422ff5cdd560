"""Baseline crawler for ``make bench``: a bare Scrapy spider that only GETs a list of URLs.

Same concurrency as the portal crawl on loopback, no parsing, no extraction, no archive.
Usage: python -m bench.bare_fetch URLS.txt
"""
from __future__ import annotations

import sys
import time

import scrapy
from scrapy.crawler import CrawlerProcess

from crawler.politeness import LOOPBACK_SETTINGS


class BareFetch(scrapy.Spider):
    name = "bare_fetch"

    def __init__(self, urls_file: str, **kwargs):
        super().__init__(**kwargs)
        with open(urls_file, encoding="utf-8") as fh:
            self.urls = [line.strip() for line in fh if line.strip()]

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):
        return None


def main(urls_file: str) -> None:
    settings = {"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False,
                "COOKIES_ENABLED": True, "REDIRECT_ENABLED": True, **LOOPBACK_SETTINGS}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareFetch)
    started = time.perf_counter()
    process.crawl(crawler, urls_file=urls_file)
    process.start()
    elapsed = time.perf_counter() - started
    pages = crawler.stats.get_value("response_received_count", 0)
    print(f"{pages} {elapsed:.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
