"""The outbox sender against the fake Bot API with Telegram's flood limits, over HTTP."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.factory import create_bot, create_dispatcher
from bot.outbox_sender import OutboxSender
from core.clock import SystemClock
from core.db import Database
from core.i18n import Catalogues
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from fakebotapi.limits import FloodLimits
from moralbank.doctor import check_telegram
from rewards.messaging.broadcasts import broadcast_progress, start_broadcast
from rewards.messaging.models import OutboxChat, OutboxMessage
from rewards.messaging.outbox import notify
from tests.bot.fixtures import RunningBot, bot_settings
from tests.bot.outbox import sending, until_settled
from tests.support import make_settings
from tests.test_fake_bot_api import png


async def test_texts_photos_and_broadcasts_arrive_as_written(
    database: Database, database_url: str, catalogues: Catalogues
) -> None:
    async with FakeBotAPI(limits=FloodLimits()) as api:
        alice, bob = api.user(101), api.user(102, language_code="en")
        alice.has_chat = bob.has_chat = True
        group = api.group(-5001, title="网格群")
        uow = UnitOfWork(database, SystemClock())
        async with uow.write() as session:
            now = uow.now()
            await notify(
                session,
                chat_id=101,
                key="start.welcome",
                params={"name": "<王>"},
                locale="zh_Hans",
                now=now,
            )
            await notify(
                session, chat_id=102, key="help.text", locale="en", now=now, photo=png(64, 48)
            )
        await start_broadcast(
            uow,
            text="<b>周六</b> 志愿服务",
            chat_ids=[101, 102, -5001],
            urgent=True,
            created_by="t",
        )
        # The fake shares the test's event loop and stamps a request when it reads it: a
        # busy machine can read Alice's first send late, so her gap gets a wider margin.
        wide = timedelta(milliseconds=500)
        async with sending(api, database, database_url, catalogues, chat_gap_margin=wide):
            statuses = await until_settled(database)
        assert set(statuses.values()) == {"sent"}
        welcome, broadcast = alice.messages
        assert "<王>" in (welcome.text or "")  # escaped, then shown
        assert broadcast.text == "<b>周六</b> 志愿服务"  # verbatim: no markup
        assert broadcast.parse_mode is None
        photo, _ = bob.messages
        assert photo.kind == "photo"
        assert (photo.text or "").startswith("What Moral Bank can do")
        assert [m.text for m in group.messages] == ["<b>周六</b> 志愿服务"]
        # Alice's two messages kept Telegram's one-a-second gap for a chat.
        sends = [c for c in api.calls if c.ok and c.params.get("chat_id") == 101]
        assert sends[1].at - sends[0].at >= 0.95
        assert api.http_429 == 0
        async with database.read() as session:
            ids = set((await session.scalars(select(OutboxMessage.telegram_message_id))).all())
        assert None not in ids


async def test_a_429_pauses_the_bot_and_nothing_is_lost_or_doubled(
    database: Database, database_url: str, catalogues: Catalogues
) -> None:
    """A Telegram stricter than our pace (5 a second): 429s come, and are obeyed."""
    async with FakeBotAPI(limits=FloodLimits(per_second=5)) as api:
        chats = list(range(1000, 1012))
        for chat in chats:
            api.user(chat).has_chat = True
        uow = UnitOfWork(database, SystemClock())
        broadcast = await start_broadcast(
            uow, text="通知", chat_ids=chats, urgent=True, created_by="t"
        )
        async with sending(api, database, database_url, catalogues, per_second=20):
            await until_settled(database, timeout=20)
        assert api.http_429 > 0
        delivered = Counter(chat for chat, _ in api.deliveries())
        assert delivered == Counter(chats)  # each once
        progress = await broadcast_progress(uow, broadcast)
        assert (progress.sent, progress.failed, progress.waiting) == (12, 0, 0)


def most_sends_into_one_pause(api: FakeBotAPI) -> int:
    """The most sends that reached Telegram within one 429's pause (retry_after is 1 s with
    the fake's one-second window). One or two may have been on their way when the 429 came back
    (the fake shares the test's busy event loop): such a send cannot be recalled."""
    sends = [c for c in api.calls if c.method.lower() == "sendmessage"]
    refused = [c.at for c in sends if c.error_code == 429]
    return max(sum(at < c.at < at + 1.0 for c in sends) for at in refused)


async def test_messages_already_claimed_wait_out_a_429s_pause(
    database: Database, database_url: str, catalogues: Catalogues
) -> None:
    """A batch is claimed with slots at our pace (20/s); Telegram allows 5 a second, so the
    sixth is refused: the four claimed after it must wait for the pause, not go into it."""
    async with FakeBotAPI(limits=FloodLimits(per_second=5)) as api:
        chats = list(range(1100, 1120))
        for chat in chats:
            api.user(chat).has_chat = True
        uow = UnitOfWork(database, SystemClock())
        await start_broadcast(uow, text="通知", chat_ids=chats, urgent=True, created_by="t")
        async with sending(api, database, database_url, catalogues, per_second=20):
            await until_settled(database, timeout=20)
        assert api.http_429 > 0
        assert most_sends_into_one_pause(api) <= 2
        assert Counter(chat for chat, _ in api.deliveries()) == Counter(chats)


@asynccontextmanager
async def polling_with_shared_pace(
    api: FakeBotAPI,
    database: Database,
    database_url: str,
    catalogues: Catalogues,
    per_second: float = 10,
) -> AsyncIterator[None]:
    """The production bot as `moralbank run` builds it: its replies keep the shared pace
    (10 a second here, against a Telegram allowing 15: room for a busy machine's jitter)."""
    settings = make_settings(
        database_url=database_url,
        bot_token=api.token,
        telegram_api_url=api.base_url,
        send_rate_per_second=per_second,
    )
    bot = create_bot(settings, database=database)
    dispatcher = create_dispatcher(database=database, catalogues=catalogues)
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot,
            handle_signals=False,
            close_bot_session=False,
            polling_timeout=1,
            allowed_updates=dispatcher.resolve_used_update_types(),
        )
    )
    try:
        yield
    finally:
        await dispatcher.stop_polling()
        await polling
        await bot.session.close()


