"""The redirect map, proven by a real nginx on loopback: 301 to the new path for every form of old URL."""
from __future__ import annotations

import csv
import http.client
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.export_support import free_port, wait_for_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NEW_SITE = "https://moi.hoangmai.example.vn"


@pytest.fixture(scope="module")
def export_dir(crawled, tmp_path_factory):
    archive, _ = crawled
    out = tmp_path_factory.mktemp("redir") / "out"
    run_cli("export", "--archive", str(archive), "--format", "jsonl", "--out", str(out), "-q",
            "--redirect-to", NEW_SITE)
    return out


@pytest.fixture(scope="module")
def nginx(export_dir, tmp_path_factory):
    assert Path(NGINX).exists(), "nginx is required (Debian package nginx; .ci/run installs it)"
    prefix = tmp_path_factory.mktemp("nginx")
    port = free_port()
    temp = "".join(f"{d}_temp_path {prefix}/{d};\n" for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(f"""
daemon off;
master_process off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    {temp}
    include {export_dir}/redirects.nginx.conf;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        if ($portal_archive_redirect) {{ return 301 $portal_archive_redirect; }}
        if ($portal_archive_by_wcm_path) {{ return 301 $portal_archive_by_wcm_path; }}
        location / {{ return 404; }}
    }}
}}
""")
    check = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert wait_for_port(port, 10, lambda: proc.poll() is None), proc.stderr.read() if proc.poll() is not None else ""
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def get(port: int, request_uri: str) -> tuple[int, str | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.putrequest("GET", request_uri, skip_accept_encoding=True)
    conn.endheaders()
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status, resp.getheader("Location")


def rows(export_dir: Path) -> list[dict]:
    with open(export_dir / "redirects.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_form_of_old_url_answers_301_to_its_new_path(export_dir, nginx):
    table = rows(export_dir)
    by_form: dict[str, list[dict]] = {}
    for r in table:
        by_form.setdefault(r["form"], []).append(r)
    assert {"friendly", "state+urile", "connect"} <= set(by_form), set(by_form)
    sample = [r for form in sorted(by_form) for r in by_form[form][:12]]
    for r in sample:
        status, location = get(nginx, r["request_uri"])
        assert status == 301 and location == NEW_SITE + r["new_path"] == r["new_url"], (r, status, location)
    # every record of the export is reachable from its canonical URL
    records = [json.loads(x) for x in (export_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    paths = {r["old_url"]: r["new_path"] for r in table}
    assert all(paths.get(rec["url"]) in (rec["export"]["path"], "/video/") for rec in records)


def test_unseen_state_urls_redirect_by_their_wcm_path(export_dir, nginx):
    state = next(r for r in rows(export_dir) if r["form"] == "state+urile")
    wcm = state["request_uri"].split("urile=wcm:path:", 1)[1].split("&")[0]
    fresh_state = "/wps/portal/hoangmai/!ut/p/c5/04_SB8K8xLLM9MSSzPy8xBz9CP0os3gTIpNJHMmu3iaG!!/dl3/d3/L2dBISEvZ0FBIS9nQSEh/"
    for uri in (f"{fresh_state}?1dmy&current=true&urile=wcm:path:{wcm}",
                f"{fresh_state}?1dmy&urile=wcm%3Apath%3A{wcm}&current=true"):
        status, location = get(nginx, uri)
        assert status == 301 and location == NEW_SITE + state["new_path"], (uri, status, location)


def test_unknown_urls_are_not_redirected(nginx):
    assert get(nginx, "/wps/portal/hoangmai/khong-co-trang-nay")[0] == 404
