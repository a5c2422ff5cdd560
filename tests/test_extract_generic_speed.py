"""The shortcuts of the generic pages' speed work give the answer of what they replace: generic.mostly_in
(the listing-teaser test of article_shaped) counts as the 8-word runs' substring search; dates.english_date
reads English dates as dateparser does; locate.subtree_end is the last node of el.iter(); pick_heading's
block counts (bisections of sorted positions) are the counts of a walk over the blocks."""
from __future__ import annotations

import itertools
import random
import re
from collections import deque
from datetime import datetime
from pathlib import Path

from pipelines.extract import dates
from pipelines.extract.decode import decode_html
from pipelines.extract.dom import parse_html
from pipelines.extract.generic import article_shaped, mostly_in
from pipelines.extract.locate import doc_order, subtree_end

PAGES = Path(__file__).parent / "fixtures" / "pages"


def _mostly_in_by_search(words, within):
    """article_shaped's test before mostly_in: every run searched, then counted."""
    grams = [" ".join(words[i:i + 8]) for i in range(0, max(len(words) - 7, 1), 4)]
    return bool(grams) and sum(1 for g in grams if g in within) > 0.5 * len(grams)


def test_mostly_in_counts_as_the_search_of_every_run():
    rnd = random.Random(5)
    vocab = ["tin", "bài", "xã", "phường", "the", "a", "of", "news", "ab", "b", "x.", "-", "Hà", "Nội", "2024"]
    answers = set()
    for _ in range(4000):
        words = [rnd.choice(vocab) for _ in range(rnd.randint(0, 40))]
        # the listing text: pieces of the words (so that runs are found), other words, broken word edges
        pieces = []
        for _ in range(rnd.randint(0, 6)):
            i = rnd.randint(0, max(len(words) - 1, 0))
            piece = " ".join(words[i:i + rnd.randint(1, 20)])
            if piece and rnd.random() < 0.3:
                piece = piece[rnd.randint(0, 2):]  # a run may start inside a word there
            pieces.append(piece)
            pieces.append(" ".join(rnd.choice(vocab) for _ in range(rnd.randint(0, 5))))
        within = rnd.choice((" ", "  ", "\xa0", "")).join(pieces)
        got = mostly_in(words, within)
        assert got == _mostly_in_by_search(words, within), (words, within)
        answers.add(got)
    assert answers == {True, False}


def test_article_shaped_calls_the_list_text_only_when_needed():
    paras = ["This is a long paragraph of prose with quite a number of words in it, number %d." % i for i in range(4)]
    text = "\n\n".join(paras)
    calls = []

    def teasers():
        calls.append(1)
        return text + " " + "x" * 200

    assert not article_shaped(text, set(), teasers)  # the teasers' text: a listing, not an article
    assert calls == [1]
    assert not article_shaped(paras[0], set(), teasers)  # one paragraph: no article, the teasers not needed
    assert calls == [1]
    assert article_shaped(text, set(), lambda: "other words " * 40)


def test_english_dates_read_as_dateparser_reads_them():
    now = datetime(2030, 1, 1, tzinfo=dates.VN_TZ)
    names = []
    for full, *abbr in (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
                        ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
                        ("october", "oct"), ("november", "nov"), ("december", "dec")):
        for n in (full, *abbr, *(a + "." for a in abbr)):
            names += [n, n.title(), n.upper()]
    days = ["1", "01", "5", "29", "30", "31"]
    years = ["1980", "2023", "2024", "2099"]
    forms = ["{m} {d}, {y}", "{m} {d} {y}", "{d} {m} {y}", "{d}. {m} {y}", "{d} {m}, {y}"]
    checked = invalid = 0
    for i, (m, d, y, f) in enumerate(itertools.product(names, days, years, forms)):
        if i % 11:
            continue  # every 11th: each name, day, year and form is met (~1 ms of dateparser a string)
        s = f.format(m=m, d=d, y=y)
        known, fast = dates.english_date(s)
        assert known, s
        ref = dates._dateparser_parse.__wrapped__(s, now)
        assert (fast is None) == (ref is None), s
        if fast is not None:
            assert fast.isoformat() == ref.isoformat(), s
        else:
            invalid += 1
        checked += 1
    assert checked > 1000 and invalid > 10  # (Feb 30, Apr 31… are no dates to either)
    # what is not one English date and nothing else is dateparser's to read
    for s in ("By Ann Lee March 5, 2014", "March 5, 2014 10:47 AM", "March 2014", "5 Mär 2014",
              "32 March 2014", "March 5, 1975", "Mayo 5, 2014", "March 5, 2014.", "\u017fept 5, 2014",
              "Apr\u0130l 5, 2014"):
        assert dates.english_date(s) == (False, None), s
    assert dates.parse_date("Aug. 16, 2020").isoformat() == "2020-08-16T00:00:00+07:00"


