"""Posting entries and reading balances. Functions take the caller's session: the caller
(a rewards service) owns the transaction, so a redemption can move points, take stock and
write its receipt in one commit.

Hot accounts: every award leaves one issuance account and every redemption lands in one
clearing account. Locking those would make all writers queue behind each other, so only
accounts with a floor or a ceiling are locked (in ascending id order, so two entries never
wait for each other crosswise), and only for the round trips of the write itself.
Unbounded accounts are append-only sums: concurrent entries on them never conflict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import (
    AlreadyReversed,
    BalanceOutOfBounds,
    IdempotencyConflict,
    MixedUnits,
    UnbalancedEntry,
    UnknownAccount,
    UnknownEntry,
)
from ledger.models import Account, Entry, Hold, Posting

INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Leg:
    account_id: int
    amount: int


@dataclass(frozen=True)
class AccountView:
    id: int
    code: str
    unit: str
    kind: str
    owner_ref: str | None
    floor: int | None
    ceiling: int | None


@dataclass(frozen=True)
class EntryView:
    id: int
    idempotency_key: str
    kind: str
    legs: tuple[Leg, ...]
    effective_at: datetime
    reverses_entry_id: int | None
    # True when this call found the entry already written under the same key.
    replayed: bool = False
    # The hold this entry posted, if it did.
    meta_hold_id: int | None = None


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
    """The account with `code`, created if missing (opening is idempotent by code)."""
    existing = await session.scalar(select(Account).where(Account.code == code))
    if existing is not None:
        return _account_view(existing)
    account = Account(
        code=code,
        unit=unit,
        kind=kind,
        owner_ref=owner_ref,
        floor=floor,
        ceiling=ceiling,
        created_at=now,
    )
    session.add(account)
    await session.flush()
    return _account_view(account)


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
    releasing_hold_id: int | None = None,
) -> EntryView:
    """Write one balanced entry, or return the one already written under the same key.

    `releasing_hold_id` names a pending hold whose reserved amount this entry spends
    (a capture), so that amount is not counted against the floor twice.

    Raises ledger_unbalanced (fewer than two legs, a zero or out-of-range amount, a sum
    other than zero), ledger_mixed_units, ledger_unknown_account, insufficient_balance
    (a floor or ceiling would be crossed), idempotency_conflict (the key was used for
    different content).
    """
    legs = tuple(legs)
    _check_legs(legs)
    fingerprint = fingerprint_of(kind, legs, memo, meta or {}, reverses_entry_id)
    await serialize_key(session, idempotency_key)
    previous = await _find_by_key(session, idempotency_key, fingerprint)
    if previous is not None:
        return previous
    await _check_accounts(session, legs, releasing_hold_id)
    entry_id = await _next_entry_id(session)
    await session.execute(
        insert(Posting),
        [
            {"entry_id": entry_id, "account_id": leg.account_id, "amount": leg.amount}
            for leg in legs
        ],
    )
    entry = Entry(
        id=entry_id,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        kind=kind,
        memo=memo,
        actor=actor,
        created_at=now,
        effective_at=effective_at or now,
        meta=meta or {},
        reverses_entry_id=reverses_entry_id,
    )
    session.add(entry)
    await session.flush()
    return EntryView(
        entry_id,
        idempotency_key,
        kind,
        legs,
        entry.effective_at,
        reverses_entry_id,
        meta_hold_id=(meta or {}).get("hold_id"),
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


def _on_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def serialize_key(session: AsyncSession, key: str) -> None:
    """Make concurrent writers of one key take turns, so the second sees the first's entry
    instead of failing on the unique index. (SQLite already admits one writer at a time.)"""
    if _on_postgres(session):
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
        )


async def _find_by_key(session: AsyncSession, key: str, fingerprint: str) -> EntryView | None:
    found = await find_entry(session, key)
    if found is not None and found.fingerprint != fingerprint:
        raise IdempotencyConflict(key=key)
    return found.view if found is not None else None


@dataclass(frozen=True)
class _Found:
    view: EntryView
    fingerprint: str


async def find_entry(session: AsyncSession, key: str) -> _Found | None:
    """The entry written under `key`, as a replay would return it."""
    entry = await session.scalar(select(Entry).where(Entry.idempotency_key == key))
    if entry is None:
        return None
    rows = await session.execute(
        select(Posting.account_id, Posting.amount)
        .where(Posting.entry_id == entry.id)
        .order_by(Posting.id)
    )
    legs = tuple(Leg(account_id, amount) for account_id, amount in rows)
    view = EntryView(
        entry.id,
        key,
        entry.kind,
        legs,
        entry.effective_at,
        entry.reverses_entry_id,
        replayed=True,
        meta_hold_id=(entry.meta or {}).get("hold_id"),
    )
    return _Found(view, entry.fingerprint)


async def _check_accounts(
    session: AsyncSession, legs: tuple[Leg, ...], releasing_hold_id: int | None
) -> None:
    ids = sorted({leg.account_id for leg in legs})
    accounts = (
        await session.execute(
            select(Account.id, Account.unit, Account.floor, Account.ceiling).where(
                Account.id.in_(ids)
            )
        )
    ).all()
    if len(accounts) != len(ids):
        raise UnknownAccount()
    if len({unit for _, unit, _, _ in accounts}) != 1:
        raise MixedUnits()
    bounded = [a for a in accounts if _may_cross(a, legs)]
    if bounded:
        await check_bounds(session, legs, bounded, releasing_hold_id)


def _may_cross(account: Any, legs: tuple[Leg, ...]) -> bool:
    """Only money leaving an account can cross its floor, and only money arriving can cross
    its ceiling; an account these legs cannot push out of bounds needs no lock (so awards
    into wallets never wait)."""
    delta = sum(leg.amount for leg in legs if leg.account_id == account.id)
    return (account.floor is not None and delta < 0) or (account.ceiling is not None and delta > 0)


async def lock_accounts(
    session: AsyncSession, *, debited: Sequence[int], credited: Sequence[int]
) -> None:
    """Lock, in ascending id order, the debited accounts that have a floor and the credited
    ones that have a ceiling: exactly those some entry would lock (see _may_cross)."""
    await session.execute(
        select(Account.id)
        .where(
            (Account.id.in_(set(debited)) & Account.floor.is_not(None))
            | (Account.id.in_(set(credited)) & Account.ceiling.is_not(None))
        )
        .order_by(Account.id)
        .with_for_update()
    )


async def check_bounds(
    session: AsyncSession,
    legs: tuple[Leg, ...],
    bounded: Sequence[Any],
    releasing_hold_id: int | None = None,
) -> None:
    """Lock the bounded accounts and refuse legs that would cross a floor or ceiling,
    counting pending holds against the floor (they are promised away already)."""
    ids = [account.id for account in bounded]  # ascending: see the module docstring
    await session.execute(
        select(Account.id).where(Account.id.in_(ids)).order_by(Account.id).with_for_update()
    )
    balances = await _balances(session, ids)
    held = await pending_out(session, ids, excluding=releasing_hold_id)
    for account in bounded:
        after = (
            balances.get(account.id, 0)
            - held.get(account.id, 0)
            + sum(leg.amount for leg in legs if leg.account_id == account.id)
        )
        below = account.floor is not None and after < account.floor
        above = account.ceiling is not None and after > account.ceiling
        if below or above:
            raise BalanceOutOfBounds(account_id=account.id)


async def _balances(session: AsyncSession, ids: list[int]) -> dict[int, int]:
    rows = await session.execute(
        select(Posting.account_id, func.sum(Posting.amount))
        .where(Posting.account_id.in_(ids))
        .group_by(Posting.account_id)
    )
    return {account_id: int(total) for account_id, total in rows}


async def pending_out(
    session: AsyncSession, ids: Sequence[int], *, excluding: int | None = None
) -> dict[int, int]:
    """Amounts reserved by pending holds, per debit account."""
    query = (
        select(Hold.debit_account_id, func.sum(Hold.amount))
        .where(Hold.debit_account_id.in_(ids), Hold.status == "pending")
        .group_by(Hold.debit_account_id)
    )
    if excluding is not None:
        query = query.where(Hold.id != excluding)
    return {account_id: int(total) for account_id, total in await session.execute(query)}


async def _next_entry_id(session: AsyncSession) -> int:
    """The id is needed before the entry row exists, because postings are written first.
    PostgreSQL hands out sequence values; on SQLite the writer holds the database lock
    (BEGIN IMMEDIATE), so the next id cannot be taken by anyone else."""
    if _on_postgres(session):
        query = "SELECT nextval(pg_get_serial_sequence('ledger_entries', 'id'))"
    else:
        query = "SELECT coalesce(max(id), 0) + 1 FROM ledger_entries"
    return int((await session.execute(text(query))).scalar_one())


async def balance(session: AsyncSession, account_id: int, *, as_of: datetime | None = None) -> int:
    """Posted balance: the sum of the account's postings, optionally as of a past moment."""
    query = select(func.coalesce(func.sum(Posting.amount), 0)).where(
        Posting.account_id == account_id
    )
    if as_of is not None:
        query = query.join(Entry, Entry.id == Posting.entry_id).where(Entry.effective_at <= as_of)
    return int((await session.execute(query)).scalar_one())


