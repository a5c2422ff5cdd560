"""``ReplicaServer``: the replica over HTTP/1.1 (keep-alive, Content-Length always but on 304), in a thread.

Options of issue 4: ``mutate=K`` (mutations.py), ``faults=RATE`` and its ``fault_*`` options (faults.py;
the transport faults — reset, timeout, truncated — are acted out here, on the socket), ``crawl_delay``.
"""
from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .corpus import DOCUMENTS, Corpus
from .fault_bodies import malform, pad
from .faults import HUGE_BYTES, FaultConfig, Faults
from .router import Response, Router


def _cookie(header: str | None, name: str) -> str | None:
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip('"')
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "IBM_HTTP_Server"
    # TCP_NODELAY, as IBM HTTP Server (Apache httpd) sets on every connection: without it the body, written
    # after the headers, waits for the client's delayed ACK of them (~40 ms per response on a kept-alive
    # connection), a stall the real portal does not have
    disable_nagle_algorithm = True
    sys_version = ""
    router: Router  # set on the subclass made per server
    faults: Faults
    latency: float = 0.0  # seconds slept before every response (``--latency``: a distant server)
    gzip = False  # text responses sent with Content-Encoding: gzip to clients that accept it

    def log_message(self, format, *args):  # noqa: A002 - silence request logging
        pass

    def _drop(self, reset: bool) -> None:
        """Close the connection now: with a TCP RST (SO_LINGER 0) if ``reset``, else a plain close."""
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()

    def _respond(self, head_only: bool = False) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.latency:
            time.sleep(self.latency)
        host = self.headers.get("Host") or "%s:%s" % self.server.server_address[:2]
        fault = self.faults.next(self.command, self.path, body) if self.faults.enabled else None
        if fault is not None:
            if fault.kind == "reset":
                return self._drop(reset=True)
            if fault.kind == "timeout":
                time.sleep(self.faults.config.timeout_seconds)
                return self._drop(reset=False)
            if fault.kind in ("5xx", "429", "redirect_loop"):
                return self._send(self._fault_response(fault, host), head_only, None)
        # a session the server issued, else a new one (set as a cookie below)
        session = _cookie(self.headers.get("Cookie"), "JSESSIONID")
        new_session = None
        if not self.router.sessions.known(session):
            session = new_session = self.router.sessions.new()
        try:
            resp = self.router.handle(self.path, "http://" + host, self.command, body, session, self.headers)
        except Exception:  # pragma: no cover - a bug must not kill the connection silently
            import traceback

            traceback.print_exc()
            resp = Response(500, b"Internal Server Error", [("Content-Type", "text/plain; charset=UTF-8")])
        html = resp.status == 200 and any(n == "Content-Type" and v.startswith("text/html") for n, v in resp.headers)
        if fault is not None and fault.kind == "malformed" and html:
            resp.body = malform(resp.body)
        elif fault is not None and fault.kind == "huge" and html:
            resp.body = pad(resp.body, HUGE_BYTES)
        if fault is not None and fault.kind == "truncated":
            return self._send(resp, head_only, new_session, truncate=True)
        self._send(resp, head_only, new_session)

    def _send(self, resp: Response, head_only: bool, new_session: str | None, truncate: bool = False) -> None:
        if self.gzip and resp.status == 200 and "gzip" in (self.headers.get("Accept-Encoding") or "") and any(
                n == "Content-Type" and v.startswith("text/") for n, v in resp.headers):
            resp = Response(resp.status, gzip.compress(resp.body, mtime=0),
                            [*resp.headers, ("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")])
        self.send_response(resp.status)
        for name, value in resp.headers:
            self.send_header(name, value)
        if new_session:
            self.send_header("Set-Cookie", f"JSESSIONID={new_session}; Path=/")
        if resp.status != 304:
            # truncated: announce more than is sent, send part of it, close
            declared = max(len(resp.body), 64) if truncate else len(resp.body)
            self.send_header("Content-Length", str(declared))
        self.end_headers()
        if truncate and not head_only:
            self.wfile.write(resp.body[:len(resp.body) // 2])
            return self._drop(reset=False)
        if not head_only and resp.status != 304:
            self.wfile.write(resp.body)

    @staticmethod
    def _fault_response(fault, host: str) -> Response:
        if fault.kind == "redirect_loop":
            return Response(302, b"", [("Location", "http://" + host + fault.location),
                                       ("Content-Type", "text/html; charset=UTF-8")])
        reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                  429: "Too Many Requests"}[fault.status]
        body = (f"<!DOCTYPE html><html><head><title>{fault.status} {reason}</title></head>"
                f"<body><h1>{reason}</h1></body></html>").encode()
        headers = [("Content-Type", "text/html; charset=UTF-8")]
        if fault.status == 429:
            headers.append(("Retry-After", "1"))
        return Response(fault.status, body, headers)

    def do_GET(self):  # noqa: N802
        self._respond()

    def do_POST(self):  # noqa: N802
        self._respond()

    def do_HEAD(self):  # noqa: N802
        self._respond(head_only=True)


class ThreadedHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class ServerThread:
    """An HTTP server (``self.httpd``, made by the subclass) served in a daemon thread by ``start()``;
    ``served`` counts the pages served per kind since start (``article``, ``calendar``, ``home``, …)."""

    httpd: ThreadingHTTPServer
    _thread: threading.Thread | None = None

    @property
    def served(self):
        return self.router.served

    @property
    def host(self) -> str:
        return self.httpd.server_address[0]

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self.httpd.serve_forever, name=type(self).__name__, daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class ReplicaServer(ServerThread):
    """The replica on ``host:port`` (0 = a free port); ``start()`` serves in a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, articles: int = 300, seed: int = 1,
                 documents: int = DOCUMENTS, *, mutate: int = 0, faults: float = 0.0, fault_kinds=None,
                 fault_seed: int = 0, fault_timeout_seconds: float = 3.0, fault_media: bool = False,
                 crawl_delay: float | None = None, latency: float = 0.0, gzip: bool = False):
        """``mutate``: K articles edited, added and deleted (mutations.py); ``faults``: the fault rate 0..1
        (faults.py), ``fault_kinds``: a subset of ``faults.KINDS`` (list or "a,b"), ``fault_seed``,
        ``fault_timeout_seconds`` (how long a ``timeout`` fault sleeps), ``fault_media`` (media and theme
        files may fail too); ``crawl_delay``: adds ``Crawl-delay`` to robots.txt; ``latency``: seconds
        slept before every response; ``gzip``: HTML and other text responses are sent gzip-compressed
        (``Content-Encoding: gzip``) when the client accepts it."""
        self.corpus = Corpus(articles, seed, documents, mutate)
        self.router = Router(self.corpus, crawl_delay)
        self.faults = Faults(self.corpus, FaultConfig(faults, fault_kinds, fault_seed, fault_timeout_seconds,
                                                      fault_media))
        handler = type("ReplicaHandler", (_Handler,), {"router": self.router, "faults": self.faults,
                                                            "latency": latency, "gzip": gzip})
        self.httpd = ThreadedHTTPServer((host, port), handler)

