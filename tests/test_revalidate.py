"""Re-crawls revalidated by the lean client (crawler/revalidate.py): the archive holds what the same 304s
through Scrapy give, politeness holds for both clients together (counted at the replica), robots.txt is
obeyed, and a changed or failing record goes to Scrapy: fetched in full and versioned, or retried and
recorded with the attempts sent."""
from __future__ import annotations

import re
import shutil
import threading
import time
from urllib.parse import urlsplit

import pytest

from archive.verify import format_problems, verify
from archive.warc.reader import read_record
from replica.corpus import Corpus
from replica.faults import FaultConfig, Faults
from replica.router import Router, robots_txt
from replica.server import ReplicaServer
from tests.conftest import read_rows, run_cli

ARTICLES, DOCUMENTS, SEED = 30, 10, 3


def counting(server) -> dict:
    """Note at the replica when each request arrives (path, conditional or not) and how many are in flight: from
    its arrival until its answer starts to go out (a client cannot send the next one before it has it; counted
    until the server thread is done, a thread descheduled after writing would overlap the next request)."""
    handler = server.httpd.RequestHandlerClass
    respond, send, lock = handler._respond, handler._send, threading.Lock()
    seen = {"in_flight": 0, "most": 0, "arrivals": []}

    def answered(self):
        with lock:
            if getattr(self, "counted", False):
                self.counted = False
                seen["in_flight"] -= 1

    def counted(self, head_only=False):
        with lock:
            seen["in_flight"] += 1
            seen["most"] = max(seen["most"], seen["in_flight"])
            seen["arrivals"].append((time.monotonic(), self.path, bool(self.headers.get("If-None-Match"))))
            self.counted = True
        try:
            return respond(self, head_only)
        finally:
            answered(self)

    def sending(self, *args, **kwargs):
        answered(self)
        return send(self, *args, **kwargs)

    handler._respond, handler._send = counted, sending
    return seen


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """A small replica (50 ms a response, requests counted) and its first crawl."""
    with ReplicaServer(port=0, articles=ARTICLES, seed=SEED, documents=DOCUMENTS, latency=0.05) as server:
        seen = counting(server)
        first = tmp_path_factory.mktemp("lean") / "first"
        run_cli("crawl", server.url + "/", "--archive", str(first))
        yield server, seen, first


def recrawl(first, dest, url, *settings) -> tuple[object, dict]:
    """A copy of the first crawl crawled again (``-s`` ``settings``): (archive, the crawl's integer stats)."""
    shutil.copytree(first, dest)
    args = [a for s in settings for a in ("-s", s)]
    proc = run_cli("crawl", url + "/", "--archive", str(dest), "-v", *args, check=False)
    assert proc.returncode in (0, 3), proc.stderr[-3000:]  # complete (with failures when the replica injects them)
    stats = {k: int(v) for k, v in re.findall(r"'(portal/[a-z_/]+)': (\d+)", proc.stderr)}
    return dest, stats


def snapshot(archive) -> dict:
    return max(read_rows(archive, "snapshots"), key=lambda r: r["snapshot_id"])


def rows_of(archive, table, snapshot_id) -> list[dict]:
    return [r for r in read_rows(archive, table) if r.get("snapshot_id") == snapshot_id]


@pytest.fixture(scope="module")
def both(portal, tmp_path_factory):
    """The first crawl re-crawled through the lean client (2 requests at once per host) and through Scrapy."""
    server, seen, first = portal
    tmp = tmp_path_factory.mktemp("both")
    seen.update(most=0, arrivals=[])
    lean = recrawl(first, tmp / "lean", server.url, "CONCURRENT_REQUESTS_PER_DOMAIN=2")
    lean_seen = dict(seen)
    scrapy = recrawl(first, tmp / "scrapy", server.url, "PORTAL_LEAN_REVALIDATE=0")
    return lean, scrapy, lean_seen


def _revisits(archive, snap) -> dict[str, tuple]:
    """record_id -> (its 304 pages row's facts, the revisit's WARC-Refers-To, the concurrent request's header
    names and If-None-Match)."""
    out = {}
    for row in rows_of(archive, "pages", snap["snapshot_id"]):
        if row["status"] != 304 or not row["record_id"]:
            continue
        revisit = read_record(archive, row["warc_file"], row["warc_offset"], row["warc_length"])
        assert revisit.record_type == "revisit"
        facts = tuple(row[k] for k in ("status", "page_type", "content_sha256", "length", "etag", "last_modified"))
        out[row["record_id"]] = (facts, revisit.warc_header("WARC-Refers-To"), revisit.warc_header("WARC-Payload-Digest"))
    return out


