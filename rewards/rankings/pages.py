"""What the committee sees of ranking boards in the panel: the boards of its part of the
tree with what a new draft may choose, and one board with its standings (who, by name),
what it decides (champion, fund shares, warnings) and its objections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.org.models import OrgUnit
from rewards.org.service import OrgUnitView, units_below
from rewards.people.models import Person
from rewards.points.models import PointType, Rule, RuleVersion
from rewards.rankings.errors import UnknownBoard
from rewards.rankings.models import RankingBoard, RankingEntry, RankingObjection
from rewards.rankings.names import names_of
from rewards.rankings.schemes import Place, Schemes, honour, outcome, schemes_of
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

MOST_LISTED = 200


@dataclass(frozen=True)
class BoardRow:
    id: int
    unit_name: str
    period: str
    scope: str
    status: str
    notice_until: datetime | None


@dataclass(frozen=True)
class EntryRow:
    rank: int
    name: str
    points: int


@dataclass(frozen=True)
class ObjectionRow:
    id: int
    name: str
    text: str
    status: str
    answer: str | None
    at: datetime


@dataclass(frozen=True)
class Decided:
    """A board's outcome by name: places are (rank, name, points)."""

    champions: tuple[EntryRow, ...]
    shares: tuple[tuple[EntryRow, int], ...]
    warned: tuple[tuple[EntryRow, bool], ...]  # flagged: warned on the board before too


@dataclass(frozen=True)
class BoardPage:
    row: BoardRow
    checksum: str
    weights: dict[str, int]
    schemes: Schemes
    entries: tuple[EntryRow, ...]
    decided: Decided
    objections: tuple[ObjectionRow, ...]
    total: int  # entries in all, of which the first MOST_LISTED are here
    award_rules: tuple[tuple[str, str], ...]  # code, action: rules that may pay the best
    honour: str  # what the first place is called (schemes.honour)


@dataclass(frozen=True)
class RankingsPage:
    boards: list[BoardRow]
    units: list[OrgUnitView]  # where a board may be drafted
    point_types: list[tuple[str, str, str | None]]  # code, name, name_en: what may weigh


async def rankings_page(uow: UnitOfWork, *, staff: StaffView) -> RankingsPage:
    staff.require_somewhere(Action.PUBLISH_RANKINGS)
    units = await units_below(uow, list(staff.paths_for(Action.PUBLISH_RANKINGS)))
    async with uow.read() as session:
        types = await session.execute(
            select(PointType.code, PointType.name, PointType.name_en).order_by(PointType.id)
        )
        point_types = [(code, name, name_en) for code, name, name_en in types]
        return RankingsPage(await _boards(session, staff), units, point_types)


async def _boards(session: AsyncSession, staff: StaffView) -> list[BoardRow]:
    rows = await session.execute(
        select(
            RankingBoard.id,
            OrgUnit.name,
            RankingBoard.period,
            RankingBoard.scope,
            RankingBoard.status,
            RankingBoard.notice_until,
        )
        .join(OrgUnit, OrgUnit.id == RankingBoard.org_unit_id)
        .where(staff.reaches_for(Action.PUBLISH_RANKINGS, OrgUnit.path))
        .order_by(RankingBoard.period.desc(), OrgUnit.path, RankingBoard.scope)
        .limit(MOST_LISTED)
    )
    return [BoardRow(*row) for row in rows]


async def find_board(
    uow: UnitOfWork, *, staff: StaffView, unit_id: int, period: str, scope: str
) -> int:
    """The board of a unit, period and scope. Raises unknown_board (also out of reach)."""
    async with uow.read() as session:
        found = await session.scalar(
            select(RankingBoard.id)
            .join(OrgUnit, OrgUnit.id == RankingBoard.org_unit_id)
            .where(
                RankingBoard.org_unit_id == unit_id,
                RankingBoard.period == period,
                RankingBoard.scope == scope,
                staff.reaches_for(Action.PUBLISH_RANKINGS, OrgUnit.path),
            )
        )
    if found is None:
        raise UnknownBoard()
    return found


async def board_page(
    uow: UnitOfWork, *, staff: StaffView, board_id: int, most: int = MOST_LISTED
) -> BoardPage:
    """The board with its first `most` places. Raises unknown_board (also for a board
    out of reach)."""
    async with uow.read() as session:
        found = (
            await session.execute(
                select(RankingBoard, OrgUnit.name)
                .join(OrgUnit, OrgUnit.id == RankingBoard.org_unit_id)
                .where(
                    RankingBoard.id == board_id,
                    staff.reaches_for(Action.PUBLISH_RANKINGS, OrgUnit.path),
                )
            )
        ).one_or_none()
        if found is None:
            raise UnknownBoard()
        board, unit_name = found
        entries = await session.execute(
            select(RankingEntry.rank, RankingEntry.subject_id, RankingEntry.points)
            .where(RankingEntry.board_id == board.id)
            .order_by(RankingEntry.rank, RankingEntry.subject_id)
            .limit(most)
        )
        lines = list(entries)
        decided = await outcome(session, board)
        subjects = {subject for _, subject, _ in lines} | {
            p.subject_id
            for p in (*decided.champions, *(p for p, _ in decided.shares), *decided.warned)
        }
        named = await names_of(session, board.scope, subjects)
        objections = await session.execute(
            select(
                RankingObjection.id,
                Person.display_name,
                RankingObjection.text,
                RankingObjection.status,
                RankingObjection.answer,
                RankingObjection.created_at,
            )
            .join(Person, Person.id == RankingObjection.person_id)
            .where(RankingObjection.board_id == board.id)
            .order_by(RankingObjection.id)
        )
        total = await session.scalar(
            select(func.count()).select_from(RankingEntry).where(RankingEntry.board_id == board.id)
        )

        def entry(place: Place) -> EntryRow:
            return EntryRow(place.rank, named[place.subject_id], place.points)

        row = BoardRow(
            board.id, unit_name, board.period, board.scope, board.status, board.notice_until
        )
        return BoardPage(
            row, board.checksum, dict(board.weights), schemes_of(board),
            tuple(EntryRow(rank, named[subject], points) for rank, subject, points in lines),
            Decided(
                tuple(entry(p) for p in decided.champions),
                tuple((entry(p), share) for p, share in decided.shares),
                tuple((entry(p), p.subject_id in decided.flagged) for p in decided.warned),
            ),
            tuple(ObjectionRow(*o) for o in objections), int(total or 0),
            await _award_rules(session), honour(board.period, board.scope),
        )  # fmt: skip


async def _award_rules(session: AsyncSession) -> tuple[tuple[str, str], ...]:
    rows = await session.execute(
        select(Rule.code, RuleVersion.action)
        .join(
            RuleVersion,
            (RuleVersion.rule_id == Rule.id) & (RuleVersion.version == Rule.current_version),
        )
        .where(RuleVersion.points > 0)
        .order_by(Rule.code)
        .limit(MOST_LISTED)
    )
    return tuple((code, action) for code, action in rows)
