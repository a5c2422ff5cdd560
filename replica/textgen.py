"""Deterministic Vietnamese text from the phrase banks of :mod:`vocab` (one ``random.Random`` each)."""
from __future__ import annotations

import random
from datetime import datetime

from . import vocab as V


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class TextGen:
    """Text for one article of category ``cat_slug`` published at ``date``."""

    def __init__(self, rng: random.Random, cat_slug: str, date: datetime):
        self.r = rng
        self.topics = V.TOPICS[cat_slug]
        self.cat = cat_slug
        self.date = date

    # --- slots -------------------------------------------------------------------------------
    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def topic(self) -> str:
        return self.pick(self.topics)

    def year(self) -> int:
        return self.date.year - (1 if self.date.month <= 2 and self.r.random() < 0.5 else 0)

    def period(self) -> str:
        y = self.year()
        stage = "2021 - 2025" if y > 2020 else ("2016 - 2020" if y > 2015 else "2011 - 2015")
        term = "2020 - 2025" if y > 2020 else ("2015 - 2020" if y > 2015 else "2010 - 2015")
        return self.pick((f"năm {y}", f"6 tháng đầu năm {y}", f"quý {self.pick(('I', 'II', 'III', 'IV'))}/{y}",
                          f"giai đoạn {stage}", f"nhiệm kỳ {term}", f"năm học {y - 1} - {y}"))

    def day(self) -> str:
        return f"{self.date.day}/{self.date.month}"

    def numbers(self) -> dict:
        r = self.r
        m = r.randint(12, 30)
        return {"pct": r.randint(82, 128), "pct2": r.randint(2, 25), "dec": f"{r.randint(1, 29)},{r.randint(1, 9)}",
                "n": r.randint(8, m), "m": m}

    # --- titles ------------------------------------------------------------------------------
    def title(self) -> str:
        for _ in range(30):
            t = cap(self._title_once())
            if 6 <= len(t.split()) <= 16:
                return t
        return cap(" ".join(t.split()[:16]))

    def _title_once(self) -> str:
        r, c = self.r, self.cat
        if c == "thong-bao":
            return f"{self.pick(V.NOTICE_HEADS)} {self.topic()} {self.period() if r.random() < .6 else ''}".strip()
        if c == "guong-dien-hinh" and r.random() < 0.6:
            return self.pick((
                f"{self.pick(V.PERSON_DESCS)} {self.pick(V.GIVEN_NAMES)} tiêu biểu trong {self.topic()}",
                f"Gương sáng trong {self.topic()} ở {self.pick(V.PLACES)}",
                f"{self.pick(V.PERSON_DESCS)} {self.pick(V.GIVEN_NAMES)} làm giàu từ {self.topic()}",
            ))
        form = r.randrange(5)
        if form == 0:
            return f"{self.pick(V.AGENCIES)} {self.pick(V.TITLE_VERBS)} {self.topic()}"
        if form == 1:
            return f"{self.pick(V.TITLE_VERBS)} {self.topic()} trên địa bàn thị xã"
        if form == 2:
            return f"{self.pick(V.PLACES)} {self.pick(V.TITLE_VERBS)} {self.topic()}"
        if form == 3:
            return f"Thị xã Hoàng Mai {self.pick(V.TITLE_VERBS)} {self.topic()} {self.period()}"
        return f"{self.pick(V.EVENTS)} {self.topic()} {self.period()}"

    # --- sentences ---------------------------------------------------------------------------
    def agencies(self) -> tuple[str, str]:
        first, second = self.r.sample(V.AGENCIES, 2)
        return first, second

    def sentence(self, form: int | None = None) -> str:
        r = self.r
        form = r.randrange(10) if form is None else form
        if form == 0:
            return f"{cap(self.period())}, {self.pick(V.AGENCIES)} đã {self.pick(V.ACTIONS)} {self.topic()}."
        if form == 1:
            res = self.pick(V.RESULTS).format(**self.numbers())
            return f"Theo báo cáo, {self.period()} {self.topic()} trên địa bàn thị xã {res}."
        if form == 2:
            return f"Qua đó, {self.pick(V.EFFECTS)}."
        if form == 3:
            first, second = r.sample(V.LIMITS, 2)
            return f"Bên cạnh những kết quả đạt được, {self.topic()} vẫn còn một số hạn chế như {first}, {second}."
        if form == 4:
            return (f"Phát biểu tại {self.pick(V.EVENTS)}, đồng chí {self.pick(V.GIVEN_NAMES)}, "
                    f"{self.pick(V.POSITIONS)} đề nghị các cấp, các ngành {self.pick(V.REQUESTS)}.")
        if form == 5:
            n = self.numbers()
            return (f"Đến nay, {self.pick(V.PLACES)} đã hoàn thành {n['n']}/{n['m']} tiêu chí, "
                    f"đạt {n['pct']}% kế hoạch năm.")
        if form == 6:
            return f"Thời gian tới, {self.pick(V.AGENCIES)} tiếp tục {self.pick(V.ACTIONS)} {self.topic()}, phấn đấu {self.pick(V.GOALS)}."
        if form == 7:
            return (f"Dịp này, {self.pick(V.AGENCIES)} đã trao {self.pick(V.AWARDS)} cho {r.randint(3, 25)} tập thể và "
                    f"{r.randint(5, 60)} cá nhân có thành tích xuất sắc trong {self.topic()}.")
        if form == 8:
            total = r.randint(2, 95) * 100
            part = total * r.randint(20, 70) // 100
            return (f"Tổng kinh phí thực hiện là {total:,} triệu đồng, trong đó ngân sách nhà nước hỗ trợ "
                    f"{part:,} triệu đồng.".replace(f"{total:,}", f"{total:,}".replace(",", "."))
                    .replace(f"{part:,}", f"{part:,}".replace(",", ".")))
        first, second = self.agencies()
        return f"Tham dự có đại diện lãnh đạo {first}, {second} cùng {self.pick(V.PARTICIPANTS)}."

    def paragraph(self) -> str:
        return " ".join(self.sentence(f) for f in self.r.sample(range(10), self.r.randint(2, 5)))

    def lead(self) -> str:
        prefix = self.pick(("(Cổng TTĐT Hoàng Mai) - ", "", "HM - ", ""))
        when = self.pick((f"Sáng ngày {self.day()}", f"Chiều ngày {self.day()}", f"Ngày {self.day()}", "Vừa qua"))
        return (f"{prefix}{when}, {self.pick(V.AGENCIES)} đã tổ chức {self.pick(V.EVENTS)} {self.topic()} "
                f"{self.period()}. {cap(self.pick(V.EFFECTS))}.")

    def heading(self) -> str:
        return self.pick(V.HEADINGS)

    def caption(self) -> str:
        return self.pick(V.CAPTIONS).format(event=self.pick(V.EVENTS), name=self.pick(V.GIVEN_NAMES),
                                            position=self.pick(V.POSITIONS), award=self.pick(V.AWARDS),
                                            topic=self.topic(), place=self.pick(V.PLACES))

    def alt(self) -> str:
        return cap(f"{self.pick(V.EVENTS)} {self.topic()}")

    def list_items(self) -> list[str]:
        items = [f"{cap(self.pick(V.ACTIONS))} {self.topic()}" for _ in range(self.r.randint(3, 5))]
        return [i + ";" for i in items[:-1]] + [items[-1] + "."]

    def table(self) -> list[list[str]]:
        header = self.pick(V.TABLE_HEADERS)
        rows = [list(header)]
        places = list(V.PLACES)
        self.r.shuffle(places)
        for i in range(self.r.randint(2, 4)):
            plan = self.r.randint(10, 400)
            done = plan * self.r.randint(70, 125) // 100
            cells = {"STT": str(i + 1), "TT": str(i + 1), "Đơn vị": cap(places[i]), "Xã, phường": cap(places[i]),
                     "Nội dung": cap(self.topic()), "Chỉ tiêu giao": str(plan), "Kế hoạch": str(plan),
                     "Kết quả thực hiện": str(done), "Thực hiện": str(done), "Số lượng": str(done),
                     "Tỷ lệ (%)": f"{done * 100 / plan:.1f}".replace(".", ","), "Ghi chú": self.pick(V.TABLE_NOTES)}
            rows.append([cells[h] for h in header])
        return rows
