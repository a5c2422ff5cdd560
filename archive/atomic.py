"""Crash-safe file publication: temp file, fsync, rename, fsync the folder.

Temp files live in the destination folder (same file system, so the rename is
atomic) and are named ``.tmp-<name>-<random>.tmp``: hidden (pyarrow and Spark
skip names starting with ``.``) and not ending in ``.parquet`` (DuckDB's
``*.parquet`` glob does match hidden files), so no reader ever sees a file
that is still being written.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

from .manifest import forget_file, record_file

TEMP_PREFIX = ".tmp-"
TEMP_SUFFIX = ".tmp"


def temp_path(directory: Path, final_name: str) -> Path:
    stem = final_name.rsplit(".", 1)[0]
    return directory / f"{TEMP_PREFIX}{stem}-{secrets.token_hex(4)}{TEMP_SUFFIX}"


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Persist a rename/unlink in ``path`` (no-op where folders can't be opened, e.g. Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems refuse fsync on directories
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def publish_new(tmp: Path, dest: Path) -> bool:
    """Atomically move ``tmp`` to ``dest`` unless ``dest`` exists.

    Returns False (and leaves ``tmp`` in place) when ``dest`` already exists.
    Uses a hard link, which fails instead of overwriting; where hard links are
    unsupported it falls back to an existence check plus ``os.replace``.
    """
    try:
        os.link(tmp, dest)
    except FileExistsError:
        return False
    except OSError:
        if dest.exists():
            return False
        os.replace(tmp, dest)
        return True
    os.unlink(tmp)
    return True


def write_new_file(
    directory: Path,
    names: Callable[[], str],
    write: Callable[[Path], None],
    *,
    manifest_root: Path | None = None,
) -> Path:
    """Write a new file in ``directory`` atomically and return its final path.

    ``write(tmp)`` produces the content in a temp file; ``names()`` proposes the
    final name and is called again while the proposed name is taken, so an
    existing file is never overwritten.  On any error the temp file is removed
    and nothing becomes visible.  With ``manifest_root`` the published file is
    then recorded in that archive's ``_manifest.jsonl`` (a crash between the
    rename and that append leaves a complete file the manifest lacks; writers
    reconcile that on open, see ``archive.compact.reconcile_manifest``).
    """
    name = names()
    tmp = temp_path(directory, name)
    try:
        write(tmp)
        fsync_file(tmp)
        while True:
            dest = directory / name
            if publish_new(tmp, dest):
                break
            name = names()
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    fsync_dir(directory)
    if manifest_root is not None:
        record_file(manifest_root, dest)
    return dest


def delete_files(paths: Iterable[Path], *, manifest_root: Path | None = None) -> list[Path]:
    """Delete files (missing ones are fine), fsync their folders, then note them in the manifest."""
    deleted: list[Path] = []
    dirs = set()
    for p in paths:
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass
        deleted.append(p)
        dirs.add(p.parent)
    for d in dirs:
        fsync_dir(d)
    if manifest_root is not None:
        for p in deleted:
            forget_file(manifest_root, p)
    return deleted


def replace_with(dest: Path, write: Callable[[Path], None]) -> Path:
    """Atomically (re)write ``dest``: ``write(tmp)`` fills a hidden temp file beside it, which is fsynced
    and renamed over ``dest``; on any failure the temp file is removed and ``dest`` is untouched."""
    tmp = temp_path(dest.parent, dest.name)
    try:
        write(tmp)
        fsync_file(tmp)
        os.replace(tmp, dest)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    fsync_dir(dest.parent)
    return dest


def replace_file(dest: Path, data: bytes) -> None:
    """Atomically (re)write a small file with ``data``."""
    replace_with(dest, lambda tmp: tmp.write_bytes(data))
