"""The bounds of crawler/middlewares one by one: what each refuses, with which reason (issue 7)."""
from __future__ import annotations

import asyncio
import gzip

import pytest
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.middlewares.guard import GuardPolicy, private_address
from crawler.middlewares.limits import BoundedCompressionMiddleware, LimitExceeded, LimitsMiddleware
from crawler.middlewares.redirect import BoundedRedirectMiddleware
from crawler.middlewares.retry import BackoffRetryMiddleware


def _crawler(**overrides):
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("TWISTED_REACTOR_ENABLED", False)  # the middlewares are called directly: no reactor needed
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return get_crawler(settings_dict=settings.copy_to_dict())


def _reason(call) -> str:
    with pytest.raises(LimitExceeded) as info:
        call()
    assert isinstance(info.value, IgnoreRequest)  # Scrapy's errback path: an errors row, no traceback
    return info.value.portal_reason


# -- hosts and schemes ------------------------------------------------------------------------------
PUBLIC = GuardPolicy(frozenset({"hoangmai.nghean.gov.vn"}), frozenset({"cdn.nghean.gov.vn"}))


@pytest.mark.parametrize("url, media, reason", [
    ("http://hoangmai.nghean.gov.vn/wps/portal/", False, None),
    ("https://hoangmai.nghean.gov.vn/a.jpg", True, None),
    ("http://cdn.nghean.gov.vn/a.jpg", True, None),  # PORTAL_MEDIA_HOSTS: media only
    ("http://cdn.nghean.gov.vn/page", False, "host_refused"),
    ("http://evil.example/", False, "host_refused"),
    ("file:///etc/passwd", False, "scheme_refused"),
    ("data:text/html,<h1>x</h1>", True, "scheme_refused"),
    ("ftp://hoangmai.nghean.gov.vn/x", False, "scheme_refused"),
    ("javascript:alert(1)", False, "scheme_refused"),
    ("http://127.0.0.1:8080/", False, "private_address"),
    ("http://10.1.2.3/a.jpg", True, "private_address"),
    ("http://169.254.169.254/latest/meta-data/", False, "private_address"),
    ("http://[::1]/", False, "private_address"),
    ("http://localhost/", True, "private_address"),
])
def test_nothing_is_fetched_outside_the_allowed_hosts_and_schemes(url, media, reason):
    refused = PUBLIC.refusal(url, media=media)
    assert (refused[0] if refused else None) == reason


def test_private_addresses_are_allowed_when_the_crawl_starts_on_one():
    replica = GuardPolicy(frozenset({"127.0.0.1"}))
    assert replica.private_ok and replica.refusal("http://127.0.0.1:9/x") is None
    assert replica.refusal("http://localhost:9/x")[0] == "host_refused"  # still not one of its hosts
    assert private_address("192.168.1.1") and private_address("::ffff:10.0.0.1")
    assert not private_address("203.113.130.1") and not private_address("hoangmai.nghean.gov.vn")


def test_a_host_name_resolving_to_a_private_address_is_refused():
    from crawler.middlewares import guard

    policy = GuardPolicy(frozenset({"hoangmai.nghean.gov.vn"}), any_media_host=True)
    guard._active, saved = policy, guard._active
    try:
        assert guard.GuardedResolver._check("203.113.130.1", "cdn.example") == "203.113.130.1"
        assert guard.GuardedResolver._check("10.0.0.5", "hoangmai.nghean.gov.vn") == "10.0.0.5"  # its own host
        with pytest.raises(Exception, match="private or loopback"):
            guard.GuardedResolver._check("10.0.0.5", "rebind.example")
        assert policy.refusal("http://rebind.example/a.jpg", media=True)[0] == "private_address"
    finally:
        guard._active = saved


# -- redirects -------------------------------------------------------------------------------------
def _redirect_mw():
    crawler = _crawler()
    return BoundedRedirectMiddleware.from_crawler(crawler)


def _302(url, location):
    return Response(url, status=302, headers={"Location": location})


def test_a_redirect_loop_is_an_error_not_a_silent_drop():
    mw = _redirect_mw()
    a = Request("http://portal.example/a")
    b = mw.process_response(a, _302(a.url, "/b"))
    assert b.url == "http://portal.example/b"
    assert _reason(lambda: mw.process_response(b, _302(b.url, "/a"))) == "redirect_loop"
    assert _reason(lambda: mw.process_response(a, _302(a.url, "http://portal.example/a"))) == "redirect_loop"


