"""The offline replica of the Hoàng Mai portal: URL space, traps, encodings, truth consistency."""
from __future__ import annotations

import argparse
import http.cookiejar
import io
import json
import re
import time
import unicodedata
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

import lxml.html
import pytest

from replica import cfemail, states
from replica import cli as replica_cli
from replica import urls as U
from replica.corpus import Corpus
from replica.router import Router
from replica.server import ReplicaServer
from replica.truth import iter_truth

SEED_DUMP = Path("/work/shared/seed/000_ecc20be5b7a49822.txt")
RIGHT = re.compile(r"text-align\s*:\s*right", re.I)
CENTER = re.compile(r"text-align\s*:\s*center", re.I)


# --- a small reference reader of the replica's markup (checks that the HTML says what the truth says) ---
def collapse(text):
    return unicodedata.normalize("NFC", " ".join((text or "").split()))


def text_of(el):
    for a in el.xpath('.//a[@data-cfemail]'):
        a.text = cfemail.decode(a.get("data-cfemail"))
        for child in list(a):
            a.remove(child)
    return collapse(el.text_content())


def image_of(img, base):
    src = img.get("data-src") or img.get("src")
    alt = collapse(img.get("alt")) if img.get("alt") is not None else None
    return {"url": urljoin(base, src), "caption": None, "alt": alt or None}


def read_article(html_text: str, base: str) -> dict:
    doc = lxml.html.fromstring(html_text)
    h1 = doc.xpath('//h1[@class="title"]')[0]
    date = h1.xpath('./span[@class="date"]')[0]
    raw = collapse(date.text_content()).strip("()")
    date.drop_tree()
    summary = doc.xpath('//div[@class="summary"]')
    body = doc.xpath('//div[@id="contentBody"]')[0]
    elems = []
    for el in body:
        elems.extend(list(el) if el.get("class") == "WordSection1" else [el])
    blocks, images, byline = [], [], []
    for el in elems:
        style = (el.get("style") or "") + " align=" + (el.get("align") or "")
        imgs = el.xpath(".//img")
        if el.tag == "table" and "image" in (el.get("class") or ""):
            images.append(image_of(imgs[0], base))
            images[-1]["caption"] = text_of(el.xpath(".//tr")[1]) or None
        elif el.tag == "table":
            blocks += [" | ".join(text_of(c) for c in tr.xpath("./td|./th")) for tr in el.xpath(".//tr")]
        elif el.tag == "ul":
            blocks += [text_of(li) for li in el.xpath("./li")]
        elif imgs:
            images.append(image_of(imgs[0], base))
        elif el.tag == "p" and CENTER.search(style) and el.xpath("./em") and images and images[-1]["caption"] is None \
                and el.getprevious() is not None and el.getprevious().xpath(".//img"):
            images[-1]["caption"] = text_of(el)
        elif el.tag == "p" and (RIGHT.search(style) or "align=right" in style):
            byline.append(el)
        else:
            blocks.append(text_of(el))
    author = role = source = None
    for line in byline:
        text = text_of(line)
        if text.startswith(("Theo ", "Nguồn:")):
            source = re.sub(r"^(Theo |Nguồn:)\s*", "", text).rstrip(".")
        elif line.xpath("./strong|./b"):
            author = text
        else:
            role = text
    crumbs = [collapse(a.text_content()) for a in doc.xpath('//div[@class="breadcrumb"]/a')]
    lead = text_of(summary[0]) if summary else None
    return {"title": text_of(h1), "published_at_raw": raw, "summary": lead,
            "body_text": "\n\n".join(b for b in [lead, *blocks] if b), "author": author, "author_role": role,
            "source": source, "images": images, "section": crumbs[-1]}


FIELDS = ("title", "published_at_raw", "summary", "body_text", "author", "author_role", "source", "images", "section")


def decode(body: bytes, content_type: str) -> str:
    charset = re.search(r"charset=([\w-]+)", content_type).group(1)
    return unicodedata.normalize("NFC", body.decode(charset))


# --- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server():
    with ReplicaServer(port=0, articles=300, seed=1) as srv:
        yield srv


@pytest.fixture(scope="module")
def truth(server):
    return list(iter_truth(server.url, articles=300, seed=1))


@pytest.fixture(scope="module")
def articles(truth):
    return [t for t in truth if t["kind"] == "article"]