def test_subtree_end_is_the_last_node_of_the_walk():
    checked = 0
    for path in sorted(PAGES.glob("*.html"))[:12]:
        root = parse_html(decode_html(path.read_bytes(), None)[0])
        page = root.find("body")
        order = doc_order(page)
        for el in list(page.iter())[::3]:
            last = deque(el.iter(), maxlen=1)
            want = order.get(last[0], order.get(el, 0)) if last else order.get(el, 0)
            assert subtree_end(el, order) == want, path.name
            checked += 1
    assert checked > 300


def test_pick_heading_counts_blocks_as_the_walk_over_them(monkeypatch):
    """pick_heading's block counts (BlockCounts: bisection of sorted positions) equal the walk over every block,
    for every heading candidate against the main content, on every fixture page (the thorough path: no portal
    fast path); the rest of pick_heading is unchanged, so it picks the heading the walk picked."""
    from pipelines.extract import fast, record, title

    calls = []

    def checked(cands, blocks, order, c_global, attached):
        if c_global is not None:
            counts = title.BlockCounts(blocks)
            start = order.get(c_global, -1)
            for c in cands:
                pos, end = order.get(c.el, 0), subtree_end(c.el, order)
                assert counts.prose_from(start, pos) == sum(
                    1 for b in blocks if start <= b.pos < pos and b.tlen >= 60 and b.ld < 0.5)
                if end < start:
                    assert counts.texts_inside(end, start) == sum(
                        1 for b in blocks if end < b.pos < start and b.tlen >= 25 and b.ld < 0.5)
                    calls.append("before")
                calls.append(c)
        return title.pick_heading(cands, blocks, order, c_global, attached)

    monkeypatch.setattr(record, "pick_heading", checked)
    monkeypatch.setattr(fast, "enabled", lambda: False)
    for path in sorted(PAGES.glob("*.html")):
        record.extract_record(path.read_bytes(), "http://portal.example.vn/x")
    assert len(calls) > 100 and calls.count("before") > 20


def test_block_counts_equal_the_walk_at_every_boundary():
    """BlockCounts against the walk over the blocks for every pair of positions, the blocks' own included
    (the fixture pages rarely put a block at a heading's or the content's own position)."""
    from types import SimpleNamespace

    from pipelines.extract.title import BlockCounts

    rng = random.Random(7)
    blocks = [SimpleNamespace(pos=rng.randrange(60), tlen=rng.choice((10, 25, 40, 60, 200)), ld=rng.choice((0.0, 0.5, 0.9)))
              for _ in range(80)]
    counts = BlockCounts(blocks)
    for start in range(-1, 62):
        for end in range(-1, 62):
            assert counts.prose_from(start, end) == sum(
                1 for b in blocks if start <= b.pos < end and b.tlen >= 60 and b.ld < 0.5), (start, end)
            if start < end:
                assert counts.texts_inside(start, end) == sum(
                    1 for b in blocks if start < b.pos < end and b.tlen >= 25 and b.ld < 0.5), (start, end)


def test_library_tree_has_lxml_html_classes_and_the_libraries_read_it_alike():
    """library_tree's C lookup gives every node the class lxml.html's parser gives it (forms, inputs,
    selects, labels, textareas included), and trafilatura and htmldate read both trees alike."""
    import htmldate
    import lxml.html
    import trafilatura

    from pipelines.extract.generic import library_tree

    html_parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    classes = set()
    pages = sorted(PAGES.glob("*.html"))
    for i, path in enumerate(pages):
        text = decode_html(path.read_bytes(), None)[0]
        ours = library_tree(text)
        theirs = lxml.html.document_fromstring(text.encode("utf-8", "replace"), parser=html_parser)
        kinds = [type(e) for e in ours.iter()]
        assert kinds == [type(e) for e in theirs.iter()], path.name
        classes.update(kinds)
        if i % 4 == 0:
            assert trafilatura.extract(ours, include_comments=False) == trafilatura.extract(
                theirs, include_comments=False), path.name
            assert htmldate.find_date(ours, extensive_search=True) == htmldate.find_date(
                theirs, extensive_search=True), path.name
    form = library_tree("<html><body><form><input name=a><select><option>x</select><label>l</label>"
                        "<textarea>t</textarea></form><p>x</p></body></html>")
    assert [type(e).__name__ for e in form.iter("form", "input", "select", "label", "textarea", "p")] == [
        "FormElement", "InputElement", "SelectElement", "LabelElement", "TextareaElement", "HtmlElement"]
    assert lxml.html.HtmlElement in classes


