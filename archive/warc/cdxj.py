"""CDXJ index of a snapshot's WARC files, as pywb and ReplayWeb.page read it.

One line per ``response``, ``revisit`` and ``resource`` record::

    <SURT url key> <14-digit timestamp> {"url": …, "mime": …, "status": …, "digest": …,
                                         "length": …, "offset": …, "filename": …}

sorted (plain string order of the whole line, as pywb's binary search
expects).  Built with webrecorder's ``cdxj-indexer`` (the indexer behind
py-wacz and pywb; SURT keys from the ``surt`` package, so lookups by replay
tools use the very same canonicalization).  POST requests get their body
appended to the key (``post_append``) as pywb expects.

``filename`` is relative to ``<root>/warc/`` (``<snapshot_id>/portal-archive-….warc.gz``):
point pywb's ``archive_paths`` at ``<root>/warc/``.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..atomic import replace_with
from ..exceptions import ArchiveError
from .layout import WARC_DIR, index_path, open_files, warc_files


def surt_key(url: str) -> str:
    """The SURT key the index uses for ``url`` (``com,example)/path?query``)."""
    import surt

    try:
        return surt.surt(url)
    except Exception:  # noqa: BLE001 - same fallback as cdxj-indexer
        return url


def _check_closed(root: Path, snapshot_id: str) -> list[Path]:
    pending = open_files(root, snapshot_id)
    if pending:
        names = ", ".join(p.name for p in pending)
        raise ArchiveError(
            f"snapshot {snapshot_id} has WARC files still open ({names}): close the writer or run "
            "archive.warc.recover() first"
        )
    files = warc_files(root, snapshot_id)
    if not files:
        raise ArchiveError(f"snapshot {snapshot_id} has no WARC files in {root / WARC_DIR}")
    return files


def indexer_class():
    """cdxj-indexer's ``CDXJIndexer``, imported on first use (not needed while crawling).

    cdxj-indexer imports pyamf (AMF request bodies), whose adapter registry asks ``pkg_resources`` for its own
    folder: importing ``pkg_resources`` scans every installed distribution, ~0.7 s of CPU at each crawl's end
    (or beside it, holding the GIL). pyamf falls back to ``os.path.dirname(__file__)``, the same folder, when
    that import fails, so unless something already imported it, the import of ``pkg_resources`` fails at once
    for as long as cdxj-indexer is being imported."""
    import sys

    if "cdxj_indexer.main" not in sys.modules and "pkg_resources" not in sys.modules:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # "import pkg_resources" raises ImportError
        try:
            from cdxj_indexer.main import CDXJIndexer
        finally:
            if sys.modules.get("pkg_resources", 0) is None:
                del sys.modules["pkg_resources"]
        return CDXJIndexer
    from cdxj_indexer.main import CDXJIndexer

    return CDXJIndexer


def write_cdxj_to(out_path: Path, files: list[Path], dir_root: Path) -> None:
    """Index ``files`` into ``out_path`` (sorted), ``filename`` relative to ``dir_root``.

    Writes ``out_path`` directly (the caller provides a temp path).
    """
    indexer = indexer_class()(
        output=str(out_path),
        inputs=[str(p) for p in files],
        sort=True,
        post_append=True,
        dir_root=str(dir_root),
    )
    indexer.process_all()


def write_cdxj(root: str | os.PathLike[str], snapshot_id: str) -> Path:
    """Write ``<root>/indexes/<snapshot_id>.cdxj`` for the snapshot's finished WARC files.

    Atomic (temp file, fsync, rename): a reader sees the old index or the new
    one.  Refuses a snapshot with ``.open`` WARC files (its index would miss
    records).  The index is recorded in ``_manifest.jsonl`` (rebuilding it
    appends a new entry; the latest entry of a path wins).
    """
    root = Path(root).absolute()
    files = _check_closed(root, snapshot_id)
    dest = index_path(root, snapshot_id)
    dest.parent.mkdir(parents=True, exist_ok=True)
    replace_with(dest, lambda tmp: write_cdxj_to(tmp, files, root / WARC_DIR))
    from .. import manifest  # imported late, like in writer.py

    manifest.record_file(root, dest)
    return dest
