"""Compaction: urls_seen merges aliases, canonical URL preference, crash recovery."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import archive.compact
from archive import ArchiveWriter, connect
from archive.schema import ARTICLES
from archive.urls import preferred_url, url_rank, url_rank_sql

T0 = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
H = "https://hoangmai.hanoi.gov.vn"
WCM = "/hoangmai/site/tin-tuc-su-kien/kinh-te/hoi-nghi"
FRIENDLY = f"{H}/wps/portal/hoangmai/tin-tuc-su-kien/kinh-te/hoi-nghi"
STATE = f"{H}/wps/portal/hoangmai/!ut/p/c5/04_SB8K8xLLM9MSSzPy8xBz9CP0os3gLAwMjIydDRwN3Y0MjA0/dl3/d3/L2dBISEvZ0FBIS9nQSEh/"
POC = f"{H}/wps/portal/hoangmai/kinh-te?1dmy&current=true&urile=wcm:path:{WCM}"
CONNECT = f"{H}/wps/wcm/connect{WCM}"
PRINT = f"{H}/wps/wcm/connect{WCM}?presentationtemplate=hoangmai/pt_print"


def article(aid: str, url: str, urls_seen=(), **extra):
    row = {
        "article_id": aid,
        "url": url,
        "urls_seen": list(urls_seen),
        "title": f"Bài {aid}",
        "body_text": "nội dung " * 50,
        "fetched_at": T0,
    }
    row.update(extra)
    return row


def alias(aid, url, seconds=0):
    return {"article_id": aid, "url": url, "seen_at": T0 + dt.timedelta(seconds=seconds)}


def articles_by_id(root):
    return {r["article_id"]: r for r in ds.dataset(root / "articles").to_table().to_pylist()}


def test_aliases_are_merged_and_canonical_url_is_preferred(tmp_path):
    root = tmp_path / "a"
    with ArchiveWriter(root, snapshot_id="S1", batch_rows=2) as w:
        w.add("url_aliases", alias("a1", STATE))
        w.add("articles", article("a1", STATE, [STATE, PRINT]))
        w.add("url_aliases", alias("a1", CONNECT, 1))
        w.add("url_aliases", alias("a1", FRIENDLY, 2))
        w.add("url_aliases", alias("a1", FRIENDLY, 3))  # duplicates collapse
        w.add("url_aliases", alias("zz", f"{H}/other"))  # another article's alias
        w.add("articles", article("b2", PRINT, [PRINT]))
        w.add("url_aliases", alias("b2", POC))
        w.add("articles", article("c3", STATE, []))  # no aliases at all
    got = articles_by_id(root)
    assert set(got) == {"a1", "b2", "c3"}
    assert got["a1"]["url"] == FRIENDLY
    assert got["a1"]["urls_seen"] == [FRIENDLY, CONNECT, PRINT, STATE]  # distinct, preferred first
    assert got["b2"]["url"] == POC and got["b2"]["urls_seen"] == [POC, PRINT]
    assert got["c3"]["url"] == STATE and got["c3"]["urls_seen"] == [STATE]
    files = sorted(p.name for p in (root / "articles").iterdir())
    assert files == ["part-S1-final.parquet"]  # numbered parts removed, no temp left
    assert pq.read_schema(root / "articles" / files[0]).equals(ARTICLES, check_metadata=False)


def test_aliases_from_an_earlier_snapshot_count(tmp_path):
    root = tmp_path / "a"
    with ArchiveWriter(root, snapshot_id="S1") as w:
        w.add("url_aliases", alias("a1", FRIENDLY))
    with ArchiveWriter(root, snapshot_id="S2") as w:
        w.add("articles", article("a1", CONNECT, [CONNECT]))
    assert articles_by_id(root)["a1"]["url"] == FRIENDLY


def test_duplicate_records_of_one_article_become_one_row(tmp_path):
    root = tmp_path / "a"
    with ArchiveWriter(root, snapshot_id="S1", batch_rows=1) as w:
        assert w.add("articles", article("a1", STATE, [STATE], title="first", fetched_at=T0 + dt.timedelta(seconds=5))) == "new"
        assert w.add("articles", article("a1", CONNECT, [CONNECT], title="second", fetched_at=T0)) == "duplicate"
    table = ds.dataset(root / "articles").to_table()
    assert table.num_rows == 1
    row = table.to_pylist()[0]
    assert row["title"] == "first"  # the first capture recorded is kept, the duplicate is ignored
    assert row["urls_seen"] == [CONNECT, STATE] and row["url"] == CONNECT  # ...but its URLs are aliases
    assert ds.dataset(root / "snapshots").to_table().column("records_new").to_pylist() == [1]


def test_compaction_only_touches_its_own_snapshot(tmp_path):
    root = tmp_path / "a"
    crashed = ArchiveWriter(root, snapshot_id="S0")
    crashed.add("articles", article("x", CONNECT))
    crashed.flush()  # process "dies" here: never closed
    crashed.abort()
    with ArchiveWriter(root, snapshot_id="S1") as w:
        w.add("articles", article("y", CONNECT))
    names = sorted(p.name for p in (root / "articles").glob("*.parquet"))
    assert names == ["part-S0-000001.parquet", "part-S1-final.parquet"]


URLS = [
    FRIENDLY, STATE, POC, CONNECT, PRINT,
    "/wps/portal/hoangmai/tin",  # root-relative friendly
    "?1dmy&current=true&urile=wcm:path:/hoangmai/site/x",  # relative PoC
    f"{H}/wps/portal/hoangmai/x?urile=wcm%3Apath%3A%2Fhoangmai",  # encoded PoC
    f"{H}/wps/portal/hoangmai/tin?page=2",  # friendly path with a query: not friendly
    f"{H}/wps/wcm/connect/hoangmai/site/y",
    f"{H}/wps/portal/hoangmai/a!ut/p/b",
    f"{H}/khac/trang",
    "",
]


@pytest.mark.parametrize(
    "url, rank",
    [(FRIENDLY, 0), (STATE, 3), (POC, 1), (CONNECT, 2), (PRINT, 3), (URLS[5], 0), (URLS[6], 1), (URLS[7], 1),
     (URLS[8], 3), (URLS[11], 3)],
)
def test_url_rank(url, rank):
    assert url_rank(url) == rank


def test_sql_and_python_rank_agree():
    con = duckdb.connect()
    got = con.execute(f"SELECT u, {url_rank_sql('u')} FROM unnest(?::VARCHAR[]) t(u)", [URLS]).fetchall()
    assert {u: r for u, r in got} == {u: url_rank(u) for u in URLS}


def test_ties_prefer_shortest_then_lexicographic():
    a = f"{H}/wps/portal/hoangmai/b"
    b = f"{H}/wps/portal/hoangmai/a"
    c = f"{H}/wps/portal/hoangmai/aa"
    assert preferred_url([c, a, b]) == b
    assert preferred_url([STATE, PRINT]) == min(STATE, PRINT, key=lambda u: (len(u), u))
    assert preferred_url([]) is None


def test_crash_before_final_rename_keeps_parts(tmp_path, monkeypatch):
    root = tmp_path / "a"
    w = ArchiveWriter(root, snapshot_id="S1", batch_rows=1)
    w.add("articles", article("a1", CONNECT))
    w.add("articles", article("b2", CONNECT + "b"))

    def boom(table, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(archive.compact, "_apply_plan", lambda *a: boom(None))
    with pytest.raises(OSError, match="disk full"):
        w.close()
    names = sorted(p.name for p in (root / "articles").iterdir())
    assert names == ["part-S1-000001.parquet", "part-S1-000002.parquet"]  # no final, no temp
    assert not list(root.glob(".tmp-*"))  # DuckDB spill folder removed
    monkeypatch.undo()
    w.close()  # retry succeeds
    assert sorted(p.name for p in (root / "articles").iterdir()) == ["part-S1-final.parquet"]


def test_crash_after_final_rename_is_recovered_on_open(tmp_path, monkeypatch):
    root = tmp_path / "a"
    w = ArchiveWriter(root, snapshot_id="S1", batch_rows=1)
    w.add("articles", article("a1", CONNECT))
    w.add("articles", article("b2", CONNECT + "b"))

    def die(*args):
        raise SystemExit("killed")

    monkeypatch.setattr(archive.compact, "_delete", die)
    with pytest.raises(SystemExit):
        w.close()
    monkeypatch.undo()
    names = sorted(p.name for p in (root / "articles").iterdir())
    assert names == ["part-S1-000001.parquet", "part-S1-000002.parquet", "part-S1-final.parquet"]
    # readers going through archive.query never see the superseded parts twice
    con = connect(root)
    assert con.execute("SELECT count(*) FROM articles").fetchall()[0][0] == 2
    con.close()
    # the next writer removes the leftovers
    ArchiveWriter(root, snapshot_id="S2").close()
    assert sorted(p.name for p in (root / "articles").iterdir()) == ["part-S1-final.parquet"]
    assert ds.dataset(root / "articles").count_rows() == 2


def test_compaction_reads_parts_in_batches_and_cuts_wide_row_groups_by_size(tmp_path, monkeypatch):
    """Parts are decoded a few rows at a time and a row group ends at ROW_GROUP_BYTES (memory stays bounded
    by those, not by the snapshot): the same rows, kept and merged as when every part is read whole."""
    def build(root):
        with ArchiveWriter(root, snapshot_id="S1", batch_rows=40) as w:
            for i in range(100):
                w.add("articles", article(f"{i:016x}", f"{CONNECT}-{i}", body_text=f"bài {i} " + "chữ " * 400))
                if i % 3 == 0:
                    w.add("articles", article(f"{i:016x}", f"{PRINT}-{i}"))  # a second capture: a duplicate
                w.add("url_aliases", alias(f"{i:016x}", f"{FRIENDLY}-{i}"))
        return pq.read_table(root / "articles" / "part-S1-final.parquet")

    whole = build(tmp_path / "whole")
    monkeypatch.setattr(archive.compact, "READ_BATCH_ROWS", 7)  # batches straddle the parts' 40 rows
    monkeypatch.setattr(archive.compact, "ROW_GROUP_BYTES", 20_000)
    final = tmp_path / "batched" / "articles" / "part-S1-final.parquet"
    assert build(tmp_path / "batched").to_pylist() == whole.to_pylist()
    meta = pq.ParquetFile(final).metadata
    assert meta.num_rows == 100 and meta.num_row_groups > 5
    assert all(meta.row_group(i).num_rows <= 21 for i in range(meta.num_row_groups))  # 7 rows x ~2 KB each


def test_compaction_streams_many_parts_into_row_groups(tmp_path, monkeypatch):
    monkeypatch.setattr(archive.compact, "ROW_GROUP_ROWS", 250)
    root = tmp_path / "a"
    with ArchiveWriter(root, snapshot_id="S1", batch_rows=100) as w:
        for i in range(1000):
            w.add("articles", article(f"{i:016x}", f"{CONNECT}-{i}"))
            w.add("url_aliases", alias(f"{i:016x}", f"{FRIENDLY}-{i}"))
    meta = pq.ParquetFile(root / "articles" / "part-S1-final.parquet").metadata
    assert meta.num_rows == 1000
    assert meta.num_row_groups == 4
    assert all(meta.row_group(i).num_rows <= 250 for i in range(meta.num_row_groups))
    got = articles_by_id(root)
    assert got[f"{7:016x}"]["url"] == f"{FRIENDLY}-7"
    assert got[f"{7:016x}"]["urls_seen"] == [f"{FRIENDLY}-7", f"{CONNECT}-7"]


def test_a_big_snapshot_is_planned_in_bounded_buckets_with_the_same_final(tmp_path, monkeypatch):
    """The compaction plan of a snapshot of more rows than PLAN_BUCKET_ROWS is made in buckets of records, each
    one DuckDB query on one thread under a memory limit, its rows read back a batch at a time (memory of the
    close flat as the archive grows: bench/close_memory.py): the final file is the same as planned whole."""
    def build(root):
        with ArchiveWriter(root, snapshot_id="S1", batch_rows=40) as w:
            for i in range(100):
                w.add("articles", article(f"{i:016x}", f"{CONNECT}-{i}"))
                if i % 3 == 0:
                    w.add("articles", article(f"{i:016x}", f"{PRINT}-{i}"))  # a second capture: a duplicate
                w.add("url_aliases", alias(f"{i:016x}", f"{FRIENDLY}-{i}"))
        return (root / "articles" / "part-S1-final.parquet").read_bytes()

    whole = build(tmp_path / "whole")
    buckets, settings = [], []
    write_plan, connection = archive.compact.write_plan, archive.compact.duckdb_connection

    def spy_plan(root, table, snapshot_id, parts, spill, *args):
        plan, expected = write_plan(root, table, snapshot_id, parts, spill, *args)
        buckets.append([pq.ParquetFile(f).metadata for f in sorted(spill.glob("plan-*.parquet"))])
        assert sorted(p.name for p in (spill / "src").iterdir()) == [f"bucket={b}" for b in range(4)]
        assert pq.ParquetFile(plan).metadata.num_rows == expected == 100
        return plan, expected

    def spy_connection(*args, **kwargs):
        con = connection(*args, **kwargs)
        settings.append(con.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchone())
        return con

    monkeypatch.setattr(archive.compact, "PLAN_BUCKET_ROWS", 30)
    monkeypatch.setattr(archive.compact, "write_plan", spy_plan)
    monkeypatch.setattr(archive.compact, "duckdb_connection", spy_connection)
    assert build(tmp_path / "buckets") == whole  # byte for byte
    (plans,) = buckets  # the bucket's plans, sorted into one
    assert len(plans) == 4  # 100 rows in the parts (a duplicate is not stored), 30 a bucket
    assert sum(m.num_rows for m in plans) == 100
    assert max(m.num_rows for m in plans) < 60  # every row of a record in one bucket, the records spread
    assert settings == [(1, "122.0 MiB")]  # PLAN_THREADS, PLAN_MEMORY_LIMIT (128 MB)
