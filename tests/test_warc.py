"""WARC storage: round trip by pointer, digests, rotation, crash recovery, CDXJ, WACZ."""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

ROOT = Path(__file__).resolve().parent.parent
SNAP = "20240131T235959Z-3fa9c1"
T0 = dt.datetime(2024, 1, 31, 23, 59, 59, 123456, tzinfo=dt.timezone.utc)


# -- helpers ----------------------------------------------------------------------------------------
REQ_HEADERS = [("Host", "portal.example.gov.vn"), ("User-Agent", "portal-archive/0.1"), ("Accept", "*/*")]


def exchange(writer, url, body=b"", *, status=200, reason="OK", headers=None, date=T0, **kw):
    headers = headers if headers is not None else [("Content-Type", "text/html; charset=utf-8")]
    return writer.write_exchange(
        url=url, method=kw.pop("method", "GET"), request_headers=kw.pop("request_headers", REQ_HEADERS),
        request_body=kw.pop("request_body", b""), status=status, reason=reason, response_headers=headers,
        body=body, ip=kw.pop("ip", "10.0.0.7"), date=date, **kw,
    )


def records_of(path: Path):
    """[(record type, rec_headers, http_headers, raw payload, digest-checker)] of one WARC file."""
    out = []
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh, check_digests=True):
            payload = rec.raw_stream.read()
            out.append((rec.rec_type, rec.rec_headers, rec.http_headers, payload, rec.digest_checker))
    return out


def manifest_entries(root):
    from archive import manifest

    return manifest.read_manifest(root)


