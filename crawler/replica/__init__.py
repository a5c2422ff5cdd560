"""Offline replica of the Hoàng Mai town portal (IBM WebSphere Portal 6.x + WCM).

``ReplicaServer`` (server.py) serves it; ``iter_truth`` (truth.py) is its ground truth; ``cli.py``
wires both into ``portal-archive replica``. Everything is generated lazily and deterministically
from ``(articles, seed, documents)`` by ``corpus.Corpus`` (articles, plus the other sections of
the left menu: documents, albums, videos, schedules, static pages).
"""
