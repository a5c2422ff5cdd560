"""Scrapy settings of portal-archive: polite defaults for real government portals.

Loopback targets (the replica) are relaxed automatically by :mod:`crawler.politeness`, unless
the user set the value explicitly (``-s NAME=VALUE`` always wins).
"""
from importlib.metadata import version as _dist_version

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
DOWNLOAD_TIMEOUT = 30

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

COOKIES_ENABLED = True  # WPS paging is session-scoped (JSESSIONID)
REDIRECT_MAX_TIMES = 10
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
LOGSTATS_INTERVAL = 30.0

# Navigation first, content after (priorities set by the spider); FIFO within a priority.
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

ITEM_PIPELINES = {
    "pipelines.scrapy_pipelines.ExtractPipeline": 300,
    "pipelines.media.MediaPipeline": 500,
    "pipelines.scrapy_pipelines.ArchivePipeline": 900,
}
DOWNLOADER_MIDDLEWARES = {
    "crawler.sites.HostSlotMiddleware": 50,  # politeness per host:port (sibling portals), before robots.txt
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
    "crawler.middlewares.crawl_delay.CrawlDelayMiddleware": 560,
    "crawler.middlewares.legal_log.LegalLogMiddleware": 570,  # robots decisions, rate limits, delays: legal_log
    "crawler.middlewares.warc.WarcCaptureMiddleware": 950,  # next to the wire: every hop, every retry
}
MEDIA_ALLOW_REDIRECTS = True
EXTENSIONS = {
    "crawler.progress.Progress": 500,
}

# portal-archive's own settings
PORTAL_ARCHIVE_DIR = "hoangmai-archive"  # not "archive": that is the storage package of this repository
PORTAL_BATCH_ROWS = 1000
PORTAL_MAX_BARREN_HOPS = 3  # consecutive pages that reveal nothing new before a path is dropped
PORTAL_MAX_BARREN_PAGER = 5  # same, for listing pagers (walked while they reveal new items)
PORTAL_PROGRESS_INTERVAL = 5.0  # seconds; 0 disables the progress line
PORTAL_LOOPBACK_RELAX = True
PORTAL_RESUME = True  # re-running the command of an interrupted crawl resumes its snapshot
PORTAL_WARC = True
PORTAL_WARC_MAX_BYTES = 100_000_000
PORTAL_MEDIA_HOSTS: list = []  # hosts besides the seeds' whose media may be fetched; "*" = any
PORTAL_RETRY_BACKOFF_BASE = 0.5
PORTAL_RETRY_BACKOFF_MAX = 30.0
PORTAL_RETRY_AFTER_MAX = 120.0
PORTAL_MAX_FAILURE_RATIO = 0.2  # failures over this share of the pages tried: the snapshot is "partial"
