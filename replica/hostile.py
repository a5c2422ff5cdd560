"""``replica --hostile``: a small site that misbehaves in every way a crawler must survive (issue 7).

Its home page links every case; :func:`hostile_cases` says, per URL, what a bounded crawler must do with
it: ``archived`` (kept despite NUL bytes, mixed encodings, 100k nested elements), ``not_fetched`` (links
to ``file:``, ``data:``, ``javascript:`` and other hosts: never requested), or the ``errors`` reason it
must record (``too_large``, ``timeout``, ``redirect_loop``, ``too_many_redirects``, ``http_500``,
``http_503``, ``scheme_refused``, ``host_refused``).

The cases: a gzip bomb (2 GiB of zeros in 2 MB, as a page and as an image), a 50 MB page (with and
without ``Content-Length``), a 200 MB PDF attached to a document (streamed, never held in memory), a
drip of one byte a second in the headers and in the body, a redirect loop, a self-redirect and a 30-hop
chain, 500/503 storms with a huge ``Retry-After`` (seconds and HTTP date), redirects to ``file:``,
``data:`` and another host, media names with ``../`` and a ``Content-Disposition`` naming
``../../…``. "Another host" is ``localhost`` on the same port: a request that reaches it is logged
with its ``Host`` header, and ``GET /__hits`` answers every (host, path) served so far, as JSON.
"""
from __future__ import annotations

import html
import json
import threading
import time
import unicodedata
import zlib
from collections import Counter
from functools import lru_cache
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from .server import ServerThread, ThreadedHTTPServer

MB = 1_000_000
BIG_PAGE_BYTES = 50 * MB
BIG_PDF_BYTES = 200 * MB
BOMB_BYTES = 2 << 30  # decompressed size of the gzip bomb
CHAIN_HOPS = 30
STORM = 6  # URLs per storm status
SLOW_PARAGRAPHS = 80_000  # ~3.4 MB of short paragraphs: ~8 s of extraction, under the size limit
DRIP_MAX_SECONDS = 600  # a drip gives up by itself after this long
_CHUNK = 1 << 20

ARCHIVED, NOT_FETCHED = "archived", "not_fetched"


def _article(title: str, paragraphs: list[str], extra: str = "", date: str = "12/03/2024 08:30") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
            f'<body><div id="main"><h1>{html.escape(title)}</h1><p class="date">Ngày đăng: {date}</p>'
            f'<div class="content">{body}{extra}<p style="text-align:right"><strong>Ban biên tập</strong></p>'
            f"</div></div></body></html>")


PARAS = [
    "Sáng ngày 12/3, UBND thị xã Hoàng Mai tổ chức hội nghị tổng kết công tác năm 2024 và triển khai nhiệm vụ "
    "năm 2025. Tham dự hội nghị có đại diện lãnh đạo các phòng, ban, ngành và các phường, xã trên địa bàn.",
    "Năm 2024, thị xã đã hoàn thành cơ bản các chỉ tiêu kinh tế - xã hội, thu ngân sách đạt cao so với kế hoạch "
    "đề ra, đời sống vật chất và tinh thần của nhân dân tiếp tục được cải thiện.",
]


