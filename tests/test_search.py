"""``portal-archive search`` on a crawled replica: accent folding (đ ≡ d, NFD), phrases, prefixes, filters,
snapshots, and the index kept up to date by crawl."""
from __future__ import annotations

import json
import re
import unicodedata

import pytest

from archive import RECORD_TABLES, connect
from research.fold import fold
from research.search import Filters, search
from research.search_index import index_path, rebuild_index, update_index
from tests.conftest import run_cli


@pytest.fixture(scope="session")
def archive(crawled):
    return crawled[0]


@pytest.fixture(scope="session")
def live_text(archive):
    """record_id → folded title and texts of every live record, straight from the Parquet (the ground truth)."""
    con = connect(archive)
    out = {}
    for table in RECORD_TABLES:
        cols = {"articles": "title, summary, body_text, images::VARCHAR, author, source",
                "documents": "title, summary, number, issuer, signer, field, doc_type, attachments::VARCHAR",
                "albums": "title, images::VARCHAR", "videos": "title", "schedules": "title, entries::VARCHAR",
                "static_pages": "title, body_text, images::VARCHAR"}[table]
        for rid, *texts in con.sql(f"SELECT record_id, {cols} FROM {table}_latest").fetchall():
            out[rid] = (fold(texts[0]), fold(" ".join(t or "" for t in texts)))
    return out


def _cli(archive, *args):
    proc = run_cli("search", "--archive", str(archive), "--format", "json", *args)
    return json.loads(proc.stdout)


def test_crawl_built_the_index(crawled):
    archive, proc = crawled
    assert index_path(archive).is_file()
    assert "search index rebuilt" in proc.stderr or "search index updated" in proc.stderr


@pytest.mark.parametrize("query", ["cong tac can bo", "Công tác cán bộ",
                                   unicodedata.normalize("NFD", "Công tác cán bộ"), "CÔNG TÁC CÁN BỘ"])
def test_accents_and_case_are_ignored(archive, live_text, query):
    hits = search(archive, query, limit=1000)
    expected = {rid for rid, (_, text) in live_text.items()
                if all(re.search(rf"\b{w}\b", text) for w in ("cong", "tac", "can", "bo"))}
    assert expected and {h.record_id for h in hits} == expected
    # phrase matches rank first
    assert "cong tac can bo" in live_text[hits[0].record_id][1]


def test_dang_bo_finds_dang_bo_with_d_stroke(archive, live_text):
    titles = {rid for rid, (title, _) in live_text.items() if re.search(r"\bdang\b", title)}
    assert titles and titles <= {h.record_id for h in search(archive, "dang", limit=1000)}
    hits = search(archive, "dang bo", limit=1000, marks=("[", "]"))
    expected = {rid for rid, (_, text) in live_text.items() if re.search(r"\bdang\b", text) and re.search(r"\bbo\b", text)}
    assert {h.record_id for h in hits} == expected
    # the best hit holds "Đảng bộ" itself (a phrase match), highlighted in its accented form
    assert "[Đảng] [bộ]" in hits[0].title + hits[0].snippet or "[đảng] [bộ]" in hits[0].snippet
    for query in ("Đảng bộ", unicodedata.normalize("NFD", "Đảng bộ"), "ĐẢNG BỘ", "đảng bo"):
        assert [h.record_id for h in search(archive, query, limit=50)] == [h.record_id for h in hits[:50]]


def test_phrase_and_prefix(archive, live_text):
    phrase = search(archive, '"ban chấp hành"', limit=1000)
    assert phrase and all("ban chap hanh" in live_text[h.record_id][1] for h in phrase)
    words = search(archive, "ban chấp hành", limit=1000)
    assert len(words) >= len(phrase)
    prefix = search(archive, "chấp*", limit=1000, marks=("[", "]"))
    assert {h.record_id for h in phrase} <= {h.record_id for h in prefix}
    assert all(re.search(r"\bchap", live_text[h.record_id][1]) for h in prefix)
    assert any("[Chấp]" in h.snippet or "[chấp]" in h.snippet for h in prefix)


