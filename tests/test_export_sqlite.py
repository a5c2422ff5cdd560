"""``export --format sqlite`` (research's build_sqlite), proven by Datasette serving it on loopback."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from archive import connect
from tests.conftest import run_cli
from tests.export_support import free_port, wait_for_port


@pytest.fixture(scope="module")
def datasette(crawled, tmp_path_factory):
    archive, _ = crawled
    out = tmp_path_factory.mktemp("sqlite") / "out"
    run_cli("export", "--archive", str(archive), "--format", "sqlite", "--out", str(out), "-q")
    port = free_port()
    datasette_bin = Path(sys.executable).with_name("datasette")
    proc = subprocess.Popen([str(datasette_bin), "serve", str(out / "archive.db"), "-m", str(out / "metadata.json"),
                             "-h", "127.0.0.1", "-p", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/archive"
    if not wait_for_port(port, 60, lambda: proc.poll() is None):
        proc.kill()
        raise AssertionError(f"datasette did not start: {proc.stdout.read().decode(errors='replace')}")
    yield archive, out, base
    proc.terminate()
    proc.wait(timeout=10)


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read())


def test_datasette_serves_a_table_per_kind_with_every_record(datasette):
    archive, out, base = datasette
    con = connect(archive)
    try:
        expected = {t: con.execute(f'SELECT count(*) FROM "{t}_latest"').fetchone()[0]
                    for t in ("articles", "documents", "albums", "videos", "schedules", "static_pages")}
    finally:
        con.close()
    for table, n in expected.items():
        data = get_json(f"{base}/{table}.json?_size=1")
        assert data["filtered_table_rows_count"] == n, table
    rows = get_json(f"{base}/documents.json?_shape=array&_size=5")
    assert rows and all(r["number"] and r["record_id"] for r in rows)


def test_folded_search_dang_bo_finds_dang_bo(datasette):
    _, _, base = datasette
    hits = get_json(f"{base}/records.json?_shape=array&_search=" + urllib.parse.quote("dang bo"))
    assert hits
    texts = " ".join(json.dumps(h, ensure_ascii=False) for h in hits)
    rows = get_json(f"{base}/articles.json?_shape=array&_search=" + urllib.parse.quote("dang bo"))
    assert rows and any("Đảng bộ" in " ".join(str(v) for v in r.values()) for r in rows), texts[:500]


def test_filters_reach_the_database(crawled, tmp_path):
    archive, _ = crawled
    out = tmp_path / "docs"
    run_cli("export", "--archive", str(archive), "--format", "sqlite", "--out", str(out), "--kind", "document", "-q")
    import sqlite3

    db = sqlite3.connect(out / "archive.db")
    try:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM documents").fetchone()[0] > 0
    finally:
        db.close()
