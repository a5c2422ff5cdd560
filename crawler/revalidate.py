"""Revalidation of the records a re-crawl finds again, by a lean HTTP/1.1 client beside Scrapy.

On a re-crawl most record pages answer 304 to their conditional request (``If-None-Match`` /
``If-Modified-Since``, :meth:`crawler.spiders.portal.PortalSpider._request`). Through Scrapy each of those
costs ~2.5 ms of the crawl process's CPU (scheduler, Deferreds, asyncio tasks, the middleware chains, Twisted's
HTTP client, the spider middlewares); here the same request costs a fraction of that, so a re-crawl of an
unchanged portal takes a fraction of the first crawl's time while every record is still asked (the 304 is the
evidence that it is unchanged: nothing is assumed).

What a request through this client does, in the crawl's asyncio event loop (Scrapy runs on the asyncio
reactor), is what Scrapy does with it, using Scrapy's own components:

* **Before sending**: the ``process_request`` of every downloader middleware, in Scrapy's order (the guard,
  the host's download slot, robots.txt — its parser already fetched for the host, else the request goes to
  Scrapy —, default headers, User-Agent, limits, retries' timeout, Crawl-delay, Accept-Encoding, the cookie
  jar); a middleware that answers, refuses (robots.txt, the guard) or is unknown to be synchronous hands the
  request to Scrapy, which does what it always did (an ``errors`` row, the legal log).
* **Politeness**: the request takes a transfer slot of the host's Scrapy download slot (``slot.transferring``,
  the downloader's ``active``) and waits out the slot's delay (its floor: sites.toml ``delay``, robots.txt
  ``Crawl-delay``) after the last request of either client (``slot.lastseen``): ``CONCURRENT_REQUESTS``,
  ``CONCURRENT_REQUESTS_PER_DOMAIN`` and every delay hold for both together (:meth:`PoliteDownloader.pace`).
* **The exchange**: one keep-alive connection per transfer slot; the request line, ``Host`` and the request's
  headers as Scrapy sends them; the status line and headers read back (a 304 has no body).
* **A 304**: the ``process_response`` of every downloader middleware, in Scrapy's order (the WARC request +
  revisit records, the cookie jar, the legal log …), then the request's callback (the spider's ``parse``:
  counters, the record claimed) and its items through the item pipelines (the ``pages`` row): the archive
  holds exactly what the same 304 through Scrapy gives.
* **Anything else** (a 200 — the record changed —, a redirect, 4xx, 5xx, a timeout, a reset): the connection
  is closed without reading a body and the request goes to Scrapy, which fetches it in full as on any crawl
  (captured, extracted, versioned; retried and recorded as a failure with its attempts, the lean attempt
  counted as the first when it failed). The lean exchange itself leaves a legal-log row (it was a request on
  the wire) and nothing else: the archive's evidence of the page is Scrapy's capture.

Off with ``PORTAL_LEAN_REVALIDATE=0``; never used by crawl workers (``crawl --redis``: their politeness is
shared in Redis) nor off the asyncio reactor.
"""
from __future__ import annotations

import asyncio
import inspect
import ipaddress
import logging
import ssl
from collections import deque
from time import monotonic
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.http import Headers, Request
from scrapy.responsetypes import responsetypes

from crawler.middlewares.legal_log import LegalLogMiddleware
from crawler.middlewares.retry import BackoffRetryMiddleware, retry_after_seconds
from crawler.middlewares.robots import RobotsTxtMiddleware
from crawler.sites import netloc

logger = logging.getLogger(__name__)

#: Largest status line + headers read back; a longer head goes to Scrapy.
HEAD_LIMIT = 64 * 1024
#: Seconds between two looks at a full download slot whose transfers are Scrapy's (its own wake us).
FULL_SLOT_POLL = 0.02
#: Items of 304s in the item pipelines at once (each waits for its WARC record): memory stays flat.
ITEMS_IN_FLIGHT = 64


class Fallback(Exception):
    """This request goes to Scrapy; ``sent``: it went on the wire (a legal-log row), ``failed``: it failed there."""

    def __init__(self, why: str, *, sent: bool = False, failed: bool = False, retry_after: float | None = None):
        super().__init__(why)
        self.sent, self.failed, self.retry_after = sent, failed, retry_after


