"""One record rendered through many portal templates; the extractor must recover the same record.

Dimensions: theme/skin (WPS 6 IBM skin, WPS 6 without skin, WPS 5 table skin, WPS 8.5, Liferay 6, PHP/.NET
portal), title markup, date format and position, lead markup, image/caption markup, byline, related/action
blocks, container layout, <title> form, body markup (plain / Word-pasted / headings and lists).
"""
from __future__ import annotations

import random
import sys
from datetime import datetime
from html import escape as e
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipelines.extract import extract_record  # noqa: E402

HOST = "http://hoangmai.nghean.gov.vn"
URL = HOST + "/wps/portal/hoangmai/tin-tuc/cchc/hoi-nghi-tong-ket-cchc-2020"
T = "Hội nghị tổng kết công tác cải cách hành chính năm 2020"
LEAD = ("Sáng 15/12, UBND thị xã Hoàng Mai tổ chức hội nghị tổng kết công tác cải cách hành chính năm 2020 và "
        "triển khai nhiệm vụ năm 2021.")
PARAS = [
    "Năm 2020, công tác cải cách hành chính trên địa bàn thị xã tiếp tục được quan tâm chỉ đạo, đạt nhiều kết quả "
    "tích cực. Chỉ số cải cách hành chính của thị xã xếp thứ 5/21 huyện, thành, thị trong tỉnh.",
    "Bộ phận tiếp nhận và trả kết quả thị xã đã tiếp nhận 12.456 hồ sơ, giải quyết đúng hạn đạt 98,7%; 100% thủ tục "
    "hành chính được niêm yết công khai đầy đủ, đúng quy định.",
    "Tuy nhiên, việc triển khai dịch vụ công trực tuyến mức độ 3, 4 còn hạn chế; một số cán bộ, công chức chưa thực "
    "sự chủ động trong giải quyết công việc.",
    "Phát biểu chỉ đạo hội nghị, đồng chí Chủ tịch UBND thị xã yêu cầu các phòng, ban, đơn vị và UBND các xã, phường "
    "tiếp tục đẩy mạnh ứng dụng công nghệ thông tin, nâng cao chất lượng phục vụ người dân và doanh nghiệp.",
    "Dịp này, UBND thị xã đã tặng giấy khen cho 8 tập thể và 15 cá nhân có thành tích xuất sắc trong công tác cải "
    "cách hành chính năm 2020.",
]
IMG = ("/wps/wcm/connect/1a2b3c4d5e6f/hoi-nghi.jpg?MOD=AJPERES&CACHEID=1a2b3c4d5e6f",
       "Quang cảnh hội nghị tổng kết công tác cải cách hành chính.", "Hội nghị")
AUTHOR, ROLE, SOURCE = "Nguyễn Văn Bình", "Văn phòng HĐND - UBND thị xã", "Báo Nghệ An"
SECTION = "Cải cách hành chính"
H3 = "Một số nhiệm vụ trọng tâm năm 2021"
LIS = ["Đẩy mạnh dịch vụ công trực tuyến mức độ 3, 4.", "Nâng cao chỉ số hài lòng của người dân."]


def title_html(kind, d):
    return {
        "h1": f'<h1 class="title">{e(T)}{d}</h1>',
        "h2": f"<h2>{e(T)}{d}</h2>",
        "h3": f'<h3 class="news-title">{e(T)}{d}</h3>',
        "divtitle": f'<div class="title">{e(T)}{d}</div>',
        "tdb": f'<table width="100%"><tr><td class="TieuDe"><b>{e(T)}</b>{d}</td></tr></table>',
        "pstrong": f'<p class="tieude"><strong>{e(T)}</strong>{d}</p>',
        "double": f'<div class="ptitle"><span>{e(T)}</span> <span>{e(T)}</span></div><p>&nbsp;</p>'
                  f'<div class="heading">{e(T)}{d}</div>',
        "font": f'<font size="4" color="#003399"><b>{e(T)}</b></font>{"<br>" + d if d else ""}',
        "selflink": f'<h2 class="title"><a href="{URL}">{e(T)}</a>{d}</h2>',
        "baronly": f'<div class="date">{d}</div>' if d else "",
    }[kind]


