"""Points earned per person, point type and month (rewards.points.models.EarnedPoints):
added to by every award, deduction or adjustment that reaches a wallet and by the
reversal of one, in the entry's own transaction; and checked against the ledger."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.sql import insert_adding
from ledger.models import Account, Entry, Posting
from rewards.points.accounts import WALLET, owner_person
from rewards.points.models import EarnedPoints

# Entries that are points earned or lost for what a resident did (and their reversals).
EARNING = ("award", "deduction", "adjustment")
PAGE = 50_000  # postings read at a time when checking


def month_of(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m")


async def record_earning(
    session: AsyncSession,
    *,
    person_id: int,
    unit: str,
    entry_id: int,
    wallet_id: int,
    at: datetime,
    zone: ZoneInfo,
) -> None:
    """Add what the entry moved on the person's wallet to the entry's month."""
    moved = await session.scalar(
        select(func.sum(Posting.amount)).where(
            Posting.entry_id == entry_id, Posting.account_id == wallet_id
        )
    )
    if not moved:
        return
    row = {"person_id": person_id, "unit": unit, "month": month_of(at, zone), "points": moved}
    await session.execute(
        insert_adding(session, EarnedPoints, on=["person_id", "unit", "month"], add="points"),
        row,
    )


@dataclass(frozen=True)
class EarningMismatch:
    person_id: int
    unit: str
    month: str
    kept: int
    from_postings: int


async def check_earned(session: AsyncSession, zone: ZoneInfo) -> list[EarningMismatch]:
    """Every (person, type, month) whose kept sum differs from the wallet postings of
    earning entries and their reversals, summed again here from the ledger."""
    undone = aliased(Entry)
    query = (
        select(
            Posting.id, owner_person(Account.owner_ref), Account.unit, Entry.effective_at,
            Posting.amount,
        )
        .join(Posting, Posting.account_id == Account.id)
        .join(Entry, Entry.id == Posting.entry_id)
        .outerjoin(undone, undone.id == Entry.reverses_entry_id)
        .where(
            Account.kind == WALLET,
            or_(
                Entry.kind.in_(EARNING),
                and_(Entry.kind == "reversal", undone.kind.in_(EARNING)),
            ),
        )
        .order_by(Posting.id)
        .limit(PAGE)
    )  # fmt: skip
    summed: dict[tuple[int, str, str], int] = defaultdict(int)
    after = 0
    while True:  # a page at a time, by posting id: no cursor, however long the ledger
        page = (await session.execute(query.where(Posting.id > after))).all()
        for _, person, unit, at, amount in page:
            if person is not None:
                summed[(person, unit, month_of(at, zone))] += amount
        if len(page) < PAGE:
            break
        after = page[-1][0]
    kept = {
        (person, unit, month): points
        for person, unit, month, points in await session.execute(
            select(EarnedPoints.person_id, EarnedPoints.unit, EarnedPoints.month,
                   EarnedPoints.points)
        )
    }  # fmt: skip
    return [
        EarningMismatch(*key, kept.get(key, 0), summed.get(key, 0))
        for key in sorted(set(summed) | set(kept))
        if kept.get(key, 0) != summed.get(key, 0)
    ]
