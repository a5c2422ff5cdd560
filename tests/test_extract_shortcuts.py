"""Each shortcut of the extraction's speed work gives the answer of what it replaces: dom.plain_join
(urljoin's answer for plain URLs without urllib) equals urljoin wherever it answers, on the forms the portal
prints, on the forms it must leave to urljoin, and on random strings of the characters that matter to URL
parsing; decode.has_ctrl_utf8 finds the control characters a search for each finds."""
from __future__ import annotations

import random
import re
from urllib.parse import urljoin

from pipelines.extract.decode import has_ctrl_utf8
from pipelines.extract.dom import plain_join, resolve

BASES = ["http://127.0.0.1:42395/wps/portal/hoangmai/!ut/p/c5/04_3zqFj!!/dl3/d3/L2dBISEvZ0FBIS9nQSEh/",
         "http://portal.example.vn/wps/portal/site/tin-tuc/bai-viet-1", "https://a.vn", "https://a.vn?x=1",
         "http://a.vn#top", "HTTP://A.vn/x/", "http://[::1]/x", "ftp://a.vn/x/", "", "/relative/base",
         "http://a.vn/x/../y/", " http://a.vn/x", "http://a.vn\t/x", "http://user@a.vn/x"]
HREFS = ["/wps/wcm/connect/120a4961/anh-1.jpg?MOD=AJPERES&CACHEID=120a4961", "/", "/a//b", "/a/./b", "/a/../b",
         "/a/.", "//cdn.a.vn/x.jpg", "/a;p=1/b;q", "/a?", "/a?x#", "/a#f", "/a b", "/a%20b?x=%2F", "/a:b@c!$'()*+,=",
         "http://b.vn", "http://b.vn/", "http://b.vn?q=1", "https://b.vn/x/../y", "HTTP://B.vn/x", "http://b.vn:99/x",
         "http://[::1]/x", "http://b.vn/x?y=/z", "relative/x", "x.jpg", "?q=1", "#frag", "mailto:a@b.vn",
         "http:/x", "http:x", "/\u1ea3nh.jpg", "/a\\b"]


def _urljoin(base: str, href: str):
    """What resolve asked urljoin for before plain_join (dom._join): a URL it cannot parse gives the
    href when that is an http(s) URL, else nothing."""
    try:
        return urljoin(base, href)
    except ValueError:
        return href if href[:8].lower().startswith(("http://", "https://")) else None


def test_plain_join_equals_urljoin_on_known_forms():
    answered = 0
    for base in BASES:
        for href in HREFS:
            got = plain_join(base, href)
            if got is not None:
                answered += 1
                assert got == _urljoin(base, href), (base, href)
    assert answered >= 30  # (it answers the common forms: else it would be useless)
    assert plain_join(BASES[0], HREFS[0]) == "http://127.0.0.1:42395" + HREFS[0]


def test_plain_join_equals_urljoin_on_random_strings():
    rnd = random.Random(11)
    alphabet = "ab.:/?#;@%!=&~ -_AB19[]\\" + "\u1ea3"
    answered = 0
    for _ in range(20000):
        base = rnd.choice(BASES[:6]) if rnd.random() < 0.7 else "http://" + "".join(
            rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        href = rnd.choice(("/", "http://", "https://", "")) + "".join(
            rnd.choice(alphabet) for _ in range(rnd.randint(0, 14)))
        got = plain_join(base, href)
        if got is not None:
            answered += 1
            assert got == _urljoin(base, href), (base, href)
    assert answered > 1000


def test_resolve_unchanged():
    base = BASES[0]
    assert resolve(base, " /wps/a.jpg\n") == urljoin(base, "/wps/a.jpg")
    assert resolve(base, "../x") == urljoin(base, "../x")
    assert resolve(base, "javascript:void(0)") is None
    assert resolve(base, "mailto:a@b.vn") == "mailto:a@b.vn"


def test_has_ctrl_utf8_equals_a_search():
    ctrl = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")  # what lxml refuses in text (decode.py)
    rnd = random.Random(3)
    pieces = [b"a", b" ", b"\t", b"\n", b"\r", b"\x00", b"\x08", b"\x0b", b"\x0c", b"\x1f", b"\x7f",
              "\u1ea3".encode(), "\ufffd".encode(), "\ufffe".encode(), "\uffff".encode(), "\uffbf".encode()]
    found = 0
    for _ in range(20000):
        body = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 6)))
        want = bool(ctrl.search(body.decode("utf-8")))
        found += want
        assert has_ctrl_utf8(body) == want, body
    assert 1000 < found < 19000


def test_kind_labels_equal_the_prechecks_of_the_collapsed_text():
    from pipelines.extract import kinds as K
    from pipelines.extract.fast import kind_labels
    from pipelines.extract.text import collapse

    rnd = random.Random(5)
    words = [w for label in K.DOC_WORDS + K.SCHEDULE_WORDS for w in label.split()] + ["Trích", "KÝ", "x", "yếu."]
    spaces = [" ", "  ", "\n", "\t \r\n", "\u00a0", "\u2028", "", "\u200b", "\u00ad"]
    hits = [0, 0]
    for _ in range(20000):
        text = "".join(rnd.choice(words) + rnd.choice(spaces) for _ in range(rnd.randint(0, 40)))
        low = collapse(text).lower()
        want = (K.document_precheck(low), K.schedule_precheck(low))
        hits[0] += want[0]
        hits[1] += want[1]
        assert kind_labels(text) == want, text
    assert hits[0] > 300 and hits[1] > 300, hits


def test_collapse_equals_split_and_join():
    from pipelines.extract.text import collapse

    rnd = random.Random(7)
    pieces = ["a", "\u1ebf", " ", "  ", "\n", "\t", "\u00a0", "\u2028", "\u200b", "\u00ad", "\ufeff", "\u3000",
              "\x1c", "\x85", "\u1680", "\u202f"]
    zero_width = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
    for _ in range(50000):
        s = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 8)))
        assert collapse(s) == " ".join(s.translate(zero_width).split()), repr(s)
