"""Re-check every stored hash of an archive folder; report problems, never repair.

What :func:`verify` checks:

a. ``_manifest.jsonl``: every listed file exists with the recorded sha256 and
   size (a flipped byte in any published Parquet or WARC file shows here), and
   every published file of the table folders (``<table>/*.parquet``), of
   ``warc/`` (``*.warc.gz``) and of ``indexes/`` (``*.cdxj``) is listed.  A ``.warc.gz.open`` file (a writer
   still running, or a crash not yet recovered) is reported too.
b. ``media/sha256/``: every file's sha256 equals its name (and it sits in its
   ``ab/cd/`` folder).
c. WARC files: every gzip member is complete and intact (zlib checks each
   member's CRC), every record parses and its ``WARC-Block-Digest`` /
   ``WARC-Payload-Digest`` match (warcio's checker; revisit block digests are
   recomputed here since warcio skips them).
d. Rows of the record tables, ``pages`` and ``media``: the WARC pointer
   (``warc_file, warc_offset, warc_length``) is exactly one record whose id
   is ``warc_record_id``; ``content_sha256`` (``sha256`` for media) equals the
   sha256 of that record's payload; for record tables ``record_sha256`` equals
   ``archive.fixity.record_sha256(row, table)``; a media row's ``path`` is the
   stored file with that hash and size.

A file that cannot be read (Parquet, WARC, manifest) is a problem, not a crash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import manifest
from .schema import RECORD_TABLES as _SCHEMA_RECORD_TABLES
from .warc import gzmembers
from .warc.layout import INDEX_DIR, OPEN_SUFFIX, relative, warc_files

#: sha256 hex of an empty body (a 304's)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

#: Tables whose rows are extracted records (they carry record_sha256).
RECORD_TABLES = tuple(_SCHEMA_RECORD_TABLES)
#: Tables whose rows point into the WARC files.
POINTER_TABLES = (*RECORD_TABLES, "pages", "media_files")
#: Table folders whose Parquet files must be in the manifest (plus archive.schema.TABLES).
KNOWN_TABLES = (*POINTER_TABLES, "errors", "url_aliases", "snapshots")
MEDIA_BLOB_DIR = "media/sha256"
BATCH_ROWS = 2000
HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class Problem:
    kind: str  # short token, e.g. manifest_mismatch, warc_digest, content_sha256_mismatch
    path: str  # file (relative to the root), with "#row=N" / "@offset" when it is about a part of it
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.detail}"


@dataclass
class _Rec:
    length: int
    record_id: str
    rec_type: str
    payload_sha256: str | None  # hex sha256 of the payload as stored (None for revisit)
    payload_digest: str | None  # WARC-Payload-Digest header
    decoded_sha256: str | None = None  # hex sha256 of the payload without its Content-Encoding, if it has one
    decode_error: str | None = None  # why the payload could not be decoded


@dataclass
class Verifier:
    """One verification run; :meth:`run` returns the problems, :attr:`stats` counts what was checked."""

    root: Path
    problems: list[Problem] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)
    _records: dict[tuple[str, int], _Rec] = field(default_factory=dict)
    _scanned: set[str] = field(default_factory=set)
    _bad: dict[tuple[str, int], str] = field(default_factory=dict)

    def problem(self, kind: str, path: str, detail: str) -> None:
        self.problems.append(Problem(kind, path, detail))

    def rel(self, path: Path) -> str:
        try:
            return relative(self.root, path)
        except ValueError:
            return str(path)

    def run(self) -> list[Problem]:
        if not self.root.is_dir():
            self.problem("missing_root", str(self.root), "archive folder does not exist")
            return self.problems
        self.check_manifest()
        self.check_media_files()
        self.check_warcs()
        self.check_rows()
        return self.problems

    # -- (a) manifest -------------------------------------------------------------------------
    def _table_folders(self) -> list[str]:
        names = set(KNOWN_TABLES)
        try:
            from .schema import TABLES

            names.update(TABLES)
        except Exception:  # noqa: BLE001 - schema being changed must not stop a verification
            pass
        return sorted(names)

    def _published_files(self) -> list[Path]:
        files: list[Path] = []
        for table in self._table_folders():
            folder = self.root / table
            if folder.is_dir():
                files.extend(
                    p for p in folder.iterdir()
                    if p.is_file() and p.name.endswith(".parquet") and not p.name.startswith((".", "_"))
                )
        files.extend(warc_files(self.root))
        indexes = self.root / INDEX_DIR
        if indexes.is_dir():
            files.extend(p for p in indexes.iterdir() if p.is_file() and p.name.endswith(".cdxj"))
        return sorted(files)

    def check_manifest(self) -> None:
        from . import fixity

        try:
            entries = manifest.read_manifest(self.root)
        except Exception as exc:  # noqa: BLE001
            self.problem("manifest_unreadable", "_manifest.jsonl", f"{type(exc).__name__}: {exc}")
            entries = {}
        listed = set()
        for rel in sorted(entries):
            entry = entries[rel] or {}
            listed.add(rel)
            self.stats["manifest_files"] += 1
            try:
                path = manifest.resolve_inside(self.root, rel)
            except ValueError as exc:
                self.problem("unsafe_path", "_manifest.jsonl", f"entry {rel!r} is not read: {exc}")
                continue
            if not path.is_file():
                self.problem("missing_file", rel, "listed in _manifest.jsonl but not on disk")
                continue
            try:
                size = path.stat().st_size
                sha = fixity.sha256_file(path)
            except OSError as exc:
                self.problem("unreadable_file", rel, str(exc))
                continue
            self.stats["bytes"] += size
            want_sha, want_size = entry.get("sha256"), entry.get("size")
            if want_sha is not None and sha != want_sha:
                self.problem("manifest_mismatch", rel, f"sha256 {sha} != manifest {want_sha} (size {size}, manifest {want_size})")
            elif want_size is not None and size != int(want_size):
                self.problem("manifest_mismatch", rel, f"size {size} != manifest {want_size}")
        for path in self._published_files():
            rel = self.rel(path)
            if rel not in listed:
                self.problem("not_in_manifest", rel, "published file missing from _manifest.jsonl")
        for path in warc_files(self.root, include_open=True):
            if path.name.endswith(OPEN_SUFFIX):
                self.problem("open_warc", self.rel(path),
                             "WARC file still open: a writer is running, or crashed (run archive.warc.recover)")

    # -- (b) media ------------------------------------------------------------------------------
    def check_media_files(self) -> None:
        from . import fixity

        base = self.root / MEDIA_BLOB_DIR
        if not base.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue  # temp files of an interrupted put()
                path = Path(dirpath) / name
                rel = self.rel(path)
                self.stats["media_files"] += 1
                if path.is_symlink():
                    self.problem("unsafe_path", rel, "a symbolic link in the media store is not read")
                    continue
                try:
                    sha = fixity.sha256_file(path)
                except OSError as exc:
                    self.problem("unreadable_file", rel, str(exc))
                    continue
                if sha != name:
                    self.problem("media_hash_mismatch", rel, f"content sha256 is {sha}")
                elif rel != f"{MEDIA_BLOB_DIR}/{name[:2]}/{name[2:4]}/{name}":
                    self.problem("media_misplaced", rel, f"expected {MEDIA_BLOB_DIR}/{name[:2]}/{name[2:4]}/{name}")

    # -- (c) WARC files ---------------------------------------------------------------------------
    def check_warcs(self) -> None:
        for path in warc_files(self.root):
            self.check_warc(path)

    def check_warc(self, path: Path) -> None:
        from warcio.archiveiterator import ArchiveIterator

        rel = self.rel(path)
        self._scanned.add(rel)
        self.stats["warc_files"] += 1
        try:
            manifest.resolve_inside(self.root, rel)
        except ValueError as exc:
            self.problem("unsafe_path", rel, f"not read: {exc}")
            return
        try:
            with open(path, "rb") as fh:
                members, errors = gzmembers.scan_all(fh)
        except OSError as exc:
            self.problem("unreadable_file", rel, str(exc))
            return
        for error in errors:
            self.problem("warc_gzip", f"{rel}@{error.offset}", str(error))
            self._bad[(rel, error.offset)] = str(error)
        with open(path, "rb") as fh:
            for member in members:
                where = f"{rel}@{member.offset}"
                try:
                    fh.seek(member.offset)
                    it = ArchiveIterator(fh, check_digests=True)
                    record = next(iter(it))
                    sha, decoded, decode_error = _hash_payload(record)
                    length = it.get_record_length()
                except Exception as exc:  # noqa: BLE001 - any parse failure is a finding
                    self.problem("warc_parse", where, f"{type(exc).__name__}: {exc}")
                    self._bad[(rel, member.offset)] = f"unparsable record ({exc})"
                    continue
                headers = record.rec_headers
                rid = headers.get_header("WARC-Record-ID") or ""
                self.stats["warc_records"] += 1
                checker = getattr(record, "digest_checker", None)
                if checker is not None and checker.passed is False:
                    self.problem("warc_digest", where, f"{rid}: " + "; ".join(checker.problems))
                if record.rec_type == "revisit":
                    self._check_revisit_block(path, member.offset, member.length, where, rid)
                if length != member.length:
                    self.problem("warc_gzip", where, f"{rid}: record is not exactly one gzip member")
                self._records[(rel, member.offset)] = _Rec(
                    member.length, rid, record.rec_type,
                    None if record.rec_type == "revisit" else sha,
                    headers.get_header("WARC-Payload-Digest"), decoded, decode_error,
                )

    def _check_revisit_block(self, path: Path, offset: int, length: int, where: str, rid: str) -> None:
        try:
            with open(path, "rb") as fh:
                data = gzmembers.read_member(fh, offset, length)
            head, _, rest = data.partition(b"\r\n\r\n")
            fields = {}
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                fields[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
            block = rest[: int(fields.get("content-length", "0"))]
        except (gzmembers.MemberError, ValueError, OSError) as exc:
            self.problem("warc_parse", where, f"{rid}: {exc}")
            return
        declared = fields.get("warc-block-digest")
        if declared and not digest_matches(declared, block):
            self.problem("warc_digest", where, f"{rid}: block digest failed: {declared}")

    # -- (d) rows -----------------------------------------------------------------------------------
    def _record_at(self, warc_file: str, offset: int, length: int) -> tuple[_Rec | None, str | None]:
        key = (warc_file, offset)
        if key in self._records:
            return self._records[key], None
        if key in self._bad:
            return None, f"the record there is damaged: {self._bad[key]}"
        if warc_file in self._scanned:
            return None, "no record starts at this offset"
        # not scanned (e.g. a .open file): read the one record
        from .warc.content_encoding import DecodeError, decode
        from .warc.reader import WarcReadError, read_record

        try:
            resp = read_record(self.root, warc_file, offset, length)
        except WarcReadError as exc:
            return None, str(exc)
        decoded = error = None
        if resp.record_type == "response" and resp.header("Content-Encoding"):
            try:
                decoded = hashlib.sha256(decode(resp.body, resp.header("Content-Encoding"))).hexdigest()
            except DecodeError as exc:
                error = str(exc)
        rec = _Rec(length, resp.record_id, resp.record_type,
                   None if resp.record_type == "revisit" else hashlib.sha256(resp.body).hexdigest(),
                   resp.warc_header("WARC-Payload-Digest"), decoded, error)
        self._records[key] = rec
        return rec, None

    def check_rows(self) -> None:
        import pyarrow.parquet as pq

        for table in POINTER_TABLES:
            folder = self.root / table
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if not (path.is_file() and path.name.endswith(".parquet") and not path.name.startswith((".", "_"))):
                    continue
                rel = self.rel(path)
                row_no = 0
                try:
                    pf = pq.ParquetFile(path)
                    for batch in pf.iter_batches(batch_size=BATCH_ROWS):
                        for row in batch.to_pylist():
                            self.check_row(table, f"{rel}#row={row_no}", row)
                            row_no += 1
                except Exception as exc:  # noqa: BLE001 - unreadable Parquet is a finding
                    self.problem("parquet_unreadable", rel, f"{type(exc).__name__}: {exc}")

    def check_row(self, table: str, where: str, row: dict[str, Any]) -> None:
        self.stats["rows"] += 1
        label = row.get("url") or row.get("record_id") or ""
        label = f"{label}: " if label else ""
        if table in RECORD_TABLES and row.get("record_sha256") is not None:
            from . import fixity

            try:
                expected = fixity.record_sha256(row, table)
            except Exception as exc:  # noqa: BLE001
                self.problem("record_sha256_error", where, f"{label}{type(exc).__name__}: {exc}")
            else:
                if expected != row["record_sha256"]:
                    self.problem("record_sha256_mismatch", where,
                                 f"{label}record_sha256 {row['record_sha256']} != recomputed {expected}")
        content = row.get("sha256") if table == "media_files" else row.get("content_sha256")
        if table == "media_files":
            self._check_media_row(where, label, row)
        warc_file = row.get("warc_file")
        if not warc_file:
            return
        self.stats["pointers"] += 1
        from .manifest import resolve_inside

        try:
            resolve_inside(self.root, warc_file)
        except ValueError as exc:
            self.problem("unsafe_path", where, f"{label}WARC pointer not followed: {exc}")
            return
        offset, length, rid = row.get("warc_offset"), row.get("warc_length"), row.get("warc_record_id")
        if offset is None or length is None:
            self.problem("pointer_unresolved", where, f"{label}{warc_file}: offset/length missing")
            return
        rec, why = self._record_at(warc_file, int(offset), int(length))
        if rec is None:
            self.problem("pointer_unresolved", where, f"{label}{warc_file}@{offset}+{length}: {why}")
            return
        if rec.length != int(length):
            self.problem("pointer_unresolved", where,
                         f"{label}{warc_file}@{offset}: record length is {rec.length}, row says {length}")
        if rid and rec.record_id != rid:
            self.problem("record_id_mismatch", where, f"{label}{warc_file}@{offset}: record {rec.record_id} != row {rid}")
        if content:
            actual = rec.payload_sha256
            if actual is None and rec.payload_digest:  # revisit that names the original payload
                actual = digest_hex(rec.payload_digest, "sha256")
                if (row.get("status") or row.get("http_status")) == 304 and content == EMPTY_SHA256:
                    actual = content  # a 304's row hashes the empty body it read; its revisit names what it confirmed
            # the row hashes the body without its Content-Encoding (what was extracted / stored in media/)
            if actual is not None and content not in (actual, rec.decoded_sha256):
                decoded = f", decoded {rec.decoded_sha256}" if rec.decoded_sha256 else ""
                why = f" (cannot decode: {rec.decode_error})" if rec.decode_error else ""
                self.problem("content_sha256_mismatch", where,
                             f"{label}payload sha256 {actual}{decoded} != row {content} ({warc_file}@{offset}){why}")

    def _check_media_row(self, where: str, label: str, row: dict[str, Any]) -> None:
        from .manifest import resolve_inside

        sha, path = row.get("sha256"), row.get("path")
        if not path:
            return
        try:
            file = resolve_inside(self.root, path)
        except ValueError as exc:
            self.problem("unsafe_path", where, f"{label}media path not read: {exc}")
            return
        if not file.is_file():
            self.problem("media_missing", where, f"{label}{path} does not exist")
            return
        if sha and Path(path).name != sha:
            self.problem("media_row_mismatch", where, f"{label}path {path} is not named by sha256 {sha}")
        size = row.get("size")
        if size is not None and file.stat().st_size != int(size):
            self.problem("media_row_mismatch", where, f"{label}size {file.stat().st_size} != row {size}")


def _hash_payload(record) -> tuple[str, str | None, str | None]:
    """(sha256 of the payload as stored, sha256 without its Content-Encoding or None, decode error)."""
    from .warc.content_encoding import DecodeError, Decoder

    sha = hashlib.sha256()
    decoded = decoder = error = None
    http = record.http_headers if record.rec_type == "response" else None
    coding = http.get_header("Content-Encoding") if http is not None else None
    if coding:
        try:
            decoder = Decoder(coding)
            decoded = hashlib.sha256()
        except DecodeError as exc:
            error = str(exc)

    def stored():
        while chunk := record.raw_stream.read(HASH_CHUNK):
            sha.update(chunk)
            yield chunk

    if decoder is None:
        for _ in stored():
            pass
    else:
        chunks = stored()
        try:
            for chunk in decoder.decode_chunks(chunks):
                decoded.update(chunk)
        except DecodeError as exc:
            error, decoded = str(exc), None
            for _ in chunks:  # hash the rest of the stored payload
                pass
    return sha.hexdigest(), decoded.hexdigest() if decoded is not None else None, error


# -- digests ------------------------------------------------------------------------------------
def _decode_digest_value(value: str, size: int) -> bytes | None:
    """Raw digest bytes from base32 (warcio), hex or base64 text; None if undecodable."""
    value = value.strip()
    candidates = []
    if len(value) == size * 2:
        candidates.append(lambda: base64.b16decode(value, casefold=True))
    candidates.append(lambda: base64.b32decode(value + "=" * (-len(value) % 8), casefold=True))
    candidates.append(lambda: base64.b64decode(value + "=" * (-len(value) % 4)))
    candidates.append(lambda: base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    for decode in candidates:
        try:
            raw = decode()
        except (binascii.Error, ValueError):
            continue
        if len(raw) == size:
            return raw
    return None


def digest_hex(digest: str, algorithm: str | None = None) -> str | None:
    """``sha256:<base32|hex|base64>`` → lowercase hex (None if another algorithm or undecodable)."""
    algo, _, value = digest.partition(":")
    algo = algo.strip().lower().replace("-", "")
    if not value or (algorithm and algo != algorithm):
        return None
    try:
        size = hashlib.new(algo).digest_size
    except ValueError:
        return None
    raw = _decode_digest_value(value, size)
    return raw.hex() if raw is not None else None


def digest_matches(digest: str, data: bytes) -> bool:
    algo = digest.partition(":")[0].strip().lower().replace("-", "")
    expected = digest_hex(digest)
    if expected is None:
        return False
    return hashlib.new(algo, data).hexdigest() == expected


# -- API -----------------------------------------------------------------------------------------
def verify(root: str | os.PathLike[str]) -> list[Problem]:
    """Every problem found in the archive at ``root`` (an empty list means all hashes check out)."""
    return Verifier(Path(root).absolute()).run()


def format_problems(problems: Iterable[Problem], stats: Counter | dict | None = None,
                    repairs: Iterable[dict] = ()) -> str:
    """Human-readable report: one line per problem, one per earlier ``--repair`` action, and a summary line."""
    problems = list(problems)
    lines = [str(p) for p in problems]
    for r in repairs:  # damage a writer was told to go past: never silent
        lines.append(f"repaired earlier: {r.get('kind')}: {r.get('path')}: {r.get('action')} "
                     f"({r.get('command')} at {r.get('at')})")
    checked = ""
    if stats:
        parts = [f"{v} {k.replace('_', ' ')}" for k, v in stats.items() if v]
        checked = " (checked " + ", ".join(parts) + ")" if parts else ""
    if not problems:
        lines.append(f"OK: no problems found{checked}")
    else:
        counts = Counter(p.kind for p in problems)
        summary = ", ".join(f"{k} x{n}" for k, n in sorted(counts.items()))
        lines.append(f"FAILED: {len(problems)} problem{'s' if len(problems) != 1 else ''} ({summary}){checked}")
    return "\n".join(lines)


__all__ = ["Problem", "Verifier", "digest_hex", "format_problems", "verify"]
