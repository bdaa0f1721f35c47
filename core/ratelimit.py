"""Sliding-window counters for throttling, shared across processes when Redis is set.

One process (the embedded SQLite setup) counts in memory; several bot or web processes
must share the count, which is what Redis is for.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Protocol

from redis.asyncio import Redis


class RateLimiter(Protocol):
    async def hit(self, key: str) -> bool:
        """Count one attempt; False when `key` is over its limit in the current window."""

    async def reset(self, key: str) -> None: ...


class MemoryRateLimiter:
    def __init__(self, *, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)

    async def hit(self, key: str) -> bool:
        now = time.monotonic()
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        hits.append(now)
        return len(hits) <= self.limit

    async def reset(self, key: str) -> None:
        self._hits.pop(key, None)


class RedisRateLimiter:
    """A fixed window per key (INCR + EXPIRE): cheap and exact enough for throttling."""

    def __init__(self, redis: Redis, *, limit: int, window_seconds: int, prefix: str) -> None:
        self.redis = redis
        self.limit = limit
        self.window = window_seconds
        self.prefix = prefix

    async def hit(self, key: str) -> bool:
        name = f"{self.prefix}:{key}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, self.window, nx=True)
            count, _ = await pipe.execute()
        return int(count) <= self.limit

    async def reset(self, key: str) -> None:
        await self.redis.delete(f"{self.prefix}:{key}")
