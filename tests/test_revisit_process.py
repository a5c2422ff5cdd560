"""A re-crawl's revisits are written by a process of their own (pipelines/revisit_process.py): its WARC files
hold them, the pages rows point at them, the index has them; when that process dies the crawl stops with
one line, and the next run completes the snapshot."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replica.server import ReplicaServer
from tests.conftest import ROOT, read_rows, run_cli

ARTICLES = 300


@pytest.fixture(scope="module")
def crawled_once(tmp_path_factory):
    archive = tmp_path_factory.mktemp("revisits") / "archive"
    server = ReplicaServer(port=0, articles=ARTICLES, documents=20)
    server.start()
    try:
        run_cli("crawl", server.url + "/", "--archive", str(archive))
        yield server, archive
    finally:
        server.stop()


def _latest(archive):
    return max(read_rows(archive, "snapshots"), key=lambda r: r["snapshot_id"])


def test_revisits_are_in_the_revisit_process_files(crawled_once, tmp_path):
    from archive.warc import read_record

    server, archive = crawled_once
    copy = tmp_path / "archive"
    subprocess.run(["cp", "-r", str(archive), str(copy)], check=True)
    run_cli("crawl", server.url + "/", "--archive", str(copy))
    snap = _latest(copy)
    assert snap["status"] == "complete" and snap["records_unchanged"] > ARTICLES
    pages = [r for r in read_rows(copy, "pages") if r["snapshot_id"] == snap["snapshot_id"] and r["status"] == 304]
    assert len(pages) > ARTICLES
    for row in pages:
        assert row["warc_file"].endswith("-revisits.warc.gz"), row["warc_file"]
        record = read_record(copy, row["warc_file"], row["warc_offset"], row["warc_length"])
        assert record.record_type == "revisit" and record.url == row["url"]
        assert record.warc_header("WARC-Refers-To")  # names the capture it confirms
    index = (copy / "indexes" / f"{snap['snapshot_id']}.cdxj").read_text(encoding="utf-8")
    assert index.count('"mime": "warc/revisit"') == len(pages)
    verified = run_cli("verify", "--archive", str(copy))
    assert "OK" in verified.stdout


def _spawned_children(pid: int) -> list[int]:
    """The multiprocessing 'spawn' processes among ``pid``'s descendants (the revisit process)."""
    parents, spawned = {}, set()
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            parents[int(name)] = int(Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            if b"spawn_main" in Path(f"/proc/{name}/cmdline").read_bytes():
                spawned.add(int(name))
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
    descendants, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in descendants} - descendants
        descendants |= more
        grew = bool(more)
    return sorted(spawned & descendants)


def test_a_dead_revisit_process_stops_the_crawl_and_the_next_run_completes(crawled_once, tmp_path):
    server, archive = crawled_once
    copy = tmp_path / "archive"
    subprocess.run(["cp", "-r", str(archive), str(copy)], check=True)
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "crawl", server.url + "/", "--archive", str(copy),
                             "-s", "PORTAL_PROGRESS_INTERVAL=0"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and proc.poll() is None and time.monotonic() < deadline:
        for pid in _spawned_children(proc.pid):
            time.sleep(1.0)  # let it write some revisits first
            os.kill(pid, signal.SIGKILL)
            killed = pid
            break
        time.sleep(0.05)
    out, err = proc.communicate(timeout=300)
    assert killed is not None, "the re-crawl started no revisit process"
    assert proc.returncode != 0, out
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "revisit writer process died" in lines[0], err
    assert "run the same command again to resume" in lines[0]  # what to do, in the same line
    assert "Traceback" not in err
    assert [r["status"] for r in read_rows(copy, "snapshots")] == ["complete"]  # the first crawl's only
    again = run_cli("crawl", server.url + "/", "--archive", str(copy))  # resumes the snapshot, recovers its files
    assert "resuming" in again.stdout + again.stderr
    snapshots = read_rows(copy, "snapshots")
    assert [r["status"] for r in snapshots] == ["complete", "resumed"]  # finished after a resume
    assert _latest(copy)["records_unchanged"] > ARTICLES
    assert "OK" in run_cli("verify", "--archive", str(copy)).stdout
