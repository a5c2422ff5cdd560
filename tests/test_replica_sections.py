"""The replica's other sections (issue 3): the POST-paged document register, documents and their files,
albums and image variants, videos, weekly schedules, static pages, and their ground truth."""
from __future__ import annotations

import hashlib
import http.cookiejar
import io
import re
import struct
import time
import unicodedata
import urllib.error
import urllib.request
import zipfile
from collections import Counter
from urllib.parse import urljoin
from xml.etree import ElementTree

import lxml.html
import pytest

from replica import urls as U
from replica.corpus import Corpus
from replica.router import Router
from replica.server import ReplicaServer
from replica.truth import iter_truth


def collapse(text):
    return unicodedata.normalize("NFC", " ".join((text or "").split()))


@pytest.fixture(scope="module")
def server():
    with ReplicaServer(port=0, articles=300, seed=1) as srv:
        yield srv


@pytest.fixture(scope="module")
def truth(server):
    return list(iter_truth(server.url, articles=300, seed=1))


@pytest.fixture(scope="module")
def by_kind(truth):
    out = {}
    for t in truth:
        out.setdefault(t["kind"], []).append(t)
    return out


@pytest.fixture(scope="module")
def media(by_kind):
    return {m["url"]: m for m in by_kind["media"]}


class Client:
    def __init__(self, cookies=True):
        self.jar = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar)] if cookies else []
        self.opener = urllib.request.build_opener(*handlers)

    def fetch(self, url, data=None, headers=None):
        req = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=10) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def page(self, url, data=None, headers=None):
        status, headers, body = self.fetch(url, data, headers)
        assert status == 200, (url, status)
        return lxml.html.fromstring(body.decode("utf-8")), headers

    def post(self, url, page, headers=None):
        hdrs = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.page(url, f"page={page}&cmd=".encode(), hdrs)


def base_of(doc):
    return doc.xpath("//base/@href")[0]


# --- the document register -------------------------------------------------------------------------
def register_state(doc):
    """(page number shown, first STT, action, row hrefs resolved, gotoPage numbers)."""
    form = doc.xpath('//form[@name="searchvbpq"]')[0]
    rows = doc.xpath('//table[@class="ta_border"]//tr[td]')
    hrefs = [urljoin(base_of(doc), tr.xpath("./td[4]/a/@href")[0]) for tr in rows]
    pages = [int(n) for n in re.findall(r"javascript:gotoPage\((\d+)\)", " ".join(doc.xpath('//ul[@id="tableNavigator"]//a/@href')))]
    return int(form.xpath('.//input[@name="page"]/@value')[0]), int(rows[0].xpath("./td[1]")[0].text), \
        form.get("action"), hrefs, pages


def test_register_markup(server):
    doc, headers = Client().page(server.url + U.REGISTER)
    form = doc.xpath('//form[@name="searchvbpq"]')[0]
    assert form.get("method") == "post" and "/!ut/p/c5/" in form.get("action")
    assert form.xpath('.//input[@type="hidden"]/@name') == ["page", "cmd"]
    assert [collapse(th.text_content()) for th in doc.xpath('//table[@class="ta_border"]//tr[1]/th')] == \
        ["STT", "Số hiệu", "Ngày ban hành", "Trích yếu"]
    rows = doc.xpath('//table[@class="ta_border"]//tr[td]')
    assert len(rows) == 15
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", r.xpath("./td[3]")[0].text) for r in rows)
    assert all(r.xpath("./td[4]/p") and r.xpath("./td[4]/a")[0].text == "Thông tin văn bản" for r in rows)
    hrefs = [r.xpath("./td[4]/a/@href")[0] for r in rows]
    assert any(h.startswith("?1dmy&current=true&urile=wcm:path:/hoangmai/site/van-ban/") for h in hrefs)
    assert any(h.startswith(U.REGISTER + "/") for h in hrefs)
    assert register_state(doc)[4] == [2, 3, 4, 2]  # a few pages ahead, then "»"
    script = " ".join(doc.xpath("//script/text()"))
    assert "function gotoPage(n){document.searchvbpq.page.value=n;document.searchvbpq.submit();}" in script
    # the action changes on every response
    again, _ = Client().page(server.url + U.REGISTER)
    assert again.xpath('//form[@name="searchvbpq"]/@action')[0] != form.get("action")


