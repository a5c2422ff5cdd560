"""Memory the process has freed, handed back to the system: a crawl's close (compaction, the search-index
update) takes buffers from allocators of its own (DuckDB's, Arrow's jemalloc), which cannot reuse what the
C allocator keeps."""
from __future__ import annotations


def release_freed_memory() -> None:
    """Give the C allocator's freed memory back to the system (glibc's ``malloc_trim``; nothing elsewhere), as
    Dask's workers do: what compaction freed (DuckDB's, the plan's Python lists) would otherwise stay in the
    process under what the search-index update then takes (~13 MB at 5,000 records; bench/close_memory.py)."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own symbols: glibc's, where it is the C library
    except (OSError, AttributeError, TypeError):  # another C library, or Windows
        return
    trim(0)
