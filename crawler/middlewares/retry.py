"""Retries with exponential backoff that honour ``Retry-After`` (Scrapy retries at once, and ignores it)."""
from __future__ import annotations

import email.utils
import time

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater


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
    ``PORTAL_RETRY_AFTER_MAX`` (120: a longer Retry-After is capped, and logged).
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("PORTAL_RETRY_BACKOFF_BASE", 0.5)
        self.cap = settings.getfloat("PORTAL_RETRY_BACKOFF_MAX", 30.0)
        self.retry_after_max = settings.getfloat("PORTAL_RETRY_AFTER_MAX", 120.0)

    def delay_for(self, request, response=None) -> float:
        attempt = request.meta.get("retry_times", 0)
        delay = min(self.cap, self.base * (2 ** attempt))
        if response is not None:
            after = retry_after_seconds(response.headers.get("Retry-After"))
            if after is not None:
                delay = max(delay, min(after, self.retry_after_max))
        return delay

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.crawler.stats.inc_value("retry/backoff_seconds", seconds)
            await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, f"http_{response.status}")
        if retry is None:
            return response
        await self._wait(self.delay_for(request, response))
        return retry

    async def process_exception(self, request, exception, spider=None):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await self._wait(self.delay_for(request))
        return retry
