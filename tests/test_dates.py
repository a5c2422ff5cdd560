"""pipelines.extract.dates: fast path formats, day-first, AM/PM, relative, future rejection."""
from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipelines.extract import dates  # noqa: E402
from pipelines.extract.dates import VN_TZ, find_date_span, find_published_date, parse_date  # noqa: E402

NOW = datetime(2021, 1, 1, 12, 0, tzinfo=VN_TZ)


def iso(dt):
    return dt.isoformat() if dt else None


@pytest.mark.parametrize("raw,expected", [
    ("03/09/2020 07:55 AM", "2020-09-03T07:55:00+07:00"),
    ("(03/09/2020 07:55 AM)", "2020-09-03T07:55:00+07:00"),
    ("03/09/2020 07:55 PM", "2020-09-03T19:55:00+07:00"),
    ("03/09/2020 12:30 AM", "2020-09-03T00:30:00+07:00"),
    ("03/09/2020 12:30 PM", "2020-09-03T12:30:00+07:00"),
    ("03/09/2020 19:05", "2020-09-03T19:05:00+07:00"),
    ("03/09/2020", "2020-09-03T00:00:00+07:00"),
    ("3/9/2020", "2020-09-03T00:00:00+07:00"),
    ("03-09-2020", "2020-09-03T00:00:00+07:00"),
    ("03.09.2020 07:55", "2020-09-03T07:55:00+07:00"),
    ("07:55 03/09/2020", "2020-09-03T07:55:00+07:00"),
    ("10:30 | 15/01/2020", "2020-01-15T10:30:00+07:00"),
    ("Thứ hai, 07/09/2020 07:55", "2020-09-07T07:55:00+07:00"),
    ("Thứ hai, 07/09/2020 - 07:55", "2020-09-07T07:55:00+07:00"),
    ("Chủ nhật, 06/09/2020, 20:15", "2020-09-06T20:15:00+07:00"),
    ("03/09/2020 | 07:55", "2020-09-03T07:55:00+07:00"),
    ("Cập nhật lúc 07:55 ngày 03/09/2020", "2020-09-03T07:55:00+07:00"),
    ("Ngày đăng: 03/09/2020", "2020-09-03T00:00:00+07:00"),
    ("ngày 3 tháng 9 năm 2020", "2020-09-03T00:00:00+07:00"),
    ("Ngày 12 tháng 3 năm 2009", "2009-03-12T00:00:00+07:00"),
    ("2020-09-03", "2020-09-03T00:00:00+07:00"),
    ("2020-09-03T07:55:00+07:00", "2020-09-03T07:55:00+07:00"),
    ("2020-09-03T00:55:00Z", "2020-09-03T00:55:00+00:00"),  # the publisher's offset is kept
    ("2020-09-03 07:55:12", "2020-09-03T07:55:12+07:00"),
])
def test_fast_path_formats(raw, expected):
    assert iso(parse_date(raw, now=NOW)) == expected


def test_day_first():
    dt = parse_date("03/09/2020", now=NOW)
    assert (dt.day, dt.month, dt.year) == (3, 9, 2020)
    dt = parse_date("12/01/2020", now=NOW)
    assert (dt.day, dt.month) == (12, 1)


def test_result_is_aware_ho_chi_minh():
    dt = parse_date("03/09/2020 07:55 AM", now=NOW)
    assert dt.tzinfo is not None
    assert dt.utcoffset() == timedelta(hours=7)
    assert str(dt.tzinfo) in ("Asia/Ho_Chi_Minh", "UTC+07:00")


def test_impossible_dates():
    assert parse_date("31/02/2020", now=NOW) is None
    assert parse_date("", now=NOW) is None
    assert parse_date("Kinh tế", now=NOW) is None
    assert parse_date(None, now=NOW) is None  # type: ignore[arg-type]


