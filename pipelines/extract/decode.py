"""bytes -> str for HTML pages.

Order: BOM > HTTP charset > <?xml encoding?> / <meta charset> / http-equiv > UTF-8 (strict) >
Vietnamese legacy heuristic (windows-1258) > charset_normalizer (if installed) > windows-1252.
The result is always NFC (windows-1258 decodes to combining tone marks, some servers send
NFD UTF-8).
"""
from __future__ import annotations

import codecs
import re
import unicodedata

_CT_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]+)", re.I)
_META_CHARSET_RE = re.compile(
    rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]+)", re.I
)
_XML_DECL_RE = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_\-.]+)", re.I)

# WHATWG label mapping for the labels that matter here
_LABELS = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
    "x-user-defined": "cp1252",
    "windows-1258": "cp1258",
    "cp1258": "cp1258",
    "x-cp1258": "cp1258",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "unicode": "utf-8",
    "x-unicode20utf8": "utf-8",
}
_LATIN_ISH = {"cp1252", "latin_1", "iso8859-1", "ascii"}

_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\xd0\xcf\x11\xe0",
                 b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf", b"ID3", b"OggS", b"RIFF", b"\x00\x00\x01\x00")

# cp1258 bytes of the five combining tone marks and of the Vietnamese-only letters
_CP1258_TONES = frozenset(b"\xcc\xec\xde\xd2\xf2")
_CP1258_VN_LETTERS = frozenset(b"\xc3\xe3\xd0\xf0\xd5\xf5\xdd\xfd\xc2\xe2\xca\xea\xd4\xf4")


class DecodeError(ValueError):
    pass


def normalize_encoding(label: str | None) -> str | None:
    """Map a charset label to a Python codec name, or None if unknown."""
    if not label:
        return None
    lab = label.strip().strip("\"'").lower()
    lab = _LABELS.get(lab, lab)
    try:
        name = codecs.lookup(lab).name
    except LookupError:
        return None
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return name


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _CT_CHARSET_RE.search(content_type)
    return m.group(1) if m else None


def sniff_meta_charset(head: bytes) -> str | None:
    m = _XML_DECL_RE.match(head)
    if m:
        return m.group(1).decode("ascii", "replace")
    m = _META_CHARSET_RE.search(head)
    if m:
        return m.group(1).decode("ascii", "replace")
    return None


def looks_binary(body: bytes) -> bool:
    head = body[:2048]
    if head.startswith(_BINARY_MAGIC):
        return True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if not head:
        return False
    ctrl = len(head) - len(head.translate(None, _CTRL_BYTES))
    return ctrl > len(head) * 0.05


_CTRL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)


def _vietnamese_cp1258_score(body: bytes) -> int:
    """How many windows-1258 tone-mark bytes follow a letter byte (Vietnamese text)."""
    score = 0
    prev = 0
    for b in body:
        if b in _CP1258_TONES and (65 <= prev <= 90 or 97 <= prev <= 122 or prev in _CP1258_VN_LETTERS):
            score += 1
        prev = b
    return score


def _detect_legacy(body: bytes) -> str:
    if _vietnamese_cp1258_score(body) >= 3:
        return "cp1258"
    try:  # optional; present in the venv as a dependency of other packages
        from charset_normalizer import from_bytes  # type: ignore

        best = from_bytes(body[:65536]).best()
        if best is not None and best.encoding:
            enc = normalize_encoding(best.encoding)
            if enc and enc not in ("utf-8",):
                return enc
    except Exception:  # pragma: no cover - detector failures are not fatal
        pass
    return "cp1252"


_WHATWG_NAMES = {"cp1258": "windows-1258", "cp1252": "windows-1252", "cp1251": "windows-1251",
                 "cp1250": "windows-1250", "utf-16-le": "utf-16le", "utf-16-be": "utf-16be", "utf-16": "utf-16",
                 "utf-32": "utf-32", "utf-8": "utf-8"}
NFD_LABEL = "utf-8-nfd"  # UTF-8 served in decomposed form (NFD), as the replica labels it


def charset_label(codec_name: str) -> str:
    """Python codec name -> the charset label used in records (WHATWG/IANA style)."""
    return _WHATWG_NAMES.get(codec_name, codec_name)


_COMBINING_RE = re.compile("[\u0300-\u036f]")
_PRECOMPOSED_RE = re.compile("[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u1ef9]")


def _mostly_decomposed(text: str) -> bool:
    """Combining marks (U+0300-036F) outnumber precomposed letters (U+00C0-1EF9) five to one."""
    marks = len(_COMBINING_RE.findall(text))
    return marks >= 20 and len(_PRECOMPOSED_RE.findall(text)) < marks * 0.2


