"""Content-addressed media store: every downloaded file once, named by its SHA-256.

::

    <root>/media/sha256/<ab>/<cd>/<sha256>      ab, cd = first two and next two hex digits

A file's name is its content hash, so a stored file is never rewritten and
anyone can re-check it (``sha256sum``); :func:`archive.verify.verify` does.
Files are published atomically (hidden temp file in the same folder, fsync,
no-clobber rename, fsync of the folder).

:func:`describe` gives the ``media`` table's ``size, mime_type, width, height``
from the bytes themselves (magic numbers), not from what the server claimed.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import fsync_dir, fsync_file, publish_new, temp_path

MEDIA_DIR = "media/sha256"
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StoredMedia:
    sha256: str
    path: str  # relative to the archive root: media/sha256/ab/cd/<sha256>
    created: bool  # False when the file was already there


def check_sha256(sha256: str) -> str:
    if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
        raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
    return sha256


def relative_path(sha256: str) -> str:
    """``media/sha256/ab/cd/<sha256>``."""
    check_sha256(sha256)
    return f"{MEDIA_DIR}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class MediaStore:
    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).absolute()

    def path_for(self, sha256: str) -> Path:
        """Absolute path of the file with this hash (whether or not it exists)."""
        return self.root / relative_path(sha256)

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put(self, data: bytes) -> StoredMedia:
        """Store ``data`` unless a file with its hash exists; never rewrites an existing file."""
        data = bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        rel = relative_path(sha)
        dest = self.root / rel
        if dest.is_file():
            return StoredMedia(sha, rel, False)
        folder = dest.parent
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            fsync_dir(folder.parent)
            fsync_dir(folder.parent.parent)
        tmp = temp_path(folder, dest.name)
        try:
            with open(tmp, "xb") as fh:
                fh.write(data)
            fsync_file(tmp)
            created = publish_new(tmp, dest)
        finally:
            try:
                tmp.unlink()
            except FileNotFoundError:
                pass
        if created:
            fsync_dir(folder)
        return StoredMedia(sha, rel, created)

    @staticmethod
    def describe(data: bytes, content_type: str | None = None) -> dict[str, Any]:
        """Same as the module-level :func:`describe`."""
        return describe(data, content_type)


# -- sniffing ---------------------------------------------------------------------------------
_OOXML = (("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
          ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
          ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"))
_OLE2_STREAMS = ((b"WordDocument", "application/msword"),
                 (b"Workbook", "application/vnd.ms-excel"),
                 (b"Book", "application/vnd.ms-excel"),
                 (b"PowerPoint Document", "application/vnd.ms-powerpoint"))


def _zip_type(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            if "mimetype" in names:  # OpenDocument (ODT, ODS, ...) and EPUB
                try:
                    declared = zf.read("mimetype")[:100].decode("ascii").strip()
                except (UnicodeDecodeError, KeyError, zipfile.BadZipFile, RuntimeError, OSError):
                    declared = ""
                if re.fullmatch(r"[a-z]+/[A-Za-z0-9.+-]+", declared):
                    return declared
            if "[Content_Types].xml" in names:
                for prefix, mime in _OOXML:
                    if any(n.startswith(prefix) for n in names):
                        return mime
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError):
        pass
    return "application/zip"


def _ole2_type(data: bytes) -> str:
    for stream, mime in _OLE2_STREAMS:
        if stream.decode("ascii").encode("utf-16-le") in data:
            return mime
    return "application/x-ole-storage"


def _ftyp_type(data: bytes) -> str:
    brand = data[8:12]
    if brand == b"qt  ":
        return "video/quicktime"
    if brand in (b"M4A ", b"M4B ", b"M4P "):
        return "audio/mp4"
    if brand.startswith(b"3g2"):
        return "video/3gpp2"
    if brand.startswith(b"3gp"):
        return "video/3gpp"
    if brand in (b"avif", b"avis"):
        return "image/avif"
    if brand in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    return "video/mp4"


def sniff_mime(data: bytes) -> str | None:
    """MIME type from magic bytes, or None if not recognised."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_type(data)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _ole2_type(data)
    if head[4:8] == b"ftyp":
        return _ftyp_type(data)
    if head.startswith(b"FLV\x01"):
        return "video/x-flv"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in data[:4096] else "video/x-matroska"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06):
        return "audio/mpeg"
    if head.startswith(b"BM") and len(head) >= 26:
        return "image/bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"\x00\x00\x01\x00"):
        return "image/x-icon"
    if head.startswith((b"Rar!\x1a\x07",)):
        return "application/vnd.rar"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "application/x-7z-compressed"
    if head.startswith(b"\x1f\x8b"):
        return "application/gzip"
    return None


def _base_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    base = content_type.split(";", 1)[0].strip().lower()
    return base or None


def image_size(data: bytes) -> tuple[int | None, int | None]:
    """(width, height) read by Pillow from the image header; (None, None) if it can't."""
    try:
        from PIL import Image

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
        return int(width), int(height)
    except Exception:  # noqa: BLE001 - never raise for a bad image
        return None, None


def describe(data: bytes, content_type: str | None = None) -> dict[str, Any]:
    """``{size, mime_type, width, height}`` of a file.

    ``mime_type`` is sniffed from the magic bytes (JPEG, PNG, GIF, WebP, PDF,
    ZIP / DOCX / XLSX / PPTX / OpenDocument, OLE2 DOC / XLS / PPT, MP4 family,
    FLV, WebM, MP3, ...), else the given ``content_type`` without parameters,
    else ``application/octet-stream``.  ``width``/``height`` only for images,
    via Pillow; None when Pillow cannot read them.
    """
    mime = sniff_mime(data) or _base_type(content_type) or "application/octet-stream"
    width = height = None
    if mime.startswith("image/"):
        width, height = image_size(data)
    return {"size": len(data), "mime_type": mime, "width": width, "height": height}
