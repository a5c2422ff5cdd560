"""Extraction off the portal's templates (issue 8): a page-type guess keeps an article, authors in the forms
real pages print them, the libraries' fallbacks stay offline. Small pages written for one form each."""
from __future__ import annotations

import json
import socket

import pytest

from pipelines.extract import extract_record
from pipelines.extract.authors import markup_author, split_name_unit
from pipelines.extract.dom import parse_html
from pipelines.extract.generic import Fallback, article_shaped, trim_boilerplate
from tests.test_extract_conventions import BODY, P1, P2, P3, T, article, page, rec_of

EN = [
    "The city council approved the new budget on Tuesday after a long debate about the cost of public transport "
    "and the repair of the old bridge over the river.",
    "Members of the opposition argued that the plan leaves too little money for schools, while the mayor said the "
    "investment in transport would pay for itself within ten years.",
    "The budget now goes to the regional government, which has six weeks to raise objections before it takes "
    "effect at the start of next year.",
]


def generic_page(main: str, head: str = "", related: int = 8) -> bytes:
    """A news page of an unknown CMS: a menu, the article, a long box of related links, a footer."""
    rel = "".join(f'<li><a href="/news/item-{i}">Another story number {i} about the city and its people</a></li>'
                  for i in range(related))
    return (f"<html><head><title>Council approves budget | Daily Example</title>{head}</head><body>"
            '<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>'
            f'<div class="content">{main}<div class="more"><h3>More news</h3><ul>{rel}</ul></div></div>'
            "<footer>© 2020 Daily Example</footer></body></html>").encode()


def test_article_shaped_main_text_survives_a_listing_guess():
    # the related box is longer than the article: the page-type rules alone would call it a listing
    main = ('<div class="story"><h1>Council approves budget</h1><span class="posted">March 3, 2020</span>'
            + "".join(f"<p>{p}</p>" for p in EN) + "</div>")
    rec = extract_record(generic_page(main, related=14), "https://news.example.com/2020/03/03/budget")
    assert rec["page_type"] == "article" and rec["kind"] == "article"
    assert rec["title"] == "Council approves budget"
    assert rec["published_at"].startswith("2020-03-03")
    for p in EN:
        assert p in rec["body_text"]
    assert "Another story number" not in rec["body_text"]


def test_a_real_listing_stays_a_listing_with_no_body():
    teasers = "".join(
        f'<div class="item"><h3><a href="/news/story-{i}">Story number {i} about the budget of the city</a></h3>'
        f"<p>{EN[i % 3]}</p></div>" for i in range(8))
    page = generic_page(f'<h1>News</h1><div class="list">{teasers}</div>'
                        '<div class="pager"><a href="?p=1">1</a> <a href="?p=2">2</a> <a href="?p=2">Next</a></div>',
                        related=0)
    rec = extract_record(page, "https://news.example.com/news/")
    assert rec["page_type"] == "listing" and rec["body_text"] == "" and rec["published_at"] is None


def test_article_shaped():
    links = {"Another story number 1 about the city and its people"}
    assert article_shaped("\n\n".join(EN), links)
    assert not article_shaped(EN[0], links)  # one paragraph is not an article
    assert not article_shaped("\n\n".join(sorted(links) * 3 + EN[:1]), links)
    # mostly the teasers of the page's own list of items
    assert not article_shaped("\n\n".join(EN), set(), list_text=" ".join(EN) + " " + "x" * 200)


def test_boilerplate_lines_around_the_body_are_trimmed():
    text = "\n\n".join(["Foto: dpa", *EN, "This entry was posted in News.", "Share this"])
    assert trim_boilerplate(text) == "\n\n".join(EN)
    assert trim_boilerplate("\n\n".join(EN)) == "\n\n".join(EN)


# ------------------------------------------------------------------ authors and roles

