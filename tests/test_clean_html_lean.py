"""The lean body HTML (clean_html.build_body_html(lean=True), the fast path's) is the sanitiser's string: on
plain rich text it writes nh3's output directly, on anything else it leaves the fragment to nh3; either way
the body HTML equals the nh3-sanitised one character for character."""
from __future__ import annotations

import pytest
from lxml import etree

from pipelines.extract import clean_html
from pipelines.extract.clean_html import build_body_html, plain_http_url
from pipelines.extract.dom import mark_brs
from pipelines.extract.locate import build_blocks, normalize_blocks

BASE = "http://portal.example.vn/wps/portal/site/tin-tuc/bai-viet"

# each: the body container's inner HTML, and whether the lean writer handles it (False: left to nh3)
CASES = [
    ("<p>Tom &amp; Jerry &lt;b&gt; 5 &gt; 3, \u201cquoted\u201d 'single' \"double\"</p><p>second&nbsp;one\u00a0here</p>", True),
    ("<p>literal &amp;nbsp; stays, tabs\tand\r\nnewlines   collapse</p>", True),
    ("<p><strong>Bold <em>and italic</em></strong> then <b>b</b> <i>i</i></p>", True),
    ("<p><span style='x'>span</span> <font color=red>font</font> <u>u</u> x<sup>2</sup> H<sub>2</sub>O"
     "<o:p></o:p></p>", True),
    ("<p>line one<br>line two<br><br>para two</p><p>  </p><p><strong> </strong></p>", True),
    ("<p>text<img alt='a \"q\" &amp; <x>\u00a0' src='/wps/wcm/connect/anh1.jpg?a=1&amp;b=2' width='400'>"
     "after</p>", True),
    ("<p>text<img src='/wps/wcm/connect/anh 1.jpg' width='400'>after</p>", False),
    ("<p><img src='/wps/themes/html/icon.gif' width='10' height='10'>icon dropped</p>", True),
    ("<p><img src='https://cdn.example.vn:8443/x/y.png' alt=''></p>", True),
    ("<p><img src=\"/a/b_c-d.e!~*'(x)@:=;%20,+.jpg?q=1&amp;r=2#top\" width='400'></p>", True),
    ("<h3>Sub <strong>heading</strong></h3><ul><li>one &amp; two</li><li><em>three</em></li></ul>"
     "<ol><li>first</li></ol><p>after</p>", True),
    ("<table><tr><td>Cell &lt;1&gt;</td><td><p>para in cell</p><p>two</p></td></tr>"
     "<tr><th>h</th><td>x\u00a0y</td></tr></table><p>after the table</p>", True),
    ("<div class='WordSection1'><p class=MsoNormal>Word <o:p>&nbsp;</o:p></p></div>", True),
    ("<p>Vi\u1ec7t Nam \u0111\u1eb9p</p><p>zero\u200bwidth and \u2028mark</p>", True),
    ("<p>see <a href='/other/page' class='x' target='_blank' rel='nofollow'>a <b>link</b></a> and "
     "<a href='https://b.vn/a?x=1&amp;y=2#top'>another</a><a href='/x'><img src='/a.jpg' width='400'></a></p>", True),
    ("<ul><li><a href='/x'></a>empty link</li></ul>", True),
    # left to nh3
    ("<p>see <a href='mailto:a@b.vn'>mail</a></p>", False),
    ("<p>see <a>no href</a></p>", False),
    ("<p>see <a href='/a b'>a space</a></p>", False),
    ("<p>see <a href='/x' title='tip'>a titled link</a></p>", False),
    ("<p><strong title='s'>titled</strong></p>", False),
    ("<p><em lang='en'>lang</em></p>", False),
    ("<p>x<img src='/wps/wcm/connect/anh1.jpg' title='t' width='400'>y</p>", False),
    ("<p><img src='ftp://files.example.vn/a.jpg' width='400' height='300'></p>", False),
    ("<p><img src='http://1.2.3.999/a.jpg' width='400' height='300'></p>", False),
    ("<p><img src='http://user@host.example.vn/a.jpg' width='400' height='300'></p>", False),
    ("<p><img src='/wps/wcm/connect/\u1ea3nh 1.jpg?a={b}' width='400' height='300'></p>", False),
    ("<p><img src='http://xn--abc.vn/a.jpg' width='400' height='300'></p>", False),
    ("<table><tr><td><ul><li>list in a cell</li></ul></td><td>b</td></tr></table>", False),
]


def _items(inner: str):
    root = etree.fromstring(f"<html><body><div id='c'>{inner}</div></body></html>", etree.HTMLParser())
    box = root.find(".//div[@id='c']")
    mark_brs(box)
    blocks = build_blocks(box, normalize_blocks(box))
    return [("block", b) for b in blocks if b.text or b.imgs]


@pytest.mark.parametrize("inner,lean", CASES)
def test_lean_equals_sanitised(inner, lean, monkeypatch):
    assembled = []
    real = clean_html.assemble_body

    def spy(items, inner_fn, figure, cell):
        out = real(items, inner_fn, figure, cell)
        if inner_fn is clean_html.lean_inner_html:
            assembled.append(out)
        return out

    monkeypatch.setattr(clean_html, "assemble_body", spy)
    got = build_body_html(_items(inner), BASE, lean=True)
    want = build_body_html(_items(inner), BASE)
    assert got == want
    assert (assembled[0] is not None) == lean, "the lean writer handled (or declined) what it should"


def test_lean_figures_equal_sanitised():
    images = [{"url": "http://portal.example.vn/a.jpg?x=1&y=2", "alt": 'alt "q" & <x>', "caption": "Cap <1> & \u00a0"},
              {"url": "http://portal.example.vn/b.jpg", "alt": None, "caption": None}]
    want = clean_html.sanitize(clean_html.figure_html(images))
    assert clean_html.tidy(clean_html.lean_figure_html(images)) == want


def test_plain_http_url():
    assert plain_http_url("http://127.0.0.1:42395/wps/a.jpg")
    assert plain_http_url("https://cdn.example.vn/a%20b.jpg?x=1&y=2")
    assert not plain_http_url("https://cdn.example.vn/a b.jpg")  # (lxml writes a space as %20)
    assert not plain_http_url("http://xn--abc.vn/a.jpg")
    assert not plain_http_url("http://127.0.0.1:99999/a.jpg")
    assert not plain_http_url("http://1.2.3.999/a.jpg")
    assert not plain_http_url("http://[::1]/a.jpg")
    assert not plain_http_url("mailto:a@b.vn")