async def test_replies_and_a_broadcast_share_telegrams_limit(
    database: Database, database_url: str, catalogues: Catalogues
) -> None:
    """A broadcast at our pace while 20 residents ask for help: together they would pass
    Telegram's limit, unless replies take their slots in the same schedule."""
    async with FakeBotAPI(limits=FloodLimits(per_second=15)) as api:
        chats = list(range(2000, 2030))
        for chat in chats:
            api.user(chat).has_chat = True
        askers = [api.user(3000 + n, language_code="en") for n in range(20)]
        uow = UnitOfWork(database, SystemClock())
        await start_broadcast(uow, text="通知", chat_ids=chats, urgent=True, created_by="t")
        async with (
            polling_with_shared_pace(api, database, database_url, catalogues),
            sending(api, database, database_url, catalogues, per_second=10),
        ):
            while not api.deliveries():  # the broadcast is under way
                await asyncio.sleep(0.01)
            for asker in askers:
                await asker.send("/help")
            for asker in askers:
                await asker.expect_message(contains="What Moral Bank can do", timeout=15)
            await until_settled(database, timeout=20)
        assert api.http_429 == 0
        assert Counter(chat for chat, _ in api.deliveries() if chat < 3000) == Counter(chats)


async def test_a_429_to_a_reply_or_a_broadcast_holds_every_sender(
    database: Database, database_url: str, catalogues: Catalogues
) -> None:
    """Our pace (20/s) is faster than this Telegram's (5/s): whichever send draws the 429,
    replies and outbox messages alike keep quiet until its pause is over."""
    async with FakeBotAPI(limits=FloodLimits(per_second=5)) as api:
        chats = list(range(2100, 2110))
        for chat in chats:
            api.user(chat).has_chat = True
        askers = [api.user(3100 + n, language_code="en") for n in range(10)]
        uow = UnitOfWork(database, SystemClock())
        await start_broadcast(uow, text="通知", chat_ids=chats, urgent=True, created_by="t")
        async with (
            polling_with_shared_pace(api, database, database_url, catalogues, per_second=20),
            sending(api, database, database_url, catalogues, per_second=20),
        ):
            for asker in askers:
                await asker.send("/help")
            for asker in askers:
                await asker.expect_message(contains="What Moral Bank can do", timeout=20)
            await until_settled(database, timeout=20)
        assert api.http_429 > 0
        assert most_sends_into_one_pause(api) <= 2
        assert Counter(chat for chat, _ in api.deliveries() if chat < 3000) == Counter(chats)


