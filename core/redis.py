"""One way to connect to Redis: a pool that waits for a free connection.

redis-py's asyncio pool raises "Too many connections" once all of its connections are in
use (100 by default); a burst of updates then failed in the conversation storage instead
of waiting its turn a few milliseconds. The blocking pool makes the extra callers queue.
"""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

# Above the bot's concurrent updates (MORALBANK_BOT_CONCURRENT_UPDATES), which each use
# one connection at a time; beyond it callers wait.
MAX_CONNECTIONS = 50
# A caller that waits longer than this fails: Redis is stuck, not busy.
WAIT_SECONDS = 10


def connect_redis(url: str) -> Redis:
    """A client for `url` whose pool makes callers wait when every connection is busy.
    Closing the client closes its pool."""
    pool = BlockingConnectionPool.from_url(
        url, max_connections=MAX_CONNECTIONS, timeout=WAIT_SECONDS
    )
    return Redis.from_pool(pool)
