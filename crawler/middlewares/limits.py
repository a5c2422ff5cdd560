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

from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import TimeoutError as TxTimeoutError


RECEIVED = "portal_received"  # request.meta key: body bytes received by the current attempt


class LimitExceeded(IgnoreRequest):
    """A request ended by one of portal-archive's bounds; ``portal_reason`` is the ``errors`` reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.portal_reason = reason
        self.detail = detail


def limit_setting(request) -> str:
    """The setting that bounds the size of ``request``'s response."""
    return "PORTAL_MEDIA_MAXSIZE" if request.meta.get("media") else "PORTAL_PAGE_MAXSIZE"


class LimitsMiddleware:
    """Sets each request's size limits; turns Scrapy's timeout / size exceptions into ``LimitExceeded``.

    Sits just below the retry middleware (its ``process_exception`` runs once retries are spent).
    """

    def __init__(self, settings):
        self.settings = settings

    @classmethod
    def from_crawler(cls, crawler):
        mw = cls(crawler.settings)
        crawler.signals.connect(mw.bytes_received, signal=signals.bytes_received)
        return mw

    @staticmethod
    def bytes_received(data, request, spider=None):
        """Count the body bytes of each attempt: a cancelled download was cut for its size only if it passed it."""
        request.meta[RECEIVED] = request.meta.get(RECEIVED, 0) + len(data)

    def process_request(self, request, spider=None):
        request.meta.setdefault("download_maxsize", self.settings.getint(limit_setting(request)))
        request.meta[RECEIVED] = 0
        return None

    def process_exception(self, request, exception, spider=None):
        if isinstance(exception, LimitExceeded):
            return None
        limit = request.meta.get("download_maxsize") or 0
        if isinstance(exception, DownloadCancelledError) and (
                "max size" in str(exception) or request.meta.get(RECEIVED, 0) > limit):  # cut by Scrapy's handler
            raise LimitExceeded("too_large", f"response larger than {limit:,} bytes "
                                             f"({limit_setting(request)}): {exception}") from exception
        if isinstance(exception, (DownloadTimeoutError, TxTimeoutError)):
            raise LimitExceeded("timeout", f"no complete response within {request.meta.get('download_timeout') or 0:.1f} s "
                                           f"(attempt {request.meta.get('retry_times', 0) + 1}): {exception}") from exception
        return None


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
                                             f"bytes ({limit_setting(request)}); {len(response.body):,} bytes on the wire"
                                ) from exc