def test_lean_body_html_is_the_sanitised_one_on_every_page(monkeypatch):
    """The thorough path writes its body HTML lean (links included): on every fixture page, character for
    character nh3's sanitised HTML, and written lean on some."""
    from pipelines.extract import clean_html, fast, record

    lean_ok = []
    real_build, real_assemble = clean_html.build_body_html, clean_html.assemble_body

    def spy_assemble(items, inner, figure, cell):
        out = real_assemble(items, inner, figure, cell)
        if inner is clean_html.lean_inner_html:
            lean_ok.append(out is not None)
        return out

    def both(items, base, lean=False):
        got = real_build(items, base, lean=lean)
        assert got == real_build(items, base)
        return got

    monkeypatch.setattr(clean_html, "assemble_body", spy_assemble)
    monkeypatch.setattr(record, "build_body_html", both)
    monkeypatch.setattr(fast, "enabled", lambda: False)
    for path in sorted(PAGES.glob("*.html")):
        record.extract_record(path.read_bytes(), "http://portal.example.vn/x")
    assert len(lean_ok) > 20 and any(lean_ok)


def test_own_text_gate_of_the_scan_keeps_every_element_with_own_text():
    """chrome.scan checks the own text only of the elements libxml2 finds with a non-blank text node: a superset
    of those whose text and children's tails str.strip leaves non-empty (no-break spaces, tabs, comments)."""
    from pipelines.extract import chrome

    docs = [p.read_bytes() for p in sorted(PAGES.glob("*.html"))]
    docs.append("<html><body><div>\xa0<b>x</b>\u2003</div><p>\t\n</p><span><!-- c -->tail</span>"
                "<ul><li> <a>Trang chủ</a> » </li></ul><i>\u00a0\u00a0</i></body></html>".encode())
    checked = gated = 0
    for data in docs:
        root = parse_html(decode_html(data, None)[0])
        texted = set(chrome._OWN_TEXT(root))
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            own = (el.text or "") + "".join(c.tail or "" for c in el)
            if own.strip():
                assert el in texted, (el.tag, own[:40])
                checked += 1
            elif el in texted:
                gated += 1  # (blank to str.strip, not to XPath: checked by the scan, found nothing)
    assert checked > 1000 and gated >= 1


def test_album_reads_the_slideshow_arrays_inside_its_area_only(monkeypatch):
    """An album with images of its own reads the image arrays of the scripts inside its area (added after
    its images), never those of a script elsewhere on the page (read only when needed)."""
    from pipelines.extract import extract_record, fast, kinds

    def arr(name, n):
        return ", ".join(f"'/wps/wcm/connect/{name}{i}/anh{i}.jpg?MOD=AJPERES'" for i in range(n))

    imgs = "".join(f"<p><img src='/wps/wcm/connect/own{i}/anh.jpg' width='600' height='400'></p>" for i in range(3))
    html = (f"<html><head><title>Thư viện ảnh</title></head><body><div class='menu'><a href='/'>Trang chủ</a></div>"
            f"<script>var banners = [{arr('ads', 3)}];</script>"
            f"<div id='main'><div class='album'><h1>Hình ảnh Đại hội Đoàn thanh niên (05/06/2019)</h1>{imgs}"
            f"<script>var slides = [{arr('more', 2)}];</script></div></div></body></html>").encode()
    read = []
    real = kinds.script_image_urls

    def spy(text):
        read.append(text[:20])
        return real(text)

    monkeypatch.setattr(kinds, "script_image_urls", spy)
    monkeypatch.setattr(fast, "enabled", lambda: False)
    rec = extract_record(html, "http://x.gov.vn/wps/portal/x/thu-vien-anh/dai-hoi")
    assert rec["page_type"] == "album"
    assert [im["url"].split("/")[-2] for im in rec["images"]] == ["own0", "own1", "own2", "more0", "more1"]
    assert read == ["var slides = ['/wps/"]  # the banner script outside the album: never read


