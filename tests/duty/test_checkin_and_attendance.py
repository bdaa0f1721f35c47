"""Checking in by the poster's code or by location, only around the start, for the
activity the poster belongs to; walk-ins while there is room; check-out with "all clear";
and attendance confirmed once, paying the attendants by rule in the same transaction and
recording no-shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.audit import AuditEntry
from rewards.duty.activities import ActivityDraft, add_shift, new_poster, save_activity
from rewards.duty.attendance import confirm_attendance, roster
from rewards.duty.checkin import check_in_by_location, check_in_by_poster, check_out
from rewards.duty.errors import (
    AlreadyConfirmed,
    NotCheckInTime,
    ShiftFull,
    ShiftNotOver,
    TooFarFromAssembly,
    UnknownPoster,
)
from rewards.duty.models import DutySignup
from rewards.duty.policy import duty_policy
from rewards.duty.signups import sign_up
from rewards.errors import OutOfScope
from tests.admin.kiosk_support import balance
from tests.duty.patrol import GATE, Patrol, at, build_patrol
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


def move_to(clock: FrozenClock, offset: timedelta) -> None:
    clock.advance(at(offset) - clock.now())


async def test_the_poster_checks_in_only_around_the_start_of_its_own_activity(
    uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    alice = patrol.people.alice
    await sign_up(uow, person_id=alice, shift_id=patrol.shift)
    move_to(clock, -timedelta(minutes=31))
    with pytest.raises(NotCheckInTime) as early:
        await check_in_by_poster(uow, person_id=alice, payload=patrol.poster)
    assert early.value.params == {"before": 30, "after": 30}
    with pytest.raises(UnknownPoster):  # forged
        await check_in_by_poster(uow, person_id=alice, payload="duty_" + "A" * 32)
    move_to(clock, -timedelta(minutes=10))
    done = await check_in_by_poster(uow, person_id=alice, payload=patrol.poster)
    assert (done.shift_id, done.walk_in) == (patrol.shift, False)
    # Another activity's poster cannot be used for this one, and a new poster voids the old.
    other = await save_activity(
        uow, staff=patrol.people.admin,
        draft=ActivityDraft(code="park", name="公园巡逻", unit_id=patrol.people.units["grid-1"].id,
                            place_name="公园", latitude=40.01, longitude=116.01, capacity=3),
    )  # fmt: skip
    park_poster = (await new_poster(uow, staff=patrol.people.admin, activity_id=other.id)).payload
    with pytest.raises(NotCheckInTime):  # the park has no shift now
        await check_in_by_poster(uow, person_id=alice, payload=park_poster)
    reprinted = (
        await new_poster(uow, staff=patrol.people.admin, activity_id=patrol.activity)
    ).payload
    with pytest.raises(UnknownPoster):
        await check_in_by_poster(uow, person_id=patrol.extra[0], payload=patrol.poster)
    move_to(clock, timedelta(minutes=31))
    with pytest.raises(NotCheckInTime):
        await check_in_by_poster(uow, person_id=patrol.extra[0], payload=reprinted)


async def test_walk_ins_while_there_is_room_and_location_near_the_gate(
    uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    alice, (r0, r1, _) = patrol.people.alice, patrol.extra
    await sign_up(uow, person_id=alice, shift_id=patrol.shift)
    move_to(clock, -timedelta(minutes=5))
    with pytest.raises(TooFarFromAssembly):
        await check_in_by_location(uow, person_id=alice, latitude=40.01, longitude=116.0)
    near = await check_in_by_location(
        uow, person_id=alice, latitude=GATE[0] + 0.0005, longitude=GATE[1]
    )
    assert near.shift_id == patrol.shift
    walked = await check_in_by_poster(uow, person_id=r0, payload=patrol.poster)
    assert walked.walk_in
    with pytest.raises(ShiftFull):
        await check_in_by_poster(uow, person_id=r1, payload=patrol.poster)


async def test_attendance_pays_by_rule_once_and_records_no_shows(
    uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    people = patrol.people
    alice, r0 = people.alice, patrol.extra[0]
    await sign_up(uow, person_id=alice, shift_id=patrol.shift)
    await sign_up(uow, person_id=r0, shift_id=patrol.shift)
    with pytest.raises(ShiftNotOver):
        await confirm_attendance(
            uow, staff=people.grid1, shift_id=patrol.shift, present={alice}, zone=ZONE
        )
    move_to(clock, -timedelta(minutes=5))
    await check_in_by_poster(uow, person_id=alice, payload=patrol.poster)
    move_to(clock, timedelta(minutes=65))
    out = await check_out(uow, person_id=alice, shift_id=patrol.shift, all_clear=True)
    assert out.all_clear
    listed = await roster(uow, staff=people.grid1, shift_id=patrol.shift)
    assert [(line.name, line.checked_in_at is not None) for line in listed.lines] == [
        ("Alice", True),
        ("R0", False),
    ]
    with pytest.raises(OutOfScope):  # grid 2's worker does not confirm grid 1's patrol
        await confirm_attendance(
            uow, staff=people.grid2, shift_id=patrol.shift, present={alice}, zone=ZONE
        )
    before = await balance(uow, alice)
    result = await confirm_attendance(
        uow, staff=people.grid1, shift_id=patrol.shift, present={alice}, zone=ZONE
    )
    assert (result.attended, result.absent, result.paid) == (1, 1, 1)
    assert await balance(uow, alice) == before + 3
    with pytest.raises(AlreadyConfirmed):
        await confirm_attendance(
            uow, staff=people.grid1, shift_id=patrol.shift, present={alice, r0}, zone=ZONE
        )
    assert await balance(uow, alice) == before + 3
    async with uow.read() as session:
        marks = dict(
            (await session.execute(select(DutySignup.person_id, DutySignup.status))).all()
        )
        audited = await session.scalar(
            select(AuditEntry.details).where(AuditEntry.action == "duty.attendance_confirmed")
        )
    assert (marks[alice], marks[r0]) == ("attended", "absent")
    assert audited == {"attended": 1, "absent": 1, "paid": 1}


async def test_per_hour_pay_times_the_shift_multiplier(
    uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    people = patrol.people
    draft = ActivityDraft(
        code="holiday", name="国庆巡逻", unit_id=people.units["grid-1"].id, place_name="东门",
        latitude=GATE[0], longitude=GATE[1], capacity=3, rule_code="patrol", pay_per="hour",
    )  # fmt: skip
    activity = await save_activity(uow, staff=people.admin, draft=draft)
    starts = at(timedelta(hours=3))
    shift = await add_shift(
        uow, staff=people.admin, activity_id=activity.id, starts_at=starts,
        ends_at=starts + timedelta(hours=2, minutes=30), multiplier=2,
    )  # fmt: skip
    await sign_up(uow, person_id=people.alice, shift_id=shift)
    move_to(clock, timedelta(hours=6))
    before = await balance(uow, people.alice)
    done = await confirm_attendance(
        uow, staff=people.grid1, shift_id=shift, present={people.alice}, zone=ZONE
    )
    assert done.paid == 1
    assert await balance(uow, people.alice) == before + 3 * 2 * 2  # 2 full hours, twice


async def test_the_check_in_window_is_the_communitys_setting(
    uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    wide = duty_policy(
        check_in_before_minutes=60, check_in_after_minutes=5, offer_minutes=60,
        no_shows_pause=3, pause_days=30,
    )  # fmt: skip
    move_to(clock, -timedelta(minutes=45))
    with pytest.raises(NotCheckInTime):
        await check_in_by_poster(uow, person_id=patrol.people.alice, payload=patrol.poster)
    done = await check_in_by_poster(
        uow, person_id=patrol.people.alice, payload=patrol.poster, policy=wide
    )
    assert done.shift_id == patrol.shift
    move_to(clock, timedelta(minutes=10))
    with pytest.raises(NotCheckInTime) as late:
        await check_in_by_poster(
            uow, person_id=patrol.extra[0], payload=patrol.poster, policy=wide
        )
    assert late.value.params == {"before": 60, "after": 5}


async def test_the_poster_scanned_again_at_the_end_is_the_way_out(
    uow: UnitOfWork, patrol: Patrol, clock: FrozenClock
) -> None:
    alice = patrol.people.alice
    move_to(clock, -timedelta(minutes=5))
    first = await check_in_by_poster(uow, person_id=alice, payload=patrol.poster)
    assert (first.walk_in, first.again) == (True, False)
    move_to(clock, timedelta(minutes=58))  # long past the check-in window: still on it
    again = await check_in_by_poster(uow, person_id=alice, payload=patrol.poster)
    assert (again.shift_id, again.walk_in, again.again) == (patrol.shift, False, True)
    await check_out(uow, person_id=alice, shift_id=patrol.shift, all_clear=True)
    with pytest.raises(NotCheckInTime):  # out is out
        await check_in_by_poster(uow, person_id=alice, payload=patrol.poster)
