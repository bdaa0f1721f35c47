"""The clocks of a case (日清日结): a case not acknowledged or not resolved in its
category's hours is overdue, and whoever supervises where it is (the grid head at a grid,
the community's staff above it; a department's handlers at the top) hears of it once a
day, all their overdue cases in one message. Some days after a case is closed, its
reporter is asked whether it stayed fixed. Both run as scheduled jobs and send through the
outbox, so a message goes out only once the job's transaction committed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from rewards.cases.lifecycle import OPEN, Status
from rewards.cases.models import Case
from rewards.cases.notices import FEEDBACK_PREFIX
from rewards.cases.staff_alerts import linked_handlers
from rewards.messaging.outbox import notify
from rewards.people.models import Person
from rewards.people.residents import telegram_chat
from rewards.staff.permissions import Action

OVERDUE_JOB = "cases.overdue"
FOLLOW_UP_JOB = "cases.follow_up"
ALERT_EVERY = timedelta(days=1)
FOLLOW_UP_AFTER = timedelta(days=7)
BATCH = 500  # cases a run looks at: the next run takes the rest
FOLLOW_UP_OK = 6  # "cf:<case>:6": still fixed (1–5 are stars, 0 is "not fixed")


def overdue(now: datetime) -> ColumnElement[bool]:
    """Past its acknowledge-by while reported, or its resolve-by while open."""
    return or_(
        and_(Case.status == Status.REPORTED.value, Case.acknowledge_by < now),
        and_(Case.status.in_([s.value for s in OPEN]), Case.resolve_by < now),
    )


async def alert_overdue(session: AsyncSession, now: datetime) -> int:
    """Queue today's overdue digests; returns how many cases they named."""
    cases = list(
        await session.scalars(
            select(Case)
            .where(
                overdue(now),
                or_(
                    Case.overdue_alerted_at.is_(None), Case.overdue_alerted_at < now - ALERT_EVERY
                ),
            )
            .order_by(Case.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    digests: dict[int, tuple[str, list[int]]] = defaultdict(lambda: ("", []))
    for case in cases:
        for chat_id, language in (await _supervisors(session, case)).items():
            digests[chat_id] = (language, [*digests[chat_id][1], case.id])
        case.overdue_alerted_at = now
    for chat_id, (language, numbers) in digests.items():
        await notify(
            session,
            chat_id=chat_id,
            key="cases.staff.overdue",
            locale=language,
            now=now,
            params={"count": len(numbers), "numbers": ", ".join(f"#{n}" for n in numbers)},
        )
    return len(cases)


async def follow_up_closed(session: AsyncSession, now: datetime) -> int:
    """Ask the reporters of cases closed a week ago whether they stayed fixed."""
    cases = list(
        await session.scalars(
            select(Case)
            .where(
                Case.status.in_([Status.CLOSED.value, Status.RATED.value]),
                Case.closed_at < now - FOLLOW_UP_AFTER,
                Case.followed_up_at.is_(None),
            )
            .order_by(Case.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    for case in cases:
        case.followed_up_at = now
        chat_id = await telegram_chat(session, case.reporter_id)
        reporter = await session.get(Person, case.reporter_id)
        if chat_id is None or reporter is None:
            continue
        await notify(
            session,
            chat_id=chat_id,
            key="cases.follow_up",
            locale=reporter.language,
            now=now,
            params={"number": case.id},
            reply_markup={"inline_keyboard": [[
                {"text_key": "cases.button.still_fixed",
                 "callback_data": f"{FEEDBACK_PREFIX}:{case.id}:{FOLLOW_UP_OK}"},
                {"text_key": "cases.button.not_fixed",
                 "callback_data": f"{FEEDBACK_PREFIX}:{case.id}:0"},
            ]]},
        )  # fmt: skip
    return len(cases)


async def _supervisors(session: AsyncSession, case: Case) -> dict[int, str]:
    if case.level == "department":
        return await linked_handlers(session, case)
    return await linked_handlers(session, case, Action.ESCALATE_CASES)
