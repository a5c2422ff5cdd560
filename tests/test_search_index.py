"""The search index's update on small archives written as a crawl writes them: tantivy's queue bounded by
commits, an update killed between its commits rebuilt, the no-change update (an unchanged re-crawl) done
without recomputing the ``_latest`` views yet leaving the index exactly as the full update does, and ties
ordered by doc id whatever the segments."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

import research.search_index as si
from archive import ArchiveWriter
from archive.takedowns import record_action
from bench.close_memory import SEEDS, items
from research.search import ranked, search
from research.search_index import index_path, is_stale, rebuild_index, update_index
from tests.conftest import ROOT

RECORDS = 12


def _crawl(root, *, seen=range(RECORDS), removed=(), status="complete"):
    """One snapshot: the articles ``seen`` (the same content every time: unchanged after the first), the
    ``removed`` ones marked removed, as the crawler does on evidence."""
    writer = ArchiveWriter(root, seeds=SEEDS, command="test")
    rows = list(items(RECORDS))
    for i in seen:
        writer.add_item(rows[i])
    for i in removed:
        assert writer.remove(f"{i:016x}")
    writer.close(status=status, mark_removed=False)


def _state(root) -> tuple:
    """What the index holds, whatever its doc ids: versions with their live flag, bookkeeping, hits."""
    db = sqlite3.connect(index_path(root))
    try:
        docs = db.execute("SELECT tbl, record_id, snapshot_id, version, live FROM docs ORDER BY 2, 3").fetchall()
        meta = dict(db.execute("SELECT key, value FROM meta WHERE key <> 'takedown_token'").fetchall())
    finally:
        db.close()
    _, index = si.open_index(root)
    # the versions found (their scores differ: BM25 counts the deleted documents of a segment until it merges)
    hits = sorted((h.record_id, h.snapshot_id) for h in search(root, "Bài", limit=100))
    return docs, meta, index.searcher().num_docs, hits


def _rebuilt_state(root, tmp_path) -> tuple:
    copy = tmp_path / "rebuilt"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("indexes"))
    assert rebuild_index(copy).rebuilt
    return _state(copy)


def _full_passes(monkeypatch) -> list[int]:
    """Counts the updates that recompute the ``_latest`` views."""
    calls = []
    latest_keys = si.LatestKeys

    def counted(con):
        calls.append(1)
        return latest_keys(con)

    monkeypatch.setattr(si, "LatestKeys", counted)
    return calls


def test_an_unchanged_recrawl_updates_without_a_full_pass_and_as_it_would(tmp_path, monkeypatch):
    root = tmp_path / "archive"
    _crawl(root)
    assert update_index(root).rebuilt
    full = _full_passes(monkeypatch)
    for status in ("complete", "partial"):  # the unchanged re-crawl: a changes row "unchanged" a record, no row
        _crawl(root, status=status)
        stats = update_index(root)
        assert not full and (stats.added, stats.dropped, stats.live) == (0, 0, RECORDS) and not is_stale(root)
        assert _state(root) == _rebuilt_state(root, tmp_path)  # watermark and snapshot count too
        full.clear()


def test_removals_returns_and_takedowns_take_the_full_pass(tmp_path, monkeypatch):
    root = tmp_path / "archive"
    _crawl(root)
    update_index(root)
    full = _full_passes(monkeypatch)
    gone = f"{RECORDS - 1:016x}"
    steps = [
        lambda: _crawl(root, seen=range(RECORDS - 1), removed=[RECORDS - 1]),  # removed
        lambda: _crawl(root),  # back, unchanged: no record row, yet live again
        lambda: record_action(root, gone, reason="test", who="test"),  # taken down
        lambda: _crawl(root),  # a taken-down record seen unchanged: nothing to do
        lambda: record_action(root, gone, reason="test", who="test", undo=True),  # undone
    ]
    expect_full = [True, True, True, False, True]
    live = [RECORDS - 1, RECORDS, RECORDS - 1, RECORDS - 1, RECORDS]
    for step, full_pass, n in zip(steps, expect_full, live):
        step()
        full.clear()
        stats = update_index(root)
        assert (bool(full), stats.live) == (full_pass, n)
        assert _state(root) == _rebuilt_state(root, tmp_path)


def test_the_update_commits_every_commit_every_documents_same_answers(tmp_path, monkeypatch):
    """tantivy's queue holds at most COMMIT_EVERY documents: the writer commits after each COMMIT_EVERY adds
    (the commit waits for the queue to drain); the index answers as one built in one commit."""
    root = tmp_path / "archive"
    _crawl(root)
    whole = _rebuilt_state(root, tmp_path)
    runs: list[int] = []
    make_writer = si.tantivy_writer

    def spy(index):
        writer = make_writer(index)

        class Counting:
            def add_document(self, doc):
                runs[-1] += 1
                return writer.add_document(doc)

            def commit(self):
                runs.append(0)
                return writer.commit()

            def __getattr__(self, name):
                return getattr(writer, name)

        runs.append(0)
        return Counting()

    monkeypatch.setattr(si, "COMMIT_EVERY", 5)
    monkeypatch.setattr(si, "tantivy_writer", spy)
    assert update_index(root).added == RECORDS
    assert max(runs) <= 5 and sum(runs) == RECORDS and len(runs) >= 3
    assert _state(root) == whole


KILLED_UPDATE = """
import os, sys
import research.search_index as si
si.COMMIT_EVERY = 1
make_writer = si.tantivy_writer
def dying(index):
    writer = make_writer(index)
    commits = []
    class Dying:
        def commit(self):
            writer.commit()
            commits.append(1)
            if len(commits) == 1:  # the index holds part of the update, its bookkeeping none of it
                os._exit(9)
        def __getattr__(self, name):
            return getattr(writer, name)
    return Dying()
