"""Throttling counts the same in memory and, shared across processes, in Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from core.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from tests.support import require_redis


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(require_redis())
    yield client
    await client.aclose()


async def _allowed(limiter: RateLimiter, key: str, attempts: int) -> list[bool]:
    return [await limiter.hit(key) for _ in range(attempts)]


async def test_memory_limiter_allows_the_limit_then_refuses() -> None:
    limiter = MemoryRateLimiter(limit=3, window_seconds=60)
    assert await _allowed(limiter, "1.2.3.4", 5) == [True, True, True, False, False]
    assert await limiter.hit("5.6.7.8")  # other keys are counted apart
    await limiter.reset("1.2.3.4")
    assert await limiter.hit("1.2.3.4")


async def test_memory_limiter_forgets_after_the_window() -> None:
    limiter = MemoryRateLimiter(limit=1, window_seconds=0.05)
    assert await limiter.hit("k")
    assert not await limiter.hit("k")
    import asyncio

    await asyncio.sleep(0.06)
    assert await limiter.hit("k")


async def test_redis_limiter_is_shared_between_instances(redis: Redis) -> None:
    prefix = f"test:{uuid.uuid4().hex}"
    first = RedisRateLimiter(redis, limit=2, window_seconds=60, prefix=prefix)
    second = RedisRateLimiter(redis, limit=2, window_seconds=60, prefix=prefix)
    assert await first.hit("ip")
    assert await second.hit("ip")
    assert not await first.hit("ip")
    assert 0 < await redis.ttl(f"{prefix}:ip") <= 60
    await second.reset("ip")
    assert await first.hit("ip")
