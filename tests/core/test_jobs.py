"""Scheduled jobs: durable, run once, retried after a failure; on the real database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import FrozenClock
from core.db import Database
from core.jobs.models import ScheduledJob
from core.jobs.scheduler import Recurring, ensure_recurring, run_due_job, schedule
from core.uow import UnitOfWork
from rewards.audit import AuditEntry, record_audit
from tests.conftest import ON_POSTGRES

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def at(database: Database, moment: datetime) -> UnitOfWork:
    return UnitOfWork(database, FrozenClock(moment))


async def _leave_a_trace(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
    """A job whose effect can be counted: one audit row per run."""
    record_audit(
        session, at=now, actor_staff_id=None, action="test.job", target=job.key, unit_path=None
    )


async def _traces(database: Database) -> list[str]:
    async with database.read() as session:
        return list((await session.scalars(select(AuditEntry.target))).all())


async def _schedule(database: Database, key: str, run_at: datetime) -> None:
    async with database.write() as session:
        await schedule(session, kind="trace", key=key, run_at=run_at, now=NOW)


async def test_a_job_runs_when_due_and_only_once_per_key(database: Database) -> None:
    await _schedule(database, "remind:1", NOW + timedelta(hours=1))
    await _schedule(database, "remind:1", NOW + timedelta(hours=2))  # the same key again
    handlers = {"trace": _leave_a_trace}
    assert not await run_due_job(at(database, NOW), handlers)
    assert await run_due_job(at(database, NOW + timedelta(hours=1)), handlers)
    assert not await run_due_job(at(database, NOW + timedelta(hours=3)), handlers)
    assert await _traces(database) == ["remind:1"]


async def test_a_failed_job_leaves_no_writes_and_is_tried_again(database: Database) -> None:
    calls = 0

    async def flaky(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
        nonlocal calls
        calls += 1
        await _leave_a_trace(session, job, now)
        if calls == 1:
            raise RuntimeError("the first run breaks after writing")

    await _schedule(database, "flaky", NOW)
    assert await run_due_job(at(database, NOW), {"trace": flaky})
    assert await _traces(database) == []
    async with database.read() as session:
        job = await session.scalar(select(ScheduledJob))
    assert job is not None
    assert (job.status, job.attempts) == ("pending", 1)
    assert job.last_error == "RuntimeError: the first run breaks after writing"
    assert job.run_at == NOW + timedelta(seconds=30)
    assert await run_due_job(at(database, NOW + timedelta(seconds=31)), {"trace": flaky})
    assert await _traces(database) == ["flaky"]


async def test_a_recurring_job_comes_back_and_is_defined_once(database: Database) -> None:
    every = [Recurring("trace", timedelta(minutes=5))]
    await ensure_recurring(at(database, NOW), every)
    await ensure_recurring(at(database, NOW), every)  # a second worker starting
    handlers = {"trace": _leave_a_trace}
    assert await run_due_job(at(database, NOW), handlers)
    assert not await run_due_job(at(database, NOW + timedelta(minutes=4)), handlers)
    assert await run_due_job(at(database, NOW + timedelta(minutes=5)), handlers)
    assert await _traces(database) == ["every:trace", "every:trace"]


@pytest.mark.skipif(not ON_POSTGRES, reason="several workers share PostgreSQL")
async def test_concurrent_workers_run_each_job_once(database_url: str) -> None:
    """Five workers, each with its own connection pool, race for 40 due jobs."""
    databases = [Database.from_url(database_url) for _ in range(5)]
    try:
        for n in range(40):
            await _schedule(databases[0], f"job:{n}", NOW)

        async def slow_trace(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
            await asyncio.sleep(0.01)  # long enough for the others to try the same row
            await _leave_a_trace(session, job, now)

        async def drain(database: Database) -> int:
            ran = 0
            while await run_due_job(at(database, NOW), {"trace": slow_trace}):
                ran += 1
            return ran

        counts = await asyncio.gather(*(drain(database) for database in databases))
    finally:
        for database in databases:
            await database.dispose()
    traces = await _traces_at(database_url)
    assert sorted(traces) == sorted(f"job:{n}" for n in range(40))
    assert sum(counts) == 40
    assert sum(1 for count in counts if count) >= 2  # the work was shared


async def _traces_at(url: str) -> list[str]:
    database = Database.from_url(url)
    try:
        return await _traces(database)
    finally:
        await database.dispose()
