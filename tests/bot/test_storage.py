"""Conversation state lives in Redis when configured, so it survives a restart."""

from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage

from bot.factory import create_storage
from tests.support import make_settings as _settings
from tests.support import require_redis


async def test_memory_storage_without_redis() -> None:
    storage = create_storage(_settings(redis_url=None))
    assert isinstance(storage, MemoryStorage)
    await storage.close()


async def test_state_written_before_a_restart_is_read_after_it() -> None:
    url = require_redis()
    key = StorageKey(bot_id=42, chat_id=7001, user_id=7001)
    before = create_storage(_settings(redis_url=url))
    assert isinstance(before, RedisStorage)
    await before.set_state(key, "Joining:phone")
    await before.set_data(key, {"community": "demo-community"})
    await before.close()
    after = create_storage(_settings(redis_url=url))
    try:
        assert await after.get_state(key) == "Joining:phone"
        assert await after.get_data(key) == {"community": "demo-community"}
    finally:
        await after.set_state(key, None)
        await after.set_data(key, {})
        await after.close()
