"""``serve``: the archive in a browser on loopback. Datasette over the SQLite of :mod:`research.sqlite_db`
(browse, facet, accent-insensitive search) and pywb replaying the archive's own WARCs; each record row
links to its capture in pywb at its capture timestamp.

pywb reads the archive in place: a collection whose ``index_paths`` is the archive's ``indexes/`` folder (the
CDXJ files the crawler writes) and whose ``archive_paths`` is its ``warc/`` folder, so nothing is copied. The
URLs of the records taken down are excluded by a pywb access-control list (:func:`write_acl`), and the
SQLite database is built from the views, which leave them out.
"""
from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from archive.takedowns import state_token

from .pywb import pywb_program
from .sqlite_db import build_sqlite, datasette_metadata, resolve_snapshot

COLLECTION = "archive"
#: pywb's suffix of an access rule that matches one URL key exactly (``AccessChecker.EXACT_SUFFIX``).
PYWB_EXACT_MATCH = "###"
DB_NAME = "serve.sqlite"


def replay_prefix(port: int) -> str:
    return f"http://127.0.0.1:{port}/{COLLECTION}/"


def _facts(path: Path) -> dict:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM _portal_archive")}
        finally:
            db.close()
    except sqlite3.Error:
        return {}


def prepare_database(archive: Path, prefix: str, *, log=print) -> tuple[Path, dict]:
    """The SQLite database of the latest state with replay links to ``prefix``: reused from
    ``<archive>/indexes/serve.sqlite`` when it describes the same snapshot and prefix, else (re)built."""
    from archive import connect

    path = archive / "indexes" / DB_NAME
    con = connect(archive)
    try:
        latest = resolve_snapshot(con, None)
    finally:
        con.close()
    facts = _facts(path) if path.exists() else {}
    if (facts.get("snapshot_id") != latest or facts.get("replay_prefix") != prefix
            or facts.get("takedowns", "") != state_token(archive)):  # a takedown (or undo) since it was built
        started = time.monotonic()
        result = build_sqlite(archive, path, replay_prefix=prefix)
        log(f"built {path} ({result.counts.get('records', 0)} records, {time.monotonic() - started:.1f}s)")
    title = f"portal-archive: {archive.name}"
    metadata = datasette_metadata(path.stem, title=title, snapshot_id=latest, fold_function=True)
    return path, metadata


def write_acl(archive: Path, workdir: Path) -> Path | None:
    """pywb's access-control list (``.aclj``) excluding the URLs only records taken down were seen under or
    embed (:func:`archive.takedowns.hidden_urls`: pages, state URLs, images, attachments — not a video list
    page other videos share): their captures stay in the WARCs (sealed evidence), pywb answers as if it never
    archived them (404) and its CDX API does not list them. None when nothing is taken down."""
    from archive import connect
    from archive.takedowns import hidden_urls
    from archive.warc import surt_key

    con = connect(archive)
    try:
        urls = hidden_urls(con)
    finally:
        con.close()
    if not urls:
        return None
    lines = set()
    for url in urls:  # the CDXJ's own key, exactly this URL (a bare key would match every URL it prefixes)
        lines.add(f"{surt_key(url)}{PYWB_EXACT_MATCH} - {json.dumps({'access': 'exclude', 'url': url}, ensure_ascii=False)}\n")
    acl = workdir / "takedowns.aclj"
    acl.write_text("".join(sorted(lines, reverse=True)), encoding="utf-8")  # pywb reads ACLs in reverse order
    return acl


def write_pywb_config(archive: Path, workdir: Path) -> Path:
    config = workdir / "config.yaml"
    acl = write_acl(archive, workdir)
    config.write_text(
        "collections:\n"
        f"  {COLLECTION}:\n"
        f"    index_paths: {json.dumps(str(archive / 'indexes') + '/')}\n"
        f"    archive_paths: {json.dumps(str(archive / 'warc') + '/')}\n"
        + (f"    acl_paths: [{json.dumps(str(acl))}]\n" if acl else "")
        + "framed_replay: false\n"
        "enable_memento: true\n",
        encoding="utf-8")
    return config


def wait_http(url: str, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"pywb exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no answer from {url} after {timeout:.0f}s")


def start_pywb(archive: Path, port: int, workdir: Path) -> subprocess.Popen:
    """pywb's ``wayback`` on 127.0.0.1:``port`` over the archive's WARCs, in its own process."""
    write_pywb_config(archive, workdir)
    cmd = [str(pywb_program("wayback")), "--port", str(port), "--bind", "127.0.0.1"]
    log = open(workdir / "pywb.log", "wb")
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/{COLLECTION}/", proc)
    except BaseException:
        stop(proc)
        raise
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def datasette_app(db_path: Path, metadata: dict):
    """A Datasette ASGI app over ``db_path`` with the folding plugin."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from . import datasette_plugin

    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="portal_archive_fold")
    ds = Datasette(files=[str(db_path)], immutables=[], metadata=metadata,
                   settings={"default_page_size": 50, "sql_time_limit_ms": 5000, "facet_time_limit_ms": 1000})
    return ds.app()


@contextlib.contextmanager
def stopped_by_sigterm():
    """SIGTERM (``kill PID``, ``timeout``, a service manager) ends ``serve`` as Ctrl-C does, through its ``finally``
    blocks: by default it ended the process at once (uvicorn re-raises the signal once it has stopped), leaving
    pywb running without its parent."""
    def end(signum, frame):
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, end)
    except ValueError:  # not the main thread: nothing to install, the caller stops us
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(archive: Path, port: int, replay_port: int, *, log=print) -> None:
    """Run Datasette on ``port`` and pywb on ``replay_port`` until Ctrl-C; both stop then."""
    import uvicorn

    db_path, metadata = prepare_database(archive, replay_prefix(replay_port), log=log)
    with tempfile.TemporaryDirectory(prefix="portal-archive-pywb-") as tmp, stopped_by_sigterm():
        pywb = start_pywb(archive, replay_port, Path(tmp))
        try:
            app = datasette_app(db_path, metadata)
            log(f"datasette: http://127.0.0.1:{port}/{db_path.stem}")
            log(f"replay (pywb): {replay_prefix(replay_port)}")
            log("Ctrl-C stops both")
            uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
        finally:
            stop(pywb)
