"""Real, tiny, deterministic files served as WCM attachments: PDF 1.4, DOCX, DOC (OLE2/CFB) and MP4.

Every function is pure: the same arguments give the same bytes (fixed zip timestamps, no clocks).
PDF text is ASCII-folded (the standard Helvetica font has no Vietnamese letters); DOCX and DOC carry
the Vietnamese text itself.
"""
from __future__ import annotations

import hashlib
import io
import struct
import unicodedata
import zipfile
from functools import lru_cache
from xml.sax.saxutils import escape as xml_escape

MIME = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "mp4": "video/mp4",
    "jpg": "image/jpeg",
}


def ascii_fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return text.encode("ascii", "replace").decode("ascii")


def _wrap(text: str, width: int = 80) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([line] if line else [])


# --- PDF ----------------------------------------------------------------------------------------
def _pdf_str(text: str) -> str:
    return "(" + ascii_fold(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


@lru_cache(maxsize=256)
def pdf_bytes(title: str, body: str = "") -> bytes:
    """A one-page PDF 1.4 (Helvetica) showing ``title`` and ``body`` as text lines, with a valid xref."""
    lines = [title, "", *_wrap(body, 85)][:40]
    ops = ["BT", "/F1 11 Tf", "14 TL", "56 780 Td"]
    for line in lines:
        ops.append(f"{_pdf_str(line)} Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _pdf_str(title).encode("ascii") + b" /Producer (IBM Lotus Web Content Management) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- DOCX ---------------------------------------------------------------------------------------
_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  '<Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/word/document.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                  '</Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="word/document.xml"/></Relationships>')


@lru_cache(maxsize=256)
def docx_bytes(title: str, body: str = "") -> bytes:
    """A minimal valid DOCX (stored zip, fixed timestamps): one bold title paragraph and the body."""
    paras = [f'<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>{xml_escape(title)}</w:t></w:r></w:p>']
    if body:
        paras.append(f'<w:p><w:r><w:t xml:space="preserve">{xml_escape(body)}</w:t></w:r></w:p>')
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                + "".join(paras) + "</w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, text in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS),
                           ("word/document.xml", document)):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, text.encode("utf-8"))
    return out.getvalue()


# --- DOC (OLE2 compound file) -------------------------------------------------------------------
CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _dir_entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    raw = (name + "\0").encode("utf-16-le") if name else b""
    return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1 if name else 0, _NOSTREAM, _NOSTREAM, child)
            + bytes(16) + struct.pack("<IQQIQ", 0, 0, 0, start, size))


@lru_cache(maxsize=256)
def doc_bytes(title: str, body: str = "") -> bytes:
    """A valid version-3 compound file (512-byte sectors) with one ``WordDocument`` stream.

    Sector 0 is the FAT, sector 1 the directory, the stream follows (>= 4096 bytes, so no mini stream).
    The stream starts with the Word FIB magic ``0xA5EC`` and holds the text in UTF-16LE.
    """
    text = f"{title}\r{body}\r".encode("utf-16-le")
    stream = struct.pack("<HH", 0xA5EC, 0x00C1) + bytes(28) + text
    stream = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\0")
    n = len(stream) // 512
    if n > 125:
        raise ValueError("text too long for a one-sector FAT")
    fat = [_FATSECT, _END] + [3 + i for i in range(n - 1)] + [_END]
    fat += [_FREE] * (128 - len(fat))
    header = (CFB_MAGIC + bytes(16) + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", 0, *([_FREE] * 108)))
    directory = (_dir_entry("Root Entry", 5, 1, _END, 0) + _dir_entry("WordDocument", 2, _NOSTREAM, 2, len(stream))
                 + _dir_entry("", 0, _NOSTREAM, 0, 0) * 2)
    return header + struct.pack("<128I", *fat) + directory + stream


# --- MP4 ----------------------------------------------------------------------------------------
def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


@lru_cache(maxsize=64)
def mp4_bytes(key: str, seconds: int = 30) -> bytes:
    """``ftyp`` (isom) + ``moov`` (a valid ``mvhd``) + ``mdat`` of deterministic pseudo-random bytes."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    matrix = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
    mvhd = _box(b"mvhd", struct.pack(">IIIII", 0, 0, 0, 1000, seconds * 1000) + struct.pack(">IH", 0x00010000, 0x0100)
                + bytes(10) + matrix + bytes(24) + struct.pack(">I", 2))
    size = 2048 + int.from_bytes(hashlib.sha256(key.encode()).digest()[:2], "big") % 4096
    data = b"".join(hashlib.blake2b(f"{key}|{i}".encode(), digest_size=64).digest() for i in range(-(-size // 64)))
    return ftyp + _box(b"moov", mvhd) + _box(b"mdat", data[:size])


def file_bytes(ext: str, title: str, body: str = "") -> bytes:
    if ext == "pdf":
        return pdf_bytes(title, body)
    if ext == "docx":
        return docx_bytes(title, body)
    if ext == "doc":
        return doc_bytes(title, body)
    raise ValueError(ext)
