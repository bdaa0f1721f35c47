"""Signing up for a shift on a real database: places up to capacity, then a waiting list;
a place given back goes to the first one waiting, for a while, and then to the next; the
cut-off; the race for the last place (on PostgreSQL truly at once); team-only activities;
no-shows pausing sign-ups."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.duty.errors import CancelTooLate, OfferExpired, SignupClosed, SignupsPaused
from rewards.duty.models import DutyShift, DutySignup
from rewards.duty.policy import DEFAULT_POLICY
from rewards.duty.signups import cancel, expire_offers, sign_up, take_offer
from rewards.messaging.models import OutboxMessage
from tests.duty.patrol import Patrol, at, build_patrol
from tests.rewards.community import START


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def patrol(uow: UnitOfWork) -> Patrol:
    return await build_patrol(uow)


async def statuses(uow: UnitOfWork, shift: int) -> dict[int, str]:
    async with uow.read() as session:
        rows = await session.execute(
            select(DutySignup.person_id, DutySignup.status).where(DutySignup.shift_id == shift)
        )
        return {person: status for person, status in rows}


async def offers_told(uow: UnitOfWork) -> list[int]:
    async with uow.read() as session:
        return list(
            await session.scalars(
                select(OutboxMessage.chat_id)
                .where(OutboxMessage.text_key == "duty.offered")
                .order_by(OutboxMessage.id)
            )
        )


async def test_places_then_a_waiting_list_and_a_freed_place_offered_in_turn(
    uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    alice, (r0, r1, r2) = patrol.people.alice, patrol.extra
    shift = patrol.shift
    assert (await sign_up(uow, person_id=alice, shift_id=shift)).status == "signed"
    assert (await sign_up(uow, person_id=r0, shift_id=shift)).status == "signed"
    assert (await sign_up(uow, person_id=r1, shift_id=shift)).status == "waiting"
    assert (await sign_up(uow, person_id=r2, shift_id=shift)).status == "waiting"
    assert (await sign_up(uow, person_id=r1, shift_id=shift)).status == "waiting"  # a 2nd tap

    await cancel(uow, person_id=alice, shift_id=shift)
    assert (await statuses(uow, shift))[r1] == "offered"
    assert await offers_told(uow) == [9101]
    clock.advance(DEFAULT_POLICY.offer_for + timedelta(minutes=1))
    with pytest.raises(OfferExpired):
        await take_offer(uow, person_id=r1, shift_id=shift)
    async with uow.write() as session:
        assert await expire_offers(session, uow.now()) == 1
    now = await statuses(uow, shift)
    assert (now[r1], now[r2]) == ("cancelled", "offered")
    assert await offers_told(uow) == [9101, 9102]
    assert (await take_offer(uow, person_id=r2, shift_id=shift)).status == "signed"
    now = await statuses(uow, shift)
    assert sorted(s for s in now.values() if s == "signed") == ["signed", "signed"]


async def test_the_cut_off_and_the_start_close_the_shift(
    uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    alice, r0 = patrol.people.alice, patrol.extra[0]
    await sign_up(uow, person_id=alice, shift_id=patrol.shift)
    clock.advance(at(-timedelta(hours=1)) - clock.now())  # within the 2-hour cut-off
    with pytest.raises(CancelTooLate) as refused:
        await cancel(uow, person_id=alice, shift_id=patrol.shift)
    assert refused.value.params == {"hours": 2}
    clock.advance(timedelta(hours=1))  # the start
    with pytest.raises(SignupClosed):
        await sign_up(uow, person_id=r0, shift_id=patrol.shift)


async def test_sign_up_opens_only_so_many_days_ahead(
    uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    clock.advance(-timedelta(days=10))
    with pytest.raises(SignupClosed):
        await sign_up(uow, person_id=patrol.people.alice, shift_id=patrol.shift)


async def test_the_race_for_the_last_place_never_goes_over_capacity(
    database: Database, uow: UnitOfWork, patrol: Patrol
) -> None:
    """On PostgreSQL the sign-ups really run at once: each waits on the shift's row."""
    people = [patrol.people.alice, *patrol.extra]
    outcomes = await asyncio.gather(
        *(sign_up(uow, person_id=person, shift_id=patrol.shift) for person in people)
    )
    assert sorted(o.status for o in outcomes) == ["signed", "signed", "waiting", "waiting"]
    async with uow.read() as session:
        signed = await session.scalar(
            select(func.count())
            .select_from(DutySignup)
            .where(DutySignup.shift_id == patrol.shift, DutySignup.status == "signed")
        )
    assert signed == 2


async def test_three_no_shows_pause_sign_ups_for_a_month(
    uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    alice = patrol.people.alice
    async with uow.write() as session:
        for days in (-30, -20, -10):
            shift = DutyShift(
                activity_id=patrol.activity, starts_at=START + timedelta(days=days),
                ends_at=START + timedelta(days=days, hours=1), capacity=2,
            )  # fmt: skip
            session.add(shift)
            await session.flush()
            session.add(
                DutySignup(
                    shift_id=shift.id,
                    person_id=alice,
                    status="absent",
                    created_at=START,
                    updated_at=START,
                )
            )
    with pytest.raises(SignupsPaused) as paused:
        await sign_up(uow, person_id=alice, shift_id=patrol.shift)
    assert paused.value.params == {"until": "2026-04-21"}
