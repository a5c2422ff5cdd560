"""verify(): every stored hash re-checked — manifest, media names, WARC digests, row pointers, record hashes."""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from archive import fixity, manifest
from archive.media import MediaStore, describe
from archive.schema import TABLES
from archive.verify import Problem, Verifier, digest_hex, format_problems, verify
from archive.warc import WarcWriter, write_cdxj

SNAP = "20240131T235959Z-3fa9c1"
T0 = dt.datetime(2024, 1, 31, 23, 59, 59, 123456, tzinfo=dt.timezone.utc)
PAGE_URL = "http://portal.example.gov.vn/wps/portal/hoangmai/tin-tuc/kinh-te/bai-1"
IMG_URL = "http://portal.example.gov.vn/wps/wcm/connect/hoangmai/anh.jpg"
HTML = "<html><head><title>Bài 1</title></head><body><p>Nội dung</p></body></html>".encode()


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 3), (0, 128, 255)).save(buf, format="JPEG")
    return buf.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_table(root: Path, table: str, rows: list[dict], seq: int = 1) -> Path:
    folder = root / table
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"part-{SNAP}-{seq:06d}.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=TABLES[table]), path)
    manifest.record_file(root, path)
    return path


def _exchange(w, url, body, content_type, status=200, reason="OK", date=T0):
    return w.write_exchange(url=url, method="GET", request_headers=[("Host", "portal.example.gov.vn")],
                            request_body=b"", status=status, reason=reason,
                            response_headers=[("Content-Type", content_type)], body=body, ip="10.1.2.3", date=date)


def build(root: Path, *, article: dict | None = None, page: dict | None = None, close: bool = True) -> dict:
    """A small but complete archive: WARC + CDXJ + media + pages/articles/media tables + manifest."""
    root.mkdir(parents=True, exist_ok=True)
    img = _jpeg()
    w = WarcWriter(root, SNAP, software="portal-archive/test")
    page_ptr = _exchange(w, PAGE_URL, HTML, "text/html; charset=utf-8")
    img_ptr = _exchange(w, IMG_URL, img, "image/jpeg")
    hop_ptr = _exchange(w, "http://portal.example.gov.vn/", b"", "text/html", status=302, reason="Found")
    revisit_ptr = w.write_revisit(url=PAGE_URL, date=T0 + dt.timedelta(days=1), refers_to_uri=PAGE_URL,
                                  refers_to_date=T0, payload_digest=_sha(HTML))
    if close:
        w.close()
    stored = MediaStore(root).put(img)

    def page_row(url, status, body, ptr, **kw):
        return {"url": url, "status": status, "content_type": "text/html", "length": len(body),
                "content_sha256": _sha(body), "page_type": "other", "fetched_at": T0, "snapshot_id": SNAP,
                **ptr.as_row(), **kw}

    pages = [
        page_row(PAGE_URL, 200, HTML, page_ptr, page_type="article", record_id="a" * 16, **(page or {})),
        page_row("http://portal.example.gov.vn/", 302, b"", hop_ptr),
        page_row(PAGE_URL, 304, HTML, revisit_ptr),  # 304: content of the capture it confirms
    ]
    _write_table(root, "pages", pages)

    art = {
        "record_id": "a" * 16, "article_id": "a" * 16, "kind": "article",
        "wcm_path": "/hoangmai/site/tin-tuc/kinh-te/bai-1", "url": PAGE_URL, "urls_seen": [PAGE_URL],
        "title": "Bài 1", "published_at": dt.datetime(2020, 9, 3, 0, 55, tzinfo=dt.timezone.utc),
        "published_at_raw": "03/09/2020 07:55 AM", "body_text": "Nội dung",
        "images": [{"url": IMG_URL, "caption": None, "alt": "ảnh", "sha256": stored.sha256}],
        "fetched_at": T0, "http_status": 200, "content_sha256": _sha(HTML), "version": 1,
        "snapshot_id": SNAP, "schema_version": 2, **page_ptr.as_row(),
    }
    art["record_sha256"] = fixity.record_sha256(art, "articles")
    art.update(article or {})
    _write_table(root, "articles", [art])

    meta = describe(img, "image/jpeg")
    _write_table(root, "media_files", [{
        "url": IMG_URL, "sha256": stored.sha256, "path": stored.path, "http_status": 200, "fetched_at": T0,
        "snapshot_id": SNAP, **meta, **img_ptr.as_row()}])
    if close:
        write_cdxj(root, SNAP)
    return {"page": page_ptr, "img": img_ptr, "hop": hop_ptr, "revisit": revisit_ptr, "media": stored,
            "writer": w}


