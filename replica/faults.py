"""``--faults RATE``: deterministic fault injection, per (URL without state blob, attempt number).

How a fault is chosen (``Faults.plan``; keys and records from fault_targets.py; all hashes are blake2b
of ``fault_seed`` and the key, so the same configuration always fails the same URLs the same way):

1. Off unless ``rate > 0``. Exempt: robots.txt, the home page (``/``, ``/wps/portal/hoangmai/``,
   ``…/trang-chu``, home state URLs) always; media and theme files unless ``fault_media``.
2. Designated (only if the kind is enabled): ``redirect_loop`` — the friendly URLs of ``LOOPS`` articles:
   A answers 302 → A + "/", which answers 302 → A, forever (permanent); ``huge`` — every URL form of one
   article answers 200 with ``HUGE_BYTES`` of padding comments after ``<body>`` plus the real page.
3. Otherwise a URL is faulty iff ``unit(hash(seed, "rate", key)) < rate`` (so a higher rate fails a
   superset of URLs), with kind = enabled ``RANDOM_KINDS[hash(seed, "kind", key) % n]``:
   ``malformed`` is served on every attempt (a 200 whose HTML still holds the whole record); a
   record URL that is not a state URL nor a POST (the URLs the truth lists) with kind in
   ``PERMANENT_KINDS`` is permanent when ``hash(seed, "perm", key) % PERMANENT_ONE_IN == 0`` (fails on
   every attempt; listed by the truth's ``faults`` line); else the fault is transient: it fails attempts
   1 .. ``1 + hash(seed, "fails", key) % 2`` (one or two) and the next attempt succeeds, so every
   non-permanent page is obtainable within 3 attempts (2 retries).
Attempts are counted per key by the server (from 1), only for keys with a fault plan.
"""
from __future__ import annotations

import hashlib
import random
import threading
from collections import Counter
from dataclasses import dataclass, field

from . import urls as U
from .fault_targets import Target, classify

KINDS = ("5xx", "timeout", "truncated", "reset", "redirect_loop", "429", "malformed", "huge")
RANDOM_KINDS = ("5xx", "timeout", "truncated", "reset", "429", "malformed")
PERMANENT_KINDS = ("5xx", "timeout", "truncated", "reset")
PERMANENT_ONE_IN = 8
MAX_TRANSIENT_FAILURES = 2
LOOPS = 3
HUGE_BYTES = 5 * 1024 * 1024
ALWAYS = 1 << 30  # "fails" of a plan that never clears


def _h(*parts) -> int:
    return int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


def parse_kinds(text: str | None) -> tuple[str, ...]:
    """``"5xx,timeout"`` → the kinds (all of them for None/empty); ValueError on an unknown kind."""
    if not text:
        return KINDS
    kinds = tuple(dict.fromkeys(k.strip() for k in text.split(",") if k.strip()))
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ValueError(f"unknown fault kind(s) {', '.join(bad)}; known: {', '.join(KINDS)}")
    return kinds


@dataclass(frozen=True)
class FaultConfig:
    rate: float = 0.0
    kinds: tuple[str, ...] = KINDS
    seed: int = 0
    timeout_seconds: float = 3.0
    media: bool = False

    def __post_init__(self):
        if not 0.0 <= float(self.rate) <= 1.0:
            raise ValueError(f"fault rate {self.rate} is not in 0..1")
        kinds = self.kinds if isinstance(self.kinds, str) else ",".join(self.kinds or ())
        object.__setattr__(self, "kinds", parse_kinds(kinds))
        object.__setattr__(self, "rate", float(self.rate))


@dataclass(frozen=True)
class Plan:
    """What one URL (key) gets, attempt after attempt."""
    kind: str | None = None
    fails: int = 0  # attempts 1..fails fail; ALWAYS: every attempt
    permanent: bool = False  # never obtainable at this URL
    status: int | None = None  # 5xx, 429, 302
    location: str | None = None  # redirect_loop: the path it redirects to

    def at(self, attempt: int) -> str | None:
        return self.kind if self.kind and attempt <= self.fails else None


@dataclass(frozen=True)
class Fault:
    kind: str
    attempt: int
    status: int | None = None
    location: str | None = None
    target: Target | None = field(default=None, compare=False)


