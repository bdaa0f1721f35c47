"""How the closed loop is doing, for a period: cases by state, the closure rate (办结率),
the median hours to acknowledge and to close, and satisfaction, per grid (where a case
was reported), per community and per category, and satisfaction per handler. Only the
cases in the staff member's reach count. Medians are taken here from the cases' times,
the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from core.uow import UnitOfWork
from rewards.cases.lifecycle import Status
from rewards.cases.models import Case, CaseCategory
from rewards.cases.queue import SEES_CASES
from rewards.errors import OutOfScope
from rewards.org.models import OrgLevel, OrgUnit
from rewards.staff.models import StaffAccount
from rewards.staff.service import StaffView

COUNTED = [s.value for s in Status if s not in (Status.DRAFT, Status.WITHDRAWN)]
DONE = (Status.CLOSED.value, Status.RATED.value)
MAX_CASES = 200_000  # a city's year; beyond it the figures would need SQL to make


@dataclass(frozen=True)
class Figures:
    """One line of the statistics: a grid, a community, a category, a handler, or all."""

    name: str
    name_en: str | None
    reported: int
    by_state: dict[str, int]  # the states that occur, in the lifecycle's order
    closed: int
    closure_rate: float | None  # closed / reported
    acknowledge_hours: float | None  # median
    close_hours: float | None  # median
    satisfaction: float | None  # mean of the ratings
    ratings: int


@dataclass(frozen=True)
class CaseStatistics:
    start: date
    end: date  # inclusive
    total: Figures
    grids: list[Figures]
    communities: list[Figures]
    categories: list[Figures]
    handlers: list[Figures]


@dataclass(frozen=True)
class _Row:
    status: str
    grid: str
    community: str
    category: str
    category_en: str | None
    handler: str | None
    reported_at: datetime
    acknowledged_at: datetime | None
    closed_at: datetime | None
    rating: int | None


async def case_statistics(
    uow: UnitOfWork, *, staff: StaffView, start: date, end: date, zone: ZoneInfo
) -> CaseStatistics:
    """Cases reported from local `start` to `end` (both days included). Raises
    out_of_scope for staff who work no cases."""
    if not any(staff.may(action) for action in SEES_CASES):
        raise OutOfScope()
    rows = await _rows(uow, staff, _instant(start, zone), _instant(end + timedelta(days=1), zone))
    return CaseStatistics(
        start,
        end,
        _figures("", None, rows),
        _grouped(rows, lambda r: (r.grid, None)),
        _grouped(rows, lambda r: (r.community, None)),
        _grouped(rows, lambda r: (r.category, r.category_en)),
        _grouped([r for r in rows if r.handler], lambda r: (r.handler or "", None)),
    )


def _instant(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _in_reach(
    staff: StaffView, path: ColumnElement[str] | InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    return or_(*(staff.reaches_for(action, path) for action in SEES_CASES))


async def _rows(uow: UnitOfWork, staff: StaffView, since: datetime, until: datetime) -> list[_Row]:
    grid, community = aliased(OrgUnit), aliased(OrgUnit)
    # The community is the grid's ancestor at that level: its path is a prefix of the grid's.
    in_community = grid.path.startswith(community.path) & community.level.in_(
        [OrgLevel.COMMUNITY, OrgLevel.VILLAGE]
    )
    query = (
        select(
            Case.status,
            grid.name,
            community.name,
            CaseCategory.name,
            CaseCategory.name_en,
            StaffAccount.display_name,
            Case.reported_at,
            Case.acknowledged_at,
            Case.closed_at,
            Case.rating,
        )
        .join(grid, grid.id == Case.origin_unit_id)
        .outerjoin(community, in_community)
        .outerjoin(CaseCategory, CaseCategory.id == Case.category_id)
        .outerjoin(StaffAccount, StaffAccount.id == Case.handler_staff_id)
        .where(
            Case.status.in_(COUNTED),
            Case.reported_at >= since,
            Case.reported_at < until,
            _in_reach(staff, grid.path),
        )
        .limit(MAX_CASES)
    )
    async with uow.read() as session:
        result = await session.execute(query)
        rows = []
        for status, grid_name, community_name, *rest in result:
            category, category_en, handler, reported, acknowledged, closed, rating = rest
            if reported is None:
                continue
            rows.append(
                _Row(
                    status,
                    grid_name,
                    community_name or grid_name,
                    category or "",
                    category_en,
                    handler,
                    reported,
                    acknowledged,
                    closed,
                    rating,
                )
            )
        return rows


def _grouped(rows: list[_Row], key: Callable[[_Row], tuple[str, str | None]]) -> list[Figures]:
    groups: dict[tuple[str, str | None], list[_Row]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return [_figures(name, name_en, group) for (name, name_en), group in sorted(groups.items())]


def _figures(name: str, name_en: str | None, rows: list[_Row]) -> Figures:
    closed = sum(1 for r in rows if r.status in DONE)
    ratings = [r.rating for r in rows if r.rating is not None]
    return Figures(
        name,
        name_en,
        len(rows),
        _by_state(rows),
        closed,
        closed / len(rows) if rows else None,
        _median_hours((r.reported_at, r.acknowledged_at) for r in rows),
        _median_hours((r.reported_at, r.closed_at) for r in rows),
        statistics.fmean(ratings) if ratings else None,
        len(ratings),
    )


def _by_state(rows: list[_Row]) -> dict[str, int]:
    counts = Counter(r.status for r in rows)
    return {state: counts[state] for state in COUNTED if counts[state]}


def _median_hours(spans: Iterable[tuple[datetime, datetime | None]]) -> float | None:
    hours = [(end - begin).total_seconds() / 3600 for begin, end in spans if end is not None]
    return statistics.median(hours) if hours else None
