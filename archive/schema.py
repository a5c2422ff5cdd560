"""Explicit Arrow schemas of the archive tables (the on-disk contract).

Every field carries a ``description`` in its field-level metadata, so the
meaning of a column travels with the Parquet files themselves.  Changing a
type, a name or the nullability of an existing field is a breaking change and
must bump :data:`SCHEMA_VERSION` (see ``docs/schema.md``).
"""

from __future__ import annotations

import pyarrow as pa

#: Version of the on-disk layout and of the table schemas below.
SCHEMA_VERSION = 1

#: Time zone of ``articles.published_at`` (the portal prints local times).
LOCAL_TZ = "Asia/Ho_Chi_Minh"

PUBLISHED_TS = pa.timestamp("us", tz=LOCAL_TZ)
CAPTURE_TS = pa.timestamp("us", tz="UTC")

#: Type of one element of ``articles.images``.
IMAGE_TYPE = pa.struct(
    [
        pa.field("url", pa.string(), metadata={"description": "Absolute image URL (data-src wins over src)."}),
        pa.field("caption", pa.string(), metadata={"description": "Caption text; null if none."}),
        pa.field("alt", pa.string(), metadata={"description": "alt attribute; null if absent or empty."}),
    ]
)


def _f(name: str, type_: pa.DataType, description: str, *, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


def _schema(table: str, *fields: pa.Field) -> pa.Schema:
    return pa.schema(
        list(fields),
        metadata={
            "portal_archive.table": table,
            "portal_archive.schema_version": str(SCHEMA_VERSION),
        },
    )


ARTICLES = _schema(
    "articles",
    _f("article_id", pa.string(), "First 16 hex chars of sha1(wcm_path); identity of the content item.", nullable=False),
    _f("wcm_path", pa.string(), "WCM path, lowercased, percent-decoded, no trailing slash."),
    _f("url", pa.string(), "Canonical URL: the preferred URL of urls_seen (friendly > PoC > connect > other).", nullable=False),
    _f("urls_seen", pa.list_(pa.string()), "Every distinct URL observed to lead to this article, preferred first.", nullable=False),
    _f("title", pa.string(), "Title, without the '(dd/MM/yyyy hh:mm AM)' suffix."),
    _f("published_at", PUBLISHED_TS, "Publication instant, in Asia/Ho_Chi_Minh."),
    _f("published_at_raw", pa.string(), "Publication date exactly as printed, without parentheses."),
    _f("author", pa.string(), "Author name line at the end of the body; null if absent."),
    _f("author_role", pa.string(), "Optional author position line; null if absent."),
    _f("source", pa.string(), "Text after 'Theo ' / 'Nguồn:' (prefix and trailing period removed); null if absent."),
    _f("summary", pa.string(), "The lead paragraph; null if none."),
    _f("body_text", pa.string(), "Body blocks, whitespace-collapsed, joined by a blank line."),
    _f("body_html", pa.string(), "Sanitized body HTML."),
    _f("images", pa.list_(IMAGE_TYPE), "Content images: url, caption, alt."),
    _f("section", pa.string(), "Leaf category name (last breadcrumb item before the title)."),
    _f("encoding", pa.string(), "Character encoding the response was decoded with."),
    _f("fetched_at", CAPTURE_TS, "When the response was received (UTC).", nullable=False),
    _f("http_status", pa.int16(), "HTTP status of the response the record was extracted from."),
    _f("content_sha256", pa.string(), "sha256 hex digest of the raw response body bytes."),
    _f("snapshot_id", pa.string(), "Crawl run that captured the record.", nullable=False),
    _f("schema_version", pa.int16(), "Archive SCHEMA_VERSION the row was written with.", nullable=False),
    _f("extractor_version", pa.string(), "Version of the extractor that produced the record."),
)

ERRORS = _schema(
    "errors",
    _f("url", pa.string(), "URL that failed.", nullable=False),
    _f("reason", pa.string(), "Short token: http_404, http_500, timeout, dns, connection_lost, soft_404, extract_failed, ...", nullable=False),
    _f("http_status", pa.int16(), "HTTP status if a response was received, else null."),
    _f("exception", pa.string(), "Exception type and message, if any."),
    _f("attempts", pa.int16(), "Number of attempts made (including retries)."),
    _f("referer", pa.string(), "Page that linked to the URL, if known."),
    _f("failed_at", CAPTURE_TS, "When the final attempt failed (UTC).", nullable=False),
    _f("snapshot_id", pa.string(), "Crawl run.", nullable=False),
)

PAGES = _schema(
    "pages",
    _f("url", pa.string(), "Requested/response URL.", nullable=False),
    _f("status", pa.int16(), "HTTP status code.", nullable=False),
    _f("content_type", pa.string(), "Content-Type header."),
    _f("length", pa.int64(), "Size of the raw response body in bytes."),
    _f("content_sha256", pa.string(), "sha256 hex digest of the raw response body bytes."),
    _f("page_type", pa.string(), "article, listing or other."),
    _f("article_id", pa.string(), "article_id when the page is an article, else null."),
    _f("fetched_at", CAPTURE_TS, "When the response was received (UTC).", nullable=False),
    _f("snapshot_id", pa.string(), "Crawl run.", nullable=False),
)

URL_ALIASES = _schema(
    "url_aliases",
    _f("article_id", pa.string(), "Article the URL leads to.", nullable=False),
    _f("url", pa.string(), "A URL observed to lead to the article.", nullable=False),
    _f("seen_at", CAPTURE_TS, "When the crawler learned the alias (UTC).", nullable=False),
    _f("snapshot_id", pa.string(), "Crawl run.", nullable=False),
)

SNAPSHOTS = _schema(
    "snapshots",
    _f("snapshot_id", pa.string(), "Sortable id: UTC start time YYYYMMDDTHHMMSSZ, a dash and a random hex suffix.", nullable=False),
    _f("started_at", CAPTURE_TS, "When the writer was opened (UTC).", nullable=False),
    _f("finished_at", CAPTURE_TS, "When the writer was closed (UTC).", nullable=False),
    _f("seeds", pa.list_(pa.string()), "Start URLs of the crawl."),
    _f("status", pa.string(), "complete or interrupted.", nullable=False),
    _f("pages_fetched", pa.int64(), "Rows in pages for this snapshot.", nullable=False),
    _f("records_new", pa.int64(), "Rows in articles for this snapshot (after compaction).", nullable=False),
    _f("errors", pa.int64(), "Rows in errors for this snapshot.", nullable=False),
    _f("software_version", pa.string(), "Version of the crawling software."),
    _f("settings", pa.string(), "Crawl settings as a JSON object string."),
)

#: Table name -> schema.  Folder ``<root>/<name>/`` holds the table's Parquet parts.
TABLES: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "errors": ERRORS,
    "pages": PAGES,
    "url_aliases": URL_ALIASES,
    "snapshots": SNAPSHOTS,
}

#: Allowed values of ``snapshots.status``.
SNAPSHOT_STATUSES = ("complete", "interrupted")

#: Allowed values of ``pages.page_type``.
PAGE_TYPES = ("article", "listing", "other")

#: Closed vocabularies checked when rows are written: (table, column) -> values.
ALLOWED_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("pages", "page_type"): PAGE_TYPES,
    ("snapshots", "status"): SNAPSHOT_STATUSES,
}


def type_name(type_: pa.DataType) -> str:
    """Compact Arrow type name, e.g. ``list<struct<url: string, ...>>`` (no ``item:`` noise)."""
    if pa.types.is_list(type_):
        return f"list<{type_name(type_.value_type)}>"
    if pa.types.is_struct(type_):
        inner = ", ".join(f"{type_.field(i).name}: {type_name(type_.field(i).type)}" for i in range(type_.num_fields))
        return f"struct<{inner}>"
    return str(type_)


def describe(schema: pa.Schema) -> list[tuple[str, str, bool, str]]:
    """(column, type name, nullable, description) for every field; used by docs and tests."""
    out = []
    for field in schema:
        desc = (field.metadata or {}).get(b"description", b"").decode("utf-8")
        out.append((field.name, type_name(field.type), field.nullable, desc))
    return out
