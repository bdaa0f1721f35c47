"""What the committee sees of ranking boards in the panel: the boards of its part of the
tree, and one board with its standings (who, by name) and its objections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.uow import UnitOfWork
from rewards.org.models import OrgUnit
from rewards.people.models import Household, Person
from rewards.rankings.errors import UnknownBoard
from rewards.rankings.models import RankingBoard, RankingEntry, RankingObjection
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
class BoardPage:
    row: BoardRow
    checksum: str
    entries: tuple[EntryRow, ...]
    objections: tuple[ObjectionRow, ...]


async def boards_for(uow: UnitOfWork, *, staff: StaffView) -> list[BoardRow]:
    staff.require_somewhere(Action.PUBLISH_RANKINGS)
    async with uow.read() as session:
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


async def board_page(uow: UnitOfWork, *, staff: StaffView, board_id: int) -> BoardPage:
    """Raises unknown_board (also for a board out of reach)."""
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
            .limit(MOST_LISTED)
        )
        lines = list(entries)
        subjects = [subject for _, subject, _ in lines]
        # A household is named by its head.
        names = (
            select(Household.id, Person.display_name)
            .join(Person, Person.id == Household.head_person_id)
            .where(Household.id.in_(subjects))
            if board.scope == "household"
            else select(Person.id, Person.display_name).where(Person.id.in_(subjects))
        )
        named = {subject: name for subject, name in await session.execute(names)}
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
        row = BoardRow(
            board.id, unit_name, board.period, board.scope, board.status, board.notice_until
        )
        return BoardPage(
            row,
            board.checksum,
            tuple(
                EntryRow(rank, named.get(subject, f"#{subject}"), points)
                for rank, subject, points in lines
            ),
            tuple(ObjectionRow(*o) for o in objections),
        )