def _tls_context() -> ssl.SSLContext:
    """As Scrapy's default context factory: TLS without certificate checks (an archive of what is served)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Connection:
    """One keep-alive HTTP/1.1 connection to a host."""

    def __init__(self, reader, writer, ip):
        self.reader, self.writer, self.ip = reader, writer, ip

    @classmethod
    async def open(cls, scheme: str, host: str, port: int) -> "Connection":
        ssl_context = _tls_context() if scheme == "https" else None
        reader, writer = await asyncio.open_connection(host, port, ssl=ssl_context,
                                                       server_hostname=host if ssl_context else None,
                                                       limit=HEAD_LIMIT)
        peer = writer.get_extra_info("peername")
        ip = ipaddress.ip_address(peer[0]) if peer else None
        return cls(reader, writer, ip)

    def close(self) -> None:
        self.writer.close()


class Revalidator:
    SETTING = "PORTAL_LEAN_REVALIDATE"

    @classmethod
    def for_crawler(cls, crawler) -> "Revalidator | None":
        """The crawl's revalidator, or None where requests must all go through Scrapy."""
        settings = crawler.settings
        if not settings.getbool(cls.SETTING, True) or settings.get("PORTAL_REDIS_URL"):
            return None
        if "asyncio" not in (settings.get("TWISTED_REACTOR") or ""):
            return None
        return cls(crawler)

    def __init__(self, crawler):
        self.crawler = crawler
        self.engine = None  # the crawl's engine, once running (the first request taken)
        self.queues: dict[str, deque] = {}  # download slot key -> requests waiting
        self.workers: dict[str, int] = {}  # download slot key -> worker tasks running
        self.tasks: set[asyncio.Task] = set()
        self.items: set[asyncio.Task] = set()  # items of 304s in the item pipelines
        self.item_freed = asyncio.Event()  # one of them is through
        self.pending = 0  # requests taken and not yet through (answered and archived, or handed to Scrapy)
        self.freed = asyncio.Event()  # one of this client's transfers ended
        self.closed = False
        self.before: list = []
        self.after: list = []
        self.robots: RobotsTxtMiddleware | None = None
        self.legal_log = None
        self.autothrottle = crawler.settings.getbool("AUTOTHROTTLE_ENABLED")
        self.retry: BackoffRetryMiddleware | None = None
        self.retry_codes: set[int] = set()
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    def _bind(self) -> bool:
        """Read the downloader's middleware chains once the engine runs; False if a middleware's
        ``process_request`` is asynchronous (unknown here: everything goes to Scrapy)."""
        self.engine = self.crawler.engine
        if not hasattr(self.engine.downloader, "pace"):  # politeness is PoliteDownloader's (crawler/downloader.py)
            self.closed = True
            return False
        manager = self.engine.downloader.middleware
        for method in manager.methods["process_request"]:
            owner = getattr(method, "__self__", None)
            if isinstance(owner, RobotsTxtMiddleware):
                self.robots = owner
                method = self._robots_check
            elif inspect.iscoroutinefunction(method):
                logger.info("lean revalidation off: %s is asynchronous", method.__qualname__)
                self.closed = True
                return False
            self.before.append(method)
        self.after = list(manager.methods["process_response"])
        self.retry = next((m.__self__ for m in manager.methods["process_response"]
                           if isinstance(getattr(m, "__self__", None), BackoffRetryMiddleware)), None)
        self.retry_codes = set(self.retry.retry_http_codes) if self.retry is not None else set()
        self.legal_log = next((m.__self__ for m in manager.methods["process_response"]
                               if isinstance(getattr(m, "__self__", None), LegalLogMiddleware)), None)
        return True

    # -- taking requests --------------------------------------------------------------------
    def take(self, request: Request) -> bool:
        """Revalidate ``request`` (a conditional GET of a record page) here; False: the caller sends it to Scrapy."""
        if self.closed or request.method != "GET" or urlsplit(request.url).scheme not in ("http", "https"):
            return False
        if not (request.headers.get("If-None-Match") or request.headers.get("If-Modified-Since")):
            return False
        if self.engine is None and not self._bind():
            return False
        key = netloc(request.url)
        if key not in self.engine.downloader.slots:  # the host's slot (and its robots.txt) are Scrapy's first
            return False
        self.pending += 1
        self.queues.setdefault(key, deque()).append(request)
        self._spawn(key)
        return True

    @property
    def busy(self) -> bool:
        return self.pending > 0

    def _spawn(self, key: str) -> None:
        slot = self.engine.downloader.slots.get(key)
        limit = slot.concurrency if slot is not None else 1
        while self.workers.get(key, 0) < min(limit, len(self.queues[key])):
            self.workers[key] = self.workers.get(key, 0) + 1
            task = asyncio.ensure_future(self._work(key))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _work(self, key: str) -> None:
        queue = self.queues[key]
        connection: Connection | None = None
        try:
            while queue and not self.closed:
                request = queue.popleft()
                try:
                    connection = await self._one(key, request, connection)
                except Exception:  # noqa: BLE001 - never lose a request: Scrapy has it
                    logger.info("lean revalidation of %s failed; asked through Scrapy", request.url, exc_info=True)
                    self._to_scrapy(request)
                    connection = None
                finally:
                    self._done()
        finally:
            self.workers[key] -= 1
            if connection is not None:
                connection.close()

    # -- one request ------------------------------------------------------------------------
    async def _one(self, key, request, connection):
        """Revalidate one request; the connection to keep for the next (None: closed)."""
        saved = (request.headers.copy(), dict(request.meta))  # as the spider made it, should Scrapy take it
        try:
            for method in self.before:
                if method(request=request) is not None:
                    raise Fallback("a downloader middleware answered")
        except Exception as exc:  # noqa: BLE001 - refused or answered: Scrapy does it again, as it always did
            return self._fallback(request, saved, Fallback(str(exc)), connection)
        slot, token = await self._acquire(key)
        if slot is None:
            return self._fallback(request, saved, Fallback("no download slot"), connection)
        try:
            status, headers, connection, keep, latency = await self._exchange(request, connection, slot, key)
        except Fallback as why:
            if why.sent and self.legal_log is not None:  # sent, never answered: still a request to that host
                self.legal_log.process_exception(request, ConnectionError(str(why)))
            return self._fallback(request, saved, why, None)
        finally:
            self._release(slot, token)
        request.meta["download_latency"] = latency
        if status != 304:
            connection.close()
            self._log_sent(request, status, headers)
            failed = status in self.retry_codes  # a failed attempt, as Scrapy's retries count it
            after = retry_after_seconds(headers.get("Retry-After")) if failed else None
            return self._fallback(request, saved, Fallback(f"answered {status}", sent=True, failed=failed,
                                                           retry_after=after), None)
        ip = connection.ip
        if not keep:
            connection.close()
            connection = None
        await self._answered(request, status, headers, ip)
        return connection

    def _robots_check(self, request):
        """Scrapy's robots.txt check (its parser for the host, already fetched), without awaiting it."""
        robots = self.robots
        if request.meta.get("dont_obey_robotstxt"):
            return None
        parser = robots._parsers.get(urlsplit(request.url).netloc, False)  # noqa: SLF001 - Scrapy's parser table
        if parser is False or hasattr(parser, "addCallback"):  # not asked yet, or being fetched (a Deferred)
            raise Fallback("robots.txt not fetched yet")
        robots.process_request_2(parser, request)  # raises IgnoreRequest when disallowed
        return None

    async def _acquire(self, key):
        """A transfer slot of the host's download slot (its concurrency, and the crawl's): (slot, token), or
        (None, None) once the slot is gone."""
        downloader = self.engine.downloader
        while not self.closed:
            slot = downloader.slots.get(key)
            if slot is None:
                return None, None
            if slot.free_transfer_slots() > 0 and len(downloader.active) < downloader.total_concurrency:
                token = object()
                slot.transferring.add(token)
                slot.active.add(token)
                downloader.active.add(token)
                return slot, token
            self.freed.clear()
            try:
                await asyncio.wait_for(self.freed.wait(), FULL_SLOT_POLL)
            except asyncio.TimeoutError:
                pass
        return None, None

    async def _pace(self, slot, key) -> None:
        """Wait out the host's delay since its last request (this client's or Scrapy's), just before sending."""
        downloader = self.engine.downloader
        while True:
            delay = downloader.pace(slot, key)
            wait = slot.lastseen + delay - monotonic() if delay else 0.0
            if wait <= 0:
                slot.lastseen = monotonic()
                return
            await asyncio.sleep(wait)

    def _release(self, slot, token) -> None:
        downloader = self.engine.downloader
        slot.transferring.discard(token)
        slot.active.discard(token)
        downloader.active.discard(token)
        self.freed.set()
        downloader.slot_freed(slot)

    async def _exchange(self, request, connection, slot, key):
        """Send ``request``, read the status line and headers: (status, Headers, connection, keep-alive, latency)."""
        parts = urlsplit(request.url)
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = [f"GET {target} HTTP/1.1\r\nHost: {parts.netloc.rpartition('@')[2]}\r\n".encode("latin-1")]
        for name, values in request.headers.items():
            for value in values:
                head.append(name + b": " + value + b"\r\n")
        head.append(b"\r\n")
        data = b"".join(head)
        timeout = request.meta.get("download_timeout") or self.crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 180)
        for attempt in (0, 1):  # a kept connection the server closed meanwhile: once more on a new one
            reused = connection is not None
            sent = False
            try:
                async with asyncio.timeout(timeout):
                    if connection is None:
                        connection = await Connection.open(parts.scheme, host, port)
                    await self._pace(slot, key)
                    started = monotonic()
                    connection.writer.write(data)
                    sent = True
                    raw = await connection.reader.readuntil(b"\r\n\r\n")
                    latency = monotonic() - started
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                if connection is not None:
                    connection.close()
                connection = None
                if reused and attempt == 0 and not getattr(exc, "partial", b""):
                    continue
                raise Fallback(f"{type(exc).__name__}", sent=sent, failed=True) from exc
            except (TimeoutError, asyncio.LimitOverrunError, OSError, ValueError) as exc:
                if connection is not None:
                    connection.close()
                raise Fallback(f"{type(exc).__name__}", sent=sent, failed=True) from exc
            break
        status_line, _, rest = raw[:-4].partition(b"\r\n")
        try:
            protocol, status, _reason = (status_line.split(b" ", 2) + [b""])[:3]
            status = int(status)
        except ValueError:
            connection.close()
            raise Fallback("malformed status line", sent=True, failed=True) from None
        headers = Headers()
        for line in rest.split(b"\r\n"):
            name, sep, value = line.partition(b":")
            if sep:
                headers.appendlist(name.strip(), value.strip())
        token = (headers.get("Connection") or b"").lower()
        keep = token != b"close" if protocol == b"HTTP/1.1" else token == b"keep-alive"
        return status, headers, connection, keep, latency

    async def _answered(self, request, status, headers, ip) -> None:
        """A 304: Scrapy's response processing (downloader middlewares, the callback, the item pipelines)."""
        url = request.url
        response = responsetypes.from_args(headers=headers, url=url, body=b"")(
            url=url, status=status, headers=headers, body=b"", request=request, protocol="HTTP/1.1", ip_address=ip)
        self.crawler.stats.inc_value("response_received_count")
        self.crawler.stats.inc_value("portal/lean_not_modified")
        if self.autothrottle:  # AutoThrottle adapts the host's delay to this answer's latency, as to Scrapy's
            self.crawler.signals.send_catch_log(signals.response_downloaded, response=response, request=request,
                                                spider=self.crawler.spider)
        for method in self.after:
            out = method(request=request, response=response)
            if inspect.isawaitable(out):
                out = await out
            if isinstance(out, Request):  # a middleware asks again (as Scrapy's engine does with it)
                self.engine.crawl(out)
                return
            response = out
        for out in request.callback(response) or ():
            if isinstance(out, Request):
                self.engine.crawl(out)
            else:  # through the item pipelines while the next request goes out (they await the WARC record)
                while len(self.items) >= ITEMS_IN_FLIGHT:  # (asyncio.wait on the set: O(items) per 304)
                    self.item_freed.clear()
                    await self.item_freed.wait()
                self.pending += 1
                task = asyncio.ensure_future(self.engine.scraper.start_itemproc_async(out, response=response))
                self.items.add(task)
                task.add_done_callback(self._item_done)

    def _item_done(self, task) -> None:
        self.items.discard(task)
        self.item_freed.set()
        self._done()

    def _done(self) -> None:
        self.pending -= 1
        if not self.pending:
            self._wake_engine()

    # -- handing over to Scrapy -------------------------------------------------------------
    def _fallback(self, request, saved, why: Fallback, connection):
        """Hand ``request`` (as the spider made it) to Scrapy. After an attempt that failed on the wire (no
        answer, or a status Scrapy retries) Scrapy's next attempt is a retry: counted so (the attempts of an
        ``errors`` row are the requests sent) and after the wait the retry middleware sets (its backoff, or a
        ``Retry-After`` up to ``PORTAL_RETRY_AFTER_MAX``)."""
        headers, meta = saved
        wait = 0.0
        if why.failed:
            if self.retry is not None:
                wait = self.retry.backoff(request)
                if why.retry_after is not None and why.retry_after <= self.retry.retry_after_max:
                    wait = max(wait, why.retry_after)
            meta["retry_times"] = meta.get("retry_times", 0) + 1
            self.crawler.stats.inc_value("portal/lean_failed")
        self.crawler.stats.inc_value("portal/lean_handed_over")
        retry = request.replace(headers=headers, meta=meta, dont_filter=True)
        if wait > 0:
            self.pending += 1
            asyncio.get_running_loop().call_later(wait, self._handed_over_later, retry)
        else:
            self._to_scrapy(retry)
        return connection

    def _handed_over_later(self, request) -> None:
        self._to_scrapy(request)
        self._done()

    def _to_scrapy(self, request) -> None:
        if self.engine is not None and not self.closed:
            self.engine.crawl(request)

    def _log_sent(self, request, status, headers) -> None:
        """The legal-log row of a request answered with something else than 304 (its response is Scrapy's)."""
        if self.legal_log is not None:
            response = responsetypes.from_args(headers=headers, url=request.url, body=b"")(
                url=request.url, status=status, headers=headers, body=b"", request=request)
            self.legal_log.process_response(request, response)

    def _wake_engine(self) -> None:
        """Nothing left here: the engine looks again whether the crawl is done (else its heartbeat would, in 5 s)."""
        slot = getattr(self.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def close(self, spider=None, reason=None) -> None:
        self.closed = True
        for task in [*self.tasks, *self.items]:
            task.cancel()
