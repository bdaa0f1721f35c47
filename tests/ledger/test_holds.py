"""Two-phase transfers and reversals, worked through on a wallet with a floor of zero."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.db import Database
from ledger.errors import (
    AlreadyReversed,
    BalanceOutOfBounds,
    HoldNotPending,
    IdempotencyConflict,
    InvalidAmount,
)
from ledger.holds import expire_holds, place_hold, post_hold, void_hold
from ledger.service import Leg, available, balance, post_entry, reverse_entry
from tests.ledger.books import assert_books_balance, funded_wallet

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


async def _figures(database: Database, wallet: int, clearing: int) -> tuple[int, int, int]:
    async with database.read() as session:
        return (
            await balance(session, wallet),
            await available(session, wallet),
            await balance(session, clearing),
        )


async def _hold(
    database: Database,
    key: str,
    wallet: int,
    clearing: int,
    amount: int,
    expires_at: datetime | None = None,
) -> int:
    async with database.write() as session:
        hold = await place_hold(
            session,
            idempotency_key=key,
            debit_account_id=wallet,
            credit_account_id=clearing,
            amount=amount,
            now=NOW,
            expires_at=expires_at,
        )
    return hold.id


async def test_hold_then_post_in_full(database: Database) -> None:
    _, clearing, wallet = await funded_wallet(database, 10)
    hold = await _hold(database, "h", wallet, clearing, 7)
    assert await _figures(database, wallet, clearing) == (10, 3, 0)
    with pytest.raises(BalanceOutOfBounds):  # the held points cannot be spent twice
        await _hold(database, "h2", wallet, clearing, 4)
    async with database.write() as session:
        await post_hold(session, hold_id=hold, idempotency_key="cap", now=NOW)
    assert await _figures(database, wallet, clearing) == (3, 3, 7)


async def test_partial_post_releases_the_rest_and_a_repeat_returns_the_first(
    database: Database,
) -> None:
    _, clearing, wallet = await funded_wallet(database, 10)
    hold = await _hold(database, "h", wallet, clearing, 7)
    async with database.write() as session:
        first = await post_hold(session, hold_id=hold, idempotency_key="cap", now=NOW, amount=5)
    async with database.write() as session:
        again = await post_hold(session, hold_id=hold, idempotency_key="cap", now=NOW, amount=5)
    assert (again.id, again.replayed) == (first.id, True)
    assert await _figures(database, wallet, clearing) == (5, 5, 5)
    with pytest.raises(HoldNotPending):
        async with database.write() as session:
            await post_hold(session, hold_id=hold, idempotency_key="cap-2", now=NOW)
    with pytest.raises(IdempotencyConflict):
        async with database.write() as session:
            await post_entry(
                session,
                idempotency_key="cap",
                kind="award",
                now=NOW,
                legs=[Leg(wallet, -1), Leg(clearing, 1)],
            )


async def test_void_and_expiry_release_the_amount(database: Database) -> None:
    _, clearing, wallet = await funded_wallet(database, 10)
    voided = await _hold(database, "v", wallet, clearing, 4)
    expiring = await _hold(
        database, "e", wallet, clearing, 5, expires_at=NOW + timedelta(minutes=5)
    )
    assert await _figures(database, wallet, clearing) == (10, 1, 0)
    async with database.write() as session:
        assert (await void_hold(session, hold_id=voided, now=NOW)).status == "voided"
    async with database.write() as session:
        assert await expire_holds(session, now=NOW + timedelta(minutes=4)) == 0
        assert await expire_holds(session, now=NOW + timedelta(minutes=5)) == 1
    assert await _figures(database, wallet, clearing) == (10, 10, 0)
    with pytest.raises(HoldNotPending) as late:
        async with database.write() as session:
            await post_hold(session, hold_id=expiring, idempotency_key="late", now=NOW)
    assert late.value.params == {"status": "expired"}


async def test_a_resolved_hold_cannot_be_changed_even_by_hand(database: Database) -> None:
    _, clearing, wallet = await funded_wallet(database, 10)
    hold = await _hold(database, "h", wallet, clearing, 4)
    async with database.write() as session:
        await void_hold(session, hold_id=hold, now=NOW)
    with pytest.raises(DBAPIError, match="already resolved"):
        async with database.write() as session:
            await session.execute(text("UPDATE ledger_holds SET status = 'pending'"))


@pytest.mark.parametrize("amount", [0, -3, 11])
async def test_invalid_amounts(database: Database, amount: int) -> None:
    _, clearing, wallet = await funded_wallet(database, 10)
    if amount > 0:
        hold = await _hold(database, "h", wallet, clearing, 10)
        with pytest.raises(InvalidAmount):
            async with database.write() as session:
                await post_hold(session, hold_id=hold, idempotency_key="c", now=NOW, amount=amount)
    else:
        with pytest.raises(InvalidAmount):
            await _hold(database, "h", wallet, clearing, amount)


async def test_two_captures_of_one_hold_exactly_one_wins(database: Database) -> None:
    _, clearing, wallet = await funded_wallet(database, 10)
    hold = await _hold(database, "h", wallet, clearing, 6)

    async def capture(n: int) -> bool:
        try:
            async with database.write() as session:
                await post_hold(session, hold_id=hold, idempotency_key=f"cap-{n}", now=NOW)
        except HoldNotPending:
            return False
        return True

    assert sorted(await asyncio.gather(*(capture(n) for n in range(5)))) == [False] * 4 + [True]
    assert await _figures(database, wallet, clearing) == (4, 4, 6)
    await assert_books_balance(database)


async def test_an_entry_is_reversed_once(database: Database) -> None:
    issuance, _, wallet = await funded_wallet(database, 10)
    async with database.write() as session:
        award = await post_entry(
            session,
            idempotency_key="a",
            kind="award",
            now=NOW,
            legs=[Leg(issuance, -5), Leg(wallet, 5)],
        )
    async with database.write() as session:
        reversal = await reverse_entry(session, entry_id=award.id, idempotency_key="r", now=NOW)
    assert reversal.reverses_entry_id == award.id
    assert sorted(reversal.legs, key=lambda leg: leg.account_id) == sorted(
        [Leg(issuance, 5), Leg(wallet, -5)], key=lambda leg: leg.account_id
    )
    async with database.write() as session:  # the same request again: the same reversal
        assert (
            await reverse_entry(session, entry_id=award.id, idempotency_key="r", now=NOW)
        ).id == reversal.id
    with pytest.raises(AlreadyReversed):
        async with database.write() as session:
            await reverse_entry(session, entry_id=award.id, idempotency_key="r2", now=NOW)
    async with database.read() as session:
        assert await balance(session, wallet) == 10


async def test_the_database_refuses_to_change_a_pending_hold(database: Database) -> None:
    _, clearing, wallet = await funded_wallet(database, 10)
    await _hold(database, "h", wallet, clearing, 7)
    with pytest.raises(DBAPIError, match="already resolved"):
        async with database.write() as session:
            await session.execute(text("UPDATE ledger_holds SET amount = 1"))
    assert await _figures(database, wallet, clearing) == (10, 3, 0)
