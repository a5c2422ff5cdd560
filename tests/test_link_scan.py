"""The spider's link scan takes two shortcuts (remembered joins of root-relative hrefs, an anchor's text read
without XPath when it has no child element); both must give exactly what urljoin and text_content give."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.response import get_base_url

from crawler.links import RootJoins, classify
from crawler.spiders.portal import PortalSpider, self_href, page_selector

PAGES = sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.html"))
BASES = [
    "http://portal.example/wps/portal/!ut/p/z1/04_Sj9CPykssy0xPLMnMz0vMAfIjo8zi/dz/d5/L2dBISEvZ0FBIS9nQSEh/",
    "http://portal.example/wps/portal/tin-tuc?x=1#top",
    "http://portal.example:8080/a/b/c.html;p?q=1",
    "https://user@portal.example/",
    "http://[::1]:9000/x/y",
    "http://127.0.0.1:18000",
]
HREFS = [
    "/wps/portal/tin-tuc", "/", "/a/../b/./c", "/a/b/..", "/?q=1", "/#frag", "/;params?x", "/x y/ü", "//other.example/x",
    "/\t/evil.example/x", "/\n", "/a//b", "/%2e%2e/x", "relative/x", "?only=query", "#only", "", "http://portal.example/z",
    "HTTP://Portal.Example/Z", "javascript:void(0)", "../up", "./here", "!ut/p/z1/delta",
]


def test_root_joins_equal_urljoin_whatever_the_base_path():
    joins = RootJoins(size=8)  # small: the cache is also emptied and refilled along the way
    for _ in range(2):
        for base in BASES:
            origin = urlsplit(base)[:2]
            for href in HREFS:
                assert joins.join(base, origin, href) == urljoin(base, href), (base, href)


def _reference_scan(spider, response, page):
    """The scan without shortcuts: urljoin for every href, text_content for every anchor."""
    base = get_base_url(response)
    page_url = response.url.split("#", 1)[0]
    self_urls, links = [], {}
    for el in page.root.iter("a", "area", "link", "meta"):
        declared = self_href(el)
        if declared is not None and declared.strip():
            self_urls.append(urljoin(base, declared.strip()))
        href = el.get("href") if el.tag in ("a", "area") else None
        if not href:
            continue
        url = urljoin(base, href.strip())
        if url in links:
            continue
        link = classify(href, url, anchor_id=el.get("id") or "", title=el.get("title") or "",
                        text=el.text_content() if el.tag == "a" else (el.get("alt") or ""),
                        css_class=el.get("class") or "", allowed_hosts=spider.allowed_hosts)
        links[url] = None if link is not None and link.url == page_url else link
    return self_urls, [link for link in links.values() if link is not None]


# anchors whose text decides: skip labels and pager numbers, as text alone, in child elements, with comments
TEXT_PAGE = b"""<html><head><base href="/wps/portal/!ut/p/z1/state/"></head><body>
<a href="/a">Skip portlet</a> <a href="/b"><span>Skip</span> portlet</a> <a href="/c"><!-- x -->Actions</a>
<a href="/d"> Display  menu </a> <a href="/e"><b></b></a> <a href="/f"></a>
<a title="Link to page" href="/p?page=x">7</a> <a title="Link to page" href="/p?page=y"><span>8</span></a>
<a title="Link to page" href="/p?page=z">trang <i>9</i> tiep</a> <a title="Link to page" href="/p?page=w"></a>
<a href="rel/x">R</a> <a href="?q=1">Q</a> <a href="#top">T</a> <area href="/g" alt="Skip portlet">
</body></html>"""


@pytest.mark.parametrize("path", [*PAGES, None], ids=[*(p.stem for p in PAGES), "anchor-texts"])
def test_scan_equals_the_reference_scan(path):
    body = path.read_bytes() if path else TEXT_PAGE
    url = "http://hoangmai.nghean.gov.vn/wps/portal/!ut/p/z1/page/"
    spider = PortalSpider(start_url="http://hoangmai.nghean.gov.vn/")
    for _ in range(2):  # the second time from the remembered joins
        response = HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))
        page = page_selector(response)
        assert spider._scan(response, page) == _reference_scan(spider, response, page)
