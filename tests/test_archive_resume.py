"""Crash safety: a crawl process SIGKILLed at any moment, then resumed, ends like an uninterrupted one.

A child process (fresh interpreter) crawls a deterministic set of records of every kind into an
archive, and kills itself with SIGKILL at a chosen point: after some records, inside a Parquet
flush (temp file half written), inside compaction, between finals, before/after the snapshots row,
mid deletion of compacted parts, mid manifest append.  A second child then resumes the snapshot
(same seeds, resume="auto", skipping ``done_in_snapshot()``), and the result is compared with an
uninterrupted run: same record ids, versions and record_sha256, no duplicate row, same changes.
"""

from __future__ import annotations

import collections
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from archive import ArchiveLockedError, ArchiveWriter, connect
from archive.fixity import sha256_file
from archive.layout import data_files, numbered_parts
from archive.manifest import read_manifest
from archive.schema import RECORD_TABLES, TABLES

REPO = Path(__file__).resolve().parents[1]
SEEDS = ["https://h/wps/portal/hoangmai"]

CHILD = r"""
import datetime as dt, hashlib, json, os, signal, sys
root, phase, kill = sys.argv[1], sys.argv[2], sys.argv[3]
what, _, n = kill.partition(":")
n = int(n or 1)
calls = [0]

def tick():
    calls[0] += 1
    return calls[0] >= n

def die():
    os.kill(os.getpid(), signal.SIGKILL)

import archive.compact, archive.manifest, archive.store, archive.writer
from archive import ArchiveWriter
from archive.schema import RECORD_TABLES

if what == "flush":  # inside a Parquet flush: the temp file is half written
    orig_write = archive.writer.TableWriter._write_parquet
    def hooked(self, table, path):
        if tick():
            with open(path, "wb") as fh:
                fh.write(b"PAR1 half a parquet file")
            die()
        return orig_write(self, table, path)
    archive.writer.TableWriter._write_parquet = hooked
elif what == "compact":  # inside compaction, while the final's temp file is being written
    orig_plan = archive.compact._apply_plan
    def hooked(*a):
        if tick():
            die()
        return orig_plan(*a)
    archive.compact._apply_plan = hooked
elif what == "final":  # after the n-th final file was published
    orig_compact = archive.store.compact_table
    def hooked(*a, **k):
        out = orig_compact(*a, **k)
        if out is not None and tick():
            die()
        return out
    archive.store.compact_table = hooked
elif what == "snaprow":  # all finals published, snapshots row not yet written
    def hooked(*a, **k):
        die()
    archive.store.snapshot_counts = hooked
elif what == "closed":  # snapshots row written, compacted parts not yet deleted
    def hooked(*a, **k):
        die()
    archive.store.delete_compacted = hooked
elif what == "delete":  # mid deletion of the compacted parts (manifest not yet told)
    def hooked(paths, manifest_root=None):
        os.unlink(paths[0])
        die()
    archive.compact._delete = hooked
elif what == "manifest":  # mid manifest append: a torn line
    orig_append = archive.manifest._append
    def hooked(root_, entry):
        if tick():
            line = json.dumps(entry).encode()
            with open(archive.manifest.manifest_path(root_), "ab") as fh:
                fh.write(line[: len(line) // 2])
            die()
        return orig_append(root_, entry)
    archive.manifest._append = hooked

TABLES = list(RECORD_TABLES)
T0 = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)

def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()

def record(i, phase):
    table = TABLES[i % len(TABLES)]
    changed = phase == "two" and i % 5 == 0
    row = {
        "record_id": f"{i:016x}",
        "wcm_path": f"/hoangmai/site/muc/{i}",
        "url": f"https://h/wps/wcm/connect/hoangmai/site/muc/{i}",
        "urls_seen": [f"https://h/wps/wcm/connect/hoangmai/site/muc/{i}"],
        "title": f"Tiêu đề {i}" + (" (sửa)" if changed else ""),
        "fetched_at": T0 + dt.timedelta(seconds=i),
        "http_status": 200,
        "content_sha256": sha(f"body {i} {changed}"),
        "etag": f'"e{i}"',
    }
    img = [{"url": f"https://h/img/{i}.jpg", "caption": "Ảnh", "alt": None, "sha256": sha(f"img {i}")}]
    if table == "articles":
        row.update(published_at="2020-09-03T07:55:00+07:00", published_at_raw="03/09/2020 07:55 AM",
                   body_text=f"Nội dung {i}", images=img, section="Kinh tế")
    elif table == "documents":
        row.update(number=f"{i}/QĐ-UBND", issued_on="2020-09-02", issued_on_raw="02/09/2020",
                   attachments=[{"url": f"https://h/f/{i}.pdf", "name": f"{i}.pdf", "sha256": sha(f"pdf {i}")}])
    elif table == "albums":
        row.update(published_at="2020-09-03T00:00:00+07:00", published_at_raw="03/09/2020", images=img)
    elif table == "videos":
        row.update(video_url=f"https://h/v/{i}.mp4", video_sha256=sha(f"mp4 {i}"), thumbnail_url=f"https://h/t/{i}.jpg")
    elif table == "schedules":
        row.update(week="2020-W36", week_start=dt.date(2020, 8, 31),
                   entries=[{"day": "Thứ hai", "date": "2020-08-31", "time": "07:30", "content": f"Họp {i}"}])
    else:
        row.update(body_text=f"Giới thiệu {i}", images=img, section="Giới thiệu")
    return table, row

ids = list(range(40)) if phase == "one" else [i for i in range(45) if i % 7 != 3]
w = ArchiveWriter(root, seeds=["https://h/wps/portal/hoangmai"], batch_rows=4)
done = w.done_in_snapshot()
for i in ids:
    table, row = record(i, phase)
    if row["record_id"] in done:
        continue
    if phase == "two" and i % 11 == 1 and i % 5:  # HTTP 304 for a record known unchanged
        w.add("pages", {"url": row["url"], "status": 304, "fetched_at": row["fetched_at"], "record_id": row["record_id"]})
        assert w.mark_unchanged(row["record_id"])
    else:
        w.add("pages", {"url": row["url"], "status": 200, "fetched_at": row["fetched_at"],
                        "page_type": RECORD_TABLES[table], "record_id": row["record_id"]})
        if i % 3 == 0:
            w.add("media_files", {"url": f"https://h/img/{i}.jpg", "sha256": sha(f"img {i}"), "size": 10,
                            "fetched_at": row["fetched_at"], "path": f"media/sha256/00/00/{sha(f'img {i}')}"})
        w.add_record(table, row)
    if what == "add" and tick():
        die()
w.close()
print(json.dumps({"snapshot_id": w.snapshot_id, "resumed": w.resumed, "resumes": w.resumes}))
"""


