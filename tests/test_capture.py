"""Archive-grade capture of a crawl: WARC links from every row, CDXJ, WACZ, verify, reextract."""
from __future__ import annotations

import json
import shutil
import zipfile

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.warc.reader import read_record
from tests.conftest import RECORD_TABLES, read_rows, run_cli



def test_every_row_points_to_its_exact_bytes(crawled):
    archive, _ = crawled
    checked = 0
    for table in (*RECORD_TABLES, "pages"):
        for row in read_rows(archive, table):
            assert row["warc_file"] and row["warc_record_id"], (table, row["url"])
            record = read_record(archive, row["warc_file"], row["warc_offset"], row["warc_length"])
            assert record.record_id == row["warc_record_id"]
            if row.get("status", row.get("http_status")) == 200:
                import hashlib
                assert hashlib.sha256(record.body).hexdigest() == row["content_sha256"], row["url"]
            checked += 1
    assert checked > 1000


def test_warc_files_are_valid_and_indexed(crawled):
    archive, _ = crawled
    files = sorted((archive / "warc").rglob("*.warc.gz"))
    assert files and not list((archive / "warc").rglob("*.open"))
    types = set()
    for path in files:
        with path.open("rb") as fh:
            records = list(ArchiveIterator(fh))
        assert records[0].rec_type == "warcinfo"
        types |= {r.rec_type for r in records}
    assert {"warcinfo", "request", "response"} <= types
    cdxj = list((archive / "indexes").glob("*.cdxj"))
    assert cdxj
    lines = cdxj[0].read_text().splitlines()
    assert lines == sorted(lines) and len(lines) >= len(read_rows(archive, "pages"))


def test_package_wacz(crawled, tmp_path):
    archive, _ = crawled
    out = tmp_path / "snap.wacz"
    run_cli("package", "--archive", str(archive), "--wacz", "-o", str(out))
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert {"datapackage.json", "indexes/index.cdx.gz", "pages/pages.jsonl"} <= names
        assert any(n.startswith("archive/") and n.endswith(".warc.gz") for n in names)
        package = json.loads(z.read("datapackage.json"))
        assert package["wacz_version"] == "1.1.1"


@pytest.fixture()
def archive_copy(crawled, tmp_path):
    copy = tmp_path / "archive"
    shutil.copytree(crawled[0], copy)
    return copy


def test_verify_passes_then_names_a_flipped_byte_in_media_and_parquet(archive_copy):
    assert run_cli("verify", "--archive", str(archive_copy)).returncode == 0
    media = next(p for p in (archive_copy / "media").rglob("*") if p.is_file() and len(p.name) == 64)
    parquet = next((archive_copy / "articles").glob("*.parquet"))
    for path in (media, parquet):
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    proc = run_cli("verify", "--archive", str(archive_copy), check=False)
    assert proc.returncode != 0
    assert media.name in proc.stdout and parquet.name in proc.stdout


def test_reextract_rebuilds_from_warc_without_network(archive_copy):
    before = len(read_rows(archive_copy, "snapshots"))
    proc = run_cli("reextract", "--archive", str(archive_copy))
    snapshots = sorted(read_rows(archive_copy, "snapshots"), key=lambda r: r["snapshot_id"])
    assert len(snapshots) == before + 1
    last = snapshots[-1]
    total = sum(len(read_rows(archive_copy, t)) for t in RECORD_TABLES)
    # same extractor, same bytes: every record is re-derived identically
    assert (last["records_new"], last["records_changed"]) == (0, 0), proc.stdout
    assert last["records_unchanged"] == total


def test_revisits_written_beside_the_warc_thread_leave_every_record_whole(tmp_path, monkeypatch):
    """A 304's revisit is written in the event loop whenever the WARC file is free, and handed to the WARC
    thread while the thread writes: never two writers in the file at once. Every record parses whole with its
    digests, and every pointer names its own record."""
    import datetime as dt
    import os
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import sys
    import twisted.internet
    from types import SimpleNamespace

    from archive.warc import WarcWriter
    from pipelines.capture import Capture

    # no reactor runs (or is installed: Scrapy's get_crawler in a later test of this process would take it)
    # here: what the thread hands back is called on the thread
    monkeypatch.delattr(twisted.internet, "reactor", raising=False)
    monkeypatch.setitem(sys.modules, "twisted.internet.reactor", SimpleNamespace(callFromThread=lambda fn, *a: fn(*a)))
    capture = Capture.__new__(Capture)  # the WARC hand-over alone, no crawl
    capture.failed, capture._direct_ok = None, True
    capture._warc_lock, capture._warc_thread = threading.Lock(), ThreadPoolExecutor(1)
    date = dt.datetime(2024, 1, 31, tzinfo=dt.timezone.utc)
    headers = [("Host", "x.test"), ("Accept", "*/*")]
    written: dict[str, tuple] = {}
    with WarcWriter(tmp_path, "20240131T000000Z-3fa9c1") as warc:
        # the thread is writing (its lock held): a revisit waits for it, then is written on the thread
        busy, release = threading.Event(), threading.Event()
        held = capture.write_warc(lambda: (busy.set(), release.wait(10)))
        busy.wait(10)
        queued = capture.write_warc(warc.write_revisit, small=True, url="http://x.test/held", date=date,
                                    request_headers=headers)
        queued.addCallback(lambda p: written.setdefault("http://x.test/held", ("revisit", p)))
        assert "http://x.test/held" not in written
        release.set()
        # pages of 100 kB to compress on the thread, revisits between them
        for i in range(30):
            url = f"http://x.test/page/{i}"
            capture.write_warc(warc.write_exchange, url=url, method="GET", request_headers=headers, request_body=b"",
                               status=200, reason="OK", response_headers=[("Content-Type", "text/html")],
                               body=os.urandom(100_000), date=date
                               ).addCallback(lambda p, u=url: written.setdefault(u, ("response", p)))
            for j in range(3):
                url = f"http://x.test/record/{i}/{j}"
                capture.write_warc(warc.write_revisit, small=True, url=url, date=date, request_headers=headers
                                   ).addCallback(lambda p, u=url: written.setdefault(u, ("revisit", p)))
        capture._warc_thread.shutdown(wait=True)
        held.addErrback(lambda f: pytest.fail(str(f)))
    assert len(written) == 1 + 30 * 4
    for url, (kind, p) in written.items():
        record = read_record(tmp_path, p.warc_file, p.warc_offset, p.warc_length)
        assert (record.url, record.record_type) == (url, kind)
    types = []
    for path in (tmp_path / "warc").rglob("*.warc.gz"):
        with open(path, "rb") as fh:
            types += [r.rec_type for r in ArchiveIterator(fh, check_digests="raise")]
    assert types.count("revisit") == 91 and types.count("response") == 30 and types.count("request") == 121
