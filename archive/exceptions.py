"""Exceptions raised by the archive package."""

from __future__ import annotations


class ArchiveError(Exception):
    """Base class of archive errors."""


class ArchiveFormatError(ArchiveError):
    """The target folder is not a compatible portal-archive folder."""


class RowError(ArchiveError, ValueError):
    """A row does not fit its table schema (unknown key, missing value, wrong type)."""

    def __init__(self, table: str, field: str | None, message: str):
        self.table = table
        self.field = field
        where = f"{table}.{field}" if field else table
        super().__init__(f"{where}: {message}")
