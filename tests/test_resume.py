"""Crash-safe resume: ``kill -9`` the crawl at several points, run the same command again, and the
archive ends identical to an uninterrupted crawl: same records, same content hashes, no duplicates."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pyarrow.dataset as ds
import pytest

from tests.conftest import RECORD_TABLES, ROOT, read_rows, run_cli

def records_of(archive):
    out = {}
    for table in RECORD_TABLES:
        rows = ds.dataset(archive / table, format="parquet").to_table(columns=["record_id", "record_sha256"]).to_pylist()
        ids = [r["record_id"] for r in rows]
        assert len(ids) == len(set(ids)), f"duplicate records in {table}"
        out[table] = {r["record_id"]: r["record_sha256"] for r in rows}
    return out


def record_differences(archive, reference) -> list[str]:
    """What differs between the records of two archives, per table: ids missing or extra (with a URL), and
    for a record in both with another content hash, the content fields that differ (empty: the same); then
    the errors rows of one and not the other (a failure that explains a missing record)."""
    from archive.fixity import CONTENT_FIELDS

    out = []
    for table in RECORD_TABLES:
        got, want = ({r["record_id"]: r for r in read_rows(a, table)} for a in (archive, reference))
        for rid in sorted(want.keys() - got.keys()):
            out.append(f"{table}: missing {rid} {want[rid]['url']}")
        for rid in sorted(got.keys() - want.keys()):
            out.append(f"{table}: extra {rid} {got[rid]['url']}")
        for rid in sorted(got.keys() & want.keys()):
            if got[rid]["record_sha256"] != want[rid]["record_sha256"]:
                fields = {f: (got[rid].get(f), want[rid].get(f)) for f in CONTENT_FIELDS[table]
                          if got[rid].get(f) != want[rid].get(f)}
                out.append(f"{table}: changed {rid} {got[rid]['url']} (got, expected): {fields}")
    got, want = ({(r["url"], r["reason"], r.get("exception")) for r in read_rows(a, "errors")} for a in (archive, reference))
    out += [f"errors: only here {e}" for e in sorted(got - want, key=str)]
    out += [f"errors: only in the reference {e}" for e in sorted(want - got, key=str)]
    return out


def assert_same_records(archive, reference) -> None:
    """Each record once, with the content hash of ``reference``'s; else a message saying what differs."""
    if records_of(archive) != records_of(reference):
        diffs = record_differences(archive, reference)
        pytest.fail(f"{len(diffs)} record(s) differ from the reference crawl:\n" + "\n".join(diffs[:40]))


def rows_of_records(archive):
    """media_files (url, sha256), url_aliases (record_id, url), errors (url, reason): each row once."""
    out = {}
    for table, cols in (("media_files", ("url", "sha256")), ("url_aliases", ("record_id", "url")),
                        ("errors", ("url", "reason"))):
        rows = [tuple(r[c] for c in cols) for r in read_rows(archive, table)]
        keys = [r[:2] if table != "media_files" else r[:1] for r in rows]
        assert len(keys) == len(set(keys)), f"duplicate {table} rows"
        out[table] = set(rows)
    return out


def _crawl_cmd(replica, archive):
    return ["crawl", replica.url + "/", "--archive", str(archive), "-s", "PORTAL_BATCH_ROWS=40",
            "-s", "PORTAL_PROGRESS_INTERVAL=0"]


def _killed_by_hook(point, replica, archive):
    env = {**os.environ, "CRASH_AT": point}
    proc = subprocess.run([sys.executable, "-m", "tests.crash_crawl", *_crawl_cmd(replica, archive)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == -signal.SIGKILL, (point, proc.returncode, proc.stderr[-2000:])


def _killed_after(seconds, replica, archive):
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", *_crawl_cmd(replica, archive)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def no_partial_files(archive):
    visible = [p for p in archive.rglob("*") if p.is_file()]
    assert not [p for p in visible if p.name.endswith(".open") or ".tmp" in p.name], "partial files left visible"
    for table in RECORD_TABLES + ("pages", "errors"):
        ds.dataset(archive / table, format="parquet").to_table()  # every visible Parquet file reads


@pytest.mark.parametrize("kills", [("flush:3",), ("warc:150", "flush:12"), ("time:4",), ("compaction",)])
def test_kill_and_resume_ends_like_an_uninterrupted_crawl(kills, crawled, replica, tmp_path):
    archive = tmp_path / "archive"
    for kill in kills:
        if kill.startswith("time:"):
            _killed_after(float(kill.split(":")[1]), replica, archive)
        else:
            _killed_by_hook(kill, replica, archive)
    proc = run_cli(*_crawl_cmd(replica, archive))
    assert "resumed" in proc.stdout
    no_partial_files(archive)
    assert_same_records(archive, crawled[0])
    rows, expected = rows_of_records(archive), rows_of_records(crawled[0])
    assert rows["media_files"] == expected["media_files"]  # nothing lost at any flush boundary
    assert rows["errors"] == expected["errors"]
    snapshots = read_rows(archive, "snapshots")
    assert len(snapshots) == 1 and snapshots[0]["status"] == "resumed" and snapshots[0]["resumes"] >= 1
    assert run_cli("verify", "--archive", str(archive)).returncode == 0
