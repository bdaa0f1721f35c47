"""Reading accounts' movements: their statement, newest first, and what came in and went
out over a period. Several accounts in one query (a resident holds one per point type).
Reads only; the caller's session, like every ledger call."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from ledger.models import Entry, Posting


@dataclass(frozen=True)
class StatementLine:
    account_id: int
    entry_id: int
    kind: str
    amount: int  # signed, for this account
    effective_at: datetime
    memo: str | None
    meta: dict[str, Any]
    reverses_entry_id: int | None


@dataclass(frozen=True)
class StatementPage:
    lines: list[StatementLine]
    total: int  # lines of the whole statement, on every page


# Built once: a statement is read a page at a time, often (the bot's "My points").
_STATEMENT_PAGE = (
    select(
        Posting.account_id,
        Entry.id,
        Entry.kind,
        Posting.amount,
        Entry.effective_at,
        Entry.memo,
        Entry.meta,
        Entry.reverses_entry_id,
        func.count().over(),  # the whole statement's length, in the same query
    )
    .join(Entry, Entry.id == Posting.entry_id)
    .where(Posting.account_id.in_(bindparam("ids", expanding=True)))
    .order_by(Entry.effective_at.desc(), Entry.id.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


async def statement(
    session: AsyncSession, account_ids: Sequence[int], *, limit: int, offset: int = 0
) -> StatementPage:
    """The accounts' postings together, newest first by effective time (an entry
    recorded late for an earlier day takes that day's place), `limit` after `offset`,
    and how many there are in all."""
    params = {"ids": list(account_ids), "limit": limit, "offset": offset}
    rows = (await session.execute(_STATEMENT_PAGE, params)).all()
    if rows:
        total = int(rows[0][-1])
    else:  # a page past the end says nothing of the whole
        counted = select(func.count()).select_from(Posting)
        counted = counted.where(Posting.account_id.in_(list(account_ids)))
        total = int(await session.scalar(counted) or 0)
    return StatementPage([StatementLine(*row[:-1]) for row in rows], total)


def net_flow(
    account_id: ColumnElement[int] | QueryableAttribute[int],
    *,
    since: ColumnElement[datetime] | datetime,
    kinds: ColumnElement[Collection[str]] | Collection[str],
) -> ScalarSelect[int]:
    """What came into the account less what went out since `since` (effective time), in
    entries of `kinds`: a column for the caller's own query, so that a list of accounts
    and their figures is read at once."""
    return (
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(Entry, Entry.id == Posting.entry_id)
        .where(
            Posting.account_id == account_id,
            Entry.effective_at >= since,
            Entry.kind.in_(kinds),
        )
        .scalar_subquery()
    )


async def flows(
    session: AsyncSession,
    account_ids: Sequence[int],
    *,
    since: datetime,
    until: datetime | None = None,
    kinds: Collection[str] | None = None,
) -> dict[int, tuple[int, int]]:
    """(credits, debits) of each account over [since, until) by effective time, debits
    as a positive number; only entries of `kinds` when given. Accounts with no movement
    in the period are (0, 0)."""
    if not account_ids:
        return {}
    query = (
        select(
            Posting.account_id,
            func.coalesce(func.sum(case((Posting.amount > 0, Posting.amount), else_=0)), 0),
            func.coalesce(func.sum(case((Posting.amount < 0, -Posting.amount), else_=0)), 0),
        )
        .join(Entry, Entry.id == Posting.entry_id)
        .where(Posting.account_id.in_(list(account_ids)), Entry.effective_at >= since)
        .group_by(Posting.account_id)
    )
    if until is not None:
        query = query.where(Entry.effective_at < until)
    if kinds is not None:
        query = query.where(Entry.kind.in_(list(kinds)))
    moved = {account: (int(c), int(d)) for account, c, d in await session.execute(query)}
    return {account: moved.get(account, (0, 0)) for account in account_ids}


async def entries_written(session: AsyncSession) -> int:
    """How many entries the ledger holds, as the highest entry id: the primary key's index
    answers it with one step at any size (a count(*) reads every entry, and 20 million
    postings make millions of entries). Entries are never deleted, so it is the count,
    except that on PostgreSQL an id taken by a transaction that rolled back is skipped."""
    return int(await session.scalar(select(func.coalesce(func.max(Entry.id), 0))) or 0)
