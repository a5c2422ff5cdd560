"""WarcWriter: the HTTP exchanges of one snapshot in gzipped WARC/1.1 files.

Files are ``<root>/warc/<snapshot_id>/portal-archive-<snapshot_id>-<seq:05d>.warc.gz``
(see :mod:`archive.warc.layout`).  Each record is one gzip member (so any
record can be read alone from its offset and length), each file starts with a
``warcinfo`` record, and a file is rotated (before the next write) once it
has grown past ``max_bytes``.  While being written a file is named ``….warc.gz.open`` and is
locked (``flock``); it is renamed to ``….warc.gz`` (never overwriting) and
recorded in ``_manifest.jsonl`` when rotated or closed.

Durability: every ``write_*`` call appends its records and flushes them to the
operating system before it returns the pointer, so a process killed afterwards
(even SIGKILL) keeps the record.  With ``sync_each=True`` (the default) it also
``fsync``\\ s the file, so a power cut keeps it too; a crawl passes ``False`` and
calls :meth:`WarcWriter.sync` once per batch instead, before any Parquet row
pointing at those records is published (one fsync per batch, not per record).
A crash during a write leaves at most one partial gzip member at the end of the
``.open`` file (a power cut: an unsynced tail): :func:`recover` keeps the complete
members before the first damaged one, cuts the rest off and finishes the file;
the next WarcWriter of the snapshot calls it for its own snapshot and then
continues with the next sequence number.

Bodies: pass the response body as received after removing the
*Transfer-Encoding* (de-chunked) but with its *Content-Encoding* as served
(the bytes Scrapy's HttpCompressionMiddleware would decompress).  A
``Transfer-Encoding`` response header is stored as
``X-Crawler-Transfer-Encoding`` (the Common Crawl convention), so readers do
not try to de-chunk the stored body.  Header names/values may be ``str``
(stored as latin-1 when possible, else UTF-8) or ``bytes`` (stored as is).

Digests: ``WARC-Block-Digest`` and ``WARC-Payload-Digest`` are SHA-256 in
base32 (``sha256:…``), computed by warcio, but for the small records (a request, a
revisit's empty block), whose digests are computed here, one ``hashlib`` call each (the
empty block's once), and given to warcio with the headers: a re-crawl writes a revisit and a
request per 304, and warcio's streaming digesters (two per record, each a hash object and a
pure-Python base32) were then a visible share of the crawl process's time.

Not thread-safe (use it from Scrapy's reactor thread).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import re
import socket
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter as _WarcioWriter

from ..atomic import fsync_dir, publish_new
from ..exceptions import ArchiveError
from ..layout import check_snapshot_id
from ..marker import ensure_archive_root
from . import gzmembers
from .cdxj import CdxjLines
from .layout import (
    OPEN_SUFFIX,
    WARC_DIR,
    final_path,
    next_seq,
    open_files,
    relative,
    snapshot_dir,
    warc_name,
)

try:  # POSIX advisory locks: tell a live writer's .open file from a crashed one's
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

WARC_VERSION = "WARC/1.1"
DIGEST_ALGORITHM = "sha256"
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
OPERATOR = "portal-archive"

Header = tuple[str | bytes, str | bytes]


@dataclass(frozen=True)
class WarcPointer:
    """Where one record is: a gzip member of a WARC file (path relative to the archive root)."""

    warc_file: str
    warc_offset: int
    warc_length: int
    warc_record_id: str

    def as_row(self) -> dict[str, Any]:
        """The ``warc_file, warc_offset, warc_length, warc_record_id`` columns of a row."""
        return asdict(self)


class WarcWriteError(ArchiveError):
    """A WARC file could not be written or finished."""


# -- warcio glue ---------------------------------------------------------------------------
class _Sha256WarcioWriter(_WarcioWriter):
    """warcio's writer with SHA-256 block/payload digests (warcio defaults to SHA-1)."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester(DIGEST_ALGORITHM)


class _RawHttpHeaders(StatusAndHeaders):
    """HTTP status line + headers whose serialized bytes are exactly ``raw``.

    warcio re-serializes headers from parsed text (percent-encoding non-ASCII
    values); archival fidelity wants the bytes as given, so the buffer warcio
    writes and digests is fixed here.
    """

    def __init__(self, statusline: str, headers: list[tuple[str, str]], protocol: str, raw: bytes):
        super().__init__(statusline, headers, protocol=protocol)
        self._raw = raw
        self.headers_buff = raw

    def compute_headers_buffer(self, header_filter=None) -> None:  # noqa: ARG002 - warcio API
        self.headers_buff = self._raw


