"""The fake Bot API answers a real aiogram client the way Telegram does."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiohttp import web

from fakebotapi import FakeBotAPI, FakeUser

pytestmark = pytest.mark.no_database

Endpoint = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


def make_bot(fake: FakeBotAPI, token: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    return Bot(token or fake.token, session=session)


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    client = make_bot(fake)
    yield client
    await client.session.close()


async def talking_user(fake: FakeBotAPI, bot: Bot, user_id: int, **profile: Any) -> FakeUser:
    """A user who wrote to the bot (so the bot may write back), that update consumed."""
    user = fake.user(user_id, **profile)
    await user.send("/start")
    updates = await bot.get_updates(timeout=1)
    await bot.get_updates(offset=updates[-1].update_id + 1)
    return user


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(buttons)])


def png(width: int, height: int) -> bytes:
    """A real (black) PNG image of this size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def raw_call(fake: FakeBotAPI, method: str, **params: Any) -> tuple[int, Any]:
    """A request made by hand, as JSON: (HTTP status, decoded answer)."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fake.base_url}/bot{fake.token}/{method}", json=params) as response,
    ):
        return response.status, await response.json()


@asynccontextmanager
async def receiver(endpoint: Endpoint) -> AsyncIterator[str]:
    """A small HTTP server standing in for the bot's webhook; yields its URL."""
    app = web.Application()
    app.router.add_post("/hook", endpoint)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    await web.SockSite(runner, listener).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    finally:
        await runner.cleanup()


# -- identity and errors ----------------------------------------------------------------------


async def test_get_me_and_a_wrong_token(fake: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot, me.first_name) == (
        123456,
        "moralbank_test_bot",
        True,
        "Moral Bank",
    )
    stranger = make_bot(fake, "999:other")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()
    assert [call.method for call in fake.calls] == ["getMe", "getMe"]
    assert FakeBotAPI(token="42:abc").bot_id == 42


async def test_unknown_method_is_not_found(fake: FakeBotAPI, bot: Bot) -> None:
    class SendTelepathy(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "sendTelepathy"

    with pytest.raises(TelegramNotFound, match="Not Found"):
        await bot(SendTelepathy())


async def test_chat_exists_only_after_the_user_wrote(fake: FakeBotAPI, bot: Bot) -> None:
    user = fake.user(7, first_name="Li")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(7, "hello first")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(8, "nobody there")
    await user.send("hi")
    sent = await bot.send_message(7, "now I may")
    assert sent.chat.id == 7
    assert sent.chat.first_name == "Li"
    assert sent.from_user is not None
    assert sent.from_user.is_bot
    # Message ids count per chat, shared by both sides: the user's message was 1.
    assert sent.message_id == 2


async def test_blocked_user_gets_nothing_and_the_bot_hears_of_it(
    fake: FakeBotAPI, bot: Bot
) -> None:
    user = await talking_user(fake, bot, 10)
    user.block()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(10, "hello")
    with pytest.raises(AssertionError, match="unblock"):
        await user.send("can't write while blocking")
    user.unblock()
    updates = await bot.get_updates()
    changes = [u.my_chat_member for u in updates if u.my_chat_member]
    assert [(c.old_chat_member.status, c.new_chat_member.status) for c in changes] == [
        ("member", "kicked"),
        ("kicked", "member"),
    ]
    await bot.send_message(10, "welcome back")
    assert (await user.expect_message()).text == "welcome back"


# -- messages, markup, keyboards --------------------------------------------------------------


async def test_html_is_parsed_into_text_and_entities(fake: FakeBotAPI, bot: Bot) -> None:
    user = await talking_user(fake, bot, 11)
    html = '  <b>Hi</b> &lt;you&gt; &amp; <a href="https://x.example/">link</a> &nbsp;\n'
    sent = await bot.send_message(11, html, parse_mode="HTML")
    assert sent.text == "Hi <you> & link &nbsp;"  # trimmed; unknown named reference is text
    assert [(e.type, e.offset, e.length, e.url) for e in sent.entities or []] == [
        ("bold", 0, 2, None),
        ("text_link", 11, 4, "https://x.example/"),
    ]
    seen = await user.expect_message()
    assert (seen.text, seen.parse_mode, seen.raw_text) == (sent.text, "HTML", html)


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<b>broken", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("x</b>", "Unexpected end tag"),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("1 < 2", 'Unsupported start tag ""'),
        ("<span>x</span>", 'must have class "tg-spoiler"'),
        ('<a href="x>y</a>', "Unclosed start tag"),
    ],
)
async def test_broken_html_is_refused(fake: FakeBotAPI, bot: Bot, html: str, problem: str) -> None:
    await talking_user(fake, bot, 12)
    with pytest.raises(TelegramBadRequest, match="can't parse entities") as refused:
        await bot.send_message(12, html, parse_mode="HTML")
    assert problem in refused.value.message


