"""``portal-archive replica``: serve the offline replica, or write its ground truth."""
from __future__ import annotations

import argparse
import sys

from .faults import KINDS, parse_kinds


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not in 0..1")
    return value


def _kinds(text: str) -> tuple[str, ...]:
    try:
        return parse_kinds(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = a free port)")
    parser.add_argument("--articles", type=int, default=300, help="number of articles (default 300)")
    parser.add_argument("--seed", type=int, default=1, help="content seed (default 1)")
    parser.add_argument("--documents", type=int, default=160,
                        help="number of documents in the Văn bản register (default 160)")
    parser.add_argument("--dump-truth", metavar="FILE.jsonl",
                        help="write the ground truth for base URL http://HOST:PORT and exit without serving")
    parser.add_argument("--hostile", action="store_true",
                        help="serve the hostile site instead: gzip bomb, huge page and PDF, drips, redirect loops, "
                             "5xx storms, NUL bytes, deep nesting, file:/data:/off-host links (replica/hostile.py)")
    g = parser.add_argument_group("the portal later, or flaky")
    g.add_argument("--mutate", type=int, default=0, metavar="K",
                   help="the site later: K articles edited, K added, K deleted (articles only; default 0)")
    g.add_argument("--faults", type=_rate, default=0.0, metavar="RATE",
                   help="share of URLs (0..1) that fail, deterministically per (URL, attempt) (default 0: off)")
    g.add_argument("--fault-kinds", type=_kinds, default=KINDS, metavar="A,B",
                   help=f"restrict faults to these kinds (default all: {','.join(KINDS)})")
    g.add_argument("--fault-seed", type=int, default=0, help="seed of the fault choices (default 0)")
    g.add_argument("--fault-timeout-seconds", type=float, default=3.0, metavar="S",
                   help="how long a 'timeout' fault stalls before closing (default 3)")
    g.add_argument("--fault-media", action="store_true", help="media and theme files may fail too")
    g.add_argument("--gzip", action="store_true",
                   help="send HTML and text responses gzip-compressed (Content-Encoding: gzip), as most servers do")
    g.add_argument("--crawl-delay", type=float, default=None, metavar="SECONDS",
                   help="add 'Crawl-delay: SECONDS' to robots.txt (default none)")
    g.add_argument("--latency", type=_latency, default=0.0, metavar="MS",
                   help="sleep MS milliseconds before every response (a distant server; default 0)")
    s = parser.add_argument_group("sibling portals")
    s.add_argument("--sites", type=int, default=0, metavar="N",
                   help="serve N sibling portals on ports PORT, PORT+1, … (themes WPS 6.x and Joomla/K2 alternating; "
                        "--articles and --documents apply to each)")
    s.add_argument("--sites-toml", metavar="FILE.toml",
                   help="with --sites: also write a sites.toml listing the siblings")
    s.add_argument("--busy", action="store_true",
                   help="with --sites: the K2 siblings answer the first request of each category 503 + Retry-After: 1")


def _latency(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value / 1000.0


def _options(args) -> dict:
    return {"mutate": args.mutate, "faults": args.faults, "fault_kinds": args.fault_kinds,
            "fault_seed": args.fault_seed, "fault_media": args.fault_media,
            "fault_timeout_seconds": args.fault_timeout_seconds}


def run(args) -> int:
    if args.hostile:
        from .hostile import HostileServer, hostile_cases

        server = HostileServer(args.host, args.port)
        return _serve(server, f"hostile: {len(hostile_cases(server.url))} cases")
    if args.sites:
        return _run_sites(args)
    if args.dump_truth:
        from .truth import write_truth

        n = write_truth(args.dump_truth, f"http://{args.host}:{args.port}", args.articles, args.seed,
                        documents=args.documents, **_options(args))
        print(f"wrote {n} truth lines to {args.dump_truth}", file=sys.stderr)
        return 0
    from .server import ReplicaServer

    server = ReplicaServer(args.host, args.port, args.articles, args.seed, args.documents,
                           crawl_delay=args.crawl_delay, latency=args.latency, gzip=args.gzip, **_options(args))
    extra = "".join([f", mutate {args.mutate}" if args.mutate else "",
                     f", faults {args.faults}" if args.faults else ""])
    return _serve(server, f"{server.corpus.n} articles, {server.corpus.documents.n} documents{extra}")


def _serve(server, what: str) -> int:
    print(f"Replica serving {server.url}/ ({what})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


def _run_sites(args) -> int:
    """``--sites N``: N siblings on PORT … PORT+N-1 (0: free ports), or their truth."""
    import json
    import time

    from .siblings import SiblingServers, sibling_truth, siblings

    if args.sites < 1:
        print("error: --sites needs N >= 1", file=sys.stderr)
        return 2
    if args.mutate or args.faults:
        print("error: --mutate and --faults apply to one replica, not to --sites", file=sys.stderr)
        return 2
    sizes = {"articles": args.articles, "documents": args.documents}
    if args.dump_truth:
        if not args.port:
            print("error: --dump-truth with --sites needs a fixed --port (sibling i is on PORT+i)", file=sys.stderr)
            return 2
        lines = [json.dumps(line, ensure_ascii=False) for i, sib in enumerate(siblings(args.sites))
                 for line in sibling_truth(sib, f"http://{args.host}:{args.port + i}", **sizes)]
        _write(args.dump_truth, "\n".join(lines) + "\n")
        print(f"wrote {len(lines)} truth lines of {args.sites} sites to {args.dump_truth}", file=sys.stderr)
        return 0
    try:
        servers = SiblingServers(args.sites, args.host, args.port, crawl_delay=args.crawl_delay,
                                 latency=args.latency, busy=args.busy, **sizes)
    except OSError as e:
        print(f"error: cannot listen on {args.host}:{args.port}..{args.port + args.sites - 1}: {e.strerror}; "
              "choose another --port (0 = free ports)", file=sys.stderr)
        return 2
    with servers:
        for sib in servers.siblings:
            print(f"{sib.name:14} {sib.theme:4} {servers.servers[sib.name].url}/", flush=True)
        if args.sites_toml:
            _write(args.sites_toml, servers.sites_toml())
            print(f"wrote {args.sites_toml}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def _write(path: str, text: str) -> None:
    """Write a whole file at once: a temp file beside it, then a rename."""
    import os

    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
