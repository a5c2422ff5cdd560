"""Offline replica of the Hoàng Mai town portal (IBM WebSphere Portal 6.x + WCM).

``ReplicaServer`` (server.py) serves it; ``iter_truth`` (truth.py) is its ground truth; ``cli.py``
wires both into ``portal-archive replica``. Everything is generated lazily and deterministically
from ``(articles, seed, documents)`` by ``corpus.Corpus`` (articles, plus the other sections of
the left menu: documents, albums, videos, schedules, static pages). Issue 4: record views and media
carry validators (validators.py), ``mutate=K`` edits/adds/deletes articles (mutations.py), and
``faults=RATE`` makes the site flaky, deterministically per URL and attempt (faults.py).
"""
