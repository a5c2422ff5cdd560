"""What researchers run on an archive: full-text search, the browser view, diffs between snapshots and the
report. Reads the archive through ``archive``'s public API; never writes records."""
