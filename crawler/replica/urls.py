"""URL shapes of the replica (paths; prefix a base like ``http://127.0.0.1:8080`` for absolute URLs)."""
from __future__ import annotations

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