@pytest.mark.parametrize("tail,head,author,role", [
    # "Name (Unit)" on one line
    ('<p style="text-align:right"><strong>Nguyễn Văn Hùng (Phòng Văn hóa - Thông tin)</strong></p>', "",
     "Nguyễn Văn Hùng", "Phòng Văn hóa - Thông tin"),
    ("<p>Nguyễn Văn Hùng (Trung tâm Văn hóa - Thể thao)</p>", "", "Nguyễn Văn Hùng", "Trung tâm Văn hóa - Thể thao"),
    ('<p style="text-align:right"><strong>Minh Anh (TH)</strong></p>', "", "Minh Anh (TH)", None),  # a remark
    # labelled lines below or above the body
    ("<p>Tác giả: Nguyễn Thị Lan</p>", "", "Nguyễn Thị Lan", None),
    ("<p><em>Người viết: Trần Văn Bình</em></p>", "", "Trần Văn Bình", None),
    ('<p style="text-align:right">Bài, ảnh: Hồng Nhung</p>', "", "Hồng Nhung", None),
    ("", "<p>Tác giả: Nguyễn Thị Lan</p>", "Nguyễn Thị Lan", None),
    ("", '<div class="meta">Bài, ảnh: Hồng Nhung</div>', "Hồng Nhung", None),
    # a name line and a unit line in one <br> block at the end of the body
    ('<p style="text-align:right"><strong>Hồ Văn Cậy</strong><br>UVBTV, Thủ trưởng Cơ quan Tổ chức - Nội vụ</p>', "",
     "Hồ Văn Cậy", "UVBTV, Thủ trưởng Cơ quan Tổ chức - Nội vụ"),
    ("<p>Lê Thị Mai<br>Phòng Giáo dục và Đào tạo huyện</p>", "", "Lê Thị Mai", "Phòng Giáo dục và Đào tạo huyện"),
])
def test_author_forms(tail, head, author, role):
    rec = rec_of(article(tail=tail, head_extra=head))
    assert (rec["author"], rec["author_role"]) == (author, role)
    assert rec["body_text"].split("\n\n") == [P1, P2, P3]  # the author line found is out of the body


def test_split_name_unit():
    assert split_name_unit("Nguyễn Văn Hùng (Phòng Văn hóa - Thông tin)") == ("Nguyễn Văn Hùng",
                                                                            "Phòng Văn hóa - Thông tin")
    assert split_name_unit("Minh Anh (TH)") is None
    assert split_name_unit("Thu Hà (Theo Báo Nghệ An)") is None  # a source, not a unit


@pytest.mark.parametrize("head,body,want", [
    ('<script type="application/ld+json">' + json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                                                           "author": [{"@type": "Person", "name": "Jane Roe"},
                                                                      {"@type": "Person", "name": "John Doe"}]})
     + "</script>", "", "Jane Roe; John Doe"),
    ('<meta name="author" content="Jane Roe">', "", "Jane Roe"),
    ('<meta property="article:author" content="https://facebook.com/janeroe">'
     '<meta property="article:author" content="Jane Roe">', "", "Jane Roe"),  # a profile URL is no name
    ('<meta name="author" content="admin">', "", None),  # a CMS account, not a person
    ("", '<span class="byline">By <a rel="author" href="/a/jr">Jane Roe</a></span>', "Jane Roe"),
    ("", '<div class="author-name">Von Jane Roe</div>', "Jane Roe"),
])
def test_author_named_by_the_markup(head, body, want):
    root = parse_html(f"<html><head>{head}</head><body>{body}<p>text</p></body></html>")
    scripts = [el.text for el in root.iter("script") if el.text]
    assert markup_author(root, scripts) == want


def test_markup_author_on_a_generic_page_and_text_byline_first_on_a_portal():
    main = '<div class="story"><h1>Council approves budget</h1>' + "".join(f"<p>{p}</p>" for p in EN) + "</div>"
    rec = extract_record(generic_page(main, head='<meta name="author" content="Jane Roe">'),
                         "https://news.example.com/2020/03/03/budget")
    assert rec["author"] == "Jane Roe"
    # a portal's printed byline beats its CMS's meta author
    page = article(tail='<p style="text-align:right"><strong>Hồng Nhung</strong></p>').replace(
        b"</title>", b'</title><meta name="author" content="Super User">')
    assert rec_of(page)["author"] == "Hồng Nhung"


# ------------------------------------------------------------------ the libraries stay offline

