"""The bot under many updates at once: racing first messages, and bursts with Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from aiogram import Bot, Router
from aiogram.types import Message
from starlette.applications import Starlette
from starlette.routing import Route

from bot.factory import create_bot, create_dispatcher, create_storage, poll
from bot.webhook import SECRET_HEADER, create_webhook_endpoint
from core.db import Database
from core.i18n import Catalogues
from fakebotapi import FakeBotAPI
from fakebotapi.users import FakeUser
from tests.support import make_settings, require_redis

HELP = "What Moral Bank can do"


async def _writers_queued(database: Database, count: int) -> None:
    """Until `count` writers wait for their turn in SQLite's group commit (white box: the
    race below needs them queued in a known order)."""
    groups = database._sqlite_groups
    assert groups is not None
    while groups._waiting < count:
        await asyncio.sleep(0.01)


async def _hold_the_group_until_the_bot_speaks(database: Database, user: FakeUser) -> None:
    """A writer that keeps the group uncommitted while the bot could still answer from
    a view that misses the first message's insert (once it answered, or after a while)."""
    async with database.write():
        await user.changed.wait_for(lambda: bool(user.messages), 3)


@pytest.mark.usefixtures("running_bot")
async def test_a_new_users_first_messages_racing_each_other_are_both_answered(
    fake_api: FakeBotAPI, database: Database
) -> None:
    user = fake_api.user(7101, first_name="New", language_code="en")
    if database.dialect != "sqlite":
        # PostgreSQL: the second insert waits for the first and is refused once it commits.
        await user.send("/help")
        await user.send("/help")
    else:
        # Both first looks miss the person; then both writes meet in one group commit, the
        # first inserts and the second finds the person only inside the group, which a
        # third writer keeps open (uncommitted) while the second one answers.
        async with database.write():
            await user.send("/help")
            await user.send("/help")
            await asyncio.wait_for(_writers_queued(database, 2), timeout=10)
            holder = asyncio.create_task(_hold_the_group_until_the_bot_speaks(database, user))
            await asyncio.wait_for(_writers_queued(database, 3), timeout=10)
        await holder
    await user.expect_message(contains=HELP)
    await user.expect_message(contains=HELP)


@asynccontextmanager
async def _bot_with_redis(
    api: FakeBotAPI, database: Database, database_url: str, catalogues: Catalogues, redis: str
) -> AsyncIterator[None]:
    """The production bot as `moralbank run` polls, its conversations in Redis."""
    settings = make_settings(
        database_url=database_url,
        bot_token=api.token,
        telegram_api_url=api.base_url,
        redis_url=redis,
    )
    bot = create_bot(settings)
    storage = create_storage(settings)
    dispatcher = create_dispatcher(database=database, catalogues=catalogues, storage=storage)
    polling = asyncio.create_task(poll(dispatcher, bot, settings, polling_timeout=1))
    try:
        yield
    finally:
        await dispatcher.stop_polling()
        await polling
        await bot.session.close()
        await storage.close()


async def test_a_burst_with_conversations_in_redis_gets_every_answer_and_no_error(
    database: Database, database_url: str, catalogues: Catalogues
) -> None:
    redis = require_redis()
    async with (
        FakeBotAPI() as api,
        _bot_with_redis(api, database, database_url, catalogues, redis),
    ):
        users = [api.user(7200 + n, first_name=f"U{n}", language_code="en") for n in range(20)]
        for _ in range(10):  # 200 messages, all queued before the bot's next poll
            for user in users:
                await user.send("/help")
        for user in users:
            for _ in range(10):
                await user.expect_message(contains=HELP, timeout=60)


class _InHand:
    """A handler that holds every message until let go, counting how many it holds."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self.done = 0
        self.go = asyncio.Event()

    async def hold(self, message: Message) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        await self.go.wait()
        self.now -= 1
        self.done += 1

    def router(self) -> Router:
        router = Router()
        router.message.register(self.hold)
        return router

    async def until(self, test: Callable[[], bool]) -> None:
        while not test():
            await asyncio.sleep(0.01)


async def _ten_with_at_most_three_in_hand(held: _InHand, burst: Awaitable[object]) -> None:
    sending = asyncio.ensure_future(burst)
    await asyncio.wait_for(held.until(lambda: held.now == 3), timeout=10)
    await asyncio.sleep(0.3)  # room for a fourth, were it let in
    assert held.most == 3
    held.go.set()
    await asyncio.wait_for(held.until(lambda: held.done == 10), timeout=10)
    await sending
    assert held.most == 3


async def test_polling_handles_at_most_the_configured_updates_at_once(
    fake_api: FakeBotAPI, database: Database, database_url: str, catalogues: Catalogues
) -> None:
    settings = make_settings(
        database_url=database_url,
        bot_token=fake_api.token,
        telegram_api_url=fake_api.base_url,
        bot_concurrent_updates=3,
    )
    held = _InHand()
    bot = create_bot(settings)
    dispatcher = create_dispatcher(
        database=database, catalogues=catalogues, routers=[held.router()]
    )
    polling = asyncio.create_task(poll(dispatcher, bot, settings, polling_timeout=1))
    users = [fake_api.user(7300 + n, first_name=f"U{n}", language_code="en") for n in range(10)]
    for user in users:
        await user.send("hello")
    await _ten_with_at_most_three_in_hand(held, fake_api.wait_idle(timeout=10))
    await dispatcher.stop_polling()
    await polling
    await bot.session.close()


async def test_the_webhook_handles_at_most_the_configured_updates_at_once(
    database: Database, catalogues: Catalogues
) -> None:
    held = _InHand()
    dispatcher = create_dispatcher(
        database=database, catalogues=catalogues, routers=[held.router()]
    )
    bot = Bot("42:" + "x" * 35)
    endpoint = create_webhook_endpoint(dispatcher, bot, "s" * 64, concurrent=3)
    app = Starlette(routes=[Route("/hook", endpoint, methods=["POST"])])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bot.test"
    ) as client:

        async def deliver(n: int) -> None:
            update = {
                "update_id": n,
                "message": {
                    "message_id": n,
                    "date": 0,
                    "chat": {"id": 7400 + n, "type": "private"},
                    "from": {"id": 7400 + n, "is_bot": False, "first_name": "U"},
                    "text": "hello",
                },
            }
            answer = await client.post("/hook", json=update, headers={SECRET_HEADER: "s" * 64})
            assert answer.status_code == 200

        burst = asyncio.gather(*(deliver(n) for n in range(10)))
        await _ten_with_at_most_three_in_hand(held, burst)
    await bot.session.close()
