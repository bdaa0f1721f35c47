"""Batches commit whole or not at all, even when the process dies in the middle."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.db import Database
from ledger.errors import BalanceOutOfBounds
from ledger.models import Entry
from ledger.service import EntryRequest, Leg, balance, open_account, post_batch
from tests.ledger.books import assert_books_balance
from tests.processes import ROOT

NOW = datetime(2026, 4, 1, tzinfo=UTC)
# Posts half of a 100-entry batch, flushes it to the database, then kills itself.
KILLED_MID_BATCH = """
import asyncio, os, signal, sys
from datetime import UTC, datetime
from core.db import Database
from ledger.service import EntryRequest, Leg, post_batch
async def main() -> None:
    database = Database.from_url(sys.argv[1])
    now = datetime.now(UTC)
    async with database.write() as session:
        batch = [EntryRequest(f"batch-{n}", "award", (Leg(1, -1), Leg(2 + n % 20, 1)))
                 for n in range(50)]
        await post_batch(session, batch, now=now)
        await session.flush()
        os.kill(os.getpid(), signal.SIGKILL)
asyncio.run(main())
"""


async def _accounts(database: Database, wallets: int) -> tuple[int, list[int]]:
    async with database.write() as session:
        issuance = await open_account(
            session, code="iss", unit="volunteer", kind="system", now=NOW
        )
        ids = [
            (
                await open_account(
                    session, code=f"w{n}", unit="volunteer", kind="wallet", floor=0, now=NOW
                )
            ).id
            for n in range(wallets)
        ]
    return issuance.id, ids


async def _entries(database: Database) -> int:
    async with database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Entry)) or 0)


async def test_twenty_volunteers_confirmed_in_one_write(database: Database) -> None:
    issuance, wallets = await _accounts(database, 20)
    batch = [
        EntryRequest(f"patrol-7:{w}", "award", (Leg(issuance, -3), Leg(w, 3))) for w in wallets
    ]
    async with database.write() as session:
        await post_batch(session, batch, now=NOW)
    async with database.read() as session:
        assert [await balance(session, w) for w in wallets] == [3] * 20
    await assert_books_balance(database)


async def test_one_refused_entry_refuses_the_whole_batch(database: Database) -> None:
    issuance, wallets = await _accounts(database, 3)
    batch = [
        EntryRequest("a", "award", (Leg(issuance, -3), Leg(wallets[0], 3))),
        EntryRequest("b", "deduct", (Leg(wallets[1], -1), Leg(issuance, 1))),  # empty wallet
    ]
    with pytest.raises(BalanceOutOfBounds):
        async with database.write() as session:
            await post_batch(session, batch, now=NOW)
    assert await _entries(database) == 0


async def test_a_process_killed_mid_batch_leaves_nothing_half_written(
    database: Database, database_url: str
) -> None:
    await _accounts(database, 20)
    killed = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        KILLED_MID_BATCH,
        database_url,
        cwd=ROOT,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(killed.communicate(), timeout=60)
    assert killed.returncode == -9, stderr.decode()
    assert await _entries(database) == 0
    await assert_books_balance(database)


async def test_concurrent_batches_over_the_same_wallets_do_not_deadlock(
    database: Database,
) -> None:
    """Each batch spends from the same wallets in its own shuffled order; entry-by-entry
    locking would deadlock here on PostgreSQL."""
    issuance, wallets = await _accounts(database, 20)
    async with database.write() as session:
        await post_batch(
            session,
            [
                EntryRequest(f"fund-{w}", "award", (Leg(issuance, -10), Leg(w, 10)))
                for w in wallets
            ],
            now=NOW,
        )

    async def spend_all(batch: int) -> None:
        order = wallets[batch % 20 :] + wallets[: batch % 20]
        if batch % 2:
            order.reverse()
        requests = [
            EntryRequest(f"b{batch}-{w}", "redeem", (Leg(w, -1), Leg(issuance, 1))) for w in order
        ]
        async with database.write() as session:
            await post_batch(session, requests, now=NOW)

    await asyncio.wait_for(asyncio.gather(*(spend_all(b) for b in range(8))), timeout=60)
    async with database.read() as session:
        assert [await balance(session, w) for w in wallets] == [2] * 20
    await assert_books_balance(database)
