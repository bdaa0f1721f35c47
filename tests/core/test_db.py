"""The SQLite discipline (WAL, foreign keys, IMMEDIATE writes) and aware timestamps."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.org.models import OrgLevel, OrgUnit
from rewards.people.models import Person
from tests.conftest import ON_POSTGRES

sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite connection discipline")


@sqlite_only
async def test_sqlite_runs_in_wal_with_foreign_keys_and_full_sync(database: Database) -> None:
    async with database.read() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await session.execute(text("PRAGMA synchronous"))).scalar() == 2


async def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(IntegrityError):
        async with database.write() as session:
            session.add(OrgUnit(code="orphan", name="x", level=OrgLevel.GRID, parent_id=999))
            await session.flush()


@sqlite_only
async def test_concurrent_read_modify_write_transactions_wait_instead_of_failing(
    database: Database, database_url: str
) -> None:
    """With a deferred BEGIN, two writers that both read first deadlock on the lock upgrade
    and one gets "database is locked". BEGIN IMMEDIATE makes them queue, so every increment
    lands and none is lost. Four engines stand for four processes: within one process the
    writers also queue on Database's own lock, which would hide the point."""
    async with database.write() as session:
        session.add(Person(display_name="0", language="en", created_at=datetime.now(UTC)))
    engines = [Database.from_url(database_url) for _ in range(4)]

    async def increment(n: int) -> None:
        async with engines[n % 4].write() as session:
            person = (await session.scalars(select(Person))).one()
            value = int(person.display_name)
            await asyncio.sleep(0.005)  # let the other writers try to interleave
            person.display_name = str(value + 1)

    try:
        await asyncio.gather(*(increment(n) for n in range(20)))
    finally:
        for engine in engines:
            await engine.dispose()
    async with database.read() as session:
        assert (await session.scalars(select(Person.display_name))).one() == "20"


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's plan cache")
async def test_a_statement_with_array_parameters_is_planned_once(database: Database) -> None:
    """By default PostgreSQL plans the first five executions each anew, and the ledger's
    writes at every execution: a custom plan knows how long the arrays are (see core.db)."""
    statement = text("SELECT count(*) FROM unnest(CAST(:ids AS bigint[])) AS chosen(id)")
    async with database.write() as session:
        for n in range(1, 9):
            assert (await session.execute(statement, {"ids": list(range(n))})).scalar() == n
        plans = (
            await session.execute(
                text(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                    " WHERE statement LIKE :pattern"
                ),
                {"pattern": "%unnest(% AS chosen(id)"},
            )
        ).one()
    assert (plans.generic_plans, plans.custom_plans) == (8, 0)


async def test_timestamps_come_back_aware_in_utc(database: Database) -> None:
    beijing = timezone(timedelta(hours=8))
    written = datetime(2026, 3, 31, 23, 30, tzinfo=beijing)
    async with database.write() as session:
        session.add(Person(display_name="t", language="zh_Hans", created_at=written))
    async with database.read() as session:
        read = (await session.scalars(select(Person.created_at))).one()
    assert read.tzinfo is not None
    assert read == written
    assert read.utcoffset() == timedelta(0)


async def test_naive_timestamps_are_refused(database: Database) -> None:
    with pytest.raises(Exception, match="naive datetime refused"):
        async with database.write() as session:
            session.add(Person(display_name="t", language="en", created_at=datetime(2026, 1, 1)))
            await session.flush()


async def test_a_hook_joins_the_next_write_and_survives_its_rollback(database: Database) -> None:
    uow = UnitOfWork(database, FrozenClock(datetime(2026, 1, 1, tzinfo=UTC)))

    async def add_marker(session: object) -> None:
        from sqlalchemy.ext.asyncio import AsyncSession

        assert isinstance(session, AsyncSession)
        session.add(Person(display_name="marker", language="en", created_at=uow.now()))

    uow.join_next_commit(add_marker)
    with pytest.raises(RuntimeError):
        async with uow.write():
            raise RuntimeError("the service failed")
    async with uow.write():
        pass
    async with uow.write():
        pass  # the hook ran once, with the first write that committed
    async with uow.read() as session:
        assert (await session.scalars(select(Person.display_name))).all() == ["marker"]


async def _thread_of(session: AsyncSession) -> int:
    """The id of the thread that runs this session's statements, as SQLite sees it."""
    driver = (await (await session.connection()).get_raw_connection()).driver_connection
    assert driver is not None
    await driver.create_function("thread_ident", 0, threading.get_ident)
    return int((await session.execute(text("SELECT thread_ident()"))).scalar_one())


@sqlite_only
async def test_sqlite_writes_run_on_the_event_loop_thread_and_reads_do_not(
    database: Database,
) -> None:
    async with database.write() as session:
        assert await _thread_of(session) == threading.get_ident()
    async with database.read() as session:
        assert await _thread_of(session) != threading.get_ident()


@sqlite_only
async def test_a_write_waiting_for_another_process_lock_leaves_the_event_loop_free(
    database: Database, database_url: str
) -> None:
    """The inline writer must wait for the lock with asyncio sleeps, not SQLite's busy
    handler, which would freeze every coroutine of the process until the lock is free."""
    other = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    async def write() -> None:
        async with database.write() as session:
            session.add(Person(display_name="waited", language="en", created_at=datetime.now(UTC)))

    ticker = asyncio.create_task(tick())
    writer = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writer.done()  # still waiting for the lock…
    ticked_while_waiting = ticks
    other.execute("COMMIT")
    other.close()
    await writer
    ticker.cancel()
    assert ticked_while_waiting >= 10  # …while the loop went on (it runs ~60 ticks)
    async with database.read() as session:
        assert (await session.scalars(select(Person.display_name))).all() == ["waited"]


async def test_a_read_refuses_to_write(database: Database) -> None:
    with pytest.raises(RuntimeError, match="read-only"):
        async with database.read() as session:
            session.add(Person(display_name="x", language="zh_Hans", created_at=datetime.now(UTC)))
            await session.flush()
    with pytest.raises(RuntimeError, match="read-only"):
        async with database.read() as session:
            await session.execute(
                insert(Person).values(
                    display_name="x", language="en", created_at=datetime.now(UTC)
                )
            )
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 0