async def test_a_blocked_user_is_skipped_until_they_come_back(
    database: Database, database_url: str, catalogues: Catalogues
) -> None:
    async with FakeBotAPI(limits=FloodLimits()) as api:
        user = api.user(201)
        user.has_chat = True
        user.blocked = True  # blocked while the bot was not looking: only a 403 tells
        uow = UnitOfWork(database, SystemClock())
        async with uow.write() as session:
            await notify(session, chat_id=201, key="help.text", locale="en", now=uow.now())
            await notify(session, chat_id=201, key="help.text", locale="en", now=uow.now())
        async with sending(api, database, database_url, catalogues):
            statuses = await until_settled(database)
        assert sorted(statuses.values()) == ["unreachable", "unreachable"]
        refused = [c for c in api.calls if c.method.lower() == "sendmessage"]
        assert [c.error_code for c in refused] == [403]  # the second was not even tried
        async with database.read() as session:
            errors = set((await session.scalars(select(OutboxMessage.error))).all())
        assert errors == {"Forbidden: bot was blocked by the user"}


async def test_network_trouble_is_retried_later_not_failed(
    database: Database, database_url: str, catalogues: Catalogues
) -> None:
    async with FakeBotAPI() as api:
        api.user(301).has_chat = True
        uow = UnitOfWork(database, SystemClock())
        async with uow.write() as session:
            await notify(session, chat_id=301, key="help.text", locale="en", now=uow.now())
    # The server is gone now: the request cannot connect.
    async with sending(api, database, database_url, catalogues):
        async with asyncio.timeout(10):
            while True:
                async with database.read() as session:
                    message = await session.scalar(select(OutboxMessage))
                assert message is not None
                if message.status == "pending" and message.attempts == 1:
                    break
                await asyncio.sleep(0.05)
    assert message.error is not None
    assert "ClientConnectorError" in message.error or "connect" in message.error.lower()


async def test_blocking_and_unblocking_the_bot_reaches_the_outbox(
    running_bot: RunningBot, fake_api: FakeBotAPI, database: Database
) -> None:
    user = fake_api.user(401)
    await user.send("/start")
    await user.expect_message()

    async def blocked() -> bool:
        """Once the bot has handled the my_chat_member update (fetched is not handled)."""
        async with asyncio.timeout(5):
            while True:
                async with database.read() as session:
                    chat = await session.get(OutboxChat, 401)
                if chat is not None and (chat.unreachable_since is not None) == user.blocked:
                    return user.blocked
                await asyncio.sleep(0.02)

    uow = UnitOfWork(database, SystemClock())
    user.block()
    assert await blocked()
    async with uow.write() as session:
        await notify(session, chat_id=401, key="help.text", locale="en", now=uow.now())
    user.unblock()
    assert not await blocked()
    async with uow.write() as session:
        await notify(session, chat_id=401, key="help.text", locale="en", now=uow.now())
    async with database.read() as session:
        rows = await session.execute(select(OutboxMessage.status).order_by(OutboxMessage.id))
    assert list(rows.scalars()) == ["unreachable", "pending"]


async def test_a_revoked_token_stops_sending_with_one_alert_and_keeps_the_queue(
    database: Database,
    database_url: str,
    catalogues: Catalogues,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with FakeBotAPI() as api:
        chats = [501, 502, 503]
        uow = UnitOfWork(database, SystemClock())
        async with uow.write() as session:
            for chat in chats:
                api.user(chat).has_chat = True
                await notify(session, chat_id=chat, key="help.text", locale="en", now=uow.now())
        api.revoke_token()
        bot = create_bot(bot_settings(api, database_url))
        sender = OutboxSender(
            database=database,
            clock=SystemClock(),
            bot=bot,
            catalogues=catalogues,
            worker_id="test-worker",
            idle_poll=0.05,
        )
        try:
            with caplog.at_level(logging.WARNING):
                # It stops on its own: no more claiming once the token is refused.
                await asyncio.wait_for(sender.run(), timeout=10)
            english = catalogues.translator("en")
            doctor = await check_telegram(bot_settings(api, database_url), english)
        finally:
            await bot.session.close()
    async with database.read() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert [(m.status, m.attempts, m.claimed_by) for m in rows] == [("pending", 0, None)] * 3
    alerts = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(alerts) == 1
    assert alerts[0].levelno == logging.CRITICAL
    assert "revoked" in alerts[0].getMessage()
    assert not doctor.ok
    assert doctor.detail == english("cli.doctor.telegram_rejected")