def test_no_hit_and_bad_query(archive):
    assert _cli(archive, "xyzzy quux") == []
    proc = run_cli("search", "--archive", str(archive), "xyzzy quux")
    assert proc.stdout.strip() == "no hits"
    bad = run_cli("search", "--archive", str(archive), '"unclosed', check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("portal-archive search:") and "Traceback" not in bad.stderr
    bad = run_cli("search", "--archive", str(archive), "x", "--since", "31/02/2020", check=False)
    assert bad.returncode == 2 and "cannot read the date" in bad.stderr


def test_filters_by_section_kind_and_date(archive):
    hits = _cli(archive, "dang bo", "--section", "Chinh tri - Xay dung Dang", "--limit", "100")
    assert hits and all(fold(h["section"]) == "chinh tri - xay dung dang" for h in hits)
    hits = _cli(archive, "cong tac", "--kind", "document", "--limit", "100")
    assert hits and all(h["kind"] == "document" for h in hits)
    everything = _cli(archive, "cong tac", "--limit", "1000")
    dated = _cli(archive, "cong tac", "--since", "01/01/2020", "--until", "2021", "--limit", "1000")
    assert dated and all("2020-01-01" <= h["date"] <= "2021-12-31" for h in dated)
    assert {h["record_id"] for h in dated} == {h["record_id"] for h in everything
                                                if h["date"] and "2020-01-01" <= h["date"] <= "2021-12-31"}
    first = dated[0]
    assert first["url"].startswith("http://") and first["title"] and first["kind"] and "<mark>" in first["snippet"]


def test_rebuild_gives_the_same_answers(archive, tmp_path):
    before = [h.record_id for h in search(archive, "dang bo", limit=30)]
    stats = rebuild_index(archive)
    assert stats.rebuilt and stats.live == sum(connect(archive).sql(
        f"SELECT count(*) FROM {t}_latest").fetchall()[0][0] for t in RECORD_TABLES)
    assert [h.record_id for h in search(archive, "dang bo", limit=30)] == before
    assert update_index(archive).added == 0  # nothing new: nothing read again


def test_incremental_update_after_a_mutated_crawl(mutated_history):
    archive, (*_, second), k = mutated_history
    # the crawl's hook indexed only the new and changed records
    assert re.search(rf"search index updated: {2 * k} record versions added", second.stderr), second.stderr
    con = connect(archive)
    first_id, _, second_id = [r[0] for r in con.sql("SELECT snapshot_id FROM snapshots ORDER BY 1").fetchall()]
    changes = dict(con.sql("SELECT change, list(record_id) FROM changes WHERE snapshot_id = ? GROUP BY 1",
                           params=[second_id]).fetchall())
    titles = dict(con.sql("SELECT record_id, title FROM articles").fetchall())
    for rid in changes["removed"]:  # removed records leave the latest state, stay findable as of before
        quoted = '"' + titles[rid] + '"'
        assert rid not in {h.record_id for h in search(archive, quoted, limit=50)}
        assert rid in {h.record_id for h in search(archive, quoted, limit=50, snapshot=first_id)}
    for rid in changes["new"]:
        assert rid in {h.record_id for h in search(archive, '"' + titles[rid] + '"', limit=50)}
    for rid in changes["changed"]:
        latest = con.sql("SELECT title FROM articles_latest WHERE record_id = ?", params=[rid]).fetchall()[0][0]
        hits = search(archive, '"' + latest + '"', limit=50)
        assert any(h.record_id == rid and h.snapshot_id == second_id for h in hits)


def test_the_update_reads_on_one_duckdb_thread_under_a_memory_limit_and_bounds_tantivy(archive, tmp_path,
                                                                                      monkeypatch):
    """What keeps the update's memory flat as the archive grows (bench/close_memory.py): its DuckDB scan on one
    thread under a memory limit, gone before tantivy's commit; tantivy's heap bounded. Same index as before."""
    import shutil

    import research.search_index as si

    copy = tmp_path / "archive"
    shutil.copytree(archive, copy, ignore=shutil.ignore_patterns("indexes"))
    seen, heaps = [], []
    add_rows, writer = si._add_rows, si.tantivy_writer

    def spy_rows(db, w, con, *args):
        seen.append(con.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchall()[0])
        return add_rows(db, w, con, *args)

    def spy_writer(index):  # what tantivy is given, not the constants
        class Recording:
            def writer(self, **kwargs):
                heaps.append(kwargs)
                return index.writer(**kwargs)
        return writer(Recording())

    monkeypatch.setattr(si, "_add_rows", spy_rows)
    monkeypatch.setattr(si, "tantivy_writer", spy_writer)
    stats = rebuild_index(copy)
    assert seen and set(seen) == {(1, "244.1 MiB")}  # UPDATE_DUCKDB: 1 thread, 256 MB
    assert heaps == [{"heap_size": 48_000_000, "num_threads": 1}]
    assert stats.rebuilt and stats.live == sum(connect(copy).sql(
        f"SELECT count(*) FROM {t}_latest").fetchall()[0][0] for t in RECORD_TABLES)
    assert [h.record_id for h in search(copy, "dang bo", limit=30)] == [
        h.record_id for h in search(archive, "dang bo", limit=30)]
