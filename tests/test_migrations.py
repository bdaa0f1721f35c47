"""The schema comes only from Alembic, and the models agree with the migrations."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from core.db import Database
from moralbank import migrations
from moralbank.schema import product_metadata
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, recreate_postgres_database


def _scratch_url(tmp_path: Path) -> str:
    if ON_POSTGRES:
        return TEST_DATABASE_URL.rsplit("/", 1)[0] + "/moralbank_migrations_scratch"
    return f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}"


@pytest.fixture
def scratch_url(tmp_path: Path) -> str:
    url = _scratch_url(tmp_path)
    if ON_POSTGRES:
        asyncio.run(recreate_postgres_database(url))
    return url


def test_models_and_migrations_do_not_differ(database_url: str) -> None:
    async def diff() -> list[object]:
        database = Database.from_url(database_url)
        try:
            async with database.engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"compare_type": True}),
                        product_metadata(),
                    )
                )
        finally:
            await database.dispose()

    assert asyncio.run(diff()) == []


def test_upgrade_head_then_downgrade_base_leaves_nothing(scratch_url: str) -> None:
    migrations.upgrade(scratch_url)
    assert set(asyncio.run(_tables(scratch_url))) >= {"staff_accounts", "org_units"}
    migrations.downgrade(scratch_url, "base")
    assert set(asyncio.run(_tables(scratch_url))) <= {"alembic_version"}
    migrations.upgrade(scratch_url)  # and back up again: downgrades leave no debris
    assert migrations.head_revision(scratch_url) is not None


async def _tables(url: str) -> list[str]:
    database = Database.from_url(url)
    try:
        async with database.engine.connect() as connection:
            return await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await database.dispose()


# Books written under the schema before balances were kept on the account row: a funded
# wallet with a floor, a hot issuance account, a pending hold and a three-legged entry.
OLD_LEDGER_ROWS = [
    "INSERT INTO ledger_accounts (id, code, unit, kind, floor, created_at) VALUES"
    " (1, 'iss', 'moral', 'system', NULL, '2026-04-01 00:00:00+00:00'),"
    " (2, 'w', 'moral', 'wallet', 0, '2026-04-01 00:00:00+00:00'),"
    " (3, 'clr', 'moral', 'system', NULL, '2026-04-01 00:00:00+00:00')",
    "INSERT INTO ledger_postings (id, entry_id, account_id, amount) VALUES"
    " (1, 1, 1, -10), (2, 1, 2, 10), (3, 2, 2, -3), (4, 2, 3, 2), (5, 2, 1, 1)",
    "INSERT INTO ledger_entries (id, idempotency_key, fingerprint, kind, created_at,"
    " effective_at, meta) VALUES"
    " (1, 'fund', 'f', 'award', '2026-04-01 00:00:00+00:00', '2026-04-01 00:00:00+00:00', '{}'),"
    " (2, 'split', 's', 'redeem', '2026-04-01 00:00:00+00:00', '2026-04-01 00:00:00+00:00', '{}')",
    "INSERT INTO ledger_holds (idempotency_key, fingerprint, debit_account_id,"
    " credit_account_id, amount, status, created_at) VALUES"
    " ('h', 'h', 2, 3, 4, 'pending', '2026-04-01 00:00:00+00:00')",
]


def test_the_upgrade_to_kept_balances_carries_the_books_over(scratch_url: str) -> None:
    from ledger.service import available, balance
    from tests.ledger.books import problems_in

    migrations.upgrade(scratch_url, "95629c0512a0")

    async def write_old_books() -> None:
        database = Database.from_url(scratch_url)
        try:
            async with database.write() as session:
                for statement in OLD_LEDGER_ROWS:
                    await session.execute(text(statement))
        finally:
            await database.dispose()

    async def books_after() -> tuple[list[object], int, int, int, int | None]:
        database = Database.from_url(scratch_url)
        try:
            async with database.read() as session:
                legs = await session.scalar(text("SELECT legs FROM ledger_entries WHERE id = 2"))
                return (
                    list(await problems_in(database)),
                    await balance(session, 2),
                    await available(session, 2),
                    await balance(session, 1),
                    legs,
                )
        finally:
            await database.dispose()

    asyncio.run(write_old_books())
    migrations.upgrade(scratch_url)
    assert asyncio.run(books_after()) == ([], 7, 3, -9, 3)
