"""The demo community's daily patrols (天天巡逻): one a grid, mornings and evenings at its
assembly point, open to every resident, paying the demo's "patrol" rule; the worker plans
their shifts a week ahead. Loaded through the panel's own service; once.

Then their shifts: the coming week's planned now (as the worker would), grid 1's evening
patrol of three days ago walked by residents whose attendance its grid worker confirmed
(and paid), and two residents signed up for its next patrol."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.clock import FrozenClock
from core.uow import UnitOfWork
from rewards.duty.activities import ActivityDraft, add_shift, plan_shifts, save_activity
from rewards.duty.attendance import confirm_attendance
from rewards.duty.models import DutyActivity, DutyShift, DutySignup
from rewards.duty.signups import sign_up
from rewards.org.service import find_unit
from rewards.people.residents import search_residents
from rewards.staff.service import StaffView

# grid code, assembly point, latitude, longitude (near the demo's known places)
PATROLS = (
    ("demo-grid-1", "幸福社区东门", 29.56301, 106.55156),
    ("demo-grid-2", "3号楼门口", 29.56342, 106.55210),
    ("demo-grid-3", "菜市场路口", 29.56220, 106.55101),
)
DAILY = ("07:00-08:00", "19:00-20:00")


async def load_duty_demo(uow: UnitOfWork, *, admin: StaffView) -> None:
    for grid_code, place, latitude, longitude in PATROLS:
        code = f"{grid_code}-patrol"
        async with uow.read() as session:
            there = await session.scalar(select(DutyActivity.id).where(DutyActivity.code == code))
        if there is not None:
            continue
        grid = await find_unit(uow, grid_code)
        draft = ActivityDraft(
            code=code, name=f"{grid.name}天天巡逻", name_en=f"{grid.name} daily patrol",
            unit_id=grid.id, place_name=place, latitude=latitude, longitude=longitude,
            capacity=6, rule_code="patrol", daily=DAILY,
        )  # fmt: skip
        await save_activity(uow, staff=admin, draft=draft)


async def load_shifts_demo(
    uow: UnitOfWork, *, admin: StaffView, grid_worker: StaffView, zone: ZoneInfo
) -> None:
    """Grid 1's patrol shifts: one walked and confirmed, one ahead with sign-ups; once."""
    async with uow.write() as session:
        await plan_shifts(session, now=uow.now(), zone=zone)
    async with uow.read() as session:
        if await session.scalar(select(DutySignup.id).limit(1)) is not None:
            return  # signed up by an earlier run
        activity = await session.scalar(
            select(DutyActivity.id).where(DutyActivity.code == "demo-grid-1-patrol")
        )
        upcoming = await session.scalar(
            select(DutyShift.id)
            .where(DutyShift.activity_id == activity, DutyShift.starts_at > uow.now())
            .order_by(DutyShift.starts_at)
            .limit(1)
        )
    assert activity is not None, "loaded just before"
    assert upcoming is not None, "planned just before"
    rows = await search_residents(uow, staff=grid_worker, status="verified")
    people = sorted(row.person_id for row in rows)
    evening = (
        (uow.now() - timedelta(days=3))
        .astimezone(zone)
        .replace(hour=19, minute=0, second=0, microsecond=0)
    )
    await _walked(uow, admin, grid_worker, activity, evening, people[:3], zone)
    for person_id in people[3:5]:
        await sign_up(uow, person_id=person_id, shift_id=upcoming)


async def _walked(
    uow: UnitOfWork,
    admin: StaffView,
    grid_worker: StaffView,
    activity: int,
    starts: datetime,
    walkers: list[int],
    zone: ZoneInfo,
) -> None:
    """A past shift: signed up the day before, two of three came, the worker confirmed."""
    clock = FrozenClock(starts - timedelta(days=1))
    then = UnitOfWork(uow.database, clock)
    async with uow.read() as session:
        # The worker plans the daily times too: a database it served may have this one.
        shift = await session.scalar(
            select(DutyShift.id).where(
                DutyShift.activity_id == activity, DutyShift.starts_at == starts
            )
        )
    if shift is None:
        shift = await add_shift(
            then, staff=admin, activity_id=activity, starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        )  # fmt: skip
    for person_id in walkers:
        await sign_up(then, person_id=person_id, shift_id=shift)
    clock.advance(timedelta(days=1, hours=1, minutes=30))
    await confirm_attendance(
        then, staff=grid_worker, shift_id=shift, present=walkers[:2], zone=zone
    )
