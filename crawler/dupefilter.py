"""Scrapy's duplicate filter with its fingerprints held compact (``DUPEFILTER_CLASS``, crawler/settings.py).

Scrapy's ``RFPDupeFilter`` keeps every request's 20-byte fingerprint as a ``bytes`` in a set (~90 bytes
each with the set's slot) and, with a ``JOBDIR``, appends it to ``requests.seen`` there. This one keeps
the fingerprint's first 16 bytes in one cell of a hash table of integers (:class:`archive.keyset.DigestSet`,
~27-53 bytes), and writes no ``requests.seen``: the crawl's ``JOBDIR`` is its frontier
(:mod:`crawler.frontier`), made afresh by every crawl, never resumed from. It is kept beside the spider's
own memory of requested URLs because a request Scrapy retries or redirects passes through it. Scrapy's
``fingerprints`` (deprecated in Scrapy: the fingerprints as hex strings) cannot be given back from the cells,
and says so.
"""
from __future__ import annotations

from scrapy.dupefilters import RFPDupeFilter

from archive.keyset import DigestSet


class CompactDupeFilter(RFPDupeFilter):
    def __init__(self, path: str | None = None, debug: bool = False, *, fingerprinter=None):
        super().__init__(None, debug, fingerprinter=fingerprinter)
        self._fingerprints = DigestSet()

    @property
    def fingerprints(self):
        raise TypeError("CompactDupeFilter keeps a digest of each fingerprint, not the fingerprints: "
                        "ask request_seen(request), or set DUPEFILTER_CLASS to Scrapy's RFPDupeFilter")

    def request_seen(self, request) -> bool:
        return not self._fingerprints.add(self._fingerprint(request)[:16])
