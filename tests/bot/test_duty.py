"""Volunteer duty in the chat, through the real dispatcher and the fake Bot API: the
week's shifts with sign-up buttons, the poster's deep link checking in, and a problem at
check-out starting a report at the assembly point."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.db import Database
from core.i18n import Catalogues
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from rewards.cases.models import Case
from rewards.duty.models import DutyActivity, DutyGroupChat, DutyShift, DutySignup
from rewards.duty.roll_call import call_rolls
from rewards.duty.signups import sign_up
from rewards.people.models import Team, TeamMember
from tests.admin.kiosk_support import balance
from tests.bot.outbox import sending
from tests.bot.staff_phone import linked
from tests.duty.patrol import GATE, build_patrol

pytestmark = pytest.mark.usefixtures("running_bot")


async def test_a_resident_signs_up_from_the_list(fake_api: FakeBotAPI, uow: UnitOfWork) -> None:
    patrol = await build_patrol(uow, starts_at=datetime.now(UTC) + timedelta(days=1))
    alice = fake_api.user(501, first_name="Alice", language_code="zh-hans")
    await alice.send("🙋 志愿值班")
    listed = await alice.expect_message(contains="接下来一周可以报名的值班")
    assert "📍 grid-1\n• " in (listed.text or "")  # by grid, then by date
    assert "东门早巡（东门）还剩 2/2 个位置" in (listed.text or "")
    join = next(label for row in listed.buttons() for label in row if label.startswith("报名"))
    answer = await alice.expect_callback_answer(await alice.press(join))
    assert "报名成功" in answer.get("text", "")
    mine = await alice.expect_message(contains="我的值班")
    assert "✅ 已报名" in (mine.text or "")
    async with uow.read() as session:
        status = await session.scalar(
            select(DutySignup.status).where(DutySignup.shift_id == patrol.shift)
        )
    assert status == "signed"


async def test_the_poster_checks_in_and_a_problem_at_check_out_becomes_a_report(
    fake_api: FakeBotAPI, uow: UnitOfWork
) -> None:
    patrol = await build_patrol(uow, starts_at=datetime.now(UTC) + timedelta(minutes=10))
    alice = fake_api.user(501, first_name="Alice", language_code="zh-hans")
    await alice.send(f"/start {patrol.poster}")
    checked = await alice.expect_message(contains="临时加入并签到：东门早巡")
    assert [label for row in checked.buttons() for label in row] == ["✅ 无事报平安", "⚠️ 发现问题"]
    await alice.press("⚠️ 发现问题", message=checked)
    await alice.expect_message(contains="已签退")
    await alice.expect_message(contains="请拍下问题的照片")
    async with uow.read() as session:
        signup = await session.scalar(select(DutySignup))
        draft = await session.scalar(select(Case).where(Case.status == "draft"))
    assert signup is not None
    assert (signup.checked_in_at is not None, signup.all_clear) == (True, False)
    assert draft is not None
    assert (draft.latitude, draft.longitude) == GATE
    await alice.send("/start duty_forgedforgedforgedforgedforg")
    await alice.expect_message(contains="不是有效的签到码")


async def test_staff_bind_the_volunteers_group_from_inside_it(
    fake_api: FakeBotAPI, uow: UnitOfWork
) -> None:
    patrol = await build_patrol(uow, starts_at=datetime.now(UTC) + timedelta(days=1))
    phone = fake_api.user(880051, first_name="刘主任", language_code="zh-hans")
    await linked(uow, patrol.people.admin, phone, "已绑定")
    group = fake_api.group(-4343, title="第一网格志愿者")
    stranger = fake_api.user(880052, first_name="Eve", language_code="zh-hans")
    await stranger.send_in(group, "/dutygroup")
    refused = await group.expect_message()
    assert "已绑定 Telegram 的工作人员" in (refused.text or "")
    await phone.send_in(group, "/dutygroup")
    bound = await group.expect_message(contains="本群以后每天早晚会收到")
    assert "street" in (bound.text or "")  # the admin manages shifts from the street down
    async with uow.read() as session:
        chats = list(await session.scalars(select(DutyGroupChat.chat_id)))
    assert chats == [-4343]


async def test_the_team_leader_ticks_who_came_and_the_points_post(
    fake_api: FakeBotAPI,
    database: Database,
    database_url: str,
    catalogues: Catalogues,
    uow: UnitOfWork,
) -> None:
    now = datetime.now(UTC)
    patrol = await build_patrol(uow, starts_at=now + timedelta(days=1))
    alice, (r0, r1, _) = patrol.people.alice, patrol.extra
    await sign_up(uow, person_id=r0, shift_id=patrol.shift)
    await sign_up(uow, person_id=r1, shift_id=patrol.shift)
    async with uow.write() as session:
        grid = patrol.people.units["grid-1"].id
        team = Team(code="gate-team", name="东门巡逻队", org_unit_id=grid, created_at=now)
        session.add(team)
        await session.flush()
        session.add(TeamMember(team_id=team.id, person_id=alice, leader=True, joined_at=now))
        activity = await session.get(DutyActivity, patrol.activity)
        shift = await session.get(DutyShift, patrol.shift)
        assert activity is not None
        assert shift is not None
        activity.team_id = team.id
        shift.starts_at, shift.ends_at = now - timedelta(hours=2), now - timedelta(minutes=5)
        for signup in await session.scalars(select(DutySignup).where(DutySignup.person_id == r0)):
            signup.checked_in_at = now - timedelta(hours=2)
    async with uow.write() as session:
        assert await call_rolls(session, uow.now()) == 1
    before = await balance(uow, r0)
    leader = fake_api.user(501, first_name="Alice", language_code="zh-hans")
    await leader.send("📋 我的上报")  # she has talked to the bot before
    await leader.expect_message(contains="还没有上报过")
    async with sending(fake_api, database, database_url, catalogues):
        asked = await leader.expect_message(contains="东门早巡”结束了")
        await leader.press("📋 确认出勤", message=asked)
        roll = await leader.expect_message(contains="点名字勾选到了的人")
        assert [label for row in roll.buttons() for label in row] == [
            "✅ R0", "⬜ R1", "确认 1 人出勤",
        ]  # fmt: skip
        await leader.press("⬜ R1", message=roll)
        assert await leader.changed.wait_for(lambda: "确认 2 人出勤" in str(roll.buttons()), 5)
        await leader.press("✅ R1", message=roll)  # ticked by mistake: off again
        assert await leader.changed.wait_for(lambda: "确认 1 人出勤" in str(roll.buttons()), 5)
        await leader.press("确认 1 人出勤", message=roll)
        await leader.expect_message(contains="出勤 1 人，缺勤 1 人，1 人获得积分")
    assert await balance(uow, r0) == before + 3
    async with uow.read() as session:
        marks = dict(
            (await session.execute(select(DutySignup.person_id, DutySignup.status))).all()
        )
    assert (marks[r0], marks[r1]) == ("attended", "absent")
