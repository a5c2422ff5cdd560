"""Write every HTTP exchange to WARC: each redirect hop, each retry, media and robots.txt.

Sits next to the downloader (priority 950), so it sees responses as served, before redirects,
retries and decompression are handled. The records are written on the capture's WARC thread while the
event loop goes on (:mod:`pipelines.capture`); the pointer to the response record is left in
``request.meta["warc"]`` as a :class:`pipelines.capture.PendingPointer`, which the item pipelines await
before they store it beside the extracted record.
"""
from __future__ import annotations

from datetime import datetime, timezone

from pipelines.capture import Capture, PendingPointer


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

    def process_response(self, request, response, spider=None):
        warc = Capture.of(self.crawler).warc
        if warc is None:
            return response
        status = response.status
        kwargs = dict(
            url=response.url, method=request.method, request_headers=_headers(request.headers),
            request_body=request.body or b"",
            protocol=getattr(response, "protocol", None) or "HTTP/1.1",
            ip=str(response.ip_address) if getattr(response, "ip_address", None) else None,
            date=datetime.now(timezone.utc),
        )
        if status == 304:  # the revisit's block is empty: the 304's own headers are in its pages row
            written = warc.write_revisit(record_id=request.meta.get("record_id"),
                                         original=request.meta.get("revisit_of"), **kwargs)
        else:
            written = warc.write_exchange(**kwargs, status=status, reason="", response_headers=_headers(response.headers),
                                          body=response.body)
        # written on the WARC thread meanwhile: the response goes on (its download slot is free for the next
        # request); the pipelines wait for the pointer before they write a row naming it
        request.meta["warc"] = PendingPointer(written)
        return response
