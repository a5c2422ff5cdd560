"""The portal spider's page requisites (:mod:`crawler.requisites`): fetched once per snapshot, on the portal's
own hosts, through the same downloader as every page (robots.txt, politeness, retries, limits, WARC).

* each requisite URL is requested once per snapshot, however many pages name it (the theme is on every page;
  crawl workers of ``crawl --redis`` share the duplicate filter that keeps it so);
* a stylesheet's own ``url(…)`` / ``@import`` are requisites too;
* a re-crawl asks conditionally, with the validators of the requisite's latest capture
  (:func:`archive.requisites.previous_requisites`); the 304 is written as a revisit naming that capture;
* the item is a ``requisite``: one ``pages`` row (``page_type = 'requisite'``), no extraction, no record;
* a failure is an ``error`` item (URL, reason, attempts) that does not count against the verdict: the
  verdict says whether the snapshot's records were fetched; a missing stylesheet is in ``errors``.
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.response import get_base_url

from archive.requisites import previous_requisites, requisites_in_snapshot
from archive.warc.content_encoding import DecodeError, decode
from archive.warc.reader import WarcReadError, read_record
from crawler.requisites import allowed, css_urls, is_stylesheet, page_requisites


class RequisitesMixin:
    """Mixed into :class:`crawler.spiders.portal.PortalSpider`."""

    #: requisite URLs requested in this snapshot
    requisites_requested: set[str]
    #: url -> archive.requisites.PrevRequisite (earlier snapshots)
    previous_requisites: dict

    def load_previous_requisites(self, writer) -> None:
        resumed = writer.resumed or getattr(writer, "joined", False)
        self.requisites_requested = requisites_in_snapshot(writer.root, writer.snapshot_id) if resumed else set()
        self.requisites_root = writer.root
        self.previous_requisites = previous_requisites(writer.root, writer.snapshot_id)

    def requisite_requests(self, urls, referer: str):
        """One request per requisite URL not requested yet in this snapshot."""
        requested = self.requisites_requested
        for url in urls:
            if url in requested:
                continue
            requested.add(url)
            self.crawler.stats.inc_value("portal/requisites/requested")
            request = self._request(url, 0, barren=0, referer=referer)
            meta = {**request.meta, "requisite": True}
            headers = dict(request.headers.to_unicode_dict())
            prev = self.previous_requisites.get(url)
            if prev is not None:  # captured before: ask only for a changed copy
                if prev.etag:
                    headers["If-None-Match"] = prev.etag
                if prev.last_modified:
                    headers["If-Modified-Since"] = prev.last_modified
                if prev.etag or prev.last_modified:
                    meta["handle_httpstatus_list"] = [304]
                    meta["revisit_of"] = prev.pointer
            # not dont_filter: crawl workers (crawl --redis) share the duplicate filter, so one of them fetches it
            yield request.replace(callback=self.parse_requisite, errback=self.on_requisite_error, meta=meta,
                                  headers=headers)

    def page_requisite_requests(self, response, page):
        """Requests for the requisites of a fetched HTML page (``page``: its selector)."""
        base = get_base_url(response)
        origin = urlsplit(base)[:2]
        join = self.joins.join
        return self.requisite_requests(
            page_requisites(page.root, base, self.allowed_hosts, lambda href: join(base, origin, href)), response.url)

    def parse_requisite(self, response):
        self.crawler.stats.inc_value(f"portal/requisites/{'not_modified' if response.status == 304 else 'fetched'}")
        item = self._page_item(response, None, [])
        item["item_type"] = "requisite"
        yield item
        if is_stylesheet(response.url, response.headers.get("Content-Type", b"").decode("latin-1")):
            css = self._stylesheet_text(response)
            urls = [u for u in css_urls(css, response.url) if allowed(u, self.allowed_hosts)]
            yield from self.requisite_requests(urls, response.url)

    def _stylesheet_text(self, response) -> str:
        """The stylesheet's text: the response's, or for a 304 its earlier capture's (what it still names)."""
        if response.status != 304:
            return response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
        pointer = response.meta.get("revisit_of")
        try:
            original = read_record(self.requisites_root, *pointer) if pointer else None
            body = decode(original.body, original.header("Content-Encoding")) if original else b""
        except (WarcReadError, DecodeError, OSError, ValueError):
            return ""
        return body.decode("utf-8", "replace")

    def on_requisite_error(self, failure):
        request = failure.request
        status = failure.value.response.status if failure.check(HttpError) else None
        reason = failure_reason(failure)
        self.crawler.stats.inc_value("portal/requisites/failed")
        self.logger.info("requisite failed %s: %s", request.url, reason)
        yield {
            "item_type": "error", "url": request.url, "reason": reason, "http_status": status,
            "exception": None if status else f"{type(failure.value).__name__}: {failure.value}",
            "attempts": request.meta.get("retry_times", 0) + 1,
            "referer": (request.headers.get("Referer") or b"").decode("latin-1") or None,
            "failed_at": datetime.now(timezone.utc), "record_id": None,
            "site": getattr(self, "site_of", lambda _url: None)(request.url),
        }


def failure_reason(failure) -> str:
    from crawler.spiders.portal import failure_reason as reason  # noqa: PLC0415 - portal imports this module

    return reason(failure)
