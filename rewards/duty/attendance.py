"""Who came: the leader or grid worker confirms a shift's attendance once, in bulk (those
who checked in are ticked to start with). In the same transaction every attendant is paid
by the activity's rule (its caps apply), and every one signed up who did not come is
recorded as a no-show. A mistake afterwards is fixed by reversing the points, not by
confirming again."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.duty.errors import AlreadyConfirmed, ShiftNotOver
from rewards.duty.models import DutyActivity, DutyShift, DutySignup
from rewards.duty.signups import HOLDS_A_PLACE, locked_shift
from rewards.errors import OutOfScope
from rewards.org.models import OrgUnit
from rewards.people.models import Person, TeamMember
from rewards.points.awards import award_in
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView


@dataclass(frozen=True)
class RosterLine:
    person_id: int
    name: str
    status: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    all_clear: bool | None


@dataclass(frozen=True)
class Roster:
    shift_id: int
    activity: str
    activity_en: str | None
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    confirmed_at: datetime | None
    lines: tuple[RosterLine, ...]


@dataclass(frozen=True)
class Confirmed:
    attended: int
    absent: int
    paid: int  # attendants the rule paid (a cap, or no rule, pays nothing)


def times_paid(activity: DutyActivity, shift: DutyShift) -> int:
    """How many times over the rule pays one attendance: once, or once for each full hour
    of the shift (at least one), by the shift's multiplier."""
    times = 1
    if activity.pay_per == "hour":
        times = max(1, int((shift.ends_at - shift.starts_at).total_seconds() // 3600))
    return times * shift.multiplier


async def roster(
    uow: UnitOfWork, *, staff: StaffView | None = None, leader_id: int | None = None,
    shift_id: int,
) -> Roster:  # fmt: skip
    """The shift's people, for staff who confirm attendance where it is, or for a leader
    of the activity's team (a resident, in the bot)."""
    async with uow.read() as session:
        locked = await locked_shift(session, shift_id)
        await _may_confirm(session, locked.activity, staff, leader_id)
        rows = await session.execute(
            select(
                DutySignup.person_id,
                Person.display_name,
                DutySignup.status,
                DutySignup.checked_in_at,
                DutySignup.checked_out_at,
                DutySignup.all_clear,
            )
            .join(Person, Person.id == DutySignup.person_id)
            .where(DutySignup.shift_id == shift_id, DutySignup.status != "cancelled")
            .order_by(DutySignup.created_at, DutySignup.id)
        )
        shift, activity = locked.shift, locked.activity
        return Roster(
            shift.id, activity.name, activity.name_en, activity.place_name, shift.starts_at,
            shift.ends_at,
            shift.capacity, shift.confirmed_at, tuple(RosterLine(*row) for row in rows),
        )  # fmt: skip


async def confirm_attendance(
    uow: UnitOfWork,
    *,
    staff: StaffView | None = None,
    leader_id: int | None = None,
    shift_id: int,
    present: Collection[int],
    zone: ZoneInfo,
) -> Confirmed:
    """`present`: the person ids who came, of those with a place. By staff, or by a leader
    of the activity's team. Raises duty_already_confirmed, duty_shift_not_started,
    out_of_scope."""
    async with uow.write() as session:
        now = uow.now()
        locked = await locked_shift(session, shift_id)
        shift, activity = locked.shift, locked.activity
        path = await _may_confirm(session, activity, staff, leader_id)
        staff_id = staff.id if staff is not None else None
        if shift.confirmed_at is not None:
            raise AlreadyConfirmed()
        if now < shift.starts_at:
            raise ShiftNotOver()
        signups = list(
            await session.scalars(
                select(DutySignup).where(
                    DutySignup.shift_id == shift_id, DutySignup.status.in_(HOLDS_A_PLACE)
                )
            )
        )
        paid = 0
        for signup in signups:
            came = signup.person_id in present
            signup.status, signup.updated_at = ("attended" if came else "absent"), now
            if came and activity.rule_code:
                change = await award_in(
                    session, person_id=signup.person_id, rule_code=activity.rule_code,
                    request_key=f"duty:{signup.id}", requested_by=staff_id,
                    note=f"{activity.name} {shift.starts_at.astimezone(zone):%Y-%m-%d %H:%M}",
                    zone=zone, now=now, times=times_paid(activity, shift),
                )  # fmt: skip
                paid += change is not None
        shift.confirmed_at, shift.confirmed_by = now, staff_id
        attended = sum(1 for s in signups if s.status == "attended")
        record_audit(
            session, at=now, actor_staff_id=staff_id, action="duty.attendance_confirmed",
            target=f"duty_shift:{shift.id}", unit_path=path,
            details={"attended": attended, "absent": len(signups) - attended, "paid": paid,
                     **({"leader": leader_id} if staff is None else {})},
        )  # fmt: skip
        return Confirmed(attended, len(signups) - attended, paid)


async def _may_confirm(
    session: AsyncSession, activity: DutyActivity, staff: StaffView | None, leader_id: int | None
) -> str:
    """The activity's unit path, when staff may confirm there (the permissions table) or
    the person leads its team. Raises out_of_scope."""
    path = await session.scalar(select(OrgUnit.path).where(OrgUnit.id == activity.org_unit_id))
    if staff is not None:
        staff.require(Action.CONFIRM_ATTENDANCE, path or "")
        return path or ""
    if leader_id is not None and activity.team_id is not None:
        leads = await session.scalar(
            select(TeamMember.id).where(
                TeamMember.team_id == activity.team_id,
                TeamMember.person_id == leader_id,
                TeamMember.leader.is_(True),
            )
        )
        if leads is not None:
            return path or ""
    raise OutOfScope()