# -- round trip -----------------------------------------------------------------------------------
def test_round_trip_redirect_page_and_revisit(tmp_path):
    from archive.warc import WarcWriter, read_pointer, read_record

    html = "<html><head><title>Tin tức – Hoàng Mai</title></head><body>xin chào</body></html>".encode()
    gz_body = gzip.compress(html)
    with WarcWriter(tmp_path, SNAP, software="portal-archive/0.1", settings={"depth": 3}) as w:
        hop = exchange(w, "http://portal.example.gov.vn/wps/portal/hoangmai", b"",
                       status=302, reason="Found",
                       headers=[("Location", "http://portal.example.gov.vn/wps/portal/hoangmai/!ut/p/c5/x/"),
                                ("Content-Length", "0")])
        page = exchange(w, "http://portal.example.gov.vn/wps/portal/hoangmai/!ut/p/c5/x/", gz_body,
                        headers=[("Content-Type", "text/html; charset=UTF-8"), ("Content-Encoding", "gzip"),
                                 ("Transfer-Encoding", "chunked"), ("X-Raw", b"caf\xe9")],
                        date=T0 + dt.timedelta(seconds=1))
        # open file: the pointer names the final file, reading resolves the .open one
        assert page.warc_file.endswith(".warc.gz")
        assert (tmp_path / (page.warc_file + ".open")).exists() and not (tmp_path / page.warc_file).exists()
        assert read_record(tmp_path, page.warc_file, page.warc_offset, page.warc_length).body == gz_body
        revisit = w.write_revisit(
            url="http://portal.example.gov.vn/wps/portal/hoangmai/!ut/p/c5/x/",
            request_headers=REQ_HEADERS + [("If-None-Match", '"v1"')],
            response_headers=[("ETag", '"v1"')], date=T0 + dt.timedelta(days=1),
            refers_to_uri="http://portal.example.gov.vn/wps/portal/hoangmai/!ut/p/c5/x/",
            refers_to_date=T0 + dt.timedelta(seconds=1), refers_to_record_id=page.warc_record_id,
        )
    assert hop.warc_file == page.warc_file == revisit.warc_file
    assert hop.warc_file == f"warc/{SNAP}/portal-archive-{SNAP}-00001.warc.gz"
    assert (tmp_path / hop.warc_file).is_file() and not list(tmp_path.rglob("*.open"))

    r = read_pointer(tmp_path, hop)
    assert (r.status, r.body, r.record_type) == (302, b"", "response")
    assert r.header("location").endswith("/!ut/p/c5/x/")
    assert r.date == T0

    r = read_pointer(tmp_path, page)
    assert r.status == 200 and r.body == gz_body  # Content-Encoding kept as served
    assert hashlib.sha256(r.body).hexdigest() == hashlib.sha256(gz_body).hexdigest()
    assert r.header("Content-Encoding") == "gzip"
    assert r.header("Transfer-Encoding") is None and r.header("X-Crawler-Transfer-Encoding") == "chunked"
    assert r.header("X-Raw") == "caf\xe9"
    assert r.record_id == page.warc_record_id and r.url.endswith("/!ut/p/c5/x/")

    r = read_pointer(tmp_path, revisit)
    assert (r.record_type, r.status, r.body, r.headers) == ("revisit", None, b"", [])  # empty block: players replay the original
    assert r.warc_header("WARC-Profile") == "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
    assert r.warc_header("WARC-Refers-To-Date") == "2024-02-01T00:00:00.123456Z"
    assert r.warc_header("WARC-Refers-To") == page.warc_record_id

    # every record: digests verify (warcio), sha256, WARC/1.1, microsecond dates, request linked to response
    recs = records_of(tmp_path / hop.warc_file)
    assert [t for t, *_ in recs] == ["warcinfo", "response", "request", "response", "request", "revisit", "request"]
    for rec_type, headers, http, payload, checker in recs:
        assert checker.passed is not False, checker.problems
        assert headers.protocol == "WARC/1.1"
        assert headers.get_header("WARC-Block-Digest").startswith("sha256:")
        date = headers.get_header("WARC-Date")
        assert len(date) == len("2024-01-31T23:59:59.123456Z") and date.endswith("Z")
    info = recs[0][3].decode()
    assert "software: portal-archive/0.1" in info and "operator: portal-archive" in info
    assert 'settings: {"depth": 3}' in info and "format: WARC File Format 1.1" in info
    resp_headers = recs[3][1]
    assert resp_headers.get_header("WARC-Payload-Digest").startswith("sha256:")
    assert resp_headers.get_header("WARC-IP-Address") == "10.0.0.7"
    assert resp_headers.get_header("WARC-Date") == "2024-02-01T00:00:00.123456Z"
    req_headers, req_http = recs[4][1], recs[4][2]
    assert req_headers.get_header("WARC-Concurrent-To") == page.warc_record_id
    assert req_http.protocol == "GET" and req_http.statusline.startswith("/wps/portal/hoangmai/!ut/p/c5/x/")
    for _, headers, *_ in recs[1:]:
        assert headers.get_header("WARC-Warcinfo-ID") == recs[0][1].get_header("WARC-Record-ID")
    # finished file is in the manifest with its hash
    entry = manifest_entries(tmp_path)[hop.warc_file]
    assert entry["sha256"] == hashlib.sha256((tmp_path / hop.warc_file).read_bytes()).hexdigest()


def test_revisit_refers_to_date_format(tmp_path):
    from archive.warc import WarcWriter, read_pointer

    with WarcWriter(tmp_path, SNAP) as w:
        p = w.write_revisit(url="http://x.test/", date=T0, refers_to_uri="http://x.test/", refers_to_date=T0)
    r = read_pointer(tmp_path, p)
    assert r.warc_header("WARC-Refers-To-Date") == "2024-01-31T23:59:59.123456Z"
    assert r.warc_header("WARC-Refers-To-Target-URI") == "http://x.test/"


def test_a_records_header_fields_read_alone_are_warcios(tmp_path):
    # a re-crawl's revisits name their originals by these fields, read without inflating the whole record
    from archive.warc import WarcReadError, WarcWriter, read_pointer
    from archive.warc.reader import WarcHeads

    body = os.urandom(300_000)  # incompressible: the member is ~300 KB, its header block a few hundred bytes
    with WarcWriter(tmp_path, SNAP) as w:
        small = exchange(w, "http://x.test/a", b"<p>a</p>")
        big = exchange(w, "http://x.test/b?q=\u1ea1", body)
    heads = WarcHeads(tmp_path)
    try:
        for p in (small, big, small):
            fields = heads.fields(p.warc_file, p.warc_offset, p.warc_length)
            record = read_pointer(tmp_path, p)
            assert fields == {name.lower(): value for name, value in record.warc_headers}
            assert fields["warc-record-id"] == p.warc_record_id
        with pytest.raises(WarcReadError):  # no record starts there
            heads.fields(big.warc_file, big.warc_offset + 1, big.warc_length)
    finally:
        heads.close()


