"""Loopback helpers for the export tests: a free port, a static file server, waiting for a server."""
from __future__ import annotations

import functools
import http.server
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import free_port  # noqa: F401  (re-exported for the export tests)


def wait_for_port(port: int, timeout: float = 30, alive=lambda: True) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


@contextmanager
def serve_folder(folder: Path):
    """Serve ``folder`` over HTTP on a loopback port; yields the base URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
