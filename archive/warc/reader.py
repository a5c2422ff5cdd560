"""Reading records back: one record by its pointer, or every response of a snapshot.

``body`` is the HTTP payload exactly as stored (de-chunked, Content-Encoding
as served), so ``sha256(body)`` is the ``content_sha256`` of the row that
points at the record.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.timeutils import iso_date_to_datetime

from ..exceptions import ArchiveError
from . import gzmembers
from .layout import OPEN_SUFFIX, relative, warc_files
from .writer import WarcPointer

#: Record types :func:`iter_responses` yields.
RESPONSE_TYPES = ("response", "revisit")


class WarcReadError(ArchiveError):
    """A pointer does not resolve to a readable WARC record."""


@dataclass(frozen=True)
class WarcResponse:
    url: str
    date: dt.datetime  # UTC, aware
    status: int | None  # HTTP status; None for records without HTTP headers (resource)
    headers: list[tuple[str, str]]  # HTTP headers as stored (empty for resource records)
    body: bytes  # payload as stored (empty for a revisit)
    record_id: str
    record_type: str = "response"
    warc_headers: list[tuple[str, str]] = field(default_factory=list, repr=False)

    def header(self, name: str, default: str | None = None) -> str | None:
        """First HTTP header ``name`` (case-insensitive)."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return default

    def warc_header(self, name: str, default: str | None = None) -> str | None:
        lname = name.lower()
        for key, value in self.warc_headers:
            if key.lower() == lname:
                return value
        return default

    @property
    def content_type(self) -> str | None:
        if self.record_type == "resource":
            return self.warc_header("Content-Type")
        return self.header("Content-Type")


def _resolve(root: Path, warc_file: str) -> Path:
    from ..manifest import resolve_inside

    try:
        path = resolve_inside(root, warc_file)
    except ValueError as exc:
        raise WarcReadError(f"{warc_file}: not read ({exc})") from None
    if path.exists():
        return path
    if not warc_file.endswith(OPEN_SUFFIX):
        open_path = path.with_name(path.name + OPEN_SUFFIX)
        if open_path.exists():
            return open_path
    elif (final := path.with_name(path.name[: -len(OPEN_SUFFIX)])).exists():
        return final  # finished since the pointer was taken
    raise WarcReadError(f"{warc_file}: no such WARC file in {root}")


def _to_response(record) -> WarcResponse:
    rec_headers = record.rec_headers
    date_str = rec_headers.get_header("WARC-Date")
    date = iso_date_to_datetime(date_str, tz_aware=True) if date_str else None
    http = record.http_headers
    status = None
    headers: list[tuple[str, str]] = []
    if http is not None and record.rec_type in ("response", "revisit", "request"):
        headers = list(http.headers)
        if record.rec_type != "request":
            try:
                status = int(http.get_statuscode())
            except (TypeError, ValueError):
                status = None
    body = record.raw_stream.read() if record.rec_type != "revisit" else b""
    return WarcResponse(
        url=rec_headers.get_header("WARC-Target-URI") or "",
        date=date,
        status=status,
        headers=headers,
        body=body,
        record_id=rec_headers.get_header("WARC-Record-ID") or "",
        record_type=record.rec_type,
        warc_headers=list(rec_headers.headers),
    )


def _member(root: str | os.PathLike[str], warc_file: str, offset: int, length: int) -> bytes:
    """The bytes of the one gzip member at ``offset``/``length`` of ``root/warc_file``, decompressed
    (WarcReadError if they are not exactly one complete member)."""
    try:
        with open(_resolve(Path(root), warc_file), "rb") as fh:
            return gzmembers.read_member(fh, int(offset), int(length))
    except gzmembers.MemberError as exc:
        raise WarcReadError(f"{warc_file}: {exc}") from None


