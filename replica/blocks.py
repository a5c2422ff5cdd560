"""The content model of an article body (blocks) and the text rules of docs/design.md."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .categories import Category


def collapse(text: str) -> str:
    """``&nbsp;`` → space, whitespace runs → one space, stripped (design.md)."""
    return " ".join((text or "").split())


@dataclass(frozen=True)
class Email:
    """An address shown Cloudflare-obfuscated; its text is the decoded address."""
    address: str


@dataclass(frozen=True)
class Para:
    runs: tuple  # of str | Email
    kind: str = "p"  # "p" or "h3"

    @property
    def text(self) -> str:
        return "".join(r.address if isinstance(r, Email) else r for r in self.runs)


@dataclass(frozen=True)
class ListBlock:
    items: tuple[str, ...]


@dataclass(frozen=True)
class TableBlock:
    rows: tuple[tuple[str, ...], ...]  # first row is the header


@dataclass(frozen=True)
class Image:
    path: str  # /wps/wcm/connect/<uuid>/<file>?MOD=AJPERES&CACHEID=<uuid>
    caption: str | None
    alt: str | None  # None: attribute absent; "": present but empty
    style: str = "p"  # "p" (img p + caption p), "table" (two-row table), "none" (no caption)
    lazy: bool = False


@dataclass(frozen=True)
class ImageBlock:
    image: Image


@dataclass(frozen=True)
class Spacer:
    """A Word-pasted empty paragraph (``<o:p>&nbsp;</o:p>``): no text."""


@dataclass(frozen=True)
class Byline:
    style: str  # a: name+role, b: name only, c: source only, d: name + "Theo" source, e: none
    author: str | None = None
    role: str | None = None
    source: str | None = None
    source_prefix: str = "Theo "
    source_period: bool = False

    @property
    def source_line(self) -> str | None:
        if not self.source:
            return None
        return f"{self.source_prefix}{self.source}{'.' if self.source_period else ''}"


@dataclass(frozen=True)
class ArticleMeta:
    k: int
    category: Category
    j: int  # position inside the category, 0 = newest
    title: str
    content_name: str
    date: datetime

    @property
    def wcm_path(self) -> str:
        return f"{self.category.wcm_path}/{self.content_name}"


@dataclass(frozen=True)
class Article:
    meta: ArticleMeta
    lead: str | None
    blocks: tuple
    byline: Byline
    markup: str = "plain"  # "plain", "word", "entities"
    encoding: str = "utf-8"  # "utf-8", "utf-8-nfd", "windows-1258"
    thumb: Image | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def images(self) -> list[Image]:
        return [b.image for b in self.blocks if isinstance(b, ImageBlock)]


def text_blocks(blocks) -> list[str]:
    """Body blocks as design.md counts them: p/h3, each li, each table row (cells joined by ' | ')."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Para):
            out.append(collapse(b.text))
        elif isinstance(b, ListBlock):
            out.extend(collapse(i) for i in b.items)
        elif isinstance(b, TableBlock):
            out.extend(collapse(" | ".join(collapse(c) for c in row)) for row in b.rows)
    return [t for t in out if t]


def body_text(article: Article) -> str:
    """The whole reading text, in page order: the lead (when the article has one) is its first paragraph."""
    lead = [collapse(article.lead)] if article.lead and collapse(article.lead) else []
    return "\n\n".join(lead + text_blocks(article.blocks))