DATES = {  # kind: (html, raw, iso)
    "intitle": ("", "15/12/2020 09:30 AM", "2020-12-15T09:30:00+07:00"),
    "ngaydang": ('<div class="date">Ngày đăng: 15/12/2020</div>', "15/12/2020", "2020-12-15T00:00:00+07:00"),
    "thu": ('<div class="date-detail">Thứ ba, 15/12/2020 - 09:30</div>', "Thứ ba, 15/12/2020 - 09:30",
            "2020-12-15T09:30:00+07:00"),
    "timefirst": ('<p class="time"><i>09:30 15/12/2020</i></p>', "09:30 15/12/2020", "2020-12-15T09:30:00+07:00"),
    "timeel": ('<time datetime="2020-12-15T09:30:00+07:00">15/12/2020 09:30</time>', "15/12/2020 09:30",
               "2020-12-15T09:30:00+07:00"),
    "capnhat": ('<span class="post-date">Cập nhật lúc 09:30 ngày 15/12/2020 | Lượt xem: 231</span>',
                "09:30 ngày 15/12/2020", "2020-12-15T09:30:00+07:00"),
    "dash": ('<div class="ngay">15-12-2020 09:30</div>', "15-12-2020 09:30", "2020-12-15T09:30:00+07:00"),
}
LEADS = {  # kind: (html, is a separate lead)
    "summary": (f'<div class="summary"><p><strong>{e(LEAD)}</strong></p></div>', True),
    "sapo": (f'<div class="sapo">{e(LEAD)}</div>', True),
    "plead": (f'<p class="lead">{e(LEAD)}</p>', True),
    "h2sapo": (f'<h2 class="sapo">{e(LEAD)}</h2>', True),
    "owndiv": (f"<div><p><b>{e(LEAD)}</b></p></div>", True),
    "none": ("", False),
}


def img_html(kind):
    u, c, a = e(IMG[0]), e(IMG[1]), e(IMG[2])
    return {
        "pem": f'<p style="text-align: center;"><img src="{u}" alt="{a}" width="500" height="333"></p>'
               f'<p style="text-align: center;"><em>{c}</em></p>',
        "table": f'<table align="center" class="image"><tr><td><img src="{u}" alt="{a}" width="500"></td></tr>'
                 f'<tr><td class="image_desc">{c}</td></tr></table>',
        "figure": f'<figure><img src="{u}" alt="{a}"><figcaption>{c}</figcaption></figure>',
        "divcap": f'<div class="image-wrap"><img src="{u}" alt="{a}"></div><div class="caption">{c}</div>',
        "lazy": f'<p style="text-align:center"><img src="/images/blank.gif" data-original="{u}" alt="{a}" class="lazy">'
                f'</p><p style="text-align:center"><i>{c}</i></p>',
        "samep": f'<p style="text-align:center"><img src="{u}" alt="{a}"><br><em>{c}</em></p>',
        "centeronly": f'<p align="center"><img src="{u}" alt="{a}" width="450" height="300"></p><p align="center">{c}</p>',
    }[kind]


