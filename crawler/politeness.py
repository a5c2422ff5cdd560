"""Relax the polite defaults when every seed is a loopback host (the offline replica).

Runs from the spider's ``from_crawler``, before Scrapy freezes the settings. A value the user set
on the command line (``-s NAME=VALUE``, priority ``cmdline``) is never changed.
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "DOWNLOAD_TIMEOUT": 20,
    "PORTAL_REQUEST_DEADLINE": 30,
    "PORTAL_RETRY_BACKOFF_BASE": 0.1,
}


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def relax_for_loopback(settings, seeds) -> bool:
    """Apply LOOPBACK_SETTINGS if all seeds are loopback; returns whether it did."""
    if not settings.getbool("PORTAL_LOOPBACK_RELAX", True) or settings.frozen:
        return False
    if not seeds or not all(is_loopback_host(urlsplit(u).hostname) for u in seeds):
        return False
    for name, value in LOOPBACK_SETTINGS.items():
        if settings.getpriority(name) is None or settings.getpriority(name) < 40:  # below cmdline
            settings.set(name, value, priority="spider")
    return True
