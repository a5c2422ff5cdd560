"""Opaque, self-contained WPS state URLs (``!ut/p/c5/<blob>/dl3/d3/…``) and pager deltas.

A blob encodes a *view* (home, listing page, article, calendar week, …) plus a fresh random nonce,
so the same view never gets the same URL twice; the server keeps no memory of issued blobs.
Pager deltas (``p0/IZ7_…=CZ6_…=NJ<opaque>=/``) are bound to the nonce of the ``<base href>`` blob
they were rendered under: resolved against any other URL they do not decode.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass

PORTAL = "/wps/portal/hoangmai"
BASE_MARKER = "L2dBISEvZ0FBIS9nQSEh"  # base64 of "/gA!!/gAA!/gA!!"
MAIN_WINDOW = "0O0KBA5N1E0MH2V35P0000K7"  # the main WCM viewer portlet window
PAGE_ID = "0O0KBA5N1E0MH2V35P000006"
_VERSION = 1
_PREFIX = "04_"

HOME, LISTING, ARTICLE, CALENDAR, SEARCH = range(5)
# the sections of issue 3; ``View.a`` = item index for DOCUMENT, ALBUM, SCHEDULE, STATIC
REGISTER, DOCUMENT, GALLERY, ALBUM, VIDEOS, SCHEDULES, SCHEDULE, STATIC, BUSINESSES = range(5, 14)

_STATE_RE = re.compile(r"^c5/([A-Za-z0-9_\-!]+)/dl3/d3/([A-Za-z0-9_\-!=]+)/(.*)$")
_DELTA_RE = re.compile(r"^p0/IZ7_([A-Z0-9]+)=CZ6_([A-Z0-9]+)=NJ([A-Za-z0-9_\-]+)=/?$")
_MODE_RE = re.compile(r"^pw/Z7_([A-Z0-9]+)/pm=([a-z]+)/-/?$")


@dataclass(frozen=True)
class View:
    kind: int
    a: int = 0  # LISTING: category index in categories.ALL; ARTICLE: k; CALENDAR: week offset (>= 0); items: index
    b: int = 0  # LISTING: page number (1-based); REGISTER: always 0 (its pages > 1 are POST-only)
    trail: bytes = b""  # grows with every calendar hop


def _uvarint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_uvarint(data: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        n |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return n, pos


def _keystream(key: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.blake2b(key + counter.to_bytes(4, "big"), digest_size=64).digest()
        counter += 1
    return out[:length]


def _xor(data: bytes, key: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, _keystream(key, len(data))))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").replace("=", "!")


def _unb64(text: str) -> bytes:
    text = text.replace("!", "=")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_blob(view: View, nonce: bytes | None = None) -> tuple[str, bytes]:
    nonce = nonce or os.urandom(6)
    raw = bytes([_VERSION, view.kind]) + _uvarint(view.a) + _uvarint(view.b) + _uvarint(len(view.trail)) + view.trail
    # the rest of the navigational state, opaque to everyone (fixed size for the calendar: it only grows)
    filler = os.urandom(32 if view.kind == CALENDAR else 24 + nonce[0] % 24)
    raw += _uvarint(len(filler)) + filler
    check = hashlib.blake2b(nonce + raw, digest_size=3).digest()
    return _PREFIX + _b64(nonce + _xor(raw + check, nonce)), nonce


def decode_blob(blob: str) -> tuple[View, bytes] | None:
    if not blob.startswith(_PREFIX):
        return None
    try:
        body = _unb64(blob[len(_PREFIX):])
        nonce, rest = body[:6], _xor(body[6:], body[:6])
        raw, check = rest[:-3], rest[-3:]
        if len(nonce) != 6 or len(raw) < 5 or hashlib.blake2b(nonce + raw, digest_size=3).digest() != check:
            return None
        if raw[0] != _VERSION:
            return None
        a, pos = _read_uvarint(raw, 2)
        b, pos = _read_uvarint(raw, pos)
        n, pos = _read_uvarint(raw, pos)
        trail = raw[pos:pos + n]
        filler, end = _read_uvarint(raw, pos + n)
        if len(trail) != n or end + filler != len(raw):
            return None
        return View(raw[1], a, b, trail), nonce
    except (ValueError, IndexError):
        return None


def state_path(view: View, nonce: bytes | None = None) -> str:
    """Absolute path of a fresh state URL of ``view``."""
    return f"{PORTAL}/!ut/p/c5/{encode_blob(view, nonce)[0]}/dl3/d3/{BASE_MARKER}/"


def portlet_mode_path(view: View, window: str, mode: str = "help") -> str:
    """The no-JS portlet-menu URL of a portlet window (portlet mode change; never content)."""
    marker = base64.b64encode(f"/gA!!/gAA!/gA!!/7_{window}".encode()).decode().rstrip("=")
    return f"{PORTAL}/!ut/p/c5/{encode_blob(view)[0]}/dl3/d3/{marker}/pw/Z7_{window}/pm={mode}/-/"


def _tag(base_nonce: bytes, cat: int, page: int) -> bytes:
    return hashlib.blake2b(b"delta" + base_nonce + bytes([cat]) + _uvarint(page), digest_size=3).digest()


def pager_delta(cat: int, page: int, base_nonce: bytes) -> str:
    """Relative href of a pager link; only correct resolved against the ``<base href>``."""
    salt = os.urandom(2)
    raw = bytes([cat]) + _uvarint(page) + _tag(base_nonce, cat, page)
    opaque = base64.urlsafe_b64encode(salt + _xor(raw, salt)).decode().rstrip("=")
    return f"p0/IZ7_{MAIN_WINDOW}=CZ6_{PAGE_ID}=NJ{opaque}=/"


def decode_delta(opaque: str, base_nonce: bytes) -> tuple[int, int] | None:
    try:
        body = base64.urlsafe_b64decode(opaque + "=" * (-len(opaque) % 4))
        raw = _xor(body[2:], body[:2])
        cat = raw[0]
        page, pos = _read_uvarint(raw, 1)
    except (ValueError, IndexError):
        return None
    if raw[pos:] != _tag(base_nonce, cat, page):
        return None
    return cat, page


@dataclass(frozen=True)
class Parsed:
    view: View | None  # None: not a valid state URL (soft 404)
    mode: str | None = None  # portlet mode ("help") for pw/…/pm= URLs
    nonce: bytes | None = None  # nonce of the blob (identifies one rendered form action)


def parse_state(rest: str) -> Parsed:
    """Parse what follows ``…/!ut/p/`` of a portal URL."""
    m = _STATE_RE.match(rest)
    if not m:
        return Parsed(None)
    decoded = decode_blob(m.group(1))
    if not decoded:
        return Parsed(None)
    view, nonce = decoded
    marker, extra = m.group(2), m.group(3)
    if not extra:
        return Parsed(view, nonce=nonce) if marker == BASE_MARKER else Parsed(None)
    d = _DELTA_RE.match(extra)
    if d and marker == BASE_MARKER:
        if d.group(1) != MAIN_WINDOW or d.group(2) != PAGE_ID:
            return Parsed(None)
        target = decode_delta(d.group(3), nonce)
        return Parsed(View(LISTING, target[0], target[1]) if target else None)
    pm = _MODE_RE.match(extra)
    if pm:
        return Parsed(view, mode=pm.group(2))
    return Parsed(None)
