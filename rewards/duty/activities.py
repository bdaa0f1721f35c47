"""Activities and their shifts, kept by staff whose role manages shifts where the
activity is: a one-off shift, or a recurring activity's daily times planned ahead as
shifts (a job does it every day, so the next week is always there to sign up for)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.duty.errors import UnknownShift
from rewards.duty.models import DutyActivity, DutyShift
from rewards.errors import UnknownOrgUnit, UnknownRule
from rewards.org.models import OrgUnit
from rewards.points.models import Rule
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

DAILY = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)")
POSTER_PREFIX = "duty_"
MOST_MULTIPLIER = 5  # t.me/<bot>?start=duty_<secret>: the assembly point's poster


class ActivityDraft(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")
    name: str = Field(min_length=1, max_length=120)
    name_en: str | None = Field(default=None, max_length=120)
    unit_id: int = Field(ge=1)
    place_name: str = Field(min_length=1, max_length=120)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    capacity: int = Field(ge=1, le=1000)
    team_id: int | None = None
    rule_code: str | None = None
    pay_per: Literal["attendance", "hour"] = "attendance"
    daily: tuple[str, ...] = ()
    signup_opens_days: int = Field(default=7, ge=1, le=60)
    cancel_until_hours: int = Field(default=2, ge=0, le=72)

    @field_validator("daily")
    @classmethod
    def _times(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for span in value:
            match = DAILY.fullmatch(span)
            if match is None or span[:5] >= span[6:]:
                raise ValueError(f"{span!r} is not like 07:00-08:00")
        return value


@dataclass(frozen=True)
class ActivityView:
    id: int
    code: str
    name: str
    unit_path: str


async def save_activity(
    uow: UnitOfWork, *, staff: StaffView, draft: ActivityDraft
) -> ActivityView:
    """Create the activity or change it (by code). Raises unknown_org_unit, unknown_rule,
    out_of_scope."""
    async with uow.write() as session:
        unit = await session.get(OrgUnit, draft.unit_id)
        if unit is None:
            raise UnknownOrgUnit()
        staff.require(Action.MANAGE_SHIFTS, unit.path)
        if (
            draft.rule_code
            and await session.scalar(select(Rule.id).where(Rule.code == draft.rule_code)) is None
        ):
            raise UnknownRule(code=draft.rule_code)
        activity = await session.scalar(
            select(DutyActivity).where(DutyActivity.code == draft.code)
        )
        if activity is None:
            activity = DutyActivity(code=draft.code, created_at=uow.now())
            session.add(activity)
        fields = draft.model_dump(exclude={"code", "unit_id"})
        fields["daily"] = list(draft.daily)
        for name, value in fields.items():
            setattr(activity, name, value)
        activity.org_unit_id = unit.id
        await session.flush()
        record_audit(
            session, at=uow.now(), actor_staff_id=staff.id, action="duty.activity_saved",
            target=f"duty_activity:{activity.id}", unit_path=unit.path,
            details=draft.model_dump(mode="json"),
        )  # fmt: skip
        return ActivityView(activity.id, activity.code, activity.name, unit.path)


async def add_shift(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    activity_id: int,
    starts_at: datetime,
    ends_at: datetime,
    multiplier: int = 1,
) -> int:
    """A one-off shift (the Friday clean-up), its rule paid `multiplier` times (a holiday's
    2). Returns its id."""
    if ends_at <= starts_at or not 1 <= multiplier <= MOST_MULTIPLIER:
        raise ValueError("a shift ends after it starts, and pays 1 to 5 times its rule")
    async with uow.write() as session:
        activity, path = await _activity(session, activity_id)
        staff.require(Action.MANAGE_SHIFTS, path)
        shift = DutyShift(
            activity_id=activity.id, starts_at=starts_at, ends_at=ends_at,
            capacity=activity.capacity, multiplier=multiplier,
        )  # fmt: skip
        session.add(shift)
        await session.flush()
        return shift.id


async def plan_shifts(session: AsyncSession, *, now: datetime, zone: ZoneInfo) -> int:
    """The daily times of every recurring activity, as shifts, for as far ahead as its
    sign-up opens. Shifts already there are left alone. Returns how many were added."""
    added = 0
    today = now.astimezone(zone).date()
    activities = await session.scalars(select(DutyActivity).where(DutyActivity.active.is_(True)))
    for activity in list(activities):
        if not activity.daily:
            continue
        there = set(
            await session.scalars(
                select(DutyShift.starts_at).where(
                    DutyShift.activity_id == activity.id, DutyShift.starts_at >= now
                )
            )
        )
        for offset in range(activity.signup_opens_days + 1):
            for start, end in _spans(today + timedelta(days=offset), activity.daily, zone):
                if start <= now or start in there:
                    continue
                session.add(
                    DutyShift(
                        activity_id=activity.id,
                        starts_at=start,
                        ends_at=end,
                        capacity=activity.capacity,
                    )
                )
                added += 1
    return added


@dataclass(frozen=True)
class Poster:
    """What the assembly point's poster says, and the deep link's payload it carries."""

    payload: str
    activity: str
    place: str
    daily: tuple[str, ...]


async def new_poster(uow: UnitOfWork, *, staff: StaffView, activity_id: int) -> Poster:
    """A fresh poster for the assembly point; the old poster stops working."""
    secret = secrets.token_urlsafe(24)
    async with uow.write() as session:
        activity, path = await _activity(session, activity_id)
        staff.require(Action.MANAGE_SHIFTS, path)
        activity.poster_digest = poster_digest(secret)
        record_audit(
            session, at=uow.now(), actor_staff_id=staff.id, action="duty.poster_made",
            target=f"duty_activity:{activity.id}", unit_path=path,
        )  # fmt: skip
        return Poster(
            POSTER_PREFIX + secret, activity.name, activity.place_name, tuple(activity.daily)
        )


def poster_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def _activity(session: AsyncSession, activity_id: int) -> tuple[DutyActivity, str]:
    row = (
        await session.execute(
            select(DutyActivity, OrgUnit.path)
            .join(OrgUnit, OrgUnit.id == DutyActivity.org_unit_id)
            .where(DutyActivity.id == activity_id)
        )
    ).one_or_none()
    if row is None:
        raise UnknownShift()
    return row[0], row[1]


def _spans(day: date, daily: list[str], zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    spans = []
    for span in daily:
        start = time.fromisoformat(span[:5])
        end = time.fromisoformat(span[6:])
        spans.append(
            (datetime.combine(day, start, tzinfo=zone), datetime.combine(day, end, tzinfo=zone))
        )
    return spans
