"""Scheduling jobs, and running the due ones (see core.jobs.models for the guarantees)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.jobs.models import ScheduledJob
from core.metrics import JOB_RUNS, JobState
from core.sql import insert_ignoring_conflicts
from core.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Continue:
    """A long job did one bounded chunk: its cursor commits with the chunk's writes, and
    the job is due again at once to go on from there in a transaction of its own, so no
    write transaction holds the database for the whole job (SQLite has one writer)."""

    cursor: dict[str, Any]


# A handler does the job's work in the session that claimed it; `now` is the run's time.
# It returns Continue to be run again from a cursor (`job.payload["cursor"]`).
JobHandler = Callable[[AsyncSession, ScheduledJob, datetime], Awaitable[Continue | None]]
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)


async def schedule(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    run_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Run `kind` at `run_at`, once per `key` (a key scheduled before keeps its job)."""
    await session.execute(
        insert_ignoring_conflicts(session, ScheduledJob, on=["key"]),
        [
            {
                "kind": kind,
                "key": key,
                "payload": payload or {},
                "run_at": run_at,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
            }
        ],
    )


@dataclass(frozen=True)
class Recurring:
    kind: str
    every: timedelta


async def ensure_recurring(uow: UnitOfWork, jobs: list[Recurring]) -> None:
    """Each recurring job exists once, however many workers start; a changed interval
    takes effect from its next run."""
    async with uow.write() as session:
        now = uow.now()
        for job in jobs:
            key = f"every:{job.kind}"
            await schedule(session, kind=job.kind, key=key, run_at=now, now=now)
            await session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.key == key)
                .values(every_seconds=int(job.every.total_seconds()), status="pending")
            )


async def run_due_job(uow: UnitOfWork, handlers: Mapping[str, JobHandler]) -> bool:
    """Run one due job, if there is one; True if there was (there may be more)."""
    failure: tuple[int, str] | None = None
    kind: str | None = None
    try:
        async with uow.write() as session:
            job = await _next_due(session, uow.now(), list(handlers))
            if job is None:
                return False
            kind = job.kind
            failure = (job.id, job.kind)
            done = await handlers[job.kind](session, job, uow.now())
            if isinstance(done, Continue):
                job.payload = {**job.payload, "cursor": done.cursor}
                job.attempts = 0
            else:
                job.payload = {k: v for k, v in job.payload.items() if k != "cursor"}
                _finish(job, uow.now())
            failure = None
    except Exception as exc:
        if kind is not None:
            JOB_RUNS.labels(kind, "error").inc()
        if failure is None:
            raise
        log.exception("scheduled job %s (%s) failed", *failure)
        await _record_failure(uow, failure[0], exc)
        return True
    assert kind is not None  # a job ran: returned False above otherwise
    JOB_RUNS.labels(kind, "ok").inc()  # counted once its work committed
    return True


async def _next_due(session: AsyncSession, now: datetime, kinds: list[str]) -> ScheduledJob | None:
    return await session.scalar(
        select(ScheduledJob)
        .where(
            ScheduledJob.status == "pending",
            ScheduledJob.run_at <= now,
            ScheduledJob.kind.in_(kinds),
        )
        .order_by(ScheduledJob.run_at, ScheduledJob.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def _finish(job: ScheduledJob, now: datetime) -> None:
    job.attempts = 0
    job.last_error = None
    job.finished_at = now
    if job.every_seconds:
        # From now, not from run_at: a worker that was down does not replay missed runs.
        job.run_at = now + timedelta(seconds=job.every_seconds)
    else:
        job.status = "done"


async def _record_failure(uow: UnitOfWork, job_id: int, exc: Exception) -> None:
    async with uow.write() as session:
        job = await session.get(ScheduledJob, job_id, with_for_update=True)
        if job is None or job.status != "pending":
            return
        job.attempts += 1
        job.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if job.attempts >= MAX_ATTEMPTS and not job.every_seconds:
            job.status = "failed"
            job.finished_at = uow.now()
        else:
            delay = FIRST_RETRY * 2 ** (job.attempts - 1)
            if job.every_seconds:  # a recurring job is tried again at its next turn at latest
                delay = min(delay, timedelta(seconds=job.every_seconds))
            job.run_at = uow.now() + delay


async def recurring_states(uow: UnitOfWork) -> list[JobState]:
    """Each recurring job's last success and failures since, as every worker left them
    (the metrics read this: it holds whichever process ran the job). One row per
    recurring job; the table's other rows are one-off reminders, few and small."""
    async with uow.read() as session:
        rows = await session.execute(
            select(ScheduledJob.kind, ScheduledJob.finished_at, ScheduledJob.attempts)
            .where(ScheduledJob.every_seconds.is_not(None))
            .order_by(ScheduledJob.kind)
        )
        return [
            JobState(
                job=kind,
                last_success=finished.timestamp() if finished is not None else None,
                failures_in_a_row=attempts,
            )
            for kind, finished, attempts in rows
        ]


async def next_run_at(uow: UnitOfWork, kinds: list[str]) -> datetime | None:
    """When the earliest pending job is due: the runner sleeps until then (or less)."""
    async with uow.read() as session:
        return await session.scalar(
            select(ScheduledJob.run_at)
            .where(ScheduledJob.status == "pending", ScheduledJob.kind.in_(kinds))
            .order_by(ScheduledJob.run_at)
            .limit(1)
        )
