"""``portal-archive serve`` in headless Chromium: search "dang bo" in Datasette, open the first result, open
its replay in pywb; the rendered pages show the title and their images decode. Screenshots of every step
are kept under tests/artifacts/serve/ (the path is printed)."""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.chromium import Chromium, artifacts_dir
from tests.conftest import ROOT, free_ports


def _wait(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"serve did not answer on {url}")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def served(crawled):
    archive, _ = crawled
    port, replay_port = free_ports(2)
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--archive", str(archive), "--port", str(port),
                             "--replay-port", str(replay_port)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _wait(f"http://127.0.0.1:{port}/serve", proc)
        yield proc, port, replay_port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_search_open_result_open_replay_in_chromium(served):
    _, port, replay_port = served
    shots = artifacts_dir("serve")
    print(f"\nscreenshots: {shots}")
    with Chromium() as browser:
        browser.goto(f"http://127.0.0.1:{port}/serve/articles")
        browser.eval("document.querySelector('input[name=\"_search\"]').value = 'dang bo'")
        browser.click('form.core input[type="submit"], form input[type="submit"]')
        browser.screenshot(shots / "1-search-dang-bo.png")
        assert browser.eval("document.querySelector('input[name=\"_search\"]').value") == "dang bo"
        titles = browser.eval("[...document.querySelectorAll('td.col-title')].map(td => td.innerText)")
        assert titles, browser.eval("document.body.innerText")[:2000]
        first_title = titles[0].strip()

        browser.click("table.rows-and-columns tbody tr:first-child td:first-child a")
        browser.screenshot(shots / "2-first-result.png")
        assert "/serve/articles/" in browser.eval("location.pathname")
        assert first_title in browser.eval("document.body.innerText")
        record_images = [i["url"] for i in json.loads(browser.eval("document.querySelector('td.col-images').innerText"))]
        assert record_images, "the first hit has images, so the replay can show them"
        replay = browser.eval("document.querySelector('td.col-replay a').href")
        assert replay.startswith(f"http://127.0.0.1:{replay_port}/archive/")

        browser.click("td.col-replay a")
        browser.screenshot(shots / "3-replay.png")
        assert browser.eval("location.href").startswith(f"http://127.0.0.1:{replay_port}/archive/")
        assert first_title in browser.eval("document.body.innerText")
        # the theme's stylesheet was captured with the page (a page requisite): the replay is styled by it
        doc = "(document.querySelector('iframe') ? document.querySelector('iframe').contentDocument : document)"
        assert browser.eval(f"getComputedStyle({doc}.body).fontSize") == "12px"  # styles.css; default 16px
        # the page's images that come from the WARC decode; lazy images (data-src) wait for the portal's own
        # script, so each of the record's own images is also loaded from the replay at the capture's timestamp
        shown = browser.eval("[...document.images].filter(i => i.src.includes('/wps/wcm/connect/'))"
                             ".map(i => [i.src, i.naturalWidth])")
        assert shown and all(width > 0 for _, width in shown), shown
        prefix = replay.split("/http", 1)[0]
        widths = browser.eval("Promise.all(" + json.dumps([f"{prefix}im_/{u}" for u in record_images]) +
                              ".map(u => new Promise(r => { const i = new Image(); i.onload = () => r(i.naturalWidth);"
                              " i.onerror = () => r(0); i.src = u; })))", await_promise=True)
        assert all(w > 0 for w in widths), list(zip(record_images, widths))

        # the same search typed with accents (and đ) finds the same first record
        browser.goto(f"http://127.0.0.1:{port}/serve/articles?_search=" + urllib.request.quote("Đảng bộ"))
        browser.screenshot(shots / "4-search-accented.png")
        assert browser.eval("document.querySelector('td.col-title').innerText").strip() == first_title
        assert browser.eval("document.querySelector('input[name=\"_search\"]').value") == "Đảng bộ"


def test_ctrl_c_stops_both(served):
    proc, port, replay_port = served
    assert _listening(port) and _listening(replay_port)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while (_listening(port) or _listening(replay_port)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _listening(port) and not _listening(replay_port)
    assert "Traceback" not in proc.stderr.read()