def test_relative_dates_with_pinned_now():
    now = datetime(2020, 9, 5, 10, 0, tzinfo=VN_TZ)
    assert iso(parse_date("2 giờ trước", now=now)) == "2020-09-05T08:00:00+07:00"
    assert iso(parse_date("5 phút trước", now=now)) == "2020-09-05T09:55:00+07:00"
    assert iso(parse_date("3 ngày trước", now=now)) == "2020-09-02T10:00:00+07:00"
    assert parse_date("hôm qua", now=now).date().isoformat() == "2020-09-04"


def test_now_in_other_timezone():
    now_utc = datetime(2020, 9, 5, 3, 0, tzinfo=timezone.utc)  # 10:00 in Hanoi
    assert iso(parse_date("2 giờ trước", now=now_utc)) == "2020-09-05T08:00:00+07:00"


def test_future_dates_rejected():
    now = datetime(2020, 9, 3, 7, 0, tzinfo=VN_TZ)
    assert parse_date("03/09/2020 07:55 AM", now=now) is None     # 55 minutes after capture
    assert parse_date("03/09/2020 06:55 AM", now=now) is not None
    assert parse_date("2030-01-01", now=now) is None
    assert parse_date("01/01/2099") is None                       # default now = current time


def test_dateparser_fallback():
    assert iso(parse_date("3 tháng 9, 2020", now=NOW)) == "2020-09-03T00:00:00+07:00"
    assert iso(parse_date("September 3, 2020", now=NOW)) == "2020-09-03T00:00:00+07:00"


def test_fast_path_avoids_dateparser(monkeypatch):
    calls = []
    real = dates.dateparser_parse

    def counting(s, now):
        calls.append(s)
        return real(s, now)

    monkeypatch.setattr(dates, "dateparser_parse", counting)
    for raw in ("03/09/2020 07:55 AM", "Thứ hai, 07/09/2020 - 07:55", "07:55 03/09/2020",
                "ngày 3 tháng 9 năm 2020", "2020-09-03T07:55:00+07:00", "03-09-2020", "03/09/2020 | 07:55"):
        assert parse_date(raw, now=NOW) is not None
    assert calls == []
    assert parse_date("September 3, 2020", now=NOW) is not None
    assert calls == ["September 3, 2020"]


@pytest.mark.parametrize("raw,want", [
    ("Thứ hai, 07 Tháng 9 2020 07:55", "2020-09-07T07:55:00+07:00"),      # Joomla/K2 vi-VN
    ("07 Tháng Chín 2020", "2020-09-07T00:00:00+07:00"),
    ("3 tháng 9, 2020", "2020-09-03T00:00:00+07:00"),
    ("Ngày 20 tháng mười một năm 2019", "2019-11-20T00:00:00+07:00"),
    ("03/09/2020 7:55:12 SA", "2020-09-03T07:55:12+07:00"),               # ASP.NET vi-VN
    ("03/09/2020 7:55:12 CH", "2020-09-03T19:55:12+07:00"),
    ("Thứ năm, 3/9/2020, 07:55 (GMT+7)", "2020-09-03T07:55:00+07:00"),
    ("Cập nhật lúc: 07:55:12, 03/09/2020", "2020-09-03T07:55:12+07:00"),
    ("03/9/2020 | 7h55", "2020-09-03T07:55:00+07:00"),
])
def test_more_portal_formats_on_the_fast_path(monkeypatch, raw, want):
    class Boom:
        def parse(self, *a, **k):  # pragma: no cover - must not be called
            raise AssertionError("dateparser called")

    monkeypatch.setattr(dates, "_dateparser", Boom())
    assert iso(parse_date(raw, now=NOW)) == want


def test_weekday_and_ngay_belong_to_the_raw_date():
    assert find_date_span("Thứ Năm, ngày 03/09/2020 - 07:55")[0] == "Thứ Năm, ngày 03/09/2020 - 07:55"
    assert find_date_span("Thứ năm, ngày 03 tháng 9 năm 2020")[0] == "Thứ năm, ngày 03 tháng 9 năm 2020"


