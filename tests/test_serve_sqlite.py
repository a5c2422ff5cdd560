"""The SQLite database that ``serve`` and ``export --format sqlite`` share, read back by Datasette itself."""
from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from archive import RECORD_TABLES, connect
from research.fold import fold
from research.query import to_fts
from research.sqlite_db import build_sqlite


@pytest.fixture(scope="session")
def sqlite_db(crawled, tmp_path_factory):
    archive, _ = crawled
    out = tmp_path_factory.mktemp("sqlite")
    result = build_sqlite(archive, out / "archive.db", replay_prefix="http://127.0.0.1:1/archive/",
                          metadata_path=out / "metadata.json")
    return archive, result


def test_one_table_per_kind_with_the_latest_state(sqlite_db):
    archive, result = sqlite_db
    con = connect(archive)
    db = sqlite3.connect(result.path)
    for table in RECORD_TABLES:
        expected = sorted(r[0] for r in con.sql(f"SELECT record_id FROM {table}_latest").fetchall())
        got = sorted(r[0] for r in db.execute(f"SELECT record_id FROM {table}"))
        assert got == expected and result.counts[table] == len(expected)
        # the FTS table is aligned row for row with its table
        assert db.execute(f"SELECT count(*) FROM {table}_fts").fetchone()[0] == len(expected)
    assert db.execute("SELECT count(*) FROM records").fetchone()[0] == sum(result.counts[t] for t in RECORD_TABLES)
    row = db.execute("SELECT published_at, fetched_at, year, capture_timestamp, replay, url, images FROM articles "
                     "WHERE published_at IS NOT NULL LIMIT 1").fetchone()
    assert row[0].endswith("+07:00") and row[1].endswith("+00:00") and row[2] == int(row[0][:4])
    assert row[4] == f"http://127.0.0.1:1/archive/{row[3]}/{row[5]}" and isinstance(json.loads(row[6]), list)


def test_fts_holds_folded_text(sqlite_db):
    _, result = sqlite_db
    db = sqlite3.connect(result.path)
    titles = [r[0] for r in db.execute("SELECT title FROM records WHERE title LIKE '%Đảng%'")]
    assert titles, "the replica has titles with Đảng"
    hits = {r[0] for r in db.execute(
        "SELECT r.title FROM records_fts JOIN records r ON r.rowid = records_fts.rowid WHERE records_fts MATCH ?",
        [to_fts("dang")])}
    assert set(titles) <= hits


def test_datasette_serves_it_with_search_and_facets(sqlite_db):
    from datasette.app import Datasette

    _, result = sqlite_db
    meta = json.loads((result.path.parent / "metadata.json").read_text(encoding="utf-8"))
    ds = Datasette(files=[str(result.path)], metadata=meta)

    async def get(path):
        response = await ds.client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        return response.json()

    data = asyncio.run(get("/archive/articles.json?_search=dang+bo&_shape=objects&_size=max"))
    assert data["rows"]
    for row in data["rows"]:
        text = fold(json.dumps([row[c] for c in ("title", "summary", "body_text", "images", "author", "source")],
                               ensure_ascii=False))
        assert "dang" in text and "bo" in text
    facets = asyncio.run(get("/archive/records.json?_facet=kind&_facet=year&_size=0"))["facet_results"]
    assert {f["value"] for f in facets["kind"]["results"]} == set(RECORD_TABLES.values())
    phrase = asyncio.run(get('/archive/records.json?_search=%22cong+tac+can+bo%22&_shape=objects'))["rows"]
    assert phrase
