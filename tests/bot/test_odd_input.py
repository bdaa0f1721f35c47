"""The bot answers odd input sensibly: failures in the reader's language and never
silently, quiet in groups, commands at every step, long texts, names with markup."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiogram import Router
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import CallbackQuery, TelegramObject, Update

from core.db import Database
from core.i18n import Catalogues
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from rewards.org.models import OrgLevel
from rewards.org.service import ensure_unit
from rewards.points.awards import apply_rule
from rewards.points.rules import CategoryDraft, save_category, save_rule
from tests.bot.fixtures import RunningBot
from tests.bot.menu import MAIN_MENU_ZH
from tests.bot.outbox import sending
from tests.rewards.community import APPROVAL_ABOVE, ZONE, Community, build_community, rule

pytestmark = pytest.mark.usefixtures("running_bot")
COMMAND_ANSWERS = (
    ("/help", "What Moral Bank can do"),
    ("/privacy", "Privacy notice"),
    ("/language", "Choose your language"),
    ("/points", "My points"),
    ("/rules", "How points are earned and lost"),
)


class TroubledStorage(MemoryStorage):
    """Conversation storage that fails for the users named in `down` (Redis gone away)."""

    def __init__(self) -> None:
        super().__init__()
        self.down: set[int] = set()

    async def get_state(self, key: StorageKey) -> str | None:
        if key.user_id in self.down:
            raise ConnectionError("conversation storage unreachable")
        return await super().get_state(key)


@pytest.fixture
def bot_storage() -> TroubledStorage:
    return TroubledStorage()


async def _fail_after_answering(callback: CallbackQuery) -> None:
    await callback.answer()
    raise RuntimeError("after the button was answered")


@pytest.fixture
def extra_routers() -> list[Router]:
    router = Router()
    router.callback_query.register(_fail_after_answering, lambda c: c.data == "boom")
    return [router]


def _finished_updates(running: RunningBot) -> set[int]:
    """The ids of updates the dispatcher has finished with, answers sent, from now on."""
    finished: set[int] = set()

    async def note(
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        finally:
            assert isinstance(event, Update)
            finished.add(event.update_id)

    running.dispatcher.update.outer_middleware(note)
    return finished


async def _until(test: Callable[[], bool]) -> None:
    while not test():
        await asyncio.sleep(0.01)


async def test_a_failure_before_the_person_is_known_is_told_in_their_clients_language(
    fake_api: FakeBotAPI, bot_storage: TroubledStorage
) -> None:
    english = fake_api.user(7501, first_name="Ann", language_code="en-GB")
    chinese = fake_api.user(7502, first_name="王", language_code="zh-hans")
    bot_storage.down |= {english.id, chinese.id}
    await english.send("/help")
    await english.expect_message(contains="Sorry, something went wrong")
    await chinese.send("/help")
    await chinese.expect_message(contains="抱歉，出了点问题")


async def test_a_handler_failing_after_it_answered_the_button_still_tells_the_user(
    fake_api: FakeBotAPI,
) -> None:
    user = fake_api.user(7503, first_name="Ann", language_code="en")
    await user.send("/help")
    help_text = await user.expect_message(contains="What Moral Bank can do")
    await user.press_data("boom", message=help_text)
    await user.expect_message(contains="Sorry, something went wrong")


async def test_in_a_group_the_bot_keeps_quiet_about_what_it_does_not_understand(
    fake_api: FakeBotAPI, running_bot: RunningBot
) -> None:
    finished = _finished_updates(running_bot)
    group = fake_api.group(-4242, title="Grid 1 neighbours")
    user = fake_api.user(7504, first_name="Ann", language_code="en")
    chatter = await user.send_in(group, "see you at the sweep on Saturday!")
    await asyncio.wait_for(_until(lambda: chatter in finished), timeout=10)
    assert group.messages == []
    await user.send("see you at the sweep on Saturday!")  # in private it is answered
    await user.expect_message(contains="didn't understand")


@pytest.fixture
async def town(uow: UnitOfWork) -> Community:
    return await build_community(uow)


async def test_commands_work_at_every_step_of_joining_and_cancel_leaves_it(
    fake_api: FakeBotAPI, town: Community
) -> None:
    user = fake_api.user(7505, first_name="Ann", language_code="en")
    await user.send("/start")
    await user.expect_message(contains="Welcome to Moral Bank")
    await user.expect_message(contains="Joining Moral Bank")
    await user.press("✅ Agree and join")
    await user.expect_message(contains="share your own phone number")
    for command, answer in COMMAND_ANSWERS:  # at the phone step
        await user.send(command)
        await user.expect_message(contains=answer)
    await user.send_contact("+44 7700 900123")  # the step goes on where it was
    await user.expect_message(contains="Phone number saved")
    await user.expect_message(contains="Which grid")
    await user.press("grid-1")
    await user.expect_message(contains="You live in “grid-1”")
    await user.press("I have a household invite code")
    await user.expect_message(contains="8-character invite code")
    for command, answer in COMMAND_ANSWERS:  # at the household code step
        await user.send(command)
        await user.expect_message(contains=answer)
    await user.send("/cancel")
    await user.expect_message(contains="Send /start whenever you want to begin again")
    await user.send("ABCD2345")  # no longer read as a code
    await user.expect_message(contains="didn't understand")


async def test_cancel_gives_a_resident_the_main_menu(
    fake_api: FakeBotAPI, town: Community
) -> None:
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send("/cancel")
    await alice.expect_message(contains="已取消")
    assert alice.reply_keyboard == MAIN_MENU_ZH


async def test_rules_longer_than_one_message_come_in_several(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Community
) -> None:
    for n in range(40):
        action = f"第{n:02d}条：" + "帮助邻居搬运重物并把楼道里的杂物清理干净" * 6
        draft = rule(f"long-{n}", action=action[:120])
        await save_rule(uow, staff=town.admin, draft=draft, approval_above=APPROVAL_ABOVE)
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send("/rules")
    first = await alice.expect_message(contains="怎样获得和失去积分")
    second = await alice.expect_message(contains="第39条")
    shown = (first.text or "") + (second.text or "")
    assert all(f"第{n:02d}条" in shown for n in range(40))
    assert "打扫楼道" in shown
    assert alice.reply_keyboard == MAIN_MENU_ZH


MARKUP_NAME = "A&B <楼>"


async def test_names_with_markup_characters_are_shown_as_written(
    fake_api: FakeBotAPI,
    database: Database,
    database_url: str,
    catalogues: Catalogues,
    uow: UnitOfWork,
    town: Community,
) -> None:
    async with uow.write() as session:
        await ensure_unit(
            session, code="grid-ab", name=MARKUP_NAME, level=OrgLevel.GRID, parent_code="community"
        )
    await save_category(uow, staff=town.admin, draft=CategoryDraft(code="odd", name="<清洁> & co"))
    await save_rule(
        uow,
        staff=town.admin,
        draft=rule("odd", category="odd", action=f"扫 {MARKUP_NAME}"),
        approval_above=APPROVAL_ABOVE,
    )
    # Joining at a grid with such a name.
    newcomer = fake_api.user(7506, first_name="<b>Ann</b> & co", language_code="en")
    await newcomer.send("/start j_grid-ab")
    await newcomer.expect_message(contains="Hello, <b>Ann</b> & co!")
    await newcomer.expect_message(contains="Joining Moral Bank")
    await newcomer.press("✅ Agree and join")
    await newcomer.expect_message(contains="share your own phone number")
    await newcomer.send_contact("+44 7700 900124")
    await newcomer.expect_message(contains="Phone number saved")
    await newcomer.expect_message(contains=f"You live in “{MARKUP_NAME}”")
    # The rules, the notice of an award by them, and the wallet.
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send("/rules")
    rules = await alice.expect_message(contains="【<清洁> & co】")
    assert f"扫 {MARKUP_NAME} +5" in (rules.text or "")
    async with sending(fake_api, database, database_url, catalogues):
        await apply_rule(
            uow,
            staff=town.grid1,
            person_id=town.alice,
            rule_code="odd",
            request_key="odd-1",
            zone=ZONE,
        )
        await alice.expect_message(contains=f"扫 {MARKUP_NAME}", timeout=10)
    await alice.send("/points")
    await alice.expect_message(contains=f"<清洁> & co · 扫 {MARKUP_NAME}  +5")
