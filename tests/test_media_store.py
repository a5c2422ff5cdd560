"""Content-addressed media store and MIME/size sniffing."""
from __future__ import annotations

import hashlib
import io
import os
import struct
import zipfile

import pytest

from archive.media import MediaStore, StoredMedia, describe, sniff_mime


def test_put_is_content_addressed_and_deduplicated(tmp_path):
    store = MediaStore(tmp_path)
    data = b"\xff\xd8\xff" + os.urandom(100)
    sha = hashlib.sha256(data).hexdigest()
    first = store.put(data)
    assert first == StoredMedia(sha, f"media/sha256/{sha[:2]}/{sha[2:4]}/{sha}", True)
    assert (tmp_path / first.path).read_bytes() == data
    assert store.path_for(sha) == tmp_path / first.path
    assert store.exists(sha) and not store.exists("0" * 64)

    again = store.put(bytearray(data))
    assert again == StoredMedia(sha, first.path, False)
    other = store.put(b"other")
    assert other.created and other.sha256 == hashlib.sha256(b"other").hexdigest()
    files = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert sorted(files) == sorted([tmp_path / first.path, tmp_path / other.path])  # no temp files left


def test_existing_file_is_never_rewritten(tmp_path):
    store = MediaStore(tmp_path)
    data = b"%PDF-1.4 original"
    stored = store.put(data)
    path = tmp_path / stored.path
    path.write_bytes(b"tampered")  # even a damaged file is left for verify() to report
    inode = path.stat().st_ino
    assert store.put(data).created is False
    assert path.read_bytes() == b"tampered" and path.stat().st_ino == inode


def test_path_for_rejects_bad_hashes(tmp_path):
    store = MediaStore(tmp_path)
    for bad in ("ABC", "g" * 64, "A" * 64, "../" + "a" * 61):
        with pytest.raises(ValueError):
            store.path_for(bad)


def test_empty_file(tmp_path):
    stored = MediaStore(tmp_path).put(b"")
    assert stored.sha256 == hashlib.sha256(b"").hexdigest() and (tmp_path / stored.path).read_bytes() == b""


# -- describe ----------------------------------------------------------------------------------
def _jpeg(width=7, height=5) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(buf, format="JPEG")
    return buf.getvalue()


def _image(fmt: str, size=(3, 4)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(buf, format=fmt)
    return buf.getvalue()


def _zip(names: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in names.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_describe_images_with_pillow_sizes():
    jpeg = _jpeg(7, 5)
    assert describe(jpeg, "application/octet-stream") == {"size": len(jpeg), "mime_type": "image/jpeg",
                                                          "width": 7, "height": 5}
    assert describe(_image("PNG"), None)["mime_type"] == "image/png"
    assert (describe(_image("PNG"))["width"], describe(_image("PNG"))["height"]) == (3, 4)
    assert describe(_image("GIF"))["mime_type"] == "image/gif"
    webp = _image("WEBP", (9, 2))
    assert describe(webp)["mime_type"] == "image/webp" and describe(webp)["width"] == 9
    # a broken image: MIME from the magic bytes, no size, no exception
    assert describe(b"\xff\xd8\xff\xe0garbage", "image/jpeg") == {
        "size": 11, "mime_type": "image/jpeg", "width": None, "height": None}
    assert describe(b"\x89PNG\r\n\x1a\n" + b"\x00" * 5)["width"] is None
    # the server's claim does not override the bytes
    assert describe(jpeg, "image/png")["mime_type"] == "image/jpeg"


def test_describe_documents():
    pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
    assert describe(pdf, "application/octet-stream") == {"size": len(pdf), "mime_type": "application/pdf",
                                                         "width": None, "height": None}
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert describe(docx, "application/zip")["mime_type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    xlsx = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    assert describe(xlsx)["mime_type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert describe(_zip({"a.txt": b"x"}), "application/x-zip")["mime_type"] == "application/zip"
    odt = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
    assert describe(odt)["mime_type"] == "application/vnd.oasis.opendocument.text"
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "WordDocument".encode("utf-16-le") + b"\x00" * 50
    assert describe(ole, "application/octet-stream")["mime_type"] == "application/msword"
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200 + "Workbook".encode("utf-16-le")
    assert describe(xls)["mime_type"] == "application/vnd.ms-excel"
    # a truncated zip still sniffs as a zip
    assert describe(docx[:40])["mime_type"] == "application/zip"


def test_describe_video_and_fallbacks():
    mp4 = struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2" + b"\x00" * 40
    assert describe(mp4, "application/octet-stream") == {"size": len(mp4), "mime_type": "video/mp4",
                                                         "width": None, "height": None}
    mov = struct.pack(">I", 20) + b"ftypqt  " + b"\x00" * 20
    assert describe(mov)["mime_type"] == "video/quicktime"
    assert describe(b"FLV\x01\x05" + b"\x00" * 20)["mime_type"] == "video/x-flv"
    assert describe(b"<html>hi</html>", "text/html; charset=UTF-8")["mime_type"] == "text/html"
    assert describe(b"plain", None)["mime_type"] == "application/octet-stream"
    assert describe(b"plain", "")["mime_type"] == "application/octet-stream"
    # an image content type with non-image bytes: no size, no exception
    assert describe(b"not an image", "image/svg+xml") == {"size": 12, "mime_type": "image/svg+xml",
                                                           "width": None, "height": None}
    assert MediaStore.describe(b"%PDF-1.4")["mime_type"] == "application/pdf"
    assert sniff_mime(b"") is None