async def test_text_length_counts_what_remains_after_parsing(fake: FakeBotAPI, bot: Bot) -> None:
    await talking_user(fake, bot, 13)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(13, " \n ")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(13, "<b> </b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(13, "长" * 4097)
    long = await bot.send_message(13, "<b>" + "长" * 4096 + "</b>", parse_mode="HTML")
    assert long.text is not None
    assert len(long.text) == 4096
    with pytest.raises(TelegramBadRequest, match="unsupported parse_mode"):
        await bot.send_message(13, "x", parse_mode="BBCode")


async def test_inline_buttons_are_checked_like_telegram(fake: FakeBotAPI, bot: Bot) -> None:
    await talking_user(fake, bot, 14)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            14, "x", reply_markup=keyboard(InlineKeyboardButton(text="Go", callback_data="x" * 65))
        )
    # 64 is a limit in bytes: 22 Chinese characters are 66 bytes.
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            14,
            "x",
            reply_markup=keyboard(InlineKeyboardButton(text="Go", callback_data="长" * 22)),
        )
    fits = keyboard(InlineKeyboardButton(text="Go", callback_data="长" * 21))
    sent = await bot.send_message(14, "x", reply_markup=fits)
    assert sent.reply_markup is not None
    assert sent.reply_markup.model_dump() == fits.model_dump()
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(14, "x", reply_markup=keyboard(InlineKeyboardButton(text="Go")))
    both = InlineKeyboardButton(text="Go", callback_data="a", url="https://x.example/")
    with pytest.raises(TelegramBadRequest, match="exactly one"):
        await bot.send_message(14, "x", reply_markup=keyboard(both))


async def test_reply_keyboard_is_tracked_and_tapped(fake: FakeBotAPI, bot: Bot) -> None:
    user = await talking_user(fake, bot, 15)
    markup = ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text="Balance"), KeyboardButton(text="Help")],
            [KeyboardButton(text="Share phone", request_contact=True)],
        ]
    )
    await bot.send_message(15, "menu", reply_markup=markup)
    assert user.reply_keyboard == [["Balance", "Help"], ["Share phone"]]
    with pytest.raises(AssertionError, match="no reply keyboard button 'Nope'"):
        await user.tap_reply_button("Nope")
    with pytest.raises(AssertionError, match="send_contact"):
        await user.tap_reply_button("Share phone")
    tapped = await user.tap_reply_button("Balance")
    await user.send_contact("+8613800000000")
    updates = await bot.get_updates()
    assert updates[0].update_id == tapped
    assert updates[0].message is not None
    assert updates[0].message.text == "Balance"
    contact = updates[1].message.contact if updates[1].message else None
    assert contact is not None
    assert (contact.phone_number, contact.user_id) == ("+8613800000000", 15)
    await bot.send_message(15, "bye keyboard", reply_markup=ReplyKeyboardRemove())
    assert user.reply_keyboard is None
    # aiogram itself refuses this, so it goes over the wire by hand.
    status, body = await raw_call(
        fake,
        "editMessageReplyMarkup",
        chat_id=15,
        message_id=user.messages[-1].message_id,
        reply_markup=markup.model_dump(exclude_none=True),
    )
    assert (status, body["description"]) == (400, "Bad Request: inline keyboard expected")


