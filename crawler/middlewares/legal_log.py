"""The legal log (issue 12): for every URL, the robots.txt decision and the rule that made it, the
rate-limit answers (429, 503 and their ``Retry-After``), the delay in force for its host (robots.txt
``Crawl-delay`` included) and the User-Agent sent, as rows of the archive's ``legal_log`` table.

A request row is written when its answer (or failure) comes back, stamped with when it went on the wire
(its host's delay waited out: now minus Scrapy's ``download_latency``); it got there past
RobotsTxtMiddleware, so robots.txt allowed it. One refused raises ``IgnoreRequest`` in
RobotsTxtMiddleware, which every downloader middleware's ``process_exception`` sees (this one sits after
it and after the Crawl-delay middleware). The decision itself is Scrapy's (Protego's); this module
only names the rule, by the longest match of RFC 9309 (allow wins a tie), over the group for our agent.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from protego import Protego
from scrapy.exceptions import IgnoreRequest

from crawler.sites import netloc
from pipelines.capture import Capture

ROBOTS_PATH = "/robots.txt"
RATE_LIMIT_STATUSES = (429, 503)


def _pattern(value: str) -> re.Pattern:
    """A robots.txt path pattern (``*`` any run, ``$`` end) as an anchored regex."""
    body = re.escape(value.rstrip("$")).replace(r"\*", ".*")
    return re.compile(body + ("$" if value.endswith("$") else ""))


class RobotsRules:
    """The Allow/Disallow lines of the robots.txt group that applies to ``agent`` (else ``*``)."""

    def __init__(self, text: str, agent: str):
        groups: list[tuple[list[str], list[tuple[str, str]]]] = []
        agents: list[str] = []
        rules: list[tuple[str, str]] = []
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            key, sep, value = line.partition(":")
            if not sep:
                continue
            key, value = key.strip().lower(), value.strip()
            if key == "user-agent":
                if rules:  # a new group starts
                    groups.append((agents, rules))
                    agents, rules = [], []
                agents.append(value.lower())
            elif key in ("allow", "disallow") and agents:
                if value:  # an empty Disallow allows everything: no rule
                    rules.append(("Allow" if key == "allow" else "Disallow", value))
        if agents:
            groups.append((agents, rules))
        token = agent.split("/", 1)[0].strip().lower()
        mine = [r for names, r in groups if any(n != "*" and n in token for n in names)]
        anyone = [r for names, r in groups if "*" in names]
        self.rules = [rule for group in (mine or anyone) for rule in group]
        self._compiled = [(field, value, _pattern(value)) for field, value in self.rules]

    def rule_for(self, path: str) -> str | None:
        """The deciding rule for ``path`` (path + query), e.g. ``Disallow: /component/``, or None."""
        best = None
        for field, value, pattern in self._compiled:
            if pattern.match(path):
                key = (len(value), field == "Allow")
                if best is None or key > best[0]:
                    best = (key, f"{field}: {value}")
        return best[1] if best else None


def _ms(seconds) -> int:
    return round(float(seconds) * 1000)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class LegalLogMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.agent = crawler.settings.get("USER_AGENT") or ""
        self.obey = crawler.settings.getbool("ROBOTSTXT_OBEY")
        self.robots: dict[str, RobotsRules | None] = {}  # netloc -> rules (None: no robots.txt could be had)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _site(self, url: str) -> str | None:
        site_of = getattr(self.crawler.spider, "site_of", None)
        return site_of(url) if site_of else None

    def _write(self, request, event: str, *, sent: bool = False, **fields) -> None:
        """One row; ``sent``: stamped with when the request went on the wire (now minus Scrapy's
        ``download_latency``, the time from sending it to the response's first bytes)."""
        ua = request.headers.get("User-Agent")
        at = datetime.now(timezone.utc)
        if sent:
            at -= timedelta(seconds=request.meta.get("download_latency") or 0)
        row = {"url": request.url, "site": self._site(request.url), "event": event,
               "user_agent": ua.decode("latin-1") if ua else self.agent, "event_at": at, **fields}
        Capture.of(self.crawler).writer.add("legal_log", row)

    def _decision(self, request) -> tuple[str, str | None]:
        if not self.obey or request.meta.get("dont_obey_robotstxt"):
            return "not_checked", None
        rules = self.robots.get(netloc(request.url))
        if rules is None:
            return "no_robots_txt", None
        return "allowed", rules.rule_for(_path(request.url))

    def _delay(self, request) -> int:
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is not None:
            return _ms(slot.delay)
        settings = self.crawler.settings  # the host's first request: its slot is made after the middlewares
        return _ms(settings.getdict("DOWNLOAD_SLOTS").get(key, {}).get("delay", settings.getfloat("DOWNLOAD_DELAY")))

    def _sent(self, request) -> None:
        robots, rule = self._decision(request)
        self._write(request, "request", sent=True, robots=robots, robots_rule=rule, delay_ms=self._delay(request))

    def process_response(self, request, response, spider=None):
        if _path(request.url) == ROBOTS_PATH:
            rules = None
            if response.status == 200:
                rules = RobotsRules(response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace"),
                                    self.agent)
            self.robots[netloc(request.url)] = rules
            delay = self._crawl_delay(response) if response.status == 200 else None
            self._write(request, "robots_txt", http_status=response.status, delay_ms=delay)
        else:
            self._sent(request)
            if response.status in RATE_LIMIT_STATUSES:
                after = response.headers.get("Retry-After")
                self._write(request, "rate_limited", http_status=response.status,
                            retry_after=after.decode("latin-1") if after else None, delay_ms=self._delay(request))
        return response

    def process_exception(self, request, exception, spider=None):
        if _path(request.url) == ROBOTS_PATH:
            self.robots[netloc(request.url)] = None  # unreachable: Scrapy then allows everything
        elif isinstance(exception, IgnoreRequest):
            if "robots.txt" in str(exception).lower():
                rules = self.robots.get(netloc(request.url))
                self._write(request, "disallowed", robots="disallowed",
                            robots_rule=rules.rule_for(_path(request.url)) if rules else None)
        else:  # sent, but no answer (refused, reset, timeout): it was still a request to that host
            self._sent(request)
        return None

    def _crawl_delay(self, response) -> int | None:
        try:
            delay = Protego.parse(response.body.decode("utf-8", "replace")).crawl_delay(self.agent)
        except Exception:  # noqa: BLE001 - a broken robots.txt must not break the crawl
            return None
        return _ms(delay) if delay else None
