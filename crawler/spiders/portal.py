"""The portal spider: from the home page to every content item, once.

* Follows menus, listings, pagers and related lists; resolves relative WPS deltas against
  ``<base href>`` (``response.urljoin`` does).
* Identifies content by its WCM path (``crawler.identity``), never by URL: a link that names an
  already archived item is recorded as an alias, not fetched; a page reached by a state or friendly
  URL names itself through its print / canonical links.
* Bounds what cannot be bounded by URL: per-visit state URLs, endless chains, soft 404s. A path of
  pages that reveals nothing new is dropped after ``PORTAL_MAX_BARREN_HOPS`` pages; pagers are walked
  by (listing, page number) while they reveal new items.
* Every failure (HTTP status or exception, with attempts) becomes an ``error`` item.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)

from crawler.identity import article_id, is_state_url, url_fingerprint, wcm_path_from_url, wcm_path_from_urls
from crawler.links import classify
from crawler.politeness import relax_for_loopback

_GOTO_PAGE_RE = re.compile(r"gotoPage\((\d+)\)")
PRIORITY_NAV = 10
PRIORITY_CONTENT = 0


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _self_urls(response) -> list[str]:
    """URLs a page declares as itself: canonical, bookmark, NavStateUrl, og:url, its print link."""
    hrefs = response.xpath(
        "//link[@rel='canonical' or @rel='bookmark' or @id='com.ibm.lotus.NavStateUrl']/@href"
        " | //meta[@property='og:url']/@content"
        " | //a[contains(@href, 'presentationtemplate') or contains(@href, 'presentationTemplate')]/@href"
    ).getall()
    return [response.urljoin(h.strip()) for h in hrefs if h.strip()]


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, start_url: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        urls = start_url or kwargs.get("start_urls") or "http://hoangmai.nghean.gov.vn/"
        self.start_urls = [u.strip() for u in (urls.split(",") if isinstance(urls, str) else urls) if u.strip()]
        hosts = {urlsplit(u).hostname.lower() for u in self.start_urls if urlsplit(u).hostname}
        self.allowed_hosts = frozenset(hosts)
        self.allowed_domains = sorted(hosts)
        # identity state: bounded by the number of items and URLs, like Scrapy's own dupefilter
        self.archived: set[str] = set()  # article ids handed to the pipelines
        self.pending: dict[str, list[str]] = {}  # article id -> URLs seen before its fetch
        self.known_urls: dict[bytes, str] = {}  # URL fingerprint -> article id
        self.pager_seen: set[tuple[str, int]] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if relax_for_loopback(crawler.settings, spider.start_urls):
            spider.logger.info("loopback target: polite delays relaxed")
        spider.max_barren = crawler.settings.getint("PORTAL_MAX_BARREN_HOPS", 3)
        spider.max_barren_pager = crawler.settings.getint("PORTAL_MAX_BARREN_PAGER", 5)
        return spider

    async def start(self):
        for url in self.start_urls:
            yield self._request(url, PRIORITY_NAV, barren=0)

    # -- requests ---------------------------------------------------------------------------
    def _request(self, url, priority, *, barren, wcm_path=None, listing=None, page_no=None, referer=None):
        meta = {"barren": barren, "wcm_path": wcm_path, "listing": listing, "page_no": page_no}
        headers = {"Referer": referer} if referer else None
        return scrapy.Request(
            url, callback=self.parse, errback=self.on_error, priority=priority, meta=meta,
            headers=headers, dont_filter=False,
        )

    # -- responses --------------------------------------------------------------------------
    def parse(self, response):
        if not hasattr(response, "xpath"):  # not text: nothing to extract or follow
            yield self._page_item(response, None, [])
            return
        meta = response.meta
        seen_urls = [response.url, *meta.get("redirect_urls", [])]
        self_urls = _self_urls(response)
        wcm_path = meta.get("wcm_path") or wcm_path_from_url(response.url) or wcm_path_from_urls(self_urls)
        discovered = 0
        if wcm_path:
            aid = article_id(wcm_path)
            if aid in self.archived:
                yield from self._aliases(aid, seen_urls)
                wcm_path = None  # already archived: log the page only
            else:
                discovered += 1
                self.archived.add(aid)
                earlier = self.pending.pop(aid, [])
                for u in [*seen_urls, *self_urls]:
                    self.known_urls[url_fingerprint(u)] = aid
                urls = list(dict.fromkeys([*earlier, *seen_urls, *self_urls]))
                meta_out = {"wcm_path": wcm_path, "article_id": aid, "urls_seen": urls}
                yield self._page_item(response, meta_out, self_urls)
        else:
            yield self._page_item(response, None, self_urls)

        follow = []
        for a in response.xpath("//a[@href] | //area[@href]"):
            href = a.attrib.get("href", "")
            link = classify(
                href, response.urljoin(href.strip()),
                anchor_id=a.attrib.get("id", ""), title=a.attrib.get("title", ""),
                text=" ".join(a.xpath(".//text()").getall()), css_class=a.attrib.get("class", ""),
                page_url=response.url, allowed_hosts=self.allowed_hosts,
            )
            if link is not None:
                follow.append(link)
        listing_key = self._listing_key(response, self_urls)
        new_here = discovered
        for link in follow:
            if link.kind == "content":
                new_here += self._note_content(link)
        barren = 0 if new_here else meta.get("barren", 0) + 1
        for link in follow:
            req = self._next_request(link, response, barren, listing_key, new_here)
            if req is not None:
                yield req
        yield from self._form_pages(response, listing_key, new_here)
        for aid, url in self._aliases_from_links(follow):
            yield {"item_type": "alias", "article_id": aid, "url": url, "seen_at": _now()}

    def _note_content(self, link) -> int:
        aid = article_id(link.wcm_path)
        if aid in self.archived or aid in self.pending:
            return 0
        return 1

    def _aliases_from_links(self, follow):
        for link in follow:
            if link.kind != "content":
                continue
            aid = article_id(link.wcm_path)
            fp = url_fingerprint(link.url)
            if aid in self.archived and fp not in self.known_urls:
                self.known_urls[fp] = aid
                yield aid, link.url

    def _next_request(self, link, response, barren, listing_key, new_here):
        fp = url_fingerprint(link.url)
        known = self.known_urls.get(fp)
        if known is not None:
            return None
        if link.kind == "content":
            aid = article_id(link.wcm_path)
            if aid in self.archived:
                return None
            if aid in self.pending:
                if link.url not in self.pending[aid]:
                    self.pending[aid].append(link.url)
                return None
            self.pending[aid] = [link.url]
            return self._request(link.url, PRIORITY_CONTENT, barren=0, wcm_path=link.wcm_path, referer=response.url)
        if link.kind == "pager":
            current = response.meta.get("page_no") or 1
            page_no = link.page_no if link.page_no is not None else (current + 1 if link.pager_rel == "next" else None)
            pager_barren = 0 if new_here else response.meta.get("barren", 0) + 1
            if page_no is None or pager_barren > self.max_barren_pager:
                return None
            key = (listing_key, page_no)
            if key in self.pager_seen:
                return None
            self.pager_seen.add(key)
            return self._request(link.url, PRIORITY_NAV, barren=pager_barren, listing=listing_key,
                                 page_no=page_no, referer=response.url)
        if barren > self.max_barren:
            return None
        return self._request(link.url, PRIORITY_NAV, barren=barren, referer=response.url)

    def _form_pages(self, response, listing_key, new_here):
        """Registers paged only by POSTing a form (``javascript:gotoPage(N)``, WCM ``searchvbpq``).

        The form's action is a state URL that changes on every response, so it is re-read from the
        page each time; the session cookie rides along in Scrapy's cookie jar.
        """
        numbers = {int(n) for n in _GOTO_PAGE_RE.findall(" ".join(response.xpath("//a/@href | //a/@onclick").getall()))}
        if not numbers:
            return
        form = response.xpath("//form[.//input[@name='page']]")
        if not form:
            return
        pager_barren = 0 if new_here else response.meta.get("barren", 0) + 1
        if pager_barren > self.max_barren_pager:
            return
        key_base = f"form:{listing_key}"
        self.pager_seen.add((key_base, response.meta.get("page_no") or 1))
        for number in sorted(numbers):
            key = (key_base, number)
            if key in self.pager_seen:
                continue
            self.pager_seen.add(key)
            request = scrapy.FormRequest.from_response(
                response, formxpath="(//form[.//input[@name='page']])[1]",
                formdata={"page": str(number), "cmd": ""}, dont_click=True,
                callback=self.parse, errback=self.on_error, priority=PRIORITY_NAV,
                meta={"barren": pager_barren, "listing": listing_key, "page_no": number, "wcm_path": None},
            )
            yield request

    def _listing_key(self, response, self_urls) -> str:
        if response.meta.get("listing"):
            return response.meta["listing"]
        for u in self_urls:
            if not is_state_url(u) and "presentationtemplate" not in u.lower():
                return u
        return response.url.split("/!ut/p/", 1)[0]

    def _aliases(self, aid, urls):
        for url in urls:
            fp = url_fingerprint(url)
            if fp not in self.known_urls:
                self.known_urls[fp] = aid
                yield {"item_type": "alias", "article_id": aid, "url": url, "seen_at": _now()}

    def _page_item(self, response, identity, self_urls):
        item = {
            "item_type": "page",
            "url": response.url,
            "status": response.status,
            "headers": {k.decode("latin-1").lower(): v[0].decode("latin-1") for k, v in response.headers.items() if v},
            "body": response.body,
            "fetched_at": _now(),
            "referer": (response.request.headers.get("Referer") or b"").decode("latin-1") or None,
            "expected_content": bool(response.meta.get("wcm_path")),
            "wcm_path": None,
            "article_id": None,
            "urls_seen": [],
        }
        if identity:
            item.update(identity)
        return item

    # -- failures ---------------------------------------------------------------------------
    def on_error(self, failure):
        request = failure.request
        attempts = request.meta.get("retry_times", 0) + 1
        status = None
        if failure.check(HttpError):
            status = failure.value.response.status
            reason = f"http_{status}"
        elif failure.check(DNSLookupError):
            reason = "dns"
        elif failure.check(TimeoutError, TCPTimedOutError):
            reason = "timeout"
        elif failure.check(ConnectionRefusedError):
            reason = "connection_refused"
        elif failure.check(ConnectionLost):
            reason = "connection_lost"
        else:
            reason = type(failure.value).__name__
        self.logger.warning("failed %s: %s (%d attempts)", request.url, reason, attempts)
        yield {
            "item_type": "error",
            "url": request.url,
            "reason": reason,
            "http_status": status,
            "exception": None if status else f"{type(failure.value).__name__}: {failure.value}",
            "attempts": attempts,
            "referer": (request.headers.get("Referer") or b"").decode("latin-1") or None,
            "failed_at": _now(),
        }
        if request.meta.get("wcm_path"):  # try the item's other known URLs before giving up on it
            aid = article_id(request.meta["wcm_path"])
            others = [u for u in self.pending.pop(aid, []) if u != request.url]
            if others:
                self.pending[aid] = others
                yield self._request(others[0], PRIORITY_CONTENT, barren=0, wcm_path=request.meta["wcm_path"])
