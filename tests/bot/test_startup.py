"""Telling Telegram how updates come, at start-up: each call stands alone."""

from __future__ import annotations

import logging

import pytest

from bot.factory import create_bot, create_dispatcher
from core.db import Database
from core.i18n import Catalogues
from fakebotapi import FakeBotAPI
from moralbank.runtime import TelegramSide, start_telegram
from tests.bot.fixtures import bot_settings


async def test_a_refused_menu_still_removes_a_left_over_webhook(
    fake_api: FakeBotAPI,
    database: Database,
    database_url: str,
    catalogues: Catalogues,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = bot_settings(fake_api, database_url)
    telegram = TelegramSide(
        create_bot(settings), create_dispatcher(database=database, catalogues=catalogues)
    )
    try:
        await telegram.bot.set_webhook("https://old.example.org/hook")  # from an earlier setup
        fake_api.refuse("setMyCommands", 400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        with caplog.at_level(logging.ERROR, logger="moralbank"):
            await start_telegram(settings, telegram, catalogues, secret=None)
    finally:
        await telegram.bot.session.close()
    assert fake_api.webhook_url is None  # polling can start
    [logged] = [r.getMessage() for r in caplog.records if r.name == "moralbank"]
    assert "setMyCommands" in logged
    assert "BOT_COMMAND_DESCRIPTION_INVALID" in logged
    assert "reach" not in logged  # not blamed on the network


async def test_a_revoked_token_is_named_at_start_up(
    fake_api: FakeBotAPI,
    database: Database,
    database_url: str,
    catalogues: Catalogues,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = bot_settings(fake_api, database_url)
    telegram = TelegramSide(
        create_bot(settings), create_dispatcher(database=database, catalogues=catalogues)
    )
    fake_api.revoke_token()
    try:
        with caplog.at_level(logging.ERROR, logger="moralbank"):
            await start_telegram(settings, telegram, catalogues, secret=None)
    finally:
        await telegram.bot.session.close()
    logged = [r.getMessage() for r in caplog.records if r.name == "moralbank"]
    assert len(logged) == 2  # setMyCommands and deleteWebhook, each tried
    assert all("401" in line and "revoked" in line for line in logged)
    assert [c.method for c in fake_api.calls] == ["setMyCommands", "deleteWebhook"]