class Client:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url):
        """(status, headers, bytes, final url) without raising on 4xx."""
        try:
            with self.opener.open(url, timeout=10) as r:
                return r.status, r.headers, r.read(), r.geturl()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read(), url

    def html(self, url):
        status, headers, body, final = self.get(url)
        assert status == 200, (url, status)
        return decode(body, headers["Content-Type"]), final


@pytest.fixture()
def client():
    return Client()


def base_of(html_text):
    return lxml.html.fromstring(html_text).xpath("//base/@href")[0]


def bookmark_of(html_text):
    return lxml.html.fromstring(html_text).xpath('//link[@rel="bookmark"]/@href')[0]


# --- basics -----------------------------------------------------------------------------------------
def test_root_redirect_robots_and_session_cookie(server, client):
    html_text, final = client.html(server.url + "/")
    assert final == server.url + "/wps/portal/hoangmai/"
    assert "Tin nổi bật" in html_text
    assert any(c.name == "JSESSIONID" and c.path == "/" for c in client.jar)
    status, headers, body, _ = client.get(server.url + "/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert body.decode().splitlines() == ["User-agent: *", "Disallow: /wps/myportal/",
                                         "Disallow: /wps/portal/hoangmai/tim-kiem"]
    # with a session cookie, no new one is set
    status, headers, _, _ = client.get(server.url + "/robots.txt")
    assert headers.get("Set-Cookie") is None


def test_keep_alive_and_content_length(server):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    for path in ("/robots.txt", "/wps/portal/hoangmai/", "/nope"):
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        assert int(resp.getheader("Content-Length")) == len(body)
    conn.close()


def test_theme_chrome_and_left_portlets(server, client):
    html_text, _ = client.html(server.url + "/wps/portal/hoangmai/")
    doc = lxml.html.fromstring(html_text)
    titles = [t.text for t in doc.xpath('//td[@class="wpsLeftColumn"]//span[@class="wpsPortletTitleText"]')]
    assert titles == ["Giới thiệu chung", "Hệ thống chính trị", "Tin tức sự kiện", "Lịch làm việc",
                      "Quy hoạch phát triển, KTXH", "Văn bản chỉ đạo điều hành", "Doanh nghiệp", "Thư viện ảnh"]
    assert len(re.findall(r">Skip portlet</a><a [^>]*><img [^>]*></a><a [^>]*>Portlet Menu</a>", html_text)) == 8
    assert "Skip portletPortlet Menu" in doc.xpath('//td[@class="wpsPortletIcons"]')[0].text_content()
    assert len(re.findall(r'<a name="skip_7_', html_text)) == 8
    menu = doc.xpath('//a[@class="wpsPortletMenuNoJS"]/@href')[0]
    assert re.search(r"/!ut/p/c5/[^/]+/dl3/d3/[^/]+/pw/Z7_\w+/pm=help/-/$", menu)
    assert base_of(html_text).startswith(server.url + "/wps/portal/hoangmai/!ut/p/c5/")
    assert base_of(html_text).endswith("/dl3/d3/L2dBISEvZ0FBIS9nQSEh/")
    assert bookmark_of(html_text) == server.url + "/wps/portal/hoangmai/"


# --- content identity -------------------------------------------------------------------------------
def test_same_seed_same_content(server, truth):
    with ReplicaServer(port=0, articles=300, seed=1) as other:
        assert list(iter_truth(server.url, 300, 1)) == truth
        k = 2
        m = other.corpus.meta(k)
        pages = [Client().html(s.url + U.friendly(m))[0] for s in (server, other)]
        norm = [re.sub(r"!ut/p/c5/[^/\"]+", "!ut/p/c5/X", p.replace(s.url, "HOST")) for p, s in zip(pages, (server, other))]
        assert norm[0] == norm[1]
    assert list(iter_truth(server.url, 300, 2)) != truth


def test_state_blob_changes_on_every_render(server, client):
    url = server.url + "/wps/portal/hoangmai/tin-tuc-su-kien/kinh-te"
    first, second = client.html(url)[0], client.html(url)[0]
    assert base_of(first) != base_of(second)
    views = [states.decode_blob(b.split("/!ut/p/c5/")[1].split("/")[0])[0] for b in (base_of(first), base_of(second))]
    assert views[0] == views[1] == states.View(states.LISTING, 2, 1)
    # the base href itself renders the same view again, with a fresh base
    again = client.html(base_of(first))[0]
    assert base_of(again) not in (base_of(first), base_of(second))
    assert bookmark_of(again) == url