# dates._RELATIVE_HINT_RE before the month words were whole words and "hôm" a word
_LOOSE_HINT_RE = re.compile(
    r"(?<![\d.])(?:19|20)\d{2}(?![\d.])|tr[ưu][ớo]c|h[ôo]m|\bqua\b|\bnay\b|v[ừu]a|\bago\b|yesterday|today|\bnow\b|tu[ầa]n|"
    r"th[áa]ng|n[ăa]m|gi[ờo]|ph[úu]t|gi[âa]y|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|"
    r"\b(?:hours?|minutes?|days?|weeks?|months?|years?)\b",
    re.I,
)


def test_dateparser_skipped_only_where_it_reads_no_date():
    """A string the loose hints sent to dateparser and the whole-word hints do not: dateparser reads no date
    from it (the short texts of the fixture pages, words that start like a month, names holding "hom")."""
    now = datetime(2030, 1, 1, tzinfo=dates.VN_TZ)
    words = ["Martina", "Julia", "Thomas", "Home", "Janet", "Marchs", "Mayor", "Juni", "Juli", "Decent", "Novel",
             "Octave", "Augusta", "Margarita", "Septima", "Aprilia", "Homework", "Marz", "Januar", "Dezember"]
    strings = {f"{w}{tail}" for w in words for tail in ("", " 5", " 12, 10:30", " Scharmann", " ngày 5")}
    strings |= {f"von {w} Steinberg" for w in words}
    for page in sorted(PAGES.glob("*.html")):
        root = parse_html(decode_html(page.read_bytes(), None)[0])
        for el in root.iter():
            t = " ".join((el.text or "").split())
            if 3 <= len(t) <= 120:
                strings.add(t)
    skipped = sorted(s for s in strings if _LOOSE_HINT_RE.search(s) and not dates._RELATIVE_HINT_RE.search(s))
    assert len(skipped) >= 100, len(skipped)
    for s in skipped[:400]:  # (~1 ms of dateparser a string)
        assert dates._dateparser_parse.__wrapped__(s, now) is None, s
    # every string the whole-word hints keep is still asked: a month, "hôm", a year
    for s in ("Martina 31. März 2020", "March 5", "sept. 12", "hôm qua", "Hôm nay", "5 Dec", "Julia, 2 days ago"):
        assert dates._RELATIVE_HINT_RE.search(s), s


def test_extract_record_pauses_the_collector_and_leaves_it_as_found():
    """extract_record runs with the cyclic collector paused, then leaves it as it found it (a caller that turned
    it off keeps it off), with the young generation collected when a collection was due (no garbage of the
    call left over for the caller's next allocation to collect)."""
    import gc

    from pipelines.extract import extract_record

    page = (PAGES / "dnn_district_news.html").read_bytes()
    seen = []

    def during(phase, info):
        if phase == "start":
            seen.append(info["generation"])

    was = gc.isenabled()
    try:
        gc.enable()
        want = extract_record(page, "https://example.org/a")
        assert gc.isenabled()
        assert gc.get_count()[0] <= gc.get_threshold()[0]
        gc.disable()
        assert extract_record(page, "https://example.org/a") == want
        assert not gc.isenabled()
        gc.enable()
        gc.collect()
        gc.callbacks.append(during)
        try:
            got = extract_record(page, "https://example.org/a")
        finally:
            gc.callbacks.remove(during)
        assert got == want
        assert seen in ([], [0])  # at most the one young-generation collection that was due, at the end
    finally:
        (gc.enable if was else gc.disable)()


