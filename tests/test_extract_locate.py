"""The locating steps that select candidates in lxml (text nodes holding "/", texts of a title's length)
return what a walk of every element returns, in page order."""
from __future__ import annotations

from pipelines.extract.dom import parse_html
from pipelines.extract.locate import dated_heading_elements, doc_order, ref_title_elements

T1 = "Hội nghị sơ kết công tác dân vận năm 2024"
T2 = "Lễ kỷ niệm ngày thành lập Hội Nông dân Việt Nam"


def test_dated_headings_in_page_order_whoever_holds_the_date():
    # the paragraph's date is the tail of a child that holds a date of its own: the text nodes meet the
    # child's date first, the page order puts the paragraph first
    page = parse_html(
        "<html><head><title>Tin 12/2024</title></head><body>"
        f"<p class='t'>{T1} <span>{T2} (01/02/2023 08:00)</span> (21/10/2024 17:02)</p>"
        f"<div class='x'><b>{T2}</b><span>(05/06/2022)</span></div></body></html>").find("body")
    found = dated_heading_elements(page, set())
    order = doc_order(page)
    assert [e.tag for e in found[:2]] == ["p", "span"]
    assert [order[e] for e in found] == sorted(order[e] for e in found)
    assert all(e.tag != "title" for e in found)  # the head's "Tin 12/2024" is not the page's


def test_reference_title_elements_are_own_texts_not_tails():
    page = parse_html(
        f"<html><body><div><font><b>{T1}</b></font></div><p><a href='/x'>{T1}</a></p>"
        f"<p><span>Tin</span>{T1}</p><h3>{T2}</h3></body></html>").find("body")
    found = ref_title_elements(page, [T1, T2])
    assert [e.tag for e in found] == ["div", "h3"]  # climbed <b> → <font> → <div>; a link and a tail are not


def test_class_flags_token_by_token_equal_the_regex_definition():
    """scan() flags an element's class/id from its tokens' cached bits; on the class and id strings of every
    fixture page and on random mixes of the patterns' edge tokens they equal the regexes run on the whole
    strings (a flag read wrong would move chrome, breadcrumbs, pagers or title hints)."""
    import random
    from pathlib import Path

    from pipelines.extract import chrome
    from pipelines.extract.decode import decode_html

    pairs = set()
    for path in sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.html")):
        root = parse_html(decode_html(path.read_bytes(), None)[0])
        pairs.update((el.get("class") or "", el.get("id") or "") for el in root.iter() if isinstance(el.tag, str))
    toks = ["page", "x_page_y", "pager", "tools", "nav", "navbar", "wpsPortletMenuX", "related-news", "title",
            "sub-title", "site-title", "logo", "__cf_email__", "crumb", "selected", "on", "menu-left", "header",
            "footer", "PagingControl", "print-links", "tieude", "foo", "a", " ", "\t", "\n", "\xa0",
            # (case: an ASCII token's patterns are searched lower-cased; letters re.I folds to ASCII ones)
            "Pager", "NAVBAR", "Related-News", "TieuDe", "TITLE", "WPSPORTLETTITLE", "__CF_EMAIL__", "Logo",
            "ſelected", "\u212aey", "tİtle", "naſ", "Menü", "SUB-Title"]
    rnd = random.Random(8)
    for _ in range(20000):
        pairs.add(("".join(rnd.choice(toks) for _ in range(rnd.randint(0, 5))),
                   "".join(rnd.choice(toks + ["", ""]) for _ in range(rnd.randint(0, 3)))))
    assert len(pairs) > 10000
    wrong = [(c, i) for c, i in pairs if chrome._class_flags(c, i) != chrome._class_flags_regex(c, i)]
    assert not wrong, wrong[:5]


