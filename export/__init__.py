"""Exports for migration teams: records, media and a redirect map in formats that real tools import.

``run_export(archive, fmt, out, selection)`` writes one folder ``out`` (built beside it, renamed into
place): the format's files (``records.jsonl``; ``<table>.csv``; ``<table>.parquet``; a Hugo site;
``wordpress.wxr.xml``; ``archive.db``), the media once per SHA-256 as ``<slug>-<sha8>.<ext>``
(``media/``, or beside each Hugo page), ``redirects.csv`` + ``redirects.nginx.conf``, and
``export-report.json`` (counts, media bytes, missing media, warnings). Reads the archive only through
:mod:`archive`'s public API.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from archive.lock import ArchiveLockedError, check_unlocked, describe_holder

from .collect import Collector, Progress
from .output import format_summary, staged, write_report
from .redirects import RedirectMap
from .source import ExportError, Selection, parse_day, parse_kinds

FORMATS = ("jsonl", "csv", "parquet", "markdown", "wxr", "sqlite")
SITE_TITLE = "Cổng thông tin điện tử thị xã Hoàng Mai"
#: An http(s) URL the exports may write into nginx maps, XML and YAML: no spaces, quotes or nginx syntax.
HTTP_URL = r"https?://[^\s\"'\\{};$/]+(/[^\s\"'\\{};$]*)?"

__all__ = ["FORMATS", "ExportError", "Selection", "format_summary", "parse_day", "parse_kinds", "run_export"]


def _writer(fmt: str, folder: Path, collector: Collector, base_url: str, media_url: str | None, site_title: str):
    if fmt in ("jsonl", "csv", "parquet"):
        from .tabular import TabularWriter

        return TabularWriter(fmt, folder, collector.tables())
    if fmt == "markdown":
        from .hugo import HugoWriter

        return HugoWriter(folder, collector.media, site_title, base_url)
    if fmt == "wxr":
        from .wxr import WxrWriter

        return WxrWriter(folder, collector.media, collector.site, site_title, base_url,
                         media_url or base_url.rstrip("/") + "/media/")
    return None


def nothing_to_export(collector: Collector, selection: Selection) -> str:
    """Why an export found no record: an archive without any, or a selection no record matches."""
    state = f"as of snapshot {selection.snapshot}" if selection.snapshot else "in its latest state"
    root = collector.source.root
    if not any(collector.locators.values()):
        try:
            check_unlocked(root)
        except ArchiveLockedError as exc:  # a first crawl still running: its records show when it closes
            return (f"{root} has no records yet: {describe_holder(exc.holder)} is writing it; export when it "
                    "has finished")
        return (f"{root} has no records {state} (`portal-archive snapshots --archive {root}` shows what its "
                "crawls got): nothing to export")
    chosen = [f"--{k} {v}" for k, v in (("kind", ",".join(selection.kinds)), ("since", selection.since),
                                        ("until", selection.until), ("section", selection.section)) if v]
    return f"no record {state} matches {' '.join(chosen) or 'the selection'}: nothing to export"


def run_export(archive: str | Path, fmt: str, out: str | Path, selection: Selection = Selection(), *,
               base_url: str = "http://localhost:8000/", media_url: str | None = None,
               site_title: str | None = None, redirect_to: str = "", quiet: bool = False) -> dict[str, Any]:
    """Export, and return the report (also written to ``out/export-report.json``)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if redirect_to and not re.fullmatch(HTTP_URL, redirect_to):
        raise ExportError(f"--redirect-to {redirect_to!r} is not an http(s) origin such as https://new.example.vn")
    for option, url in (("--base-url", base_url), ("--media-url", media_url)):
        if url is not None and not re.fullmatch(HTTP_URL, url):
            raise ExportError(f"{option} {url!r} is not an http(s) URL such as http://127.0.0.1:8000/")
    out = Path(out).absolute()
    root = Path(archive).absolute()
    if not (root / "_archive.json").is_file():
        raise ExportError(f"{root} is not an archive (no _archive.json): pass --archive DIR")
    if out == root or root in out.parents:
        raise ExportError(f"{out} is inside the archive {root}: write exports elsewhere (the archive is read-only here)")
    with staged(out) as folder:
        media_dir = None if fmt == "markdown" else folder / "media"
        collector = Collector(Path(archive), selection, media_dir)
        try:
            writer = _writer(fmt, folder, collector, base_url, media_url, site_title or SITE_TITLE)
            redirects = RedirectMap(redirect_to)
            progress = Progress(collector.total(), quiet=quiet)
            for item in collector.items(progress):
                redirects.add(item)
                if writer is not None:
                    writer.add(item)
                if fmt not in ("markdown", "wxr"):
                    for m in item.media:
                        if m.get("file"):
                            collector.media.copy(m["sha256"])
            if not collector.counts:
                raise ExportError(nothing_to_export(collector, selection))
            if fmt == "sqlite":
                from .sqlite import write_sqlite

                write_sqlite(collector, folder)
            elif fmt in ("markdown", "wxr"):
                writer.close(collector.site)
            else:
                writer.close()
            exported_areas = {a for a in collector.site.categories if redirects.areas and any(
                p.startswith("/" + "/".join(a) + "/") for p in redirects.areas)}
            redirects.add_listings([r[0] for r in collector.source.listing_pages()], exported_areas)
            warnings = list(collector.warnings)
            n_redirects = redirects.write(folder, warnings)
            if collector.skipped_undated:
                warnings.append(f"{collector.skipped_undated} records without a date left out by --since/--until")
            missing = collector.media.missing
            if missing:
                warnings.append(f"{len(missing)} media references not in the archive (missing_media)")
            report = {
                "format": fmt, "out": str(out), "archive": str(collector.source.root),
                "state": f"as of snapshot {selection.snapshot}" if selection.snapshot else "latest",
                "selection": {"kinds": list(selection.kinds), "since": selection.since, "until": selection.until,
                              "section": selection.section, "site": selection.site},
                "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                "records": sum(collector.counts.values()), "records_per_table": collector.counts,
                "media_files": collector.media.files, "media_bytes": collector.media.bytes,
                "missing_media": missing, "redirects": n_redirects, "warnings": warnings,
            }
            write_report(folder, report)
        finally:
            collector.close()
    return report
