"""Names of the WARC files, their folder and the CDXJ indexes.

::

    <root>/warc/<snapshot_id>/portal-archive-<snapshot_id>-<seq:05d>.warc.gz        finished file
    <root>/warc/<snapshot_id>/portal-archive-<snapshot_id>-<seq:05d>.warc.gz.open   being written
    <root>/warc/<snapshot_id>/portal-archive-<snapshot_id>-<seq:05d>.w-<worker>.warc.gz  of one crawl worker
    <root>/indexes/<snapshot_id>.cdxj                                             CDXJ index

Pointers (``warc_file`` columns) are relative to the archive root and always
name the FINAL ``.warc.gz`` file, also while it is still ``.open``.  The
``filename`` field of a CDXJ line is relative to ``<root>/warc/`` (i.e.
``<snapshot_id>/portal-archive-….warc.gz``), so pywb's ``archive_paths`` can be
set to ``<root>/warc/``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..layout import worker_tag

WARC_DIR = "warc"
INDEX_DIR = "indexes"
WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"
FILE_PREFIX = "portal-archive-"

_NAME_RE = re.compile(r"portal-archive-(?P<snapshot>(?:(?!\.w-).)+)-(?P<seq>\d{5,})(?:\.w-[A-Za-z0-9_]{1,64})?"
                      r"\.warc\.gz(?P<open>\.open)?")


def snapshot_dir(root: Path, snapshot_id: str) -> Path:
    return Path(root) / WARC_DIR / snapshot_id


def warc_name(snapshot_id: str, seq: int, worker: str | None = None) -> str:
    """``worker``: the crawl worker writing it (``crawl --redis``), see :func:`archive.layout.worker_tag`."""
    return f"{FILE_PREFIX}{snapshot_id}-{seq:05d}{worker_tag(worker)}{WARC_SUFFIX}"


def parse_warc_name(name: str) -> tuple[str, int, bool] | None:
    """``(snapshot_id, seq, is_open)`` for a WARC file name of ours, else None."""
    m = _NAME_RE.fullmatch(name)
    if not m:
        return None
    return m.group("snapshot"), int(m.group("seq")), bool(m.group("open"))


def final_path(path: Path) -> Path:
    """``x.warc.gz`` for ``x.warc.gz.open`` (unchanged otherwise)."""
    return path.with_name(path.name[: -len(OPEN_SUFFIX)]) if path.name.endswith(OPEN_SUFFIX) else path


def open_path(path: Path) -> Path:
    return path if path.name.endswith(OPEN_SUFFIX) else path.with_name(path.name + OPEN_SUFFIX)


def relative(root: Path, path: Path) -> str:
    """Path of ``path`` relative to ``root``, with forward slashes."""
    return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()


def snapshot_ids(root: Path) -> list[str]:
    base = Path(root) / WARC_DIR
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))


def warc_files(root: Path, snapshot_id: str | None = None, *, include_open: bool = False) -> list[Path]:
    """WARC files of one snapshot (or of all), in (snapshot, seq) order.

    Finished ``.warc.gz`` files only, unless ``include_open``.  Files not named
    like ours (e.g. copied in by hand) are included after ours, by name.
    """
    snapshots = [snapshot_id] if snapshot_id is not None else snapshot_ids(root)
    out: list[Path] = []
    for snap in snapshots:
        folder = snapshot_dir(root, snap)
        if not folder.is_dir():
            continue
        keyed = []
        for p in folder.iterdir():
            if p.name.startswith(".") or not p.is_file():
                continue
            is_open = p.name.endswith(WARC_SUFFIX + OPEN_SUFFIX)
            if not (p.name.endswith(WARC_SUFFIX) or (include_open and is_open)):
                continue
            parsed = parse_warc_name(p.name)
            keyed.append(((0, parsed[1], p.name) if parsed else (1, 0, p.name), p))
        out.extend(p for _, p in sorted(keyed))
    return out


def open_files(root: Path, snapshot_id: str | None = None) -> list[Path]:
    """Leftover or in-progress ``.warc.gz.open`` files."""
    return [p for p in warc_files(root, snapshot_id, include_open=True) if p.name.endswith(OPEN_SUFFIX)]


def next_seq(folder: Path, snapshot_id: str) -> int:
    """1 + the highest sequence number used in ``folder`` (finished or open), else 1."""
    high = 0
    if folder.is_dir():
        for p in folder.iterdir():
            parsed = parse_warc_name(p.name)
            if parsed and parsed[0] == snapshot_id:
                high = max(high, parsed[1])
    return high + 1


def index_path(root: Path, snapshot_id: str) -> Path:
    return Path(root) / INDEX_DIR / f"{snapshot_id}.cdxj"
