"""WACZ package of one snapshot, written by py-wacz (webrecorder's own writer), for ReplayWeb.page / pywb.

What goes in: the WARC files :func:`archive.warc.revisits.replay_files` names — the snapshot's own
files and those holding the captures its revisits stand for (a re-crawl's 304s) or its records were
rebuilt from (``reextract``) — so every record of the snapshot replays from the package alone.
``pages/pages.jsonl`` lists one page per record of the state as of the snapshot: the URL and time
of the capture the snapshot made of it (its revisit, for a 304), and the record's title.

py-wacz (``wacz create``) indexes the files itself (CDXJ, compressed ``index.cdx.gz`` + ``index.idx``),
hashes every resource into ``datapackage.json`` and names resources as the WACZ spec's
frictionless schema requires (lower case).  The output is written to a hidden temp file beside
``dest`` and renamed into place.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from typing import Any

from ..atomic import replace_with, temp_path
from ..exceptions import ArchiveError
from .layout import WARC_DIR, open_files
from ..layout import RUNS_DIR
from .reader import WarcReadError, iter_responses, read_record
from .revisits import replay_files
from .writer import warc_date


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def snapshot_pages(root: str | os.PathLike[str], snapshot_id: str) -> list[dict[str, Any]]:
    """``{url, ts, title}`` of every record of the state as of the snapshot (see module doc)."""
    from ..query import connect  # noqa: PLC0415
    from ..schema import RECORD_TABLES  # noqa: PLC0415

    root = Path(root)
    con = connect(root)
    try:
        views = {r[0] for r in con.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        records: list[tuple] = []
        for table in RECORD_TABLES:
            if f"{table}_latest" in views:
                records += con.sql(
                    f'SELECT record_id, title, warc_file, warc_offset, warc_length FROM "{table}_as_of"'
                    f"({_lit(snapshot_id)}) WHERE warc_file IS NOT NULL ORDER BY url").fetchall()
        revisits = {}
        if "pages" in views:
            revisits = {r[0]: r[1:] for r in con.sql(
                "SELECT record_id, warc_file, warc_offset, warc_length FROM pages WHERE snapshot_id = "
                f"{_lit(snapshot_id)} AND status = 304 AND record_id IS NOT NULL AND warc_file IS NOT NULL").fetchall()}
    finally:
        con.close()
    if not records:  # no record tables (WARC files only): every HTML page the snapshot fetched
        return _fetched_pages(root, snapshot_id)
    pages, seen = [], set()
    for record_id, title, *pointer in records:
        pointer = revisits.get(record_id, pointer)
        try:
            capture = read_record(root, pointer[0], int(pointer[1]), int(pointer[2]))
        except WarcReadError:
            continue  # verify reports it; the package lists what can be replayed
        key = (capture.url, capture.date)
        if key in seen:
            continue
        seen.add(key)
        page = {"url": capture.url, "ts": warc_date(capture.date)}
        if title:
            page["title"] = title
        pages.append(page)
    return pages


def _fetched_pages(root: Path, snapshot_id: str) -> list[dict[str, Any]]:
    pages = []
    for _pointer, resp in iter_responses(root, snapshot_id):
        content_type = (resp.header("Content-Type") or "").split(";", 1)[0].strip().lower()
        if resp.record_type == "response" and resp.status == 200 and content_type in ("text/html", "application/xhtml+xml"):
            pages.append({"url": resp.url, "ts": warc_date(resp.date)})
    return pages


def _seed(root: Path, snapshot_id: str) -> str | None:
    """The snapshot's first seed, from its run record ``_runs/<snapshot>.json``."""
    try:
        seeds = json.loads((root / RUNS_DIR / f"{snapshot_id}.json").read_text(encoding="utf-8")).get("seeds")
    except (OSError, ValueError, AttributeError):
        return None
    return seeds[0] if seeds and isinstance(seeds[0], str) else None


def _py_wacz(args: list[str]) -> None:
    from wacz.main import main as wacz_main  # noqa: PLC0415 - py-wacz only when packaging

    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = wacz_main(args)
    except OSError:
        raise  # a full disk, a folder not writable: the operating system's error, not the package's
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - py-wacz reports by printing and raising
        raise ArchiveError(f"wacz create failed: {type(exc).__name__}: {exc}; {_last_words(out)}") from None
    if code:
        raise ArchiveError(f"wacz create failed ({code}): {_last_words(out)}")


def _last_words(out: io.StringIO) -> str:
    """The end of what py-wacz printed, on one line."""
    return " ".join(out.getvalue()[-500:].split())


def write_wacz(
    root: str | os.PathLike[str],
    snapshot_id: str,
    dest: str | os.PathLike[str],
    *,
    title: str | None = None,
    description: str | None = None,
) -> Path:
    """Package the snapshot as a WACZ at ``dest`` (atomically; an existing ``dest`` is replaced).

    Refuses a snapshot whose WARC files are still open, or which has nothing to replay.
    """
    root = Path(root).absolute()
    dest = Path(dest).absolute()
    pending = open_files(root, snapshot_id)
    if pending:
        raise ArchiveError(f"snapshot {snapshot_id} has WARC files still open ({', '.join(p.name for p in pending)}): "
                           "let its crawl finish, or run the crawl again to resume it")
    files = replay_files(root, snapshot_id)
    if not files:
        raise ArchiveError(f"snapshot {snapshot_id} has no captures to package (no WARC files in {root / WARC_DIR})")
    names = [p.name for p in files]
    if len(set(names)) != len(names):
        raise ArchiveError(f"snapshot {snapshot_id}: WARC file names are not unique: {names}")
    pages = snapshot_pages(root, snapshot_id)
    dest.parent.mkdir(parents=True, exist_ok=True)
    pages_tmp = temp_path(dest.parent, dest.name + ".pages")
    try:
        args = ["create", "--title", title or f"portal-archive snapshot {snapshot_id}"]
        if description:
            args += ["--desc", description]
        if pages:
            header = {"format": "json-pages-1.0", "id": "pages", "title": "Records of the snapshot"}
            pages_tmp.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in [header, *pages]),
                                 encoding="utf-8")
            args += ["--pages", str(pages_tmp)]
            seed = _seed(root, snapshot_id)
            if seed and any(p["url"] == seed for p in pages):
                args += ["--url", seed]
        else:
            args += ["--detect-pages"]
        replace_with(dest, lambda tmp: _py_wacz([*args, "-o", str(tmp), *map(str, files)]))
    finally:
        with contextlib.suppress(FileNotFoundError):
            pages_tmp.unlink()
    return dest
