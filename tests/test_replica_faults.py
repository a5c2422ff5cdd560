"""Fault injection of the replica (issue 4): deterministic per (URL without state blob, attempt), transient
faults clear within 3 attempts, permanent ones are listed by the truth; robots.txt Crawl-delay."""
from __future__ import annotations

import argparse
import re
import socket
import time
import unicodedata
from collections import Counter

import lxml.html
import pytest

from replica import cli as replica_cli
from replica import urls as U
from replica.fault_bodies import CUT_TAG
from replica.faults import HUGE_BYTES, KINDS, MAX_TRANSIENT_FAILURES, FaultConfig, Faults
from replica.corpus import Corpus
from replica.server import ReplicaServer
from replica.truth import iter_truth

RATE = 0.3
SLEEP = 0.3  # --fault-timeout-seconds of the servers here
CLIENT_TIMEOUT = 0.15
RECORD_KINDS = ("article", "document", "album", "schedule", "page")
OPTS = dict(articles=60, seed=2, documents=20)


class Reply:
    def __init__(self, outcome, raw=b""):
        self.outcome, self.raw = outcome, raw  # outcome: "ok", "reset", "timeout"
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1]) if raw.startswith(b"HTTP/1.1 ") else None
        self.headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}

    @property
    def ok(self):
        """A complete 200 (the body as long as announced)."""
        return (self.outcome == "ok" and self.status == 200
                and len(self.body) == int(self.headers.get("content-length", -1)))

    def __repr__(self):
        return f"Reply({self.outcome}, {self.status}, {len(self.body)})"


def raw_get(srv, target, timeout=2.0, method="GET"):
    """One request on a fresh connection (``Connection: close``), read to the end: what a client sees."""
    if target.startswith("http"):
        target = target[len(srv.url):]
    s = socket.create_connection((srv.host, srv.port), timeout=timeout)
    data = b""
    try:
        s.sendall(f"{method} {target} HTTP/1.1\r\nHost: {srv.host}:{srv.port}\r\nConnection: close\r\n\r\n".encode())
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                return Reply("ok", data)
            data += chunk
    except ConnectionResetError:
        return Reply("reset", data)
    except socket.timeout:
        return Reply("timeout", data)
    finally:
        s.close()


def describe(reply):
    """The fault kind a client observes (None: a good page)."""
    if reply.outcome != "ok":
        return reply.outcome
    if reply.status in (500, 502, 503):
        return "5xx"
    if reply.status == 429:
        return "429"
    if reply.status == 302:
        return "redirect_loop"
    if reply.status == 200 and len(reply.body) < int(reply.headers.get("content-length", 0)):
        return "truncated"
    return None


@pytest.fixture(scope="module")
def server():
    with ReplicaServer(port=0, faults=RATE, fault_timeout_seconds=SLEEP, **OPTS) as srv:
        yield srv


@pytest.fixture(scope="module")
def truth(server):
    return list(iter_truth(server.url, media=False, faults=RATE, fault_timeout_seconds=SLEEP, **OPTS))


@pytest.fixture(scope="module")
def record_urls(truth):
    return [u for t in truth if t["kind"] in RECORD_KINDS for u in t["urls"].values()]


def faults_line(truth):
    return next(t for t in truth if t["kind"] == "faults")


def first_url(server, urls, kind, permanent=False):
    for url in urls:
        plan = server.faults.plan_for(url)
        if plan.kind == kind and plan.permanent == permanent and server.faults.attempts(url) == 0:
            return url, plan
    raise AssertionError(f"no fresh {kind} URL (permanent={permanent})")


# --- defaults and configuration ---------------------------------------------------------------------
def test_faults_are_off_by_default_and_robots_crawl_delay():
    with ReplicaServer(port=0, articles=20, documents=10) as srv:
        assert not srv.faults.enabled and srv.faults.plan_for("/wps/portal/hoangmai/thong-bao").kind is None
        robots = raw_get(srv, "/robots.txt")
        assert robots.ok and b"Crawl-delay" not in robots.body
    for delay, text in ((2, b"Crawl-delay: 2\n"), (0.5, b"Crawl-delay: 0.5\n")):
        with ReplicaServer(port=0, articles=20, documents=10, crawl_delay=delay) as srv:
            robots = raw_get(srv, "/robots.txt")
            assert robots.ok and robots.body.endswith(text) and b"Disallow: /wps/myportal/" in robots.body
    assert "faults" not in Counter(t["kind"] for t in iter_truth("http://h", 20, 1, 10, media=False))


