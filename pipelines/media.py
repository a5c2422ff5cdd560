"""Media files (article and album images, attachments, videos): Scrapy's FilesPipeline, stored by SHA-256.

Why FilesPipeline and not ImagesPipeline: ImagesPipeline re-encodes every image to JPEG and drops the
original bytes, which an archive must keep; Pillow is used only to read width and height.
Each URL is downloaded once per crawl (FilesPipeline's own cache); identical bytes under different URLs
(``CACHEID``/``CVID`` variants) are stored once (:class:`archive.media.MediaStore`). Only files on the
portal's own hosts are fetched unless ``PORTAL_MEDIA_HOSTS`` names more (``*`` = any host).
A missing or broken file becomes an ``errors`` row; the crawl goes on.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator, MutableMapping
from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy.pipelines.files import FilesPipeline
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from archive.keyset import KeyNumbers, KeySet, key64
from archive.media import MediaStore, StoredMedia, describe
from pipelines.capture import Capture, warc_columns
from pipelines.records import WARC_FIELDS, error_row, link_media, media_urls


def media_failure(exc: BaseException) -> tuple[str, BaseException]:
    """(reason, exception) of a failed media download: the crawl's own bound (``too_large``, ``timeout``,
    ``host_refused``…, which FilesPipeline wraps in its own exception) if one ended it, else ``media_failed``."""
    seen = exc
    while seen is not None:
        if reason := getattr(seen, "portal_reason", None):
            return reason, seen
        seen = seen.__cause__ or seen.__context__
    return "media_failed", exc


def store_media(store: MediaStore, body: bytes, content_type: str | None) -> tuple[StoredMedia, dict]:
    """Store ``body`` (content-addressed) and describe it (size, MIME type, image size); thread-safe."""
    return store.put(body), describe(body, content_type)


class _NoStatStore:
    """FilesPipeline's store slot: stat always misses (download once per crawl); bytes go to MediaStore."""

    def __init__(self, basedir: str):
        self.basedir = basedir

    def persist_file(self, path, buf, info, meta=None, headers=None):  # pragma: no cover - not used
        raise NotImplementedError("MediaPipeline stores through archive.media.MediaStore")

    def stat_file(self, path, info):
        return {}


