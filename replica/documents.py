"""Văn bản chỉ đạo điều hành: the document register (POST-paged) and each document with its attachments.

Document ``i`` (0 = newest) is computed on demand from ``(seed, i)``; issue dates never increase with
``i``, so the register needs no sort. Its WCM path is ``/hoangmai/site/van-ban/<content-name>``
(``<content-name>`` = slug of type + number + ``-<i>``); attachments are self-describing file uuids
(:func:`media.image_uuid` with slot ``ATTACHMENT_SLOT + a``).
"""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from html import escape

from . import categories as C
from . import urls as U
from . import vocab as V
from .files import MIME, file_bytes
from .media import ATTACHMENT_SLOT, image_uuid
from .textgen import TextGen, cap
from .urls import slugify

PAGE_SIZE = 15
NEWEST = date(2024, 10, 29)
SPAN_DAYS = 4 * 365
SA = "van-ban"  # site area of the documents (the page's friendly name is van-ban-chi-dao-dieu-hanh)
WCM_PREFIX = f"/{C.LIBRARY}/{C.SITE}/{SA}/"
ISSUERS = {"ubnd": "UBND thị xã Hoàng Mai", "hdnd": "HĐND thị xã Hoàng Mai", "tu": "Ban Thường vụ Thị ủy Hoàng Mai"}
SIGNERS = {"ubnd": ("Nguyễn Văn Hùng", "Lê Minh Tuấn", "Hồ Sỹ Thắng"), "hdnd": ("Cao Xuân Bình", "Phan Thị Hằng"),
           "tu": ("Hoàng Văn Nam", "Trần Đình Khánh")}
# (loại văn bản, number pattern, issuer, weight)
TYPES = (
    ("Quyết định", "{n}/QĐ-UBND", "ubnd", 30), ("Kế hoạch", "{n}/KH-UBND", "ubnd", 14),
    ("Công văn", "{n}/UBND-{dept}", "ubnd", 14), ("Thông báo", "{n}/TB-UBND", "ubnd", 10),
    ("Báo cáo", "{n}/BC-UBND", "ubnd", 8), ("Chỉ thị", "{n}/CT-UBND", "ubnd", 4),
    ("Hướng dẫn", "{n}/HD-UBND", "ubnd", 4), ("Nghị quyết", "{n}/NQ-HĐND", "hdnd", 6),
    ("Kế hoạch", "{n}-KH/TU", "tu", 5), ("Chỉ thị", "{n}-CT/TU", "tu", 3),
)
DEPTS = ("VP", "KT", "TNMT", "QLĐT", "TCKH", "GDĐT", "LĐTBXH", "VHTT", "TP", "NV")
FIELDS = {  # lĩnh vực -> news category whose topics fit it
    "Đất đai": "kinh-te", "Xây dựng - Đô thị": "kinh-te", "Tài chính - Ngân sách": "kinh-te",
    "Nông nghiệp - Thủy sản": "kinh-te", "Tài nguyên - Môi trường": "kinh-te", "Giáo dục - Đào tạo": "van-hoa-xa-hoi",
    "Y tế": "van-hoa-xa-hoi", "Văn hóa - Thông tin": "van-hoa-xa-hoi", "Lao động - Thương binh và Xã hội": "van-hoa-xa-hoi",
    "Nội vụ": "cai-cach-hanh-chinh", "Tư pháp": "cai-cach-hanh-chinh", "Quốc phòng - An ninh": "quoc-phong-an-ninh",
    "Công tác Đảng": "chinh-tri",
}
FIELD_NAMES = tuple(FIELDS)
SUMMARIES = {
    "Quyết định": ("Về việc ban hành Quy chế {topic}", "Về việc phê duyệt Kế hoạch {topic} {period}",
                   "Về việc kiện toàn Ban Chỉ đạo {topic}", "Về việc giao chỉ tiêu {topic} {period}"),
    "Kế hoạch": ("Triển khai thực hiện {topic} {period}", "Kế hoạch {action} {topic} {period}"),
    "Công văn": ("V/v {action} {topic}", "V/v đôn đốc {topic} {period}"),
    "Thông báo": ("Kết luận của Chủ tịch UBND thị xã tại {event} {topic}", "Thông báo về {topic} {period}"),
    "Báo cáo": ("Kết quả thực hiện {topic} {period}", "Tình hình {topic} {period}"),
    "Chỉ thị": ("Về việc tăng cường {topic}", "Về việc chấn chỉnh {topic}"),
    "Hướng dẫn": ("Hướng dẫn thực hiện {topic} {period}",),
    "Nghị quyết": ("Về {topic} {period}", "Về việc thông qua Đề án {topic}"),
}
EXTRA_FILES = (("phu-luc", "Phụ lục kèm theo"), ("bieu-mau", "Biểu mẫu kèm theo"), ("du-thao", "Dự thảo"),
               ("danh-sach", "Danh sách kèm theo"))
