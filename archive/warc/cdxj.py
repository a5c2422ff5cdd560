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

A crawl does not read its WARC files again to index them: its :class:`~archive.warc.writer.WarcWriter`
makes each record's line as it writes it (:class:`CdxjLines`, the same line cdxj-indexer makes from the
record read back, byte for byte: ``tests/test_cdxj_lines.py`` compares the two on a crawl and a
re-crawl), and :func:`write_cdxj` sorts those lines into the index. Files it has no lines of (written
by a killed run and recovered, or by another crawl worker; or holding a POST whose body is not a
url-encoded form) are indexed by cdxj-indexer, as before.
"""

from __future__ import annotations

import heapq
import io
import json
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import unquote_plus

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
    """cdxj-indexer's ``CDXJIndexer`` with its own record types, imported on first use (not needed while crawling).

    py-wacz, once imported, appends ``warcinfo`` to the list of record types cdxj-indexer indexes by default
    (``CDXJIndexer.DEFAULT_RECORDS``, a list its class shares): in such a process the index would have a line
    for each ``warcinfo`` record, keyed ``-``. The class returned keeps cdxj-indexer's own list (:data:`INDEXED`).

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
    from cdxj_indexer.main import CDXJIndexer

    return type("Indexer", (CDXJIndexer,), {"DEFAULT_RECORDS": list(INDEXED)})


def write_cdxj_to(out_path: Path, files: list[Path], dir_root: Path, lines: CdxjLines | None = None) -> None:
    """Index ``files`` into ``out_path`` (sorted), ``filename`` relative to ``dir_root``: the lines
    ``lines`` made of the files it wrote, cdxj-indexer's of the others.

    Writes ``out_path`` directly (the caller provides a temp path).
    """
    if lines is not None and not lines.files <= {p.absolute() for p in files}:
        lines = None  # a file it wrote is not the snapshot's any more: every file is read again
    known = lines.files if lines is not None else set()
    others = [p for p in files if p.absolute() not in known]
    if not others:
        with open(out_path, "w", encoding="utf-8") as fh:
            fh.writelines(lines.sorted_lines())
        return
    merge = lines is not None and bool(lines.files)
    # cdxj-indexer's lines of the other files: straight into out_path, or into a temp file beside it to be
    # merged with the writer's lines, both streamed (never every line in memory)
    theirs = out_path.with_name(out_path.name + ".others") if merge else out_path
    try:
        indexer = indexer_class()(
            output=str(theirs),
            inputs=[str(p) for p in others],
            sort=True,
            post_append=True,
            dir_root=str(dir_root),
        )
        indexer.process_all()
        if not merge:
            return
        with open(theirs, encoding="utf-8") as fh, open(out_path, "w", encoding="utf-8") as out:
            out.writelines(heapq.merge(fh, lines.sorted_lines()))
    finally:
        if merge:
            theirs.unlink(missing_ok=True)


def write_cdxj(root: str | os.PathLike[str], snapshot_id: str, lines: CdxjLines | None = None) -> Path:
    """Write ``<root>/indexes/<snapshot_id>.cdxj`` for the snapshot's finished WARC files (``lines``: those
    a writer made of the files it wrote, which are not read again).

    Atomic (temp file, fsync, rename): a reader sees the old index or the new
    one.  Refuses a snapshot with ``.open`` WARC files (its index would miss
    records).  The index is recorded in ``_manifest.jsonl`` (rebuilding it
    appends a new entry; the latest entry of a path wins).
    """
    root = Path(root).absolute()
    files = _check_closed(root, snapshot_id)
    dest = index_path(root, snapshot_id)
    dest.parent.mkdir(parents=True, exist_ok=True)
    replace_with(dest, lambda tmp: write_cdxj_to(tmp, files, root / WARC_DIR, lines))
    from .. import manifest  # imported late, like in writer.py

    manifest.record_file(root, dest)
    return dest


# -- lines made as the records are written --------------------------------------------------------------
#: cdxj-indexer's default record types; and its ``mime`` value: up to the first ``;`` or white space
INDEXED = ("response", "revisit", "resource", "metadata")
MIME_END = re.compile(r"[;\s]")
#: cdxj-indexer's POST/PUT query: at most this many characters (``cdxj_indexer.postquery.MAX_QUERY_LENGTH``)
MAX_QUERY = 4096
FORM = "application/x-www-form-urlencoded"
#: lines held in memory before a sorted run of them goes to a temporary file (cdxj-indexer's sort spills too)
SPILL_BYTES = 8 << 20


