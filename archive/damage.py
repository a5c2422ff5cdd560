"""What a writer checks before it builds on an archive, and what ``--repair`` does about it.

A writer (crawl, ``reextract``, the compaction at close) must not write over damage that
:func:`archive.verify.verify` would report: its reconciliation of the manifest would otherwise
make the damage disappear (a deleted final Parquet part forgotten, a rewritten file recorded as
new), and ``verify`` would then say OK while a ``*_latest`` view silently lost rows.
:func:`find_damage` is the cheap part of ``verify`` (no hashing of WARC or Parquet files):

* every ``_manifest.jsonl`` entry is a plain path inside the archive, and the file exists with
  the recorded size;
* every published file (table Parquet files, WARC files, CDXJ indexes) is in the manifest.

What a killed writer leaves is not damage, and is left to the writer's own recovery: a file of
the unfinished snapshot not yet in the manifest, a numbered part that a final file replaces
(compaction deleted it), a final of an unfinished snapshot (discarded on resume).

:func:`repair` (``--repair``) makes the damage explicit instead: a damaged or unlisted file is
moved to ``_quarantine/`` (never deleted), a lost file's manifest entry is closed, and every
action is appended to ``_repairs.jsonl`` (one JSON object per line: ``at, command, snapshot,
kind, path, detail, action``), which ``verify`` prints.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from .atomic import fsync_dir
from .exceptions import ArchiveError
from .layout import RUNS_DIR, closed_snapshot_ids, data_files, parse_part
from .manifest import forget_file, read_manifest, resolve_inside
from .schema import RECORD_TABLES, TABLES
from .verify import Problem
from .warc.layout import INDEX_DIR, parse_warc_name, warc_files

REPAIRS = "_repairs.jsonl"
QUARANTINE = "_quarantine"


class ArchiveDamagedError(ArchiveError):
    """The archive has damage ``verify`` reports; the writer refuses to build on it."""

    def __init__(self, root: Path, problems: list[Problem]):
        self.problems = problems
        first = problems[0]
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        super().__init__(
            f"{root} is damaged ({first}{more}): nothing written; see `portal-archive verify --archive {root}`, "
            "restore the files from a copy, or run again with --repair to record the damage and go on"
        )


def _unfinished(root: Path, closed: set[str]) -> set[str]:
    runs = root / RUNS_DIR
    ids = {p.stem for p in runs.glob("*.json")} if runs.is_dir() else set()
    return ids - closed


def _snapshot_of(rel: str) -> str | None:
    name = rel.rsplit("/", 1)[-1]
    parsed = parse_part(name)
    if parsed:
        return parsed[0]
    parsed_warc = parse_warc_name(name)
    if parsed_warc:
        return parsed_warc[0]
    if rel.startswith(f"{INDEX_DIR}/") and name.endswith(".cdxj"):
        return name[: -len(".cdxj")]
    return None


def _superseded(root: Path) -> set[str]:
    """Numbered parts (relative paths) replaced by an existing final file."""
    from .compact import compacted_parts  # noqa: PLC0415 (compact imports the writer stack)

    out = set()
    for table in RECORD_TABLES:
        folder = root / table
        for path in data_files(folder):
            parsed = parse_part(path.name)
            if parsed and parsed[1] == "final":
                try:
                    out.update(f"{table}/{name}" for name in compacted_parts(path))
                except Exception:  # noqa: BLE001 - an unreadable final is reported by verify
                    pass
    return out


def published_files(root: Path) -> list[str]:
    """Relative paths of the files the manifest must list: table Parquet files, WARC files, CDXJ indexes."""
    out = []
    for table in TABLES:
        out += [f"{table}/{p.name}" for p in data_files(root / table) if not p.name.startswith((".", "_"))]
    out += [p.relative_to(root).as_posix() for p in warc_files(root)]
    indexes = root / INDEX_DIR
    if indexes.is_dir():
        out += [f"{INDEX_DIR}/{p.name}" for p in indexes.iterdir() if p.is_file() and p.name.endswith(".cdxj")]
    return sorted(out)


def find_damage(root: str | os.PathLike[str]) -> list[Problem]:
    """The damage ``verify`` would report that can be seen without hashing (see module doc)."""
    root = Path(root)
    try:
        entries = read_manifest(root)
    except OSError as exc:
        return [Problem("manifest_unreadable", "_manifest.jsonl", str(exc))]
    closed = closed_snapshot_ids(root)
    unfinished = _unfinished(root, closed)
    superseded = None
    problems = []
    for rel, entry in sorted(entries.items()):
        try:
            path = resolve_inside(root, rel)
        except ValueError as exc:
            problems.append(Problem("unsafe_path", "_manifest.jsonl", f"entry {rel!r}: {exc}"))
            continue
        if not path.is_file():
            if superseded is None:
                superseded = _superseded(root)
            snapshot = _snapshot_of(rel)
            final_of_unfinished = rel.endswith("-final.parquet") and snapshot in unfinished
            if rel in superseded or final_of_unfinished:
                continue  # a killed writer deleted it before noting so: its recovery closes the entry
            problems.append(Problem("missing_file", rel, "listed in _manifest.jsonl but not on disk"))
            continue
        size = entry.get("size")
        if size is not None and path.stat().st_size != int(size):
            problems.append(Problem("manifest_mismatch", rel, f"size {path.stat().st_size} != manifest {size}"))
    for rel in published_files(root):
        if rel in entries:
            continue
        if _snapshot_of(rel) in unfinished:
            continue  # published by a writer killed before its manifest line
        problems.append(Problem("not_in_manifest", rel, "published file missing from _manifest.jsonl"))
    return problems


def adopt_unlisted(root: str | os.PathLike[str], snapshot_id: str) -> list[str]:
    """Record in the manifest the published files of ``snapshot_id`` (unfinished, being resumed) it lacks:
    a writer killed between a rename and its manifest line.  Returns their relative paths."""
    from .manifest import record_file  # noqa: PLC0415

    root = Path(root)
    entries = read_manifest(root)
    adopted = [rel for rel in published_files(root) if rel not in entries and _snapshot_of(rel) == snapshot_id]
    for rel in adopted:
        record_file(root, rel)
    return adopted


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _quarantine(root: Path, rel: str) -> str:
    dest = root / QUARANTINE / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while dest.exists():
        n += 1
        dest = root / QUARANTINE / f"{rel}.{n}"
    os.replace(root / rel, dest)
    fsync_dir(dest.parent)
    fsync_dir((root / rel).parent)
    return dest.relative_to(root).as_posix()


def repair(root: str | os.PathLike[str], problems: list[Problem], *, command: str, snapshot: str | None) -> list[dict]:
    """Act on :func:`find_damage`'s problems (see module doc); returns the lines appended to ``_repairs.jsonl``."""
    root = Path(root)
    logged = []
    for p in problems:
        if p.kind == "missing_file":
            forget_file(root, p.path)
            action = "manifest entry closed: the file and the rows it held are lost"
        elif p.kind in ("manifest_mismatch", "not_in_manifest"):
            if p.kind == "manifest_mismatch":
                forget_file(root, p.path)
            action = f"moved to {_quarantine(root, p.path)}: its rows are no longer read"
        elif p.kind == "unsafe_path":
            action = "manifest entry ignored (never read)"
        else:
            action = "none possible"
        logged.append({"at": _now(), "command": command, "snapshot": snapshot, "kind": p.kind, "path": p.path,
                       "detail": p.detail, "action": action})
    if logged:
        data = "".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in logged).encode()
        fd = os.open(root / REPAIRS, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    return logged


def read_repairs(root: str | os.PathLike[str]) -> list[dict]:
    """Every line of ``_repairs.jsonl`` (torn lines skipped)."""
    out = []
    try:
        with open(Path(root) / REPAIRS, encoding="utf-8") as fh:
            for raw in fh:
                try:
                    line = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(line, dict):
                    out.append(line)
    except FileNotFoundError:
        pass
    return out


def check_before_write(root: str | os.PathLike[str], *, repair_damage: bool = False, command: str = "writer",
                       snapshot: str | None = None) -> list[dict]:
    """Refuse (ArchiveDamagedError) to build on damage, or with ``repair_damage`` repair and record it.

    Returns the repairs made (empty when the archive was sound).
    """
    root = Path(root)
    problems = find_damage(root)
    if not problems:
        return []
    if not repair_damage:
        raise ArchiveDamagedError(root, problems)
    return repair(root, problems, command=command, snapshot=snapshot)