def test_cli_fault_options():
    parser = argparse.ArgumentParser()
    replica_cli.add_arguments(parser)
    args = parser.parse_args(["--faults", "0.2", "--fault-kinds", "5xx,reset", "--fault-seed", "7",
                              "--fault-timeout-seconds", "0.5", "--fault-media", "--crawl-delay", "1.5"])
    assert (args.faults, args.fault_kinds, args.fault_seed, args.fault_timeout_seconds, args.fault_media,
            args.crawl_delay) == (0.2, ("5xx", "reset"), 7, 0.5, True, 1.5)
    assert parser.parse_args([]).fault_kinds == KINDS
    for bad in (["--fault-kinds", "5xx,bogus"], ["--faults", "-0.1"]):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)
    with pytest.raises(ValueError):
        FaultConfig(rate=2)


def test_fault_kinds_restrict_the_plans(record_urls, server):
    corpus = Corpus(**OPTS)
    only = Faults(corpus, FaultConfig(rate=0.5, kinds=("5xx", "429")))
    kinds = Counter(only.plan_for(u).kind for u in record_urls)
    assert set(kinds) == {None, "5xx", "429"} and only.huge_k is None and not only.loops
    every = Faults(corpus, FaultConfig(rate=0.5))
    assert set(Counter(every.plan_for(u).kind for u in record_urls)) == {None, *KINDS}
    more = Faults(corpus, FaultConfig(rate=0.8))  # a higher rate fails a superset of the URLs
    assert {u for u in record_urls if every.plan_for(u).kind} <= {u for u in record_urls if more.plan_for(u).kind}


# --- determinism ---------------------------------------------------------------------------------------
def test_faults_are_deterministic_per_url_and_attempt(server, record_urls):
    corpus = Corpus(**OPTS)
    a, b = Faults(corpus, FaultConfig(rate=RATE)), Faults(Corpus(**OPTS), FaultConfig(rate=RATE))
    assert [a.plan_for(u) for u in record_urls] == [b.plan_for(u) for u in record_urls]
    assert a.huge_k == b.huge_k and a.loops == b.loops
    other = Faults(corpus, FaultConfig(rate=RATE, seed=1))
    assert [a.plan_for(u) for u in record_urls] != [other.plan_for(u) for u in record_urls]
    # the same requests in the same order: the same faults, attempt by attempt
    sample = [u[len(server.url):] for u in record_urls[:80]]
    seq_a = [getattr(a.next("GET", u), "kind", None) for _ in range(3) for u in sample]
    seq_b = [getattr(b.next("GET", u), "kind", None) for _ in range(3) for u in sample]
    assert seq_a == seq_b and any(seq_a) and seq_a[:80] != seq_a[160:]
    # the key of a state URL ignores its blob: the state URLs of one article in two renders are one URL
    links = []
    for _ in range(2):
        reply = raw_get(server, U.HOME)
        assert reply.ok  # home is exempt
        links.append(lxml.html.fromstring(reply.body).xpath("//div[@class='hot_news']//a/@href")[0])
    assert links[0] != links[1]
    t0, t1 = a.target("GET", links[0]), a.target("GET", links[1])
    assert t0.key == t1.key and t0.state and t0.record == t1.record and t0.record[0] == "article"
    assert a.plan(t0) == a.plan(t1)


