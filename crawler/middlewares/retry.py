"""Retries with exponential backoff that honour ``Retry-After`` (Scrapy retries at once, and ignores it),
within a total deadline per URL.

* Backoff: ``PORTAL_RETRY_BACKOFF_BASE * 2**attempt`` seconds, at most ``PORTAL_RETRY_BACKOFF_MAX``.
* ``Retry-After`` (seconds or an HTTP date) is waited for when it is at most ``PORTAL_RETRY_AFTER_MAX``;
  a server that asks for longer is not retried now (retrying sooner than asked would be impolite, waiting
  longer would stall the crawl): the response stands and becomes an ``errors`` row.
* Deadline: the attempts of one URL, and the waits between them, take at most ``PORTAL_REQUEST_DEADLINE``
  seconds in all (time spent queued behind politeness delays does not count). Each attempt's
  ``download_timeout`` is the smaller of ``DOWNLOAD_TIMEOUT`` and what is left, and Scrapy's timeout
  covers the whole attempt — connecting, headers and body — so a server dripping one byte a second in
  its headers or its body is cut off on time. No retry starts with less than a second left.
"""
from __future__ import annotations

import email.utils
import logging
import time

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import DownloadTimeoutError
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.internet.task import deferLater

logger = logging.getLogger(__name__)
MIN_ATTEMPT_SECONDS = 1.0
SPENT = "portal_spent"  # request.meta key: seconds this URL has cost so far (attempts and waits)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date; None if absent/invalid."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class BackoffRetryMiddleware(RetryMiddleware):
    """Drop-in replacement of Scrapy's RetryMiddleware.

    Settings: ``PORTAL_RETRY_BACKOFF_BASE`` (seconds, default 0.5), ``PORTAL_RETRY_BACKOFF_MAX`` (30),
    ``PORTAL_RETRY_AFTER_MAX`` (30), ``PORTAL_REQUEST_DEADLINE`` (90), ``DOWNLOAD_TIMEOUT``.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("PORTAL_RETRY_BACKOFF_BASE", 0.5)
        self.cap = settings.getfloat("PORTAL_RETRY_BACKOFF_MAX", 30.0)
        self.retry_after_max = settings.getfloat("PORTAL_RETRY_AFTER_MAX", 30.0)
        self.deadline = settings.getfloat("PORTAL_REQUEST_DEADLINE", 90.0)
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT", 30.0)

    def backoff(self, request) -> float:
        return min(self.cap, self.base * (2 ** request.meta.get("retry_times", 0)))

    def process_request(self, request, spider=None):
        left = self.deadline - request.meta.get(SPENT, 0.0)
        request.meta["download_timeout"] = max(MIN_ATTEMPT_SECONDS, min(self.timeout, left))
        return None

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            from twisted.internet import reactor

            self.crawler.stats.inc_value("retry/backoff_seconds", seconds)
            await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))

    def _retry_within_deadline(self, request, reason, spent: float, wait: float):
        """The retry request if one more attempt fits in the deadline after ``wait`` seconds, else None."""
        if spent + wait + MIN_ATTEMPT_SECONDS > self.deadline:
            self.crawler.stats.inc_value("retry/deadline_reached")
            return None
        retry = self._retry(request, reason)
        if retry is not None:
            retry.meta[SPENT] = spent + wait
        return retry

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        spent = request.meta.get(SPENT, 0.0) + (request.meta.get("download_latency") or 0.0)
        wait = self.backoff(request)
        after = retry_after_seconds(response.headers.get("Retry-After"))
        if after is not None:
            if after > self.retry_after_max:
                self.crawler.stats.inc_value("retry/retry_after_over_max")
                logger.info("%s: Retry-After %.0fs exceeds PORTAL_RETRY_AFTER_MAX (%.0fs): not retried now",
                            request.url, after, self.retry_after_max)
                return response
            wait = max(wait, after)
        retry = self._retry_within_deadline(request, f"http_{response.status}", spent, wait)
        if retry is None:
            return response
        await self._wait(wait)
        return retry

    async def process_exception(self, request, exception, spider=None):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        spent = request.meta.get(SPENT, 0.0)
        if isinstance(exception, (DownloadTimeoutError, TxTimeoutError)):
            spent += request.meta.get("download_timeout") or self.timeout
        else:
            spent += request.meta.get("download_latency") or 0.0
        wait = self.backoff(request)
        retry = self._retry_within_deadline(request, exception, spent, wait)
        if retry is not None:
            await self._wait(wait)
        return retry