def test_a_revisit_names_its_original_only_where_the_archive_points(tmp_path):
    from archive.warc import WarcWriter
    from archive.warc.revisits import Originals

    with WarcWriter(tmp_path, SNAP) as w:
        page = exchange(w, "http://x.test/a", b"<p>a</p>")
        other = exchange(w, "http://x.test/b", b"<p>b</p>")
    originals = Originals(tmp_path)
    pointer = (page.warc_file, page.warc_offset, page.warc_length)
    originals._pointers = {"a": (*pointer, page.warc_record_id), "moved": (*pointer, other.warc_record_id)}
    try:
        named = originals.refers_to("a")
        assert named["refers_to_record_id"] == page.warc_record_id
        assert named["refers_to_uri"] == "http://x.test/a" and named["payload_digest"].startswith("sha256:")
        assert originals.refers_to("moved") == {}  # the pointer leads to another record than the archive's
        assert originals.refers_to("unknown") == {}
    finally:
        originals.close()


def test_resource_record_and_post_request(tmp_path):
    from archive.warc import WarcWriter, read_pointer

    with WarcWriter(tmp_path, SNAP) as w:
        res = w.write_resource("urn:portal-archive:crawl-log", b"log line\n", "text/plain", T0)
        post = exchange(w, "http://x.test/search", b"{}", method="POST", request_body=b"q=a+b",
                        headers=[("Content-Type", "application/json")])
    r = read_pointer(tmp_path, res)
    assert (r.record_type, r.body, r.status, r.content_type) == ("resource", b"log line\n", None, "text/plain")
    recs = records_of(tmp_path / post.warc_file)
    req = [x for x in recs if x[0] == "request"][0]
    assert req[3] == b"q=a+b" and req[2].protocol == "POST"


def test_pointer_must_match_a_member(tmp_path):
    from archive.warc import WarcReadError, WarcWriter, read_record

    with WarcWriter(tmp_path, SNAP) as w:
        p = exchange(w, "http://x.test/", b"hello")
    with pytest.raises(WarcReadError):
        read_record(tmp_path, p.warc_file, p.warc_offset + 1, p.warc_length)
    with pytest.raises(WarcReadError):
        read_record(tmp_path, p.warc_file, p.warc_offset, p.warc_length - 1)
    with pytest.raises(WarcReadError):
        read_record(tmp_path, p.warc_file, p.warc_offset, p.warc_length + 5)
    with pytest.raises(WarcReadError):
        read_record(tmp_path, "warc/nope.warc.gz", 0, 10)


def test_iter_responses_streams_responses_and_revisits(tmp_path):
    from archive.warc import WarcWriter, iter_responses

    with WarcWriter(tmp_path, SNAP, max_bytes=1500) as w:
        ptrs = [exchange(w, f"http://x.test/{i}", os.urandom(300)) for i in range(5)]
        ptrs.append(w.write_revisit(url="http://x.test/0", date=T0))
    got = list(iter_responses(tmp_path, SNAP))
    assert [p for p, _ in got] == ptrs
    assert [r.record_type for _, r in got] == ["response"] * 5 + ["revisit"]
    assert list(iter_responses(tmp_path, "other")) == []


