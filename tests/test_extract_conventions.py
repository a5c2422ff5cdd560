"""Conventions of Vietnamese government portals beyond the replica (other CMSes): author/source lines, datelines,
title decorations, home/listing detection, ads — small pages built around one convention each."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipelines.extract import extract_record  # noqa: E402
from pipelines.extract.authors import inline_source, is_author_line, source_of, split_author_source  # noqa: E402
from pipelines.extract.locate import clean_title_tag  # noqa: E402
from pipelines.extract.page_type import is_home_url  # noqa: E402

NOW = datetime(2020, 9, 10)
URL = "http://quynhluu.nghean.gov.vn/tin-tuc/xay-dung-dang/123"
T = "Xã Quỳnh Thuận ra mắt mô hình dân vận khéo trong xây dựng nông thôn mới"
P1 = ("Sáng 6/9, Đảng ủy xã Quỳnh Thuận tổ chức ra mắt mô hình dân vận khéo trong xây dựng nông thôn mới kiểu mẫu "
      "tại xóm 5 với sự tham gia của đông đảo nhân dân.")
P2 = ("Theo đó, mô hình tập trung vận động nhân dân hiến đất mở rộng đường giao thông, chỉnh trang khuôn viên nhà ở, "
      "trồng hoa, cây xanh hai bên đường.")
P3 = ("Sau 6 tháng triển khai, nhân dân xóm 5 đã hiến hơn 1.200 m2 đất, đóng góp trên 800 triệu đồng và hàng nghìn "
      "ngày công lao động.")
BODY = f"<p>{P1}</p><p>{P2}</p><p>{P3}</p>"
LEFT = ('<div class="left"><div class="box"><div class="title">Tin mới</div><ul><li><a href="/t/1">Hội nghị tổng kết '
        'công tác dân vận năm 2020 của huyện</a><span>08/09/2020 09:10</span></li><li><a href="/t/2">Khai mạc hội thi '
        'tìm hiểu pháp luật cho cán bộ cơ sở</a><span>07/09/2020 15:10</span></li></ul></div></div>')
HEAD = ('<div id="header"><h1 class="site-name"><a href="/">Cổng thông tin điện tử huyện Quỳnh Lưu</a></h1><div '
        'class="today">Thứ Năm, 10/09/2020</div><ul class="menu"><li><a href="/">Trang chủ</a></li><li><a '
        'href="/tin-tuc">Tin tức</a></li></ul></div>')


def page(main, title_tag=T):
    return (f"<html><head><title>{title_tag}</title></head><body>{HEAD}<div class=\"wrap\">{LEFT}<div class=\"main\">"
            f"{main}</div></div><div id=\"footer\">Bản quyền © 2020 UBND huyện Quỳnh Lưu. Điện thoại 0238.3864.111"
            "</div></body></html>").encode("utf-8")


def article(tail="", head_extra="", body=BODY):
    return page(f'<div class="detail"><h1>{T}</h1><div class="date">07/09/2020</div>{head_extra}{body}{tail}</div>')


def rec_of(html, url=URL):
    return extract_record(html, url, captured_at=NOW)


# ------------------------------------------------------------------ author / source lines

@pytest.mark.parametrize("tail,author,source", [
    ('<p style="text-align:right"><strong>Thu Hà (Theo Báo Nghệ An)</strong></p>', "Thu Hà", "Báo Nghệ An"),
    ('<p style="text-align:right"><strong>T.H</strong></p>', "T.H", None),
    ('<p style="text-align:right"><strong>PV - CTV</strong></p>', "PV - CTV", None),
    ('<p style="text-align:right"><strong>Nhóm PV</strong></p>', "Nhóm PV", None),
    ('<p style="text-align:right"><strong>Minh Anh (TH)</strong></p>', "Minh Anh (TH)", None),
    ('<p style="text-align:right"><strong>Hồng Nhung - Văn Phú</strong></p>', "Hồng Nhung - Văn Phú", None),
    ('<p style="text-align:right"><b>Tin, ảnh: Nguyễn Hằng</b></p>', "Nguyễn Hằng", None),
    ('<p>Nguồn: <a href="https://baochinhphu.vn/x.htm">baochinhphu.vn</a></p>', None, "baochinhphu.vn"),
    ('<p style="text-align:right"><em>Theo baochinhphu.vn</em></p>', None, "baochinhphu.vn"),
    ('<p style="text-align:right"><b>Văn Trường</b></p><p>Lượt xem: 1.234</p>', "Văn Trường", None),
])
def test_byline_conventions(tail, author, source):
    rec = rec_of(article(tail))
    assert (rec["author"], rec["source"]) == (author, source)
    assert rec["body_text"] == "\n\n".join([P1, P2, P3])


@pytest.mark.parametrize("last,source,rest", [
    (P3[:-1] + ". (Theo TTXVN)", "TTXVN", P3),
    (P3[:-1] + " (Theo TTXVN).", "TTXVN", P3),
    (P3[:-1] + ". (Nguồn: Báo Nghệ An)", "Báo Nghệ An", P3),
])
def test_source_closing_the_last_paragraph(last, source, rest):
    rec = rec_of(article(body=f"<p>{P1}</p><p>{P2}</p><p>{last}</p>"))
    assert rec["source"] == source
    assert rec["body_text"].split("\n\n")[-1] == rest


def test_source_helpers():
    assert source_of("Theo baochinhphu.vn") == "baochinhphu.vn"
    assert source_of("Theo kế hoạch, UBND huyện sẽ tổ chức hội nghị") is None
    assert inline_source("Văn bản này được áp dụng cho các đối tượng (theo Nghị định 15/2020/NĐ-CP).") is None
    assert inline_source("Các đối tượng được hỗ trợ theo quy định (Theo Nghị định 15/2020/NĐ-CP).") is None
    assert split_author_source("Minh Anh (Theo TTXVN)") == ("Minh Anh", "TTXVN")
    assert is_author_line("N.T.Hà", bold=True, right=True, italic=False) == "N.T.Hà"


# ------------------------------------------------------------------ leads

@pytest.mark.parametrize("first,lead", [
    ("(Chinhphu.vn) - Sáng 6/9, Đảng ủy xã Quỳnh Thuận tổ chức ra mắt mô hình dân vận khéo trong xây dựng nông "
     "thôn mới.", True),
    ("<strong>TTXVN - Sáng 6/9, Đảng ủy xã Quỳnh Thuận tổ chức ra mắt mô hình dân vận khéo trong xây dựng nông "
     "thôn mới.</strong>", True),
    ("<strong>Nghệ An (TTXVN) – Sáng 6/9, Đảng ủy xã Quỳnh Thuận tổ chức ra mắt mô hình dân vận khéo.</strong>", True),
    # a wholly bold first paragraph ahead of plain ones is the sapo, the lead, even without a dateline
    ("<strong>Sáng 6/9, Đảng ủy xã Quỳnh Thuận tổ chức ra mắt mô hình dân vận khéo trong xây dựng nông thôn mới."
     "</strong>", True),
])
def test_dateline_lead_in_the_body(first, lead):
    rec = rec_of(article(body=f"<p>{first}</p>" + BODY))
    text = rec["body_text"].split("\n\n")
    if lead:
        assert rec["summary"] and rec["summary"].endswith("mới.") or rec["summary"].endswith("khéo.")
        assert text == [rec["summary"], P1, P2, P3]  # the lead opens the body; summary keeps a copy
    else:
        assert rec["summary"] is None and len(text) == 4


def test_labelled_lines_split_into_title_date_and_lead():
    # ASP.NET label spans separated by <br>: title, date, summary, then the content
    main = (f'<div class="news_detail"><span id="lblTitle" class="news_title">{T}</span><br />'
            '<span id="lblDate" class="news_date">07/09/2020 8:15:00 SA</span><br />'
            '<span id="lblSummary" class="news_summary"><b>Mô hình dân vận khéo ở xóm 5 đã huy động được sức mạnh '
            'của toàn dân trong xây dựng nông thôn mới kiểu mẫu.</b></span><br /><br />'
            f'<span id="lblContent">{P1}<br /><br />{P2}<br /><br />{P3}</span></div>')
    rec = rec_of(page(main, "SỞ GIÁO DỤC VÀ ĐÀO TẠO"))
    assert rec["title"] == T
    assert rec["published_at"] == "2020-09-07T08:15:00+07:00"
    assert rec["summary"].startswith("Mô hình dân vận khéo")
    assert rec["body_text"] == "\n\n".join([rec["summary"], P1, P2, P3])


# ------------------------------------------------------------------ titles

def test_category_label_inside_the_heading_is_not_title():
    html = page(f'<div class="detail"><h1><a class="cat" href="/tin-tuc/xd-dang">Xây dựng Đảng</a> {T}</h1>'
                f'<div class="date">07/09/2020</div>{BODY}</div>')
    assert rec_of(html)["title"] == T


def test_title_tag_site_suffix():
    assert clean_title_tag(T + " | Quỳnh Lưu") == T
    assert clean_title_tag(T + " | Cổng giao tiếp điện tử thành phố Hà Nội") == T
    # a place name after " - " may belong to the title
    assert clean_title_tag("Đón Bằng công nhận Di tích quốc gia Đền Cờn - Quỳnh Phương") == (
        "Đón Bằng công nhận Di tích quốc gia Đền Cờn - Quỳnh Phương")


# ------------------------------------------------------------------ page types

def _teaser(i, t, s):
    return (f'<div class="item"><h3><a href="/tin/{i}">{t}</a></h3><p class="date">0{i}/09/2020</p><p>{s}</p>'
            f'<p><a href="/tin/{i}">Xem tiếp</a></p></div>')


TEASERS = [("Quỳnh Lưu đẩy mạnh phong trào thi đua xây dựng nông thôn mới",
            "Huyện phấn đấu đến cuối năm có thêm 3 xã đạt chuẩn nông thôn mới nâng cao và 2 xã đạt chuẩn kiểu mẫu."),
           ("Nghiệm thu mô hình trồng rau an toàn trong nhà lưới",
            "Mô hình được triển khai tại 4 xã với tổng diện tích 2 ha, cho thu nhập cao gấp 3 lần trồng lúa.")]


def test_category_page_with_one_teaser_is_a_listing():
    html = page('<h1 class="page-title">Nông thôn mới</h1>' + _teaser(1, *TEASERS[0]), "Nông thôn mới")
    rec = rec_of(html, "http://quynhluu.nghean.gov.vn/nong-thon-moi")
    assert rec["page_type"] == "listing" and rec["body_text"] == ""


def test_teasers_after_the_article_are_a_related_list():
    rel = "".join(_teaser(i + 1, *t) for i, t in enumerate(TEASERS))
    rec = rec_of(article('<p style="text-align:right"><b>Văn Trường</b></p>' + rel))
    assert rec["page_type"] == "article"
    assert rec["body_text"] == "\n\n".join([P1, P2, P3]) and rec["author"] == "Văn Trường"


NEWS = [("Xã Quỳnh Trang quyết liệt thực hiện chuyển đổi cơ cấu cây trồng", "03/06/2020",
         "Ngày 3/6, Phòng Lao động - Thương binh và Xã hội đã tổ chức buổi tọa đàm về chuyển đổi cơ cấu cây trồng."),
        ("Phường Quỳnh Phương thực hiện công tác giải phóng mặt bằng", "28/05/2020",
         "Thời gian tới, Thanh tra thị xã tiếp tục ban hành kế hoạch, nâng cao chất lượng phục vụ người dân."),
        ("Tổ chức hội nghị về dồn điền, đổi thửa trên địa bàn thị xã", "17/05/2020",
         "Vừa qua, Thị đoàn Hoàng Mai đã tổ chức đợt giám sát sản xuất vụ Xuân giai đoạn 2016 - 2020."),
        ("Hội nghị tổng kết công tác dân vận năm 2019 của thị xã", "12/05/2020",
         "Hội nghị đánh giá kết quả thực hiện công tác dân vận và đề ra phương hướng nhiệm vụ năm 2020.")]


def news_list(items=NEWS, before=""):
    """A category page as the portal prints it: a list of linked titles, each with its date and a summary."""
    lis = "".join(f'<li><span class="newtitle"><a href="?urile=wcm:path:/site/tin-tuc/{i}">{t}</a></span> '
                  f'<span class="datespan">({d})</span><p>{s}</p></li>' for i, (t, d, s) in enumerate(items))
    return page(f'<h2 class="portlet-title">Kinh tế</h2>{before}<div class="list_news"><ul>{lis}</ul></div>', "Kinh tế")


@pytest.fixture
def fallback_calls(monkeypatch):
    """How many times the extractor asks trafilatura for a page's main text."""
    from pipelines.extract import generic
    calls = []
    body = generic.Fallback.body
    monkeypatch.setattr(generic.Fallback, "body", lambda self: calls.append(1) or body(self))
    return calls