def _b(value: str | bytes) -> bytes:
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        value = str(value)
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _http_headers(first_line: bytes, headers: Iterable[Header], *, rename_te: bool) -> tuple[bytes, list[tuple[str, str]]]:
    lines = [first_line]
    parsed: list[tuple[str, str]] = []
    for name, value in headers:
        bname = _b(name)
        if rename_te and bname.strip().lower() == b"transfer-encoding":
            bname = b"X-Crawler-Transfer-Encoding"
        bvalue = _b(value)
        if b"\r" in bname + bvalue or b"\n" in bname + bvalue:
            raise ValueError(f"header {name!r} contains a line break")
        lines.append(bname + b": " + bvalue)
        parsed.append((_text(bname), _text(bvalue)))
    return b"\r\n".join(lines) + b"\r\n\r\n", parsed


def _response_headers(protocol: str, status: int, reason: str, headers: Iterable[Header]) -> _RawHttpHeaders:
    statusline = f"{int(status)} {reason or ''}".rstrip()
    raw, parsed = _http_headers(_b(f"{protocol} {statusline}"), headers, rename_te=True)
    return _RawHttpHeaders(statusline, parsed, protocol, raw)


def _request_headers(protocol: str, method: str, url: str, headers: Iterable[Header]) -> _RawHttpHeaders:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    raw, parsed = _http_headers(_b(f"{method} {target} {protocol}"), headers, rename_te=False)
    # warcio's convention for requests: protocol = the method, statusline = "<target> <protocol>"
    return _RawHttpHeaders(f"{target} {protocol}", parsed, method, raw)


def _b32_label(digest: bytes) -> str:
    return "sha256:" + base64.b32encode(digest).decode("ascii")


def sha256_b32(data: bytes) -> str:
    """``sha256:<BASE32>`` of ``data``: the digest warcio would compute and write."""
    return _b32_label(hashlib.sha256(data).digest())


EMPTY_DIGEST = sha256_b32(b"")


