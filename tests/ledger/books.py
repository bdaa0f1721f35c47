"""Checking the whole ledger the way `moralbank ledger verify` does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import text

from core.db import Database
from ledger.service import Leg, open_account, post_entry
from ledger.verify import Problem, verify

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


async def funded_wallet(database: Database, funds: int) -> tuple[int, int, int]:
    """Ids of a hot issuance account, a hot clearing account and a wallet with a floor of
    zero holding `funds` points."""
    async with database.write() as session:
        issuance = await open_account(session, code="iss", unit="moral", kind="system", now=NOW)
        clearing = await open_account(session, code="clr", unit="moral", kind="system", now=NOW)
        wallet = await open_account(
            session, code="w", unit="moral", kind="wallet", floor=0, now=NOW
        )
        await post_entry(
            session,
            idempotency_key="fund",
            kind="award",
            now=NOW,
            legs=[Leg(issuance.id, -funds), Leg(wallet.id, funds)],
        )
    return issuance.id, clearing.id, wallet.id


async def problems_in(database: Database) -> list[Problem]:
    async with database.read() as session:
        return await verify(session)


async def assert_books_balance(database: Database) -> None:
    assert await problems_in(database) == []


@asynccontextmanager
async def append_only_switched_off(database: Database) -> AsyncIterator[None]:
    """Lets a test damage the books on purpose, as a bad manual fix would."""
    if database.dialect == "postgresql":
        toggle = "ALTER TABLE ledger_postings {} TRIGGER ledger_postings_append_only"
        async with database.write() as session:
            await session.execute(text(toggle.format("DISABLE")))
        try:
            yield
        finally:
            async with database.write() as session:
                await session.execute(text(toggle.format("ENABLE")))
    else:  # each SQLite test has its own copy of the database
        async with database.write() as session:
            await session.execute(text("DROP TRIGGER ledger_postings_no_update"))
        yield
