"""The replica for incremental re-crawls (issue 4): HTTP validators, conditional GETs, ``--mutate K``."""
from __future__ import annotations

import argparse
import http.client
import json
import re
import unicodedata
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

import lxml.html
import pytest

from replica import cli as replica_cli
from replica import urls as U
from replica.corpus import Corpus
from replica.mutations import EDIT_MARK
from replica.router import Router
from replica.server import ReplicaServer
from replica.truth import iter_truth

RFC1123 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                     r"\d\d:\d\d:\d\d GMT$")
K = 3
RECORD_KINDS = ("article", "document", "album", "schedule", "page")


def fetch(url, headers=None):
    """(status, headers, body) without raising on 3xx/4xx (no redirects followed for 304)."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def nfc(text):
    return unicodedata.normalize("NFC", " ".join((text or "").split()))


def page_doc(body, headers):
    charset = re.search(r"charset=([\w-]+)", headers["Content-Type"]).group(1)
    return lxml.html.fromstring(unicodedata.normalize("NFC", body.decode(charset)))


def base_of(body, headers):
    return page_doc(body, headers).xpath("//base/@href")[0]


def validators(url, headers=None):
    status, h, _ = fetch(url, headers)
    return status, h.get("ETag"), h.get("Last-Modified")


# --- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server():
    with ReplicaServer(port=0, articles=120, seed=3, documents=30) as srv:
        yield srv


@pytest.fixture(scope="module")
def truth(server):
    return list(iter_truth(server.url, 120, 3, documents=30, media=False))


@pytest.fixture(scope="module")
def mutated():
    with ReplicaServer(port=0, articles=120, seed=3, documents=30, mutate=K) as srv:
        yield srv


@pytest.fixture(scope="module")
def mtruth(mutated):
    return list(iter_truth(mutated.url, 120, 3, documents=30, media=False, mutate=K))


def by_kind(lines):
    out: dict = {}
    for t in lines:
        out.setdefault(t["kind"], []).append(t)
    return out


def records(lines):
    return {t["wcm_path"]: t for t in lines if t["kind"] in RECORD_KINDS}


# --- validators -------------------------------------------------------------------------------------
def test_etag_stable_across_renders_and_url_forms(server, truth):
    kinds = by_kind(truth)
    samples = kinds["article"][:3]
    samples += [next(a for a in kinds["article"] if a["encoding"] == "windows-1258")]
    samples += [next(a for a in kinds["article"] if a["encoding"] == "utf-8-nfd")]
    samples += [kinds[k][i] for k in ("document", "album", "schedule", "page") for i in (0, 1)]
    samples = list({t["wcm_path"]: t for t in samples}.values())
    seen = set()
    for rec in samples:
        status, h, body = fetch(rec["urls"]["friendly"])
        assert status == 200
        etag, modified = h["ETag"], h["Last-Modified"]
        assert re.fullmatch(r'"[0-9a-f]{20}"', etag) and RFC1123.match(modified), (etag, modified)
        again = fetch(rec["urls"]["friendly"])
        assert again[2] != body  # a fresh state blob on every render ...
        assert (again[1]["ETag"], again[1]["Last-Modified"]) == (etag, modified)  # ... the same validators
        urls = [*rec["urls"].values(), base_of(body, h)]  # friendly, PoC, connect, print and the state URL
        for url in urls:
            assert validators(url) == (200, etag, modified), url
        seen.add(etag)
    assert len(seen) == len(samples)  # every record its own tag
    landing = kinds["page"][0]  # a section's landing shows its first page: the same record, the same tag
    assert validators(server.url + U.static("gioi-thieu-chung"))[1] == validators(landing["urls"]["friendly"])[1]


def test_listing_and_navigation_pages_have_no_validators(server, truth):
    kinds = by_kind(truth)
    urls = [kinds["home"][0]["url"], *(t["url"] for t in kinds["listing"]), kinds["soft404"][0]["url"],
            kinds["trap"][0]["url"]]
    urls += [server.url + u for u in (U.REGISTER, U.GALLERY, U.VIDEOS, U.SCHEDULES, U.BUSINESSES, U.SEARCH)]
    for url in urls:
        status, h, _ = fetch(url, {"If-None-Match": "*", "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
        assert status == 200 and h.get("ETag") is None and h.get("Last-Modified") is None, url
    status, h, _ = fetch(server.url + "/robots.txt", {"If-None-Match": "*"})
    assert status == 200 and h.get("ETag") is None


def test_conditional_gets_answer_304(server, truth):
    art = by_kind(truth)["article"][5]
    url = art["urls"]["friendly"]
    _, etag, modified = validators(url)
    before = server.served.copy()
    status, h, body = fetch(url, {"If-None-Match": etag})
    assert (status, body, h["ETag"], h["Last-Modified"]) == (304, b"", etag, modified)
    assert h.get("Content-Length") is None
    assert fetch(art["urls"]["connect"], {"If-None-Match": f'"nope", W/{etag}'})[0] == 304  # weak comparison, lists
    assert fetch(art["urls"]["print"], {"If-None-Match": "*"})[0] == 304
    assert fetch(url, {"If-Modified-Since": modified})[0] == 304  # equal
    later = format_datetime(parsedate_to_datetime(modified).replace(year=2030), usegmt=True)
    assert fetch(art["urls"]["poc"], {"If-Modified-Since": later})[0] == 304
    served = server.served - before
    assert served == Counter({"not_modified": 5})  # nothing rendered
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2000), usegmt=True)
    assert fetch(url, {"If-Modified-Since": earlier})[0] == 200
    assert fetch(url, {"If-None-Match": '"0000"'})[0] == 200
    assert fetch(url, {"If-None-Match": '"0000"', "If-Modified-Since": later})[0] == 200  # If-None-Match wins
    assert fetch(url, {"If-Modified-Since": "not a date"})[0] == 200
    assert (server.served - before)["article"] == 4
    # a 304 leaves the keep-alive connection usable
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    path = url[len(server.url):]
    conn.request("GET", path, headers={"If-None-Match": etag})
    r = conn.getresponse()
    assert (r.status, r.read()) == (304, b"")
    conn.request("HEAD", path, headers={"If-None-Match": etag})
    r = conn.getresponse()
    assert (r.status, r.read()) == (304, b"")
    conn.request("GET", path)
    r = conn.getresponse()
    assert r.status == 200 and len(r.read()) == int(r.headers["Content-Length"])
    conn.close()


def test_media_validators_and_304(server, truth):
    kinds = by_kind(truth)
    urls = [next(a for a in kinds["article"] if a["images"])["images"][0]["url"],
            kinds["document"][0]["attachments"][0]["url"], kinds["album"][0]["images"][0]["url"],
            kinds["video"][0]["video_url"]]
    tags = set()
    for url in urls:
        status, etag, modified = validators(url)
        assert status == 200 and etag and RFC1123.match(modified), url
        assert validators(url) == (200, etag, modified)
        assert fetch(url, {"If-None-Match": etag})[:1] == (304,)
        assert fetch(url, {"If-Modified-Since": modified})[0] == 304
        tags.add(etag)
    assert len(tags) == len(urls)
    # theme files (page requisites) carry validators of their own, never a record's or a media file's
    theme = server.url + "/wps/themes/html/HoangMai/styles.css"
    status, etag, modified = validators(theme)
    assert status == 200 and etag and etag not in tags and RFC1123.match(modified)
    assert fetch(theme, {"If-None-Match": etag})[:1] == (304,)


def test_validators_are_deterministic(server, truth):
    with ReplicaServer(port=0, articles=120, seed=3, documents=30) as again:
        for rec in [t for t in truth if t["kind"] in RECORD_KINDS][::25]:
            url = rec["urls"]["connect"]
            assert validators(url) == validators(again.url + url[len(server.url):])
    other = Router(Corpus(120, 4, 30))  # another seed: other content, other tags
    art = by_kind(truth)["document"][0]
    path = art["urls"]["connect"][len(server.url):]
    assert dict(other.handle(path, "http://h").headers).get("ETag") != validators(art["urls"]["connect"])[1]


# --- mutations --------------------------------------------------------------------------------------
def test_mutate_counts_and_truth(truth, mtruth):
    base, mut = by_kind(truth), by_kind(mtruth)
    line = mut["mutations"][0]
    assert set(line) >= {"edited", "added", "deleted"} and line["scope"] == "articles"
    assert [len(line[k]) for k in ("edited", "added", "deleted")] == [K, K, K]
    assert "mutations" not in base
    b, m = records(truth), records(mtruth)
    base_url, mut_url = base["home"][0]["url"].split("/wps")[0], mut["home"][0]["url"].split("/wps")[0]
    strip = lambda rec, url: json.loads(json.dumps(rec, ensure_ascii=False).replace(url, "BASE"))  # noqa: E731
    assert len(mut["article"]) == len(base["article"])  # K gone, K new
    assert set(line["deleted"]) <= set(b) and not set(line["deleted"]) & set(m)
    assert set(line["edited"]) <= set(b) & set(m)
    assert not set(line["added"]) & set(b) and set(line["added"]) <= set(m)
    assert len({*line["edited"], *line["added"], *line["deleted"]}) == 3 * K
    for path in line["edited"]:
        old, new = strip(b[path], base_url), strip(m[path], mut_url)
        assert new["title"] != old["title"] and new["body_text"] != old["body_text"]
        assert EDIT_MARK in new["body_text"] and EDIT_MARK not in old["body_text"]
        assert (new["urls"], new["published_at"], new["wcm_path"]) == (old["urls"], old["published_at"], old["wcm_path"])
        assert {k: v for k, v in new.items() if k not in ("title", "body_text")} == \
            {k: v for k, v in old.items() if k not in ("title", "body_text")}
    newest_base = max(datetime.fromisoformat(a["published_at"]) for a in base["article"])
    for path in line["added"]:
        assert datetime.fromisoformat(m[path]["published_at"]) > newest_base
    # every other record is the same
    touched = {*line["edited"], *line["deleted"]}
    for path, rec in b.items():
        if path not in touched:
            assert strip(m[path], mut_url) == strip(rec, base_url), path
    # listings and home: deleted gone, added first
    listed = {p for t in mut["listing"] for p in t["wcm_paths"]}
    assert not listed & set(line["deleted"]) and set(line["added"]) <= listed
    for t in mut["listing"]:
        if t["page_size"]:
            added_here = [p for p in line["added"] if p.rsplit("/", 1)[0].endswith("/" + t["category"])]
            assert t["wcm_paths"][:len(added_here)] == added_here
            assert t["count"] == len(t["wcm_paths"]) and t["pages"] == max(1, -(-t["count"] // 10))
    assert mut["home"][0]["featured"][:K] == line["added"]
    assert not set(mut["home"][0]["featured"]) & set(line["deleted"])


def test_mutate_changes_validators_of_edited_records_only(server, truth, mutated, mtruth):
    line = by_kind(mtruth)["mutations"][0]
    m = records(mtruth)
    for path, rec in records(truth).items():
        if path in line["deleted"]:
            continue
        old = validators(rec["urls"]["connect"])
        new = validators(m[path]["urls"]["connect"])
        if path in line["edited"]:
            assert new[1] != old[1]
            assert parsedate_to_datetime(new[2]) > parsedate_to_datetime(old[2])
            for url in m[path]["urls"].values():  # every URL form has the new validators
                assert validators(url) == new
            # a re-crawl with the old validators gets the new page
            assert fetch(m[path]["urls"]["friendly"], {"If-None-Match": old[1]})[0] == 200
            assert fetch(m[path]["urls"]["friendly"], {"If-Modified-Since": old[2]})[0] == 200
        else:
            assert new == old, path
            assert fetch(m[path]["urls"]["friendly"], {"If-None-Match": old[1]})[0] == 304
    for path in line["added"]:
        status, etag, modified = validators(m[path]["urls"]["friendly"])
        assert status == 200 and etag and modified


def test_deleted_articles_are_gone(server, truth, mutated, mtruth):
    line = by_kind(mtruth)["mutations"][0]
    b = records(truth)
    for path in line["deleted"]:
        urls = {k: mutated.url + v[len(server.url):] for k, v in b[path]["urls"].items()}
        assert fetch(urls["connect"])[0] == 404 and fetch(urls["print"])[0] == 404
        for form in ("friendly", "poc"):
            status, h, body = fetch(urls[form])
            doc = page_doc(body, h)
            assert status == 200 and doc.xpath('//link[@rel="bookmark"]/@href') == [mutated.url + U.HOME], form
            assert h.get("ETag") is None
        for img in b[path]["images"]:
            assert fetch(mutated.url + img["url"][len(server.url):])[0] == 404
    # no page of the mutated site links a deleted article (home, listings, other/related lists)
    names = [p.rsplit("/", 1)[1] for p in line["deleted"]]
    pages = [mutated.url + U.HOME] + [t["url"] for t in by_kind(mtruth)["listing"]]
    pages += [t["urls"]["connect"] for t in by_kind(mtruth)["article"]]
    for url in pages:
        body = fetch(url)[2].decode("utf-8", "replace")
        assert not any(n in body for n in names), url


def test_mutated_pages_show_the_new_content(server, mutated, mtruth):
    kinds = by_kind(mtruth)
    line = kinds["mutations"][0]
    m = records(mtruth)
    for path in line["edited"] + line["added"]:
        for form in ("friendly", "connect", "print"):
            status, h, body = fetch(m[path]["urls"][form])
            doc = page_doc(body, h)
            h1 = doc.xpath('//h1[@class="title"]')[0]
            h1.xpath('./span[@class="date"]')[0].drop_tree()
            assert status == 200 and nfc(h1.text_content()) == m[path]["title"]
            text = nfc(doc.xpath('//div[@id="contentBody"]')[0].text_content())
            blocks = [x for x in m[path]["body_text"].split("\n\n") if " | " not in x  # (table rows: cells)
                      and x != m[path]["summary"]]  # (the lead stands above contentBody)
            assert blocks and all(nfc(x) in text for x in blocks)
            if path in line["edited"]:
                assert EDIT_MARK in text
    for t in kinds["listing"]:  # the first listing page shows the newest (added) items first
        if t["page_size"]:
            status, h, body = fetch(t["url"])
            hrefs = page_doc(body, h).xpath('//div[@class="list_news"]//span[@class="newtitle"]/a/@href')
            assert [x.split("wcm:path:")[1] for x in hrefs] == t["wcm_paths"][:10]


def test_unmutated_pages_stay_byte_identical():
    base, mut = Corpus(120, 3, 30), Corpus(120, 3, 30, mutate=K)
    rb, rm = Router(base), Router(mut)
    touched = mut.mutations.edited | mut.mutations.deleted
    same = 0
    for k in range(120):
        if k in touched:
            continue
        lists = set(base.others(k)) | set(base.related(k)) | set(mut.others(k)) | set(mut.related(k))
        path = U.connect(base.meta(k).wcm_path)
        a, b = rb.handle(path, "http://h"), rm.handle(path, "http://h")
        assert a.headers == b.headers
        if not lists & (touched | set(mut.mutations.added())):  # lists without a mutated article
            assert a.body == b.body, k
            same += 1
        else:  # only the "Các tin khác" / "Tin liên quan" lists differ
            lists_re = re.compile(rb'<div class="(other|related)-news">.*?</ul></div>', re.S)
            assert lists_re.sub(b"", a.body) == lists_re.sub(b"", b.body), k
    assert same > 30
    for i in range(30):
        path = U.connect(base.documents.get(i).wcm_path)
        assert rb.handle(path, "http://h").body == rm.handle(path, "http://h").body
    assert Corpus(120, 3, 30, mutate=K).mutations.edited == mut.mutations.edited  # deterministic
    with pytest.raises(ValueError):
        Corpus(10, 3, mutate=5)


def test_cli_options_and_truth_dump(tmp_path):
    parser = argparse.ArgumentParser()
    replica_cli.add_arguments(parser)
    args = parser.parse_args([])
    assert (args.mutate, args.faults, args.fault_seed, args.fault_timeout_seconds, args.fault_media,
            args.crawl_delay) == (0, 0.0, 0, 3.0, False, None)
    out = tmp_path / "truth.jsonl"
    args = parser.parse_args(["--articles", "30", "--documents", "10", "--mutate", "2", "--dump-truth", str(out)])
    assert replica_cli.run(args) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    kinds = Counter(t["kind"] for t in lines)
    assert kinds["mutations"] == 1 and kinds["article"] == 30 and "faults" not in kinds
    assert [t["kind"] for t in lines[-2:]] == ["soft404", "trap"]
    with pytest.raises(SystemExit):
        parser.parse_args(["--faults", "1.5"])
