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
* Page requisites (the theme's CSS, JS, icons, decoration images) are fetched once per snapshot
  (:mod:`crawler.spiders.requisites`); they are no records and do not count in the verdict.
* Removal needs evidence: the spider notes which listing, register and menu pages (by listing key)
  list which records (``listing`` items, the ``listings`` table). A record of the previous state that
  nothing links to any more is re-requested at its own URL, once the crawl is idle, only if every
  listing that listed it last time was fetched whole this time; a 404/410 (or the portal's soft 404)
  there is a ``removed`` item. Nothing else is ever marked removed (so neither are records no listing
  links to by WCM path: videos, records identified by title and date).
* The verdict (``portal/verdict`` in the stats): ``failed`` when no start page could be fetched,
  ``partial`` when a listing or register walk is incomplete (one of its pages could not be had, or the
  portal answered a register page with another page, its session lost, even after asking again) or
  when failures pass ``PORTAL_MAX_FAILURE_RATIO`` of the pages attempted, else ``complete``. Only a
  complete snapshot looks for removals.
* The register's form posts carry the session their form was issued in (the cookies of the page that
  holds the form), whatever other responses set meanwhile; a page answered with another page number
  than the one posted for is asked again from the register's first page (``MAX_SESSION_RETRIES``).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache
from urllib.parse import urlsplit

import parsel
import scrapy
from scrapy import signals
from scrapy.downloadermiddlewares import cookies as scrapy_cookies
from scrapy.exceptions import (
    CannotResolveHostError,
    DontCloseSpider,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import HtmlResponse, JsonResponse, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.response import get_base_url
from tldextract import TLDExtract
from twisted.internet.error import (
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)

from archive.keyset import DigestSet, IdFlags, KeyFlags, key64, pair_digest
from crawler.identity import article_id, is_state_url, url_fingerprint, wcm_path_from_url, wcm_path_from_urls
from crawler.links import SKIP_SCHEMES, RootJoins, classify
from crawler.politeness import relax_for_loopback
from crawler.revalidate import Revalidator
from crawler.spiders.requisites import RequisitesMixin
from pipelines.capture import Capture

# Scrapy's cookie middleware splits domains with a TLDExtract that downloads the public suffix list on
# first use (a long traceback offline); the list bundled with tldextract is enough, and never stale
# enough to matter for one portal's cookies. No network, no cache files.
scrapy_cookies._split_domain = TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)

_GOTO_PAGE_RE = re.compile(r"gotoPage\((\d+)\)")
PRIORITY_NAV = 10
PRIORITY_CONTENT = 0
#: Failure reasons that are the site's policy, not a failure to fetch (not counted against the verdict).
BENIGN_REASONS = frozenset({"robots_disallowed"})
#: What a record's own URL answers once the record is gone.
GONE_STATUSES = (404, 410)
#: Times a register page answered with another page (its session lost) is asked again from the first page.
MAX_SESSION_RETRIES = 2


def failure_reason(failure) -> str:
    """A short, stable token for why a request failed (the errors table's ``reason``)."""
    if reason := getattr(failure.value, "portal_reason", None):  # a bound of crawler.middlewares (limits, guard)
        return reason
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(DNSLookupError, CannotResolveHostError) or "Resolve" in type(failure.value).__name__:
        return "dns"
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout"
    if failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
        return "connection_refused"
    if failure.check(IgnoreRequest):
        text = str(failure.value).lower()
        if "robots.txt" in text:
            return "robots_disallowed"
        if "redirect" in text:
            return "redirect_loop"
        return "ignored"
    text = repr(failure.value)
    if "DataLoss" in text or "PotentialDataLoss" in text:
        return "truncated"
    if failure.check(ConnectionLost, ConnectionDone) or "ConnectionLost" in text or "ConnectionDone" in text:
        return "connection_lost"
    if "ResponseNeverReceived" in text:
        return "no_response"
    return type(failure.value).__name__


def form_fields(form) -> dict[str, str]:
    """The values a browser would submit for a form (no submit buttons, unchecked boxes left out)."""
    fields = {}
    for inp in form.xpath(".//input[@name]"):
        kind = (inp.attrib.get("type") or "text").lower()
        if kind in ("submit", "button", "image", "reset", "file"):
            continue
        if kind in ("checkbox", "radio") and "checked" not in inp.attrib:
            continue
        fields[inp.attrib["name"]] = inp.attrib.get("value", "")
    for sel in form.xpath(".//select[@name]"):
        chosen = sel.xpath(".//option[@selected]/@value").get() or sel.xpath(".//option/@value").get() or ""
        fields[sel.attrib["name"]] = chosen
    for area in form.xpath(".//textarea[@name]"):
        fields[area.attrib["name"]] = area.xpath("string()").get() or ""
    return fields


def session_cookies(response) -> str | None:
    """The ``Cookie`` header of the session a page was served in: the cookies its request carried, updated
    by those the response set (None: no cookies)."""
    jar = {}
    for header in response.request.headers.getlist("Cookie"):
        for part in header.decode("latin-1").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep:
                jar[name] = value
    for header in response.headers.getlist("Set-Cookie"):
        name, sep, value = header.decode("latin-1").split(";", 1)[0].strip().partition("=")
        if sep:
            jar[name] = value
    return "; ".join(f"{name}={value}" for name, value in jar.items()) or None


def served_page(page, fields: dict[str, str]) -> int | None:
    """The page number a register page (``page``: its selector) says it shows: its form's ``page`` field,
    else the pager's current item (None: it does not say). Read from the spider's own selector, not
    ``response.xpath`` (Scrapy's cached selector keeps the page alive: see :func:`page_selector`)."""
    for value in (fields.get("page"), page.xpath("//*[@id='tableNavigator']//li[@class='active']//text()").get()):
        if value is not None and value.strip().isdigit():
            return int(value.strip())
    return None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def self_href(el) -> str | None:
    """The URL an element declares the page itself at: canonical, bookmark, NavStateUrl, og:url, its print link."""
    tag = el.tag
    if tag == "link":
        if el.get("rel") in ("canonical", "bookmark") or el.get("id") == "com.ibm.lotus.NavStateUrl":
            return el.get("href")
    elif tag == "meta":
        if el.get("property") == "og:url":
            return el.get("content")
    elif tag == "a":
        href = el.get("href")
        if href is not None and ("presentationtemplate" in href or "presentationTemplate" in href):
            return href
    return None


def page_selector(response) -> parsel.Selector:
    """The page's parsed tree, not cached on the response: Scrapy's cache (``response.selector``) is a
    reference cycle (the response holds its selector, which holds the response) that only the garbage
    collector breaks, so every parsed page (body, text, lxml tree) stayed in memory until the next full
    collection. Parsed as Scrapy's own selector parses it (parsel; the type by the response's class; the
    page's base URL)."""
    kind = next((t for cls, t in _SELECTOR_TYPES if isinstance(response, cls)), None)
    return parsel.Selector(text=response.text, type=kind, base_url=get_base_url(response))


#: The selector type of a response, as scrapy.Selector chooses it (None: parsel decides from the text).
_SELECTOR_TYPES = ((XmlResponse, "xml"), (JsonResponse, "json"), (HtmlResponse, "html"))


#: Flags of a record in :attr:`PortalSpider.records` (one cell a record: :class:`archive.keyset.IdFlags`).
ARCHIVED = 1  # handed to the pipelines in this snapshot (or resumed as done)
REACHED = 2  # some fetched page linked to it in this snapshot
UNREACHABLE = 4  # none of its URLs could be fetched
CARRIED = 8  # archived before this run (resumed), not yet seen in it
CLAIMED_HERE = 16  # a crawl worker's: claimed in Redis by this worker (crawler.spiders.workers)
#: Flags of a URL (its 8-byte fingerprint) in :attr:`PortalSpider.urls`.
KNOWN_URL = 1  # a URL of a record seen in this snapshot (its own or an alias): never fetched again
REQUESTED = 2  # requested in this snapshot (cheaper than Scrapy's dupefilter)

#: Link classifications remembered (menus repeat on every page): bounded, so memory stays flat.
CLASSIFY_CACHE = 16384


class PortalSpider(RequisitesMixin, scrapy.Spider):
    name = "portal"

    def __init__(self, start_url: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        urls = start_url or kwargs.get("start_urls") or "http://hoangmai.nghean.gov.vn/"
        self.start_urls = [u.strip() for u in (urls.split(",") if isinstance(urls, str) else urls) if u.strip()]
        hosts = {urlsplit(u).hostname.lower() for u in self.start_urls if urlsplit(u).hostname}
        self.allowed_hosts = frozenset(hosts)
        self.allowed_domains = sorted(hosts)
        # identity state, one cell (16 bytes) per record or URL: record id -> ARCHIVED, REACHED, UNREACHABLE,
        # CARRIED flags; URL fingerprint -> KNOWN_URL, REQUESTED (docs/design.md "Memory of a crawl")
        self.records = IdFlags()
        self.urls = KeyFlags()
        self.archived_count = 0  # records with ARCHIVED
        self.pending: dict[str, list[str]] = {}  # record id -> URLs seen before its fetch (until fetched)
        self.pager_seen: set[tuple[str, int]] = set()
        self.previous: dict = {}  # record id -> what the latest earlier snapshot holds (archive.store.PrevRecord)
        self.previous_urls: dict[bytes, str] = {}  # URL fingerprint -> record id, from earlier snapshots
        # evidence for removals and for the verdict (with REACHED and UNREACHABLE)
        self.listed = DigestSet()  # pair_digest(listing key, record id) of the pairs already reported
        self.listings_ok: set[str] = set()  # listing keys with a page fetched in this snapshot
        self.listings_failed: set[str] = set()  # listing keys with a page (pager, register page) that failed
        self.walks_incomplete: set[str] = set()  # of those, failed for a reason other than BENIGN_REASONS
        self.requisites_requested: set[str] = set()  # of this snapshot (a resumed one: load_previous_requisites)
        self.previous_requisites: dict = {}  # url -> archive.requisites.PrevRequisite, when the archive opens
        self.home_ok = False
        self.attempted = 0  # pages answered or given up (removal checks aside)
        self.failed = 0  # of those, given up for a reason other than BENIGN_REASONS
        self.removal_checks: int | None = None  # None until the crawl went idle once
        self._classify = lru_cache(maxsize=CLASSIFY_CACHE)(classify)
        self.joins = RootJoins(CLASSIFY_CACHE)
        self.revalidator: Revalidator | None = None  # re-crawls: records asked again beside Scrapy (crawler.revalidate)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if relax_for_loopback(crawler.settings, spider.start_urls):
            spider.logger.info("loopback target: polite delays relaxed")
        spider.max_barren = crawler.settings.getint("PORTAL_MAX_BARREN_HOPS", 3)
        spider.max_barren_pager = crawler.settings.getint("PORTAL_MAX_BARREN_PAGER", 5)
        spider.max_failure_ratio = crawler.settings.getfloat("PORTAL_MAX_FAILURE_RATIO", 0.2)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        spider.revalidator = Revalidator.for_crawler(crawler)
        return spider

    async def start(self):
        self._load_archive_state()
        for url in self.start_urls:
            request = self._request(url, PRIORITY_NAV, barren=0)
            request.meta["start"] = True
            yield request

    def _load_archive_state(self):
        """What earlier snapshots hold (for conditional requests) and, when resuming, what this one does."""
        writer = Capture.of(self.crawler).writer
        self.previous = writer.previous
        self.load_previous_requisites(writer)
        for record_id in writer.done_in_snapshot():
            self.note_archived(record_id)
            self.records.set(record_id, CARRIED)
        for record_id, prev in self.previous.items():
            for url in prev.urls_seen or ([prev.url] if prev.url else []):
                self.previous_urls[url_fingerprint(url)] = record_id
        if self.archived_count:
            self.logger.warning("resuming: %d records already archived in this snapshot", self.archived_count)

    def is_archived(self, record_id: str) -> bool:
        return self.records.has(record_id, ARCHIVED)

    def note_archived(self, record_id: str) -> bool:
        """Mark ``record_id`` archived in this snapshot; True if it was not."""
        if self.records.set(record_id, ARCHIVED):
            self.archived_count += 1
            return True
        return False

    def claim(self, record_id: str) -> bool:
        """True if this crawl has not archived ``record_id`` yet (now it has); crawl workers claim it in
        Redis (:mod:`crawler.spiders.workers`)."""
        return self.note_archived(record_id)

    def note_url(self, url: str, flag: int) -> bool:
        """Set ``flag`` (KNOWN_URL, REQUESTED) on ``url``; True if it was not set."""
        return self.urls.set(key64(url_fingerprint(url)), flag)

    def record_key(self, wcm_path: str, url: str) -> str:
        """The record id of the content at ``wcm_path`` (``url``: where it was seen; see SitesSpider)."""
        return article_id(wcm_path)

    # -- requests ---------------------------------------------------------------------------
    def _request(self, url, priority, *, barren, wcm_path=None, record_id=None, listing=None, page_no=None,
                 referer=None):
        meta = {"barren": barren, "wcm_path": wcm_path, "record_id": record_id, "listing": listing, "page_no": page_no}
        headers = {"Referer": referer} if referer else {}
        prev = self.previous.get(record_id) if record_id else None
        if prev is not None and not prev.removed:  # captured before: ask only for a changed version
            if prev.etag:
                headers["If-None-Match"] = prev.etag
            if prev.last_modified:
                headers["If-Modified-Since"] = prev.last_modified
            meta["handle_httpstatus_list"] = [304]
        self.note_url(url, REQUESTED)
        return scrapy.Request(
            url, callback=self.parse, errback=self.on_error, priority=priority, meta=meta,
            headers=headers or None, dont_filter=False,
        )

    # -- responses --------------------------------------------------------------------------
    def parse(self, response):
        meta = response.meta
        if meta.get("removal_check"):
            if response.status in GONE_STATUSES:
                yield {**self._page_item(response, None, []), "item_type": "gone", "record_id": meta["record_id"]}
                return
        else:
            self.attempted += 1
            self.home_ok = self.home_ok or bool(meta.get("start"))
        if not hasattr(response, "xpath"):  # not text: nothing to extract or follow
            yield self._page_item(response, None, [])
            return
        seen_urls = [response.url, *meta.get("redirect_urls", [])]
        if response.status == 304:  # unchanged since the previous snapshot
            self.crawler.stats.inc_value("portal/not_modified")
            rid = meta["record_id"] if self.claim(meta["record_id"]) else None  # None: archived by another URL
            self.pending.pop(meta["record_id"], None)
            yield {**self._page_item(response, None, []), "item_type": "not_modified", "record_id": rid}
            return
        page = page_selector(response)
        self_urls, follow = self._scan(response, page)
        yield from self.page_requisite_requests(response, page)  # its theme: CSS, JS, decoration images
        wcm_path = meta.get("wcm_path") or wcm_path_from_url(response.url) or wcm_path_from_urls(self_urls)
        discovered = 0
        record_page = bool(wcm_path or meta.get("record_id"))  # else a listing, register or menu page
        if record_page:
            aid = self.record_key(wcm_path, response.url) if wcm_path else meta["record_id"]
            if not self.claim(aid):
                yield from self._aliases(aid, seen_urls)
                wcm_path = None  # already archived: log the page only
            else:
                discovered += 1
                earlier = self.pending.pop(aid, [])
                for u in [*seen_urls, *self_urls]:
                    self.note_url(u, KNOWN_URL)
                urls = list(dict.fromkeys([*earlier, *seen_urls, *self_urls]))
                meta_out = {"wcm_path": wcm_path, "record_id": aid, "urls_seen": urls}
                if meta.get("removal_check"):
                    meta_out["removal_check"] = True
                yield self._page_item(response, meta_out, self_urls)
        else:
            yield self._page_item(response, None, self_urls)

        listing_key = self._listing_key(response, self_urls)
        new_here = discovered
        linked = []
        for link in follow:
            if link.kind == "content":
                new_here += self._note_content(link)
            aid = (self.record_key(link.wcm_path, link.url) if link.kind == "content"
                   else self.previous_urls.get(url_fingerprint(link.url)))
            if aid is not None:
                linked.append(aid)
        for aid in linked:
            self.records.set(aid, REACHED)
        if not record_page:
            yield from self._listing_item(listing_key, linked)
        barren = 0 if new_here else meta.get("barren", 0) + 1
        for link in follow:
            req = self._next_request(link, response, barren, listing_key, new_here)
            if req is not None:
                yield req
        yield from self._form_pages(response, page, listing_key, new_here)
        yield from self._aliases_from_links(follow)

    def _listing_item(self, listing_key, linked):
        """The records a listing, register or menu page lists (once per listing key and record)."""
        self.listings_ok.add(listing_key)
        fresh = [aid for aid in dict.fromkeys(linked) if self.listed.add(pair_digest(listing_key, aid))]
        if fresh:
            yield {"item_type": "listing", "listing": listing_key, "record_ids": fresh, "seen_at": _now()}

    def _scan(self, response, page) -> tuple[list[str], list]:
        """One pass over the page's elements: the URLs it declares as itself, and its followable links;
        both resolved against ``<base href>``, each link URL once."""
        base = get_base_url(response)
        origin = urlsplit(base)[:2]
        join = self.joins.join
        page_url = response.url.split("#", 1)[0]
        self_urls, links = [], {}
        for el in page.root.iter("a", "area", "link", "meta"):
            declared = self_href(el)
            if declared is not None and declared.strip():
                self_urls.append(join(base, origin, declared.strip()))
            href = el.get("href") if el.tag in ("a", "area") else None
            if not href:
                continue
            href = href.strip()
            if not href or href[0] == "#" or href[:11].lower().startswith(SKIP_SCHEMES):
                continue  # never followed (classify): not even joined (a portal page has dozens)
            url = join(base, origin, href)
            if url in links:
                continue
            if el.tag == "a":  # an anchor of text alone (most): its text, without an XPath string()
                text = el.text_content() if len(el) else (el.text or "")
            else:
                text = el.get("alt") or ""
            link = self._classify(
                href, url, anchor_id=el.get("id") or "", title=el.get("title") or "",
                text=text, css_class=el.get("class") or "", allowed_hosts=self.allowed_hosts,
            )
            links[url] = None if link is not None and link.url == page_url else link  # not the page itself
        return self_urls, [link for link in links.values() if link is not None]

    def _note_content(self, link) -> int:
        aid = self.record_key(link.wcm_path, link.url)
        if self.records.clear(aid, CARRIED):  # archived before this run: new to its walks (a resumed walk goes as deep)
            return 1
        if self.is_archived(aid) or aid in self.pending:
            return 0
        return 1

    def _aliases_from_links(self, follow):
        """Alias items for links naming records already archived (the URL is not fetched)."""
        for link in follow:
            if link.kind == "content" and self.is_archived(aid := self.record_key(link.wcm_path, link.url)):
                yield from self._aliases(aid, [link.url])

    def _next_request(self, link, response, barren, listing_key, new_here):
        fp = url_fingerprint(link.url)
        url_flags = self.urls.flags(key64(fp))
        if url_flags & KNOWN_URL:
            return None
        aid = self.record_key(link.wcm_path, link.url) if link.kind == "content" else self.previous_urls.get(fp)
        if aid is not None:
            if self.is_archived(aid):
                return None
            if aid in self.pending:
                if link.url not in self.pending[aid]:
                    self.pending[aid].append(link.url)
                return None
            self.pending[aid] = [link.url]
            request = self._request(link.url, PRIORITY_CONTENT, barren=0, wcm_path=link.wcm_path, record_id=aid,
                                    referer=response.url)
            if self.revalidator is not None and self.revalidator.take(request):  # a record captured before
                return None
            return request
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
        if barren > self.max_barren or url_flags & REQUESTED:
            return None
        return self._request(link.url, PRIORITY_NAV, barren=barren, referer=response.url)

    def _form_pages(self, response, page, listing_key, new_here):
        """Registers paged only by POSTing a form (``javascript:gotoPage(N)``, WCM ``searchvbpq``).

        The form's action is a state URL that changes on every response, so it is re-read from the
        page each time; the session cookie rides along in Scrapy's cookie jar.
        """
        if "gotoPage(" not in response.text:
            return
        numbers = {int(n) for n in _GOTO_PAGE_RE.findall(" ".join(page.xpath("//a/@href | //a/@onclick").getall()))}
        if not numbers:
            return
        forms = page.xpath("//form[.//input[@name='page']]")
        if not forms:
            return
        form = forms[0]
        fields = form_fields(form)
        meta = response.meta
        asked = meta.get("page_no") if response.request.method == "POST" else None
        if asked is not None and served_page(page, fields) not in (None, asked):
            yield from self._session_lost(response, listing_key, asked)
            return
        again = set(meta.get("ask_again") or ())  # pages whose answer was another page: asked in this session
        pager_barren = meta.get("barren", 0) if again else 0 if new_here else meta.get("barren", 0) + 1
        if pager_barren > self.max_barren_pager:
            return
        key_base = f"form:{listing_key}"
        self.pager_seen.add((key_base, meta.get("page_no") or 1))
        cookie = session_cookies(response)  # the session the form was issued in, whatever the jar holds now
        for number in sorted(numbers | again):
            key = (key_base, number)
            if key in self.pager_seen and number not in again:
                continue
            self.pager_seen.add(key)
            request = scrapy.FormRequest(
                response.urljoin(form.attrib.get("action") or response.url), formdata={**fields, "page": str(number), "cmd": ""},
                callback=self.parse, errback=self.on_error, priority=PRIORITY_NAV, dont_filter=True,
                meta={"barren": pager_barren, "listing": listing_key, "page_no": number, "wcm_path": None,
                      "session_retries": meta.get("session_retries", 0)},
            )
            if cookie:
                request.headers["Cookie"] = cookie
                request.meta["dont_merge_cookies"] = True
            yield request

    def _session_lost(self, response, listing_key, asked):
        """A register page posted for ``asked`` answered with another page (its session or form action no
        longer known to the portal): asked again from the register's first page in the session that gives,
        at most ``MAX_SESSION_RETRIES`` times; then the walk is incomplete (an error, a partial snapshot)."""
        retries = response.meta.get("session_retries", 0)
        self.crawler.stats.inc_value("portal/register_session_lost")
        if retries < MAX_SESSION_RETRIES:
            self.logger.info("register page %d of %s answered with another page: asking again", asked, listing_key)
            yield scrapy.Request(
                listing_key, callback=self.parse, errback=self.on_error, priority=PRIORITY_NAV, dont_filter=True,
                meta={"barren": response.meta.get("barren", 0), "listing": listing_key, "page_no": 1, "wcm_path": None,
                      "ask_again": [asked], "session_retries": retries + 1})
            return
        self.failed += 1
        self.listings_failed.add(listing_key)
        self.walks_incomplete.add(listing_key)
        self.logger.info("register page %d of %s: session lost %d times, the walk is incomplete", asked, listing_key,
                         retries + 1)
        yield {"item_type": "error", "url": response.url, "reason": "session_lost", "http_status": None,
               "exception": f"page {asked} of {listing_key} answered with another page", "attempts": retries + 1,
               "referer": (response.request.headers.get("Referer") or b"").decode("latin-1") or None,
               "failed_at": _now(), "record_id": None}

    def _listing_key(self, response, self_urls) -> str:
        if response.meta.get("listing"):
            return response.meta["listing"]
        for u in self_urls:
            if not is_state_url(u) and "presentationtemplate" not in u.lower():
                return u
        return response.url.split("/!ut/p/", 1)[0]

    def _aliases(self, aid, urls):
        for url in urls:
            if self.note_url(url, KNOWN_URL):
                yield {"item_type": "alias", "record_id": aid, "url": url, "seen_at": _now()}

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
            "record_id": None,
            "urls_seen": [],
            "warc": response.meta.get("warc"),
        }
        if identity:
            item.update(identity)
        return item

    # -- failures ---------------------------------------------------------------------------
    def on_error(self, failure):
        request = failure.request
        attempts = request.meta.get("retry_times", 0) + 1
        status = failure.value.response.status if failure.check(HttpError) else None
        reason = failure_reason(failure)
        if not request.meta.get("removal_check"):
            self.attempted += 1
            self.failed += reason not in BENIGN_REASONS
            if request.meta.get("listing"):
                self.listings_failed.add(request.meta["listing"])
                if reason not in BENIGN_REASONS:  # the walk could not be finished
                    self.walks_incomplete.add(request.meta["listing"])
        # INFO: the errors table has it, and the summary lists failures by reason
        self.logger.info("failed %s: %s (%d attempts)", request.url, reason, attempts)
        aid = request.meta.get("record_id")
        others = [u for u in self.pending.pop(aid, []) if u != request.url] if aid else []
        yield {
            "item_type": "error",
            "url": request.url,
            "reason": reason,
            "http_status": status,
            "exception": None if status else f"{type(failure.value).__name__}: {failure.value}",
            "attempts": attempts,
            "referer": (request.headers.get("Referer") or b"").decode("latin-1") or None,
            "failed_at": _now(),
            "record_id": None if others else aid,  # a record none of whose URLs could be had
        }
        if others:  # try the record's other known URLs before giving up on it
            self.pending[aid] = others
            yield self._request(others[0], PRIORITY_CONTENT, barren=0, wcm_path=request.meta.get("wcm_path"),
                                record_id=aid)
        elif aid:
            self.records.set(aid, UNREACHABLE)

    # -- the end: removals and the verdict --------------------------------------------------
    def verdict(self) -> str:
        """``failed``: no start page fetched; ``partial``: a listing or register walk incomplete, or failures
        over the ratio; else ``complete``."""
        if not self.home_ok:
            return "failed"
        if self.walks_incomplete:
            return "partial"
        if self.attempted and self.failed / self.attempted > self.max_failure_ratio:
            return "partial"
        return "complete"

    def removal_candidates(self) -> list[tuple[str, str]]:
        """(record id, own URL) of live records of the previous state with evidence of removal: nothing
        linked to them in this snapshot, and every listing that listed them last time was fetched whole."""
        out = []
        recorded = Capture.of(self.crawler).writer.done_in_snapshot()  # every item is through the pipelines
        for rid, prev in self.previous.items():
            if (prev.removed or self.records.has(rid, REACHED | ARCHIVED | UNREACHABLE) or rid in self.pending
                    or rid in recorded):
                continue
            # a record's own page is no listing (its related lists are not re-read when it answers 304)
            listings = [key for key in prev.listings if url_fingerprint(key) not in self.previous_urls]
            if not listings or not all(k in self.listings_ok and k not in self.listings_failed for k in listings):
                continue
            url = own_url(prev)
            if url:
                out.append((rid, url))
        return out

    def on_idle(self, spider=None):
        """Once, when the crawl has nothing left to do: re-request removal candidates at their own URL."""
        if self.revalidator is not None and self.revalidator.busy:  # records still being asked again
            raise DontCloseSpider
        if self.removal_checks is None:
            verdict = self.verdict()
            candidates = self.removal_candidates() if verdict == "complete" else []
            self.removal_checks = len(candidates)
            self.crawler.stats.set_value("portal/removal_checks", len(candidates))
            if candidates:
                self.logger.info("checking %d records no listing shows any more", len(candidates))
                for rid, url in candidates:
                    request = self._request(url, PRIORITY_CONTENT, barren=0, record_id=rid).replace(dont_filter=True)
                    request.meta["removal_check"] = True
                    request.meta["handle_httpstatus_list"] = [304, *GONE_STATUSES]
                    self.crawler.engine.crawl(request)
                raise DontCloseSpider
        self.crawler.stats.set_value("portal/verdict", self.verdict())
        self.crawler.stats.set_value("portal/attempted", self.attempted)
        self.crawler.stats.set_value("portal/failed", self.failed)


def own_url(prev) -> str | None:
    """The URL to ask a record for: its stored URL unless that is a per-visit state URL, else another seen."""
    for url in [prev.url, *(prev.urls_seen or ())]:
        if url and not is_state_url(url):
            return url
    return prev.url
