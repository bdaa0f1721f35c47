"""What a final board decides beyond its order (一季度一兑现): the champion (道德冠军 for a
quarter, 最美居民 and 最美家庭 for a year), and the collective schemes of 积分换项目: the
top N share a fund in proportion to their points, the bottom N are warned, and those in
the bottom N of the board before as well are flagged (two periods in a row)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rewards.rankings.models import RankingBoard, RankingEntry
from rewards.rankings.periods import YEAR

MOST_FUND = 10**12
MOST_PLACES = 10_000


class Schemes(BaseModel):
    """A board's collective schemes, as the committee sets them when drafting."""

    fund_amount: int | None = Field(default=None, ge=1, le=MOST_FUND)  # yuan
    fund_top_n: int | None = Field(default=None, ge=1, le=MOST_PLACES)
    warn_bottom_n: int | None = Field(default=None, ge=1, le=MOST_PLACES)


@dataclass(frozen=True)
class Place:
    subject_id: int
    rank: int
    points: int


@dataclass(frozen=True)
class Outcome:
    champions: tuple[Place, ...]
    shares: tuple[tuple[Place, int], ...]  # a place of the top N and its share of the fund
    warned: tuple[Place, ...]
    flagged: frozenset[int]  # subjects warned on this board and on the one before


def honour(period: str, scope: str) -> str:
    """What the first place is called: the quarter's (or month's) 道德冠军, the year's
    最美居民 or 最美家庭, or simply first (a household's quarter, a team, a place)."""
    yearly = YEAR.fullmatch(period) is not None
    if scope == "resident":
        return "best_resident" if yearly else "champion"
    if scope == "household" and yearly:
        return "best_household"
    return "first"


def schemes_of(board: RankingBoard) -> Schemes:
    return Schemes(
        fund_amount=board.fund_amount,
        fund_top_n=board.fund_top_n,
        warn_bottom_n=board.warn_bottom_n,
    )


def fund_shares(top: Sequence[Place], fund: int) -> tuple[tuple[Place, int], ...]:
    """The fund split in proportion to points, in whole yuan that add up to the fund:
    each gets the floor of its share, and the yuan left over go to the largest
    remainders (ties to the better rank). Places with no points get nothing."""
    paid = [place for place in top if place.points > 0]
    total = sum(place.points for place in paid)
    if not paid:
        return tuple((place, 0) for place in top)
    floors = {place.subject_id: fund * place.points // total for place in paid}
    left = fund - sum(floors.values())
    by_remainder = sorted(paid, key=lambda p: (-(fund * p.points % total), p.rank, p.subject_id))
    for place in by_remainder[:left]:
        floors[place.subject_id] += 1
    return tuple((place, floors.get(place.subject_id, 0)) for place in top)


async def outcome(session: AsyncSession, board: RankingBoard) -> Outcome:
    champions = await _places(session, board.id, RankingEntry.rank == 1)
    shares: tuple[tuple[Place, int], ...] = ()
    if board.fund_amount and board.fund_top_n:
        top = await _places(session, board.id, RankingEntry.rank <= board.fund_top_n)
        shares = fund_shares(top, board.fund_amount)
    warned: tuple[Place, ...] = ()
    flagged: frozenset[int] = frozenset()
    if board.warn_bottom_n:
        warned = await _bottom(session, board.id, board.warn_bottom_n)
        before = await _board_before(session, board)
        if before is not None:
            earlier = {p.subject_id for p in await _bottom(session, before, board.warn_bottom_n)}
            flagged = frozenset(p.subject_id for p in warned) & earlier
    return Outcome(champions, shares, warned, flagged)


async def _bottom(session: AsyncSession, board_id: int, n: int) -> tuple[Place, ...]:
    """The last n places, and anyone tied with the last of them."""
    ranks = await session.scalars(
        select(RankingEntry.rank)
        .where(RankingEntry.board_id == board_id)
        .order_by(RankingEntry.rank.desc())
        .limit(n)
    )
    cutoff = min(ranks.all(), default=None)
    if cutoff is None:
        return ()
    return await _places(session, board_id, RankingEntry.rank >= cutoff)


async def _board_before(session: AsyncSession, board: RankingBoard) -> int | None:
    """The same unit's and scope's board of the period just before, once final."""
    return await session.scalar(
        select(RankingBoard.id).where(
            RankingBoard.org_unit_id == board.org_unit_id,
            RankingBoard.scope == board.scope,
            RankingBoard.ends_at == board.starts_at,
            func.length(RankingBoard.period) == len(board.period),  # a quarter's quarter
            RankingBoard.status.in_(("final", "published")),
        )
    )


async def _places(
    session: AsyncSession, board_id: int, which: ColumnElement[bool]
) -> tuple[Place, ...]:
    rows = await session.execute(
        select(RankingEntry.subject_id, RankingEntry.rank, RankingEntry.points)
        .where(RankingEntry.board_id == board_id, which)
        .order_by(RankingEntry.rank, RankingEntry.subject_id)
        .limit(MOST_PLACES)
    )
    return tuple(Place(*row) for row in rows)