class ResultCache(MutableMapping):
    """FilesPipeline's cache of results for the whole crawl (request fingerprint -> result: each URL is
    downloaded once), kept as what later items need, the file's SHA-256: 40 packed bytes (the fingerprint's
    bytes 8-16 and the raw hash) in one ``bytearray`` and a 16-byte cell of a hash table of integers keyed
    by its first 8, where a dict of the whole result took ~400 bytes. A failure (rare, and raised again to
    later items as it is), or a fingerprint whose first 8 bytes another took, is kept as it is, beside."""

    RECORD = 40

    def __init__(self):
        self._numbers = KeyNumbers()  # first 8 bytes of a fingerprint -> its record's number + 1
        self._packed = bytearray()
        self._other: dict[bytes, object] = {}

    def _record(self, fp: bytes) -> int | None:
        number = self._numbers.get(key64(fp))
        if number is None:
            return None
        start = (number - 1) * self.RECORD
        return start if self._packed[start:start + 8] == fp[8:16] else None

    def __setitem__(self, fp: bytes, result) -> None:
        sha = result.get("sha256") if isinstance(result, dict) else None
        if sha is None or len(fp) < 16 or fp in self._other or self._numbers.get(key64(fp)) is not None:
            self._other[fp] = {"sha256": sha} if sha is not None else result
            return
        self._packed += fp[8:16] + bytes.fromhex(sha)
        self._numbers.set(key64(fp), len(self._packed) // self.RECORD)

    def __getitem__(self, fp: bytes):
        start = self._record(fp)
        if start is None:
            return self._other[fp]
        return {"sha256": self._packed[start + 8:start + self.RECORD].hex()}

    def __contains__(self, fp) -> bool:
        return self._record(fp) is not None or fp in self._other

    def __delitem__(self, fp: bytes) -> None:
        raise TypeError("FilesPipeline's results are kept for the whole crawl")

    def __len__(self) -> int:
        return len(self._packed) // self.RECORD + len(self._other)

    def __iter__(self) -> Iterator[bytes]:
        raise TypeError("FilesPipeline's results are looked up, never listed")


class MediaPipeline(FilesPipeline):
    STORE_SCHEMES = {**FilesPipeline.STORE_SCHEMES, "": _NoStatStore, "file": _NoStatStore}

    class SpiderInfo(FilesPipeline.SpiderInfo):
        def __init__(self, spider):
            super().__init__(spider)
            self.downloaded = ResultCache()  # the hash of each URL's file, compact (memory flat as the portal grows)

    def __init__(self, store_uri, *, crawler):
        super().__init__(store_uri, crawler=crawler)
        hosts = crawler.settings.getlist("PORTAL_MEDIA_HOSTS")
        self.any_host = "*" in hosts
        self.extra_hosts = {h.lower() for h in hosts if h != "*"}
        self.described = KeySet()  # 8-byte fingerprints of the URLs that have their media row in this crawl

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("PORTAL_ARCHIVE_DIR") or "archive", crawler=crawler)

    def _allowed(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        spider_hosts = getattr(self.crawler.spider, "allowed_hosts", frozenset())
        return self.any_host or host in spider_hosts or host in self.extra_hosts

    def get_media_requests(self, item, info):
        rows = item.get("rows") or ()
        referer = next((row["url"] for table, row in rows if table == "pages"), None)
        return [
            scrapy.Request(url, headers={"Referer": referer} if referer else None, meta={"media": True},
                           dont_filter=True)
            for url in media_urls(rows) if self._allowed(url)
        ]

    async def file_downloaded(self, response, request, info, *, item=None):
        # hashing, writing, fsyncing and sniffing the file happen in a thread: the event loop goes on downloading
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        stored, described = await maybe_deferred_to_future(
            deferToThread(store_media, Capture.of(self.crawler).media, response.body, content_type))
        request.meta["media_path"] = str(stored.path)
        request.meta["media_described"] = described
        return stored.sha256

    def file_path(self, request, response=None, info=None, *, item=None):
        return f"url/{request.url}"  # FilesPipeline's key; the real path is content-addressed (media_path)

    async def media_downloaded(self, response, request, info, *, item=None):
        result = await super().media_downloaded(response, request, info, item=item)
        described = request.meta.pop("media_described")
        warc = await warc_columns(request.meta.get("warc")) or {}
        result.update(sha256=result["checksum"], path=request.meta["media_path"], http_status=response.status,
                      fetched_at=datetime.now(timezone.utc), **described, **{k: warc.get(k) for k in WARC_FIELDS})
        return result

    def item_completed(self, results, item, info):
        rows = item.get("rows")
        if not rows:
            return item
        requests = [u for u in media_urls(rows) if self._allowed(u)]
        sha_by_url = {}
        extra = []
        now = datetime.now(timezone.utc)
        for url, (ok, value) in zip(requests, results):
            key = key64(hashlib.blake2b(url.encode("utf-8"), digest_size=8).digest())
            if ok:
                sha_by_url[url] = value["sha256"]
                if self.described.add(key):
                    extra.append(("media_files", {
                        "url": url, "site": item.get("site"), "sha256": value["sha256"], "size": value["size"], "mime_type": value["mime_type"],
                        "width": value["width"], "height": value["height"], "path": value["path"],
                        "http_status": value["http_status"], "fetched_at": value["fetched_at"],
                        **{k: value.get(k) for k in WARC_FIELDS},
                    }))
            elif self.described.add(key):
                self.crawler.stats.inc_value("portal/errors")
                reason, exc = media_failure(value.value)
                extra.append(("errors", error_row(
                    url, reason, failed_at=now, exception=f"{type(exc).__name__}: {exc}",
                    attempts=1, referer=next((r["url"] for t, r in rows if t == "pages"), None), site=item.get("site"),
                )))
        link_media(rows, sha_by_url)
        rows.extend(extra)
        return item
