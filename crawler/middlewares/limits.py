"""Bounds on what one response may cost: its size (decompressed), and a clear reason when a bound is hit.

* Pages are held to ``PORTAL_PAGE_MAXSIZE``, media (requests with ``meta["media"]``) to
  ``PORTAL_MEDIA_MAXSIZE``. Scrapy enforces ``meta["download_maxsize"]`` both on the wire (a
  ``Content-Length`` over it is refused before the body is read; a body growing past it is cut off)
  and while decompressing (``HttpCompressionMiddleware`` stops a gzip/deflate/br/zstd stream once the
  output passes it), so a gzip bomb stops at the limit instead of filling memory.
* Every bound that ends a request raises :class:`LimitExceeded`, an ``IgnoreRequest`` carrying a short
  ``portal_reason`` (the ``errors`` table's ``reason``) and a one-line detail; Scrapy's own
  exceptions for a timeout or an oversized body are translated to it once retries are spent.
"""
from __future__ import annotations

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import CancelledError
from twisted.internet.error import TimeoutError as TxTimeoutError


class LimitExceeded(IgnoreRequest):
    """A request ended by one of portal-archive's bounds; ``portal_reason`` is the ``errors`` reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.portal_reason = reason
        self.detail = detail


def maxsize_for(request, settings) -> int:
    name = "PORTAL_MEDIA_MAXSIZE" if request.meta.get("media") else "PORTAL_PAGE_MAXSIZE"
    return settings.getint(name)


class LimitsMiddleware:
    """Sets each request's size limits; turns Scrapy's timeout / size exceptions into ``LimitExceeded``.

    Sits just below the retry middleware (its ``process_exception`` runs once retries are spent).
    """

    def __init__(self, settings):
        self.settings = settings

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings)

    def process_request(self, request, spider=None):
        request.meta.setdefault("download_maxsize", maxsize_for(request, self.settings))
        return None

    def process_exception(self, request, exception, spider=None):
        if isinstance(exception, LimitExceeded):
            return None
        limit = request.meta.get("download_maxsize")
        if isinstance(exception, DownloadCancelledError) or (
                isinstance(exception, CancelledError) and "max size" in str(exception)):
            raise LimitExceeded("too_large", f"response larger than {limit:,} bytes ({_setting(request)}): "
                                             f"{exception}") from exception
        if isinstance(exception, (DownloadTimeoutError, TxTimeoutError)):
            raise LimitExceeded("timeout", f"no complete response within {request.meta.get('download_timeout') or 0:.1f} s "
                                           f"(attempt {request.meta.get('retry_times', 0) + 1}): {exception}") from exception
        return None


def _setting(request) -> str:
    return "PORTAL_MEDIA_MAXSIZE" if request.meta.get("media") else "PORTAL_PAGE_MAXSIZE"


class BoundedCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, in a thread when the body is not small (up to ``PORTAL_MEDIA_MAXSIZE`` of
    output: ~1 s of CPU the event loop must not wait for), its size refusal a ``LimitExceeded("too_large")``."""

    INLINE_BYTES = 256 * 1024  # compressed bodies up to this are decoded at once

    async def process_response(self, request, response, spider=None):
        if request.method == "HEAD" or not response.headers.getlist("Content-Encoding"):
            return response
        if len(response.body) <= self.INLINE_BYTES:
            return self._decoded(request, response)
        from twisted.internet.threads import deferToThread

        return await maybe_deferred_to_future(deferToThread(self._decoded, request, response))

    def _decoded(self, request, response):
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if "DOWNLOAD_MAXSIZE" not in str(exc):
                raise
            raise LimitExceeded("too_large", f"decompressed body passed {request.meta.get('download_maxsize'):,} "
                                             f"bytes ({_setting(request)}); {len(response.body):,} bytes on the wire"
                                ) from exc