def test_a_long_redirect_chain_is_cut_at_redirect_max_times():
    mw = _redirect_mw()
    request = Request("http://portal.example/chain/0")
    with pytest.raises(LimitExceeded) as info:
        for n in range(1, 31):
            request = mw.process_response(request, _302(request.url, f"/chain/{n}"))
    assert info.value.portal_reason == "too_many_redirects" and "chain/0" in info.value.detail
    assert n == 11  # REDIRECT_MAX_TIMES = 10 hops followed


def test_a_redirect_to_another_scheme_is_refused():
    mw = _redirect_mw()
    request = Request("http://portal.example/x")
    assert _reason(lambda: mw.process_response(request, _302(request.url, "file:///etc/passwd"))) == "scheme_refused"


# -- size --------------------------------------------------------------------------------------------
def test_pages_and_media_get_their_own_size_limits():
    mw = LimitsMiddleware.from_crawler(_crawler())
    page, media = Request("http://p.example/"), Request("http://p.example/a.pdf", meta={"media": True})
    mw.process_request(page)
    mw.process_request(media)
    assert page.meta["download_maxsize"] == 8 * 1024 * 1024
    assert media.meta["download_maxsize"] == 100 * 1024 * 1024
    big = DownloadCancelledError("Expected to receive 50000000 bytes which is larger than download max size (8388608)")
    assert _reason(lambda: mw.process_exception(page, big)) == "too_large"
    assert mw.process_exception(page, DownloadCancelledError("")) is None  # cancelled for another cause
    LimitsMiddleware.bytes_received(b"x" * (9 * 1024 * 1024), page)  # a chunked body past the limit, cut off
    assert _reason(lambda: mw.process_exception(page, DownloadCancelledError(""))) == "too_large"
    assert _reason(lambda: mw.process_exception(page, DownloadTimeoutError("took longer"))) == "timeout"
    assert mw.process_exception(page, ValueError("other")) is None


def test_a_gzip_bomb_stops_at_the_decompressed_limit():
    mw = BoundedCompressionMiddleware.from_crawler(_crawler(PORTAL_PAGE_MAXSIZE=1_000_000))
    request = Request("http://p.example/bomb")
    LimitsMiddleware.from_crawler(_crawler(PORTAL_PAGE_MAXSIZE=1_000_000)).process_request(request)
    bomb = gzip.compress(b"\0" * 20_000_000)
    response = HtmlResponse(request.url, body=bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(LimitExceeded) as info:
        asyncio.run(mw.process_response(request, response))
    assert info.value.portal_reason == "too_large" and "PORTAL_PAGE_MAXSIZE" in info.value.detail
    small = HtmlResponse(request.url, body=gzip.compress(b"<html>ok</html>"), headers={"Content-Encoding": "gzip"})
    assert asyncio.run(mw.process_response(request, small)).body == b"<html>ok</html>"


# -- retries -----------------------------------------------------------------------------------------
def _retry_mw(**overrides):
    return BackoffRetryMiddleware.from_crawler(_crawler(**overrides))


def test_a_huge_retry_after_is_not_waited_for():
    mw = _retry_mw()
    request = Request("http://p.example/storm")
    for after in ("86400", "Fri, 31 Dec 2099 23:59:59 GMT"):
        response = Response(request.url, status=503, headers={"Retry-After": after})
        assert asyncio.run(mw.process_response(request, response)) is response  # given up at once: an errors row


def test_each_attempt_gets_what_is_left_of_the_deadline():
    mw = _retry_mw(PORTAL_REQUEST_DEADLINE=30, DOWNLOAD_TIMEOUT=20)
    request = Request("http://p.example/drip")
    mw.process_request(request)
    assert request.meta["download_timeout"] == 20
    request.meta["portal_spent"] = 25.0
    mw.process_request(request)
    assert request.meta["download_timeout"] == 5
    request.meta["download_timeout"] = 5
    # 25 s spent + a 5 s timeout: nothing left, no retry (the limits middleware then records "timeout")
    assert asyncio.run(mw.process_exception(request, DownloadTimeoutError("took longer"))) is None
