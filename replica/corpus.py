"""The deterministic content model: which articles exist, where, when, and what they say.

Everything is computed per index on demand (cached), so a corpus of 50 000 articles costs nothing
to create. Article ``k`` lives in leaf ``LEAVES[k % 7]`` at position ``j = k // 7`` (0 = newest):
dates decrease with ``j`` inside a category, so listings need no sort. With ``mutate=K``
(mutations.py) K articles are edited, K deleted and K added (numbers ``n .. n+K-1``, newest first in
their leaf ``k % 7``); the live items of a leaf are then an explicit list (``items``).
"""
from __future__ import annotations

import hashlib
import random
import re
from datetime import datetime, timedelta
from functools import lru_cache

from . import categories as C
from . import seed_article as S
from . import vocab as V
from .blocks import (Article, ArticleMeta, Byline, Email, Image, ImageBlock, ListBlock, Para, Spacer,
                     TableBlock)
from .documents import Documents
from .gallery import Albums
from .media import THUMB_SLOT, image_path, image_uuid
from .mutations import Mutations
from .schedules import Schedules
from .static_pages import StaticPages
from .textgen import TextGen
from .urls import slugify  # noqa: F401  (content names; re-exported)
from .videos import Videos

EPOCH = datetime(2012, 1, 3, 7, 30)
SEED_DATE = datetime(2020, 9, 3, 7, 55)
SEED_RAW = datetime(2020, 9, 3, 2, 16)  # the raw clock value that date() shows as SEED_DATE
LATEST = datetime(2024, 10, 31, 17, 0)
PAGE_SIZE = 10
DOCUMENTS = 160  # default size of the document register
NFD_ONE_IN = 15


def _h(*parts) -> int:
    return int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


