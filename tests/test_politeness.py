"""Politeness machinery: Retry-After, robots Crawl-delay, loopback relaxation, media host allowlist."""
from __future__ import annotations

from types import SimpleNamespace

from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings

from crawler.middlewares.crawl_delay import CrawlDelayMiddleware
from crawler.middlewares.retry import retry_after_seconds
from crawler.politeness import relax_for_loopback


def test_retry_after_as_seconds_or_http_date():
    assert retry_after_seconds(b"7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_seconds(None) is None and retry_after_seconds(b"soon") is None


def test_crawl_delay_from_robots_txt_is_a_floor_of_the_slot_delay():
    """The middleware raises the floor (crawler.downloader); the downloader never waits less than it:
    tests/test_politeness_slots.py counts that at the replica."""
    from crawler.downloader import PoliteDownloader

    downloader = PoliteDownloader.__new__(PoliteDownloader)  # its state only (a real one needs a reactor)
    slot = SimpleNamespace(delay=0.5)
    downloader.floors, downloader.slots, downloader.ip_concurrency = {"other.example": 3.0}, {"portal.example": slot}, 0
    crawler = SimpleNamespace(settings=Settings({"USER_AGENT": "portal-archive/0.1"}),
                              engine=SimpleNamespace(downloader=downloader), stats=SimpleNamespace(set_value=lambda *a: None))
    mw = CrawlDelayMiddleware(crawler)
    robots = HtmlResponse("http://portal.example/robots.txt", body=b"User-agent: *\nCrawl-delay: 2.5\n")
    mw.process_response(Request(robots.url), robots)
    mw.process_request(Request("http://portal.example/wps/portal/hoangmai/"))
    assert downloader.floors == {"other.example": 3.0, "portal.example": 2.5} and slot.delay == 2.5
    downloader.raise_floor("portal.example", 1.0)  # a floor is only ever raised
    assert downloader.floors["portal.example"] == 2.5


def test_loopback_relaxes_defaults_but_never_a_user_setting():
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("DOWNLOAD_DELAY", 3, priority="cmdline")
    assert relax_for_loopback(settings, ["http://127.0.0.1:8080/"])
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is False
    assert settings.getfloat("DOWNLOAD_DELAY") == 3
    real = Settings()
    real.setmodule("crawler.settings", priority="project")
    assert not relax_for_loopback(real, ["http://hoangmai.nghean.gov.vn/"])
    assert real.getbool("AUTOTHROTTLE_ENABLED") is True and real.getbool("ROBOTSTXT_OBEY") is True
    assert "portal-archive" in real.get("USER_AGENT")


def test_media_of_other_hosts_is_not_fetched_unless_allowed():
    from pipelines.media import MediaPipeline

    def pipeline(hosts):
        mp = MediaPipeline.__new__(MediaPipeline)
        mp.any_host, mp.extra_hosts = "*" in hosts, {h for h in hosts if h != "*"}
        mp.crawler = SimpleNamespace(spider=SimpleNamespace(allowed_hosts=frozenset({"portal.example"})))
        return mp

    assert pipeline([])._allowed("http://portal.example/wps/wcm/connect/x/a.jpg")
    assert not pipeline([])._allowed("http://cdn.example/a.jpg")
    assert pipeline(["cdn.example"])._allowed("http://cdn.example/a.jpg")
    assert pipeline(["*"])._allowed("http://anything.example/a.jpg")


def test_failure_reasons_are_short_stable_tokens():
    from scrapy.exceptions import IgnoreRequest
    from twisted.internet.error import DNSLookupError, TimeoutError
    from twisted.python.failure import Failure

    from crawler.spiders.portal import failure_reason

    def reason(exc):
        try:
            raise exc
        except Exception:
            return failure_reason(Failure())

    assert reason(DNSLookupError("nonexistent.invalid")) == "dns"
    assert reason(TimeoutError()) == "timeout"
    assert reason(IgnoreRequest("Forbidden by robots.txt")) == "robots_disallowed"
    assert reason(IgnoreRequest("max redirections reached")) == "redirect_loop"
