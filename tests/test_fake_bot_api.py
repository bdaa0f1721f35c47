"""The fake Bot API answers a real aiogram client the way Telegram does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from tests.fakebotapi import FakeBotAPI


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    client = Bot(
        fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    )
    yield client
    await client.session.close()


def _keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data=data)]]
    )


async def test_get_me_and_a_wrong_token(fake: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "moralbank_test_bot", True)
    stranger = Bot(
        "999:other", session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    )
    with pytest.raises(TelegramUnauthorizedError):
        await stranger.get_me()
    await stranger.session.close()


async def test_messages_buttons_edits_and_callback_answers(fake: FakeBotAPI, bot: Bot) -> None:
    user = fake.user(7, first_name="Li")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(8, "nobody there")
    sent = await bot.send_message(7, "<b>hi</b>", parse_mode="HTML", reply_markup=_keyboard("a:1"))
    assert sent.text == "hi"
    seen = await user.expect_message()
    assert (seen.text, seen.buttons(), seen.button_data("Go")) == ("hi", [["Go"]], "a:1")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(7, "<b>broken", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(7, "x", reply_markup=_keyboard("x" * 65))
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(7, " ")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(7, "长" * 4097)
    await bot.edit_message_text("edited", chat_id=7, message_id=sent.message_id)
    assert (seen.text, seen.edits) == ("edited", 1)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("edited", chat_id=7, message_id=sent.message_id)
    callback_id = await user.press_data("a:1", message=seen)
    await bot.answer_callback_query(callback_id, text="ok", show_alert=True)
    assert (await user.expect_callback_answer(callback_id))["text"] == "ok"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(callback_id, text="again")


async def test_photos_and_files_round_trip(fake: FakeBotAPI, bot: Bot) -> None:
    user = fake.user(9)
    await bot.send_photo(9, BufferedInputFile(b"\x89PNG-bytes", "p.png"), caption="pic")
    photo = await user.expect_message()
    assert (photo.kind, photo.text, photo.file_bytes) == ("photo", "pic", b"\x89PNG-bytes")
    await user.send_photo(b"resident photo")
    updates = await bot.get_updates(timeout=1)
    file_id = updates[-1].message.photo[-1].file_id  # type: ignore[index, union-attr]
    telegram_file = await bot.get_file(file_id)
    assert telegram_file.file_path is not None
    downloaded = await bot.download_file(telegram_file.file_path)
    assert downloaded is not None
    assert downloaded.read() == b"resident photo"


async def test_blocked_user_and_unknown_method(fake: FakeBotAPI, bot: Bot) -> None:
    user = fake.user(10)
    user.block()
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(10, "hello")

    class NoSuchMethod(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "sendTelepathy"

    with pytest.raises(TelegramNotFound):
        await bot(NoSuchMethod())


async def test_long_poll_returns_as_soon_as_a_user_writes(fake: FakeBotAPI, bot: Bot) -> None:
    user = fake.user(11)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await user.send("/start payload")
    updates = await asyncio.wait_for(poll, timeout=2)
    message = updates[0].message
    assert message is not None
    assert message.text == "/start payload"
    assert message.entities is not None
    assert message.entities[0].type == "bot_command"
    assert message.entities[0].length == len("/start")
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []


async def test_webhook_push_with_secret_and_retry(fake: FakeBotAPI, bot: Bot) -> None:
    received: list[tuple[str | None, int]] = []

    async def endpoint(request: web.Request) -> web.Response:
        received.append(
            (
                request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                (await request.json())["update_id"],
            )
        )
        return web.Response(status=500 if len(received) == 1 else 200)

    app = web.Application()
    app.router.add_post("/hook", endpoint)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        with pytest.raises(TelegramConflictError):
            await bot.get_updates()
        update_id = await fake.user(12).send("hello")
        await fake.wait_idle()
        assert received == [("s3cret", update_id), ("s3cret", update_id)]
    finally:
        await bot.delete_webhook()
        await runner.cleanup()
