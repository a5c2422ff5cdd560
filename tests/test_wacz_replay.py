"""The WACZ that ``package --wacz`` writes is accepted by the real tools: ``wacz validate`` (py-wacz) and
pywb (``wb-manager add`` + ``wayback`` on loopback), which replays every record of the packaged snapshot
with its title — also those a re-crawl answered 304 (revisit records), and after ``reextract``."""
from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from archive.warc.layout import parse_warc_name
from research.pywb import pywb_program
from tests.conftest import free_port, read_rows, run_cli

BIN = Path(sys.executable).parent


def package_wacz(archive: Path, out: Path) -> list[dict]:
    run_cli("package", "--wacz", "--archive", str(archive), "-o", str(out))
    proc = subprocess.run([str(BIN / "wacz"), "validate", "-f", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "Validation succeeded" in proc.stdout, proc.stdout + proc.stderr
    with zipfile.ZipFile(out) as z:
        return [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()][1:]


def _latest_titles(archive: Path) -> dict[str, str]:
    from archive.query import connect

    con = connect(archive)
    return dict(con.sql("SELECT record_id, title FROM articles_latest").fetchall())


@pytest.fixture(scope="module")
def pywb(tmp_path_factory):
    """A pywb collection folder and a function that adds a WACZ and serves it (one server per call)."""
    root = tmp_path_factory.mktemp("pywb")
    servers = []

    def serve(wacz: Path, name: str) -> str:
        for args in (["init", name], ["add", "--unpack-wacz", name, str(wacz)]):
            proc = subprocess.run([str(pywb_program("wb-manager")), *args], cwd=root, capture_output=True, text=True,
                                  timeout=300)
            assert proc.returncode == 0, proc.stderr
        port = free_port()
        server = subprocess.Popen([str(pywb_program("wayback")), "-p", str(port), "-b", "127.0.0.1"], cwd=root,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.append(server)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=5).read()
                return f"{base}/{name}"
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline and server.poll() is None, "pywb did not start"
                time.sleep(0.3)

    yield serve
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


def _replays(base: str, page: dict) -> tuple[bytes, dict]:
    from pipelines.extract import extract_record

    ts = re.sub(r"\D", "", page["ts"])[:14]
    with urllib.request.urlopen(f"{base}/{ts}id_/{page['url']}", timeout=30) as resp:
        assert resp.status == 200, page
        body = resp.read()
        return extract_record(body, page["url"], content_type=resp.headers.get("Content-Type")), dict(resp.headers)


def test_recrawl_wacz_validates_and_every_article_replays_in_pywb(recrawled, pywb, tmp_path):
    snapshots = sorted(read_rows(recrawled, "snapshots"), key=lambda r: r["snapshot_id"])
    assert len(snapshots) == 2 and snapshots[1]["not_modified"] > 0
    pages = package_wacz(recrawled, tmp_path / "recrawl.wacz")
    with zipfile.ZipFile(tmp_path / "recrawl.wacz") as z:
        warcs = [n for n in z.namelist() if n.startswith("archive/")]
    # the re-crawl's own WARCs (its revisit process's among them) and the first crawl's, which holds the
    # originals its revisits stand for
    assert {s["snapshot_id"] for s in snapshots} == {parse_warc_name(n.rsplit("/", 1)[-1])[0] for n in warcs}
    assert any(n.endswith("-revisits.warc.gz") for n in warcs)
    base = pywb(tmp_path / "recrawl.wacz", "recrawl")
    titles = set(_latest_titles(recrawled).values())
    assert titles <= {p.get("title") for p in pages}  # every article of the packaged snapshot is a page
    recrawl_start = snapshots[1]["started_at"]
    through_revisits = 0
    for page in pages:
        if page.get("title") not in titles:
            continue
        record, headers = _replays(base, page)
        assert record["title"] == page["title"]
        replayed_at = email.utils.parsedate_to_datetime(headers["Memento-Datetime"])
        assert replayed_at == dt.datetime.fromisoformat(page["ts"].replace("Z", "+00:00")).replace(microsecond=0)
        through_revisits += replayed_at >= recrawl_start.replace(microsecond=0)
    # the unchanged portal answered 304 for (nearly) every article: they replay at the re-crawl's time
    assert through_revisits >= 0.9 * len(titles), (through_revisits, len(titles))
    # revisit records name what they stand for (WARC 1.1)
    from archive.warc.reader import iter_responses

    found = [r for _p, r in iter_responses(recrawled, snapshots[1]["snapshot_id"]) if r.record_type == "revisit"]
    assert found and all(r.warc_header("WARC-Refers-To-Target-URI") and r.warc_header("WARC-Refers-To-Date")
                         for r in found)


def test_package_right_after_reextract(recrawled, tmp_path, pywb):
    archive = tmp_path / "archive"
    shutil.copytree(recrawled, archive)
    run_cli("reextract", "--archive", str(archive))
    pages = package_wacz(archive, tmp_path / "reextract.wacz")
    titles = set(_latest_titles(archive).values())
    assert titles <= {p["title"] for p in pages}
    base = pywb(tmp_path / "reextract.wacz", "reextract")
    page = next(p for p in pages if p.get("title") in titles)
    assert _replays(base, page)[0]["title"] == page["title"]
