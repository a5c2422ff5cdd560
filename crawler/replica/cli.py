"""``portal-archive replica``: serve the offline replica, or write its ground truth."""
from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = a free port)")
    parser.add_argument("--articles", type=int, default=300, help="number of articles (default 300)")
    parser.add_argument("--seed", type=int, default=1, help="content seed (default 1)")
    parser.add_argument("--documents", type=int, default=160,
                        help="number of documents in the Văn bản register (default 160)")
    parser.add_argument("--dump-truth", metavar="FILE.jsonl",
                        help="write the ground truth for base URL http://HOST:PORT and exit without serving")


def run(args) -> int:
    if args.dump_truth:
        from .truth import write_truth

        n = write_truth(args.dump_truth, f"http://{args.host}:{args.port}", args.articles, args.seed,
                        documents=args.documents)
        print(f"wrote {n} truth lines to {args.dump_truth}", file=sys.stderr)
        return 0
    from .server import ReplicaServer

    server = ReplicaServer(args.host, args.port, args.articles, args.seed, args.documents)
    print(f"Replica serving {server.url}/ ({server.corpus.n} articles, {server.corpus.documents.n} documents)",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0
