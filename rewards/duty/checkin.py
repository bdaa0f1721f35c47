"""Checking in at the assembly point and out again. The poster's QR opens the bot with
the activity's secret (kept as SHA-256; a new poster voids the old): it checks in to the
activity's shift around now only, from a while before the start to a while after, so a
photo of the poster is no use on another day or for another activity. Sharing one's
location near the assembly point does the same. A volunteer without a place walks in
when there is room. At check-out, "all clear" (无事报平安) or a problem, which the bot
turns into a report at the assembly point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.cases.geo import distance_m
from rewards.duty.activities import POSTER_PREFIX, poster_digest
from rewards.duty.errors import (
    NotCheckInTime,
    NotSignedUp,
    ShiftFull,
    TooFarFromAssembly,
    UnknownPoster,
)
from rewards.duty.models import DutyActivity, DutyShift, DutySignup
from rewards.duty.policy import DEFAULT_POLICY, DutyPolicy
from rewards.duty.signups import HOLDS_A_PLACE, Locked, locked_shift, signup_of, taken
from rewards.people.residents import load_verified_resident


@dataclass(frozen=True)
class CheckIn:
    shift_id: int
    activity: str
    place: str
    starts_at: datetime
    ends_at: datetime
    walk_in: bool
    again: bool = False  # checked in before: the poster scanned at the end checks out


@dataclass(frozen=True)
class CheckOut:
    shift_id: int
    all_clear: bool
    latitude: float  # the assembly point: where a problem found is reported
    longitude: float


async def check_in_by_poster(
    uow: UnitOfWork, *, person_id: int, payload: str, policy: DutyPolicy = DEFAULT_POLICY
) -> CheckIn:
    """Raises duty_unknown_poster, duty_not_check_in_time, duty_shift_full, and the
    resident's own refusals (not verified, left)."""
    secret = payload.removeprefix(POSTER_PREFIX)
    async with uow.write() as session:
        now = uow.now()
        await load_verified_resident(session, person_id)
        activity_id = await session.scalar(
            select(DutyActivity.id).where(
                DutyActivity.poster_digest == poster_digest(secret),
                DutyActivity.active.is_(True),
            )
        )
        if activity_id is None:
            raise UnknownPoster()
        around = _around(now, policy).where(DutyShift.activity_id == activity_id)
        shift_id = await session.scalar(around) or await _on_it(
            session, activity_id, person_id, now, policy
        )
        if shift_id is None:
            raise _not_now(policy)
        return await _check_in(session, await locked_shift(session, shift_id), person_id, now)


async def check_in_by_location(
    uow: UnitOfWork,
    *,
    person_id: int,
    latitude: float,
    longitude: float,
    policy: DutyPolicy = DEFAULT_POLICY,
) -> CheckIn:
    """The shift around now that this person signed up for, when they stand near its
    assembly point. Raises duty_not_signed_up, duty_too_far."""
    async with uow.write() as session:
        now = uow.now()
        await load_verified_resident(session, person_id)
        mine = await session.execute(
            _around(now, policy)
            .add_columns(DutyActivity.latitude, DutyActivity.longitude)
            .join(DutySignup, DutySignup.shift_id == DutyShift.id)
            .join(DutyActivity, DutyActivity.id == DutyShift.activity_id)
            .where(DutySignup.person_id == person_id, DutySignup.status.in_(HOLDS_A_PLACE))
        )
        nearest: tuple[float, int] | None = None
        for shift_id, lat, lon in mine:
            metres = distance_m(latitude, longitude, lat, lon)
            if nearest is None or metres < nearest[0]:
                nearest = (metres, shift_id)
        if nearest is None:
            raise NotSignedUp()
        if nearest[0] > policy.near_assembly_m:
            raise TooFarFromAssembly(metres=int(policy.near_assembly_m))
        return await _check_in(session, await locked_shift(session, nearest[1]), person_id, now)


async def check_out(
    uow: UnitOfWork, *, person_id: int, shift_id: int, all_clear: bool
) -> CheckOut:
    """Raises duty_not_signed_up unless checked in to that shift."""
    async with uow.write() as session:
        now = uow.now()
        locked = await locked_shift(session, shift_id)
        signup = await session.scalar(
            select(DutySignup).where(
                DutySignup.shift_id == shift_id,
                DutySignup.person_id == person_id,
                DutySignup.checked_in_at.is_not(None),
            )
        )
        if signup is None:
            raise NotSignedUp()
        signup.checked_out_at, signup.all_clear, signup.updated_at = now, all_clear, now
        activity = locked.activity
        return CheckOut(shift_id, all_clear, activity.latitude, activity.longitude)


def _around(now: datetime, policy: DutyPolicy) -> Select[int]:
    """Shifts whose check-in window holds `now`, the earliest start first."""
    return (
        select(DutyShift.id)
        .where(
            DutyShift.starts_at >= now - policy.check_in_after,
            DutyShift.starts_at <= now + policy.check_in_before,
            DutyShift.confirmed_at.is_(None),
        )
        .order_by(DutyShift.starts_at)
    )


async def _on_it(
    session: AsyncSession, activity_id: int, person_id: int, now: datetime, policy: DutyPolicy
) -> int | None:
    """The shift of this activity the person checked in to and is still on (until a while
    after its end): the poster scanned again there is the way out."""
    return await session.scalar(
        select(DutyShift.id)
        .join(DutySignup, DutySignup.shift_id == DutyShift.id)
        .where(
            DutyShift.activity_id == activity_id,
            DutySignup.person_id == person_id,
            DutySignup.checked_in_at.is_not(None),
            DutySignup.checked_out_at.is_(None),
            DutyShift.starts_at <= now,
            DutyShift.ends_at >= now - policy.check_in_after,
        )
    )


def _not_now(policy: DutyPolicy) -> NotCheckInTime:
    return NotCheckInTime(
        before=int(policy.check_in_before.total_seconds() // 60),
        after=int(policy.check_in_after.total_seconds() // 60),
    )


async def _check_in(
    session: AsyncSession, locked: Locked, person_id: int, now: datetime
) -> CheckIn:
    shift, activity = locked.shift, locked.activity
    signup = await signup_of(session, shift.id, person_id)
    walk_in = signup is None or signup.status not in HOLDS_A_PLACE
    if walk_in and await taken(session, shift.id) >= shift.capacity:
        raise ShiftFull()
    again = signup is not None and signup.checked_in_at is not None
    if signup is None:
        signup = DutySignup(shift_id=shift.id, person_id=person_id, created_at=now)
        session.add(signup)
    signup.status, signup.offered_until = "signed", None
    signup.checked_in_at = signup.checked_in_at or now
    signup.updated_at = now
    return CheckIn(
        shift.id, activity.name, activity.place_name, shift.starts_at, shift.ends_at,
        walk_in and not again, again,
    )  # fmt: skip
