"""Moving a case through its life (rewards.cases.lifecycle): the staff's steps, checked
against the permissions table at the unit the case is at, and the reporter's own.

Every step locks the case's row, checks the version the actor saw (so of two staff acting
at once, one wins and the other is told what happened), asks the machine, writes the
step into the case's history and tells the reporter, all in one transaction: the message
goes out only once the step committed. Points are paid by the category's rules on
verification and on resolution, and taken back when a report is found false.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.cases.abuse import refuse_a_flood, refuse_if_stopped
from rewards.cases.errors import (
    CaseIncomplete,
    CaseMovedOn,
    InvalidRating,
    NotAHandler,
    NotYourCase,
    ProofPhotoNeeded,
    ReasonNeeded,
    StepNotAllowed,
    TopOfLadder,
    UnknownCase,
)
from rewards.cases.lifecycle import STAFF_NEEDS, Move, Status, Step, next_level, step
from rewards.cases.models import Case, CaseCategory, CaseEvent, CasePhoto
from rewards.cases.notices import tell_reporter
from rewards.cases.staff_alerts import handlers_reaching, tell_assignee, tell_handlers
from rewards.cases.supporters import add_supporter, record_person_event
from rewards.org.models import OrgUnit
from rewards.points.awards import award_in
from rewards.points.corrections import reverse_in
from rewards.staff.service import StaffView

REJECTION_REASONS = ("invalid", "duplicate")


@dataclass(frozen=True)
class CaseView:
    id: int
    status: str
    version: int
    reporter_id: int
    unit_id: int
    level: str
    category_id: int | None
    handler_staff_id: int | None
    reported_at: datetime | None
    acknowledge_by: datetime | None
    resolve_by: datetime | None


@dataclass(frozen=True)
class Locked:
    """A case whose row this transaction holds, and the path of the unit it is at."""

    case: Case
    unit_path: str


# --- the reporter's steps ------------------------------------------------------------


async def submit(
    uow: UnitOfWork, *, person_id: int, case_id: int, similar_to: int | None = None
) -> CaseView:
    """The resident sends their draft: the case is reported, its clocks start.
    `similar_to` is an open case the resident was shown and said was another problem:
    staff see the two side by side. Raises unknown_case, not_your_case,
    case_step_not_allowed, case_incomplete, reporting_stopped, too_many_reports."""
    async with uow.write() as session:
        now = uow.now()
        locked = await mine(session, case_id, person_id)
        case = locked.case
        move = step(case.status, Step.SUBMIT)
        await refuse_if_stopped(session, person_id)
        await refuse_a_flood(session, person_id, now)
        if not await _complete(session, case):
            raise CaseIncomplete()
        case.similar_to_id = similar_to if similar_to != case.id else None
        category = await session.get(CaseCategory, case.category_id) if case.category_id else None
        case.reported_at = now
        if category is not None:
            case.acknowledge_by = now + timedelta(hours=category.acknowledge_hours)
            case.resolve_by = now + timedelta(hours=category.resolve_hours)
        await _record(session, case, move, now, person_id=person_id)
        await tell_handlers(session, case, now)
        return case_view(case)


async def withdraw(uow: UnitOfWork, *, person_id: int, case_id: int) -> CaseView:
    """The reporter takes it back, before anyone acted on it."""
    return await _reporters_step(uow, person_id, case_id, Step.WITHDRAW)


async def reopen(uow: UnitOfWork, *, person_id: int, case_id: int, reason: str) -> CaseView:
    """The reporter says it is not fixed: back to whoever answers for it now."""
    if not reason.strip():
        raise ReasonNeeded()
    return await _reporters_step(uow, person_id, case_id, Step.REOPEN, reason=reason.strip())


async def rate(
    uow: UnitOfWork, *, person_id: int, case_id: int, stars: int, comment: str | None
) -> CaseView:
    """1–5 stars (and a word) for a closed case: it counts for its handler and grid."""
    if not 1 <= stars <= 5:
        raise InvalidRating()
    async with uow.write() as session:
        now = uow.now()
        case = (await mine(session, case_id, person_id)).case
        move = step(case.status, Step.RATE)
        case.rating = stars
        case.rating_comment = (comment or "").strip()[:500] or None
        await _record(session, case, move, now, person_id=person_id, details={"stars": stars})
        return case_view(case)


async def comment_on_rating(
    uow: UnitOfWork, *, person_id: int, case_id: int, comment: str
) -> None:
    """A word after the stars, for the handler and the grid to read."""
    async with uow.write() as session:
        case = (await mine(session, case_id, person_id)).case
        if case.status != Status.RATED.value:
            raise StepNotAllowed(step="comment", status=case.status)
        case.rating_comment = comment.strip()[:500] or None
        case.updated_at = uow.now()


async def confirm_fixed(uow: UnitOfWork, *, person_id: int, case_id: int) -> None:
    """The reporter's "still fixed" a week after closing, kept in the case's history."""
    async with uow.write() as session:
        case = (await mine(session, case_id, person_id)).case
        if case.status not in (Status.CLOSED.value, Status.RATED.value):
            raise StepNotAllowed(step="still_fixed", status=case.status)
        record_person_event(session, case, "still_fixed", case.status, person_id, uow.now())


async def _reporters_step(
    uow: UnitOfWork, person_id: int, case_id: int, action: Step, *, reason: str | None = None
) -> CaseView:
    async with uow.write() as session:
        now = uow.now()
        case = (await mine(session, case_id, person_id)).case
        move = step(case.status, action)
        await _record(session, case, move, now, person_id=person_id, reason=reason)
        return case_view(case)


# --- the staff's steps ---------------------------------------------------------------


async def verify(
    uow: UnitOfWork, *, staff: StaffView, case_id: int, version: int | None, zone: ZoneInfo
) -> CaseView:
    """A real problem, acknowledged (核实立案): the reporter earns the category's
    verification points."""
    async with uow.write() as session:
        now = uow.now()
        locked = await _staffs(session, staff, case_id, version, Step.VERIFY)
        case = locked.case
        move = step(case.status, Step.VERIFY)
        case.acknowledged_at = now
        case.handler_staff_id = case.handler_staff_id or staff.id
        await _record(session, case, move, now, staff_id=staff.id)
        await _pay(session, case, "verify_rule", staff.id, zone, now)
        return case_view(case)


async def reject(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    case_id: int,
    version: int | None,
    reason: str,
    duplicate_of: int | None = None,
    note: str | None = None,
) -> CaseView:
    """Not a case: invalid, or a duplicate of another (`duplicate_of`). Earns nothing."""
    if reason not in REJECTION_REASONS or (reason == "duplicate") != (duplicate_of is not None):
        raise ReasonNeeded()
    async with uow.write() as session:
        now = uow.now()
        case = (await _staffs(session, staff, case_id, version, Step.REJECT)).case
        move = step(case.status, Step.REJECT)
        if duplicate_of is not None:
            await _in_reach(session, staff, duplicate_of, Step.REJECT)
            # Merged: the reporter now stands behind the case that was there first.
            original = (await locked_case(session, duplicate_of)).case
            await add_supporter(session, original, case.reporter_id, now)
        case.rejection_reason = reason
        case.duplicate_of_id = duplicate_of
        details = {"reason": reason, "duplicate_of": duplicate_of}
        await _record(session, case, move, now, staff_id=staff.id, reason=note, details=details)
        return case_view(case)


async def dispatch(
    uow: UnitOfWork, *, staff: StaffView, case_id: int, version: int | None, handler_id: int
) -> CaseView:
    """Give the case to a handler (指挥派遣): one whose role handles cases where it is.
    They hear of it in the bot when they linked it. Raises not_a_handler."""
    async with uow.write() as session:
        now = uow.now()
        locked = await _staffs(session, staff, case_id, version, Step.DISPATCH)
        case = locked.case
        move = step(case.status, Step.DISPATCH)
        if handler_id not in dict(await handlers_reaching(session, locked.unit_path)):
            raise NotAHandler()
        case.handler_staff_id = handler_id
        details = {"handler": handler_id}
        await _record(session, case, move, now, staff_id=staff.id, details=details)
        await tell_assignee(session, case, handler_id, now)
        return case_view(case)


async def escalate(
    uow: UnitOfWork, *, staff: StaffView, case_id: int, version: int | None, reason: str
) -> CaseView:
    """One rung up the ladder (grid → community → street → department), with a reason:
    the unit above answers for it from now on."""
    if not reason.strip():
        raise ReasonNeeded()
    async with uow.write() as session:
        now = uow.now()
        case = (await _staffs(session, staff, case_id, version, Step.ESCALATE)).case
        move = step(case.status, Step.ESCALATE)
        level = next_level(case.level)
        if level is None:
            raise TopOfLadder()
        if level != "department":  # a department works from the street's unit
            case.unit_id = await _parent(session, case.unit_id)
        details = {"from": case.level, "to": level}
        case.level = level
        case.handler_staff_id = None
        await _record(
            session, case, move, now, staff_id=staff.id, reason=reason.strip(), details=details
        )
        await tell_handlers(session, case, now)
        return case_view(case)


async def resolve(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    case_id: int,
    version: int | None,
    zone: ZoneInfo,
    note: str | None = None,
) -> CaseView:
    """Fixed (处理反馈), shown by a proof photo added before: the reporter earns the
    category's resolution points and is asked to look."""
    async with uow.write() as session:
        now = uow.now()
        case = (await _staffs(session, staff, case_id, version, Step.RESOLVE)).case
        move = step(case.status, Step.RESOLVE)
        proofs = await session.scalar(
            select(func.count())
            .select_from(CasePhoto)
            .where(CasePhoto.case_id == case.id, CasePhoto.kind == "proof")
        )
        if not proofs:
            raise ProofPhotoNeeded()
        case.handled_at = now
        case.handler_staff_id = staff.id
        await _record(session, case, move, now, staff_id=staff.id, reason=note)
        await _pay(session, case, "resolve_rule", staff.id, zone, now)
        return case_view(case)