def test_preceding_and_following_elements_equal_the_xpath_axes():
    """The date search's walks back and on from the heading return what XPath's preceding::*[position() <= n]
    (nearest first) and following::*[position() <= n] return, on every element of the fixture pages."""
    from pathlib import Path

    from pipelines.extract.dates import following_elements, preceding_elements
    from pipelines.extract.decode import decode_html

    checked = 0
    for path in sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.html"))[::2]:
        root = parse_html(decode_html(path.read_bytes(), None)[0])
        for el in [e for e in root.iter() if isinstance(e.tag, str)][::3]:
            for n in (1, 8, 40):
                assert preceding_elements(el, n) == list(reversed(el.xpath(f"preceding::*[position() <= {n}]")))
                assert following_elements(el, n) == el.xpath(f"following::*[position() <= {n}]")
                checked += 1
    assert checked > 1000


def test_author_markup_from_the_scan_equals_the_xpaths():
    """markup_author's byline boxes and author properties collected by the body's scan, and its meta authors
    from the meta elements, are what its XPaths select, on every fixture page (one walk instead of three)."""
    from pathlib import Path

    from pipelines.extract import authors as A, chrome
    from pipelines.extract.decode import decode_html

    found = 0
    for path in sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.html")):
        root = parse_html(decode_html(path.read_bytes(), None)[0])
        page = root.find("body")
        sc = chrome.scan(page)
        assert sc.bylines == A._BYLINE(root), path.name
        assert A._author_props(root, page, sc) == A._AUTHOR_PROP(root), path.name
        assert A._meta_authors(root) == A._META_AUTHOR(root), path.name
        found += len(sc.bylines) + len(sc.author_props)
    assert found >= 3  # (pages with such markup are among them)


def test_pager_text_reads_the_tokens_sub_removes():
    """is_pager_text (the pager tokens read from left to right, stopping at the first other character) answers
    as its definition (nothing but whitespace left once re.sub removed the tokens), on texts made of pager
    tokens, words and noise."""
    import random

    from pipelines.extract import chrome

    toks = ["1", "23", "trang", "Tuần", "tháng", "đầu", "cuối", "trước", "sau", "tiếp", "theo", "kế", "Next",
            "prev", "previous", "prevx", "first", "last", "page", "pages", "of", "xem", "go", "đến", "«", "»",
            "…", "..", "/", "|", "-", "–", ",", ":", "[", "]", "(", ")", " ", "  ", "\xa0", "\n", "x", "the",
            "Trang", "ious", "a", "é", "Đến"]
    rnd = random.Random(3)
    texts = {"".join(rnd.choice(toks) for _ in range(rnd.randint(1, 12))) for _ in range(30000)}
    answers = [chrome.is_pager_text(t) for t in texts]
    assert answers == [chrome.is_pager_text_sub(t) for t in texts]
    assert 1000 < sum(answers) < len(texts) - 1000


def test_js_image_strings_are_what_the_regex_finds():
    """js_image_strings (from the places that hold an image extension or MOD=AJPERES) returns the strings
    _JS_IMG_RE.finditer finds, in order: on random texts of quotes, spaces, extensions, queries and the
    letters re.I folds (İ, ı, ſ), and on the fixture pages' scripts."""
    import random
    from pathlib import Path

    from pipelines.extract import kinds as K
    from pipelines.extract.decode import decode_html

    def ref(t):
        return [m.group(1) for m in K._JS_IMG_RE.finditer(t)]

    toks = ["'", '"', " ", "<", ">", "a", "/x", ".jpg", ".JPEG", ".png", ".Gif", ".webp", "?", "&", "MOD=AJPERES",
            "mod=ajperes", "?v=1", ".", "\u0130", "\u0131", "\u017f", "\xa0", "é", "\n", "jpg", "''", ".jp", "eg"]
    rnd = random.Random(5)
    texts = ["".join(rnd.choice(toks) for _ in range(rnd.randint(1, 30))) for _ in range(30000)]
    for path in sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.html")):
        root = parse_html(decode_html(path.read_bytes(), None)[0])
        texts += [el.text for el in root.iter("script") if el.text]
    assert [K.js_image_strings(t) for t in texts] == [ref(t) for t in texts]
    assert sum(1 for t in texts if ref(t)) > 1000


