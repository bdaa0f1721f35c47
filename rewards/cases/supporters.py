"""Residents who have the same problem: they support the case that was reported first
(by joining it from their own report, or when staff merge a duplicate into it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rewards.cases.models import Case, CaseEvent, CaseSupporter


async def add_supporter(session: AsyncSession, case: Case, person_id: int, now: datetime) -> None:
    """One more resident who has this problem (never the reporter, never twice)."""
    if person_id == case.reporter_id:
        return
    if await session.get(CaseSupporter, (case.id, person_id)) is not None:
        return
    session.add(CaseSupporter(case_id=case.id, person_id=person_id, joined_at=now))
    record_person_event(session, case, "support", case.status, person_id, now)


def record_person_event(
    session: AsyncSession,
    case: Case,
    action: str,
    before: str,
    person_id: int,
    now: datetime,
    *,
    joined: int | None = None,
) -> None:
    """A line in the case's history that is no step of the machine (support), or a step
    taken outside it (a draft withdrawn to join another case)."""
    session.add(
        CaseEvent(
            case_id=case.id,
            action=action,
            from_status=before,
            to_status=case.status,
            actor_person_id=person_id,
            details={"joined": joined} if joined else {},
            at=now,
        )
    )
