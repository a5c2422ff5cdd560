"""``export --format markdown``, proven by Debian's Hugo building it and headless Chromium loading a page."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest
import yaml

from tests.conftest import run_cli
from tests.export_support import serve_folder

HUGO = shutil.which("hugo")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def site(crawled, tmp_path_factory):
    assert HUGO, "hugo is required (Debian package hugo; .ci/run installs it)"
    archive, _ = crawled
    base = tmp_path_factory.mktemp("hugo")
    out = base / "site"
    run_cli("export", "--archive", str(archive), "--format", "markdown", "--out", str(out), "-q")
    build = subprocess.run([HUGO, "-s", str(out), "-d", str(base / "public")], capture_output=True, text=True,
                           timeout=300)
    return out, base / "public", build


def bundles(out: Path) -> list[tuple[Path, dict, str]]:
    found = []
    for index in sorted((out / "content").rglob("index.md")):
        text = index.read_text(encoding="utf-8")
        _, fm, body = text.split("---\n", 2)
        found.append((index.parent, yaml.safe_load(fm), body))
    return found


def test_hugo_builds_the_export_with_zero_errors(site):
    _, public, build = site
    log = build.stdout + build.stderr
    assert build.returncode == 0, log
    assert not re.search(r"\b(ERROR|WARN)\b", log), log


def test_every_record_has_a_page_whose_images_and_files_resolve(site):
    out, public, _ = site
    report = json.loads((out / "export-report.json").read_text(encoding="utf-8"))
    found = bundles(out)
    assert len(found) == report["records"] > 0
    images = 0
    for bundle, fm, body in found:
        assert {"title", "kind", "record_id", "original_url", "original_urls"} <= set(fm)
        assert fm["original_url"] in fm["original_urls"]
        page = public / bundle.relative_to(out / "content") / "index.html"
        assert page.is_file(), page
        doc = lxml.html.fromstring(page.read_bytes())
        assert doc.findtext(".//h1") == fm["title"]
        for el, attr in [(e, "src") for e in doc.iter("img", "video")] + [(e, "href") for e in doc.iter("a")]:
            ref = el.get(attr)
            if not ref or "://" in ref or ref.startswith(("/", "#", "mailto:")):
                continue
            assert (page.parent / ref).is_file(), (page, ref)
            images += el.tag == "img"
        for m in fm["media"]:
            if m.get("file"):
                assert (bundle / m["file"]).is_file() and (page.parent / m["file"]).is_file()
    assert images > 100
    article = next(fm for _, fm, _ in found if fm["kind"] == "article" and fm.get("author"))
    assert article["categories"] and article["date"] and article["date_raw"] and article["section_path"]
    doc = next(fm for _, fm, _ in found if fm["kind"] == "document" and fm["media"])
    assert doc["document"]["number"] and all(m["role"] == "attachment" for m in doc["media"])


def test_chromium_shows_the_images_of_a_built_page(site, tmp_path):
    assert CHROMIUM, "chromium is required (Debian package chromium; .ci/run installs it)"
    out, public, _ = site
    album = next(b for b, fm, _ in bundles(out) if fm["kind"] == "album" and len(fm["media"]) >= 2)
    page = "/" + album.relative_to(out / "content").as_posix() + "/"
    # A probe page beside the site loads the album page in a frame and writes what its images decoded to.
    (public / "probe.html").write_text(
        "<!DOCTYPE html><body><pre id=r>pending</pre>"
        f"<iframe id=f src=\"{page}\" onload=\"const i=[...this.contentDocument.images];"
        "document.getElementById('r').textContent='IMAGES '+i.length+' DECODED '+"
        "i.filter(x=>x.complete&&x.naturalWidth>0).length\"></iframe>", encoding="utf-8")
    with serve_folder(public) as url:
        dom = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={tmp_path}",
             "--virtual-time-budget=10000", "--dump-dom", f"{url}/probe.html"],
            capture_output=True, text=True, timeout=120).stdout
    m = re.search(r"IMAGES (\d+) DECODED (\d+)", dom)
    assert m, dom[-2000:]
    assert int(m.group(1)) >= 2 and m.group(1) == m.group(2), m.group(0)
