"""Whole-portal coverage: every kind of record and every media file of the replica, against its truth."""
from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime

import pytest

from tests.conftest import read_rows

KIND_TABLES = {"document": "documents", "album": "albums", "video": "videos", "schedule": "schedules",
               "page": "static_pages"}
SKIP = {"kind", "urls", "wcm_path", "body_html"}




def _plain(value):
    """Archive values → the JSON shapes of the truth (ISO strings, no media hashes)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "sha256"}
    return value


def _key(kind, record):
    return record["wcm_path"] if kind != "video" else record["video_url"]


@pytest.mark.parametrize("kind", sorted(KIND_TABLES))
def test_every_record_of_every_kind_once_and_equal(crawled, truth, kind):
    archive, _ = crawled
    rows = read_rows(archive, KIND_TABLES[kind])
    expected = {_key(kind, t): t for t in truth if t["kind"] == kind}
    assert expected, f"the replica has no {kind}"
    counts = Counter(_key(kind, r) for r in rows)
    assert [k for k, n in counts.items() if n > 1] == []
    assert set(counts) == set(expected)
    wrong = []
    for row in rows:
        t = expected[_key(kind, row)]
        for field, value in t.items():
            if field in SKIP or field not in row:
                continue
            if _plain(row[field]) != value:
                wrong.append((kind, _key(kind, row), field, _plain(row[field]), value))
    assert wrong == [], f"{len(wrong)} wrong fields, first: {wrong[:3]}"


def test_the_post_paged_register_is_walked_to_its_end(crawled, replica, truth):
    documents = [t for t in truth if t["kind"] == "document"]
    pages = -(-len(documents) // 15)
    assert replica.crawl_served["document_register"] >= pages
    assert len(read_rows(crawled[0], "documents")) == len(documents)


def test_every_media_file_is_stored_once_and_verified(crawled, truth):
    archive, _ = crawled
    media = [t for t in truth if t["kind"] == "media"]
    rows = {r["url"]: r for r in read_rows(archive, "media_files")}
    missing = [m["url"] for m in media if m["url"] not in rows]
    assert missing == []
    for m in media:
        row = rows[m["url"]]
        assert (row["sha256"], row["size"], row["mime_type"]) == (m["sha256"], m["size"], m["mime_type"]), m["url"]
        assert (row["width"], row["height"]) == (m["width"], m["height"]), m["url"]
        data = (archive / row["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == m["sha256"]
    stored = [p for p in (archive / "media").rglob("*") if p.is_file()]
    assert len(stored) == len({m["sha256"] for m in media} | {r["sha256"] for r in rows.values()})


def test_records_link_their_media_by_hash(crawled):
    archive, _ = crawled
    known = {r["url"]: r["sha256"] for r in read_rows(archive, "media_files")}
    for table, field in (("articles", "images"), ("albums", "images"), ("documents", "attachments")):
        for row in read_rows(archive, table):
            for ref in row[field]:
                assert ref["sha256"] == known[ref["url"]], (table, ref)
    for row in read_rows(archive, "videos"):
        assert row["video_sha256"] == known[row["video_url"]]


def test_the_empty_video_url_is_an_error_not_a_crash(crawled, truth):
    archive, _ = crawled
    empty = [t for t in truth if t["kind"] == "empty_media"]
    errors = [e for e in read_rows(archive, "errors") if e["reason"] == "empty_media_url"]
    assert len(errors) == len(empty) == 1
    assert empty[0]["title"] in errors[0]["exception"]
