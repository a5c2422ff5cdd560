"""ArchiveWriter: round trips, folder validation, snapshot lifecycle."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from archive import ArchiveError, ArchiveFormatError, ArchiveWriter, RowError
from archive.layout import new_snapshot_id
from archive.schema import ARTICLES, SCHEMA_VERSION, TABLES

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = dt.datetime(2024, 5, 1, 1, 2, 3, 456789, tzinfo=dt.timezone.utc)
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
BASE = "https://hoangmai.hanoi.gov.vn"


def article(i: int = 0, **extra):
    name = f"bai-viet-{i}"
    row = {
        "article_id": f"{i:016x}",
        "wcm_path": f"/hoangmai/site/tin-tuc-su-kien/kinh-te/{name}",
        "url": f"{BASE}/wps/wcm/connect/hoangmai/site/tin-tuc-su-kien/kinh-te/{name}",
        "urls_seen": [f"{BASE}/wps/wcm/connect/hoangmai/site/tin-tuc-su-kien/kinh-te/{name}"],
        "title": f"Quận Hoàng Mai tổ chức hội nghị {i}",
        "published_at": "2020-09-03T07:55:00+07:00",
        "published_at_raw": "03/09/2020 07:55 AM",
        "author": "Nguyễn Văn A",
        "author_role": "Phòng Văn hóa",
        "source": "Báo Hà Nội Mới",
        "summary": "Sáng 3/9, UBND quận đã tổ chức hội nghị.",
        "body_text": "Đoạn một.\n\nĐoạn hai | ô bảng",
        "body_html": "<p>Đoạn một.</p><p>Đoạn hai</p>",
        "images": [
            {"url": f"{BASE}/img/{i}.jpg", "caption": "Quang cảnh hội nghị", "alt": None},
            {"url": f"{BASE}/img/{i}b.jpg", "caption": None, "alt": "ảnh"},
        ],
        "section": "Kinh tế",
        "encoding": "utf-8",
        "fetched_at": T0 + dt.timedelta(seconds=i),
        "http_status": 200,
        "content_sha256": SHA,
        "extractor_version": "1.0.0",
    }
    row.update(extra)
    return row


def test_round_trip_with_pyarrow_dataset_and_duckdb(tmp_path):
    root = tmp_path / "archive"
    with ArchiveWriter(root, seeds=[f"{BASE}/wps/portal/hoangmai"], software_version="0.1.0") as w:
        for i in range(3):
            w.add("articles", article(i))
        w.add("pages", {"url": "u", "status": 200, "page_type": "article", "article_id": f"{0:016x}",
                        "fetched_at": T0, "length": 10, "content_sha256": SHA})
        w.add("errors", {"url": "v", "reason": "http_404", "http_status": 404, "attempts": 1, "failed_at": T0})
        w.add("url_aliases", {"article_id": f"{0:016x}", "url": f"{BASE}/x", "seen_at": T0})
        sid = w.snapshot_id

    expected = {r["article_id"]: r for r in (article(i) for i in range(3))}
    table = ds.dataset(root / "articles", format="parquet").to_table()
    assert table.schema.equals(ARTICLES, check_metadata=False)
    assert table.num_rows == 3
    for got in table.to_pylist():
        want = expected[got["article_id"]]
        for key in ("wcm_path", "title", "published_at_raw", "author", "author_role", "source", "summary",
                    "body_text", "body_html", "section", "encoding", "http_status", "content_sha256",
                    "extractor_version"):
            assert got[key] == want[key], key
        assert got["images"] == [{**i, "sha256": None} for i in want["images"]]
        assert got["record_id"] == got["article_id"] and got["kind"] == "article" and got["version"] == 1
        assert got["fetched_at"] == want["fetched_at"]
        assert got["published_at"] == dt.datetime(2020, 9, 3, 7, 55, tzinfo=HCM)
        assert got["snapshot_id"] == sid
        assert got["schema_version"] == SCHEMA_VERSION

    con = duckdb.connect()
    rows = con.execute(
        f"SELECT article_id, title, images, http_status, snapshot_id FROM read_parquet('{root}/articles/*.parquet') "
        "ORDER BY article_id"
    ).fetchall()
    assert [r[0] for r in rows] == sorted(expected)
    assert rows[0][1] == "Quận Hoàng Mai tổ chức hội nghị 0"
    assert rows[0][2][0] == {"url": f"{BASE}/img/0.jpg", "caption": "Quang cảnh hội nghị", "alt": None, "sha256": None}
    assert rows[0][3] == 200 and rows[0][4] == sid
    for table_name, n in (("pages", 1), ("errors", 1), ("url_aliases", 1), ("snapshots", 1)):
        count = con.execute(f"SELECT count(*) FROM read_parquet('{root}/{table_name}/*.parquet')").fetchall()[0][0]
        assert count == n, table_name
        assert ds.dataset(root / table_name).schema.equals(TABLES[table_name], check_metadata=False)


def test_field_descriptions_travel_with_the_files(tmp_path):
    root = tmp_path / "a"
    with ArchiveWriter(root) as w:
        w.add("articles", article())
    schema = pq.read_schema(next((root / "articles").glob("*.parquet")))
    assert schema.field("content_sha256").metadata[b"description"].startswith(b"sha256")
    assert schema.metadata[b"portal_archive.schema_version"] == str(SCHEMA_VERSION).encode()


def test_nfc_strings_are_preserved_byte_for_byte(tmp_path):
    root = tmp_path / "a"
    nfc = unicodedata.normalize("NFC", "Phường Hoàng Văn Thụ: Nguồn: Cổng TTĐT — “trích dẫn”")
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    with ArchiveWriter(root) as w:
        w.add("articles", article(1, title=nfc, summary=nfd))
    row = ds.dataset(root / "articles").to_table().to_pylist()[0]
    assert row["title"] == nfc and row["title"].encode() == nfc.encode()
    assert unicodedata.is_normalized("NFC", row["title"])
    assert row["summary"] == nfd  # the archive never re-normalises
    title = duckdb.sql(f"SELECT title FROM read_parquet('{root}/articles/*.parquet')").fetchall()[0][0]
    assert title == nfc


def test_published_at_keeps_instant_and_timezone(tmp_path):
    root = tmp_path / "a"
    with ArchiveWriter(root) as w:
        w.add("articles", article(1, published_at="2020-09-03T07:55:00+07:00"))
        w.add("articles", article(2, published_at=dt.datetime(2020, 9, 3, 0, 55, tzinfo=dt.timezone.utc)))
        w.add("articles", article(3, published_at=None))
    table = ds.dataset(root / "articles").to_table().sort_by("article_id")
    assert table.schema.field("published_at").type == pa.timestamp("us", tz="Asia/Ho_Chi_Minh")
    one, two, three = table.column("published_at").to_pylist()
    assert one == two == dt.datetime(2020, 9, 3, 0, 55, tzinfo=dt.timezone.utc)  # same instant
    assert one.isoformat() == "2020-09-03T07:55:00+07:00"  # shown in Vietnam time
    assert three is None
    assert table.schema.field("fetched_at").type == pa.timestamp("us", tz="UTC")
    assert table.column("fetched_at").to_pylist()[0] == T0 + dt.timedelta(seconds=1)  # microseconds kept


def test_batching_before_compaction(tmp_path):
    root = tmp_path / "a"
    w = ArchiveWriter(root, snapshot_id="S1", batch_rows=1000)
    for i in range(2500):
        w.add("articles", article(i, body_html=None, body_text=None))
    w.flush()
    parts = sorted((root / "articles").glob("*.parquet"))
    assert [p.name for p in parts] == [f"part-S1-{n:06d}.parquet" for n in (1, 2, 3)]
    assert [pq.ParquetFile(p).metadata.num_row_groups for p in parts] == [1, 1, 1]
    assert [pq.ParquetFile(p).metadata.num_rows for p in parts] == [1000, 1000, 500]
    assert w.stats["articles"] == 2500
    w.close()
    assert [p.name for p in (root / "articles").glob("*.parquet")] == ["part-S1-final.parquet"]
    assert pq.ParquetFile(root / "articles" / "part-S1-final.parquet").metadata.num_rows == 2500


def test_stats_and_snapshot_row(tmp_path):
    root = tmp_path / "a"
    w = ArchiveWriter(root, seeds=["s1", "s2"], settings={"DOWNLOAD_DELAY": 1.5, "x": "Hà Nội"},
                      software_version="9.9")
    w.add("articles", article(1))
    w.add("articles", article(2))
    for i in range(3):
        w.add("pages", {"url": f"p{i}", "status": 200, "fetched_at": T0})
    w.add("errors", {"url": "e", "reason": "timeout", "failed_at": T0})
    assert {t: n for t, n in w.stats.items() if n} == {"articles": 2, "pages": 3, "errors": 1, "changes": 2}
    row = w.close()
    assert row["status"] == "complete"
    stored = ds.dataset(root / "snapshots").to_table().to_pylist()
    assert len(stored) == 1
    s = stored[0]
    assert s["snapshot_id"] == w.snapshot_id
    assert (s["pages_fetched"], s["records_new"], s["errors"]) == (3, 2, 1)
    assert (s["not_modified"], s["records_changed"], s["records_unchanged"], s["records_removed"], s["resumes"]) == (
        0, 0, 0, 0, 0)
    assert s["seeds"] == ["s1", "s2"] and s["software_version"] == "9.9"
    assert json.loads(s["settings"]) == {"DOWNLOAD_DELAY": 1.5, "x": "Hà Nội"}
    assert s["started_at"] <= s["finished_at"]
    assert w.close() == row  # idempotent
    with pytest.raises(ArchiveError):
        w.add("pages", {"url": "p", "status": 200, "fetched_at": T0})


def test_exception_in_with_block_closes_as_interrupted(tmp_path):
    root = tmp_path / "a"
    with pytest.raises(KeyboardInterrupt):
        with ArchiveWriter(root) as w:
            w.add("articles", article(1))
            raise KeyboardInterrupt
    s = ds.dataset(root / "snapshots").to_table().to_pylist()[0]
    assert s["status"] == "interrupted" and s["records_new"] == 1
    assert ds.dataset(root / "articles").count_rows() == 1


def test_snapshot_ids_are_sortable_utc_timestamps(tmp_path):
    sid = ArchiveWriter(tmp_path / "a").snapshot_id
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{6}", sid)
    early = new_snapshot_id(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    late = new_snapshot_id(dt.datetime(2024, 1, 2, 3, 4, 6, tzinfo=dt.timezone.utc))
    assert early.startswith("20240102T030405.000000Z-") and early < late
    # opened within the same instant (or with the clock stepped back): still sorts after the latest
    again = new_snapshot_id(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc), after=late)
    assert again > late and again.startswith("20240102T030406.000001Z-")
    with pytest.raises(ValueError, match="invalid snapshot id"):
        ArchiveWriter(tmp_path / "b", snapshot_id="../evil")


def test_marker_is_written_and_archive_can_be_reopened(tmp_path):
    root = tmp_path / "a"
    ArchiveWriter(root, snapshot_id="S1").close()
    assert json.loads((root / "_archive.json").read_text()) == {"format": "portal-archive", "schema_version": 2}
    with ArchiveWriter(root, snapshot_id="S2") as w:
        w.add("articles", article(1))
    assert ds.dataset(root / "snapshots").count_rows() == 2


def test_refuses_a_non_archive_non_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("my thesis")
    with pytest.raises(ArchiveFormatError, match="not empty and has no _archive.json"):
        ArchiveWriter(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_accepts_an_existing_empty_folder(tmp_path):
    ArchiveWriter(tmp_path).close()
    assert (tmp_path / "_archive.json").exists()


@pytest.mark.parametrize(
    "marker, message",
    [
        ({"format": "portal-archive", "schema_version": 1}, "schema_version 1"),
        ({"format": "portal-archive", "schema_version": 3}, "schema_version 3"),
        ({"format": "something-else", "schema_version": 1}, "not a portal-archive marker"),
    ],
)
def test_refuses_another_schema_version_or_format(tmp_path, marker, message):
    (tmp_path / "_archive.json").write_text(json.dumps(marker))
    with pytest.raises(ArchiveFormatError, match=message):
        ArchiveWriter(tmp_path)


def test_refuses_reopening_a_closed_snapshot(tmp_path):
    ArchiveWriter(tmp_path / "a", snapshot_id="S1").close()
    with pytest.raises(ArchiveError, match="already closed"):
        ArchiveWriter(tmp_path / "a", snapshot_id="S1")


def test_add_fills_snapshot_and_version_and_rejects_conflicts(tmp_path):
    w = ArchiveWriter(tmp_path / "a", snapshot_id="S1")
    w.add("articles", article(1, snapshot_id="S1", schema_version=SCHEMA_VERSION))
    with pytest.raises(ValueError, match="snapshot_id"):
        w.add("articles", article(2, snapshot_id="OTHER"))
    with pytest.raises(ValueError, match="schema_version"):
        w.add("articles", article(3, schema_version=99))
    with pytest.raises(ValueError, match="unknown table 'comments'"):
        w.add("comments", {})
    with pytest.raises(ValueError, match="written by the writer itself"):
        w.add("snapshots", {})
    with pytest.raises(RowError, match=r"articles\.http_status: expected an integer \(int16\), got 'OK' \(str\)"):
        w.add("articles", article(4, http_status="OK"))
    assert w.stats["articles"] == 1
    with pytest.raises(ValueError, match="status must be one of"):
        w.close("done")
    w.close()


def test_reading_tolerates_a_newer_additive_column_layout(tmp_path):
    """Old parts lack a column added later: union_by_name / explicit schema read it as null."""
    root = tmp_path / "a"
    with ArchiveWriter(root, snapshot_id="S1") as w:
        w.add("errors", {"url": "e", "reason": "dns", "failed_at": T0})
    old = pq.read_table(next((root / "errors").glob("*.parquet"))).drop_columns(["referer"])
    pq.write_table(old, root / "errors" / "part-S0-000001.parquet")
    got = ds.dataset(root / "errors", schema=TABLES["errors"]).to_table()
    assert got.num_rows == 2 and got.column("referer").null_count == 2
    n = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{root}/errors/*.parquet', union_by_name = true) WHERE referer IS NULL"
    ).fetchall()[0][0]
    assert n == 2


def test_temp_files_of_a_killed_writer_are_removed_everywhere(tmp_path):
    root = tmp_path / "a"
    ArchiveWriter(root).close()
    leftovers = [root / "media" / "sha256" / "ab" / "cd" / ".tmp-abcd-1234.tmp", root / "indexes" / ".tmp-x-1.tmp",
                 root / "articles" / ".tmp-part-1.tmp"]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a file")
    ArchiveWriter(root).close()  # holds the lock: whatever temp files exist belong to dead writers
    assert [p for p in leftovers if p.exists()] == []