def _utf8(text: str, ctrl_free: bool = False) -> tuple[str, str]:
    if text.isascii():
        return _finish(text, True, ctrl_free), "utf-8"
    # normalize, not is_normalized: both return at once on NFC text (the quick check), but on text served
    # decomposed is_normalized normalises to compare and the NFC text would then be computed again
    normal = unicodedata.normalize("NFC", text)
    if normal is text or normal == text:
        return _finish(text, True, ctrl_free), "utf-8"
    label = NFD_LABEL if _mostly_decomposed(text) else "utf-8"
    return (normal if ctrl_free else _finish(text, False, False)), label


_CTRL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# the same characters as strictly decoded UTF-8 holds them (single bytes never inside a multi-byte sequence),
# looked for with bytes.find (memchr) rather than a regex scan of the text
_CTRL_UTF8 = tuple(bytes([i]) for i in (*range(0, 9), 11, 12, *range(14, 32), 127)) + (b"\xef\xbf\xbe", b"\xef\xbf\xbf")


_CTRL_BYTES = b"".join(_CTRL_UTF8[:-2])


def has_ctrl_utf8(body: bytes) -> bool:
    """Whether UTF-8 bytes hold one of _CTRL_RE's characters: the single bytes deleted by one C pass of
    bytes.translate (a third of the time of a search for each), the two 3-byte ones searched for."""
    return len(body.translate(None, _CTRL_BYTES)) != len(body) or (
        b"\xef\xbf" in body and (b"\xef\xbf\xbe" in body or b"\xef\xbf\xbf" in body))


def _finish(text: str, nfc_already: bool = False, ctrl_free: bool = False) -> str:
    if not ctrl_free and _CTRL_RE.search(text):  # not allowed in XML text nodes (lxml refuses them on assignment)
        text = _CTRL_RE.sub(" ", text)  # (a space is NFC-neutral)
    if not nfc_already and not text.isascii():
        text = unicodedata.normalize("NFC", text)  # (the text itself when it is NFC already)
    return text


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (NFC text, charset label). Never raises for bytes input.

    The label is "utf-8", "windows-1258", "windows-1252", … and "utf-8-nfd" for UTF-8 pages whose text
    was served decomposed (NFD)."""
    text, codec = _decode(body, content_type)
    label = charset_label(codec)
    return text, label


def _decode(body: bytes, content_type: str | None) -> tuple[str, str]:
    if not body:
        return "", "utf-8"
    # 1. BOM
    if body.startswith(codecs.BOM_UTF8):
        return _utf8(body[3:].decode("utf-8", "replace"))
    if body.startswith(codecs.BOM_UTF32_LE) or body.startswith(codecs.BOM_UTF32_BE):
        return _finish(body.decode("utf-32", "replace")), "utf-32"
    if body.startswith(codecs.BOM_UTF16_LE) or body.startswith(codecs.BOM_UTF16_BE):
        return _finish(body.decode("utf-16", "replace")), "utf-16"
    # 2. declared
    declared = normalize_encoding(charset_from_content_type(content_type))
    if declared is None:
        declared = normalize_encoding(sniff_meta_charset(body[:4096]))
        if declared and declared.startswith("utf-16"):
            declared = "utf-8"  # WHATWG: a meta utf-16 label means utf-8
    if declared and declared != "utf-8":
        if declared in _LATIN_ISH and not body.isascii():
            # mislabelled UTF-8 is far more common than real latin-1 on these portals
            try:
                return _utf8(body.decode("utf-8"))
            except UnicodeDecodeError:
                pass
        try:
            return _finish(body.decode(declared)), declared
        except UnicodeDecodeError:
            return _finish(body.decode(declared, "replace")), declared
    # 3. UTF-8 (declared or default)
    try:
        return _utf8(body.decode("utf-8"), not has_ctrl_utf8(body))
    except UnicodeDecodeError as exc:
        if declared == "utf-8":
            bad = body.decode("utf-8", "replace").count("\ufffd")
            if bad <= max(3, len(body) // 1000):
                return _utf8(body.decode("utf-8", "replace"))
        del exc
    enc = _detect_legacy(body)
    return _finish(body.decode(enc, "replace")), enc


_DOC_START_RE = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]", re.I)
_DOC_END_RE = re.compile(r"</(?:html|body)\s*>", re.I)
_SCRIPTS_END_RE = re.compile(r"</(?:script|noscript)\s*>\s*$", re.I)


def is_truncated(text: str) -> bool:
    """A full document (doctype/html/body) that never closes was cut off in transfer (a page whose last bytes
    are its footer scripts is whole: some CMS never print </body></html>)."""
    return bool(_DOC_START_RE.search(text[:4096])) and not _DOC_END_RE.search(text[-4096:]) and not \
        _SCRIPTS_END_RE.search(text[-200:])
