"""WACZ 1.1.1 package of one snapshot (loadable by ReplayWeb.page / pywb).

Layout of the zip::

    archive/portal-archive-<snapshot>-<seq>.warc.gz   the snapshot's WARC files (STORED)
    indexes/index.cdxj                                CDXJ index, ``filename`` = the WARC's base name
    pages/pages.jsonl                                 one line per HTML 200 response (url, ts, title)
    datapackage.json                                  resources (path, sha256 hash, bytes) + metadata
    datapackage-digest.json                           sha256 of datapackage.json

Written from the specification (webrecorder.net WACZ 1.1.1) with the
standard library plus ``cdxj-indexer``; the ``wacz`` package is not used
because it pulls in ``frictionless`` and its large dependency tree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

from ..atomic import replace_with, temp_path
from .cdxj import _check_closed, write_cdxj_to
from .reader import iter_responses
from .writer import warc_date

WACZ_VERSION = "1.1.1"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
HTML_TYPES = ("text/html", "application/xhtml+xml")
_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
TITLE_SCAN_BYTES = 256 * 1024


def _sha256_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _decoded_head(body: bytes, content_encoding: str | None) -> bytes | None:
    """The first bytes of the body without its Content-Encoding (gzip/deflate/br); None if unknown."""
    enc = (content_encoding or "").strip().lower()
    if enc in ("", "identity"):
        return body[:TITLE_SCAN_BYTES]
    try:
        if enc in ("gzip", "x-gzip", "deflate"):
            wbits = zlib.MAX_WBITS | 32 if enc != "deflate" else zlib.MAX_WBITS
            try:
                return zlib.decompressobj(wbits).decompress(body, TITLE_SCAN_BYTES)
            except zlib.error:
                if enc == "deflate":  # raw deflate, as some servers send
                    return zlib.decompressobj(-zlib.MAX_WBITS).decompress(body, TITLE_SCAN_BYTES)
                raise
        if enc == "br":
            import brotli  # optional; installed with Scrapy's extras

            return brotli.decompress(body)[:TITLE_SCAN_BYTES]
    except Exception:  # noqa: BLE001 - a title is optional
        return None
    return None


def page_title(body: bytes, content_type: str | None, content_encoding: str | None = None) -> str | None:
    """The <title> of an HTML body (cheap regex scan of the first 256 KiB), or None."""
    head = _decoded_head(body, content_encoding)
    if not head:
        return None
    m = _TITLE_RE.search(head)
    if not m:
        return None
    charset = None
    if content_type:
        cm = _CHARSET_RE.search(content_type)
        charset = cm.group(1) if cm else None
    if not charset:
        meta = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", head[:4096], re.IGNORECASE)
        charset = meta.group(1).decode("ascii", "replace") if meta else "utf-8"
    try:
        text = m.group(1).decode(charset, "replace")
    except LookupError:
        text = m.group(1).decode("utf-8", "replace")
    text = " ".join(html.unescape(text).split())
    return text or None


def _base_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _pages_jsonl(root: Path, snapshot_id: str) -> tuple[bytes, list[dict[str, Any]]]:
    lines = [json.dumps(PAGES_HEADER, ensure_ascii=False)]
    pages: list[dict[str, Any]] = []
    for _pointer, resp in iter_responses(root, snapshot_id):
        if resp.record_type != "response" or resp.status != 200:
            continue
        if _base_type(resp.header("Content-Type")) not in HTML_TYPES:
            continue
        page: dict[str, Any] = {
            "id": resp.record_id.strip("<>").rsplit(":", 1)[-1].replace("-", ""),
            "url": resp.url,
            "ts": warc_date(resp.date),
        }
        title = page_title(resp.body, resp.header("Content-Type"), resp.header("Content-Encoding"))
        if title:
            page["title"] = title
        pages.append(page)
        lines.append(json.dumps(page, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8"), pages


def _snapshot_seed(root: Path, snapshot_id: str) -> str | None:
    """First seed of the snapshot: from the ``snapshots`` table, else from ``_runs/<snapshot>.json``."""
    folder = root / "snapshots"
    if folder.is_dir():
        try:
            import pyarrow.dataset as ds

            table = ds.dataset(str(folder), format="parquet").to_table(
                columns=["snapshot_id", "seeds"], filter=ds.field("snapshot_id") == snapshot_id
            )
            for seeds in table.column("seeds").to_pylist():
                if seeds:
                    return seeds[0]
        except Exception:  # noqa: BLE001 - metadata only
            pass
    try:
        run = json.loads((root / "_runs" / f"{snapshot_id}.json").read_text(encoding="utf-8"))
        seeds = run.get("seeds") if isinstance(run, dict) else None
        if seeds and isinstance(seeds[0], str):
            return seeds[0]
    except (OSError, ValueError):
        pass
    return None


def _utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_wacz(
    root: str | os.PathLike[str],
    snapshot_id: str,
    dest: str | os.PathLike[str],
    *,
    title: str | None = None,
    description: str | None = None,
    main_page_url: str | None = None,
    software: str = "portal-archive",
) -> Path:
    """Package the snapshot's WARC files as a WACZ at ``dest`` (atomically: temp + rename).

    ``main_page_url`` defaults to the snapshot's first seed (``snapshots``
    table, else ``_runs/<snapshot>.json``), else the first page.  Refuses a snapshot with ``.open`` WARC files.
    An existing ``dest`` is replaced.
    """
    root = Path(root).absolute()
    dest = Path(dest)
    files = _check_closed(root, snapshot_id)
    names = [p.name for p in files]
    if len(set(names)) != len(names):
        raise ValueError(f"snapshot {snapshot_id}: WARC file names are not unique: {names}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    idx_tmp = temp_path(dest.parent, dest.name + ".cdxj")
    try:
        # index with filename = base name (the WARCs sit flat in archive/)
        write_cdxj_to(idx_tmp, files, files[0].parent)
        pages_bytes, pages = _pages_jsonl(root, snapshot_id)
        resources: list[dict[str, Any]] = []

        def add_resource(path_in_zip: str, sha: str, size: int) -> None:
            resources.append({"name": path_in_zip.rsplit("/", 1)[-1], "path": path_in_zip,
                              "hash": f"sha256:{sha}", "bytes": size})

        def write_zip(tmp: Path) -> None:
            with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
                for path in files:
                    sha, size = _sha256_file(path)
                    zf.write(path, f"archive/{path.name}", compress_type=zipfile.ZIP_STORED)
                    add_resource(f"archive/{path.name}", sha, size)
                sha, size = _sha256_file(idx_tmp)
                zf.write(idx_tmp, "indexes/index.cdxj", compress_type=zipfile.ZIP_DEFLATED)
                add_resource("indexes/index.cdxj", sha, size)
                zf.writestr("pages/pages.jsonl", pages_bytes, compress_type=zipfile.ZIP_DEFLATED)
                add_resource("pages/pages.jsonl", hashlib.sha256(pages_bytes).hexdigest(), len(pages_bytes))

                main_url = main_page_url or _snapshot_seed(root, snapshot_id) or (pages[0]["url"] if pages else None)
                package: dict[str, Any] = {
                    "profile": "data-package",
                    "wacz_version": WACZ_VERSION,
                    "title": title or f"portal-archive snapshot {snapshot_id}",
                    "created": _utc_now(),
                    "software": software,
                    "resources": resources,
                }
                if description:
                    package["description"] = description
                if main_url:
                    package["mainPageUrl"] = main_url
                    main_page = next((p for p in pages if p["url"] == main_url), None)
                    if main_page:
                        package["mainPageDate"] = main_page["ts"]
                package_bytes = (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
                zf.writestr("datapackage.json", package_bytes, compress_type=zipfile.ZIP_DEFLATED)
                digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
                zf.writestr("datapackage-digest.json", json.dumps(digest, indent=2) + "\n",
                            compress_type=zipfile.ZIP_DEFLATED)

        replace_with(dest, write_zip)
    finally:
        try:
            idx_tmp.unlink()
        except FileNotFoundError:
            pass
    return dest