BYLINES = {  # kind: (html, author, role, source)
    "right2": (f'<p style="text-align: right;"><strong>{e(AUTHOR)}</strong></p>'
               f'<p style="text-align: right;"><em>{e(ROLE)}</em></p>', AUTHOR, ROLE, None),
    "rightonly": (f'<p align="right"><b>{e(AUTHOR)}</b></p>', AUTHOR, None, None),
    "tacgia": (f"<p>Tác giả: {e(AUTHOR)}</p>", AUTHOR, None, None),
    "divauthor": (f'<div class="author">{e(AUTHOR)}</div>', AUTHOR, None, None),
    "theo": (f'<p style="text-align:right"><b>{e(AUTHOR)}</b></p><p style="text-align:right"><i>(Theo {e(SOURCE)})</i></p>',
             AUTHOR, None, SOURCE),
    "nguon": (f"<p><strong>Nguồn: {e(SOURCE)}</strong></p>", None, None, SOURCE),
    "plainname": (f"<p><b>{e(AUTHOR)}</b></p>", AUTHOR, None, None),
    "none": ("", None, None, None),
}
RELATED = {
    "std": '<div class="tools"><a href="javascript:window.print()">In trang</a> | <a href="mailto:?subject=x">Gửi email'
           '</a> | <a href="javascript:history.back()">Quay lại</a> | <a href="#top">Đầu trang</a></div>'
           '<div class="other"><h3>Các tin khác</h3><ul>'
           '<li><a href="?1dmy&amp;urile=wcm:path:/hoangmai/site/tin/a">Hội nghị Ban Chấp hành Đảng bộ thị xã lần thứ 25 '
           'khóa XXII</a> (01/12/2020)</li><li><a href="?1dmy&amp;urile=wcm:path:/hoangmai/site/tin/b">Thị xã Hoàng Mai '
           'đẩy mạnh phát triển kinh tế biển gắn với du lịch</a> (28/11/2020)</li></ul></div>',
    "none": "",
    "dadua": '<div class="bar"><a href="javascript:history.back()"><img src="/images/back.gif"></a> <a href="#top">'
             '<img src="/images/top.gif" alt=""></a> Đầu trang</div><div class="oldnews"><form name="f" method="get" '
             'action="/tin"><b>Các tin đã đưa ngày:</b> <input type="text" name="d" value="15/12/2020"> <input '
             'type="submit" value="Xem"></form><ul class="icon"><li><a class="vb_link" href="/tin/a">Hội nghị Ban Chấp '
             'hành Đảng bộ thị xã lần thứ 25 khóa XXII</a> <span class="date">(01/12/2020)</span></li></ul></div>',
    "nohead": '<ul class="other-list"><li><a href="/tin/a">Hội nghị Ban Chấp hành Đảng bộ thị xã lần thứ 25 khóa XXII'
              '</a> (01/12/2020)</li><li><a href="/tin/b">Thị xã Hoàng Mai đẩy mạnh phát triển kinh tế biển gắn với du '
              'lịch</a> (28/11/2020)</li><li><a href="/tin/c">Khu công nghiệp Đông Hồi thu hút thêm 3 dự án đầu tư mới'
              '</a> (20/11/2020)</li></ul>',
    "table": '<table width="100%"><tr><td align="right"><a href="javascript:print()">In trang</a></td><td><a href='
             '"mailto:">Gửi email</a></td><td><a href="#top">Về đầu trang</a></td></tr></table><table class="tinlienquan">'
             '<tr><td class="title">Tin liên quan</td></tr><tr><td><a href="/tin/a">Hội nghị Ban Chấp hành Đảng bộ thị xã '
             'lần thứ 25 khóa XXII</a></td></tr></table>',
    "inbody": None,
}
INBODY_REL = ('<p><strong>Tin liên quan:</strong></p><ul><li><a href="/tin/a">Hội nghị Ban Chấp hành Đảng bộ thị xã '
              'lần thứ 25 khóa XXII</a></li><li><a href="/tin/b">Thị xã Hoàng Mai đẩy mạnh phát triển kinh tế biển gắn '
              'với du lịch</a></li></ul>')
CRUMB = ('<div class="breadcrumb"><a href="/">Trang chủ</a> &gt; <a href="/tin-tuc">Tin tức sự kiện</a> &gt; '
         '<a href="/tin-tuc/cchc">Cải cách hành chính</a></div>')


def wps6_portlet(name, body, pid):
    return (f'<a name="{pid}"></a><div class="wpsPortlet"><table class="wpsPortletTitleBar" width="100%"><tr>'
            f'<td class="wpsPortletTitle"><span class="wpsPortletTitleText">{e(name)}</span></td><td class="wpsPortletIcons">'
            f'<a href="#skip_{pid}">Skip portlet</a><a href="javascript:void(0)"><img alt="Portlet Menu" '
            f'src="/wps/themes/html/Portal/images/menu.gif"><span>Portlet Menu</span></a></td></tr></table>'
            f'<div class="wpsPortletBody">{body}</div></div><a name="skip_{pid}"></a>')


