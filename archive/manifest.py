"""``<root>/_manifest.jsonl``: sha256, size and time of every file the archive publishes.

One JSON object per line, appended (never rewritten):

* ``{"path": "articles/part-S-final.parquet", "sha256": "…", "size": 1234, "written_at": "2024-…Z"}``
  when a file is published (Parquet parts and finals, WARC and CDXJ files);
* ``{"path": "articles/part-S-000001.parquet", "deleted": true, "written_at": "…"}`` when the
  archive deletes a file (compaction removing the parts it merged).

``path`` is relative to the archive root, with ``/`` separators.  The latest
line of a path wins.  Each append is written with one ``write`` call, flushed
and fsynced; a process killed mid-append leaves a torn last line, which
:func:`read_manifest` ignores and the next append first terminates (so it never
corrupts the following entry).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any

from .fixity import sha256_file

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

MANIFEST = "_manifest.jsonl"

_lock = threading.Lock()


def manifest_path(root: str | os.PathLike[str]) -> Path:
    return Path(root) / MANIFEST


def relpath(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> str:
    """``path`` relative to ``root`` with ``/`` separators (a relative ``path`` is taken as relative to root)."""
    root = Path(root)
    p = Path(path)
    if not p.is_absolute():
        p = root / p
    try:
        rel = os.path.relpath(os.path.abspath(p), os.path.abspath(root))
    except ValueError:  # another drive (Windows)
        raise ValueError(f"{path} is not inside the archive {root}") from None
    rel = rel.replace(os.sep, "/")
    if rel == "." or rel == ".." or rel.startswith("../"):
        raise ValueError(f"{path} is not inside the archive {root}")
    return rel


def resolve_inside(root: str | os.PathLike[str], rel: str) -> Path:
    """``root/rel`` for a path the archive itself could have written; ValueError otherwise.

    Refused: an empty or absolute path, ``\\``, ``.``/``..``/empty components, and a path any
    component of which is a symbolic link, so that what a manifest line or a row names can never
    make a reader leave the archive folder.
    """
    if not isinstance(rel, str) or not rel:
        raise ValueError("empty path")
    parts = rel.split("/")
    if rel.startswith("/") or "\\" in rel or ":" in parts[0] or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"{rel!r} is not a plain path inside the archive")
    path = Path(root)
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise ValueError(f"{rel!r} goes through a symbolic link ({relpath_text(root, path)})")
    return path


def relpath_text(root: str | os.PathLike[str], path: Path) -> str:
    try:
        return path.relative_to(Path(root)).as_posix()
    except ValueError:
        return str(path)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _append(root: str | os.PathLike[str], entry: dict[str, Any]) -> None:
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    data = line.encode("utf-8")
    path = manifest_path(root)
    with _lock:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            if fcntl is not None:  # crawl workers of one snapshot append from several processes
                fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size:
                last = os.pread(fd, 1, size - 1)
                if last != b"\n":  # a torn line left by a killed process: terminate it first
                    data = b"\n" + data
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
        finally:
            os.close(fd)


def record_file(
    root: str | os.PathLike[str], path: str | os.PathLike[str], *, sha256: str | None = None
) -> dict[str, Any]:
    """Append the entry of a published file (sha256 + size + written_at); returns it.

    ``sha256`` may be passed when the caller computed it while writing (it is
    not re-checked); otherwise the file is hashed (streaming).
    """
    rel = relpath(root, path)
    full = Path(root) / rel
    size = full.stat().st_size
    digest = sha256 if sha256 is not None else sha256_file(full)
    entry = {"path": rel, "sha256": digest, "size": size, "written_at": _now()}
    _append(root, entry)
    return entry


def forget_file(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> None:
    """Append ``{"path": …, "deleted": true}``: the archive deleted (or is deleting) that file."""
    _append(root, {"path": relpath(root, path), "deleted": True, "written_at": _now()})


def read_manifest(root: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Latest entry per path (relative, ``/``-separated); deleted paths are left out.

    Lines that are not a JSON object with a ``path`` (a torn last line, or a
    torn line terminated by a later append) are ignored.
    """
    out: dict[str, dict[str, Any]] = {}
    path = manifest_path(root)
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        return out
    with fh:
        for raw in fh:
            try:
                entry = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                continue
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                continue
            if entry.get("deleted"):
                out.pop(entry["path"], None)
            else:
                out[entry["path"]] = entry
    return out
