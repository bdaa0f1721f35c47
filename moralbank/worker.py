"""The background worker: scheduled jobs, and the outbox sender when a bot token is set.

It runs inside `moralbank run`, or on its own (`moralbank worker`) as many times as the
load asks; jobs and messages are claimed in the database, so each runs or goes out once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.maintenance import prune_processed_updates
from bot.outbox_sender import OutboxSender
from core.clock import Clock
from core.db import Database
from core.jobs.models import ScheduledJob
from core.jobs.scheduler import (
    Continue,
    JobHandler,
    Recurring,
    ensure_recurring,
    next_run_at,
    run_due_job,
)
from core.settings import DEFAULT_TIME_ZONE
from core.uow import UnitOfWork
from ledger.holds import expire_holds
from rewards.cases import deadlines
from rewards.duty import groups as duty_groups
from rewards.duty import reminders as duty_reminders
from rewards.duty import roll_call
from rewards.duty.activities import plan_shifts
from rewards.duty.policy import DEFAULT_POLICY, DutyPolicy
from rewards.duty.signups import expire_offers
from rewards.messaging import reminders
from rewards.messaging.delivery import requeue_abandoned
from rewards.points import expiry
from rewards.points.expiry import expire_chunk
from rewards.rankings import schedule as ranking_schedule
from rewards.redemption.checkout import expire_checkouts

log = logging.getLogger(__name__)
# The default community clock; `moralbank run` passes the settings' own.
COMMUNITY_ZONE = ZoneInfo(DEFAULT_TIME_ZONE)
KEEP_PROCESSED_UPDATES = timedelta(days=7)
# The longest the runner sleeps: jobs scheduled by another process are seen this soon.
POLL_SECONDS = 1.0
# Wallets a long job handles in one transaction (MORALBANK_JOB_CHUNK_SIZE).
DEFAULT_CHUNK = 500


async def _expire_holds(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
    if expired := await expire_holds(session, now=now):
        log.info("voided %d expired point holds", expired)


async def _expire_checkouts(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
    if expired := await expire_checkouts(session, now=now):
        log.info("%d kiosk checkouts expired; points they held were released", expired)


async def _prune_updates(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
    if pruned := await prune_processed_updates(session, before=now - KEEP_PROCESSED_UPDATES):
        log.info("pruned %d old Telegram update records", pruned)


def _expiring_points(chunk: int) -> JobHandler:
    async def expire(session: AsyncSession, job: ScheduledJob, now: datetime) -> Continue | None:
        lapsed, cursor = await expire_chunk(
            session, now=now, cursor=job.payload.get("cursor"), limit=chunk
        )
        if lapsed:
            log.info("points lapsed in %d wallets", lapsed)
        return None if cursor is None else Continue(cursor)

    return expire


async def _requeue_messages(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
    if requeued := await requeue_abandoned(session, now=now):
        log.warning("%d outbox messages were left by a stopped worker; sending again", requeued)


async def _overdue_cases(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
    if named := await deadlines.alert_overdue(session, now):
        log.info("%d overdue cases named in today's digests", named)


async def _follow_up_cases(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
    if asked := await deadlines.follow_up_closed(session, now):
        log.info("%d reporters asked whether their case stayed fixed", asked)


def _duty_jobs(zone: ZoneInfo, policy: DutyPolicy) -> Mapping[str, JobHandler]:
    """The duty jobs that read the community's clock (days, evenings) and its rules."""

    async def lapse(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
        if lapsed := await expire_offers(session, now, policy):
            log.info("duty offers lapsed on %d shifts; offered to the next", lapsed)

    async def plan(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
        if added := await plan_shifts(session, now=now, zone=zone):
            log.info("%d duty shifts planned ahead", added)

    async def remind(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
        await duty_reminders.remind(session, now, zone)

    async def post(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
        await duty_groups.post_to_groups(session, now, zone)

    async def boards(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
        if drafted := await ranking_schedule.draft_due(session, now, zone):
            log.info("%d ranking boards drafted for the quarter that ended", drafted)

    return {
        "duty.expire_offers": lapse,
        "duty.plan_shifts": plan,
        duty_reminders.JOB_KIND: remind,
        duty_groups.GROUP_JOB: post,
        ranking_schedule.JOB_KIND: boards,
    }


async def _call_rolls(session: AsyncSession, job: ScheduledJob, now: datetime) -> None:
    if asked := await roll_call.call_rolls(session, now):
        log.info("attendance asked for on %d ended shifts", asked)


def handlers(
    chunk: int = DEFAULT_CHUNK,
    zone: ZoneInfo = COMMUNITY_ZONE,
    duty: DutyPolicy = DEFAULT_POLICY,
) -> Mapping[str, JobHandler]:
    return {**HANDLERS, expiry.JOB_KIND: _expiring_points(chunk), **_duty_jobs(zone, duty)}


HANDLERS: Mapping[str, JobHandler] = {
    "ledger.expire_holds": _expire_holds,
    "bot.prune_updates": _prune_updates,
    "redemption.expire_checkouts": _expire_checkouts,
    "outbox.requeue_abandoned": _requeue_messages,
    reminders.JOB_KIND: reminders.send_reminder,
    expiry.JOB_KIND: _expiring_points(DEFAULT_CHUNK),
    deadlines.OVERDUE_JOB: _overdue_cases,
    deadlines.FOLLOW_UP_JOB: _follow_up_cases,
    roll_call.JOB_KIND: _call_rolls,
    **_duty_jobs(COMMUNITY_ZONE, DEFAULT_POLICY),
}
RECURRING = [
    Recurring("ledger.expire_holds", timedelta(minutes=1)),
    Recurring("bot.prune_updates", timedelta(hours=1)),
    Recurring("redemption.expire_checkouts", timedelta(seconds=30)),
    Recurring("outbox.requeue_abandoned", timedelta(seconds=5)),
    Recurring(expiry.JOB_KIND, timedelta(hours=6)),
    # Hourly, though each case is named at most once a day: a digest is not a day late
    # because the worker was down at its hour.
    Recurring(deadlines.OVERDUE_JOB, timedelta(hours=1)),
    Recurring(deadlines.FOLLOW_UP_JOB, timedelta(hours=1)),
    Recurring("duty.plan_shifts", timedelta(hours=1)),
    Recurring("duty.expire_offers", timedelta(minutes=1)),
    Recurring(duty_reminders.JOB_KIND, timedelta(minutes=5)),
    Recurring(duty_groups.GROUP_JOB, timedelta(minutes=10)),
    Recurring(roll_call.JOB_KIND, timedelta(minutes=5)),
    Recurring(ranking_schedule.JOB_KIND, timedelta(hours=6)),
]


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        sender: OutboxSender | None = None,
        chunk: int = DEFAULT_CHUNK,
        zone: ZoneInfo = COMMUNITY_ZONE,
        duty: DutyPolicy = DEFAULT_POLICY,
    ) -> None:
        self.database = database
        self.clock = clock
        self.sender = sender
        self.handlers = handlers(chunk, zone, duty)
        self._stopped = asyncio.Event()

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(self.database, self.clock)

    async def schedule_recurring(self) -> None:
        await ensure_recurring(self._uow(), RECURRING)

    async def run_once(self) -> int:
        """Run every job that is due now; returns how many ran."""
        ran = 0
        while await run_due_job(self._uow(), self.handlers):
            ran += 1
        return ran

    async def run(self) -> None:
        async with asyncio.TaskGroup() as tasks:
            if self.sender is not None:
                tasks.create_task(self.sender.run())
            tasks.create_task(self._run_jobs())

    async def _run_jobs(self) -> None:
        scheduled = False
        while not self._stopped.is_set():
            try:
                if not scheduled:
                    await self.schedule_recurring()
                    scheduled = True
                await self.run_once()
                wait = await self._seconds_to_next_job()
            except Exception:
                # A failing job must not take the panel and the bot down with it.
                log.exception("background jobs failed; will retry")
                wait = POLL_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout=wait)

    async def _seconds_to_next_job(self) -> float:
        due = await next_run_at(self._uow(), list(self.handlers))
        if due is None:
            return POLL_SECONDS
        return min(max((due - self.clock.now()).total_seconds(), 0.05), POLL_SECONDS)

    def stop(self) -> None:
        self._stopped.set()
        if self.sender is not None:
            self.sender.stop()
