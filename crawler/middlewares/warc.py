"""Write every HTTP exchange to WARC: each redirect hop, each retry, media and robots.txt.

Sits next to the downloader (priority 950), so it sees responses as served, before redirects,
retries and decompression are handled. The records are written on the capture's WARC thread while the
event loop goes on (:mod:`pipelines.capture`). The pointer to the response record is left in
``request.meta["warc"]`` for the item pipelines to store beside the extracted record.
"""
from __future__ import annotations

from datetime import datetime, timezone

from scrapy.utils.defer import maybe_deferred_to_future

from pipelines.capture import Capture


def _headers(headers) -> list[tuple[str, str]]:
    out = []
    for name, values in headers.items():
        for value in values:
            out.append((name.decode("latin-1"), value.decode("latin-1")))
    return out


class WarcCaptureMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request, response, spider=None):
        warc = Capture.of(self.crawler).warc
        if warc is None:
            return response
        status = response.status
        kwargs = dict(
            url=response.url, method=request.method, request_headers=_headers(request.headers),
            request_body=request.body or b"", status=status, reason="",
            response_headers=_headers(response.headers), body=response.body,
            protocol=getattr(response, "protocol", None) or "HTTP/1.1",
            ip=str(response.ip_address) if getattr(response, "ip_address", None) else None,
            date=datetime.now(timezone.utc),
        )
        if status == 304:
            del kwargs["body"]
            written = warc.write_revisit(record_id=request.meta.get("record_id"), **kwargs)
        else:
            written = warc.write_exchange(**kwargs)
        pointer = await maybe_deferred_to_future(written)  # written on the WARC thread meanwhile
        request.meta["warc"] = {
            "warc_file": pointer.warc_file, "warc_offset": pointer.warc_offset,
            "warc_length": pointer.warc_length, "warc_record_id": pointer.warc_record_id,
        }
        return response
