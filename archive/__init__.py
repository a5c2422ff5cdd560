"""Parquet archive of crawled portal content (no Scrapy, crawler or pipelines imports).

See ``docs/schema.md`` for the on-disk contract.
"""

from .exceptions import ArchiveError, ArchiveFormatError, RowError
from .fixity import record_sha256
from .lock import ArchiveLockedError
from .query import connect, sample_rows
from .schema import RECORD_TABLES, SCHEMA_VERSION, TABLES
from .store import ArchiveWriter
from .versions import PrevRecord
from .summary import format_summary, summarize
from .writer import TableWriter

__all__ = [
    "RECORD_TABLES",
    "SCHEMA_VERSION",
    "TABLES",
    "ArchiveError",
    "ArchiveFormatError",
    "ArchiveLockedError",
    "ArchiveWriter",
    "PrevRecord",
    "RowError",
    "TableWriter",
    "connect",
    "format_summary",
    "record_sha256",
    "sample_rows",
    "summarize",
]
