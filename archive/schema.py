"""Explicit Arrow schemas of the archive tables (the on-disk contract).

Every field carries a ``description`` in its field-level metadata, so the
meaning of a column travels with the Parquet files themselves.  Changing a
type, a name or the nullability of an existing field is a breaking change and
must bump :data:`SCHEMA_VERSION` (see ``docs/schema.md``).

Tables:

* record tables, one per record kind (``RECORD_TABLES``): ``articles``,
  ``documents``, ``albums``, ``videos``, ``schedules``, ``static_pages`` — one
  row per *version* of a record (a record is stored again only when its
  content changed, see :mod:`archive.versions`);
* ``pages`` (fetch log), ``errors``, ``url_aliases``, ``media`` (downloaded
  files), ``changes`` (what every snapshot saw of every record),
  ``snapshots`` (one row per closed crawl run) and ``takedowns`` (records hidden
  from every view, see :mod:`archive.takedowns`).
"""

from __future__ import annotations

import pyarrow as pa

#: Version of the on-disk layout and of the table schemas below.
#: 2: record kinds, versions (changes table), media, WARC pointers, manifest.
SCHEMA_VERSION = 2

#: Time zone of ``published_at`` columns (the portal prints local times).
LOCAL_TZ = "Asia/Ho_Chi_Minh"

PUBLISHED_TS = pa.timestamp("us", tz=LOCAL_TZ)
CAPTURE_TS = pa.timestamp("us", tz="UTC")


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


_SHA_NOTE = "sha256 hex of the downloaded file (see media); null until the archive links it."

#: Type of one element of ``images`` (articles, albums, static_pages).
IMAGE_TYPE = pa.struct(
    [
        _f("url", pa.string(), "Absolute image URL (data-src wins over src)."),
        _f("caption", pa.string(), "Caption text; null if none."),
        _f("alt", pa.string(), "alt attribute; null if absent or empty."),
        _f("sha256", pa.string(), _SHA_NOTE),
    ]
)

#: Type of one element of ``documents.attachments``.
ATTACHMENT_TYPE = pa.struct(
    [
        _f("url", pa.string(), "Absolute URL of the attached file."),
        _f("name", pa.string(), "Link text, or the file name."),
        _f("sha256", pa.string(), _SHA_NOTE),
    ]
)

#: Type of one element of ``schedules.entries``.
ENTRY_TYPE = pa.struct(
    [
        _f("day", pa.string(), "Day as printed, e.g. 'Thứ hai' (rowspan'd day cells are inherited)."),
        _f("date", pa.date32(), "Calendar date of the entry."),
        _f("time", pa.string(), "Time as printed, e.g. '07:30'; null if empty."),
        _f("content", pa.string(), "What happens; null if empty."),
        _f("place", pa.string(), "Where; null if empty."),
        _f("chair", pa.string(), "Who chairs / attends; null if empty."),
    ]
)

#: Record table -> record kind (``design.md``, "Record kinds").
RECORD_TABLES: dict[str, str] = {
    "articles": "article",
    "documents": "document",
    "albums": "album",
    "videos": "video",
    "schedules": "schedule",
    "static_pages": "page",
}
#: Record kind -> record table.
KIND_TABLES: dict[str, str] = {kind: table for table, kind in RECORD_TABLES.items()}

#: Capture metadata of a record: everything that does NOT define its content (see archive.fixity).
CAPTURE_FIELDS = (
    "site",
    "url",
    "urls_seen",
    "fetched_at",
    "http_status",
    "content_sha256",
    "record_sha256",
    "version",
    "etag",
    "last_modified",
    "warc_file",
    "warc_offset",
    "warc_length",
    "warc_record_id",
    "snapshot_id",
    "schema_version",
    "extractor_version",
)


def _site() -> pa.Field:
    return _f("site", pa.string(), "Site the row was captured from (the name in crawl --sites sites.toml); null for a crawl of one portal.")


def _warc_fields(what: str) -> list[pa.Field]:
    return [
        _f("warc_file", pa.string(), f"WARC file holding the {what}, relative to the archive root."),
        _f("warc_offset", pa.int64(), "Byte offset of the WARC record in warc_file."),
        _f("warc_length", pa.int64(), "Length in bytes of the WARC record (as stored, compressed)."),
        _f("warc_record_id", pa.string(), "WARC-Record-ID of that record, '<urn:uuid:...>'."),
    ]


