"""A resident's view of the rankings in the bot: the latest board of their community that
is on notice or past it, its top with names masked (张*红: a board is public, a name
in full is not), their own rank and their household's, and whether they may still
object; and their choice to appear on public boards at all (nobody does until they
agree)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.org.models import OrgUnit
from rewards.people.models import Person
from rewards.people.residents import community_path, load_resident, mask_name
from rewards.rankings.models import RankingBoard, RankingEntry

SHOWN = ("notice", "final", "published")  # a draft is the committee's, not the public's
TOP = 10


@dataclass(frozen=True)
class MyRankings:
    on_boards: bool
    board: MyBoard | None


@dataclass(frozen=True)
class MyBoard:
    board_id: int
    period: str
    status: str
    notice_until: datetime | None
    top: tuple[tuple[int, str, int], ...]  # rank, masked name, points
    mine: tuple[int, int] | None  # rank, points
    household: tuple[int, int] | None


async def my_rankings(uow: UnitOfWork, *, person_id: int) -> MyRankings:
    async with uow.read() as session:
        person = await session.get(Person, person_id)
        return MyRankings(
            bool(person and person.on_public_boards), await _my_board(session, person_id)
        )


async def choose_public_boards(uow: UnitOfWork, *, person_id: int, on: bool) -> None:
    """From the next board drafted on, the person is ranked (masked) or left off."""
    async with uow.write() as session:
        resident = await load_resident(session, person_id)
        person = await session.get(Person, resident.person_id)
        if person is not None:
            person.on_public_boards = on


async def _my_board(session: AsyncSession, person_id: int) -> MyBoard | None:
    resident = await load_resident(session, person_id)
    path = await community_path(session, person_id)
    board = await _latest(session, path, "resident")
    if board is None:
        return None
    top = await session.execute(
        select(RankingEntry.rank, Person.display_name, RankingEntry.points)
        .join(Person, Person.id == RankingEntry.subject_id)
        .where(RankingEntry.board_id == board.id)
        .order_by(RankingEntry.rank, RankingEntry.subject_id)
        .limit(TOP)
    )
    mine = await _place(session, board.id, person_id)
    homes = await _latest(session, path, "household", period=board.period)
    household = None
    if homes is not None and resident.household_id is not None:
        household = await _place(session, homes.id, resident.household_id)
    return MyBoard(
        board.id, board.period, board.status, board.notice_until,
        tuple((rank, mask_name(name), points) for rank, name, points in top), mine, household,
    )  # fmt: skip


async def _latest(
    session: AsyncSession, path: str, scope: str, *, period: str | None = None
) -> RankingBoard | None:
    query = (
        select(RankingBoard)
        .join(OrgUnit, OrgUnit.id == RankingBoard.org_unit_id)
        .where(OrgUnit.path == path, RankingBoard.scope == scope, RankingBoard.status.in_(SHOWN))
        .order_by(RankingBoard.starts_at.desc())
        .limit(1)
    )
    if period is not None:
        query = query.where(RankingBoard.period == period)
    return await session.scalar(query)


async def _place(session: AsyncSession, board_id: int, subject_id: int) -> tuple[int, int] | None:
    row = (
        await session.execute(
            select(RankingEntry.rank, RankingEntry.points).where(
                RankingEntry.board_id == board_id, RankingEntry.subject_id == subject_id
            )
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])