def _cases(base: str, other: str) -> list[dict]:
    """(url, expect, what) of every hostile case; ``other`` is the base URL of "another host"."""
    cases = [
        ("/hostile/gzip-bomb", "too_large", "a gzip bomb: 2 MB on the wire, 2 GiB decompressed"),
        ("/hostile/big-page", "too_large", "a 50 MB page with Content-Length"),
        ("/hostile/big-page-chunked", "too_large", "a 50 MB page, chunked, no Content-Length"),
        ("/hostile/files/bao-cao-200mb.pdf", "too_large", "a 200 MB PDF attached to a document"),
        ("/hostile/media/bomb.gif", "too_large", "an image that is a gzip bomb"),
        ("/hostile/drip-headers", "timeout", "one header byte a second"),
        ("/hostile/drip-body", "timeout", "one body byte a second"),
        ("/hostile/loop/a", "redirect_loop", "a -> b -> a"),
        ("/hostile/self-redirect", "redirect_loop", "a page that redirects to itself"),
        ("/hostile/chain/0", "too_many_redirects", f"a {CHAIN_HOPS}-hop redirect chain"),
        ("/hostile/redirect/file", "scheme_refused", "302 to file:///etc/passwd"),
        ("/hostile/redirect/data", "scheme_refused", "302 to a data: URL"),
        ("/hostile/redirect/other-host", "host_refused", "302 to another host"),
        *((f"/hostile/storm/500/{i}", "http_500", "500, Retry-After an HTTP date in 2099") for i in range(STORM)),
        *((f"/hostile/storm/503/{i}", "http_503", "503, Retry-After: 86400") for i in range(STORM)),
        ("/hostile/nul-bytes", ARCHIVED, "an article with NUL bytes"),
        ("/hostile/mixed-encoding", ARCHIVED, "UTF-8 declared, a windows-1258 paragraph inside"),
        ("/hostile/deep-nesting", ARCHIVED, "100,000 nested elements"),
        ("/hostile/slow-extract", ARCHIVED, f"{SLOW_PARAGRAPHS:,} paragraphs: seconds to extract, under the size limit"),
        ("/hostile/article/media", ARCHIVED, "an article whose images are named with ../ and hostile"),
        ("/hostile/document", ARCHIVED, "a document whose attachment is the 200 MB PDF"),
        ("/hostile/media/..%2F..%2F..%2F..%2Fescape.jpg", ARCHIVED, "an image named ../../../../escape.jpg"),
        ("/hostile/media/%2e%2e/%2e%2e/%2e%2e/escape2.jpg", ARCHIVED, "an image named ../../../escape2.jpg"),
        ("/hostile/media/disposition.gif", ARCHIVED, "an image whose Content-Disposition names ../../"),
    ]
    out = [{"url": base + path, "expect": expect, "what": what} for path, expect, what in cases]
    out += [{"url": url, "expect": NOT_FETCHED, "what": what} for url, what in (
        ("file:///etc/passwd", "a link to file:"), ("file:///etc/hostname", "an image from file:"),
        ("data:text/html;base64,PGgxPmhpPC9oMT4=", "a link to data:"), ("javascript:alert(1)", "a javascript: link"),
        (other + "/hostile/offsite-page", "a link to another host"),
        (other + "/hostile/media/offsite.jpg", "an image on another host"),
    )]
    return out


def hostile_cases(base_url: str) -> list[dict]:
    """Every hostile URL of the server at ``base_url`` (``http://127.0.0.1:PORT``) with what a crawler must do."""
    return _cases(base_url.rstrip("/"), _other_host(base_url))


def _other_host(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"http://localhost:{parts.port}"


def home_html(base_url: str) -> str:
    links = [f'<li><a href="{html.escape(c["url"])}">{html.escape(c["what"])}</a></li>' for c in hostile_cases(base_url)
             if c["expect"] != NOT_FETCHED or not c["url"].startswith(_other_host(base_url) + "/hostile/media")]
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Cổng thông tin (hostile)</title></head>'
            f'<body><h1>Cổng thông tin điện tử (hostile replica)</h1><ul>{"".join(links)}</ul>'
            f'<img src="file:///etc/hostname" alt=""></body></html>')


def _media_article(base_url: str) -> str:
    other = _other_host(base_url)
    imgs = ["/hostile/media/..%2F..%2F..%2F..%2Fescape.jpg", "/hostile/media/disposition.gif", "/hostile/media/bomb.gif",
            "file:///etc/hostname", other + "/hostile/media/offsite.jpg",
            "data:image/gif;base64,R0lGODlhAQABAAAAACw=", "/hostile/media/%2e%2e/%2e%2e/%2e%2e/escape2.jpg"]
    extra = "".join(f'<p><img src="{html.escape(u)}" alt="Ảnh {n}"></p>' for n, u in enumerate(imgs))
    return _article("Ảnh hội nghị tổng kết công tác năm 2024", PARAS, extra)


def _document() -> str:
    rows = [("Số hiệu", "15/2024/QĐ-UBND"), ("Loại văn bản", "Quyết định"), ("Ngày ban hành", "12/03/2024"),
            ("Cơ quan ban hành", "UBND thị xã Hoàng Mai"), ("Người ký", "Nguyễn Văn A"), ("Lĩnh vực", "Tài chính"),
            ("Trích yếu", "Quyết định ban hành báo cáo tổng kết công tác năm 2024")]
    trs = "\n".join(f'<tr><th align="left" width="25%">{k}</th><td>{html.escape(v)}</td></tr>' for k, v in rows)
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Quyết định 15/2024/QĐ-UBND</title></head><body>'
            '<div class="vb-detail">\n<h1 class="title">Quyết định số 15/2024/QĐ-UBND</h1>\n'
            f'<table class="ta_border vb-info" width="100%" border="1">\n{trs}\n</table>\n'
            '<div class="attachments"><b>Tệp đính kèm:</b><ul>'
            '<li><a href="/hostile/files/bao-cao-200mb.pdf" target="_blank">Báo cáo tổng kết (PDF)</a></li>'
            "</ul></div>\n</div></body></html>")


