"""A sending worker killed outright (SIGKILL) loses nothing: another sends what it held."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

import pytest
from sqlalchemy import func, select

from core.clock import SystemClock
from core.db import Database
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from rewards.messaging.broadcasts import start_broadcast
from rewards.messaging.models import OutboxMessage
from tests.processes import bot_env, start_worker, stop

pytestmark = pytest.mark.e2e
CHATS = list(range(80_001, 80_021))


async def count(database: Database, *statuses: str) -> int:
    async with database.read() as session:
        found = await session.scalar(
            select(func.count()).where(OutboxMessage.status.in_(statuses))
        )
    return found or 0


async def test_a_killed_workers_messages_are_sent_by_the_next_once(
    database_url: str, database: Database
) -> None:
    async with FakeBotAPI() as api:
        for chat in CHATS:
            api.user(chat).has_chat = True
        env = bot_env(
            database_url,
            api.token,
            api.base_url,
            send_rate_per_second="10",
        )
        await start_broadcast(
            UnitOfWork(database, SystemClock()),
            text="通知",
            chat_ids=CHATS,
            urgent=True,
            created_by="test",
        )
        first = await start_worker(env)
        async with asyncio.timeout(30):
            while await count(database, "sent") < 3:
                await asyncio.sleep(0.01)
        # Just after a send was recorded, so none is between Telegram and our record:
        # the worker dies holding claimed messages whose slots have not come.
        first.send_signal(signal.SIGKILL)
        await first.wait()
        held = await count(database, "sending")
        assert held > 0
        second = await start_worker(env)
        try:
            async with asyncio.timeout(60):
                while await count(database, "pending", "sending"):
                    await asyncio.sleep(0.1)
        finally:
            await stop(second)
    assert Counter(chat for chat, _ in api.deliveries()) == Counter(CHATS)
    assert await count(database, "sent") == len(CHATS)
