"""The ``_archive.json`` marker: says a folder is a portal archive, and which schema version."""

from __future__ import annotations

import json
from pathlib import Path

from .atomic import TEMP_PREFIX, replace_file
from .exceptions import ArchiveFormatError
from .layout import FORMAT, MARKER
from .schema import SCHEMA_VERSION


def read_marker(root: Path) -> dict | None:
    """The parsed marker of ``root``, None if absent; raises if it is not ours or not this version."""
    path = Path(root) / MARKER
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArchiveFormatError(f"{path}: unreadable archive marker ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArchiveFormatError(f"{path}: not a {FORMAT} marker (format={data.get('format') if isinstance(data, dict) else data!r})")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ArchiveFormatError(
            f"{root} holds a {FORMAT} with schema_version {version!r}, but this software "
            f"reads and writes schema_version {SCHEMA_VERSION}; use a new folder or a matching version"
        )
    return data


def ensure_archive_root(root: Path) -> None:
    """Create ``root`` as an archive, or check it already is one of this schema version.

    Refuses (ArchiveFormatError) a non-empty folder without a marker, so an
    archive is never sprayed into an unrelated folder.
    """
    root = Path(root)
    if read_marker(root) is not None:
        return
    if root.exists():
        if not root.is_dir():
            raise ArchiveFormatError(f"{root} exists and is not a folder")
        if any(not p.name.startswith(TEMP_PREFIX) for p in root.iterdir()):  # another process writing the marker
            raise ArchiveFormatError(
                f"{root} is not empty and has no {MARKER}: refusing to write an archive into a foreign folder"
            )
    root.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"format": FORMAT, "schema_version": SCHEMA_VERSION}, indent=2) + "\n"
    replace_file(root / MARKER, body.encode("utf-8"))
