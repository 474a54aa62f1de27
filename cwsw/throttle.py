"""Counting attempts in the cache: unknown contributor links and password-reset requests, per address or account.

The counts live in the default cache (Redis in production, so every gunicorn worker shares
them). A cache that cannot be reached must not take the pages down with it: the count is then
not kept and the attempt allowed, and the failure is logged. What a throttle protects has its
own defence that does not depend on the cache (256-bit link tokens; reset links that need the
mailbox).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.cache import cache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# What a cache backend raises when its server cannot be reached (Django's Redis cache lets redis-py's
# errors through; a local-memory cache never fails).
CACHE_ERRORS = (RedisError, OSError)


@dataclass(frozen=True)
class Throttle:
    """At most `limit` attempts per key in a `window`, counted from the first."""

    name: str
    limit: int
    window: dt.timedelta

    def _key(self, key: str) -> str:
        return f"throttle:{self.name}:{key}"

    def exceeded(self, key: str) -> bool:
        try:
            return (cache.get(self._key(key)) or 0) >= self.limit
        except CACHE_ERRORS:
            log.warning("Cache unreachable: %s not throttled", self.name, exc_info=True)
            return False

    def count(self, key: str) -> None:
        timeout = int(self.window.total_seconds())
        name = self._key(key)
        try:
            cache.add(name, 0, timeout=timeout)
            try:
                cache.incr(name)
            except ValueError:  # expired between the two calls
                cache.set(name, 1, timeout=timeout)
        except CACHE_ERRORS:
            log.warning("Cache unreachable: %s attempt not counted", self.name, exc_info=True)
