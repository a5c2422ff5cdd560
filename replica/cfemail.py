"""Cloudflare email obfuscation (``data-cfemail``): key byte, then each byte XOR key, in hex."""
from __future__ import annotations


def encode(address: str, key: int) -> str:
    data = address.encode("utf-8")
    return f"{key:02x}" + "".join(f"{b ^ key:02x}" for b in data)


def decode(hexstr: str) -> str:
    key = int(hexstr[:2], 16)
    return bytes(int(hexstr[i:i + 2], 16) ^ key for i in range(2, len(hexstr), 2)).decode("utf-8")
