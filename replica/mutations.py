"""``--mutate K``: the portal "some time later", for incremental re-crawls. ARTICLES ONLY.

From ``(seed, articles, K)`` alone: K existing articles are EDITED (new title, one more body paragraph,
version 2, Last-Modified = ``MUTATED_AT``; same content name, WCM path, URLs and publication date),
K articles are ADDED (numbers ``n .. n+K-1``, leaf ``k % 7``, published after every existing article,
so they head their listings and the home page) and K are DELETED (gone from listings, home and the
other/related lists; their connect/print URLs answer 404, their portal URLs the soft 404, their images
404). Never touched: the seed article (0), the windows-1258 one and the Cloudflare-email one. Every
other record is unchanged; pages that list a mutated article differ only in those list entries.
"""
from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta

from .blocks import Article, Para
from .textgen import TextGen

ADDED_NEWEST = datetime(2024, 11, 20, 10, 0)  # the newest added article (base articles end 2024-10-31)
ADDED_OLDEST = datetime(2024, 11, 1, 0, 0)
MUTATED_AT = datetime(2024, 11, 21, 9, 15)  # Last-Modified of the edited articles (local time, +07:00)
EDIT_MARK = "Cập nhật: "


def squeeze(raw: datetime) -> datetime:
    """The time of day of a raw clock squeezed into 06:30-21:29 (as ``Corpus.date`` does)."""
    tod = 390 + (raw.hour * 60 + raw.minute) * 900 // 1440
    return raw.replace(hour=tod // 60, minute=tod % 60, second=0, microsecond=0)


class Mutations:
    def __init__(self, seed: int, n: int, count: int, keep=()):
        self.seed, self.n, self.count = seed, n, int(count)
        pool = [k for k in range(1, n) if k not in set(keep)]
        if self.count < 0 or 2 * self.count > len(pool):
            raise ValueError(f"mutate={count}: needs 0 <= 2*K <= {len(pool)} (articles={n})")
        picked = random.Random(f"{seed}:mutate:{n}:{count}").sample(pool, 2 * self.count)
        self.edited = frozenset(picked[:self.count])
        self.deleted = frozenset(picked[self.count:])
        self.total = n + self.count  # article numbers are < total
        span = (ADDED_NEWEST - ADDED_OLDEST).total_seconds() / 60
        self.step = min(37.0, span / max(self.count, 1))

    def added(self) -> range:
        """Numbers of the added articles, newest first."""
        return range(self.n, self.total)

    def is_added(self, k: int) -> bool:
        return self.n <= k < self.total

    def exists(self, k: int) -> bool:
        return 0 <= k < self.total and k not in self.deleted

    def version(self, k: int) -> int:
        return 2 if k in self.edited else 1

    def date(self, k: int) -> datetime:
        """Publication time of added article ``k`` (non-increasing with k, all after the base articles)."""
        return squeeze(ADDED_NEWEST - timedelta(minutes=int((k - self.n) * self.step)))

    def title(self, k: int, cat_slug: str, date: datetime, old: str) -> str:
        for attempt in range(2, 8):
            title = TextGen(random.Random(f"{self.seed}:{k}:title:v{attempt}"), cat_slug, date).title()
            if title != old:
                return title
        return old + " (cập nhật)"

    def edit(self, article: Article) -> Article:
        """Version 2 of an article: a new paragraph after the first block (the title changes in the meta)."""
        m = article.meta
        g = TextGen(random.Random(f"{self.seed}:{m.k}:edit"), m.category.slug, m.date)
        blocks = list(article.blocks)
        blocks.insert(1, Para((EDIT_MARK + g.paragraph(),)))
        return dataclasses.replace(article, blocks=tuple(blocks))
