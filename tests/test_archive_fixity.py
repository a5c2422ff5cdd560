"""archive.fixity (record_sha256, sha256_file) and archive.manifest (_manifest.jsonl)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from zoneinfo import ZoneInfo

import pyarrow.dataset as ds
import pytest

from archive import ArchiveWriter, RowError
from archive.fixity import CONTENT_FIELDS, canonical_json, record_sha256, sha256_file
from archive.layout import data_files
from archive.manifest import MANIFEST, forget_file, read_manifest, record_file
from archive.schema import CAPTURE_FIELDS, RECORD_TABLES, TABLES

T0 = dt.datetime(2024, 5, 1, 1, 2, 3, 456789, tzinfo=dt.timezone.utc)
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
H = "https://hoangmai.nghean.gov.vn"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def common(i: int, name: str) -> dict:
    return {
        "record_id": f"{i:016x}",
        "wcm_path": f"/hoangmai/site/{name}/{i}",
        "url": f"{H}/wps/wcm/connect/hoangmai/site/{name}/{i}",
        "urls_seen": (f"{H}/wps/wcm/connect/hoangmai/site/{name}/{i}",),  # a tuple, as a pipeline may give
        "title": f"Tiêu đề “{name}” {i}",
        "fetched_at": T0,
        "http_status": 200,
        "content_sha256": sha(f"body {i}"),
        "etag": '"abc"',
        "last_modified": "Wed, 02 Sep 2020 10:00:00 GMT",
        "warc_file": "warc/crawl-00001.warc.gz",
        "warc_offset": 12345,
        "warc_length": 678,
        "warc_record_id": "<urn:uuid:12345678-1234-5678-1234-567812345678>",
        "extractor_version": "1.0.0",
    }


IMAGES = [
    {"url": f"{H}/img/a.jpg", "caption": "Quang cảnh", "alt": None, "sha256": sha("a")},
    {"url": f"{H}/img/b.jpg", "caption": None, "alt": "ảnh"},  # no sha256 key yet
]

ROWS = {
    "articles": {
        **common(1, "tin-tuc"),
        "published_at": "2020-09-03T07:55:00+07:00",
        "published_at_raw": "03/09/2020 07:55 AM",
        "author": "Nguyễn Văn A",
        "author_role": None,
        "source": "Báo Nghệ An",
        "summary": "Tóm tắt.",
        "body_text": "Đoạn một.\n\nĐoạn hai | ô",
        "body_html": "<p>Đoạn một.</p>",
        "images": IMAGES,
        "section": "Kinh tế",
        "encoding": "utf-8",
    },
    "documents": {
        **common(2, "van-ban"),
        "number": "123/QĐ-UBND",
        "issued_on": "2020-09-02",
        "issued_on_raw": "02/09/2020",
        "effective_on": dt.date(2020, 9, 15),
        "effective_on_raw": "15/09/2020",
        "issuer": "UBND thị xã",
        "signer": "Hồ Văn B",
        "field": "Tài chính",
        "doc_type": "Quyết định",
        "summary": "Về việc ...",
        "attachments": [{"url": f"{H}/f/1.pdf", "name": "1.pdf", "sha256": sha("pdf")}, {"url": f"{H}/f/2.doc", "name": "2.doc"}],
    },
    "albums": {
        **common(3, "thu-vien-anh"),
        "published_at": dt.datetime(2020, 9, 2, 17, 0, tzinfo=dt.timezone.utc),  # = 03/09/2020 00:00 +07:00
        "published_at_raw": "03/09/2020",
        "images": IMAGES,
    },
    "videos": {
        **common(4, "video"),
        "published_at": dt.datetime(2020, 9, 3, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))),
        "published_at_raw": "03/09/2020",
        "video_url": f"{H}/v/1.mp4",
        "video_sha256": sha("mp4"),
        "thumbnail_url": f"{H}/t/1.jpg",
    },
    "schedules": {
        **common(5, "lich-lam-viec"),
        "week": "2020-W36",
        "week_start": "2020-08-31",
        "entries": [
            {"day": "Thứ hai", "date": "2020-08-31", "time": "07:30", "content": "Họp", "place": "Phòng 1", "chair": "Chủ tịch"},
            {"day": "Thứ hai", "date": dt.date(2020, 8, 31), "time": None, "content": "Tiếp dân"},
        ],
    },
    "static_pages": {
        **common(6, "gioi-thieu"),
        "body_text": "Giới thiệu chung.",
        "body_html": "<p>Giới thiệu chung.</p>",
        "images": [],
        "section": "Giới thiệu",
    },
}


def test_content_fields_exclude_capture_metadata():
    assert set(CONTENT_FIELDS) == set(RECORD_TABLES)
    for table, fields in CONTENT_FIELDS.items():
        assert not set(fields) & set(CAPTURE_FIELDS)
        assert set(fields) | set(CAPTURE_FIELDS) == set(TABLES[table].names)
        assert {"record_id", "kind", "wcm_path", "title"} <= set(fields)
    assert "images" in CONTENT_FIELDS["articles"] and "article_id" in CONTENT_FIELDS["articles"]
    assert "video_sha256" in CONTENT_FIELDS["videos"] and "attachments" in CONTENT_FIELDS["documents"]
    with pytest.raises(ValueError, match="not a record table"):
        record_sha256({}, "pages")


@pytest.mark.parametrize("table", list(RECORD_TABLES))
def test_record_sha256_round_trips_through_parquet(table, tmp_path):
    root = tmp_path / "a"
    row = ROWS[table]
    with ArchiveWriter(root) as w:
        assert w.add_record(table, row) == "new"
    stored = ds.dataset(root / table, format="parquet").to_table().to_pylist()
    assert len(stored) == 1
    back = stored[0]
    want = record_sha256(row, table)  # the pipeline's dict (kind, and article_id, filled in by the writer)
    assert want == record_sha256({**row, "kind": RECORD_TABLES[table]}, table)
    assert back["record_sha256"] == want
    assert record_sha256(back, table) == want  # the row read back with pyarrow
    assert back["kind"] == RECORD_TABLES[table] and back["version"] == 1


def test_equal_content_in_other_forms_hashes_the_same():
    a = ROWS["albums"]
    t = "albums"
    base = record_sha256(a, t)
    assert record_sha256({**a, "published_at": "2020-09-03T00:00:00+07:00"}, t) == base  # same instant
    assert record_sha256({**a, "published_at": dt.datetime(2020, 9, 3, tzinfo=HCM)}, t) == base
    same_images = [dict(i, sha256=i.get("sha256")) for i in IMAGES]
    assert record_sha256({**a, "images": tuple(same_images)}, t) == base  # missing key == None, tuple == list
    for key, value in [("url", "x"), ("urls_seen", []), ("fetched_at", T0 + dt.timedelta(days=1)), ("http_status", 203),
                       ("content_sha256", sha("other")), ("etag", None), ("warc_offset", 1), ("version", 7),
                       ("snapshot_id", "S9"), ("schema_version", 9), ("extractor_version", "2"), ("record_sha256", "x")]:
        assert record_sha256({**a, key: value}, t) == base, key
    assert record_sha256({**a, "title": a["title"] + " "}, t) != base
    other_media = [dict(IMAGES[0], sha256=sha("new bytes")), IMAGES[1]]
    assert record_sha256({**a, "images": other_media}, t) != base  # media sha256 is content
    assert record_sha256({**a, "images": None}, t) != record_sha256({**a, "images": []}, t)


def test_canonical_json_format():
    text = canonical_json({"record_id": "r", "kind": "video", "title": "Ä", "published_at": "2020-09-03T00:00:00Z"}, "videos")
    assert text == (
        '{"kind":"video","published_at":"2020-09-03T07:00:00+07:00","published_at_raw":null,"record_id":"r",'
        '"thumbnail_url":null,"title":"Ä","video_sha256":null,"video_url":null,"wcm_path":null}'
    )
    assert record_sha256({"record_id": "r", "kind": "video", "title": "Ä", "published_at": "2020-09-03T00:00:00Z"},
                         "videos") == hashlib.sha256(text.encode()).hexdigest()


def test_a_wrong_record_sha256_is_refused(tmp_path):
    with ArchiveWriter(tmp_path / "a") as w:
        with pytest.raises(RowError, match="record_sha256"):
            w.add_record("static_pages", {**ROWS["static_pages"], "record_sha256": "0" * 64})
        good = record_sha256(ROWS["static_pages"], "static_pages")
        assert w.add_record("static_pages", {**ROWS["static_pages"], "record_sha256": good}) == "new"


def test_sha256_file_streams(tmp_path):
    path = tmp_path / "big.bin"
    data = bytes(range(256)) * 9000  # > 2 MiB, several chunks
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


# -- manifest ------------------------------------------------------------------------------------------


def test_manifest_records_and_forgets(tmp_path):
    (tmp_path / "warc").mkdir()
    f = tmp_path / "warc" / "a.warc.gz"
    f.write_bytes(b"WARC/1.1\r\n")
    entry = record_file(tmp_path, f)
    assert entry["path"] == "warc/a.warc.gz" and entry["size"] == 10
    assert entry["sha256"] == hashlib.sha256(b"WARC/1.1\r\n").hexdigest()
    assert entry["written_at"].endswith("Z")
    record_file(tmp_path, "warc/a.warc.gz", sha256="f" * 64)  # relative path; given digest; latest wins
    assert read_manifest(tmp_path) == {"warc/a.warc.gz": {**entry, "sha256": "f" * 64,
                                                          "written_at": read_manifest(tmp_path)["warc/a.warc.gz"]["written_at"]}}
    forget_file(tmp_path, f)
    assert read_manifest(tmp_path) == {}
    lines = (tmp_path / MANIFEST).read_text().splitlines()
    assert json.loads(lines[-1])["deleted"] is True and len(lines) == 3
    with pytest.raises(ValueError, match="not inside the archive"):
        record_file(tmp_path, tmp_path.parent / "x")


def test_manifest_ignores_a_torn_last_line_and_heals_it(tmp_path):
    (tmp_path / "x").write_bytes(b"x")
    (tmp_path / "y").write_bytes(b"y")
    record_file(tmp_path, "x")
    with open(tmp_path / MANIFEST, "ab") as fh:  # a process killed mid-append
        fh.write(b'{"path":"y","sha256":"ab')
    assert set(read_manifest(tmp_path)) == {"x"}
    record_file(tmp_path, "y")  # the next append terminates the torn line first
    assert set(read_manifest(tmp_path)) == {"x", "y"}
    assert read_manifest(tmp_path)["y"]["sha256"] == hashlib.sha256(b"y").hexdigest()
    assert read_manifest(tmp_path / "missing") == {}


def test_every_published_parquet_file_is_in_the_manifest(tmp_path):
    root = tmp_path / "a"
    with ArchiveWriter(root, snapshot_id="S1", batch_rows=1) as w:
        for i in range(3):
            w.add_record("articles", {**ROWS["articles"], "record_id": f"{i:016x}", "article_id": None})
        w.add("pages", {"url": "u", "status": 200, "fetched_at": T0})
    manifest = read_manifest(root)
    files = {f"{t}/{p.name}": p for t in TABLES for p in data_files(root / t)}
    assert set(manifest) == set(files)
    assert "articles/part-S1-final.parquet" in manifest
    for rel, path in files.items():
        assert manifest[rel]["sha256"] == sha256_file(path) and manifest[rel]["size"] == path.stat().st_size
    entries = [json.loads(line) for line in (root / MANIFEST).read_text().splitlines()]
    deleted = {e["path"] for e in entries if e.get("deleted")}
    assert deleted == {f"articles/part-S1-{n:06d}.parquet" for n in (1, 2, 3)}  # compacted parts


def test_reopening_reconciles_a_manifest_that_missed_a_file(tmp_path):
    root = tmp_path / "a"
    w = ArchiveWriter(root, snapshot_id="S1")
    w.add("errors", {"url": "e", "reason": "dns", "failed_at": T0})
    w.flush()
    w.abort()  # the process dies with S1 unfinished...
    lines = (root / MANIFEST).read_text().splitlines()
    (root / MANIFEST).write_text("\n".join(lines[1:]) + "\n")  # ...between a rename and its manifest line
    missing = json.loads(lines[0])["path"]
    assert missing not in read_manifest(root)
    w = ArchiveWriter(root)  # resumes S1: not damage, a crash it recovers from
    assert w.snapshot_id == "S1" and w.repairs == []
    w.close()
    assert missing in read_manifest(root)


def test_an_unlisted_file_of_a_closed_snapshot_is_damage_not_reconciled(tmp_path):
    from archive.damage import ArchiveDamagedError, read_repairs

    root = tmp_path / "a"
    with ArchiveWriter(root, snapshot_id="S1") as w:
        w.add("errors", {"url": "e", "reason": "dns", "failed_at": T0})
    lines = (root / MANIFEST).read_text().splitlines()
    (root / MANIFEST).write_text("\n".join(lines[1:]) + "\n")
    missing = json.loads(lines[0])["path"]
    with pytest.raises(ArchiveDamagedError, match=f"not_in_manifest: {missing}.*--repair"):
        ArchiveWriter(root, snapshot_id="S2")
    assert missing not in read_manifest(root) and (root / missing).exists()  # nothing touched
    w = ArchiveWriter(root, snapshot_id="S2", repair=True)
    w.close()
    assert [(r["kind"], r["path"]) for r in w.repairs] == [("not_in_manifest", missing)]
    assert not (root / missing).exists() and (root / "_quarantine" / missing).exists()
    assert read_repairs(root)[0]["path"] == missing
    run = json.loads((root / "_runs" / "S2.json").read_text())
    assert run["repairs"][0]["snapshot"] == "S2"


def test_a_warc_published_just_before_a_kill_is_adopted_on_resume(tmp_path):
    import datetime as dt

    from archive.warc import WarcWriter

    root = tmp_path / "a"
    w = ArchiveWriter(root, snapshot_id="S1")
    with WarcWriter(root, "S1") as warc:
        pointer = warc.write_resource("http://x.test/", b"x", "text/plain", dt.datetime(2024, 1, 1))
    w.abort()  # killed: S1 unfinished...
    lines = (root / MANIFEST).read_text().splitlines()
    (root / MANIFEST).write_text("".join(line + "\n" for line in lines if pointer.warc_file not in line))
    w = ArchiveWriter(root)  # ...between the WARC's rename and its manifest line: not damage, adopted
    assert w.resumed and pointer.warc_file in read_manifest(root)
    w.close()
    ArchiveWriter(root, snapshot_id="S2").close()  # and the next writer finds nothing to refuse