def shell(kind, content, title_tag, bar):
    left = "".join(wps6_portlet(n, "&nbsp;", f"7_L{i}")
                   for i, n in enumerate(["Giới thiệu chung", "Hệ thống chính trị", "Tin tức sự kiện", "Lịch làm việc"]))
    head = f"<html><head><title>{e(title_tag)}</title></head><body>"
    if kind == "wps6":
        return (f'{head}<table><tr><td width="200">{left}</td><td>{CRUMB}{wps6_portlet(bar, content, "7_MAIN")}</td>'
                '</tr></table><div class="footer">Bản quyền © UBND thị xã Hoàng Mai</div></body></html>')
    if kind == "wps6noskin":
        return (f'{head}<table><tr><td width="200">{left}</td><td>{CRUMB}<div class="wpsPortletBody">{content}</div>'
                "</td></tr></table></body></html>")
    if kind == "wps5":
        return (f'{head}<table><tr><td>{CRUMB}<a name="7_2_1"></a><table width="100%"><tr height="1"><td><table '
                'width="100%"><tr><td class="wpsPortletBorderTitle">Tin tức<a href="#skipportlet7_2_1"><img '
                'src="/wps/skins/html/Default/dot.gif" alt="Skip portlet" title="Skip portlet"></a></td></tr></table>'
                f'</td></tr><tr><td class="wpsPortletBorder">{content}</td></tr></table><a name="skipportlet7_2_1"></a>'
                "</td></tr></table></body></html>")
    if kind == "wps85":
        return (f'{head}<header role="banner"><nav><a href="/">Trang chủ</a></nav></header>{CRUMB}<div class='
                '"component-control id-Z7_X"><section class="ibmPortalControl wpthemeControl"><header class='
                '"wpthemeControlHeader"><div class="wpthemeInner"><h2><span class="lm-dynamic-title">Web Content Viewer'
                '</span></h2><a class="wpthemeIcon" aria-label="Display portlet menu"><span class="wpthemeAltText">'
                f'Actions</span></a></div></header><div class="wpthemeControlBody">{content}</div></section></div>'
                "<footer>© 2020</footer></body></html>")
    if kind == "liferay":
        return (f'{head}<header id="banner"><nav id="navigation"><ul><li class="selected"><a>Tin tức</a></li></ul>'
                '</nav></header><nav id="breadcrumbs"><ul class="breadcrumb"><li><a href="/">Trang chủ</a></li><li>'
                '<a href="/tin-tuc">Tin tức sự kiện</a></li><li><a href="/tin-tuc/cchc">Cải cách hành chính</a></li>'
                '</ul></nav><section class="portlet"><header class="portlet-topper"><h1 class="portlet-title"><span '
                'class="portlet-title-text">Tin tức</span></h1></header><div class="portlet-content"><div class='
                f'"journal-content-article">{content}</div></div></section></body></html>')
    if kind == "php":
        return (f'{head}<div id="header"><ul class="menu"><li><a href="/">Trang chủ</a></li><li><a href="/tin-tuc">'
                'Tin tức</a></li></ul></div><div class="main"><div class="col-left"><ul><li><a href="/a">Giới thiệu'
                '</a></li><li><a href="/b">Văn bản pháp luật</a></li></ul></div><div class="col-center"><div class='
                '"path"><a href="/">Trang chủ</a> » <a href="/tin-tuc">Tin tức sự kiện</a> » <a href="/tin-tuc/cchc">'
                f'Cải cách hành chính</a></div><div class="news-detail">{content}</div></div><div class="col-right">'
                '<div class="box"><div class="box-title">Thông báo</div><ul><li><a href="/tb/1">Thông báo lịch tiếp '
                'công dân định kỳ tháng 12 năm 2020</a></li><li><a href="/tb/2">Thông báo tuyển dụng công chức cấp xã '
                'năm 2020</a></li></ul></div></div></div><div id="footer">Bản quyền thuộc UBND thị xã. Địa chỉ: '
                "phường Mai Hùng</div></body></html>")
    raise KeyError(kind)