def test_lean_recrawl_archives_what_scrapy_does(both):
    (lean, lean_stats), (scrapy, scrapy_stats), _ = both
    a, b = snapshot(lean), snapshot(scrapy)
    keys = ("status", "records_new", "records_changed", "records_unchanged", "records_removed", "not_modified")
    assert {k: a[k] for k in keys} == {k: b[k] for k in keys}
    assert a["records_unchanged"] > ARTICLES and a["records_new"] == a["records_changed"] == 0
    assert lean_stats["portal/lean_not_modified"] >= 0.8 * a["records_unchanged"], lean_stats
    assert "portal/lean_not_modified" not in scrapy_stats
    changes = {r["record_id"]: r["change"] for r in rows_of(lean, "changes", a["snapshot_id"])}
    assert changes == {r["record_id"]: r["change"] for r in rows_of(scrapy, "changes", b["snapshot_id"])}
    # the 304s: same pages rows, same revisits naming the same originals
    ours, theirs = _revisits(lean, a), _revisits(scrapy, b)
    common = ours.keys() & theirs.keys()
    assert len(common) >= 0.9 * len(theirs) and all(ours[k] == theirs[k] for k in common)
    assert all(refers for _, refers, _ in ours.values())
    # each on the legal log: robots.txt allowed it, with our User-Agent
    logged = {r["url"] for r in read_rows(lean, "legal_log") if r["event"] == "request" and r["robots"] == "allowed"
              and r["user_agent"].startswith("portal-archive/")}
    lean_304 = {r["url"] for r in rows_of(lean, "pages", a["snapshot_id"]) if r["status"] == 304}
    assert lean_304 <= logged
    problems = verify(lean)
    assert not problems, format_problems(problems)[:2000]


def test_lean_requests_keep_the_hosts_concurrency(both):
    _, _, seen = both
    conditional = [a for a in seen["arrivals"] if a[2]]
    assert len(conditional) > ARTICLES
    assert seen["most"] == 2, seen["most"]  # CONCURRENT_REQUESTS_PER_DOMAIN, both clients together


def test_crawl_delay_and_robots_txt_hold_for_lean_requests(portal, tmp_path):
    server, seen, first = portal
    disallowed = next(r["url"] for r in read_rows(first, "articles") if "!ut" not in r["url"])
    path = urlsplit(disallowed).path
    server.router.robots = robots_txt(0.2) + f"Disallow: {path}\n"
    seen.update(most=0, arrivals=[])
    try:
        archive, stats = recrawl(first, tmp_path / "a", server.url)
    finally:
        server.router.robots = robots_txt()
    assert stats["portal/lean_not_modified"] > ARTICLES // 2, stats
    times = [t for t, _, _ in seen["arrivals"]]
    gaps = [b - a for a, b in zip(times, times[1:])]
    # 0.2 s apart, but for the jitter of either client's time from its decision to the wire on a loaded machine
    # (Scrapy's request may reach the wire well after its turn, the next one on time): one late arrival
    # shortens one gap and lengthens the next, so every run of five requests still spans four delays less
    # one of jitter (unpaced, the lean requests would come in bursts 0 s apart)
    assert sorted(gaps)[len(gaps) // 2] >= 0.19, sorted(gaps)[:5]
    spans = [b - a for a, b in zip(times, times[4:])]
    assert min(spans) >= 4 * 0.2 - 0.2, sorted(spans)[:5]
    assert not [p for _, p, _ in seen["arrivals"] if urlsplit(p).path == path]
    errors = rows_of(archive, "errors", snapshot(archive)["snapshot_id"])
    assert any(e["url"] == disallowed and e["reason"] == "robots_disallowed" for e in errors)


def test_changed_records_go_to_scrapy_in_full_and_are_versioned(portal, tmp_path):
    server, _, first = portal
    handler = server.httpd.RequestHandlerClass
    unchanged, handler.router = handler.router, Router(Corpus(ARTICLES, SEED, DOCUMENTS, 2), None)  # --mutate 2
    try:
        archive, stats = recrawl(first, tmp_path / "a", server.url)
    finally:
        handler.router = unchanged
    snap = snapshot(archive)
    assert (snap["records_changed"], snap["records_new"]) == (2, 2)
    assert stats["portal/lean_handed_over"] >= 2 and stats["portal/lean_not_modified"] > ARTICLES // 2
    changed = [c["record_id"] for c in rows_of(archive, "changes", snap["snapshot_id"]) if c["change"] == "changed"]
    versions = {r["record_id"]: r["version"] for r in rows_of(archive, "articles", snap["snapshot_id"])}
    assert all(versions.get(rid) == 2 for rid in changed), versions
    pages = {r["record_id"]: r["status"] for r in rows_of(archive, "pages", snap["snapshot_id"]) if r["record_id"]}
    assert all(pages[rid] == 200 for rid in changed)


def test_failed_lean_attempts_are_retried_and_counted(portal, tmp_path):
    """Records failing at the replica (5xx, 429, resets; per URL and attempt) through the lean client: each is
    retried by Scrapy, and an ``errors`` row's attempts are the requests the replica received for the URL (a
    lean attempt that failed is the first of them)."""
    server, _, first = portal
    handler = server.httpd.RequestHandlerClass
    handler.faults = faults = Faults(server.corpus, FaultConfig(0.3, "5xx,reset,429", seed=1))
    try:
        archive, stats = recrawl(first, tmp_path / "a", server.url)
    finally:
        handler.faults = server.faults
    assert stats.get("portal/lean_failed", 0) > 0 and stats["portal/lean_not_modified"] > 0, stats
    errors = [e for e in rows_of(archive, "errors", snapshot(archive)["snapshot_id"])
              if e["reason"].startswith("http_") or e["reason"] == "connection_lost"]
    assert errors
    for e in errors:
        parts = urlsplit(e["url"])
        assert e["attempts"] == faults.attempts(parts.path + (f"?{parts.query}" if parts.query else "")), e
    assert snapshot(archive)["records_unchanged"] > ARTICLES // 2
