"""Names of things on disk: snapshot ids, part files, the marker file.

::

    <root>/_archive.json                          format marker
    <root>/_manifest.jsonl                        sha256/size of every published file
    <root>/_runs/<snapshot>.json                  a snapshot's run record (written when opened)
    <root>/.lock                                  the writer lock (flock)
    <root>/<table>/part-<prefix>-<seq:06d>.parquet  one flush of a TableWriter
    <root>/<table>/part-<prefix>-<seq:06d>.w-<worker>.parquet  the same, of one worker of a scaled-out crawl
    <root>/<record table>/part-<snapshot>-final.parquet   compacted records of a snapshot
    <root>/<table>/.tmp-*.tmp                       in-flight writes (never read)

The part prefix is the snapshot id, so every file names the crawl run it belongs to; the crawl workers
that share one snapshot (``crawl --redis``) add their name (:func:`worker_tag`), so no two write one name.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path

MARKER = "_archive.json"
FORMAT = "portal-archive"
RUNS_DIR = "_runs"

_SNAPSHOT_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
#: ``.w-<worker>`` before the extension: the worker of a scaled-out crawl that wrote the file
WORKER_MARK = ".w-"
_WORKER_RE = re.compile(r"[A-Za-z0-9_]{1,64}")
_TAG = r"(?:\.w-(?P<worker>[A-Za-z0-9_]{1,64}))?"
_PART_RE = re.compile(r"part-(?P<prefix>(?:(?!\.w-).)+)-(?P<seq>\d{6,}|final)" + _TAG + r"\.parquet")


def new_snapshot_id(now: dt.datetime | None = None, *, after: str | None = None) -> str:
    """Sortable UTC timestamp (microseconds) plus a short random suffix: ``20240131T235959.123456Z-3fa9c1``.

    ``after``: the latest existing id; the new id sorts after it even if the clock says otherwise
    (two snapshots opened within the same instant, or a clock stepped back), so ``ORDER BY
    snapshot_id`` is always the order in which snapshots were opened.
    """
    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    if after:
        try:
            last = dt.datetime.strptime(after.split("-", 1)[0], "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=dt.timezone.utc)
        except ValueError:
            try:
                last = dt.datetime.strptime(after.split("-", 1)[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
            except ValueError:
                last = None
        if last is not None and now <= last:
            now = last + dt.timedelta(microseconds=1)
    return now.strftime("%Y%m%dT%H%M%S.%fZ") + "-" + secrets.token_hex(3)


def check_snapshot_id(snapshot_id: str) -> str:
    if not isinstance(snapshot_id, str) or not _SNAPSHOT_ID_RE.fullmatch(snapshot_id):
        raise ValueError(
            f"invalid snapshot id {snapshot_id!r}: use 1-100 characters from [A-Za-z0-9._-], "
            "starting with a letter or digit"
        )
    return snapshot_id


def worker_tag(worker: str | None) -> str:
    """``.w-<worker>`` (empty for a crawl of one process); a worker name is 1-64 of ``[A-Za-z0-9_]``."""
    if worker is None:
        return ""
    if not isinstance(worker, str) or not _WORKER_RE.fullmatch(worker):
        raise ValueError(f"invalid worker name {worker!r}: use 1-64 characters from [A-Za-z0-9_]")
    return WORKER_MARK + worker


def part_name(prefix: str, seq: int, worker: str | None = None) -> str:
    return f"part-{prefix}-{seq:06d}{worker_tag(worker)}.parquet"


def final_name(snapshot_id: str) -> str:
    return f"part-{snapshot_id}-final.parquet"


def _numbered_re(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"part-{re.escape(prefix)}-(\d{{6,}})" + _TAG + r"\.parquet")


def numbered_parts(table_dir: Path, prefix: str) -> list[Path]:
    """``part-<prefix>-NNNNNN[.w-<worker>].parquet`` files in ``table_dir`` (every worker's), in sequence order."""
    pattern = _numbered_re(prefix)
    found = []
    if table_dir.is_dir():
        for path in table_dir.iterdir():
            m = pattern.fullmatch(path.name)
            if m:
                found.append((int(m.group(1)), path.name, path))
    return [p for _, _, p in sorted(found)]


def next_seq(table_dir: Path, prefix: str) -> int:
    parts = numbered_parts(table_dir, prefix)
    if not parts:
        return 1
    return max(int(_numbered_re(prefix).fullmatch(p.name).group(1)) for p in parts) + 1


def final_part(table_dir: Path, snapshot_id: str) -> Path:
    return table_dir / final_name(snapshot_id)


def parse_part(name: str) -> tuple[str, str] | None:
    """``(prefix, seq-or-'final')`` for a part file name, else None.

    A prefix may itself contain ``-``; the regex is greedy, so the last
    ``-<digits>``/``-final`` group is the sequence.
    """
    m = _PART_RE.fullmatch(name)
    return (m.group("prefix"), m.group("seq")) if m else None


def data_files(table_dir: Path) -> list[Path]:
    """Visible Parquet files of a table folder (what ``*.parquet`` globs see), sorted."""
    if not table_dir.is_dir():
        return []
    return sorted(p for p in table_dir.iterdir() if p.name.endswith(".parquet") and p.is_file())


def run_record(root: Path, snapshot_id: str) -> Path:
    """``<root>/_runs/<snapshot_id>.json``: seeds, start time and resume count of a snapshot."""
    return Path(root) / RUNS_DIR / f"{snapshot_id}.json"


def final_parts(table_dir: Path) -> list[Path]:
    """``part-<snapshot>-final.parquet`` files of a table folder, sorted."""
    out = []
    for path in data_files(table_dir):
        parsed = parse_part(path.name)
        if parsed and parsed[1] == "final":
            out.append(path)
    return out


def closed_snapshot_ids(root: Path) -> set[str]:
    """Snapshots with a ``snapshots`` row (closed), from the part file names."""
    out = set()
    for path in data_files(Path(root) / "snapshots"):
        parsed = parse_part(path.name)
        if parsed and parsed[1] != "final":
            out.add(parsed[0])
    return out
