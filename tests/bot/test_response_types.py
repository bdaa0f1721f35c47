"""The bot keeps aiogram's answer types alive, so that pydantic does not build them anew
after every garbage collection."""

from __future__ import annotations

import gc
import weakref

from aiogram.methods import Response
from aiogram.types import User

from bot.factory import create_bot
from fakebotapi.server import FakeBotAPI
from tests.bot.fixtures import bot_settings


async def test_an_answer_type_outlives_a_garbage_collection(
    fake_api: FakeBotAPI, database_url: str
) -> None:
    bot = create_bot(bot_settings(fake_api, database_url))
    try:
        await bot.get_me()
        answer_type = weakref.ref(Response[User])
        gc.collect()
        assert answer_type() is not None
    finally:
        await bot.session.close()
