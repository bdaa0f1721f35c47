"""At a shift's end, those who confirm its attendance are asked to, in the bot: the
leaders of the activity's team (residents) and the staff who linked their Telegram and
confirm attendance where the activity is. One tap opens the roster to tick."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rewards.duty.models import DutyActivity, DutyShift
from rewards.messaging.outbox import notify
from rewards.org.models import OrgUnit
from rewards.people.models import Person, TeamMember
from rewards.people.residents import telegram_chat
from rewards.staff.permissions import Action
from rewards.staff.telegram import linked_chats_reaching

JOB_KIND = "duty.roll_call"
LOOK_BACK = timedelta(days=1)  # a worker down longer than this asks no more


async def call_rolls(session: AsyncSession, now: datetime) -> int:
    """Ask for every shift that ended and is not confirmed yet; returns how many."""
    rows = (
        await session.execute(
            select(DutyShift, DutyActivity, OrgUnit.path)
            .join(DutyActivity, DutyActivity.id == DutyShift.activity_id)
            .join(OrgUnit, OrgUnit.id == DutyActivity.org_unit_id)
            .where(
                DutyShift.ends_at <= now,
                DutyShift.ends_at > now - LOOK_BACK,
                DutyShift.confirmed_at.is_(None),
                DutyShift.roll_called_at.is_(None),
            )
            .with_for_update(of=DutyShift, skip_locked=True)
        )
    ).all()
    for shift, activity, path in rows:
        shift.roll_called_at = now
        for chat_id, language in (await _confirmers(session, activity, path)).items():
            await notify(
                session, chat_id=chat_id, key="duty.roll_call", locale=language, now=now,
                params={"activity": activity.name, "shift": shift.id},
                reply_markup={"inline_keyboard": [[{
                    "text_key": "duty.button.roll",
                    "callback_data": f"dr:{shift.id}:0:open",
                }]]},
            )  # fmt: skip
    return len(rows)


async def _confirmers(session: AsyncSession, activity: DutyActivity, path: str) -> dict[int, str]:
    chats = await linked_chats_reaching(session, path, Action.CONFIRM_ATTENDANCE)
    if activity.team_id is not None:
        leaders = await session.execute(
            select(TeamMember.person_id, Person.language)
            .join(Person, Person.id == TeamMember.person_id)
            .where(TeamMember.team_id == activity.team_id, TeamMember.leader.is_(True))
        )
        for person_id, language in leaders:
            chat_id = await telegram_chat(session, person_id)
            if chat_id is not None:
                chats[chat_id] = language
    return chats