def _record_schema(table: str, kind_fields: list[pa.Field], *, article_id: bool = False) -> pa.Schema:
    kind = RECORD_TABLES[table]
    head = [
        _f("record_id", pa.string(), "First 16 hex chars of sha1(identity); identity of the record (unique over all kinds).", nullable=False),
    ]
    if article_id:
        head.append(_f("article_id", pa.string(), "Same value as record_id (the name used by issue 1).", nullable=False))
    head += [
        _f("kind", pa.string(), f"Record kind: always '{kind}' in this table.", nullable=False),
        _f("wcm_path", pa.string(), "WCM path, lowercased, percent-decoded, no trailing slash."),
        _site(),
        _f("url", pa.string(), "Canonical URL: the preferred URL of urls_seen (friendly > PoC > connect > other).", nullable=False),
        _f("urls_seen", pa.list_(pa.string()), "Every distinct URL observed to lead to this record, preferred first.", nullable=False),
        _f("title", pa.string(), "Title as shown on the page."),
    ]
    tail = [
        _f("fetched_at", CAPTURE_TS, "When the response was received (UTC).", nullable=False),
        _f("http_status", pa.int16(), "HTTP status of the response the record was extracted from."),
        _f("content_sha256", pa.string(), "sha256 hex of the response body as read, after removing its Content-Encoding (the WARC keeps it as sent)."),
        _f("record_sha256", pa.string(), "sha256 hex of the record's content fields (archive.fixity.record_sha256).", nullable=False),
        _f("version", pa.int32(), "Version of the record: 1 = first capture, +1 each time its content changed.", nullable=False),
        _f("etag", pa.string(), "ETag header of the captured response."),
        _f("last_modified", pa.string(), "Last-Modified header of the captured response."),
        *_warc_fields("captured response"),
        _f("snapshot_id", pa.string(), "Crawl run that captured this version.", nullable=False),
        _f("schema_version", pa.int16(), "Archive SCHEMA_VERSION the row was written with.", nullable=False),
        _f("extractor_version", pa.string(), "Version of the extractor that produced the record."),
    ]
    return _schema(table, *head, *kind_fields, *tail)


def _published() -> list[pa.Field]:
    return [
        _f("published_at", PUBLISHED_TS, "Publication instant, in Asia/Ho_Chi_Minh."),
        _f("published_at_raw", pa.string(), "Publication date exactly as printed, without parentheses."),
    ]


ARTICLES = _record_schema(
    "articles",
    [
        *_published(),
        _f("author", pa.string(), "Author name (byline, author line, meta/JSON-LD author), removed from the body; null if absent."),
        _f("author_role", pa.string(), "Author's position or unit; null if absent."),
        _f("source", pa.string(), "Text after 'Theo ' / 'Nguồn:' (prefix and trailing period removed); null if absent."),
        _f("summary", pa.string(), "A copy of the lead (sapo), which also opens body_text; null if none."),
        _f("body_text", pa.string(), "The whole reading text in page order (the lead first), blocks whitespace-collapsed, joined by a blank line."),
        _f("body_html", pa.string(), "Sanitized body HTML."),
        _f("images", pa.list_(IMAGE_TYPE), "Content images: url, caption, alt, sha256."),
        _f("section", pa.string(), "Leaf category name (last breadcrumb item before the title)."),
        _f("encoding", pa.string(), "Character encoding the response was decoded with."),
    ],
    article_id=True,
)

DOCUMENTS = _record_schema(
    "documents",
    [
        _f("number", pa.string(), "Document number (số hiệu), e.g. '123/QĐ-UBND'."),
        _f("issued_on", pa.date32(), "Date of issue (ngày ban hành)."),
        _f("issued_on_raw", pa.string(), "Date of issue exactly as printed, e.g. '02/09/2020'."),
        _f("effective_on", pa.date32(), "Date the document takes effect; null if absent."),
        _f("effective_on_raw", pa.string(), "Effective date exactly as printed; null if absent."),
        _f("issuer", pa.string(), "Issuing body (cơ quan ban hành)."),
        _f("signer", pa.string(), "Signer (người ký)."),
        _f("field", pa.string(), "Field (lĩnh vực)."),
        _f("doc_type", pa.string(), "Document type (loại văn bản), e.g. 'Quyết định'."),
        _f("summary", pa.string(), "Abstract (trích yếu)."),
        _f("attachments", pa.list_(ATTACHMENT_TYPE), "Attached files: url, name, sha256."),
    ],
)

