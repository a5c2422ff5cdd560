"""``reextract --workers N``: the captures are extracted across processes, the output is the one-worker run's."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from functools import partial

from pipelines.reextract import unique_captures
from pipelines.reextract_jobs import extract_capture, extract_captures
from tests.conftest import ROOT, read_rows, run_cli


def test_pool_yields_exactly_the_single_process_pages_and_records(crawled):
    archive = crawled[0]
    pointers = list(unique_captures(archive))
    one = list(extract_captures(archive, pointers, workers=1))
    two = list(extract_captures(archive, pointers, workers=2))
    assert len(one) == len(pointers) > 50  # more than one chunk per worker
    assert [p["warc"] for p, _ in two] == [src_warc for src_warc in (p["warc"] for p, _ in one)]
    assert two == one


def test_a_capture_comes_back_with_the_hash_and_length_of_its_body_not_the_body(crawled):
    from pipelines.reextract_jobs import capture_page
    from pipelines.records import sha256_hex

    archive = crawled[0]
    crawled_sha = {r["record_id"]: r["content_sha256"] for r in read_rows(archive, "articles")}
    pointers = [p for p in unique_captures(archive) if p["record_id"] in crawled_sha][:20]
    assert pointers
    for src in pointers:
        page, record = extract_capture(archive, src)
        body = capture_page(archive, src)["body"]
        assert "body" not in page and record["title"]
        assert (page["content_sha256"], page["length"]) == (sha256_hex(body), len(body))
        assert page["content_sha256"] == crawled_sha[src["record_id"]]  # as the crawl hashed the page it fetched


def _last_changes(archive):
    snapshots = sorted(r["snapshot_id"] for r in read_rows(archive, "snapshots"))
    rows = [r for r in read_rows(archive, "changes") if r["snapshot_id"] == snapshots[-1]]
    return sorted((r["record_id"], r["change"], r["record_sha256"], r["version"]) for r in rows)


def test_reextract_with_two_workers_writes_what_one_worker_writes(crawled, tmp_path):
    runs = {}
    for workers in ("1", "2"):
        copy = tmp_path / f"archive-{workers}"
        shutil.copytree(crawled[0], copy)
        proc = run_cli("reextract", "--archive", str(copy), "--workers", workers)
        runs[workers] = (_last_changes(copy), proc.stdout.splitlines()[-1])
    assert runs["2"] == runs["1"]
    assert len(runs["1"][0]) > 50


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in (open(f"/proc/{pid}/task/{pid}/children").read().split())]
    except FileNotFoundError:
        return []


def test_ctrl_c_mid_reextract_stops_every_worker_and_leaves_an_interrupted_snapshot(crawled, tmp_path):
    """Ctrl-C in a terminal signals the whole process group: the workers ignore it, the parent stops the pool,
    closes its snapshot as interrupted and says so in one line."""
    from bench.reextract import scaled_archive

    archive = tmp_path / "archive"
    scaled_archive(crawled[0], archive, 3000)  # long enough to be interrupted in the middle
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "reextract", "--archive", str(archive), "--workers", "2"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_children(proc.pid)) == 2, "the two workers did not start"
    time.sleep(0.5)  # in the middle of their chunks
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (130, "interrupted\n")
    try:
        os.killpg(proc.pid, 0)
        raise AssertionError("a worker outlived reextract")
    except ProcessLookupError:
        pass
    last = max(read_rows(archive, "snapshots"), key=lambda r: r["snapshot_id"])
    assert last["seeds"][0].startswith("reextract:") and last["status"] == "interrupted"
    assert run_cli("verify", "--archive", str(archive)).returncode == 0


def test_workers_must_be_a_positive_number(tmp_path):
    proc = run_cli("reextract", "--archive", str(tmp_path), "--workers", "0", check=False)
    assert proc.returncode == 2
    assert "whole number of 1 or more" in proc.stderr and "Traceback" not in proc.stderr


def dask_engine(root, pointers):
    """The README's cluster snippet, on Dask's local process scheduler instead of a ``Client``."""
    import dask.bag as db

    bag = db.from_sequence(list(pointers), partition_size=64).map(partial(extract_capture, str(root)))
    return bag.compute(scheduler="processes", num_workers=2)


def test_the_same_job_runs_on_dask(crawled, tmp_path):
    from pipelines.reextract import reextract

    archive = crawled[0]
    pointers = list(unique_captures(archive))
    assert dask_engine(archive, pointers) == list(extract_captures(archive, pointers, workers=1))
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)
    snap = reextract(copy, engine=dask_engine)
    assert (snap["records_new"], snap["records_changed"]) == (0, 0)
    assert snap["records_unchanged"] == len(_last_changes(copy)) > 50


def test_chunks_keep_the_order_and_shrink_at_the_end_so_the_workers_finish_together():
    from pipelines.reextract_jobs import CHUNK, WINDOW, guided_chunks

    items = [{"i": i} for i in range(WINDOW * CHUNK * 2 * 3 + 5)]
    chunks = list(guided_chunks(iter(items), CHUNK, 2))
    assert [x for c in chunks for x in c] == items
    sizes = [len(c) for c in chunks]
    assert max(sizes) == CHUNK and sizes[-2:] == [1, 1]
    assert sizes == sorted(sizes, reverse=True)  # full chunks, then ever smaller ones
    assert list(guided_chunks(iter([]), CHUNK, 2)) == []
