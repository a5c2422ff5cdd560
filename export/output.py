"""The export folder: built in a hidden sibling, published by one rename; never over an existing export."""
from __future__ import annotations

import json
import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .source import ExportError

REPORT = "export-report.json"


def check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} already exists and is not empty: choose a new --out (an export never overwrites)")
    if not out.parent.is_dir():
        raise ExportError(f"the folder {out.parent} does not exist: create it or choose another --out")


@contextmanager
def staged(out: Path):
    """Yield a temp folder beside ``out``; on success it becomes ``out`` (atomic rename), on failure it goes."""
    check_out(out)
    tmp = out.parent / f".tmp-{out.name}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        yield tmp
        if out.exists():
            out.rmdir()  # empty (checked above)
        os.rename(tmp, out)
        fd = os.open(out.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_report(folder: Path, report: dict[str, Any]) -> None:
    write_text(folder / REPORT, json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n")


def format_summary(report: dict[str, Any]) -> str:
    lines = [f"Exported      {report['format']} → {report['out']}",
             f"Archive       {report['archive']}  ({report['state']})",
             f"Records       {report['records']}"]
    for table, n in report["records_per_table"].items():
        lines.append(f"  {table:<12}{n:>6}")
    lines.append(f"Media         {report['media_files']} files, {report['media_bytes'] / 1e6:.1f} MB")
    lines.append(f"Missing media {len(report['missing_media'])}" + ("  (listed in export-report.json)" if report["missing_media"] else ""))
    lines.append(f"Redirects     {report['redirects']} old URLs → new paths (redirects.csv, redirects.nginx.conf)")
    lines.append(f"Warnings      {len(report['warnings'])}")
    lines.extend(f"  {w}" for w in report["warnings"][:10])
    if len(report["warnings"]) > 10:
        lines.append(f"  … {len(report['warnings']) - 10} more in export-report.json")
    return "\n".join(lines)
