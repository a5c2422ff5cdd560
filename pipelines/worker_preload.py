"""What the extraction workers' fork server builds once, before it forks them (``PRELOAD`` in
:mod:`pipelines.workers`); imported there only, never by the crawl process.

trafilatura's justext fallback (the main text of pages the portal rules do not recognise,
:mod:`pipelines.extract.generic`) builds on its first use one stop-word list of every justext language:
~154,000 words, ~27 MB of Python strings (trafilatura's tuple and justext's lower-cased frozenset, kept by
its ``lru_cache``). Built lazily, every worker made a private copy of its own on the first such page; built
here, the workers share the fork server's copy (looking a word up writes to none of these objects, and
the workers freeze what they inherit out of the garbage collector's reach: ``pipelines.workers``).
"""
from __future__ import annotations


def build_stoplists() -> bool:
    """Build trafilatura's all-language stop-word list and justext's frozenset of it, as its fallback would.
    False when this trafilatura has no such list (its internals changed): each worker then builds what it
    needs itself, as before; nothing else differs (tests/test_workers_memory.py notices)."""
    try:
        from justext.core import define_stoplist  # trafilatura's dependency, the fallback's library
        from trafilatura.external import jt_stoplist_init
    except ImportError:
        return False
    define_stoplist(jt_stoplist_init())
    return True


build_stoplists()
