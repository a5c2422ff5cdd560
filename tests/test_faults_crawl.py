"""A crawl of a misbehaving portal: retries with backoff, Retry-After, Crawl-delay; every page that can
be had is archived, every failure is recorded with its reason and attempts, the exit code tells."""
from __future__ import annotations

import pytest

from replica.server import ReplicaServer
from replica.truth import iter_truth
from tests.conftest import read_rows, run_cli

ARTICLES, RATE = 80, 0.2
KINDS = {"article": "articles", "document": "documents", "album": "albums", "schedule": "schedules",
         "page": "static_pages"}




@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    archive = tmp_path_factory.mktemp("faults") / "archive"
    options = dict(articles=ARTICLES, documents=30, faults=RATE, fault_timeout_seconds=2.0)
    with ReplicaServer(port=0, crawl_delay=0.05, **options) as server:
        proc = run_cli("crawl", server.url + "/", "--archive", str(archive), "-s", "DOWNLOAD_TIMEOUT=1",
                       check=False)
        truth = list(iter_truth(server.url, media=False, **options))
        injected = server.faults.injected
    return archive, proc, truth, injected


def test_faults_were_really_injected(faulty):
    _, _, _, injected = faulty
    assert sum(injected.values()) > 20, injected
    assert {"5xx", "429", "truncated", "reset", "timeout"} <= set(injected), injected


def test_every_page_that_can_be_had_is_archived(faulty):
    archive, _, truth, _ = faulty
    faults = next(t for t in truth if t["kind"] == "faults")
    lost_for_good = {p["wcm_path"] for p in faults["permanent"] if p.get("wcm_path")}
    for kind, table in KINDS.items():
        archived = {r["wcm_path"] for r in read_rows(archive, table)}
        expected = {t["wcm_path"] for t in truth if t["kind"] == kind}
        missing = expected - archived
        assert missing <= lost_for_good, (kind, sorted(missing - lost_for_good)[:5])


def test_archived_records_equal_the_truth_despite_malformed_and_huge_pages(faulty):
    archive, _, truth, _ = faulty
    expected = {t["wcm_path"]: t for t in truth if t["kind"] == "article"}
    for row in read_rows(archive, "articles"):
        t = expected[row["wcm_path"]]
        assert (row["title"], row["body_text"], row["published_at_raw"]) == (t["title"], t["body_text"], t["published_at_raw"])


def test_every_failure_is_recorded_and_summarized(faulty):
    archive, proc, truth, _ = faulty
    faults = next(t for t in truth if t["kind"] == "faults")
    errors = read_rows(archive, "errors")
    failed_urls = {e["url"] for e in errors}
    archived = {r["wcm_path"] for table in KINDS.values() for r in read_rows(archive, table)}
    lost = {}
    for p in faults["permanent"]:
        lost.setdefault(p.get("wcm_path"), set()).add(p["url"])
    for wcm_path, urls in lost.items():
        if wcm_path not in archived:  # lost for good: the URL the crawler tried is in the errors table
            assert urls & failed_urls, (wcm_path, urls)
    for e in errors:
        assert e["reason"] and e["attempts"] >= 1
    retried = [e for e in errors if e["reason"].startswith("http_5") or e["reason"] in ("timeout", "connection_lost")]
    assert all(e["attempts"] == 4 for e in retried), retried[:3]
    assert "Errors" in proc.stdout
    for reason in {e["reason"] for e in errors}:
        assert reason in proc.stdout
    assert proc.returncode == (3 if any(e["reason"] not in ("robots_disallowed", "soft_404", "empty_media_url")
                                        for e in errors) else 0)
