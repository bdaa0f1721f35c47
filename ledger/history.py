"""Reading one account's movements: its statement, newest first, and what came in and
went out over a period. Reads only; the caller's session, like every ledger call."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.models import Entry, Posting


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    kind: str
    amount: int  # signed, for this account
    effective_at: datetime
    memo: str | None
    meta: dict[str, Any]
    reverses_entry_id: int | None


async def statement(
    session: AsyncSession, account_id: int, *, limit: int, offset: int = 0
) -> list[StatementLine]:
    """The account's postings, newest first, `limit` of them after skipping `offset`."""
    rows = await session.execute(
        select(
            Entry.id,
            Entry.kind,
            Posting.amount,
            Entry.effective_at,
            Entry.memo,
            Entry.meta,
            Entry.reverses_entry_id,
        )
        .join(Entry, Entry.id == Posting.entry_id)
        .where(Posting.account_id == account_id)
        .order_by(Posting.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [StatementLine(*row) for row in rows]


async def statement_length(session: AsyncSession, account_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Posting).where(Posting.account_id == account_id)
    )
    return int(count or 0)


async def flows(
    session: AsyncSession,
    account_id: int,
    *,
    since: datetime,
    until: datetime | None = None,
    kinds: Collection[str] | None = None,
) -> tuple[int, int]:
    """(credits, debits) of the account over [since, until) by effective time, debits as
    a positive number; only entries of `kinds` when given."""
    query = (
        select(
            func.coalesce(func.sum(case((Posting.amount > 0, Posting.amount), else_=0)), 0),
            func.coalesce(func.sum(case((Posting.amount < 0, -Posting.amount), else_=0)), 0),
        )
        .join(Entry, Entry.id == Posting.entry_id)
        .where(Posting.account_id == account_id, Entry.effective_at >= since)
    )
    if until is not None:
        query = query.where(Entry.effective_at < until)
    if kinds is not None:
        query = query.where(Entry.kind.in_(list(kinds)))
    credits, debits = (await session.execute(query)).one()
    return int(credits), int(debits)
