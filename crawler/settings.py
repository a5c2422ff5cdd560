"""Scrapy settings of portal-archive: polite defaults for real government portals.

Loopback targets (the replica) are relaxed automatically by :mod:`crawler.politeness`, unless
the user set the value explicitly (``-s NAME=VALUE`` always wins).

Bounds on hostile or broken servers (issue 7); each refusal is an ``errors`` row with its reason:

``PORTAL_PAGE_MAXSIZE`` (8 MiB)
    Largest page (HTML, robots.txt, anything not media), counted after decompression: a larger
    ``Content-Length`` is refused before the body is read, a body or a gzip/deflate/br/zstd stream growing
    past it is cut off (``too_large``). Also the limit of ``extract``.
``PORTAL_MEDIA_MAXSIZE`` (100 MiB)
    The same for media files (images, attachments, videos); ``DOWNLOAD_MAXSIZE`` is set to it.
``DOWNLOAD_TIMEOUT`` (30 s; 20 s on loopback)
    One attempt, whole: connecting, headers and body. A server dripping bytes is cut off (``timeout``).
``PORTAL_REQUEST_DEADLINE`` (90 s; 30 s on loopback)
    All attempts of one URL and the backoff waits between them (not the time queued behind politeness
    delays). Each retry gets what is left, a retry needs at least 1 s.
``PORTAL_RETRY_AFTER_MAX`` (30 s)
    A ``Retry-After`` up to this is waited for; a longer one is not retried now (``http_503`` …).
``REDIRECT_MAX_TIMES`` (10)
    Longer chains are ``too_many_redirects``; a chain that comes back to one of its URLs is
    ``redirect_loop``; a ``Location`` outside http/https is ``scheme_refused``.
``PORTAL_MEDIA_HOSTS`` ([])
    Hosts besides the start URLs' whose media may be fetched (``*`` = any). Pages are fetched only from
    the start URLs' hosts; anything else is ``host_refused``, and ``file:``, ``data:``, ``ftp:``, ``s3:`` are
    ``scheme_refused`` (their download handlers are off). Unless a start URL is itself private or loopback,
    other hosts on private, loopback or link-local addresses (literal, or as resolved) are
    ``private_address``.
``PORTAL_EXTRACT_WORKERS`` (2)
    Processes that extract records off the event loop, so a page slow to parse never stalls downloads.
``PORTAL_EXTRACT_IN_FLIGHT`` (4)
    Pages handed to those processes at once (the rest wait, and Scrapy's own back-pressure stops
    downloading): memory stays flat.
``PORTAL_EXTRACT_TIMEOUT`` (30 s)
    A page whose extraction takes longer is recorded as ``extract_timeout`` (its worker is replaced);
    a page that crashes a worker twice as ``extract_crashed``; one that raises as ``extract_failed``.
``PORTAL_EXTRACT_MEMORY_MB`` (1024)
    Address-space limit of each extraction process (0 = none): a page that would need more is
    ``extract_failed`` (MemoryError) instead of swapping the machine.
``PORTAL_EXTRACT_NICE`` (10)
    The extraction processes run this many nice steps below the crawl, under Linux's batch policy
    (0 = same priority): they yield the CPU to the crawl's event loop, which every request waits on.
``PORTAL_STALL_CHECK`` (0.25 s), ``PORTAL_STALL_WARN`` (2 s)
    How often the event loop is checked for stalls, and the stall that is logged as a warning; the
    longest is the stat ``portal/reactor_max_stall_s``.

Scrapy's telnet console and its remote-control HTTP endpoint (2.19: runs Python sent with a token, and
writes that token to a file in the user's state folder) are both off.
"""
from importlib.metadata import version as _dist_version

from scrapy.settings import default_settings as _scrapy_defaults

from pipelines.limits import EXTRACT_TIMEOUT, MEDIA_MAXSIZE, PAGE_MAXSIZE

__version__ = _dist_version("portal-archive")

BOT_NAME = "portal-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = (
    f"portal-archive/{__version__} (web archiving of public government portals; "
    "+https://github.com/portal-archive/portal-archive)"
)
ROBOTSTXT_OBEY = True

# Politeness for real sites: Vietnamese WPS portals throttle aggressive clients.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_DELAY = 0.5
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Outputs of one response processed at once. Scrapy 2.19 starts this many asyncio tasks (and a queue) for
# every response, whatever it yields: at the default 100 that was a quarter of a re-crawl's CPU (a 304
# yields one item). The spider yields one page item (plus a listing or alias item) and its requests.
CONCURRENT_ITEMS = 8
# Scrapy's downloader, but per-host concurrency and delays (sites.toml, Crawl-delay) hold (crawler/downloader.py)
DOWNLOADER = "crawler.downloader.PoliteDownloader"
DOWNLOAD_TIMEOUT = 30

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

COOKIES_ENABLED = True  # WPS paging is session-scoped (JSESSIONID)
REDIRECT_MAX_TIMES = 10
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Bounds (see the module docstring)
DOWNLOAD_MAXSIZE = MEDIA_MAXSIZE  # Scrapy's own cap: the larger of the two; pages get theirs per request
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
TWISTED_DNS_RESOLVER = "crawler.middlewares.guard.GuardedResolver"
LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.quiet_log.QuietLogFormatter"  # per-response DEBUG messages not built unless logged
DOWNLOADER_STATS = False  # Scrapy's downloader/* byte and count stats: a request serialised per request, unused
LOGSTATS_INTERVAL = 30.0