def test_exempt_urls_never_fail():
    with ReplicaServer(port=0, faults=1.0, fault_timeout_seconds=SLEEP, **OPTS) as srv:
        c = srv.corpus
        img = c.article(next(k for k in range(1, 60) if c.article(k).images)).images[0].path
        for target in ("/robots.txt", "/", U.HOME, U.PORTAL, U.PORTAL + "/trang-chu", img,
                       "/wps/themes/html/HoangMai/styles.css", U.HOME):
            assert raw_get(srv, target).status in (200, 302), target
        for k in range(1, 12):  # at rate 1 every other URL fails its first attempt
            url = U.friendly(c.meta(k))
            plan = srv.faults.plan_for(url)
            reply = raw_get(srv, url, CLIENT_TIMEOUT)
            if plan.kind == "malformed":
                assert reply.ok and CUT_TAG in reply.body
            elif plan.kind == "huge":
                assert reply.ok and len(reply.body) > HUGE_BYTES
            else:
                assert plan.kind and describe(reply) == plan.kind, (k, plan, reply)
    with ReplicaServer(port=0, faults=1.0, fault_kinds="5xx", fault_media=True, **OPTS) as srv:
        assert raw_get(srv, img).status in (500, 502, 503)
        assert raw_get(srv, "/robots.txt").ok and raw_get(srv, U.HOME).ok


# --- transient and permanent faults -------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["5xx", "429", "truncated", "reset", "timeout"])
def test_transient_faults_clear_on_retry(server, record_urls, kind):
    url, plan = first_url(server, record_urls, kind)
    assert 1 <= plan.fails <= MAX_TRANSIENT_FAILURES
    short = CLIENT_TIMEOUT if kind == "timeout" else 2.0
    replies = [raw_get(server, url, short) for _ in range(plan.fails)] + [raw_get(server, url)]
    assert [describe(r) for r in replies] == [kind] * plan.fails + [None], replies
    assert replies[-1].ok
    if kind == "429":
        assert all(r.headers["retry-after"] == "1" for r in replies[:-1])
    if kind == "truncated":
        for r in replies[:-1]:
            assert r.status == 200 and 0 < len(r.body) < int(r.headers["content-length"])
    if kind in ("reset", "timeout"):
        assert all(r.raw == b"" for r in replies[:-1])  # nothing at all before the connection dies
    assert raw_get(server, url).ok  # and it stays good


def test_timeout_stalls_then_closes(server, record_urls):
    url, plan = first_url(server, record_urls, "timeout")
    started = time.monotonic()
    reply = raw_get(server, url, timeout=SLEEP * 4)  # a patient client: the server gives up first
    assert reply.outcome == "ok" and reply.raw == b"" and time.monotonic() - started >= SLEEP * 0.9


def test_permanent_faults_are_listed_and_never_clear(server, truth, record_urls):
    line = faults_line(truth)
    assert line["rate"] == RATE and line["max_transient_failures"] == MAX_TRANSIENT_FAILURES
    permanent = {e["url"]: e["kind"] for e in line["permanent"]}
    expected = {u: server.faults.plan_for(u).kind for u in record_urls if server.faults.plan_for(u).permanent}
    assert permanent == expected and permanent
    assert set(permanent.values()) <= {"5xx", "timeout", "truncated", "reset", "redirect_loop"}
    for entry in line["permanent"]:
        assert entry["record"] in RECORD_KINDS and entry["form"] in ("friendly", "poc", "connect", "print")
    for url, kind in list(permanent.items())[:6]:
        if kind == "timeout":
            continue
        assert [describe(raw_get(server, url)) for _ in range(4)] == [kind] * 4, url


def test_every_other_page_is_obtainable_within_three_attempts(record_urls):
    """Sweep every record URL of a server without timeouts (fast): only the listed ones stay out of reach."""
    kinds = [k for k in KINDS if k != "timeout"]
    with ReplicaServer(port=0, faults=RATE, fault_kinds=kinds, **OPTS) as srv:
        truth = list(iter_truth(srv.url, media=False, faults=RATE, fault_kinds=kinds, **OPTS))
        permanent = {e["url"] for e in faults_line(truth)["permanent"]}
        urls = [u for t in truth if t["kind"] in RECORD_KINDS for u in t["urls"].values()]
        failed, seen = set(), Counter()
        for url in urls:
            for attempt in range(3):
                reply = raw_get(srv, url)
                seen[describe(reply)] += 1
                if reply.ok:
                    break
            else:
                failed.add(url)
        assert failed == permanent
        assert {"5xx", "429", "truncated", "reset"} <= set(seen) and seen[None] > len(urls) * 0.8
        assert srv.faults.injected["timeout"] == 0


