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

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.duty.errors import AlreadyConfirmed, ShiftNotOver
from rewards.duty.models import DutyActivity, DutyShift, DutySignup
from rewards.duty.signups import HOLDS_A_PLACE, locked_shift
from rewards.org.models import OrgUnit
from rewards.people.models import Person
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


async def roster(uow: UnitOfWork, *, staff: StaffView, shift_id: int) -> Roster:
    """The shift's people, for staff who confirm attendance where it is."""
    async with uow.read() as session:
        locked = await locked_shift(session, shift_id)
        path = await session.scalar(
            select(OrgUnit.path).where(OrgUnit.id == locked.activity.org_unit_id)
        )
        staff.require(Action.CONFIRM_ATTENDANCE, path or "")
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
            shift.id, activity.name, activity.place_name, shift.starts_at, shift.ends_at,
            shift.capacity, shift.confirmed_at, tuple(RosterLine(*row) for row in rows),
        )  # fmt: skip


async def confirm_attendance(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    shift_id: int,
    present: Collection[int],
    zone: ZoneInfo,
) -> Confirmed:
    """`present`: the person ids who came, of those with a place. Raises
    duty_already_confirmed, duty_shift_not_started, out_of_scope."""
    async with uow.write() as session:
        now = uow.now()
        locked = await locked_shift(session, shift_id)
        shift, activity = locked.shift, locked.activity
        path = await session.scalar(select(OrgUnit.path).where(OrgUnit.id == activity.org_unit_id))
        staff.require(Action.CONFIRM_ATTENDANCE, path or "")
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
                    request_key=f"duty:{signup.id}", requested_by=staff.id,
                    note=f"{activity.name} {shift.starts_at.astimezone(zone):%Y-%m-%d %H:%M}",
                    zone=zone, now=now, times=times_paid(activity, shift),
                )  # fmt: skip
                paid += change is not None
        shift.confirmed_at, shift.confirmed_by = now, staff.id
        attended = sum(1 for s in signups if s.status == "attended")
        record_audit(
            session, at=now, actor_staff_id=staff.id, action="duty.attendance_confirmed",
            target=f"duty_shift:{shift.id}", unit_path=path,
            details={"attended": attended, "absent": len(signups) - attended, "paid": paid},
        )  # fmt: skip
        return Confirmed(attended, len(signups) - attended, paid)
