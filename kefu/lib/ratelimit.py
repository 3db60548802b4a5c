"""Fixed-window counters in the shared (database) cache: login failures, anonymous submissions."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest


def _key(scope: str, ident: str) -> str:
    return "rl:" + scope + ":" + hashlib.sha256(ident.encode("utf-8")).hexdigest()[:32]


def count(scope: str, ident: str) -> int:
    return int(cache.get(_key(scope, ident), 0))


def increment(scope: str, ident: str, window_seconds: int) -> int:
    key = _key(scope, ident)
    if cache.add(key, 1, window_seconds):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window_seconds)
        return 1


def reset(scope: str, ident: str) -> None:
    cache.delete(_key(scope, ident))


def client_ip(request: HttpRequest) -> str:
    """The peer address (a trusted proxy must set REMOTE_ADDR; X-Forwarded-For is not trusted)."""
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")
