"""The bot under many updates at once: racing first messages, and bursts with Redis."""

from __future__ import annotations

import asyncio

import pytest

from core.db import Database
from fakebotapi import FakeBotAPI
from fakebotapi.users import FakeUser

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
        # first inserts and the second finds the person only inside the still open group.
        async with database.write():
            await user.send("/help")
            await user.send("/help")
            await asyncio.wait_for(_writers_queued(database, 2), timeout=10)
            holder = asyncio.create_task(_hold_the_group_until_the_bot_speaks(database, user))
            await asyncio.wait_for(_writers_queued(database, 3), timeout=10)
        await holder
    await user.expect_message(contains=HELP)
    await user.expect_message(contains=HELP)
