"""The worker's duty jobs: a recurring activity's daily times planned ahead as shifts
(once each), and the volunteers with a place reminded the evening before and an hour
before, once each, through the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from moralbank.worker import Worker
from rewards.duty.activities import ActivityDraft, add_shift, save_activity
from rewards.duty.groups import bind_group
from rewards.duty.models import DutyShift
from rewards.duty.signups import sign_up
from rewards.messaging.models import OutboxMessage
from tests.duty.patrol import Patrol, at, build_patrol
from tests.rewards.community import START, ZONE


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def patrol(uow: UnitOfWork) -> Patrol:
    return await build_patrol(uow)


async def keys_to(uow: UnitOfWork, chat: int) -> list[str]:
    async with uow.read() as session:
        rows = await session.scalars(
            select(OutboxMessage.text_key)
            .where(OutboxMessage.chat_id == chat, OutboxMessage.text_key.like("duty.%"))
            .order_by(OutboxMessage.id)
        )
        return [str(key) for key in rows]


async def test_daily_times_are_planned_a_week_ahead_once(
    database: Database, uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    await save_activity(
        uow, staff=patrol.people.admin,
        draft=ActivityDraft(
            code="daily", name="天天巡逻", unit_id=patrol.people.units["grid-1"].id,
            place_name="西门", latitude=40.0, longitude=116.0, capacity=5,
            daily=("07:00-08:00", "19:00-20:00"), signup_opens_days=7,
        ),
    )  # fmt: skip
    worker = Worker(database, clock, zone=ZONE)
    await worker.schedule_recurring()
    await worker.run_once()
    await worker.run_once()
    async with uow.read() as session:
        starts = sorted(
            await session.scalars(
                select(DutyShift.starts_at).where(DutyShift.activity_id != patrol.activity)
            )
        )
    # START is 09:00 on 1 April in Shanghai: today's evening, then a week of both.
    local = [s.astimezone(ZONE).strftime("%m-%d %H:%M") for s in starts]
    assert local[:3] == ["04-01 19:00", "04-02 07:00", "04-02 19:00"]
    assert local[-1] == "04-08 19:00"
    assert len(local) == 15  # planned once, however often the job runs


async def test_volunteers_are_reminded_the_evening_before_and_an_hour_before(
    database: Database, uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    await sign_up(uow, person_id=patrol.people.alice, shift_id=patrol.shift)
    worker = Worker(database, clock, zone=ZONE)
    await worker.schedule_recurring()
    evening = datetime(2026, 4, 2, 11, 5, tzinfo=UTC)  # 19:05 in Shanghai, the day before
    for moment in (evening - timedelta(hours=1), evening, evening + timedelta(minutes=10)):
        clock.advance(moment - clock.now())
        await worker.run_once()
    assert await keys_to(uow, 501) == ["duty.reminder_evening"]
    for offset in (-timedelta(minutes=70), -timedelta(minutes=55), -timedelta(minutes=20)):
        clock.advance(at(offset) - clock.now())
        await worker.run_once()
    assert await keys_to(uow, 501) == ["duty.reminder_evening", "duty.reminder_hour"]


async def test_the_group_gets_the_mornings_and_the_evenings_patrols_once_each(
    database: Database, uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    await bind_group(uow, staff=patrol.people.admin, chat_id=-4242, language="zh_Hans")
    await sign_up(uow, person_id=patrol.people.alice, shift_id=patrol.shift)
    evening_shift = await add_shift(
        uow, staff=patrol.people.admin, activity_id=patrol.activity,
        starts_at=at(timedelta(hours=12)), ends_at=at(timedelta(hours=13)),
    )  # fmt: skip
    assert evening_shift
    worker = Worker(database, clock, zone=ZONE)
    await worker.schedule_recurring()
    # 05:50 on the patrol's day: too early; then 06:05 and 06:30: one post.
    for minutes in (-70, -55, -30):
        clock.advance(at(timedelta(minutes=minutes)) - clock.now())
        await worker.run_once()
    clock.advance(at(timedelta(hours=11, minutes=5)) - clock.now())  # 18:05
    await worker.run_once()
    async with uow.read() as session:
        posts = list(
            await session.scalars(
                select(OutboxMessage.text_params)
                .where(OutboxMessage.chat_id == -4242)
                .order_by(OutboxMessage.id)
            )
        )
    assert posts == [
        {"count": 1, "shifts": "07:00 东门早巡 · 东门 · 1/2"},
        {"count": 1, "shifts": "19:00 东门早巡 · 东门 · 0/2"},
    ]