def warc_date(when: dt.datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss.ffffffZ`` (UTC, always microseconds); naive datetimes are taken as UTC."""
    if not isinstance(when, dt.datetime):
        raise TypeError(f"date must be a datetime, got {type(when).__name__}")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalize_sha256_digest(digest: str) -> str:
    """``sha256:<BASE32>`` (warcio's form) for a sha256 given as hex, ``sha256:<hex>`` or already base32."""
    value = digest.strip()
    algo, sep, rest = value.partition(":")
    hex_value = rest if sep and algo.lower() == "sha256" else (value if not sep else "")
    if re.fullmatch(r"[0-9a-fA-F]{64}", hex_value):
        return _b32_label(bytes.fromhex(hex_value))
    if not sep:
        raise ValueError(f"not a sha256 digest: {digest!r}")
    return value


def _record(warc: _Sha256WarcioWriter, record_type: str, url: str, headers: dict[str, str], payload: bytes = b"",
            http_headers: StatusAndHeaders | None = None, content_type: str | None = None):
    """warcio's record of ``record_type`` with ``headers`` (:meth:`WarcWriter._warc_headers`: type, id, date,
    target already in them, so warcio's own pass that sets each again is skipped)."""
    return warc.create_warc_record(
        url, record_type, payload=io.BytesIO(payload), length=len(payload),
        warc_content_type=content_type or warc.WARC_RECORDS[record_type],
        warc_headers=StatusAndHeaders("", list(headers.items()), protocol=WARC_VERSION),
        http_headers=http_headers,
    )


def _manifest_record(root: Path, path: Path) -> None:
    from .. import manifest  # imported late: archive.manifest is maintained separately

    manifest.record_file(root, path)


# -- the writer -----------------------------------------------------------------------------
class WarcWriter:
    def __init__(
        self,
        root: str | os.PathLike[str],
        snapshot_id: str,
        *,
        max_bytes: int = 100_000_000,
        software: str = "portal-archive/x.y",
        settings: Mapping[str, Any] | None = None,
        sync_each: bool = True,
        worker: str | None = None,
        cdxj: bool = False,
    ):
        self.root = Path(root).absolute()
        self.worker = worker  # a crawl worker sharing the snapshot (crawl --redis): its name is in its files' names
        self.snapshot_id = check_snapshot_id(snapshot_id)
        self.sync_each = sync_each
        self._unsynced = False  # records flushed to the OS but not yet fsynced (sync_each=False)
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.max_bytes = int(max_bytes)
        self.software = software
        self.settings = dict(settings or {})
        ensure_archive_root(self.root)  # refuses a foreign folder, like ArchiveWriter
        self.folder = snapshot_dir(self.root, self.snapshot_id)
        self.folder.mkdir(parents=True, exist_ok=True)
        fsync_dir(self.folder.parent)
        #: files recovered from a crashed earlier writer of this snapshot
        self.recovered = recover(self.root, self.snapshot_id)
        #: finished files written by this writer (absolute paths, final names)
        self.files: list[Path] = []
        self._fh: io.BufferedWriter | None = None
        self._warc: _Sha256WarcioWriter | None = None
        self._path: Path | None = None  # the .open path
        self._rel: str | None = None  # final name, relative to root
        self._warcinfo_id: str | None = None
        self._closed = False
        self.records_written = 0
        #: with ``cdxj``: the CDXJ lines of the records written, made as they are (:func:`write_cdxj` takes them)
        self.cdxj_lines = CdxjLines(self.root / WARC_DIR) if cdxj else None

    # -- file handling ----------------------------------------------------------------------
    def _open_new_file(self) -> None:
        seq = next_seq(self.folder, self.snapshot_id)
        while True:
            name = warc_name(self.snapshot_id, seq, self.worker)
            path = self.folder / (name + OPEN_SUFFIX)
            if (self.folder / name).exists():
                seq += 1
                continue
            try:
                fh = open(path, "xb")  # never reuse a name
            except FileExistsError:
                seq += 1
                continue
            break
        try:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            warc = _Sha256WarcioWriter(fh, gzip=True, warc_version=WARC_VERSION)
            info = OrderedDict(
                [
                    ("software", self.software),
                    ("format", "WARC File Format 1.1"),
                    ("conformsTo", CONFORMS_TO),
                    ("hostname", socket.gethostname()),
                    ("operator", OPERATOR),
                    ("isPartOf", self.snapshot_id),
                    ("settings", json.dumps(self.settings, ensure_ascii=False, sort_keys=True, default=str)),
                ]
            )
            record = warc.create_warcinfo_record(name, info)
            warc.write_record(record)
            fh.flush()
            os.fsync(fh.fileno())
            fsync_dir(self.folder)
        except BaseException:
            fh.close()
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            raise
        self._fh, self._warc, self._path = fh, warc, path
        self._rel = relative(self.root, self.folder / name)
        self._warcinfo_id = record.rec_headers.get_header("WARC-Record-ID")

    def _finish_file(self) -> None:
        """Flush, close and publish the current file under its final name (+ manifest)."""
        fh, path = self._fh, self._path
        if fh is None or path is None:
            return
        self._fh = self._warc = self._path = self._rel = self._warcinfo_id = None
        final = final_path(path)
        try:
            fh.flush()
            os.fsync(fh.fileno())
            self._unsynced = False
            # rename while still holding the lock, so a concurrent recover() never touches it
            if not publish_new(path, final):
                raise WarcWriteError(f"cannot finish {path}: {final.name} already exists")
        finally:
            fh.close()  # releases the lock
        fsync_dir(self.folder)
        _manifest_record(self.root, final)
        self.files.append(final)
        if self.cdxj_lines is not None:
            self.cdxj_lines.finished(final)

    def _ensure_file(self) -> None:
        if self._closed:
            raise WarcWriteError("WARC writer is closed")
        if self._fh is not None and self._fh.tell() >= self.max_bytes:
            self._finish_file()  # rotate: the current file has grown past max_bytes
        if self._fh is None:
            self._open_new_file()

    def _write_records(self, records: Sequence[Any], pointer_index: int) -> WarcPointer:
        """Append ``records`` (one gzip member each), fsync, return the pointer of records[pointer_index].

        The caller has called :meth:`_ensure_file` before building the records.
        """
        fh, warc = self._fh, self._warc
        assert fh is not None and warc is not None and self._rel is not None
        start = fh.tell()
        spans = []
        try:
            for record in records:
                offset = fh.tell()
                warc.write_record(record)
                spans.append((offset, fh.tell() - offset))
            fh.flush()
            if self.sync_each:
                os.fsync(fh.fileno())
            else:
                self._unsynced = True
        except BaseException:
            # leave no partial member behind: cut the file back to where this call started
            try:
                fh.seek(start)
                fh.truncate(start)
                fh.flush()
                os.fsync(fh.fileno())
            except OSError:
                pass
            raise
        self.records_written += len(records)
        if self.cdxj_lines is not None:
            self.cdxj_lines.add(records, spans, final_path(self._path))
        offset, length = spans[pointer_index]
        record = records[pointer_index]
        return WarcPointer(self._rel, offset, length, record.rec_headers.get_header("WARC-Record-ID"))

    # -- records ----------------------------------------------------------------------------
    def _warc_headers(self, record_type: str, url: str, date: dt.datetime | str, ip: str | None) -> dict[str, str]:
        """A record's WARC headers (``date``: a datetime, or already :func:`warc_date`'s string); the file's
        warcinfo record named in each (the caller has called :meth:`_ensure_file`)."""
        headers = {
            "WARC-Type": record_type,
            "WARC-Record-ID": _Sha256WarcioWriter._make_warc_id(),
            "WARC-Date": date if isinstance(date, str) else warc_date(date),
            "WARC-Target-URI": url,
        }
        if ip:
            headers["WARC-IP-Address"] = ip
        if self._warcinfo_id:
            headers["WARC-Warcinfo-ID"] = self._warcinfo_id
        return headers

    def _request_record(self, warc: _Sha256WarcioWriter, *, url: str, method: str, request_headers: Iterable[Header],
                        request_body: bytes, protocol: str, ip: str | None, date: dt.datetime | str,
                        concurrent_to: str):
        headers = self._warc_headers("request", url, date, ip)
        headers["WARC-Concurrent-To"] = concurrent_to
        http = _request_headers(protocol, method, url, request_headers)
        body = request_body or b""
        headers["WARC-Payload-Digest"] = sha256_b32(body) if body else EMPTY_DIGEST
        headers["WARC-Block-Digest"] = sha256_b32(http.headers_buff + body)
        return _record(warc, "request", url, headers, body, http)

    def write_exchange(
        self,
        *,
        url: str,
        method: str,
        request_headers: Iterable[Header],
        request_body: bytes,
        status: int,
        reason: str,
        response_headers: Iterable[Header],
        body: bytes,
        protocol: str = "HTTP/1.1",
        ip: str | None = None,
        date: dt.datetime,
        truncated: str | None = None,
    ) -> WarcPointer:
        """Write a ``response`` record and its ``request`` record; return the response's pointer.

        ``date`` is when the response was received (WARC-Date of both records);
        ``truncated`` (``length``, ``time``, ``disconnect``, ``unspecified``) marks a
        body that is not complete (WARC-Truncated).
        """
        self._ensure_file()
        warc = self._warc
        assert warc is not None
        body = bytes(body or b"")
        resp_headers = self._warc_headers("response", url, date, ip)
        if truncated:
            resp_headers["WARC-Truncated"] = truncated
        response = _record(warc, "response", url, resp_headers, body,
                           _response_headers(protocol, status, reason, response_headers))
        request = self._request_record(
            warc, url=url, method=method, request_headers=request_headers, request_body=bytes(request_body or b""),
            protocol=protocol, ip=ip, date=date, concurrent_to=resp_headers["WARC-Record-ID"],
        )
        return self._write_records([response, request], 0)

    def write_revisit(
        self,
        *,
        url: str,
        method: str = "GET",
        request_headers: Iterable[Header] = (),
        request_body: bytes = b"",
        protocol: str = "HTTP/1.1",
        ip: str | None = None,
        date: dt.datetime,
        refers_to_uri: str | None = None,
        refers_to_date: dt.datetime | str | None = None,
        refers_to_record_id: str | None = None,
        payload_digest: str | None = None,
        **_response: Any,
    ) -> WarcPointer:
        """Write a ``revisit`` record (profile server-not-modified) and its request; return the revisit's pointer.

        For a 304 answer to a conditional request.  ``refers_to_*`` name the earlier capture the 304
        confirms (WARC-Refers-To, -Target-URI, -Date: what pywb and ReplayWeb.page follow to replay
        it); ``payload_digest`` is that capture's payload digest, if known (hex, ``sha256:<hex>`` or
        ``sha256:<base32>``; stored as ``sha256:<base32>``).  The record block is empty (WARC 1.1
        §6.7: a revisit's block may be empty): players then replay the original's status, headers and
        payload, where a block holding the 304's own headers makes them answer 304 with no body.  The
        304's status and headers (``status``, ``reason``, ``response_headers`` may be passed) are
        therefore not stored here; its validators are in the ``pages`` row, the conditional request
        in the concurrent ``request`` record.
        """
        self._ensure_file()
        warc = self._warc
        assert warc is not None
        date = warc_date(date)  # once for both records
        headers = self._warc_headers("revisit", url, date, ip)
        headers["WARC-Profile"] = SERVER_NOT_MODIFIED
        if refers_to_record_id:
            headers["WARC-Refers-To"] = refers_to_record_id
        if refers_to_uri:
            headers["WARC-Refers-To-Target-URI"] = refers_to_uri
        if refers_to_date is not None:
            headers["WARC-Refers-To-Date"] = (
                warc_date(refers_to_date) if isinstance(refers_to_date, dt.datetime) else str(refers_to_date)
            )
        if payload_digest:
            headers["WARC-Payload-Digest"] = normalize_sha256_digest(payload_digest)
        headers["WARC-Block-Digest"] = EMPTY_DIGEST
        revisit = _record(warc, "revisit", url, headers)
        request = self._request_record(
            warc, url=url, method=method, request_headers=request_headers, request_body=bytes(request_body or b""),
            protocol=protocol, ip=ip, date=date, concurrent_to=headers["WARC-Record-ID"],
        )
        return self._write_records([revisit, request], 0)

    def write_resource(self, url: str, body: bytes, content_type: str, date: dt.datetime) -> WarcPointer:
        """Write a ``resource`` record (a capture without HTTP headers, e.g. a generated file)."""
        self._ensure_file()
        warc = self._warc
        assert warc is not None
        body = bytes(body or b"")
        record = _record(warc, "resource", url, self._warc_headers("resource", url, date, None), body,
                         content_type=content_type or "application/octet-stream")
        return self._write_records([record], 0)

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def current_file(self) -> str | None:
        """Final name (relative to root) of the file being written, if any."""
        return self._rel

    @property
    def closed(self) -> bool:
        return self._closed

    def flush(self) -> None:
        """Flush and fsync the current file (with ``sync_each``, every write already does)."""
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
        self._unsynced = False

    def sync(self) -> None:
        """Make every record written so far durable (fsync), if any is not yet: the batch point of
        ``sync_each=False``."""
        if self._unsynced:
            self.flush()

    def close(self) -> None:
        """Finish the current file (rename to ``.warc.gz`` + manifest). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._finish_file()

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- recovery -------------------------------------------------------------------------------
def _locked_by_live_writer(fh: io.BufferedRandom) -> bool:
    if fcntl is None:  # pragma: no cover
        return False
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    return False


def _same_content(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def recover(root: str | os.PathLike[str], snapshot_id: str | None = None) -> list[Path]:
    """Finish the ``.warc.gz.open`` files left by crashed writers; return their final paths.

    For each such file (of ``snapshot_id``, or of every snapshot), the complete
    gzip members (= complete records) are kept, the file is truncated after the
    last of them, fsynced, renamed to ``.warc.gz`` and recorded in the manifest.
    A file with no complete member is deleted.  Files locked by a live writer
    (another process still writing) are left alone.
    """
    root = Path(root).absolute()
    if not (root / WARC_DIR).is_dir():
        return []
    done: list[Path] = []
    for path in open_files(root, snapshot_id):
        final = final_path(path)
        with open(path, "r+b") as fh:
            if _locked_by_live_writer(fh):
                continue
            members, _error = gzmembers.scan(fh)
            keep = members[-1].offset + members[-1].length if members else 0
            if fh.seek(0, os.SEEK_END) != keep:
                fh.truncate(keep)
            fh.flush()
            os.fsync(fh.fileno())
            if keep == 0:
                path.unlink()
                fsync_dir(path.parent)
                continue
            if final.exists():
                # a crash between publishing (hard link) and unlinking the .open name
                if _same_content(path, final):
                    path.unlink()
                    fsync_dir(path.parent)
                    from .. import manifest

                    if relative(root, final) not in manifest.read_manifest(root):  # killed before its line
                        _manifest_record(root, final)
                    continue
                raise WarcWriteError(f"cannot recover {path}: {final.name} exists with other content")
            if not publish_new(path, final):  # pragma: no cover - raced
                raise WarcWriteError(f"cannot recover {path}: {final.name} already exists")
        fsync_dir(path.parent)
        _manifest_record(root, final)
        done.append(final)
    return done
