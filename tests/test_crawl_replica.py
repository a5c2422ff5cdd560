"""A full crawl of the default replica, compared with the replica's ground truth."""
from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import pytest

from crawler.identity import wcm_path_from_url
from tests.conftest import read_rows

FIELDS = ("title", "published_at_raw", "summary", "body_text", "author", "author_role", "source", "section")
CHROME = ("Skip portlet", "Portlet Menu", "Web Content Viewer", "Đầu trang", "In trang", "Gửi email",
          "Quay lại", "Các tin khác", "Tin liên quan", "Xem toàn bộ danh sách")




@pytest.fixture(scope="module")
def articles(crawled):
    archive, _ = crawled
    return read_rows(archive, "articles")


@pytest.fixture(scope="module")
def truth_articles(truth):
    return {t["wcm_path"]: t for t in truth if t["kind"] == "article"}


def test_every_article_exactly_once(articles, truth_articles):
    counts = Counter(a["wcm_path"] for a in articles)
    assert [p for p, n in counts.items() if n > 1] == []
    assert set(counts) == set(truth_articles)
    assert len({a["article_id"] for a in articles}) == len(articles) == len(truth_articles)
    assert all(a["record_id"] == a["article_id"] and a["kind"] == "article" for a in articles)


def test_every_field_equals_the_truth(articles, truth_articles):
    wrong = []
    for a in articles:
        t = truth_articles[a["wcm_path"]]
        for field in FIELDS:
            if a[field] != t[field]:
                wrong.append((a["wcm_path"], field, a[field], t[field]))
        if a["published_at"].isoformat() != t["published_at"]:
            wrong.append((a["wcm_path"], "published_at", a["published_at"].isoformat(), t["published_at"]))
        images = [{"url": i["url"], "caption": i["caption"], "alt": i["alt"]} for i in a["images"]]  # sha256 aside
        if images != t["images"]:
            wrong.append((a["wcm_path"], "images", images, t["images"]))
    assert wrong == [], f"{len(wrong)} wrong fields, first: {wrong[:3]}"


def test_no_chrome_in_any_body(articles):
    leaks = [(a["wcm_path"], s) for a in articles for s in CHROME if s in (a["body_text"] or "")]
    assert leaks == []
    assert not any("style=" in a["body_html"] or "<script" in a["body_html"] for a in articles)


def test_the_seed_article_is_exact(articles, truth_articles):
    seed = next(a for a in articles if a["title"].startswith("Công tác tổ chức cán bộ là nhiệm vụ then chốt"))
    assert seed["published_at"].isoformat() == "2020-09-03T07:55:00+07:00"
    assert seed["published_at_raw"] == "03/09/2020 07:55 AM"
    assert seed["author"] == "Hồ Văn Cậy"
    assert seed["author_role"] == "UVBTV, Thủ trưởng Cơ quan Tổ chức - Nội vụ"
    assert [i["caption"] for i in seed["images"]] == [
        "Thực hiện mô hình Trưởng Ban Tuyên giáo đồng thời là Giám đốc Trung tâm Chính trị thị xã.",
        "Công bố thành lập trường Tiểu học Quỳnh Vinh A, trên cơ sở sáp nhập trường Tiểu học Quỳnh Vinh A với trường Tiểu học Quỳnh Vinh C.",
    ]
    assert seed["body_text"].startswith("Công tác tổ chức cán bộ có ý nghĩa to lớn")  # the lead opens the body
    assert seed["body_text"].split("\n\n")[1].startswith("Nhiệm kỳ 2015-2020, được sự quan tâm")
    assert seed["body_text"].endswith("Tỉnh ủy đã đề ra.")
    assert seed["body_text"] == truth_articles[seed["wcm_path"]]["body_text"]


def test_url_variants_collapse_and_are_recorded(articles):
    forms = Counter()
    for a in articles:
        assert a["url"] in a["urls_seen"]
        for url in a["urls_seen"]:
            named = wcm_path_from_url(url)
            assert named in (None, a["wcm_path"]), (url, a["wcm_path"])
        kinds = {_form(u) for u in a["urls_seen"]}
        forms.update(kinds)
        assert len(kinds) >= 2, a["urls_seen"]
    assert {"poc", "friendly", "print"} <= set(forms)


def _form(url):
    parts = urlsplit(url)
    if "urile=" in parts.query:
        return "poc"
    if "presentationtemplate" in parts.query.lower():
        return "print"
    if parts.path.startswith("/wps/wcm/connect"):
        return "connect"
    if "/!ut/p/" in parts.path:
        return "state"
    return "friendly"


def test_text_is_nfc_everywhere(articles):
    import unicodedata

    for a in articles:
        for field in ("title", "body_text", "summary", "author"):
            if a[field]:
                assert unicodedata.is_normalized("NFC", a[field]), (a["wcm_path"], field)


def test_trap_and_state_links_are_bounded(crawled, replica, truth_articles):
    archive, _ = crawled
    pages = read_rows(archive, "pages")
    served = replica.crawl_served
    # every article fetched by at most a couple of URL forms; navigation stays a fraction of content
    assert len(pages) < 3 * len(truth_articles)
    assert served["article"] < 2.5 * len(truth_articles)
    # the endless calendar chain is entered, then dropped after a few barren hops
    assert 1 <= served["calendar"] <= 15  # next and previous week at each of a few barren hops


def test_no_failures_on_a_healthy_portal(crawled):
    archive, proc = crawled
    errors = read_rows(archive, "errors")
    benign = {"soft_404", "robots_disallowed", "empty_media_url"}
    assert [e for e in errors if e["reason"] not in benign] == []
    assert proc.returncode == 0
    assert "articles" in proc.stdout and "pages" in proc.stdout