def test_news_list_stays_a_listing_without_the_fallback(fallback_calls):
    # every item a dated linked title and nothing else in the content: no article for trafilatura to find
    # (the replica's ~430 category pages were most of a re-crawl's extraction work)
    rec = rec_of(news_list(), "http://quynhluu.nghean.gov.vn/tin-tuc/kinh-te")
    assert rec["page_type"] == "listing" and rec["body_text"] == "" and rec["title"] == "Kinh tế"
    assert fallback_calls == []


@pytest.mark.parametrize("items,before", [
    ([*NEWS[:3], (NEWS[3][0], "", NEWS[3][2])], ""),            # an item without a date
    (NEWS, f"<p>{P1}</p>"),                                      # text outside the list: an article may be there
])
def test_a_list_that_is_not_only_dated_titles_still_asks_the_fallback(fallback_calls, items, before):
    rec = rec_of(news_list(items, before), "http://quynhluu.nghean.gov.vn/tin-tuc/kinh-te")
    assert rec["page_type"] == "listing"
    assert fallback_calls == [1]


@pytest.mark.parametrize("url,home", [
    ("http://x.gov.vn/", True), ("http://x.gov.vn/trang-chu.html", True), ("http://x.gov.vn/Trang/Default.aspx", True),
    ("http://x.gov.vn/Pages/Home.aspx", True), ("http://x.gov.vn/portal/page/portal/chinhphu/trangchu", True),
    ("http://x.gov.vn/index.php?lang=vi", True), ("http://x.gov.vn/index.php?module=tintuc&id=2310", False),
    ("http://x.gov.vn/web/guest/tin-tuc", False), ("http://x.gov.vn/Trang/TinTuc.aspx?cid=12", False),
])
def test_home_urls(url, home):
    assert is_home_url(url) is home