def test_state_and_poc_urls_of_listings_are_never_permanent(server):
    reply = raw_get(server, U.PORTAL + "/thong-bao")
    while not reply.ok:
        reply = raw_get(server, U.PORTAL + "/thong-bao")
    doc = lxml.html.fromstring(reply.body)
    base = doc.xpath("//base/@href")[0]
    for href in doc.xpath("//span[@class='newtitle']/a/@href"):
        t = server.faults.target("GET", base + href)
        assert t.state and t.record and t.record[0] == "article"
        assert not server.faults.plan(t).permanent


# --- designated pages and content faults --------------------------------------------------------------
def test_redirect_loop(server, truth):
    loops = faults_line(truth)["redirect_loops"]
    assert len(loops) == 3
    permanent = {e["url"]: e for e in faults_line(truth)["permanent"]}
    for loop in loops:
        a, b = loop["url"], loop["location"]
        assert b == a + "/" and permanent[a]["kind"] == "redirect_loop" and permanent[a]["location"] == b
        url, hops = a, []
        for _ in range(6):
            reply = raw_get(server, url)
            assert reply.status == 302 and reply.body == b""
            url = reply.headers["location"]
            hops.append(url)
        assert hops == [b, a] * 3
        k = server.faults.target("GET", a).record[1]  # the other forms of that article can be had
        connect = server.url + U.connect(server.corpus.meta(k).wcm_path)
        if not server.faults.plan_for(connect).permanent:
            assert any(raw_get(server, connect, CLIENT_TIMEOUT * 4).ok for _ in range(3))


def test_huge_page(server, truth):
    huge = faults_line(truth)["huge"]
    art = next(t for t in truth if t["kind"] == "article" and t["wcm_path"] == huge["wcm_path"])
    assert huge["url"] == art["urls"]["friendly"] and huge["padding_bytes"] == HUGE_BYTES
    for form in ("friendly", "connect"):
        reply = raw_get(server, art["urls"][form], timeout=10)
        assert reply.ok and len(reply.body) > HUGE_BYTES, form
        text = reply.body.decode("utf-8")
        assert text.index("<!-- padding") < text.index('<div id="contentBody">')
        doc = lxml.html.fromstring(reply.body)
        body = " ".join(doc.xpath('//div[@id="contentBody"]')[0].text_content().split())
        assert art["body_text"].split("\n\n")[1 if art["summary"] else 0][:60] in body  # (the lead is above it)
        assert art["title"] in doc.xpath("//h1")[0].text_content()


def test_malformed_pages_still_hold_the_whole_record(server, truth, record_urls):
    from pipelines.extract import extract_record

    arts = {u: t for t in truth if t["kind"] == "article" for u in t["urls"].values()}
    checked = 0
    with ReplicaServer(port=0, **OPTS) as clean:
        for url, art in arts.items():
            plan = server.faults.plan_for(url)
            if plan.kind != "malformed":
                continue
            bad = raw_get(server, url)
            good = raw_get(clean, url.replace(server.url, clean.url))
            assert bad.ok and good.ok
            assert CUT_TAG in bad.body and b"</li>" not in bad.body and bad.body.rstrip().endswith(b"</html>")
            assert raw_get(server, url).body.count(CUT_TAG) == 1  # on every attempt
            ctype = bad.headers["content-type"]
            fields = ("title", "published_at", "summary", "body_text", "author", "author_role", "source", "images")
            got = extract_record(bad.body, url, content_type=ctype)
            ref = extract_record(good.body.replace(clean.url.encode(), server.url.encode()), url, content_type=ctype)
            assert not got.get("error") and {f: got[f] for f in fields} == {f: ref[f] for f in fields}, url
            html = unicodedata.normalize("NFC", bad.body.decode(re.search(r"charset=([\w-]+)", ctype).group(1)))
            text = " ".join(lxml.html.fromstring(html).xpath('//div[@id="contentBody"]')[0].text_content().split())
            blocks = [x for x in art["body_text"].split("\n\n") if " | " not in x and "@" not in x  # (tables, emails)
                      and x != art["summary"]]  # (the lead stands above contentBody)
            assert all(" ".join(x.split()) in text for x in blocks)
            checked += 1
    assert checked >= 5