# -- rotation -------------------------------------------------------------------------------------
def test_rotation_by_size_each_file_starts_with_warcinfo(tmp_path):
    from archive.warc import WarcWriter, read_pointer

    bodies = [os.urandom(1000) for _ in range(12)]  # incompressible
    w = WarcWriter(tmp_path, SNAP, max_bytes=3000)
    ptrs = [exchange(w, f"http://x.test/p{i}", b) for i, b in enumerate(bodies)]
    w.close()
    w.close()  # idempotent
    files = sorted((tmp_path / "warc" / SNAP).iterdir())
    assert len(files) >= 3
    assert [f.name for f in files] == [f"portal-archive-{SNAP}-{i:05d}.warc.gz" for i in range(1, len(files) + 1)]
    assert {p.warc_file for p in ptrs} == {f"warc/{SNAP}/{f.name}" for f in files}
    entries = manifest_entries(tmp_path)
    for f in files:
        recs = records_of(f)
        assert recs[0][0] == "warcinfo" and all(t != "warcinfo" for t, *_ in recs[1:])
        assert recs[0][1].get_header("WARC-Filename") == f.name
        assert all(c.passed is not False for *_, c in recs)
        # rotated after the file grew past max_bytes: only the last record pair may cross it
        assert f.stat().st_size < 3000 + 2 * 1600
        assert entries[f"warc/{SNAP}/{f.name}"]["size"] == f.stat().st_size
    for p, b in zip(ptrs, bodies):
        assert read_pointer(tmp_path, p).body == b
    with pytest.raises(Exception):
        exchange(w, "http://x.test/late", b"x")


