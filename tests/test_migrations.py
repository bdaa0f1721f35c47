"""The schema comes only from Alembic, and the models agree with the migrations."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

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
