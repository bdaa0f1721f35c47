"""What a resident sees of their own reports: the list with each one's state, and one
report's history step by step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.uow import UnitOfWork
from rewards.cases.lifecycle import Status
from rewards.cases.models import Case, CaseCategory, CaseEvent
from rewards.cases.steps import mine

MY_CASES_SHOWN = 10


@dataclass(frozen=True)
class MyCase:
    id: int
    status: str
    category: str | None
    category_en: str | None
    reported_at: datetime | None
    rating: int | None


@dataclass(frozen=True)
class MyEvent:
    action: str
    to_status: str
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class MyCaseHistory:
    case: MyCase
    events: tuple[MyEvent, ...]


_MY_CASE = select(
    Case.id,
    Case.status,
    CaseCategory.name,
    CaseCategory.name_en,
    Case.reported_at,
    Case.rating,
).outerjoin(CaseCategory, CaseCategory.id == Case.category_id)


async def my_cases(uow: UnitOfWork, *, person_id: int) -> list[MyCase]:
    """The resident's sent reports, newest first (drafts and withdrawn ones are not)."""
    async with uow.read() as session:
        rows = await session.execute(
            _MY_CASE.where(
                Case.reporter_id == person_id,
                Case.status.not_in([Status.DRAFT.value, Status.WITHDRAWN.value]),
            )
            .order_by(Case.id.desc())
            .limit(MY_CASES_SHOWN)
        )
        return [MyCase(*row) for row in rows]


async def my_case(uow: UnitOfWork, *, person_id: int, case_id: int) -> MyCaseHistory:
    """Raises unknown_case, not_your_case."""
    async with uow.read() as session:
        await mine(session, case_id, person_id)
        row = (await session.execute(_MY_CASE.where(Case.id == case_id))).one()
        events = await session.execute(
            select(CaseEvent.action, CaseEvent.to_status, CaseEvent.reason, CaseEvent.at)
            .where(CaseEvent.case_id == case_id, CaseEvent.action != "support")
            .order_by(CaseEvent.id)
        )
        return MyCaseHistory(MyCase(*row), tuple(MyEvent(*event) for event in events))