async def close(
    uow: UnitOfWork, *, staff: StaffView, case_id: int, version: int | None
) -> CaseView:
    """Checked on the spot and closed (核查结案); the reporter is asked to rate it."""
    async with uow.write() as session:
        now = uow.now()
        case = (await _staffs(session, staff, case_id, version, Step.CLOSE)).case
        move = step(case.status, Step.CLOSE)
        case.closed_at = now
        await _record(session, case, move, now, staff_id=staff.id)
        return case_view(case)


async def found_false(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    case_id: int,
    version: int | None,
    reason: str,
    zone: ZoneInfo,
) -> CaseView:
    """A report found false after it was paid: rejected, and its points taken back."""
    if not reason.strip():
        raise ReasonNeeded()
    async with uow.write() as session:
        now = uow.now()
        case = (await _staffs(session, staff, case_id, version, Step.FOUND_FALSE)).case
        move = step(case.status, Step.FOUND_FALSE)
        case.rejection_reason = "false"
        for rule_column in ("verify_rule", "resolve_rule"):
            await reverse_in(
                session,
                request_key=_points_key(case, rule_column),
                actor_staff_id=staff.id,
                reason=reason.strip()[:500],
                now=now,
                zone=zone,
            )
        await _record(session, case, move, now, staff_id=staff.id, reason=reason.strip())
        return case_view(case)


