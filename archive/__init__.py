"""Parquet archive of crawled portal content (no Scrapy, crawler or pipelines imports).

See ``docs/schema.md`` for the on-disk contract.
"""

from .exceptions import ArchiveError, ArchiveFormatError, RowError
from .query import connect, sample_rows
from .schema import SCHEMA_VERSION, TABLES
from .store import ArchiveWriter
from .summary import format_summary, summarize
from .writer import TableWriter

__all__ = [
    "SCHEMA_VERSION",
    "TABLES",
    "ArchiveError",
    "ArchiveFormatError",
    "ArchiveWriter",
    "RowError",
    "TableWriter",
    "connect",
    "format_summary",
    "sample_rows",
    "summarize",
]
