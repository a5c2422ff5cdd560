"""The fast path (pipelines/extract/fast.py) is safe: wherever it fires, its record equals the thorough path's
field for field, on every page at hand (fixture pages of many portal families, every page kind of the replica
with two seeds, its --mutate variant and the WPS/K2 siblings, the development sets' generic pages); and it
fires on at least 95% of the replica's article pages (else it would be useless). PORTAL_EXTRACT_FAST=0
turns it off."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.extract import extract_record
from pipelines.extract.record import fast_path_record

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "fixtures" / "pages"


def _devsets() -> Path | None:
    for cand in (os.environ.get("PORTAL_DEVSETS"), ROOT.parent / "shared" / "devsets",
                 ROOT.parent.parent / "shared" / "devsets"):
        if cand and (Path(cand) / "README.md").is_file():
            return Path(cand)
    return None


def _thorough(monkeypatch, body, url, ct=None, captured_at=None):
    monkeypatch.setenv("PORTAL_EXTRACT_FAST", "0")
    try:
        return extract_record(body, url, content_type=ct, captured_at=captured_at)
    finally:
        monkeypatch.delenv("PORTAL_EXTRACT_FAST")


def _compare(monkeypatch, pages) -> tuple[int, list[str]]:
    """(pages where the fast path fired, differences found) over (name, body, url, content type, captured_at)."""
    fired, diffs = 0, []
    for name, body, url, ct, cap in pages:
        fast = fast_path_record(body, url, content_type=ct, captured_at=cap)
        if fast is None:
            continue
        fired += 1
        slow = _thorough(monkeypatch, body, url, ct, cap)
        for key in sorted(set(slow) | set(fast)):
            if slow.get(key) != fast.get(key):
                diffs.append(f"{name}: {key}: thorough {str(slow.get(key))[:200]!r} != fast {str(fast.get(key))[:200]!r}")
    return fired, diffs


def _fetch(url: str):
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.read(), resp.headers.get("Content-Type")
    except urllib.error.HTTPError as exc:
        return exc.read(), exc.headers.get("Content-Type")


def _truth_urls(lines):
    """(kind, url) of every page the truth names (every view of a record: friendly, poc, connect, print)."""
    for t in lines:
        urls = t.get("urls")
        if isinstance(urls, dict):
            for view, u in urls.items():
                yield f"{t['kind']}/{view}", u
        elif isinstance(urls, list):
            for u in urls:
                yield t["kind"], u
        elif isinstance(t.get("url"), str):
            yield t["kind"], t["url"]


def _replica_pages(lines):
    seen = set()
    for kind, url in _truth_urls(lines):
        if url in seen or "/wcm/connect/" in url and not url.endswith(("pt_print", "")) or url.endswith(
                (".jpg", ".png", ".pdf", ".doc", ".docx", ".gif", ".mp4", ".flv")):
            continue
        seen.add(url)
        body, ct = _fetch(url)
        if ct and "html" not in ct:
            continue
        yield kind, body, url, ct


def test_fixture_pages_identical(monkeypatch):
    pages = []
    for spec_path in sorted(PAGES.glob("*.expected.json")):
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        cap = spec.get("captured_at")
        body = (PAGES / spec_path.name.replace(".expected.json", ".html")).read_bytes()
        pages.append((spec_path.name, body, spec["url"], spec.get("content_type"),
                      datetime.fromisoformat(cap) if cap else None))
    fired, diffs = _compare(monkeypatch, pages)
    assert not diffs, "\n".join(diffs)
    assert fired >= 1  # the portal's own article fixture (wps6_ibm_article) goes the fast way


def test_replica_pages_identical_and_fire_rate(monkeypatch, replica, truth):
    pages = list(_replica_pages(truth))
    fired, diffs = _compare(monkeypatch, [(f"{k} {u}", b, u, ct, None) for k, b, u, ct in pages])
    assert not diffs, "\n".join(diffs[:20])
    articles = [(b, u, ct) for k, b, u, ct in pages if k == "article/friendly"]
    assert len(articles) >= 250
    hits = sum(1 for b, u, ct in articles if fast_path_record(b, u, content_type=ct) is not None)
    assert hits >= 0.95 * len(articles), f"fast path fired on {hits}/{len(articles)} replica article pages"
    # listings, documents, albums, schedules, static pages, home, soft 404: never the fast path
    assert all(fast_path_record(b, u, content_type=ct) is None for k, b, u, ct in pages
               if not k.startswith("article"))


def test_other_seed_mutated_and_siblings_identical(monkeypatch):
    from replica.server import ReplicaServer
    from replica.siblings import SiblingServers
    from replica.truth import iter_truth

    pages = []
    with ReplicaServer(port=0, articles=80, seed=7, documents=12, mutate=6) as srv:
        lines = list(iter_truth(srv.url, articles=80, seed=7, documents=12, media=False, mutate=6))
        pages += list(_replica_pages(lines))
    with SiblingServers(2, articles=25, documents=8) as sibs:
        pages += list(_replica_pages(list(sibs.truth())))
    fired, diffs = _compare(monkeypatch, [(f"{k} {u}", b, u, ct, None) for k, b, u, ct in pages])
    assert not diffs, "\n".join(diffs[:20])
    assert fired >= 50


def test_devset_pages_identical(monkeypatch):
    root = _devsets()
    if root is None:
        pytest.skip("development sets not found (they live outside the repository): set PORTAL_DEVSETS to ../shared/devsets")
    pages = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in (".html", ".htm", "")
                       and p.stat().st_size < 3_000_000):
        pages.append((str(path.relative_to(root)), path.read_bytes(), f"https://example.org/{path.name}", None, None))
    assert len(pages) >= 100
    _fired, diffs = _compare(monkeypatch, pages)
    assert not diffs, "\n".join(diffs[:20])


def test_switch_off(monkeypatch):
    body = (PAGES / "wps6_ibm_article.html").read_bytes()
    url = json.loads((PAGES / "wps6_ibm_article.expected.json").read_text(encoding="utf-8"))["url"]
    import pipelines.extract.fast as fast

    calls = []
    real = fast.fast_record
    monkeypatch.setattr(fast, "fast_record", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setenv("PORTAL_EXTRACT_FAST", "0")
    off = extract_record(body, url)
    assert calls == []
    monkeypatch.setenv("PORTAL_EXTRACT_FAST", "1")
    on = extract_record(body, url)
    assert calls == [1] and on == off