def test_numbers_are_never_sent_to_dateparser(monkeypatch):
    # table cells right after a heading ("1", "12 - 13", a phone number) are no dates (they once were)
    class Boom:
        def parse(self, *a, **k):  # pragma: no cover - must not be called
            raise AssertionError("dateparser called")

    monkeypatch.setattr(dates, "_dateparser", Boom())
    for raw in ("1", "12 - 13", "0238.3866.420", "15,62", "dưới 2", "Quyết định", "14.820"):
        assert parse_date(raw, now=NOW) is None, raw
        assert find_date_span(raw, now=NOW, allow_fallback=True) == (None, None), raw


def test_fast_path_does_not_import_dateparser_module_call(monkeypatch):
    # the dateparser module itself is never consulted for portal formats
    class Boom:
        def parse(self, *a, **k):  # pragma: no cover - must not be called
            raise AssertionError("dateparser called")

    monkeypatch.setattr(dates, "_dateparser", Boom())
    assert iso(parse_date("(03/09/2020 07:55 AM)", now=NOW)) == "2020-09-03T07:55:00+07:00"


def test_find_date_span_raw():
    assert find_date_span("Công tác cán bộ (03/09/2020 07:55 AM)")[0] == "03/09/2020 07:55 AM"
    assert find_date_span("Ngày đăng: Thứ hai, 07/09/2020 - 07:55 | Lượt xem: 12")[0] == "Thứ hai, 07/09/2020 - 07:55"
    raw, dt = find_date_span("Không có ngày")
    assert raw is None and dt is None


def test_find_published_date_order():
    from lxml import etree
    html = """<html><head><meta property="article:published_time" content="2020-09-01T08:00:00+07:00"></head>
    <body><div><h1 id="h">Tiêu đề bài viết (03/09/2020 07:55 AM)</h1><p class="date">04/09/2020</p>
    <p>Nội dung ngày 15/5/2016 của Bộ Chính trị.</p></div></body></html>"""
    root = etree.fromstring(html, etree.HTMLParser())
    h = root.find(".//h1")
    text = "".join(h.itertext())
    # 1. the heading's parenthesised date
    assert find_published_date(root, heading=h, heading_text=text, now=NOW) == (
        "03/09/2020 07:55 AM", parse_date("03/09/2020 07:55 AM", now=NOW))
    # 2. a date-like element next to the heading
    raw, dt = find_published_date(root, heading=h, heading_text="Tiêu đề bài viết", now=NOW)
    assert raw == "04/09/2020"
    # 3. metadata
    raw, dt = find_published_date(root, heading=None, now=NOW)
    assert iso(dt) == "2020-09-01T08:00:00+07:00"
    # 4. first date in the content
    root2 = etree.fromstring("<html><body><p>x</p></body></html>", etree.HTMLParser())
    raw, dt = find_published_date(root2, content_text="Theo Nghị quyết ngày 15/5/2016 và 20/6/2017", now=NOW)
    assert raw == "15/5/2016" and iso(dt) == "2016-05-15T00:00:00+07:00"


@pytest.mark.parametrize("raw,want", [
    # a timestamp printed with its own offset keeps it: converting to +07:00 would move it to the next day
    ("2019-07-21T18:02:15+00:00", "2019-07-21T18:02:15+00:00"),
    ("2019-07-21T18:02:15-05:00", "2019-07-21T18:02:15-05:00"),
    ("21 July 2019 18:02 UTC", "2019-07-21T18:02:00+00:00"),
    ("21 July 2019 18:02 +0200", "2019-07-21T18:02:00+02:00"),
    # naive times are Asia/Ho_Chi_Minh
    ("2019-07-21T18:02:15", "2019-07-21T18:02:15+07:00"),
    ("21/07/2019 18:02", "2019-07-21T18:02:00+07:00"),
])
def test_publisher_offset_kept(raw, want):
    assert iso(parse_date(raw, now=NOW)) == want


@pytest.mark.parametrize("raw", ["Tháng 1", "06/01", "3 tháng 9", "Sep 3", "ngày 15/12", "Thứ hai, 07/09"])
def test_no_year_is_no_date(raw):
    # a day and month without a year never becomes a date: no year is invented from the capture time
    assert parse_date(raw, now=NOW) is None
    assert find_date_span(f"Cập nhật: {raw}", now=NOW, allow_fallback=True) == (None, None)