async def test_edits_callbacks_and_deletion(fake: FakeBotAPI, bot: Bot) -> None:
    user = await talking_user(fake, bot, 16)
    go = keyboard(InlineKeyboardButton(text="Go", callback_data="a:1"))
    sent = await bot.send_message(16, "<b>hi</b>", parse_mode="HTML", reply_markup=go)
    seen = await user.expect_message(contains="hi")
    assert (seen.buttons(), seen.button_data("Go")) == ([["Go"]], "a:1")

    with pytest.raises(AssertionError, match="no inline button 'Stop'"):
        await user.press("Stop")
    callback_id = await user.press("Go")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert (query.id, query.data, query.from_user.id) == (callback_id, "a:1", 16)
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    await bot.answer_callback_query(callback_id, text="ok", show_alert=True)
    assert await user.expect_callback_answer(callback_id) == {
        "callback_query_id": callback_id,
        "text": "ok",
        "show_alert": True,
    }
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(callback_id, text="again")

    # Same text, other markup: "<strong>" parses to the same bold "hi", so only the
    # keyboard's removal makes this a change.
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<strong>hi</strong>",
            chat_id=16,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=go,
        )
    edited = await bot.edit_message_text("edited", chat_id=16, message_id=sent.message_id)
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    assert (seen.text, seen.edits, seen.reply_markup) == ("edited", 1, None)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=16, message_id=999)
    await bot.edit_message_reply_markup(chat_id=16, message_id=sent.message_id, reply_markup=go)
    assert seen.buttons() == [["Go"]]
    assert await bot.delete_message(16, sent.message_id)
    assert seen.deleted
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(16, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("too late", chat_id=16, message_id=sent.message_id)
    with pytest.raises(AssertionError, match="no new message"):
        await user.expect_message(timeout=0.05)


# -- files --------------------------------------------------------------------------------------


async def test_photos_and_documents_round_trip(fake: FakeBotAPI, bot: Bot) -> None:
    user = await talking_user(fake, bot, 17)
    image = png(40, 30)
    sent = await bot.send_photo(
        17, BufferedInputFile(image, "qr.png"), caption="<i>pic</i>", parse_mode="HTML"
    )
    assert sent.photo is not None
    assert (sent.photo[-1].width, sent.photo[-1].height, sent.caption) == (40, 30, "pic")
    photo = await user.expect_message()
    assert (photo.kind, photo.text, photo.file_bytes) == ("photo", "pic", image)
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(17, BufferedInputFile(b"not an image", "x.png"))
    again = await bot.send_photo(17, sent.photo[-1].file_id)
    assert again.photo is not None
    assert again.photo[-1].file_id == sent.photo[-1].file_id

    document = await bot.send_document(17, BufferedInputFile(b"a,b\n1,2\n", "report.csv"))
    assert document.document is not None
    assert (document.document.file_name, document.document.mime_type) == (
        "report.csv",
        "text/csv",
    )
    received = user.messages[-1]
    assert (received.kind, received.filename, received.file_bytes) == (
        "document",
        "report.csv",
        b"a,b\n1,2\n",
    )
    with pytest.raises(TelegramBadRequest, match="can't use file of type Document as Photo"):
        await bot.send_photo(17, document.document.file_id)
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(17, "no-such-file-id")


async def test_a_users_photo_can_be_downloaded(fake: FakeBotAPI, bot: Bot) -> None:
    user = fake.user(18)
    await user.send_photo(png(8, 16), caption="receipt")
    (update,) = await bot.get_updates(timeout=1)
    assert update.message is not None
    assert update.message.caption == "receipt"
    assert update.message.photo is not None
    size = update.message.photo[-1]
    assert (size.width, size.height, size.file_size) == (8, 16, len(png(8, 16)))
    telegram_file = await bot.get_file(size.file_id)
    assert telegram_file.file_path is not None
    downloaded = await bot.download_file(telegram_file.file_path)
    assert downloaded is not None
    assert downloaded.read() == png(8, 16)
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")


# -- receiving updates by polling -------------------------------------------------------------


async def test_user_updates_are_telegram_updates(fake: FakeBotAPI, bot: Bot) -> None:
    ann = fake.user(19, first_name="Ann", username="ann", language_code="en")
    assert fake.user(19) is ann
    ids = [
        await ann.send("/start@moralbank_test_bot payload"),
        await ann.send("/ not a command"),
        await ann.send_location(31.23, 121.47),
        await fake.user(20).send("other chat"),
    ]
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == ids
    assert ids == sorted(ids)
    first, second, third, other = (u.message for u in updates)
    assert first is not None
    assert first.entities is not None
    assert (first.entities[0].type, first.entities[0].length) == (
        "bot_command",
        len("/start@moralbank_test_bot"),
    )
    assert first.from_user is not None
    assert (first.from_user.username, first.from_user.language_code) == ("ann", "en")
    assert (first.chat.type, first.chat.id) == ("private", 19)
    assert second is not None
    assert second.entities is None
    assert third is not None
    assert third.location is not None
    assert third.location.latitude == pytest.approx(31.23)
    assert [m.message_id for m in (first, second, third) if m] == [1, 2, 3]
    assert other is not None
    assert other.message_id == 1


async def test_offset_confirms_and_long_poll_waits_for_a_user(fake: FakeBotAPI, bot: Bot) -> None:
    user = fake.user(21)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    started = time.monotonic()
    await user.send("wake up")
    updates = await asyncio.wait_for(poll, timeout=2)
    assert time.monotonic() - started < 1
    assert [u.message.text for u in updates if u.message] == ["wake up"]
    # Not confirmed yet: handed out again. Confirmed by the offset: gone.
    assert [u.update_id for u in await bot.get_updates()] == [updates[0].update_id]
    assert await bot.get_updates(offset=updates[0].update_id + 1) == []
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 < time.monotonic() - started < 1.8


async def test_limit_allowed_updates_and_negative_offset(fake: FakeBotAPI, bot: Bot) -> None:
    user = fake.user(22)
    ids = [await user.send(f"m{n}") for n in range(5)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[-1:]
    await bot.get_updates(offset=ids[-1] + 1, allowed_updates=["callback_query"])
    await bot.send_message(
        22, "pick", reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data="a"))
    )
    await user.send("filtered away")
    callback_id = await user.press("A")
    (update,) = await bot.get_updates()
    assert update.callback_query is not None
    assert update.callback_query.id == callback_id


