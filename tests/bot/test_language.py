"""Greeting and language, through the real dispatcher and a fake Bot API over HTTP."""

from __future__ import annotations

import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy import func, select

from bot.models import ProcessedUpdate
from core.db import Database
from fakebotapi import FakeBotAPI
from rewards.people.models import Person


async def _person(database: Database) -> Person:
    async with database.read() as session:
        return (await session.scalars(select(Person))).one()


@pytest.mark.usefixtures("running_bot")
async def test_start_greets_in_chinese_by_default(fake_api: FakeBotAPI) -> None:
    user = fake_api.user(1001, first_name="张红", language_code="zh-hans")
    await user.send("/start")
    reply = await user.expect_message(contains="欢迎来到")
    assert "张红" in (reply.text or "")
    assert reply.buttons() == [["中文", "English"]]


@pytest.mark.usefixtures("running_bot")
async def test_start_greets_in_english_for_an_english_client(fake_api: FakeBotAPI) -> None:
    user = fake_api.user(1002, first_name="Ann", language_code="en-GB")
    await user.send("/start")
    await user.expect_message(contains="Welcome to Moral Bank")
    await user.expect_message(contains="Joining Moral Bank")  # a newcomer is asked to join
    await user.send("/help")
    await user.expect_message(contains="What Moral Bank can do")


@pytest.mark.usefixtures("running_bot")
async def test_unknown_language_tag_falls_back_to_chinese(fake_api: FakeBotAPI) -> None:
    user = fake_api.user(1003, first_name="Иван", language_code="ru")
    await user.send("/start")
    await user.expect_message(contains="欢迎来到")


@pytest.mark.usefixtures("running_bot")
async def test_switching_language_by_button_is_remembered(
    fake_api: FakeBotAPI, database: Database
) -> None:
    user = fake_api.user(1004, first_name="李明", language_code="zh")
    await user.send("/start")
    greeting = await user.expect_message(contains="欢迎来到")
    await user.expect_message(contains="加入道德银行")
    callback_id = await user.press("English", message=greeting)
    answer = await user.expect_callback_answer(callback_id)
    assert "English" in answer["text"]
    person = await _person(database)
    assert (person.language, person.language_chosen) == ("en", True)
    # The newcomer's next step comes again, in the language just chosen.
    await user.expect_message(contains="Joining Moral Bank")
    await user.send("/help")
    await user.expect_message(contains="What Moral Bank can do")
    # The choice outlives the client's own language tag.
    await user.send("/start")
    await user.expect_message(contains="Welcome to Moral Bank")


@pytest.mark.usefixtures("running_bot")
async def test_language_command_with_argument_and_an_unsupported_one(
    fake_api: FakeBotAPI, database: Database
) -> None:
    user = fake_api.user(1005, first_name="Bo", language_code="en")
    await user.send("/language zh_Hans")
    await user.expect_message(contains="以后用中文")
    await user.send("/language <b>klingon")  # typed markup is shown, not parsed
    await user.expect_message(contains="暂不支持“<b>klingon”这种语言")
    assert (await _person(database)).language == "zh_Hans"


@pytest.mark.usefixtures("running_bot")
async def test_forged_and_outdated_buttons_get_a_clear_answer(fake_api: FakeBotAPI) -> None:
    user = fake_api.user(1006, first_name="Wu", language_code="zh")
    await user.send("/start")
    greeting = await user.expect_message()
    forged = await user.press_data("lang:xx", message=greeting)
    assert "暂不支持“xx”" in (await user.expect_callback_answer(forged))["text"]
    outdated = await user.press_data("zz:9", message=greeting)
    assert "过期" in (await user.expect_callback_answer(outdated))["text"]


@pytest.mark.usefixtures("running_bot")
async def test_text_in_any_script_gets_an_answer(fake_api: FakeBotAPI) -> None:
    user = fake_api.user(1007, first_name="Ali", language_code="ar")
    for text in ("مرحبا", "👋🏽", "<b>not html</b>", "x" * 4000):
        await user.send(text)
        await user.expect_message(contains="没有看懂")


@pytest.mark.usefixtures("running_bot")
async def test_a_redelivered_update_is_applied_once(
    fake_api: FakeBotAPI, database: Database
) -> None:
    user = fake_api.user(1008, first_name="Zhou", language_code="zh")
    update_id = await user.send("/language en")
    await user.expect_message(contains="English")
    await fake_api.redeliver(update_id)
    await fake_api.wait_idle()
    await user.send("/help")
    await user.expect_message(contains="What Moral Bank can do")
    assert len(user.messages) == 2  # the redelivery was not answered again
    async with database.read() as session:
        recorded = await session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.update_id == update_id)
        )
    assert recorded == 1


@pytest.mark.usefixtures("running_bot")
async def test_an_update_that_wrote_nothing_is_answered_again_and_not_recorded(
    fake_api: FakeBotAPI, database: Database
) -> None:
    user = fake_api.user(1009, first_name="Qian", language_code="en")
    update_id = await user.send("/help")
    await user.expect_message(contains="What Moral Bank can do")
    await fake_api.redeliver(update_id)
    await user.expect_message(contains="What Moral Bank can do")
    assert len(user.messages) == 2
    async with database.read() as session:
        recorded = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert recorded == 0


async def cmd_boom(message: Message) -> None:
    raise RuntimeError("a bug, not a domain error")


def _boom_router() -> Router:
    router = Router(name="boom")
    router.message.register(cmd_boom, Command("boom"))
    return router


@pytest.mark.parametrize("extra_routers", [[_boom_router()]])
@pytest.mark.usefixtures("running_bot")
async def test_an_unexpected_failure_is_answered_not_silent(fake_api: FakeBotAPI) -> None:
    user = fake_api.user(1009, first_name="Qian", language_code="zh")
    await user.send("/boom")
    reply = await user.expect_message()
    assert reply.text == "抱歉，出了点问题，请稍后再试。"
    assert "RuntimeError" not in (reply.text or "")