def child(root: Path, phase: str, kill: str = "none") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(root), phase, kill], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def run_ok(root: Path, phase: str) -> dict:
    proc = child(root, phase)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_killed(root: Path, phase: str, kill: str) -> None:
    proc = child(root, phase, kill)
    assert proc.returncode == -signal.SIGKILL, (kill, proc.returncode, proc.stderr)


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory):
    root = tmp_path_factory.mktemp("first") / "archive"
    run_ok(root, "one")
    return root


@pytest.fixture(scope="module")
def reference(first_crawl, tmp_path_factory):
    root = tmp_path_factory.mktemp("reference") / "archive"
    shutil.copytree(first_crawl, root)
    info = run_ok(root, "two")
    assert not info["resumed"]
    return state(root)


def second_snapshot(con) -> str:
    ids = [r[0] for r in con.execute("SELECT snapshot_id FROM snapshots ORDER BY started_at, snapshot_id").fetchall()]
    assert len(ids) >= 2, ids
    return ids[1]


def state(root: Path) -> dict:
    """What the second snapshot left, without snapshot ids and times."""
    con = connect(root)
    try:
        s2 = second_snapshot(con)
        out: dict = {"snapshot": con.execute(
            "SELECT status, resumes, records_new, records_changed, records_unchanged, records_removed, not_modified"
            " FROM snapshots WHERE snapshot_id = ?", [s2]).fetchall()}
        out["changes"] = sorted(con.execute(
            'SELECT "table", record_id, change, version, record_sha256 FROM changes WHERE snapshot_id = ?', [s2]
        ).fetchall())
        records, latest = [], []
        for t in RECORD_TABLES:
            records += con.execute(
                f"SELECT '{t}', record_id, version, record_sha256, url, urls_seen FROM {t} WHERE snapshot_id = ?", [s2]
            ).fetchall()
            latest += con.execute(f"SELECT '{t}', record_id, version, record_sha256 FROM {t}_latest").fetchall()
        out["records"] = sorted(records)
        out["latest"] = sorted(latest)
        out["media"] = sorted(r[0] for r in con.execute("SELECT url FROM media_files WHERE snapshot_id = ?", [s2]).fetchall())
        out["page_urls"] = sorted({r[0] for r in con.execute("SELECT url FROM pages WHERE snapshot_id = ?", [s2]).fetchall()})
    finally:
        con.close()
    return out


