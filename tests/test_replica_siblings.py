"""Sibling portals of the replica (issue 12): N sites on distinct ports, own content, two themes."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from cli.main import main
from pipelines.extract import extract_record
from replica.siblings import SiblingServers, siblings

FIELDS = ("title", "published_at", "published_at_raw", "summary", "body_text", "author", "author_role", "source",
          "images", "section")


def _get(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


@pytest.fixture(scope="module")
def sibs():
    with SiblingServers(3, articles=24, documents=6, crawl_delay=2) as servers:
        yield servers


def test_names_themes_and_seeds():
    names = [s.name for s in siblings(23)]
    assert len(set(names)) == 23 and names[0] == "hoangmai" and names[21] == "hoangmai2"
    assert [s.theme for s in siblings(4)] == ["wps", "k2", "wps", "k2"]
    assert siblings(1)[0].seed == 1  # hoangmai is the usual replica


def test_each_sibling_on_its_own_port_with_its_own_content(sibs):
    urls = sibs.urls()
    assert len({u.rsplit(":", 1)[1] for u in urls.values()}) == 3
    titles = {}
    for line in sibs.truth():
        if line["kind"] == "article":
            titles.setdefault(line["site"], set()).add(line["title"])
    assert set(titles) == {"hoangmai", "dienchau", "quynhluu"}
    assert len(titles["hoangmai"] & titles["quynhluu"]) == 1  # same theme, own content (but the real seed article)
    status, body, _ = _get(urls["quynhluu"] + "/wps/portal/hoangmai/")
    assert status == 200 and b"/wps/themes/html/HoangMai/" in body
    status, body, _ = _get(urls["dienchau"] + "/")
    assert status == 200 and b"com_k2" in body and b"Joomla!" in body


def test_k2_sibling_extracts_exactly_as_its_truth(sibs):
    """Every article of the Joomla/K2 sibling, through the project's extractor, equals its truth; its
    listings (every page of every category) are listings and list exactly the truth's items."""
    base = sibs.urls()["dienchau"]
    articles = listings = 0
    for t in sibs.truth():
        if t["site"] != "dienchau":
            continue
        if t["kind"] == "listing":
            listed = []
            for page in range(1, t["pages"] + 1):
                url = t["url"] + ("" if page == 1 else f"?start={(page - 1) * t['page_size']}")
                status, body, _ = _get(url)
                assert status == 200
                record = extract_record(body, url, content_type="text/html; charset=utf-8")
                assert record["page_type"] == "listing"
                listed += [base + h.decode() for h in _hrefs(body, b'class="catItemTitle"><a href="')]
            assert listed == t["urls"]
            listings += 1
            continue
        url = t["urls"]["friendly"]
        status, body, _ = _get(url)
        record = extract_record(body, url, content_type="text/html; charset=utf-8")
        assert status == 200 and record["page_type"] == "article" and record["kind"] == "article"
        assert {f: record.get(f) for f in FIELDS} == {f: t[f] for f in FIELDS}, url
        articles += 1
    assert articles == 24 and listings == 3
    assert _get(base + "/tin-tuc-su-kien/kinh-te/item/9999-khong-co")[0] == 404


def _hrefs(body: bytes, marker: bytes) -> list[bytes]:
    return [part.split(b'"', 1)[0] for part in body.split(marker)[1:]]


def test_robots_crawl_delay_busy_and_latency(sibs):
    for url in sibs.urls().values():
        status, body, _ = _get(url + "/robots.txt")
        assert status == 200 and "Crawl-delay: 2" in body.decode()
    _, robots, _ = _get(sibs.urls()["dienchau"] + "/robots.txt")
    assert b"Disallow: /component/" in robots
    with SiblingServers(2, articles=3, documents=3, latency=0.2, busy=True) as slow:
        status, _, headers = _get(slow.urls()["dienchau"] + "/tin-tuc-su-kien/van-hoa-xa-hoi")
        assert (status, headers.get("Retry-After")) == (503, "1")  # busy: the first request of a category is shed
        assert _get(slow.urls()["dienchau"] + "/tin-tuc-su-kien/van-hoa-xa-hoi")[0] == 200
        for url in slow.urls().values():
            started = time.monotonic()
            assert _get(url + "/robots.txt")[0] == 200
            assert time.monotonic() - started >= 0.2  # a lower bound: every response waits


def test_cli_dump_truth_of_siblings(tmp_path, capsys):
    out = tmp_path / "truth.jsonl"
    assert main(["replica", "--sites", "2", "--port", "18800", "--articles", "5", "--documents", "3",
                 "--dump-truth", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_site = {(line["site"], line["theme"]) for line in lines}
    assert by_site == {("hoangmai", "wps"), ("dienchau", "k2")}
    k2 = [line for line in lines if line["site"] == "dienchau" and line["kind"] == "article"]
    assert len(k2) == 5 and all(line["urls"]["friendly"].startswith("http://127.0.0.1:18801/") for line in k2)
    assert main(["replica", "--sites", "2", "--port", "0", "--dump-truth", str(out)]) == 2
    assert "needs a fixed --port" in capsys.readouterr().err
