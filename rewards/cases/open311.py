"""Cases as Open311 GeoReport v2 reads them (read-only): the categories as services and
the reported cases as service requests, for city systems to pull. Nothing personal leaves:
no reporter, no staff names, no words typed by anyone (a resident's description or a
staff note may name people or carry a phone number), no photos; only what kind of
problem, where, its state and its times. Drafts are never shown; a withdrawn report is
a closed request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select

from core.uow import UnitOfWork
from rewards.cases.errors import UnknownCase
from rewards.cases.lifecycle import Status
from rewards.cases.models import Case, CaseCategory, KnownPlace
from rewards.org.models import OrgUnit

MAX_REQUESTS = 1000  # GeoReport's suggested page; newest first
# GeoReport's longest span of requested times, and the span asked when none is given.
WINDOW = timedelta(days=90)
CLOSED = (Status.CLOSED, Status.RATED, Status.REJECTED, Status.WITHDRAWN)
HIDDEN = (Status.DRAFT.value,)
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
    updated: datetime  # when a closed request was closed, if it came that far
    expected: datetime | None
    address: str | None
    address_id: int | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class RequestFilter:
    """Requests reported from `start` to `end` (both included), of any of the service
    codes and statuses given (all when empty); `ids`, when given, overrides the rest."""

    start: datetime
    end: datetime
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # open | closed
    ids: tuple[int, ...] = ()


def window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The span of requested times that GeoReport's start_date and end_date ask for: the
    latest 90 days when neither is given, 90 days from the start or up to the end when
    one is. Raises ValueError for a span past 90 days or one that ends before it starts."""
    try:
        if start is None and end is None:
            end = now
        if start is None:
            assert end is not None
            start = end - WINDOW
        if end is None:
            end = start + WINDOW
    except OverflowError as error:  # 90 days before the year 1 or after 9999
        raise ValueError((start, end)) from error
    if end < start or end - start > WINDOW:
        raise ValueError((start, end))
    return start, end


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
    if where.ids:
        query = query.where(Case.id.in_(where.ids[:MAX_REQUESTS]))
    else:
        query = query.where(Case.reported_at >= where.start, Case.reported_at <= where.end)
        if where.service_codes:
            query = query.where(CaseCategory.code.in_(where.service_codes))
        closed = [s.value for s in CLOSED]
        if set(where.statuses) == {"closed"}:
            query = query.where(Case.status.in_(closed))
        elif set(where.statuses) == {"open"}:
            query = query.where(Case.status.not_in(closed))
    async with uow.read() as session:
        rows = await session.execute(query)
        return [
            _request(case, code, name, agency, place) for case, code, name, agency, place in rows
        ]


async def service_request(uow: UnitOfWork, *, case_id: int) -> ServiceRequest:
    """Raises unknown_case (also for a draft)."""
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

    # GeoReport: "for requests with status=closed, this will be the date the request was
    # closed" (not the rating that may have come after).
    updated = case.closed_at if closed and case.closed_at is not None else case.updated_at
    return ServiceRequest(
        case.id, "closed" if closed else "open", code, name, agency, case.reported_at,
        updated, case.resolve_by, place, case.place_id, rounded(case.latitude),
        rounded(case.longitude),
    )  # fmt: skip
