"""HTTP validators (``ETag``, ``Last-Modified``) of record pages and media files, and conditional GETs.

The ETag is derived from the record's CONTENT version, never from the rendered bytes (which change on
every render: state blobs): a strong tag ``"<hash of seed|generation|kind|id|v<version>>"``, the same for
every URL form (friendly, state, PoC, connect, print) of one record. ``generation`` is what the content
depends on besides the seed (the article count for articles, the register size for documents).
Last-Modified is the record's deterministic modification time (local time +07:00, sent as RFC 1123 GMT):
a few hours after an article's publication, an edit's ``MUTATED_AT``, the day after a document's issue,
etc. Media files carry the validators of their own (never edited) bytes and their owner's first version;
the theme's files (stylesheet, script, decoration images) validators of their own, since ``STATIC_SINCE``.
Listing and navigation pages have no validators.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime

from .media import ALBUM_SLOT, ATTACHMENT_SLOT, PAGE_IMAGE_SLOT, THUMB_SLOT, VIDEO_SLOT, VIDEO_THUMB_SLOT
from .mutations import MUTATED_AT

LOCAL = timezone(timedelta(hours=7))
STATIC_SINCE = datetime(2019, 6, 3, 9, 0)


def _h(*parts) -> int:
    return int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


@dataclass(frozen=True)
class Validators:
    etag: str  # with its quotes
    modified: datetime  # aware (UTC)

    @property
    def last_modified(self) -> str:
        return format_datetime(self.modified, usegmt=True)

    def headers(self) -> list[tuple[str, str]]:
        return [("ETag", self.etag), ("Last-Modified", self.last_modified)]


def make(seed: int, generation, kind: str, ident: str, version: int, local: datetime) -> Validators:
    tag = hashlib.blake2b(f"{seed}|{generation}|{kind}|{ident}|v{version}".encode(), digest_size=10).hexdigest()
    return Validators(f'"{tag}"', local.replace(tzinfo=LOCAL).astimezone(timezone.utc))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


# --- modification times (local, naive) ------------------------------------------------------------
def article_modified(corpus, k: int, version: int | None = None) -> datetime:
    version = corpus.version(k) if version is None else version
    if version > 1:
        return MUTATED_AT
    return corpus.date(k) + timedelta(minutes=5 + _h(corpus.seed, "lm", k) % 600)


def document_modified(corpus, i: int) -> datetime:
    return _at(corpus.documents.get(i).issued, 16, 30) + timedelta(days=_h(corpus.seed, "doclm", i) % 3)


def album_modified(corpus, i: int) -> datetime:
    return _at(corpus.albums.get(i).day, 17, 5) + timedelta(days=_h(corpus.seed, "albumlm", i) % 2)


def schedule_modified(corpus, w: int) -> datetime:
    return _at(corpus.schedules.get(w).monday - timedelta(days=3), 15, 0)  # published the Friday before


def page_modified(corpus, p: int) -> datetime:
    return STATIC_SINCE + timedelta(days=_h(corpus.seed, "pagelm", p) % 600, minutes=p * 7)


def video_modified(corpus, i: int) -> datetime:
    return _at(corpus.videos.get(i).day, 10, 0)


# --- validators ----------------------------------------------------------------------------------------
def record(corpus, kind: str, i: int) -> Validators:
    """Validators of record ``(kind, i)`` as ``Corpus.find_item`` names it."""
    seed = corpus.seed
    if kind == "article":
        v = corpus.version(i)
        return make(seed, corpus.n, kind, corpus.meta(i).wcm_path, v, article_modified(corpus, i, v))
    if kind == "document":
        return make(seed, corpus.documents.n, kind, corpus.documents.get(i).wcm_path, 1, document_modified(corpus, i))
    if kind == "album":
        return make(seed, "", kind, corpus.albums.get(i).wcm_path, 1, album_modified(corpus, i))
    if kind == "schedule":
        return make(seed, "", kind, corpus.schedules.get(i).wcm_path, 1, schedule_modified(corpus, i))
    if kind == "page":
        return make(seed, "", kind, corpus.static.get(i).wcm_path, 1, page_modified(corpus, i))
    raise KeyError(kind)


def media(corpus, uid: str, k: int, slot: int) -> Validators:
    """Validators of media file ``uid`` (decoded to item ``k``, ``slot``; the caller checked it exists)."""
    if slot <= THUMB_SLOT:
        local, gen = article_modified(corpus, k, 1), corpus.n
    elif ATTACHMENT_SLOT <= slot < ALBUM_SLOT:
        local, gen = document_modified(corpus, k), corpus.documents.n
    elif ALBUM_SLOT <= slot < VIDEO_SLOT:
        local, gen = album_modified(corpus, k), ""
    elif slot in (VIDEO_SLOT, VIDEO_THUMB_SLOT):
        local, gen = video_modified(corpus, k), ""
    elif slot >= PAGE_IMAGE_SLOT:
        local, gen = page_modified(corpus, k), ""
    else:  # pragma: no cover - no such files
        local, gen = STATIC_SINCE, ""
    return make(corpus.seed, gen, "media", uid, 1, local)


# --- conditional requests ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Conditional:
    if_none_match: str | None = None
    if_modified_since: str | None = None

    @classmethod
    def from_headers(cls, headers) -> "Conditional | None":
        if not headers:
            return None
        inm, ims = headers.get("If-None-Match"), headers.get("If-Modified-Since")
        return cls(inm, ims) if inm is not None or ims is not None else None

    def not_modified(self, v: Validators) -> bool:
        """RFC 9110: If-None-Match (weak comparison) wins; else If-Modified-Since >= Last-Modified."""
        if self.if_none_match is not None:
            tags = [t.strip() for t in self.if_none_match.split(",")]
            return any(t == "*" or t.removeprefix("W/") == v.etag for t in tags)
        try:
            since = parsedate_to_datetime(self.if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        if since is None:
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        return v.modified <= since


class NotModified(Exception):
    """Raised before rendering when a conditional GET matches (the router answers 304)."""

    def __init__(self, validators: Validators):
        super().__init__(validators.etag)
        self.validators = validators
