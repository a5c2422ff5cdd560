"""Bad input never raises; decoding (charsets, BOM, windows-1258, NFD); CLI; small units."""
from __future__ import annotations

import argparse
import io
import json
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipelines.extract import RECORD_KEYS, extract_record  # noqa: E402
from pipelines.extract import cli  # noqa: E402
from pipelines.extract.authors import is_author_line, source_of  # noqa: E402
from pipelines.extract.chrome import is_action_text, is_related_heading  # noqa: E402
from pipelines.extract.decode import decode_html  # noqa: E402

PAGES = ROOT / "tests" / "fixtures" / "pages"
URL = "http://hoangmai.nghean.gov.vn/wps/portal/hoangmai/tin-tuc-su-kien/a"


# ------------------------------------------------------------------ never raise

@pytest.mark.parametrize("body", [
    b"",
    b"   \n\t ",
    b"\x00\x01\x02\x03" * 100,
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"<html><body><p>truncated <b>html <a href='",
    b"<<<<>>>>",
    b"plain text without any markup at all",
    b"<?xml version='1.0' encoding='utf-8'?><html><body><p>xml decl</p></body></html>",
    "<html><body><p>đã là str</p></body></html>",
    b"<html><head><meta charset='bogus-charset'></head><body>\xff\xfe\xfd</body></html>",
    b"<html><body>" + b"<div>" * 3000 + b"deep" + b"</div>" * 3000 + b"</body></html>",
])
def test_bad_input_never_raises(body):
    rec = extract_record(body, URL)
    for k in RECORD_KEYS:
        assert k in rec
    assert rec["page_type"] in ("other", "listing", "article", "page")
    json.dumps(rec, ensure_ascii=False)


@pytest.mark.parametrize("body", [b"", b"\x00\x01\x02\x03" * 100, b"%PDF-1.4 binary", None])
def test_bad_input_has_error(body):
    rec = extract_record(body, URL)
    assert rec["page_type"] == "other"
    assert rec["error"]


def test_non_html_content_type():
    rec = extract_record(b"\xff\xd8\xff\xe0\x00\x10JFIF", URL, content_type="image/jpeg")
    assert rec["page_type"] == "other" and rec["error"]


def test_truncated_document_is_an_error():
    data = (PAGES / "dotnet_province_news.html").read_bytes()
    cut = data[: data.index("Kết luận cuộc họp".encode())]
    rec = extract_record(cut, "https://www.nghean.gov.vn/a.aspx")
    assert rec["page_type"] == "other"
    assert "truncated" in rec["error"]
    assert rec["body_text"] == ""


def test_fragment_without_document_tags_is_not_truncated():
    html = ("<h1>Thông báo tuyển dụng viên chức năm 2020</h1><p>UBND thị xã thông báo tuyển dụng viên chức "
            "làm việc tại các đơn vị sự nghiệp công lập, hạn nộp hồ sơ đến hết ngày 30/9/2020 tại trụ sở.</p>")
    rec = extract_record(html.encode(), "https://x.gov.vn/tin-tuc/tuyen-dung")
    assert "error" not in rec
    # a date inside the body text (a deadline) is no publication date: without one the page is a static page
    assert rec["page_type"] == "page" and rec["kind"] == "page"
    assert rec["title"] == "Thông báo tuyển dụng viên chức năm 2020" and rec["published_at"] is None
    dated = html.replace("</h1>", "</h1><p class=\"date\">Ngày đăng: 01/09/2020</p>")
    rec = extract_record(dated.encode(), "https://x.gov.vn/tin-tuc/tuyen-dung")
    assert rec["page_type"] == "article" and rec["published_at"] == "2020-09-01T00:00:00+07:00"


# ------------------------------------------------------------------ decoding

VN = "Công tác tổ chức cán bộ là nhiệm vụ then chốt trong công tác xây dựng Đảng ở thị xã Hoàng Mai"


