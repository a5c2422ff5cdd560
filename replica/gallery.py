"""Thư viện ảnh: a thumbnail grid of albums and each album's page (images, captions, a JS slideshow).

Album ``i`` (0 = newest) has 4–10 full-size images (640x400 JPEGs, file uuid slot ``ALBUM_SLOT + j``).
The grid shows an album's first image under another URL of the same file: ``&CVID=<token>`` instead of
``&CACHEID=<uuid>``. The slideshow array repeats the image URLs exactly.
"""
from __future__ import annotations

import base64
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
from .article_html import esc
from .blocks import Image
from .media import ALBUM_SLOT, image_path, image_uuid
from .textgen import TextGen, cap

COUNT = 14
NEWEST = date(2020, 9, 2)
SA = "thu-vien-anh"
WCM_PREFIX = f"/{C.LIBRARY}/{C.SITE}/{SA}/"
HEADS = ("Hình ảnh", "Một số hình ảnh tại", "Ảnh:", "Chùm ảnh")
TOPIC_CATS = ("chinh-tri", "kinh-te", "van-hoa-xa-hoi", "quoc-phong-an-ninh", "guong-dien-hinh")


@dataclass(frozen=True)
class Album:
    i: int
    title: str
    day: date
    images: tuple[Image, ...]

    @property
    def content_name(self) -> str:
        return f"{U.slugify(self.title)}-{self.i}"

    @property
    def wcm_path(self) -> str:
        return WCM_PREFIX + self.content_name

    @property
    def friendly(self) -> str:
        return f"{U.GALLERY}/{self.content_name}"

    @property
    def thumb(self) -> str:
        """The first image's file under its ``CVID`` URL (same bytes as its ``CACHEID`` URL)."""
        uid = self.images[0].path.split("/")[4]
        token = base64.b32encode(hashlib.sha1(f"cvid|{uid}".encode()).digest()[:5]).decode().lower()
        return self.images[0].path.split("&CACHEID=")[0] + f"&CVID={token}"


class Albums:
    def __init__(self, seed: int = 1, count: int = COUNT):
        self.seed = int(seed)
        self.n = count
        self.get = lru_cache(maxsize=256)(self._make)

    def find(self, wcm_path: str) -> int | None:
        path = wcm_path.lower().rstrip("/")
        m = re.search(r"-(\d{1,4})$", path)
        if not path.startswith(WCM_PREFIX) or not m:
            return None
        i = int(m.group(1))
        return i if i < self.n and self.get(i).wcm_path == path else None

    def _make(self, i: int) -> Album:
        if not 0 <= i < self.n:
            raise KeyError(i)
        r = random.Random(f"{self.seed}:album:{i}")
        day = NEWEST - timedelta(days=i * 17 + r.randrange(10))
        g = TextGen(r, TOPIC_CATS[i % len(TOPIC_CATS)], day)
        title = cap(f"{r.choice(HEADS)} {g.pick(V.EVENTS)} {g.topic()}")
        images = []
        for j in range(r.randint(4, 10)):
            uid = image_uuid(self.seed, i, ALBUM_SLOT + j)
            a = r.random()
            alt = title if a < 0.5 else ("" if a < 0.75 else None)
            caption = g.caption() if r.random() < 0.6 else None
            images.append(Image(image_path(uid, f"album{i + 1}-anh{j + 1:02d}.jpg"), caption, alt))
        return Album(i, title, day, tuple(images))

    def image(self, i: int, j: int) -> Image | None:
        if not 0 <= i < self.n:
            return None
        images = self.get(i).images
        return images[j] if 0 <= j < len(images) else None


# --- HTML (presentation templates) ----------------------------------------------------------------
def grid_html(albums: Albums) -> str:
    cells = []
    for i in range(albums.n):
        a = albums.get(i)
        cells.append(f'<div class="album_item"><a href="{escape(a.friendly)}"><img src="{escape(a.thumb)}" width="150" '
                     f'height="100" border="0" alt=""></a><br><a class="album_title" href="{escape(a.friendly)}">'
                     f'{esc(a.title)}</a> <span class="date">({a.day:%d/%m/%Y})</span></div>')
    return (f'<div class="album_grid">{"".join(cells)}</div>\n'
            f'<div class="video_link"><a href="{U.VIDEOS}">Xem thư viện video</a></div>')


def album_html(a: Album, others: list[Album]) -> str:
    photos = []
    for img in a.images:
        alt = "" if img.alt is None else f' alt="{escape(img.alt)}"'
        cap_html = f'<p class="caption"><em>{esc(img.caption)}</em></p>' if img.caption else ""
        photos.append(f'<div class="photo"><a href="{escape(img.path)}" target="_blank"><img src="{escape(img.path)}"'
                      f'{alt} width="600" border="0"></a>{cap_html}</div>')
    slides = ", ".join(f"'{img.path}'" for img in a.images)
    more = "".join(f'<li><a href="{escape(o.friendly)}">{esc(o.title)}</a> <span class="date">({o.day:%d/%m/%Y})</span></li>'
                   for o in others)
    return (f'<div class="album-detail">\n<h1 class="title">{esc(a.title)} <span class="date">({a.day:%d/%m/%Y})</span></h1>\n'
            f'<div id="contentBody" class="album">\n' + "\n".join(photos) + '\n</div>\n'
            f'<div id="slideshow_player"></div>\n<script type="text/javascript">\nvar slides = [{slides}];\n'
            "startSlideShow('slideshow_player', slides);\n</script>\n"
            f'<div class="other-albums"><h3>Các album khác</h3><ul>{more}</ul></div>\n</div>')
