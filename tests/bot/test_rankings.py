"""The rankings in the chat, through the real dispatcher and the fake Bot API: the board
on notice with masked names, one's own and one's household's rank, and an objection in
one's own words that the committee's answer comes back to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from admin.posters import leaderboard_png
from core.clock import FrozenClock
from core.db import Database
from core.i18n import Catalogues
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from rewards.people.models import Person
from rewards.people.residents import found_household, mask_name
from rewards.points.awards import apply_rule
from rewards.rankings.boards import answer_objection, draft_board, finalise, put_on_notice
from rewards.rankings.models import RankingObjection
from rewards.rankings.publishing import publish
from rewards.staff.models import Role
from tests.bot.outbox import next_saying, sending
from tests.bot.staff_phone import linked
from tests.rewards.community import ZONE, add_resident, build_community, make_staff

pytestmark = pytest.mark.usefixtures("running_bot")


def test_names_are_masked_for_a_public_board() -> None:
    assert [mask_name(n) for n in ("张小红", "张红", "Alice", "王", "")] == [
        "张*红", "张*", "A***e", "王", "*",
    ]  # fmt: skip


async def test_the_board_my_rank_and_an_objection_answered(
    fake_api: FakeBotAPI, database: Database, database_url: str, catalogues: Catalogues
) -> None:
    now = datetime.now(UTC)
    clock = FrozenClock(now - timedelta(days=200))
    uow = UnitOfWork(database, clock)
    town = await build_community(uow)
    committee = await make_staff(
        uow, "committee", Role.COMMITTEE_PUBLISHER, town.units["community"]
    )
    await found_household(uow, staff=town.admin, unit_id=town.units["grid-1"].id,
                          head_person_id=town.alice)  # fmt: skip
    clock.advance(timedelta(days=100))
    for key, person in (("a1", town.alice), ("a2", town.alice), ("b1", town.bob)):
        await apply_rule(uow, staff=town.admin, person_id=person, rule_code="sweep",
                         request_key=key, zone=ZONE)  # fmt: skip
    local = clock.now().astimezone(ZONE)
    period = f"{local.year}-{local.month:02d}"  # the month of the awards
    clock.advance(timedelta(days=100))
    live = UnitOfWork(database, FrozenClock(now))
    for scope in ("resident", "household"):
        board = await draft_board(
            live, staff=committee, unit_id=town.units["community"].id, period=period,
            scope=scope, zone=ZONE,
        )  # fmt: skip
        await put_on_notice(live, staff=committee, board_id=board.id, days=7)

    alice = fake_api.user(501, first_name="Alice", language_code="zh-hans")
    await alice.send("🏆 排行榜")
    shown = await alice.expect_message(contains="积分排行榜（公示中）")
    text = shown.text or ""
    assert "1. A***e　10 分" in text
    assert "2. B*b　5 分" in text
    assert "您排第 1 名，10 分" in text
    assert "您家排第 1 名，10 分" in text
    await alice.press("✋ 我有异议", message=shown)
    await alice.expect_message(contains="请写下您的异议")
    await alice.send("我周日的巡逻没有算上")
    await alice.expect_message(contains="异议已提交")
    async with live.read() as session:
        objection = await session.scalar(select(RankingObjection))
    assert objection is not None
    assert objection.text == "我周日的巡逻没有算上"
    await answer_objection(live, staff=committee, objection_id=objection.id, answer="已补记")
    async with sending(fake_api, database, database_url, catalogues):
        await next_saying(alice, "社区答复：已补记")


async def test_a_final_board_is_published_to_the_bound_group_with_its_picture(
    fake_api: FakeBotAPI, database: Database, database_url: str, catalogues: Catalogues
) -> None:
    now = datetime.now(UTC)
    clock = FrozenClock(now - timedelta(days=200))
    uow = UnitOfWork(database, clock)
    town = await build_community(uow)
    community = town.units["community"]
    committee = await make_staff(uow, "committee", Role.COMMITTEE_PUBLISHER, community)
    clock.advance(timedelta(days=100))
    await apply_rule(uow, staff=town.admin, person_id=town.alice, rule_code="sweep",
                     request_key="a", zone=ZONE)  # fmt: skip
    local = clock.now().astimezone(ZONE)
    period = f"{local.year}-{local.month:02d}"
    live = UnitOfWork(database, FrozenClock(now))
    board = await draft_board(live, staff=committee, unit_id=community.id, period=period,
                              scope="resident", zone=ZONE)  # fmt: skip
    await put_on_notice(live, staff=committee, board_id=board.id, days=1)
    later = UnitOfWork(database, FrozenClock(now + timedelta(days=2)))
    await finalise(later, staff=committee, board_id=board.id)

    phone = fake_api.user(880071, first_name="主任", language_code="zh-hans")
    await linked(live, committee, phone, "已绑定")
    group = fake_api.group(-5151, title="幸福社区公告")
    await phone.send_in(group, "/rankgroup")
    await group.expect_message(contains="本群以后会收到“community”发布的排行榜")
    picture = leaderboard_png(title="community 排行榜", lines=["第1名　A***e　5分"])
    done = await publish(live, staff=committee, board_id=board.id, picture=picture)
    assert done.chats == 1
    async with sending(fake_api, database, database_url, catalogues):
        posted = await group.expect_message(contains="道德冠军：A***e（5 分）")
    assert posted.kind == "photo"


async def test_a_resident_agrees_to_public_boards_and_may_leave_them(
    fake_api: FakeBotAPI, database: Database
) -> None:
    uow = UnitOfWork(database, FrozenClock(datetime.now(UTC)))
    town = await build_community(uow)
    shy = await add_resident(uow, "沈小云", town.units["grid-1"], 604, "zh_Hans",
                             verified_by=town.admin, on_boards=False)  # fmt: skip
    user = fake_api.user(604, first_name="沈小云", language_code="zh-hans")
    await user.send("🏆 排行榜")
    shown = await user.expect_message(contains="您还没有同意上公开排行榜")
    await user.press("🙋 我愿意上公开排行榜", message=shown)
    await user.expect_message(contains="从下一期排行榜起会算上您")
    assert await on_boards(uow, shy)
    await user.send("/rank")
    shown = await user.expect_message(contains="还没有公布排行榜")
    assert "您还没有同意" not in (shown.text or "")
    await user.press("🙈 不在公开排行榜上显示我", message=shown)
    await user.expect_message(contains="以后的排行榜不再显示您")
    assert not await on_boards(uow, shy)


async def on_boards(uow: UnitOfWork, person_id: int) -> bool:
    async with uow.read() as session:
        return bool(
            await session.scalar(select(Person.on_public_boards).where(Person.id == person_id))
        )
