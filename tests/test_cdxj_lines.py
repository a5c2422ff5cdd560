"""The CDXJ index made as the WARC records are written (archive.warc.cdxj.CdxjLines) is cdxj-indexer's, byte for
byte: on the session's crawl and re-crawl (responses, revisits, their requests, the pager's POSTs), and on those
very records written again through a WarcWriter, whose lines must cover every file (no file read again)."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.warc.cdxj import CdxjLines, write_cdxj
from archive.warc.layout import WARC_DIR, warc_files

SNAP = "20990101T000000.000000Z-cdxj01"


def snapshots(root: Path) -> list[str]:
    return sorted(p.name[: -len(".cdxj")] for p in (root / "indexes").glob("*.cdxj"))


def indexer_bytes(root: Path, files: list[Path], tmp: Path) -> bytes:
    """cdxj-indexer's index of ``files`` (the close's only indexer before CdxjLines), by its command in a process
    of its own (py-wacz, once imported, changes cdxj-indexer's defaults in the importing process)."""
    out = tmp / "cdxj-indexer.cdxj"
    subprocess.run([str(Path(sys.executable).with_name("cdxj-indexer")), "--sort", "--post-append",
                    "--dir-root", str(root / WARC_DIR), "-o", str(out), *map(str, files)], check=True)
    return out.read_bytes()


def test_crawl_and_recrawl_indexes_are_cdxj_indexers(crawled, recrawled, tmp_path):
    first, again = snapshots(recrawled)
    assert snapshots(crawled[0]) == [first]
    for root, snap in ((crawled[0], first), (recrawled, again)):
        index = (root / "indexes" / f"{snap}.cdxj").read_bytes()
        assert index == indexer_bytes(root, warc_files(root, snap), tmp_path)
    lines = (recrawled / "indexes" / f"{again}.cdxj").read_text().splitlines()
    assert sum('"mime": "warc/revisit"' in line for line in lines) > 300  # the re-crawl's 304s
    assert any('"method": "POST"' in line for line in lines)  # the pager's form posts, keys with their query


def _replay(source: Path, root: Path, spill_bytes: int | None = None) -> CdxjLines:
    """Every exchange of the WARC files of ``source``'s snapshots written again into snapshot SNAP of ``root``
    through a WarcWriter that makes the CDXJ lines (``spill_bytes``: held in memory up to that); returns them."""
    from archive.warc.writer import WarcWriter

    writer = WarcWriter(root, SNAP, max_bytes=2_000_000, sync_each=False, cdxj=True)  # several files
    if spill_bytes is not None:
        writer.cdxj_lines.spill_bytes = spill_bytes
    for snap in snapshots(source):
        for path in warc_files(source, snap):
            with open(path, "rb") as fh:
                records = []
                for record in ArchiveIterator(fh, arc2warc=False):
                    http = record.http_headers
                    records.append((record.rec_type, record.rec_headers, http,
                                    record.raw_stream.read() if record.rec_type != "warcinfo" else b""))
            for (kind, rec, http, body), nxt in zip(records, records[1:] + [None]):
                if kind not in ("response", "revisit") or nxt is None or nxt[0] != "request":
                    continue
                _, req_rec, req_http, req_body = nxt
                date = dt.datetime.strptime(rec.get_header("WARC-Date"), "%Y-%m-%dT%H:%M:%S.%fZ")
                request = dict(url=rec.get_header("WARC-Target-URI"), method=req_http.protocol,
                               request_headers=req_http.headers, request_body=req_body, date=date,
                               ip=rec.get_header("WARC-IP-Address"))
                if kind == "response":
                    status, _, reason = http.statusline.partition(" ")
                    writer.write_exchange(**request, status=int(status), reason=reason,
                                          response_headers=http.headers, body=body, protocol=http.protocol)
                else:
                    writer.write_revisit(**request, refers_to_uri=rec.get_header("WARC-Refers-To-Target-URI"),
                                         refers_to_date=rec.get_header("WARC-Refers-To-Date"),
                                         refers_to_record_id=rec.get_header("WARC-Refers-To"),
                                         payload_digest=rec.get_header("WARC-Payload-Digest"))
    writer.write_resource("http://example.org/generated.txt", b"made here", "text/plain; charset=utf-8",
                          dt.datetime(2099, 1, 1))
    writer.write_revisit(url="http://example.org/unknown-original", date=dt.datetime(2099, 1, 1))  # no digest
    writer.close()
    return writer.cdxj_lines


def test_lines_made_while_writing_are_cdxj_indexers(recrawled, tmp_path):
    root = tmp_path / "archive"
    lines = _replay(recrawled, root)
    files = warc_files(root, SNAP)
    assert len(files) > 1 and lines.files == {p.absolute() for p in files}  # every file: none read again
    index = write_cdxj(root, SNAP, lines).read_bytes()
    assert index == indexer_bytes(root, files, tmp_path)
    assert index.count(b"\n") > 1000


def test_spilled_runs_and_files_read_again_merge_into_the_same_index(recrawled, tmp_path):
    root = tmp_path / "archive"
    lines = _replay(recrawled, root, spill_bytes=20_000)  # sorted runs on disk, of finished and unfinished files
    files = warc_files(root, SNAP)
    assert len(lines._runs) > len(files)  # noqa: SLF001
    assert write_cdxj(root, SNAP, lines).read_bytes() == indexer_bytes(root, files, tmp_path)
    lines.files.discard(files[0].absolute())  # as if another worker wrote it: cdxj-indexer reads it, its lines
    other = files[0].relative_to(root / WARC_DIR).as_posix()  # made here are left out
    kept = [line for line in lines.sorted_lines() if f'"filename": "{other}"' not in line]
    mine = CdxjLines(root / WARC_DIR)
    mine.files, mine._lines = lines.files, kept  # noqa: SLF001
    assert write_cdxj(root, SNAP, mine).read_bytes() == indexer_bytes(root, files, tmp_path)
    mine.files = lines.files | {(root / WARC_DIR / "gone.warc.gz").absolute()}  # lines of a file not there any more:
    mine._lines = ["not a line of the snapshot\n"]  # noqa: SLF001 - none of them is used, every file is read again
    assert write_cdxj(root, SNAP, mine).read_bytes() == indexer_bytes(root, files, tmp_path)
