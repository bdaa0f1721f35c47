"""Many writers at once, each on its own connection: nothing overdrawn, nothing doubled."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from core.db import Database
from ledger.errors import BalanceOutOfBounds
from ledger.models import Entry
from ledger.service import Leg, balance, open_account, post_entry
from tests.ledger.books import assert_books_balance, funded_wallet

NOW = datetime(2026, 4, 1, tzinfo=UTC)


async def test_fifty_concurrent_spends_never_overdraw(database: Database) -> None:
    _, clearing, wallet = await funded_wallet(database, 20)

    async def spend(n: int) -> bool:
        try:
            async with database.write() as session:
                await post_entry(
                    session,
                    idempotency_key=f"spend-{n}",
                    kind="redeem",
                    now=NOW,
                    legs=[Leg(wallet, -1), Leg(clearing, 1)],
                )
        except BalanceOutOfBounds:
            return False
        return True

    results = await asyncio.gather(*(spend(n) for n in range(50)))
    assert results.count(True) == 20
    async with database.read() as session:
        assert await balance(session, wallet) == 0
        assert await balance(session, clearing) == 20
    await assert_books_balance(database)


async def test_one_key_sent_concurrently_writes_one_entry(database: Database) -> None:
    issuance, _, wallet = await funded_wallet(database, 1)

    async def award() -> int:
        async with database.write() as session:
            entry = await post_entry(
                session,
                idempotency_key="tap",
                kind="award",
                now=NOW,
                legs=[Leg(issuance, -5), Leg(wallet, 5)],
            )
        return entry.id

    ids = await asyncio.gather(*(award() for _ in range(10)))
    assert len(set(ids)) == 1
    async with database.read() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(Entry).where(Entry.idempotency_key == "tap")
            )
            == 1
        )
        assert await balance(session, wallet) == 6
    await assert_books_balance(database)


async def test_hot_issuance_account_takes_concurrent_awards(database: Database) -> None:
    issuance, _, _ = await funded_wallet(database, 1)
    async with database.write() as session:
        wallets = [
            (
                await open_account(
                    session, code=f"w{n}", unit="moral", kind="wallet", floor=0, now=NOW
                )
            ).id
            for n in range(30)
        ]

    async def award(wallet: int) -> None:
        async with database.write() as session:
            await post_entry(
                session,
                idempotency_key=f"award-{wallet}",
                kind="award",
                now=NOW,
                legs=[Leg(issuance, -3), Leg(wallet, 3)],
            )

    await asyncio.gather(*(award(w) for w in wallets))
    async with database.read() as session:
        assert await balance(session, issuance) == -1 - 3 * 30
    await assert_books_balance(database)
