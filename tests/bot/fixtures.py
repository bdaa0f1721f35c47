"""A bot built by the production factory, polling a fake Bot API server over real HTTP.
Fixtures for every test directory (the root conftest loads them): the panel's tests use
them too, to see in the bot what staff did in the panel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.fsm.storage.base import BaseStorage

from bot.factory import create_bot, create_dispatcher, poll
from bot.handlers import get_routers
from core.db import Database
from core.files import LocalFileStorage
from core.i18n import Catalogues
from core.settings import Settings
from fakebotapi import FakeBotAPI
from tests.support import make_settings


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@dataclass
class RunningBot:
    bot: Bot
    dispatcher: Dispatcher


def bot_settings(fake_api: FakeBotAPI, database_url: str) -> Settings:
    return make_settings(
        database_url=database_url, bot_token=fake_api.token, telegram_api_url=fake_api.base_url
    )


@pytest.fixture
def extra_routers() -> list[Router]:
    """Tests override this to add routers (e.g. one that fails on purpose)."""
    return []


@pytest.fixture
def files(tmp_path: Path) -> LocalFileStorage:
    """Where the bot keeps the photos residents send, as production does, in the test's
    own directory."""
    return LocalFileStorage(tmp_path / "files")


@pytest.fixture
def bot_storage() -> BaseStorage | None:
    """Tests override this to keep conversations elsewhere (None: in memory)."""
    return None


@pytest.fixture
async def running_bot(
    fake_api: FakeBotAPI,
    database: Database,
    database_url: str,
    catalogues: Catalogues,
    extra_routers: list[Router],
    bot_storage: BaseStorage | None,
    files: LocalFileStorage,
) -> AsyncIterator[RunningBot]:
    settings = bot_settings(fake_api, database_url)
    bot = create_bot(settings)
    # Extra routers go first: the fallback router at the end would take everything.
    dispatcher = create_dispatcher(
        database=database,
        catalogues=catalogues,
        storage=bot_storage,
        routers=[*extra_routers, *get_routers()],
        files=files,
    )
    polling = asyncio.create_task(poll(dispatcher, bot, settings, polling_timeout=1))
    yield RunningBot(bot, dispatcher)
    await dispatcher.stop_polling()
    await polling
    # A handler the test did not wait for (a second reply still on its way) would
    # otherwise open a fresh HTTP session after this one closed, and leak it.
    await asyncio.gather(*dispatcher._handle_update_tasks, return_exceptions=True)
    await bot.session.close()
