"""Reminding volunteers of their shift, through the outbox: the evening before (from
19:00 local time) and an hour before the start. Each shift is reminded once of each, by
a job that runs every few minutes; a worker down at 19:00 reminds when it is back."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from rewards.duty.models import DutyActivity, DutyShift, DutySignup
from rewards.duty.signups import HOLDS_A_PLACE
from rewards.messaging.outbox import notify
from rewards.people.models import Person
from rewards.people.residents import telegram_chat

JOB_KIND = "duty.remind"
EVENING = time(19, 0)
HOUR_BEFORE = timedelta(hours=1)


async def remind(session: AsyncSession, now: datetime, zone: ZoneInfo) -> int:
    """Queue the reminders due now; returns how many shifts were reminded."""
    local = now.astimezone(zone)
    reminded = 0
    if local.time() >= EVENING:
        tomorrow = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=zone)
        evening = await _due(
            session, DutyShift.evening_reminded_at, tomorrow, tomorrow + timedelta(days=1)
        )
        for shift, activity in evening:
            shift.evening_reminded_at = now
            await _tell(session, shift, activity, "duty.reminder_evening", now, zone)
        reminded += len(evening)
    soon = await _due(session, DutyShift.reminded_at, now, now + HOUR_BEFORE)
    for shift, activity in soon:
        shift.reminded_at = now
        await _tell(session, shift, activity, "duty.reminder_hour", now, zone)
    return reminded + len(soon)


async def _due(
    session: AsyncSession,
    marker: InstrumentedAttribute[datetime | None],
    since: datetime,
    until: datetime,
) -> list[tuple[DutyShift, DutyActivity]]:
    rows = await session.execute(
        select(DutyShift, DutyActivity)
        .join(DutyActivity, DutyActivity.id == DutyShift.activity_id)
        .where(
            marker.is_(None),
            DutyShift.starts_at >= since,
            DutyShift.starts_at < until,
        )
        .with_for_update(of=DutyShift, skip_locked=True)
    )
    return [(shift, activity) for shift, activity in rows]


async def _tell(
    session: AsyncSession,
    shift: DutyShift,
    activity: DutyActivity,
    key: str,
    now: datetime,
    zone: ZoneInfo,
) -> None:
    people = await session.scalars(
        select(DutySignup.person_id).where(
            DutySignup.shift_id == shift.id, DutySignup.status.in_(HOLDS_A_PLACE)
        )
    )
    params = {
        "activity": activity.name,
        "place": activity.place_name,
        "time": shift.starts_at.astimezone(zone).strftime("%H:%M"),
    }
    for person_id in list(people):
        chat_id = await telegram_chat(session, person_id)
        person = await session.get(Person, person_id)
        if chat_id is None or person is None:
            continue
        await notify(
            session, chat_id=chat_id, key=key, locale=person.language, now=now, params=params
        )
