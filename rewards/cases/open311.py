"""Cases as Open311 GeoReport v2 reads them (read-only): the categories as services and
the reported cases as service requests, for city systems to pull. Nothing personal leaves:
no reporter, no staff names, no words typed by anyone (a resident's description or a
staff note may name people or carry a phone number), no photos; only what kind of
problem, where, its state and its times. Drafts and withdrawn reports are never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from core.uow import UnitOfWork
from rewards.cases.errors import UnknownCase
from rewards.cases.lifecycle import Status
from rewards.cases.models import Case, CaseCategory, KnownPlace
from rewards.org.models import OrgUnit

MAX_REQUESTS = 1000  # GeoReport's suggested page; newest first
CLOSED = (Status.CLOSED, Status.RATED, Status.REJECTED)
HIDDEN = (Status.DRAFT.value, Status.WITHDRAWN.value)
COORDINATE_DIGITS = 5  # about a metre: where the problem is, no finer


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    name_en: str | None


@dataclass(frozen=True)
class ServiceRequest:
    id: int
    status: str  # open | closed
    service_code: str | None
    service_name: str | None
    agency: str  # the unit that answers for it now
    requested: datetime
    updated: datetime
    expected: datetime | None
    address: str | None
    address_id: int | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class RequestFilter:
    service_code: str | None = None
    status: str | None = None  # open | closed
    start: datetime | None = None
    end: datetime | None = None


async def services(uow: UnitOfWork) -> list[Service]:
    async with uow.read() as session:
        rows = await session.execute(
            select(CaseCategory.code, CaseCategory.name, CaseCategory.name_en)
            .where(CaseCategory.active.is_(True))
            .order_by(CaseCategory.position, CaseCategory.id)
        )
        return [Service(*row) for row in rows]


async def service_requests(uow: UnitOfWork, *, where: RequestFilter) -> list[ServiceRequest]:
    query = _requests().order_by(Case.reported_at.desc(), Case.id.desc()).limit(MAX_REQUESTS)
    if where.service_code is not None:
        query = query.where(CaseCategory.code == where.service_code)
    closed = [s.value for s in CLOSED]
    if where.status == "closed":
        query = query.where(Case.status.in_(closed))
    elif where.status == "open":
        query = query.where(Case.status.not_in(closed))
    if where.start is not None:
        query = query.where(Case.reported_at >= where.start)
    if where.end is not None:
        query = query.where(Case.reported_at <= where.end)
    async with uow.read() as session:
        rows = await session.execute(query)
        return [
            _request(case, code, name, agency, place) for case, code, name, agency, place in rows
        ]


async def service_request(uow: UnitOfWork, *, case_id: int) -> ServiceRequest:
    """Raises unknown_case (also for a draft or a withdrawn report)."""
    async with uow.read() as session:
        row = (await session.execute(_requests().where(Case.id == case_id))).one_or_none()
    if row is None:
        raise UnknownCase()
    case, *rest = row
    return _request(case, *rest)


def _requests() -> Select[Case, str, str, str, str]:
    return (
        select(Case, CaseCategory.code, CaseCategory.name, OrgUnit.name, KnownPlace.name)
        .join(OrgUnit, OrgUnit.id == Case.unit_id)
        .outerjoin(CaseCategory, CaseCategory.id == Case.category_id)
        .outerjoin(KnownPlace, KnownPlace.id == Case.place_id)
        .where(Case.status.not_in(HIDDEN), Case.reported_at.is_not(None))
    )


def _request(
    case: Case, code: str | None, name: str | None, agency: str, place: str | None
) -> ServiceRequest:
    assert case.reported_at is not None  # the query keeps reported cases only
    closed = Status(case.status) in CLOSED

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, COORDINATE_DIGITS)

    return ServiceRequest(
        case.id, "closed" if closed else "open", code, name, agency, case.reported_at,
        case.updated_at, case.resolve_by, place, case.place_id, rounded(case.latitude),
        rounded(case.longitude),
    )  # fmt: skip
