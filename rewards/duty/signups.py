"""Signing up for a shift, with a waiting list. The shift's row is locked while its places
are counted, so two residents racing for the last place get one place and one wait, never
one over capacity. A place given back before the cut-off is offered to the first on the
waiting list, for a limited time (pretix's way); an offer not taken passes to the next.
Too many no-shows lately pause a resident's sign-ups for a while (Engelsystem's way).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.duty.errors import (
    CancelTooLate,
    NotInTeam,
    NotSignedUp,
    OfferExpired,
    SignupClosed,
    SignupsPaused,
    UnknownShift,
)
from rewards.duty.models import DutyActivity, DutyShift, DutySignup
from rewards.duty.policy import DEFAULT_POLICY, DutyPolicy
from rewards.messaging.outbox import notify
from rewards.people.models import Person, Team, TeamMember
from rewards.people.residents import load_verified_resident, telegram_chat


class SignupStatus(enum.StrEnum):
    SIGNED = "signed"
    WAITING = "waiting"
    OFFERED = "offered"  # a freed place, held for them until offered_until
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    ABSENT = "absent"  # a no-show


HOLDS_A_PLACE = (SignupStatus.SIGNED.value, SignupStatus.OFFERED.value)


@dataclass(frozen=True)
class SignupView:
    shift_id: int
    status: str
    offered_until: datetime | None


@dataclass(frozen=True)
class Locked:
    shift: DutyShift
    activity: DutyActivity


async def sign_up(
    uow: UnitOfWork, *, person_id: int, shift_id: int, policy: DutyPolicy = DEFAULT_POLICY
) -> SignupView:
    """A place, or a place on the waiting list when the shift is full. Twice is once.
    Raises unknown_shift, duty_signup_closed, duty_not_in_team, duty_signups_paused,
    not_a_resident, not_verified, resident_left."""
    async with uow.write() as session:
        now = uow.now()
        await load_verified_resident(session, person_id)
        locked = await locked_shift(session, shift_id)
        _refuse_closed(locked, now)
        await _refuse_outsiders(session, locked.activity, person_id)
        await _refuse_paused(session, person_id, now, policy)
        signup = await signup_of(session, shift_id, person_id)
        if signup is not None and signup.status != SignupStatus.CANCELLED:
            return _view(signup)
        full = await taken(session, shift_id) >= locked.shift.capacity
        status = SignupStatus.WAITING if full else SignupStatus.SIGNED
        if signup is None:
            signup = DutySignup(shift_id=shift_id, person_id=person_id, created_at=now)
            session.add(signup)
        signup.status, signup.offered_until, signup.updated_at = status.value, None, now
        await session.flush()
        return _view(signup)


async def cancel(
    uow: UnitOfWork, *, person_id: int, shift_id: int, policy: DutyPolicy = DEFAULT_POLICY
) -> SignupView:
    """Give the place back (before the cut-off), or leave the waiting list (any time
    before the start). A place given back goes to the first one waiting."""
    async with uow.write() as session:
        now = uow.now()
        locked = await locked_shift(session, shift_id)
        signup = await signup_of(session, shift_id, person_id)
        if signup is None or signup.status not in (*HOLDS_A_PLACE, SignupStatus.WAITING):
            raise NotSignedUp()
        cutoff = locked.shift.starts_at - timedelta(hours=locked.activity.cancel_until_hours)
        held = signup.status in HOLDS_A_PLACE
        if (held and now >= cutoff) or now >= locked.shift.starts_at:
            raise CancelTooLate(hours=locked.activity.cancel_until_hours)
        signup.status, signup.offered_until, signup.updated_at = "cancelled", None, now
        if held:
            await offer_freed_places(session, locked, now, policy)
        return _view(signup)


async def take_offer(uow: UnitOfWork, *, person_id: int, shift_id: int) -> SignupView:
    """Take the place offered. Raises duty_offer_expired once it passed to the next."""
    async with uow.write() as session:
        now = uow.now()
        await locked_shift(session, shift_id)
        signup = await signup_of(session, shift_id, person_id)
        if signup is None or signup.status != SignupStatus.OFFERED:
            raise OfferExpired()
        if signup.offered_until is None or signup.offered_until <= now:
            raise OfferExpired()
        signup.status, signup.offered_until, signup.updated_at = "signed", None, now
        return _view(signup)


async def expire_offers(
    session: AsyncSession, now: datetime, policy: DutyPolicy = DEFAULT_POLICY
) -> int:
    """Offers not taken in time lapse, and each place is offered to the next one
    waiting (a job, every minute). Returns on how many shifts offers lapsed."""
    lapsed = list(
        await session.scalars(
            select(DutySignup.shift_id)
            .where(DutySignup.status == "offered", DutySignup.offered_until <= now)
            .distinct()
        )
    )
    for shift_id in lapsed:
        locked = await locked_shift(session, shift_id)
        expired = await session.scalars(
            select(DutySignup).where(
                DutySignup.shift_id == shift_id,
                DutySignup.status == "offered",
                DutySignup.offered_until <= now,
            )
        )
        for signup in expired:
            signup.status, signup.offered_until, signup.updated_at = "cancelled", None, now
        await offer_freed_places(session, locked, now, policy)
    return len(lapsed)


async def offer_freed_places(
    session: AsyncSession, locked: Locked, now: datetime, policy: DutyPolicy
) -> None:
    """Each free place to the next one waiting, first come first offered, told in the bot
    with a button to take it."""
    if now >= locked.shift.starts_at:
        return
    free = locked.shift.capacity - await taken(session, locked.shift.id)
    if free <= 0:
        return
    waiting = await session.scalars(
        select(DutySignup)
        .where(DutySignup.shift_id == locked.shift.id, DutySignup.status == "waiting")
        .order_by(DutySignup.created_at, DutySignup.id)
        .limit(free)
    )
    until = min(now + policy.offer_for, locked.shift.starts_at)
    for signup in waiting:
        signup.status, signup.offered_until, signup.updated_at = "offered", until, now
        await _tell_offer(session, signup, locked, until, now)


async def taken(session: AsyncSession, shift_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(DutySignup)
        .where(DutySignup.shift_id == shift_id, DutySignup.status.in_(HOLDS_A_PLACE))
    )
    return int(count or 0)


async def locked_shift(session: AsyncSession, shift_id: int) -> Locked:
    row = (
        await session.execute(
            select(DutyShift, DutyActivity)
            .join(DutyActivity, DutyActivity.id == DutyShift.activity_id)
            .where(DutyShift.id == shift_id)
            .with_for_update(of=DutyShift)
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if row is None:
        raise UnknownShift()
    return Locked(row[0], row[1])


async def _tell_offer(
    session: AsyncSession, signup: DutySignup, locked: Locked, until: datetime, now: datetime
) -> None:
    chat_id = await telegram_chat(session, signup.person_id)
    person = await session.get(Person, signup.person_id)
    if chat_id is None or person is None:
        return
    await notify(
        session,
        chat_id=chat_id,
        key="duty.offered",
        locale=person.language,
        now=now,
        params={"activity": locked.activity.name, "shift": locked.shift.id},
        reply_markup={"inline_keyboard": [[
            {"text_key": "duty.button.take", "callback_data": f"dt:{locked.shift.id}:take"},
            {"text_key": "duty.button.decline", "callback_data": f"dt:{locked.shift.id}:cancel"},
        ]]},
    )  # fmt: skip


def _refuse_closed(locked: Locked, now: datetime) -> None:
    opens = locked.shift.starts_at - timedelta(days=locked.activity.signup_opens_days)
    if not locked.activity.active or now >= locked.shift.starts_at or now < opens:
        raise SignupClosed()


async def _refuse_outsiders(session: AsyncSession, activity: DutyActivity, person_id: int) -> None:
    if activity.team_id is None:
        return
    member = await session.scalar(
        select(TeamMember.id).where(
            TeamMember.team_id == activity.team_id, TeamMember.person_id == person_id
        )
    )
    if member is None:
        team = await session.scalar(select(Team.name).where(Team.id == activity.team_id))
        raise NotInTeam(team=team or "")


async def _refuse_paused(
    session: AsyncSession, person_id: int, now: datetime, policy: DutyPolicy
) -> None:
    absences = list(
        await session.scalars(
            select(DutyShift.starts_at)
            .join(DutySignup, DutySignup.shift_id == DutyShift.id)
            .where(
                DutySignup.person_id == person_id,
                DutySignup.status == "absent",
                DutyShift.starts_at >= now - policy.no_show_window,
            )
        )
    )
    if len(absences) >= policy.no_shows:
        until = max(absences) + policy.paused_for
        if now < until:
            raise SignupsPaused(until=until.date().isoformat())


async def signup_of(session: AsyncSession, shift_id: int, person_id: int) -> DutySignup | None:
    return await session.scalar(
        select(DutySignup).where(
            DutySignup.shift_id == shift_id, DutySignup.person_id == person_id
        )
    )


def _view(signup: DutySignup) -> SignupView:
    return SignupView(signup.shift_id, signup.status, signup.offered_until)