def check_clean(root: Path) -> None:
    """No partial or leftover file is visible, and the manifest matches the table files."""
    manifest = read_manifest(root)
    for table in TABLES:
        for f in data_files(root / table):
            pq.ParquetFile(f).metadata  # a complete Parquet file
            rel = f"{table}/{f.name}"
            assert rel in manifest, rel
            assert manifest[rel]["sha256"] == sha256_file(f) and manifest[rel]["size"] == f.stat().st_size
        assert not [p for p in (root / table).iterdir() if p.name.startswith(".tmp-")], table
    for rel in manifest:
        assert (root / rel).exists(), rel
    for table in RECORD_TABLES:  # closed snapshots only: finals, no numbered parts
        names = [f.name for f in data_files(root / table)]
        assert all(n.endswith("-final.parquet") for n in names), names


def visible_parquet_files_are_complete(root: Path) -> None:
    for table in TABLES:
        for f in data_files(root / table):
            pq.ParquetFile(f).metadata
    con = connect(root)  # readers work on the crashed archive
    for table in TABLES:
        con.execute(f"SELECT count(*) FROM {table}").fetchall()
    con.close()


KILLS = [
    "add:1", "add:9", "add:30", "flush:2", "flush:7", "flush:16", "compact:1", "compact:4", "final:1", "final:5",
    "snaprow", "closed", "delete", "manifest:3", "manifest:17",
]


@pytest.mark.parametrize("kill", KILLS)
def test_killed_then_resumed_equals_uninterrupted(kill, first_crawl, reference, tmp_path):
    root = tmp_path / "archive"
    shutil.copytree(first_crawl, root)
    run_killed(root, "two", kill)
    visible_parquet_files_are_complete(root)
    if kill in ("closed", "delete"):  # the snapshot was closed: the next writer only cleans up
        w = ArchiveWriter(root, seeds=SEEDS)
        assert not w.resumed
        w.abort()
        got = state(root)
        assert got["snapshot"] == reference["snapshot"]
    else:
        info = run_ok(root, "two")
        assert info["resumed"] and info["resumes"] == 1, info
        got = state(root)
        # pages is a fetch log: the resumed run fetched again what the killed one had not recorded
        assert got["snapshot"][0][:6] == ("resumed", 1, *reference["snapshot"][0][2:6])
        assert got["snapshot"][0][6] >= reference["snapshot"][0][6]
    for key in ("changes", "records", "latest", "media", "page_urls"):
        assert got[key] == reference[key], key
    ids = [r[1] for r in got["records"]]
    assert len(ids) == len(set(ids))  # one row per record
    check_clean(root)


def test_killed_twice_then_resumed(first_crawl, reference, tmp_path):
    root = tmp_path / "archive"
    shutil.copytree(first_crawl, root)
    run_killed(root, "two", "add:10")
    run_killed(root, "two", "flush:5")
    info = run_ok(root, "two")
    assert info["resumed"] and info["resumes"] == 2
    got = state(root)
    assert got["snapshot"][0][:6] == ("resumed", 2, *reference["snapshot"][0][2:6])
    for key in ("changes", "records", "latest", "media"):
        assert got[key] == reference[key], key
    check_clean(root)