# -- crash recovery ---------------------------------------------------------------------------------
CHILD = textwrap.dedent(
    """
    import datetime as dt, json, os, signal, sys
    sys.path.insert(0, {root!r})
    from archive.warc.writer import WarcWriter
    w = WarcWriter({archive!r}, {snap!r})
    out = []
    for i in range(4):
        p = w.write_exchange(url=f"http://x.test/{{i}}", method="GET", request_headers=[], request_body=b"",
                             status=200, reason="OK", response_headers=[("Content-Type", "text/plain")],
                             body=(f"body %d " % i).encode() * 50, date=dt.datetime.now(dt.timezone.utc))
        out.append(p.as_row())
    print(json.dumps(out), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_sigkill_after_writes_loses_nothing_and_recover_finishes_the_file(tmp_path):
    from archive.warc import WarcWriter, read_record, recover

    code = CHILD.format(root=str(ROOT), archive=str(tmp_path), snap=SNAP)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    pointers = json.loads(proc.stdout)
    open_file = tmp_path / (pointers[0]["warc_file"] + ".open")
    assert open_file.exists()
    # readable by pointer before recovery (the final name resolves to the .open file)
    for i, p in enumerate(pointers):
        r = read_record(tmp_path, p["warc_file"], p["warc_offset"], p["warc_length"])
        assert r.body == (f"body {i} ").encode() * 50 and r.record_id == p["warc_record_id"]

    done = recover(tmp_path)
    assert done == [tmp_path / pointers[0]["warc_file"]]
    assert not open_file.exists()
    assert pointers[0]["warc_file"] in manifest_entries(tmp_path)
    assert [t for t, *_ in records_of(done[0])] == ["warcinfo"] + ["response", "request"] * 4
    for p in pointers:
        assert read_record(tmp_path, p["warc_file"], p["warc_offset"], p["warc_length"]).record_id == p["warc_record_id"]

    # a resumed crawl of the same snapshot continues with the next file
    with WarcWriter(tmp_path, SNAP) as w:
        p2 = exchange(w, "http://x.test/resumed", b"again")
    assert p2.warc_file.endswith("-00002.warc.gz")


def test_batched_fsync_makes_records_durable_before_any_row_pointing_at_them(tmp_path, monkeypatch):
    """A crawl's WarcWriter (sync_each=False) fsyncs once per Parquet batch, before the part is published."""
    import archive.writer
    from archive.store import ArchiveWriter
    from archive.warc import WarcWriter

    events = []
    real_fsync, real_parquet = os.fsync, archive.writer.TableWriter._write_parquet
    monkeypatch.setattr(os, "fsync", lambda fd: events.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(archive.writer.TableWriter, "_write_parquet",
                        lambda self, *a: events.append(f"part {self.table}") or real_parquet(self, *a))
    writer = ArchiveWriter(tmp_path, seeds=["http://x.test/"], batch_rows=3)
    warc = WarcWriter(tmp_path, writer.snapshot_id, sync_each=False)
    writer.durable_first.append(warc.sync)
    pointers = [exchange(warc, "http://x.test/0", b"body")]  # opens the file (its warcinfo is fsynced)
    events.clear()
    for i in range(3):
        p = pointers[0] if i == 0 else exchange(warc, f"http://x.test/{i}", b"body")
        assert "fsync" not in events  # no fsync per record
        writer.add_item([("pages", {"url": f"http://x.test/{i}", "status": 200, "fetched_at": T0, "page_type": "other",
                                    **p.as_row()})])
    part = events.index("part pages")
    assert "fsync" in events[:part]  # the records reached the disk before the rows naming them
    events.clear()
    writer.flush()  # nothing new written: no fsync needed
    assert events == []
    writer.close()
    warc.close()


def test_recover_truncates_a_partial_member(tmp_path):
    from archive.warc import WarcWriter, read_pointer, recover
    from archive.warc.gzmembers import scan

    w = WarcWriter(tmp_path, SNAP)
    kept = [exchange(w, f"http://x.test/{i}", os.urandom(500)) for i in range(3)]
    last = exchange(w, "http://x.test/last", os.urandom(2000))
    w._fh.close()  # simulate the process dying: no close(), no rename
    path = tmp_path / (last.warc_file + ".open")
    cut = last.warc_offset + last.warc_length // 2  # mid-member of the last response
    with open(path, "r+b") as fh:
        fh.truncate(cut)
    with open(path, "rb") as fh:
        members, err = scan(fh)
    assert err is not None and members[-1].offset + members[-1].length == last.warc_offset

    # the writer of the same snapshot recovers its leftovers on start
    w2 = WarcWriter(tmp_path, SNAP)
    final = tmp_path / last.warc_file
    assert w2.recovered == [final] and final.exists() and not path.exists()
    assert final.stat().st_size == last.warc_offset
    with open(final, "rb") as fh:
        members, err = scan(fh)
    assert err is None and len(members) == 1 + 2 * 3
    for p in kept:
        assert read_pointer(tmp_path, p).record_id == p.warc_record_id
    assert all(c.passed is not False for *_, c in records_of(final))
    assert manifest_entries(tmp_path)[last.warc_file]["size"] == final.stat().st_size
    p = exchange(w2, "http://x.test/after", b"x")
    w2.close()
    assert p.warc_file.endswith("-00002.warc.gz")
    assert recover(tmp_path) == []


def test_recover_removes_a_file_without_complete_record_and_skips_live_writers(tmp_path):
    from archive.warc import WarcWriter, recover

    w = WarcWriter(tmp_path, SNAP)
    exchange(w, "http://x.test/", b"live")
    live = tmp_path / (w.current_file + ".open")
    other = tmp_path / "warc" / "snap-b"
    other.mkdir(parents=True)
    junk = other / "portal-archive-snap-b-00001.warc.gz.open"
    junk.write_bytes(gzip.compress(b"WARC/1.1\r\n")[:7])
    assert recover(tmp_path) == []  # the live file is locked: untouched
    assert live.exists() and not junk.exists()
    w.close()
    assert not live.exists()


def test_gzip_member_scan_resynchronises_after_damage(tmp_path):
    from archive.warc.gzmembers import scan, scan_all

    members = [gzip.compress(f"record {i} ".encode() * 200) for i in range(5)]
    data = bytearray(b"".join(members))
    starts = [sum(len(m) for m in members[:i]) for i in range(5)]
    data[starts[2] + len(members[2]) // 2] ^= 0xFF  # damage the third member
    path = tmp_path / "x.warc.gz"
    path.write_bytes(bytes(data) + b"\x1f\x8b\x08trailing junk")
    with open(path, "rb") as fh:
        prefix, err = scan(fh)
        assert [m.offset for m in prefix] == starts[:2] and err.offset == starts[2]
        found, errors = scan_all(fh)
    assert [m.offset for m in found] == [starts[0], starts[1], starts[3], starts[4]]
    assert [e.offset for e in errors] == [starts[2], len(data)]


# -- CDXJ ---------------------------------------------------------------------------------------------
def _build_snapshot(root, n=8, max_bytes=4000):
    from archive.warc import WarcWriter

    urls = [f"http://www.Portal.example.gov.vn/wps/portal/hoangmai/tin-tuc/{name}"
            for name in ("zeta", "alpha", "Kinh-te", "b?x=2&a=1", "!ut/p/c5/ABC/", "m", "q", "z")][:n]
    ptrs = []
    with WarcWriter(root, SNAP, max_bytes=max_bytes) as w:
        ptrs.append(exchange(w, "http://www.portal.example.gov.vn/", b"", status=302, reason="Found",
                             headers=[("Location", urls[0])]))
        for i, url in enumerate(urls):
            title = f"<title>Trang {i} &amp; tin</title>".encode()
            ptrs.append(exchange(w, url, b"<html><head>" + title + b"</head>" + os.urandom(400).hex().encode(),
                                 date=T0 + dt.timedelta(minutes=i)))
        ptrs.append(exchange(w, urls[0] + ".jpg", b"\xff\xd8\xff" + os.urandom(50),
                             headers=[("Content-Type", "image/jpeg")]))
        ptrs.append(w.write_revisit(url=urls[1], date=T0 + dt.timedelta(days=1)))
    return ptrs


def test_cdxj_sorted_and_complete(tmp_path):
    from archive.warc import iter_responses, surt_key, write_cdxj

    ptrs = _build_snapshot(tmp_path)
    assert len({p.warc_file for p in ptrs}) > 1
    index = write_cdxj(tmp_path, SNAP)
    assert index == tmp_path / "indexes" / f"{SNAP}.cdxj"
    assert not [p for p in index.parent.iterdir() if p.name.startswith(".")]
    lines = index.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    entries = []
    for line in lines:
        key, ts, blob = line.split(" ", 2)
        data = json.loads(blob)
        assert len(ts) == 14 and ts.isdigit()
        assert key == surt_key(data["url"])
        assert {"url", "offset", "length", "filename"} <= set(data)  # "mime" only if a Content-Type was served
        entries.append((data["filename"], int(data["offset"]), int(data["length"]), data))
    # every response/revisit record is indexed, with its exact pointer; filename relative to warc/
    expected = {(p.warc_file, p.warc_offset, p.warc_length) for p, _ in iter_responses(tmp_path, SNAP)}
    assert {(f"warc/{f}", o, n) for f, o, n, _ in entries} == expected == {
        (p.warc_file, p.warc_offset, p.warc_length) for p in ptrs}
    by_url = {d["url"]: d for *_, d in entries if d.get("mime") != "warc/revisit"}
    assert by_url["http://www.portal.example.gov.vn/"]["status"] == "302"
    page = by_url["http://www.Portal.example.gov.vn/wps/portal/hoangmai/tin-tuc/alpha"]
    assert page["mime"] == "text/html" and page["status"] == "200" and page["digest"].startswith("sha256:")
    assert any(d.get("mime") == "warc/revisit" for *_, d in entries)
    assert surt_key("http://www.Portal.example.gov.vn/a?b=2&a=1") == "vn,gov,example,portal)/a?a=1&b=2"
    # rewriting is atomic and gives the same index
    assert write_cdxj(tmp_path, SNAP).read_text(encoding="utf-8").splitlines() == lines


def test_cdxj_refuses_open_files(tmp_path):
    from archive.exceptions import ArchiveError
    from archive.warc import WarcWriter, write_cdxj

    w = WarcWriter(tmp_path, SNAP)
    exchange(w, "http://x.test/", b"x")
    with pytest.raises(ArchiveError, match="open"):
        write_cdxj(tmp_path, SNAP)
    w.close()
    assert write_cdxj(tmp_path, SNAP).exists()


# -- WACZ -------------------------------------------------------------------------------------------------
def test_wacz_is_written_by_py_wacz_and_validates(tmp_path):
    from archive.warc import write_wacz

    root = tmp_path / "archive"
    ptrs = _build_snapshot(root)
    dest = write_wacz(root, SNAP, tmp_path / "out" / "snap.wacz")
    assert dest == tmp_path / "out" / "snap.wacz"
    assert [p.name for p in dest.parent.iterdir()] == ["snap.wacz"]  # no temp files left
    proc = subprocess.run([str(Path(sys.executable).parent / "wacz"), "validate", "-f", str(dest)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Validation succeeded" in proc.stdout, proc.stdout
    warc_names = sorted({Path(p.warc_file).name for p in ptrs})
    with zipfile.ZipFile(dest) as zf:
        for n in warc_names:  # the WARC files, byte for byte
            assert zf.read(f"archive/{n}") == (root / "warc" / SNAP / n).read_bytes()
        package = json.loads(zf.read("datapackage.json"))
        assert package["wacz_version"] == "1.1.1" and package["software"].startswith("py-wacz")
        assert all(r["name"] == r["name"].lower() for r in package["resources"])  # what frictionless requires
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()]
        assert len(pages) == 1 + 8  # HTML 200 responses only (not the 302, the JPEG or the revisit)
        assert all({"url", "ts", "id"} <= set(p) for p in pages[1:])
    dest = write_wacz(root, SNAP, dest)  # replaces
    assert [p.name for p in dest.parent.iterdir()] == ["snap.wacz"]


def test_wacz_refuses_an_open_snapshot(tmp_path):
    from archive.exceptions import ArchiveError
    from archive.warc import WarcWriter, write_wacz

    w = WarcWriter(tmp_path, SNAP)
    exchange(w, "http://x.test/", b"<html></html>")
    with pytest.raises(ArchiveError, match="still open"):
        write_wacz(tmp_path, SNAP, tmp_path / "a.wacz")
    w.close()


def test_writer_refuses_a_foreign_folder(tmp_path):
    from archive.exceptions import ArchiveFormatError
    from archive.warc import WarcWriter

    (tmp_path / "notes.txt").write_text("not an archive")
    with pytest.raises(ArchiveFormatError):
        WarcWriter(tmp_path, SNAP)
    with pytest.raises(ValueError):
        WarcWriter(tmp_path / "new", "../escape")


def test_archive_package_does_not_import_scrapy():
    code = ("import sys; import archive.warc, archive.verify, archive.media; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('scrapy', 'crawler', 'pipelines', 'twisted')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_warcio_check_passes_every_digest_we_write(tmp_path):
    """The digests the writer computes itself (a request's block and payload, a revisit's empty block) and
    those warcio computes (a response's, a resource's) all pass warcio's own checker, the ``warcio check``
    command: every record with a block is checked, none fails."""
    from archive.warc import WarcWriter

    with WarcWriter(tmp_path, SNAP) as w:
        exchange(w, "http://x.test/a", "<p>Xin chào</p>".encode())
        exchange(w, "http://x.test/form", b"<p>ok</p>", method="POST", request_body=b"q=ho%C3%A0ng+mai&page=2",
                 request_headers=[*REQ_HEADERS, ("Content-Type", "application/x-www-form-urlencoded")])
        w.write_revisit(url="http://x.test/a", date=T0 + dt.timedelta(days=1), request_headers=REQ_HEADERS,
                        refers_to_uri="http://x.test/a", refers_to_date=T0, payload_digest="ab" * 32)
        w.write_resource("http://x.test/notes.txt", "ghi chú".encode(), "text/plain", T0)
        path = tmp_path / w.current_file
    done = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", "-v", str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line.strip() for line in done.stdout.splitlines()]
    verdicts = [(lines[i].split()[-1], lines[i + 1]) for i, line in enumerate(lines) if line.startswith("offset ")]
    assert sorted(t for t, v in verdicts if v == "digest pass") == \
        ["request"] * 3 + ["resource", "response", "response", "warcinfo"], done.stdout
    assert verdicts.count(("revisit", "digest present but not checked (revisit)")) == 1, done.stdout