def test_five_url_forms_render_the_same_article(server, client, articles):
    home, _ = client.html(server.url + "/wps/portal/hoangmai/")
    featured = lxml.html.fromstring(home).xpath('//div[@class="hot_news"]//a')[0]
    state_url = urljoin(base_of(home), featured.get("href"))
    assert "/!ut/p/c5/" in state_url
    html_text, _ = client.html(state_url)
    print_url = lxml.html.fromstring(html_text).xpath('//div[@class="tools"]/a[img]/@href')[0]
    wcm_path = re.search(r"/wps/wcm/connect(/[^?]+)", print_url).group(1)
    t = next(a for a in articles if a["wcm_path"] == wcm_path)
    urls = [state_url, t["urls"]["friendly"], t["urls"]["poc"], t["urls"]["connect"], t["urls"]["print"],
            urljoin(base_of(html_text), U.poc_query(wcm_path))]
    for url in urls:
        page, _ = client.html(url)
        got = read_article(page, server.url)
        assert {f: got[f] for f in FIELDS} == {f: t[f] for f in FIELDS}, url
    assert "/pt_print" in t["urls"]["print"] and "theme" not in t["urls"]["connect"]
    connect_page, _ = client.html(t["urls"]["connect"])
    assert "wpsPortlet" not in connect_page and "Đầu trang" in connect_page
    print_page, _ = client.html(t["urls"]["print"])
    assert "wpsPortlet" not in print_page and "Đầu trang" not in print_page


def test_article_page_shows_title_twice_then_with_date(server, client, articles):
    seed = articles[0]
    page, _ = client.html(seed["urls"]["friendly"])
    doc = lxml.html.fromstring(page)
    bar = collapse(doc.xpath('//td[@class="wpsMainColumn"]//td[@class="wpsPortletTitle"]')[0].text_content())
    assert bar == f"{seed['title']} {seed['title']}"
    assert collapse(doc.xpath("//h1")[0].text_content()) == f"{seed['title']} (03/09/2020 07:55 AM)"
    crumbs = [collapse(a.text_content()) for a in doc.xpath('//div[@class="breadcrumb"]/a')]
    assert crumbs == ["Trang chủ", "Tin tức sự kiện", "Chính trị - Xây dựng Đảng"]
    tools = collapse(doc.xpath('//div[@class="tools"]')[0].text_content())
    assert tools == "| Gửi email | Quay lại | Đầu trang"
    assert len(doc.xpath('//div[@class="other-news"]//li')) == 5
    assert len(doc.xpath('//div[@class="related-news"]//a[contains(@href, "urile=wcm:path:")]')) == 3


def test_every_article_renders_its_truth(server, articles):
    router = Router(Corpus(300, 1))
    for t in articles:
        resp = router.handle(t["urls"]["friendly"][len(server.url):], server.url)
        got = read_article(decode(resp.body, dict(resp.headers)["Content-Type"]), server.url)
        assert {f: got[f] for f in FIELDS} == {f: t[f] for f in FIELDS}, t["wcm_path"]