ALBUMS = _record_schema(
    "albums",
    [
        *_published(),
        _f("images", pa.list_(IMAGE_TYPE), "Full-size images in page order: url, caption, alt, sha256."),
    ],
)

VIDEOS = _record_schema(
    "videos",
    [
        *_published(),
        _f("video_url", pa.string(), "Absolute URL of the video file."),
        _f("video_sha256", pa.string(), "sha256 hex of the downloaded video file (see media); null until linked."),
        _f("thumbnail_url", pa.string(), "Absolute URL of the thumbnail image."),
    ],
)

SCHEDULES = _record_schema(
    "schedules",
    [
        _f("week", pa.string(), "ISO week, e.g. '2020-W36'."),
        _f("week_start", pa.date32(), "Monday of the week."),
        _f("entries", pa.list_(ENTRY_TYPE), "Schedule rows: day, date, time, content, place, chair."),
    ],
)

STATIC_PAGES = _record_schema(
    "static_pages",
    [
        _f("body_text", pa.string(), "The whole reading text in page order (the lead first), blocks whitespace-collapsed, joined by a blank line."),
        _f("body_html", pa.string(), "Sanitized body HTML."),
        _f("images", pa.list_(IMAGE_TYPE), "Content images: url, caption, alt, sha256."),
        _f("section", pa.string(), "Section the page belongs to."),
    ],
)

ERRORS = _schema(
    "errors",
    _f("url", pa.string(), "URL that failed.", nullable=False),
    _f("reason", pa.string(), "Short token: http_404, http_500, timeout, dns, connection_lost, soft_404, extract_failed, ...", nullable=False),
    _f("http_status", pa.int16(), "HTTP status if a response was received, else null."),
    _f("exception", pa.string(), "Exception type and message, if any."),
    _f("attempts", pa.int16(), "Number of attempts made (including retries)."),
    _f("referer", pa.string(), "Page that linked to the URL, if known."),
    _site(),
    _f("failed_at", CAPTURE_TS, "When the final attempt failed (UTC).", nullable=False),
    _f("snapshot_id", pa.string(), "Crawl run.", nullable=False),
)

PAGES = _schema(
    "pages",
    _f("url", pa.string(), "Requested/response URL.", nullable=False),
    _f("status", pa.int16(), "HTTP status code (304 = not modified since the previous capture).", nullable=False),
    _f("content_type", pa.string(), "Content-Type header."),
    _f("length", pa.int64(), "Size of the raw response body in bytes."),
    _f("content_sha256", pa.string(), "sha256 hex of the response body as read, after removing its Content-Encoding (the WARC keeps it as sent)."),
    _f("page_type", pa.string(), "What the page is: article, document, album, video, schedule, page, listing, media, requisite (a stylesheet, script, icon or decoration image a captured page needs to render), other, ... (open list)."),
    _f("record_id", pa.string(), "record_id of the record the page holds, else null."),
    _site(),
    _f("fetched_at", CAPTURE_TS, "When the response was received (UTC).", nullable=False),
    _f("etag", pa.string(), "ETag header of the response."),
    _f("last_modified", pa.string(), "Last-Modified header of the response."),
    *_warc_fields("response"),
    _f("snapshot_id", pa.string(), "Crawl run.", nullable=False),
)

URL_ALIASES = _schema(
    "url_aliases",
    _f("record_id", pa.string(), "Record the URL leads to.", nullable=False),
    _f("url", pa.string(), "A URL observed to lead to the record.", nullable=False),
    _f("seen_at", CAPTURE_TS, "When the crawler learned the alias (UTC).", nullable=False),
    _f("snapshot_id", pa.string(), "Crawl run.", nullable=False),
)

