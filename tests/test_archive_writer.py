"""TableWriter: batching, atomic publication, no overwrite, row validation."""

from __future__ import annotations

import datetime as dt
import os

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import archive.atomic
import archive.writer
from archive.exceptions import RowError
from archive.schema import ARTICLES, PAGES
from archive.writer import TableWriter

T0 = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.timezone.utc)


def page(i: int, **extra):
    row = {
        "url": f"https://example.vn/wps/portal/hoangmai/p{i}",
        "status": 200,
        "content_type": "text/html; charset=utf-8",
        "length": 1000 + i,
        "page_type": "listing",
        "fetched_at": T0 + dt.timedelta(seconds=i),
        "snapshot_id": "S1",
    }
    row.update(extra)
    return row


def parquet_files(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".parquet"))


def test_batches_make_one_part_per_flush_each_one_row_group(tmp_path):
    w = TableWriter(tmp_path / "pages", PAGES, part_prefix="S1", batch_rows=1000)
    for i in range(2500):
        w.write(page(i))
        assert w.buffered <= 1000  # memory bounded by the batch
    assert parquet_files(tmp_path / "pages") == ["part-S1-000001.parquet", "part-S1-000002.parquet"]
    w.close()
    files = parquet_files(tmp_path / "pages")
    assert files == ["part-S1-000001.parquet", "part-S1-000002.parquet", "part-S1-000003.parquet"]
    rows = []
    for name in files:
        meta = pq.ParquetFile(tmp_path / "pages" / name).metadata
        assert meta.num_row_groups == 1
        assert meta.row_group(0).column(0).compression == "ZSTD"
        rows.append(meta.num_rows)
    assert rows == [1000, 1000, 500]
    assert w.rows_written == w.rows_accepted == 2500
    assert ds.dataset(tmp_path / "pages").count_rows() == 2500


def test_flush_with_empty_buffer_writes_nothing(tmp_path):
    w = TableWriter(tmp_path / "pages", PAGES, part_prefix="S1")
    assert w.flush() is None
    w.close()
    assert parquet_files(tmp_path / "pages") == []


def test_never_overwrites_existing_parts(tmp_path):
    folder = tmp_path / "pages"
    with TableWriter(folder, PAGES, part_prefix="S1", batch_rows=2) as w:
        for i in range(4):
            w.write(page(i))
    before = {n: (folder / n).read_bytes() for n in parquet_files(folder)}
    # A second writer with the same prefix continues the sequence.
    with TableWriter(folder, PAGES, part_prefix="S1", batch_rows=2) as w:
        w.write(page(10))
    assert parquet_files(folder) == [
        "part-S1-000001.parquet",
        "part-S1-000002.parquet",
        "part-S1-000003.parquet",
    ]
    for name, data in before.items():
        assert (folder / name).read_bytes() == data


def test_name_taken_during_write_is_skipped(tmp_path):
    folder = tmp_path / "pages"
    w = TableWriter(folder, PAGES, part_prefix="S1")
    (folder / "part-S1-000001.parquet").write_bytes(b"someone else's file")
    w.write(page(1))
    path = w.flush()
    assert path.name == "part-S1-000002.parquet"
    assert (folder / "part-S1-000001.parquet").read_bytes() == b"someone else's file"


def _temp_files(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".tmp-")]


def test_crash_inside_write_leaves_no_visible_part_and_keeps_rows(tmp_path, monkeypatch):
    folder = tmp_path / "pages"
    w = TableWriter(folder, PAGES, part_prefix="S1", batch_rows=10)
    seen_temp = []

    def crashing_write_table(table, where, **kwargs):
        seen_temp.append(str(where))
        with open(where, "wb") as fh:  # half-written file exists at the moment of the crash
            fh.write(b"PAR1 partial")
        assert _temp_files(folder), "temp file must exist when the crash happens"
        raise OSError("No space left on device")

    monkeypatch.setattr(archive.writer.pq, "write_table", crashing_write_table)
    for i in range(3):
        w.write(page(i))
    with pytest.raises(OSError, match="No space left"):
        w.flush()
    assert os.path.basename(seen_temp[0]).startswith(".tmp-")
    assert not seen_temp[0].endswith(".parquet")
    assert parquet_files(folder) == []  # nothing partial is visible
    assert _temp_files(folder) == []  # temp cleaned up
    assert w.buffered == 3  # rows kept for a retry

    monkeypatch.undo()
    path = w.flush()
    assert path.name == "part-S1-000001.parquet"
    assert pq.read_table(path).num_rows == 3