def test_variants_all_occur_many_times(server, articles):
    router = Router(Corpus(300, 1))
    html_by = {t["wcm_path"]: router.handle(t["urls"]["connect"][len(server.url):], server.url).body for t in articles}
    enc = Counter(t["encoding"] for t in articles)
    assert enc["windows-1258"] == 1 and 8 <= enc["utf-8-nfd"] <= 40
    assert articles[0]["encoding"] == "utf-8"
    counts = Counter()
    for t in articles:
        raw = html_by[t["wcm_path"]]
        counts["name+role"] += bool(t["author"] and t["author_role"])
        counts["name only"] += bool(t["author"] and not t["author_role"] and not t["source"])
        counts["source only"] += bool(t["source"] and not t["author"])
        counts["name+source"] += bool(t["source"] and t["author"])
        counts["no byline"] += not (t["author"] or t["source"])
        counts["no lead"] += t["summary"] is None
        counts["word"] += b"MsoNormal" in raw
        counts["entities"] += b"&#7" in raw
        counts["ul"] += b"<ul" in raw.split(b'class="tools"')[0]
        counts["table"] += b"<table border" in raw or b"MsoTableGrid" in raw
        counts["h3"] += b"<h3>" in raw.split(b'class="tools"')[0]
        counts["lazy"] += raw.count(b"data-src=")
        counts["caption table"] += raw.count(b'class="image"')
        counts["no caption"] += sum(i["caption"] is None for i in t["images"])
        counts["alt"] += sum(i["alt"] is not None for i in t["images"])
        counts["no alt"] += sum(i["alt"] is None for i in t["images"])
        counts["0 images"] += not t["images"]
        counts["3 images"] += len(t["images"]) == 3
        counts["cf email"] += b"__cf_email__" in raw
    assert counts["cf email"] == 1
    del counts["cf email"]
    assert min(counts.values()) >= 10, counts
    cf = next(t for t in articles if b"__cf_email__" in html_by[t["wcm_path"]])
    assert "@hoangmai.gov.vn" in cf["body_text"] or "@nghean.gov.vn" in cf["body_text"] or "@gmail.com" in cf["body_text"]
    assert all(re.match(r"\d\d/\d\d/20\d\d \d\d:\d\d [AP]M$", t["published_at_raw"]) for t in articles)
    assert all(2012 <= int(t["published_at"][:4]) <= 2024 for t in articles)
    assert all(6 <= len(t["title"].split()) <= 17 for t in articles)


# --- listings and pagination ------------------------------------------------------------------------
def listing_paths(page_html):
    hrefs = lxml.html.fromstring(page_html).xpath('//div[@class="list_news"]//span[@class="newtitle"]/a/@href')
    assert all(h.startswith("?1dmy&current=true&urile=wcm:path:") for h in hrefs)
    return [h.split("wcm:path:")[1] for h in hrefs]


def test_pager_deltas_resolve_only_against_base(server, client, truth):
    lst = next(t for t in truth if t["kind"] == "listing" and t["category"] == "tin-tuc-su-kien/kinh-te")
    assert lst["pages"] == 5
    page_url = lst["url"]
    html_text, _ = client.html(page_url)
    assert listing_paths(html_text) == lst["wcm_paths"][:10]
    doc = lxml.html.fromstring(html_text)
    ids = doc.xpath('//div[@class="page"]/a/@id')
    assert ids == ["pc0_linkToPage_1", "pc0_linkToPage_2", "pc0_linkToPage_3", "pc0_linkToPage_4",
                   "pc0_nextPage", "pc0_lastPage"]
    href = doc.xpath('//a[@id="pc0_linkToPage_2"]/@href')[0]
    assert doc.xpath('//a[@id="pc0_linkToPage_2"]/@title') == ["link to page 2"]
    assert re.match(r"^p0/IZ7_\w+=CZ6_\w+=NJ[\w-]+=/$", href)
    good, _ = client.html(urljoin(base_of(html_text), href))
    assert listing_paths(good) == lst["wcm_paths"][10:20]
    for wrong in (urljoin(page_url, href), urljoin(page_url + "/", href), urljoin(base_of(good), href)):
        bad, _ = client.html(wrong)
        assert "list_news" not in bad and "Tin nổi bật" in bad and bookmark_of(bad) == server.url + U.HOME, wrong
    # walking "next" through the base collects the whole category, in order
    seen, current = [], html_text
    while True:
        seen += listing_paths(current)
        nxt = lxml.html.fromstring(current).xpath('//a[@id="pc0_nextPage"]/@href')
        if not nxt:
            break
        current, _ = client.html(urljoin(base_of(current), nxt[0]))
    assert seen == lst["wcm_paths"]
    # the window shows only cur-2 .. cur+3
    last_href = doc.xpath('//a[@id="pc0_lastPage"]/@href')[0]
    last, _ = client.html(urljoin(base_of(html_text), last_href))
    nums = lxml.html.fromstring(last).xpath('//a[starts-with(@id, "pc0_linkToPage_")]/text()')
    assert nums == ["3", "4", "5"]


