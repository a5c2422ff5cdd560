"""The memory part of ``make bench`` alone: peak resident memory of a crawl of N/4 and of N articles.

    python -m bench.memory --articles 1000 [--rounds 2] [--seed 1]

Each round crawls both sizes (``bench.run.bench_memory``, which ``make bench`` calls once); the ratio of
every round is printed, so a loaded machine's noise shows.
"""
from __future__ import annotations

import argparse

from bench.run import bench_memory


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.memory")
    p.add_argument("--articles", type=int, default=1000, help="the larger crawl (the smaller is a quarter of it)")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    for _ in range(args.rounds):
        bench_memory(args.articles, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