def test_fallback_never_fetches(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the extractor tried to open a network connection")
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    # a document that is only a URL: htmldate would download it if handed the string
    fb = Fallback("https://news.example.com/2020/03/03/budget", "https://news.example.com/2020/03/03/budget")
    assert fb.body() == "" and fb.date() == (None, None)
    rec = extract_record(b"https://news.example.com/2020/03/03/budget", "https://news.example.com/2020/03/03/b")
    assert rec["body_text"] == ""
    main = '<div class="story"><h1>Council approves budget</h1>' + "".join(f"<p>{p}</p>" for p in EN) + "</div>"
    rec = extract_record(generic_page(main, related=14), "https://news.example.com/2020/03/03/budget")
    assert rec["body_text"] and rec["published_at"].startswith("2020-03-03")  # htmldate read the URL, offline


# ------------------------------------------------------------------ titles and captions

IMG = '<p><img src="/upload/anh1.jpg" width="500"></p>'
CAP = "Quang cảnh buổi lễ ra mắt mô hình."


@pytest.mark.parametrize("after,caption", [
    (f"<p>{P2}</p>", None),                                              # body text after an image
    (f"<p>{CAP}</p>", None),                                             # short, but nothing marks it
    (f"<p><em>{CAP}</em></p>", CAP),                                     # italic
    (f'<p style="text-align:center">{CAP}</p>', CAP),                    # centred
    (f'<p style="font-size:11px">{CAP}</p>', CAP),                       # smaller
    (f"<p><small>{CAP}</small></p>", CAP),
    (f'<p class="image-caption">{CAP}</p>', CAP),                        # a caption class
])
def test_a_caption_is_what_the_page_marks_as_one(after, caption):
    html = page(f'<div class="detail"><h1>{T}</h1><div class="date">07/09/2020</div><p>{P1}</p>{IMG}{after}'
                f"<p>{P3}</p></div>")
    rec = rec_of(html)
    assert [im["caption"] for im in rec["images"]] == [caption]
    assert (CAP in rec["body_text"] or P2 in rec["body_text"]) == (caption is None)


def test_a_portlet_header_above_the_article_is_not_its_title():
    # Liferay's asset publisher prints the section name as the portlet's header above the article
    main = ('<section class="portlet" id="portlet_com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet">'
            '<div class="portlet-content"><div class="autofit-row portlet-header"><h2 class="portlet-title-text">'
            'Tin tức - Sự kiện nổi bật trong tuần</h2></div><div class="asset-full-content"><div class="asset-title">'
            f'<h3 class="header-title">{T}</h3></div><div class="date">07/09/2020</div><div class="asset-content">'
            f"{BODY}</div></div></div></section>")
    rec = rec_of(page(main, title_tag="Tin tức - Sự kiện nổi bật trong tuần - Cổng TTĐT"))
    assert rec["title"] == T
    assert rec["body_text"].split("\n\n") == [P1, P2, P3]


def test_the_last_page_of_a_listing_stays_a_listing():
    # two teasers (title link, date, summary; the </li> left out as some portals print it) and a pager: the
    # summaries are prose, but they are the list's items, not an article
    items = "".join(
        f'<li><img src="/upload/t{i}.jpg" width="120"><span class="newtitle"><a href="/tin/bai-{i}">{title}</a></span>'
        f' <span class="datespan">(0{i}/08/2012)</span><p>{summary}</p>'
        for i, (title, summary) in enumerate([(T, P1), ("Phường Quỳnh Thiện kiểm tra đại hội chi bộ nhiệm kỳ 2020 - 2022",
                                                       P2)], 1))
    main = (f'<div class="list_news"><ul>{items}</ul></div><div class="page"><a href="?p=1">&lt;&lt;</a> '
            '<a href="?p=1">1</a> <a class="current" href="?p=2">2</a></div>')
    rec = rec_of(page(main, title_tag="Chính trị - Xây dựng Đảng"), url="http://quynhluu.nghean.gov.vn/tin-tuc?p=2")
    assert rec["page_type"] == "listing" and rec["body_text"] == "" and rec["kind"] is None


@pytest.mark.parametrize("page_no", [2, 3])
def test_k2_sibling_listing_pages_stay_listings(page_no):
    # a K2 sibling's category: page 2 holds four teasers (linked title, date, summary, "Xem tiếp") and the
    # pager; page 3 is past the end (an empty list, the pager, the sidebar's newest items). Neither is an
    # article: no body from the teasers' summaries, none from the menu and sidebar
    from replica.k2_site import K2Site, listing_page
    from replica.siblings import site_seed

    site = K2Site("dienchau", site_seed("dienchau"), 40)
    html = listing_page(site, 0, page_no)
    rec = extract_record(html, f"http://dienchau.example/tin-tuc-su-kien/chinh-tri?start={(page_no - 1) * 10}")
    assert rec["page_type"] == "listing" and rec["kind"] is None
    assert rec["body_text"] == "" and rec["published_at"] is None
    assert rec["title"] == "Chính trị"  # the category, not the sidebar's "Tin mới nhất"
