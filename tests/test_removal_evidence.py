"""Removal needs evidence: a re-crawl with the portal down, of a host that does not exist, of a flaky
portal (``--faults 0.5``) and of a portal with K articles deleted (``--mutate K``). Only the last
removes anything, exactly the K; the others leave the archive's state exactly as it was."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from archive.query import connect
from replica.server import ReplicaServer
from replica.truth import iter_truth
from tests.conftest import RECORD_TABLES, read_rows, run_cli

ARTICLES, DOCUMENTS, K = 60, 20, 3


def files(root: Path) -> dict[str, str]:
    """Every file of an archive (but its lock and its manifest) -> sha256; the manifest -> its lines."""
    out = {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
           for p in sorted(root.rglob("*")) if p.is_file() and p.name not in (".lock", "_manifest.jsonl")}
    out["_manifest.jsonl"] = (root / "_manifest.jsonl").read_text().splitlines()
    return out


def latest(root: Path) -> dict[str, list]:
    con = connect(root)
    try:
        return {t: con.sql(f"SELECT * FROM {t}_latest ORDER BY record_id").fetchall() for t in RECORD_TABLES}
    finally:
        con.close()


def snapshot(root: Path, snapshot_id: str) -> dict:
    return next(r for r in read_rows(root, "snapshots") if r["snapshot_id"] == snapshot_id)


def newest(root: Path) -> dict:
    return max(read_rows(root, "snapshots"), key=lambda r: r["snapshot_id"])


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """One archive through: good crawl (bare host name), portal down, unknown host, faults 0.5, mutate K."""
    root = tmp_path_factory.mktemp("evidence") / "archive"
    options = {"articles": ARTICLES, "documents": DOCUMENTS}
    steps = {}
    with ReplicaServer(port=0, **options) as server:
        port = server.port
        steps["good"] = run_cli("crawl", f"127.0.0.1:{port}", "--archive", str(root))  # no scheme: http://
    steps["good_files"], steps["good_latest"] = files(root), latest(root)
    steps["down"] = run_cli("crawl", f"http://127.0.0.1:{port}/", "--archive", str(root), check=False)
    steps["down_files"], steps["down_latest"], steps["down_snapshot"] = files(root), latest(root), newest(root)
    steps["dns"] = run_cli("crawl", "portal.invalid", "--archive", str(root), "-s", "RETRY_TIMES=0", check=False)
    steps["dns_latest"] = latest(root)
    with ReplicaServer(port=port, faults=0.5, fault_timeout_seconds=1.0, **options) as server:
        steps["faults"] = run_cli("crawl", f"http://127.0.0.1:{port}/", "--archive", str(root),
                                  "-s", "DOWNLOAD_TIMEOUT=1", check=False)
    steps["faults_snapshot"], steps["faults_latest"] = newest(root), latest(root)
    with ReplicaServer(port=port, mutate=K, **options) as server:
        before = server.served.copy()
        steps["mutate"] = run_cli("crawl", f"http://127.0.0.1:{port}/", "--archive", str(root), check=False)
        steps["mutate_served"] = server.served - before
        steps["truth"] = list(iter_truth(server.url, mutate=K, media=False, **options))
    return root, steps


def test_a_bare_host_name_is_crawled_as_http(history):
    root, steps = history
    assert steps["good"].returncode == 0
    first = min(read_rows(root, "snapshots"), key=lambda r: r["snapshot_id"])
    assert first["status"] == "complete" and first["seeds"][0].startswith("http://127.0.0.1:")
    assert first["records_new"] > ARTICLES


def test_portal_down_leaves_the_archive_exactly_as_it_was_but_one_failed_snapshot(history):
    root, steps = history
    proc = steps["down"]
    assert proc.returncode == 4, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "failed: the home page could not be fetched (connection_refused" in proc.stderr
    before, after = dict(steps["good_files"]), dict(steps["down_files"])
    manifest_before, manifest_after = before.pop("_manifest.jsonl"), after.pop("_manifest.jsonl")
    assert {path: sha for path, sha in after.items() if path in before} == before  # nothing rewritten
    failed = steps["down_snapshot"]
    assert failed["status"] == "failed" and failed["records_removed"] == 0
    sid = failed["snapshot_id"]
    added = set(after) - set(before)
    assert manifest_after[:len(manifest_before)] == manifest_before  # only appended to, for the new files
    assert {json.loads(line)["path"] for line in manifest_after[len(manifest_before):]} == added - {f"_runs/{sid}.json"}
    # the snapshot's own row and why it failed (its errors), nothing else: no record, page, change
    assert added == {f"snapshots/part-{sid}-000001.parquet", f"errors/part-{sid}-000001.parquet",
                     f"legal_log/part-{sid}-000001.parquet", f"_runs/{sid}.json"}, added  # the requests tried
    assert steps["down_latest"] == steps["good_latest"]
    assert {e["reason"] for e in read_rows(root, "errors") if e["snapshot_id"] == sid} == {"connection_refused"}


def test_unknown_host_is_one_line_per_reason_and_changes_nothing(history):
    root, steps = history
    proc = steps["dns"]
    assert proc.returncode == 4, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert [line.split() for line in proc.stdout.splitlines() if line.startswith("  dns")] == [["dns", "1"]]
    assert "Status        failed" in proc.stdout
    assert steps["dns_latest"] == steps["good_latest"]
    live = sum(len(rows) for rows in steps["good_latest"].values())
    assert f"not seen {live:,}: kept as they were" in proc.stdout  # the summary says what it did not see


def test_a_flaky_portal_removes_nothing(history):
    root, steps = history
    snap = steps["faults_snapshot"]
    assert snap["records_removed"] == 0
    assert snap["status"] == "complete"  # a few pages lost for good: under PORTAL_MAX_FAILURE_RATIO
    errors = [e for e in read_rows(root, "errors") if e["snapshot_id"] == snap["snapshot_id"]]
    assert any(e["reason"] not in ("robots_disallowed", "empty_media_url") for e in errors)  # real faults
    assert steps["faults"].returncode == 3, steps["faults"].stderr
    # every record of the good crawl is still in the latest state
    good_ids = {t: {row[0] for row in rows} for t, rows in steps["good_latest"].items()}
    now_ids = {t: {row[0] for row in rows} for t, rows in steps["faults_latest"].items()}
    for table in RECORD_TABLES:
        assert good_ids[table] <= now_ids[table], table


def test_exactly_the_k_deleted_articles_are_removed_with_conditional_requests(history):
    root, steps = history
    proc = steps["mutate"]
    assert proc.returncode in (0, 3), proc.stderr
    snap = newest(root)
    assert snap["status"] == "complete"
    mutations = next(t for t in steps["truth"] if t["kind"] == "mutations")
    removed = [c for c in read_rows(root, "changes") if c["snapshot_id"] == snap["snapshot_id"]
               and c["change"] == "removed"]
    paths = {r["record_id"]: r["wcm_path"] for r in read_rows(root, "articles")}
    assert sorted(paths[c["record_id"]] for c in removed) == sorted(mutations["deleted"])
    # the failed snapshots in between did not cost the conditional requests of the last good versions
    assert snap["not_modified"] >= 0.8 * (snap["records_unchanged"] + snap["records_changed"])
    gone = run_cli("query", "--archive", str(root), "--format", "jsonl",
                   "SELECT count(*) AS n FROM articles_latest WHERE wcm_path IN ("
                   + ", ".join(f"'{p}'" for p in mutations["deleted"]) + ")").stdout
    assert '"n": 0' in gone


class _Spider:
    """Just what PortalSpider.verdict reads."""

    def __init__(self, home_ok, attempted, failed, ratio=0.2, incomplete=()):
        self.home_ok, self.attempted, self.failed, self.max_failure_ratio = home_ok, attempted, failed, ratio
        self.walks_incomplete = set(incomplete)


@pytest.mark.parametrize("home_ok, attempted, failed, incomplete, verdict", [
    (False, 0, 0, (), "failed"), (False, 500, 1, (), "failed"), (True, 100, 20, (), "complete"),
    (True, 100, 21, (), "partial"), (True, 1, 0, (), "complete"),
    (True, 100, 1, ("http://h/register",), "partial"),  # one listing or register walk could not be finished
])
def test_the_verdict(home_ok, attempted, failed, incomplete, verdict):
    from crawler.spiders.portal import PortalSpider

    assert PortalSpider.verdict(_Spider(home_ok, attempted, failed, incomplete=incomplete)) == verdict


@pytest.mark.parametrize("stats, reasons, code", [
    ({"finish_reason": "finished", "portal/verdict": "complete"}, {}, 0),
    ({"finish_reason": "finished", "portal/verdict": "complete"}, {"robots_disallowed": 2, "soft_404": 1}, 0),
    ({"finish_reason": "finished", "portal/verdict": "complete"}, {"timeout": 1}, 3),
    ({"finish_reason": "finished", "portal/verdict": "partial"}, {"timeout": 30}, 4),
    ({"finish_reason": "finished", "portal/verdict": "failed"}, {"dns": 1}, 4),
    ({"finish_reason": "shutdown"}, {}, 1),
])
def test_exit_codes(stats, reasons, code):
    from cli.crawl import exit_code

    assert exit_code(stats, {"status": "x", "errors_by_reason": reasons}) == code


def test_crawl_help_documents_the_exit_codes():
    out = run_cli("crawl", "--help").stdout
    for line in ("0  complete", "1  interrupted", "2  usage", "3  complete with some failures", "4  failed or partial"):
        assert line in out, line


@pytest.mark.parametrize("typed, url", [
    ("hoangmai.nghean.gov.vn", "http://hoangmai.nghean.gov.vn/"),
    ("127.0.0.1:8080/wps/portal/hoangmai", "http://127.0.0.1:8080/wps/portal/hoangmai"),
    (" https://h.gov.vn/ ", "https://h.gov.vn/"),
])
def test_start_url(typed, url):
    from cli.crawl import start_url

    assert start_url(typed) == url


@pytest.mark.parametrize("typed", ["ftp://h/", "file:///etc/passwd", "http://", "javascript:alert(1)", "h:99999"])
def test_start_url_refused_in_one_line(typed, tmp_path):
    proc = run_cli("crawl", typed, "--archive", str(tmp_path / "a"), check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("portal-archive crawl: "), proc.stderr
    assert not (tmp_path / "a").exists()


def test_removal_candidates_need_every_listing_fetched_whole(monkeypatch):
    from types import SimpleNamespace

    from archive.versions import PrevRecord
    from crawler.identity import url_fingerprint
    from crawler.spiders.portal import REACHED, PortalSpider
    from pipelines.capture import Capture

    H = "http://h/wps/portal/hoangmai"
    spider = PortalSpider(start_url=H + "/")
    spider.crawler = SimpleNamespace()
    monkeypatch.setattr(Capture, "of", classmethod(
        lambda cls, crawler: SimpleNamespace(writer=SimpleNamespace(done_in_snapshot=lambda: {"seen-by-pipeline"}))))

    def prev(name, *listings, url=None, removed=False):
        return PrevRecord("articles", "0" * 64, 1, url or f"{H}/a/{name}", None, None, None, removed, listings)

    spider.previous = {
        "gone": prev("gone", f"{H}/a", f"{H}/home"),
        "listing-failed": prev("lf", f"{H}/b"),  # a pager page of b failed
        "listing-not-fetched": prev("nf", f"{H}/c"),
        "never-listed": prev("nl"),
        "linked-again": prev("la", f"{H}/a"),
        "seen-by-pipeline": prev("sp", f"{H}/a"),
        "already-removed": prev("ar", f"{H}/a", removed=True),
        "only-beside-a-record": prev("ob", f"{H}/a/other", f"{H}/a"),  # listed on a record's page: ignored
        "state-url": prev("su", f"{H}/a", url=f"{H}/!ut/p/c5/XYZ/dl3/d3/L2dB/"),
    }
    spider.previous["state-url"] = spider.previous["state-url"]._replace(
        urls_seen=[f"{H}/!ut/p/c5/XYZ/dl3/d3/L2dB/", f"{H}/a/su"])
    spider.previous_urls = {url_fingerprint(f"{H}/a/other"): "other"}
    spider.listings_ok = {f"{H}/a", f"{H}/home", f"{H}/b"}
    spider.listings_failed = {f"{H}/b"}
    spider.records.set("linked-again", REACHED)
    assert dict(spider.removal_candidates()) == {
        "gone": f"{H}/a/gone", "only-beside-a-record": f"{H}/a/ob", "state-url": f"{H}/a/su"}


def test_the_pipeline_turns_gone_and_soft_404_answers_into_removals():
    import asyncio
    import datetime as dt
    from types import SimpleNamespace

    from pipelines.scrapy_pipelines import ExtractPipeline
    from pipelines.workers import WorkerPool

    class Inline:
        def __init__(self, pipeline):
            self.pipeline = pipeline

        def process_item(self, item):
            return asyncio.run(self.pipeline.process_item(item))

    pipeline = Inline(ExtractPipeline(SimpleNamespace(inc_value=lambda *a, **k: None), WorkerPool(workers=0)))
    now = dt.datetime.now(dt.timezone.utc)
    page = {"url": "http://h/wps/wcm/connect/hoangmai/site/a/x", "status": 404, "headers": {}, "body": b"Not found",
            "fetched_at": now, "referer": None, "expected_content": True, "wcm_path": None, "urls_seen": [],
            "warc": None}
    out = pipeline.process_item({**page, "item_type": "gone", "record_id": "r1"})
    assert out["removed"] == "r1" and [t for t, _ in out["rows"]] == ["pages"]
    assert out["rows"][0][1]["page_type"] == "gone" and out["rows"][0][1]["record_id"] == "r1"
    home = b"<html><head><title>Trang chu</title></head><body><p>Trang ch\xe1\xbb\xa7</p></body></html>"
    out = pipeline.process_item({**page, "status": 200, "body": home, "item_type": "page", "record_id": "r2",
                                 "wcm_path": "/hoangmai/site/a/y", "removal_check": True})
    assert out["removed"] == "r2" and [t for t, _ in out["rows"]] == ["pages"]  # no soft_404 error row
    assert out["rows"][0][1]["record_id"] == "r2"
    # outside a removal check, the same answer is a soft_404 error, never a removal
    out = pipeline.process_item({**page, "status": 200, "body": home, "item_type": "page", "record_id": "r3",
                                 "wcm_path": "/hoangmai/site/a/z"})
    assert "removed" not in out and any(t == "errors" and r["reason"] == "soft_404" for t, r in out["rows"])
