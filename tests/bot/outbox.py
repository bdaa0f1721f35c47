"""Running the outbox sender beside a test's bot, against the fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import select

from bot.factory import create_bot
from bot.outbox_sender import OutboxSender
from core.clock import SystemClock
from core.db import Database
from core.i18n import Catalogues
from fakebotapi import FakeBotAPI
from fakebotapi.state import BotMessage
from fakebotapi.users import FakeUser
from rewards.messaging.delivery import Pace
from rewards.messaging.models import OutboxMessage
from tests.bot.fixtures import bot_settings


@asynccontextmanager
async def sending(
    api: FakeBotAPI,
    database: Database,
    database_url: str,
    catalogues: Catalogues,
    **pace: float | timedelta,
) -> AsyncIterator[OutboxSender]:
    bot = create_bot(bot_settings(api, database_url))
    sender = OutboxSender(
        database=database,
        clock=SystemClock(),
        bot=bot,
        catalogues=catalogues,
        worker_id="test-worker",
        pace=Pace(**pace),  # type: ignore[arg-type]
        idle_poll=0.05,
    )
    task = asyncio.create_task(sender.run())
    try:
        yield sender
    finally:
        sender.stop()
        await task
        await bot.session.close()


async def until_settled(database: Database, *, timeout: float = 10.0) -> dict[int, str]:
    """Every outbox message's status, once none is waiting any more."""
    async with asyncio.timeout(timeout):
        while True:
            async with database.read() as session:
                rows = dict(
                    (await session.execute(select(OutboxMessage.id, OutboxMessage.status))).all()
                )
            if not {"pending", "sending"} & set(rows.values()):
                return rows
            await asyncio.sleep(0.05)


async def next_saying(user: FakeUser, text: str, *, most: int = 10) -> BotMessage:
    """The next message with `text`, past the ones the outbox sends in their own order
    beside it (points notices, say)."""
    for _ in range(most):
        message = await user.expect_message()
        if text in (message.text or ""):
            return message
    raise AssertionError(f"{user.label}: no message with {text!r} among the next {most}")
