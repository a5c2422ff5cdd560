"""Static WCM pages (no date): Giới thiệu chung, Hệ thống chính trị, Quy hoạch phát triển KTXH, Doanh nghiệp.

Each section has a landing page at its friendly URL (``/wps/portal/hoangmai/<section>``) that shows its
first item plus a menu of the others (``/wps/portal/hoangmai/<section>/<name>``); Doanh nghiệp's
landing is instead a listing of businesses, each its own page. Page ``p`` is an index into ``build()``.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from html import escape

from . import categories as C
from . import urls as U
from . import vocab as V
from .article_html import esc, image_html
from .blocks import Image, ImageBlock, ListBlock, Para, TableBlock, collapse, text_blocks
from .media import PAGE_IMAGE_SLOT, image_path, image_uuid
from .textgen import TextGen, cap

SECTIONS = {slug: name for slug, name in C.STATIC_SECTIONS}
BUSINESS_SECTION = "doanh-nghiep"
BUSINESS_COUNT = 12


@dataclass(frozen=True)
class StaticPage:
    p: int
    section: str  # section slug (= site area), e.g. "gioi-thieu-chung"
    name: str  # content name
    title: str
    blocks: tuple
    landing: bool = False  # shown at the section's own friendly URL
    fields: bool = False  # the first block is a th/td table of fields (businesses)

    @property
    def section_name(self) -> str:
        return SECTIONS[self.section]

    @property
    def wcm_path(self) -> str:
        return f"/{C.LIBRARY}/{C.SITE}/{self.section}/{self.name}"

    @property
    def friendly(self) -> str:
        return U.static(self.section) if self.landing else f"{U.static(self.section)}/{self.name}"

    @property
    def images(self) -> list[Image]:
        return [b.image for b in self.blocks if isinstance(b, ImageBlock)]

    @property
    def body_text(self) -> str:
        return "\n\n".join(text_blocks(self.blocks))


def _p(*texts: str) -> tuple:
    return tuple(Para((t,)) for t in texts)


WARD_ROWS = (("STT", "Đơn vị hành chính", "Diện tích (km²)", "Dân số (người)"),
             ("1", "Phường Mai Hùng", "15,62", "14.820"), ("2", "Phường Quỳnh Dị", "6,04", "12.110"),
             ("3", "Phường Quỳnh Phương", "5,96", "17.050"), ("4", "Phường Quỳnh Thiện", "20,35", "10.780"),
             ("5", "Phường Quỳnh Xuân", "28,37", "14.600"), ("6", "Xã Quỳnh Liên", "7,10", "8.860"),
             ("7", "Xã Quỳnh Lộc", "34,33", "10.050"), ("8", "Xã Quỳnh Lập", "27,43", "13.940"),
             ("9", "Xã Quỳnh Trang", "21,15", "8.130"), ("10", "Xã Quỳnh Vinh", "3,35", "6.030"))
BUSINESSES = (  # (kind, name, field)
    ("Công ty Cổ phần", "Xi măng Hoàng Mai", "Sản xuất vật liệu xây dựng"),
    ("Công ty TNHH", "Thủy sản Quỳnh Lập", "Nuôi trồng, chế biến thủy sản"),
    ("Công ty Cổ phần", "Cảng biển Đông Hồi", "Khai thác cảng biển, logistics"),
    ("Công ty TNHH", "May mặc Quỳnh Thiện", "Dệt may"), ("Hợp tác xã", "Nước mắm Quỳnh Phương", "Chế biến thực phẩm"),
    ("Công ty TNHH", "Đóng tàu Quỳnh Lộc", "Đóng mới, sửa chữa tàu thuyền"),
    ("Công ty TNHH", "Du lịch biển Quỳnh Xuân", "Du lịch, dịch vụ"),
    ("Công ty TNHH", "Gạch không nung Mai Hùng", "Sản xuất vật liệu xây dựng"),
    ("Hợp tác xã", "Nông sản sạch Quỳnh Vinh", "Nông nghiệp công nghệ cao"),
    ("Công ty Cổ phần", "Vận tải Hoàng Mai", "Vận tải hàng hóa, hành khách"),
    ("Công ty TNHH", "Xây dựng Quỳnh Dị", "Xây dựng dân dụng và công nghiệp"),
    ("Hợp tác xã", "Muối Quỳnh Liên", "Sản xuất, kinh doanh muối"),
    ("Công ty TNHH", "Đá xây dựng Quỳnh Trang", "Khai thác khoáng sản"),
    ("Doanh nghiệp tư nhân", "Điện máy Bắc Nghệ An", "Thương mại, dịch vụ"),
)


@dataclass(frozen=True)
class _Img:
    """An image of a hand-written page, before it gets its uuid (which needs the page index)."""
    j: int
    filename: str
    caption: str | None
    alt: str | None


def _fixed_pages() -> list[tuple]:
    """(section, name, title, blocks, landing) of the hand-written pages."""
    img = _Img
    return [
        ("gioi-thieu-chung", "tong-quan", "Tổng quan về thị xã Hoàng Mai", _p(
            "Thị xã Hoàng Mai nằm ở phía Bắc tỉnh Nghệ An, cách thành phố Vinh khoảng 75 km về phía Bắc, có Quốc lộ 1A, "
            "đường sắt Bắc - Nam và đường cao tốc Bắc - Nam chạy qua.",
            "Thị xã có 10 đơn vị hành chính cấp xã gồm 5 phường và 5 xã, với tổng diện tích tự nhiên hơn 169 km² "
            "và dân số trên 117 nghìn người.",
        ) + (img(0, "toan-canh-hoang-mai.jpg", "Toàn cảnh trung tâm thị xã Hoàng Mai.", "Thị xã Hoàng Mai"),) + _p(
            "Với lợi thế về cảng biển Đông Hồi, khu công nghiệp Hoàng Mai và Khu kinh tế Đông Nam Nghệ An, thị xã đang "
            "trở thành trung tâm kinh tế động lực phía Bắc của tỉnh."), True),
        ("gioi-thieu-chung", "lich-su-hinh-thanh", "Lịch sử hình thành", _p(
            "Thị xã Hoàng Mai được thành lập theo Nghị quyết số 47/NQ-CP ngày 03/4/2013 của Chính phủ, trên cơ sở "
            "điều chỉnh địa giới hành chính huyện Quỳnh Lưu.",
            "Vùng đất Hoàng Mai có lịch sử lâu đời, gắn với đền Cờn, đền Quỳnh Lập và nhiều di tích lịch sử - văn hóa "
            "được xếp hạng cấp quốc gia.",
            "Ngày 15/5/2013, thị xã Hoàng Mai chính thức ra mắt và đi vào hoạt động."), False),
        ("gioi-thieu-chung", "dieu-kien-tu-nhien", "Điều kiện tự nhiên", _p(
            "Phía Bắc giáp huyện Tĩnh Gia (tỉnh Thanh Hóa), phía Nam và phía Tây giáp huyện Quỳnh Lưu, phía Đông giáp "
            "Biển Đông.") + (ListBlock((
                "Địa hình: đồi núi thấp xen kẽ đồng bằng ven biển;", "Khí hậu: nhiệt đới gió mùa, nhiệt độ trung bình 24°C;",
                "Bờ biển dài khoảng 18 km với bãi tắm Quỳnh Phương, Quỳnh Lập.")),), False),
        ("gioi-thieu-chung", "don-vi-hanh-chinh", "Đơn vị hành chính", _p(
            "Thị xã Hoàng Mai có 10 đơn vị hành chính trực thuộc gồm 5 phường và 5 xã:") + (TableBlock(WARD_ROWS),), False),
        ("he-thong-chinh-tri", "tong-quan", "Hệ thống chính trị thị xã Hoàng Mai", _p(
            "Hệ thống chính trị thị xã gồm Đảng bộ thị xã, Hội đồng nhân dân, Ủy ban nhân dân, Ủy ban Mặt trận Tổ quốc "
            "Việt Nam và các tổ chức chính trị - xã hội.",
            "Đảng bộ thị xã có 32 tổ chức cơ sở đảng với hơn 5.000 đảng viên."), True),
        ("he-thong-chinh-tri", "thi-uy", "Thị ủy Hoàng Mai", _p(
            "Ban Chấp hành Đảng bộ thị xã nhiệm kỳ 2020 - 2025 gồm 35 đồng chí, Ban Thường vụ gồm 11 đồng chí.",
            "Các cơ quan tham mưu, giúp việc của Thị ủy gồm: Văn phòng Thị ủy, Cơ quan Tổ chức - Nội vụ, Ủy ban Kiểm tra, "
            "Ban Tuyên giáo, Ban Dân vận và Trung tâm Chính trị thị xã."), False),
        ("he-thong-chinh-tri", "hdnd-thi-xa", "Hội đồng nhân dân thị xã", _p(
            "HĐND thị xã khóa III, nhiệm kỳ 2021 - 2026 có 30 đại biểu.",
            "Thường trực HĐND thị xã gồm Chủ tịch, Phó Chủ tịch và các Ủy viên Thường trực; HĐND có 2 ban là Ban Kinh tế - "
            "Xã hội và Ban Pháp chế."), False),
        ("he-thong-chinh-tri", "ubnd-thi-xa", "Ủy ban nhân dân thị xã", _p(
            "UBND thị xã gồm Chủ tịch, các Phó Chủ tịch và các Ủy viên.") + (ListBlock(tuple(
                f"{a};" for a in V.AGENCIES[5:14]) + ("Văn phòng HĐND - UBND thị xã.",)),), False),
        ("he-thong-chinh-tri", "mttq-va-cac-doan-the", "Ủy ban MTTQ và các đoàn thể", _p(
            "Ủy ban MTTQ thị xã cùng Hội Liên hiệp Phụ nữ, Hội Nông dân, Hội Cựu chiến binh, Thị đoàn và Liên đoàn Lao "
            "động thị xã là các tổ chức chính trị - xã hội trong hệ thống chính trị."), False),
        ("quy-hoach-phat-trien", "quy-hoach-chung", "Quy hoạch chung xây dựng thị xã Hoàng Mai đến năm 2030", _p(
            "Quy hoạch chung xây dựng thị xã Hoàng Mai đến năm 2030, tầm nhìn đến năm 2040 xác định thị xã là đô thị "
            "công nghiệp, dịch vụ cảng biển, phấn đấu trở thành đô thị loại III.") + (
            img(0, "ban-do-quy-hoach.jpg", "Bản đồ định hướng phát triển không gian thị xã Hoàng Mai.", None),) + _p(
            "Không gian đô thị được tổ chức theo ba vùng: vùng đô thị trung tâm, vùng công nghiệp - cảng biển phía Đông "
            "và vùng nông nghiệp sinh thái phía Tây."), True),
        ("quy-hoach-phat-trien", "ke-hoach-phat-trien-ktxh-2021-2025", "Kế hoạch phát triển kinh tế - xã hội 5 năm 2021 - 2025",
         _p("Mục tiêu tổng quát: phát triển kinh tế nhanh và bền vững, giữ vững quốc phòng, an ninh.") + (TableBlock((
             ("Chỉ tiêu", "Đơn vị", "Mục tiêu đến năm 2025"), ("Tốc độ tăng trưởng giá trị sản xuất", "%/năm", "12 - 13"),
             ("Thu nhập bình quân đầu người", "triệu đồng", "85"), ("Tỷ lệ hộ nghèo", "%", "dưới 2"))),), False),
    ]


def _business(seed: int, b: int) -> tuple:
    r = random.Random(f"{seed}:business:{b}")
    kind, core, field = BUSINESSES[b]
    name = f"{kind} {core}"
    address = f"{r.choice(('Khối', 'Xóm', 'Thôn'))} {r.randint(1, 15)}, {cap(r.choice(V.PLACES))}, thị xã Hoàng Mai, tỉnh Nghệ An"
    phone = f"0238.{r.randint(3600, 3999)}.{r.randint(100, 999)}"
    g = TextGen(r, "kinh-te", None)
    desc = (f"{name} hoạt động trong lĩnh vực {field.lower()}, giải quyết việc làm cho {r.randint(20, 900)} lao động "
            f"địa phương.", f"Doanh nghiệp tích cực tham gia {g.topic()} và các hoạt động an sinh xã hội trên địa bàn.")
    rows = (("Tên doanh nghiệp", name), ("Địa chỉ", address), ("Điện thoại", phone), ("Lĩnh vực", field))
    return (BUSINESS_SECTION, U.slugify(core), name, (TableBlock(rows),) + _p(*desc[:1 + r.randrange(2)]), False, True)


def _resolve(seed: int, p: int, blocks: tuple) -> tuple:
    return tuple(ImageBlock(Image(image_path(image_uuid(seed, p, PAGE_IMAGE_SLOT + b.j), b.filename), b.caption, b.alt))
                 if isinstance(b, _Img) else b for b in blocks)


def build(seed: int) -> tuple[StaticPage, ...]:
    rows = _fixed_pages() + [_business(seed, b) for b in range(BUSINESS_COUNT)]
    return tuple(StaticPage(p, section, name, title, _resolve(seed, p, blocks), *rest)
                 for p, (section, name, title, blocks, *rest) in enumerate(rows))


def _menus() -> dict[str, list[tuple[str, str]]]:
    """(friendly path, title) of each section's hand-written pages, for the theme's left portlets."""
    out: dict[str, list[tuple[str, str]]] = {}
    for section, name, title, _blocks, landing in _fixed_pages():
        out.setdefault(section, []).append((U.static(section) + ("" if landing else f"/{name}"), title))
    return out


MENUS = _menus()


class StaticPages:
    def __init__(self, seed: int = 1):
        self.pages = build(int(seed))
        self.by_path = {pg.wcm_path: pg.p for pg in self.pages}
        self.landing = {pg.section: pg.p for pg in self.pages if pg.landing}

    def find(self, wcm_path: str) -> int | None:
        return self.by_path.get(wcm_path.lower().rstrip("/"))

    def get(self, p: int) -> StaticPage:
        return self.pages[p]

    def in_section(self, section: str) -> list[StaticPage]:
        return [pg for pg in self.pages if pg.section == section]

    def image(self, p: int, j: int) -> Image | None:
        if not 0 <= p < len(self.pages):
            return None
        images = self.pages[p].images
        return images[j] if 0 <= j < len(images) else None


# --- HTML -----------------------------------------------------------------------------------------
def _table(rows, fields: bool) -> str:
    trs = []
    for n, row in enumerate(rows):
        if fields:
            trs.append(f'<tr><th align="left" width="25%">{esc(row[0])}</th><td>{esc(row[1])}</td></tr>')
        else:
            tag = "th" if n == 0 else "td"
            trs.append("<tr>" + "".join(f"<{tag}>{esc(c)}</{tag}>" for c in row) + "</tr>")
    cls = ' class="dn_info"' if fields else ""
    return f'<table{cls} border="1" cellpadding="4" cellspacing="0" style="width:100%;border-collapse:collapse"><tbody>' \
           + "".join(trs) + "</tbody></table>"


def body_html(pg: StaticPage) -> str:
    """The page's ``div#contentBody`` content."""
    out = []
    for b in pg.blocks:
        if isinstance(b, Para):
            out.append(f'<p style="text-align:justify">{esc(b.text)}</p>')
        elif isinstance(b, ListBlock):
            out.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, TableBlock):
            out.append(_table(b.rows, pg.fields and b is pg.blocks[0]))
        elif isinstance(b, ImageBlock):
            out.append(image_html(b.image))
    return "\n".join(out)