def read_record(root: str | os.PathLike[str], warc_file: str, offset: int, length: int) -> WarcResponse:
    """The record in the gzip member at ``offset``/``length`` of ``root/warc_file``.

    ``warc_file`` is relative to ``root``; while the file is still being
    written (``….warc.gz.open``) the final name is resolved to it.  Raises
    WarcReadError if the bytes there are not exactly one complete gzip member
    holding a WARC record.
    """
    data = _member(root, warc_file, offset, length)
    try:
        it = ArchiveIterator(io.BytesIO(data))
        record = next(iter(it), None)
        if record is None:
            raise WarcReadError(f"{warc_file}: offset {offset}: no WARC record in the member")
        return _to_response(record)
    except (ArchiveLoadFailed, ValueError) as exc:
        raise WarcReadError(f"{warc_file}: offset {offset}: not a WARC record ({exc})") from None


class WarcHeads:
    """The WARC header fields (names lower-cased) of records at pointers, read from files kept open, and only
    the header block of each record: its gzip member is inflated no further, and its HTTP message not parsed.
    A re-crawl's revisits name their originals by these, thousands of records of the same few finished files:
    inflating each whole member, and opening its file, was most of a revisit's cost. Close when done."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self._fds: dict[str, int] = {}

    def fields(self, warc_file: str, offset: int, length: int) -> dict[str, str]:
        fd = self._fds.get(warc_file)
        if fd is None:
            fd = self._fds[warc_file] = os.open(_resolve(self.root, warc_file), os.O_RDONLY)
        try:
            head = gzmembers.read_member_head(fd, int(offset), int(length), b"\r\n\r\n")
        except gzmembers.MemberError as exc:
            raise WarcReadError(f"{warc_file}: {exc}") from None
        lines = head[:-4].split(b"\r\n")
        if not lines[0].startswith(b"WARC/") or any(line[:1] in (b" ", b"\t") for line in lines[1:]):
            # not the plain header block this archive writes: warcio's reading decides
            fields: dict[str, str] = {}
            for name, value in read_record(self.root, warc_file, offset, length).warc_headers:
                fields.setdefault(name.lower(), value)
            return fields
        out: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if sep:
                try:
                    text = value.strip().decode("utf-8")
                except UnicodeDecodeError:
                    text = value.strip().decode("iso-8859-1")
                out.setdefault(name.strip().decode("latin-1").lower(), text)
        return out

    def close(self) -> None:
        fds, self._fds = self._fds, {}
        for fd in fds.values():
            os.close(fd)


def read_pointer(root: str | os.PathLike[str], pointer: WarcPointer) -> WarcResponse:
    """:func:`read_record` for a :class:`WarcPointer`; also checks the record id."""
    resp = read_record(root, pointer.warc_file, pointer.warc_offset, pointer.warc_length)
    if pointer.warc_record_id and resp.record_id != pointer.warc_record_id:
        raise WarcReadError(
            f"{pointer.warc_file}: offset {pointer.warc_offset}: record id {resp.record_id} "
            f"!= expected {pointer.warc_record_id}"
        )
    return resp


def iter_records(path: Path, root: Path, types: tuple[str, ...] | None = RESPONSE_TYPES,
                 ) -> Iterator[tuple[WarcPointer, WarcResponse]]:
    """(pointer, record) for every record of one WARC file whose type is in ``types`` (None: all)."""
    rel = relative(root, path)
    if rel.endswith(OPEN_SUFFIX):
        rel = rel[: -len(OPEN_SUFFIX)]
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            if types is not None and record.rec_type not in types:
                continue
            resp = _to_response(record)
            pointer = WarcPointer(rel, it.get_record_offset(), it.get_record_length(), resp.record_id)
            yield pointer, resp


def iter_responses(root: str | os.PathLike[str], snapshot_id: str | None = None, *,
                   include_open: bool = False) -> Iterator[tuple[WarcPointer, WarcResponse]]:
    """(pointer, WarcResponse) for every ``response`` and ``revisit`` record, file by file.

    Reads the finished ``.warc.gz`` files of ``snapshot_id`` (default: every
    snapshot), in sequence order; ``include_open`` also reads files still being
    written.  Records are streamed one at a time (one body in memory).
    """
    root = Path(root)
    for path in warc_files(root, snapshot_id, include_open=include_open):
        yield from iter_records(path, root)