def test_register_walks_to_the_last_page_only_by_post_with_session(server, by_kind):
    docs = by_kind["document"]
    client = Client()
    doc, _ = client.page(server.url + U.REGISTER)
    shown, first, action, hrefs, pages = register_state(doc)
    assert (shown, first) == (1, 1)
    seen, actions, n = list(hrefs), [action], 1
    while max(pages, default=0) > n:
        doc, headers = client.post(urljoin(server.url, action), n + 1)
        assert headers.get("Set-Cookie") is None  # same session
        shown, first, action, hrefs, pages = register_state(doc)
        n += 1
        assert (shown, first) == (n, 15 * (n - 1) + 1)
        assert action not in actions
        actions.append(action)
        seen += hrefs
    assert n == -(-len(docs) // 15) == 11
    by_friendly = {d["urls"]["friendly"]: d["wcm_path"] for d in docs}
    named = [h.split("urile=wcm:path:")[1] if "urile=wcm:path:" in h else by_friendly[h] for h in seen]
    assert named == [d["wcm_path"] for d in docs]  # every document, newest first, once
    assert any("urile=" in h for h in seen) and any(h in by_friendly for h in seen)
    for href, d in zip(seen, docs):  # and every link opens its document
        assert collapse(client.page(href)[0].xpath("//h1")[0].text_content()) == d["title"]

    def first_stt(d):
        return register_state(d)[1]

    last = urljoin(server.url, action)
    # without the cookie, with another session's action, to a non-action URL, with an unknown session: page 1
    assert first_stt(Client(cookies=False).post(last, 3)[0]) == 1
    other = Client()
    other.page(server.url + U.REGISTER)
    assert first_stt(other.post(last, 3)[0]) == 1
    assert first_stt(client.post(server.url + U.REGISTER, 3)[0]) == 1
    doc, headers = Client(cookies=False).post(last, 3, {"Cookie": "JSESSIONID=0000ABCDEF:-1"})
    assert first_stt(doc) == 1 and "JSESSIONID=" in headers.get("Set-Cookie")
    # a GET of the action is page 1 too; an out-of-range page is page 1
    assert first_stt(client.page(last)[0]) == 1
    doc, _ = client.post(urljoin(server.url, register_state(client.page(server.url + U.REGISTER)[0])[2]), 99)
    assert first_stt(doc) == 1
    # the current action works, and an action issued long ago has expired
    cur = urljoin(server.url, register_state(doc)[2])
    for _ in range(20):
        client.page(server.url + U.REGISTER)
    assert first_stt(client.post(cur, 3)[0]) == 1
    cur = urljoin(server.url, register_state(client.page(server.url + U.REGISTER)[0])[2])
    assert first_stt(client.post(cur, 3)[0]) == 31


def read_document(doc, page_url):
    fields = {collapse(tr.xpath("./th")[0].text_content()): collapse(tr.xpath("./td")[0].text_content()) or None
              for tr in doc.xpath('//table[@id="tabother2"]//tr')}
    atts = []
    for a in doc.xpath('//div[@class="attachments"]//a'):
        url = urljoin(page_url, a.get("href"))
        atts.append({"url": url, "name": collapse(a.text_content()) or url.split("?")[0].rsplit("/", 1)[1]})
    return {"title": collapse(doc.xpath("//h1")[0].text_content()), "number": fields["Số hiệu"],
            "doc_type": fields["Loại văn bản"], "issued_on_raw": fields["Ngày ban hành"],
            "effective_on_raw": fields.get("Ngày hiệu lực"), "issuer": fields["Cơ quan ban hành"],
            "signer": fields["Người ký"], "field": fields["Lĩnh vực"], "summary": fields["Trích yếu"],
            "attachments": atts}


DOC_FIELDS = ("title", "number", "doc_type", "issued_on_raw", "effective_on_raw", "issuer", "signer", "field",
              "summary", "attachments")


def test_every_document_renders_its_truth(server, by_kind):
    docs = by_kind["document"]
    client = Client()
    forms = ("friendly", "poc", "connect", "print")
    for n, t in enumerate(docs):
        url = t["urls"][forms[n % 4]]
        doc, _ = client.page(url)
        assert read_document(doc, url) == {f: t[f] for f in DOC_FIELDS}, url
        assert t["issued_on"] == "-".join(reversed(t["issued_on_raw"].split("/")))
    counts = Counter()
    for t in docs:
        counts["no effective date"] += t["effective_on"] is None
        counts["icon-only link"] += any(a["name"] == a["url"].split("?")[0].rsplit("/", 1)[1] for a in t["attachments"])
        counts.update(a["url"].split("?")[0].rsplit(".", 1)[1] for a in t["attachments"])
        counts[f"{len(t['attachments'])} attachments"] += 1
    assert min(counts.values()) >= 5, counts
    assert set(counts) >= {"pdf", "doc", "docx", "1 attachments", "2 attachments", "3 attachments"}


def check_pdf(body):
    assert body.startswith(b"%PDF-1.4\n") and body.rstrip().endswith(b"%%EOF")
    xref = int(re.search(rb"startxref\n(\d+)\n", body).group(1))
    assert body[xref:xref + 4] == b"xref"
    for n, off in enumerate(re.findall(rb"(\d{10}) 00000 n ", body), 1):
        assert body[int(off):].startswith(b"%d 0 obj" % n)
    assert b" Tj" in body


def check_docx(body):
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert zf.testzip() is None
        assert {"[Content_Types].xml", "word/document.xml"} <= set(zf.namelist())
        root = ElementTree.fromstring(zf.read("word/document.xml"))
        text = "".join(t.text or "" for t in root.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"))
        assert "số" in text or "UBND" in text


def check_doc(body):
    assert body[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    assert struct.unpack_from("<HH", body, 28) == (0xFFFE, 9)
    first_dir = struct.unpack_from("<I", body, 48)[0]
    entry = body[512 * (first_dir + 1) + 128:][:128]
    name_len = struct.unpack_from("<H", entry, 64)[0]
    assert entry[:name_len - 2].decode("utf-16-le") == "WordDocument"
    start, size = struct.unpack_from("<IQ", entry, 116)
    assert body[512 * (start + 1):][:2] == b"\xec\xa5" and len(body) >= 512 * (start + 1) + size


def test_attachments_are_real_files_with_truth_hashes(server, by_kind, media):
    checks = {"pdf": ("application/pdf", check_pdf), "doc": ("application/msword", check_doc),
              "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", check_docx)}
    client = Client()
    seen = Counter()
    for t in by_kind["document"]:
        for att in t["attachments"]:
            url = att["url"]
            assert re.search(r"/wps/wcm/connect/([0-9a-f-]{36})/[^/?]+\.(pdf|docx?)\?MOD=AJPERES&CACHEID=\1$", url), url
            status, headers, body = client.fetch(url)
            ext = url.split("?")[0].rsplit(".", 1)[1]
            mime, check = checks[ext]
            assert status == 200 and headers["Content-Type"] == mime and int(headers["Content-Length"]) == len(body)
            check(body)
            m = media[url]
            assert (m["sha256"], m["size"], m["mime_type"], m["width"], m["height"]) == \
                (hashlib.sha256(body).hexdigest(), len(body), mime, None, None)
            seen[ext] += 1
    assert min(seen.values()) >= 10, seen
    # deterministic: another server of the same seed serves the same bytes
    url = by_kind["document"][3]["attachments"][0]["url"]
    with ReplicaServer(port=0, articles=300, seed=1) as other:
        assert Client().fetch(url.replace(server.url, other.url))[2] == client.fetch(url)[2]
    bad = url.replace("CACHEID=", "X=").split("/wps/wcm/connect/")[1]
    assert client.fetch(server.url + "/wps/wcm/connect/" + bad[:35] + "0" + bad[36:])[0] == 404


# --- gallery and videos ----------------------------------------------------------------------------
def test_album_grid_pages_and_image_variants(server, by_kind, media):
    from PIL import Image

    albums = by_kind["album"]
    client = Client()
    grid, _ = client.page(server.url + U.GALLERY)
    items = grid.xpath('//div[@class="album_grid"]/div[@class="album_item"]')
    assert len(items) == len(albums) >= 12
    assert grid.xpath(f'//a[@href="{U.VIDEOS}"]')
    for item, t in zip(items, albums):
        thumb = urljoin(server.url, item.xpath(".//img/@src")[0])
        link = item.xpath('.//a[@class="album_title"]')[0]
        assert collapse(link.text) == t["title"] and urljoin(server.url, link.get("href")) == t["urls"]["friendly"]
        assert collapse(item.xpath('.//span[@class="date"]')[0].text) == f"({t['published_at_raw']})"
        assert "&CVID=" in thumb and "CACHEID" not in thumb
        first = t["images"][0]["url"]
        assert thumb.split("?")[0] == first.split("?")[0] and thumb != first
        # the same file under both URLs
        a, b = client.fetch(thumb)[2], client.fetch(first)[2]
        assert a == b and hashlib.sha256(a).hexdigest() == media[first]["sha256"]
    for n, t in enumerate(albums):
        url = t["urls"][("friendly", "poc", "connect", "print")[n % 4]]
        doc, _ = client.page(url)
        h1 = doc.xpath("//h1")[0]
        assert collapse(h1.text) == t["title"] and h1.xpath('./span[@class="date"]/text()') == [f"({t['published_at_raw']})"]
        got = []
        for photo in doc.xpath('//div[@class="photo"]'):
            img = photo.xpath(".//img")[0]
            assert photo.xpath("./a/@href") == [img.get("src")]
            cap = photo.xpath('./p[@class="caption"]')
            got.append({"url": urljoin(url, img.get("src")), "caption": collapse(cap[0].text_content()) if cap else None,
                        "alt": collapse(img.get("alt")) or None})
        assert got == t["images"] and 4 <= len(got) <= 10
        slides = re.search(r"var slides = \[(.*?)\];", " ".join(doc.xpath("//script/text()"))).group(1)
        assert [urljoin(url, s) for s in re.findall(r"'([^']+)'", slides)] == [i["url"] for i in t["images"]]
    caps = Counter(i["caption"] is None for t in albums for i in t["images"])
    alts = Counter(i["alt"] is None for t in albums for i in t["images"])
    assert min(caps.values()) >= 10 and min(alts.values()) >= 10
    body = client.fetch(albums[0]["images"][1]["url"])[2]
    assert Image.open(io.BytesIO(body)).size == (640, 400) == (media[albums[0]["images"][1]["url"]]["width"],
                                                                 media[albums[0]["images"][1]["url"]]["height"])


def mp4_boxes(body):
    boxes, pos = [], 0
    while pos < len(body):
        size, kind = struct.unpack_from(">I4s", body, pos)
        assert size >= 8
        boxes.append(kind)
        pos += size
    assert pos == len(body)
    return boxes


def test_video_list_and_the_empty_clip(server, by_kind, media):
    client = Client()
    doc, _ = client.page(server.url + U.VIDEOS)
    items = doc.xpath('//ul[@class="thumbnail_list"]/li')
    assert len(items) >= 8
    parsed = []
    for li in items:
        a = li.xpath('.//a[@class="video_title"]')[0]
        assert a.get("href") == "javascript:void(0)"
        m = re.match(r"playClip\('([^']*)','([^']*)',", a.get("onclick"))
        parsed.append((m.group(1), m.group(2), collapse(a.text), li.xpath('.//p[@class="post_meta"]/text()')[0],
                       urljoin(server.url, li.xpath(".//img/@src")[0])))
    empty = [p for p in parsed if p[0] == ""]
    assert len(empty) == 1
    (e,) = by_kind["empty_media"]
    assert e == {"kind": "empty_media", "page_url": server.url + U.VIDEOS, "title": empty[0][2]}
    videos = by_kind["video"]
    assert [(urljoin(server.url, u), t, d, th) for u, _, t, d, th in parsed if u] == \
        [(v["video_url"], v["title"], v["published_at_raw"], v["thumbnail_url"]) for v in videos]
    for v in videos:
        status, headers, body = client.fetch(v["video_url"])
        assert status == 200 and headers["Content-Type"] == "video/mp4" and int(headers["Content-Length"]) == len(body)
        assert mp4_boxes(body) == [b"ftyp", b"moov", b"mdat"] and body[8:12] == b"isom"
        assert media[v["video_url"]]["sha256"] == hashlib.sha256(body).hexdigest()
        assert v["wcm_path"] is None and v["published_at"].endswith("T00:00:00+07:00")
    assert client.fetch(videos[0]["thumbnail_url"])[1]["Content-Type"] == "image/jpeg"
    home, _ = client.page(server.url + U.HOME)
    gallery, _ = client.page(server.url + U.GALLERY)
    assert home.xpath(f'//td[@class="wpsMainColumn"]//a[@href="{U.VIDEOS}"]') and gallery.xpath(f'//a[@href="{U.VIDEOS}"]')


# --- schedules ---------------------------------------------------------------------------------------
def read_schedule(doc):
    entries, day, date_, left = [], None, None, 0
    for tr in doc.xpath('//table[@class="lich_tuan"]//tr[td]'):
        tds = tr.xpath("./td")
        if left == 0:
            head = tds.pop(0)
            day = collapse(head.xpath("./b")[0].text)
            date_ = re.search(r"\((\d\d/\d\d)\)", head.text_content()).group(1)
            left = int(head.get("rowspan", "1"))
        left -= 1
        time_, content, place, chair = (collapse(td.text_content()) or None for td in tds)
        entries.append({"day": day, "date": date_, "time": time_, "content": content, "place": place, "chair": chair})
    return collapse(doc.xpath("//h1")[0].text_content()), entries


def test_schedules_list_and_weeks(server, by_kind):
    weeks = by_kind["schedule"]
    client = Client()
    before = server.served.copy()
    lst, _ = client.page(server.url + U.SCHEDULES)
    links = [urljoin(server.url, h) for h in lst.xpath('//div[@class="lich_list"]//a/@href')]
    assert links == [w["urls"]["friendly"] for w in weeks] and len(weeks) >= 20
    empty = 0
    for n, w in enumerate(weeks):
        doc, _ = client.page(w["urls"][("friendly", "poc", "connect", "print")[n % 4]])
        title, entries = read_schedule(doc)
        assert title == w["title"]
        assert [{**e, "date": f"{e['date']}/{w['week_start'][:4]}"} for e in entries] == \
            [{**e, "date": "/".join(reversed(e["date"].split("-")))} for e in w["entries"]]
        year, week = w["week"].split("-W")
        assert w["title"].startswith(f"Lịch làm việc tuần {int(week)} (") and w["week_start"].startswith(year)
        empty += sum(v is None for e in entries for v in e.values())
    assert empty >= 20
    assert weeks[0]["title"] == "Lịch làm việc tuần 36 (31/08/2020 - 06/09/2020)" and weeks[0]["week"] == "2020-W36"
    served = server.served - before
    assert served["calendar"] == 0 and served["schedule"] == len(weeks) and served["schedule_list"] == 1
    # the endless calendar is still there, separately
    cal, _ = client.page(server.url + U.CALENDAR)
    assert [a for a in cal.xpath("//a") if a.text == "Tuần sau »"]


# --- static pages -------------------------------------------------------------------------------------
def read_page(doc, url):
    body = doc.xpath('//div[@id="contentBody"]')[0]
    blocks, images = [], []
    for el in body:
        if el.tag == "table":
            blocks += [" | ".join(collapse(c.text_content()) for c in tr.xpath("./td|./th")) for tr in el.xpath(".//tr")]
        elif el.tag == "ul":
            blocks += [collapse(li.text_content()) for li in el.xpath("./li")]
        elif el.xpath(".//img"):
            img = el.xpath(".//img")[0]
            images.append({"url": urljoin(url, img.get("src")), "caption": None, "alt": collapse(img.get("alt")) or None})
        elif el.xpath("./em") and images and images[-1]["caption"] is None:
            images[-1]["caption"] = collapse(el.text_content())
        else:
            blocks.append(collapse(el.text_content()))
    crumbs = [collapse(a.text_content()) for a in doc.xpath('//div[@class="breadcrumb"]/a')]
    return {"title": collapse(doc.xpath("//h1")[0].text_content()), "body_text": "\n\n".join(b for b in blocks if b),
            "images": images, "section": crumbs[-1]}


def test_static_pages_and_businesses(server, by_kind):
    pages = by_kind["page"]
    client = Client()
    for n, t in enumerate(pages):
        url = t["urls"][("friendly", "poc", "connect", "print")[n % 4]]
        doc, _ = client.page(url)
        assert read_page(doc, url) == {f: t[f] for f in ("title", "body_text", "images", "section")}, url
        assert not re.search(r"\d\d/\d\d/\d{4}", collapse(doc.xpath("//h1")[0].text_content()))
        assert t["body_html"].startswith("<") and "style=" not in t["body_html"]
    sections = Counter(t["section"] for t in pages)
    assert sections["Giới thiệu chung"] >= 4 and sections["Hệ thống chính trị"] >= 4
    assert 1 <= sections["Quy hoạch phát triển, KTXH"] <= 2 and sections["Doanh nghiệp"] >= 10
    assert any(t["images"] for t in pages if t["section"] == "Quy hoạch phát triển, KTXH")
    listing, _ = client.page(server.url + U.BUSINESSES)
    links = {urljoin(server.url, h) for h in listing.xpath('//div[@class="dn_list"]//a/@href')}
    assert links == {t["urls"]["friendly"] for t in pages if t["section"] == "Doanh nghiệp"}
    biz = next(t for t in pages if t["section"] == "Doanh nghiệp")
    for label in ("Tên doanh nghiệp", "Địa chỉ", "Điện thoại", "Lĩnh vực"):
        assert f"{label} | " in biz["body_text"]
    for section in ("gioi-thieu-chung", "he-thong-chinh-tri"):
        doc, _ = client.page(server.url + U.static(section))
        assert len(doc.xpath('//div[@class="sub_pages"]//a')) >= 3


# --- navigation, truth, counters ------------------------------------------------------------------------
def test_every_section_is_linked_from_the_home_page(server):
    doc, _ = Client().page(server.url + U.HOME)
    left = {}
    for portlet in doc.xpath('//td[@class="wpsLeftColumn"]/div[@class="wpsPortlet"]'):
        title = portlet.xpath('.//span[@class="wpsPortletTitleText"]/text()')[0]
        left[title] = set(portlet.xpath('.//div[@class="wpsPortletBody"]//a/@href'))
    top = set(doc.xpath('//table[@class="wpsTopNav"]//a/@href'))
    sections = {"Giới thiệu chung": U.static("gioi-thieu-chung"), "Hệ thống chính trị": U.static("he-thong-chinh-tri"),
                "Tin tức sự kiện": U.PORTAL + "/tin-tuc-su-kien", "Lịch làm việc": U.SCHEDULES,
                "Quy hoạch phát triển, KTXH": U.static("quy-hoach-phat-trien"), "Văn bản chỉ đạo điều hành": U.REGISTER,
                "Doanh nghiệp": U.BUSINESSES, "Thư viện ảnh": U.GALLERY}
    assert list(left) == list(sections)
    for title, url in sections.items():
        assert url in left[title] and url in top, title
    assert U.CALENDAR in left["Lịch làm việc"] and U.VIDEOS in left["Thư viện ảnh"]
    assert doc.xpath(f'//td[@class="wpsMainColumn"]//a[@href="{U.VIDEOS}"]')


KEYS = {
    "document": {"kind", "wcm_path", "urls", "title", "number", "issued_on", "issued_on_raw", "effective_on",
                 "effective_on_raw", "issuer", "signer", "field", "doc_type", "summary", "attachments"},
    "album": {"kind", "wcm_path", "urls", "title", "published_at", "published_at_raw", "images"},
    "video": {"kind", "wcm_path", "urls", "title", "published_at", "published_at_raw", "video_url", "thumbnail_url"},
    "schedule": {"kind", "wcm_path", "urls", "title", "week", "week_start", "entries"},
    "page": {"kind", "wcm_path", "urls", "title", "body_text", "body_html", "images", "section"},
    "media": {"kind", "url", "sha256", "size", "mime_type", "width", "height"},
    "empty_media": {"kind", "page_url", "title"},
}


def test_truth_keys_per_kind_and_media_coverage(by_kind):
    for kind, keys in KEYS.items():
        assert by_kind[kind] and all(set(t) == keys for t in by_kind[kind]), kind
    for kind in ("document", "album", "schedule", "page"):
        paths = [t["wcm_path"] for t in by_kind[kind]]
        assert len(set(paths)) == len(paths) and all(p == p.lower() and p.startswith("/hoangmai/site/") for p in paths)
        assert all(set(t["urls"]) == {"friendly", "poc", "connect", "print"} for t in by_kind[kind])
    assert all(set(e) == {"day", "date", "time", "content", "place", "chair"} for t in by_kind["schedule"]
               for e in t["entries"])
    assert all(set(a) == {"url", "name"} for t in by_kind["document"] for a in t["attachments"])
    for t in by_kind["document"] + by_kind["album"] + by_kind["page"] + by_kind["schedule"]:
        for value in (t.get("title"), t.get("summary"), t.get("body_text")):
            assert value is None or (unicodedata.is_normalized("NFC", value) and value == value.strip())
    urls = [m["url"] for m in by_kind["media"]]
    assert len(set(urls)) == len(urls)
    wanted = {i["url"] for k in ("article", "album", "page") for t in by_kind[k] for i in t["images"]}
    wanted |= {a["url"] for t in by_kind["document"] for a in t["attachments"]}
    wanted |= {v["video_url"] for v in by_kind["video"]}
    assert set(urls) == wanted
    for m in by_kind["media"]:
        assert re.fullmatch(r"[0-9a-f]{64}", m["sha256"]) and m["size"] > 0
        assert (m["width"] is None) == (not m["mime_type"].startswith("image/"))


def test_served_counter_names(server, by_kind):
    before = server.served.copy()
    client = Client()
    for url in (server.url + U.REGISTER, by_kind["document"][0]["urls"]["friendly"], server.url + U.GALLERY,
                by_kind["album"][0]["urls"]["poc"], server.url + U.VIDEOS, server.url + U.SCHEDULES,
                by_kind["schedule"][0]["urls"]["connect"], by_kind["page"][0]["urls"]["friendly"],
                server.url + U.BUSINESSES):
        client.page(url)
    served = server.served - before
    assert served == Counter({"document_register": 1, "document": 1, "gallery": 1, "album": 1, "video_list": 1,
                              "schedule_list": 1, "schedule": 1, "static_page": 1, "business_list": 1})


def test_sections_are_deterministic_and_scale(server, by_kind):
    sections = ("document", "album", "video", "empty_media", "schedule", "page", "media")
    again = [t for t in iter_truth(server.url, 300, 1) if t["kind"] in sections]
    assert again == [t for kinds in sections for t in by_kind[kinds]]
    other = [t for t in iter_truth(server.url, 300, 2, media=False) if t["kind"] == "document"]
    assert [t["wcm_path"] for t in other] != [t["wcm_path"] for t in by_kind["document"]]
    small = Counter(t["kind"] for t in iter_truth(server.url, 10, 1, documents=20, media=False))
    assert small["document"] == 20 and "media" not in small
    started = time.monotonic()
    big = Corpus(300, 1, documents=200000)
    router = Router(big)
    d = big.documents.get(199999)
    resp = router.handle(d.friendly, "http://h")
    assert resp.status == 200 and d.number in resp.body.decode()
    assert big.documents.pages() == 13334
    assert time.monotonic() - started < 2.0
    with ReplicaServer(port=0, documents=40) as srv:
        doc, _ = Client().page(srv.url + U.REGISTER)
        assert register_state(doc)[4] == [2, 3, 2]


def test_state_urls_and_bookmarks_of_section_views(server, by_kind):
    client = Client()
    urls = [server.url + u for u in (U.REGISTER, U.GALLERY, U.VIDEOS, U.SCHEDULES, U.BUSINESSES)]
    urls += [by_kind[k][1]["urls"]["friendly"] for k in ("document", "album", "schedule", "page")]
    for url in urls:
        doc, _ = client.page(url)
        assert doc.xpath('//link[@rel="bookmark"]/@href') == [url]
        again, _ = client.page(base_of(doc))  # the base href is a state URL of the same view
        assert base_of(again) != base_of(doc) and again.xpath('//link[@rel="bookmark"]/@href') == [url]
        assert collapse(again.xpath('//span[@class="wpsPortletTitleText"]')[-1].text) == \
            collapse(doc.xpath('//span[@class="wpsPortletTitleText"]')[-1].text)
    for path in ("/wps/portal/hoangmai/van-ban-chi-dao-dieu-hanh/khong-co-123", "/wps/portal/hoangmai/thu-vien-anh/x-99",
                 "/wps/portal/hoangmai/lich-lam-viec/tuan-37-2020", "/wps/portal/hoangmai/doanh-nghiep/khong-co"):
        doc, _ = client.page(server.url + path)
        assert doc.xpath('//link[@rel="bookmark"]/@href') == [server.url + U.HOME], path
    for path in ("/wps/wcm/connect/hoangmai/site/van-ban/khong-co-1", "/wps/wcm/connect/hoangmai/site/lich-lam-viec/tuan-99-2020"):
        assert client.fetch(server.url + path)[0] == 404
