"""A resident's wallet as the bot shows it: balances, what is redeemable, what was earned
this quarter, and the statement. Every figure comes from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from ledger.history import flows, statement, statement_length
from ledger.models import Account
from ledger.service import available, balance
from rewards.people.models import Resident
from rewards.points.accounts import person_ref
from rewards.points.models import PointType
from rewards.points.notices import describe
from rewards.points.periods import period_start

# The entries that count as earning or losing points (rankings count the same); spending
# at a kiosk does not lower what was earned.
EARNING_KINDS = ("award", "deduction", "adjustment", "reversal")
PAGE = 10


@dataclass(frozen=True)
class Balance:
    point_type: str
    name: str
    name_en: str | None
    balance: int
    redeemable_now: int
    earned_this_quarter: int
    value_fen: int


@dataclass(frozen=True)
class Line:
    entry_id: int
    point_type: str
    kind: str  # award | deduction | adjustment | reversal | …
    what: str  # the category and action, or the reason, as staff wrote them
    amount: int
    at: datetime


@dataclass(frozen=True)
class Wallet:
    resident_status: str | None  # None: not joined yet; pending; verified
    balances: tuple[Balance, ...]
    lines: tuple[Line, ...]
    page: int
    pages: int


async def my_wallet(
    uow: UnitOfWork, *, person_id: int, locale: str, zone: ZoneInfo, page: int = 0
) -> Wallet:
    """Balances of every point type the person holds, and page `page` of the statement
    (PAGE lines, newest first, over all point types)."""
    async with uow.read() as session:
        rows = (
            await session.execute(
                select(Account, PointType)
                .join(PointType, PointType.code == Account.unit)
                .where(Account.owner_ref == person_ref(person_id), Account.kind == "wallet")
                .order_by(PointType.id)
            )
        ).all()
        quarter = period_start("quarter", uow.now(), zone)
        balances = []
        for account, point_type in rows:
            earned, lost = await flows(session, account.id, since=quarter, kinds=EARNING_KINDS)
            spendable = await available(session, account.id)
            balances.append(
                Balance(
                    point_type=point_type.code,
                    name=point_type.name,
                    name_en=point_type.name_en,
                    balance=await balance(session, account.id),
                    redeemable_now=max(spendable, 0) if point_type.redeemable else 0,
                    earned_this_quarter=earned - lost,
                    value_fen=point_type.value_fen,
                )
            )
        lines, total = await _lines(session, [a for a, _ in rows], locale, page)
        status = await session.scalar(
            select(Resident.status).where(Resident.person_id == person_id)
        )
    pages = max(1, -(-total // PAGE))
    return Wallet(status, tuple(balances), tuple(lines), min(page, pages - 1), pages)


async def _lines(
    session: AsyncSession, accounts: list[Account], locale: str, page: int
) -> tuple[list[Line], int]:
    """The newest lines over all the wallets: each wallet's first (page+1)*PAGE lines are
    enough to find the page of the merged statement."""
    wanted = (page + 1) * PAGE
    merged: list[Line] = []
    total = 0
    for account in accounts:
        total += await statement_length(session, account.id)
        for line in await statement(session, account.id, limit=wanted):
            merged.append(
                Line(
                    line.entry_id,
                    account.unit,
                    line.kind,
                    describe(line.meta, locale) or (line.memo or ""),
                    line.amount,
                    line.effective_at,
                )
            )
    merged.sort(key=lambda line: (line.at, line.entry_id), reverse=True)
    return merged[page * PAGE : wanted], total
