"""Author / position / source lines at the end of an article body (Vietnamese portal conventions)."""
from __future__ import annotations

import re

from .text import collapse

SOURCE_RE = re.compile(
    r"^[\(\[]?\s*(?:(?P<theo>theo)\s+|(?:nguồn(?:\s+tin)?|source)\s*[:：]?\s*)(?P<src>.+?)\s*[\)\]]?\s*\.?\s*$",
    re.I,
)
_AUTHOR_PREFIX_RE = re.compile(
    r"^(?:tác\s+giả|người\s+viết|bài\s+và\s+ảnh|bài,?\s*ảnh|tin\s+và\s+ảnh|tin,?\s*ảnh|tin\s*/\s*ảnh|"
    r"bài\s*/\s*ảnh|bài|tin|phóng\s+viên|pv|ctv|nhóm\s+pv|author|by)\s*[:：\-]\s*",
    re.I,
)
_SENTENCE_PUNCT_RE = re.compile(r"[.!?;:…\"“”]")
_NAME_WORD_RE = re.compile(r"^[A-ZĐÀ-ỸÂĂÊÔƠƯ][\w'’.-]*$")
_ROLE_HINT_RE = re.compile(
    r"\b(?:uv|ubnd|bt|btv|uvbtv|uvbch|bch|hđnd|phó|chủ\s+tịch|bí\s+thư|trưởng|giám\s+đốc|thủ\s+trưởng|"
    r"chánh|cán\s+bộ|chuyên\s+viên|phòng|ban|cơ\s+quan|trung\s+tâm|đài|văn\s+phòng|hội|đoàn|ủy\s+viên|"
    r"phó\s+giám\s+đốc|tổ|sở|bộ|huyện|thị\s+xã|xã|phường)\b",
    re.I,
)


def source_of(text: str) -> str | None:
    """'Theo Báo Nghệ An' / 'Nguồn: X' / '(Theo X)' -> 'X'."""
    s = collapse(text)
    if not s or len(s) > 200:
        return None
    m = SOURCE_RE.match(s)
    if not m:
        return None
    src = m.group("src").strip().rstrip(".").strip(" )]")
    if not src:
        return None
    if m.group("theo"):
        # "Theo kế hoạch, …" is a sentence, not a source line
        if len(src.split()) > 10 or "," in src or src[:1].islower():
            return None
    return src


def strip_author_prefix(s: str) -> str:
    return _AUTHOR_PREFIX_RE.sub("", s).strip()


def looks_like_name(s: str) -> bool:
    words = s.split()
    if not (1 <= len(words) <= 6):
        return False
    caps = sum(1 for w in words if _NAME_WORD_RE.match(w))
    return caps == len(words) or (len(words) >= 2 and caps >= len(words) - 1 and words[0][:1].isupper())


_NOT_AUTHOR_RE = re.compile(
    r"^(?:trân\s+trọng|xin\s+(?:trân\s+trọng\s+)?cảm\s+ơn|kính\s+(?:mời|gửi|đề\s+nghị)|nơi\s+nhận|"
    r"ghi\s+chú|lưu\s+ý|chú\s+ý|thông\s+báo|quyết\s+định|kết\s+luận|phụ\s+lục|tài\s+liệu|"
    r"file\s+đính\s+kèm|đính\s+kèm|tải\s+về|xem\s+|chi\s+tiết|ảnh\s*:|video|clip)",
    re.I,
)


def is_author_line(text: str, *, bold: bool, right: bool, italic: bool) -> str | None:
    """Return the author name when ``text`` is an author line, else None."""
    s = collapse(text)
    if not s or _NOT_AUTHOR_RE.match(s):
        return None
    had_prefix = bool(_AUTHOR_PREFIX_RE.match(s))
    name = strip_author_prefix(s) if had_prefix else s
    name = name.strip(" -–—")
    if not name:
        return None
    words = name.split()
    if len(words) > 7:
        return None
    core = re.sub(r"\([^)]*\)", "", name)  # "Minh Hằng (TTVH)"
    if _SENTENCE_PUNCT_RE.search(core.rstrip(".")):
        return None
    if not name[:1].isupper() and not name[:1].isdigit():
        return None
    if had_prefix or bold or right:
        return name.rstrip(".")
    if (italic or len(words) <= 5) and looks_like_name(core):
        return name.rstrip(".")
    return None


def is_role_line(text: str, *, right: bool, italic: bool, bold: bool) -> bool:
    s = collapse(text)
    if not s or len(s) > 160:
        return False
    if len(s.split()) > 22:
        return False
    if source_of(s):
        return False
    if right or italic:
        return True
    return bool(_ROLE_HINT_RE.search(s)) and not s.endswith((".", "!", "?"))
