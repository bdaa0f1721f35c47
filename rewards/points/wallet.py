"""A resident's wallet as the bot shows it: balances, what is redeemable, what was earned
this quarter, and the statement. Every figure comes from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from ledger.history import net_flow, statement
from ledger.models import Account
from ledger.service import balances_of
from rewards.people.models import Resident
from rewards.points.accounts import WALLET, person_ref
from rewards.points.households import HouseholdPoints, my_household_points
from rewards.points.models import PointType
from rewards.points.notices import describe
from rewards.points.periods import period_start

# The entries that count as earning or losing points (rankings count the same); spending
# at a kiosk does not lower what was earned.
EARNING_KINDS = ("award", "deduction", "adjustment", "reversal")
PAGE = 10


# Built once: "My points" is the bot's busiest question. The resident's row leads, so
# that one query says both where they stand and which wallets they hold (none without it:
# points are paid to residents only).
_WALLETS = (
    select(
        Resident.status,
        Resident.household_id,
        Account,
        PointType,
        net_flow(
            Account.id,
            since=bindparam("quarter"),
            kinds=bindparam("kinds", expanding=True),
        ),
    )
    .select_from(Resident)
    .outerjoin(Account, (Account.owner_ref == bindparam("owner")) & (Account.kind == WALLET))
    .outerjoin(PointType, PointType.code == Account.unit)
    .where(Resident.person_id == bindparam("person_id"))
    .order_by(PointType.id)
)


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
    household: tuple[HouseholdPoints, ...]  # empty when not in a household
    lines: tuple[Line, ...]
    page: int
    pages: int


async def my_wallet(
    uow: UnitOfWork, *, person_id: int, locale: str, zone: ZoneInfo, page: int = 0
) -> Wallet:
    """Balances of every point type the person holds, and page `page` of the statement
    (PAGE lines, newest first, over all point types)."""
    async with uow.read() as session:
        params = {
            "owner": person_ref(person_id),
            "person_id": person_id,
            "quarter": period_start("quarter", uow.now(), zone),
            "kinds": EARNING_KINDS,
        }
        found = (await session.execute(_WALLETS, params)).all()
        status, household_id = found[0][:2] if found else (None, None)
        rows = [(account, kind, earned) for _, _, account, kind, earned in found if account]
        figures = await balances_of(session, [account for account, _, _ in rows])
        wallet_balances = [
            Balance(
                point_type=point_type.code,
                name=point_type.name,
                name_en=point_type.name_en,
                balance=figures[account.id].posted,
                redeemable_now=max(figures[account.id].available, 0)
                if point_type.redeemable
                else 0,
                earned_this_quarter=int(earned),
                value_fen=point_type.value_fen,
            )
            for account, point_type, earned in rows
        ]
        lines, total = await _lines(session, {a.id: a.unit for a, _, _ in rows}, locale, page)
        household = await my_household_points(session, household_id) if household_id else ()
    pages = max(1, -(-total // PAGE))
    return Wallet(
        status, tuple(wallet_balances), household, tuple(lines), min(page, pages - 1), pages
    )


async def _lines(
    session: AsyncSession, units: dict[int, str], locale: str, page: int
) -> tuple[list[Line], int]:
    """Page `page` of the statement of all the wallets (`units`: account id → point type)
    and the number of lines in all."""
    if not units:
        return [], 0
    page_of_lines = await statement(session, list(units), limit=PAGE, offset=page * PAGE)
    lines = [
        Line(
            line.entry_id,
            units[line.account_id],
            line.kind,
            describe(line.meta, locale) or (line.memo or ""),
            line.amount,
            line.effective_at,
        )
        for line in page_of_lines.lines
    ]
    return lines, page_of_lines.total


@dataclass(frozen=True)
class Holding:
    """What one wallet holds, named for a list of residents."""

    name: str
    name_en: str | None
    points: int


async def holdings_of(uow: UnitOfWork, person_ids: list[int]) -> dict[int, list[Holding]]:
    """person → what each of their wallets holds (posted), in point type order: for lists
    of residents, where staff tell people apart. Wallets keep their balance on the row, so
    this is one query however long the list."""
    refs = {person_ref(person_id): person_id for person_id in person_ids}
    query = (
        select(Account, PointType.name, PointType.name_en)
        .join(PointType, PointType.code == Account.unit)
        .where(Account.kind == WALLET, Account.owner_ref.in_(list(refs)))
        .order_by(PointType.id)
    )
    held: dict[int, list[Holding]] = {}
    async with uow.read() as session:
        rows = (await session.execute(query)).all()
        figures = await balances_of(session, [account for account, _, _ in rows])
    for account, name, name_en in rows:
        person = refs[str(account.owner_ref)]
        held.setdefault(person, []).append(Holding(name, name_en, figures[account.id].posted))
    return held
