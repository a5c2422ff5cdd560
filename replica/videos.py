"""Video: ``ul.thumbnail_list`` of clips played by ``playClip('URL','TITLE',…)``; one item has an empty URL.

Video ``i`` (0 = newest) has a tiny real MP4 (file uuid slot ``VIDEO_SLOT``) and a JPEG thumbnail
(``VIDEO_THUMB_SLOT``). The list gives no WCM path: a video's identity is ``video:`` + its file path.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from html import escape

from . import urls as U
from . import vocab as V
from .article_html import esc
from .media import VIDEO_SLOT, VIDEO_THUMB_SLOT, image_path, image_uuid
from .textgen import TextGen, cap

COUNT = 10
NEWEST = date(2020, 9, 1)
HEADS = ("Phóng sự:", "Bản tin thời sự:", "Clip:", "Toàn cảnh", "Video:")
TOPIC_CATS = ("kinh-te", "van-hoa-xa-hoi", "chinh-tri", "quoc-phong-an-ninh", "guong-dien-hinh", "cai-cach-hanh-chinh")


@dataclass(frozen=True)
class Video:
    i: int
    title: str
    day: date
    uid: str
    thumb_uid: str
    empty: bool  # the list item's playClip has an empty URL (an error, not a record)
    seconds: int

    @property
    def filename(self) -> str:
        return f"{U.slugify(self.title)[:48].strip('-')}.mp4"

    @property
    def path(self) -> str:
        return "" if self.empty else f"/wps/wcm/connect/{self.uid}/{self.filename}?MOD=AJPERES"

    @property
    def thumb(self) -> str:
        return image_path(self.thumb_uid, f"video{self.i + 1}.jpg")


class Videos:
    def __init__(self, seed: int = 1, count: int = COUNT):
        self.seed = int(seed)
        self.n = count
        self.empty_i = 1 + int.from_bytes(hashlib.blake2b(f"{seed}|emptyclip".encode(), digest_size=4).digest(),
                                           "big") % (count - 1)
        self.get = lru_cache(maxsize=64)(self._make)

    def _make(self, i: int) -> Video:
        if not 0 <= i < self.n:
            raise KeyError(i)
        r = random.Random(f"{self.seed}:video:{i}")
        day = NEWEST - timedelta(days=i * 23 + r.randrange(12))
        g = TextGen(r, TOPIC_CATS[i % len(TOPIC_CATS)], day)
        title = cap(f"{r.choice(HEADS)} {g.pick(V.EVENTS)} {g.topic()}")
        return Video(i, title, day, image_uuid(self.seed, i, VIDEO_SLOT), image_uuid(self.seed, i, VIDEO_THUMB_SLOT),
                     i == self.empty_i, r.randint(20, 240))

    def video(self, i: int) -> Video | None:
        if not 0 <= i < self.n:
            return None
        v = self.get(i)
        return None if v.empty else v


def _js(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def list_html(videos: Videos) -> str:
    items = []
    for i in range(videos.n):
        v = videos.get(i)
        play = escape(f"playClip('{_js(v.path)}','{_js(v.title)}','mediaplayer',480,320);return false;",
                      quote=False).replace('"', "&quot;")
        items.append(f'<li><a href="javascript:void(0)" onclick="{play}"><img src="{escape(v.thumb)}" width="120" height="80" '
                     f'border="0" alt=""></a><div class="video_info"><a class="video_title" href="javascript:void(0)" '
                     f'onclick="{play}">{esc(v.title)}</a><p class="post_meta">{v.day:%d/%m/%Y}</p></div></li>')
    first = videos.get(0)
    return (f'<div class="video_player"><div id="mediaplayer"></div><script type="text/javascript">'
            f"playClip('{_js(first.path)}','{_js(first.title)}','mediaplayer',480,320);</script></div>\n"
            f'<ul class="thumbnail_list">\n' + "\n".join(items) + "\n</ul>\n"
            f'<div class="album_link"><a href="{U.GALLERY}">Thư viện ảnh</a></div>')
