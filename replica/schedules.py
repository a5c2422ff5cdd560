"""Lịch làm việc: the list of real weekly schedules and each week's table (separate from the calendar trap).

Week ``w`` (0 = newest) starts on ``NEWEST_MONDAY - 7w`` days; its WCM path is
``/hoangmai/site/lich-lam-viec/tuan-<ww>-<yyyy>`` (ISO week). The table has the columns
Thứ | Thời gian | Nội dung | Địa điểm | Chủ trì; a day's first cell spans its rows and reads
``Thứ hai<br>(31/08)``; some cells are empty.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from html import escape

from . import categories as C
from . import urls as U
from . import vocab as V
from .article_html import esc
from .textgen import TextGen

COUNT = 24
NEWEST_MONDAY = date(2020, 8, 31)  # ISO week 2020-W36
SA = "lich-lam-viec"
WCM_PREFIX = f"/{C.LIBRARY}/{C.SITE}/{SA}/"
DAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")
TIMES_AM = ("07:00", "07:30", "08:00", "08:30", "09:00", "10:00")
TIMES_PM = ("13:30", "14:00", "14:30", "15:00", "16:00")
PLACES = ("Hội trường UBND thị xã", "Phòng họp tầng 3 UBND thị xã", "Hội trường Thị ủy", "Phòng họp Thường trực HĐND",
          "Trung tâm Chính trị thị xã") + tuple(f"UBND {p}" for p in V.PLACES)
CHAIRS = ("Đ/c Chủ tịch UBND thị xã", "Đ/c Phó Chủ tịch UBND thị xã", "Đ/c Bí thư Thị ủy", "Đ/c Phó Bí thư Thường trực Thị ủy",
          "Đ/c Chủ tịch HĐND thị xã", "Đ/c Chánh Văn phòng HĐND - UBND")
WORK = ("Họp giao ban {agency}", "Làm việc với {agency} về {topic}", "Dự {event} {topic}",
        "Kiểm tra {topic} tại {place}", "Tiếp công dân định kỳ", "Nghe báo cáo {topic}", "Đi cơ sở: {place}")
TOPIC_CATS = ("kinh-te", "van-hoa-xa-hoi", "chinh-tri", "cai-cach-hanh-chinh", "quoc-phong-an-ninh")


@dataclass(frozen=True)
class Entry:
    day: str  # as printed: "Thứ hai"
    date: date
    time: str | None
    content: str
    place: str | None
    chair: str | None


@dataclass(frozen=True)
class Schedule:
    w: int
    monday: date
    entries: tuple[Entry, ...]

    @property
    def iso(self) -> tuple[int, int]:
        year, week, _ = self.monday.isocalendar()
        return year, week

    @property
    def title(self) -> str:
        return (f"Lịch làm việc tuần {self.iso[1]} ({self.monday:%d/%m/%Y} - "
                f"{self.monday + timedelta(days=6):%d/%m/%Y})")

    @property
    def content_name(self) -> str:
        return f"tuan-{self.iso[1]:02d}-{self.iso[0]}"

    @property
    def wcm_path(self) -> str:
        return WCM_PREFIX + self.content_name

    @property
    def friendly(self) -> str:
        return f"{U.CALENDAR}/{self.content_name}"


class Schedules:
    def __init__(self, seed: int = 1, count: int = COUNT):
        self.seed = int(seed)
        self.n = count
        self.get = lru_cache(maxsize=64)(self._make)

    def find(self, wcm_path: str) -> int | None:
        path = wcm_path.lower().rstrip("/")
        m = re.fullmatch(re.escape(WCM_PREFIX) + r"tuan-(\d{2})-(\d{4})", path)
        if not m:
            return None
        try:
            monday = date.fromisocalendar(int(m.group(2)), int(m.group(1)), 1)
        except ValueError:
            return None
        w, rest = divmod((NEWEST_MONDAY - monday).days, 7)
        return w if rest == 0 and 0 <= w < self.n else None

    def _make(self, w: int) -> Schedule:
        if not 0 <= w < self.n:
            raise KeyError(w)
        monday = NEWEST_MONDAY - timedelta(weeks=w)
        entries = []
        for d, day in enumerate(DAYS):
            r = random.Random(f"{self.seed}:schedule:{w}:{d}")
            count = r.randint(1, 3) if d < 5 else (1 if d == 5 and r.random() < 0.4 else 0)
            g = TextGen(r, TOPIC_CATS[(w + d) % len(TOPIC_CATS)], monday)
            times = sorted(r.sample(TIMES_AM, min(count, 2)) + ([r.choice(TIMES_PM)] if count == 3 else []))
            if count == 2 and r.random() < 0.5:
                times = [times[0], r.choice(TIMES_PM)]
            for t in times:
                content = r.choice(WORK).format(agency=g.pick(V.AGENCIES), topic=g.topic(), event=g.pick(V.EVENTS),
                                                place=g.pick(V.PLACES))
                entries.append(Entry(day, monday + timedelta(days=d), None if r.random() < 0.06 else t, content,
                                     None if r.random() < 0.15 else r.choice(PLACES),
                                     None if r.random() < 0.2 else r.choice(CHAIRS)))
        return Schedule(w, monday, tuple(entries))


# --- HTML (presentation templates) ----------------------------------------------------------------
def list_html(schedules: Schedules) -> str:
    lis = "".join(f'<li><a href="{escape(s.friendly)}">{esc(s.title)}</a></li>'
                  for s in (schedules.get(w) for w in range(schedules.n)))
    return (f'<div class="lich_list"><ul>{lis}</ul></div>\n'
            f'<div class="week-nav"><a href="{U.CALENDAR}">Lịch làm việc tuần này</a></div>')


def _cell(value: str | None, blank: str) -> str:
    return f"<td>{esc(value)}</td>" if value else f"<td>{blank}</td>"


def week_html(s: Schedule) -> str:
    rows = ['<tr><th width="12%">Thứ</th><th width="10%">Thời gian</th><th>Nội dung</th><th width="18%">Địa điểm</th>'
            '<th width="18%">Chủ trì</th></tr>']
    by_day: dict[str, list[Entry]] = {}
    for e in s.entries:
        by_day.setdefault(e.day, []).append(e)
    n = 0
    for day, entries in by_day.items():
        for k, e in enumerate(entries):
            blank = "&nbsp;" if n % 2 else ""
            n += 1
            head = (f'<td rowspan="{len(entries)}" class="thu" valign="top"><b>{day}</b><br>({e.date:%d/%m})</td>'
                    if k == 0 else "")
            rows.append(f"<tr>{head}{_cell(e.time, blank)}<td>{esc(e.content)}</td>{_cell(e.place, blank)}"
                        f"{_cell(e.chair, blank)}</tr>")
    return (f'<div class="lich-detail">\n<h1 class="title">{esc(s.title)}</h1>\n'
            '<table class="lich_tuan" width="100%" border="1" cellpadding="3" cellspacing="0">\n'
            + "\n".join(rows) + "\n</table>\n</div>")
