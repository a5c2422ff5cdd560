"""URL shapes of the replica (paths; prefix a base like ``http://127.0.0.1:8080`` for absolute URLs)."""
from __future__ import annotations

import re
import unicodedata

from .blocks import ArticleMeta
from .categories import Category

PORTAL = "/wps/portal/hoangmai"
HOME = PORTAL + "/"
THEME_IMG = "/wps/themes/html/HoangMai/images/"
SPACER = THEME_IMG + "spacer.gif"
PRINT_TEMPLATE = "hoangmai/pt_print"
CALENDAR = PORTAL + "/lich-lam-viec"
SEARCH = PORTAL + "/tim-kiem"
LOGIN = "/wps/myportal/"
# the sections of issue 3 (friendly page names)
REGISTER = PORTAL + "/van-ban-chi-dao-dieu-hanh"  # documents: /hoangmai/site/van-ban/<name>
GALLERY = PORTAL + "/thu-vien-anh"
VIDEOS = PORTAL + "/video"
SCHEDULES = CALENDAR + "/danh-sach"  # real week pages: CALENDAR + /tuan-<ww>-<yyyy>
BUSINESSES = PORTAL + "/doanh-nghiep"


def slugify(text: str) -> str:
    """ASCII slug of a title (content names): ``đ`` → ``d``, accents dropped, runs of others → ``-``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def category(cat: Category) -> str:
    return f"{PORTAL}/{cat.path}"


def friendly(meta: ArticleMeta) -> str:
    return f"{PORTAL}/{meta.category.path}/{meta.content_name}"


def poc_query(wcm_path: str) -> str:
    """The relative PoC delta, as listings print it (resolves against the ``<base href>``)."""
    return f"?1dmy&current=true&urile=wcm:path:{wcm_path}"


def poc(meta: ArticleMeta) -> str:
    return f"{PORTAL}/{meta.category.path}{poc_query(meta.wcm_path)}"


def connect(wcm_path: str) -> str:
    return "/wps/wcm/connect" + wcm_path


def print_url(wcm_path: str) -> str:
    return f"{connect(wcm_path)}?presentationtemplate={PRINT_TEMPLATE}"


def static(name: str) -> str:
    return f"{PORTAL}/{name}"


def item_urls(friendly: str, page: str, wcm_path: str) -> dict:
    """The URL forms of a WCM item shown on portal page ``page`` (paths): friendly, PoC, connect, print."""
    return {"friendly": friendly, "poc": page + poc_query(wcm_path), "connect": connect(wcm_path),
            "print": print_url(wcm_path)}
