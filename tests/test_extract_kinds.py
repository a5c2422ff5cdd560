"""Record kinds (design.md "Record kinds"): every document, album, schedule, static page and the video list
of the replica, rendered in-process by the replica's own code, must give exactly its truth record; plus
detection units on other portals' markup (the fixtures of those portals are in test_extract_fixtures.py)."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipelines.extract import extract_record  # noqa: E402
from pipelines.extract.kinds import doc_label, is_attachment_url, parse_clip, parse_day, week_of  # noqa: E402

HOST = "http://127.0.0.1:8080"
SKIP = {"kind", "wcm_path", "urls", "body_html", "encoding"}  # identity/URLs (the crawler's) and HTML (not exact)


@pytest.fixture(scope="module")
def replica():
    from replica.corpus import Corpus
    from replica.router import Router
    from replica.truth import iter_truth

    router = Router(Corpus(300, 1, 160))
    truth = [t for t in iter_truth(HOST, 300, 1, documents=160, media=False)
             if t["kind"] in ("article", "document", "album", "video", "empty_media", "schedule", "page")]

    def fetch(url):
        resp = router.handle(url[len(HOST):], HOST)
        assert resp.status == 200, url
        return extract_record(resp.body, url, content_type=dict(resp.headers).get("Content-Type"))

    return truth, fetch


def _forms(kind, i):
    """URL forms to render: all four for the small sections; documents and articles: friendly always,
    the other forms for a sample (the same templates)."""
    if kind in ("album", "schedule", "page") or i % 10 == 0:
        return ("friendly", "poc", "connect", "print")
    return ("friendly",)


@pytest.mark.parametrize("kind", ["document", "album", "schedule", "page", "article"])
def test_records_equal_truth(replica, kind):
    truth, fetch = replica
    items = [t for t in truth if t["kind"] == kind]
    assert items
    ok, total, diffs = Counter(), Counter(), []
    for i, t in enumerate(items):
        for form in _forms(kind, i):
            url = t["urls"][form]
            rec = fetch(url)
            want = {k: v for k, v in t.items() if k not in SKIP}
            want["page_type"] = want["kind"] = kind
            got = {k: rec.get(k) for k in want}
            for k in want:
                total[k] += 1
                if got[k] == want[k]:
                    ok[k] += 1
                elif len(diffs) < 5:
                    diffs.append((url, k, want[k], got[k]))
    assert ok == total, diffs


def test_video_list_equals_truth(replica):
    truth, fetch = replica
    vids = [t for t in truth if t["kind"] == "video"]
    empty = [t for t in truth if t["kind"] == "empty_media"]
    rec = fetch(vids[0]["urls"]["list"])
    assert rec["page_type"] == "video_list" and rec["kind"] is None
    got = rec["videos"]
    assert len(got) == len(vids) + len(empty)  # every item, the empty-URL one too, in page order
    by_url = {v["video_url"]: v for v in got if v["video_url"]}
    for t in vids:
        want = {k: t[k] for k in ("title", "published_at", "published_at_raw", "video_url", "thumbnail_url")}
        assert by_url[t["video_url"]] == want
    assert [v["title"] for v in got if v["video_url"] is None] == [t["title"] for t in empty]


@pytest.mark.parametrize("path,page_type", [
    ("/wps/portal/hoangmai/", "other"),
    ("/wps/portal/hoangmai/tin-tuc-su-kien", "listing"),
    ("/wps/portal/hoangmai/tin-tuc-su-kien/kinh-te", "listing"),
    ("/wps/portal/hoangmai/van-ban-chi-dao-dieu-hanh", "listing"),
    ("/wps/portal/hoangmai/thu-vien-anh", "listing"),
    ("/wps/portal/hoangmai/lich-lam-viec/danh-sach", "listing"),
    ("/wps/portal/hoangmai/doanh-nghiep", "listing"),
    ("/wps/portal/hoangmai/lich-lam-viec", "other"),  # the calendar trap: not a schedule, not an article
    ("/wps/portal/hoangmai/tim-kiem", "other"),
    ("/wps/portal/hoangmai/trang-khong-ton-tai/bai-viet-cu", "other"),
])
def test_pages_without_record(replica, path, page_type):
    _truth, fetch = replica
    rec = fetch(HOST + path)
    assert rec["page_type"] == page_type and rec["kind"] is None


# ----------------------------------------------------------------------------- units

def _page(main: str, title: str = "Trang thông tin điện tử") -> bytes:
    return (f"<html><head><title>{title}</title></head><body><div class='menu'><ul><li><a href='/'>Trang chủ</a></li>"
            f"<li><a href='/tin-tuc'>Tin tức</a></li></ul></div><div class='breadcrumb'><a href='/'>Trang chủ</a> &gt; "
            f"<a href='/muc'>Chuyên mục</a></div><div id='main'>{main}</div>"
            f"<div class='footer'>Bản quyền © UBND huyện</div></body></html>").encode()


def test_document_label_lines_and_dl():
    html = _page(
        "<h1>Chỉ thị về tăng cường công tác phòng cháy, chữa cháy</h1>"
        "<p><b>Số hiệu:</b> 05/CT-UBND</p><p><b>Ngày ban hành:</b> Ngày 15 tháng 3 năm 2022</p>"
        "<dl><dt>Người ký</dt><dd>Lê Văn A</dd><dt>Loại văn bản</dt><dd>Chỉ thị</dd></dl>"
        "<p><strong>Trích yếu:</strong> Về việc tăng cường công tác phòng cháy, chữa cháy mùa khô</p>"
        "<p><a href='/upload/files/05-ct-ubnd.signed.pdf'><img src='/images/icons/pdf.gif' alt=''></a></p>")
    rec = extract_record(html, "http://x.gov.vn/van-ban/05-ct-ubnd")
    assert rec["page_type"] == rec["kind"] == "document"
    assert (rec["number"], rec["issued_on"], rec["issued_on_raw"]) == ("05/CT-UBND", "2022-03-15", "15 tháng 3 năm 2022")
    assert (rec["signer"], rec["doc_type"], rec["issuer"], rec["effective_on"]) == ("Lê Văn A", "Chỉ thị", None, None)
    assert rec["summary"] == "Về việc tăng cường công tác phòng cháy, chữa cháy mùa khô"
    assert rec["attachments"] == [{"url": "http://x.gov.vn/upload/files/05-ct-ubnd.signed.pdf",
                                   "name": "05-ct-ubnd.signed.pdf"}]


def test_document_with_its_full_text():
    paras = ["Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; căn cứ Luật Bảo vệ môi trường "
             "ngày 17 tháng 11 năm 2020 và các văn bản hướng dẫn thi hành;",
             "Điều 1. Ban hành kèm theo Quyết định này Quy định về quản lý chất thải rắn sinh hoạt trên địa bàn huyện.",
             "Điều 2. Quyết định có hiệu lực kể từ ngày ký. Chánh Văn phòng HĐND và UBND huyện, Thủ trưởng các phòng, "
             "ban, đơn vị có liên quan chịu trách nhiệm thi hành Quyết định này."]
    html = _page(
        "<h1>Quyết định số 321/QĐ-UBND</h1><table><tr><th>Số ký hiệu</th><td>321/QĐ-UBND</td></tr>"
        "<tr><th>Ngày ban hành</th><td>02/03/2021</td></tr><tr><th>Trích yếu</th><td>Ban hành Quy định về quản lý "
        "chất thải rắn sinh hoạt</td></tr></table><div class='noidung'>"
        + "".join(f"<p>{t}</p>" for t in paras) + "</div>")
    rec = extract_record(html, "http://x.gov.vn/van-ban/321")
    assert rec["kind"] == "document" and rec["attachments"] == []
    assert rec["body_text"] == "\n\n".join(paras) and rec["body_html"].startswith("<p>Căn cứ")
    assert rec["summary"] == "Ban hành Quy định về quản lý chất thải rắn sinh hoạt" and rec["published_at"] is None


def test_register_header_and_search_form_are_not_a_document():
    html = _page(
        "<form><table><tr><td>Số hiệu:</td><td><input name='a'></td><td>Trích yếu:</td><td><input name='b'></td></tr>"
        "<tr><td>Loại văn bản:</td><td><select><option>Quyết định</option></select></td></tr></table></form>"
        "<table><tr><th>STT</th><th>Số hiệu</th><th>Ngày ban hành</th><th>Trích yếu</th></tr>"
        "<tr><td>1</td><td>12/QĐ-UBND</td><td>02/09/2020</td><td><a href='/vb/1'>Về việc phê duyệt kế hoạch năm 2020 "
        "của thị xã</a></td></tr><tr><td>2</td><td>13/QĐ-UBND</td><td>03/09/2020</td><td><a href='/vb/2'>Về việc ban "
        "hành quy chế làm việc của UBND thị xã</a></td></tr></table>")
    rec = extract_record(html, "http://x.gov.vn/van-ban")
    assert rec["kind"] != "document" and rec["attachments"] is None


def test_schedule_with_day_rows_and_participants():
    html = _page(
        "<h2>Lịch công tác tuần của Thường trực HĐND huyện (từ 30/12/2024 đến 05/01/2025)</h2>"
        "<table border='1'><tr><td><b>Thời gian</b></td><td><b>Nội dung</b></td><td><b>Địa điểm</b></td>"
        "<td><b>Thành phần</b></td></tr>"
        "<tr><td colspan='4'>Thứ Hai, ngày 30/12/2024</td></tr>"
        "<tr><td>8h00</td><td>Họp Thường trực HĐND huyện</td><td>Phòng họp số 1</td><td>Thường trực HĐND</td></tr>"
        "<tr><td colspan='4'>Thứ Năm (02/01)</td></tr>"
        "<tr><td>14h00</td><td>Giám sát công tác giải quyết đơn thư</td><td>&nbsp;</td><td>Ban Pháp chế</td></tr>"
        "</table>")
    rec = extract_record(html, "http://x.gov.vn/lich-cong-tac/tuan-1")
    assert rec["page_type"] == rec["kind"] == "schedule"
    assert (rec["week"], rec["week_start"]) == ("2025-W01", "2024-12-30")
    assert rec["entries"] == [
        {"day": "Thứ Hai", "date": "2024-12-30", "time": "8h00", "content": "Họp Thường trực HĐND huyện",
         "place": "Phòng họp số 1", "chair": "Thường trực HĐND"},
        {"day": "Thứ Năm", "date": "2025-01-02", "time": "14h00", "content": "Giám sát công tác giải quyết đơn thư",
         "place": None, "chair": "Ban Pháp chế"},
    ]
    assert rec["title"].endswith("(từ 30/12/2024 đến 05/01/2025)")


def test_small_schedule_widget_beside_an_article_stays_an_article():
    body = "".join(f"<p>Đoạn văn thứ {i} của bài viết, nói về kết quả phát triển kinh tế - xã hội của huyện trong "
                   f"chín tháng đầu năm, với nhiều chỉ tiêu đạt và vượt kế hoạch đề ra.</p>" for i in range(8))
    html = _page(
        f"<h1>Kinh tế huyện tăng trưởng khá trong 9 tháng đầu năm</h1><div class='date'>Ngày đăng: 01/10/2020</div>"
        f"<div class='content'>{body}</div><div class='side'><table><tr><th>Ngày</th><th>Nội dung</th><th>Địa điểm</th>"
        "</tr><tr><td>02/10</td><td>Họp UBND</td><td>Hội trường</td></tr></table></div>")
    rec = extract_record(html, "http://x.gov.vn/tin-tuc/kinh-te-9-thang")
    assert rec["page_type"] == rec["kind"] == "article" and rec["entries"] is None


def test_playclip_items_and_autoplay_script():
    items = "".join(
        f"<li><a href='#' onclick=\"playClip('/media/v{i}.flv','Clip \\'số\\' {i}','player',480,320);return false;\">"
        f"<img src='/media/v{i}.jpg' width='120' height='80'></a><p class='post_meta'>0{i}/08/2012</p></li>"
        for i in range(1, 4))
    html = _page(f"<script>playClip('/media/v1.flv','Clip 1','player',480,320);</script><ul>{items}</ul>")
    rec = extract_record(html, "http://x.gov.vn/video/")
    assert rec["page_type"] == "video_list" and rec["kind"] is None
    assert [v["title"] for v in rec["videos"]] == ["Clip 'số' 1", "Clip 'số' 2", "Clip 'số' 3"]
    assert rec["videos"][0] == {"title": "Clip 'số' 1", "video_url": "http://x.gov.vn/media/v1.flv",
                                "thumbnail_url": "http://x.gov.vn/media/v1.jpg",
                                "published_at": "2012-08-01T00:00:00+07:00", "published_at_raw": "01/08/2012"}


def test_jwplayer_scripts_inside_list_items():
    items = "".join(f"<li><div id='p{i}'></div><script>jwplayer('p{i}').setup({{file: '/video/clip-{i}.mp4', "
                    f"image: '/video/clip-{i}.jpg', title: 'Phóng sự số {i}'}});</script>"
                    f"<p>Ngày đăng: 0{i}/02/2021</p></li>" for i in range(1, 4))
    html = _page(f"<h2>Video</h2><ul>{items}</ul>")
    rec = extract_record(html, "http://x.gov.vn/video")
    assert rec["page_type"] == "video_list"
    assert [(v["title"], v["video_url"], v["thumbnail_url"], v["published_at_raw"]) for v in rec["videos"]] == [
        (f"Phóng sự số {i}", f"http://x.gov.vn/video/clip-{i}.mp4", f"http://x.gov.vn/video/clip-{i}.jpg",
         f"0{i}/02/2021") for i in range(1, 4)]


def test_video_widget_beside_an_article_stays_an_article():
    body = "".join(f"<p>Đoạn văn thứ {i} của bài viết về hội nghị tổng kết công tác dân vận, với nhiều kết quả nổi "
                   f"bật trong việc xây dựng khối đại đoàn kết toàn dân tộc ở khu dân cư.</p>" for i in range(6))
    clips = "".join(f"<li><a href='#' onclick=\"playClip('/media/c{i}.mp4','Clip số {i}');\">Clip số {i}</a></li>"
                    for i in range(3))
    html = _page(f"<div class='main'><h1>Hội nghị tổng kết công tác dân vận năm 2020</h1>"
                 f"<div class='date'>Ngày đăng: 01/12/2020</div><div class='content'>{body}</div></div>"
                 f"<div class='right'><h3>Video clip</h3><ul>{clips}</ul></div>")
    rec = extract_record(html, "http://x.gov.vn/tin-tuc/hoi-nghi-dan-van")
    assert rec["page_type"] == rec["kind"] == "article" and rec["videos"] is None


def test_album_only_in_a_slideshow_array():
    urls = ", ".join(f"'/wps/wcm/connect/abc{i}/anh{i}.jpg?MOD=AJPERES&CACHEID=abc{i}'" for i in range(4))
    html = _page(f"<div class='album'><h1>Hình ảnh Đại hội Đoàn thanh niên (05/06/2019)</h1><div id='ss'></div>"
                 f"<script>var slides = [{urls}, '/wps/themes/html/Portal/images/loading.gif'];</script></div>")
    rec = extract_record(html, "http://x.gov.vn/wps/portal/x/thu-vien-anh/dai-hoi")
    assert rec["page_type"] == rec["kind"] == "album"
    assert rec["title"] == "Hình ảnh Đại hội Đoàn thanh niên" and rec["published_at_raw"] == "05/06/2019"
    assert [im["url"] for im in rec["images"]] == [
        f"http://x.gov.vn/wps/wcm/connect/abc{i}/anh{i}.jpg?MOD=AJPERES&CACHEID=abc{i}" for i in range(4)]


def test_gallery_grid_is_not_an_album():
    cells = "".join(f"<div class='item'><a href='/thu-vien-anh/album-{i}'><img src='/upload/album{i}.jpg' width='150'>"
                    f"</a><a href='/thu-vien-anh/album-{i}'>Album ảnh hoạt động số {i} của huyện</a> (0{i}/05/2020)</div>"
                    for i in range(1, 7))
    rec = extract_record(_page(f"<h1>Thư viện ảnh</h1><div class='grid'>{cells}</div>"), "http://x.gov.vn/thu-vien-anh")
    assert rec["kind"] is None and rec["page_type"] != "album"


def test_listing_with_unlinked_thumbnails_is_not_an_album():
    items = "".join(f"<li><img src='/upload/tin/anh{i}.jpg' width='120'><a href='/tin-tuc/kinh-te/bai-{i}'>Bài viết số "
                    f"{i} về phát triển kinh tế của huyện</a> <span>(0{i}/05/2020)</span></li>" for i in range(1, 9))
    html = _page(f"<h1>Kinh tế</h1><ul class='news'>{items}</ul><div class='pager'><a href='?page=1'>1</a> "
                 f"<a href='?page=2'>2</a> <a href='?page=2'>Sau</a></div>")
    rec = extract_record(html, "http://x.gov.vn/tin-tuc/kinh-te")
    assert rec["page_type"] == "listing" and rec["kind"] is None


def test_helpers():
    assert doc_label("Số ký hiệu:") == "number" and doc_label("Số/Ký hiệu") == "number"
    assert doc_label("Ngày có hiệu lực") == "effective_on" and doc_label("Ngày hết hiệu lực") is None
    assert doc_label("Tên doanh nghiệp") is None
    assert is_attachment_url("http://a/wps/wcm/connect/u1/vb.pdf?MOD=AJPERES")
    assert is_attachment_url("http://a/wps/wcm/connect/u1/file?MOD=AJPERES&CACHEID=u1")
    assert not is_attachment_url("http://a/wps/wcm/connect/u1/anh.jpg?MOD=AJPERES")
    assert is_attachment_url("http://a/documents/1/2/QD.docx/5b9e8c1a-2f3d")
    assert parse_clip("playClip('', 'Tiêu đề', 'mp', 1, 2)") == {"url": "", "title": "Tiêu đề", "image": None}
    assert parse_clip('jwplayer("p").load("/v.mp4")')["url"] == "/v.mp4"
    assert parse_clip("jwplayer('p').setup({file: '/a.mp4', image: '/a.jpg', title: 'A'})") == {
        "url": "/a.mp4", "title": "A", "image": "/a.jpg"}
    assert parse_day("Thứ hai\u2028(31/08)") == ("Thứ hai", (31, 8, None))
    assert parse_day("Chủ nhật, 06/09/2020") == ("Chủ nhật", (6, 9, 2020))
    assert week_of("Lịch làm việc tuần 36 (31/08/2020 - 06/09/2020)") == ("2020-W36", "2020-08-31")
    assert week_of("Lịch công tác tuần 53/2020") == ("2020-W53", "2020-12-28")
