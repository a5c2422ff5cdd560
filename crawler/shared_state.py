"""What the crawl workers of one scaled-out crawl (``crawl --redis``) share in Redis, besides the
scrapy-redis request queue and duplicate filter (:mod:`crawler.redis_scheduler`).

Keys, all under ``<namespace>:`` (default ``portal-archive:<hash of the start URLs>``):

``requests``, ``dupefilter``
    scrapy-redis's priority queue and the duplicate filter (keyed by content identity).
``snapshot``
    the snapshot every worker writes: set by the first worker (which opens or resumes it), read by
    the others (which join it). ``open`` is the Redis lock held while a worker opens or leaves.
``workers``, ``idle``
    the workers taking part, and those with nothing to do. The crawl is done when the queue is empty
    and every worker is idle; the last worker to leave closes the snapshot.
``inflight:<worker>``
    the requests a worker has taken from the queue whose rows are not yet all on disk (settled after
    the archive's next flush). A worker killed with ``kill -9`` leaves them there; when it is run
    again (or when a worker finds itself alone on the archive) they go back to the queue.
``claims:<table>``, ``claims-of:<worker>``
    "archived once" across workers: record ids (``records``) and the key digests of the rows kept once
    per snapshot (``media_files``, ``errors``, ``url_aliases``). Whoever claims first writes the row; a
    killed worker's claims whose rows never reached disk are released when it is recovered.
``counts``
    pages attempted and failed, whether a home page was had and the listing walks left incomplete, per
    worker run: the snapshot's verdict.
``pace:<host>``
    the next time (Redis's clock, microseconds) a request to the host may leave: the host's delay
    (``DOWNLOAD_DELAY``, a site's ``delay``, robots.txt ``Crawl-delay``) holds across every worker together
    (:meth:`SharedState.take_turn`, :class:`crawler.downloader.PoliteDownloader`).
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from contextlib import contextmanager

import redis

from archive.store import CLAIMED_RECORDS as RECORDS

#: SADD the claim; when new, note it as this worker's (one script: a kill never leaves it unnoted);
#: 1 if it is this worker's (now or before), 0 if another's
_CLAIM = """
local added = redis.call('SADD', KEYS[1], ARGV[1])
if added == 1 then
  redis.call('SADD', KEYS[2], ARGV[2])
  return 1
