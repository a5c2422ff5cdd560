"""Snapshots over time: an unchanged portal re-crawled with conditional requests, then a mutated one."""
from __future__ import annotations

import pytest

from replica.server import ReplicaServer
from replica.truth import iter_truth
from tests.conftest import RECORD_TABLES, read_rows, run_cli

ARTICLES, K = 120, 4


def _snapshots(archive):
    return sorted(read_rows(archive, "snapshots"), key=lambda r: r["snapshot_id"])


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Three snapshots of one portal: first crawl, unchanged re-crawl, re-crawl after --mutate K."""
    archive = tmp_path_factory.mktemp("history") / "archive"
    with ReplicaServer(port=0, articles=ARTICLES, documents=40) as server:
        port, url = server.port, server.url
        run_cli("crawl", url + "/", "--archive", str(archive))
        before = server.served.copy()
        run_cli("crawl", url + "/", "--archive", str(archive))
        recrawl_served = server.served - before
    with ReplicaServer(port=port, articles=ARTICLES, documents=40, mutate=K) as server:
        run_cli("crawl", url + "/", "--archive", str(archive))
        truth = list(iter_truth(url, articles=ARTICLES, documents=40, mutate=K, media=False))
    return archive, recrawl_served, truth


def test_first_snapshot_has_everything_new(history):
    archive, _, _ = history
    first = _snapshots(archive)[0]
    assert first["status"] == "complete"
    assert first["records_changed"] == first["records_unchanged"] == first["records_removed"] == 0
    assert first["records_new"] > ARTICLES


def test_unchanged_portal_recrawl_fetches_few_record_pages(history):
    archive, served, _ = history
    first, second = _snapshots(archive)[:2]
    assert (second["records_new"], second["records_changed"], second["records_removed"]) == (0, 0, 0)
    assert second["records_unchanged"] == first["records_new"]
    record_pages = first["records_new"]
    full_fetches = sum(served[k] for k in ("article", "document", "album", "schedule", "static_page"))
    assert full_fetches < 0.10 * record_pages, served
    assert second["not_modified"] >= 0.8 * record_pages
    # nothing stored twice: one row per record over both snapshots
    for table in RECORD_TABLES:
        rows = [r for r in read_rows(archive, table) if r["snapshot_id"] in (first["snapshot_id"], second["snapshot_id"])]
        assert rows and all(r["snapshot_id"] == first["snapshot_id"] for r in rows), table


def test_mutations_are_exactly_recorded(history):
    archive, _, truth = history
    third = _snapshots(archive)[2]
    mutations = next(t for t in truth if t["kind"] == "mutations")
    assert (third["records_changed"], third["records_new"], third["records_removed"]) == (K, K, K)
    changes = [c for c in read_rows(archive, "changes") if c["snapshot_id"] == third["snapshot_id"]]
    by_change = {}
    for c in changes:
        by_change.setdefault(c["change"], set()).add(c["record_id"])
    articles = {r["record_id"]: r["wcm_path"] for r in read_rows(archive, "articles")}
    assert {articles[i] for i in by_change["changed"]} == set(mutations["edited"])
    assert {articles[i] for i in by_change["new"]} == set(mutations["added"])
    assert {articles[i] for i in by_change["removed"]} == set(mutations["deleted"])


def test_latest_and_as_of_views(history):
    archive, _, truth = history
    first, _, third = _snapshots(archive)
    mutations = next(t for t in truth if t["kind"] == "mutations")
    edited = sorted(mutations["edited"])[0]
    sql = ("SELECT version, title FROM {src} WHERE wcm_path = '" + edited + "'")
    latest = run_cli("query", "--archive", str(archive), "--format", "jsonl", sql.format(src="articles_latest")).stdout
    old = run_cli("query", "--archive", str(archive), "--format", "jsonl",
                  sql.format(src=f"articles_as_of('{first['snapshot_id']}')")).stdout
    assert '"version": 2' in latest and '"version": 1' in old
    deleted = sorted(mutations["deleted"])[0]
    gone = run_cli("query", "--archive", str(archive), "--format", "jsonl",
                   f"SELECT count(*) AS n FROM articles_latest WHERE wcm_path = '{deleted}'").stdout
    assert '"n": 0' in gone