def _cp1258(s: str) -> bytes:
    mods = {"\u0302", "\u0306", "\u031b"}
    out = bytearray()
    for ch in s:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        base = d[0] + "".join(c for c in d[1:] if c in mods)
        out += unicodedata.normalize("NFC", base).encode("cp1258")
        out += "".join(c for c in d[1:] if c not in mods).encode("cp1258")
    return bytes(out)


def test_decode_utf8_bom():
    text, enc = decode_html(b"\xef\xbb\xbf<p>" + VN.encode() + b"</p>")
    assert enc == "utf-8" and VN in text and not text.startswith("\ufeff")


def test_decode_http_charset_wins_over_meta():
    body = b'<meta charset="utf-8"><p>' + _cp1258(VN) + b"</p>"
    text, enc = decode_html(body, "text/html; charset=windows-1258")
    assert enc == "windows-1258" and VN in text


def test_decode_meta_http_equiv_cp1258_is_nfc():
    body = b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1258"><p>' + _cp1258(VN) + b"</p>"
    text, enc = decode_html(body, "text/html")
    assert enc == "windows-1258"
    assert VN in text and unicodedata.is_normalized("NFC", text)


def test_decode_undeclared_cp1258_detected():
    body = b"<html><body><p>" + _cp1258(VN + ". " + VN) + b"</p></body></html>"
    text, enc = decode_html(body, None)
    assert enc == "windows-1258" and VN in text


def test_decode_mislabelled_latin1_is_utf8():
    body = ("<p>" + VN + "</p>").encode("utf-8")
    text, enc = decode_html(body, "text/html; charset=ISO-8859-1")
    assert enc == "utf-8" and VN in text


def test_decode_nfd_utf8_to_nfc():
    body = unicodedata.normalize("NFD", "<p>" + VN + "</p>").encode("utf-8")
    text, enc = decode_html(body)
    assert VN in text and unicodedata.is_normalized("NFC", text)
    assert enc == "utf-8-nfd"  # served decomposed; the text is NFC anyway


def test_decode_utf16_bom():
    text, enc = decode_html(("<p>" + VN + "</p>").encode("utf-16"))
    assert VN in text and enc.startswith("utf-16")


def test_decode_broken_utf8_tolerated():
    body = ("<p>" + VN + "</p>").encode() + b"\xff"
    text, enc = decode_html(body, "text/html; charset=utf-8")
    assert enc == "utf-8" and VN in text


def test_cp1258_fixture_record_nfc():
    rec = extract_record((PAGES / "legacy_cp1258.html").read_bytes(), "http://x.gov.vn/tin.php?id=1")
    assert rec["encoding"] == "windows-1258"
    assert rec["title"] == unicodedata.normalize("NFC", rec["title"])
    assert "Quỳnh Lộc" in rec["title"]


# ------------------------------------------------------------------ cli

def _parse(argv):
    p = argparse.ArgumentParser()
    cli.add_arguments(p)
    return p.parse_args(argv)


def test_cli_prints_one_json_object(capsys):
    rc = cli.run(_parse([str(PAGES / "wps6_ibm_article.html"), "--url", URL,
                         "--content-type", "text/html; charset=UTF-8", "--captured-at", "2024-01-01T00:00:00+07:00"]))
    assert rc == 0
    out = capsys.readouterr().out
    rec = json.loads(out)
    for k in ("url", "title", "published_at", "author", "author_role", "source", "summary", "body_text",
              "body_html", "images", "section"):
        assert k in rec
    assert rec["published_at"] == "2020-09-03T07:55:00+07:00"
    assert "Hồ Văn Cậy" in out  # ensure_ascii=False


def test_cli_stdin(monkeypatch, capsys):
    data = (PAGES / "nfd_utf8.html").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert cli.run(_parse(["-", "--url", "https://quynhluu.nghean.gov.vn/a"])) == 0
    assert json.loads(capsys.readouterr().out)["author"] == "Phan Thị Lài"