def test_parent_category_and_home_blocks(server, client, truth):
    parent = next(t for t in truth if t["kind"] == "listing" and t["category"] == "tin-tuc-su-kien")
    html_text, _ = client.html(parent["url"])
    hrefs = lxml.html.fromstring(html_text).xpath('//div[@class="sub_cat"]//li/a/@href')
    assert [h.rsplit("/", 1)[1] for h in hrefs] == [p.rsplit("/", 1)[1] for p in parent["wcm_paths"]]
    home = next(t for t in truth if t["kind"] == "home")
    html_text, _ = client.html(home["url"])
    doc = lxml.html.fromstring(html_text)
    assert len(doc.xpath('//div[@class="hot_news"]//a')) == 10
    assert doc.xpath('//div[@class="more"]/a/text()') == ["Xem toàn bộ danh sách"] * 4
    for block in home["blocks"]:
        assert block["more_url"][len(server.url):] in doc.xpath('//div[@class="more"]/a/@href')


# --- traps and soft 404s ----------------------------------------------------------------------------
def test_soft_404_and_real_404(server, client, truth):
    soft = next(t for t in truth if t["kind"] == "soft404")
    for url in (soft["url"], server.url + "/wps/portal/hoangmai/!ut/p/c5/garbage/dl3/d3/L2dBISEvZ0FBIS9nQSEh/",
                server.url + "/wps/portal/hoangmai/tin-tuc-su-kien/kinh-te/khong-co-bai-nay-99999",
                server.url + "/wps/portal/hoangmai/gioi-thieu-chung/khong-co-trang-nay"):
        html_text, _ = client.html(url)
        assert "Tin nổi bật" in html_text and bookmark_of(html_text) == soft["bookmark"]
    for path in ("/khong-co", "/wps/wcm/connect/hoangmai/site/khong-co-1",
                 "/wps/wcm/connect/12345678-1234-4234-8234-123456789012/x.jpg?MOD=AJPERES"):
        assert client.get(server.url + path)[0] == 404


def test_calendar_trap_keeps_deepening(server, client, truth):
    trap = next(t for t in truth if t["kind"] == "trap")
    url, seen = trap["url"], []
    for _ in range(8):
        html_text, _ = client.html(url)
        link = [a for a in lxml.html.fromstring(html_text).xpath("//a") if a.text == trap["link_text"]][0]
        url = urljoin(base_of(html_text), link.get("href"))
        seen.append(url)
    assert len(set(seen)) == len(seen)
    assert all(len(a) < len(b) for a, b in zip(seen, seen[1:]))
    assert "Lịch làm việc tuần từ ngày" in client.html(url)[0]


# --- encodings --------------------------------------------------------------------------------------
def test_windows_1258_article(server, client, articles):
    (t,) = [a for a in articles if a["encoding"] == "windows-1258"]
    status, headers, body, _ = client.get(t["urls"]["friendly"])
    assert headers["Content-Type"] == "text/html; charset=windows-1258"
    assert b'<meta charset="windows-1258">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = unicodedata.normalize("NFC", body.decode("cp1258"))
    got = read_article(text, server.url)
    assert {f: got[f] for f in FIELDS} == {f: t[f] for f in FIELDS}


def test_nfd_articles(server, client, articles):
    nfd = [a for a in articles if a["encoding"] == "utf-8-nfd"]
    status, headers, body, _ = client.get(nfd[0]["urls"]["poc"])
    raw = body.decode("utf-8")
    assert not unicodedata.is_normalized("NFC", raw)
    assert unicodedata.normalize("NFD", nfd[0]["title"]) in raw
    got = read_article(unicodedata.normalize("NFC", raw), server.url)
    assert {f: got[f] for f in FIELDS} == {f: nfd[0][f] for f in FIELDS}


def test_truth_is_nfc_and_follows_the_contract(articles):
    keys = {"kind", "wcm_path", "urls", "title", "published_at", "published_at_raw", "summary", "body_text", "author",
            "author_role", "source", "images", "section", "encoding"}
    for t in articles:
        assert set(t) == keys
        assert set(t["urls"]) == {"friendly", "poc", "connect", "print"}
        for f in ("title", "summary", "body_text", "author", "author_role", "source"):
            assert t[f] is None or (unicodedata.is_normalized("NFC", t[f]) and t[f] == t[f].strip())
        assert t["wcm_path"] == t["wcm_path"].lower() and t["wcm_path"].startswith("/hoangmai/site/")
        for img in t["images"]:
            assert "/wps/themes/" not in img["url"] and "MOD=AJPERES&CACHEID=" in img["url"]
    assert len({t["wcm_path"] for t in articles}) == len(articles)