def test_page_text_of_is_text_of():
    """page_text_of (libxslt) builds text_of's text of every fixture page's body and of its elements (but a
    <br> itself), <br> marks and comments included."""
    from pathlib import Path

    from pipelines.extract.decode import decode_html
    from pipelines.extract.dom import mark_brs, page_text_of, text_of

    checked = 0
    for path in sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.html")):
        root = parse_html(decode_html(path.read_bytes(), None)[0])
        page = root.find("body")
        mark_brs(page)
        for el in [page] + [e for e in page.iter() if isinstance(e.tag, str) and e.tag != "br"][::5]:
            assert page_text_of(el) == text_of(el), path.name
            checked += 1
    assert checked > 500


def test_container_sums_climb_as_each_block_adding_to_every_ancestor():
    """score_containers (a block's lengths go to its parent, the sums climb once) gives the scores, text and
    link lengths of its definition (each block adding its lengths to every ancestor), on every fixture page,
    after any position."""
    from pathlib import Path

    from pipelines.extract import locate
    from pipelines.extract.decode import decode_html

    def reference(blocks, after_pos=-1):
        score, total, links = {}, {}, {}
        for b in blocks:
            if b.pos <= after_pos:
                continue
            w = locate.block_weight(b)
            level = 0
            for anc in b.el.iterancestors():
                total[anc] = total.get(anc, 0) + b.tlen
                links[anc] = links.get(anc, 0) + b.llen
                if w and level < 5 and anc.tag not in locate.NEVER_CONTAINER and anc.tag != "html":
                    level += 1
                    score[anc] = score.get(anc, 0.0) + w / level
        return score, total, links

    checked = 0
    for path in sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.html")):
        root = parse_html(decode_html(path.read_bytes(), None)[0])
        page = root.find("body")
        order = doc_order(page)
        blocks = locate.build_blocks(page, locate.normalize_blocks(page), order)
        for after in (-1, len(order) // 3):
            res, total, links = locate.score_containers(blocks, after)
            score, want_total, want_links = reference(blocks, after)
            assert {k: v for k, v in total.items() if v} == {k: v for k, v in want_total.items() if v}, path.name
            assert {k: v for k, v in links.items() if v} == {k: v for k, v in want_links.items() if v}, path.name
            want = {el: v * (1.0 - (want_links.get(el, 0) / want_total[el] if want_total.get(el) else 0.0))
                    * locate._hint(el) for el, v in score.items()}
            assert res == want, path.name
            checked += len(res)
    assert checked > 300


def test_is_short_answers_as_short_text():
    """is_short(el, limit) is ``short_text(el, limit) is not None`` on every fixture page's elements, for
    limits around their text lengths."""
    from pathlib import Path

    from pipelines.extract import chrome
    from pipelines.extract.decode import decode_html

    both = set()
    for path in sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.html"))[::3]:
        root = parse_html(decode_html(path.read_bytes(), None)[0])
        for el in [e for e in root.iter() if isinstance(e.tag, str)][::7]:
            n = len("".join(el.itertext()))
            for limit in (0, 5, n // 5, n // 2, n - 3, n, n + 20, 4 * n):
                want = chrome.short_text(el, limit) is not None
                assert chrome.is_short(el, limit) == want, (path.name, el.tag, limit)
                both.add(want)
    assert both == {True, False}


def test_chrome_literal_precheck_keeps_every_match():
    """has_chrome_literal's keyword precheck never hides a match of the literal regex: every literal in any
    case (Kelvin sign, long s and dotted/dotless i included, which re.I folds), inside text or alone."""
    from pipelines.extract.text import _CHROME_LIT_RE, CHROME_LITERALS, has_chrome_literal

    texts = []
    for lit in CHROME_LITERALS:
        for variant in (lit, lit.upper(), lit.lower(), lit.swapcase(), lit.replace("k", "\u212a"),
                        lit.replace("s", "\u017f").replace("S", "\u017f"), lit.replace("i", "\u0131"),
                        lit.replace("i", "\u0130")):
            texts += [variant, f"Xem thêm {variant} »", f"{variant}:"]
    texts += ["Trang chủ", "Đọc tiếp", "menu", "Skip", "", "skip-link"]
    assert [has_chrome_literal(t) for t in texts] == [bool(t) and bool(_CHROME_LIT_RE.search(t)) for t in texts]
    assert sum(map(has_chrome_literal, texts)) > 100