def test_cli_missing_file(capsys):
    rc = cli.run(_parse([str(PAGES / "does-not-exist.html"), "--url", URL]))
    assert rc == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and "does-not-exist.html" in err


def test_cli_url_defaults_to_the_pages_own(capsys, tmp_path):
    # no --url: the page's canonical link (else <base href>) is the base of its relative links
    page = tmp_path / "p.html"
    page.write_bytes(b'<html><head><link rel="canonical" href="https://quynhluu.nghean.gov.vn/tin/a-1">'
                     b'</head><body><h1>Tin</h1><p><img src="/upload/a.jpg"></p></body></html>')
    assert cli.run(_parse([str(page)])) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["url"] == "https://quynhluu.nghean.gov.vn/tin/a-1"


# ------------------------------------------------------------------ units

@pytest.mark.parametrize("s,ok", [
    ("In trang | Gửi email | Quay lại | Đầu trang", True),
    ("|  Đầu trang", True),
    ("Về đầu trang", True),
    ("In bài Gửi email Về đầu trang", True),
    ("Trang chủ", False),
    ("Quay lại trang trước để xem thêm chi tiết về nội dung", False),
])
def test_action_text(s, ok):
    assert is_action_text(s) is ok


@pytest.mark.parametrize("s,ok", [
    ("Tin liên quan", True), ("Các tin khác", True), ("Các tin đã đưa ngày:", True),
    ("Tin cùng chuyên mục", True), ("Bài viết liên quan", True), ("Tin tức sự kiện", False),
    ("Kinh tế", False),
])
def test_related_heading(s, ok):
    assert is_related_heading(s) is ok


@pytest.mark.parametrize("s,src", [
    ("Theo Báo Nghệ An", "Báo Nghệ An"), ("(Theo Báo Nghệ An)", "Báo Nghệ An"),
    ("Nguồn: baonghean.vn", "baonghean.vn"), ("Nguồn: Cổng TTĐT tỉnh.", "Cổng TTĐT tỉnh"),
    ("Theo kế hoạch, UBND thị xã sẽ tổ chức hội nghị vào tuần tới", None), ("Hồ Văn Cậy", None),
])
def test_source_of(s, src):
    assert source_of(s) == src


def test_author_line():
    assert is_author_line("Hồ Văn Cậy", bold=True, right=True, italic=False) == "Hồ Văn Cậy"
    assert is_author_line("Tác giả: Minh Anh", bold=False, right=False, italic=False) == "Minh Anh"
    assert is_author_line("Xin trân trọng cảm ơn quý vị đại biểu đã tham dự.", bold=True, right=False,
                          italic=False) is None
    assert is_author_line("Một câu dài hơn bảy từ không phải là tên tác giả", bold=True, right=True,
                          italic=False) is None


def test_self_urls_resolve_against_base():
    html = """<html><head><base href="http://h.gov.vn/wps/portal/hm/!ut/p/c5/abc/dl3/d3/L2dBISEvZ0FBIS9nQSEh/">
    <link rel="canonical" href="/wps/portal/hm/tin/bai-1"><link id="com.ibm.lotus.NavStateUrl" rel="alternate" href="?1dmy&amp;x=1">
    <meta property="og:url" content="http://h.gov.vn/wps/portal/hm/tin/bai-1"></head><body><h1>Tiêu đề một bài viết thử nghiệm</h1>
    <p>Nội dung đủ dài để là một bài viết, với nhiều chữ hơn một trăm ký tự để vượt qua ngưỡng kiểm tra văn bản thực.</p>
    <ul><li><a href="/wps/wcm/connect/hm/site/tin/bai-2?presentationtemplate=hm/pt_print">In</a> bài khác</li></ul></body></html>"""
    rec = extract_record(html.encode(), "http://h.gov.vn/wps/portal/hm/tin/bai-1")
    assert rec["self_urls"] == ["http://h.gov.vn/wps/portal/hm/tin/bai-1",
                                "http://h.gov.vn/wps/portal/hm/!ut/p/c5/abc/dl3/d3/L2dBISEvZ0FBIS9nQSEh/?1dmy&x=1"]


