"""The crawl's per-record memory (issue 11, target 4): what the crawl remembers for its whole length about
each record and URL (the spider's identity state, Scrapy's duplicate filter, FilesPipeline's cache) is a
few integers, not Python strings and tuples: a 50,000-article crawl must not hold ~120 MB of it.

Measured with tracemalloc on the code paths a crawl takes (preshed allocates through Python's allocator,
so its tables are counted). The sets and dicts of strings and bytes these replaced took 857, 125 and 517
bytes on the same paths; the bounds below are 400, 60 and 120 (now ~326, 37 and 97; a table that has just
doubled is the worst case, 53 bytes a key).
"""
from __future__ import annotations

import gc
import tracemalloc

from scrapy import Request
from scrapy.settings import Settings
from scrapy.utils.misc import load_object

from archive.keyset import DigestSet, IdFlags, IdSet
from pipelines.records import content_id

H = "http://portal.test/wps/portal/hoangmai"


def _grown(build) -> int:
    """Bytes still allocated after ``build()`` (its result kept alive until measured)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del kept
    return grown


def test_the_spiders_identity_state_is_a_few_integers_per_record():
    from crawler.spiders.portal import PortalSpider

    records = 20_000
    spider = PortalSpider(start_url=H + "/")
    ids = [content_id(f"/hoangmai/site/tin-tuc/bai-{n}") for n in range(records)]

    def crawl():
        for n, rid in enumerate(ids):  # what parse remembers of one article and the listing that shows it
            own = f"{H}/tin-tuc/bai-{n}"
            spider._request(own, 0, barren=0, record_id=rid)  # requested
            spider._request(f"{H}/!ut/p/z1/{n:08d}/", 0, barren=0)  # a state URL of the same page
            assert spider.claim(rid) and not spider.claim(rid)
            for item in spider._aliases(rid, [own, f"{own}?print=1", f"{H}/wcm/connect/bai-{n}", own + "/"]):
                assert item["record_id"] == rid
            listing = f"{H}/tin-tuc/page-{n // 20}"
            assert [i["record_ids"] for i in spider._listing_item(listing, [rid])] == [[rid]]
            assert not list(spider._listing_item(listing, [rid]))  # reported once
        return spider

    per_record = _grown(crawl) / records
    assert per_record < 400, f"the spider keeps {per_record:.0f} bytes per record"  # ~857 as Python sets of strings


def test_scrapys_duplicate_filter_keeps_compact_fingerprints():
    settings = Settings()
    settings.setmodule("crawler.settings")
    dupefilter = load_object(settings["DUPEFILTER_CLASS"])()  # as the crawl's, with Scrapy's fingerprints
    urls = [f"{H}/tin-tuc/bai-{n}" for n in range(30_000)]

    def seen():  # each request gone once seen (Scrapy's fingerprint cache holds it weakly), as in a crawl
        assert not any(dupefilter.request_seen(Request(url)) for url in urls)
        return dupefilter

    per_request = _grown(seen) / len(urls)
    assert per_request < 60, f"the duplicate filter keeps {per_request:.0f} bytes per request"  # Scrapy's: ~125
    assert all(dupefilter.request_seen(Request(url)) for url in urls[:100])  # the same requests again
    assert not dupefilter.request_seen(Request(f"{H}/tin-tuc/bai-new"))


def test_filespipelines_cache_keeps_the_files_hash_alone():
    from twisted.python.failure import Failure

    from pipelines.media import MediaPipeline

    info = MediaPipeline.SpiderInfo(spider=None)
    cache = info.downloaded
    fps = [content_id(f"f{n}").encode() + bytes(4) for n in range(20_000)]  # 20 bytes, as Scrapy's

    def fill():
        for n, fp in enumerate(fps):
            cache[fp] = {"url": f"{H}/media/{n}.jpg", "path": "x", "checksum": "c", "status": "downloaded",
                         "sha256": f"{n:064x}", "size": 1000, "mime_type": "image/jpeg", "width": 1, "height": 1}
        return cache

    per_file = _grown(fill) / len(fps)
    assert per_file < 120, f"the media cache keeps {per_file:.0f} bytes per file"  # the whole dict: ~517
    assert fps[7] in cache and cache[fps[7]] == {"sha256": f"{7:064x}"}
    twin = fps[7][:8] + b"other-tail!!"  # the same first 8 bytes: kept beside, both exact
    assert twin not in cache
    failure = Failure(ValueError("gone"))
    cache[twin] = failure
    assert cache[twin] is failure and cache[fps[7]] == {"sha256": f"{7:064x}"}


def test_the_compact_sets_are_exact():
    digests = DigestSet()
    a, b, zero_tail = bytes(range(16)), bytes(range(8)) + b"12345678", b"\xff" * 8 + bytes(8)
    assert digests.add(a) and digests.add(b) and digests.add(zero_tail)  # b shares a's first half
    assert not digests.add(b) and len(digests) == 3
    assert set(digests) == {a, b, zero_tail} and bytes(16) not in digests

    ids = IdSet(["0123456789abcdef", "0000000000000000", "not-a-hex-id"])
    assert set(ids) == {"0123456789abcdef", "0000000000000000", "not-a-hex-id"} and len(ids) == 3
    assert "0123456789ABCDEF" not in ids  # ids are compared as the strings they are

    flags, rid = IdFlags(), "0123456789abcdef"
    assert flags.set(rid, 1) and flags.set(rid, 4) and not flags.set(rid, 1) and flags.flags(rid) == 5
    assert flags.clear(rid, 1) and not flags.has(rid, 1) and list(flags.items()) == [(rid, 4)]
    assert flags.clear(rid, 4) and len(flags) == 0 and not list(flags.items())
