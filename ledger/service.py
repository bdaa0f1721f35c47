"""Posting entries and reading balances. Functions take the caller's session: the caller
(a rewards service) owns the transaction, so a redemption can move points, take stock and
write its receipt in one commit.

Hot accounts: every award leaves one issuance account and every redemption lands in one
clearing account. If those rows were locked or updated per entry, all writers would queue
behind each other. So only bounded accounts (a floor or a ceiling: resident wallets) keep
a balance on their row, updated by a trigger under that row's lock and checked against
the bound there; unbounded accounts are append-only sums of their postings that no
writer ever locks or updates. A wallet is contended only by writers of that same wallet,
and only for the database round trips of the write itself: nothing else happens between
the first lock and the commit that the caller's transaction does not choose to do.

Idempotency comes from the unique key with ON CONFLICT DO NOTHING, not from a lock of
ours; see ledger.writes for how each database writes an entry (one statement per write or
batch on PostgreSQL).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.sql import insert_ignoring_conflicts
from ledger.errors import (
    AlreadyReversed,
    IdempotencyConflict,
    LedgerError,
    UnbalancedEntry,
    UnknownEntry,
)
from ledger.models import Account, Entry, Hold, Posting
from ledger.values import AccountView, EntryRequest, EntryView, Leg, NewEntry
from ledger.writes import insert_new_entries

__all__ = [
    "INT64_MAX",
    "AccountView",
    "Balances",
    "EntryRequest",
    "EntryView",
    "Leg",
    "available",
    "balance",
    "balances",
    "find_entry",
    "fingerprint_of",
    "open_account",
    "post_batch",
    "post_entry",
    "reverse_entry",
]

INT64_MAX = 2**63 - 1


def _account_view(account: Account) -> AccountView:
    return AccountView(
        account.id,
        account.code,
        account.unit,
        account.kind,
        account.owner_ref,
        account.floor,
        account.ceiling,
    )


async def open_account(
    session: AsyncSession,
    *,
    code: str,
    unit: str,
    kind: str,
    now: datetime,
    owner_ref: str | None = None,
    floor: int | None = None,
    ceiling: int | None = None,
) -> AccountView:
    """The account with `code`, created if missing. Opening is idempotent by code, also
    when two transactions open the same account at once (the second waits for the first
    and then finds its row)."""
    existing = await session.scalar(select(Account).where(Account.code == code))
    if existing is None:
        bounded = floor is not None or ceiling is not None
        await session.execute(
            insert_ignoring_conflicts(session, Account, on=["code"]),
            [
                {
                    "code": code,
                    "unit": unit,
                    "kind": kind,
                    "owner_ref": owner_ref,
                    "floor": floor,
                    "ceiling": ceiling,
                    "posted": 0 if bounded else None,
                    "held": 0 if bounded else None,
                    "created_at": now,
                }
            ],
        )
        existing = await session.scalar(select(Account).where(Account.code == code))
        assert existing is not None
    return _account_view(existing)


async def post_entry(
    session: AsyncSession,
    *,
    idempotency_key: str,
    kind: str,
    legs: Sequence[Leg],
    now: datetime,
    effective_at: datetime | None = None,
    memo: str | None = None,
    actor: str | None = None,
    meta: dict[str, Any] | None = None,
    reverses_entry_id: int | None = None,
) -> EntryView:
    """Write one balanced entry, or return the one already written under the same key.

    Raises ledger_unbalanced (fewer than two legs, a zero or out-of-range amount, a sum
    other than zero), ledger_mixed_units, ledger_unknown_account, insufficient_balance
    (a floor or ceiling would be crossed), idempotency_conflict (the key was used for
    different content). After an error the caller's transaction must be rolled back.
    """
    entry = _new_entry(
        idempotency_key,
        kind,
        tuple(legs),
        effective_at or now,
        memo=memo,
        actor=actor,
        meta=meta or {},
        reverses_entry_id=reverses_entry_id,
    )
    [view] = await _post(session, [entry], now)
    return view


async def post_batch(
    session: AsyncSession,
    requests: Sequence[EntryRequest],
    *,
    now: datetime,
    actor: str | None = None,
) -> list[EntryView]:
    """Post many entries in the caller's transaction: all of them commit, or none does
    (confirming twenty patrol volunteers is one write). The bounds hold for the batch as a
    whole. Raises what post_entry raises."""
    entries = [
        _new_entry(
            request.idempotency_key,
            request.kind,
            tuple(request.legs),
            now,
            memo=request.memo,
            actor=actor,
            meta=request.meta or {},
        )
        for request in requests
    ]
    unique: dict[str, NewEntry] = {}
    for entry in entries:  # a key twice in one batch is one entry, or a conflict
        first = unique.setdefault(entry.key, entry)
        if first.fingerprint != entry.fingerprint:
            raise IdempotencyConflict(key=entry.key)
    views = {
        view.idempotency_key: view for view in await _post(session, list(unique.values()), now)
    }
    return [views[entry.key] for entry in entries]


def _new_entry(
    key: str,
    kind: str,
    legs: tuple[Leg, ...],
    effective_at: datetime,
    *,
    memo: str | None,
    actor: str | None,
    meta: dict[str, Any],
    reverses_entry_id: int | None = None,
) -> NewEntry:
    _check_legs(legs)
    fingerprint = fingerprint_of(kind, legs, memo, meta, reverses_entry_id)
    return NewEntry(
        key, fingerprint, kind, legs, effective_at, memo, actor, meta, reverses_entry_id
    )


def _check_legs(legs: tuple[Leg, ...]) -> None:
    if len(legs) < 2:
        raise UnbalancedEntry(reason="fewer than two legs")
    for leg in legs:
        if not isinstance(leg.amount, int) or leg.amount == 0 or abs(leg.amount) > INT64_MAX:
            raise UnbalancedEntry(reason="amount must be a non-zero 64-bit integer")
    if sum(leg.amount for leg in legs) != 0:
        raise UnbalancedEntry(reason="legs do not sum to zero")


def fingerprint_of(
    kind: str,
    legs: tuple[Leg, ...],
    memo: str | None,
    meta: dict[str, Any],
    reverses: int | None,
) -> str:
    content = {
        "kind": kind,
        "legs": sorted([leg.account_id, leg.amount] for leg in legs),
        "memo": memo,
        "meta": meta,
        "reverses": reverses,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _post(
    session: AsyncSession, entries: Sequence[NewEntry], now: datetime
) -> list[EntryView]:
    """Write the new entries; the others were written before under their keys and are
    returned as they were (or refused when their content differs)."""
    written = await insert_new_entries(session, entries, now)
    earlier = await find_entries(session, [e.key for e in entries if e.key not in written])
    views = []
    for entry in entries:
        if entry.key in written:
            views.append(
                EntryView(
                    written[entry.key],
                    entry.key,
                    entry.kind,
                    entry.legs,
                    entry.effective_at,
                    entry.reverses_entry_id,
                    meta_hold_id=entry.meta.get("hold_id"),
                )
            )
            continue
        found = earlier.get(entry.key)
        if found is None:  # skipped as taken, so it must be there: the books are damaged
            raise LedgerError(key=entry.key)
        if found.fingerprint != entry.fingerprint:
            raise IdempotencyConflict(key=entry.key)
        views.append(found.view)
    return views


@dataclass(frozen=True)
class Found:
    view: EntryView
    fingerprint: str


async def find_entry(session: AsyncSession, key: str) -> Found | None:
    """The entry written under `key`, as a replay would return it."""
    return (await find_entries(session, [key])).get(key)


async def find_entries(session: AsyncSession, keys: Sequence[str]) -> dict[str, Found]:
    if not keys:
        return {}
    entries = (await session.scalars(select(Entry).where(Entry.idempotency_key.in_(keys)))).all()
    legs: dict[int, list[Leg]] = {entry.id: [] for entry in entries}
    rows = await session.execute(
        select(Posting.entry_id, Posting.account_id, Posting.amount)
        .where(Posting.entry_id.in_(legs))
        .order_by(Posting.id)
    )
    for entry_id, account_id, amount in rows:
        legs[entry_id].append(Leg(account_id, amount))
    return {
        entry.idempotency_key: Found(
            EntryView(
                entry.id,
                entry.idempotency_key,
                entry.kind,
                tuple(legs[entry.id]),
                entry.effective_at,
                entry.reverses_entry_id,
                replayed=True,
                meta_hold_id=(entry.meta or {}).get("hold_id"),
            ),
            entry.fingerprint,
        )
        for entry in entries
    }


async def balance(session: AsyncSession, account_id: int, *, as_of: datetime | None = None) -> int:
    """Posted balance: the sum of the account's postings (kept on the row of a bounded
    account), optionally as of a past moment."""
    if as_of is None:
        kept = await session.scalar(select(Account.posted).where(Account.id == account_id))
        if kept is not None:
            return kept
    query = select(func.coalesce(func.sum(Posting.amount), 0)).where(
        Posting.account_id == account_id
    )
    if as_of is not None:
        query = query.join(Entry, Entry.id == Posting.entry_id).where(Entry.effective_at <= as_of)
    return int((await session.execute(query)).scalar_one())


async def available(session: AsyncSession, account_id: int, *, lock: bool = False) -> int:
    """Posted balance less what pending holds have reserved: what can be spent now.

    With `lock`, a bounded account's row stays locked until the caller's transaction
    ends, so that the figure still holds when the caller writes what it decided from it
    (a deduction that takes "what is left" of an account several people draw on)."""
    query = select(Account.posted, Account.held).where(Account.id == account_id)
    if lock:
        query = query.with_for_update()
    kept = (await session.execute(query)).one_or_none()
    if kept is not None and kept.posted is not None:
        return int(kept.posted - kept.held)
    held = await session.scalar(
        select(func.coalesce(func.sum(Hold.amount), 0)).where(
            Hold.debit_account_id == account_id, Hold.status == "pending"
        )
    )
    return await balance(session, account_id) - int(held or 0)


@dataclass(frozen=True)
class Balances:
    posted: int
    available: int  # posted less what pending holds reserve


async def balances(session: AsyncSession, account_ids: Sequence[int]) -> dict[int, Balances]:
    """Posted and available balances of several accounts: one query for bounded accounts
    (they keep theirs on the row); the others are summed one by one."""
    # Fresh rows even if the session holds older copies: the figures are updated in SQL.
    query = select(Account).where(Account.id.in_(list(account_ids)))
    rows = (await session.scalars(query.execution_options(populate_existing=True))).all()
    return await balances_of(session, rows)


async def balances_of(session: AsyncSession, accounts: Sequence[Account]) -> dict[int, Balances]:
    """The same for account rows the caller has just read (with its own query joined to
    what it needed besides): bounded accounts cost nothing more."""
    kept: dict[int, Balances] = {}
    for account in accounts:
        if account.posted is not None:
            kept[account.id] = Balances(account.posted, account.posted - (account.held or 0))
        else:
            kept[account.id] = Balances(
                await balance(session, account.id), await available(session, account.id)
            )
    return kept


async def reverse_entry(
    session: AsyncSession,
    *,
    entry_id: int,
    idempotency_key: str,
    now: datetime,
    memo: str | None = None,
    actor: str | None = None,
) -> EntryView:
    """Undo a posted entry with its mirror image; an entry can be reversed once.

    Raises ledger_unknown_entry, ledger_already_reversed, insufficient_balance (the
    points were spent meanwhile), idempotency_conflict."""
    original = await session.get(Entry, entry_id)
    if original is None:
        raise UnknownEntry(entry_id=entry_id)
    rows = await session.execute(
        select(Posting.account_id, Posting.amount)
        .where(Posting.entry_id == entry_id)
        .order_by(Posting.id)
    )
    legs = [Leg(account_id, -amount) for account_id, amount in rows]
    earlier = await session.scalar(
        select(Entry.idempotency_key).where(Entry.reverses_entry_id == entry_id)
    )
    if earlier is not None and earlier != idempotency_key:
        raise AlreadyReversed(entry_id=entry_id)
    try:
        return await post_entry(
            session,
            idempotency_key=idempotency_key,
            kind="reversal",
            legs=legs,
            now=now,
            memo=memo,
            actor=actor,
            reverses_entry_id=entry_id,
        )
    except IntegrityError as exc:  # the unique reverses_entry_id: someone was first
        if "reverses_entry_id" not in str(exc.orig):
            raise
        raise AlreadyReversed(entry_id=entry_id) from exc
