"""Shared fixtures: a real, migrated database per test, SQLite or PostgreSQL.

`MORALBANK_TEST_DATABASE_URL` chooses the database for the whole run. Unset, every test
gets its own SQLite file copied from one migrated template. Set to a PostgreSQL URL, the
run creates that database afresh, migrates it once and empties every table after each test.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.clock import SystemClock
from core.db import Database
from core.i18n import Catalogues
from core.logs import configure_logging
from core.uow import UnitOfWork
from moralbank import migrations
from moralbank.schema import product_metadata
from rewards.staff import passwords

# A run spread over processes (pytest-xdist: gw0, gw1, …) gives each its own PostgreSQL
# database, since each empties every table after each of its tests.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _own_database(url: str) -> str:
    if not (url.startswith("postgresql") and WORKER):
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


TEST_DATABASE_URL = _own_database(os.environ.get("MORALBANK_TEST_DATABASE_URL", ""))
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")

# The bot under test, for the bot's tests and for panel tests that look at the bot.
pytest_plugins = ["tests.bot.fixtures"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test marked `no_database` is the same on both passes, so the PostgreSQL pass
    leaves it to the SQLite one (the two share the machine's cores). The mark is refused
    on a test that does use a database."""
    for item in items:
        if item.get_closest_marker("no_database") is None:
            continue
        if "database_url" in getattr(item, "fixturenames", ()):
            raise pytest.UsageError(f"{item.nodeid} is marked no_database but uses one")
        if ON_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="uses no database: the SQLite pass runs it"))


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL' if ON_POSTGRES else 'SQLite'}"


async def recreate_postgres_database(url: str) -> None:
    import asyncpg  # only needed on PostgreSQL runs

    parsed = make_url(url)
    admin_dsn = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    connection = await asyncpg.connect(admin_dsn)
    try:
        name = parsed.database
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database at the newest migration: a SQLite file to copy, or the PostgreSQL URL."""
    if ON_POSTGRES:
        asyncio.run(recreate_postgres_database(TEST_DATABASE_URL))
        migrations.upgrade(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "moralbank.db"
    migrations.upgrade(f"sqlite+aiosqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    if ON_POSTGRES:
        yield migrated_template
        asyncio.run(_empty_postgres_tables(migrated_template))
        return
    copy = tmp_path / "moralbank.db"
    shutil.copyfile(migrated_template, copy)
    yield f"sqlite+aiosqlite:///{copy}"


async def _empty_postgres_tables(url: str) -> None:
    names = ", ".join(f'"{table.name}"' for table in product_metadata().sorted_tables)
    database = Database.from_url(url)
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await database.dispose()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def uow(database: Database) -> UnitOfWork:
    return UnitOfWork(database, SystemClock())


@pytest.fixture(scope="session")
def catalogues() -> Catalogues:
    return Catalogues.load()


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The root logger writing JSON into a buffer, as MORALBANK_LOG_FORMAT=json does; put
    back as it was afterwards."""
    root = logging.getLogger()
    level = root.level
    buffer = io.StringIO()
    handler = configure_logging("INFO", "json", stream=buffer)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        logging.captureWarnings(False)


@pytest.fixture(scope="session", autouse=True)
def one_hash_per_password() -> Iterator[None]:
    """Argon2id costs about 125 ms of CPU a hash, by design, and the suite makes thousands
    of staff accounts with a handful of passwords: each password is hashed once, for real,
    and that hash is reused. Verifying stays as in production (tests/admin/test_login_load
    counts it), and so does every hash made in a process the tests start."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "hash_password", functools.cache(passwords.hash_password))
        yield