async def available(session: AsyncSession, account_id: int) -> int:
    """Posted balance less what pending holds have reserved: what can be spent now."""
    held = await pending_out(session, [account_id])
    return await balance(session, account_id) - held.get(account_id, 0)


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
        select(Posting.account_id, Posting.amount).where(Posting.entry_id == entry_id)
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
        raise AlreadyReversed(entry_id=entry_id) from exc


@dataclass(frozen=True)
class EntryRequest:
    idempotency_key: str
    kind: str
    legs: tuple[Leg, ...]
    memo: str | None = None
    meta: dict[str, Any] | None = None


async def post_batch(
    session: AsyncSession,
    requests: Sequence[EntryRequest],
    *,
    now: datetime,
    actor: str | None = None,
) -> list[EntryView]:
    """Post many entries in the caller's transaction: all of them commit, or none does
    (confirming twenty patrol volunteers is one write). Raises what post_entry raises.

    Every account the batch may lock is locked first, in one ascending sweep: entry by
    entry, two batches would take their locks in different orders and deadlock."""
    debited = [leg.account_id for request in requests for leg in request.legs if leg.amount < 0]
    credited = [leg.account_id for request in requests for leg in request.legs if leg.amount > 0]
    if requests and _on_postgres(session):
        await lock_accounts(session, debited=debited, credited=credited)
    return [
        await post_entry(
            session,
            idempotency_key=request.idempotency_key,
            kind=request.kind,
            legs=request.legs,
            now=now,
            memo=request.memo,
            meta=request.meta,
            actor=actor,
        )
        for request in requests
    ]