def render(shellk="wps6", titlek="h1", datek="intitle", leadk="summary", imgk="pem", authk="right2",
           related="std", ttk="suffix", layout="contentBody", bodyk="plain"):
    d = ' <span class="date">(15/12/2020 09:30 AM)</span>' if datek == "intitle" else ""
    th, dh = title_html(titlek, d), DATES[datek][0]
    lh, lead_sep = LEADS[leadk]
    if bodyk == "word":
        ps = [f'<p class="MsoNormal" style="text-align:justify;text-indent:36.0pt"><span lang="VI" style="font-size:'
              f'14.0pt">{e(p[:20])}</span><span lang="VI" style="font-size:14.0pt">{e(p[20:])}<o:p></o:p></span></p>'
              for p in PARAS]
    else:
        ps = [f'<p style="text-align: justify;">{e(p)}</p>' for p in PARAS]
    parts = ps[:2] + ([img_html(imgk)] if imgk else []) + ps[2:]
    if bodyk == "word":
        parts.insert(parts.index(ps[3]), '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>')
    if bodyk == "rich":
        parts.insert(parts.index(ps[2]) + 1, f"<h3>{e(H3)}</h3><ul>" + "".join(f"<li>{e(x)}</li>" for x in LIS) + "</ul>")
    by, au, ro, so = BYLINES[authk]
    body = "\n".join(parts) + "\n" + by
    if bodyk == "word":
        body = f'<div class="WordSection1">{body}</div>'
    rel = RELATED[related]
    if rel is None:
        body, rel = body + INBODY_REL, ""
    if layout == "contentBody":
        content = f'{th}\n{dh}\n{lh}\n<div id="contentBody">\n{body}\n</div>\n{rel}'
    elif layout == "flat":
        content = f'<div class="box">{th}\n{dh}\n{lh}\n{body}\n{rel}</div>'
    elif layout == "split":
        bs = body.split("\n")
        content = (f'{th}\n{dh}\n{lh}\n<div class="c1">' + "\n".join(bs[:3]) + '</div><div class="c2">'
                   + "\n".join(bs[3:]) + "</div>" + rel)
    else:  # tablecell
        content = (f'<table width="100%"><tr><td>{th}</td></tr><tr><td>{dh}</td></tr><tr><td>{lh}</td></tr>'
                   f'<tr><td class="noidung">{body}</td></tr></table>{rel}')
    title_tag = {"suffix": T + " - Cổng thông tin điện tử thị xã Hoàng Mai",
                 "site": "Cổng thông tin điện tử thị xã Hoàng Mai", "plain": T}[ttk]
    page = shell(shellk, content, title_tag, T if titlek == "baronly" else "Tin tức sự kiện")
    paras = PARAS[:3] + [H3] + LIS + PARAS[3:] if bodyk == "rich" else list(PARAS)
    expected = {
        "title": T, "published_at": DATES[datek][2], "published_at_raw": DATES[datek][1],
        "summary": LEAD if lead_sep else None, "body_text": "\n\n".join(([LEAD] if lead_sep else []) + paras),
        "author": au, "author_role": ro, "source": so,
        "images": [{"url": HOST + IMG[0], "caption": IMG[1], "alt": IMG[2]}] if imgk else [],
        "section": SECTION, "page_type": "article",
    }
    return page, expected


DIMS = {
    "shellk": ["wps6", "wps6noskin", "wps5", "wps85", "liferay", "php"],
    "titlek": ["h1", "h2", "h3", "divtitle", "tdb", "pstrong", "double", "font", "selflink"],
    "datek": list(DATES),
    "leadk": list(LEADS),
    "imgk": ["pem", "table", "figure", "divcap", "lazy", "samep", "centeronly", None],
    "authk": list(BYLINES),
    "related": list(RELATED),
    "ttk": ["suffix", "site", "plain"],
    "layout": ["contentBody", "flat", "split", "tablecell"],
    "bodyk": ["plain", "word", "rich"],
}


def _cases():
    cases = []
    for dim, values in DIMS.items():  # one factor at a time around the seed-like default
        for v in values:
            cases.append({dim: v})
    for tk in ("baronly",):  # the title only in the portlet title bar
        for ttk in DIMS["ttk"]:
            cases.append({"titlek": tk, "ttk": ttk, "datek": "thu"})
    rng = random.Random(20200903)
    for _ in range(150):
        cases.append({dim: rng.choice(values) for dim, values in DIMS.items()})
    return cases


CASES = _cases()


@pytest.mark.parametrize("combo", CASES, ids=[",".join(f"{v}" for v in c.values()) for c in CASES])
def test_template_matrix(combo):
    page, expected = render(**combo)
    rec = extract_record(page.encode("utf-8"), URL, captured_at=datetime(2021, 1, 1))
    got = {k: rec.get(k) for k in expected}
    assert got == expected
    for s in ("Skip portlet", "Portlet Menu", "Web Content Viewer", "Actions", "Đầu trang", "In trang", "Gửi email",
              "Quay lại", "Tin liên quan", "Các tin khác", IMG[1]):
        assert s not in rec["body_text"]