class Faults:
    def __init__(self, corpus, config: FaultConfig = FaultConfig()):
        self.c, self.config = corpus, config
        self.enabled = config.rate > 0
        self.random_kinds = [k for k in RANDOM_KINDS if k in config.kinds]
        self.huge_k, self.loop_ks = self._designate() if self.enabled else (None, [])
        if "huge" not in config.kinds:
            self.huge_k = None
        if "redirect_loop" not in config.kinds:
            self.loop_ks = []
        self.loops: dict[str, str] = {}
        for k in self.loop_ks:
            a = U.friendly(corpus.meta(k))
            self.loops[a], self.loops[a + "/"] = a + "/", a
        self._lock = threading.Lock()
        self._attempts: dict[str, int] = {}
        self.injected: Counter = Counter()  # fault kind -> faults injected

    def _designate(self) -> tuple[int | None, list[int]]:
        """(the huge article, the redirect-loop articles): distinct live UTF-8 articles other than the seed."""
        rng = random.Random(f"faults:{self.config.seed}:{self.c.seed}:{self.c.n}")
        picked: list[int] = []
        for _ in range(200):
            if len(picked) == 1 + LOOPS or self.c.total < 2:
                break
            k = rng.randrange(1, self.c.total)
            if k not in picked and self.c.exists(k) and self.c.encoding(k) == "utf-8":
                picked.append(k)
        return (picked[0] if picked else None), picked[1:]

    # --- decisions -----------------------------------------------------------------------------
    def target(self, method: str, target: str, body: bytes = b"") -> Target:
        return classify(self.c, method, target, body)

    def plan(self, t: Target) -> Plan:
        cfg = self.config
        if not self.enabled or (t.exempt and not (t.exempt == "media" and cfg.media)):
            return Plan()
        if t.path in self.loops and not t.query and not t.post:
            return Plan("redirect_loop", ALWAYS, True, 302, self.loops[t.path])
        if self.huge_k is not None and t.record == ("article", self.huge_k):
            return Plan("huge", ALWAYS)
        if not self.random_kinds or _h(cfg.seed, "rate", t.key) / 2.0 ** 64 >= cfg.rate:
            return Plan()
        kind = self.random_kinds[_h(cfg.seed, "kind", t.key) % len(self.random_kinds)]
        status = (500, 502, 503)[_h(cfg.seed, "status", t.key) % 3] if kind == "5xx" else (429 if kind == "429" else None)
        if kind == "malformed":
            return Plan(kind, ALWAYS)
        if (kind in PERMANENT_KINDS and t.record is not None and not t.state and not t.post
                and _h(cfg.seed, "perm", t.key) % PERMANENT_ONE_IN == 0):
            return Plan(kind, ALWAYS, True, status)
        return Plan(kind, 1 + _h(cfg.seed, "fails", t.key) % MAX_TRANSIENT_FAILURES, False, status)

    def plan_for(self, target: str, method: str = "GET", body: bytes = b"") -> Plan:
        """The plan of a request target (path + query; an absolute URL's scheme and host are ignored)."""
        return self.plan(self.target(method, target, body))

    def next(self, method: str, target: str, body: bytes = b"") -> Fault | None:
        """The fault (if any) of this request: counts the attempt of its key."""
        if not self.enabled:
            return None
        t = self.target(method, target, body)
        plan = self.plan(t)
        if plan.kind is None:
            return None
        with self._lock:
            attempt = self._attempts[t.key] = self._attempts.get(t.key, 0) + 1
            kind = plan.at(attempt)
            if kind:
                self.injected[kind] += 1
        return Fault(kind, attempt, plan.status, plan.location, t) if kind else None

    def attempts(self, target: str, method: str = "GET", body: bytes = b"") -> int:
        """Requests seen so far for the key of ``target`` (0 for keys without a fault plan)."""
        with self._lock:
            return self._attempts.get(self.target(method, target, body).key, 0)

    # --- truth -----------------------------------------------------------------------------------
    def truth(self, base_url: str, records) -> dict:
        """The ``faults`` truth line; ``records``: the record truth lines (their ``urls``)."""
        base_url = base_url.rstrip("/")
        permanent = []
        for rec in records:
            for form, url in (rec.get("urls") or {}).items():
                if not url.startswith(base_url):
                    continue
                plan = self.plan_for(url[len(base_url):])
                if plan.permanent:
                    entry = {"url": url, "kind": plan.kind, "form": form, "record": rec["kind"],
                             "wcm_path": rec.get("wcm_path")}
                    if plan.location:
                        entry["location"] = base_url + plan.location
                    permanent.append(entry)
        huge = None
        if self.huge_k is not None:
            m = self.c.meta(self.huge_k)
            huge = {"url": base_url + U.friendly(m), "wcm_path": m.wcm_path, "padding_bytes": HUGE_BYTES}
        cfg = self.config
        return {"kind": "faults", "rate": cfg.rate, "seed": cfg.seed, "kinds": list(cfg.kinds),
                "timeout_seconds": cfg.timeout_seconds, "media": cfg.media,
                "max_transient_failures": MAX_TRANSIENT_FAILURES,
                "permanent": sorted(permanent, key=lambda e: e["url"]), "huge": huge,
                "redirect_loops": [{"url": base_url + a, "location": base_url + b}
                                   for a, b in self.loops.items() if not a.endswith("/")]}
