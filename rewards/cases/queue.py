"""What staff see of cases in the panel: the queue of the cases they may act on (by state,
unit, category, overdue), and one case with its history, photos, place and the steps
this staff member may take on it now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.uow import UnitOfWork
from rewards.cases.deadlines import overdue
from rewards.cases.errors import UnknownCase
from rewards.cases.geo import distance_m
from rewards.cases.lifecycle import OPEN, STAFF_NEEDS, Status, Step, allowed_steps
from rewards.cases.models import (
    Case,
    CaseCategory,
    CaseEvent,
    CasePhoto,
    CaseSupporter,
    KnownPlace,
)
from rewards.cases.staff_alerts import handlers_reaching
from rewards.errors import OutOfScope
from rewards.org.models import OrgLevel, OrgUnit
from rewards.people.models import Person
from rewards.staff.models import StaffAccount
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

QUEUE_LIMIT = 200
# Everyone who works cases sees the queue; what they may do on each is the table's.
SEES_CASES = (Action.HANDLE_CASES, Action.TRIAGE_REPORTS, Action.ESCALATE_CASES)
WAITING = (Status.REPORTED, *OPEN, Status.HANDLED)  # what still needs someone


@dataclass(frozen=True)
class CaseRow:
    id: int
    status: str
    version: int
    category: str | None
    category_en: str | None
    unit_name: str
    level: str
    reported_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class EventRow:
    action: str
    to_status: str
    actor: str | None
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class CasePage:
    row: CaseRow
    reporter: str
    description: str | None
    latitude: float | None
    longitude: float | None
    nearest_place: str | None
    photos: tuple[tuple[str, str], ...]  # (kind, storage key)
    events: tuple[EventRow, ...]
    steps: tuple[Step, ...]  # what this staff member may do on it now
    rating: int | None
    rating_comment: str | None = None
    similar_to: int | None = None  # an open case the reporter said was another problem
    duplicate_of: int | None = None
    supporters: int = 0  # residents who joined it as the same problem
    handlers: tuple[tuple[int, str], ...] = ()  # whom it may be dispatched to, when it may
    has_voice: bool = False


@dataclass(frozen=True)
class QueueFilters:
    """The choices of the queue's filters: the units in reach, and the categories."""

    units: tuple[tuple[int, str], ...]
    categories: tuple[tuple[int, str, str | None], ...]


async def queue_filters(uow: UnitOfWork, *, staff: StaffView) -> QueueFilters:
    async with uow.read() as session:
        units = await session.execute(
            select(OrgUnit.id, OrgUnit.name)
            .where(_in_reach(staff), OrgUnit.level != OrgLevel.BUILDING)
            .order_by(OrgUnit.path)
            .limit(QUEUE_LIMIT)
        )
        categories = await session.execute(
            select(CaseCategory.id, CaseCategory.name, CaseCategory.name_en).order_by(
                CaseCategory.position, CaseCategory.id
            )
        )
        return QueueFilters(
            tuple((i, name) for i, name in units),
            tuple((i, name, name_en) for i, name, name_en in categories),
        )


def _in_reach(staff: StaffView) -> ColumnElement[bool]:
    return or_(*(staff.reaches_for(action, OrgUnit.path) for action in SEES_CASES))


async def case_queue(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    status: str | None = None,
    unit_id: int | None = None,
    category_id: int | None = None,
    overdue_only: bool = False,
) -> list[CaseRow]:
    """The cases in this staff member's reach, oldest report first; by default those
    that still need someone. Raises out_of_scope for staff who work no cases."""
    if not any(staff.may(action) for action in SEES_CASES):
        raise OutOfScope()
    now = uow.now()
    statuses = [status] if status else [s.value for s in WAITING]
    query = (
        select(
            Case.id,
            Case.status,
            Case.version,
            CaseCategory.name,
            CaseCategory.name_en,
            OrgUnit.name,
            Case.level,
            Case.reported_at,
            overdue(now),
        )
        .join(OrgUnit, OrgUnit.id == Case.unit_id)
        .outerjoin(CaseCategory, CaseCategory.id == Case.category_id)
        .where(_in_reach(staff), Case.status.in_(statuses))
        .order_by(Case.reported_at, Case.id)
        .limit(QUEUE_LIMIT)
    )
    if unit_id is not None:
        query = query.where(Case.unit_id == unit_id)
    if category_id is not None:
        query = query.where(Case.category_id == category_id)
    if overdue_only:
        query = query.where(overdue(now))
    async with uow.read() as session:
        return [CaseRow(*row[:-1], bool(row[-1])) for row in await session.execute(query)]


