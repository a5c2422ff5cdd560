"""``ReplicaServer``: the replica over HTTP/1.1 (keep-alive, Content-Length always), in a thread."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .corpus import DOCUMENTS, Corpus
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
    sys_version = ""
    router: Router  # set on the subclass made per server

    def log_message(self, format, *args):  # noqa: A002 - silence request logging
        pass

    def _respond(self, head_only: bool = False) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or "%s:%s" % self.server.server_address[:2]
        # a session the server issued, else a new one (set as a cookie below)
        session = _cookie(self.headers.get("Cookie"), "JSESSIONID")
        new_session = None
        if not self.router.sessions.known(session):
            session = new_session = self.router.sessions.new()
        try:
            resp = self.router.handle(self.path, "http://" + host, self.command, body, session)
        except Exception:  # pragma: no cover - a bug must not kill the connection silently
            import traceback

            traceback.print_exc()
            resp = Response(500, b"Internal Server Error", [("Content-Type", "text/plain; charset=UTF-8")])
        self.send_response(resp.status)
        for name, value in resp.headers:
            self.send_header(name, value)
        if new_session:
            self.send_header("Set-Cookie", f"JSESSIONID={new_session}; Path=/")
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(resp.body)

    def do_GET(self):  # noqa: N802
        self._respond()

    def do_POST(self):  # noqa: N802
        self._respond()

    def do_HEAD(self):  # noqa: N802
        self._respond(head_only=True)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class ReplicaServer:
    """The replica on ``host:port`` (0 = a free port); ``start()`` serves in a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, articles: int = 300, seed: int = 1,
                 documents: int = DOCUMENTS):
        self.corpus = Corpus(articles, seed, documents)
        self.router = Router(self.corpus)
        handler = type("ReplicaHandler", (_Handler,), {"router": self.router})
        self.httpd = _Server((host, port), handler)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self.httpd.server_address[0]

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def served(self):
        """Counter of pages served per kind since start (``article``, ``calendar``, ``home``, …)."""
        return self.router.served

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ReplicaServer":
        if self._thread is None:
            self._thread = threading.Thread(target=self.httpd.serve_forever, name="replica", daemon=True)
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

    def __enter__(self) -> "ReplicaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