# Navigation first, content after (priorities set by the spider); FIFO within a priority.
SCHEDULER_DISK_QUEUE = "crawler.frontier.SpillingFifoDiskQueue"  # on disk: JOBDIR, set by cli/crawl.py
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
DUPEFILTER_CLASS = "crawler.dupefilter.CompactDupeFilter"  # fingerprints as integers, not bytes (crawl --redis: its own)

ITEM_PIPELINES = {
    "pipelines.scrapy_pipelines.ExtractPipeline": 300,
    "pipelines.media.MediaPipeline": 500,
    "pipelines.scrapy_pipelines.ArchivePipeline": 900,
}
DOWNLOADER_MIDDLEWARES = {
    "crawler.sites.HostSlotMiddleware": 50,  # politeness per host:port (sibling portals), before robots.txt
    # the guard replaces Scrapy's offsite filter, which drops off-host redirects without a trace
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.guard.GuardMiddleware": 40,  # before the robots.txt middleware
    # Scrapy's, but every request that waited for robots.txt is checked (crawler/middlewares/robots.py)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.RobotsTxtMiddleware": 100,
    "crawler.middlewares.limits.LimitsMiddleware": 540,  # its process_exception runs once retries are spent
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.redirect.BoundedMetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.limits.BoundedCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.redirect.BoundedRedirectMiddleware": 600,
    "crawler.middlewares.crawl_delay.CrawlDelayMiddleware": 560,
    "crawler.middlewares.legal_log.LegalLogMiddleware": 570,  # robots decisions, rate limits, delays: legal_log
    "crawler.middlewares.warc.WarcCaptureMiddleware": 950,  # next to the wire: every hop, every retry
}
SPIDER_MIDDLEWARES = {
    # each is one more async generator every request and item the spider yields passes through, for nothing
    # here: no DEPTH_LIMIT or DEPTH_PRIORITY (the spider bounds paths itself), and no request copies Scrapy's
    # internal meta keys (MetaCopyDetection only warns about that)
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
MEDIA_ALLOW_REDIRECTS = True
EXTENSIONS = {
    "crawler.progress.Progress": 500,
    "crawler.stall.StallMonitor": 510,
}
# Scrapy's own extensions but the two switched off above, which are then not even imported (0.12 s of every
# start: the remote control imports aiohttp, the telnet console Twisted's conch; a None in EXTENSIONS would
# still import them, to compare class paths)
EXTENSIONS_BASE = {name: order for name, order in _scrapy_defaults.EXTENSIONS_BASE.items()
                   if name not in ("scrapy.extensions.telnet.TelnetConsole",
                                   "scrapy.extensions.remote_control.RemoteControl")}

# portal-archive's own settings
PORTAL_ARCHIVE_DIR = "hoangmai-archive"  # not "archive": that is the storage package of this repository
PORTAL_BATCH_ROWS = 1000
PORTAL_MAX_BARREN_HOPS = 3  # consecutive pages that reveal nothing new before a path is dropped
PORTAL_MAX_BARREN_PAGER = 5  # same, for listing pagers (walked while they reveal new items)
PORTAL_PROGRESS_INTERVAL = 5.0  # seconds; 0 disables the progress line
PORTAL_LOOPBACK_RELAX = True
PORTAL_RESUME = True  # re-running the command of an interrupted crawl resumes its snapshot
PORTAL_LEAN_REVALIDATE = True  # a re-crawl's conditional requests of records by crawler/revalidate.py (0 = Scrapy)
PORTAL_REVISIT_PROCESS = True  # a re-crawl's revisit records written by pipelines/revisit_process.py (0 = here)
PORTAL_WARC = True
PORTAL_WARC_MAX_BYTES = 100_000_000
PORTAL_MEDIA_HOSTS: list = []  # hosts besides the seeds' whose media may be fetched; "*" = any
PORTAL_RETRY_BACKOFF_BASE = 0.5
PORTAL_RETRY_BACKOFF_MAX = 30.0
PORTAL_RETRY_AFTER_MAX = 30.0
PORTAL_REQUEST_DEADLINE = 90.0
PORTAL_PAGE_MAXSIZE = PAGE_MAXSIZE
PORTAL_MEDIA_MAXSIZE = MEDIA_MAXSIZE
PORTAL_EXTRACT_WORKERS = 2
PORTAL_EXTRACT_IN_FLIGHT = 4
PORTAL_EXTRACT_TIMEOUT = EXTRACT_TIMEOUT
PORTAL_EXTRACT_MEMORY_MB = 1024
PORTAL_EXTRACT_NICE = 10
PORTAL_STALL_CHECK = 0.25  # seconds between checks of the event loop (crawler/stall.py); 0 = off
PORTAL_STALL_WARN = 2.0  # a stall longer than this is logged
PORTAL_MAX_FAILURE_RATIO = 0.2  # failures over this share of the pages tried: the snapshot is "partial"
PORTAL_REDIS_URL = ""  # crawl --redis URL: this process is one crawl worker of several (crawler/redis_scheduler.py)
PORTAL_WORKER = ""  # crawl --worker NAME (default: the host name)
PORTAL_REDIS_NAMESPACE = ""  # prefix of the crawl's Redis keys (default: from the start URLs)
# crawl --redis: a host's delay holds across all workers together (crawler/downloader.py); False: each worker
# paces every host on its own, so N workers send N times the rate (only for a site whose owner allows that)
PORTAL_SHARED_PACE = True
