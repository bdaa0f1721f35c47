"""What staff see of duty in the panel: the activities in their reach, each with its
shifts of the last two days and the next week (places taken, attendance confirmed), and
the volunteer hours of a period per person and team."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select

from core.uow import UnitOfWork
from rewards.duty.models import DutyActivity, DutyShift, DutySignup
from rewards.duty.signups import HOLDS_A_PLACE
from rewards.errors import OutOfScope
from rewards.org.models import OrgUnit
from rewards.people.models import Person, Team, TeamMember
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

WORKS_DUTY = (Action.MANAGE_SHIFTS, Action.CONFIRM_ATTENDANCE)
BEHIND, AHEAD = timedelta(days=2), timedelta(days=7)


@dataclass(frozen=True)
class ShiftRow:
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    taken: int
    confirmed: bool


@dataclass(frozen=True)
class ActivityRow:
    id: int
    code: str
    name: str
    name_en: str | None
    unit_name: str
    place_name: str
    capacity: int
    daily: tuple[str, ...]
    rule_code: str | None
    shifts: tuple[ShiftRow, ...]


@dataclass(frozen=True)
class HoursRow:
    name: str
    teams: tuple[str, ...]
    shifts: int
    hours: float


@dataclass(frozen=True)
class VolunteerHours:
    people: list[HoursRow]  # most hours first
    teams: list[HoursRow]  # a team's members' shifts and hours (name: the team's)


def _reach(staff: StaffView) -> ColumnElement[bool]:
    return or_(*(staff.reaches_for(action, OrgUnit.path) for action in WORKS_DUTY))


async def duty_overview(uow: UnitOfWork, *, staff: StaffView) -> list[ActivityRow]:
    if not any(staff.may(action) for action in WORKS_DUTY):
        raise OutOfScope()
    now = uow.now()
    taken = (
        select(func.count())
        .select_from(DutySignup)
        .where(
            DutySignup.shift_id == DutyShift.id,
            DutySignup.status.in_([*HOLDS_A_PLACE, "attended"]),
        )
        .scalar_subquery()
    )
    async with uow.read() as session:
        activities = (
            await session.execute(
                select(DutyActivity, OrgUnit.name)
                .join(OrgUnit, OrgUnit.id == DutyActivity.org_unit_id)
                .where(_reach(staff), DutyActivity.active.is_(True))
                .order_by(OrgUnit.path, DutyActivity.name)
            )
        ).all()
        shifts = await session.execute(
            select(
                DutyShift.activity_id,
                DutyShift.id,
                DutyShift.starts_at,
                DutyShift.ends_at,
                DutyShift.capacity,
                taken,
                DutyShift.confirmed_at.is_not(None),
            )
            .where(
                DutyShift.activity_id.in_([activity.id for activity, _ in activities]),
                DutyShift.starts_at >= now - BEHIND,
                DutyShift.starts_at < now + AHEAD,
            )
            .order_by(DutyShift.starts_at)
        )
    by_activity: dict[int, list[ShiftRow]] = defaultdict(list)
    for activity_id, *row in shifts:
        by_activity[activity_id].append(ShiftRow(*row))
    return [
        ActivityRow(
            activity.id,
            activity.code,
            activity.name,
            activity.name_en,
            unit_name,
            activity.place_name,
            activity.capacity,
            tuple(activity.daily),
            activity.rule_code,
            tuple(by_activity[activity.id]),
        )
        for activity, unit_name in activities
    ]


async def volunteer_hours(
    uow: UnitOfWork, *, staff: StaffView, since: datetime, until: datetime
) -> VolunteerHours:
    """Attended shifts and their hours per person and per team, in the activities of the
    staff member's reach, most hours first."""
    if not any(staff.may(action) for action in WORKS_DUTY):
        raise OutOfScope()
    async with uow.read() as session:
        rows = await session.execute(
            select(Person.id, Person.display_name, DutyShift.starts_at, DutyShift.ends_at)
            .join(DutySignup, DutySignup.person_id == Person.id)
            .join(DutyShift, DutyShift.id == DutySignup.shift_id)
            .join(DutyActivity, DutyActivity.id == DutyShift.activity_id)
            .join(OrgUnit, OrgUnit.id == DutyActivity.org_unit_id)
            .where(
                DutySignup.status == "attended",
                DutyShift.starts_at >= since,
                DutyShift.starts_at < until,
                _reach(staff),
            )
        )
        totals: dict[int, list[float]] = {}
        names: dict[int, str] = {}
        for person_id, name, starts, ends in rows:
            names[person_id] = name
            entry = totals.setdefault(person_id, [0, 0.0])
            entry[0] += 1
            entry[1] += (ends - starts).total_seconds() / 3600
        teams: dict[int, list[str]] = defaultdict(list)
        for person_id, team in await session.execute(
            select(TeamMember.person_id, Team.name)
            .join(Team, Team.id == TeamMember.team_id)
            .where(TeamMember.person_id.in_(list(totals)))
            .order_by(Team.name)
        ):
            teams[person_id].append(team)
    people = [
        HoursRow(names[p], tuple(teams[p]), int(count), round(hours, 2))
        for p, (count, hours) in totals.items()
    ]
    by_team: dict[str, list[float]] = {}
    for row in people:
        for team in row.teams:
            entry = by_team.setdefault(team, [0, 0.0])
            entry[0] += row.shifts
            entry[1] += row.hours
    team_rows = [
        HoursRow(team, (), int(count), round(hours, 2)) for team, (count, hours) in by_team.items()
    ]
    return VolunteerHours(_most_first(people), _most_first(team_rows))


def _most_first(rows: list[HoursRow]) -> list[HoursRow]:
    return sorted(rows, key=lambda row: (-row.hours, row.name))
