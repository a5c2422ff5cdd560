"""Headless Debian Chromium driven over the DevTools protocol (a small websocket client), for tests that
check what a page *renders*: text visible, images decoded (naturalWidth), console errors, screenshots.

No stand-in: if ``chromium`` is missing the test fails (CI installs it).
"""
from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect as ws_connect

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--hide-scrollbars",
                  "--window-size=1280,1024", "--remote-debugging-port=0", "--remote-allow-origins=*"]


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError("chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")


class Chromium:
    """One headless browser with one page. ``events`` keeps console errors and uncaught exceptions."""

    def __init__(self, timeout: float = 30):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        self.proc = subprocess.Popen([chromium_binary(), *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}",
                                      "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = self._devtools_port()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
            pages = [t for t in json.load(resp) if t["type"] == "page"]
        self._ws_context = ws_connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=timeout)
        self.ws = self._ws_context.__enter__()
        self._id = 0
        self.errors: list[str] = []
        self.requests: list[str] = []  # every URL the page asked for
        self._events: list[dict] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")

    def _devtools_port(self) -> int:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                return int(m.group(1))
            if not line and self.proc.poll() is not None:
                break
        raise AssertionError(f"chromium did not start (exit code {self.proc.poll()})")

    def _record(self, msg: dict) -> None:
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append("console.error: " + " ".join(str(a.get("value", a.get("description")))
                                                             for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.errors.append("exception: " + str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        self._events.append(msg)

    def send(self, method: str, params: dict | None = None) -> dict:
        self._id += 1
        my_id = self._id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._record(msg)
        raise AssertionError(f"{method}: no answer in {self.timeout}s")

    def wait_event(self, method: str) -> dict:
        for i, msg in enumerate(self._events):
            if msg.get("method") == method:
                del self._events[: i + 1]
                return msg
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            self._record(msg)
            if msg.get("method") == method:
                self._events.clear()
                return msg
        raise AssertionError(f"no {method} in {self.timeout}s")

    def goto(self, url: str) -> None:
        """Navigate and wait for the load event, then for every image to finish (loaded or failed)."""
        self._events.clear()
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise AssertionError(f"navigation to {url} failed: {result['errorText']}")
        self.wait_event("Page.loadEventFired")
        self.eval("Promise.all([...document.images].map(i => i.complete ? 0 : new Promise(r => "
                  "{ i.onload = i.onerror = r; })))", await_promise=True)

    def click(self, selector: str) -> None:
        """Click the element (a link) and wait for the page it opens."""
        self._events.clear()
        found = self.eval(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
                          "if (!e) return false; e.click(); return true; })()")
        assert found, f"nothing matches {selector!r} on {self.eval('location.href')}"
        self.wait_event("Page.loadEventFired")
        self.eval("Promise.all([...document.images].map(i => i.complete ? 0 : new Promise(r => "
                  "{ i.onload = i.onerror = r; })))", await_promise=True)

    def eval(self, expression: str, *, await_promise: bool = False):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": await_promise})
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression[:80]}: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    def screenshot(self, path: Path, clip: dict | None = None) -> Path:
        params = {"format": "png", "captureBeyondViewport": clip is not None}
        if clip:
            params["clip"] = {**clip, "scale": 1}
        data = self.send("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def element_box(self, selector: str) -> dict:
        """The page-coordinates box of the first element matching ``selector`` (scrolled into view)."""
        return self.eval(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView();"
                         " const r = e.getBoundingClientRect();"
                         " return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}; })()")

    def close(self) -> None:
        try:
            self._ws_context.__exit__(None, None, None)
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def artifacts_dir(name: str) -> Path:
    """Where a test keeps its screenshots: ``tests/artifacts/<name>/`` (printed by the test)."""
    path = Path(__file__).resolve().parent / "artifacts" / name
    path.mkdir(parents=True, exist_ok=True)
    return path