def test_cloudflare_email_decoded():
    html = ('<html><body><h1>Thông báo tiếp nhận hồ sơ trực tuyến</h1><div class="content"><p>Hồ sơ xin gửi về địa chỉ '
            '<a href="/cdn-cgi/l/email-protection" class="__cf_email__" '
            'data-cfemail="5a383b3438333f342e3b2a1a343d323f3b34743d352c742c34">[email&#160;protected]</a> trước ngày 30/9/2020 '
            'để được xem xét giải quyết theo quy định hiện hành của pháp luật.</p></div></body></html>')
    rec = extract_record(html.encode(), "http://x.gov.vn/a")
    assert "banbientap@nghean.gov.vn" in rec["body_text"]
    assert "email protected" not in rec["body_text"]
    assert 'href="mailto:banbientap@nghean.gov.vn"' in rec["body_html"]


def test_lazy_and_icon_images():
    html = """<html><body><h1>Một bài viết có ảnh tải chậm và biểu tượng</h1><div class="content">
    <p>Đoạn văn mở đầu của bài viết với đủ độ dài cần thiết cho việc trích xuất nội dung chính của trang.</p>
    <p style="text-align:center"><img src="/images/spacer.gif" data-lazy-src="/upload/anh-1.jpg" alt=""></p>
    <p style="text-align:center"><em>Chú thích ảnh một.</em></p>
    <p>Đoạn thứ hai <img src="/themes/default/icons/new.gif"> có biểu tượng mới và ảnh một điểm ảnh
    <img src="/upload/pixel.gif" width="1" height="1"> nằm trong dòng chữ.</p></div></body></html>"""
    rec = extract_record(html.encode(), "http://x.gov.vn/tin/a")
    assert rec["images"] == [{"url": "http://x.gov.vn/upload/anh-1.jpg", "caption": "Chú thích ảnh một.", "alt": None}]
    assert "Chú thích ảnh một." not in rec["body_text"]
    assert "new.gif" not in rec["body_html"] and "pixel.gif" not in rec["body_html"]


def test_future_heading_date_is_not_replaced_by_a_body_date():
    from datetime import datetime
    data = (PAGES / "wps6_ibm_article.html").read_bytes()
    rec = extract_record(data, URL, captured_at=datetime(2020, 9, 3, 7, 0))  # 55 minutes before publication
    assert rec["published_at"] is None
    assert rec["published_at_raw"] == "03/09/2020 07:55 AM"
    rec = extract_record(data, URL, captured_at=datetime(2020, 9, 3, 8, 0))
    assert rec["published_at"] == "2020-09-03T07:55:00+07:00"


def test_short_announcement_and_bottom_date():
    html = """<html><head><title>Thông báo lịch tiếp công dân tháng 9/2020 - UBND thị xã</title></head><body>
    <ul class="menu"><li><a href="/a">Trang chủ</a></li><li><a href="/b">Tin tức</a></li></ul>
    <div class="content"><h2>Thông báo lịch tiếp công dân tháng 9/2020</h2>
    <p>Chủ tịch UBND thị xã tiếp công dân vào ngày 15/9/2020 tại trụ sở.</p>
    <p class="ngay">Ngày đăng: 01/09/2020</p></div></body></html>"""
    rec = extract_record(html.encode(), "http://x.gov.vn/tin-tuc/thong-bao-123")
    assert rec["page_type"] == "article"
    assert rec["published_at"] == "2020-09-01T00:00:00+07:00" and rec["published_at_raw"] == "01/09/2020"
    assert rec["body_text"] == "Chủ tịch UBND thị xã tiếp công dân vào ngày 15/9/2020 tại trụ sở."


