"""Checking the whole ledger the way `moralbank ledger verify` does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from core.db import Database
from ledger.verify import Problem, verify


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
