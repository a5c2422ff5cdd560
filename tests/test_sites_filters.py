"""An archive of ``crawl --sites`` (issue 12): ``search --site`` and ``report --site`` show one site,
``reextract`` keeps every record's site and per-site id, and ``takedown --url`` finds the record of the
URL's own site although siblings share WCM paths."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archive import RECORD_TABLES, connect
from pipelines.reextract import unique_captures
from pipelines.reextract_jobs import capture_page
from research.report import collect
from tests.conftest import ROOT, run_cli

LATEST = " UNION ALL ".join(f"SELECT record_id, site, wcm_path, url, urls_seen FROM {t}_latest" for t in RECORD_TABLES)


@pytest.fixture(scope="module")
def sites_archive(tmp_path_factory):
    """Three siblings (WPS, K2, WPS: the two WPS ones share their WCM paths) crawled into one archive."""
    from replica.siblings import SiblingServers

    tmp = tmp_path_factory.mktemp("sites-filters")
    archive = tmp / "archive"
    with SiblingServers(3, articles=6, k2_articles=4, documents=2, crawl_delay=0) as sibs:
        (tmp / "sites.toml").write_text(sibs.sites_toml(), encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "cli.main", "crawl", "--sites", str(tmp / "sites.toml"),
                               "--archive", str(archive)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return archive


def _latest(archive: Path) -> list[tuple]:
    con = connect(archive)
    try:
        return con.execute(LATEST).fetchall()
    finally:
        con.close()


def test_search_and_report_filter_by_site(sites_archive):
    rows = _latest(sites_archive)
    by_site = {}
    for rid, site, *_ in rows:
        by_site.setdefault(site, set()).add(rid)
    assert set(by_site) == {"hoangmai", "dienchau", "quynhluu"}
    for site in ("hoangmai", "dienchau"):
        proc = run_cli("search", "ngày OR năm OR của", "--archive", str(sites_archive), "--site", site,
                       "--format", "json", "--limit", "500")
        hits = {h["record_id"] for h in json.loads(proc.stdout)}
        assert hits and hits <= by_site[site], site
        totals = collect(sites_archive, site)["totals"]
        assert sum(n for _, n, *_ in totals) == len(by_site[site])
    for command in (("search", "ngày"), ("report", "--out", str(sites_archive.parent / "r.html"))):
        proc = run_cli(*command, "--archive", str(sites_archive), "--site", "vinh", check=False)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no site 'vinh'" in proc.stderr, proc.stderr
        assert "hoangmai" in proc.stderr


def test_reextract_keeps_each_records_site_and_id(sites_archive, tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(sites_archive, archive)
    before = sorted(r[:2] for r in _latest(archive))
    src = next(iter(unique_captures(archive)))
    assert src["site"] and capture_page(archive, src)["site"] == src["site"]
    run_cli("reextract", "--archive", str(archive), "--workers", "1")
    con = connect(archive)
    changes = dict(con.execute("SELECT change, count(*) FROM changes WHERE snapshot_id = "
                               "(SELECT max(snapshot_id) FROM snapshots) GROUP BY 1").fetchall())
    con.close()
    assert changes == {"unchanged": len(before)}  # every record (videos too) found again under its own id
    assert sorted(r[:2] for r in _latest(archive)) == before


def test_reextract_sites_applies_each_sites_charset_override(sites_archive, tmp_path):
    from cli.tools import site_charsets
    from pipelines.rows import page_content_type

    toml = tmp_path / "sites.toml"
    toml.write_text('[[site]]\nname = "dienchau"\nstart_url = "http://127.0.0.1:9/"\n[site.extract]\n'
                    'charset = "windows-1258"\n\n[[site]]\nname = "hoangmai"\nstart_url = "http://127.0.0.1:8/"\n',
                    encoding="utf-8")
    charsets = site_charsets(str(toml))
    assert charsets == {"dienchau": "windows-1258"}
    pointers = list(unique_captures(sites_archive, charsets))
    assert {p["site"] for p in pointers if p.get("charset")} == {"dienchau"}
    page = capture_page(sites_archive, next(p for p in pointers if p["site"] == "dienchau"))
    assert page_content_type(page) == "text/html; charset=windows-1258"


def test_takedown_by_url_takes_the_record_of_that_urls_site(sites_archive, tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(sites_archive, archive)
    rows = _latest(archive)
    paths = {}
    for rid, site, wcm_path, url, _ in rows:
        if wcm_path and site in ("hoangmai", "quynhluu"):
            paths.setdefault(wcm_path, {})[site] = (rid, url)
    wcm_path, twins = next((p, t) for p, t in sorted(paths.items()) if len(t) == 2 and "/tin-tuc" in p)
    rid, url = twins["quynhluu"]
    origin = url.split("/wps/", 1)[0]
    connect_url = f"{origin}/wps/wcm/connect{wcm_path}"  # never crawled in this form: found by its WCM identity
    assert not any(connect_url in (u, *seen) for *_, u, seen in rows)
    run_cli("takedown", "--archive", str(archive), "--url", connect_url, "--reason", "request of the commune")
    latest = {r[0] for r in _latest(archive)}
    assert rid not in latest and twins["hoangmai"][0] in latest
