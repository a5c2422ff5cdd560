"""The document register is paged by form posts bound to the portal session the form was issued in. The
spider posts in that session (whatever other responses set in the cookie jar meanwhile), notices a page
answered with another page (its session lost), asks again from the first page, and when that keeps
failing says the walk is incomplete: an error and a partial snapshot, never a silent short walk.
Against the replica's router (its sessions and form actions), without HTTP."""
from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.spiders.portal import MAX_SESSION_RETRIES, PortalSpider
from replica.corpus import Corpus
from replica.router import Router

HOST = "http://portal.test"
REGISTER = HOST + "/wps/portal/hoangmai/van-ban-chi-dao-dieu-hanh"


@pytest.fixture(scope="module")
def router():
    return Router(Corpus(20, 1, 160, 0))


def new_spider() -> PortalSpider:
    """A portal spider with the crawl's default limits, its stats counted in ``spider.stats``."""
    spider = PortalSpider(start_url=HOST + "/")
    stats = {}
    spider.crawler = SimpleNamespace(stats=SimpleNamespace(
        inc_value=lambda key, n=1: stats.__setitem__(key, stats.get(key, 0) + n)))
    spider.stats = stats
    spider.max_barren, spider.max_barren_pager, spider.max_failure_ratio = 3, 5, 0.2
    spider.home_ok = True
    return spider


@pytest.fixture
def spider():
    return new_spider()


def fetch(router, request: Request) -> HtmlResponse:
    """``request`` answered by the replica in the session its Cookie header names (a new one if none)."""
    cookie = (request.headers.get("Cookie") or b"").decode()
    session = dict(p.strip().split("=", 1) for p in cookie.split(";") if "=" in p).get("JSESSIONID")
    headers = {}
    if not router.sessions.known(session):
        session = router.sessions.new()
        headers["Set-Cookie"] = f"JSESSIONID={session}; Path=/"
    parts = urlsplit(request.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    answer = router.handle(target, HOST, request.method, request.body, session, {})
    headers.update((k, v) for k, v in answer.headers if k.lower() != "set-cookie")
    return HtmlResponse(request.url, status=answer.status, body=answer.body, headers=headers, request=request)


def walk_once(spider, response):
    out = list(spider.parse(response))
    return [o for o in out if isinstance(o, Request)], [o for o in out if isinstance(o, dict)]


def served(response) -> int:
    return int(response.xpath("//form[@name='searchvbpq']//input[@name='page']/@value").get())


def test_form_posts_carry_the_session_of_their_form_and_get_the_page_asked(router, spider):
    first = fetch(router, Request(REGISTER))  # no cookie yet: the portal issues a session with the page
    requests, _ = walk_once(spider, first)
    posts = [r for r in requests if r.method == "POST"]
    assert sorted(r.meta["page_no"] for r in posts) == [2, 3, 4]
    session = first.headers.get("Set-Cookie").decode().split(";")[0]
    router.sessions.new()  # meanwhile another response set another session in the crawl's cookie jar
    for post in posts:
        assert post.headers.get("Cookie").decode() == session and post.meta["dont_merge_cookies"]
        page = fetch(router, post)
        assert served(page) == post.meta["page_no"]
        more, _ = walk_once(spider, page)  # the next posts are bound to the same session
        assert all(r.headers.get("Cookie").decode() == session for r in more if r.method == "POST")
    # no error counted (the theme's requisites are asked for once, with the first page)
    assert spider.verdict() == "complete" and [k for k in spider.stats if "requisites" not in k] == []


def test_a_page_answered_with_another_is_asked_again_then_the_walk_is_incomplete(router, spider):
    first = fetch(router, Request(REGISTER))
    requests, _ = walk_once(spider, first)
    post = next(r for r in requests if r.method == "POST" and r.meta["page_no"] == 3)
    for attempt in range(MAX_SESSION_RETRIES):
        post.headers["Cookie"] = "JSESSIONID=expired"  # the portal forgot the session: it answers page 1
        lost = fetch(router, post)
        assert served(lost) == 1
        again, items = walk_once(spider, lost)
        assert not [r for r in again if r.method == "POST"] and not [i for i in items if i["item_type"] == "error"]
        restart = [r for r in again if r.meta.get("ask_again")]
        assert len(restart) == 1 and restart[0].method == "GET" and restart[0].url == REGISTER
        assert restart[0].meta["ask_again"] == [3] and restart[0].dont_filter
        requests, _ = walk_once(spider, fetch(router, restart[0]))  # page 1 again, in a session of its own
        post = next(r for r in requests if r.method == "POST" and r.meta["page_no"] == 3)  # asked again
        assert post.meta["session_retries"] == attempt + 1
    assert spider.verdict() == "complete"
    post.headers["Cookie"] = "JSESSIONID=expired"
    again, items = walk_once(spider, fetch(router, post))
    assert not [r for r in again if r.meta.get("ask_again")]
    errors = [i for i in items if i["item_type"] == "error"]
    assert [e["reason"] for e in errors] == ["session_lost"] and errors[0]["attempts"] == MAX_SESSION_RETRIES + 1
    assert spider.verdict() == "partial"  # the archive does not claim a complete register
    assert spider.stats["portal/register_session_lost"] == MAX_SESSION_RETRIES + 1


def test_a_register_page_that_failed_makes_the_snapshot_partial(spider):
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    post = Request(REGISTER, method="POST", meta={"listing": REGISTER, "page_no": 4})
    failure = Failure(HttpError(HtmlResponse(REGISTER, status=503, request=post), "503"))
    failure.request = post
    items = list(spider.on_error(failure))
    assert items[0]["reason"] == "http_503"
    assert spider.verdict() == "partial" and REGISTER in spider.listings_failed


def _walk(spider, router, requests, until=None):
    """Fetch and parse ``requests`` and the register posts they lead to, breadth first (stopping once
    ``until`` pages were served); returns (pages served, the posts not yet fetched, record ids listed)."""
    pages, queue, listed = set(), list(requests), set()
    while queue and (until is None or len(pages) < until):
        response = fetch(router, queue.pop(0))
        pages.add(served(response))
        more, _ = walk_once(spider, response)
        listed |= {r.meta["record_id"] for r in more if r.meta.get("record_id")}
        queue += [r for r in more if r.method == "POST" or r.meta.get("ask_again")]
    return pages, queue, listed


def test_a_walk_given_back_by_a_killed_worker_goes_as_deep_on_a_worker_that_archived_its_documents():
    """A crawl worker (``crawl --redis``) killed while its register posts wait gives back each as a GET of
    the first page (its session dies with it). The worker that takes them may have archived every document
    of the pages walked so far (taken from the shared queue): those pages, walked again, list nothing new to
    it, which is no evidence that the register ends there. The walk goes on to the pages never reached.
    (It once stopped after five such pages: 20 of 40 pages walked, the documents of 20 were missing.)"""
    from crawler.redis_scheduler import session_restart

    router = Router(Corpus(20, 1, 600, 0))  # 40 register pages
    last = router.c.documents.pages()
    killed, taker = new_spider(), new_spider()
    walked, held, listed = _walk(killed, router, [Request(REGISTER)], until=20)
    assert len(walked) == 20 and held  # killed mid-walk, posts waiting
    for record_id in listed:  # the taker archived every document listed so far
        taker.note_archived(record_id)
    given_back = [session_restart(post) for post in held if post.method == "POST"]
    assert given_back and all(r.method == "GET" and r.url == REGISTER for r in given_back)
    rewalked, left, _ = _walk(taker, router, given_back)
    assert not left
    assert walked | rewalked == set(range(1, last + 1))  # every page of the register, so every document