class Corpus:
    def __init__(self, articles: int = 300, seed: int = 1, documents: int = DOCUMENTS, mutate: int = 0):
        self.n = max(1, int(articles))  # base articles (their dates depend on it); see ``total``
        self.seed = int(seed)
        # the other sections (issue 3): independent of the articles, each from (seed, index)
        self.documents = Documents(self.seed, documents)
        self.albums = Albums(self.seed)
        self.videos = Videos(self.seed)
        self.schedules = Schedules(self.seed)
        self.static = StaticPages(self.seed)
        self.counts = [len(range(c, self.n, 7)) for c in range(len(C.LEAVES))]
        self.t0 = [SEED_RAW] + [LATEST - timedelta(minutes=_h(self.seed, "t0", c) % (120 * 24 * 60))
                                 for c in range(1, len(C.LEAVES))]
        self.gap = [max(2.0, (t0 - EPOCH).total_seconds() / 60 / max(cnt, 1)) for t0, cnt in zip(self.t0, self.counts)]
        m = min(self.n, 300)
        self.cp1258_k = 1 + _h(self.seed, "cp1258") % (m - 1) if m >= 2 else None
        cf = 1 + _h(self.seed, "cfemail") % (m - 1) if m >= 3 else None
        if cf is not None and cf == self.cp1258_k:
            cf = cf % (m - 1) + 1
        self.cf_k = cf
        self.mutations = Mutations(self.seed, self.n, mutate, keep={0, self.cp1258_k, self.cf_k}) if mutate else None
        self.total = self.mutations.total if self.mutations else self.n  # article numbers are < total
        self._items: dict[int, list[int]] = {}
        self._positions: dict[int, dict[int, int]] = {}
        self.meta = lru_cache(maxsize=65536)(self._meta)
        self.article = lru_cache(maxsize=2048)(self._article)

    # --- identity and dates ------------------------------------------------------------------
    def date(self, k: int) -> datetime:
        """Publication time: a raw minute clock decreasing with j, its time of day squeezed into 06:30-21:29."""
        if k >= self.n:
            return self.mutations.date(k)
        c, j = k % 7, k // 7
        raw = self.t0[c]
        if j:
            jitter = (_h(self.seed, "date", k) % 1000) / 1000 * 0.4 * self.gap[c]
            raw -= timedelta(minutes=int(j * self.gap[c] + jitter))
        tod = 390 + (raw.hour * 60 + raw.minute) * 900 // 1440
        return raw.replace(hour=tod // 60, minute=tod % 60)

    def _meta(self, k: int) -> ArticleMeta:
        if not 0 <= k < self.total:
            raise KeyError(k)
        cat = C.LEAVES[k % 7]
        date = self.date(k)
        if k == 0:
            title = S.TITLE
        else:
            title = TextGen(random.Random(f"{self.seed}:{k}:title"), cat.slug, date).title()
        name = f"{slugify(title)}-{k}"  # an edit keeps the content name (and so the WCM path and URLs)
        if self.mutations and k in self.mutations.edited:
            title = self.mutations.title(k, cat.slug, date, title)
        return ArticleMeta(k, cat, self.position(k) if k >= self.n else k // 7, title, name, date)

    def exists(self, k: int) -> bool:
        """Article ``k`` is on the site (not deleted by a mutation)."""
        return self.mutations.exists(k) if self.mutations else 0 <= k < self.n

    def article_ids(self):
        """Numbers of the articles on the site: the base ones (minus deleted), then the added ones."""
        if not self.mutations:
            return range(self.n)
        return [k for k in range(self.n) if k not in self.mutations.deleted] + list(self.mutations.added())

    def version(self, k: int) -> int:
        """Content version of article ``k``: 2 once edited by a mutation, else 1."""
        return self.mutations.version(k) if self.mutations else 1

    def encoding(self, k: int) -> str:
        if k in (0, self.cf_k):
            return "utf-8"
        if k == self.cp1258_k:
            return "windows-1258"
        return "utf-8-nfd" if _h(self.seed, "nfd", k) % NFD_ONE_IN == 0 else "utf-8"

    def find(self, wcm_path: str) -> int | None:
        """Article number of a WCM path (lower-cased, no trailing slash), else None."""
        path = wcm_path.lower().rstrip("/")
        m = re.search(r"-(\d+)$", path)
        if not m or len(m.group(1)) > 9:
            return None
        k = int(m.group(1))
        if not self.exists(k) or self.meta(k).wcm_path != path:
            return None
        return k

    def find_item(self, wcm_path: str) -> tuple[str, int] | None:
        """(kind, index) of any WCM item: "article", "document", "album", "schedule" or "page"; else None."""
        path = wcm_path.lower().rstrip("/")
        for kind, model in (("article", self), ("document", self.documents), ("album", self.albums),
                            ("schedule", self.schedules), ("page", self.static)):
            i = model.find(path)
            if i is not None:
                return kind, i
        return None

    # --- listings ----------------------------------------------------------------------------
    def items(self, leaf: int):
        """The articles of a leaf, newest first (a ``range`` unless mutated)."""
        if not self.mutations:
            return range(leaf, self.n, 7)
        if leaf not in self._items:
            gone = self.mutations.deleted
            self._items[leaf] = [k for k in self.mutations.added() if k % 7 == leaf] + [
                k for k in range(leaf, self.n, 7) if k not in gone]
        return self._items[leaf]

    def position(self, k: int) -> int:
        """Index of article ``k`` in its leaf's ``items`` (0 = newest)."""
        items = self.items(k % 7)
        if isinstance(items, range):
            return items.index(k)
        if k % 7 not in self._positions:
            self._positions[k % 7] = {x: i for i, x in enumerate(items)}
        return self._positions[k % 7][k]

    def count(self, leaf: int) -> int:
        return len(self.items(leaf))

    def pages(self, leaf: int) -> int:
        return max(1, -(-self.count(leaf) // PAGE_SIZE))

    def listing(self, leaf: int, page: int) -> list[int]:
        start = (page - 1) * PAGE_SIZE
        return list(self.items(leaf)[max(start, 0):start + PAGE_SIZE])

    def category_items(self, leaf: int) -> list[int]:
        return list(self.items(leaf))

    def newest(self, leaves, count: int) -> list[int]:
        cands = [k for c in leaves for k in self.items(c)[:count]]
        cands.sort(key=lambda k: (-self.date(k).timestamp(), k))
        return cands[:count]

    def others(self, k: int, count: int = 5) -> list[int]:
        """"Các tin khác": the next older items of the category, wrapping to the newest."""
        items = self.items(k % 7)
        j, total = self.position(k), len(items)
        return [items[(j + i) % total] for i in range(1, min(count, total - 1) + 1)]

    def related(self, k: int, count: int = 3) -> list[int]:
        # base articles draw from the base order (so a mutation leaves their lists alone unless it deletes an entry)
        seq = range(k % 7, self.n, 7) if k < self.n else self.items(k % 7)
        total = len(seq)
        taken = {k, *self.others(k)}
        out: list[int] = []
        start = _h(self.seed, "rel", k) % max(total, 1)
        for i in range(total):
            cand = seq[(start + 3 * i + 6) % total]
            if cand not in taken and self.exists(cand):
                taken.add(cand)
                out.append(cand)
                if len(out) == count:
                    break
        return out

    # --- content -----------------------------------------------------------------------------
    def _article(self, k: int) -> Article:
        meta = self.meta(k)
        if k == 0:
            return self._seed_article(meta)
        rng = random.Random(f"{self.seed}:{k}:body")
        g = TextGen(rng, meta.category.slug, meta.date)
        encoding = self.encoding(k)
        x = rng.random()
        markup = "word" if x < 0.3 else ("entities" if x < 0.42 and encoding == "utf-8" else "plain")
        lead = g.lead() if rng.random() < 0.9 else None
        n = rng.randint(3, 12)
        paras = [g.paragraph() for _ in range(n)]
        h3_at = rng.randrange(1, n) if rng.random() < 0.3 else None
        ul_at = rng.randrange(n - 1) if rng.random() < 0.25 else None
        table_at = rng.randrange(n - 1) if rng.random() < 0.2 else None
        n_img = min(rng.choices((0, 1, 2, 3), (25, 30, 25, 20))[0], n - 1)
        img_at = sorted(rng.sample(range(n - 1), n_img))
        images = [self._image(rng, g, k, i) for i in range(n_img)]
        blocks: list = []
        for i, text in enumerate(paras):
            if i == h3_at:
                blocks.append(Para((g.heading(),), "h3"))
            blocks.append(Para((text,)))
            if markup == "word" and rng.random() < 0.2:
                blocks.append(Spacer())
            if i == ul_at:
                blocks.append(ListBlock(tuple(g.list_items())))
            if i == table_at:
                blocks.append(TableBlock(tuple(tuple(r) for r in g.table())))
            for slot, at in enumerate(img_at):
                if at == i:
                    blocks.append(ImageBlock(images[slot]))
        if k == self.cf_k:
            blocks.append(Para(("Mọi thông tin chi tiết xin liên hệ Văn phòng HĐND - UBND thị xã, điện thoại "
                                f"0238.3866.{rng.randint(100, 999)}, email: ", Email(g.pick(V.EMAIL_BOXES)), ".")))
        thumb = images[0] if images else Image(
            image_path(image_uuid(self.seed, k, THUMB_SLOT), "anh-dai-dien.jpg"), None, None)
        article = Article(meta, lead, tuple(blocks), self._byline(rng), markup, encoding, thumb)
        if self.mutations and k in self.mutations.edited:
            return self.mutations.edit(article)
        return article

    def _image(self, rng: random.Random, g: TextGen, k: int, slot: int) -> Image:
        style = rng.choices(("p", "table", "none"), (45, 30, 25))[0]
        lazy = rng.random() < 0.3
        a = rng.random()
        alt = g.alt() if a < 0.4 else ("" if a < 0.7 else None)
        stem = g.pick(V.FILE_STEMS)
        filename = f"{stem}{rng.randint(1, 9999):04d}.jpg" if not stem.endswith("-") else f"{stem}{slot + 1}.jpg"
        caption = g.caption() if style != "none" else None
        return Image(image_path(image_uuid(self.seed, k, slot), filename), caption, alt, style, lazy)

    def _byline(self, rng: random.Random) -> Byline:
        style = rng.choice("abcde")
        name = V.GIVEN_NAMES[rng.randrange(len(V.GIVEN_NAMES))]
        source = V.SOURCES[rng.randrange(len(V.SOURCES))]
        period = rng.random() < 0.3
        if style == "a":
            return Byline("a", name, V.ROLES[rng.randrange(len(V.ROLES))])
        if style == "b":
            return Byline("b", name)
        if style == "c":
            return Byline("c", source=source, source_prefix=rng.choice(("Theo ", "Nguồn: ")), source_period=period)
        if style == "d":
            return Byline("d", name, source=source, source_period=period)
        return Byline("e")

    def _seed_article(self, meta: ArticleMeta) -> Article:
        images = [Image(image_path(image_uuid(self.seed, 0, i), f"cong-tac-can-bo-{i + 1}.jpg"), cap, None)
                  for i, (_, cap) in enumerate(S.IMAGES)]
        blocks: list = []
        for i, text in enumerate(S.BODY):
            blocks.append(Para((text,)))
            for slot, (at, _) in enumerate(S.IMAGES):
                if at == i:
                    blocks.append(ImageBlock(images[slot]))
        return Article(meta, S.LEAD, tuple(blocks), Byline("a", S.AUTHOR, S.ROLE), "plain", "utf-8", images[0])