FILE_ICON = U.THEME_IMG + "icon_{ext}.gif"


def _h(*parts) -> int:
    return int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


def short_date(d: date) -> str:
    return f"{d:%d/%m/%Y}"


@dataclass(frozen=True)
class Attachment:
    uid: str
    filename: str
    label: str | None  # link text; None: icon-only link (the name is then the file name)

    @property
    def ext(self) -> str:
        return self.filename.rsplit(".", 1)[1]

    @property
    def path(self) -> str:
        return f"/wps/wcm/connect/{self.uid}/{self.filename}?MOD=AJPERES&CACHEID={self.uid}"

    @property
    def name(self) -> str:
        return self.label or self.filename

    @property
    def mime_type(self) -> str:
        return MIME[self.ext]


@dataclass(frozen=True)
class Document:
    i: int
    doc_type: str
    number: str
    issued: date
    effective: date | None
    effective_row: bool  # the "Ngày hiệu lực" row is printed (empty when ``effective`` is None)
    issuer: str
    signer: str
    field: str
    summary: str
    attachments: tuple[Attachment, ...]
    link: str  # how the register links it: "friendly" or "poc"

    @property
    def title(self) -> str:
        return f"{self.doc_type} số {self.number}"

    @property
    def content_name(self) -> str:
        return f"{slugify(self.doc_type + ' ' + self.number)}-{self.i}"

    @property
    def wcm_path(self) -> str:
        return WCM_PREFIX + self.content_name

    @property
    def friendly(self) -> str:
        return f"{U.REGISTER}/{self.content_name}"

    @property
    def poc(self) -> str:
        return U.REGISTER + U.poc_query(self.wcm_path)