def test_crash_after_temp_complete_before_rename(tmp_path, monkeypatch):
    folder = tmp_path / "pages"
    w = TableWriter(folder, PAGES, part_prefix="S1")
    w.write(page(1))

    def no_fsync(path):
        raise OSError("I/O error")

    monkeypatch.setattr(archive.atomic, "fsync_file", no_fsync)
    with pytest.raises(OSError, match="I/O error"):
        w.flush()
    assert os.listdir(folder) == []


def test_leftover_temp_file_is_ignored_by_readers(tmp_path):
    folder = tmp_path / "pages"
    with TableWriter(folder, PAGES, part_prefix="S1") as w:
        w.write(page(1))
    # what a process killed mid-write leaves behind
    (folder / ".tmp-part-S1-000002-deadbeef.tmp").write_bytes(b"PAR1 garbage, not a parquet file")
    assert ds.dataset(folder, format="parquet").count_rows() == 1
    n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{folder}/*.parquet')").fetchall()[0][0]
    assert n == 1


# -- row validation ------------------------------------------------------------


@pytest.fixture
def pages_writer(tmp_path):
    return TableWriter(tmp_path / "pages", PAGES, part_prefix="S1")


def test_unknown_key_is_named(pages_writer):
    with pytest.raises(ValueError, match=r"pages\.colour: unknown key 'colour'"):
        pages_writer.write(page(1, colour="red"))


def test_page_type_is_an_open_list(pages_writer):
    pages_writer.write(page(1, page_type="video_list"))
    assert pages_writer.buffered == 1


def test_missing_keys_become_null(pages_writer, tmp_path):
    pages_writer.write({"url": "u", "status": 200, "fetched_at": T0, "snapshot_id": "S1"})
    pages_writer.close()
    row = ds.dataset(tmp_path / "pages").to_table().to_pylist()[0]
    assert row["content_type"] is None and row["length"] is None and row["record_id"] is None
    assert row["etag"] is None and row["warc_file"] is None and row["warc_offset"] is None


def test_missing_required_value(pages_writer):
    with pytest.raises(RowError, match=r"pages\.fetched_at: value is required"):
        pages_writer.write({"url": "u", "status": 200, "snapshot_id": "S1"})


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("status", "200", r"pages\.status: expected an integer \(int16\), got '200' \(str\)"),
        ("status", 70000, r"pages\.status: integer 70000 out of range for int16"),
        ("status", True, r"pages\.status: expected an integer"),
        ("length", 1.5, r"pages\.length: expected an integer \(int64\), got 1\.5 \(float\)"),
        ("url", b"https://x", r"pages\.url: expected a string, got b'https://x' \(bytes\)"),
        ("fetched_at", "yesterday", r"pages\.fetched_at: expected an ISO 8601 timestamp"),
        ("fetched_at", dt.datetime(2024, 1, 1), r"pages\.fetched_at: timestamp has no timezone"),
        ("fetched_at", "2024-01-01T00:00:00", r"pages\.fetched_at: timestamp has no timezone"),
        ("warc_record_id", "urn:uuid:1", r"pages\.warc_record_id: expected a WARC record id like '<urn:uuid:\.\.\.>'"),
        ("warc_file", "/etc/passwd", r"pages\.warc_file: expected a relative path inside the archive"),
        ("warc_file", "warc/../../x.warc.gz", r"pages\.warc_file: expected a relative path inside the archive"),
        ("warc_offset", "12", r"pages\.warc_offset: expected an integer \(int64\)"),
        ("content_sha256", "ABC", r"pages\.content_sha256: expected 64 lowercase hex digits"),
    ],
)
def test_wrong_types_name_table_field_and_value(pages_writer, field, value, message):
    with pytest.raises(RowError, match=message):
        pages_writer.write(page(1, **{field: value}))
    assert pages_writer.buffered == 0


def test_nested_errors_point_into_lists_and_structs(tmp_path):
    w = TableWriter(tmp_path / "articles", ARTICLES, part_prefix="S1")
    base = {
        "record_id": "a" * 16,
        "article_id": "a" * 16,
        "kind": "article",
        "record_sha256": "0" * 64,
        "version": 1,
        "url": "u",
        "urls_seen": [],
        "fetched_at": T0,
        "snapshot_id": "S1",
        "schema_version": 1,
    }
    with pytest.raises(RowError, match=r"articles\.images\[1\]\.caption: expected a string, got 5 \(int\)"):
        w.write({**base, "images": [{"url": "a"}, {"url": "b", "caption": 5}]})
    with pytest.raises(RowError, match=r"articles\.images\[0\]: unknown key 'width'"):
        w.write({**base, "images": [{"url": "a", "width": 3}]})
    with pytest.raises(RowError, match=r"articles\.urls_seen\[0\]: list elements may not be null"):
        w.write({**base, "urls_seen": [None]})
    with pytest.raises(RowError, match=r"articles\.urls_seen: expected a list, got 'u' \(str\)"):
        w.write({**base, "urls_seen": "u"})
    with pytest.raises(RowError, match=r"articles\.images\[0\]\.sha256: expected 64 lowercase hex digits"):
        w.write({**base, "images": [{"url": "a", "sha256": "ABC"}]})
    with pytest.raises(RowError, match=r"articles\.kind: 'document' is not one of article"):
        w.write({**base, "kind": "document"})


def test_row_error_is_a_value_error(pages_writer):
    with pytest.raises(ValueError):
        pages_writer.write(page(1, status="x"))


def test_iso_strings_and_aware_datetimes_are_accepted(pages_writer, tmp_path):
    pages_writer.write(page(1, fetched_at="2024-05-01T15:00:00+07:00"))
    pages_writer.write(page(2, fetched_at="2024-05-01T08:00:00Z"))
    pages_writer.close()
    values = ds.dataset(tmp_path / "pages").to_table().column("fetched_at").to_pylist()
    assert values[0] == values[1] == T0


def test_dates_and_nested_dates(tmp_path):
    from archive.schema import DOCUMENTS, SCHEDULES

    w = TableWriter(tmp_path / "schedules", SCHEDULES, part_prefix="S1")
    base = {"record_id": "b" * 16, "kind": "schedule", "url": "u", "urls_seen": ["u"], "fetched_at": T0,
            "snapshot_id": "S1", "schema_version": 2, "record_sha256": "0" * 64, "version": 1}
    w.write({**base, "week_start": "2020-08-31",
             "entries": [{"day": "Thứ hai", "date": dt.date(2020, 8, 31), "time": "07:30"}]})
    with pytest.raises(RowError, match=r"schedules\.entries\[0\]\.date: expected an ISO date YYYY-MM-DD"):
        w.write({**base, "entries": [{"date": "31/08/2020"}]})
    with pytest.raises(RowError, match=r"schedules\.week_start: expected a date \(not a datetime\)"):
        w.write({**base, "week_start": T0})
    w.close()
    row = ds.dataset(tmp_path / "schedules").to_table().to_pylist()[0]
    assert row["week_start"] == dt.date(2020, 8, 31)
    assert row["entries"][0]["date"] == dt.date(2020, 8, 31) and row["entries"][0]["place"] is None
    d = TableWriter(tmp_path / "documents", DOCUMENTS, part_prefix="S1")
    with pytest.raises(RowError, match=r"documents\.issued_on: expected an ISO date"):
        d.write({**base, "kind": "document", "issued_on": "2020-9-2"})