si.tantivy_writer = dying
si.update_index(sys.argv[1])
"""


def test_an_update_killed_between_its_commits_is_rebuilt(tmp_path):
    """Killed after its first commit, an update that drops one version (a takedown) and adds one (a new
    record) leaves the index with as many documents as its bookkeeping, but not the same: the mark tells."""
    root = tmp_path / "archive"
    _crawl(root, seen=range(6))
    update_index(root)
    record_action(root, f"{0:016x}", reason="test", who="test")
    _crawl(root, seen=range(7))  # one record new
    killed = subprocess.run([sys.executable, "-c", KILLED_UPDATE, str(root)], cwd=ROOT, timeout=120)
    assert killed.returncode == 9
    _, index = si.open_index(root)
    db = sqlite3.connect(index_path(root))
    assert index.searcher().num_docs == db.execute("SELECT count(*) FROM docs").fetchone()[0] == 6
    db.close()
    assert is_stale(root)
    assert update_index(root).rebuilt
    assert _state(root) == _rebuilt_state(root, tmp_path) and not is_stale(root)
    assert not update_index(root).rebuilt


def test_ties_are_ordered_by_doc_id_whatever_the_segments(tmp_path):
    """Six documents scoring the same, indexed in two commits in reverse id order: tantivy alone returns them
    by address (segment, then position); ``ranked`` by doc id, also when the limit cuts through the tie."""
    import tantivy

    folder = tmp_path / "index"
    (folder / "tantivy").mkdir(parents=True)
    index = si.open_tantivy(folder)
    writer = si.tantivy_writer(index)
    for batch in ((3, 2, 1), (6, 5, 4)):
        for doc_id in batch:
            writer.add_document(tantivy.Document(id=doc_id, live=1, title="Công tác cán bộ", body="Đảng bộ"))
        writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    query = tantivy.Query.term_query(index.schema, "title", "can")
    ids = [searcher.doc(a)["id"][0] for _, a in searcher.search(query, 6).hits]
    assert ids != sorted(ids)  # what tantivy alone gives
    for limit in (1, 2, 4, 6, 20):
        got = [searcher.doc(a)["id"][0] for _, a in ranked(searcher, query, limit)]
        assert got == [1, 2, 3, 4, 5, 6][:limit]
