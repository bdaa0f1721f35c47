"""Two-phase transfers: place a hold, then post it (in full or in part) or void it.

A redemption at a kiosk places a hold when the cashier scans the code and posts it when the
goods are confirmed; an abandoned checkout is voided, or expires. Resolving locks the hold
row first and is a conditional UPDATE from "pending", so of two racing captures exactly one
wins; a trigger refuses any later change to a resolved hold but the one link from a posted
hold to its entry.

A hold counts against its debit account's floor from the moment it is placed (a trigger
adds it to the account's `held`). Posting releases the hold first and then writes the
entry, so the amount is never counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import HoldNotPending, IdempotencyConflict, InvalidAmount, UnknownHold
from ledger.models import Hold
from ledger.service import (
    INT64_MAX,
    EntryView,
    Leg,
    find_entry,
    fingerprint_of,
    post_entry,
)
from ledger.writes import check_accounts, insert_ignoring_taken_keys, lock_bounded, refusals


@dataclass(frozen=True)
class HoldView:
    id: int
    debit_account_id: int
    credit_account_id: int
    amount: int
    status: str
    expires_at: datetime | None
    posted_amount: int | None
    resolution_entry_id: int | None


def _view(hold: Hold) -> HoldView:
    return HoldView(
        hold.id,
        hold.debit_account_id,
        hold.credit_account_id,
        hold.amount,
        hold.status,
        hold.expires_at,
        hold.posted_amount,
        hold.resolution_entry_id,
    )


async def place_hold(
    session: AsyncSession,
    *,
    idempotency_key: str,
    debit_account_id: int,
    credit_account_id: int,
    amount: int,
    now: datetime,
    expires_at: datetime | None = None,
    memo: str | None = None,
) -> HoldView:
    """Reserve `amount` on the debit account; it is unavailable from now on.

    Raises ledger_invalid_amount, ledger_unknown_account, ledger_mixed_units,
    insufficient_balance, idempotency_conflict."""
    if not isinstance(amount, int) or not 0 < amount <= INT64_MAX:
        raise InvalidAmount()
    legs = (Leg(debit_account_id, -amount), Leg(credit_account_id, amount))
    fingerprint = fingerprint_of("hold", legs, memo, {"expires_at": expires_at}, None)
    await check_accounts(session, [legs])
    with refusals():
        hold_id = await session.scalar(
            insert_ignoring_taken_keys(session, Hold)
            .values(
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                debit_account_id=debit_account_id,
                credit_account_id=credit_account_id,
                amount=amount,
                status="pending",
                memo=memo,
                created_at=now,
                expires_at=expires_at,
            )
            .returning(Hold.id)
        )
    if hold_id is not None:
        return HoldView(
            hold_id, debit_account_id, credit_account_id, amount, "pending", expires_at, None, None
        )
    existing = await session.scalar(select(Hold).where(Hold.idempotency_key == idempotency_key))
    assert existing is not None  # skipped as taken
    if existing.fingerprint != fingerprint:
        raise IdempotencyConflict(key=idempotency_key)
    return _view(existing)


async def post_hold(
    session: AsyncSession,
    *,
    hold_id: int,
    idempotency_key: str,
    now: datetime,
    amount: int | None = None,
    actor: str | None = None,
    placed: HoldView | None = None,
) -> EntryView:
    """Turn the hold into a posted entry of `amount` (default: all of it); the rest is
    released. `placed` is the hold as `place_hold` returned it earlier in this same
    transaction, when the caller captures at once: the row is this transaction's own and
    pending, so it is not read and locked again. Raises ledger_unknown_hold,
    ledger_hold_resolved (with its status), ledger_invalid_amount, idempotency_conflict."""
    hold: Hold | HoldView
    if placed is not None and placed.id == hold_id and placed.status == "pending":
        hold = placed
    else:
        try:
            hold = await _pending(session, hold_id, now)
        except HoldNotPending:
            replayed = await find_entry(session, idempotency_key)
            if replayed is not None and replayed.view.meta_hold_id == hold_id:
                return replayed.view
            raise
    amount = hold.amount if amount is None else amount
    if not isinstance(amount, int) or not 0 < amount <= hold.amount:
        raise InvalidAmount()
    # Releasing the hold and posting touch the debit account and then the credit account:
    # take both locks up front, in the one order every writer uses.
    await lock_bounded(session, [hold.debit_account_id, hold.credit_account_id])
    await _resolve(session, hold_id, now, "posted", posted_amount=amount)
    entry = await post_entry(
        session,
        idempotency_key=idempotency_key,
        kind="hold_post",
        now=now,
        actor=actor,
        legs=[Leg(hold.debit_account_id, -amount), Leg(hold.credit_account_id, amount)],
        meta={"hold_id": hold_id},
    )
    if entry.replayed:  # the key was used for another entry: not this hold's
        raise IdempotencyConflict(key=idempotency_key)
    await session.execute(_SET_RESOLUTION, {"hold_id": hold_id, "entry_id": entry.id})
    return entry


async def void_hold(
    session: AsyncSession, *, hold_id: int, now: datetime, status: str = "voided"
) -> HoldView:
    """Release the reserved amount. Raises ledger_unknown_hold, ledger_hold_resolved."""
    await _pending(session, hold_id, now, allow_expired=True)
    await _resolve(session, hold_id, now, status)
    hold = await session.get(Hold, hold_id, populate_existing=True)
    assert hold is not None
    return _view(hold)


async def expire_holds(session: AsyncSession, *, now: datetime) -> int:
    """Void every pending hold whose time is up; returns how many (the worker's job).

    One hold at a time, in ascending order of debit account, so that the account locks
    the releases take come in the order every other writer uses."""
    due = await session.scalars(
        select(Hold.id)
        .where(Hold.status == "pending", Hold.expires_at.is_not(None), Hold.expires_at <= now)
        .order_by(Hold.debit_account_id, Hold.id)
    )
    expired = 0
    for hold_id in due.all():
        expired += await _resolve(session, hold_id, now, "expired", strict=False)
    return expired


# Built once: every captured hold runs them, and building one took as long as sending it.
_RESOLVE = (
    update(Hold)
    .where(Hold.id == bindparam("hold_id"), Hold.status == "pending")
    .values(
        status=bindparam("to_status"),
        resolved_at=bindparam("now"),
        posted_amount=bindparam("amount_posted"),
    )
    .execution_options(synchronize_session=False)
)
_SET_RESOLUTION = (
    update(Hold)
    .where(Hold.id == bindparam("hold_id"))
    .values(resolution_entry_id=bindparam("entry_id"))
    .execution_options(synchronize_session=False)
)


async def _pending(
    session: AsyncSession, hold_id: int, now: datetime, *, allow_expired: bool = False
) -> Hold:
    # The row lock makes racing resolutions of one hold take turns: the second then reads
    # the first one's outcome here. (Taken before any account lock, always.)
    hold = await session.scalar(
        select(Hold)
        .where(Hold.id == hold_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if hold is None:
        raise UnknownHold(hold_id=hold_id)
    expired = hold.expires_at is not None and hold.expires_at <= now
    if hold.status != "pending" or (expired and not allow_expired):
        raise HoldNotPending(status="expired" if expired else hold.status)
    return hold


async def _resolve(
    session: AsyncSession,
    hold_id: int,
    now: datetime,
    status: str,
    *,
    posted_amount: int | None = None,
    strict: bool = True,
) -> bool:
    """Move the hold out of pending (its trigger releases the reserved amount)."""
    result = await session.execute(
        _RESOLVE,
        {"hold_id": hold_id, "to_status": status, "now": now, "amount_posted": posted_amount},
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1 and strict:
        # Another transaction resolved it between our read and this write.
        raise HoldNotPending(status="resolved")
    return bool(result.rowcount == 1)
