"""Media carried along: each file exported once per SHA-256 as ``<slug>-<sha8>.<ext>``; what is missing is reported.

A record's media are its ``images`` (articles, albums, static pages), ``attachments`` (documents), its video
and thumbnail (videos), and any link or image in its body whose URL the archive downloaded. Each has the
archive path (``media/sha256/ab/cd/<sha256>``) and the SHA-256; a reference whose file is not in the archive
(download failed, never linked, file gone) is listed in the export report with its reason and keeps its
original URL.
"""
from __future__ import annotations

import hashlib
import html
import mimetypes
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from archive.media import relative_path

from .site import slugify

_EXT = re.compile(r"\.([A-Za-z0-9]{1,5})$")
_MIME_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
             "application/pdf": "pdf", "video/mp4": "mp4", "application/msword": "doc"}


def media_refs(row: dict[str, Any]) -> list[dict[str, Any]]:
    """(role, url, sha256, label) of every media reference a record's fields carry, in field order."""
    refs: list[dict[str, Any]] = []
    for im in row.get("images") or []:
        refs.append({"role": "image", "url": im.get("url"), "sha256": im.get("sha256"),
                     "label": im.get("caption") or im.get("alt")})
    for at in row.get("attachments") or []:
        refs.append({"role": "attachment", "url": at.get("url"), "sha256": at.get("sha256"), "label": at.get("name")})
    if row.get("video_url"):
        refs.append({"role": "video", "url": row["video_url"], "sha256": row.get("video_sha256"), "label": None})
    if row.get("thumbnail_url"):
        refs.append({"role": "thumbnail", "url": row["thumbnail_url"], "sha256": None, "label": None})
    return refs


_LINK_RE = re.compile(r'(?:src|href|poster)="([^"]+)"')


def body_media_refs(body_html: str | None, by_url: dict[str, Any], seen: set[str]) -> list[dict[str, Any]]:
    """Links and images of a body whose URL the archive downloaded and the record's fields do not list."""
    refs = []
    for raw in _LINK_RE.findall(body_html or ""):
        url = html.unescape(raw)
        if url in by_url and url not in seen:
            seen.add(url)
            refs.append({"role": "inline", "url": url, "sha256": None, "label": None})
    return refs


def file_name(url: str | None, label: str | None, sha256: str, mime: str | None) -> str:
    """``<slug>-<sha8>.<ext>``: the slug of the URL's file name (else of the label), its extension (else the MIME's)."""
    base = unquote(urlsplit(url or "").path.rsplit("/", 1)[-1])
    m = _EXT.search(base)
    ext = m.group(1).lower() if m else None
    stem = base[: m.start()] if m else base
    if not ext and mime:
        ext = _MIME_EXT.get(mime) or (mimetypes.guess_extension(mime) or ".bin").lstrip(".")
    slug = slugify(stem, limit=60) or slugify(label, limit=60) or "file"
    return f"{slug}-{sha256[:8]}.{ext or 'bin'}"


class MediaExporter:
    """Resolves media references against the archive and copies each file once into ``dest``."""

    def __init__(self, archive_root: Path, by_url: dict[str, dict[str, Any]], by_sha: dict[str, dict[str, Any]],
                 dest: Path | None):
        self.root = archive_root
        self.by_url = by_url
        self.by_sha = by_sha
        self.dest = dest
        self.names: dict[str, str] = {}        # sha256 → exported file name
        self._used: dict[str, str] = {}        # file name → sha256
        self.files = 0
        self.bytes = 0
        self.missing: list[dict[str, Any]] = []
        self._first: dict[str, Path] = {}      # sha256 → first exported copy (later ones hard-link it)

    def resolve(self, ref: dict[str, Any], record_id: str) -> dict[str, Any]:
        """The reference, completed: sha256, archive_path, size, mime_type, file (exported name) or missing."""
        url, sha = ref.get("url"), ref.get("sha256")
        known = self.by_url.get(url) if url else None
        if sha is None and known:
            sha = known["sha256"]
        meta = (self.by_sha.get(sha) or known or {}) if sha else {}
        out = {"role": ref["role"], "url": url, "sha256": sha, "label": ref.get("label"),
               "archive_path": None, "mime_type": meta.get("mime_type"), "size": meta.get("size"),
               "file": None, "missing": None}
        if not sha:
            out["missing"] = "not downloaded (no sha256 in the record and no media_files row for the URL)"
        else:
            out["archive_path"] = meta.get("path") or relative_path(sha)
            if not (self.root / out["archive_path"]).is_file():
                out["missing"] = f"file {out['archive_path']} is not in the archive"
            else:
                out["file"] = self.name_for(sha, url, ref.get("label"), out["mime_type"])
        if out["missing"]:
            self.missing.append({"record_id": record_id, "role": ref["role"], "url": url, "sha256": sha,
                                 "reason": out["missing"]})
        return out

    def name_for(self, sha: str, url: str | None, label: str | None, mime: str | None) -> str:
        name = self.names.get(sha)
        if name is None:
            name = file_name(url, label, sha, mime)
            if self._used.get(name, sha) != sha:          # same slug and sha8 prefix, other file
                name = name.replace(f"-{sha[:8]}.", f"-{sha[:16]}.")
            self.names[sha] = name
            self._used[name] = sha
        return name

    def copy(self, sha: str, folder: Path | None = None) -> Path:
        """Put the file of ``sha`` into ``folder`` (default: the shared media folder), once; later copies link."""
        name = self.names[sha]
        target = (folder or self.dest) / name
        if target.exists():
            return target
        source = self.root / (self.by_sha.get(sha, {}).get("path") or relative_path(sha))
        target.parent.mkdir(parents=True, exist_ok=True)
        first = self._first.get(sha)
        if first is not None:
            try:
                os.link(first, target)               # the same bytes again: one inode, no second copy
                return target
            except OSError:
                pass
        digest = hashlib.sha256()
        tmp = target.with_name(f".tmp-{name}")
        with open(source, "rb") as src, open(tmp, "wb") as dst:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                digest.update(chunk)
                dst.write(chunk)
        if digest.hexdigest() != sha:
            tmp.unlink()
            raise OSError(f"{source} does not match its sha256 {sha}: run `portal-archive verify`")
        os.replace(tmp, target)
        self._first[sha] = target
        self.files += 1
        self.bytes += target.stat().st_size
        return target
