"""Which file a WCM file uuid names, its bytes and MIME type; and every media file of the site (for the truth).

A uuid decodes to (item number, slot) (:func:`media.decode_uuid`); the slot range tells the kind:
article image, document attachment, album image, video file or thumbnail, static page image.
"""
from __future__ import annotations

from typing import Iterator

from .files import MIME, mp4_bytes
from .media import (ALBUM_SLOT, ARTICLE_SIZE, ATTACHMENT_SLOT, LARGE_SIZE, PAGE_IMAGE_SLOT, THUMB_SLOT, VIDEO_SLOT,
                    VIDEO_THUMB_SLOT, jpeg_bytes)


def _uid(path: str) -> str:
    return path.split("/")[4]


def media_file(corpus, uid: str, k: int, slot: int) -> tuple[bytes, str] | None:
    """(bytes, MIME type) of the file ``uid`` (already decoded to item ``k``, ``slot``), else None."""
    if slot <= THUMB_SLOT:  # article images: the caller checked that article k has this uuid
        return jpeg_bytes(uid), MIME["jpg"]
    if ATTACHMENT_SLOT <= slot < ALBUM_SLOT:
        found = corpus.documents.attachment(k, slot - ATTACHMENT_SLOT)
        if found and found[1].uid == uid:
            return corpus.documents.file(*found), found[1].mime_type
        return None
    if ALBUM_SLOT <= slot < VIDEO_SLOT:
        img = corpus.albums.image(k, slot - ALBUM_SLOT)
        return (jpeg_bytes(uid, LARGE_SIZE), MIME["jpg"]) if img and _uid(img.path) == uid else None
    if slot == VIDEO_SLOT:
        v = corpus.videos.video(k)
        return (mp4_bytes(uid, v.seconds), MIME["mp4"]) if v and v.uid == uid else None
    if slot == VIDEO_THUMB_SLOT:
        return (jpeg_bytes(uid), MIME["jpg"]) if 0 <= k < corpus.videos.n else None
    if slot >= PAGE_IMAGE_SLOT:
        img = corpus.static.image(k, slot - PAGE_IMAGE_SLOT)
        return (jpeg_bytes(uid, LARGE_SIZE), MIME["jpg"]) if img and _uid(img.path) == uid else None
    return None


def iter_media(corpus, articles: bool = True) -> Iterator[tuple[str, bytes, str, tuple[int, int] | None]]:
    """(path, bytes, MIME type, (width, height) or None) of every article image, page image, album image,
    attachment and video file, each once (video thumbnails and listing thumbnails are not record media)."""
    if articles:
        for k in corpus.article_ids():
            for img in corpus.article(k).images:
                yield img.path, jpeg_bytes(_uid(img.path)), MIME["jpg"], ARTICLE_SIZE
    for pg in corpus.static.pages:
        for img in pg.images:
            yield img.path, jpeg_bytes(_uid(img.path), LARGE_SIZE), MIME["jpg"], LARGE_SIZE
    for i in range(corpus.albums.n):
        for img in corpus.albums.get(i).images:
            yield img.path, jpeg_bytes(_uid(img.path), LARGE_SIZE), MIME["jpg"], LARGE_SIZE
    for i in range(corpus.documents.n):
        doc = corpus.documents.get(i)
        for att in doc.attachments:
            yield att.path, corpus.documents.file(doc, att), att.mime_type, None
    for i in range(corpus.videos.n):
        v = corpus.videos.video(i)
        if v is not None:
            yield v.path, mp4_bytes(v.uid, v.seconds), MIME["mp4"], None