def _nul_page() -> bytes:
    page = _article("Thông báo lịch tiếp công dân tháng 3", PARAS * 4).encode("utf-8")
    return page.replace("tổ chức".encode(), "tổ\x00 chức".encode()).replace(b"<p>", b"<p>\x00\x00", 1) + b"\x00" * 4


def _mixed_page() -> bytes:
    page = _article("Kế hoạch phát triển kinh tế năm 2025", [PARAS[0], "@@LEGACY@@", *PARAS * 40]).encode("utf-8")
    legacy = unicodedata.normalize("NFD", "Nội dung soạn thảo bằng bảng mã cũ").encode("cp1258", "replace")
    return page.replace(b"@@LEGACY@@", legacy + b" \xff\xfe caf\xe9 " + "tiếng Việt".encode("utf-16-le"))


def _deep_page(depth: int = 100_000) -> bytes:
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Trang lồng sâu</title></head><body>"
            + "<div>" * depth + "Nội dung" + "</div>" * depth + "</body></html>").encode("utf-8")


def _slow_page() -> bytes:
    rows = "".join(f"<p>Đoạn {i}: nội dung chi tiết</p>" for i in range(SLOW_PARAGRAPHS))
    return _article("Trang rất nhiều đoạn văn", PARAS, rows).encode("utf-8")


@lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """``BOMB_BYTES`` of zeros as a multi-member gzip stream (~2 MB): one 64 MiB member, repeated."""
    member_size = 64 << 20
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = c.compress(b"\0" * member_size) + c.flush()
    return member * (BOMB_BYTES // member_size)


@lru_cache(maxsize=1)
def _gif() -> bytes:
    return (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
            b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def _jpeg() -> bytes:
    from .media import jpeg_bytes

    return jpeg_bytes("hostile-escape")


def _pdf_chunks(size: int):
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"
    tail = b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    yield head
    left = size - len(head) - len(tail)
    filler = b"% " + b"0" * (_CHUNK - 3) + b"\n"
    while left > 0:
        piece = filler[:left]
        left -= len(piece)
        yield piece
    yield tail


def _big_page_chunks(size: int):
    head = b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Trang rat lon</title></head><body>"
    tail = b"</body></html>"
    yield head
    row = b"<p>Noi dung lap lai de lam trang rat lon.</p>\n" * (_CHUNK // 48)
    left = size - len(head) - len(tail)
    while left > 0:
        piece = row[:left]
        left -= len(piece)
        yield piece
    yield tail


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Hostile"
    sys_version = ""
    hits: Counter
    lock: threading.Lock

    def log_message(self, format, *args):  # noqa: A002
        pass

    # -- helpers ----------------------------------------------------------------------------
    def _base(self) -> str:
        return "http://" + (self.headers.get("Host") or "%s:%s" % self.server.server_address[:2])

    def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8", headers=()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self._send(302, b"", headers=[("Location", location)])

    def _stream(self, chunks, ctype: str, length: int | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        try:
            for chunk in chunks:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if length is None else chunk)
            if length is None:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client gave up: that is the point
            self.close_connection = True

    def _drip(self, head: bytes, drip: bytes) -> None:
        """Send ``head`` at once, then ``drip`` one byte a second until the client hangs up."""
        self.close_connection = True
        try:
            self.wfile.write(head)
            self.wfile.flush()
            started = time.monotonic()
            i = 0
            while time.monotonic() - started < DRIP_MAX_SECONDS:
                self.wfile.write(drip[i % len(drip):i % len(drip) + 1])
                self.wfile.flush()
                i += 1
                time.sleep(1.0)
        except OSError:
            pass

    # -- routing ----------------------------------------------------------------------------
    def do_GET(self):  # noqa: N802
        host = (self.headers.get("Host") or "").lower()
        with self.lock:
            self.hits[f"{host} {self.path}"] += 1
        path = self.path.split("?", 1)[0]
        base = self._base()
        if path == "/__hits":
            return self._send(200, json.dumps(dict(self.hits)).encode(), "application/json")
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        if path == "/":
            return self._send(200, home_html(base).encode("utf-8"))
        route = _ROUTES.get(path)
        if route is not None:
            return route(self, base)
        if path.startswith("/hostile/chain/"):
            n = int(path.rsplit("/", 1)[1] or 0)
            if n >= CHAIN_HOPS:
                return self._send(200, _article("Cuối chuỗi chuyển hướng", PARAS).encode())
            return self._redirect(f"/hostile/chain/{n + 1}")
        if path.startswith("/hostile/storm/500/"):
            return self._send(500, b"<h1>500</h1>", headers=[("Retry-After", "Fri, 31 Dec 2099 23:59:59 GMT")])
        if path.startswith("/hostile/storm/503/"):
            return self._send(503, b"<h1>503</h1>", headers=[("Retry-After", "86400")])
        if path.startswith("/hostile/media/") or path == "/escape2.jpg":
            # /escape2.jpg: /hostile/media/%2e%2e/%2e%2e/%2e%2e/escape2.jpg with its dot segments resolved, as a
            # browser resolves them (the WHATWG URL standard: "%2e%2e" is ".."), and w3lib >= 2.6 with it
            body = _jpeg() if path.endswith(".jpg") else _gif()
            return self._send(200, body, "image/jpeg" if path.endswith(".jpg") else "image/gif")
        return self._send(404, b"<h1>Not Found</h1>")

    do_HEAD = do_GET


def _page(body_fn):
    return lambda h, base: h._send(200, body_fn(base))


_ROUTES = {
    "/hostile/gzip-bomb": lambda h, base: h._send(200, gzip_bomb(), headers=[("Content-Encoding", "gzip")]),
    "/hostile/media/bomb.gif": lambda h, base: h._send(200, gzip_bomb(), "image/gif",
                                                       headers=[("Content-Encoding", "gzip")]),
    "/hostile/big-page": lambda h, base: h._stream(_big_page_chunks(BIG_PAGE_BYTES), "text/html; charset=utf-8",
                                                   BIG_PAGE_BYTES),
    "/hostile/big-page-chunked": lambda h, base: h._stream(_big_page_chunks(BIG_PAGE_BYTES),
                                                           "text/html; charset=utf-8", None),
    "/hostile/files/bao-cao-200mb.pdf": lambda h, base: h._stream(_pdf_chunks(BIG_PDF_BYTES), "application/pdf",
                                                                  BIG_PDF_BYTES),
    "/hostile/drip-headers": lambda h, base: h._drip(b"HTTP/1.1 200 OK\r\nX-Drip: ", b"abcdefghij"),
    "/hostile/drip-body": lambda h, base: h._drip(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 100000\r\n\r\n", b"<p>drip</p>"),
    "/hostile/loop/a": lambda h, base: h._redirect("/hostile/loop/b"),
    "/hostile/loop/b": lambda h, base: h._redirect("/hostile/loop/a"),
    "/hostile/self-redirect": lambda h, base: h._redirect("/hostile/self-redirect"),
    "/hostile/redirect/file": lambda h, base: h._redirect("file:///etc/passwd"),
    "/hostile/redirect/data": lambda h, base: h._redirect("data:text/html;base64,PGgxPmhpPC9oMT4="),
    "/hostile/redirect/other-host": lambda h, base: h._redirect(_other_host(base) + "/hostile/offsite-page"),
    "/hostile/nul-bytes": lambda h, base: h._send(200, _nul_page()),
    "/hostile/mixed-encoding": lambda h, base: h._send(200, _mixed_page()),
    "/hostile/deep-nesting": lambda h, base: h._send(200, _deep_page()),
    "/hostile/slow-extract": lambda h, base: h._send(200, _slow_page()),
    "/hostile/article/media": _page(lambda base: _media_article(base).encode()),
    "/hostile/document": _page(lambda base: _document().encode()),
    "/hostile/media/disposition.gif": lambda h, base: h._send(
        200, _gif(), "image/gif",
        headers=[("Content-Disposition", 'attachment; filename="../../../../../tmp/portal-archive-escape.gif"')]),
}


class HostileServer(ServerThread):
    """The hostile site on ``host:port`` (0 = a free port); ``start()`` serves in a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.hits: Counter = Counter()
        handler = type("HostileHandler", (_Handler,), {"hits": self.hits, "lock": threading.Lock()})
        self.httpd = ThreadedHTTPServer((host, port), handler)
        gzip_bomb()  # built once, before the first request

    @property
    def served(self):
        return self.hits


def fetch_hits(base_url: str) -> dict[str, int]:
    """What the server at ``base_url`` has served: ``{"<host header> <path>": count}``."""
    import urllib.request

    with urllib.request.urlopen(base_url.rstrip("/") + "/__hits", timeout=10) as resp:
        return json.loads(resp.read())