def test_home_page_with_an_intro_block_is_other():
    intro = (f'<div class="gioithieu"><h2>Giới thiệu chung về huyện Quỳnh Lưu</h2><p>{P1}</p><p>{P2} '
             '<a href="/gioi-thieu">Xem tiếp</a></p></div>')
    rec = rec_of(page(intro, "Trang chủ"), "http://quynhluu.nghean.gov.vn/trang-chu.html")
    assert rec["page_type"] == "other" and rec["body_text"] == ""


# ------------------------------------------------------------------ images

def test_ads_and_banners_in_the_body_are_not_images():
    body = (f'<p>{P1}</p><div class="adv-inpage"><a href="http://quangcao.vn"><img src="/upload/qc/viettel.gif" '
            'alt="Quảng cáo"></a></div>'
            f'<p>{P2}</p><p><a href="http://vnpt.vn"><img src="/upload/banner-fiber.jpg" width="600" height="90"></a></p>'
            '<p style="text-align:center"><img src="/upload/news/ra-mat.jpg" alt="Ra mắt mô hình" width="500"><br>'
            f'<em>Quang cảnh buổi ra mắt mô hình.</em></p><p>{P3}</p>')
    rec = rec_of(article(body=body))
    assert rec["images"] == [{"url": "http://quynhluu.nghean.gov.vn/upload/news/ra-mat.jpg",
                              "caption": "Quang cảnh buổi ra mắt mô hình.", "alt": "Ra mắt mô hình"}]
    assert rec["body_text"] == "\n\n".join([P1, P2, P3])


def test_caption_element_inside_the_image_block():
    body = (f'<p>{P1}</p><div class="itemImageBlock"><span class="itemImage"><img src="/media/k2/a_L.jpg" alt="A" '
            'width="600"></span><span class="itemImageCaption">Nông dân thu hoạch lúa hè thu.</span></div>'
            f'<p>{P2}</p><p>{P3}</p>')
    rec = rec_of(article(body=body))
    assert rec["images"][0]["caption"] == "Nông dân thu hoạch lúa hè thu."
    assert rec["body_text"] == "\n\n".join([P1, P2, P3])


# ------------------------------------------------------------------ dates

def test_published_time_wins_over_modified_time():
    meta = ('<div class="entry-meta"><time class="updated" datetime="2020-09-08T10:02:44+07:00">08/09/2020</time>'
            '<time class="entry-date published" datetime="2020-09-07T08:30:15+07:00">07/09/2020</time></div>')
    html = page(f'<article><h1 class="entry-title">{T}</h1>{meta}<div class="entry-content">{BODY}</div></article>')
    rec = rec_of(html)
    assert rec["published_at"] == "2020-09-07T08:30:15+07:00" and rec["published_at_raw"] == "07/09/2020"
