"""``takedown`` (issue 12): a record taken down is gone from the views, search, exports, report, summary,
Datasette and pywb replay of ``serve``, while the WARC evidence stays byte for byte and ``verify`` passes;
``--undo`` brings it back; a re-crawl does not resurrect it; bad input is one line and exit 2."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from archive import connect
from archive.summary import summarize
from cli.takedown import default_user
from research.report import collect
from research.serve import stop
from tests.conftest import ROOT, free_ports, run_cli

BY = unicodedata.normalize("NFD", "Ban Pháp chế Thị ủy")  # typed decomposed: stored NFC


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small replica, running for the module, crawled once: (server, archive)."""
    from replica.server import ReplicaServer

    archive = tmp_path_factory.mktemp("takedown") / "archive"
    with ReplicaServer(port=0, articles=20, documents=4, seed=3) as server:
        run_cli("crawl", server.url + "/", "--archive", str(archive))
        yield server, archive


def _copy(small, tmp_path) -> Path:
    dest = tmp_path / "archive"
    shutil.copytree(small[1], dest)
    return dest


def _evidence(archive: Path) -> dict[str, str]:
    """sha256 of every WARC and CDXJ file."""
    files = [*archive.glob("warc/**/*.warc.gz"), *archive.glob("indexes/*.cdxj")]
    return {p.relative_to(archive).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _victim(archive: Path) -> dict:
    """An article with a state URL among its URLs (to take it down by that URL) and an image no other record has."""
    con = connect(archive)
    try:
        rel = con.execute(
            "SELECT record_id, title, url, urls_seen, snapshot_id, images[1].url AS image FROM articles_latest a "
            "WHERE array_to_string(urls_seen, ' ') LIKE '%!ut/p%' AND len(images) > 0 AND (SELECT count(*) FROM "
            "articles b, unnest(b.images) AS x(i) WHERE x.i.url = a.images[1].url AND b.record_id <> a.record_id) = 0 "
            "ORDER BY record_id LIMIT 1")
        return dict(zip([d[0] for d in rel.description], rel.fetchall()[0]))
    finally:
        con.close()


def _ids(archive: Path, sql: str, **kw) -> set[str]:
    con = connect(archive, **kw)
    try:
        return {r[0] for r in con.execute(sql).fetchall()}
    finally:
        con.close()


def _search_ids(archive: Path, query: str, *extra: str) -> set[str]:
    proc = run_cli("search", query, "--archive", str(archive), "--format", "json", "--limit", "50", *extra)
    return {h["record_id"] for h in json.loads(proc.stdout)}


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _serve_checks(archive: Path, victim: dict, other_url: str) -> tuple[list, int, int, int]:
    """Run ``serve``: (Datasette rows of the victim, pywb status of the victim's URL, of its image, of another
    record's URL)."""
    port, replay = free_ports(2)
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--archive", str(archive), "--port", str(port),
                             "--replay-port", str(replay)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/serve", timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "serve did not answer"
                time.sleep(0.5)
        status, body = _get(f"http://127.0.0.1:{port}/serve/records.json?record_id={victim['record_id']}&_shape=array")
        assert status == 200
        rows = json.loads(body)
        status, body = _get(f"http://127.0.0.1:{port}/serve/media_files.json?url={victim['image']}&_shape=array")
        assert status == 200
        rows += json.loads(body)  # its image's download is not listed either
        gone, image, kept = (_get(f"http://127.0.0.1:{replay}/archive/2100id_/{u}")[0]
                             for u in (victim["url"], victim["image"], other_url))
        return rows, gone, image, kept
    finally:
        stop(proc)


def test_takedown_hides_everywhere_keeps_evidence_and_undo_restores(small, tmp_path):
    archive = _copy(small, tmp_path)
    victim = _victim(archive)
    rid, words = victim["record_id"], victim["title"]
    state_url = next(u for u in victim["urls_seen"] if "!ut/p" in u)
    evidence = _evidence(archive)
    articles_before = summarize(archive)["records"]["articles"]["rows"]
    assert rid in _search_ids(archive, words)
    other_url = next(iter(_ids(archive, f"SELECT url FROM articles_latest WHERE record_id <> '{rid}'")))

    proc = run_cli("takedown", "--archive", str(archive), "--url", state_url, "--reason", "Quyết định 12/QĐ-UBND",
                   "--by", BY)
    assert f"taken down: articles {rid}" in proc.stdout

    # the views (latest and any snapshot) leave it out; the base table and the legal-review views keep it
    assert rid not in _ids(archive, "SELECT record_id FROM articles_latest")
    assert rid not in _ids(archive, f"SELECT record_id FROM articles_as_of('{victim['snapshot_id']}')")
    assert rid in _ids(archive, "SELECT record_id FROM articles")
    assert rid in _ids(archive, "SELECT record_id FROM articles_latest", include_taken_down=True)
    con = connect(archive)
    (row,) = con.sql("SELECT * FROM takedowns").to_arrow_table().to_pylist()
    con.close()
    assert (row["record_id"], row["table"], row["action"], row["requested_url"]) == (rid, "articles", "take", state_url)
    assert row["who"] == unicodedata.normalize("NFC", BY) and row["reason"] == "Quyết định 12/QĐ-UBND"
    assert set(victim["urls_seen"]) <= set(row["urls"]) and row["action_at"].tzinfo is not None

    # search: gone from the latest state, from any snapshot, and a rebuild does not bring it back
    assert rid not in _search_ids(archive, words)
    assert rid not in _search_ids(archive, words, "--snapshot", victim["snapshot_id"])
    assert rid not in _search_ids(archive, words, "--rebuild")

    # summary, report, export (JSON Lines and the redirect map)
    summary = summarize(archive)
    assert summary["records"]["articles"]["rows"] == articles_before - 1 and summary["records_taken_down"] == 1
    assert dict((k, n) for k, n, *_ in collect(archive)["totals"])["article"] == articles_before - 1
    out = tmp_path / "export"
    run_cli("export", "--archive", str(archive), "--format", "jsonl", "--out", str(out), "-q")
    exported = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rid not in {r["record_id"] for r in exported} and len(exported) > 50
    redirects = (out / "redirects.csv").read_text(encoding="utf-8")
    assert victim["url"] not in redirects and other_url in redirects

    # serve: not in Datasette; pywb answers 404 for its URL and its image (captured: in the CDXJ), 200 for another
    cdxj = "".join((archive / f).read_text() for f in evidence if f.endswith(".cdxj"))
    assert victim["url"] in cdxj and victim["image"] in cdxj
    assert _serve_checks(archive, victim, other_url) == ([], 404, 404, 200)

    # the evidence is untouched, the new file is in the manifest, verify passes
    assert _evidence(archive) == evidence
    manifest = (archive / "_manifest.jsonl").read_text()
    assert all(f"takedowns/{p.name}" in manifest for p in (archive / "takedowns").glob("*.parquet"))
    assert "OK: no problems found" in run_cli("verify", "--archive", str(archive)).stdout

    # undo: back everywhere; the history keeps both rows
    run_cli("takedown", "--archive", str(archive), "--record", rid, "--undo", "--reason", "appeal granted")
    assert rid in _ids(archive, "SELECT record_id FROM articles_latest")
    assert rid in _search_ids(archive, words)
    assert _ids(archive, "SELECT action FROM takedowns") == {"take", "undo"}
    assert summarize(archive)["records"]["articles"]["rows"] == articles_before
    assert "OK: no problems found" in run_cli("verify", "--archive", str(archive)).stdout


def test_a_recrawl_does_not_resurrect_it(small, tmp_path):
    server, _ = small
    archive = _copy(small, tmp_path)
    victim = _victim(archive)
    rid = victim["record_id"]
    run_cli("takedown", "--archive", str(archive), "--record", rid, "--reason", "privacy")
    run_cli("crawl", server.url + "/", "--archive", str(archive))
    con = connect(archive)
    seen = con.execute("SELECT change FROM changes WHERE record_id = ? AND snapshot_id = "
                       "(SELECT max(snapshot_id) FROM snapshots)", [rid]).fetchall()
    con.close()
    assert seen == [("unchanged",)]  # the crawl captured it again
    assert rid not in _ids(archive, "SELECT record_id FROM articles_latest")
    assert rid not in _search_ids(archive, victim["title"])
    assert summarize(archive)["records_taken_down"] == 1
    con = connect(archive)
    assert con.execute("SELECT who FROM takedowns").fetchall() == [(default_user(),)]  # --by defaults to the OS user
    con.close()
    package = run_cli("package", "--archive", str(archive), "--wacz", "-o", str(tmp_path / "a.wacz"))
    assert "holds the captures of the 1 records taken down" in package.stderr  # the evidence package says so


def _one_line_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert all(w in lines[0] for w in words), lines[0]


def test_bad_input_is_one_line_and_exit_2(small, tmp_path):
    server, _ = small
    archive = _copy(small, tmp_path)
    rid = _victim(archive)["record_id"]
    a = ("--archive", str(archive))
    _one_line_error(run_cli("takedown", *a, "--record", "0123456789abcdef", "--reason", "x", check=False),
                    "no record", "0123456789abcdef")
    _one_line_error(run_cli("takedown", *a, "--url", server.url + "/wps/portal/hoangmai/khong-co", "--reason", "x",
                            check=False), "no record", "--record")
    _one_line_error(run_cli("takedown", *a, "--record", rid, "--reason", "  ", check=False), "reason")
    _one_line_error(run_cli("takedown", *a, "--record", rid, "--undo", "--reason", "x", check=False),
                    "not taken down")
    assert not list(archive.glob("takedowns/*.parquet"))  # nothing written by a refused takedown
    run_cli("takedown", *a, "--record", rid, "--reason", "x")
    _one_line_error(run_cli("takedown", *a, "--record", rid, "--reason", "x", check=False), "already taken down")
    _one_line_error(run_cli("takedown", "--archive", str(tmp_path), "--record", rid, "--reason", "x", check=False),
                    "not an archive")
    assert len(list(archive.glob("takedowns/*.parquet"))) == 1


def test_replay_hides_only_what_no_shown_record_needs(small, tmp_path):
    from archive.takedowns import hidden_urls

    archive = _copy(small, tmp_path)
    con = connect(archive)
    rid, video_url, seen = con.execute("SELECT record_id, video_url, urls_seen FROM videos_latest "
                                       "ORDER BY record_id LIMIT 1").fetchall()[0]
    con.close()
    page_url = next(u for u in seen if u != video_url)
    run_cli("takedown", "--archive", str(archive), "--record", rid, "--reason", "copyright")
    con = connect(archive)
    hidden = hidden_urls(con)
    con.close()
    assert video_url in hidden and page_url not in hidden  # the video list page shows the other videos too


def test_a_writer_holding_the_archive_makes_it_wait(small, tmp_path):
    from archive.lock import ArchiveLock

    archive = _copy(small, tmp_path)
    with ArchiveLock(archive, "crawl"):
        proc = run_cli("takedown", "--archive", str(archive), "--record", _victim(archive)["record_id"],
                       "--reason", "x", check=False)
    _one_line_error(proc, "locked by", "portal-archive crawl")
    assert not list(archive.glob("takedowns/*.parquet"))


def test_serves_database_is_rebuilt_after_a_takedown_and_its_undo(small, tmp_path):
    import sqlite3

    from research.serve import prepare_database

    archive = _copy(small, tmp_path)
    rid = _victim(archive)["record_id"]
    prefix = "http://127.0.0.1:9/archive/"

    def build() -> tuple[list, int]:
        logs: list = []
        path, _ = prepare_database(archive, prefix, log=logs.append)
        db = sqlite3.connect(path)
        n = db.execute("SELECT count(*) FROM records WHERE record_id = ?", [rid]).fetchone()[0]
        db.close()
        return logs, n

    assert build()[1] == 1 and build() == ([], 1)  # built once, then reused
    run_cli("takedown", "--archive", str(archive), "--record", rid, "--reason", "x")
    logs, n = build()
    assert len(logs) == 1 and n == 0
    run_cli("takedown", "--archive", str(archive), "--record", rid, "--reason", "y", "--undo")
    logs, n = build()
    assert len(logs) == 1 and n == 1


def test_diff_leaves_out_records_taken_down(mutated_history, tmp_path):
    from research.diff import diff_snapshots

    archive = tmp_path / "archive"
    shutil.copytree(mutated_history[0], archive)
    before = diff_snapshots(archive, "previous", "latest")
    added, changed = before.added[0].record_id, before.changed[0].record_id
    for rid in (added, changed):
        run_cli("takedown", "--archive", str(archive), "--record", rid, "--reason", "x")
    after = diff_snapshots(archive, "previous", "latest")
    assert {r.record_id for r in after.added} == {r.record_id for r in before.added} - {added}
    assert {c.record_id for c in after.changed} == {c.record_id for c in before.changed} - {changed}
