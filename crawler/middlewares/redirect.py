"""Redirects that end: a loop and an over-long chain are ``errors`` rows, never a silent drop.

Scrapy's redirect middleware hands a looping target back to the scheduler, whose duplicate filter
drops it without a trace (A → B → A leaves no row anywhere). Here a target already in the chain raises
``LimitExceeded("redirect_loop")``; more than ``REDIRECT_MAX_TIMES`` hops raise
``LimitExceeded("too_many_redirects")``; a ``Location`` outside http/https (``file:``, ``data:``…)
raises ``LimitExceeded("scheme_refused")`` instead of passing the 3xx on as a page.
"""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware

from crawler.middlewares.limits import LimitExceeded

ALLOWED_SCHEMES = ("http", "https")


def _key(url: str) -> str:
    return url.split("#", 1)[0]


class _Bounded:
    max_redirect_times: int

    def _redirect(self, redirected, request, reason):
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if _key(redirected.url) in {_key(u) for u in chain}:
            raise LimitExceeded("redirect_loop", f"{request.url} redirects back to {redirected.url} "
                                                 f"({len(chain)} hops: {' -> '.join(chain[-4:])})")
        if len(chain) > self.max_redirect_times:
            raise LimitExceeded("too_many_redirects", f"more than {self.max_redirect_times} redirects "
                                                      f"(REDIRECT_MAX_TIMES) from {chain[0]}")
        return super()._redirect(redirected, request, reason)


class BoundedRedirectMiddleware(_Bounded, RedirectMiddleware):
    def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        location = response.headers.get("Location")
        if result is response and location and response.status in (301, 302, 303, 307, 308) and not (
                request.meta.get("dont_redirect") or request.meta.get("handle_httpstatus_all")
                or response.status in request.meta.get("handle_httpstatus_list", ())):
            target = urljoin(request.url, location.decode("latin-1").strip())
            if urlsplit(target).scheme.lower() not in ALLOWED_SCHEMES:
                raise LimitExceeded("scheme_refused", f"{request.url} redirects to {target[:200]}: "
                                                      f"only http and https are fetched")
        return result


class BoundedMetaRefreshMiddleware(_Bounded, MetaRefreshMiddleware):
    pass
