"""Issue 7, the archive's own integrity: writers refuse damage (or --repair records it), the lock says who
holds it, temp files of killed commands are cleared. On copies of the session's crawled archive."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive import manifest
from tests.conftest import ROOT, read_rows, run_cli


@pytest.fixture
def archive(crawled, tmp_path):
    copy = tmp_path / "archive"
    shutil.copytree(crawled[0], copy)
    return copy


def _one_line_error(proc, *needles):
    err = "\n".join(line for line in proc.stderr.strip().splitlines() if not line.startswith("[portal-archive]"))
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def test_a_deleted_final_part_is_refused_then_repaired_and_never_silent(archive):
    final = next((archive / "documents").glob("part-*-final.parquet"))
    rel = f"documents/{final.name}"
    lost = len(read_rows(archive, "documents"))
    final.unlink()
    proc = run_cli("reextract", "--archive", str(archive), check=False)
    assert proc.returncode == 2
    _one_line_error(proc, f"missing_file: {rel}", "--repair")
    assert rel in manifest.read_manifest(archive)  # the refusal wrote nothing
    assert run_cli("verify", "--archive", str(archive), check=False).returncode == 1

    run_cli("reextract", "--archive", str(archive), "--repair")
    report = run_cli("verify", "--archive", str(archive), check=False)
    assert f"repaired earlier: missing_file: {rel}: manifest entry closed" in report.stdout
    repairs = [json.loads(line) for line in (archive / "_repairs.jsonl").read_text().splitlines()]
    assert [(r["kind"], r["path"], r["command"]) for r in repairs] == [("missing_file", rel, "reextract")]
    assert lost > 0


def test_a_rewritten_part_without_its_manifest_line_is_refused_then_quarantined(archive, replica):
    final = next((archive / "articles").glob("part-*-final.parquet"))
    rel = f"articles/{final.name}"
    data = bytearray(final.read_bytes())
    data[len(data) // 2] ^= 0x01
    final.write_bytes(bytes(data))
    lines = manifest.manifest_path(archive).read_text().splitlines()
    manifest.manifest_path(archive).write_text(
        "".join(line + "\n" for line in lines if json.loads(line).get("path") != rel))
    proc = run_cli("crawl", replica.url + "/", "--archive", str(archive), check=False)
    assert proc.returncode == 2
    _one_line_error(proc, f"not_in_manifest: {rel}")
    proc = run_cli("reextract", "--archive", str(archive), "--repair", check=False)
    assert proc.returncode == 0, proc.stderr
    assert (archive / "_quarantine" / rel).read_bytes() == bytes(data) and not final.exists()


def _hold_lock(archive: Path):
    code = ("import sys, time; from archive.lock import ArchiveLock;"
            f"l = ArchiveLock({str(archive)!r}, 'crawl'); l.acquire(); l.note(snapshot='S-held');"
            "print('locked', flush=True); time.sleep(120)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_writer_says_who_holds_the_lock_and_exits_2(archive, replica):
    holder = _hold_lock(archive)
    try:
        for args in (["crawl", replica.url + "/"], ["reextract"], ["package", "--wacz"]):
            proc = run_cli(*args, "--archive", str(archive), check=False)
            assert proc.returncode == 2, (args, proc.stderr)
            _one_line_error(proc, f"is locked by pid {holder.pid} on host ", "(portal-archive crawl, snapshot S-held) since ")
    finally:
        holder.kill()
        holder.wait()


def test_temp_files_of_a_killed_package_are_cleared_by_the_next_command(archive):
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "package", "--wacz", "--archive", str(archive)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    temps = []
    while time.monotonic() < deadline and proc.poll() is None:
        temps = [p for p in archive.iterdir() if p.name.startswith(".tmp-") and p.stat().st_size > 0]
        if temps:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert temps, "package finished before it could be killed"
    assert [p for p in archive.iterdir() if p.name.startswith(".tmp-")]
    out = run_cli("package", "--wacz", "--archive", str(archive)).stdout.strip()
    assert Path(out).is_file()
    assert [p.name for p in archive.iterdir() if p.name.startswith(".tmp-")] == []


def test_a_gzip_serving_portal_verifies_clean_and_reextracts_unchanged(tmp_path):
    """Most servers send Content-Encoding: gzip; the WARC keeps it as sent, the rows hash it decoded."""
    from replica.server import ReplicaServer

    from archive.warc.reader import iter_responses

    archive = tmp_path / "archive"
    with ReplicaServer(port=0, articles=12, documents=8, seed=3, gzip=True) as server:
        run_cli("crawl", server.url + "/", "--archive", str(archive))
    gzipped = [r for _p, r in iter_responses(archive) if r.header("Content-Encoding") == "gzip"]
    assert len(gzipped) > 20 and all(r.body[:2] == b"\x1f\x8b" for r in gzipped)
    report = run_cli("verify", "--archive", str(archive))
    assert report.stdout.splitlines()[-1].startswith("OK")
    out = run_cli("reextract", "--archive", str(archive)).stdout
    changes = read_rows(archive, "changes")
    last = max(r["snapshot_id"] for r in changes)
    assert {r["change"] for r in changes if r["snapshot_id"] == last} == {"unchanged"}, out
    assert run_cli("verify", "--archive", str(archive)).returncode == 0


@pytest.fixture(scope="module")
def small_replica():
    from replica.server import ReplicaServer

    with ReplicaServer(port=0, articles=12, documents=8, seed=5) as server:
        yield server


@pytest.fixture(scope="module")
def small_reference(small_replica, tmp_path_factory):
    archive = tmp_path_factory.mktemp("small") / "archive"
    run_cli("crawl", small_replica.url + "/", "--archive", str(archive))
    return {t: {r["record_id"] for r in read_rows(archive, t)} for t in ("articles", "documents", "albums")}


@pytest.mark.parametrize("point", ["enospc:flush:3", "enospc:warc:40", "enospc:close"])
def test_disk_full_is_one_line_exit_1_no_summary_and_the_rerun_resumes(point, small_replica, small_reference,
                                                                        tmp_path):
    archive = tmp_path / "archive"
    cmd = ["crawl", small_replica.url + "/", "--archive", str(archive), "-s", "PORTAL_BATCH_ROWS=20"]
    proc = subprocess.run([sys.executable, "-m", "tests.crash_crawl", *cmd], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "CRASH_AT": point})
    assert proc.returncode == 1, proc.stderr[-3000:]
    _one_line_error(proc, "No space left on device", "run the same command again to resume")
    assert "Status" not in proc.stdout and "complete" not in proc.stdout  # no summary of a snapshot not kept
    assert read_rows(archive, "snapshots") == []  # unfinished: the rerun resumes it
    out = run_cli(*cmd).stdout
    assert "resumed" in out
    snapshots = read_rows(archive, "snapshots")
    assert [s["status"] for s in snapshots] == ["resumed"]
    assert {t: {r["record_id"] for r in read_rows(archive, t)} for t in small_reference} == small_reference
    assert run_cli("verify", "--archive", str(archive)).returncode == 0
