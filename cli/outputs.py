"""The one file a command writes where the user says (``report --out``, ``package -o``): refused in one line
before any work when it cannot be that file, and named when writing it fails."""
from __future__ import annotations

import errno
import os
from pathlib import Path

from cli.errors import UsageError


def output_file(value: str | os.PathLike[str], option: str, suffixes: tuple[str, ...], example: str) -> Path:
    """``value`` as an absolute path a command may write atomically: not a folder, under folders (missing ones
    are made), and, if it exists, a file of the kind the command writes (``suffixes``, e.g. ``.html``): any other
    existing file is refused, never replaced."""
    path = Path(value).absolute()
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder: give a file name, e.g. {path / example}")
    above = next(p for p in path.parents if p.exists())
    if not above.is_dir():
        raise UsageError(f"{option} {path}: {above} is a file, not a folder: choose another path")
    if path.exists() and path.suffix.lower() not in suffixes:
        raise UsageError(f"{option} {path} exists and is not a {suffixes[0]} file: choose a new name "
                         f"(only a {suffixes[0]} file is replaced)")
    if not os.access(above, os.W_OK | os.X_OK):
        raise OSError(errno.EACCES, "Permission denied (choose a folder you can write to)", str(path))
    return path


#: Errors of the place a file is written to (not of what is read): they name the output the user gave.
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


def output_error(exc: OSError, path: Path) -> OSError:
    """``exc`` naming ``path`` (not the temp file beside it) when it is about where ``path`` is written."""
    if exc.errno in WRITE_ERRNOS:
        return OSError(exc.errno, f"{exc.strerror} (nothing was written; free space or choose another place)",
                       str(path))
    return exc
