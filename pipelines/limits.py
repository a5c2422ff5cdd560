"""Default bounds shared by the crawl (``crawler.settings``) and the offline tools (``extract``, ``reextract``).

Pure constants: no Scrapy. The crawl's settings (``PORTAL_PAGE_MAXSIZE``, ``PORTAL_MEDIA_MAXSIZE``,
``PORTAL_EXTRACT_TIMEOUT``) start from these and may be overridden with ``-s NAME=VALUE``.
"""
PAGE_MAXSIZE = 8 * 1024 * 1024  # bytes of a page, decompressed
MEDIA_MAXSIZE = 100 * 1024 * 1024  # bytes of a media file, decompressed
EXTRACT_TIMEOUT = 30.0  # seconds to extract one page