MEDIA = _schema(
    "media_files",
    _f("url", pa.string(), "URL the file was downloaded from (one row per URL per snapshot).", nullable=False),
    _site(),
    _f("sha256", pa.string(), "sha256 hex of the file bytes; null if the download failed."),
    _f("size", pa.int64(), "Size of the file in bytes."),
    _f("mime_type", pa.string(), "MIME type (Content-Type header, or sniffed)."),
    _f("width", pa.int32(), "Image/video width in pixels; null if unknown or not applicable."),
    _f("height", pa.int32(), "Image/video height in pixels; null if unknown or not applicable."),
    _f("path", pa.string(), "Where the file is stored, relative to the archive root: media/sha256/ab/cd/<sha256>."),
    _f("http_status", pa.int16(), "HTTP status of the download."),
    _f("fetched_at", CAPTURE_TS, "When the file was received (UTC).", nullable=False),
    _f("snapshot_id", pa.string(), "Crawl run.", nullable=False),
    *_warc_fields("download"),
)

LISTINGS = _schema(
    "listings",
    _f("listing", pa.string(), "Key of a listing, register or menu page: its canonical URL (all pages of one pager share it).", nullable=False),
    _f("record_id", pa.string(), "A record that page links to.", nullable=False),
    _f("seen_at", CAPTURE_TS, "When the crawler saw the link (UTC).", nullable=False),
    _f("snapshot_id", pa.string(), "Crawl run.", nullable=False),
)

LEGAL_LOG = _schema(
    "legal_log",
    _f("url", pa.string(), "URL requested (or refused, or robots.txt fetched).", nullable=False),
    _site(),
    _f("event", pa.string(), "request (sent), disallowed (refused by robots.txt, not sent), robots_txt (robots.txt fetched), rate_limited (a 429 or 503 answer).", nullable=False),
    _f("robots", pa.string(), "robots.txt decision: allowed, disallowed, no_robots_txt (none could be had: all allowed), not_checked (ROBOTSTXT_OBEY off); null for robots_txt and rate_limited events."),
    _f("robots_rule", pa.string(), "The robots.txt rule that decided, e.g. 'Disallow: /component/' (longest match); null if no rule matched."),
    _f("http_status", pa.int16(), "HTTP status of the answer (robots_txt, rate_limited events)."),
    _f("retry_after", pa.string(), "Retry-After header of a 429/503 answer, as sent; null if none."),
    _f("delay_ms", pa.int32(), "Milliseconds between two requests to this host in force when the request was sent (DOWNLOAD_DELAY, the site's delay, robots.txt Crawl-delay, AutoThrottle); for robots_txt events, the Crawl-delay it declares (null if none)."),
    _f("user_agent", pa.string(), "User-Agent header the request was sent with.", nullable=False),
    _f("event_at", CAPTURE_TS, "When the event happened (UTC).", nullable=False),
    _f("snapshot_id", pa.string(), "Crawl run.", nullable=False),
)

CHANGES = _schema(
    "changes",
    _f("snapshot_id", pa.string(), "Crawl run that saw (or missed) the record.", nullable=False),
    _f("table", pa.string(), "Record table of the record (articles, documents, ...).", nullable=False),
    _f("record_id", pa.string(), "The record.", nullable=False),
    _f("change", pa.string(), "new, changed, unchanged or removed (compared with the previous complete snapshots).", nullable=False),
    _f("version", pa.int32(), "Version of the record after this snapshot (for unchanged/removed: the last stored version).", nullable=False),
    _f("record_sha256", pa.string(), "record_sha256 of that version.", nullable=False),
    _f("changed_at", CAPTURE_TS, "When the writer recorded the change (UTC).", nullable=False),
)

TAKEDOWNS = _schema(
    "takedowns",
    _f("record_id", pa.string(), "The record taken down (or restored): hidden from every view, search, export and report while its latest action is take.", nullable=False),
    _f("table", pa.string(), "Record table of the record (articles, documents, ...).", nullable=False),
    _f("site", pa.string(), "Site of the record (crawl --sites); null for a crawl of one portal."),
    _f("url", pa.string(), "Canonical URL of the record when the action was taken.", nullable=False),
    _f("urls", pa.list_(pa.string()), "Every URL the record was seen under (urls_seen of every version, url_aliases, pages), preferred first.", nullable=False),
    _f("requested_url", pa.string(), "The URL the takedown named (takedown --url); null when it named the record id."),
    _f("action", pa.string(), "take (hide the record) or undo (show it again); the latest action of a record decides.", nullable=False),
    _f("reason", pa.string(), "Why, as given (e.g. the legal request's reference).", nullable=False),
    _f("who", pa.string(), "Who asked for the action (takedown --by; default the operating-system user).", nullable=False),
    _f("action_at", CAPTURE_TS, "When the action was recorded (UTC); strictly increasing over the archive.", nullable=False),
)

