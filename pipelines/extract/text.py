"""Text helpers: NFC, whitespace collapsing, chrome literals."""
from __future__ import annotations

import re
import unicodedata

# zero-width characters and soft hyphen: removed from text
_ZW_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_ZW_TABLE = {ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff\u00ad"}
# Marker used in place of <br> while walking the tree (it is whitespace for str.split()).
BR_MARK = "\u2028"

# Literal strings printed by portal skins that must never reach extracted text.
CHROME_LITERALS = (
    "Skip portlet",
    "Portlet Menu",
    "Web Content Viewer",
    "Display portlet menu",
    "Display content menu",
    "Display menu",
    "Component Action Menu",
    "Deferred Modules",
    "${title}",
    "Skip to main content",
    "Skip to content",
)
_CHROME_LIT_RE = re.compile("|".join(re.escape(s) for s in CHROME_LITERALS), re.I)
_STANDALONE_CHROME_RE = re.compile(
    r"^(actions|portlet menu|menu|skip|[|•·/\-–—]+)$", re.I
)


def nfc(s: str | None) -> str | None:
    if not s:
        return s
    if s.isascii() or unicodedata.is_normalized("NFC", s):
        return s
    return unicodedata.normalize("NFC", s)


def collapse(s: str | None) -> str:
    """Collapse all whitespace (incl. NBSP, <br> marks) to single spaces and strip."""
    if not s:
        return ""
    if s.isprintable() and "  " not in s and s[0] != " " and s[-1] != " " and type(s) is str:
        return s  # (printable: no whitespace but the space and no zero-width character, so nothing to collapse)
    if not s.isascii() and ("\u200b" in s or "\u200c" in s or "\u200d" in s or "\u2060" in s or "\ufeff" in s
                            or "\u00ad" in s):  # (six C-speed scans: about 3x quicker than a search of _ZW_RE)
        s = _ZW_RE.sub("", s)
    return " ".join(s.split())


def clean_text(s: str | None) -> str:
    """collapse + NFC."""
    return nfc(collapse(s)) or ""


def strip_chrome_literals(s: str) -> str:
    """Remove skin literals such as "Skip portlet" from a text line."""
    if not s:
        return s
    low = s.lower()
    if ("skip" in low or "portlet" in low or "menu" in low or "viewer" in low or "modules" in low or "${" in low) \
            and _CHROME_LIT_RE.search(s):
        s = collapse(_CHROME_LIT_RE.sub(" ", s))
    if _STANDALONE_CHROME_RE.match(s):
        return ""
    return s


# every chrome literal holds one of these (lower-cased); re.I also matches "ſ" with s, "İ"/"ı" with i
_CHROME_LIT_KEYS = ("skip", "menu", "viewer", "modules", "${")
_CHROME_LIT_FOLDING = ("\u017f", "\u0130", "\u0131")


def has_chrome_literal(s: str) -> bool:
    if not s:
        return False
    low = s.lower()
    if not any(k in low for k in _CHROME_LIT_KEYS) and not any(c in s for c in _CHROME_LIT_FOLDING):
        return False  # (no literal can match: the regex search skipped)
    return bool(_CHROME_LIT_RE.search(s))


def word_count(s: str) -> int:
    return len(s.split())


def halve_repeated(s: str) -> str:
    """'X X' (a title printed twice on one line) -> 'X'."""
    if not s:
        return s
    words = s.split()
    n = len(words)
    if n >= 2 and n % 2 == 0 and words[: n // 2] == words[n // 2:]:
        return " ".join(words[: n // 2])
    n = len(s)
    if n >= 8 and n % 2 == 0 and s[: n // 2] == s[n // 2:]:
        return s[: n // 2].strip()
    return s