# --- the seed article -------------------------------------------------------------------------------
def test_seed_article_equals_the_dump(server, client, articles):
    lines = SEED_DUMP.read_text(encoding="utf-8").split("\n")
    i = next(n for n, line in enumerate(lines) if line.endswith("(03/09/2020 07:55 AM)"))
    title_line = lines[i]
    paras = []
    for line in lines[i + 1:]:
        if "Đầu trang" in line:
            break
        if line.strip():
            paras.append(line.strip())
    lead, p1, cap1, p2, p3, p4, p5, cap2, p6, p7, p8, author, role = paras
    seed = articles[0]
    assert f"{seed['title']} ({seed['published_at_raw']})" == title_line
    assert lines[i - 2].strip() == f"{seed['title']} {seed['title']}"
    assert seed["published_at"] == "2020-09-03T07:55:00+07:00"
    assert seed["summary"] == lead
    assert seed["body_text"] == "\n\n".join([lead, p1, p2, p3, p4, p5, p6, p7, p8])
    assert seed["body_text"].startswith("Công tác tổ chức cán bộ có ý nghĩa to lớn")
    assert [img["caption"] for img in seed["images"]] == [cap1, cap2]
    assert [img["alt"] for img in seed["images"]] == [None, None]
    assert (seed["author"], seed["author_role"], seed["source"]) == (author, role, None)
    assert seed["section"] == "Chính trị - Xây dựng Đảng"
    page, _ = client.html(seed["urls"]["friendly"])
    got = read_article(page, server.url)
    assert {f: got[f] for f in FIELDS} == {f: seed[f] for f in FIELDS}
    # the image paragraphs sit exactly where the dump shows blank lines
    doc = lxml.html.fromstring(page)
    kids = [("img" if k.xpath(".//img") else collapse(k.text_content())[:20]) for k in doc.xpath('//div[@id="contentBody"]/*')]
    assert kids[1] == "img" and kids[2] == cap1[:20] and kids[7] == "img" and kids[8] == cap2[:20]


# --- media ------------------------------------------------------------------------------------------
def test_media_are_real_images(server, client, articles):
    from PIL import Image

    url = next(i["url"] for a in articles for i in a["images"])
    status, headers, body, _ = client.get(url)
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(body)).size == (320, 200)
    assert client.get(url)[2] == body
    status, headers, body, _ = client.get(server.url + "/wps/skins/html/IBM/title_minheight.gif")
    assert headers["Content-Type"] == "image/gif" and Image.open(io.BytesIO(body)).size == (1, 1)
    status, headers, body, _ = client.get(server.url + "/wps/themes/html/HoangMai/styles.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")


# --- scale and CLI ----------------------------------------------------------------------------------
def test_fifty_thousand_articles_start_fast():
    started = time.monotonic()
    with ReplicaServer(port=0, articles=50000, seed=1) as big:
        assert time.monotonic() - started < 2.0
        m = big.corpus.meta(49999)
        html_text, _ = Client().html(big.url + U.friendly(m))
        assert m.title in lxml.html.fromstring(html_text).xpath("//h1")[0].text_content()
        lst = Client().html(big.url + "/wps/portal/hoangmai/tin-tuc-su-kien/chinh-tri")[0]
        assert lxml.html.fromstring(lst).xpath('//a[@id="pc0_lastPage"]')
    assert time.monotonic() - started < 5.0


def test_cli_arguments_and_truth_dump(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    replica_cli.add_arguments(parser)
    args = parser.parse_args([])
    assert (args.host, args.port, args.articles, args.seed, args.dump_truth) == ("127.0.0.1", 8080, 300, 1, None)
    assert args.documents == 160
    out = tmp_path / "truth.jsonl"
    args = parser.parse_args(["--articles", "20", "--documents", "30", "--port", "9999", "--dump-truth", str(out)])
    assert replica_cli.run(args) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    kinds = Counter(t["kind"] for t in lines)
    assert kinds.pop("media") > 30
    assert kinds == {"home": 1, "listing": 8, "article": 20, "document": 30, "album": 14, "video": 9, "empty_media": 1,
                     "schedule": 24, "page": 23, "soft404": 1, "trap": 1}
    assert lines[-1]["url"] == "http://127.0.0.1:9999/wps/portal/hoangmai/lich-lam-viec"
    assert "Tiểu học" in out.read_text(encoding="utf-8")  # ensure_ascii=False