def kinds(problems: list[Problem]) -> set[str]:
    return {p.kind for p in problems}


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_clean_archive_has_no_problems(tmp_path):
    built = build(tmp_path)
    verifier = Verifier(tmp_path)
    assert verifier.run() == []
    assert verifier.stats["warc_records"] == 1 + 2 * 4 and verifier.stats["pointers"] == 5
    assert verifier.stats["rows"] == 5 and verifier.stats["media_files"] == 1
    listed = manifest.read_manifest(tmp_path)
    assert built["page"].warc_file in listed and f"indexes/{SNAP}.cdxj" in listed
    report = format_problems([], verifier.stats)
    assert report.startswith("OK: no problems found") and "warc records" in report


def test_flipped_byte_in_media_file(tmp_path):
    built = build(tmp_path)
    flip_byte(tmp_path / built["media"].path, 10)
    problems = verify(tmp_path)
    assert kinds(problems) == {"media_hash_mismatch"}
    assert problems[0].path == built["media"].path


def test_media_row_pointing_at_a_missing_file(tmp_path):
    built = build(tmp_path)
    (tmp_path / built["media"].path).unlink()
    assert kinds(verify(tmp_path)) == {"media_missing"}


def test_flipped_byte_in_parquet_file(tmp_path):
    build(tmp_path)
    path = tmp_path / "pages" / f"part-{SNAP}-000001.parquet"
    flip_byte(path, path.stat().st_size // 2)
    problems = verify(tmp_path)
    mismatch = [p for p in problems if p.kind == "manifest_mismatch"]
    assert [p.path for p in mismatch] == [f"pages/part-{SNAP}-000001.parquet"]
    assert "sha256" in mismatch[0].detail


def test_unreadable_parquet_is_a_problem_not_a_crash(tmp_path):
    build(tmp_path)
    bad = tmp_path / "pages" / f"part-{SNAP}-000002.parquet"
    bad.write_bytes(b"PAR1 this is not parquet PAR1")
    manifest.record_file(tmp_path, bad)
    problems = verify(tmp_path)
    assert kinds(problems) == {"parquet_unreadable"}
    assert problems[0].path == f"pages/part-{SNAP}-000002.parquet"


def test_flipped_byte_in_warc_file(tmp_path):
    built = build(tmp_path)
    ptr = built["page"]
    flip_byte(tmp_path / ptr.warc_file, ptr.warc_offset + ptr.warc_length // 2)
    problems = verify(tmp_path)
    found = kinds(problems)
    assert "manifest_mismatch" in found
    assert found & {"warc_gzip", "warc_digest", "warc_parse"}
    # only the rows pointing at the damaged record are affected: later records are still found
    row_problems = {p.path for p in problems if p.kind in ("pointer_unresolved", "content_sha256_mismatch")}
    assert row_problems == {f"pages/part-{SNAP}-000001.parquet#row=0", f"articles/part-{SNAP}-000001.parquet#row=0"}
    verifier = Verifier(tmp_path)
    verifier.run()
    assert verifier.stats["warc_records"] == 1 + 2 * 4 - 1


def test_warc_digest_mismatch_with_intact_gzip(tmp_path):
    built = build(tmp_path)
    ptr = built["page"]
    path = tmp_path / ptr.warc_file
    data = path.read_bytes()
    member = gzip.decompress(data[ptr.warc_offset: ptr.warc_offset + ptr.warc_length])
    assert "Bài 1".encode() in member
    forged = member.replace("Nội dung".encode(), "Nội dunG".encode())  # same length, wrong digests
    path.write_bytes(data[: ptr.warc_offset] + gzip.compress(forged) + data[ptr.warc_offset + ptr.warc_length:])
    problems = verify(tmp_path)
    found = kinds(problems)
    assert "warc_digest" in found and "manifest_mismatch" in found
    assert "content_sha256_mismatch" in found  # the payload no longer matches the rows' content_sha256
    digest = [p for p in problems if p.kind == "warc_digest"][0]
    assert digest.path == f"{ptr.warc_file}@{ptr.warc_offset}" and ptr.warc_record_id in digest.detail


def test_truncated_warc_file(tmp_path):
    built = build(tmp_path)
    path = tmp_path / built["page"].warc_file
    data = path.read_bytes()
    path.write_bytes(data[:-30])
    found = kinds(verify(tmp_path))
    assert {"warc_gzip", "manifest_mismatch"} <= found


def test_record_sha256_mismatch(tmp_path):
    build(tmp_path, article={"title": "Bài 1 (sửa)"})  # content changed after hashing
    problems = verify(tmp_path)
    assert kinds(problems) == {"record_sha256_mismatch"}
    assert problems[0].path == f"articles/part-{SNAP}-000001.parquet#row=0"


def test_content_sha256_and_record_id_mismatches(tmp_path):
    build(tmp_path, page={"content_sha256": _sha(b"something else"), "warc_record_id": "<urn:uuid:nope>"})
    problems = verify(tmp_path)
    assert kinds(problems) == {"content_sha256_mismatch", "record_id_mismatch"}
    assert all(p.path == f"pages/part-{SNAP}-000001.parquet#row=0" for p in problems)


def test_pointer_to_nowhere(tmp_path):
    built = build(tmp_path, page={"warc_offset": 5})
    problems = verify(tmp_path)
    assert kinds(problems) == {"pointer_unresolved"}
    built2 = build(tmp_path / "b", page={"warc_file": "warc/x/missing.warc.gz"})
    assert kinds(verify(tmp_path / "b")) == {"pointer_unresolved"}
    assert built["page"].warc_file == built2["page"].warc_file


def test_files_missing_from_or_listed_in_manifest(tmp_path):
    build(tmp_path)
    (tmp_path / "errors").mkdir()
    pq.write_table(pa.table({"x": [1]}), tmp_path / "errors" / "part-foreign-000001.parquet")
    (tmp_path / "indexes" / f"{SNAP}.cdxj").unlink()
    problems = verify(tmp_path)
    assert {(p.kind, p.path) for p in problems} == {
        ("not_in_manifest", "errors/part-foreign-000001.parquet"),
        ("missing_file", f"indexes/{SNAP}.cdxj"),
    }
    text = format_problems(problems)
    assert text.splitlines()[-1].startswith("FAILED: 2 problems")
    assert "not_in_manifest: errors/part-foreign-000001.parquet:" in text


def test_open_warc_is_reported_and_its_pointers_still_resolve(tmp_path):
    built = build(tmp_path, close=False)
    problems = verify(tmp_path)
    assert kinds(problems) == {"open_warc"}
    built["writer"].close()
    write_cdxj(tmp_path, SNAP)
    assert verify(tmp_path) == []


def test_manifest_entry_for_a_recovered_warc(tmp_path):
    from archive.warc import recover

    built = build(tmp_path, close=False)
    built["writer"]._fh.close()  # the process died: file left .open
    assert recover(tmp_path) == [tmp_path / built["page"].warc_file]
    write_cdxj(tmp_path, SNAP)
    assert verify(tmp_path) == []


def test_missing_root(tmp_path):
    assert kinds(verify(tmp_path / "nope")) == {"missing_root"}


def test_digest_hex_accepts_base32_hex_and_base64():
    import base64

    raw = hashlib.sha256(b"x").digest()
    assert digest_hex("sha256:" + base64.b32encode(raw).decode()) == raw.hex()
    assert digest_hex("sha256:" + base64.b32encode(raw).decode().rstrip("=")) == raw.hex()
    assert digest_hex("sha256:" + raw.hex()) == raw.hex()
    assert digest_hex("sha256:" + base64.b64encode(raw).decode()) == raw.hex()
    assert digest_hex("sha1:" + base64.b32encode(hashlib.sha1(b"x").digest()).decode(), "sha256") is None
    assert digest_hex("sha256:zzzz") is None


def test_problem_str_is_one_line():
    p = Problem("warc_digest", "warc/a.warc.gz@12", "block digest failed")
    assert str(p) == "warc_digest: warc/a.warc.gz@12: block digest failed"


@pytest.mark.parametrize("table", ["pages", "articles", "media_files"])
def test_every_pointer_table_is_checked(tmp_path, table):
    override = {"warc_record_id": "<urn:uuid:other>"}
    built = build(tmp_path, page=override if table == "pages" else None,
                  article=override if table == "articles" else None)
    if table == "media_files":
        path = tmp_path / "media_files" / f"part-{SNAP}-000001.parquet"
        rows = pq.read_table(path).to_pylist()
        rows[0]["warc_record_id"] = "<urn:uuid:other>"
        path.unlink()
        manifest.forget_file(tmp_path, path)
        _write_table(tmp_path, "media_files", rows)
    problems = verify(tmp_path)
    assert kinds(problems) == {"record_id_mismatch"}
    assert problems[0].path.startswith(f"{table}/") and built


# -- issue 7: gzip-served bodies, bounded time, nothing read outside the archive ----------------------
def test_gzip_served_page_verifies_and_a_wrong_hash_still_fails(tmp_path):
    """The WARC keeps the body as sent (gzip); the row hashes it decoded: both are checked, no false alarm."""
    sent = gzip.compress(HTML)
    w = WarcWriter(tmp_path, SNAP)
    ptr = w.write_exchange(url=PAGE_URL, method="GET", request_headers=[], request_body=b"", status=200, reason="OK",
                           response_headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                           body=sent, date=T0)
    w.close()
    row = {"url": PAGE_URL, "status": 200, "content_type": "text/html", "length": len(HTML),
           "content_sha256": _sha(HTML), "page_type": "other", "fetched_at": T0, "snapshot_id": SNAP, **ptr.as_row()}
    _write_table(tmp_path, "pages", [row, {**row, "content_sha256": _sha(sent)}, {**row, "content_sha256": _sha(b"x")}])
    problems = verify(tmp_path)
    assert [(p.kind, p.path) for p in problems] == [("content_sha256_mismatch", f"pages/part-{SNAP}-000001.parquet#row=2")]
    assert f"decoded {_sha(HTML)}" in problems[0].detail


def test_highly_compressible_member_does_not_hang_the_scanner(tmp_path):
    """A member that inflates past zlib's output step (40 MiB of zeros) used to loop forever."""
    import subprocess
    import sys
    import textwrap

    root = Path(__file__).resolve().parent.parent
    code = textwrap.dedent(f"""
        import datetime as dt, io, gzip, sys
        sys.path.insert(0, {str(root)!r})
        from archive.warc import WarcWriter
        from archive.warc.gzmembers import scan, scan_all
        from archive.verify import verify
        body = bytes(40 << 20)
        data = gzip.compress(body) + gzip.compress(b"next")
        assert scan(io.BytesIO(data)) == scan(io.BytesIO(data))
        members, err = scan(io.BytesIO(data))
        assert err is None and [m.offset for m in members] == [0, len(data) - len(gzip.compress(b"next"))], members
        assert scan_all(io.BytesIO(data))[1] == []
        w = WarcWriter({str(tmp_path)!r}, "s1")
        w.write_exchange(url="http://x.test/zeros", method="GET", request_headers=[], request_body=b"",
                         status=200, reason="OK", response_headers=[("Content-Type", "application/octet-stream")],
                         body=body, date=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
        w.close()
        print([str(p) for p in verify({str(tmp_path)!r})])
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("entry", ["../../etc/hostname", "/etc/hostname", "warc/../../../etc/hostname", "link/hostname"])
def test_manifest_never_makes_verify_read_outside_the_archive(tmp_path, entry, monkeypatch):
    import builtins
    import os

    root = tmp_path / "a" / "b"
    build(root)
    (root / "link").symlink_to("/etc")
    with open(manifest.manifest_path(root), "a") as fh:
        fh.write('{"path": %s, "sha256": "%s", "size": 1}\n' % (__import__("json").dumps(entry), "0" * 64))
    opened = []
    real_open = builtins.open

    def spy(file, *a, **kw):
        opened.append(os.path.realpath(file) if isinstance(file, (str, os.PathLike)) else file)
        return real_open(file, *a, **kw)

    monkeypatch.setattr(builtins, "open", spy)
    problems = verify(root)
    outside = [p for p in opened if isinstance(p, str) and not p.startswith(str(root.resolve()))]
    assert outside == []
    assert [p.kind for p in problems] == ["unsafe_path"] and entry in problems[0].detail


def test_rows_never_make_verify_read_outside_the_archive(tmp_path):
    build(tmp_path / "x")
    root = tmp_path / "x"
    secret = tmp_path / "secret.warc.gz"
    secret.write_bytes((root / build_warc_file(root)).read_bytes())
    media = tmp_path / "secret.bin"
    media.write_bytes(b"x")
    path = root / "media_files" / f"part-{SNAP}-000001.parquet"
    rows = pq.read_table(path).to_pylist()
    rows[0]["path"] = "../secret.bin"
    rows[0]["warc_file"] = "../secret.warc.gz"
    path.unlink()
    manifest.forget_file(root, path)
    _write_table(root, "media_files", rows)
    problems = verify(root)
    assert [p.kind for p in problems] == ["unsafe_path", "unsafe_path"]


def build_warc_file(root: Path) -> str:
    return next(rel for rel in manifest.read_manifest(root) if rel.endswith(".warc.gz"))


def test_recrawled_archive_verifies(recrawled):
    """A re-crawl's 304s: each pages row hashes the empty body it read, its revisit names the payload it
    confirmed; verify passes, and a 304 row that claims some other body is still caught."""
    problems = verify(recrawled)
    assert not problems, format_problems(problems)[:2000]
    rows = [r for f in sorted((recrawled / "pages").glob("part-*.parquet")) for r in pq.read_table(f).to_pylist()]
    not_modified = [r for r in rows if r["status"] == 304]
    assert not_modified and all(r["content_sha256"] == hashlib.sha256(b"").hexdigest() for r in not_modified)
    forged = dict(not_modified[0], content_sha256=hashlib.sha256(b"other body").hexdigest())
    checker = Verifier(recrawled.absolute())
    checker.check_row("pages", "forged", forged)
    assert [p.kind for p in checker.problems] == ["content_sha256_mismatch"]
