"""``crawl --sites sites.toml`` (issue 12): sibling portals of two themes into one archive and one snapshot,
every row with its site, a dead site recorded and not stalling the others, and the legal log."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from archive.query import connect
from crawler.settings import USER_AGENT
from crawler.sites import SitesError, download_slots, load_sites, netloc, parse_sites
from replica.siblings import SiblingServers

REPO = Path(__file__).resolve().parents[1]
ARTICLE_FIELDS = ("title", "published_at_raw", "summary", "body_text", "author", "author_role", "source", "section")
KIND_TABLES = {"document": "documents", "album": "albums", "video": "videos", "schedule": "schedules",
               "page": "static_pages"}
DOWN = "yenthanh"


@pytest.fixture(scope="module")
def sites_crawl(tmp_path_factory):
    """4 siblings (WPS, K2, WPS, K2) in one sites.toml; the 4th is down; the K2 ones shed each category's
    first request (503 + Retry-After: 1); every robots.txt has Crawl-delay 0.05."""
    tmp = tmp_path_factory.mktemp("sites")
    with SiblingServers(4, articles=40, k2_articles=24, documents=6, crawl_delay=0.05, busy=True, down={DOWN}) as sibs:
        toml = tmp / "sites.toml"
        toml.write_text("[defaults]\nconcurrency = 4\n\n" + sibs.sites_toml(), encoding="utf-8")
        archive = tmp / "archive"
        proc = subprocess.run([sys.executable, "-m", "cli.main", "crawl", "--sites", str(toml), "--archive", str(archive)],
                              cwd=REPO, capture_output=True, text=True, timeout=600)
        truth = list(sibs.truth())
    return proc, archive, truth


def _rows(con, sql, *args):
    cur = con.execute(sql, list(args))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def test_every_site_one_archive_one_snapshot_records_match_truth(sites_crawl):
    proc, archive, truth = sites_crawl
    assert proc.returncode == 3, proc.stderr[-2000:]  # complete, but the dead site's pages could not be had
    con = connect(archive)
    snaps = _rows(con, "SELECT snapshot_id, status FROM snapshots")
    assert len(snaps) == 1 and snaps[0]["status"] == "complete"
    articles = {(r["site"], r["url"]): r for r in _rows(con, "SELECT * FROM articles")}
    expected = [t for t in truth if t["kind"] == "article" and t["site"] != DOWN]
    assert {s for s, _ in articles} == {"hoangmai", "dienchau", "quynhluu"}
    assert len(articles) == len(expected) == 40 + 24 + 40
    for t in expected:
        row = articles[(t["site"], t["urls"]["friendly"])]
        assert {f: row[f] for f in ARTICLE_FIELDS} == {f: t[f] for f in ARTICLE_FIELDS}, row["url"]
        assert row["published_at"] == datetime.fromisoformat(t["published_at"])  # the same instant
        assert [{k: i[k] for k in ("url", "caption", "alt")} for i in row["images"]] == t["images"]
    for kind, table in KIND_TABLES.items():  # the other kinds: every one of each WPS sibling (fields: other tests)
        for site in ("hoangmai", "quynhluu"):
            want = sum(1 for t in truth if t["site"] == site and t["kind"] == kind)
            got = con.execute(f'SELECT count(*) FROM "{table}" WHERE site = ?', [site]).fetchone()[0]
            assert got == want > 0, (site, table)
    # siblings share WCM paths (static pages, schedules …): the identity of a record is per site
    shared = _rows(con, "SELECT wcm_path, count(DISTINCT site) AS sites, count(DISTINCT record_id) AS ids"
                        " FROM static_pages GROUP BY 1")
    assert shared and all(r["sites"] == 2 == r["ids"] for r in shared)
    assert con.execute("SELECT count(*) FROM pages WHERE site IS NULL").fetchone()[0] == 0


def test_a_dead_site_is_recorded_and_the_others_complete(sites_crawl):
    proc, archive, _ = sites_crawl
    con = connect(archive)
    errors = _rows(con, "SELECT site, reason, url FROM errors")
    dead = [e for e in errors if e["site"] == DOWN]
    assert dead and {e["reason"] for e in dead} == {"connection_refused"}
    assert {e["reason"] for e in errors if e["site"] != DOWN} <= {"robots_disallowed", "empty_media_url"}
    assert "connection_refused" in proc.stdout


def test_summary_by_site(sites_crawl):
    _, archive, _ = sites_crawl
    run = [sys.executable, "-m", "cli.main", "summary", "--archive", str(archive)]
    out = subprocess.run([*run, "--site", "dienchau"], cwd=REPO, capture_output=True, text=True).stdout
    assert "Site          dienchau" in out
    assert [line.split()[:2] for line in out.splitlines() if line.strip().startswith(("articles", "documents"))] == [
        ["articles", "24"], ["documents", "0"]]
    bad = subprocess.run([*run, "--site", "nowhere"], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2 and "no site 'nowhere'" in bad.stderr and "Traceback" not in bad.stderr


def test_export_by_site(sites_crawl, tmp_path):
    _, archive, truth = sites_crawl
    out = tmp_path / "export"
    proc = subprocess.run([sys.executable, "-m", "cli.main", "export", "--format", "jsonl", "--archive", str(archive),
                           "--out", str(out), "--site", "dienchau", "-q"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["title"] for r in rows) == sorted(
        t["title"] for t in truth if t["site"] == "dienchau" and t["kind"] == "article")
    bad = subprocess.run([sys.executable, "-m", "cli.main", "export", "--format", "jsonl", "--archive", str(archive),
                          "--out", str(tmp_path / "x"), "--site", "nowhere"], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2 and "no site 'nowhere'" in bad.stderr


def test_legal_log(sites_crawl):
    """Every URL fetched has a request row (robots decision, delay in force, User-Agent); refused URLs
    their rule; each 503 + Retry-After and each robots.txt (with its Crawl-delay) a row."""
    _, archive, _ = sites_crawl
    con = connect(archive)
    log = _rows(con, "SELECT * FROM legal_log")
    assert {r["user_agent"] for r in log} == {USER_AGENT}
    requested = {(r["site"], r["url"]) for r in log if r["event"] == "request"}
    fetched = {(r["site"], r["url"]) for r in _rows(con, "SELECT site, url FROM pages")}
    assert fetched <= requested
    robots = {r["site"]: r for r in log if r["event"] == "robots_txt"}
    assert {s: (r["http_status"], r["delay_ms"]) for s, r in robots.items()} == {
        "hoangmai": (200, 50), "dienchau": (200, 50), "quynhluu": (200, 50)}
    up = [r for r in log if r["event"] == "request" and r["site"] != DOWN]
    assert {r["robots"] for r in up} == {"allowed"} and min(r["delay_ms"] for r in up) >= 50  # Crawl-delay applied
    assert {r["robots"] for r in log if r["event"] == "request" and r["site"] == DOWN} == {"no_robots_txt"}
    refused = {(r["site"], r["robots_rule"]) for r in log if r["event"] == "disallowed"}
    assert ("dienchau", "Disallow: /component/") in refused
    assert ("hoangmai", "Disallow: /wps/portal/hoangmai/tim-kiem") in refused
    errors = {(r["site"], r["url"]) for r in _rows(con, "SELECT site, url FROM errors WHERE reason = 'robots_disallowed'")}
    assert errors == {(r["site"], r["url"]) for r in log if r["event"] == "disallowed"}
    shed = [r for r in log if r["event"] == "rate_limited"]
    assert sorted((r["site"], r["url"].rsplit("/", 1)[1]) for r in shed) == [
        ("dienchau", "chinh-tri"), ("dienchau", "kinh-te"), ("dienchau", "van-hoa-xa-hoi")]
    assert {(r["http_status"], r["retry_after"]) for r in shed} == {(503, "1")}


def test_sites_toml_errors(tmp_path):
    good = {"site": [{"name": "a", "start_url": "http://127.0.0.1:8001/", "delay": 1.5, "concurrency": 2,
                      "extract": {"charset": "windows-1258"}},
                     {"name": "b", "start_url": "http://b.example.gov.vn/", "allowed_hosts": ["b.example.gov.vn"]}]}
    sites = parse_sites(good)
    assert [s.allowed_hosts for s in sites] == [("127.0.0.1:8001",), ("b.example.gov.vn",)]
    assert download_slots(sites) == {"127.0.0.1:8001": {"delay": 1.5, "randomize_delay": False, "concurrency": 2}}
    assert netloc("HTTP://B.example.gov.vn:80/x") == "b.example.gov.vn"
    for bad, message in [
        ({}, "no [[site]] entries"),
        ({"site": [{"name": "a b", "start_url": "http://x/"}]}, "name must be"),
        ({"site": [{"name": "a", "start_url": "ftp://x/"}]}, "start_url must be an http(s) URL"),
        ({"site": [{"name": "a", "start_url": "http://x/"}, {"name": "a", "start_url": "http://y/"}]}, "used twice"),
        ({"site": [{"name": "a", "start_url": "http://x/", "delay": -1}]}, "delay must be"),
        ({"site": [{"name": "a", "start_url": "http://x/", "extract": {"charset": "nope-42"}}]}, "not a known encoding"),
        ({"site": [{"name": "a", "start_url": "http://x/", "speed": 3}]}, "unknown key(s) speed"),
        ({"site": [{"name": "a", "start_url": "http://x/"}, {"name": "b", "start_url": "http://x/"}]}, "allowed for both"),
    ]:
        with pytest.raises(SitesError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
            parse_sites(bad)
    broken = tmp_path / "sites.toml"
    broken.write_text("[[site]\nname=", encoding="utf-8")
    with pytest.raises(SitesError, match="not valid TOML"):
        load_sites(broken)
    proc = subprocess.run([sys.executable, "-m", "cli.main", "crawl", "--sites", str(broken), "--archive",
                           str(tmp_path / "a")], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2 and "not valid TOML" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "a" / "articles").exists()


def test_old_rows_read_with_site_null(tmp_path):
    """A table written before the site column: the archive's views still have the column, as NULL."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from archive.marker import ensure_archive_root

    ensure_archive_root(tmp_path)
    (tmp_path / "errors").mkdir()
    old = pa.table({"url": ["http://x/"], "reason": ["http_404"], "failed_at": pa.array([0], pa.timestamp("us", tz="UTC")),
                    "snapshot_id": ["20240101T000000.000000Z-aaaaaa"]})
    pq.write_table(old, tmp_path / "errors" / "part-20240101T000000.000000Z-aaaaaa-000001.parquet")
    con = connect(tmp_path)
    assert con.execute("SELECT url, site FROM errors").fetchall() == [("http://x/", None)]
    assert isinstance(con, duckdb.DuckDBPyConnection)


def test_robots_rule_named_by_longest_match():
    from crawler.middlewares.legal_log import RobotsRules

    text = ("User-agent: *\nDisallow: /a\nAllow: /a/b\nDisallow: /*.pdf$\n\n"
            "User-agent: portal-archive\nDisallow: /x\n")
    ours = RobotsRules(text, "portal-archive/1.0 (archiving)")
    assert ours.rule_for("/x/1") == "Disallow: /x" and ours.rule_for("/a") is None  # our group only
    anyone = RobotsRules(text, "SomeBot/2")
    assert anyone.rule_for("/a/b/c") == "Allow: /a/b"  # the longer rule wins
    assert anyone.rule_for("/a/c") == "Disallow: /a"
    assert (anyone.rule_for("/f.pdf"), anyone.rule_for("/f.pdfx")) == ("Disallow: /*.pdf$", None)