async def test_a_second_poller_ends_the_first(fake: FakeBotAPI, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=3))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(bot.get_updates(timeout=3))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, timeout=2)
    await fake.user(23).send("for the second")
    assert len(await asyncio.wait_for(second, timeout=2)) == 1


async def test_redelivery_and_wait_idle_by_polling(fake: FakeBotAPI, bot: Bot) -> None:
    user = fake.user(24)
    update_id = await user.send("once")
    with pytest.raises(AssertionError, match=f"{update_id} \\(message, not fetched\\)"):
        await fake.wait_idle(timeout=0.05)
    (update,) = await bot.get_updates()
    await fake.wait_idle(timeout=0.5)
    assert await bot.get_updates(offset=update_id + 1) == []
    await fake.redeliver(update_id)
    later = await user.send("later")
    duplicate = await bot.get_updates(offset=update_id + 1)
    assert [u.update_id for u in duplicate] == [update_id, later]
    assert duplicate[0].message == update.message


async def test_dispatcher_polls_and_answers_a_user(fake: FakeBotAPI, bot: Bot) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        button = InlineKeyboardButton(text="Ping", callback_data="ping")
        await message.answer("<b>Hello</b>", parse_mode="HTML", reply_markup=keyboard(button))

    @router.callback_query(F.data == "ping")
    async def ping(callback: CallbackQuery) -> None:
        await callback.answer("pong")
        assert isinstance(callback.message, Message)
        await callback.message.edit_text("pinged")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
    )
    try:
        alice, bob = fake.user(25, first_name="Alice"), fake.user(26, first_name="Bob")
        await alice.send("/start")
        await bob.send("hi there")
        greeting = await alice.expect_message(contains="Hello")
        await bob.expect_message(contains="echo: hi there")
        answer = await alice.expect_callback_answer(await alice.press("Ping"))
        assert answer["text"] == "pong"
        async with asyncio.timeout(2):
            while greeting.text != "pinged":
                await asyncio.sleep(0.01)
        assert greeting.buttons() == []
        await alice.send("again")
        with pytest.raises(AssertionError, match="containing 'nope', the next one was 'echo"):
            await alice.expect_message(contains="nope")
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, timeout=3)


# -- receiving updates by webhook -------------------------------------------------------------


