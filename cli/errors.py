"""What a command can fail with, and how ``portal-archive`` reports it: one line and an exit code.

Every command: 0 success; 2 a usage error or an archive folder it cannot use (not an archive, a
newer format, locked by another writer, an unknown snapshot id); 1 an operating-system error (disk
full, permission denied) or an unexpected one. ``crawl`` adds 3 and 4, ``verify`` uses 1 for damage
found. ``portal-archive -v COMMAND`` shows the Python traceback instead of the one line.
"""
from __future__ import annotations

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """The user asked for something that cannot be done as asked (the message says what to do)."""


def is_interrupt(exc: BaseException) -> bool:
    """Ctrl-C as DuckDB reports it when the signal lands inside a query: its own exception, or a RuntimeError
    ``Query interrupted`` (DuckDB 2.0 turns Python's pending KeyboardInterrupt into one while it fetches)."""
    import duckdb

    return isinstance(exc, duckdb.InterruptException) or (isinstance(exc, RuntimeError)
                                                          and str(exc) == "Query interrupted")


def one_line(exc: BaseException) -> tuple[str, int]:
    """(message, exit code) for an exception that ends a command."""
    from archive.exceptions import ArchiveError

    if isinstance(exc, UsageError):
        return str(exc), EXIT_USAGE
    if isinstance(exc, ArchiveError):
        return str(exc), EXIT_USAGE
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        return f"{exc.strerror or exc}{where}", EXIT_ERROR
    return f"unexpected {type(exc).__name__}: {exc} (portal-archive -v ... shows the traceback)", EXIT_ERROR


def whole_number(what: str, least: int = 0):
    """An argparse ``type``: a whole number of ``least`` or more ``what`` (a bad one is argparse's one usage
    line, exit 2)."""
    import argparse

    def parse(text: str) -> int:
        if not text.strip().isdecimal() or int(text) < least:  # isdigit() lets '²' through to int()
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of {what}: give a whole number of {least} or more")
        return int(text)

    return parse
