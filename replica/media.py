"""WCM file URLs of images and the bytes served for them (real JPEGs and GIFs, cached).

A file uuid is self-describing, so the server needs no index: 4 bytes of item number and one
byte of slot, masked by a keystream, plus 11 check bytes (with the uuid version/variant bits).
The slot also tells the kind of item: see the ``*_SLOT`` ranges below.
"""
from __future__ import annotations

import hashlib
import io
import struct
import uuid as uuidlib
from functools import lru_cache

THUMB_SLOT = 15  # image slot of a listing thumbnail for an article without own images
# slot ranges of the other file kinds (item number = document, album, video or static page index)
ATTACHMENT_SLOT = 0x20  # + attachment number of a document
ALBUM_SLOT = 0x40  # + image number of an album
VIDEO_SLOT = 0x80  # the MP4 of a video
VIDEO_THUMB_SLOT = 0x81  # the thumbnail of a video
PAGE_IMAGE_SLOT = 0xC0  # + image number of a static page
ARTICLE_SIZE = (320, 200)
LARGE_SIZE = (640, 400)  # album and static page images


def _mac(seed: int, k: int, slot: int) -> bytearray:
    mac = bytearray(hashlib.blake2b(f"img|{seed}|{k}|{slot}".encode(), digest_size=11).digest())
    mac[1] = (mac[1] & 0x0F) | 0x40  # byte 6 of the uuid: version 4
    mac[3] = (mac[3] & 0x3F) | 0x80  # byte 8 of the uuid: RFC 4122 variant
    return mac


def _mask(mac: bytes) -> bytes:
    return hashlib.blake2b(b"mask" + bytes(mac), digest_size=5).digest()


def image_uuid(seed: int, k: int, slot: int) -> str:
    mac = _mac(seed, k, slot)
    head = bytes(a ^ b for a, b in zip(struct.pack(">IB", k, slot), _mask(mac)))
    return str(uuidlib.UUID(bytes=head + bytes(mac)))


def decode_uuid(seed: int, text: str) -> tuple[int, int] | None:
    """(article k, slot) of a uuid made by :func:`image_uuid` for ``seed``, else None."""
    try:
        raw = uuidlib.UUID(text).bytes
    except ValueError:
        return None
    mac = raw[5:]
    k, slot = struct.unpack(">IB", bytes(a ^ b for a, b in zip(raw[:5], _mask(mac))))
    return (k, slot) if bytes(_mac(seed, k, slot)) == mac else None


def image_path(uid: str, filename: str) -> str:
    return f"/wps/wcm/connect/{uid}/{filename}?MOD=AJPERES&CACHEID={uid}"


@lru_cache(maxsize=512)
def jpeg_bytes(uid: str, size: tuple[int, int] = ARTICLE_SIZE) -> bytes:
    """A JPEG (320x200 by default) of solid colour and a few shapes, deterministic per uuid and size."""
    from PIL import Image, ImageDraw

    w, hgt = size
    h = hashlib.sha256(uid.encode()).digest()
    img = Image.new("RGB", (w, hgt), (h[0], h[1], h[2]))
    draw = ImageDraw.Draw(img)
    for i in range(3):
        b = h[3 + i * 7: 10 + i * 7]
        x0, y0 = b[0] % (w - 80), b[1] % (hgt - 60)
        box = (x0, y0, x0 + (30 + b[2] % 90) * w // 320, y0 + (20 + b[3] % 60) * hgt // 200)
        (draw.ellipse if b[4] % 2 else draw.rectangle)(box, fill=(b[5], b[6], b[4]))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=75)
    return out.getvalue()


@lru_cache(maxsize=1)
def gif_bytes() -> bytes:
    """A real 1x1 transparent GIF (theme icons and spacers)."""
    from PIL import Image

    img = Image.new("P", (1, 1), 0)
    img.putpalette([255, 255, 255] * 256)
    out = io.BytesIO()
    img.save(out, "GIF", transparency=0)
    return out.getvalue()