# --- shared --------------------------------------------------------------------------


async def locked_case(session: AsyncSession, case_id: int) -> Locked:
    row = (
        await session.execute(
            select(Case, OrgUnit.path)
            .join(OrgUnit, OrgUnit.id == Case.unit_id)
            .where(Case.id == case_id)
            .with_for_update(of=Case)
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if row is None:
        raise UnknownCase()
    return Locked(row[0], row[1])


async def mine(session: AsyncSession, case_id: int, person_id: int) -> Locked:
    """The case, locked, when this person reported it. Raises unknown_case, not_your_case."""
    locked = await locked_case(session, case_id)
    if locked.case.reporter_id != person_id:
        raise NotYourCase()
    return locked


async def _staffs(
    session: AsyncSession, staff: StaffView, case_id: int, version: int | None, action: Step
) -> Locked:
    """The case, locked, when this staff member may take `action` where it is and it has
    not moved on since they saw it."""
    locked = await locked_case(session, case_id)
    staff.require(STAFF_NEEDS[action], locked.unit_path)
    if version is not None and locked.case.version != version:
        raise CaseMovedOn(status=locked.case.status)
    return locked


async def _complete(session: AsyncSession, case: Case) -> bool:
    """A photo, a place and a category: what staff need to find and judge a problem."""
    if case.category_id is None or case.latitude is None:
        return False
    photos = await session.scalar(
        select(func.count())
        .select_from(CasePhoto)
        .where(CasePhoto.case_id == case.id, CasePhoto.kind == "report")
    )
    return bool(photos)


async def _in_reach(session: AsyncSession, staff: StaffView, case_id: int, action: Step) -> None:
    path = await session.scalar(
        select(OrgUnit.path).join(Case, Case.unit_id == OrgUnit.id).where(Case.id == case_id)
    )
    if path is None:
        raise UnknownCase()
    staff.require(STAFF_NEEDS[action], path)


async def _parent(session: AsyncSession, unit_id: int) -> int:
    parent = await session.scalar(select(OrgUnit.parent_id).where(OrgUnit.id == unit_id))
    if parent is None:
        raise TopOfLadder()
    return parent


async def _record(
    session: AsyncSession,
    case: Case,
    move: Move,
    now: datetime,
    *,
    staff_id: int | None = None,
    person_id: int | None = None,
    reason: str | None = None,
    details: Mapping[str, object] | None = None,
) -> None:
    """The step into the case's history, the case moved on, and the reporter told."""
    case.status = move.after.value
    case.version += 1
    case.updated_at = now
    session.add(
        CaseEvent(
            case_id=case.id,
            action=move.step.value,
            from_status=move.before.value,
            to_status=move.after.value,
            actor_staff_id=staff_id,
            actor_person_id=person_id,
            reason=reason[:500] if reason else None,
            details=dict(details or {}),
            at=now,
        )
    )
    if move.after is not Status.WITHDRAWN:
        await tell_reporter(session, case, move, now, reason=reason)


def _points_key(case: Case, rule_column: str) -> str:
    return f"case:{case.id}:{rule_column.removesuffix('_rule')}"


async def _pay(
    session: AsyncSession,
    case: Case,
    rule_column: str,
    staff_id: int,
    zone: ZoneInfo,
    now: datetime,
) -> None:
    """The category's rule for this step, paid to the reporter (once: a reopened case
    resolved again earns nothing more). No rule, nothing paid."""
    if case.category_id is None:
        return
    rule_code = await session.scalar(
        select(getattr(CaseCategory, rule_column)).where(CaseCategory.id == case.category_id)
    )
    if rule_code is None:
        return
    await award_in(
        session,
        person_id=case.reporter_id,
        rule_code=rule_code,
        request_key=_points_key(case, rule_column),
        requested_by=staff_id,
        note=f"case {case.id}",
        zone=zone,
        now=now,
    )


def case_view(case: Case) -> CaseView:
    return CaseView(
        case.id,
        case.status,
        case.version,
        case.reporter_id,
        case.unit_id,
        case.level,
        case.category_id,
        case.handler_staff_id,
        case.reported_at,
        case.acknowledge_by,
        case.resolve_by,
    )