def test_reference_counts(reference):
    # ids 0..44 minus i % 7 == 3 (6 removed of 0..39), 40..44 new, i % 5 == 0 changed (unless removed),
    # the rest unchanged; 304s (i % 11 == 1) are unchanged too
    status, resumes, new, changed, unchanged, removed, not_modified = reference["snapshot"][0]
    assert (status, resumes) == ("complete", 0)
    assert (new, changed, removed) == (5, len([i for i in range(40) if i % 5 == 0 and i % 7 != 3]), 6)
    assert unchanged == 40 - 6 - changed
    assert not_modified == len([i for i in range(40) if i % 7 != 3 and i % 11 == 1 and i % 5])
    assert len(reference["records"]) == new + changed
    assert len(reference["latest"]) == 40 - 6 + 5


def test_a_second_writer_is_refused_while_the_first_lives(tmp_path):
    root = tmp_path / "a"
    w = ArchiveWriter(root)
    with pytest.raises(ArchiveLockedError, match=r"is locked by pid \d+ on host .* \(portal-archive writer, snapshot .*\) since "):
        ArchiveWriter(root)
    w.close()
    ArchiveWriter(root).close()  # released by close()


def test_a_killed_holder_releases_the_lock(tmp_path):
    root = tmp_path / "a"
    code = (
        "import sys, time; from archive import ArchiveWriter;"
        f"w = ArchiveWriter({str(root)!r}); print('locked', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(ArchiveLockedError, match=r"pid \d+"):
            ArchiveWriter(root)
    finally:
        proc.kill()
        proc.wait()
    w = ArchiveWriter(root)  # SIGKILL released it; the dead writer's empty snapshot is resumed
    assert w.resumed
    w.close()


def test_resume_false_and_other_seeds_start_a_new_snapshot(tmp_path):
    root = tmp_path / "a"
    w = ArchiveWriter(root, seeds=["s"])
    sid = w.snapshot_id
    w.abort()
    other = ArchiveWriter(root, seeds=["t"])
    assert not other.resumed and other.snapshot_id != sid
    other.abort()
    fresh = ArchiveWriter(root, seeds=["t"], resume=False)
    assert not fresh.resumed and fresh.snapshot_id not in (sid, other.snapshot_id)
    fresh.close("interrupted")
    again = ArchiveWriter(root, seeds=["t"])  # latest is closed (interrupted): never resumed
    assert not again.resumed
    again.close()
    with pytest.raises(Exception, match="no unfinished snapshot"):
        ArchiveWriter(root, seeds=["t"], resume=True)


def test_unfinished_snapshot_by_explicit_id(tmp_path):
    root = tmp_path / "a"
    w = ArchiveWriter(root, snapshot_id="S1")
    w.abort()
    with pytest.raises(Exception, match="unfinished; resume it"):
        ArchiveWriter(root, snapshot_id="S1", resume=False)
    w = ArchiveWriter(root, snapshot_id="S1")
    assert w.resumed and w.resumes == 1
    w.close()
    counts = collections.Counter(p.name.split("-")[1] for p in (root / "snapshots").glob("*.parquet"))
    assert counts == {"S1": 1}
    assert numbered_parts(root / "snapshots", "S1")


def test_rows_whose_change_was_lost_are_dropped_at_compaction(tmp_path):
    root = tmp_path / "a"
    t0 = "2024-05-01T00:00:00Z"
    row = {"record_id": "r1", "url": "https://h/wps/portal/hoangmai/r1", "title": "v1", "fetched_at": t0}
    w = ArchiveWriter(root, seeds=SEEDS)
    w.add_record("articles", {**row, "record_id": "r0"})
    w.flush()
    w.add_record("articles", row)
    w._writers["articles"].flush()  # the record row reached the disk, its changes row did not
    w.abort()  # ... and the process died
    w = ArchiveWriter(root, seeds=SEEDS)
    assert w.resumed and w.done_in_snapshot() == {"r0"}
    assert w.add_record("articles", {**row, "record_id": "r0", "title": "other"}) == "duplicate"
    assert w.add_record("articles", {**row, "title": "v2", "fetched_at": "2024-05-01T00:01:00Z"}) == "new"
    w.close()
    got = {r["record_id"]: r for r in ds.dataset(root / "articles").to_table().to_pylist()}
    assert {k: v["title"] for k, v in got.items()} == {"r0": "v1", "r1": "v2"}
    assert w.snapshot["status"] == "resumed" and w.snapshot["records_new"] == 2