def clean_html(pg: StaticPage, base_url: str) -> str:
    """Sanitized body (design.md ``body_html``): p, ul/li, table/tr/th/td, figure/img/figcaption."""
    out = []
    for b in pg.blocks:
        if isinstance(b, Para):
            out.append(f"<p>{esc(collapse(b.text))}</p>")
        elif isinstance(b, ListBlock):
            out.append("<ul>" + "".join(f"<li>{esc(collapse(i))}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, TableBlock):
            fields = pg.fields and b is pg.blocks[0]
            trs = []
            for n, row in enumerate(b.rows):
                tags = ["th" if (c == 0 if fields else n == 0) else "td" for c in range(len(row))]
                trs.append("<tr>" + "".join(f"<{t}>{esc(v)}</{t}>" for t, v in zip(tags, row)) + "</tr>")
            out.append("<table>" + "".join(trs) + "</table>")
        elif isinstance(b, ImageBlock):
            img = b.image
            alt = f' alt="{escape(img.alt)}"' if img.alt else ""
            cap_html = f"<figcaption>{esc(img.caption)}</figcaption>" if img.caption else ""
            out.append(f'<figure><img src="{escape(base_url + img.path)}"{alt}>{cap_html}</figure>')
    return "\n".join(out)


def page_html(pg: StaticPage, siblings: list[StaticPage]) -> str:
    """Title (no date), the body in ``div#contentBody``, and the section's menu of the other pages."""
    menu = "".join(f'<li><a href="{escape(s.friendly)}">{esc(s.title)}</a></li>' for s in siblings if s.p != pg.p)
    menu_html = f'\n<div class="sub_pages"><h3>Các trang khác</h3><ul>{menu}</ul></div>' if menu else ""
    return (f'<div class="static-page">\n<h1 class="title">{esc(pg.title)}</h1>\n'
            f'<div id="contentBody">\n{body_html(pg)}\n</div>{menu_html}\n</div>')


def business_list_html(pages: list[StaticPage]) -> str:
    lis = []
    for pg in pages:
        addr = pg.blocks[0].rows[1][1]
        lis.append(f'<li><a href="{escape(pg.friendly)}">{esc(pg.title)}</a><br><span class="dn_addr">{esc(addr)}</span></li>')
    return f'<div class="dn_list"><ul>{"".join(lis)}</ul></div>'