async def test_webhook_push_with_secret_and_retry(fake: FakeBotAPI, bot: Bot) -> None:
    received: list[tuple[str | None, int]] = []

    async def endpoint(request: web.Request) -> web.Response:
        body = await request.json()
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), body["update_id"])
        )
        return web.Response(status=500 if len(received) == 1 else 200)

    async with receiver(endpoint) as url:
        with pytest.raises(TelegramBadRequest, match="secret token contains unallowed"):
            await bot.set_webhook(url, secret_token="not allowed!")
        with pytest.raises(TelegramBadRequest, match="bad webhook"):
            await bot.set_webhook("ftp://127.0.0.1/hook")
        await bot.set_webhook(url, secret_token="s3cret_-")
        assert (fake.webhook_url, fake.webhook_secret) == (url, "s3cret_-")
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        update_id = await fake.user(27).send("hello")
        await fake.wait_idle(timeout=2)
        assert received == [("s3cret_-", update_id), ("s3cret_-", update_id)]
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (url, 0)
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        await fake.redeliver(update_id)
        await fake.wait_idle(timeout=2)
        assert received[-1] == ("s3cret_-", update_id)
        await bot.delete_webhook()
    assert fake.webhook_url is None


async def test_updates_wait_for_polling_when_the_webhook_is_deleted(
    fake: FakeBotAPI, bot: Bot
) -> None:
    async def down(request: web.Request) -> web.Response:
        return web.Response(status=503)

    async with receiver(down) as url:
        await bot.set_webhook(url)
        update_id = await fake.user(28).send("keep me")
        await asyncio.sleep(0.1)  # a few failed attempts
        await bot.delete_webhook()
    (update,) = await bot.get_updates()
    assert update.update_id == update_id
    await bot.set_webhook("http://127.0.0.1:9/never", drop_pending_updates=True)
    assert (await bot.get_webhook_info()).pending_update_count == 0
    await bot.delete_webhook()


async def test_a_webhook_reply_can_carry_a_method(fake: FakeBotAPI, bot: Bot) -> None:
    async def endpoint(request: web.Request) -> web.Response:
        update = await request.json()
        chat_id = update["message"]["chat"]["id"]
        return web.json_response({"method": "sendMessage", "chat_id": chat_id, "text": "got it"})

    user = fake.user(29)
    async with receiver(endpoint) as url:
        await bot.set_webhook(url)
        await user.send("hello")
        assert (await user.expect_message(timeout=2)).text == "got it"
        await bot.delete_webhook()
    assert fake.calls_of("sendmessage")[0].params == {"chat_id": 29, "text": "got it"}


# -- the wire format itself -------------------------------------------------------------------


async def test_every_encoding_decodes_by_parameter_type(fake: FakeBotAPI) -> None:
    await fake.user(30).send("hi")
    url = f"{fake.base_url}/bot{fake.token}"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with aiohttp.ClientSession() as http:
        as_json = await http.post(f"{url}/SENDMESSAGE", json={"chat_id": "30", "text": 123})
        form = aiohttp.FormData(
            {"chat_id": "30", "text": "true", "reply_markup": json.dumps(markup)}
        )
        as_form = await http.post(f"{url}/sendMessage", data=form)
        multipart = aiohttp.FormData()
        multipart.add_field("chat_id", "30")
        multipart.add_field("text", '{"not": "json to decode"}')
        as_multipart = await http.post(f"{url}/sendMessage", data=multipart)
        as_query = await http.get(f"{url}/sendMessage", params={"chat_id": "30", "text": "007"})
        missing = await http.post(f"{url}/sendMessage", json={"chat_id": 30})
        unknown = await http.get(f"{url}/noSuchMethod")
        bodies = [await r.json() for r in (as_json, as_form, as_multipart, as_query)]
        assert [b["result"]["text"] for b in bodies] == [
            "123",
            "true",
            '{"not": "json to decode"}',
            "007",
        ]
        assert bodies[1]["result"]["reply_markup"] == markup
        assert (missing.status, await missing.json()) == (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"},
        )
        assert (unknown.status, (await unknown.json())["description"]) == (404, "Not Found")
    params = [call.params for call in fake.calls_of("sendMessage")]
    assert params[1] == {"chat_id": 30, "text": "true", "reply_markup": markup}
    assert params[3] == {"chat_id": 30, "text": "007"}


async def test_commands_and_chat_actions(fake: FakeBotAPI, bot: Bot) -> None:
    await talking_user(fake, bot, 31)
    commands = [
        BotCommand(command="start", description="Start"),
        BotCommand(command="help", description="Help"),
    ]
    await bot.set_my_commands(commands, language_code="en")
    menu = await bot.get_my_commands(language_code="en")
    assert [(c.command, c.description) for c in menu] == [("start", "Start"), ("help", "Help")]
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Command", description="x")])
    await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == []
    assert await bot.send_chat_action(31, "typing")
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(31, "dancing")