def test_title_only_in_portlet_title_bar():
    paras = "".join(f"<p>Đoạn văn thứ {i} của bài viết, đủ dài để được coi là nội dung chính của trang thông tin.</p>"
                    for i in range(1, 4))
    html = f"""<html><head><title>Cổng thông tin điện tử thị xã Hoàng Mai</title></head><body>
    <div class="wpsPortlet"><table class="wpsPortletTitleBar"><tr><td class="wpsPortletTitle"><span
    class="wpsPortletTitleText">Thị xã Hoàng Mai ra quân làm thủy lợi mùa khô năm 2021</span></td><td
    class="wpsPortletIcons"><a href="#skip_7_A">Skip portlet</a></td></tr></table>
    <div class="wpsPortletBody"><div class="ngay">Ngày 05/01/2021</div>{paras}</div></div></body></html>"""
    rec = extract_record(html.encode(), "http://x.gov.vn/wps/portal/hm/tin-tuc/ra-quan-thuy-loi")
    assert rec["title"] == "Thị xã Hoàng Mai ra quân làm thủy lợi mùa khô năm 2021"
    assert rec["page_type"] == "article"
    assert rec["published_at"] == "2021-01-05T00:00:00+07:00"


def test_mutated_pages_never_error():
    """Truncated, garbled and tag-stripped variants of the fixtures never crash the extractor."""
    import random
    import re

    rng = random.Random(7)
    for path in sorted(PAGES.glob("*.html")):
        data = path.read_bytes()
        for _ in range(12):
            m = bytearray(data)
            op = rng.choice(["trunc", "del", "dup", "garble", "tagdel"])
            if op == "trunc":
                m = m[: rng.randint(200, len(m))]
            elif op == "del":
                i = rng.randint(0, len(m))
                m[i:i + rng.randint(1, 500)] = b""
            elif op == "dup":
                i, j = rng.randint(0, len(m)), rng.randint(0, len(m))
                m[i:i] = m[j:j + rng.randint(1, 800)]
            elif op == "garble":
                for _ in range(30):
                    m[rng.randrange(len(m))] = rng.randrange(256)
            else:
                s = m.decode("utf-8", "replace")
                s = re.sub(r"</?(div|p|td|tr|table|ul|li|span)\b[^>]*>",
                           lambda x: "" if rng.random() < 0.3 else x.group(0), s)
                m = bytearray(s.encode())
            rec = extract_record(bytes(m), "http://x.gov.vn/tin-tuc/a")
            if "error" in rec:  # only a cut-off document may be reported, never a crash
                assert rec["error"].startswith("truncated HTML"), (path.name, op, rec["error"])
                assert rec["page_type"] == "other"
            json.dumps(rec, ensure_ascii=False)


def test_control_characters_are_tolerated():
    body = ("<html><body><h1>Tiêu đề\x0c bài\x01 viết có ký tự điều khiển</h1><p>"
            + "Nội dung đủ dài để trở thành một bài viết với hơn một trăm ký tự trong đoạn văn này. " * 2
            + "\x0b</p></body></html>").encode()
    rec = extract_record(body, "http://x.gov.vn/tin-tuc/a")
    assert "error" not in rec
    assert rec["title"] == "Tiêu đề bài viết có ký tự điều khiển"


def test_captured_at_accepts_iso_strings_and_epoch():
    data = (PAGES / "wps6_ibm_article.html").read_bytes()
    assert extract_record(data, URL, captured_at="2024-01-01T00:00:00+07:00")["published_at"] == "2020-09-03T07:55:00+07:00"
    assert extract_record(data, URL, captured_at="2020-09-03T00:30:00Z")["published_at"] is None  # 07:30 in Hanoi
    assert extract_record(data, URL, captured_at=1599093000)["published_at"] is None
