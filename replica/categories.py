"""The WCM site areas (categories) of the replica and the static sections of the theme."""
from __future__ import annotations

from dataclasses import dataclass

LIBRARY = "hoangmai"
SITE = "site"


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    parent: str | None = None

    @property
    def path(self) -> str:
        """Site-area path below the site, e.g. ``tin-tuc-su-kien/kinh-te``."""
        return f"{self.parent}/{self.slug}" if self.parent else self.slug

    @property
    def wcm_path(self) -> str:
        return f"/{LIBRARY}/{SITE}/{self.path}"


NEWS = Category("tin-tuc-su-kien", "Tin tức sự kiện")

# Leaves in round-robin order: article k lives in LEAVES[k % 7]; article 0 (the seed) in chinh-tri.
LEAVES: tuple[Category, ...] = (
    Category("chinh-tri", "Chính trị - Xây dựng Đảng", NEWS.slug),
    Category("kinh-te", "Kinh tế", NEWS.slug),
    Category("van-hoa-xa-hoi", "Văn hóa - Xã hội", NEWS.slug),
    Category("quoc-phong-an-ninh", "Quốc phòng - An ninh", NEWS.slug),
    Category("thong-bao", "Thông báo"),
    Category("cai-cach-hanh-chinh", "Cải cách hành chính"),
    Category("guong-dien-hinh", "Gương điển hình tiên tiến"),
)
NEWS_LEAVES = LEAVES[:4]

# Top-level categories, in navigation order.
TOP: tuple[Category, ...] = (NEWS, LEAVES[4], LEAVES[5], LEAVES[6])

ALL: tuple[Category, ...] = (NEWS, *LEAVES)
BY_PATH: dict[str, Category] = {c.path: c for c in ALL}
LEAF_INDEX: dict[str, int] = {c.path: i for i, c in enumerate(LEAVES)}


def children(cat: Category) -> tuple[Category, ...]:
    return tuple(c for c in LEAVES if c.parent == cat.slug)


def parent_of(cat: Category) -> Category | None:
    return BY_PATH.get(cat.parent) if cat.parent else None


# The other sections of the left menu (friendly page name, name): static pages (static_pages.py), the
# document register (documents.py), the photo gallery (gallery.py); plus the calendar and the videos.
STATIC_SECTIONS = (
    ("gioi-thieu-chung", "Giới thiệu chung"),
    ("he-thong-chinh-tri", "Hệ thống chính trị"),
    ("quy-hoach-phat-trien", "Quy hoạch phát triển, KTXH"),
    ("van-ban-chi-dao-dieu-hanh", "Văn bản chỉ đạo điều hành"),
    ("doanh-nghiep", "Doanh nghiệp"),
    ("thu-vien-anh", "Thư viện ảnh"),
)
SECTION_NAMES = {**dict(STATIC_SECTIONS), "lich-lam-viec": "Lịch làm việc", "video": "Video"}