async def case_page(uow: UnitOfWork, *, staff: StaffView, case_id: int) -> CasePage:
    """Raises unknown_case (also for a case out of reach: its existence is not told)."""
    now = uow.now()
    async with uow.read() as session:
        found = (
            await session.execute(
                select(Case, CaseCategory.name, CaseCategory.name_en, OrgUnit.name, OrgUnit.path)
                .join(OrgUnit, OrgUnit.id == Case.unit_id)
                .outerjoin(CaseCategory, CaseCategory.id == Case.category_id)
                .where(Case.id == case_id, _in_reach(staff), Case.status != Status.DRAFT.value)
            )
        ).one_or_none()
        if found is None:
            raise UnknownCase()
        case, name, name_en, unit_name, path = found
        reporter = await session.scalar(
            select(Person.display_name).where(Person.id == case.reporter_id)
        )
        photos = await session.execute(
            select(CasePhoto.kind, CasePhoto.storage_key)
            .where(CasePhoto.case_id == case.id)
            .order_by(CasePhoto.id)
        )
        events = await _events(session, case.id)
        nearest = await _nearest_place(session, case)
        handlers = await handlers_reaching(session, path)
        supporters = await session.scalar(
            select(func.count()).select_from(CaseSupporter).where(CaseSupporter.case_id == case.id)
        )
    overdue = _is_overdue(case, now)
    row = CaseRow(
        case.id, case.status, case.version, name, name_en, unit_name, case.level,
        case.reported_at, overdue,
    )  # fmt: skip
    steps = tuple(
        step
        for step in allowed_steps(case.status)
        if step in STAFF_NEEDS and staff.can(STAFF_NEEDS[step], path)
    )
    return CasePage(
        row, reporter or "", case.description, case.latitude, case.longitude, nearest,
        tuple((kind, key) for kind, key in photos), events, steps, case.rating,
        case.rating_comment, case.similar_to_id, case.duplicate_of_id, int(supporters or 0),
        tuple(handlers) if Step.DISPATCH in steps else (), case.voice_key is not None,
    )  # fmt: skip


async def case_voice_key(uow: UnitOfWork, *, staff: StaffView, case_id: int) -> str:
    """The storage key of the reporter's voice note. Raises unknown_case."""
    async with uow.read() as session:
        key = await session.scalar(
            select(Case.voice_key)
            .join(OrgUnit, OrgUnit.id == Case.unit_id)
            .where(Case.id == case_id, _in_reach(staff), Case.status != Status.DRAFT.value)
        )
    if key is None:
        raise UnknownCase()
    return key


async def case_photo_key(uow: UnitOfWork, *, staff: StaffView, case_id: int, index: int) -> str:
    """The storage key of the case's `index`-th photo (in the page's order), for staff
    who may see the case. Raises unknown_case."""
    async with uow.read() as session:
        key = await session.scalar(
            select(CasePhoto.storage_key)
            .join(Case, Case.id == CasePhoto.case_id)
            .join(OrgUnit, OrgUnit.id == Case.unit_id)
            .where(Case.id == case_id, _in_reach(staff), Case.status != Status.DRAFT.value)
            .order_by(CasePhoto.id)
            .offset(index)
            .limit(1)
        )
    if key is None:
        raise UnknownCase()
    return key


def _is_overdue(case: Case, now: datetime) -> bool:
    if case.status == Status.REPORTED.value:
        return case.acknowledge_by is not None and case.acknowledge_by < now
    if Status(case.status) in OPEN:
        return case.resolve_by is not None and case.resolve_by < now
    return False


async def _events(session: AsyncSession, case_id: int) -> tuple[EventRow, ...]:
    actor = aliased(StaffAccount)
    rows = await session.execute(
        select(
            CaseEvent.action,
            CaseEvent.to_status,
            actor.display_name,
            CaseEvent.reason,
            CaseEvent.at,
        )
        .outerjoin(actor, actor.id == CaseEvent.actor_staff_id)
        .where(CaseEvent.case_id == case_id)
        .order_by(CaseEvent.id)
    )
    return tuple(EventRow(*row) for row in rows)


async def _nearest_place(session: AsyncSession, case: Case) -> str | None:
    """The known place nearest the case's location, within a few hundred metres."""
    if case.latitude is None or case.longitude is None:
        return None
    box = NEAR_PLACE_M / 111_000  # degrees of latitude; longitude's are no shorter here
    places = await session.execute(
        select(KnownPlace.name, KnownPlace.latitude, KnownPlace.longitude).where(
            KnownPlace.active.is_(True),
            KnownPlace.latitude.between(case.latitude - box, case.latitude + box),
            KnownPlace.longitude.between(case.longitude - 2 * box, case.longitude + 2 * box),
        )
    )
    best: tuple[float, str] | None = None
    for name, latitude, longitude in places:
        metres = distance_m(case.latitude, case.longitude, latitude, longitude)
        if metres <= NEAR_PLACE_M and (best is None or metres < best[0]):
            best = (metres, name)
    return best[1] if best else None


NEAR_PLACE_M = 300.0
