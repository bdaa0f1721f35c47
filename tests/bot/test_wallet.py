""" "My points" and "Rules" in the bot: an award made by staff shows in the wallet, in the
resident's language, with paging — through the real dispatcher and a fake Bot API."""

from __future__ import annotations

import pytest

from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from rewards.people.residents import found_household
from rewards.points.awards import apply_rule
from rewards.points.rules import PointTypeDraft, save_point_type
from tests.bot.menu import MAIN_MENU_ZH
from tests.rewards.community import ZONE, Community, build_community

pytestmark = pytest.mark.usefixtures("running_bot")


@pytest.fixture
async def town(uow: UnitOfWork) -> Community:
    return await build_community(uow)


async def award(uow: UnitOfWork, town: Community, key: str, rule: str = "sweep") -> None:
    await apply_rule(
        uow, staff=town.grid1, person_id=town.alice, rule_code=rule, request_key=key, zone=ZONE
    )


async def test_an_award_made_by_staff_shows_in_my_points(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Community
) -> None:
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send("/points")
    empty = await alice.expect_message(contains="我的积分")
    assert "您现在还没有积分" in (empty.text or "")
    assert alice.reply_keyboard == MAIN_MENU_ZH
    await award(uow, town, "panel-1")
    await alice.tap_reply_button("💰 我的积分")
    wallet = await alice.expect_message(contains="我的积分")
    assert "道德积分：5 分" in (wallet.text or "")
    assert "可兑换 5 分 · 本季度获得 5 分" in (wallet.text or "")
    assert "清洁卫生 · 打扫楼道  +5" in (wallet.text or "")


async def test_the_statement_pages_with_buttons(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Community
) -> None:
    for n in range(12):
        await award(uow, town, f"p-{n}")
    await award(uow, town, "fine", rule="litter")
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send("/points")
    first = await alice.expect_message(contains="第 1/2 页")
    assert "清洁卫生 · 乱扔垃圾  -3" in (first.text or "")
    pager = await alice.expect_message(contains="查看更早的记录")
    await alice.expect_callback_answer(await alice.press("更早 ›"))
    assert "第 2/2 页" in (pager.text or "")  # the pager message now shows page 2
    assert (pager.text or "").count("+5") == 3
    assert pager.buttons() == [["‹ 较新"]]


async def test_english_readers_get_english_names(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Community
) -> None:
    await apply_rule(
        uow, staff=town.grid2, person_id=town.bob, rule_code="sweep", request_key="b", zone=ZONE
    )
    bob = fake_api.user(502, first_name="Bob", language_code="en")
    await bob.send("/points")
    wallet = await bob.expect_message(contains="My points")
    assert "Moral: 5 points" in (wallet.text or "")
    assert "Cleanliness · Sweeping the stairs  +5" in (wallet.text or "")
    await bob.tap_reply_button("📖 Rules")
    rules = await bob.expect_message(contains="How points are earned and lost")
    assert "[Cleanliness]" in (rules.text or "")
    assert "Sweeping the stairs +5" in (rules.text or "")
    assert "Litter -3" in (rules.text or "")


async def test_someone_who_has_not_joined_can_look_around(
    fake_api: FakeBotAPI, town: Community
) -> None:
    visitor = fake_api.user(777, first_name="访客", language_code="zh")
    await visitor.send("/rules")
    rules = await visitor.expect_message(contains="【清洁卫生】")
    assert "打扫楼道 +5" in (rules.text or "")
    await visitor.send("/points")
    wallet = await visitor.expect_message(contains="我的积分")
    assert "您还没有加入社区" in (wallet.text or "")


async def test_a_household_member_sees_the_household_and_its_base(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Community
) -> None:
    await save_point_type(
        uow,
        staff=town.admin,
        draft=PointTypeDraft(code="moral", name="道德积分", name_en="Moral", household_base=100),
    )
    await found_household(
        uow, staff=None, unit_id=town.units["grid-1"].id, head_person_id=town.alice
    )
    await award(uow, town, "panel-1")
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send("/points")
    wallet = await alice.expect_message(contains="我的积分")
    assert "我家的积分" in (wallet.text or "")
    assert "道德积分：105 分（含基础分 100/100，基础分不可兑换）· 可兑换 5 分" in (
        wallet.text or ""
    )
