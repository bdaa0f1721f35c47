"""The fake Bot API keeps Telegram's flood limits when asked to, and answers a send over
them as Telegram does: 429 with retry_after, which aiogram raises as TelegramRetryAfter."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import BufferedInputFile

from fakebotapi import FakeBotAPI, FakeUser
from fakebotapi.limits import FloodControl, FloodLimits
from fakebotapi.wire import ApiError
from tests.test_fake_bot_api import make_bot, png, raw_call

pytestmark = pytest.mark.no_database


@asynccontextmanager
async def running(limits: FloodLimits | None) -> AsyncIterator[tuple[FakeBotAPI, Bot]]:
    async with FakeBotAPI(limits=limits) as fake:
        bot = make_bot(fake)
        try:
            yield fake, bot
        finally:
            await bot.session.close()


async def talking_users(fake: FakeBotAPI, bot: Bot, count: int) -> list[FakeUser]:
    """Users 1…count who wrote to the bot (so that it may write back), updates consumed."""
    users = [fake.user(user_id) for user_id in range(1, count + 1)]
    for user in users:
        await user.send("/start")
    updates = await bot.get_updates(timeout=1)
    await bot.get_updates(offset=updates[-1].update_id + 1)
    return users


def refused(control: FloodControl, chat_id: int, now: float) -> int:
    """The retry_after of a send that must be refused."""
    with pytest.raises(ApiError) as error:
        control.admit(chat_id, now)
    assert error.value.code == 429
    assert error.value.parameters is not None
    retry_after: int = error.value.parameters["retry_after"]
    assert error.value.description == f"Too Many Requests: retry after {retry_after}"
    return retry_after


# -- through a real aiogram client ------------------------------------------------------------


async def test_the_31st_message_within_a_second_is_refused() -> None:
    async with running(FloodLimits()) as (fake, bot):
        users = await talking_users(fake, bot, 31)
        # 30 local requests take a few milliseconds each, far within the second.
        for user in users[:30]:
            await bot.send_message(user.id, "news")
        with pytest.raises(TelegramRetryAfter) as error:
            await bot.send_message(31, "one too many")
        assert error.value.retry_after == 1
        assert fake.limits == FloodLimits()
        assert [len(user.messages) for user in users] == [1] * 30 + [0]
        assert [chat_id for chat_id, _ in fake.deliveries()] == list(range(1, 31))
        last = fake.calls_of("sendMessage")[-1]
        assert (last.params["chat_id"], last.ok, last.error_code) == (31, False, 429)
        assert fake.http_429 == 1


async def test_one_chat_gets_one_message_a_second_while_others_go_on() -> None:
    async with running(FloodLimits()) as (fake, bot):
        first, second = await talking_users(fake, bot, 2)
        await bot.send_message(1, "first")
        await bot.send_chat_action(1, "typing")  # not a message: never limited
        with pytest.raises(TelegramRetryAfter) as error:
            await bot.send_message(1, "too soon")
        await bot.send_message(2, "another chat is fine")
        with pytest.raises(TelegramRetryAfter):
            await bot.send_document(1, BufferedInputFile(b"data", "a.txt"))
        await asyncio.sleep(error.value.retry_after)
        await bot.send_message(1, "after waiting")
        assert [m.text for m in first.messages] == ["first", "after waiting"]
        assert [m.text for m in second.messages] == ["another chat is fine"]
        assert fake.http_429 == 2


async def test_the_21st_message_to_a_group_within_a_minute_is_refused() -> None:
    async with running(FloodLimits()) as (fake, bot):
        group = fake.group(-42, title="Team")
        for number in range(20):
            await bot.send_message(-42, f"post {number}")
        with pytest.raises(TelegramRetryAfter) as error:
            await bot.send_message(-42, "post 20")
        # The window frees a minute after the first post, which was less than a second ago.
        assert error.value.retry_after == 60
        other = fake.group(-1001234567890, kind="supergroup")
        await bot.send_message(other.chat_id, "another group is fine")
        assert [m.text for m in group.messages] == [f"post {n}" for n in range(20)]
        assert len(other.messages) == 1
        assert fake.http_429 == 1


async def test_a_group_post_goes_through_once_its_window_frees() -> None:
    async with running(FloodLimits(group_window_s=1.0)) as (fake, bot):
        group = fake.group(-42)
        for number in range(20):
            await bot.send_message(-42, f"post {number}")
        with pytest.raises(TelegramRetryAfter) as error:
            await bot.send_message(-42, "too soon")
        assert error.value.retry_after == 1
        await asyncio.sleep(error.value.retry_after)
        await bot.send_message(-42, "after waiting")
        assert len(group.messages) == 21
        assert group.messages[-1].text == "after waiting"


async def test_without_limits_nothing_is_refused() -> None:
    async with running(None) as (fake, bot):
        (user,) = await talking_users(fake, bot, 1)
        group = fake.group(-42)
        for number in range(40):
            await bot.send_message(1, f"to the user {number}")
            await bot.send_message(-42, f"to the group {number}")
        assert (len(user.messages), len(group.messages)) == (40, 40)
        assert len(fake.deliveries()) == 80
        assert fake.limits is None
        assert all(call.ok for call in fake.calls_of("sendMessage"))
        assert fake.http_429 == 0


async def test_the_429_answer_is_telegrams() -> None:
    async with running(FloodLimits()) as (fake, bot):
        await talking_users(fake, bot, 1)
        assert (await raw_call(fake, "sendMessage", chat_id=1, text="a"))[0] == 200
        status, body = await raw_call(fake, "sendMessage", chat_id=1, text="b")
        assert status == 429
        assert body == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }


async def test_calls_record_when_they_came_and_whether_a_message_arrived() -> None:
    async with running(FloodLimits()) as (fake, bot):
        await talking_users(fake, bot, 2)
        before = time.monotonic()
        await bot.send_photo(1, BufferedInputFile(png(8, 8), "p.png"))
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(3, "nobody there")
        await bot.send_document(2, BufferedInputFile(b"data", "a.txt"))
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(2, "too soon")
        after = time.monotonic()
        sends = fake.calls[-4:]
        assert [(c.method, c.ok, c.error_code) for c in sends] == [
            ("sendPhoto", True, None),
            ("sendMessage", False, 400),
            ("sendDocument", True, None),
            ("sendMessage", False, 429),
        ]
        assert before <= sends[0].at <= sends[1].at <= sends[2].at <= sends[3].at <= after
        assert fake.deliveries() == [(1, sends[0].at), (2, sends[2].at)]


async def test_groups_and_channels_look_as_on_telegram() -> None:
    async with running(None) as (fake, bot):
        group = fake.group(-5, title="Team")
        supergroup = fake.group(-1001000000005, title="Company", kind="supergroup")
        channel = fake.group(-1001000000007, title="News", kind="channel")
        in_group = await bot.send_message(-5, "hello team")
        in_super = await bot.send_message(-1001000000005, "hello company")
        in_channel = await bot.send_message(-1001000000007, "hello readers")
        assert (in_group.chat.type, in_group.chat.title) == ("group", "Team")
        assert (in_super.chat.type, in_super.chat.title) == ("supergroup", "Company")
        assert (in_channel.chat.type, in_channel.chat.title) == ("channel", "News")
        assert in_group.from_user is not None
        assert in_group.from_user.is_bot
        # A channel post is the channel's own, not from the bot as a user.
        assert in_channel.from_user is None
        assert in_channel.sender_chat is not None
        assert in_channel.sender_chat.id == -1001000000007
        assert (await group.expect_message()).text == "hello team"
        assert [m.text for m in supergroup.messages] == ["hello company"]
        assert [m.text for m in channel.messages] == ["hello readers"]
        assert fake.group(-5, title="ignored") is group
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(-6, "no such group")


@pytest.mark.parametrize(
    ("chat_id", "kind"),
    [(5, "group"), (-1001234567890, "group"), (-42, "supergroup"), (-42, "channel")],
)
def test_group_ids_are_telegrams(chat_id: int, kind: str) -> None:
    fake = FakeBotAPI()
    with pytest.raises(ValueError, match="is no"):
        fake.group(chat_id, kind=kind)  # type: ignore[arg-type]


# -- the windows, with times given ------------------------------------------------------------


def test_a_window_slides_and_frees_exactly_after_its_length() -> None:
    control = FloodControl(FloodLimits())
    control.admit(7, 10.0)
    assert refused(control, 7, 10.2) == 1
    assert refused(control, 7, 10.999) == 1
    control.admit(7, 11.0)


def test_a_refused_send_takes_no_place_in_the_window() -> None:
    control = FloodControl(FloodLimits(per_second=2))
    control.admit(1, 0.0)
    control.admit(2, 0.5)
    refused(control, 3, 0.9)
    # Had the refusal at 0.9 counted, the window (0.0, 1.0] would be full again.
    control.admit(3, 1.0)


def test_retry_after_rounds_the_longest_wait_up() -> None:
    control = FloodControl(FloodLimits())
    for number in range(20):
        control.admit(-42, number * 0.1)
    assert refused(control, -42, 10.5) == 50  # the first post leaves the window at 60.0
    control.admit(-42, 60.0)
    limits = FloodLimits(per_second=1, window_s=3.0)
    both = FloodControl(limits)
    both.admit(1, 0.0)
    assert refused(both, 2, 0.5) == 3  # the whole bot is held back, not only chat 1


def test_chats_idle_for_a_whole_window_are_forgotten() -> None:
    control = FloodControl(FloodLimits())
    for chat_id in range(1, 1001):
        control.admit(chat_id, chat_id * 0.04)
    control.admit(1, 200.0)
    assert len(control._chats) == 1


def test_limits_must_let_something_through() -> None:
    with pytest.raises(ValueError, match="positive"):
        FloodLimits(per_chat_per_second=0)
    with pytest.raises(ValueError, match="positive"):
        FloodLimits(window_s=0)
