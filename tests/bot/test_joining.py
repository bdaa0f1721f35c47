"""Joining end to end through the fake Bot API, in Chinese and in English: consent, own
phone, grid, household, staff verification with a message after it; /mydata and /leave."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select

from bot.factory import create_bot, create_dispatcher, create_storage
from core.db import Database
from core.i18n import Catalogues
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from rewards.errors import OutOfScope
from rewards.people.joining import CODE_GUESSES, PRIVACY_VERSION, verify_resident
from rewards.people.models import Household, Person, PersonChannel, Resident
from rewards.points.awards import apply_rule
from tests.bot.fixtures import bot_settings
from tests.bot.outbox import sending
from tests.rewards.community import ZONE, Community, build_community
from tests.support import make_settings, require_redis


@pytest.fixture
async def town(uow: UnitOfWork) -> Community:
    return await build_community(uow)


async def person_of(database: Database, telegram_id: int) -> Person:
    async with database.read() as session:
        return (
            await session.scalars(
                select(Person)
                .join(PersonChannel, PersonChannel.person_id == Person.id)
                .where(PersonChannel.external_id == telegram_id)
            )
        ).one()


async def resident_of(database: Database, person_id: int) -> Resident | None:
    async with database.read() as session:
        return await session.get(Resident, person_id)


@pytest.mark.usefixtures("running_bot")
async def test_a_chinese_resident_joins_is_verified_and_then_earns(
    fake_api: FakeBotAPI,
    database: Database,
    database_url: str,
    catalogues: Catalogues,
    uow: UnitOfWork,
    town: Community,
) -> None:
    user = fake_api.user(9001, first_name="王秀英", language_code="zh-hans")
    await user.send("/start")
    await user.expect_message(contains="欢迎来到")
    await user.expect_message(contains="加入道德银行")
    await user.expect_callback_answer(await user.press("✅ 同意并加入"))
    await user.expect_message(contains="分享您本人的手机号")
    assert user.reply_keyboard == [["📱 分享我的手机号"]]
    await user.send("13800138000")  # typed: not accepted
    await user.expect_message(contains="不要手动输入")
    await user.send_contact("+86 138 0013 8000", user_id=4242)  # someone else's card
    await user.expect_message(contains="不能用别人的名片")
    await user.send_contact("+86 138 0013 8000")
    await user.expect_message(contains="手机号已保存")
    await user.expect_message(contains="请选择您所在的网格")  # one community: no choice
    await user.press("grid-1")
    await user.expect_message(contains="您在「grid-1」")
    await user.press("我是户主，新建我的家庭")
    applied = await user.expect_message(contains="您家的邀请码是")
    person = await person_of(database, 9001)
    assert (person.phone, person.consent_version) == ("+8613800138000", PRIVACY_VERSION)
    resident = await resident_of(database, person.id)
    assert resident is not None
    assert resident.status == "pending"
    async with database.read() as session:
        household = await session.get(Household, resident.household_id)
    assert household is not None
    assert household.head_person_id == person.id
    assert household.invite_code in (applied.text or "")

    async with sending(fake_api, database, database_url, catalogues):
        await verify_resident(uow, staff=town.grid1, person_id=person.id)
        await user.expect_message(contains="已通过审核", timeout=10)  # via the outbox
        await apply_rule(
            uow,
            staff=town.grid1,
            person_id=person.id,
            rule_code="sweep",
            request_key="j",
            zone=ZONE,
        )
        await user.expect_message(contains="您获得了积分", timeout=10)


@pytest.mark.usefixtures("running_bot")
async def test_an_english_family_member_joins_by_the_heads_code_and_an_invite_link(
    fake_api: FakeBotAPI, database: Database, uow: UnitOfWork, town: Community
) -> None:
    async with database.read() as session:
        alice_household = Household(
            org_unit_id=town.units["grid-2"].id, invite_code="ABCD2345", created_at=uow.now()
        )
    async with database.write() as session:
        session.add(alice_household)
    user = fake_api.user(9002, first_name="Ann", language_code="en")
    await user.send("/start j_grid-2")  # the grid's invite link fixes where they live
    await user.expect_message(contains="Welcome to Moral Bank")
    await user.expect_message(contains="Joining Moral Bank")
    await user.press("✅ Agree and join")
    await user.expect_message(contains="share your own phone number")
    await user.send_contact("+44 7700 900123")
    await user.expect_message(contains="Phone number saved")
    await user.expect_message(contains="You live in “grid-2”")
    await user.press("I have a household invite code")
    await user.expect_message(contains="8-character invite code")
    await user.send("WRONG123")
    await user.expect_message(contains="no household with that invite code")
    await user.send("abcd2345")  # read out over the phone, typed in lower case
    await user.expect_message(contains="Your request to join is in")
    person = await person_of(database, 9002)
    resident = await resident_of(database, person.id)
    assert resident is not None
    assert (resident.household_id, resident.org_unit_id) == (
        alice_household.id,
        town.units["grid-2"].id,
    )
    await user.send("/start")
    await user.expect_message(contains="Welcome")
    await user.expect_message(contains="waiting for the community to verify")


@pytest.mark.usefixtures("running_bot")
async def test_a_grid_worker_cannot_verify_another_grids_resident(
    fake_api: FakeBotAPI, database: Database, uow: UnitOfWork, town: Community
) -> None:
    with pytest.raises(OutOfScope):
        await verify_resident(uow, staff=town.grid1, person_id=town.bob)


@pytest.mark.usefixtures("running_bot")
async def test_mydata_sends_my_own_data_and_leave_erases_it(
    fake_api: FakeBotAPI, database: Database, town: Community
) -> None:
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send("/mydata")
    document = await alice.expect_message(contains="您的个人信息")
    stored = fake_api.files.get(document.media["file_id"])
    assert stored is not None
    data = json.loads(stored.data)
    assert (data["name"], data["lives_in"], data["residency"]) == ("Alice", "grid-1", "verified")
    await alice.send("/leave")
    await alice.expect_message(contains="确定要注销吗")
    await alice.press("确认注销")
    await alice.expect_message(contains="您已注销")
    async with database.read() as session:
        person = await session.get(Person, town.alice)
        channels = (
            await session.scalars(
                select(PersonChannel).where(PersonChannel.person_id == town.alice)
            )
        ).all()
    assert person is not None
    assert (person.display_name, person.phone, channels) == ("", None, [])
    assert person.left_at is not None


@pytest.mark.usefixtures("running_bot")
async def test_an_old_or_forged_button_gets_an_answer(
    fake_api: FakeBotAPI, town: Community
) -> None:
    user = fake_api.user(9003, first_name="李", language_code="zh")
    await user.send("/start")
    await user.expect_message(contains="欢迎来到")
    privacy = await user.expect_message(contains="加入道德银行")
    for forged in ("jp:g:999999", "garbage", "js:agree:extra"):
        pressed = await user.press_data(forged, message=privacy)
        answer = await user.expect_callback_answer(pressed)
        assert "按钮已经过期" in answer["text"], forged


@asynccontextmanager
async def polling_bot(
    api: FakeBotAPI, database: Database, database_url: str, catalogues: Catalogues, redis: str
) -> AsyncIterator[None]:
    """One run of the production bot with its conversations in Redis."""
    bot = create_bot(bot_settings(api, database_url))
    storage = create_storage(make_settings(redis_url=redis))
    dispatcher = create_dispatcher(database=database, catalogues=catalogues, storage=storage)
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, handle_signals=False, close_bot_session=True, polling_timeout=1
        )
    )
    try:
        yield
    finally:
        await dispatcher.stop_polling()
        await polling
        await storage.close()


async def test_joining_goes_on_after_the_bot_restarts(
    database: Database, database_url: str, catalogues: Catalogues, town: Community
) -> None:
    redis = require_redis()
    async with FakeBotAPI() as api:
        user = api.user(9100 + random.randrange(10**6), first_name="周", language_code="zh")
        async with polling_bot(api, database, database_url, catalogues, redis):
            await user.send("/start")
            await user.expect_message(contains="欢迎来到")
            await user.expect_message(contains="加入道德银行")
            await user.press("✅ 同意并加入")
            await user.expect_message(contains="分享您本人的手机号")
        # A new process: only Redis remembers where the conversation was.
        async with polling_bot(api, database, database_url, catalogues, redis):
            await user.send_contact("+86 139 0000 0000")
            await user.expect_message(contains="手机号已保存")
            await user.expect_message(contains="请选择您所在的网格")


@pytest.mark.usefixtures("running_bot")
async def test_guessing_household_codes_is_throttled(
    fake_api: FakeBotAPI, database: Database, uow: UnitOfWork, town: Community
) -> None:
    async with database.write() as session:
        session.add(
            Household(
                org_unit_id=town.units["grid-2"].id, invite_code="ABCD2345", created_at=uow.now()
            )
        )
    user = fake_api.user(9005, first_name="Guess", language_code="en")
    await user.send("/start j_grid-2")
    await user.expect_message(contains="Welcome to Moral Bank")
    await user.expect_message(contains="Joining Moral Bank")
    await user.press("✅ Agree and join")
    await user.expect_message(contains="share your own phone number")
    await user.send_contact("+44 7700 900124")
    await user.expect_message(contains="Phone number saved")
    await user.expect_message(contains="You live in “grid-2”")
    await user.press("I have a household invite code")
    await user.expect_message(contains="8-character invite code")
    for n in range(CODE_GUESSES):
        await user.send(f"WRONG{n:03d}")
        await user.expect_message(contains="no household with that invite code")
    await user.send("ABCD2345")  # even the right code waits now
    await user.expect_message(contains="Too many invite codes")
    person = await person_of(database, 9005)
    assert await resident_of(database, person.id) is None