class Documents:
    def __init__(self, seed: int = 1, count: int = 160):
        self.seed = int(seed)
        self.n = max(0, int(count))
        self.gap = SPAN_DAYS / max(self.n, 1)
        self.get = lru_cache(maxsize=4096)(self._make)

    def pages(self) -> int:
        return max(1, -(-self.n // PAGE_SIZE))

    def page_items(self, page: int) -> range:
        start = (page - 1) * PAGE_SIZE
        return range(start, min(start + PAGE_SIZE, self.n))

    def issued(self, i: int) -> date:
        jitter = (_h(self.seed, "docdate", i) % 1000) / 1000 * 0.5 * self.gap
        return NEWEST - timedelta(days=int(i * self.gap + jitter))

    def find(self, wcm_path: str) -> int | None:
        path = wcm_path.lower().rstrip("/")
        m = re.search(r"-(\d{1,9})$", path)
        if not path.startswith(WCM_PREFIX) or not m:
            return None
        i = int(m.group(1))
        return i if i < self.n and self.get(i).wcm_path == path else None

    def _make(self, i: int) -> Document:
        if not 0 <= i < self.n:
            raise KeyError(i)
        r = random.Random(f"{self.seed}:doc:{i}")
        issued = self.issued(i)
        doc_type, pattern, issuer, _ = r.choices(TYPES, [t[3] for t in TYPES])[0]
        n = 1 + (issued.timetuple().tm_yday - 1) * (4 if issuer == "ubnd" else 1) // 2 + r.randrange(3)
        number = pattern.format(n=n, dept=r.choice(DEPTS))
        field = r.choice(FIELD_NAMES) if issuer != "tu" else r.choice(("Công tác Đảng", "Nội vụ", "Quốc phòng - An ninh"))
        g = TextGen(r, FIELDS[field], issued)
        summary = cap(g.pick(SUMMARIES[doc_type]).format(topic=g.topic(), period=g.period(), action=g.pick(V.ACTIONS),
                                                         event=g.pick(V.EVENTS)))
        x = r.random()
        effective = issued + timedelta(days=r.choice((0, 0, 0, 5, 7, 10, 15))) if x < 0.55 else None
        signer = r.choice(SIGNERS[issuer])
        main = f"{slugify(number)}.{r.choices(('pdf', 'docx', 'doc'), (60, 25, 15))[0]}"
        files = [Attachment(image_uuid(self.seed, i, ATTACHMENT_SLOT), main,
                            r.choice((None, "Tải về toàn văn", f"{doc_type} {number}", main)))]
        for a, (name, label) in enumerate(r.sample(EXTRA_FILES, r.choices((0, 1, 2), (50, 35, 15))[0]), 1):
            ext = r.choice(("pdf", "docx", "doc"))
            files.append(Attachment(image_uuid(self.seed, i, ATTACHMENT_SLOT + a), f"{name}-{a}.{ext}",
                                    r.choice((label, f"{name}-{a}.{ext}", None))))
        return Document(i, doc_type, number, issued, effective, x < 0.55 or x > 0.9, ISSUERS[issuer], signer, field,
                        summary, tuple(files), "poc" if _h(self.seed, "doclink", i) % 3 == 0 else "friendly")

    def attachment(self, i: int, a: int) -> tuple[Document, Attachment] | None:
        if not 0 <= i < self.n:
            return None
        doc = self.get(i)
        return (doc, doc.attachments[a]) if 0 <= a < len(doc.attachments) else None

    @staticmethod
    def file(doc: Document, att: Attachment) -> bytes:
        return file_bytes(att.ext, f"{doc.title} - {doc.issuer}", f"{doc.summary}. Ngày ban hành {short_date(doc.issued)}."
                          f" Người ký: {doc.signer}. ({att.filename})")


# --- HTML (presentation templates) ----------------------------------------------------------------
def register_html(docs: Documents, page: int, action: str) -> str:
    """The search form ``searchvbpq`` (POST to ``action``), the ``ta_border`` table and the JS pager."""
    types = "".join(f'<option value="{escape(t)}">{escape(t)}</option>' for t in dict.fromkeys(t[0] for t in TYPES))
    fields = "".join(f'<option value="{escape(f)}">{escape(f)}</option>' for f in FIELD_NAMES)
    form = (f'<form name="searchvbpq" method="post" action="{escape(action)}">\n'
            '<table class="search_vb" cellpadding="2" cellspacing="0"><tr>'
            '<td>Số hiệu:</td><td><input type="text" name="sohieu" value="" size="15"></td>'
            '<td>Trích yếu:</td><td><input type="text" name="trichyeu" value="" size="30"></td></tr><tr>'
            f'<td>Loại văn bản:</td><td><select name="loaivanban"><option value="">-- Tất cả --</option>{types}</select></td>'
            f'<td>Lĩnh vực:</td><td><select name="linhvuc"><option value="">-- Tất cả --</option>{fields}</select></td></tr>'
            '<tr><td>Từ ngày:</td><td><input type="text" name="tungay" value="" size="10"></td>'
            '<td>Đến ngày:</td><td><input type="text" name="denngay" value="" size="10"> '
            '<input type="button" value="Tìm kiếm" onclick="document.searchvbpq.page.value=1;'
            "document.searchvbpq.cmd.value='search';document.searchvbpq.submit();\"></td></tr></table>\n"
            f'<input type="hidden" name="page" value="{page}"><input type="hidden" name="cmd" value="">\n</form>')
    rows = ['<tr class="header"><th width="5%">STT</th><th width="15%">Số hiệu</th><th width="12%">Ngày ban hành</th>'
            '<th>Trích yếu</th></tr>']
    for i in docs.page_items(page):
        d = docs.get(i)
        href = d.friendly if d.link == "friendly" else U.poc_query(d.wcm_path)
        rows.append(f'<tr><td align="center">{i + 1}</td><td>{escape(d.number)}</td><td align="center">'
                    f'{short_date(d.issued)}</td><td><p>{escape(d.summary)}</p><a href="{escape(href)}">Thông tin văn bản</a>'
                    '</td></tr>')
    table = ('<table class="ta_border" width="100%" cellpadding="3" cellspacing="0" border="1">\n'
             + "\n".join(rows) + "\n</table>")
    return (f'<div class="vbpq">\n{form}\n{table}\n{pager_html(page, docs.pages())}\n'
            '<script type="text/javascript">function gotoPage(n){document.searchvbpq.page.value=n;'
            'document.searchvbpq.submit();}</script>\n</div>')


def pager_html(page: int, last: int) -> str:
    if last <= 1:
        return '<ul id="tableNavigator"></ul>'
    lis = []
    if page > 1:
        lis.append(f'<li><a href="javascript:gotoPage({page - 1})" title="Trang trước">&laquo;</a></li>')
    for n in range(max(1, page - 2), min(last, page + 3) + 1):
        lis.append(f'<li class="active"><span>{n}</span></li>' if n == page
                   else f'<li><a href="javascript:gotoPage({n})">{n}</a></li>')
    if page < last:
        lis.append(f'<li><a href="javascript:gotoPage({page + 1})" title="Trang sau">&raquo;</a></li>')
    return f'<ul id="tableNavigator">{"".join(lis)}</ul>'


def attachment_html(att: Attachment) -> str:
    icon = f'<img src="{FILE_ICON.format(ext=att.ext)}" alt="" border="0">'
    if att.label is None:
        return f'<li><a href="{escape(att.path)}" target="_blank">{icon}</a></li>'
    return f'<li>{icon} <a href="{escape(att.path)}" target="_blank">{escape(att.label)}</a></li>'


def detail_html(doc: Document) -> str:
    """The document view: title, the fields table (``th``/``td`` pairs), the attachment list."""
    rows = [("Số hiệu", doc.number), ("Loại văn bản", doc.doc_type), ("Ngày ban hành", short_date(doc.issued))]
    if doc.effective_row:
        rows.append(("Ngày hiệu lực", short_date(doc.effective) if doc.effective else ""))
    rows += [("Cơ quan ban hành", doc.issuer), ("Người ký", doc.signer), ("Lĩnh vực", doc.field), ("Trích yếu", doc.summary)]
    trs = "\n".join(f'<tr><th align="left" width="25%">{k}</th><td>{escape(v) if v else "&nbsp;"}</td></tr>'
                    for k, v in rows)
    files = "".join(attachment_html(a) for a in doc.attachments)
    return (f'<div class="vb-detail">\n<h1 class="title">{escape(doc.title)}</h1>\n'
            f'<table class="ta_border vb-info" id="tabother2" width="100%" cellpadding="3" cellspacing="0" border="1">\n'
            f'{trs}\n</table>\n<div class="attachments"><b>Tệp đính kèm:</b><ul>{files}</ul></div>\n</div>')
