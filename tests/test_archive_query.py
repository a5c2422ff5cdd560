"""archive.query (DuckDB views, sample rows) and archive.summary."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import duckdb
import pytest

from archive import ArchiveFormatError, ArchiveWriter, connect, format_summary, sample_rows, summarize
from archive.query import duckdb_type
from archive.schema import RECORD_TABLES, TABLES

T0 = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def article(i, published, **extra):
    row = {
        "article_id": f"{i:016x}",
        "url": f"https://h/wps/portal/hoangmai/a{i}",
        "urls_seen": [],
        "title": f"Tin {i}",
        "published_at": published,
        "author": "Lê Thị B",
        "section": "Văn hóa - Xã hội",
        "fetched_at": T0,
    }
    row.update(extra)
    return row


def page(i, status=200):
    return {"url": f"https://h/p{i}", "status": status, "fetched_at": T0, "page_type": "other"}


def error(reason, status=None, url="https://h/e"):
    return {"url": url, "reason": reason, "http_status": status, "failed_at": T0,
            "exception": None if status else "TimeoutError: timed out", "attempts": 3}


@pytest.fixture
def archive_root(tmp_path):
    root = tmp_path / "archive"
    with ArchiveWriter(root, snapshot_id="20240501T000000Z-aaaaaa") as w:
        w.add("articles", article(1, "2021-01-01T08:00:00+07:00"))
        w.add("pages", page(1))
    with ArchiveWriter(root, snapshot_id="20240502T000000Z-bbbbbb") as w:
        w.add("articles", article(2, "2022-06-01T08:00:00+07:00"))
        w.add("articles", article(3, "2023-03-05T21:30:00+07:00"))
        w.add("articles", article(4, None))
        w.add("articles", article(1, "2021-01-01T08:00:00+07:00", title="Tin 1 (sửa)"))  # re-captured
        for i in range(5):
            w.add("pages", page(i))
        w.add("errors", error("http_404", 404))
        w.add("errors", error("http_404", 404, url="https://h/e2"))
        w.add("errors", error("http_404", 404))  # the same failure again: kept once per snapshot
        w.add("errors", error("timeout"))
        w.add("url_aliases", {"article_id": f"{2:016x}", "url": "https://h/x", "seen_at": T0})
    return root


def test_connect_creates_one_view_per_table(archive_root):
    con = connect(archive_root)
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert views == set(TABLES) | {f"{t}_latest" for t in RECORD_TABLES} | {"taken_down"}
    macros = {r[0] for r in con.execute("SELECT function_name FROM duckdb_functions() WHERE function_type = 'table_macro'").fetchall()}
    assert {f"{t}_as_of" for t in RECORD_TABLES} <= macros
    assert con.execute("SELECT count(*) FROM articles").fetchall()[0][0] == 5  # article 1 changed: 2 versions
    assert con.execute("SELECT count(*) FROM articles_latest").fetchall()[0][0] == 4
    assert con.execute("SELECT count(*) FROM snapshots").fetchall()[0][0] == 2
    assert con.execute("SELECT count(DISTINCT snapshot_id) FROM pages").fetchall()[0][0] == 2
    con.close()


def test_views_see_parts_written_after_connect(tmp_path):
    root = tmp_path / "a"
    w = ArchiveWriter(root, snapshot_id="S1", batch_rows=1)
    w.add("pages", page(1))
    con = connect(root)
    assert con.execute("SELECT count(*) FROM pages").fetchall()[0][0] == 1
    w.add("pages", page(2))
    assert con.execute("SELECT count(*) FROM pages").fetchall()[0][0] == 2
    w.close()


def test_empty_tables_get_typed_empty_views(tmp_path):
    root = tmp_path / "a"
    ArchiveWriter(root).close()  # only a snapshots row
    con = connect(root)
    assert con.execute("SELECT count(*) FROM articles").fetchall()[0][0] == 0
    cols = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'articles'").fetchall())
    assert list(cols) == TABLES["articles"].names
    assert cols["published_at"] == "TIMESTAMP WITH TIME ZONE"
    assert cols["http_status"] == "SMALLINT"
    assert cols["images"] == duckdb_type(TABLES["articles"].field("images").type)
    # typed view and file-backed view have the same columns and types
    con.execute("SELECT * FROM articles UNION ALL BY NAME SELECT * FROM articles").fetchall()


def test_connect_is_read_only_by_default(archive_root, tmp_path):
    con = connect(archive_root)
    with pytest.raises(duckdb.Error):
        con.execute(f"COPY (SELECT 1) TO '{tmp_path}/out.csv'")
    with pytest.raises(duckdb.Error):
        con.execute("SELECT * FROM read_csv('/etc/hostname')")
    con.close()
    rw = connect(archive_root, read_only=False)
    rw.execute(f"COPY (SELECT count(*) FROM articles) TO '{tmp_path}/out.csv'")
    assert (tmp_path / "out.csv").exists()


def test_connect_refuses_foreign_archive(tmp_path):
    (tmp_path / "_archive.json").write_text(json.dumps({"format": "portal-archive", "schema_version": 7}))
    with pytest.raises(ArchiveFormatError):
        connect(tmp_path)
    with pytest.raises(FileNotFoundError):
        connect(tmp_path / "missing")


def test_sample_rows_newest_first(archive_root):
    rows = sample_rows(archive_root, n=3)
    assert [r["article_id"] for r in rows] == [f"{3:016x}", f"{2:016x}", f"{1:016x}"]
    assert set(rows[0]) == {"article_id", "title", "published_at", "author", "section", "url"}
    assert rows[0]["published_at"] == dt.datetime(2023, 3, 5, 21, 30, tzinfo=HCM)
    assert rows[0]["published_at"].utcoffset() == dt.timedelta(hours=7)
    assert rows[2]["title"] == "Tin 1 (sửa)"  # latest capture of a re-crawled article
    assert len(sample_rows(archive_root, n=10)) == 4  # distinct articles, undated last


def test_summary_of_latest_snapshot(archive_root):
    d = summarize(archive_root)
    assert d["snapshot_id"] == "20240502T000000Z-bbbbbb"
    assert d["status"] == "complete"
    assert (d["pages"], d["articles"], d["errors"], d["url_aliases"]) == (5, 4, 3, 1)
    assert (d["records_new"], d["records_changed"], d["records_unchanged"], d["records_removed"]) == (3, 1, 0, 0)
    assert d["records"]["articles"] == {"rows": 4, "new": 3, "changed": 1, "unchanged": 0, "removed": 0}
    assert d["records"]["documents"]["rows"] == 0 and d["not_modified"] == 0 and d["resumes"] == 0
    assert d["errors_by_reason"] == {"http_404": 2, "timeout": 1}
    assert list(d["errors_by_reason"]) == ["http_404", "timeout"]
    assert d["duration_seconds"] >= 0


def test_summary_of_a_given_snapshot(archive_root):
    d = summarize(archive_root, "20240501T000000Z-aaaaaa")
    assert (d["pages"], d["articles"], d["errors"], d["errors_by_reason"]) == (1, 1, 0, {})
    with pytest.raises(LookupError):
        summarize(archive_root, "nope")


def test_summary_of_unfinished_and_empty(tmp_path):
    root = tmp_path / "a"
    w = ArchiveWriter(root, snapshot_id="S9")
    assert summarize(root)["snapshot_id"] is None
    assert "empty" in format_summary(summarize(root))
    w.add("pages", page(1))
    w.add("errors", error("dns"))
    w.flush()
    d = summarize(root)
    assert (d["snapshot_id"], d["status"], d["pages"], d["errors"], d["duration_seconds"]) == ("S9", "unfinished", 1, 1, None)
    w.close("interrupted")
    assert summarize(root)["status"] == "interrupted"


def test_format_summary(archive_root):
    text = format_summary(summarize(archive_root))
    lines = text.splitlines()
    assert lines[0].split() == ["Snapshot", "20240502T000000Z-bbbbbb"]
    assert any(line.split() == ["Pages", "5"] for line in lines)
    assert any(line.split() == ["Not", "modified", "0"] for line in lines)
    assert any(line.split() == ["Errors", "3"] for line in lines)
    assert any(line.split() == ["http_404", "2"] for line in lines)
    assert any(line.split() == ["timeout", "1"] for line in lines)
    assert any(line.split() == ["articles", "4", "rows", "new", "3", "changed", "1", "unchanged", "0", "removed", "0"]
               for line in lines)
    for table in RECORD_TABLES:
        assert sum(line.split()[:1] == [table] for line in lines) == 1, table
    assert len(lines) < 25
