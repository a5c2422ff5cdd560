"""Scrapy's robots.txt middleware, with every request that waited for robots.txt checked against it.

Scrapy 2.19's ``RobotsTxtMiddleware`` parks the requests that arrive while a host's robots.txt is being
fetched on one Deferred, and awaits it once per request. Under the asyncio reactor each wait is a future
added to that Deferred's callback chain, and such a callback passes on ``None``, not the parser: the first
waiting request is checked, every other one goes through unchecked (``rp is None`` means "no robots.txt").
A crawl worker that joins a running crawl takes several requests for a host at once, so it fetched pages
robots.txt disallows. Here a waiter that got ``None`` reads the host's parser where Scrapy stores it before
it fires the Deferred (``None`` there too only when robots.txt could not be had, as in Scrapy).
"""
from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    async def robot_parser(self, request):
        parser = await super().robot_parser(request)
        if parser is None:
            stored = self._parsers.get(urlparse_cached(request).netloc)
            if not isinstance(stored, Deferred):
                parser = stored
        return parser
