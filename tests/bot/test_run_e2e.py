"""The product started as `moralbank run` in its own process, talking to a fake Bot API."""

from __future__ import annotations

import httpx
import pytest

from bot.webhook import SECRET_HEADER
from fakebotapi import FakeBotAPI
from tests.processes import free_port, moralbank_env, moralbank_run

pytestmark = pytest.mark.e2e


async def test_polling_bot_greets_and_switches_language(
    fake_api: FakeBotAPI, database_url: str
) -> None:
    env = moralbank_env(database_url, bot_token=fake_api.token, telegram_api_url=fake_api.base_url)
    async with moralbank_run(env) as running:
        assert "Telegram bot: on, by long polling" in running.printed()
        chinese = fake_api.user(2001, first_name="张红", language_code="zh-hans")
        english = fake_api.user(2002, first_name="Ann", language_code="en")
        await chinese.send("/start")
        await english.send("/start")
        await chinese.expect_message(contains="欢迎来到", timeout=15)
        greeting = await english.expect_message(contains="Welcome to Moral Bank", timeout=15)
        await english.expect_message(contains="Joining Moral Bank")
        pressed = await english.press("中文", message=greeting)
        answer = await english.expect_callback_answer(pressed)
        assert "以后用中文" in answer["text"]
        assert greeting.text == "好的，以后用中文和您交流。"  # the greeting was edited
        await english.expect_message(contains="加入道德银行")  # the next step, now in Chinese
        await english.send("/help")
        await english.expect_message(contains="道德银行能做什么")
        commands = fake_api.calls_of("setMyCommands")
        assert {call.params.get("language_code") for call in commands} == {None, "en"}
    assert running.process.returncode == 0, running.printed()


async def test_webhook_bot_checks_the_secret_and_answers(
    fake_api: FakeBotAPI, database_url: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    env = moralbank_env(
        database_url, bot_token=fake_api.token, telegram_api_url=fake_api.base_url, webhook_url=url
    )
    async with moralbank_run(env, port=port) as running:
        assert running.port == port
        assert fake_api.webhook_url == url
        assert fake_api.webhook_secret
        user = fake_api.user(2003, first_name="李明", language_code="zh")
        await user.send("/start")
        await user.expect_message(contains="欢迎来到", timeout=15)
        async with httpx.AsyncClient() as client:
            forged = await client.post(url, json={"update_id": 1}, headers={SECRET_HEADER: "x"})
        assert forged.status_code == 401
    assert running.process.returncode == 0, running.printed()


async def test_without_a_token_the_panel_runs_and_says_the_bot_is_off(database_url: str) -> None:
    async with moralbank_run(moralbank_env(database_url)) as running:
        assert "MORALBANK_BOT_TOKEN is not set" in running.printed()
        async with httpx.AsyncClient() as client:
            health = await client.get(f"{running.base_url}/healthz")
        assert health.status_code == 200
        assert health.json()["database"] == "ok"
    assert running.process.returncode == 0, running.printed()