def _item_link_by_rule(a) -> bool:
    """dominant_list's test of an item link before its cache was filled by the print/more-link pass."""
    from pipelines.extract.dom import text_content
    from pipelines.extract.listing import MORE_LINK_RE
    from pipelines.extract.text import collapse, word_count

    href = (a.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return False
    t = collapse(text_content(a))
    return 20 <= len(t) <= 300 and word_count(t) >= 4 and not MORE_LINK_RE.match(t)


def test_item_links_told_in_the_more_link_pass_are_dominant_lists_own(monkeypatch):
    """The pass over the links that finds the "Xem tiếp" targets tells the item links from the text it reads
    (each link's text read once): when dominant_list first walks the page, every link is in its cache with the
    answer of its own rule, on every fixture page and on links with odd targets and texts."""
    from pipelines.extract import fast, listing, record

    real = listing.dominant_list
    seen = []

    def spy(page, cache=None):
        if not seen:
            links = list(page.iter("a"))
            assert all(a in cache for a in links)
            assert [cache[a] for a in links] == [_item_link_by_rule(a) for a in links]
            seen.extend(cache[a] for a in links)
        return real(page, cache)

    monkeypatch.setattr(record, "dominant_list", spy)
    monkeypatch.setattr(fast, "enabled", lambda: False)
    odd = ("<html><body><ul>" + "".join(
        f'<li><a href="{h}">{t}</a></li>' for h, t in (
            (" #top", "Một tiêu đề bài viết đủ dài để là tin"), ("  javascript:go()", "Một tiêu đề bài viết đủ dài nữa"),
            ("mailto:a@b.vn", "Gửi thư cho ban biên tập trang này"), (" /tin/1 ", "Tin\xa0thứ nhất   của trang\n đủ dài"),
            ("/tin/2", "Xem tiếp bài viết này ở trang sau"), ("/tin/3", "Ngắn"), ("", "Không có đích nhưng đủ dài chữ"),
            ("/tin/4", "<b>Tin</b> thứ tư <i>của trang</i> đủ dài"))) + "</ul></body></html>").encode()
    answers = set()
    for data in [p.read_bytes() for p in sorted(PAGES.glob("*.html"))] + [odd]:
        seen.clear()
        record.extract_record(data, "http://portal.example.vn/x")
        assert seen or data is not odd
        answers.update(seen)
    assert answers == {True, False}


def test_scan_reads_the_other_attributes_beside_class_and_id():
    """chrome.scan looks for style, hidden, role, itemprop, rel and data-cfemail only on elements with an attribute
    besides class and id: found whether the element also has a class, an id, both, an empty class, or neither."""
    from pipelines.extract import chrome

    heads = ["", " class='x'", " id='y'", " class='' id='y'", " class='x' id=''", " class='x' id='y'"]
    for h in heads:
        html = (f"<html><body><div{h} style='display: none'>a</div><p{h} hidden>b</p><div{h} role='navigation'>c</div>"
                f"<span{h} itemprop='author'>d</span><a{h} rel='author' href='/u'>e</a>"
                f"<span{h} data-cfemail='1a2b'>f</span><div{h}>g</div><a{h}>h</a></body></html>")
        sc = chrome.scan(parse_html(html).find("body"))
        assert [e.text for e in sc.hidden] == ["a", "b"], h
        assert [e.text for e in sc.structural] == ["c"], h
        assert [e.text for e in sc.author_props] == ["d", "e"], h
        assert [e.text for e in sc.cf] == ["f"], h
    body = parse_html("<html><body hidden style='display:none'><p>x</p></body></html>").find("body")
    assert chrome.scan(body).hidden == []  # the page's own body is never hidden chrome


def test_token_patterns_lower_cased_only_where_that_keeps_their_answer():
    """chrome.ASCII_TOKEN_PATTERNS searches a lower-cased token with a re.I pattern lower-cased and without
    re.I: the same answer only for an ASCII pattern without an upper-case escape (\\S, \\W, \\D, \\B, \\A,
    \\Z), which lower-casing would turn into another class."""
    from pipelines.extract import chrome

    folded = [p for p, _ in chrome.TOKEN_PATTERNS if p.flags & re.I]
    assert folded, "no case-insensitive token pattern: the shortcut has nothing to do"
    for p in folded:
        assert p.pattern.isascii() and not re.search(r"\\[SWDBAZ]", p.pattern), p.pattern
    for (p, bit), (q, qbit, lowered) in zip(chrome.TOKEN_PATTERNS, chrome.ASCII_TOKEN_PATTERNS):
        assert bit == qbit and lowered == bool(p.flags & re.I)
        for token in ("Breadcrumb", "NAV-menu", "wpsPortletTitle", "related-NEWS", "Paging", "SELECTED", "x"):
            assert bool(p.search(token)) == bool(q.search(token.lower() if lowered else token)), (p.pattern, token)
