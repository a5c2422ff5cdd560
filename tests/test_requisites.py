"""Page requisites (the theme's stylesheet, script, decoration images): fetched once per snapshot however many
pages name them, kept in the WARC and the ``pages`` table (``page_type = 'requisite'``), asked for again
conditionally by a re-crawl (304 → revisit records, not new copies), and applied when a page is replayed:
the re-crawl's WACZ in pywb, rendered by headless Chromium, shows the page styled by the theme's CSS."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from urllib.parse import urlsplit

from archive.warc.reader import iter_responses
from tests.chromium import Chromium, artifacts_dir
from tests.conftest import RECORD_TABLES, read_rows
from tests.test_wacz_replay import package_wacz, pywb  # noqa: F401  (pywb: the fixture serving a WACZ)

THEME = "/wps/themes/html/HoangMai/"


def _snapshot_ids(archive) -> list[str]:
    return sorted(r["snapshot_id"] for r in read_rows(archive, "snapshots"))


def _requisites(archive, snapshot_id: str) -> list[dict]:
    return [r for r in read_rows(archive, "pages") if r["snapshot_id"] == snapshot_id and r["page_type"] == "requisite"]


def test_what_a_page_requires():
    import lxml.html

    from crawler.requisites import css_urls, page_requisites

    page = lxml.html.fromstring(
        '<html><head><link rel="stylesheet" href="/a.css"><link rel="shortcut icon" href="/f.ico">'
        '<link rel="canonical" href="/x"><script src="/j.js"></script><script>var a;</script>'
        "<style>@import \"b.css\"; .x{background:url('/bg.png')}</style></head><body>"
        '<img src="/wps/themes/t.gif"><img src="/wps/wcm/connect/0b1c2d3e-1234-4321-aaaa-0123456789ab/p.jpg?MOD=AJPERES">'
        '<img src="/media/k2/items/cache/x_L.jpg"><img src="http://elsewhere.example/y.gif"><img src="data:image/gif;base64,R0">'
        '<table><tr><td style="background-image:url(/td.gif)"></td></tr></table><img src="/a.css#x"></body></html>')
    assert page_requisites(page, "http://h:1/p/q", frozenset({"h"})) == [
        "http://h:1/a.css", "http://h:1/f.ico", "http://h:1/j.js", "http://h:1/p/b.css", "http://h:1/bg.png",
        "http://h:1/wps/themes/t.gif", "http://h:1/td.gif"]  # content files, other hosts, data: and repeats left out
    assert css_urls("@import url(c.css); a{b:url(data:x)} @import 'd.css'; i{j:url( \"../e.png\" )}",
                    "http://h:1/s/x.css") == ["http://h:1/s/c.css", "http://h:1/s/d.css", "http://h:1/e.png"]


def test_each_requisite_fetched_once_per_snapshot(crawled, replica):
    archive, _ = crawled
    (snap,) = _snapshot_ids(archive)
    rows = _requisites(archive, snap)
    urls = [r["url"] for r in rows]
    assert len(urls) == len(set(urls)), Counter(urls).most_common(3)
    paths = {urlsplit(u).path for u in urls}
    assert {THEME + "styles.css", THEME + "js/portal.js", THEME + "images/banner.gif",
            "/wps/skins/html/IBM/title_minheight.gif"} <= paths, paths
    assert all(r["status"] == 200 and r["record_id"] is None and r["warc_file"] for r in rows)
    # the portal served each theme file once in the whole crawl, though every HTML page names the stylesheet
    html_pages = [r for r in read_rows(archive, "pages") if r["snapshot_id"] == snap and r["status"] == 200
                  and (r["content_type"] or "").startswith("text/html")]
    assert len(html_pages) > 100
    assert replica.crawl_served["static"] == len(rows)
    # one WARC response record per requisite
    captured = Counter(r.url for _p, r in iter_responses(archive, snap) if r.url in set(urls))
    assert captured == Counter(set(urls))
    # requisites are no records and no media
    for table in (*RECORD_TABLES, "media_files"):
        assert not {r["url"] for r in read_rows(archive, table)} & set(urls), table
    assert not [e for e in read_rows(archive, "errors") if THEME in e["url"]]


def test_recrawl_writes_revisits_for_requisites(crawled, recrawled, replica):
    first, second = _snapshot_ids(recrawled)
    originals = {r["url"]: r for r in _requisites(recrawled, first)}
    rows = _requisites(recrawled, second)
    assert rows and all(r["status"] == 304 for r in rows) and {r["url"] for r in rows} <= set(originals)
    assert any(urlsplit(r["url"]).path == THEME + "styles.css" for r in rows)
    assert replica.recrawl_served["static"] == 0  # no full copy asked for
    records = [r for _p, r in iter_responses(recrawled, second) if r.url in originals]
    assert Counter(r.url for r in records) == Counter({r["url"] for r in rows})
    for record in records:
        assert record.record_type == "revisit"
        assert record.warc_header("WARC-Refers-To-Target-URI") == record.url
        assert record.warc_header("WARC-Refers-To") == originals[record.url]["warc_record_id"]


def test_replayed_article_is_styled_by_the_captured_theme(recrawled, pywb, tmp_path):  # noqa: F811
    """The re-crawl's WACZ (its revisits and the first crawl's originals) in pywb, rendered by Chromium."""
    pages = package_wacz(recrawled, tmp_path / "recrawl.wacz")
    base = pywb(tmp_path / "recrawl.wacz", "requisites")
    _first, second = _snapshot_ids(recrawled)
    recrawl_ts = second[:8] + second[9:15]
    page = next(p for p in pages if p.get("title") and "/tin-tuc-su-kien/" in p["url"]
                and re.sub(r"\D", "", p["ts"])[:14] >= recrawl_ts)  # replayed through the re-crawl's revisit
    ts = re.sub(r"\D", "", page["ts"])[:14]
    shots = artifacts_dir("requisites")
    with Chromium() as browser:
        browser.goto(f"{base}/{ts}mp_/{page['url']}")
        browser.screenshot(shots / "styled-replay.png")
        doc = "(document.querySelector('iframe') ? document.querySelector('iframe').contentDocument : document)"
        # NFC both: the replica serves some pages decomposed (as some real portals do), the archive stores NFC
        text = unicodedata.normalize("NFC", browser.eval(f"{doc}.body.innerText"))
        assert unicodedata.normalize("NFC", page["title"]) in text
        # set by styles.css only: the browser's defaults are 16px Times and a transparent title bar
        style = browser.eval(f"(() => {{ const d = {doc}; const b = getComputedStyle(d.body);"
                             " const bar = d.querySelector('.wpsPortletTitleBar');"
                             " return [b.fontSize, b.fontFamily, bar && getComputedStyle(bar).backgroundColor]; })()")
        assert style == ["12px", "Arial, Helvetica, sans-serif", "rgb(196, 0, 0)"], style
        # the decoration images replay too (a broken image has no natural width)
        widths = browser.eval(f"[...{doc}.images].filter(i => i.src.includes('/wps/themes/')).map(i => i.naturalWidth)")
        assert widths and all(w > 0 for w in widths), widths


def test_a_failing_requisite_is_an_error_not_a_failed_snapshot(tmp_path):
    """A site whose stylesheet imports another and names a background image, and whose theme lacks one file:
    each requisite is asked for once, the missing one is an ``errors`` row, the snapshot stays complete
    (exit 3: complete with failures, listed)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tests.conftest import run_cli

    files = {"/": ("text/html", b'<html><head><link rel="stylesheet" href="/a.css"><link rel="stylesheet" href="/gone.css">'
                                 b'</head><body><img src="/deco.gif"><a href="/p2">two</a></body></html>'),
             "/p2": ("text/html", b'<html><head><link rel="stylesheet" href="/a.css"></head><body><img src="/deco.gif">'
                                  b'<a href="/">home</a></body></html>'),
             "/a.css": ("text/css", b'@import "b.css"; body{background:url(bg.gif)}'),
             "/b.css": ("text/css", b"p{color:red}"), "/deco.gif": ("image/gif", b"GIF89a"), "/bg.gif": ("image/gif", b"GIF89a")}
    asked = Counter()

    class Site(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            asked[self.path] += 1
            ctype, body = files.get(self.path, ("text/plain", b"not here"))
            self.send_response(200 if self.path in files else 404)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        proc = run_cli("crawl", f"http://127.0.0.1:{server.server_port}/", "--archive", str(tmp_path / "a"), check=False)
    finally:
        server.shutdown()
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert all(asked[p] == 1 for p in ("/a.css", "/b.css", "/gone.css", "/deco.gif", "/bg.gif")), asked
    (snapshot,) = read_rows(tmp_path / "a", "snapshots")
    assert snapshot["status"] == "complete"
    rows = _requisites(tmp_path / "a", snapshot["snapshot_id"])
    assert sorted(urlsplit(r["url"]).path for r in rows) == ["/a.css", "/b.css", "/bg.gif", "/deco.gif"]
    (error,) = read_rows(tmp_path / "a", "errors")
    assert urlsplit(error["url"]).path == "/gone.css" and error["reason"] == "http_404" and error["attempts"] == 1