class NotIndexedHere(Exception):
    """A record whose line this module does not make (cdxj-indexer indexes its file at the close)."""


def _http(parser, raw: bytes):
    return parser.parse(io.BytesIO(raw)) if raw else None


class CdxjLines:
    """The CDXJ lines of the records one WARC writer writes, made as they are written: what cdxj-indexer
    (``sort=True, post_append=True``, its default fields and records) writes for them, reading the same
    record back. ``files``: the finished files all of whose lines are here; lines of other files are not
    kept (the close indexes those files with cdxj-indexer). Lines are held in memory up to
    :data:`SPILL_BYTES` (those of the file being written, and those of the finished files), then sorted runs of
    them go to anonymous temporary files (gone with the process): memory stays flat however large the crawl.
    """

    def __init__(self, dir_root: str | os.PathLike[str], spill_bytes: int = SPILL_BYTES):
        from warcio.recordloader import ArcWarcRecordLoader
        from warcio.statusandheaders import StatusAndHeadersParser

        self.dir_root = Path(dir_root).absolute()
        self.spill_bytes = spill_bytes
        self.files: set[Path] = set()
        self._pending: list[str] = []  # lines of the file being written
        self._pending_size = 0
        self._pending_runs: list = []  # sorted runs of them on disk (a file of many revisits has many lines)
        self._exact = True  # every record of the file being written has its line in _pending(_runs)
        self._lines: list[str] = []
        self._size = 0
        self._runs: list = []
        self._http = StatusAndHeadersParser(ArcWarcRecordLoader.HTTP_TYPES, False)
        self._http_request = StatusAndHeadersParser(ArcWarcRecordLoader.HTTP_VERBS, False)
        # the last key and timestamp made, and each file's name: a revisit and its request record, written
        # together, share the URL and the WARC-Date (a re-crawl writes ~2 lines per 304)
        self._last_key: tuple[str, str] = ("", "")
        self._last_ts: tuple[str, str] = ("", "")
        self._filenames: dict[Path, str] = {}

    def add(self, records, spans, path: Path) -> None:
        """The lines of ``records`` (warcio records just written to ``path``, the file's final name) at ``spans``
        ((offset, length) of each gzip member)."""
        if not self._exact:
            return
        try:
            filename = self._filenames.get(path)
            if filename is None:
                filename = self._filenames[path] = Path(os.path.relpath(path, self.dir_root)).as_posix()
            for i, (record, (offset, length)) in enumerate(zip(records, spans)):
                request = records[i + 1] if i + 1 < len(records) else None
                line = self.line(record, offset, length, filename, request)
                if line is not None:
                    self._pending.append(line)
                    self._pending_size += len(line)
            if self._pending_size > self.spill_bytes:
                self._pending_runs.append(self._run(self._pending))
                self._pending, self._pending_size = [], 0
        except Exception:  # noqa: BLE001 - anything unexpected: cdxj-indexer indexes this file at the close
            self._exact = False
            self._drop_pending()

    def add_finished(self, files, sorted_path: str | os.PathLike[str]) -> None:
        """Finished ``files`` another writer of the snapshot wrote, and a file of the lines it made of them,
        sorted (its :attr:`files`, :meth:`sorted_lines`; pipelines/revisit_process.py): merged as one more
        run, the file removed once open."""
        run = open(sorted_path, encoding="utf-8")  # noqa: SIM115 - a run, closed with the others
        os.unlink(sorted_path)
        self._runs.append(run)
        self.files |= {Path(f).absolute() for f in files}

    def finished(self, path: Path) -> None:
        """The file being written is finished, as ``path``."""
        self._filenames.clear()
        if self._exact:
            self.files.add(Path(path).absolute())
            self._runs += self._pending_runs
            self._pending_runs = []
            self._lines += self._pending
            self._size += self._pending_size
            if self._size > self.spill_bytes:
                self._runs.append(self._run(self._lines))
                self._lines, self._size = [], 0
        self._drop_pending()
        self._exact = True

    def _drop_pending(self) -> None:
        for run in self._pending_runs:
            run.close()
        self._pending, self._pending_size, self._pending_runs = [], 0, []

    @staticmethod
    def _run(lines: list[str]):
        """``lines`` sorted into an anonymous temporary file (removed when closed, or with the process)."""
        run = tempfile.TemporaryFile("w+", encoding="utf-8")
        lines.sort()
        run.writelines(lines)
        run.seek(0)
        return run

    def sorted_lines(self):
        """Every line of :attr:`files`, sorted (plain string order, as cdxj-indexer sorts)."""
        self._lines.sort()
        if not self._runs:
            return iter(self._lines)
        for run in self._runs:
            run.seek(0)
        return heapq.merge(*self._runs, self._lines)

    def line(self, record, offset: int, length: int, filename: str, request=None) -> str | None:
        """cdxj-indexer's line of ``record`` (None: a record type it does not index); ``request``: the record
        written right after it (a response's request record)."""
        rec_type = record.rec_type
        headers = record.rec_headers
        if rec_type not in INDEXED:
            return None
        if rec_type in ("resource", "metadata") and headers.get_header("Content-Type") == "application/warc-fields":
            return None
        url = headers.get_header("WARC-Target-URI")
        if not url or url.startswith("<") and url.endswith(">"):
            raise NotIndexedHere("no target URI, or one in brackets (warcio would strip them)")
        http = None
        if rec_type in ("response", "revisit") and record.length and url.startswith(("http:", "https:")):
            http = _http(self._http, getattr(record.http_headers, "headers_buff", None))
        index: dict[str, str | None] = {"url": url}
        if rec_type == "revisit":
            mime = "warc/revisit"
        else:
            mime = http.get_header("content-type") if http is not None else None
            if rec_type not in ("response", "request"):
                mime = headers.get_header("content-type")
            if mime:
                mime = MIME_END.split(mime, 1)[0].strip()
        if mime is not None:
            index["mime"] = mime
        if http is not None:
            index["status"] = http.get_statuscode()
        digest = headers.get_header("WARC-Payload-Digest")
        if digest:
            index["digest"] = digest
        elif rec_type != "revisit":  # cdxj-indexer would compute it (warcio gives no revisit one: none in the line)
            raise NotIndexedHere("a record without a payload digest")
        index["length"] = str(length)
        index["offset"] = str(offset)
        index["filename"] = filename
        key_url = url
        if rec_type == "response" and request is not None and request.rec_type == "request" \
                and request.rec_headers.get_header("WARC-Target-URI") == url \
                and request.rec_headers.get_header("WARC-Concurrent-To") == headers.get_header("WARC-Record-ID"):
            method, sent, query = self._post(request)
            if method is not None:
                key_url = url + ("&" if "?" in url else "?") + "__wb_method=" + sent + (f"&{query}" if query else "")
                index["requestBody"] = query
                index["method"] = method
        ts = headers.get_header("WARC-Date")
        if self._last_key[0] != key_url:
            self._last_key = (key_url, surt_key(key_url))
        if self._last_ts[0] != ts:
            from warcio.timeutils import iso_date_to_timestamp

            self._last_ts = (ts, iso_date_to_timestamp(ts))
        return f"{self._last_key[1]} {self._last_ts[1]} {json.dumps(index)}\n"

    def _post(self, request) -> tuple[str | None, str | None, str | None]:
        """(METHOD, method as sent, query) cdxj-indexer appends to a POST/PUT response's key (its
        ``join_req_resp`` and ``append_method_query``); (None, None, None) for other methods."""
        http = _http(self._http_request, getattr(request.http_headers, "headers_buff", None))
        if http is None:
            return None, None, None
        sent = http.protocol
        if sent.upper() not in ("POST", "PUT"):
            return None, None, None
        if sent not in ("POST", "PUT"):
            return sent.upper(), sent, ""
        ctype = http.get_header("Content-Type") or ""
        if not ctype.startswith(FORM) or http.get_header("Content-Encoding") \
                or http.get_header("Transfer-Encoding") == "chunked":
            raise NotIndexedHere("a request body other than a plain url-encoded form")
        size = http.get_header("Content-Length")
        try:
            size = int(size) if size is not None else 8192
        except ValueError:
            return sent, sent, None
        body = request.raw_stream.getvalue() if hasattr(request.raw_stream, "getvalue") else None
        if body is None:
            raise NotIndexedHere("a request body not at hand")
        data = body[:max(size, 0)]
        try:
            query = unquote_plus(data.decode("utf-8"))
        except UnicodeDecodeError:
            import base64

            query = "__wb_post_data=" + base64.b64encode(data).decode("ascii")
        return sent, sent, (query[:MAX_QUERY] if query else query)
