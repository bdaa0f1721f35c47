"""Who did most for the community in a period, from the ledger: the net points each
resident earned (awards, deductions and staff adjustments, and the reversals of those; not
spending, holds or expiry), per point type weighted as the board says, summed per
household, team or part of the tree for those boards. Ties share a rank (1, 2, 2, 4).
The sums are read from the points earned per person and month, kept with every entry
(rewards.points.earnings) and proved equal to the postings by `moralbank ledger verify`.

Who counts: residents verified before the period began (a newcomer's first, partial
period is not compared), still members, who chose to appear on public boards, and who are
not staff themselves (their Telegram account is not a staff member's), within the board's
part of the tree.

The sums and the ranks are made by the database in one statement; the snapshot is written
in by subject (on PostgreSQL on the server: a temporary table of the standings, then
INSERT … SELECT, and the checksum in SQL). A board carries a checksum of its parameters and
standings: the same ledger gives the same checksum.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.schema import CreateTableAs, DropTable

from core.sql import on_postgres
from rewards.org.models import OrgLevel, OrgUnit
from rewards.people.models import Person, PersonChannel, Resident, Team, TeamMember
from rewards.people.residents import TELEGRAM
from rewards.points.models import EarnedPoints
from rewards.points.rules import is_point_type_code
from rewards.rankings.models import RankingEntry
from rewards.rankings.periods import months_of, period_span
from rewards.staff.models import StaffAccount, StaffChat

Scope = Literal["resident", "household", "team", "grid", "community", "street"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
# A board of parts of the tree ranks the units at this level below the board's unit.
AREA_LEVELS: dict[str, tuple[OrgLevel, ...]] = {
    "grid": (OrgLevel.GRID,),
    "community": (OrgLevel.COMMUNITY, OrgLevel.VILLAGE),
    "street": (OrgLevel.STREET,),
}


@dataclass(frozen=True)
class Standing:
    subject_id: int  # a person, a household, a team or an org unit, by the board's scope
    points: int
    rank: int


@dataclass(frozen=True)
class BoardSpec:
    scope: Scope
    unit_path: str
    period: str
    start: datetime
    end: datetime  # exclusive
    months: tuple[str, ...]  # the period's months, 2026-04, in the community's calendar
    weights: tuple[tuple[str, int], ...] = ()  # point type → weight; empty: every type once
    least_points: int = 1  # subjects with fewer are left off (no activity)


@dataclass(frozen=True)
class Board:
    spec: BoardSpec
    standings: tuple[Standing, ...]
    checksum: str


def spec_of(
    scope: Scope,
    unit_path: str,
    period: str,
    zone: ZoneInfo,
    weights: Mapping[str, int] | None = None,
    least_points: int = 1,
) -> BoardSpec:
    """Raises unknown_period. A weight for anything but a point type's code is left out:
    it could weigh nothing, and the weights are written into the statement (_inline)."""
    start, end = period_span(period, zone)
    ordered = tuple(
        sorted((code, int(w)) for code, w in (weights or {}).items() if is_point_type_code(code))
    )
    months = months_of(start, end)
    return BoardSpec(scope, unit_path, period, start, end, months, ordered, least_points)


async def compute_board(session: AsyncSession, spec: BoardSpec) -> Board:
    """The standings as the ledger gives them now, without keeping them (to check a
    snapshot against, or to look before drafting)."""
    standings = await _standings(session, spec)
    return Board(spec, standings, checksum_of(spec, ((s.subject_id, s.points) for s in standings)))


async def snapshot(session: AsyncSession, spec: BoardSpec, board_id: int) -> str:
    """Keep the standings as the board's entries (which must be empty); returns their
    checksum."""
    if on_postgres(session):
        return await _snapshot_on_server(session, spec, board_id)
    standings = await _standings(session, spec)
    if standings:
        await session.execute(
            insert(RankingEntry),
            [
                {
                    "board_id": board_id,
                    "subject_id": s.subject_id,
                    "points": s.points,
                    "rank": s.rank,
                }
                for s in standings
            ],
        )
    return checksum_of(spec, ((s.subject_id, s.points) for s in standings))


async def _snapshot_on_server(session: AsyncSession, spec: BoardSpec, board_id: int) -> str:
    """The same on PostgreSQL without a row leaving the server: a city's half a million
    standings are summed into a temporary table (CREATE TABLE AS runs the sums in
    parallel, INSERT … SELECT never does), copied into the entries by subject (the order
    of their key, so the index grows at its end) and hashed there, as checksum_of does."""
    standings = CreateTableAs(
        ranked_select(spec).order_by(None), "ranking_standings", temporary=True
    )
    await session.execute(standings)
    kept = standings.table
    subject = func.coalesce(kept.c.subject, 0)
    await session.execute(
        insert(RankingEntry).from_select(
            ["board_id", "subject_id", "points", "rank"],
            select(literal(board_id), subject, kept.c.points, kept.c.rank).order_by(subject),
        )
    )
    line = func.concat(subject, ":", kept.c.points, "\n")
    hashed = func.concat(_header(spec), func.string_agg(line, "").aggregate_order_by(subject))
    digest = func.encode(func.sha256(func.convert_to(hashed, "UTF8")), "hex")
    checksum = await session.scalar(select(digest))
    await session.execute(DropTable(kept))
    return str(checksum)


async def _standings(session: AsyncSession, spec: BoardSpec) -> tuple[Standing, ...]:
    rows = await session.execute(ranked_select(spec))
    return tuple(
        Standing(int(subject or 0), int(points), int(rank)) for subject, points, rank in rows
    )


def checksum_of(spec: BoardSpec, standings: Iterable[tuple[int, int]]) -> str:
    """SHA-256 of the board's parameters and of every subject's points, by subject."""
    digest = hashlib.sha256(_header(spec).encode())
    for subject, points in sorted(standings):
        digest.update(b"%d:%d\n" % (subject, points))
    return digest.hexdigest()


def _header(spec: BoardSpec) -> str:
    return (
        f"{spec.scope}|{spec.unit_path}|{spec.period}|{spec.start.isoformat()}|"
        f"{spec.weights}|{spec.least_points}\n"
    )


def ranked(points: Mapping[int, int]) -> tuple[Standing, ...]:
    """Most points first; equal points share a rank and the next rank skips (1, 2, 2, 4);
    within a tie, the lower id first, so the order is the same every time. (The database
    ranks boards the same way; this is for lists already in hand.)"""
    order = sorted(points.items(), key=lambda item: (-item[1], item[0]))
    standings, rank = [], 0
    for position, (subject, value) in enumerate(order, start=1):
        if position == 1 or value != order[position - 2][1]:
            rank = position
        standings.append(Standing(subject, value, rank))
    return tuple(standings)


def ranked_select(spec: BoardSpec) -> Select[int | None, int, int]:
    scored = _scored(spec).subquery()
    rank = func.rank().over(order_by=scored.c.points.desc()).label("rank")
    return select(scored.c.subject, scored.c.points, rank).order_by(rank, scored.c.subject)


def _scored(spec: BoardSpec) -> Select[int | None, int]:
    """(subject, points) of every subject on the board: people and households with at
    least the least points; every team or unit of the level, even with none (a village
    that did nothing is the one a bottom-N scheme must see)."""
    if spec.scope in ("resident", "household"):
        scored = _earned(spec).subquery()
        return select(scored.c.subject, scored.c.points).where(
            scored.c.points >= _inline(spec.least_points)
        )
    groups = _groups(spec).subquery()
    everyone = select(groups.c.subject, _inline(0).label("points"))
    both = union_all(_earned(spec), everyone).subquery()
    return select(both.c.subject, func.sum(both.c.points).label("points")).group_by(both.c.subject)


def _groups(spec: BoardSpec) -> Select[int]:
    """Every team, or every unit of the board's level, below the board's unit."""
    if spec.scope == "team":
        team_home = aliased(OrgUnit)
        return (
            select(Team.id.label("subject"))
            .join(team_home, team_home.id == Team.org_unit_id)
            .where(team_home.path.startswith(_inline(spec.unit_path)))
        )
    return select(OrgUnit.id.label("subject")).where(
        OrgUnit.level.in_(AREA_LEVELS[spec.scope]),
        OrgUnit.path.startswith(_inline(spec.unit_path)),
    )


def _earned(spec: BoardSpec) -> Select[int | None, int]:
    """(subject, points) of the subjects whose eligible residents earned in the period,
    from the points earned per person and month (rewards.points.earnings)."""
    points = func.sum(EarnedPoints.points * _weight(spec.weights)).label("points")
    home = aliased(OrgUnit)
    query = (
        select(Resident.person_id)
        .join(Person, Person.id == Resident.person_id)
        .join(home, home.id == Resident.org_unit_id)
        .join(EarnedPoints, EarnedPoints.person_id == Resident.person_id)
        .where(
            home.path.startswith(_inline(spec.unit_path)),
            *_eligible(spec.start),
            EarnedPoints.month.in_(
                bindparam("months", spec.months, expanding=True, literal_execute=True)
            ),
        )
    )
    subject: SQLColumnExpression[int | None]
    if spec.scope == "resident":
        subject = Resident.person_id
    elif spec.scope == "household":
        subject = Resident.household_id
        query = query.where(Resident.household_id.is_not(None))
    elif spec.scope == "team":
        subject = TeamMember.team_id
        teams = _groups(spec).subquery()
        query = query.join(TeamMember, TeamMember.person_id == Person.id).join(
            teams, teams.c.subject == TeamMember.team_id
        )
    else:
        area = aliased(OrgUnit)
        subject = area.id
        query = query.join(
            area,
            and_(
                home.path.startswith(area.path),
                area.level.in_(AREA_LEVELS[spec.scope]),
                area.path.startswith(_inline(spec.unit_path)),
            ),
        )
    return query.with_only_columns(subject.label("subject"), points).group_by(subject)


def _eligible(start: datetime) -> tuple[ColumnElement[bool], ...]:
    staff_account = (
        select(StaffChat.staff_id)
        .join(StaffAccount, StaffAccount.id == StaffChat.staff_id)
        .join(PersonChannel, PersonChannel.external_id == StaffChat.telegram_user_id)
        .where(
            PersonChannel.person_id == Person.id,
            PersonChannel.channel == TELEGRAM,
            StaffAccount.is_active.is_(True),
        )
    )
    return (
        Resident.status == "verified",
        Resident.verified_at <= start,
        Person.left_at.is_(None),
        Person.on_public_boards.is_(True),
        ~exists(staff_account),
    )


def _inline(value: str | int) -> BindParameter[Any]:
    """A value written into the statement rather than sent beside it: PostgreSQL plans a
    city's board for the actual part of the tree and months (with them as parameters it
    chose a plan twice as slow). Values from the tree and the calendar, never typed in."""
    return bindparam(None, value, literal_execute=True)


def _weight(weights: tuple[tuple[str, int], ...]) -> ColumnElement[int]:
    if not weights:
        return _inline(1)
    return case(
        *((EarnedPoints.unit == _inline(unit), _inline(weight)) for unit, weight in weights),
        else_=_inline(0),
    )
