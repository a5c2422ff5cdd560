"""robots.txt is obeyed by every request that arrives while it is being fetched, not only the first.

Scrapy 2.19's own middleware checks only the first of the requests that wait for a host's robots.txt
(crawler/middlewares/robots.py says why); a crawl worker joining a running crawl takes several at once. A
spider that starts with several disallowed URLs at once, against the replica, in a process of its own."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

SPIDER = r"""
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

base, middleware = sys.argv[1], sys.argv[2]
fetched = []

class Probe(scrapy.Spider):
    name = "probe"
    async def start(self):
        for path in ["/wps/portal/hoangmai/"] + [f"/wps/portal/hoangmai/tim-kiem?q={i}" for i in range(6)] \
                + [f"/wps/myportal/hoangmai/{i}" for i in range(3)]:
            yield scrapy.Request(base + path, dont_filter=True)
    def parse(self, response):
        fetched.append(response.url)

process = CrawlerProcess({
    "ROBOTSTXT_OBEY": True, "LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False,
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    "DOWNLOADER_MIDDLEWARES": {"scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None, middleware: 100},
})
process.crawl(Probe)
process.start()
print(json.dumps(fetched))
"""


def _fetched(replica, middleware: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", SPIDER, replica.url, middleware], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_request_waiting_for_robots_txt_is_checked(replica):
    fetched = _fetched(replica, "crawler.middlewares.robots.RobotsTxtMiddleware")
    assert fetched == [replica.url + "/wps/portal/hoangmai/"], fetched  # the 9 disallowed URLs: none fetched


def test_scrapy_own_middleware_lets_waiters_through(replica):
    """The upstream behaviour this module works around (if Scrapy fixes it, this test says so)."""
    fetched = _fetched(replica, "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware")
    assert any("tim-kiem" in u or "myportal" in u for u in fetched), fetched
