"""``takedown``: hide a record from every view, search, export and report (``--undo`` shows it again); the
WARC evidence stays sealed. The record is named by its id or by any URL it was seen under."""
from __future__ import annotations

import getpass
import os
from urllib.parse import urlsplit

from cli.errors import UsageError
from cli.inspect import archive_dir


def add_arguments(p):
    p.add_argument("--archive", required=True, help="archive folder")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--record", metavar="ID", help="record_id of the record")
    which.add_argument("--url", help="any URL the record was seen under (friendly, state, ?urile=wcm:path:, connect, alias)")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why (e.g. the legal request's reference)")
    p.add_argument("--by", default=None, metavar="NAME", help="who asks for it (default: the operating-system user)")
    p.add_argument("--undo", action="store_true", help="show the record again (a new row: the history is kept)")


def default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container): say which uid
        return f"uid {os.getuid()}"


def _host(url: str) -> str:
    return (urlsplit(url).netloc or "").lower()


def resolve_url(root, url: str) -> str:
    """The record_id ``url`` leads to: a URL the archive saw (any snapshot), else the WCM path the URL names
    (``?urile=wcm:path:…``, ``/wps/wcm/connect/…``) → its content id (per site in a crawl of many sites)."""
    from archive.query import connect, site_names
    from archive.takedowns import record_facts, records_for_url
    from crawler.identity import article_id, wcm_path_from_url

    con = connect(root, include_taken_down=True)
    try:
        found = records_for_url(con, url)
        if not found:
            wcm_path = wcm_path_from_url(url)
            if wcm_path:
                sites = [None, *site_names(con)]
                facts = {rid: record_facts(con, rid) for rid in dict.fromkeys(article_id(wcm_path, s) for s in sites)}
                facts = {rid: f for rid, f in facts.items() if f}
                if len(facts) > 1:  # siblings share WCM paths: the URL's host says which site
                    facts = {rid: f for rid, f in facts.items() if any(_host(u) == _host(url) for u in f["urls"])}
                found = sorted(facts)
    finally:
        con.close()
    if not found:
        raise UsageError(f"no record of {root} was seen under {url}: check the URL (portal-archive search, or "
                         "query the url / urls_seen columns) or give --record ID")
    if len(found) > 1:
        raise UsageError(f"{url} leads to {len(found)} records ({', '.join(found[:5])}): name one with --record ID")
    return found[0]


def run(args) -> int:
    from archive.takedowns import record_action
    from cli.search import refresh_index

    root = archive_dir(args.archive)
    url = args.url.strip() if args.url is not None else None
    record_id = args.record.strip() if args.record is not None else None
    if not (url or record_id):
        raise UsageError(f"give the {'--url' if url is not None else '--record'} of the record to "
                         f"{'show again' if args.undo else 'take down'} (it is empty)")
    record_id = record_id or resolve_url(root, url)
    row = record_action(root, record_id, reason=args.reason, who=args.by or default_user(), undo=args.undo,
                        requested_url=url)
    verb = "restored" if args.undo else "taken down"
    print(f"{verb}: {row['table']} {row['record_id']} {row['url']} ({len(row['urls'])} URLs; "
          f"by {row['who']} at {row['action_at']:%Y-%m-%d %H:%M:%S} UTC; reason: {row['reason']})")
    refresh_index(root)  # the search index drops (or takes back) the record now
    return 0
