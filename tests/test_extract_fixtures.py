"""Saved pages of different portal families -> expected records (tests/fixtures/pages/*.expected.json)."""
from __future__ import annotations

import json
import re
import sys
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipelines.extract import EXTRACTOR_VERSION, RECORD_KEYS, extract_record  # noqa: E402
from pipelines.extract.record import PAGE_TYPES, RECORD_KINDS  # noqa: E402

PAGES = ROOT / "tests" / "fixtures" / "pages"
FIXTURES = sorted(p.name[: -len(".expected.json")] for p in PAGES.glob("*.expected.json"))

CHROME_STRINGS = ("Skip portlet", "Portlet Menu", "Web Content Viewer", "Display portlet menu",
                  "Display content menu", "Display menu", "Đầu trang", "In trang", "Gửi email", "Quay lại",
                  "Các tin khác", "Tin liên quan", "Tin cùng chuyên mục", "Các tin đã đưa", "Bài viết liên quan")


def _load(name):
    spec = json.loads((PAGES / f"{name}.expected.json").read_text(encoding="utf-8"))
    body = (PAGES / f"{name}.html").read_bytes()
    cap = spec.get("captured_at")
    rec = extract_record(body, spec["url"], content_type=spec.get("content_type"),
                         captured_at=datetime.fromisoformat(cap) if cap else None)
    return spec, rec


@pytest.fixture(scope="module", params=FIXTURES)
def case(request):
    return (request.param,) + _load(request.param)


def test_fixture_families_present():
    # one saved page per portal family the extractor must handle
    assert len(FIXTURES) >= 11


def test_expected_fields(case):
    name, spec, rec = case
    for key, want in spec["expected"].items():
        assert rec.get(key) == want, f"{name}: field {key!r}"


def test_record_shape(case):
    name, spec, rec = case
    for key in RECORD_KEYS:
        assert key in rec, key
    assert rec["extractor_version"] == EXTRACTOR_VERSION
    assert "error" not in rec
    assert rec["page_type"] in PAGE_TYPES
    assert rec["kind"] == (rec["page_type"] if rec["page_type"] in RECORD_KINDS else None)
    assert isinstance(rec["images"], list) and isinstance(rec["self_urls"], list)
    # kind fields: lists for their own kind, None otherwise
    assert isinstance(rec["attachments"], list) == (rec["kind"] == "document")
    assert isinstance(rec["entries"], list) == (rec["kind"] == "schedule")
    assert isinstance(rec["videos"], list) == (rec["page_type"] == "video_list")
    for att in rec["attachments"] or []:
        assert set(att) == {"url", "name"} and att["url"].startswith(("http://", "https://")) and att["name"]
    for ent in rec["entries"] or []:
        assert list(ent) == ["day", "date", "time", "content", "place", "chair"]
    for v in rec["videos"] or []:
        assert list(v) == ["title", "video_url", "thumbnail_url", "published_at", "published_at_raw"]
    for im in rec["images"]:
        assert set(im) == {"url", "caption", "alt"}
        assert im["url"].startswith(("http://", "https://"))
    for u in rec["self_urls"]:
        assert u.startswith(("http://", "https://"))


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def test_all_strings_nfc(case):
    name, spec, rec = case
    for s in _strings(rec):
        assert unicodedata.is_normalized("NFC", s), (name, s[:80])


def test_no_chrome_in_text(case):
    name, spec, rec = case
    for field in ("title", "summary", "body_text", "author", "author_role", "source", "section"):
        val = rec.get(field) or ""
        for s in CHROME_STRINGS:
            assert s not in val, (name, field, s)
    assert "\xa0" not in rec["body_text"] and "  " not in rec["body_text"]
    if rec["title"] and rec["page_type"] != "schedule":  # a schedule's title keeps its "(dd/mm/yyyy - …)" range
        # the title is printed once, without the date suffix
        assert not re.search(r"\(\d{2}/\d{2}/\d{4}", rec["title"])
        assert rec["title"].count(rec["title"][:30]) == 1


def test_captions_and_author_not_in_body(case):
    name, spec, rec = case
    blocks = rec["body_text"].split("\n\n") if rec["body_text"] else []
    for im in rec["images"]:
        if im["caption"]:
            assert im["caption"] not in blocks, name
    for field in ("author", "author_role"):
        if rec[field]:
            assert rec[field] not in blocks, (name, field)
            assert not any(b.endswith(rec[field]) for b in blocks), (name, field)
    if rec["source"]:
        assert not any(rec["source"] in b and len(b) < len(rec["source"]) + 15 for b in blocks)


def test_body_html_is_clean(case):
    name, spec, rec = case
    html = rec["body_html"]
    assert not re.search(r"<(script|style|iframe|form|span|div|font|o:p)\b", html, re.I), name
    assert not re.search(r"\s(style|class|id|on\w+|align|width|height|data-[\w-]+)\s*=", html, re.I), name
    assert "Skip portlet" not in html and "Portlet Menu" not in html
    for src in re.findall(r'<img src="([^"]+)"', html):
        assert src.startswith(("http://", "https://")), src
    if rec["page_type"] in ("article", "page"):
        assert html.startswith("<") and "<p>" in html
        assert "<p></p>" not in html and "<p> </p>" not in html


def test_no_icons_or_spacers(case):
    name, spec, rec = case
    for im in rec["images"]:
        u = im["url"].lower()
        assert not re.search(r"/themes/|/skins/|spacer|blank\.gif|dot\.gif|print\.gif|icon", u), u


def test_summary_rule(case):
    """The summary is a copy of the lead, which opens the body as its first paragraph(s); null without a lead."""
    name, spec, rec = case
    if rec["page_type"] not in ("article", "page"):
        assert rec["summary"] is None or rec["kind"] == "document"  # a document's summary is its trích yếu
        return
    if rec["summary"] is not None:
        assert rec["body_text"].replace("\n\n", " ").startswith(rec["summary"])
        assert rec["summary"] not in rec["body_text"].split("\n\n")[1:]  # once, at the top
