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
    g = parser.add_argument_group("re-crawls and faults (issue 4)")
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
    g.add_argument("--crawl-delay", type=float, default=None, metavar="SECONDS",
                   help="add 'Crawl-delay: SECONDS' to robots.txt (default none)")


def _options(args) -> dict:
    return {"mutate": args.mutate, "faults": args.faults, "fault_kinds": args.fault_kinds,
            "fault_seed": args.fault_seed, "fault_media": args.fault_media,
            "fault_timeout_seconds": args.fault_timeout_seconds}


def run(args) -> int:
    if args.dump_truth:
        from .truth import write_truth

        n = write_truth(args.dump_truth, f"http://{args.host}:{args.port}", args.articles, args.seed,
                        documents=args.documents, **_options(args))
        print(f"wrote {n} truth lines to {args.dump_truth}", file=sys.stderr)
        return 0
    from .server import ReplicaServer

    server = ReplicaServer(args.host, args.port, args.articles, args.seed, args.documents,
                           crawl_delay=args.crawl_delay, **_options(args))
    extra = "".join([f", mutate {args.mutate}" if args.mutate else "",
                     f", faults {args.faults}" if args.faults else ""])
    print(f"Replica serving {server.url}/ ({server.corpus.n} articles, {server.corpus.documents.n} documents{extra})",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0
