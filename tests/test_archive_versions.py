"""Snapshots and versions: unchanged records are not stored again, changed ones get a new version,
missing ones are marked removed; ``<table>_latest`` and ``<table>_as_of(snapshot)`` read the history."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow.dataset as ds
import pytest

from archive import ArchiveWriter, PrevRecord, RowError, connect, summarize
from archive.layout import data_files

T0 = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
S1, S2, S3, S4 = (f"2024050{i}T000000Z-00000{i}" for i in range(1, 5))
H = "https://h"


def article(i, title=None, **extra):
    return {"article_id": f"a{i:015x}", "url": f"{H}/wps/portal/hoangmai/a{i}", "title": title or f"Tin {i}",
            "body_text": f"Nội dung {i}", "fetched_at": T0, "etag": f'"{i}"', **extra}


def document(i, number=None):
    return {"record_id": f"d{i:015x}", "url": f"{H}/wps/portal/hoangmai/d{i}", "title": f"Văn bản {i}",
            "number": number or f"{i}/QĐ-UBND", "issued_on": "2020-09-02", "fetched_at": T0}


def crawl(root, sid, articles=(), documents=(), status="complete", **kw):
    out = {}
    with ArchiveWriter(root, snapshot_id=sid, **kw) as w:
        for row in articles:
            out[row["article_id"]] = w.add_record("articles", row)
        for row in documents:
            out[row["record_id"]] = w.add_record("documents", row)
        if status != "complete":
            w.close(status)
    return out, w


def q(root, sql, *params):
    con = connect(root)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_unchanged_crawl_stores_nothing_new(tmp_path):
    root = tmp_path / "a"
    first, _ = crawl(root, S1, [article(i) for i in range(3)], [document(1)])
    assert set(first.values()) == {"new"}
    before = {t: sorted(p.name for p in data_files(root / t)) for t in ("articles", "documents")}
    again, w = crawl(root, S2, [article(i) for i in range(3)], [document(1)])
    assert set(again.values()) == {"unchanged"}
    assert {t: sorted(p.name for p in data_files(root / t)) for t in ("articles", "documents")} == before
    assert (w.snapshot["records_new"], w.snapshot["records_unchanged"], w.snapshot["records_changed"],
            w.snapshot["records_removed"]) == (0, 4, 0, 0)
    assert q(root, "SELECT change, version, count(*) FROM changes WHERE snapshot_id = ? GROUP BY ALL", S2) == [
        ("unchanged", 1, 4)]
    assert q(root, "SELECT count(*) FROM articles_latest")[0][0] == 3
    assert q(root, "SELECT DISTINCT snapshot_id FROM articles_latest") == [(S1,)]
    d = summarize(root, S2)
    assert d["records"]["articles"] == {"rows": 0, "new": 0, "changed": 0, "unchanged": 3, "removed": 0}
    assert d["records"]["documents"]["unchanged"] == 1


def test_changed_record_gets_version_2_and_history_is_queryable(tmp_path):
    root = tmp_path / "a"
    crawl(root, S1, [article(1), article(2)], [document(1)])
    got, w = crawl(root, S2, [article(1, "Tin 1 (sửa)"), article(2)], [document(1, "1/QĐ-UBND (sửa)")])
    assert got == {"a000000000000001": "changed", "a000000000000002": "unchanged", "d000000000000001": "changed"}
    assert q(root, "SELECT version, title, snapshot_id FROM articles WHERE record_id = 'a000000000000001' ORDER BY 1") == [
        (1, "Tin 1", S1), (2, "Tin 1 (sửa)", S2)]
    assert q(root, "SELECT record_id, version, title FROM articles_latest ORDER BY 1") == [
        ("a000000000000001", 2, "Tin 1 (sửa)"), ("a000000000000002", 1, "Tin 2")]
    assert q(root, "SELECT record_id, version, title FROM articles_as_of(?) ORDER BY 1", S1) == [
        ("a000000000000001", 1, "Tin 1"), ("a000000000000002", 1, "Tin 2")]
    assert q(root, "SELECT record_id, version FROM articles_as_of(?) ORDER BY 1", S2) == [
        ("a000000000000001", 2), ("a000000000000002", 1)]
    assert q(root, "SELECT version, number FROM documents_latest") == [(2, "1/QĐ-UBND (sửa)")]
    assert q(root, "SELECT version FROM documents_as_of(?)", S1) == [(1,)]
    for unknown in ("2000", "zzz", S1 + "x"):  # compared as text these would give nothing or everything
        with pytest.raises(duckdb.InvalidInputException, match=f"unknown snapshot id '{unknown}'"):
            q(root, f"SELECT count(*) FROM articles_as_of('{unknown}')")
    # the writer's view of the past: latest version over the complete snapshots
    w3 = ArchiveWriter(root, snapshot_id=S3)
    prev = w3.previous["a000000000000001"]
    assert prev == PrevRecord("articles", prev.record_sha256, 2, f"{H}/wps/portal/hoangmai/a1",
                              [f"{H}/wps/portal/hoangmai/a1"], '"1"', None, False)
    assert w3.previous["d000000000000001"].table == "documents"
    assert w3.done_in_snapshot() == set()
    w3.close(mark_removed=False)


def test_removed_records_and_their_return(tmp_path):
    root = tmp_path / "a"
    crawl(root, S1, [article(1), article(2), article(3)])
    got, w = crawl(root, S2, [article(1), article(3, "Tin 3 mới")])
    assert w.snapshot["records_removed"] == 1
    assert q(root, "SELECT record_id, change, version FROM changes WHERE snapshot_id = ? AND change = 'removed'", S2) == [
        ("a000000000000002", "removed", 1)]
    assert [r[0] for r in q(root, "SELECT record_id FROM articles_latest ORDER BY 1")] == [
        "a000000000000001", "a000000000000003"]
    assert [r[0] for r in q(root, "SELECT record_id FROM articles_as_of(?) ORDER BY 1", S1)] == [
        "a000000000000001", "a000000000000002", "a000000000000003"]
    assert [r[0] for r in q(root, "SELECT record_id FROM articles_as_of(?) ORDER BY 1", S2)] == [
        "a000000000000001", "a000000000000003"]
    # already removed: not marked again; it comes back unchanged -> live again, no new row
    got, w = crawl(root, S3, [article(1), article(3, "Tin 3 mới")])
    assert w.snapshot["records_removed"] == 0
    assert w.previous["a000000000000002"].removed
    got, w = crawl(root, S4, [article(1), article(2), article(3, "Tin 3 mới")])
    assert got["a000000000000002"] == "unchanged"
    assert [r[0] for r in q(root, "SELECT record_id FROM articles_latest ORDER BY 1")] == [
        "a000000000000001", "a000000000000002", "a000000000000003"]
    assert q(root, "SELECT count(*) FROM articles WHERE record_id = 'a000000000000002'")[0][0] == 1


def test_no_removed_marking_when_interrupted_or_disabled(tmp_path):
    root = tmp_path / "a"
    crawl(root, S1, [article(1), article(2)])
    _, w = crawl(root, S2, [article(1)], status="interrupted")
    assert w.snapshot["status"] == "interrupted" and w.snapshot["records_removed"] == 0
    with ArchiveWriter(root, snapshot_id=S3) as w:
        w.add_record("articles", article(1))
        w.close(mark_removed=False)
    assert q(root, "SELECT count(*) FROM changes WHERE change = 'removed'")[0][0] == 0
    assert q(root, "SELECT count(*) FROM articles_latest")[0][0] == 2


def test_previous_ignores_interrupted_snapshots(tmp_path):
    root = tmp_path / "a"
    crawl(root, S1, [article(1)])
    got, _ = crawl(root, S2, [article(1, "sửa")], status="interrupted")
    assert got["a000000000000001"] == "changed"
    got, w = crawl(root, S3, [article(1, "sửa")])
    assert got["a000000000000001"] == "changed"  # compared with S1, the last complete snapshot
    assert q(root, "SELECT snapshot_id, version FROM articles ORDER BY 1") == [(S1, 1), (S2, 2), (S3, 2)]
    assert q(root, "SELECT snapshot_id, version FROM articles_latest") == [(S3, 2)]


def test_mark_unchanged_and_not_modified_pages(tmp_path):
    root = tmp_path / "a"
    crawl(root, S1, [article(1), article(2)])
    with ArchiveWriter(root, snapshot_id=S2) as w:
        w.add("pages", {"url": f"{H}/a1", "status": 304, "fetched_at": T0, "article_id": "a000000000000001"})
        assert w.mark_unchanged("a000000000000001") is True
        assert w.mark_unchanged("a000000000000001") is True  # no second row
        assert w.mark_unchanged("nope") is False
        w.add("pages", {"url": f"{H}/a2", "status": 200, "fetched_at": T0, "page_type": "article"})
        assert w.add_record("articles", article(2)) == "unchanged"
        assert w.add_record("articles", article(2, "other")) == "duplicate"
        assert w.done_in_snapshot() == {"a000000000000001", "a000000000000002"}
    s = w.snapshot
    assert (s["pages_fetched"], s["not_modified"], s["records_unchanged"], s["records_removed"]) == (1, 1, 2, 0)
    assert q(root, "SELECT count(*) FROM changes WHERE snapshot_id = ?", S2)[0][0] == 2
    assert q(root, "SELECT record_id FROM pages WHERE status = 304") == [("a000000000000001",)]
    d = summarize(root, S2)
    assert (d["pages"], d["not_modified"]) == (1, 1)


def test_unchanged_record_seen_at_a_new_url_gets_an_alias(tmp_path):
    root = tmp_path / "a"
    crawl(root, S1, [article(1)])
    new_url = f"{H}/wps/wcm/connect/hoangmai/site/a1"
    crawl(root, S2, [article(1, url=new_url, urls_seen=[new_url, f"{H}/wps/portal/hoangmai/a1"])])
    assert q(root, "SELECT record_id, url, snapshot_id FROM url_aliases") == [("a000000000000001", new_url, S2)]
    # the next stored version merges it
    crawl(root, S3, [article(1, "sửa")])
    assert q(root, "SELECT urls_seen FROM articles_latest")[0][0] == [f"{H}/wps/portal/hoangmai/a1", new_url]


def test_a_record_that_moves_to_another_table(tmp_path):
    root = tmp_path / "a"
    crawl(root, S1, documents=[{**document(1), "record_id": "x000000000000001"}])
    with ArchiveWriter(root, snapshot_id=S2) as w:
        assert w.add_record("articles", article(1, article_id="x000000000000001")) == "changed"
    assert q(root, "SELECT count(*) FROM documents_latest")[0][0] == 0
    assert q(root, "SELECT record_id, version FROM articles_latest") == [("x000000000000001", 2)]
    assert q(root, "SELECT count(*) FROM documents_as_of(?)", S1)[0][0] == 1


def test_row_checks(tmp_path):
    with ArchiveWriter(tmp_path / "a", snapshot_id=S1) as w:
        with pytest.raises(RowError, match="article_id"):
            w.add_record("articles", article(1, record_id="other"))
        with pytest.raises(RowError, match="version"):
            w.add_record("articles", article(1, version=3))
        with pytest.raises(ValueError, match="kind"):
            w.add_record("articles", article(1, kind="document"))
        with pytest.raises(ValueError, match="not a record table"):
            w.add_record("pages", {})
        assert w.add("articles", article(1)) == "new"  # add() passes record tables on
        m = {"url": f"{H}/i.jpg", "sha256": "a" * 64, "fetched_at": T0, "path": "media/sha256/aa/aa/" + "a" * 64}
        assert w.add("media_files", m) is True
        assert w.add("media_files", {**m, "fetched_at": T0 + dt.timedelta(seconds=1)}) is False  # one row per URL
        assert w.add("url_aliases", {"article_id": "a000000000000001", "url": f"{H}/x", "seen_at": T0}) is True
        with pytest.raises(RowError, match="media_files.path: expected a relative path"):
            w.add("media_files", {**m, "url": "other", "path": "/abs"})
    assert ds.dataset(tmp_path / "a" / "media_files").count_rows() == 1
    assert ds.dataset(tmp_path / "a" / "url_aliases").to_table().column("record_id").to_pylist() == ["a000000000000001"]


@pytest.mark.parametrize("status", ["partial", "failed", "interrupted"])
def test_an_untrusted_snapshot_leaves_the_latest_views_and_the_next_comparison_alone(tmp_path, status):
    root = tmp_path / "a"
    crawl(root, S1, [article(1), article(2)], [document(1)])
    before = q(root, "SELECT * FROM articles_latest ORDER BY record_id")
    with ArchiveWriter(root, snapshot_id=S2) as w:  # new, changed and "removed" rows, then not trusted
        w.add_record("articles", article(1, "sửa"))
        w.add_record("articles", article(3))
        w.remove("a000000000000002")
        w.close(status)
    assert w.snapshot["status"] == status
    assert q(root, "SELECT * FROM articles_latest ORDER BY record_id") == before
    assert q(root, "SELECT count(*) FROM documents_latest")[0][0] == 1
    # _as_of the untrusted snapshot shows what it saw; _as_of S1 is S1
    assert q(root, "SELECT record_id, version FROM articles_as_of(?) ORDER BY 1", S2) == [
        ("a000000000000001", 2), ("a000000000000003", 1)]
    assert q(root, "SELECT * FROM articles_as_of(?) ORDER BY record_id", S1) == before
    # the next crawl compares with S1, the last complete snapshot (validators included)
    w3 = ArchiveWriter(root, snapshot_id=S3)
    prev = w3.previous
    assert set(prev) == {"a000000000000001", "a000000000000002", "d000000000000001"}
    assert prev["a000000000000001"].version == 1 and not prev["a000000000000002"].removed
    assert prev["a000000000000001"].etag == '"1"'
    w3.close(mark_removed=False)


def test_remove_needs_a_live_unseen_record(tmp_path):
    root = tmp_path / "a"
    crawl(root, S1, [article(1), article(2)])
    with ArchiveWriter(root, snapshot_id=S2) as w:
        w.add_record("articles", article(1))
        assert w.remove("a000000000000001") is False  # seen in this snapshot
        assert w.remove("nope") is False
        assert w.remove("a000000000000002") is True
        assert w.remove("a000000000000002") is False  # once
        w.close(mark_removed=False)
    assert w.snapshot["records_removed"] == 1
    assert [r[0] for r in q(root, "SELECT record_id FROM articles_latest")] == ["a000000000000001"]


def test_previous_carries_the_listings_of_the_latest_complete_snapshot_that_listed_the_record(tmp_path):
    root = tmp_path / "a"
    with ArchiveWriter(root, snapshot_id=S1) as w:
        w.add_record("articles", article(1))
        for key in ("https://h/list-b", "https://h/list-a"):
            w.add("listings", {"listing": key, "record_id": "a000000000000001", "seen_at": T0})
    with ArchiveWriter(root, snapshot_id=S2) as w:  # seen, but not listed: the older listings stand
        w.add_record("articles", article(1))
    with ArchiveWriter(root, snapshot_id=S3) as w:
        w.add_record("articles", article(1))
        w.add("listings", {"listing": "https://h/home", "record_id": "a000000000000001", "seen_at": T0})
        w.close("partial")  # not trusted: its listings do not count
    w4 = ArchiveWriter(root, snapshot_id=S4)
    assert w4.previous["a000000000000001"].listings == ("https://h/list-a", "https://h/list-b")
    w4.close(mark_removed=False)