end
return redis.call('SISMEMBER', KEYS[2], ARGV[2])
"""
#: mark the request seen and queue it in one step (a kill between the two would leave it seen and never
#: queued: lost, since the page that named it, fetched again, is then filtered out)
_ENQUEUE = """
if ARGV[1] == '1' or redis.call('SADD', KEYS[1], ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
  return 1
end
return 0
"""
#: take the queue's first request and note it in this worker's in-flight hash in one step
_TAKE = """
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
if #head == 0 then
  return false
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], ARGV[1], head[1])
return head[1]
"""
#: a request to a host may leave when the host's next free time (Redis's clock: workers on machines whose
#: clocks differ share one pace) has come: then it is taken, and the next free time moves on by the delay;
#: else nothing changes. Returns the microseconds until then (0: taken). The key expires a minute after.
_TAKE_TURN = """
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000000 + tonumber(now[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < free then
  return free - now
end
redis.call('SET', KEYS[1], string.format('%.0f', now + tonumber(ARGV[1])), 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 60000)
return 0
"""
_SEP = "\x1f"


def default_namespace(seeds) -> str:
    """``portal-archive:<12 hex>`` from the start URLs: every worker of one crawl computes the same."""
    return "portal-archive:" + hashlib.sha1("\n".join(sorted(seeds)).encode()).hexdigest()[:12]


def default_worker() -> str:
    """This machine's host name, as a worker name (``[A-Za-z0-9_]``)."""
    name = "".join(c if c.isalnum() and c.isascii() else "_" for c in socket.gethostname())[:64]
    return name or "worker"


class SharedState:
    def __init__(self, server: redis.Redis, namespace: str, worker: str):
        self.server = server
        self.ns = namespace
        self.worker = worker
        self.run_id = f"{worker}:{os.getpid()}:{time.time():.3f}"
        self._claim = server.register_script(_CLAIM)
        self._enqueue = server.register_script(_ENQUEUE)
        self._take = server.register_script(_TAKE)
        self._take_turn = server.register_script(_TAKE_TURN)
        self._idle = False
        #: the scheduler's ``settle(everything=False)`` (crawler.redis_scheduler.WorkerScheduler)
        self.settle_hook = None

    @classmethod
    def connect(cls, url: str, namespace: str, worker: str) -> "SharedState":
        """Raises ``redis.RedisError`` when the server cannot be reached."""
        server = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
        server.ping()
        return cls(server, namespace, worker)

    def key(self, name: str) -> str:
        return f"{self.ns}:{name}"

    # -- opening and leaving the snapshot ----------------------------------------------------
    @contextmanager
    def opening(self):
        """Held while this worker opens its archive writer: yields the snapshot to join (None: open or
        resume one, then :meth:`opened` publishes it)."""
        with self.server.lock(self.key("open"), timeout=600, blocking_timeout=600):
            snapshot = self.server.get(self.key("snapshot"))
            yield snapshot.decode() if snapshot else None

    def opened(self, snapshot_id: str, *, alone: bool, done: set[str], keys: dict[str, set[tuple]]) -> dict:
        """Publish the snapshot, join the workers, and recover this worker's earlier run if it was
        killed (or, ``alone`` on the archive, every registered worker's: none of them is alive).
        Returns what was recovered: ``{"requests": n, "claims": n, "workers": [...]}``."""
        self.server.set(self.key("snapshot"), snapshot_id)
        dead = {self.worker}
        if alone:
            dead |= {w.decode() for w in self.server.smembers(self.key("workers"))}
        recovered = {"requests": 0, "claims": 0, "workers": []}
        for name in sorted(dead):
            requests, claims = self.recover(name, done, keys)
            if requests or claims:
                recovered["workers"].append(name)
            recovered["requests"] += requests
            recovered["claims"] += claims
            if name != self.worker:
                self.server.srem(self.key("workers"), name)
                self.server.hdel(self.key("idle"), name)
        self.server.sadd(self.key("workers"), self.worker)
        self.server.hdel(self.key("idle"), self.worker)
        if recovered["workers"] and not alone:  # alone, the writer counts the resume itself
            self.server.incr(self.key("resumes"))
        return recovered

    def resumes(self) -> int:
        """How many times a killed worker was recovered while the others went on."""
        return int(self.server.get(self.key("resumes")) or 0)

    def recover(self, worker: str, done: set[str], keys: dict[str, set[tuple]]) -> tuple[int, int]:
        """Give back what a dead (or interrupted) run of ``worker`` held: its in-flight requests go back
        to the queue, its claims whose rows are not on disk (``done``: record ids with a changes row;
        ``keys``: table -> row keys on disk) are released. Returns (requests, claims) given back."""
        inflight = self.key(f"inflight:{worker}")
        entries = self.server.hgetall(inflight)
        if entries:
            pipe = self.server.pipeline(transaction=True)
            for data in entries.values():
                pipe.zadd(self.key("requests"), {data: -request_priority(data)})
            pipe.delete(inflight)
            pipe.execute()
        released = 0
        mine = self.key(f"claims-of:{worker}")
        for member in self.server.smembers(mine):
            table, _, value = member.decode().partition(_SEP)
            on_disk = json.loads(value)[0] in done if table == RECORDS else bytes.fromhex(value) in keys.get(table, ())
            if not on_disk:
                released += self.server.srem(self.key(f"claims:{table}"), value)
        self.server.delete(mine)
        return len(entries), released

    def other_workers(self, *, idle_too: bool = False) -> list[str]:
        """The other workers taking part (only the busy ones, unless ``idle_too``)."""
        pipe = self.server.pipeline(transaction=True)
        workers, idle = pipe.smembers(self.key("workers")).hkeys(self.key("idle")).execute()
        names = set(workers) if idle_too else set(workers) - set(idle)
        return sorted(w.decode() for w in names if w.decode() != self.worker)

    def forget(self, worker: str) -> None:
        """A dead worker, recovered by another, no longer takes part (the crawl was resumed without it)."""
        self.server.srem(self.key("workers"), worker)
        self.server.hdel(self.key("idle"), worker)
        self.server.incr(self.key("resumes"))

    def leave(self, *, finished: bool) -> bool:
        """This worker is done (``finished``: the crawl is; else it was interrupted and has given back
        what it held). True when it is the last and the queue is empty: it closes the snapshot."""
        with self.server.lock(self.key("open"), timeout=600, blocking_timeout=600):
            self.server.srem(self.key("workers"), self.worker)
            self.server.hdel(self.key("idle"), self.worker)
            last = (finished and not self.server.scard(self.key("workers"))
                    and not self.server.zcard(self.key("requests")))
            if last:
                self.server.delete(self.key("snapshot"))
            return bool(last)

    def clear(self) -> None:
        """Forget the crawl (the snapshot is closed): the next run of a worker starts a new one."""
        names = list(self.server.scan_iter(match=self.ns + ":*", count=1000))
        for i in range(0, len(names), 500):
            self.server.delete(*names[i:i + 500])

    # -- claims ------------------------------------------------------------------------------
    def claim(self, table: str, key) -> bool:
        """True if no other worker has claimed ``key`` of ``table`` (this one has, now or before): a
        record id's ``(record_id,)``, or a row's key digest (``archive.store.once_key``)."""
        value = key.hex() if isinstance(key, bytes) else json.dumps(list(key), ensure_ascii=False)
        return bool(self._claim(keys=[self.key(f"claims:{table}"), self.key(f"claims-of:{self.worker}")],
                                args=[value, table + _SEP + value]))

    def claim_record(self, record_id: str) -> bool:
        return self.claim(RECORDS, (record_id,))

    # -- the request queue ---------------------------------------------------------------------
    def enqueue(self, key: str, data: bytes, priority: int, *, dont_filter: bool) -> bool:
        """Queue a serialized request unless the duplicate filter has seen ``key`` (both in one step);
        True if queued."""
        return bool(self._enqueue(keys=[self.key("dupefilter"), self.key("requests")],
                                  args=["1" if dont_filter else "0", key, -priority, data]))

    def take(self, field: str) -> bytes | None:
        """The queue's first request, noted as ``field`` of this worker's in-flight requests in the same
        step (a kill never loses it between the two)."""
        return self._take(keys=[self.key("requests"), self.key(f"inflight:{self.worker}")], args=[field])

    # -- requests taken from the queue ------------------------------------------------------
    def track(self, field: str, data: bytes) -> None:
        self.server.hset(self.key(f"inflight:{self.worker}"), field, data)

    def flushed(self, everything: bool = False) -> None:
        """The archive has flushed: settle the requests whose rows are now on disk."""
        if self.settle_hook is not None:
            self.settle_hook(everything=everything)

    def settle(self, fields) -> None:
        fields = list(fields)
        if fields:
            self.server.hdel(self.key(f"inflight:{self.worker}"), *fields)

    # -- politeness across workers ------------------------------------------------------------
    def take_turn(self, host: str, delay: float) -> float:
        """0 if a request to ``host`` (a download slot's key) may leave now: it is taken, and no worker's next
        one leaves before ``delay`` seconds; else the seconds until the host's next free time (ask again then)."""
        return int(self._take_turn(keys=[self.key(f"pace:{host}")], args=[round(delay * 1_000_000)])) / 1_000_000

    # -- idle, done, verdict ----------------------------------------------------------------
    def busy(self) -> None:
        """Called before taking a request from the queue: the crawl is not done while this worker works."""
        if self._idle:
            self.server.hdel(self.key("idle"), self.worker)
            self._idle = False

    @property
    def is_idle(self) -> bool:
        return self._idle

    def idle(self) -> None:
        if not self._idle:
            self.server.hset(self.key("idle"), self.worker, 1)
            self._idle = True

    def done(self) -> bool:
        """The queue is empty and every worker is idle (read in one transaction)."""
        pipe = self.server.pipeline(transaction=True)
        pipe.zcard(self.key("requests")).smembers(self.key("workers")).hkeys(self.key("idle"))
        queued, workers, idle = pipe.execute()
        return not queued and set(workers) <= set(idle)

    def report(self, attempted: int, failed: int, home_ok: bool, incomplete=()) -> None:
        """This worker run's pages attempted and failed, whether it had a home page, and the listing keys
        whose walk it could not finish (``incomplete``)."""
        value = json.dumps({"attempted": attempted, "failed": failed, "home_ok": bool(home_ok),
                            "incomplete": sorted(incomplete)})
        self.server.hset(self.key("counts"), self.run_id, value)

    def totals(self) -> dict:
        """Every worker run's counts: attempted, failed, home_ok, and ``incomplete`` (listing keys)."""
        out = {"attempted": 0, "failed": 0, "home_ok": False, "incomplete": set()}
        for raw in self.server.hvals(self.key("counts")):
            data = json.loads(raw)
            out["attempted"] += data["attempted"]
            out["failed"] += data["failed"]
            out["home_ok"] = out["home_ok"] or data["home_ok"]
            out["incomplete"].update(data.get("incomplete", ()))
        return out

    def queued(self) -> int:
        return self.server.zcard(self.key("requests"))


def request_priority(data: bytes) -> int:
    """The priority of a request serialized by scrapy-redis (a pickled ``Request.to_dict()``)."""
    import pickle

    return int(pickle.loads(data).get("priority", 0))
