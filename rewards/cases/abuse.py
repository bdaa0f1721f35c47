"""Keeping snap-and-report usable: a resident sends at most so many reports a day, and
staff may stop one who misuses it (with a reason, audited) and let them report again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.cases.errors import ReasonNeeded, ReportingStopped, TooManyReports
from rewards.cases.models import Case, ReportingStop
from rewards.people.residents import load_resident
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

# A careful resident reports a few problems a day; dozens is a flood (or a script).
MAX_REPORTS_PER_DAY = 10
MAX_REASON = 500


@dataclass(frozen=True)
class StopView:
    reason: str
    at: datetime


async def refuse_if_stopped(session: AsyncSession, person_id: int) -> None:
    if await session.get(ReportingStop, person_id) is not None:
        raise ReportingStopped()


async def refuse_a_flood(session: AsyncSession, person_id: int, now: datetime) -> None:
    """Raises too_many_reports when the last 24 hours hold the day's most already."""
    sent = await session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.reporter_id == person_id, Case.reported_at > now - timedelta(days=1))
    )
    if (sent or 0) >= MAX_REPORTS_PER_DAY:
        raise TooManyReports(most=MAX_REPORTS_PER_DAY)


async def reporting_stop(uow: UnitOfWork, *, person_id: int) -> StopView | None:
    async with uow.read() as session:
        stop = await session.get(ReportingStop, person_id)
        return None if stop is None else StopView(stop.reason, stop.at)


async def stop_reporting(
    uow: UnitOfWork, *, staff: StaffView, person_id: int, reason: str
) -> None:
    """Raises case_reason_needed, out_of_scope (the resident's unit is not theirs)."""
    reason = reason.strip()[:MAX_REASON]
    if not reason:
        raise ReasonNeeded()
    async with uow.write() as session:
        now = uow.now()
        resident = await load_resident(session, person_id, lock=True)
        staff.require(Action.TRIAGE_REPORTS, resident.unit_path)
        if await session.get(ReportingStop, person_id) is not None:
            return
        session.add(ReportingStop(person_id=person_id, reason=reason, staff_id=staff.id, at=now))
        record_audit(
            session,
            at=now,
            actor_staff_id=staff.id,
            action="cases.reporting_stopped",
            target=f"person:{person_id}",
            unit_path=resident.unit_path,
            reason=reason,
        )


async def resume_reporting(uow: UnitOfWork, *, staff: StaffView, person_id: int) -> None:
    async with uow.write() as session:
        now = uow.now()
        resident = await load_resident(session, person_id, lock=True)
        staff.require(Action.TRIAGE_REPORTS, resident.unit_path)
        removed = await session.execute(
            delete(ReportingStop).where(ReportingStop.person_id == person_id)
        )
        if removed.rowcount:  # type: ignore[attr-defined]
            record_audit(
                session,
                at=now,
                actor_staff_id=staff.id,
                action="cases.reporting_resumed",
                target=f"person:{person_id}",
                unit_path=resident.unit_path,
            )
