"""``export --format wxr``, read by wpparser (a WXR parser from PyPI, written by someone else), attachments fetched.

A real WordPress import cannot run offline here: the WordPress importer plugin ships only from
wordpress.org's plugin directory (not Debian, PyPI or npm), and WordPress Playground downloads WordPress
at start-up (see the README).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import urllib.request
import xml.etree.ElementTree as ET

import pytest
import wpparser

from archive import connect
from tests.conftest import run_cli
from tests.export_support import serve_folder

WP = "{http://wordpress.org/export/1.2/}"


@pytest.fixture(scope="module")
def wxr(crawled, tmp_path_factory):
    archive, _ = crawled
    base = tmp_path_factory.mktemp("wxr")
    with serve_folder(base) as url:
        media_url = f"{url}/out/media/"
        run_cli("export", "--archive", str(archive), "--format", "wxr", "--out", str(base / "out"), "-q",
                "--base-url", "https://hoangmai.example.vn/", "--media-url", media_url)
        yield archive, base / "out", media_url


def counts(archive) -> dict[str, int]:
    con = connect(archive)
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}_latest"').fetchone()[0]
                for t in ("articles", "documents", "albums", "videos", "schedules", "static_pages")}
    finally:
        con.close()


def test_wpparser_reads_posts_pages_categories_authors_and_attachments(wxr):
    archive, out, _ = wxr
    data = wpparser.parse(str(out / "wordpress.wxr.xml"))
    n = counts(archive)
    types: dict[str, list[dict]] = {}
    for post in data["posts"]:
        types.setdefault(post["post_type"], []).append(post)
    assert len([p for p in types["page"] if "portal_archive_record=" in p["guid"]]) == n["static_pages"]
    assert len(types["post"]) == n["articles"] + n["documents"] + n["albums"] + n["videos"] + n["schedules"]
    report = json.loads((out / "export-report.json").read_text(encoding="utf-8"))
    assert len(types["attachment"]) == report["media_files"] > 0
    news = next(c for c in data["categories"] if c["nicename"] == "tin-tuc-su-kien")
    assert news["name"] == "Tin tức sự kiện" and {c["name"] for c in news["children"]} >= {"Kinh tế"}
    logins = {a["login"] for a in data["authors"]}
    assert all(p["creator"] in logins for p in data["posts"])
    assert any(a["display_name"] != a["login"] and a["login"] != "portal-archive" for a in data["authors"])
    ids = {p["post_id"] for p in data["posts"]}
    assert all(a["post_parent"] in ids for a in types["attachment"])
    for post in types["post"][:50]:
        local = dt.datetime.fromisoformat(post["post_date"])
        gmt = dt.datetime.fromisoformat(post["post_date_gmt"])
        assert local - gmt == dt.timedelta(hours=7)
        assert post["categories"] and post["link"].startswith("https://hoangmai.example.vn/")


def test_original_urls_are_in_post_meta_and_bodies_point_at_the_attachments(wxr):
    archive, out, media_url = wxr
    root = ET.parse(out / "wordpress.wxr.xml").getroot()
    attachment_urls = set()
    bodies = []
    for item in root.iter("item"):
        meta = {m.findtext(f"{WP}meta_key"): m.findtext(f"{WP}meta_value") for m in item.iter(f"{WP}postmeta")}
        if meta.get("portal_archive_kind") == "section":      # parent page of an area's static pages
            continue
        assert meta.get("portal_archive_original_url", "").startswith("http")
        if item.findtext(f"{WP}post_type") == "attachment":
            attachment_urls.add(item.findtext(f"{WP}attachment_url"))
        else:
            assert meta["portal_archive_original_url"] in meta["portal_archive_urls"].split("\n")
            bodies.append(item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or "")
    linked = {u for body in bodies for u in attachment_urls if u in body}
    assert len(linked) > 0.9 * len(attachment_urls)
    assert not any("javascript:" in b or "<script" in b for b in bodies)


def test_every_attachment_url_serves_the_archived_file(wxr):
    _, out, media_url = wxr
    root = ET.parse(out / "wordpress.wxr.xml").getroot()
    for item in root.iter("item"):
        if item.findtext(f"{WP}post_type") != "attachment":
            continue
        url = item.findtext(f"{WP}attachment_url")
        meta = {m.findtext(f"{WP}meta_key"): m.findtext(f"{WP}meta_value") for m in item.iter(f"{WP}postmeta")}
        assert url.startswith(media_url)
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert hashlib.sha256(resp.read()).hexdigest() == meta["portal_archive_sha256"]


def test_wordpress_permalinks_are_the_new_paths_of_the_redirect_map(wxr):
    """With permalinks /%category%/%postname%/, WordPress serves each post and page at the path nginx redirects to."""
    import csv
    from urllib.parse import urlsplit

    _, out, _ = wxr
    root = ET.parse(out / "wordpress.wxr.xml").getroot()
    parent_cat = {c.findtext(f"{WP}category_nicename"): c.findtext(f"{WP}category_parent")
                  for c in root.iter(f"{WP}category")}
    items = {i.findtext(f"{WP}post_id"): i for i in root.iter("item")}

    def cat_path(nicename):
        return (cat_path(parent_cat[nicename]) if parent_cat.get(nicename) else "") + nicename + "/"

    def page_path(item):
        parent = item.findtext(f"{WP}post_parent")
        return (page_path(items[parent]) if parent != "0" else "/") + item.findtext(f"{WP}post_name") + "/"

    permalinks = set()
    for item in items.values():
        kind = item.findtext(f"{WP}post_type")
        if kind == "post":
            link = "/" + cat_path(item.find("category").get("nicename")) + item.findtext(f"{WP}post_name") + "/"
        elif kind == "page":
            link = page_path(item)
        else:
            continue
        assert link == urlsplit(item.findtext("link")).path
        permalinks.add(link)
    with open(out / "redirects.csv", encoding="utf-8", newline="") as fh:
        targets = {r["new_path"] for r in csv.DictReader(fh) if r["record_id"]}
    assert targets and targets <= permalinks