SNAPSHOTS = _schema(
    "snapshots",
    _f("snapshot_id", pa.string(), "Sortable id: UTC start time YYYYMMDDTHHMMSS.ffffffZ (strictly after every earlier snapshot of the archive), a dash and a random hex suffix.", nullable=False),
    _f("started_at", CAPTURE_TS, "When the writer was first opened (UTC).", nullable=False),
    _f("finished_at", CAPTURE_TS, "When the writer was closed (UTC).", nullable=False),
    _f("seeds", pa.list_(pa.string()), "Start URLs of the crawl."),
    _f("status", pa.string(), "complete, resumed (resumed after a crash, then completed), interrupted, partial (a listing or register walk incomplete, or failures over PORTAL_MAX_FAILURE_RATIO) or failed (no start page fetched). Only complete and resumed snapshots make the *_latest views.", nullable=False),
    _f("pages_fetched", pa.int64(), "pages rows of this snapshot with a status other than 304.", nullable=False),
    _f("not_modified", pa.int64(), "pages rows of this snapshot with status 304.", nullable=False),
    _f("records_new", pa.int64(), "changes rows 'new' of this snapshot.", nullable=False),
    _f("records_changed", pa.int64(), "changes rows 'changed' of this snapshot.", nullable=False),
    _f("records_unchanged", pa.int64(), "changes rows 'unchanged' of this snapshot.", nullable=False),
    _f("records_removed", pa.int64(), "changes rows 'removed' of this snapshot.", nullable=False),
    _f("errors", pa.int64(), "Rows in errors for this snapshot.", nullable=False),
    _f("software_version", pa.string(), "Version of the crawling software (of the run that closed the snapshot)."),
    _f("settings", pa.string(), "Crawl settings as a JSON object string."),
    _f("resumes", pa.int16(), "How many times the snapshot was resumed after its process died (0 = never).", nullable=False),
)

#: Table name -> schema.  Folder ``<root>/<name>/`` holds the table's Parquet parts.
TABLES: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "documents": DOCUMENTS,
    "albums": ALBUMS,
    "videos": VIDEOS,
    "schedules": SCHEDULES,
    "static_pages": STATIC_PAGES,
    "pages": PAGES,
    "errors": ERRORS,
    "url_aliases": URL_ALIASES,
    "media_files": MEDIA,
    "listings": LISTINGS,
    "legal_log": LEGAL_LOG,
    "changes": CHANGES,
    "snapshots": SNAPSHOTS,
    "takedowns": TAKEDOWNS,
}

#: Allowed values of ``snapshots.status``.
SNAPSHOT_STATUSES = ("complete", "interrupted", "resumed", "partial", "failed")

#: Statuses of snapshots whose crawl finished and can be trusted as a whole: the basis of change
#: detection and of the ``<table>_latest`` / ``<table>_as_of`` views.
COMPLETE_STATUSES = ("complete", "resumed")

#: Allowed values of ``changes.change``.
CHANGE_KINDS = ("new", "changed", "unchanged", "removed")

#: Usual values of ``pages.page_type`` (an open list: not checked, extractors may add kinds of listings).
PAGE_TYPES = ("article", "document", "album", "video_list", "schedule", "page", "listing", "not_modified", "requisite", "other")

#: Allowed values of ``legal_log.event`` and ``legal_log.robots``.
LEGAL_EVENTS = ("request", "disallowed", "robots_txt", "rate_limited")
ROBOTS_DECISIONS = ("allowed", "disallowed", "no_robots_txt", "not_checked")

#: Allowed values of ``takedowns.action``.
TAKEDOWN_ACTIONS = ("take", "undo")

#: Closed vocabularies checked when rows are written: (table, column) -> values.
ALLOWED_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("legal_log", "event"): LEGAL_EVENTS,
    ("legal_log", "robots"): ROBOTS_DECISIONS,
    ("snapshots", "status"): SNAPSHOT_STATUSES,
    ("changes", "change"): CHANGE_KINDS,
    ("changes", "table"): tuple(RECORD_TABLES),
    ("takedowns", "action"): TAKEDOWN_ACTIONS,
    ("takedowns", "table"): tuple(RECORD_TABLES),
    **{(table, "kind"): (kind,) for table, kind in RECORD_TABLES.items()},
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
